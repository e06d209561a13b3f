import Foundation
import ImageInspector
@testable import MIB
import Testing
import TestSupport
import VirtModel

/// Internal snapshots and persistent bitmaps, read with the header of an image
/// qemu-img made, listed as qemu-img info lists them and served in their tables.
@Suite struct LayerListingTests {
    @Test func snapshotsAndBitmapsAreListedAsQemuImgInfoListsThemAndServed() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "listed.qcow2", "16M")
        try fixtures.qemuImg("snapshot", "-c", "before-upgrade", "listed.qcow2")
        try fixtures.qemuImg("snapshot", "-c", "after", "listed.qcow2")
        try fixtures.qemuImg("bitmap", "--add", "listed.qcow2", "backup-1")
        try fixtures.qemuImg("bitmap", "--add", "-g", "128K", "--disable", "listed.qcow2", "backup-2")
        let info = try fixtures.qemuInfo("listed.qcow2")
        let qemuSnapshots = try #require(info["snapshots"] as? [[String: Any]])
        let specific = try #require((info["format-specific"] as? [String: Any])?["data"] as? [String: Any])
        let qemuBitmaps = try #require(specific["bitmaps"] as? [[String: Any]])

        let chain = ChainInspector().inspect(path: fixtures.path("listed.qcow2"))
        let layer = try #require(chain.layers.first)
        #expect(layer.snapshots.map(\.name) == qemuSnapshots.map { $0["name"] as? String })
        #expect(layer.snapshots.map(\.id) == qemuSnapshots.map { $0["id"] as? String })
        #expect(layer.snapshots.map { Int($0.dateSeconds) } == qemuSnapshots.map { $0["date-sec"] as? Int })
        #expect(layer.bitmaps.map(\.name) == qemuBitmaps.map { $0["name"] as? String })
        #expect(layer.bitmaps.map { Int($0.granularity) } == qemuBitmaps.map { $0["granularity"] as? Int })
        #expect(layer.bitmaps.map(\.auto) == qemuBitmaps.map { ($0["flags"] as? [String])?.contains("auto") ?? false })

        var disk = Disk(index: 1, domainIndex: 7, target: "vda", bus: "virtio", device: .disk, sourceKind: .file,
                        source: fixtures.path("listed.qcow2"), driverFormat: "qcow2", readOnly: false)
        disk.chain = chain
        var host = Host(uri: "test:///default")
        host.connection = .connected
        let view = VirtAgentxMIB.view(of: Snapshot(host: host, domains: [], disks: [disk]))
        let snapshots = VirtAgentxMIB.objectsRoot.appending(9, 1), bitmaps = VirtAgentxMIB.objectsRoot.appending(10, 1)
        // Index: domain, disk, layer depth, position from 1.
        #expect(view.get(snapshots.appending(3, 7, 1, 0, 1)) == .value(.string("before-upgrade")))
        #expect(view.get(snapshots.appending(3, 7, 1, 0, 2)) == .value(.string("after")))
        #expect(view.get(snapshots.appending(3, 7, 1, 0, 3)) == .noSuchInstance)
        #expect(view.get(bitmaps.appending(2, 7, 1, 0, 2)) == .value(.string("backup-2")))
        #expect(view.get(bitmaps.appending(3, 7, 1, 0, 2)) == .value(.gauge32(128 * 1024)))
        #expect(view.get(bitmaps.appending(5, 7, 1, 0, 1)) == .value(.integer(VirtAgentxMIB.BitmapState.saved.rawValue)))
    }
}
