import Foundation
import MIB
import VirtModel
import TestSupport
import Testing

/// One domain's QEMU stopped with SIGSTOP (what a QEMU stuck in uninterruptible I/O
/// or with a wedged monitor looks like to libvirt) costs that domain's rows only:
/// the others keep changing, events keep working, and it recovers on SIGCONT.
/// Nested in RealLibvirtdTests so it never runs beside the other suites on the daemon.
extension RealLibvirtdTests.Faults {
    static let pollInterval = 2, pollDeadline = 5

    @Test func aStoppedQEMUFreezesOnlyItsOwnDomain() throws {
        let running = try start(pollInterval: Self.pollInterval, extra: ["--poll-deadline", "\(Self.pollDeadline)"])
        let (agent, client) = (running.agent, running.client)
        let virsh = Virsh(uri: try #require(RealLibvirtd.uri))
        _ = try? virsh.run(["start", "spare"])
        defer { _ = try? virsh.run(["destroy", "spare"]) }
        let stuck = try domainIndex("run1", client), other = try domainIndex("spare", client)
        let column = { (column: Column<Domain>, index: String) in Subtree.column(column) + "." + index }
        #expect(try timeUntil(client, column(DomainColumns.state, other), is: "1", limit: .seconds(10)) != nil, "spare runs")
        let qemu = try RealLibvirtd.qemuPID(of: "run1")
        defer { kill(qemu, SIGCONT) }

        let baseline = (threads: RealLibvirtd.threads(of: agent.process.pid), rss: RealLibvirtd.residentKiB(of: agent.process.pid))
        var changeTimes: [Duration] = [], recoveries: [Duration] = [], markings: [Duration] = []
        var figures: [(threads: Int, rss: Int, abandoned: String)] = []
        let twoIntervals = Duration.seconds(2 * Self.pollInterval)
        for cycle in 1...5 {
            kill(qemu, SIGSTOP)
            let marked = try timeUntil(client, column(DomainColumns.dataStatus, stuck), is: "3", limit: .seconds(4 * Self.pollDeadline))
            #expect(marked != nil, "cycle \(cycle): run1 marked unresponsive(3)")
            if let marked { markings.append(marked) }
            #expect(try client.get([Subtree.connectionStatus]).first?.value == "5", "cycle \(cycle): the host is degraded(5)")
            let abandoned = try client.get([Subtree.scalar(HostScalars.abandonedCalls)]).first?.value ?? "?"
            #expect((Int(abandoned) ?? 99) <= 4, "cycle \(cycle): abandoned calls within the bound: \(abandoned)")
            #expect(running.traps.waitFor("1.3.6.1.4.1.32473.0.7") { varbinds in
                varbinds.contains { $0.oid == column(DomainColumns.name, stuck) && $0.value == "run1" }
            } != nil, "cycle \(cycle): virtDomainUnresponsive for run1 reached snmptrapd")

            // Another domain's changes show within two poll intervals while run1 stays stopped.
            for (command, state) in [("suspend", "3"), ("resume", "1")] {
                _ = try virsh.run([command, "spare"])
                let took = try timeUntil(client, column(DomainColumns.state, other), is: state, limit: .seconds(15))
                #expect(took != nil && took! < twoIntervals, "cycle \(cycle): virsh \(command) spare showed after \(String(describing: took))")
                if let took { changeTimes.append(took) }
            }
            if cycle == 1 {
                // A newly defined domain too.
                let before = Int(try client.get([Subtree.domainCount]).first?.value ?? "") ?? 0
                try withScratchFolder { folder in
                    let xml = try virsh.run(["dumpxml", "--inactive", "spare"])
                        .replacingOccurrences(of: #"<uuid>[^<]*</uuid>"#, with: "", options: .regularExpression)
                        .replacingOccurrences(of: "<name>spare</name>", with: "<name>newcomer</name>")
                    let file = folder.appendingPathComponent("newcomer.xml")
                    try xml.write(to: file, atomically: true, encoding: .utf8)
                    _ = try virsh.run(["define", file.path])
                    defer { _ = try? virsh.run(["undefine", "newcomer"]) }
                    let took = try timeUntil(client, Subtree.domainCount, is: "\(before + 1)", limit: .seconds(15))
                    #expect(took != nil && took! < twoIntervals, "a domain defined meanwhile showed after \(String(describing: took))")
                }
            }
            #expect(try client.get([column(DomainColumns.dataStatus, stuck)]).first?.value == "3", "cycle \(cycle): run1 still unresponsive")

            kill(qemu, SIGCONT)
            let recovered = try timeUntil(client, column(DomainColumns.dataStatus, stuck), is: "1", limit: .seconds(4 * Self.pollDeadline))
            #expect(recovered != nil, "cycle \(cycle): run1 fresh(1) again after SIGCONT")
            if let recovered { recoveries.append(recovered) }
            #expect(try timeUntil(client, Subtree.connectionStatus, is: "1", limit: .seconds(10)) != nil,
                    "cycle \(cycle): the host connected(1) again")
            #expect(running.traps.waitFor("1.3.6.1.4.1.32473.0.8") { varbinds in
                varbinds.contains { $0.oid == column(DomainColumns.name, stuck) && $0.value == "run1" }
            } != nil, "cycle \(cycle): virtDomainResponsive for run1 reached snmptrapd")
            _ = eventually(timeout: .seconds(10)) { (try? client.get([Subtree.scalar(HostScalars.abandonedCalls)]).first?.value) == "0" }
            figures.append((RealLibvirtd.threads(of: agent.process.pid), RealLibvirtd.residentKiB(of: agent.process.pid),
                            try client.get([Subtree.scalar(HostScalars.abandonedCalls)]).first?.value ?? "?"))
        }
        let traps = running.traps.notifications().map(\.oid)
        #expect(traps.filter { $0 == "1.3.6.1.4.1.32473.0.7" }.count == 5, "one virtDomainUnresponsive per stop")
        #expect(traps.filter { $0 == "1.3.6.1.4.1.32473.0.8" }.count == 5, "one virtDomainResponsive per continue")
        #expect(!traps.contains("1.3.6.1.4.1.32473.0.5"), "no virtLibvirtConnectionLost: libvirt itself kept answering")
        let sorted = changeTimes.sorted()
        print("""
            stuck QEMU: another domain's change showed after (median of \(sorted.count)) \
            \(sorted.isEmpty ? "-" : "\(sorted[sorted.count / 2])"), slowest \(sorted.last.map { "\($0)" } ?? "-"); \
            run1 marked unresponsive after \(markings), fresh again after \(recoveries); \
            threads before \(baseline.threads), after each cycle \(figures.map(\.threads)); \
            abandoned calls after each cycle \(figures.map(\.abandoned)), total \
            \(try client.get([Subtree.scalar(HostScalars.abandonedCallsTotal)]).first?.value ?? "?"); \
            RSS KiB before \(baseline.rss), after each cycle \(figures.map(\.rss))
            """)
        #expect(figures.last!.threads <= baseline.threads + 2, "threads back near \(baseline.threads): \(figures.map(\.threads))")
        #expect(figures.last!.rss < baseline.rss + 4096, "RSS grew from \(baseline.rss) to \(figures.last!.rss) KiB")
        #expect(agent.process.isRunning)
    }
}

extension RealLibvirtd {
    /// The QEMU process of a running domain, from the pid file libvirt keeps.
    static func qemuPID(of domain: String) throws -> pid_t {
        let text = try String(contentsOfFile: "/run/libvirt/qemu/\(domain).pid", encoding: .utf8)
        return try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    static func threads(of pid: pid_t) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("Threads:") } ?? ""
        return Int(line.split(separator: "\t", omittingEmptySubsequences: true).last ?? "") ?? 0
    }
}
