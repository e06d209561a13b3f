/// Cells of VIRT-AGENTX-MIB read back by object name, whether they came from a
/// walk of a remote agent or from the view of a local snapshot: what `check`
/// and `show` read, so both sources give the same answers by construction.
public struct MIBReading: Sendable {
    /// One conceptual row of a table whose rows are `Entry` values: its index and its
    /// cells. Read by the table's own column handles (`row[VirtAgentxMIB.DiskColumns.target]`),
    /// so a column of another table does not compile.
    public struct Row<Entry>: Sendable {
        public let index: [UInt32]
        fileprivate let values: [UInt32: SNMPValue]

        /// The cell of `column`; nil when the agent did not serve it.
        public subscript(_ column: Column<Entry>) -> SNMPValue? { values[column.subID] }
    }

    /// A row as read, before a caller names its table.
    private struct Cells: Sendable {
        let index: [UInt32]
        var values: [UInt32: SNMPValue]
    }

    private var scalars: [UInt32: SNMPValue] = [:]
    /// Rows by the sub-identifier of their table under virtAgentxObjects, in index order.
    private var tables: [UInt32: [Cells]] = [:]

    /// `cells` in any order; cells outside the module's objects are ignored.
    public init(cells: some Sequence<MIBView.Cell>) {
        var rows: [UInt32: [[UInt32]: Cells]] = [:]
        let depth = VirtAgentxMIB.objectsRoot.components.count
        for cell in cells {
            guard let object = Self.object(containing: cell.oid) else { continue }
            switch object.kind {
            case .scalar:
                scalars[object.oid.components.last!] = cell.value
            case .column:
                // A column is virtAgentxObjects.table.1.column: its table is the next sub-identifier.
                let table = object.oid.components[depth]
                let index = Array(cell.oid.components.dropFirst(object.oid.components.count))
                rows[table, default: [:]][index, default: Cells(index: index, values: [:])]
                    .values[object.oid.components.last!] = cell.value
            default:
                continue
            }
        }
        tables = rows.mapValues { $0.values.sorted { $0.index.lexicographicallyPrecedes($1.index) } }
    }

    /// The cells a local view serves now, live ones (the data's age) evaluated.
    public init(view: MIBView) {
        self.init(cells: sequence(state: VirtAgentxMIB.objectsRoot) { last -> MIBView.Cell? in
            guard let cell = view.next(after: last) else { return nil }
            last = cell.oid
            return cell
        })
    }

    /// True when at least one object of the module was read.
    public var isEmpty: Bool { scalars.isEmpty && tables.isEmpty }

    /// The value of a host scalar (`VirtAgentxMIB.HostScalars`).
    public func scalar(_ scalar: Scalar) -> SNMPValue? { scalars[scalar.subID] }

    /// The rows of `table` in index order.
    public func rows<Entry>(of table: Table<Entry>) -> [Row<Entry>] {
        (tables[table.subID] ?? []).map { Row(index: $0.index, values: $0.values) }
    }

    // MARK: The module's objects by OID

    private static let byOID = Dictionary(VirtAgentxMIB.objects.map { ($0.oid, $0) }) { a, _ in a }

    /// The scalar (oid.0) or column (oid.index…) that serves `oid`.
    private static func object(containing oid: OID) -> MIBObject? {
        guard oid.components.count > VirtAgentxMIB.objectsRoot.components.count + 2 else { return nil }
        // Scalars are virtHost.n.0, columns table.1.n.index…: try the parents from nearest up.
        var prefix = oid.components
        while prefix.count > VirtAgentxMIB.objectsRoot.components.count {
            prefix.removeLast()
            if let object = byOID[OID(prefix)] {
                return object.kind == .scalar || object.kind == .column ? object : nil
            }
        }
        return nil
    }
}

extension SNMPValue {
    /// The text of a DisplayString.
    public var text: String? {
        switch self {
        case .text(let text): return text
        case .octets(let bytes): return String(decoding: bytes, as: UTF8.self)
        default: return nil
        }
    }

    /// Any integer-valued syntax as a signed 64-bit number (Counter64 saturates).
    public var number: Int64? {
        switch self {
        case .integer(let value): Int64(value)
        case .counter32(let value), .gauge32(let value), .timeTicks(let value): Int64(value)
        case .counter64(let value): Int64(clamping: value)
        case .octets, .text, .objectIdentifier: nil
        }
    }
}
