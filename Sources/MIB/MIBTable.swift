import VirtModel

/// A scalar object: one value per snapshot, served at `oid.0`.
public struct Scalar: Sendable {
    public let name: String
    public let subID: UInt32
    public let syntax: Syntax
    let value: @Sendable (Snapshot) -> SNMPValue

    public init(_ name: String, _ subID: UInt32, _ syntax: Syntax,
                _ value: @escaping @Sendable (Snapshot) -> SNMPValue) {
        self.name = name
        self.subID = subID
        self.syntax = syntax
        self.value = value
    }
}

/// A column of a conceptual table whose rows are `Row` values.
public struct Column<Row>: Sendable {
    public let name: String
    public let subID: UInt32
    public let syntax: Syntax
    public let access: MIBObject.Access
    /// nil: the row has no such instance (a value the source did not report).
    let value: @Sendable (Row) -> SNMPValue?

    /// A read-only column.
    public init(_ name: String, _ subID: UInt32, _ syntax: Syntax,
                _ value: @escaping @Sendable (Row) -> SNMPValue) {
        self.name = name
        self.subID = subID
        self.syntax = syntax
        self.access = .readOnly
        self.value = value
    }

    /// A read-write column: served like the others; what a SET does is `ControlWrites`' business.
    public init(_ name: String, _ subID: UInt32, _ syntax: Syntax, writable: Bool,
                _ value: @escaping @Sendable (Row) -> SNMPValue) {
        self.name = name
        self.subID = subID
        self.syntax = syntax
        self.access = writable ? .readWrite : .readOnly
        self.value = value
    }

    /// A read-only column whose cell exists only in rows that have a value: a
    /// figure libvirt or the guest did not report is absent, not zero.
    public init(_ name: String, _ subID: UInt32, _ syntax: Syntax,
                whenReported value: @escaping @Sendable (Row) -> SNMPValue?) {
        self.name = name
        self.subID = subID
        self.syntax = syntax
        self.access = .readOnly
        self.value = value
    }

    /// An index column: declared in the MIB, never served (SMIv2 makes it not-accessible).
    public static func index(_ name: String, _ subID: UInt32, _ syntax: Syntax) -> Column {
        Column(name: name, subID: subID, syntax: syntax, access: .notAccessible)
    }

    private init(name: String, subID: UInt32, syntax: Syntax, access: MIBObject.Access) {
        self.name = name
        self.subID = subID
        self.syntax = syntax
        self.access = access
        self.value = { _ in .integer(0) }
    }
}

/// A conceptual table: where its rows come from in a snapshot, how each row is indexed,
/// and its columns.
public struct Table<Row: Sendable>: Sendable {
    public let name: String
    public let entryName: String
    public let subID: UInt32
    public let columns: [Column<Row>]
    let rows: @Sendable (Snapshot) -> [Row]
    let index: @Sendable (Row) -> [UInt32]

    public init(_ name: String, entry entryName: String, _ subID: UInt32,
                rows: @escaping @Sendable (Snapshot) -> [Row],
                index: @escaping @Sendable (Row) -> [UInt32],
                columns: [Column<Row>]) {
        self.name = name
        self.entryName = entryName
        self.subID = subID
        self.rows = rows
        self.index = index
        self.columns = columns
    }
}

/// What the MIB view needs from any table, whatever its row type.
protocol TableDescription: Sendable {
    func objects(under parent: OID) -> [MIBObject]
    func cells(of snapshot: Snapshot, under parent: OID) -> TableCells
}

extension Table: TableDescription {
    func objects(under parent: OID) -> [MIBObject] {
        let table = parent.appending(subID)
        let entry = table.appending(1)
        return [MIBObject(name: name, oid: table, kind: .table, syntax: nil, access: .notAccessible),
                MIBObject(name: entryName, oid: entry, kind: .row, syntax: nil, access: .notAccessible)]
            + columns.map {
                MIBObject(name: $0.name, oid: entry.appending($0.subID), kind: .column,
                          syntax: $0.syntax, access: $0.access)
            }
    }

    func cells(of snapshot: Snapshot, under parent: OID) -> TableCells {
        TableCells(entry: parent.appending(subID, 1), columns: columns.filter { $0.access != .notAccessible },
                   rows: rows(snapshot), index: index)
    }
}
