import Foundation
@testable import LibvirtCollector
import Testing
import VirtModel

/// The CPU usage gauge from two polls' readings of a domain.
@Suite struct CPUUsageTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func domain(id: Int32 = 7, cpu: UInt64, at seconds: Double, status: DataStatus = .fresh, usage: UInt32 = 0) -> Domain {
        var domain = Domain(index: 1, name: "web1", uuid: "6695eb01-f6a4-8304-79aa-97f2502e193f", state: .running, stateReason: 1,
                            id: id, vcpus: 4, maxVcpus: 4, memoryKiB: 1024, maxMemoryKiB: 1024,
                            cpuTimeNanoseconds: cpu, autostart: false, persistent: true, osType: "hvm")
        domain.dataTime = t0.addingTimeInterval(seconds)
        domain.dataStatus = status
        domain.cpuUsageHundredthsPercent = usage
        return domain
    }

    @Test func usageIsTheCounterOverThePollsOwnInterval() {
        // 45 s of CPU over 30 s: one and a half host CPUs.
        let usage = CPUUsage.hundredthsPercent(previous: domain(cpu: 100_000_000_000, at: 0),
                                               current: domain(cpu: 145_000_000_000, at: 30), isActive: true)
        #expect(usage == 15_000)
        // The same over an uneven interval (a poll late by 7 s) is the same rate.
        #expect(CPUUsage.hundredthsPercent(previous: domain(cpu: 0, at: 0), current: domain(cpu: 55_500_000_000, at: 37),
                                           isActive: true) == 15_000)
    }

    @Test func aRestartedDomainAFirstSightingAndAStoppedOneReadZero() {
        #expect(CPUUsage.hundredthsPercent(previous: domain(id: 7, cpu: 900_000_000_000, at: 0),
                                           current: domain(id: 8, cpu: 1_000_000_000, at: 30), isActive: true) == 0)
        #expect(CPUUsage.hundredthsPercent(previous: nil, current: domain(cpu: 5_000_000_000, at: 30), isActive: true) == 0)
        #expect(CPUUsage.hundredthsPercent(previous: domain(cpu: 0, at: 0, usage: 5_000), current: domain(cpu: 30_000_000_000, at: 30),
                                           isActive: false) == 0)
        #expect(CPUUsage.hundredthsPercent(previous: domain(cpu: 50, at: 0), current: domain(cpu: 10, at: 30), isActive: true) == 0,
                "a counter gone backwards gives no rate")
    }

    @Test func skippedStatisticsKeepTheLastUsage() {
        let previous = domain(cpu: 10_000_000_000, at: 0, usage: 2_500)
        #expect(CPUUsage.hundredthsPercent(previous: previous, current: domain(cpu: 10_000_000_000, at: 0, status: .stale),
                                           isActive: true) == 2_500)
        #expect(CPUUsage.hundredthsPercent(previous: previous, current: domain(cpu: 10_000_000_000, at: 0, status: .unresponsive),
                                           isActive: true) == 2_500)
        // A restart while skipped: the last usage was the old run's.
        #expect(CPUUsage.hundredthsPercent(previous: previous, current: domain(id: 8, cpu: 1_000, at: 0, status: .stale),
                                           isActive: true) == 0)
    }

    @Test func theFirstFreshPollAfterSkippedOnesKeepsTheLastUsage() {
        // Skipped at 30 s: its dataTime stayed at 0 s, its counter is the one read at 30 s.
        let skipped = domain(cpu: 40_000_000_000, at: 0, status: .stale, usage: 10_000)
        // The pair would give 10 s of CPU over 60 s (1667); the rate is 10 s over 30 s.
        #expect(CPUUsage.hundredthsPercent(previous: skipped, current: domain(cpu: 50_000_000_000, at: 60),
                                           isActive: true) == 10_000)
        // And the next fresh pair is a rate again.
        #expect(CPUUsage.hundredthsPercent(previous: domain(cpu: 50_000_000_000, at: 60, usage: 10_000),
                                           current: domain(cpu: 80_000_000_000, at: 90), isActive: true) == 10_000)
    }
}
