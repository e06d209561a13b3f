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
        abstract: "Serve libvirt's domains to an snmpd master agent over AgentX, or directly with --master.",
        discussion: """
            Connects to libvirt read-only, polls it on a background thread and answers SNMP \
            requests from the last complete poll, so a slow libvirt never delays an answer. \
            The master needs 'master agentx' in its snmpd.conf. Settings may also come from \
            virt-agentx.conf in net-snmp's configuration path (/etc/snmp), with the keywords \
            connect, pollInterval, pollDeadline, stateDir, noNotify and poolFullThreshold \
            (and net-snmp's agentXSocket, agentxPingInterval); flags win. SIGHUP reads it \
            again; SIGTERM or SIGINT stops the agent cleanly (it unregisters and exits 0). \
            With --master it serves SNMP itself (read-only), for hosts where the AgentX hop \
            through snmpd is too slow; access then comes from virt-agentx.conf the way \
            snmpd.conf sets it (rocommunity, createUser with rouser, view, agentaddress).
            """)

    @Option(name: [.short, .customLong("connect")],
            help: ArgumentHelp("libvirt URI to poll (default: LIBVIRT_DEFAULT_URI, else libvirt's own default).",
                               valueName: "uri"))
    var connect: String?

    @Option(name: [.customShort("x"), .customLong("agentx-socket")],
            help: ArgumentHelp("The master's AgentX address, as snmpd's -x takes it (unix:/path, tcp:host:port; default: net-snmp's, /var/agentx/master).",
                               valueName: "address"))
    var agentxSocket: String?

    @Flag(help: "Serve SNMP directly as a master agent (net-snmp's agent library), not through snmpd over AgentX.")
    var master = false

    @Option(name: .customLong("listen"),
            help: ArgumentHelp("With --master: where to listen, as snmpd's agentaddress (udp:127.0.0.1:1161, udp:161, tcp:161; default: virt-agentx.conf's agentaddress, else udp:161).",
                               valueName: "address"))
    var listen: String?

    @Option(name: .customLong("poll-interval"),
            help: ArgumentHelp("Seconds between libvirt polls (1-86400; default 30).", valueName: "seconds"))
    var pollInterval: Int?

    @Option(name: .customLong("poll-deadline"),
            help: ArgumentHelp("Seconds a poll may run before the data is marked unresponsive (1-3600; default 20).",
                               valueName: "seconds"))
    var pollDeadline: Int?

    @Option(name: .customLong("agentx-ping-interval"),
            help: ArgumentHelp("Seconds between AgentX pings to the master; a failed ping makes the agent reconnect (1-3600; default 5).",
                               valueName: "seconds"))
    var pingInterval: Int?

    @Option(name: .customLong("state-dir"),
            help: ArgumentHelp("Folder where row indexes are kept across restarts, like snmpd's persistent folder (default /var/lib/virt-agentx).",
                               valueName: "folder"))
    var stateDirectory: String?

    @Flag(name: .customLong("no-state"), help: "Keep row indexes in memory only (they restart from 1 with the agent).")
    var noState = false

    @Option(name: .customLong("no-notify"),
            help: ArgumentHelp("A notification kind not to send: domain-state, chain-health, pool-state, pool-full, connection or domain-response (repeatable).",
                               valueName: "kind"))
    var disabledNotifications: [String] = []

    @Option(name: .customLong("pool-full-threshold"),
            help: ArgumentHelp("Pool usage (percent of capacity) that sends virtPoolNearlyFull (1-100; default 90).", valueName: "percent"))
    var poolFullThreshold: UInt32?

    @Option(name: .customLong("vm-notifications"),
            help: ArgumentHelp("RFC 7666 notifications: per-vm (bulk ones when more than 10 VMs change at once), bulk, or off (default per-vm).",
                               valueName: "mode"))
    var vmNotifications: String?

    @Option(name: .customLong("config"),
            help: ArgumentHelp("A configuration file to read as well as net-snmp's virt-agentx.conf (/etc/snmp/virt-agentx.conf).",
                               valueName: "file"))
    var configFile: String?

    @Flag(name: [.short, .long], help: "Stay in the foreground and log to stderr (default: detach and log to syslog).")
    var foreground = false

    @OptionGroup var logging: LoggingOptions

    /// As a master, net-snmp keeps SNMPv3 engine state (boots, localised keys) in
    /// the state folder given on the command line, or the default one; nil keeps none.
    private var engineStateDirectory: String? {
        guard !noState else { return nil }
        let folder = URL(fileURLWithPath: stateDirectory ?? AgentSettings().stateDirectory!).appendingPathComponent("net-snmp")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.path
    }

    /// The flags as settings, each checked by the same rules as the configuration file.
    func commandLine(over base: AgentSettings) throws -> AgentSettings {
        var settings = base
        var given: [(flag: String, keyword: String, value: String)] = []
        if let connect { given.append(("--connect", "connect", connect)) }
        if let pollInterval { given.append(("--poll-interval", "pollInterval", "\(pollInterval)")) }
        if let pollDeadline { given.append(("--poll-deadline", "pollDeadline", "\(pollDeadline)")) }
        if let stateDirectory { given.append(("--state-dir", "stateDir", stateDirectory)) }
        if noState { given.append(("--no-state", "stateDir", "none")) }
        for kind in disabledNotifications { given.append(("--no-notify", "noNotify", kind)) }
        if let poolFullThreshold { given.append(("--pool-full-threshold", "poolFullThreshold", "\(poolFullThreshold)")) }
        if let vmNotifications { given.append(("--vm-notifications", "vmNotifications", vmNotifications)) }
        for (flag, keyword, value) in given {
            if let problem = settings.apply(keyword, value) {
                throw ValidationError("\(flag): \(problem).")
            }
        }
        return settings
    }

    func validate() throws {
        _ = try commandLine(over: AgentSettings())
        if let pingInterval, !(1...3_600).contains(pingInterval) {
            throw ValidationError("--agentx-ping-interval must be between 1 and 3600 seconds, not \(pingInterval).")
        }
        if !master {
            if listen != nil { throw ValidationError("--listen needs --master: through snmpd, snmpd does the listening.") }
        } else {
            if agentxSocket != nil { throw ValidationError("--agentx-socket applies to the AgentX role; --master serves SNMP itself.") }
            if pingInterval != nil { throw ValidationError("--agentx-ping-interval applies to the AgentX role; --master serves SNMP itself.") }
            if listen?.isEmpty == true { throw ValidationError("--listen needs an address such as udp:127.0.0.1:1161.") }
        }
        if let configFile, !FileManager.default.isReadableFile(atPath: configFile) {
            throw ValidationError("--config: cannot read \(configFile); give a readable file or leave the option out.")
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

        let store = ViewStore(AgentView.view(of: .empty(uri: connect ?? "")))
        let subagent: Subagent
        do {
            subagent = try Subagent(
                configuration: .init(agentxSocket: agentxSocket, pingInterval: pingInterval ?? 5,
                                     pingFromCommandLine: pingInterval != nil,
                                     master: master ? .init(listen: listen, persistentDirectory: engineStateDirectory) : nil),
                roots: AgentView.roots + (master ? [SystemGroup.root] : []), store: store, logger: logger)
        } catch {
            logger.critical("\(error)")
            throw ExitCode.failure
        }
        // Registered once net-snmp knows the application (init_agent), read by connect().
        let fileSettings = FileSettings()
        ConfigurationFile.register(AgentSettings.keywords) { keyword, value in fileSettings.apply(keyword, value) }
        if let configFile { ConfigurationFile.alsoRead(configFile) }
        do {
            try subagent.connect()   // reads the configuration files
        } catch {
            logger.critical("\(error)")
            throw ExitCode.failure
        }
        guard ConfigurationFile.takeFailures() == 0 else {
            logger.critical("the configuration has errors (each is logged above with its file and line); fix them and start again")
            throw ExitCode(78)  // EX_CONFIG
        }
        let settings = try commandLine(over: fileSettings.current)
        let uri = settings.connect ?? ProcessInfo.processInfo.environment["LIBVIRT_DEFAULT_URI"]

        // As its own master the agent also answers for the system group, which snmpd would.
        let system = master ? SystemGroup(contact: settings.sysContact, location: settings.sysLocation) : nil
        let notifier = Notifier(kinds: settings.notificationKinds, poolFullPercent: settings.poolFullThreshold,
                                vmPolicy: settings.vmNotificationPolicy)
        let collector = Collector(
            configuration: .init(uri: settings.connect, pollInterval: .seconds(settings.pollInterval),
                                 stateFolder: settings.stateDirectory.map { URL(fileURLWithPath: $0) },
                                 pollDeadline: .seconds(settings.pollDeadline)),
            logger: Logger(label: "virt-agentx.collector")
        ) { [notifier] snapshot in
            store.publish(AgentView.view(of: snapshot, vmNotifications: notifier.vmPolicy, system: system))
            Subagent.send(notifier.notifications(for: snapshot))
        }
        collector.start()

        let signals = [(SIGTERM, Subagent.stop), (SIGINT, Subagent.stop), (SIGHUP, Subagent.reloadConfiguration)]
            .map { number, action in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { action() }
                source.resume()
                return source
            }
        logger.info("serving", metadata: ["role": "\(master ? "master on \(listen ?? "agentaddress")" : "AgentX subagent")",
                                          "subtrees": "\(AgentView.roots.map(\.description).joined(separator: " "))",
                                          "libvirt": "\(uri ?? "default")",
                                          "poll-interval": "\(settings.pollInterval)s"])
        var applied = settings
        subagent.serve(beforeReload: fileSettings.reset) {
            // SIGHUP: the files were read again; the flags still win.
            guard ConfigurationFile.takeFailures() == 0, let reloaded = try? commandLine(over: fileSettings.current) else {
                logger.error("the configuration has errors (logged above); keeping the settings in use")
                return
            }
            collector.update(pollInterval: .seconds(reloaded.pollInterval), pollDeadline: .seconds(reloaded.pollDeadline))
            notifier.update(kinds: reloaded.notificationKinds, poolFullPercent: reloaded.poolFullThreshold,
                            vmPolicy: reloaded.vmNotificationPolicy)
            if reloaded.connect != applied.connect || reloaded.stateDirectory != applied.stateDirectory {
                logger.warning("a new libvirt URI or state folder takes effect at the next start")
            }
            logger.info("configuration read again", metadata: ["poll-interval": "\(reloaded.pollInterval)s"])
            applied = reloaded
        }
        collector.stop(waitingAtMost: .seconds(5))
        signals.forEach { $0.cancel() }
        logger.info("stopped")
    }
}
