import MIB
import Synchronization
import VirtModel

/// Remembers the last snapshot published, to tell what each new one changed.
/// Snapshots arrive from the collector and its watchdog, hence the lock.
final class Notifier: Sendable {
    private struct State {
        var previous: Snapshot?
        var kinds: NotificationKinds
        var poolFullPercent: UInt32
    }
    private let state: Mutex<State>

    init(kinds: NotificationKinds, poolFullPercent: UInt32) {
        state = Mutex(State(previous: nil, kinds: kinds, poolFullPercent: poolFullPercent))
    }

    /// New switches and threshold (SIGHUP), from the next snapshot on.
    func update(kinds: NotificationKinds, poolFullPercent: UInt32) {
        state.withLock {
            $0.kinds = kinds
            $0.poolFullPercent = poolFullPercent
        }
    }

    func notifications(for snapshot: Snapshot) -> [Notification] {
        let (old, kinds, percent) = state.withLock { state in
            defer { state.previous = snapshot }
            return (state.previous, state.kinds, state.poolFullPercent)
        }
        return VirtAgentxMIB.notifications(from: old, to: snapshot, kinds: kinds, poolFullPercent: percent)
    }
}
