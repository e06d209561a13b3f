import Foundation
@testable import MIB
import Testing
import VirtModel

func sampleSnapshot() -> Snapshot {
    var host = Host(uri: "test:///default")
    host.hypervisorType = "TEST"
    host.connection = .connected
    host.memoryKiB = 5_000_000_000  // above Gauge32: must saturate
    let domain = { (index: UInt32, name: String, state: DomainState) in
        Domain(index: index, name: name, uuid: "00000000-0000-0000-0000-00000000000\(index)",
               state: state, stateReason: 1, id: state == .running ? Int32(index) : -1,
               vcpus: 1, maxVcpus: 2, memoryKiB: 1024, maxMemoryKiB: 2048,
               cpuTimeNanoseconds: 1 << 40, autostart: true, persistent: false, osType: "hvm")
    }
    // Out of order on purpose: the view must sort rows by index.
    return Snapshot(host: host, domains: [domain(12, "b", .shutoff), domain(3, "a", .running)])
}

@Suite struct VirtAgentxMIBTests {
    let root = VirtAgentxMIB.root
    let entry = VirtAgentxMIB.objectsRoot.appending(2, 1)

    @Test func rootIsTheDocumentationEnterpriseArc() {
        #expect(root == [1, 3, 6, 1, 4, 1, 32473])
    }

    @Test func objectNamesAndOIDsAreUnique() {
        let objects = VirtAgentxMIB.objects
        #expect(Set(objects.map(\.name)).count == objects.count)
        #expect(Set(objects.map(\.oid)).count == objects.count)
        #expect(objects.allSatisfy { $0.oid.hasPrefix(root) })
    }

    @Test func servesEveryAccessibleObjectAndNothingElse() {
        let view = VirtAgentxMIB.view(of: sampleSnapshot())
        let accessible = VirtAgentxMIB.objects.filter(\.isServed)
        let scalars = accessible.filter { $0.kind == .scalar }.count
        let domainColumns = accessible.filter { $0.kind == .column && $0.oid.hasPrefix(entry) }.count
        // Two domains and nothing else: empty tables serve no cells. The control
        // table has a row per domain; virtControlRequested only once an action was asked.
        let controlEntry = VirtAgentxMIB.objectsRoot.appending(VirtAgentxMIB.domainControlTable.subID, 1)
        let controlColumns = accessible.filter { $0.kind == .column && $0.oid.hasPrefix(controlEntry) }.count
        #expect(view.cellCount == scalars + 2 * domainColumns + 2 * (controlColumns - 1))
        #expect(view.allCells.count == view.cellCount)
        for cell in view.allCells {
            #expect(accessible.contains { cell.oid.hasPrefix($0.oid) }, "\(cell.oid) is not under a served object")
        }
        // The index column is not-accessible: never served.
        #expect(view.get(entry.appending(1, 3)) == .noSuchObject)
    }

    @Test func domainRowsAreIndexedByTheirStableIndex() {
        let view = VirtAgentxMIB.view(of: sampleSnapshot())
        #expect(view.get(entry.appending(2, 3)) == .value(.string("a")))
        #expect(view.get(entry.appending(2, 12)) == .value(.string("b")))
        #expect(view.get(entry.appending(4, 3)) == .value(.integer(DomainState.running.rawValue)))
        #expect(view.get(entry.appending(7, 12)) == .value(.integer(-1)))
        #expect(view.get(entry.appending(12, 3)) == .value(.counter64(1 << 40)))
        #expect(view.get(entry.appending(13, 3)) == .value(.integer(1)))   // TruthValue true
        #expect(view.get(entry.appending(14, 3)) == .value(.integer(2)))   // TruthValue false
        #expect(view.get(entry.appending(2, 4)) == .noSuchInstance)
        #expect(view.next(after: entry.appending(2, 3))?.oid == entry.appending(2, 12))
    }

    @Test func hostScalarsSaturateAndCount() {
        let view = VirtAgentxMIB.view(of: sampleSnapshot())
        let host = VirtAgentxMIB.hostRoot
        #expect(view.get(host.appending(11, 0)) == .value(.gauge32(UInt32.max)))
        #expect(view.get(host.appending(9, 0)) == .value(.gauge32(2)))
        #expect(view.get(host.appending(6, 0)) == .value(.integer(1)))
        #expect(view.get(host.appending(7, 0)) == .value(.octets(DateAndTime.unknown)))
    }
}

@Suite struct DateAndTimeTests {
    @Test func encodesUTCWithDeciseconds() {
        // 2026-11-26 06:10:25.35 UTC: tenths are truncated, as DateAndTime counts them
        let date = Date(timeIntervalSince1970: 1_795_673_425.35)
        #expect(DateAndTime.encode(date) == [0x07, 0xEA, 11, 26, 6, 10, 25, 3, UInt8(ascii: "+"), 0, 0])
    }

    @Test func leapDay() {
        let date = Date(timeIntervalSince1970: 951_782_400)  // 2000-02-29 00:00:00 UTC
        #expect(Array(DateAndTime.encode(date).prefix(4)) == [0x07, 0xD0, 2, 29])
    }
}
