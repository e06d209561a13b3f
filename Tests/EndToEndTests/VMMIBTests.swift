import Foundation
import MIB
import Testing

/// RFC 7666's VM-MIB as a client that knows only the RFC reads it, with numeric
/// OIDs: every vmTable column of every domain against virsh, and the storage and
/// network rows against VIRT-AGENTX-MIB's disk and interface rows.
@Suite(.serialized) struct VMMIBTests {
    static let vmMIB = "1.3.6.1.2.1.236.1"
    static let vmEntry = vmMIB + ".4.1", vmCpuEntry = vmMIB + ".5.1"
    static let vmStorageEntry = vmMIB + ".7.1", vmNetworkEntry = vmMIB + ".8.1"

    /// What RFC 7666 calls the states virsh names: (operational, administrative).
    /// The test world's paused domain was not paused by a user (reason unknown),
    /// so it is meant to run.
    static let expectedStates: [String: (oper: String, admin: String)] = [
        "running": ("4", "1"), "paused": ("8", "1"), "shut off": ("11", "4"), "crashed": ("12", "1"),
    ]

    @Test(arguments: Deployment.allCases) func vmTableMatchesVirshForEveryDomain(_ deployment: Deployment) throws {
        let world = try ServedWorld(deployment)
        let virsh = Virsh(uri: try TestWorld.worldURI())
        let walk = try world.client.bulkWalk("1.3.6.1.2.1.236")
        let values = Dictionary(walk.map { ($0.oid, $0.value) }) { a, _ in a }
        let names = try virsh.domainNames()
        #expect(values[Self.vmMIB + ".2.0"] == "\(names.count)", "vmNumber")
        let version = try virsh.report(["version"])
        #expect(version["Running hypervisor"]?.hasSuffix(values[Self.vmMIB + ".1.2.0"] ?? "?") == true, "vmHvVersion")
        #expect(values[Self.vmMIB + ".1.1.0"] == "TEST", "vmHvSoftware: the driver, without its version")
        #expect(values[Self.vmMIB + ".1.3.0"] == ".0.0", "vmHvObjectID is zeroDotZero")
        #expect(values[Self.vmMIB + ".9.0"] == "1" && values[Self.vmMIB + ".10.0"] == "2", "per-VM notifications only (the default)")

        // vmIndex N is the domain row N of VIRT-AGENTX-MIB.
        let domains = try world.client.bulkWalk(Subtree.column(DomainColumns.name))
        #expect(domains.count == names.count)
        for domain in domains {
            let index = String(domain.oid.split(separator: ".").last!), name = domain.value
            func cell(_ column: Int) -> String? { values["\(Self.vmEntry).\(column).\(index)"] }
            let info = try virsh.report(["dominfo", name])
            let (state, _) = try virsh.stateAndReason(name)
            #expect(cell(2) == name, "vmName")
            #expect(cell(3)?.replacingOccurrences(of: " ", with: "").lowercased()
                    == info["UUID"]?.replacingOccurrences(of: "-", with: ""), "\(name): vmUUID")
            #expect(cell(4) == (try virsh.xmlElement(name, "type")).text, "\(name): vmOSType")
            #expect(cell(6) == Self.expectedStates[state]?.oper, "\(name): vmOperState for \(state)")
            #expect(cell(5) == Self.expectedStates[state]?.admin, "\(name): vmAdminState for \(state)")
            #expect(cell(7) == (info["Autostart"] == "enable" ? "2" : "3"), "\(name): vmAutoStart")
            #expect(cell(8) == (info["Persistent"] == "yes" ? "2" : "3"), "\(name): vmPersistent")
            #expect(cell(9) == info["CPU(s)"], "\(name): vmCurCpuNumber")
            #expect(cell(11) == (try virsh.xmlElement(name, "vcpu")).text, "\(name): vmMaxCpuNumber")
            #expect(cell(12) == "1024", "vmMemUnit: KiB")
            #expect(cell(13).map { "\($0) KiB" } == info["Used memory"], "\(name): vmCurMem")
            #expect(cell(15).map { "\($0) KiB" } == info["Max memory"], "\(name): vmMaxMem")
            #expect(cell(10) == "-1" && cell(14) == "-1", "no minimum in libvirt")
            #expect(UInt64(cell(17) ?? "") != nil, "\(name): vmCpuTime")
            // vmCpuAffinityTable: no pinning in the test world, so every vCPU may run on each of the 8 host CPUs.
            let affinity = walk.filter { $0.oid.hasPrefix("\(Self.vmMIB).6.1.3.\(index).") }
            let maxVcpus = Int(try virsh.xmlElement(name, "vcpu").text) ?? -1
            #expect(affinity.count == maxVcpus * 8 && affinity.allSatisfy { $0.value == "1" }, "\(name): affinity rows")
            // vmCpuPhysIndex: HOST-RESOURCES-MIB's hrDeviceIndex of the host CPU, 196608 for CPU 0.
            let physical = Set(affinity.compactMap { $0.oid.split(separator: ".").last.flatMap { Int($0) } })
            #expect(affinity.isEmpty || physical == Set(196_608..<196_616), "\(name): vmCpuPhysIndex \(physical.sorted())")
            // vmCpuTable: a row per vCPU of an active domain.
            let vcpus = walk.filter { $0.oid.hasPrefix("\(Self.vmCpuEntry).2.\(index).") }
            #expect(vcpus.count == (info["State"] == "shut off" ? 0 : Int(info["CPU(s)"] ?? "") ?? -1), "\(name): vCPU rows")
        }
    }

    @Test(arguments: Deployment.allCases) func storageAndNetworkRowsAreTheDiskAndInterfaceRows(_ deployment: Deployment) throws {
        let world = try ServedWorld(deployment)
        let standard = try world.client.bulkWalk("1.3.6.1.2.1.236.1.7") + (try world.client.bulkWalk("1.3.6.1.2.1.236.1.8"))
        let storage = standard.table(Self.vmStorageEntry), network = standard.table(Self.vmNetworkEntry)
        let disks = try world.client.bulkWalk(Subtree.diskEntry).table(VirtAgentxMIB.diskTable)
        let interfaces = try world.client.bulkWalk(Subtree.interfaceEntry).table(VirtAgentxMIB.interfaceTable)

        #expect(Set(storage[6]?.keys ?? [:].keys) == Set(disks[DiskColumns.source]?.keys ?? [:].keys), "one storage row per disk row, same indexes")
        #expect((storage[6]?.count ?? 0) == 9)
        for (index, source) in disks[DiskColumns.source] ?? [:] {
            #expect(storage[6]?[index] == source, "\(index): vmStorageResourceID is the disk's source")
            #expect(storage[7]?[index] == (disks[DiskColumns.readOnly]?[index] == "1" ? "3" : "2"), "\(index): vmStorageAccess")
            let media = ["1": "3", "2": "4", "3": "5", "4": "3", "5": "1"][disks[DiskColumns.device]?[index] ?? ""]
            #expect(storage[8]?[index] == media, "\(index): vmStorageMediaType from the device")
            #expect(storage[9]?[index] == disks[DiskColumns.bus]?[index], "\(index): vmStorageMediaTypeString is the bus")
            let capacity = UInt64(disks[DiskColumns.capacity]?[index] ?? "") ?? 1
            if capacity == 0 {
                #expect(storage[11]?[index] == "-1" && storage[12]?[index] == "-1", "\(index): no capacity from libvirt: -1, 'not available'")
                continue
            }
            let unit = UInt64(storage[10]?[index] ?? "") ?? 0, defined = UInt64(storage[11]?[index] ?? "") ?? 0
            #expect(unit > 0 && defined * unit <= capacity && capacity - defined * unit < unit, "\(index): vmStorageDefinedSize")
            if storage[4]?[index] == "4" || storage[4]?[index] == "3" {
                #expect(storage[12]?[index] == storage[11]?[index], "\(index): block or raw: allocated is the defined size")
            }
            #expect(storage[13]?[index] == disks[DiskColumns.readRequests]?[index] && storage[15]?[index] == disks[DiskColumns.readBytes]?[index], "\(index): read counters")
        }
        // The empty cdrom and the network disk, by their source types.
        #expect(storage[4]?.values.contains("1") == true, "unknown(1): the empty cdrom")
        #expect(storage[4]?.values.contains("6") == true, "network(6): the nbd disk")
        #expect(storage[4]?.values.contains("5") == true && storage[4]?.values.contains("4") == true, "sparse and raw files")

        #expect(Set(network[5]?.keys ?? [:].keys) == Set(interfaces[InterfaceColumns.mac]?.keys ?? [:].keys), "one network row per interface row")
        for (index, mac) in interfaces[InterfaceColumns.mac] ?? [:] {
            #expect(network[5]?[index] == mac, "\(index): vmNetworkPhysAddress")
            #expect(network[4]?[index] == interfaces[InterfaceColumns.model]?[index], "\(index): vmNetworkModel")
            // The test driver's tap devices do not exist on this host.
            #expect(network[2]?[index] == "0", "\(index): vmNetworkIfIndex")
        }
    }
}
