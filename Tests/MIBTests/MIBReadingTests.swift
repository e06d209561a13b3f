import Foundation
import ImageInspector
@testable import MIB
import Testing
import VirtModel

/// The cells of a view read back by name: what `check` and `show` rely on.
@Suite struct MIBReadingTests {
    @Test func readsScalarsAndRowsInIndexOrder() {
        let view = VirtAgentxMIB.view(of: sampleSnapshot())
        let reading = MIBReading(view: view)
        #expect(reading.scalar(VirtAgentxMIB.HostScalars.hypervisorType)?.text == "TEST")
        #expect(reading.connectionStatus == .connected)
        #expect(reading.scalar(VirtAgentxMIB.HostScalars.memory) == .gauge32(.max))
        let rows = reading.rows(of: VirtAgentxMIB.domainTable)
        #expect(rows.map(\.index) == [[3], [12]])
        #expect(rows.map { $0[VirtAgentxMIB.DomainColumns.name]?.text } == ["a", "b"])
        #expect(rows.map { $0[VirtAgentxMIB.DomainColumns.state]?.domainState } == [.running, .shutoff])
        #expect(rows[0][VirtAgentxMIB.DomainColumns.cpuTime]?.number == 1 << 40)
        #expect(reading.rows(of: VirtAgentxMIB.poolTable).isEmpty)
    }

    @Test func theLiveDataAgeIsEvaluatedWhenRead() {
        var snapshot = sampleSnapshot()
        snapshot.host.lastPoll = Date(timeIntervalSinceNow: -7)
        let age = MIBReading(view: VirtAgentxMIB.view(of: snapshot)).scalar(VirtAgentxMIB.HostScalars.dataAge)?.number
        #expect(age.map { (7...9).contains($0) } == true, "\(String(describing: age))")
    }

    @Test func cellsInAnyOrderAndForeignCellsAreIgnored() {
        let cells = VirtAgentxMIB.view(of: sampleSnapshot()).allCells
        let foreign = [MIBView.Cell(oid: [1, 3, 6, 1, 2, 1, 1, 5, 0], value: .string("host")),
                       MIBView.Cell(oid: VirtAgentxMIB.objectsRoot.appending(99, 1), value: .integer(1))]
        let reading = MIBReading(cells: cells.reversed() + foreign)
        #expect(reading.rows(of: VirtAgentxMIB.domainTable).map(\.index) == [[3], [12]])
        #expect(!reading.isEmpty)
        #expect(MIBReading(cells: foreign).isEmpty)
    }

    @Test func chainConditionCodesAreTheInspectorsCodes() {
        let conditions: [LayerCondition] = [
            .ok, .corrupt, .dirty, .loop(firstSeenAtLayer: 0), .tooDeep(limit: 64), .missingBackingFile(name: "x"),
            .backingFormatIsProtocol("file"), .unknownIncompatibleFeatures([]),
        ]
        for condition in conditions {
            let number = SNMPValue.integer(ChainCondition(condition).rawValue)
            #expect(number.chainConditionCode == condition.code)
        }
        #expect(SNMPValue.integer(ChainCondition.notInspected.rawValue).chainConditionCode == "not-inspected")
        #expect(SNMPValue.integer(ChainCondition.notInspected.rawValue).isNotInspected)
        #expect(SNMPValue.integer(4).severity == .critical)
        #expect(SNMPValue.integer(0).severity == nil)
    }
}
