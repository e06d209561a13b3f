import Foundation
import ImageInspector
@testable import MIB
import Testing
import TestSupport
import VirtModel

/// virtDiskDeepCheckChange and virtVolumeDeepCheckChange, between snapshots whose
/// chains qemu-img made and the deep check read.
@Suite struct DeepCheckNotificationTests {
    func snapshot(_ chains: [String: BackingChain]) -> Snapshot {
        var host = Host(uri: "test:///default")
        host.connection = .connected
        host.lastPoll = Date()
        host.deepChecks = .init(interval: .seconds(86_400), bytesPerSecond: 8 << 20)
        let disks = chains.keys.sorted().enumerated().map { position, name in
            var disk = Disk(index: UInt32(position + 1), domainIndex: 1, target: name, bus: "virtio", device: .disk,
                            sourceKind: .file, source: name, driverFormat: "qcow2", readOnly: false)
            disk.chain = chains[name]
            return disk
        }
        let domain = Domain(index: 1, name: "vm", uuid: "00000000-0000-0000-0000-000000000001", state: .shutoff,
                            stateReason: 0, id: -1, vcpus: 1, maxVcpus: 1, memoryKiB: 1024, maxMemoryKiB: 1024,
                            cpuTimeNanoseconds: 0, autostart: false, persistent: true, osType: "hvm")
        return Snapshot(host: host, domains: [domain], disks: disks)
    }

    @Test func aCheckThatFindsSomethingIsNewsAndACleanOneIsNot() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "clean.qcow2", "16M")
        try fixtures.qemuImg("create", "-f", "qcow2", "leaky.qcow2", "16M")
        try QCow2Damage.setHeaderRefcount(of: fixtures.path("leaky.qcow2"), to: 2)
        let leaks = try QCow2Damage.qemuCounts(of: fixtures.path("leaky.qcow2")).leaks
        let headers = ChainInspector(), deep = ChainInspector(deep: true)
        let before = snapshot(["vda": headers.inspect(path: fixtures.path("clean.qcow2")),
                               "vdb": headers.inspect(path: fixtures.path("leaky.qcow2"))])
        let after = snapshot(["vda": deep.inspect(path: fixtures.path("clean.qcow2")),
                              "vdb": deep.inspect(path: fixtures.path("leaky.qcow2"))])

        let sent = VirtAgentxMIB.notifications(from: before, to: after, kinds: .all, poolFullPercent: 90)
            .filter { $0.oid == VirtAgentxMIB.NotificationType.diskDeepCheckChange.oid }
        #expect(sent.count == 1, "only the disk whose check found something: \(sent)")
        let values = Dictionary(sent.first?.varbinds.map { ($0.oid, $0.value) } ?? []) { a, _ in a }
        let diskColumn = { (column: Column<Judged<Disk>>) in VirtAgentxMIB.oid(of: column, in: VirtAgentxMIB.diskTable).appending(1, 2) }
        #expect(values[diskColumn(DiskColumns.target)] == .string("vdb"))
        #expect(values[diskColumn(DiskColumns.leakedClusters)] == .gauge32(UInt32(leaks)))
        #expect(values[diskColumn(DiskColumns.deepCheckState)] == .integer(DeepCheckState.checked.rawValue))

        #expect(VirtAgentxMIB.notifications(from: after, to: after, kinds: .all, poolFullPercent: 90)
            .allSatisfy { $0.oid != VirtAgentxMIB.NotificationType.diskDeepCheckChange.oid }, "no change, no news")
        #expect(VirtAgentxMIB.notifications(from: before, to: after, kinds: NotificationKinds.all.subtracting(.deepCheck),
                                            poolFullPercent: 90)
            .allSatisfy { $0.oid != VirtAgentxMIB.NotificationType.diskDeepCheckChange.oid }, "switched off")
    }
}
