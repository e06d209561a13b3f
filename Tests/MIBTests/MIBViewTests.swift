import MIB
import Testing

/// A small hand-made view: one scalar and a two-column table with rows 1, 2 and 10.
private let scalar: OID = [1, 9, 1, 1]
private let column2: OID = [1, 9, 2, 1, 2]
private let column3: OID = [1, 9, 2, 1, 3]
private let view = MIBView(
    cells: [
        .init(oid: column3.appending(10), value: .integer(30)),
        .init(oid: scalar.appending(0), value: .string("host")),
        .init(oid: column2.appending(2), value: .string("b")),
        .init(oid: column2.appending(1), value: .string("a")),
        .init(oid: column3.appending(1), value: .integer(10)),
        .init(oid: column2.appending(10), value: .string("j")),
        .init(oid: column3.appending(2), value: .integer(20)),
    ],
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
