import Foundation

/// Polls `condition` every `interval` until it holds or `timeout` passes; it is
/// asked once more at the deadline. True when it held.
public func eventually(timeout: Duration, every interval: Duration = .milliseconds(50),
                       _ condition: () throws -> Bool) rethrows -> Bool {
    try timeUntil(timeout: timeout, every: interval, condition) != nil
}

/// How long `condition` took to hold, polled every `interval`; nil when it did
/// not hold within `timeout` (asked once more at the deadline).
public func timeUntil(timeout: Duration, every interval: Duration = .milliseconds(50),
                      _ condition: () throws -> Bool) rethrows -> Duration? {
    let start = ContinuousClock.now
    let deadline = start + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return ContinuousClock.now - start }
        Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
    }
    return try condition() ? ContinuousClock.now - start : nil
}
