import Foundation
import MIB
import TestSupport
import Testing
import VirtModel

/// Jobs on the real libvirtd of scripts/with-libvirtd. With a 300 s poll
/// interval only libvirt's events can explain what shows: an active block
/// commit's row appears when it is ready and goes when it is aborted; a save
/// leaves its job, with the figures `virsh domjobinfo --completed` shows. With
/// a 1 s poll, jobs that libvirt announces by no event (a block copy, a pull
/// backup) are begun before the agent starts, found by its first poll and
/// followed by every poll: their progress and time climb as virsh shows them.
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

    /// At 1 MiB/s with a 1 MiB buffer (so that the limit holds from the first
    /// chunk) a copy of run1's 16 MiB boot disk runs for about 16 s.
    @Test func aBlockCopysProgressMovesAsVirshShowsAndItsRowGoesWhenAborted() throws {
        let folder = try ScratchFolder()
        _ = try virsh.run(["blockcopy", "run1", "vda", folder.file("copy.qcow2").path, "--format", "qcow2",
                           "--bandwidth", "1", "--buf-size", "1048576", "--transient-job"])
        var aborted = false
        defer { if !aborted { _ = try? virsh.run(["blockjob", "run1", "vda", "--abort"]) } }
        let (master, agent, client, run1) = try RealLibvirtd.serve(["--poll-interval", "1"])
        defer { withExtendedLifetime(agent) { master.stop() } }
        let disks = try client.bulkWalk(Subtree.diskEntry).table(VirtAgentxMIB.diskTable)
        let vda = try #require(disks[DiskColumns.target]?.first { $0.key.hasPrefix(run1 + ".") && $0.value == "vda" }?.key)
        let cell = { (column: Column<Disk>) in "\(Subtree.root).1.14.1.\(column.subID).\(vda)" }
        let current = { (try? client.get([cell(BlockJobColumns.current)]))?.first.flatMap { UInt64($0.value) } }

        #expect(eventually(timeout: .seconds(10)) { (current() ?? 0) > 0 }, "no copy row for run1/vda:\n\(agent.process.output.suffix(2000))")
        let first = try #require(current())
        #expect(eventually(timeout: .seconds(10)) { (current() ?? 0) > first }, "the copy's progress stayed at \(first)")
        let values = try client.get([BlockJobColumns.kind, BlockJobColumns.bandwidth, BlockJobColumns.current,
                                     BlockJobColumns.end, BlockJobColumns.ready].map(cell))
        let raw = try virsh.rawBlockJob("run1", "vda")
        let (snmpCurrent, end) = (UInt64(values[2].value) ?? 0, UInt64(values[3].value) ?? 0)
        #expect(values[0].value == "2" && raw["type"] == "Block Copy", "copy(2), as virsh says: \(raw)")
        #expect(values[1].value == "1048576", "1 MiB/s in bytes: \(values[1])")
        #expect(raw["end"] == values[3].value && end > 0, "the end virsh shows: \(raw)")
        #expect(snmpCurrent > first && snmpCurrent <= UInt64(raw["cur"] ?? "") ?? 0 && snmpCurrent < end,
                "between the first reading and what virsh shows a moment later, not yet caught up: \(first) < \(snmpCurrent) <= \(raw)")
        #expect(values[4].value == "2", "not ready while it copies: \(values[4])")

        _ = try virsh.run(["blockjob", "run1", "vda", "--abort"])
        aborted = true
        #expect(eventually(timeout: .seconds(15)) { (try? client.get([cell(BlockJobColumns.kind)]))?.first?.type == "exception" },
                "the row went with the job")
    }

    /// A pull backup runs until it is aborted, and libvirt then calls it
    /// completed, with "Operation canceled".
    @Test func aPullBackupShowsRunningThenEndedWithLibvirtsMessage() throws {
        let folder = try ScratchFolder()
        let definition = folder.file("backup.xml")
        try """
            <domainbackup mode='pull'>
              <server transport='unix' socket='\(folder.file("nbd.sock").path)'/>
              <disks>
                <disk name='vda' type='file'><scratch file='\(folder.file("scratch.qcow2").path)'/></disk>
                <disk name='vdb' backup='no'/>
              </disks>
            </domainbackup>
            """.write(to: definition, atomically: true, encoding: .utf8)
        _ = try virsh.run(["backup-begin", "run1", definition.path])
        var aborted = false
        defer { if !aborted { _ = try? virsh.run(["domjobabort", "run1"]) } }
        let (master, agent, client, run1) = try RealLibvirtd.serve(["--poll-interval", "1"])
        defer { withExtendedLifetime(agent) { master.stop() } }
        let cell = { (column: Column<Domain>) in "\(Subtree.root).1.13.1.\(column.subID).\(run1)" }
        let elapsed = { (try? client.get([cell(JobColumns.elapsed)]))?.first.flatMap { UInt64($0.value) } }

        let running = eventually(timeout: .seconds(10)) { (try? client.get([cell(JobColumns.status)]))?.first?.value == "1" }
        #expect(running, "no running job for run1:\n\(agent.process.output.suffix(2000))")
        let first = try #require(elapsed())
        #expect(eventually(timeout: .seconds(10)) { (elapsed() ?? 0) > first }, "the job's time stayed at \(first) ms")
        let values = try client.get([JobColumns.operation, JobColumns.elapsed, JobColumns.ended, JobColumns.message].map(cell))
        let info = try virsh.report(["domjobinfo", "run1"])
        let virshElapsed = UInt64(info["Time elapsed"]?.split(separator: " ").first ?? "") ?? 0
        #expect(values[0].value == "9" && info["Operation"] == "Backup", "backup(9): \(values[0]) / \(info)")
        #expect((UInt64(values[1].value) ?? 0) > first && (UInt64(values[1].value) ?? .max) <= virshElapsed,
                "elapsed climbs, up to what virsh shows a moment later: \(values[1].value) vs \(virshElapsed)")
        #expect(values[2].type == "exception" && values[3].type == "exception", "no end and no message while it runs: \(values)")
        let blockJob = try client.get(["\(Subtree.root).1.14.1.\(BlockJobColumns.kind.subID).\(run1).1"])
        let raw = try virsh.rawBlockJob("run1", "vda")
        #expect(blockJob.first?.value == "5" && raw["type"] == "Backup", "vda's block job, backup(5), as virsh says: \(blockJob) / \(raw)")
        let snmp = ["-H", master.target, "-C", "public"]
        let check = try Command.run(try TestWorld.agentBinary(), ["check", "jobs", "-w", "0", "-c", "60"] + snmp)
        #expect(check.status == 1 && check.stdout.contains("run1 backup for"), "over -w 0 minutes: WARNING\n\(check.stdout)")

        _ = try virsh.run(["domjobabort", "run1"])
        aborted = true
        let ended = eventually(timeout: .seconds(15)) { (try? client.get([cell(JobColumns.status)]))?.first?.value == "2" }
        let completed = try virsh.report(["domjobinfo", "run1", "--completed"])
        #expect(ended, "the job did not end in the table: \(completed)")
        let after = try client.get([JobColumns.elapsed, JobColumns.ended, JobColumns.message].map(cell))
        #expect(after[0].value == completed["Time elapsed"]?.split(separator: " ").first.map(String.init),
                "elapsed as virsh's completed job: \(after[0]) / \(completed)")
        #expect(after[1].type != "exception" && after[2].value == completed["Error message"] && after[2].value == "Operation canceled",
                "ended, with libvirt's message: \(after) / \(completed)")
        let show = try Command.run(try TestWorld.agentBinary(), ["show", "jobs", "--color", "never"] + snmp)
        let line = show.stdout.split(separator: "\n").first { $0.hasPrefix("run1") }.map(String.init) ?? ""
        #expect(line.contains("backup") && line.contains("completed") && line.contains("Operation canceled"), "\(show.stdout)")
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
