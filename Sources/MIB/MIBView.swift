import Algorithms

/// The cells of one snapshot in SNMP order, answering GET and GETNEXT by binary search.
///
/// Built once per snapshot off the request path; immutable afterwards, so the
/// net-snmp thread can read it while the collector builds the next one. A table
/// keeps each row's index once (not an OID per cell) and the snapshot's rows,
/// whose values its columns compute when read: memory is one index per row, and
/// a request costs a few binary searches and the value it answers with.
public struct MIBView: Sendable {
    /// A served object: SNMPCore's varbind.
    public typealias Cell = Varbind

    /// The answer to a GET.
    public enum Lookup: Sendable, Equatable {
        case value(SNMPValue)
        /// The OID names no object this view serves.
        case noSuchObject
        /// The object exists (a scalar or column) but not this instance of it.
        case noSuchInstance
    }

    /// A stretch of the view in OID order: one scalar instance, or one table.
    private enum Region: Sendable {
        case scalar(Cell)
        case table(TableCells)

        /// Every OID of the region is this OID or under it.
        var root: OID {
            switch self {
            case .scalar(let cell): cell.oid
            case .table(let table): table.entry
            }
        }
    }

    private let regions: [Region]
    /// OIDs of the accessible objects (scalars and columns), sorted.
    private let objects: [OID]
    /// Scalars whose value depends on the time of the request (the age of the
    /// data): evaluated from memory, never from I/O.
    private let live: [OID: @Sendable () -> SNMPValue]

    /// Scalar instances and tables in any order (their subtrees must not overlap);
    /// a `live` entry replaces its scalar's value at request time.
    public init(scalars: [Cell], tables: [TableCells], objects: [OID],
                live: [OID: @Sendable () -> SNMPValue] = [:]) {
        regions = (scalars.map(Region.scalar) + tables.filter { $0.rowCount > 0 }.map(Region.table))
            .sorted { $0.root < $1.root }
        self.objects = objects.sorted()
        self.live = live
    }

    /// A view of loose cells, each its own scalar region (for small hand-made views).
    public init(cells: [Cell], objects: [OID], live: [OID: @Sendable () -> SNMPValue] = [:]) {
        self.init(scalars: cells, tables: [], objects: objects, live: live)
    }

    /// How many cells the view serves.
    public var cellCount: Int {
        regions.reduce(0) { count, region in
            switch region {
            case .scalar: count + 1
            case .table(let table): count + table.presentCellCount
            }
        }
    }

    public func get(_ oid: OID) -> Lookup {
        // The region that could hold `oid`: the last one whose root is not after it.
        let position = regions.partitioningIndex { oid < $0.root } - 1
        if position >= 0 {
            switch regions[position] {
            case .scalar(let cell) where cell.oid == oid:
                return .value(live[oid]?() ?? cell.value)
            case .table(let table):
                if let value = table.value(at: oid) { return .value(value) }
            default:
                break
            }
        }
        let after = objects.partitioningIndex { oid < $0 }
        if after > 0, oid.hasPrefix(objects[after - 1]) {
            return .noSuchInstance
        }
        return .noSuchObject
    }

    /// The first cell after `oid` in SNMP order, or nil at the end of the view.
    public func next(after oid: OID) -> Cell? {
        // The region that may hold `oid`, then those after it, whose every cell follows `oid`.
        var position = max(0, regions.partitioningIndex { oid < $0.root } - 1)
        while position < regions.count {
            switch regions[position] {
            case .scalar(let cell):
                if oid < cell.oid { return Cell(oid: cell.oid, value: live[cell.oid]?() ?? cell.value) }
            case .table(let table):
                if let cell = table.cell(after: oid) { return cell }
            }
            position += 1
        }
        return nil
    }

    /// Every cell in SNMP order (for tests and local readers; the agent never walks it whole).
    public var allCells: [Cell] {
        var cells: [Cell] = []
        var last: OID = []
        while let cell = next(after: last) {
            cells.append(cell)
            last = cell.oid
        }
        return cells
    }
}

/// One conceptual table's cells: each row's index stored once, each value
/// computed from its row when a request reads it.
///
/// A view used to hold every value of a snapshot as well (200,000 at 1,000
/// domains: about 7 MB, and as many allocations every poll) beside the
/// snapshot they were computed from. Computing a cell is a pure function of
/// the snapshot's row: no I/O, no lock, a few instructions for most columns.
public struct TableCells: Sendable {
    /// The entry OID (table.1): cells are entry.column.index.
    public let entry: OID
    /// Accessible column sub-identifiers, ascending.
    private let columns: [UInt32]
    /// Row indexes in SNMP order, flattened: row r is `indexes[starts[r]..<starts[r + 1]]`.
    private let indexes: [UInt32]
    private let starts: [Int]
    /// The value of a cell: a position in `columns`, a row in SNMP order; nil where the row has none.
    private let value: @Sendable (_ column: Int, _ row: Int) -> SNMPValue?

    /// `rows` in any order, each with one value per entry of `columns` (hand-made tables).
    public init(entry: OID, columns: [UInt32], rows: [(index: [UInt32], values: [SNMPValue])]) {
        precondition(rows.allSatisfy { $0.values.count == columns.count }, "a row with the wrong number of values")
        let columnOrder = columns.indices.sorted { columns[$0] < columns[$1] }
        let rowOrder = rows.indices.sorted { rows[$0].index.lexicographicallyPrecedes(rows[$1].index) }
        let values = columnOrder.map { column in rowOrder.map { rows[$0].values[column] } }
        self.init(entry: entry, columns: columnOrder.map { columns[$0] }, sortedIndexes: rowOrder.map { rows[$0].index }) {
            values[$0][$1]
        }
    }

    /// A table whose values `columns` compute from `rows` (in any order) at request time.
    init<Row: Sendable>(entry: OID, columns: [Column<Row>], rows: [Row], index: (Row) -> [UInt32]) {
        let columns = columns.sorted { $0.subID < $1.subID }
        let indexes = rows.map(index)
        // Rows mostly come in index order, straight from the snapshot: then they
        // are kept as they are, sharing the snapshot's storage.
        let sorted: [Row], sortedIndexes: [[UInt32]]
        if zip(indexes, indexes.dropFirst()).allSatisfy({ $0.lexicographicallyPrecedes($1) }) {
            (sorted, sortedIndexes) = (rows, indexes)
        } else {
            let order = indexes.indices.sorted { indexes[$0].lexicographicallyPrecedes(indexes[$1]) }
            (sorted, sortedIndexes) = (order.map { rows[$0] }, order.map { indexes[$0] })
        }
        self.init(entry: entry, columns: columns.map(\.subID), sortedIndexes: sortedIndexes) {
            columns[$0].value(sorted[$1])
        }
    }

    private init(entry: OID, columns: [UInt32], sortedIndexes: [[UInt32]],
                 value: @escaping @Sendable (_ column: Int, _ row: Int) -> SNMPValue?) {
        self.entry = entry
        self.columns = columns
        var indexes: [UInt32] = [], starts: [Int] = [0]
        indexes.reserveCapacity(sortedIndexes.count)
        starts.reserveCapacity(sortedIndexes.count + 1)
        for index in sortedIndexes {
            indexes.append(contentsOf: index)
            starts.append(indexes.count)
        }
        self.indexes = indexes
        self.starts = starts
        self.value = value
    }

    public var rowCount: Int { starts.count - 1 }
    public var columnCount: Int { columns.count }

    private func index(_ row: Int) -> ArraySlice<UInt32> { indexes[starts[row]..<starts[row + 1]] }

    /// The value at `oid` exactly, if it is a cell of this table.
    func value(at oid: OID) -> SNMPValue? {
        let width = entry.components.count
        guard oid.components.count > width + 1, oid.hasPrefix(entry) else { return nil }
        let column = columns.partitioningIndex { $0 >= oid.components[width] }
        guard column < columns.count, columns[column] == oid.components[width] else { return nil }
        let wanted = oid.components[(width + 1)...]
        let row = (0..<rowCount).partitioningIndex { !index($0).lexicographicallyPrecedes(wanted) }
        guard row < rowCount, index(row).elementsEqual(wanted) else { return nil }
        return value(column, row)
    }

    /// The first cell of this table after `oid`, if any.
    func cell(after oid: OID) -> MIBView.Cell? {
        guard rowCount > 0 else { return nil }
        let width = entry.components.count
        if oid < entry { return cell(column: 0, row: 0) }
        // After the entry and outside its subtree: past every cell.
        guard oid.hasPrefix(entry) else { return nil }
        guard oid.components.count > width else { return cell(column: 0, row: 0) }
        let wantedColumn = oid.components[width]
        let column = columns.partitioningIndex { $0 >= wantedColumn }
        guard column < columns.count else { return nil }
        guard columns[column] == wantedColumn else { return cell(column: column, row: 0) }
        // The first row whose index follows what is left of `oid`.
        let rest = oid.components[(width + 1)...]
        let row = (0..<rowCount).partitioningIndex { rest.lexicographicallyPrecedes(index($0)) }
        if row < rowCount { return cell(column: column, row: row) }
        return column + 1 < columns.count ? cell(column: column + 1, row: 0) : nil
    }

    /// The cell at (`column`, `row`), or the first one after it that has a value.
    private func cell(column: Int, row: Int) -> MIBView.Cell? {
        var (column, row) = (column, row)
        while column < columns.count {
            if let value = value(column, row) {
                var components = entry.components
                components.reserveCapacity(entry.components.count + 1 + starts[row + 1] - starts[row])
                components.append(columns[column])
                components.append(contentsOf: index(row))
                return MIBView.Cell(oid: OID(components), value: value)
            }
            row += 1
            if row == rowCount { (column, row) = (column + 1, 0) }
        }
        return nil
    }

    /// Cells that have a value.
    var presentCellCount: Int {
        columns.indices.reduce(0) { count, column in count + (0..<rowCount).count { value(column, $0) != nil } }
    }
}
