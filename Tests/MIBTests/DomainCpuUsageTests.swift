@testable import MIB
import Testing
import VirtModel

/// virtDomainCpuUsage serves the poller's figure as a Gauge32, 0 where none was computed.
@Suite struct DomainCpuUsageTests {
    @Test func theUsageIsServedInItsColumn() {
        var snapshot = sampleSnapshot()
        snapshot.domains[0].cpuUsageHundredthsPercent = 40_000   // four host CPUs busy
        let view = VirtAgentxMIB.view(of: snapshot)
        let rows = MIBReading(view: view).rows(of: VirtAgentxMIB.domainTable)
        #expect(rows.map { $0[VirtAgentxMIB.DomainColumns.cpuUsage]?.number } == [40_000, 0])
        let column = VirtAgentxMIB.oid(of: VirtAgentxMIB.DomainColumns.cpuUsage, in: VirtAgentxMIB.domainTable)
        #expect(column == VirtAgentxMIB.objectsRoot.appending(2, 1, 26))
        #expect(view.get(column.appending(snapshot.domains[0].index)) == .value(.gauge32(40_000)))
    }
}
