import Commands
import TableCommands
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
        var vmPolicy: VMNotificationPolicy
    }
    private let state: Mutex<State>

    init(kinds: NotificationKinds, poolFullPercent: UInt32, vmPolicy: VMNotificationPolicy) {
        state = Mutex(State(previous: nil, kinds: kinds, poolFullPercent: poolFullPercent, vmPolicy: vmPolicy))
    }

    /// New switches and threshold (SIGHUP), from the next snapshot on.
    func update(kinds: NotificationKinds, poolFullPercent: UInt32, vmPolicy: VMNotificationPolicy) {
        state.withLock {
            $0.kinds = kinds
            $0.poolFullPercent = poolFullPercent
            $0.vmPolicy = vmPolicy
        }
    }

    /// What VM-MIB's switches should report.
    var vmPolicy: VMNotificationPolicy { state.withLock { $0.vmPolicy } }

    /// One of RFC 7666's switches, set over SNMP: kept until the next start or
    /// SIGHUP ("MUST NOT persist across re-initialization").
    func setVMSwitch(perVM: Bool? = nil, bulk: Bool? = nil) {
        state.withLock {
            if let perVM { $0.vmPolicy.perVMEnabled = perVM }
            if let bulk { $0.vmPolicy.bulkEnabled = bulk }
        }
    }

    /// VIRT-AGENTX-MIB's notifications, then RFC 7666's, for what `snapshot` changed.
    func notifications(for snapshot: Snapshot) -> [Notification] {
        let (old, kinds, percent, vmPolicy) = state.withLock { state in
            defer { state.previous = snapshot }
            return (state.previous, state.kinds, state.poolFullPercent, state.vmPolicy)
        }
        return VirtAgentxMIB.notifications(from: old, to: snapshot, kinds: kinds, poolFullPercent: percent)
            + VMMIB.notifications(from: old, to: snapshot, policy: vmPolicy)
    }
}
