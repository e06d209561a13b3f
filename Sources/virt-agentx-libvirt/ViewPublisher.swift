import AgentX
import Dispatch
import LibvirtCollector
import Logging
import MIB
import Synchronization
import VirtModel

/// Publishes what the SNMP side serves: the collector's last snapshot with what
/// the control side knows merged in, and again, without a poll, whenever a
/// control record or a notification switch changes.
final class ViewPublisher: Sendable {
    private let last = Mutex<Snapshot?>(nil)
    private let control = Mutex<ControlExecutor?>(nil)
    private let store: ViewStore
    private let notifier: Notifier
    private let system: SystemGroup?

    init(store: ViewStore, notifier: Notifier, system: SystemGroup?) {
        self.store = store
        self.notifier = notifier
        self.system = system
    }

    /// From now on, control records are served and the host says control is on.
    func attach(_ executor: ControlExecutor) { control.withLock { $0 = executor } }

    func publish(_ snapshot: Snapshot) {
        last.withLock { $0 = snapshot }
        republish()
    }

    /// The last snapshot as served (with the control records), for the SET checks.
    var snapshot: Snapshot { merged() ?? .empty(uri: "") }

    func republish() {
        guard let snapshot = merged() else { return }
        store.publish(AgentView.view(of: snapshot, vmNotifications: notifier.vmPolicy, system: system))
    }

    private func merged() -> Snapshot? {
        guard var snapshot = last.withLock({ $0 }) else { return nil }
        if let executor = control.withLock({ $0 }) {
            snapshot.host.controlEnabled = true
            snapshot.controls = executor.records
        }
        return snapshot
    }

    /// Opens control: the executor on its own read-write connection, and the gate
    /// the writable registrations answer SETs through.
    func openControl(uri: String?, standalone: Bool, deadline: Duration, logger: Logger) -> ControlGate {
        let executor = ControlExecutor(settings: .init(uri: uri, deadline: deadline), logger: logger) { [self] in republish() }
        attach(executor)
        let notifier = self.notifier
        return ControlGate(
            requiresAuthPriv: standalone, snapshot: { [self] in snapshot }, inProgress: { executor.inProgress },
            submit: { [self] write, principal in
                switch write {
                case let .domain(uuid, name, action):
                    return executor.submit(action, uuid: uuid, name: name,
                                           requester: principal.securityModel == 3 ? principal.name : "")
                case .perVMNotifications(let on):
                    notifier.setVMSwitch(perVM: on)
                case .bulkNotifications(let on):
                    notifier.setVMSwitch(bulk: on)
                }
                DispatchQueue.global().async { self.republish() }
                return true
            },
            audit: { message, metadata in executor.audit(message, metadata) })
    }
}
