import Foundation
import VirtModel

extension Poller {
    /// libvirt's virDomainPausedReason for a domain paused by a job: migration(2),
    /// save(3), dump(4), snapshot(9), post-copy(12), post-copy failed(13).
    static let jobPauseReasons: Set<Int32> = [2, 3, 4, 9, 12, 13]

    /// Each domain's job and each disk's block job. libvirt has no bulk call for
    /// jobs, so a domain is asked only when something says a job may run: an event
    /// for it since the last poll (a migration pass, a block job ready or ended,
    /// a pause ...), a pause for a job, the first poll, or a job the last poll found, which is then
    /// followed until it ends. A host without jobs costs no call. A finished job
    /// comes with libvirt's job-completed event and is kept as the domain's last.
    mutating func collectJobs(_ readings: inout [DomainReading], disks: inout [(disk: Disk, backingStore: [String]?)],
                              changed: Set<String>?) {
        let present = Set(readings.map(\.domain.uuid))
        let completed: [String: DomainJob] = sink?.completedJobs.withLock { jobs in
            jobs = jobs.filter { present.contains($0.key) }
            return jobs
        } ?? [:]
        let lastDomains = Dictionary(last.domains.map { ($0.uuid, $0) }) { a, _ in a }
        let lastBlockJobs = Set(last.disks.filter { $0.blockJob != nil }.map(\.domainIndex))
        for position in readings.indices {
            let domain = readings[position].domain
            let previous = lastDomains[domain.uuid]
            var job = completed[domain.uuid]
            if readings[position].isSkipped {
                // Its monitor is busy: asking might wait on it. The last poll's job stands.
                readings[position].domain.job = previous?.job ?? job
                continue
            }
            // The first poll asks every active domain: a job may already run.
            let hinted = last.host.lastPoll == nil || changed?.contains(domain.uuid) ?? true
                || previous?.job?.status == .running || lastBlockJobs.contains(domain.index)
                || (domain.state == .paused && Self.jobPauseReasons.contains(domain.stateReason))
            guard readings[position].isActive, hinted else {
                readings[position].domain.job = job
                continue
            }
            jobCalls += 1
            if let running = try? readings[position].handle.runningJob() {
                job = running
            } else if previous?.job?.status == .running, completed[domain.uuid].map({ $0.ended ?? .distantPast }) ?? .distantPast < (last.host.lastPoll ?? .distantPast) {
                // The job seen running is gone and no completed event told how: it failed or was
                // cancelled. libvirt may keep the figures; for a migration it keeps none.
                jobCalls += 1
                var finished = (try? readings[position].handle.finishedJob()) ?? previous?.job.map {
                    var interrupted = $0
                    interrupted.status = .interrupted
                    interrupted.remainingMilliseconds = nil
                    return interrupted
                }
                finished?.ended = Date()
                if let finished { sink?.completedJobs.withLock { $0[domain.uuid] = finished } }
                job = finished
            }
            readings[position].domain.job = job
            for disk in disks.indices where disks[disk].disk.domainIndex == domain.index && disks[disk].disk.sourceKind != .none {
                jobCalls += 1
                disks[disk].disk.blockJob = try? readings[position].handle.blockJob(disks[disk].disk.target)
            }
        }
    }
}
