import Foundation
import MIB
import Testing

/// The disk, chain layer, interface, pool and volume tables through a real
/// snmpd, for scripts/make-world's world: each seed image's verdict in its row.
@Suite(.serialized) struct AgentServesStorageTests {
    let virsh: Virsh

    init() throws {
        virsh = Virsh(uri: try TestWorld.worldURI())
    }

    /// Domain name -> row index, from the agent's domain table.
    func domainIndexes(_ client: SNMPClient) throws -> [String: String] {
        let names = try client.bulkWalk(Subtree.column(DomainColumns.name))
        return Dictionary(uniqueKeysWithValues: names.map { ($0.value, String($0.oid.split(separator: ".").last!)) })
    }

    /// VirtChainCondition and VirtSeverity numbers, as the MIB defines them.
    enum Condition: String { case ok = "1", corrupt = "6", missingBackingFile = "10", backingFormatIsProtocol = "12", loop = "17", notInspected = "19" }
    enum Severity: String { case ok = "1", info = "2", warning = "3", critical = "4" }

    /// (domain, target, verdict, severity, chain depth) for every disk of the world.
    static let expectedDisks: [(String, String, Condition, Severity, Int)] = [
        ("web1", "vda", .ok, .ok, 3),
        ("web1", "vdb", .ok, .ok, 1),
        ("db1", "vda", .backingFormatIsProtocol, .warning, 2),   // -F file -b raw
        ("db1", "vdb", .notInspected, .info, 0),                 // nbd network disk
        ("build", "vda", .backingFormatIsProtocol, .warning, 2), // -F nbd -b nbd+tcp://...
        ("backup", "vda", .missingBackingFile, .critical, 2),
        ("backup", "hdc", .notInspected, .ok, 0),                // empty cdrom
        ("legacy", "vda", .loop, .critical, 3),
        ("legacy", "vdb", .corrupt, .critical, 1),
    ]

    @Test(arguments: Deployment.allCases) func eachDiskRowCarriesItsVerdict(_ deployment: Deployment) throws {
        let world = try ServedWorld(deployment)
        let client = world.client
        let domains = try domainIndexes(client)
        let disks = try client.bulkWalk(Subtree.diskEntry).table(VirtAgentxMIB.diskTable)
        #expect(disks[DiskColumns.target]?.count == Self.expectedDisks.count, "one row per disk")
        for (domain, target, condition, severity, depth) in Self.expectedDisks {
            let domainIndex = try #require(domains[domain])
            let row = try #require(disks[DiskColumns.target]?.first { $0.key.hasPrefix(domainIndex + ".") && $0.value == target }?.key,
                                   "no disk row for \(domain)/\(target)")
            // One snmpget for the row's chain columns, as a monitoring check would ask.
            let columns = try client.get([17, 18, 19, 20, 6].map { "\(Subtree.diskEntry).\($0).\(row)" })
            #expect(columns[0].value == "\(depth)", "\(domain)/\(target) depth")
            #expect(columns[1].value == condition.rawValue, "\(domain)/\(target) health: \(columns[3].value)")
            #expect(columns[2].value == severity.rawValue, "\(domain)/\(target) severity")
            #expect(!columns[3].value.isEmpty)
            let listed = try virsh.run(["domblklist", domain]).split(separator: "\n")
                .map { $0.split(separator: " ", omittingEmptySubsequences: true) }
                .first { $0.first.map(String.init) == target }
            if let source = listed.flatMap({ $0.count > 1 ? String($0[1]) : nil }), source != "-" {
                // virsh shows a network disk by its name only; the agent adds protocol and host.
                #expect(columns[4].value.hasSuffix(source), "virtDiskSource of \(domain)/\(target) is virsh's source")
            }
        }
    }

    @Test(arguments: Deployment.allCases) func theLayersOfAThreeLayerChain(_ deployment: Deployment) throws {
        let world = try ServedWorld(deployment)
        let client = world.client
        let domains = try domainIndexes(client)
        let web1 = try #require(domains["web1"])
        let layers = try client.bulkWalk(Subtree.layerEntry).table(VirtAgentxMIB.chainLayerTable)
        let disks = try client.bulkWalk(Subtree.diskEntry).table(VirtAgentxMIB.diskTable)
        let vda = try #require(disks[DiskColumns.target]?.first { $0.key.hasPrefix(web1 + ".") && $0.value == "vda" }?.key)
        let sources = (0..<3).map { layers[LayerColumns.source]?["\(vda).\($0)"] ?? "" }
        #expect(sources.map { URL(fileURLWithPath: $0).lastPathComponent } == ["top.qcow2", "mid.qcow2", "base.qcow2"])
        #expect((0..<3).allSatisfy { layers[LayerColumns.probedFormat]?["\(vda).\($0)"] == "qcow2" }, "probed formats")
        #expect(layers[LayerColumns.declaredFormat]?["\(vda).1"] == "qcow2", "mid's format as top records it")
        #expect((0..<3).allSatisfy { layers[LayerColumns.virtualSize]?["\(vda).\($0)"] == "\(1 << 30)" }, "1 GiB virtual each")
        #expect((0..<3).allSatisfy { layers[LayerColumns.condition]?["\(vda).\($0)"] == "1" }, "each layer ok")
        #expect(layers[LayerColumns.source]?["\(vda).3"] == nil, "no fourth layer")
        // Layer rows exist exactly for inspected disks: the network disk has none.
        let db1 = try #require(domains["db1"])
        let vdb = try #require(disks[DiskColumns.target]?.first { $0.key.hasPrefix(db1 + ".") && $0.value == "vdb" }?.key)
        #expect(layers[LayerColumns.source]?.keys.contains { $0.hasPrefix(vdb + ".") } == false)
    }

    @Test(arguments: Deployment.allCases) func interfacesMatchVirsh(_ deployment: Deployment) throws {
        let world = try ServedWorld(deployment)
        let client = world.client
        let domains = try domainIndexes(client)
        let interfaces = try client.bulkWalk(Subtree.interfaceEntry).table(VirtAgentxMIB.interfaceTable)
        for name in try virsh.domainNames() {
            let domainIndex = try #require(domains[name])
            let rows = interfaces[InterfaceColumns.type]?.keys.filter { $0.hasPrefix(domainIndex + ".") } ?? []
            let listed = try virsh.run(["domiflist", name]).split(separator: "\n").dropFirst(2)
                .map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
                .filter { $0.count == 5 }
            #expect(rows.count == listed.count, "\(name): one row per interface")
            for fields in listed {   // Interface Type Source Model MAC
                let hex = fields[4].split(separator: ":").joined(separator: " ").uppercased()
                let row = try #require(rows.first { interfaces[InterfaceColumns.mac]?[$0]?.uppercased().trimmingCharacters(in: .whitespaces) == hex }, "\(name): MAC \(fields[4])")
                #expect(interfaces[InterfaceColumns.type]?[row] == fields[1])
                #expect(interfaces[InterfaceColumns.source]?[row] == fields[2])
                #expect(interfaces[InterfaceColumns.model]?[row] == fields[3])
                #expect(interfaces[InterfaceColumns.device]?[row] == fields[0])
            }
        }
    }

    @Test(arguments: Deployment.allCases) func poolAndVolumesMatchVirsh(_ deployment: Deployment) throws {
        let world = try ServedWorld(deployment)
        let client = world.client
        let pools = try client.bulkWalk(Subtree.poolEntry).table(VirtAgentxMIB.poolTable)
        let index = try #require(pools[PoolColumns.name]?.first { $0.value == "images" }?.key)
        let info = try virsh.report(["pool-info", "--bytes", "images"])
        #expect(pools[PoolColumns.uuid]?[index] == info["UUID"])
        #expect(pools[PoolColumns.type]?[index] == "dir")
        #expect(pools[PoolColumns.state]?[index] == "2", "running")
        #expect(pools[PoolColumns.capacity]?[index] == info["Capacity"])
        #expect(pools[PoolColumns.allocation]?[index] == info["Allocation"])
        #expect(pools[PoolColumns.available]?[index] == info["Available"])
        #expect(["6", "10"].contains(pools[PoolColumns.chainHealth]?[index] ?? ""), "worst volume: corrupt or missing backing, both critical")
        #expect(pools[PoolColumns.chainSeverity]?[index] == "4")

        let volumes = try client.bulkWalk(Subtree.volumeEntry).table(VirtAgentxMIB.volumeTable)
        let listed = try virsh.run(["vol-list", "images"]).split(separator: "\n").dropFirst(2)
            .map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            .filter { $0.count == 2 }
        #expect(pools[PoolColumns.volumeCount]?[index] == "\(listed.count)")
        let expected = ["top.qcow2": "1", "mid.qcow2": "1", "base.qcow2": "1", "corrupt.qcow2": "6",
                        "missing-backing.qcow2": "10", "qcow2-protocol-backing-file.qcow2": "12"]
        #expect(Set(listed.map { $0[0] }) == Set(expected.keys))
        for fields in listed {
            let row = try #require(volumes[VolumeColumns.name]?.first { $0.key.hasPrefix(index + ".") && $0.value == fields[0] }?.key)
            #expect(volumes[VolumeColumns.path]?[row] == fields[1], "\(fields[0]) path")
            #expect(volumes[VolumeColumns.chainHealth]?[row] == expected[fields[0]], "\(fields[0]) chain health")
        }
        #expect(try client.get([Subtree.scalar(HostScalars.poolCount), Subtree.scalar(HostScalars.volumeCount), Subtree.scalar(HostScalars.diskCount), Subtree.scalar(HostScalars.unhealthyChainCount)]).map(\.value)
                == ["1", "6", "9", "8"], "pools, volumes, disks, unhealthy chains (5 disks + 3 volumes)")
    }
}
