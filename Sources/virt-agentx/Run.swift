import AgentX
import ArgumentParser
import Dispatch
import Foundation
import LibvirtCollector
import Logging
import MIB
import VirtModel

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve libvirt's domains to an snmpd master agent over AgentX.",
        discussion: """
            Connects to libvirt read-only, polls it on a background thread and answers SNMP \
            requests from the last complete poll, so a slow libvirt never delays an answer. \
            The master needs 'master agentx' in its snmpd.conf. SIGTERM or SIGINT stops the \
            agent cleanly (it unregisters and exits 0).
            """)

    @Option(name: [.short, .customLong("connect")],
            help: ArgumentHelp("libvirt URI to poll (default: LIBVIRT_DEFAULT_URI, else libvirt's own default).",
                               valueName: "uri"))
    var connect: String?

    @Option(name: [.customShort("x"), .customLong("agentx-socket")],
            help: ArgumentHelp("The master's AgentX address, as snmpd's -x takes it (unix:/path, tcp:host:port; default: net-snmp's, /var/agentx/master).",
                               valueName: "address"))
    var agentxSocket: String?

    @Option(name: .customLong("poll-interval"),
            help: ArgumentHelp("Seconds between libvirt polls (1-86400).", valueName: "seconds"))
    var pollInterval: Int = 30

    @Option(name: .customLong("poll-deadline"),
            help: ArgumentHelp("Seconds a poll may run before the data is marked unresponsive (1-3600).",
                               valueName: "seconds"))
    var pollDeadline: Int = 20

    @Option(name: .customLong("agentx-ping-interval"),
            help: ArgumentHelp("Seconds between AgentX pings to the master; a failed ping makes the agent reconnect (1-3600).",
                               valueName: "seconds"))
    var pingInterval: Int = 5

    @Option(name: .customLong("state-dir"),
            help: ArgumentHelp("Folder where row indexes are kept across restarts, like snmpd's persistent folder.",
                               valueName: "folder"))
    var stateDirectory = "/var/lib/virt-agentx"

    @Flag(name: .customLong("no-state"), help: "Keep row indexes in memory only (they restart from 1 with the agent).")
    var noState = false

    @Option(name: .customLong("no-notify"),
            help: ArgumentHelp("A notification kind not to send: domain-state, chain-health, pool-state, pool-full or connection (repeatable).",
                               valueName: "kind"))
    var disabledNotifications: [String] = []

    @Option(name: .customLong("pool-full-threshold"),
            help: ArgumentHelp("Pool usage (percent of capacity) that sends virtPoolNearlyFull (1-100).", valueName: "percent"))
    var poolFullThreshold: UInt32 = 90

    @Flag(name: [.short, .long], help: "Stay in the foreground and log to stderr (default: detach and log to syslog).")
    var foreground = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (1...86_400).contains(pollInterval) else {
            throw ValidationError("--poll-interval must be between 1 and 86400 seconds, not \(pollInterval).")
        }
        guard (1...3_600).contains(pollDeadline) else {
            throw ValidationError("--poll-deadline must be between 1 and 3600 seconds, not \(pollDeadline).")
        }
        guard (1...3_600).contains(pingInterval) else {
            throw ValidationError("--agentx-ping-interval must be between 1 and 3600 seconds, not \(pingInterval).")
        }
        for kind in disabledNotifications where NotificationKinds.names[kind] == nil {
            throw ValidationError("--no-notify takes one of \(NotificationKinds.names.keys.sorted().joined(separator: ", ")), not '\(kind)'.")
        }
        guard (1...100).contains(poolFullThreshold) else {
            throw ValidationError("--pool-full-threshold must be between 1 and 100 percent, not \(poolFullThreshold).")
        }
        if stateDirectory.isEmpty {
            throw ValidationError("--state-dir needs a folder; use --no-state to keep row indexes in memory only.")
        }
        if let connect, connect.isEmpty {
            throw ValidationError("--connect needs a libvirt URI such as qemu:///system or test:///default.")
        }
    }

    func run() throws {
        if !foreground {
            // Before any thread exists: daemon(3) forks, and only the calling thread survives a fork.
            guard daemon(0, 0) == 0 else {
                throw ValidationError("could not detach into the background: \(String(cString: strerror(errno))); use -f")
            }
        }
        logging.bootstrap(toSyslog: !foreground)
        let logger = Logger(label: "virt-agentx")

        let uri = connect ?? ProcessInfo.processInfo.environment["LIBVIRT_DEFAULT_URI"]
        let store = ViewStore(VirtAgentxMIB.view(of: .empty(uri: uri ?? "")))
        let subagent: Subagent
        do {
            subagent = try Subagent(
                configuration: .init(agentxSocket: agentxSocket, pingInterval: pingInterval),
                root: VirtAgentxMIB.root, store: store, logger: logger)
        } catch {
            logger.critical("\(error)")
            throw ExitCode.failure
        }

        let notifier = Notifier(kinds: NotificationKinds.all.subtracting(
                                    NotificationKinds(disabledNotifications.compactMap { NotificationKinds.names[$0] })),
                                poolFullPercent: poolFullThreshold)
        let collector = Collector(
            configuration: .init(uri: connect, pollInterval: .seconds(pollInterval),
                                 stateFolder: noState ? nil : URL(fileURLWithPath: stateDirectory),
                                 pollDeadline: .seconds(pollDeadline)),
            logger: Logger(label: "virt-agentx.collector")
        ) { [notifier] snapshot in
            store.publish(VirtAgentxMIB.view(of: snapshot))
            Subagent.send(notifier.notifications(for: snapshot))
        }
        collector.start()

        let signals = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { Subagent.stop() }
            source.resume()
            return source
        }
        logger.info("serving", metadata: ["subtree": "\(VirtAgentxMIB.root)",
                                          "libvirt": "\(uri ?? "default")",
                                          "poll-interval": "\(pollInterval)s"])
        subagent.run()
        collector.stop(waitingAtMost: .seconds(5))
        signals.forEach { $0.cancel() }
        logger.info("stopped")
    }
}
