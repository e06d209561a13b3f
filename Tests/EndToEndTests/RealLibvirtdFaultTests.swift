import Foundation
import MIB
import TestSupport
import Testing

/// Live changes and faults against the real libvirtd of scripts/with-libvirtd:
/// events make changes visible within a second, and a dead or frozen libvirtd
/// never stops the agent from answering.
/// Nested in RealLibvirtdTests so the two never run at once: both act on one libvirtd.
extension RealLibvirtdTests {
@Suite struct Faults {
    /// snmpd and the agent, alive for as long as this value is.
    struct Running {
        let traps: TrapReceiver
        let master: SNMPMaster
        let agent: AgentProcess
        var client: SNMPClient { SNMPClient(target: master.target) }
    }

    /// Starts snmpd and the agent; `pollInterval` long enough that only events explain a quick change.
    func start(pollInterval: Int, extra: [String] = []) throws -> Running {
        let scratch = try ScratchFolder()   // the master's, removed with it
        let traps = try TrapReceiver(folder: scratch.url)
        let master = try SNMPMaster(owning: scratch, trapSink: traps.port)
        let folder = master.folder
        let agent = try AgentProcess(folder: folder, uri: try #require(RealLibvirtd.uri), socket: master.socket,
                                     extra: ["--poll-interval", "\(pollInterval)"] + extra)
        try agent.waitUntilServing(through: master)
        return Running(traps: traps, master: master, agent: agent)
    }

    func domainIndex(_ name: String, _ client: SNMPClient) throws -> String {
        let names = try client.bulkWalk(Subtree.column(DomainColumns.name))
        return try #require(names.first { $0.value == name }?.oid.split(separator: ".").last.map(String.init))
    }

    /// How long until `oid` reads `value` (nil if not within `limit`).
    func timeUntil(_ client: SNMPClient, _ oid: String, is value: String, limit: Duration) throws -> Duration? {
        try TestSupport.timeUntil(timeout: limit) { try client.get([oid]).first?.value == value }
    }

    @Test func lifecycleEventsShowWithinASecond() throws {
        let running = try start(pollInterval: 300)
        let client = running.client
        let virsh = Virsh(uri: try #require(RealLibvirtd.uri))
        let index = try domainIndex("spare", client)
        let state = Subtree.column(DomainColumns.state) + "." + index
        // RFC 7666's per-VM notification for each change: (OID, vmOperState: the state
        // it left, how many of that OID and state so far).
        let vmNotifications = ["start": ("1.3.6.1.2.1.236.0.1", "11", 1), "suspend": ("1.3.6.1.2.1.236.0.4", "4", 1),
                               "resume": ("1.3.6.1.2.1.236.0.1", "8", 1), "destroy": ("1.3.6.1.2.1.236.0.3", "4", 1)]
        for (command, expected) in [("start", "1"), ("suspend", "3"), ("resume", "1"), ("destroy", "5")] {
            _ = try virsh.run([command, "spare"])
            let took = try timeUntil(client, state, is: expected, limit: .seconds(5))
            let pollTook = try client.get([Subtree.scalar(HostScalars.lastPollDuration)]).first?.value ?? "?"
            #expect(took != nil && took! < .seconds(1),
                    "after virsh \(command): state \(expected) took \(String(describing: took)); the last poll took \(pollTook) ms")
            // virtDomainStateChange, with the row's objects under spare's index.
            let trap = running.traps.waitFor("1.3.6.1.4.1.32473.0.1") { varbinds in
                varbinds.contains { $0.oid == state && $0.value == expected }
            }
            #expect(trap?.contains { $0.oid == Subtree.column(DomainColumns.name) + "." + index && $0.value == "spare" } == true,
                    "virtDomainStateChange after virsh \(command): \(running.traps.notifications())")
            // And the VM-MIB one, with vmName and vmOperState under the same index.
            let (oid, operState, count) = vmNotifications[command]!
            let vm = "1.3.6.1.2.1.236.1.4.1"
            let matching = { running.traps.notifications().filter { trap in
                trap.oid == oid && trap.varbinds.contains { $0.oid == "\(vm).2.\(index)" && $0.value == "spare" }
                    && trap.varbinds.contains { $0.oid == "\(vm).6.\(index)" && $0.value == operState }
            }.count }
            #expect(eventually(timeout: .seconds(5)) { matching() == count },
                    "RFC 7666 \(oid) after virsh \(command): \(running.traps.notifications().map(\.oid))")
        }
    }

    @Test func bulkNotificationsNameEveryVMThatWent() throws {
        let running = try start(pollInterval: 300, extra: ["--vm-notifications", "bulk"])
        let client = running.client
        let virsh = Virsh(uri: try #require(RealLibvirtd.uri))
        try withScratchFolder { folder in
            // Three scratch domains made from spare's definition, defined and then undefined together.
            let template = try virsh.run(["dumpxml", "--inactive", "spare"])
                .replacingOccurrences(of: #"<uuid>[^<]*</uuid>"#, with: "", options: .regularExpression)
            let names = ["bulk1", "bulk2", "bulk3"]
            let before = Int(try client.get([Subtree.domainCount]).first?.value ?? "") ?? 0
            for name in names {
                let file = folder.appendingPathComponent("\(name).xml")
                try template.replacingOccurrences(of: "<name>spare</name>", with: "<name>\(name)</name>")
                    .write(to: file, atomically: true, encoding: .utf8)
                _ = try virsh.run(["define", file.path])
            }
            defer { for name in names { _ = try? virsh.run(["undefine", name]) } }
            #expect(try timeUntil(client, Subtree.domainCount, is: "\(before + 3)", limit: .seconds(5)) != nil)
            let indexes = try names.map { try Int(domainIndex($0, client))! }
            for name in names { _ = try virsh.run(["undefine", name]) }

            // vmBulkDeleted with vmAffectedVMs: one bit per vmIndex, index 1 the top bit of the first octet.
            var octets = [UInt8](repeating: 0, count: (indexes.max()! + 7) / 8)
            for index in indexes { octets[(index - 1) / 8] |= 0x80 >> ((index - 1) % 8) }
            let expected = octets.map { String(format: "%02X", $0) }.joined(separator: " ")
            let seen = { running.traps.notifications().filter { $0.oid == "1.3.6.1.2.1.236.0.20" }
                .flatMap { $0.varbinds.filter { $0.oid == "1.3.6.1.2.1.236.1.11.0" }.map(\.value) } }
            // The three undefines may land in one snapshot or in several: every index must be named once.
            let named = {
                seen().reduce(into: Set<Int>()) { found, hex in
                    for (position, byte) in hex.split(separator: " ").compactMap({ UInt8($0, radix: 16) }).enumerated() {
                        for bit in 0..<8 where byte & (0x80 >> bit) != 0 { found.insert(position * 8 + bit + 1) }
                    }
                }
            }
            #expect(eventually(timeout: .seconds(5)) { named() == Set(indexes) },
                    "vmBulkDeleted naming rows \(indexes) (\(expected)): \(seen())")
            #expect(!running.traps.notifications().contains { $0.oid == "1.3.6.1.2.1.236.0.10" }, "no per-VM vmDeleted in bulk mode")
        }
    }

    @Test func aRestartedLibvirtdIsReconnectedFiveTimesWithoutLeaking() throws {
        let running = try start(pollInterval: 2)
        let (agent, client) = (running.agent, running.client)
        let domains = try client.get([Subtree.domainCount]).first?.value
        var rss: [Int] = []
        for round in 1...5 {
            try RealLibvirtd.stopDaemon()
            #expect(try timeUntil(client, Subtree.connectionStatus, is: "2", limit: .seconds(20)) != nil,
                    "round \(round): disconnected(2) shown")
            #expect(try client.get([Subtree.domainCount]).first?.value == domains, "the last data is still served")
            try RealLibvirtd.startDaemon()
            #expect(try timeUntil(client, Subtree.connectionStatus, is: "1", limit: .seconds(4)) != nil,
                    "round \(round): connected again within 2 poll intervals")
            let traps = running.traps.notifications().map(\.oid)
            #expect(traps.filter { $0 == "1.3.6.1.4.1.32473.0.5" }.count == round, "virtLibvirtConnectionLost per restart")
            #expect(traps.filter { $0 == "1.3.6.1.4.1.32473.0.6" }.count == round, "virtLibvirtConnectionRestored per restart")
            rss.append(RealLibvirtd.residentKiB(of: agent.process.pid))
        }
        #expect(agent.process.isRunning)
        print("agent RSS after each libvirtd restart (KiB): \(rss)")
        #expect(rss.last! < rss.first! + 4096, "RSS grew from \(rss.first!) to \(rss.last!) KiB")
    }

    @Test func aFrozenLibvirtdNeverDelaysAnAnswer() throws {
        let running = try start(pollInterval: 1, extra: ["--poll-deadline", "2"])
        let (agent, client) = (running.agent, running.client)
        let pid = try RealLibvirtd.daemonPID()
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }
        var slowest: Duration = .zero
        let freeze = ContinuousClock.now
        var sawUnresponsive = false
        // The first overrun is retried at once on a fresh connection; the second marks
        // the host: at most an interval and two deadlines.
        while ContinuousClock.now - freeze < .seconds(8) {
            let asked = ContinuousClock.now
            let answer = try client.get([Subtree.connectionStatus, Subtree.domainCount])
            slowest = max(slowest, ContinuousClock.now - asked)
            #expect(answer.count == 2 && answer.allSatisfy(\.isValue))
            if answer.first?.value == "4" { sawUnresponsive = true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        // The one-shot commands give up within their timeout too, saying why.
        let asked = ContinuousClock.now
        let show = try Command.run(try TestWorld.agentBinary(), ["show", "--local", "--connect", try #require(RealLibvirtd.uri),
                                                                 "--timeout", "3", "host"], timeout: .seconds(10))
        let showTook = ContinuousClock.now - asked
        #expect(show.status != 0 && showTook < .seconds(4), "show --local on a frozen libvirtd: \(show.status) after \(showTook)")
        #expect(show.stderr.contains("did not answer within 2 s"), "show --local names the frozen libvirt: \(show.stderr)")
        print("slowest snmpget (process start included) while libvirtd was frozen: \(slowest); show --local gave up after \(showTook)")
        #expect(sawUnresponsive, "virtHostConnectionStatus became unresponsive(4)")
        #expect(slowest < .seconds(1))
        let age = UInt64(try client.get([Subtree.scalar(HostScalars.dataAge)]).first?.value ?? "") ?? 0
        #expect(age >= 3, "virtHostDataAge counts the freeze: \(age) s")
        kill(pid, SIGCONT)
        #expect(try timeUntil(client, Subtree.connectionStatus, is: "1", limit: .seconds(25)) != nil,
                "connected again after SIGCONT")
        #expect(agent.process.isRunning)
    }

    @Test func agentStartedBeforeLibvirtdConverges() throws {
        try RealLibvirtd.stopDaemon()
        try withScratchFolder { folder in
            let master = try SNMPMaster(folder: folder)
            let agent = try AgentProcess(folder: folder, uri: try #require(RealLibvirtd.uri), socket: master.socket,
                                         extra: ["--poll-interval", "2"])
            try agent.waitUntilServing(through: master, status: 2)
            try RealLibvirtd.startDaemon()
            try agent.waitUntilServing(through: master, status: 1)
            #expect(try SNMPClient(target: master.target).get([Subtree.domainCount]).first?.value == "3")
        }
    }
}
}

extension RealLibvirtd {
    static func daemonPID() throws -> pid_t {
        let text = try String(contentsOfFile: "/run/libvirtd.pid", encoding: .utf8)
        return try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// Stops the namespace's libvirtd (its QEMU domains keep running) and waits until it is gone.
    static func stopDaemon() throws {
        let pid = try daemonPID()
        kill(pid, SIGTERM)
        _ = eventually(timeout: .seconds(10)) { kill(pid, 0) != 0 }
    }

    static func startDaemon() throws {
        let result = try Command.run("libvirtd", ["-d"])
        guard result.status == 0 else { throw HarnessError("libvirtd -d failed: \(result.stderr)") }
        _ = try eventually(timeout: .seconds(10)) {
            try Command.run("virsh", ["-q", "-c", "qemu:///system", "version"]).status == 0
        }
    }

    static func residentKiB(of pid: pid_t) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }
}
