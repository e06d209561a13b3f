import Foundation
@testable import LibvirtCollector
import Logging
import Synchronization
import Testing
import TestSupport
import VirtModel

/// The collector's loop with a poll of the test's making, whose calls can be held
/// like a libvirt call waiting on a stopped QEMU: what is published, in which
/// order, and what happens to the connection a poll was abandoned on.
@Suite struct CollectorAbandonTests {
    /// A poll that returns a snapshot numbered by its generation, or hangs while `held`.
    struct ScriptedSource: PollSource {
        final class Script: Sendable {
            let held = Mutex(false)
            let release = DispatchSemaphore(value: 0)
            let polls = Mutex(0)
            let dropped = Mutex(0)
            /// Threads inside a held poll.
            let inside = Mutex(0)
        }
        let script: Script
        var connected = false
        var consecutiveFailures: Int { 0 }

        mutating func poll(changed: Set<String>?, changedPools: Set<String>?, deadline: Duration) -> Snapshot {
            let number = script.polls.withLock { $0 += 1; return $0 }
            if script.held.withLock({ $0 }) {
                script.inside.withLock { $0 += 1 }
                script.release.wait()
                script.inside.withLock { $0 -= 1 }
            }
            connected = true
            var snapshot = Snapshot.empty(uri: "poll \(number)")
            snapshot.host.connection = .connected
            snapshot.host.lastPollMilliseconds = UInt32(number)
            return snapshot
        }
        mutating func dropConnection() {
            connected = false
            script.dropped.withLock { $0 += 1 }
        }
        mutating func close() {}
    }

    /// Polls every 10 ms for up to 5 s.
    func eventually(_ condition: () -> Bool) -> Bool {
        TestSupport.eventually(timeout: .seconds(5), every: .milliseconds(10), condition)
    }

    @Test func aHungPollIsAbandonedRetriedOnAFreshConnectionAndItsLateResultNeverServed() throws {
        let script = ScriptedSource.Script()
        let published = Mutex<[Snapshot]>([])
        let collector = Collector(configuration: .init(uri: nil, pollInterval: .seconds(300), pollDeadline: .milliseconds(300)),
                                  source: ScriptedSource(script: script), logger: Logger(label: "test")) { snapshot in
            published.withLock { $0.append(snapshot) }
        }
        collector.start()
        defer { collector.stop(waitingAtMost: .seconds(2)) }
        #expect(eventually { published.withLock { $0.count } == 1 }, "the first poll publishes")

        // Every poll hangs from now on, as on a frozen libvirtd.
        script.held.withLock { $0 = true }
        collector.requestRefresh(.domain(nil))
        #expect(eventually { published.withLock { $0.last?.host.connection } == .unresponsive },
                "two overruns in a row mark the data unresponsive")
        let afterFreeze = published.withLock { $0 }
        #expect(afterFreeze.count == 2, "one unresponsive snapshot, not one per overrun: \(afterFreeze.map(\.host.uri))")
        #expect(afterFreeze.last?.host.uri == "poll 1", "the last good data is served, marked")
        #expect(script.dropped.withLock { $0 } >= 2, "each abandoned poll's connection is dropped")
        #expect(afterFreeze.last!.host.abandonedCalls >= 2)

        // The abandoned polls come back late; then the next poll works again.
        script.held.withLock { $0 = false }
        for _ in 0..<PollCycle.abandonLimit { script.release.signal() }
        #expect(eventually { script.inside.withLock { $0 } == 0 })
        collector.requestRefresh(.domain(nil))
        #expect(eventually { published.withLock { $0.last?.host.connection } == .connected })
        let all = published.withLock { $0 }
        let servedPolls = all.map(\.host.lastPollMilliseconds)
        #expect(!servedPolls.dropFirst().contains(2) && !servedPolls.contains(3),
                "the abandoned polls 2 and 3 are never published: \(servedPolls)")
        #expect(servedPolls == servedPolls.sorted(), "snapshots are published in poll order: \(servedPolls)")
    }

    @Test func libvirtFrozenFromTheStartIsReportedUnresponsiveNotConnecting() throws {
        let script = ScriptedSource.Script()
        script.held.withLock { $0 = true }
        let published = Mutex<[Snapshot]>([])
        let collector = Collector(configuration: .init(uri: "qemu:///system", pollInterval: .seconds(300),
                                                       pollDeadline: .milliseconds(100)),
                                  source: ScriptedSource(script: script), logger: Logger(label: "test")) { snapshot in
            published.withLock { $0.append(snapshot) }
        }
        collector.start()
        defer {
            collector.stop(waitingAtMost: .seconds(2))
            for _ in 0..<16 { script.release.signal() }
        }
        #expect(eventually { published.withLock { $0.count } == 1 })
        let first = try #require(published.withLock { $0.first })
        #expect(first.host.connection == .unresponsive && first.host.lastPoll == nil && first.host.uri == "qemu:///system",
                "no data yet, but the status says why: \(first.host)")
    }

    @Test func atMostTheLimitOfPollsIsEverAbandonedAtOnce() throws {
        let script = ScriptedSource.Script()
        script.held.withLock { $0 = true }
        let collector = Collector(configuration: .init(uri: nil, pollInterval: .milliseconds(50), pollDeadline: .milliseconds(50)),
                                  source: ScriptedSource(script: script), logger: Logger(label: "test")) { _ in }
        collector.start()
        defer {
            collector.stop(waitingAtMost: .seconds(2))
            for _ in 0..<16 { script.release.signal() }
        }
        #expect(eventually { script.inside.withLock { $0 } == PollCycle.abandonLimit })
        usleep(500_000)   // ten deadlines more: no further poll may start
        #expect(script.inside.withLock { $0 } == PollCycle.abandonLimit)
        #expect(script.polls.withLock { $0 } == PollCycle.abandonLimit, "no poll starts while the limit is reached")
        script.release.signal()
        #expect(eventually { script.polls.withLock { $0 } == PollCycle.abandonLimit + 1 },
                "one returned: the next poll starts")
    }
}
