import Foundation
import MIB
import TestSupport
import Testing
import VirtModel

/// Jobs on the real libvirtd of scripts/with-libvirtd, with a 300 s poll
/// interval so that only libvirt's events can explain what shows: an active
/// block commit's row appears when it is ready and goes when it is aborted; a
/// save leaves its job, with the figures `virsh domjobinfo --completed` shows.
/// Nested in RealLibvirtdTests so it never runs beside the others (it saves run1).
extension RealLibvirtdTests {
@Suite struct Jobs {
    let uri: String
    let virsh: Virsh

    init() throws {
        uri = try #require(RealLibvirtd.uri)
        virsh = Virsh(uri: uri)
    }

    func start() throws -> (SNMPMaster, AgentProcess, SNMPClient, String) {
        try RealLibvirtd.serve(["--poll-interval", "300"])
    }

    @Test func anActiveCommitShowsWhenReadyAndGoesWhenAborted() throws {
        let (master, agent, client, run1) = try start()
        defer { withExtendedLifetime(agent) { master.stop() } }
        let disks = try client.bulkWalk(Subtree.diskEntry).table(VirtAgentxMIB.diskTable)
        let vdb = try #require(disks[DiskColumns.target]?.first { $0.key.hasPrefix(run1 + ".") && $0.value == "vdb" }?.key)
        let cell = { (column: Column<Disk>) in "\(Subtree.root).1.14.1.\(column.subID).\(vdb)" }

        _ = try virsh.run(["blockcommit", "run1", "vdb", "--active", "--bandwidth", "1"])
        var aborted = false
        defer { if !aborted { _ = try? virsh.run(["blockjob", "run1", "vdb", "--abort"]) } }
        let shown = eventually(timeout: .seconds(15)) { (try? client.get([cell(BlockJobColumns.ready)]))?.first?.value == "1" }
        let info = try virsh.run(["blockjob", "run1", "vdb", "--info", "--bytes"])
        let raw = try virsh.run(["blockjob", "run1", "vdb", "--raw"])
        #expect(shown, "no ready block job row for run1/vdb (virsh: \(info)):\n\(agent.process.output.suffix(2000))")
        let values = try client.get([BlockJobColumns.kind, BlockJobColumns.bandwidth, BlockJobColumns.current, BlockJobColumns.end].map(cell))
        #expect(values[0].value == "4" && raw.contains("type=Active Block Commit"), "activeCommit(4), as virsh says: \(raw)")
        #expect(info.contains("\(values[1].value) bytes/s") && values[1].value == "1048576", "the bandwidth virsh shows: \(info)")
        #expect(values[2].value == values[3].value && (UInt64(values[3].value) ?? 0) > 0, "caught up: \(values)")
        let snmp = ["-H", master.target, "-C", "public"]
        let show = try Command.run(try TestWorld.agentBinary(), ["show", "jobs", "--color", "never"] + snmp)
        #expect(show.stdout.contains("activeCommit") && show.stdout.contains("1.0 MiB/s") && show.stdout.contains("100 %"), "\(show.stdout)")
        let check = try Command.run(try TestWorld.agentBinary(), ["check", "jobs"] + snmp)
        #expect(check.status == 0 && check.stdout.contains("1 block jobs"), "\(check.stdout)")

        _ = try virsh.run(["blockjob", "run1", "vdb", "--abort"])
        aborted = true
        #expect(eventually(timeout: .seconds(15)) { (try? client.get([cell(BlockJobColumns.kind)]))?.first?.type == "exception" },
                "the row went with the job")
        #expect(try virsh.run(["blockjob", "run1", "vdb", "--info"]).contains("No current block job"))
    }

    @Test func aSaveLeavesItsJobWithVirshsFigures() throws {
        let (master, agent, client, run1) = try start()
        defer { withExtendedLifetime(agent) { master.stop() } }
        let saved = master.folder.appendingPathComponent("run1.save").path
        _ = try virsh.run(["save", "run1", saved])
        defer { _ = try? virsh.run(["restore", saved]) }
        let completed = try virsh.report(["domjobinfo", "run1", "--completed"])
        let elapsed = try #require(completed["Time elapsed"]?.split(separator: " ").first.map(String.init), "\(completed)")

        let cell = { (column: Column<Domain>) in "\(Subtree.root).1.13.1.\(column.subID).\(run1)" }
        let shown = eventually(timeout: .seconds(15)) { (try? client.get([cell(JobColumns.status)]))?.first?.value == "2" }
        #expect(shown, "no completed job for run1:\n\(agent.process.output.suffix(2000))")
        let values = try client.get([JobColumns.operation, JobColumns.elapsed, JobColumns.ended, JobColumns.remaining].map(cell))
        #expect(values[0].value == "2" && completed["Operation"] == "Save", "save(2): \(values[0]) / \(completed)")
        #expect(values[1].value == elapsed, "elapsed ms as virsh gives it: \(values[1].value) vs \(elapsed)")
        #expect(values[2].type != "exception", "when it ended")
        #expect(values[3].type == "exception", "a completed save has no time remaining: absent")
        let show = try Command.run(try TestWorld.agentBinary(), ["show", "jobs", "--color", "never", "-H", master.target, "-C", "public"])
        let line = show.stdout.split(separator: "\n").first { $0.hasPrefix("run1") }.map(String.init) ?? ""
        #expect(line.contains("save") && line.contains("completed"), "\(show.stdout)")
    }
}
}
