/// A value as it goes on the wire, already in its SMI base type.
///
/// Values are made once per snapshot (strings encoded, enums numbered), so
/// answering a request is a lookup and a copy.
public enum SNMPValue: Sendable, Equatable {
    case integer(Int32)
    case octets([UInt8])
    case objectIdentifier(OID)
    case counter32(UInt32)
    /// Gauge32 and Unsigned32 share one wire type.
    case gauge32(UInt32)
    case timeTicks(UInt32)
    case counter64(UInt64)

    public static func string(_ text: String) -> SNMPValue { .octets(Array(text.utf8)) }
    public static func truthValue(_ flag: Bool) -> SNMPValue { .integer(flag ? 1 : 2) }
    /// Gauge32 semantics (RFC 2578 §7.1.7): a larger value reads as the maximum.
    public static func gauge(saturating value: UInt64) -> SNMPValue {
        .gauge32(UInt32(clamping: value))
    }
}
