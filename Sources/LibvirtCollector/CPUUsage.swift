import Foundation
import VirtModel

/// A domain's CPU usage over the agent's own polls: managers taking a rate of the
/// CPU-time counter at their own interval see it jump, since the counter only
/// changes once a poll.
enum CPUUsage {
    /// Hundredths of a percent of one host CPU between `previous` (the last poll's
    /// domain) and `current` (this poll's, its `dataTime` set).
    static func hundredthsPercent(previous: Domain?, current: Domain, isActive: Bool) -> UInt32 {
        // A restart starts the counter again: nothing from before it counts.
        guard isActive, let previous, previous.id == current.id else { return 0 }
        // Either poll skipped the statistics: its dataTime is an older poll's while
        // its counter (cgroup CPU time, which NOWAIT still gives) is its own, so the
        // pair gives no rate. The last usage stays until two fresh polls in a row.
        guard current.dataStatus == .fresh, previous.dataStatus == .fresh else {
            return previous.cpuUsageHundredthsPercent
        }
        guard let then = previous.dataTime, let now = current.dataTime,
              current.cpuTimeNanoseconds >= previous.cpuTimeNanoseconds else { return 0 }
        let seconds = now.timeIntervalSince(then)
        guard seconds > 0 else { return previous.cpuUsageHundredthsPercent }
        let usage = Double(current.cpuTimeNanoseconds - previous.cpuTimeNanoseconds) / (seconds * 100_000)
        return UInt32(min(usage.rounded(), Double(UInt32.max)))
    }
}
