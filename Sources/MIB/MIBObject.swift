/// One node of the MIB as the module file declares it.
public struct MIBObject: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case scalar, table, row, column
    }
    public enum Access: String, Sendable {
        case notAccessible = "not-accessible"
        case readOnly = "read-only"
        /// Written only where control is on, in its own SNMP context (README, "Control").
        case readWrite = "read-write"
        /// Carried in notifications only, never served.
        case accessibleForNotify = "accessible-for-notify"
    }

    public var name: String
    public var oid: OID
    public var kind: Kind
    /// nil for tables and rows.
    public var syntax: Syntax?
    public var access: Access

    /// Read-only or read-write: served to GET and GETNEXT.
    public var isServed: Bool { access == .readOnly || access == .readWrite }

    public init(name: String, oid: OID, kind: Kind, syntax: Syntax?, access: Access) {
        self.name = name
        self.oid = oid
        self.kind = kind
        self.syntax = syntax
        self.access = access
    }
}
