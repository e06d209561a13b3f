import Glibc
import Synchronization

/// Paces a deep check's reads to an average rate, so that a check the agent runs
/// in the background shares the disk with the guests instead of competing with
/// them: after each read, the check sleeps until the bytes read so far are no
/// more than the rate allows for the time since it began.
///
/// Also the check's sign of life: ``progress`` counts reads that returned, which
/// the scheduler watches to tell a slow check from one stuck in a read.
public final class ReadPace: Sendable {
    public let bytesPerSecond: UInt64
    private let started = ContinuousClock.now
    private let spent = Atomic<UInt64>(0)
    private let reads = Atomic<UInt64>(0)

    public init(bytesPerSecond: UInt64) {
        self.bytesPerSecond = max(1, bytesPerSecond)
    }

    /// Reads that have returned so far.
    public var progress: UInt64 { reads.load(ordering: .relaxed) }

    /// Accounts for `count` bytes just read and sleeps as long as the rate asks.
    func spend(_ count: UInt64) {
        let total = spent.add(count, ordering: .relaxed).newValue
        reads.add(1, ordering: .relaxed)
        let pause = Self.pause(spent: total, rate: bytesPerSecond, elapsed: ContinuousClock.now - started)
        guard pause > .zero else { return }
        let (seconds, attoseconds) = pause.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    /// How long to wait after `spent` bytes read in `elapsed` so that the average
    /// stays at `rate` bytes per second: zero when behind the rate.
    static func pause(spent: UInt64, rate: UInt64, elapsed: Duration) -> Duration {
        let allowedAt = Duration.seconds(Double(spent) / Double(max(1, rate)))
        return allowedAt > elapsed ? allowedAt - elapsed : .zero
    }
}
