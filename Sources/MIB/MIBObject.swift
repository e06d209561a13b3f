/// One node of the MIB as the module file declares it.
public struct MIBObject: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case scalar, table, row, column
    }
    public enum Access: String, Sendable {
        case notAccessible = "not-accessible"
        case readOnly = "read-only"
        /// Carried in notifications only, never served.
        case accessibleForNotify = "accessible-for-notify"
    }

    public var name: String
    public var oid: OID
    public var kind: Kind
    /// nil for tables and rows.
    public var syntax: Syntax?
    public var access: Access

    public init(name: String, oid: OID, kind: Kind, syntax: Syntax?, access: Access) {
        self.name = name
        self.oid = oid
        self.kind = kind
        self.syntax = syntax
        self.access = access
    }
}
