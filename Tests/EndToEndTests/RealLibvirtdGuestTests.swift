import Foundation
import MIB
import TestSupport
import VirtModel
import Testing

/// The guest figures operators ask for, against the real libvirtd of
/// scripts/with-libvirtd and its running TCG domain run1 (no guest OS, no
/// balloon driver): what libvirt reports is served and matches `virsh domstats`
/// read around it; what the guest cannot report is absent, not zero; cloud
/// names and the description follow `virsh metadata` and `virsh desc`.
/// Nested in RealLibvirtdTests so it never runs beside the others.
extension RealLibvirtdTests {
@Suite struct Guests {
    let uri: String
    let virsh: Virsh

    init() throws {
        uri = try #require(RealLibvirtd.uri)
        virsh = Virsh(uri: uri)
    }

    /// `virsh domstats` of `domain` as name -> value.
    func domstats(_ domain: String) throws -> [String: String] {
        var fields: [String: String] = [:]
        for line in try virsh.run(["domstats", "--balloon", "--vcpu", "--block", domain]).split(separator: "\n") {
            let parts = line.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    func start(_ extra: [String] = []) throws -> (SNMPMaster, AgentProcess, SNMPClient, String) {
        try RealLibvirtd.serve(["--poll-interval", "1"] + extra)
    }

    @Test func memoryVcpusAndLatencyMatchVirshDomstats() throws {
        let (master, agent, client, run1) = try start()
        defer { withExtendedLifetime(agent) { master.stop() } }
        let memory = { (column: Column<Domain>) in "\(Subtree.root).1.11.1.\(column.subID).\(run1)" }
        let vcpu = { (column: Column<VirtAgentxMIB.VCPURow>) in "\(Subtree.root).1.12.1.\(column.subID).\(run1).1" }
        let disks = try client.bulkWalk(Subtree.diskEntry).table(VirtAgentxMIB.diskTable)
        let vda = try #require(disks[DiskColumns.target]?.first { $0.key.hasPrefix(run1 + ".") && $0.value == "vda" }?.key)

        // virsh before and after one snmpget: the agent's figures (from a poll at most a second old) lie between.
        let before = try domstats("run1")
        let served = try client.get([memory(GuestMemoryColumns.resident), memory(GuestMemoryColumns.unused),
                                     memory(GuestMemoryColumns.swapOut), vcpu(VCPUColumns.state), vcpu(VCPUColumns.time),
                                     vcpu(VCPUColumns.wait), vcpu(VCPUColumns.delay),
                                     "\(Subtree.diskEntry).\(DiskColumns.readTime.subID).\(vda)",
                                     "\(Subtree.diskEntry).\(DiskColumns.readRequests.subID).\(vda)",
                                     "\(Subtree.diskEntry).\(DiskColumns.writeTime.subID).\(vda)",
                                     "\(Subtree.diskEntry).\(DiskColumns.flushTime.subID).\(vda)"])
        let after = try domstats("run1")
        func number(_ position: Int) -> Double? { Double(served[position].value) }
        func between(_ position: Int, _ field: String, slack: Double) -> Bool {
            guard let value = number(position), let low = before[field].flatMap(Double.init),
                  let high = after[field].flatMap(Double.init) else { return false }
            return value >= min(low, high) - slack && value <= max(low, high) + slack
        }

        let rss = try #require(after["balloon.rss"].flatMap(Double.init), "libvirt reports balloon.rss: \(after)")
        #expect(number(0).map { abs($0 - rss) <= rss * 0.2 } == true, "virtGuestMemoryResident \(served[0].value) vs rss \(rss)")
        #expect(after["balloon.unused"] == nil && served[1].type == "exception",
                "no balloon driver: unused is absent, not zero: \(served[1])")
        #expect(after["balloon.swap_out"] == nil && served[2].type == "exception", "swap_out absent: \(served[2])")
        #expect(served[3].value == after["vcpu.0.state"], "vCPU state \(served[3].value) vs \(after["vcpu.0.state"] ?? "-")")
        // A poll is at most a second (plus one snmpget) older than `before`: a second of CPU time, of wait, of delay.
        #expect(between(4, "vcpu.0.time", slack: 2e9), "vcpu time \(served[4].value): \(before["vcpu.0.time"] ?? "") ... \(after["vcpu.0.time"] ?? "")")
        #expect(between(5, "vcpu.0.wait", slack: 2e9), "vcpu wait \(served[5].value)")
        #expect(between(6, "vcpu.0.delay", slack: 2e9), "vcpu delay \(served[6].value)")
        #expect(number(7).map { $0 > 0 } == true && between(7, "block.0.rd.times", slack: 5e8),
                "read time \(served[7].value): \(before["block.0.rd.times"] ?? "") ... \(after["block.0.rd.times"] ?? "")")
        #expect(between(8, "block.0.rd.reqs", slack: 1000), "read requests beside it")
        #expect(between(9, "block.0.wr.times", slack: 5e8) && between(10, "block.0.fl.times", slack: 5e8),
                "write and flush times \(served[9].value), \(served[10].value) as virsh gives them")

        // show guests: run1's resident memory, and a dash where the guest reported nothing.
        let show = try Command.run(try TestWorld.agentBinary(), ["show", "guests", "--color", "never", "-H", master.target, "-C", "public"])
        let line = show.stdout.split(separator: "\n").first { $0.hasPrefix("run1") }.map(String.init) ?? ""
        #expect(line.contains(" - ") && line.contains("MiB"), "show guests:\n\(show.stdout)\(show.stderr)")
    }

    @Test func groupsSwitchedOffAreNotServedAndTheDomainRowStillIs() throws {
        let (master, agent, client, run1) = try start(["--no-statistics", "vcpu", "--no-statistics", "balloon"])
        defer { withExtendedLifetime(agent) { master.stop() } }
        // An empty subtree: snmpbulkwalk then asks for the table itself, which has no instance.
        let vcpus = try client.bulkWalk("\(Subtree.root).1.12").filter { $0.type != "exception" }
        let memory = try client.bulkWalk("\(Subtree.root).1.11").filter { $0.type != "exception" }
        #expect(vcpus.isEmpty && memory.isEmpty, "no vCPU or guest memory cells: \(vcpus.prefix(3)) \(memory.prefix(3))")
        // The domain row's counts come from the definition instead, as virsh dominfo gives them.
        let info = try virsh.report(["dominfo", "run1"])
        let column = { (column: Column<Domain>) in "\(Subtree.domainEntry).\(column.subID).\(run1)" }
        let served = try client.get([column(DomainColumns.vcpus), column(DomainColumns.memoryMax), column(DomainColumns.memory)])
        #expect(served[0].value == info["CPU(s)"], "vCPUs \(served[0].value) vs \(info["CPU(s)"] ?? "")")
        #expect("\(served[1].value) KiB" == info["Max memory"], "max memory \(served[1].value) vs \(info["Max memory"] ?? "")")
        #expect("\(served[2].value) KiB" == info["Used memory"], "memory \(served[2].value) vs \(info["Used memory"] ?? "")")
        #expect(agent.process.output.contains("block interface"), "the start-up line names the groups read")
    }

    @Test func cloudNamesAndTheDescriptionFollowVirsh() throws {
        let (master, agent, client, run1) = try start()
        defer { withExtendedLifetime(agent) { master.stop() } }
        let namespace = "http://openstack.org/xmlns/libvirt/nova/1.1"
        let instance = """
            <instance><name>web-frontend-01</name><flavor name="m1.small"><vcpus>1</vcpus></flavor>\
            <owner><user uuid="0c4f6a1e">alice</user><project uuid="3a2b1c0d">acme</project></owner></instance>
            """
        _ = try virsh.run(["metadata", "run1", "--live", "--uri", namespace, "--key", "nova", "--set", instance])
        defer { _ = try? virsh.run(["metadata", "run1", "--live", "--uri", namespace, "--remove"]) }
        _ = try virsh.run(["desc", "run1", "--live", "billing front end, tenant acme"])
        defer { _ = try? virsh.run(["desc", "run1", "--live", ""]) }
        // What virsh says is set, as the reference.
        let written = try virsh.run(["metadata", "run1", "--uri", namespace])
        #expect(written.contains("web-frontend-01"), "\(written)")
        let description = try virsh.run(["desc", "run1"]).trimmingCharacters(in: .whitespacesAndNewlines)

        let column = { (column: Column<Domain>) in "\(Subtree.domainEntry).\(column.subID).\(run1)" }
        let shown = eventually(timeout: .seconds(5)) {
            (try? client.get([column(DomainColumns.cloudName)]))?.first?.value == "web-frontend-01"
        }
        #expect(shown, "the metadata change event brought the name:\n\(agent.process.output.suffix(2000))")
        let values = try client.get([DomainColumns.cloudProject, DomainColumns.cloudProjectUUID, DomainColumns.cloudUser,
                                     DomainColumns.cloudFlavor, DomainColumns.descriptionText].map(column)).map(\.value)
        #expect(values == ["acme", "3a2b1c0d", "alice", "m1.small", description])
    }
}
}
