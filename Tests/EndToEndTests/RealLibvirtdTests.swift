import Foundation
import MIB
import TestSupport
import Testing

/// The agent against a real libvirtd running QEMU under TCG, through a real
/// snmpd: scripts/with-libvirtd starts the daemon in a private mount namespace,
/// defines the world and runs this suite (scripts/test does all of that).
@Suite(.serialized,
       .enabled(if: RealLibvirtd.uri != nil,
                "needs a real libvirtd: run under scripts/with-libvirtd (scripts/test does, when it can)"))
struct RealLibvirtdTests {
    let master: SNMPMaster
    let agent: AgentProcess
    let client: SNMPClient
    let virsh: Virsh
    let domains: [String: String]

    init() throws {
        let uri = try #require(RealLibvirtd.uri)
        master = try SNMPMaster(owning: try ScratchFolder())
        agent = try AgentProcess(folder: master.folder, uri: uri, socket: master.socket, extra: ["--poll-interval", "1"])
        try agent.waitUntilServing(through: master)
        client = SNMPClient(target: master.target)
        virsh = Virsh(uri: uri)
        let names = try client.bulkWalk(Subtree.column(DomainColumns.name))
        domains = Dictionary(uniqueKeysWithValues: names.map { ($0.value, String($0.oid.split(separator: ".").last!)) })
    }

    /// RFC 7666: vmCpuPhysIndex "MUST be the same value that is used as the index
    /// in the hrProcessorTable": snmpd's own HOST-RESOURCES-MIB, walked beside it.
    @Test func vmCpuPhysIndexIsTheIndexOfTheSameCPUInHrProcessorTable() throws {
        let lastComponents = { (walk: [SNMPClient.Varbind]) in Set(walk.compactMap { $0.oid.split(separator: ".").last.map(String.init) }) }
        let processors = lastComponents(try client.bulkWalk("1.3.6.1.2.1.25.3.3.1.1"))   // hrProcessorFrwID
        let run1 = try #require(domains["run1"])
        let affinity = try client.bulkWalk("1.3.6.1.2.1.236.1.6.1.3.\(run1).1")          // vmCpuAffinity of vCPU 1
        #expect(processors.count == ProcessInfo.processInfo.activeProcessorCount && lastComponents(affinity) == processors,
                "vmCpuPhysIndex \(lastComponents(affinity).sorted()) vs hrProcessorTable \(processors.sorted())")
    }

    @Test func domainStatesMatchVirsh() throws {
        #expect(Set(domains.keys) == Set(try virsh.domainNames()))
        let states = try client.get(domains.values.sorted().map { Subtree.column(DomainColumns.state) + ".\($0)" })
        for (name, index) in domains {
            let state = try virsh.stateAndReason(name).state
            #expect(states.first { $0.oid.hasSuffix(".\(index)") }?.value == virshStateNames[state].map(String.init),
                    "\(name) is \(state)")
        }
        #expect(try virsh.stateAndReason("run1").state == "running")
    }

    @Test func diskVerdictsAndLibvirtsOwnView() throws {
        let disks = try client.bulkWalk(Subtree.diskEntry).table(VirtAgentxMIB.diskTable)
        // (domain, target, health, severity, depth, drift): drift is known only for the
        // running domain, whose live XML carries libvirt's <backingStore> chain.
        let expected: [(String, String, String, String, String, String)] = [
            ("run1", "vda", "1", "1", "2", "1"),
            ("run1", "vdb", "1", "1", "3", "1"),
            ("idle", "vda", "1", "1", "2", "3"),
            ("idle", "vdb", "12", "3", "2", "3"),
            ("idle", "vdc", "10", "4", "2", "3"),
            ("idle", "vdd", "6", "4", "1", "3"),
            ("spare", "vda", "1", "1", "2", ""),   // drift depends on whether a lifecycle test left it running
        ]
        #expect(disks[DiskColumns.target]?.count == expected.count)
        for (domain, target, health, severity, depth, drift) in expected {
            let index = try #require(domains[domain])
            let row = try #require(disks[DiskColumns.target]?.first { $0.key.hasPrefix(index + ".") && $0.value == target }?.key)
            #expect(disks[DiskColumns.chainHealth]?[row] == health, "\(domain)/\(target) health: \(disks[DiskColumns.chainDetail]?[row] ?? "")")
            #expect(disks[DiskColumns.chainSeverity]?[row] == severity, "\(domain)/\(target) severity")
            #expect(disks[DiskColumns.chainDepth]?[row] == depth, "\(domain)/\(target) depth")
            if !drift.isEmpty { #expect(disks[DiskColumns.chainDrift]?[row] == drift, "\(domain)/\(target) drift") }
            #expect(UInt64(disks[DiskColumns.capacity]?[row] ?? "") ?? 0 > 0, "\(domain)/\(target) capacity from libvirt")
        }
        // The layer rows of run1's three-layer vdb.
        let run1 = try #require(domains["run1"])
        let vdb = try #require(disks[DiskColumns.target]?.first { $0.key.hasPrefix(run1 + ".") && $0.value == "vdb" }?.key)
        let layers = try client.bulkWalk(Subtree.layerEntry).table(VirtAgentxMIB.chainLayerTable)
        let names = (0..<3).map { URL(fileURLWithPath: layers[LayerColumns.source]?["\(vdb).\($0)"] ?? "").lastPathComponent }
        #expect(names == ["top.qcow2", "mid.qcow2", "base.qcow2"])
        #expect((0..<3).allSatisfy { layers[LayerColumns.condition]?["\(vdb).\($0)"] == "1" })
    }

    @Test func poolAndEveryVolumeMatchVirsh() throws {
        let pools = try client.bulkWalk(Subtree.poolEntry).table(VirtAgentxMIB.poolTable)
        let index = try #require(pools[PoolColumns.name]?.first { $0.value == "images" }?.key)
        let info = try virsh.report(["pool-info", "--bytes", "images"])
        #expect(pools[PoolColumns.state]?[index] == "2", "running")
        #expect(pools[PoolColumns.capacity]?[index] == info["Capacity"])
        #expect(pools[PoolColumns.allocation]?[index] == info["Allocation"])
        #expect(pools[PoolColumns.available]?[index] == info["Available"])

        let volumes = try client.bulkWalk(Subtree.volumeEntry).table(VirtAgentxMIB.volumeTable)
        let listed = try virsh.run(["vol-list", "images"]).split(separator: "\n").dropFirst(2)
            .map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            .filter { $0.count == 2 }
        let broken = ["seed-file.qcow2": "12", "missing-backing.qcow2": "10", "corrupt.qcow2": "6"]
        #expect(listed.count == 11)
        #expect(pools[PoolColumns.volumeCount]?[index] == "\(listed.count)")
        for fields in listed {
            let row = try #require(volumes[VolumeColumns.name]?.first { $0.key.hasPrefix(index + ".") && $0.value == fields[0] }?.key,
                                   "no volume row for \(fields[0])")
            #expect(volumes[VolumeColumns.path]?[row] == fields[1])
            #expect(volumes[VolumeColumns.chainHealth]?[row] == broken[fields[0]] ?? "1", "\(fields[0]): \(volumes[VolumeColumns.chainDetail]?[row] ?? "")")
        }
    }

    @Test func blockCountersOfTheRunningDomainMoveWhenItReads() throws {
        // run1 boots a sector that reads its disk in a loop.
        let run1 = try #require(domains["run1"])
        let disks = try client.bulkWalk(Subtree.diskEntry).table(VirtAgentxMIB.diskTable)
        let vda = try #require(disks[DiskColumns.target]?.first { $0.key.hasPrefix(run1 + ".") && $0.value == "vda" }?.key)
        let reads = { try UInt64(client.get(["\(Subtree.diskEntry).12.\(vda)"]).first?.value ?? "") }
        let first = try #require(try reads())
        let moved = try eventually(timeout: .seconds(15)) { (try reads() ?? 0) > first }
        #expect(moved, "virtDiskReadRequests of run1/vda stayed at \(first)")
        let bytes = try client.get(["\(Subtree.diskEntry).13.\(vda)", "\(Subtree.diskEntry).14.\(vda)"])
        #expect(bytes.allSatisfy { UInt64($0.value) != nil }, "counters are non-negative Counter64s")
    }
}

enum RealLibvirtd {
    static let uri = ProcessInfo.processInfo.environment["VIRT_AGENTX_LIBVIRTD_URI"]

    /// snmpd and an agent on the real libvirtd with `arguments`, once serving, and run1's row index.
    static func serve(_ arguments: [String]) throws -> (master: SNMPMaster, agent: AgentProcess, client: SNMPClient, run1: String) {
        let master = try SNMPMaster(owning: try ScratchFolder())
        let agent = try AgentProcess(folder: master.folder, uri: try #require(uri), socket: master.socket, extra: arguments)
        try agent.waitUntilServing(through: master)
        let client = SNMPClient(target: master.target)
        let names = try client.bulkWalk(Subtree.column(DomainColumns.name))
        let run1 = try #require(names.first { $0.value == "run1" }?.oid.split(separator: ".").last.map(String.init))
        return (master, agent, client, run1)
    }
}
