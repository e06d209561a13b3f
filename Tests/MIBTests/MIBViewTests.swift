import MIB
import Testing

/// A small hand-made view: one scalar and a two-column table with rows 1, 2 and 10.
private let scalar: OID = [1, 9, 1, 1]
private let column2: OID = [1, 9, 2, 1, 2]
private let column3: OID = [1, 9, 2, 1, 3]
private let view = MIBView(
    scalars: [.init(oid: scalar.appending(0), value: .string("host"))],
    tables: [TableCells(entry: [1, 9, 2, 1], columns: [3, 2], rows: [
        ([10], [.integer(30), .string("j")]),
        ([1], [.integer(10), .string("a")]),
        ([2], [.integer(20), .string("b")]),
    ])],
    objects: [column3, scalar, column2])

@Suite struct MIBViewGetTests {
    @Test func exactInstanceAnswersItsValue() {
        #expect(view.get(scalar.appending(0)) == .value(.string("host")))
        #expect(view.get(column3.appending(10)) == .value(.integer(30)))
    }

    @Test func missingInstanceOfAKnownObjectIsNoSuchInstance() {
        #expect(view.get(column2.appending(3)) == .noSuchInstance)
        #expect(view.get(scalar) == .noSuchInstance)            // the object itself, without .0
        #expect(view.get(scalar.appending(1)) == .noSuchInstance)
        #expect(view.get(column2.appending(1, 5)) == .noSuchInstance)
    }

    @Test func anythingElseIsNoSuchObject() {
        #expect(view.get([1, 9, 2, 1, 4, 1]) == .noSuchObject)  // unknown column
        #expect(view.get([1, 9, 2, 1]) == .noSuchObject)        // the entry node
        #expect(view.get([1, 9]) == .noSuchObject)
        #expect(view.get([1, 8, 99]) == .noSuchObject)
        #expect(view.get([2]) == .noSuchObject)
    }
}

@Suite struct MIBViewNextTests {
    @Test func walksInSNMPOrderWithNumericIndexes() {
        var oid: OID = [1]
        var walked: [OID] = []
        while let cell = view.next(after: oid) {
            walked.append(cell.oid)
            oid = cell.oid
        }
        #expect(walked == [scalar.appending(0),
                           column2.appending(1), column2.appending(2), column2.appending(10),
                           column3.appending(1), column3.appending(2), column3.appending(10)])
    }

    @Test func crossesRowColumnAndTableBoundaries() {
        #expect(view.next(after: scalar.appending(0))?.oid == column2.appending(1))   // scalar -> table
        #expect(view.next(after: column2.appending(10))?.oid == column3.appending(1)) // column -> column
        #expect(view.next(after: column2.appending(2))?.oid == column2.appending(10)) // row 2 -> row 10
        #expect(view.next(after: column2.appending(3))?.oid == column2.appending(10)) // between rows
        #expect(view.next(after: column2.appending(2, 7))?.oid == column2.appending(10))
        #expect(view.next(after: column2)?.oid == column2.appending(1))              // the column itself
    }

    @Test func endOfViewIsNil() {
        #expect(view.next(after: column3.appending(10)) == nil)
        #expect(view.next(after: [1, 9, 3]) == nil)
        #expect(view.next(after: [2]) == nil)
    }

    @Test func anEmptyViewAnswersNothing() {
        let empty = MIBView(cells: [], objects: [])
        #expect(empty.next(after: [0]) == nil)
        #expect(empty.get([1, 3, 6]) == .noSuchObject)
    }
}

/// The columnar tables against the plainest possible view of the same cells (each
/// cell on its own, sorted by OID): every GET and GETNEXT must agree.
@Suite struct MIBViewTableStorageTests {
    @Test func tablesAnswerExactlyAsLooseSortedCells() {
        var generator = SystemRandomNumberGenerator()
        let entry: OID = [1, 9, 5, 1]
        let columns: [UInt32] = [7, 2, 4]
        var indexes = Set<[UInt32]>()
        while indexes.count < 60 { indexes.insert([UInt32.random(in: 1...6, using: &generator), UInt32.random(in: 0...40, using: &generator)]) }
        let rows = indexes.map { index in (index, columns.map { SNMPValue.integer(Int32($0) * 1000 + Int32(index[1])) }) }
        let scalars: [MIBView.Cell] = [.init(oid: [1, 9, 1, 0], value: .integer(1)), .init(oid: [1, 9, 6, 0], value: .integer(6))]
        let objects: [OID] = [[1, 9, 1], [1, 9, 6]] + columns.map { entry.appending($0) }
        let columnar = MIBView(scalars: scalars, tables: [TableCells(entry: entry, columns: columns, rows: rows)], objects: objects)
        let loose = MIBView(
            cells: scalars + rows.flatMap { index, values in
                zip(columns, values).map { MIBView.Cell(oid: entry.appending($0.0).appending(index), value: $0.1) }
            },
            objects: objects)
        #expect(columnar.cellCount == 2 + 60 * 3)
        #expect(columnar.allCells == loose.allCells)
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...7, using: &generator)
            let probe = OID([1, 9] + (0..<length).map { position in
                position < 2 ? [5, 1, 6, 0, 4][Int.random(in: 0...4, using: &generator)] : UInt32.random(in: 0...41, using: &generator)
            })
            #expect(columnar.next(after: probe) == loose.next(after: probe), "next after \(probe)")
            #expect(columnar.get(probe) == loose.get(probe), "get \(probe)")
        }
    }

    @Test func anEmptyTableServesNothingButItsColumnsExist() {
        let column: OID = [1, 9, 5, 1, 2]
        let empty = MIBView(scalars: [], tables: [TableCells(entry: [1, 9, 5, 1], columns: [2], rows: [])], objects: [column])
        #expect(empty.next(after: [1]) == nil)
        #expect(empty.get(column.appending(1)) == .noSuchInstance)
        #expect(empty.cellCount == 0)
    }
}
