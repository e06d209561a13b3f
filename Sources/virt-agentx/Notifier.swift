import MIB
import Synchronization
import VirtModel

/// Remembers the last snapshot published, to tell what each new one changed.
/// Snapshots arrive from the collector and its watchdog, hence the lock.
final class Notifier: Sendable {
    private let kinds: NotificationKinds
    private let poolFullPercent: UInt32
    private let previous = Mutex<Snapshot?>(nil)

    init(kinds: NotificationKinds, poolFullPercent: UInt32) {
        self.kinds = kinds
        self.poolFullPercent = poolFullPercent
    }

    func notifications(for snapshot: Snapshot) -> [Notification] {
        let old = previous.withLock { previous in
            defer { previous = snapshot }
            return previous
        }
        return VirtAgentxMIB.notifications(from: old, to: snapshot, kinds: kinds, poolFullPercent: poolFullPercent)
    }
}
