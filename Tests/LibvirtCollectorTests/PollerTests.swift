import Foundation
@testable import LibvirtCollector
import Logging
import Testing
import TestSupport
import VirtModel

/// The poller against libvirt's real test driver, in process.
@Suite struct PollerTests {
    @Test func pollsTheDemoWorld() throws {
        var poller = Poller(uri: try MadeWorld.shared(), logger: Logger(label: "test"))
        let snapshot = poller.poll()
        #expect(snapshot.host.connection == .connected)
        #expect(snapshot.host.hypervisorType == "TEST")
        #expect(snapshot.host.cpus == 8)
        #expect(snapshot.host.memoryKiB == 33_554_432)
        #expect(snapshot.host.lastPoll != nil)
        #expect(snapshot.domains.map(\.name) == ["backup", "build", "db1", "legacy", "web1"])
        #expect(snapshot.domains.map(\.index) == [1, 2, 3, 4, 5], "a fresh poller numbers new domains in name order")

        let web1 = try #require(snapshot.domains.first { $0.name == "web1" })
        #expect(web1.uuid == "6695eb01-f6a4-8304-79aa-97f2502e193f")
        #expect(web1.state == .running)
        #expect(web1.vcpus == 4)
        #expect(web1.maxVcpus == 4)
        #expect(web1.memoryKiB == 4_194_304)
        #expect(web1.maxMemoryKiB == 4_194_304)
        #expect(web1.osType == "hvm")
        #expect(web1.id > 0)

        let backup = try #require(snapshot.domains.first { $0.name == "backup" })
        #expect(backup.state == .shutoff)
        #expect(backup.id == -1)
        #expect(backup.osType == "hvm")
        #expect(snapshot.domains.first { $0.name == "build" }?.state == .paused)
        #expect(snapshot.domains.first { $0.name == "legacy" }?.state == .crashed)
    }

    @Test func indexesStayAcrossPolls() throws {
        var poller = Poller(uri: try MadeWorld.shared(), logger: Logger(label: "test"))
        let first = poller.poll().domains.map { "\($0.uuid)=\($0.index)" }
        let second = poller.poll().domains.map { "\($0.uuid)=\($0.index)" }
        #expect(first == second)
    }

    @Test func domainXMLIsReadAgainOnlyWhenSomethingSaysItChanged() throws {
        var poller = Poller(uri: try MadeWorld.shared(), logger: Logger(label: "test"))
        let first = poller.poll()
        #expect(poller.definitionsRead == 5, "one XML per domain")
        let second = poller.poll()
        #expect(poller.definitionsRead == 5, "nothing changed: no XML read")
        #expect(second.disks == first.disks.map { disk in var d = disk; d.stats = disk.stats; return d }, "the same disks from the cache")
        #expect(second.interfaces.map(\.mac) == first.interfaces.map(\.mac))
        let web1 = try #require(first.domains.first { $0.name == "web1" }?.uuid)
        _ = poller.poll(changed: [web1])
        #expect(poller.definitionsRead == 6, "an event for web1: its XML only")
        _ = poller.poll(changed: nil)
        #expect(poller.definitionsRead == 11, "an event naming no domain: every XML")
        for _ in 0..<Poller.definitionLifetime { _ = poller.poll() }
        #expect(poller.definitionsRead == 16, "and every definition again after its lifetime")
    }

    @Test func volumeXMLIsReadAgainOnlyWhenNewOrItsPoolChanged() throws {
        var poller = Poller(uri: try MadeWorld.shared(), logger: Logger(label: "test"))
        let first = poller.poll()
        let volumes = first.pools.reduce(0) { $0 + $1.volumes.count }
        #expect(volumes > 0)
        #expect(poller.storage.reads == first.pools.count + volumes, "one XML a pool and a volume")
        let second = poller.poll()
        #expect(poller.storage.reads == first.pools.count + volumes, "a steady poll reads none")
        #expect(second.pools == first.pools, "the same pools and volumes from the cache")
        let pool = try #require(first.pools.first { !$0.volumes.isEmpty })
        _ = poller.poll(changedPools: [pool.uuid])
        #expect(poller.storage.reads == first.pools.count + volumes + 1 + pool.volumes.count, "an event for one pool: its XML and its volumes'")
        let before = poller.storage.reads
        _ = poller.poll(changedPools: nil)
        #expect(poller.storage.reads == before + first.pools.count + volumes, "an event naming no pool: every XML")
    }

    @Test func anUnreachableURIServesDisconnectedWithoutCrashing() {
        var poller = Poller(uri: "test:///nonexistent/world.xml", logger: Logger(label: "test"))
        let snapshot = poller.poll()
        #expect(snapshot.host.connection == .disconnected)
        #expect(snapshot.domains.isEmpty)
        #expect(snapshot.host.lastPoll == nil)
        // And again: a second failure changes nothing.
        #expect(poller.poll().host.connection == .disconnected)
    }
}
