import Algorithms

/// The cells of one snapshot in SNMP order, answering GET and GETNEXT by binary search.
///
/// Built once per snapshot off the request path; immutable afterwards, so the
/// net-snmp thread can read it while the collector builds the next one.
public struct MIBView: Sendable {
    public struct Cell: Sendable, Equatable {
        public var oid: OID
        public var value: SNMPValue

        public init(oid: OID, value: SNMPValue) {
            self.oid = oid
            self.value = value
        }
    }

    /// The answer to a GET.
    public enum Lookup: Sendable, Equatable {
        case value(SNMPValue)
        /// The OID names no object this view serves.
        case noSuchObject
        /// The object exists (a scalar or column) but not this instance of it.
        case noSuchInstance
    }

    /// Sorted by OID, no duplicates.
    public let cells: [Cell]
    /// OIDs of the accessible objects (scalars and columns), sorted.
    private let objects: [OID]
    /// Cells whose value depends on the time of the request (the age of the
    /// data), by position in `cells`: evaluated from memory, never from I/O.
    private let live: [Int: @Sendable () -> SNMPValue]

    /// `cells` may come in any order; a `live` entry replaces its cell's value at request time.
    public init(cells: [Cell], objects: [OID], live: [OID: @Sendable () -> SNMPValue] = [:]) {
        self.cells = cells.sorted { $0.oid < $1.oid }
        self.objects = objects.sorted()
        var positions: [Int: @Sendable () -> SNMPValue] = [:]
        for (oid, value) in live {
            let position = self.cells.partitioningIndex { !($0.oid < oid) }
            if position < self.cells.count, self.cells[position].oid == oid { positions[position] = value }
        }
        self.live = positions
    }

    private func cell(at position: Int) -> Cell {
        guard let value = live[position] else { return cells[position] }
        return Cell(oid: cells[position].oid, value: value())
    }

    public func get(_ oid: OID) -> Lookup {
        let position = cells.partitioningIndex { !($0.oid < oid) }
        if position < cells.count, cells[position].oid == oid {
            return .value(cell(at: position).value)
        }
        let after = objects.partitioningIndex { oid < $0 }
        if after > 0, oid.hasPrefix(objects[after - 1]) {
            return .noSuchInstance
        }
        return .noSuchObject
    }

    /// The first cell after `oid` in SNMP order, or nil at the end of the view.
    public func next(after oid: OID) -> Cell? {
        let position = cells.partitioningIndex { oid < $0.oid }
        return position < cells.count ? cell(at: position) : nil
    }
}
