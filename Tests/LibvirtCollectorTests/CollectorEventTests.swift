import CLibvirt
import Foundation
import LibvirtCollector
import Logging
import Synchronization
import Testing
import TestSupport
import VirtModel

/// libvirt's events, in process: the test driver shares one state between the
/// connections of a process, so a change made here reaches the collector's
/// connection as an event, with a 300 s poll interval ruling out a poll.
@Suite(.serialized) struct CollectorEventTests {
    @Test func aLifecycleEventRefreshesTheSnapshotWithinASecond() throws {
        let latest = Mutex<Snapshot?>(nil)
        let collector = Collector(configuration: .init(uri: "test:///default", pollInterval: .seconds(300)),
                                  logger: Logger(label: "test")) { snapshot in latest.withLock { $0 = snapshot } }
        collector.start()
        defer { collector.stop(waitingAtMost: .seconds(5)) }

        func state() -> DomainState? { latest.withLock { $0?.domains.first { $0.name == "test" }?.state } }
        func until(_ expected: DomainState) -> Duration? {
            timeUntil(timeout: .seconds(5), every: .milliseconds(10)) { state() == expected }
        }
        #expect(until(.running) != nil, "the first poll sees test:///default's running domain")

        let connection = try #require(virConnectOpen("test:///default"))
        defer { virConnectClose(connection) }
        let domain = try #require(virDomainLookupByName(connection, "test"))
        defer { virDomainFree(domain) }

        #expect(virDomainSuspend(domain) == 0)
        let paused = until(.paused)
        #expect(paused != nil && paused! < .seconds(1), "paused seen after \(String(describing: paused))")
        #expect(virDomainResume(domain) == 0)
        let resumed = until(.running)
        #expect(resumed != nil && resumed! < .seconds(1), "running seen after \(String(describing: resumed))")
    }
}
