import Foundation
import VirtModel

/// A domain's CPU usage over the agent's own polls: managers taking a rate of the
/// CPU-time counter at their own interval see it jump, since the counter only
/// changes once a poll.
enum CPUUsage {
    /// Hundredths of a percent of one host CPU between `previous` (the last poll's
    /// domain) and `current` (this poll's, its `dataTime` set).
    static func hundredthsPercent(previous: Domain?, current: Domain, isActive: Bool) -> UInt32 {
        guard isActive else { return 0 }
        // Statistics skipped this poll: the counter is the old one, and so is the usage.
        guard current.dataStatus == .fresh else { return previous?.cpuUsageHundredthsPercent ?? 0 }
        guard let previous, previous.id == current.id,   // a restart starts the counter again
              let then = previous.dataTime, let now = current.dataTime,
              current.cpuTimeNanoseconds >= previous.cpuTimeNanoseconds else { return 0 }
        let seconds = now.timeIntervalSince(then)
        guard seconds > 0 else { return previous.cpuUsageHundredthsPercent }
        let usage = Double(current.cpuTimeNanoseconds - previous.cpuTimeNanoseconds) / (seconds * 100_000)
        return UInt32(min(usage.rounded(), Double(UInt32.max)))
    }
}
