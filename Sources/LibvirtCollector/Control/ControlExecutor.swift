import Foundation
import Logging
import Synchronization
import VirtModel

/// Runs the actions managers ask for, off the request path: each on a thread of
/// its own against the one read-write connection, bounded by a deadline, and
/// records what became of it. A SET only ever calls `submit`, which takes a
/// lock to note the action and returns.
public final class ControlExecutor: Sendable {
    public struct Settings: Sendable {
        public var uri: String?
        /// After this, an action libvirt has not finished is reported timedOut until
        /// its call returns (then its outcome replaces it); the domain takes no new action meanwhile.
        public var deadline: Duration
        /// Actions libvirt may be busy with at once; more are refused (resourceUnavailable).
        public var maximumInFlight: Int

        public init(uri: String?, deadline: Duration = .seconds(60), maximumInFlight: Int = 8) {
            self.uri = uri
            self.deadline = deadline
            self.maximumInFlight = maximumInFlight
        }
    }

    private struct State {
        var records: [String: ControlRecord] = [:]
        /// Domains with an action whose libvirt call has not returned.
        var inFlight: Set<String> = []
        var connection: ControlConnection?
    }

    private let settings: Settings
    private let state = Mutex(State())
    private let logger: Logger
    private let changed: @Sendable () -> Void
    /// Starts the actions' threads and writes the audit log, in order, off the net-snmp thread.
    private let queue = DispatchQueue(label: "virt-agentx control")

    /// `changed` runs (on a queue of the executor's) whenever a record changed.
    public init(settings: Settings, logger: Logger, changed: @escaping @Sendable () -> Void) {
        self.settings = settings
        self.logger = logger
        self.changed = changed
    }

    public var records: [String: ControlRecord] { state.withLock { $0.records } }
    public var inProgress: Set<String> { state.withLock { $0.inFlight } }

    /// Accepts `action` for the domain; false when too many actions are in flight.
    public func submit(_ action: DomainAction, uuid: String, name: String, requester: String) -> Bool {
        let requested = Date()
        let accepted = state.withLock { state in
            guard state.inFlight.count < settings.maximumInFlight, !state.inFlight.contains(uuid) else { return false }
            state.inFlight.insert(uuid)
            state.records[uuid] = ControlRecord(action: action, status: .inProgress, requested: requested, requester: requester)
            return true
        }
        guard accepted else { return false }
        queue.async { [self] in
            changed()
            let thread = Thread { [self] in run(action, uuid: uuid, name: name, requested: requested, requester: requester) }
            thread.name = "virt-agentx control \(name)"
            thread.start()
            queue.asyncAfter(deadline: .now() + settings.deadline.dispatchInterval) { [self] in
                expire(uuid, name: name, requested: requested)
            }
        }
        return true
    }

    /// One line per SET, written off the request path.
    public func audit(_ message: String, _ metadata: Logger.Metadata) {
        queue.async { [logger] in logger.notice("\(message)", metadata: metadata) }
    }

    private func run(_ action: DomainAction, uuid: String, name: String, requested: Date, requester: String) {
        let outcome: Result<Void, LibvirtError>
        do {
            try connection().perform(action, on: uuid)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        let recorded = state.withLock { state -> Bool in
            state.inFlight.remove(uuid)
            // A late outcome replaces timedOut; a record of a newer action stays.
            guard var record = state.records[uuid], record.requested == requested else { return false }
            record.message = ""
            switch outcome {
            case .success: record.status = .succeeded
            case .failure(let error):
                record.status = .failed
                record.message = error.message
                if error.code == .noConnect || error.code == .systemError { state.connection = nil }
            }
            state.records[uuid] = record
            return true
        }
        let who = requester.isEmpty ? "a manager of the master agent" : "SNMPv3 user \(requester)"
        switch outcome {
        case .success:
            logger.notice("control action done", metadata: ["domain": "\(name)", "action": "\(action)", "principal": "\(who)"])
        case .failure(let error):
            logger.error("libvirt refused a control action",
                         metadata: ["domain": "\(name)", "action": "\(action)", "principal": "\(who)", "error": "\(error)"])
        }
        if recorded { queue.async { [changed] in changed() } }
    }

    private func expire(_ uuid: String, name: String, requested: Date) {
        let expired = state.withLock { state -> Bool in
            guard var record = state.records[uuid], record.requested == requested, record.status == .inProgress else { return false }
            record.status = .timedOut
            record.message = "libvirt did not finish within \(settings.deadline)"
            state.records[uuid] = record
            return true
        }
        guard expired else { return }
        logger.error("a control action did not finish within its deadline; the domain takes no other until libvirt returns, and its outcome then replaces timedOut",
                     metadata: ["domain": "\(name)", "deadline": "\(settings.deadline)"])
        changed()
    }

    /// The read-write connection, opened on first use and again after it died.
    private func connection() throws(LibvirtError) -> ControlConnection {
        if let open = state.withLock({ $0.connection }), open.isAlive { return open }
        let opened = try ControlConnection(uri: settings.uri)
        state.withLock { $0.connection = opened }
        return opened
    }
}
