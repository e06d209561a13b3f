// The MIB is written in SNMPCore's terms (OID, SNMPValue, Varbind): whoever uses
// the MIB uses them too.
@_exported import SNMPCore
