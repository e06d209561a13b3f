import Foundation
import Synchronization
import Testing
import TestSupport
@testable import ImageInspector

/// The agent's background deep checks: which files are checked when, and how
/// their results reach the chains, on images qemu-img makes.
@Suite struct DeepCheckScheduleTests {
    static func candidates(_ chain: BackingChain, topInUse: Bool) -> [DeepCheckSchedule.Candidate] {
        chain.layers.filter(\.isCheckedAsQCow2).map {
            DeepCheckSchedule.Candidate(path: $0.path, identity: $0.identity!, inUse: topInUse && $0.index == 0)
        }
    }

    /// A qcow2 file with a leaked cluster, and its leaks as qemu-img check counts them.
    static func leakyImage(_ fixtures: Fixtures) throws -> (path: String, leaks: Int) {
        try fixtures.qemuImg("create", "-f", "qcow2", "leaky.qcow2", "16M")
        try QCow2Damage.setHeaderRefcount(of: fixtures.path("leaky.qcow2"), to: 2)
        return (fixtures.path("leaky.qcow2"), try QCow2Damage.qemuCounts(of: fixtures.path("leaky.qcow2")).leaks)
    }

    @Test func aFileIsCheckedOnceAndItsResultReachesItsChains() throws {
        let fixtures = try Fixtures()
        let (path, leaks) = try Self.leakyImage(fixtures)
        #expect(leaks > 0, "qemu-img check finds the leaks")
        let schedule = DeepCheckSchedule(settings: .init(interval: .seconds(3600), bytesPerSecond: 64 << 20))
        let changed = Atomic(0)
        schedule.whenChanged { _, _ in changed.add(1, ordering: .relaxed) }
        var chain = ChainInspector().inspect(path: path)
        #expect(chain.layers[0].deepCheck == nil && chain.health.severity == .ok)

        schedule.offer(Self.candidates(chain, topInUse: false))
        #expect(eventually(timeout: .seconds(10)) { schedule.checksRun == 1 })
        schedule.annotate(&chain)
        #expect(chain.layers[0].deepCheck?.state == .checked)
        #expect(chain.layers[0].deepCheck?.result?.leaks == leaks, "the same leaks as qemu-img check")
        #expect(chain.health.condition == .leakedClusters(count: leaks) && chain.health.severity == .warning)
        #expect(changed.load(ordering: .relaxed) == 1, "the collector is told of the leaks once")

        // Offered again at the next poll: its check stands for the interval.
        schedule.offer(Self.candidates(ChainInspector().inspect(path: path), topInUse: false))
        Thread.sleep(forTimeInterval: 0.3)
        #expect(schedule.checksRun == 1)
    }

    @Test func filesRunningDomainsWriteWaitUnlessTheyAreIncluded() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "base.qcow2", "16M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "top.qcow2")
        let schedule = DeepCheckSchedule(settings: .init(interval: .seconds(3600), bytesPerSecond: 64 << 20))
        let changed = Atomic(0)
        schedule.whenChanged { _, _ in changed.add(1, ordering: .relaxed) }
        let chain = ChainInspector().inspect(path: fixtures.path("top.qcow2"))
        schedule.offer(Self.candidates(chain, topInUse: true))
        // The base, only read by the domain, is checked; the top it writes is not.
        #expect(eventually(timeout: .seconds(10)) { schedule.checksRun == 1 })
        Thread.sleep(forTimeInterval: 0.3)
        var annotated = chain
        schedule.annotate(&annotated)
        #expect(annotated.layers.map { $0.deepCheckState(inUse: $0.index == 0, settings: schedule.settings) }
                == [.skippedInUse, .checked])

        var settings = schedule.settings
        settings.runningDomains = true
        schedule.update(settings)
        #expect(eventually(timeout: .seconds(10)) { schedule.checksRun == 2 })
        annotated = chain
        schedule.annotate(&annotated)
        #expect(annotated.layers[0].deepCheck?.state == .checkedWhileInUse)
        #expect(changed.load(ordering: .relaxed) == 0, "clean results wait for the next poll")
    }

    @Test func nothingRunsWhenTheIntervalIsZero() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "idle.qcow2", "16M")
        let schedule = DeepCheckSchedule(settings: .init(interval: .zero, bytesPerSecond: 64 << 20))
        let chain = ChainInspector().inspect(path: fixtures.path("idle.qcow2"))
        schedule.offer(Self.candidates(chain, topInUse: false))
        Thread.sleep(forTimeInterval: 0.3)
        #expect(schedule.checksRun == 0)
        #expect(chain.layers[0].deepCheckState(inUse: false, settings: schedule.settings) == .off)
    }

    @Test func whenEachFileIsDue() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "image.qcow2", "16M")
        let identity = try #require(ChainInspector().inspect(path: fixtures.path("image.qcow2")).layers[0].identity)
        let settings = DeepCheckSchedule.Settings(interval: .seconds(86_400), bytesPerSecond: 1 << 20)
        let finished = Date(timeIntervalSince1970: 1_000_000)
        func entry(_ identity: FileIdentity, whileInUse: Bool = false) -> DeepCheckSchedule.Entry {
            .init(check: LayerDeepCheck(outcome: .failed("x"), finished: finished, whileInUse: whileInUse), identity: identity)
        }
        let idle = DeepCheckSchedule.Candidate(path: "image.qcow2", identity: identity, inUse: false)
        var inUse = idle
        inUse.inUse = true
        var changed = identity
        changed.modificationNanoseconds += 1
        var replaced = identity
        replaced.inode += 1

        #expect(DeepCheckSchedule.due(idle, last: nil, settings: settings) == .distantPast, "never checked: now")
        #expect(DeepCheckSchedule.due(idle, last: entry(identity), settings: settings) == finished + 86_400)
        #expect(DeepCheckSchedule.due(idle, last: entry(changed), settings: settings) == finished + 300,
                "changed since its check (a repair): five minutes after it")
        #expect(DeepCheckSchedule.due(idle, last: entry(replaced), settings: settings) == .distantPast, "another file: now")
        #expect(DeepCheckSchedule.due(inUse, last: nil, settings: settings) == nil, "in use: not at all")
        var all = settings
        all.runningDomains = true
        #expect(DeepCheckSchedule.due(inUse, last: entry(changed, whileInUse: true), settings: all) == finished + 86_400,
                "written while checked: it changes all the time, so the interval")
        #expect(DeepCheckSchedule.due(idle, last: nil, settings: .init(interval: .zero, bytesPerSecond: 1)) == nil, "off")
    }

    @Test func readsArePacedToTheRate() {
        let rate: UInt64 = 8 << 20
        #expect(ReadPace.pause(spent: 8 << 20, rate: rate, elapsed: .milliseconds(250)) == .milliseconds(750))
        #expect(ReadPace.pause(spent: 4 << 20, rate: rate, elapsed: .seconds(1)) == .zero, "behind the rate: no pause")
        #expect(ReadPace.pause(spent: 0, rate: rate, elapsed: .zero) == .zero)
    }
}
