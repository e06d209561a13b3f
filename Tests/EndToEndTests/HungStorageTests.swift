import Foundation
import MIB
import TestSupport
import Testing

/// Real hung storage (issue 12): image reads that never return, made with FUSE
/// (scripts/lib/hangfs.py), under the agent in both deployments and under the
/// one-shot commands. The top image of one domain and the middle layer of
/// another's chain hang; everything else must go on, and the hung rows must say
/// so and recover once the storage answers again.
@Suite(.serialized, .enabled(if: HungFilesystem.shouldRun, Comment(rawValue: HungFilesystem.requirement.skipReason)))
struct HungStorageTests {
    /// VirtChainCondition and VirtSeverity numbers, as the MIB defines them.
    static let ok = "1", corrupt = "6", notAnswering = "20"
    static let severityOK = "1", warning = "3", critical = "4"
    /// What the agent's chain detail says of an image that did not answer in time.
    static let overdueText = "did not answer within the inspection deadline"

    /// One disk's or volume's chain columns.
    struct Chain: CustomStringConvertible {
        var depth: String, health: String, severity: String, detail: String
        var isOverdue: Bool {
            health == HungStorageTests.notAnswering && severity == HungStorageTests.warning
                && detail.contains(HungStorageTests.overdueText)
        }
        var isHealthy: Bool { health == HungStorageTests.ok && severity == HungStorageTests.severityOK }
        var description: String { "depth \(depth), health \(health), severity \(severity): \(detail)" }
    }

    /// Every disk's (`domain/vda`) and volume's (`nfs/NAME`) chain columns, walked over SNMP.
    static func chains(_ client: SNMPClient) throws -> [String: Chain] {
        let domains = Dictionary(uniqueKeysWithValues: try client.bulkWalk(Subtree.column(DomainColumns.name))
            .map { (String($0.oid.split(separator: ".").last!), $0.value) })
        let pools = Dictionary(uniqueKeysWithValues: try client.bulkWalk(Subtree.poolEntry + ".2")
            .map { (String($0.oid.split(separator: ".").last!), $0.value) })
        var chains: [String: Chain] = [:]
        for (entry, owners, columns) in [(Subtree.diskEntry, domains, [2, 17, 18, 19, 20]),
                                         (Subtree.volumeEntry, pools, [2, 11, 12, 13, 14])] {
            let table = try client.bulkWalk(entry).table(entry)
            for (row, name) in table[columns[0]] ?? [:] {
                let owner = owners[String(row.split(separator: ".")[0])] ?? "?"
                let cell = { (column: Int) in table[column]?[row] ?? "" }
                chains["\(owner)/\(name)"] = Chain(depth: cell(columns[1]), health: cell(columns[2]),
                                                   severity: cell(columns[3]), detail: cell(columns[4]))
            }
        }
        return chains
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let started = ContinuousClock.now
        let result = try body()
        return (result, seconds(ContinuousClock.now - started))
    }

    static let hungRows = ["stuck/vda", "layered/vda", "nfs/hungtop.qcow2"]

    /// The agent polling every second while two images hang: it answers at once,
    /// the other disks' verdicts follow their images, the hung rows are served
    /// stale (overdue, at least a warning) and recover when the storage answers,
    /// and threads and memory stay flat.
    @Test(arguments: Deployment.allCases) func theAgentServesAroundHungStorage(_ deployment: Deployment) throws {
        let world = try HungStorageWorld(released: true)
        let served = try ServedWorld(deployment, uri: world.uri, extra: ["--poll-interval", "1"])
        let client = served.client, pid = served.agent.process.pid
        defer {
            served.agent.process.stop()
            world.filesystem.unmount()
        }
        let log = { served.agent.process.output }
        var figures: [(phase: String, threads: Int, rssKiB: Int)] = []
        func sample(_ phase: String) { figures.append((phase, ProcessFigures.threads(of: pid), ProcessFigures.residentKiB(of: pid))) }

        // Before: every chain healthy, those on the mount included.
        var last: [String: Chain] = [:]
        let healthy = eventually(timeout: .seconds(20)) {
            last = (try? Self.chains(client)) ?? [:]
            return last.count == 6 && last.values.allSatisfy(\.isHealthy)
        }
        try #require(healthy, "all six chains ok before the hang: \(last)\n\(log())")
        #expect(last["layered/vda"]?.depth == "3" && last["stuck/vda"]?.depth == "1", "\(last)")
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: 1)
            sample("before")
        }

        // The storage hangs; new modification times make the agent read the files again,
        // as a running guest's writes would.
        try world.filesystem.hang()
        try world.touchHungFiles()
        let hungAt = ContinuousClock.now
        #expect(eventually(timeout: .seconds(10)) { Set(world.filesystem.hungReads).isSuperset(of: HungStorageWorld.hungFiles) },
                "the agent's reads of both files reached hangfs and block: \(world.filesystem.lines)")
        let overdue = eventually(timeout: .seconds(25)) {
            last = (try? Self.chains(client)) ?? [:]
            return Self.hungRows.allSatisfy { last[$0]?.isOverdue == true }
        }
        try #require(overdue, "the hung rows served overdue: \(last)\n\(log())")
        let overdueAfter = Self.seconds(ContinuousClock.now - hungAt)
        // Stale: the last verdict (ok, the whole depth) kept, at least a warning, the image named.
        for (row, image, depth) in [("stuck/vda", world.onMount("hungtop.qcow2"), "1"),
                                    ("layered/vda", world.onLocalDisk("upper.qcow2"), "3"),
                                    ("nfs/hungtop.qcow2", world.onMount("hungtop.qcow2"), "1")] {
            let chain = try #require(last[row])
            #expect(chain.detail.hasPrefix("stale: \(image) did not answer"), "\(row): \(chain)")
            #expect(chain.health == Self.notAnswering && chain.depth == depth && chain.detail.hasSuffix("last verdict: backing chain healthy"),
                    "\(row) is notAnswering(20) with its last depth and verdict: \(chain)")
        }
        let readsOnceOverdue = world.filesystem.hungReads.count

        // During: about a dozen polls. The image on normal disk changes twice; the
        // mount's healthy file keeps answering; the hung rows stay overdue.
        var latencies: [Double] = [], updates: [Double] = []
        func poll(_ count: Int) throws {
            for _ in 0..<count {
                Thread.sleep(forTimeInterval: 1)
                let (value, latency) = try Self.timed { try client.get([Subtree.connectionStatus]) }
                latencies.append(latency)
                #expect(value.first?.value == "1", "libvirt still connected: \(value)")
                let chains = try Self.chains(client)
                for row in Self.hungRows { #expect(chains[row]?.isOverdue == true, "\(row) still overdue: \(chains[row].map { "\($0)" } ?? "none")") }
                #expect(chains["mounted/vda"]?.isHealthy == true, "the mount's other file answers: \(chains["mounted/vda"].map { "\($0)" } ?? "none")")
                sample("during")
            }
        }
        try poll(3)
        for (corrupt, health, severity) in [(true, Self.corrupt, Self.critical), (false, Self.ok, Self.severityOK)] {
            try world.setCorruptBit(corrupt)
            let (changed, took) = Self.timed {
                eventually(timeout: .seconds(10)) {
                    last = (try? Self.chains(client)) ?? [:]
                    return last["flip/vda"]?.health == health && last["flip/vda"]?.severity == severity
                }
            }
            #expect(changed, "flip/vda follows its image (corrupt bit \(corrupt)) while the others hang: \(last["flip/vda"].map { "\($0)" } ?? "none")")
            updates.append(took)
            try poll(4)
        }
        #expect(world.filesystem.hungReads.count == readsOnceOverdue,
                "a hung image is never read again while it hangs: \(world.filesystem.hungReads)")
        // Were hung images waited for poll after poll, each poll would take an inspection deadline (5 s) or more.
        #expect(updates.allSatisfy { $0 < 4.5 }, "a healthy disk's verdict updates within a few polls: \(updates) s")
        #expect(latencies.allSatisfy { $0 < 2 }, "snmpget answered at once (process start included): \(latencies) s")

        // Released: the blocked reads return, the hung rows get their real verdicts back.
        try world.filesystem.release()
        let releasedAt = ContinuousClock.now
        let recovered = eventually(timeout: .seconds(15)) {
            last = (try? Self.chains(client)) ?? [:]
            return last.count == 6 && last.values.allSatisfy(\.isHealthy)
                && last.values.allSatisfy { !$0.detail.contains(Self.overdueText) }
        }
        #expect(recovered, "every row ok again after the release: \(last)\n\(log())")
        let recoveredAfter = Self.seconds(ContinuousClock.now - releasedAt)
        #expect(last["layered/vda"]?.depth == "3", "\(last)")
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: 1)
            sample("after")
        }

        let before = figures.filter { $0.phase == "before" }, during = figures.filter { $0.phase == "during" },
            after = figures.filter { $0.phase == "after" }
        let baseThreads = before.map(\.threads).max() ?? 0
        #expect(during.allSatisfy { $0.threads <= baseThreads + 3 }, "one retired thread per hung image at most: before \(before), during \(during)")
        #expect((during.last?.threads ?? 0) <= (during.first?.threads ?? 0) + 1, "threads do not grow poll after poll: \(during)")
        #expect(after.allSatisfy { $0.threads <= baseThreads + 1 }, "the retired threads end once their reads return: \(after)")
        #expect((during.last?.rssKiB ?? 0) - (during.first?.rssKiB ?? 0) < 4_096,
                "resident memory flat over \(during.count) polls of the hang: \(during.map(\.rssKiB)) KiB")
        print("""
            hung storage, \(deployment.testDescription): threads before \(before.map(\.threads)), \
            during \(during.map(\.threads)), after \(after.map(\.threads)); RSS KiB before \(before.map(\.rssKiB)), \
            during \(during.map(\.rssKiB)), after \(after.map(\.rssKiB)); hung rows served overdue \
            \(String(format: "%.1f", overdueAfter)) s after the hang began; flip/vda verdict updated in \
            \(updates.map { String(format: "%.1f", $0) }) s during the hang; snmpget \
            \(String(format: "%.0f", (latencies.max() ?? 0) * 1000)) ms at most over \(latencies.count) polls; \
            recovered \(String(format: "%.1f", recoveredAfter)) s after the release
            """)
    }

    /// `inspect`, `check --local` and `show --local` on a world whose storage hangs
    /// from the start: each finishes within its deadline with the other answers and
    /// names the image that did not answer; after the release they see it again.
    @Test func theOneShotCommandsFinishAndNameTheImageThatDidNotAnswer() throws {
        let world = try HungStorageWorld()
        defer { world.filesystem.unmount() }
        let binary = try TestWorld.agentBinary()
        let hungTop = world.onMount("hungtop.qcow2"), upper = world.onLocalDisk("upper.qcow2"),
            flip = world.onLocalDisk("flip.qcow2")
        func run(_ arguments: [String]) throws -> (Command, Double) {
            try Self.timed { try Command.run(binary, arguments, timeout: .seconds(90)) }
        }
        var timings: [(String, Double)] = []

        // inspect: the hung top image, the chain whose middle layer hangs, a good image.
        let (inspect, inspectTook) = try run(["inspect", hungTop, upper, flip])
        timings.append(("inspect (2 of 3 hung, --deadline 5)", inspectTook))
        #expect(inspect.status == 1, "a warning: \(inspect.stdout)\(inspect.stderr)")
        #expect(inspectTook < 20, "two deadlines of 5 s, not forever: \(inspectTook) s")
        #expect(Set(world.filesystem.hungReads).isSuperset(of: HungStorageWorld.hungFiles),
                "both reads really hung: \(world.filesystem.lines)")
        for image in [hungTop, upper] {
            #expect(inspect.stdout.contains("\(image): WARNING - \(image): did not answer within 5 s"), "\(image):\n\(inspect.stdout)")
        }
        #expect(inspect.stdout.contains("\(flip): OK - backing chain healthy"), "the good image answered:\n\(inspect.stdout)")
        #expect(inspect.stderr.contains("2 of 3 images did not answer within 5 s: \(hungTop), \(upper)."), "\(inspect.stderr)")

        let (json, jsonTook) = try run(["inspect", "--json", "--deadline", "2", hungTop, flip])
        timings.append(("inspect --json --deadline 2 (1 of 2 hung)", jsonTook))
        #expect(json.status == 1 && jsonTook < 10, "\(json.status) after \(jsonTook) s: \(json.stderr)")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]],
                                   "a JSON list:\n\(json.stdout)")
        let health = reports.map { $0["health"] as? [String: Any] ?? [:] }
        #expect(reports.map { $0["filename"] as? String } == [hungTop, flip], "\(reports)")
        #expect(reports.first?["overdue"] as? Bool == true && health.first?["condition"] as? String == "not-answering"
                && health.first?["severity"] as? String == "warning", "\(reports.first ?? [:])")
        #expect(health.last?["condition"] as? String == "ok" && reports.last?["overdue"] == nil, "\(reports.last ?? [:])")

        // check chains --local: WARNING within its timeout, the hung chains named with their images.
        let (check, checkTook) = try run(["check", "chains", "--local", "--connect", world.uri, "-v", "-t", "30"])
        timings.append(("check chains --local -t 30", checkTook))
        #expect(check.status == 1 && checkTook < 30, "\(check.status) after \(checkTook) s: \(check.stdout)")
        let status = check.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(status.hasPrefix("VIRT CHAINS WARNING - 3 of 6 chains unhealthy: "), "\(status)")
        for row in Self.hungRows { #expect(status.contains("\(row) not-answering"), "\(row): \(status)") }
        for (row, image) in [("stuck/vda", hungTop), ("layered/vda", upper), ("nfs/hungtop.qcow2", hungTop)] {
            #expect(check.stdout.contains("\(row): warning \(image): image \(Self.overdueText)"), "\(row):\n\(check.stdout)")
        }
        #expect(!check.stdout.contains("flip/vda") && !check.stdout.contains("mounted/vda"), "the others are healthy:\n\(check.stdout)")

        // show --local: the other rows' verdicts, and the hung images named in the detail.
        let (show, showTook) = try run(["show", "--local", "--connect", world.uri, "--color", "never", "disks", "volumes"])
        timings.append(("show --local disks volumes", showTook))
        #expect(show.status == 0 && showTook < 30, "\(show.status) after \(showTook) s: \(show.stderr)")
        let rows = show.stdout.split(separator: "\n").map(String.init)
        for (start, image) in [("stuck ", hungTop), ("layered ", upper), ("nfs ", hungTop)] {
            let line = rows.first { $0.hasPrefix(start) && $0.contains(image) && $0.contains("not-answering") } ?? ""
            #expect(line.contains("\(image): image \(Self.overdueText)"), "\(start)row:\n\(show.stdout)")
        }
        for start in ["flip ", "mounted ", "nfs   fine.qcow2"] {
            let cells = rows.first { $0.hasPrefix(start) }?.split(separator: " ") ?? []
            #expect(cells.contains("ok") && !cells.contains("not-answering"), "\(start)row ok:\n\(show.stdout)")
        }

        // Released: the same commands see the real chains, at once.
        try world.filesystem.release()
        let (again, againTook) = try run(["inspect", hungTop, upper, flip])
        timings.append(("inspect after the release", againTook))
        #expect(again.status == 0 && againTook < 5, "\(again.status) after \(againTook) s:\n\(again.stdout)\(again.stderr)")
        let (checkAgain, checkAgainTook) = try run(["check", "chains", "--local", "--connect", world.uri])
        timings.append(("check chains --local after the release", checkAgainTook))
        #expect(checkAgain.status == 0 && checkAgain.stdout.hasPrefix("VIRT CHAINS OK - all 6 chains healthy"), "\(checkAgain.stdout)")
        print("hung storage, one-shot commands: " + timings.map { "\($0.0) \(String(format: "%.2f", $0.1)) s" }.joined(separator: "; "))
    }
}
