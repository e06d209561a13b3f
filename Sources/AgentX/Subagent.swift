import CAgentX
import Dispatch
import Logging
import MIB
import Synchronization

/// An AgentX subagent serving one subtree from a `ViewStore`.
///
/// net-snmp is not thread-safe: create, run and shut down a `Subagent` on one
/// thread. Other threads only publish views, queue notifications, and call
/// `stop()` or `reloadConfiguration()`.
public final class Subagent {
    public struct Configuration: Sendable {
        /// Names net-snmp's configuration file (`NAME.conf`) and the registration.
        public var name: String
        /// The master's AgentX address as snmpd's `-x` takes it; nil for net-snmp's default.
        public var agentxSocket: String?
        /// Seconds between AgentX pings; a failed ping makes the subagent reconnect.
        public var pingInterval: Int
        /// Whether `pingInterval` was given on the command line (it then wins over the file).
        public var pingFromCommandLine: Bool
        /// Set to serve SNMP directly, as a master agent, instead of through snmpd.
        public var master: Master?

        public init(name: String = "virt-agentx", agentxSocket: String? = nil, pingInterval: Int = 5,
                    pingFromCommandLine: Bool = false, master: Master? = nil) {
            self.name = name
            self.agentxSocket = agentxSocket
            self.pingInterval = pingInterval
            self.pingFromCommandLine = pingFromCommandLine
            self.master = master
        }
    }

    /// The standalone role: net-snmp's agent library answers SNMP itself, with
    /// access configured in NAME.conf the way snmpd.conf configures it.
    public struct Master: Sendable {
        /// Where to listen, as snmpd's agentaddress; nil for the file's or net-snmp's default (udp:161).
        public var listen: String?
        /// Where net-snmp keeps the engine's boots and localised SNMPv3 keys.
        public var persistentDirectory: String?

        public init(listen: String?, persistentDirectory: String?) {
            self.listen = listen
            self.persistentDirectory = persistentDirectory
        }
    }

    public enum Failure: Error, CustomStringConvertible {
        case initialisation(String)
        case registration(OID)
        case listening(String)

        public var description: String {
            switch self {
            case .initialisation(let name):
                "net-snmp could not initialise the agent library for '\(name)' (see the net-snmp messages above)"
            case .registration(let oid):
                "net-snmp refused to register the subtree \(oid)"
            case .listening(let address):
                "cannot listen on \(address) (in use, or a port below 1024 without root?); choose another with --listen"
            }
        }
    }

    private let configuration: Configuration
    private let store: ViewStore
    private let logger: Logger
    /// What the C side's registrations point at: kept alive as long as the subagent.
    private var registrations: [WritableRegistration] = []
    /// Where refused and accepted SETs are logged, off the net-snmp thread.
    private let audit: @Sendable (String, Logger.Metadata) -> Void
    private static let stopRequested = Atomic<Bool>(false)
    /// Notifications other threads handed over; only the net-snmp thread sends them.
    private static let pending = Mutex<[Notification]>([])

    /// Initialises net-snmp as a subagent and registers `roots`, all answered from
    /// `store`; a SET there is refused (notWritable) and logged through `audit`.
    public init(configuration: Configuration, roots: [OID], store: ViewStore, logger: Logger,
                audit: (@Sendable (String, Logger.Metadata) -> Void)? = nil) throws {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        let auditLogger = logger
        // The log's handler may block (a full pipe, a slow journal): the default writes from
        // a serial queue of its own, in order, never on the net-snmp thread.
        let auditQueue = DispatchQueue(label: "virt-agentx SET audit")
        self.audit = audit ?? { message, metadata in
            auditQueue.async { auditLogger.notice("\(message)", metadata: metadata) }
        }
        if let master = configuration.master {
            guard cagentx_init_master(configuration.name, master.listen, master.persistentDirectory,
                                      forwardNetSNMPLog) == 0 else {
                throw Failure.initialisation(configuration.name)
            }
        } else {
            guard cagentx_init(configuration.name, configuration.agentxSocket,
                               forwardNetSNMPLog, announceMasterSession) == 0 else {
                throw Failure.initialisation(configuration.name)
            }
            // init_agent resets the ping interval, so it is set after cagentx_init;
            // command-line values are applied again after every configuration read.
            cagentx_set_ping_interval(Int32(configuration.pingInterval))
            cagentx_command_line(configuration.agentxSocket, Int32(configuration.pingFromCommandLine ? configuration.pingInterval : 0))
        }
        for root in roots {
            try register(root, context: nil, gate: nil)
        }
    }

    /// Registers the control objects read-write in their own SNMP context, their
    /// SETs going through `gate`. Call after `connect()`.
    public func registerControl(_ gate: ControlGate) throws {
        for root in ControlWrites.roots {
            try register(root, context: ControlWrites.contextName, gate: gate)
        }
        logger.notice("control is on: domains can be acted on over SNMP", metadata: [
            "context": "\(ControlWrites.contextName)",
            "who": "\(configuration.master == nil ? "the master's users with write access to that context" : "SNMPv3 authPriv users with write access to that context")"])
    }

    private func register(_ root: OID, context: String?, gate: ControlGate?) throws {
        let registration = WritableRegistration(store: store, root: root, gate: gate, audit: audit)
        registrations.append(registration)
        let pointer = Unmanaged.passUnretained(registration).toOpaque()
        let status = root.components.withUnsafeBufferPointer {
            cagentx_register_writable_subtree(configuration.name, context, $0.baseAddress, $0.count,
                                              handleRegisteredRequest, handleRegisteredSet, pointer)
        }
        guard status == 0 else { throw Failure.registration(root) }
    }

    private static let reloadRequested = Atomic<Bool>(false)

    /// Reads the configuration files and connects to the master (or starts
    /// retrying); as a master, opens the listening ports instead.
    public func connect() throws {
        if let master = configuration.master {
            guard cagentx_start_master(configuration.name) == 0 else {
                throw Failure.listening(master.listen ?? "the configured agentaddress")
            }
            return
        }
        cagentx_start(configuration.name)
        if cagentx_is_connected() == 0 {
            logger.warning("AgentX master not reachable yet; retrying every \(configuration.pingInterval) s",
                           metadata: ["agentx-socket": "\(configuration.agentxSocket ?? "net-snmp default")",
                                      "fix": "start snmpd with 'master agentx' and a matching agentXSocket"])
        }
    }

    /// Serves requests until `stop()` is called. On `reloadConfiguration()`,
    /// `beforeReload` runs, net-snmp reads the files again, then `reload` runs,
    /// all on this thread.
    public func serve(beforeReload: () -> Void, reload: () -> Void) {
        while !Self.stopRequested.load(ordering: .acquiring) {
            _ = cagentx_process(1)
            sendPending()
            if Self.reloadRequested.exchange(false, ordering: .acquiringAndReleasing) {
                beforeReload()
                cagentx_reread_config()
                reload()
            }
        }
        logger.info(configuration.master == nil ? "stopping: unregistering from the master agent" : "stopping")
        cagentx_shutdown(configuration.name)
    }

    /// Queues notifications for the net-snmp thread, which sends them at once.
    /// Safe to call from any thread.
    public static func send(_ notifications: [Notification]) {
        guard !notifications.isEmpty else { return }
        pending.withLock { $0 += notifications }
        cagentx_wake()
    }

    private func sendPending() {
        let notifications = Self.pending.withLock { queue in
            defer { queue.removeAll() }
            return queue
        }
        for notification in notifications {
            notification.oid.components.withUnsafeBufferPointer { cagentx_notification_begin($0.baseAddress, $0.count) }
            for varbind in notification.varbinds { add(varbind) }
            cagentx_notification_send()
            logger.debug("sent notification", metadata: ["oid": "\(notification.oid)"])
        }
    }

    private func add(_ varbind: MIBView.Cell) {
        varbind.oid.components.withUnsafeBufferPointer { name in
            let (base, count) = (name.baseAddress, name.count)
            switch varbind.value {
            case .integer(let v): cagentx_notification_add_integer(base, count, CAGENTX_INTEGER, Int64(v))
            case .counter32(let v): cagentx_notification_add_integer(base, count, CAGENTX_COUNTER32, Int64(v))
            case .gauge32(let v): cagentx_notification_add_integer(base, count, CAGENTX_GAUGE32, Int64(v))
            case .timeTicks(let v): cagentx_notification_add_integer(base, count, CAGENTX_TIMETICKS, Int64(v))
            case .counter64(let v): cagentx_notification_add_counter64(base, count, v)
            case .octets, .text:
                _ = varbind.value.withOctets { cagentx_notification_add_octets(base, count, $0.baseAddress, $0.count) }
            case .objectIdentifier:
                break  // no notification of this module carries one
            }
        }
    }

    /// Asks the net-snmp thread to read the configuration files again (SIGHUP).
    public static func reloadConfiguration() {
        reloadRequested.store(true, ordering: .releasing)
        cagentx_wake()
    }

    /// Makes `serve(reload:)` return. Safe to call from any thread and from a signal handler.
    public static func stop() {
        stopRequested.store(true, ordering: .releasing)
        cagentx_wake()
    }
}
