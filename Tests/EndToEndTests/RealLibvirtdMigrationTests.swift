import Foundation
import MIB
import TestSupport
import Testing
import VirtModel

/// A live migration on the real libvirtd of scripts/with-libvirtd, to a second
/// libvirtd (PeerLibvirtd) over loopback: a transient domain whose guest
/// dirties memory faster than 1 MiB/s can carry, so the migration runs until
/// it is aborted, as a migration that does not converge does on a real host.
/// The agent polls every 300 s: the migration's pass events alone bring its
/// row up to date while it runs. Nested in RealLibvirtdTests so it never runs beside the
/// others (its domain would show in their tables).
extension RealLibvirtdTests {
@Suite struct Migration {
    let uri: String
    let virsh: Virsh

    init() throws {
        uri = try #require(RealLibvirtd.uri)
        virsh = Virsh(uri: uri)
    }

    /// libvirt's raw job fields (`virsh domjobinfo --rawstats`: `name: value` lines).
    func rawJob(_ extra: [String] = []) throws -> [String: String] {
        try virsh.report(["domjobinfo", "mover", "--rawstats"] + extra)
    }

    @Test func aMigrationThatDoesNotConvergeShowsRunningAndThenInterrupted() throws {
        let folder = try ScratchFolder()
        let peer = try PeerLibvirtd(folder: folder)
        defer { peer.stop() }
        try DirtyingBootDisk.write(to: folder.file("mover.raw"))
        try """
            <domain type='qemu'>
              <name>mover</name>
              <memory unit='MiB'>64</memory>
              <vcpu>1</vcpu>
              <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
              <devices>
                <disk type='file' device='disk'><driver name='qemu' type='raw'/>
                  <source file='\(folder.file("mover.raw").path)'/><target dev='vda' bus='virtio'/></disk>
              </devices>
            </domain>
            """.write(to: folder.file("mover.xml"), atomically: true, encoding: .utf8)
        _ = try virsh.run(["create", folder.file("mover.xml").path])
        defer { _ = try? virsh.run(["destroy", "mover"]) }
        let (master, agent, client, _) = try RealLibvirtd.serve(["--poll-interval", "300"])
        defer { withExtendedLifetime(agent) { master.stop() } }
        let names = try client.bulkWalk(Subtree.column(DomainColumns.name))
        let mover = try #require(names.first { $0.value == "mover" }?.oid.split(separator: ".").last.map(String.init))
        let cell = { (column: Column<Domain>) in "\(Subtree.root).1.13.1.\(column.subID).\(mover)" }
        let number = { (column: Column<Domain>) in (try? client.get([cell(column)]))?.first.flatMap { UInt64($0.value) } }

        let migrationPort = try TestWorld.freeTCPPort()
        let virshPath = try #require(Requirement.executable("virsh"), "virsh on PATH")
        let migration = try ChildProcess(
            "virsh-migrate", virshPath,
            ["-c", uri, "migrate", "--live", "--unsafe", "mover", peer.uri, "--migrateuri", "tcp://127.0.0.1:\(migrationPort)",
             "--bandwidth", "1"],
            log: folder.file("migrate.log"))
        var aborted = false
        defer { if !aborted { _ = try? virsh.run(["domjobabort", "mover"]) }; _ = migration.stop(timeout: .seconds(30)) }

        let running = eventually(timeout: .seconds(20)) { number(JobColumns.status) == 1 && (number(JobColumns.iteration) ?? 0) >= 2 }
        #expect(running, "no running migration for mover:\n\(migration.output)\n\(agent.process.output.suffix(2000))")
        let processed = try #require(number(JobColumns.dataProcessed))
        #expect(eventually(timeout: .seconds(15)) { (number(JobColumns.dataProcessed) ?? 0) > processed },
                "the data processed stayed at \(processed) though the guest kept dirtying pages")
        let values = try client.get([JobColumns.operation, JobColumns.dataTotal, JobColumns.dataProcessed, JobColumns.iteration,
                                     JobColumns.dirtyRate, JobColumns.downtime, JobColumns.remaining, JobColumns.ended].map(cell))
        let raw = try rawJob()
        #expect(values[0].value == "5" && raw["operation"] == "5", "outgoingMigration(5): \(values[0]) / \(raw)")
        #expect(values[1].value == raw["data_total"], "data total as libvirt gives it: \(values[1]) / \(raw)")
        let (snmpProcessed, snmpIteration) = (UInt64(values[2].value) ?? 0, UInt64(values[3].value) ?? 0)
        #expect(snmpProcessed > processed && snmpProcessed <= UInt64(raw["data_processed"] ?? "") ?? 0,
                "processed climbs, up to what libvirt says a moment later: \(snmpProcessed) / \(raw)")
        #expect(snmpIteration >= 2 && snmpIteration <= UInt64(raw["memory_iteration"] ?? "") ?? 0, "passes: \(values[3]) / \(raw)")
        #expect((UInt64(values[4].value) ?? 0) > 0, "the guest dirties pages: \(values[4]) / \(raw)")
        #expect((UInt64(values[5].value) ?? 0) > 0 && raw["downtime"] != nil, "expected downtime: \(values[5]) / \(raw)")
        #expect(values[7].type == "exception", "no end while it runs")

        let snmp = ["-H", master.target, "-C", "public"]
        let check = try Command.run(try TestWorld.agentBinary(), ["check", "jobs", "-w", "0", "-c", "0"] + snmp)
        #expect(check.status == 2 && check.stdout.contains("mover outgoingMigration for"), "over -c 0 minutes: CRITICAL\n\(check.stdout)")
        let show = try Command.run(try TestWorld.agentBinary(), ["show", "jobs", "--color", "never"] + snmp)
        let line = show.stdout.split(separator: "\n").first { $0.hasPrefix("mover") }.map(String.init) ?? ""
        #expect(line.contains("outgoingMigration") && line.contains("running"), "\(show.stdout)")

        _ = try virsh.run(["domjobabort", "mover"])
        aborted = true
        #expect(migration.waitForExit(timeout: .seconds(30)) == 1 && migration.output.contains("canceled by client"), "\(migration.output)")
        // libvirt sends no event when a migration is cancelled: the next poll finds
        // the job gone. An event of the domain (a new title) stands in for that poll.
        _ = try virsh.run(["desc", "mover", "--live", "--title", "migration cancelled"])
        let interrupted = eventually(timeout: .seconds(15)) { number(JobColumns.status) == 5 }
        let completed = try rawJob(["--completed"])
        #expect(interrupted, "the cancelled migration is not shown as interrupted: \(completed)")
        #expect(completed["operation"] == nil, "libvirt keeps no completed job for it: \(completed)")
        let after = try client.get([JobColumns.operation, JobColumns.dataProcessed, JobColumns.ended, JobColumns.remaining].map(cell))
        #expect(after[0].value == "5" && (UInt64(after[1].value) ?? 0) >= snmpProcessed, "the last figures seen: \(after)")
        #expect(after[2].type != "exception" && after[3].type == "exception", "ended, nothing remaining: \(after)")
        let checked = try Command.run(try TestWorld.agentBinary(), ["check", "jobs"] + snmp)
        #expect(checked.status == 1 && checked.stdout.contains("mover: last outgoingMigration ended without completing"), "\(checked.stdout)")
        #expect(try virsh.stateAndReason("mover").state == "running", "the domain stayed where it was")
    }
}
}
