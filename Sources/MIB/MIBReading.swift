/// Cells of VIRT-AGENTX-MIB read back by object name, whether they came from a
/// walk of a remote agent or from the view of a local snapshot: what `check`
/// and `show` read, so both sources give the same answers by construction.
public struct MIBReading: Sendable {
    /// One conceptual row: its index and its cells by column sub-identifier.
    public struct Row: Sendable {
        public let index: [UInt32]
        fileprivate let table: String
        fileprivate var values: [UInt32: SNMPValue]

        /// The cell of the named column; nil when the agent did not serve it.
        public subscript(_ column: String) -> SNMPValue? {
            let object = MIBReading.object(column)
            precondition(object.kind == .column && MIBReading.tableOf(object) == table,
                         "\(column) is not a column of \(table)")
            return values[object.oid.components.last!]
        }
    }

    private var scalars: [OID: SNMPValue] = [:]
    private var tables: [String: [Row]] = [:]

    /// `cells` in any order; cells outside the module's objects are ignored.
    public init(cells: some Sequence<MIBView.Cell>) {
        var rows: [String: [[UInt32]: Row]] = [:]
        for cell in cells {
            guard let object = Self.object(containing: cell.oid) else { continue }
            switch object.kind {
            case .scalar:
                scalars[object.oid] = cell.value
            case .column:
                let table = Self.tableOf(object)
                let index = Array(cell.oid.components.dropFirst(object.oid.components.count))
                rows[table, default: [:]][index, default: Row(index: index, table: table, values: [:])]
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

    /// The value of the named host scalar.
    public func scalar(_ name: String) -> SNMPValue? {
        let object = Self.object(name)
        precondition(object.kind == .scalar, "\(name) is not a scalar")
        return scalars[object.oid]
    }

    /// The rows of the named table in index order.
    public func rows(of table: String) -> [Row] {
        precondition(Self.object(table).kind == .table, "\(table) is not a table")
        return tables[table] ?? []
    }

    // MARK: The module's objects by name and by OID

    private static let byName = Dictionary(VirtAgentxMIB.objects.map { ($0.name, $0) }) { a, _ in a }
    private static let byOID = Dictionary(VirtAgentxMIB.objects.map { ($0.oid, $0) }) { a, _ in a }

    private static func object(_ name: String) -> MIBObject {
        guard let object = byName[name] else { preconditionFailure("VIRT-AGENTX-MIB has no object \(name)") }
        return object
    }

    /// The table a column belongs to: the column's OID is table.1.column.
    private static func tableOf(_ column: MIBObject) -> String {
        byOID[OID(Array(column.oid.components.dropLast(2)))]?.name ?? ""
    }

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
