@testable import LibvirtCollector
import Logging
import Testing
import VirtModel

/// libvirt has no bulk call for jobs: the poller asks a domain only when
/// something says a job may run, so a host without jobs costs no call.
@Suite(.serialized) struct JobProbeTests {
    @Test func aHostWithoutJobsIsAskedOnceAtStartAndThenOnlyOnEvents() throws {
        var poller = Poller(uri: "test:///default", logger: Logger(label: "test"))
        defer { poller.close() }
        let first = poller.poll(changed: [])
        let active = first.domains.filter { $0.id >= 0 }
        #expect(!active.isEmpty, "the test driver runs a domain")
        let atStart = poller.jobCalls
        #expect(atStart >= active.count, "the first poll asks each active domain: a job may already run")
        _ = poller.poll(changed: [])
        _ = poller.poll(changed: [])
        #expect(poller.jobCalls == atStart, "no event, no job found, no pause: no call")
        let uuid = try #require(active.first?.uuid)
        _ = poller.poll(changed: [uuid])
        #expect(poller.jobCalls > atStart, "an event for the domain: it is asked")
        #expect(poller.poll(changed: []).domains.allSatisfy { $0.job == nil }, "the test driver reports no job")
    }
}
