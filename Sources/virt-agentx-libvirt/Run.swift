import Commands
import TableCommands
import AgentX
import ArgumentParser
import Dispatch
import Foundation
import LibvirtCollector
import Logging
import MIB
import Synchronization
import VirtModel

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Serve libvirt's domains to an snmpd master agent over AgentX, or directly with --master.",
        discussion: """
            Connects to libvirt read-only, polls it on a background thread and answers SNMP \
            requests from the last complete poll, so a slow libvirt never delays an answer. \
            The master needs 'master agentx' in its snmpd.conf. Settings may also come from \
            virt-agentx.conf in net-snmp's configuration path (/etc/snmp), with the keywords \
            \(listed(AgentSettings.Keyword.allCases.map(\.rawValue), "and")) \
            (and net-snmp's \(AgentSettings.Keyword.netSNMP.joined(separator: ", "))); flags win. \
            SIGHUP reads it again; SIGTERM or SIGINT stops the agent cleanly (it unregisters and exits 0). \
            With --master it serves SNMP itself (read-only), for hosts where the AgentX hop \
            through snmpd is too slow; access then comes from virt-agentx.conf the way \
            snmpd.conf sets it (rocommunity, createUser with rouser, view, agentaddress).
            """)

    @Option(.connect) var connect: LibvirtURI?

    @Option(name: [.customShort("x"), .customLong("agentx-socket")],
            help: ArgumentHelp("The master's AgentX address, as snmpd's -x takes it (unix:/path, tcp:host:port; default: net-snmp's, /var/agentx/master). \(AgentSettings.Keyword.inFile("agentXSocket")) (net-snmp's).",
                               valueName: "address"))
    var agentxSocket: String?

    @Flag(help: "Serve SNMP directly as a master agent (net-snmp's agent library), not through snmpd over AgentX.")
    var master = false

    @Option(name: .customLong("listen"),
            help: ArgumentHelp("With --master: where to listen, as snmpd's agentaddress (udp:127.0.0.1:1161, udp:161, tcp:161; default: virt-agentx.conf's agentaddress, else udp:161).",
                               valueName: "address"))
    var listen: String?

    @Option(.pollInterval) var pollInterval: PollInterval?

    @Option(.pollDeadline) var pollDeadline: Seconds?

    /// The default when neither this flag nor net-snmp's agentxPingInterval says.
    static let defaultPingInterval: Seconds = 5

    @Option(name: .customLong("agentx-ping-interval"),
            help: ArgumentHelp("Seconds between AgentX pings to the master; a failed ping makes the agent reconnect (\(Seconds.rangeText); default \(defaultPingInterval)). \(AgentSettings.Keyword.inFile("agentxPingInterval")) (net-snmp's).",
                               valueName: "seconds"),
            transform: Seconds.transform)
    var pingInterval: Seconds?

    @Option(.stateDir) var stateDirectory: StateFolder?

    @Flag(name: .customLong("no-state"),
          help: "Keep row indexes in memory only (they restart from 1 with the agent). \(AgentSettings.Keyword.inFile("stateDir")) none.")
    var noState = false

    @Option(repeating: .noNotify) var disabledNotifications: [NotificationKindName] = []

    @Option(.poolFullThreshold) var poolFullThreshold: PercentValue?

    @Option(.vmNotifications) var vmNotifications: VMNotificationPolicy.Mode?

    @Option(.deepCheckInterval) var deepCheckInterval: DeepCheckInterval?

    @Option(.deepCheckRate) var deepCheckRate: DeepCheckRate?

    @Option(.deepCheckRunningDomains) var deepCheckRunningDomains: YesOrNo?

    @Option(repeating: .noStatistics) var disabledStatistics: [StatisticGroup] = []

    @Option(.allowControl) var allowControl: YesOrNo?

    @Option(.controlDeadline) var controlDeadline: Seconds?

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
        guard !noState, let state = (stateDirectory ?? AgentSettings().stateDirectory).path else { return nil }
        let folder = URL(fileURLWithPath: state).appendingPathComponent("net-snmp")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.path
    }

    /// The flags over `base`: each value was checked when it was parsed, by the
    /// same type that checks the configuration file's.
    func commandLine(over base: AgentSettings) -> AgentSettings {
        var settings = base
        if let connect { settings.connect = connect }
        if let pollInterval { settings.pollInterval = pollInterval }
        if let pollDeadline { settings.pollDeadline = pollDeadline }
        if let stateDirectory { settings.stateDirectory = stateDirectory }
        if noState { settings.stateDirectory = .inMemory }
        settings.disabledNotifications.formUnion(disabledNotifications)
        if let poolFullThreshold { settings.poolFullThreshold = poolFullThreshold }
        if let vmNotifications { settings.vmNotifications = vmNotifications }
        if let deepCheckInterval { settings.deepCheckInterval = deepCheckInterval }
        if let deepCheckRate { settings.deepCheckRate = deepCheckRate }
        if let deepCheckRunningDomains { settings.deepCheckRunningDomains = deepCheckRunningDomains }
        settings.disabledStatistics.formUnion(disabledStatistics)
        if let allowControl { settings.allowControl = allowControl }
        if let controlDeadline { settings.controlDeadline = controlDeadline }
        return settings
    }

    func validate() throws {
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
        ResidentMemory.useOneArena()
        logging.bootstrap(toSyslog: !foreground)
        let logger = Logger(label: "virt-agentx")

        let store = ViewStore(AgentView.view(of: .empty(uri: connect?.text ?? "")))
        let subagent: Subagent
        do {
            subagent = try Subagent(
                configuration: .init(agentxSocket: agentxSocket, pingInterval: (pingInterval ?? Self.defaultPingInterval).value,
                                     pingFromCommandLine: pingInterval != nil,
                                     master: master ? .init(listen: listen, persistentDirectory: engineStateDirectory) : nil),
                roots: AgentView.roots + (master ? [SystemGroup.root] : []), store: store, logger: logger)
        } catch {
            logger.critical("\(error)")
            throw ExitCode.failure
        }
        // Registered once net-snmp knows the application (init_agent), read by connect().
        let fileSettings = FileSettings()
        ConfigurationFile.register(AgentSettings.Keyword.registrations) { keyword, value in fileSettings.apply(keyword, value) }
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
        let settings = commandLine(over: fileSettings.current)
        let uri = settings.connect?.text ?? ProcessInfo.processInfo.environment["LIBVIRT_DEFAULT_URI"]

        // As its own master the agent also answers for the system group, which snmpd would.
        let system = master ? SystemGroup(contact: settings.sysContact, location: settings.sysLocation) : nil
        let notifier = Notifier(kinds: settings.notificationKinds, poolFullPercent: UInt32(settings.poolFullThreshold.value),
                                vmPolicy: settings.vmNotificationPolicy)
        let publisher = ViewPublisher(store: store, notifier: notifier, system: system)
        if settings.allowControl.isOn {
            do {
                try subagent.registerControl(publisher.openControl(uri: uri, standalone: master, deadline: .seconds(settings.controlDeadline.value),
                                                               logger: Logger(label: "virt-agentx.control")))
            } catch {
                logger.critical("\(error)")
                throw ExitCode.failure
            }
        }
        let startupCodeReleased = Atomic(false)
        let collector = Collector(
            configuration: .init(uri: settings.connect?.text, pollInterval: .seconds(settings.pollInterval.value),
                                 stateFolder: settings.stateDirectory.path.map { URL(fileURLWithPath: $0) },
                                 pollDeadline: .seconds(settings.pollDeadline.value), deepChecks: settings.deepChecks,
                                 statisticGroups: settings.statisticGroups),
            logger: Logger(label: "virt-agentx.collector")
        ) { [notifier] snapshot in
            publisher.publish(snapshot)
            Subagent.send(notifier.notifications(for: snapshot))
            if !startupCodeReleased.exchange(true, ordering: .relaxed) { ResidentMemory.releaseStartupCode() }
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
                                          "poll-interval": "\(settings.pollInterval)s",
                                          "deep-checks": "\(settings.deepCheckSummary)",
                                          "statistics": "\(StatisticGroup.allCases.filter(settings.statisticGroups.contains).map(\.rawValue).joined(separator: " "))",
                                          "control": "\(settings.allowControl.isOn ? "on, in SNMP context \(ControlWrites.contextName)" : "off (read-only)")"])
        var applied = settings
        subagent.serve(beforeReload: fileSettings.reset) {
            // SIGHUP: the files were read again; the flags still win.
            guard ConfigurationFile.takeFailures() == 0 else {
                logger.error("the configuration has errors (logged above); keeping the settings in use")
                return
            }
            let reloaded = commandLine(over: fileSettings.current)
            collector.update(pollInterval: .seconds(reloaded.pollInterval.value), pollDeadline: .seconds(reloaded.pollDeadline.value),
                             deepChecks: reloaded.deepChecks)
            notifier.update(kinds: reloaded.notificationKinds, poolFullPercent: UInt32(reloaded.poolFullThreshold.value),
                            vmPolicy: reloaded.vmNotificationPolicy)
            if reloaded.connect != applied.connect || reloaded.stateDirectory != applied.stateDirectory
                || reloaded.disabledStatistics != applied.disabledStatistics || reloaded.allowControl != applied.allowControl {
                logger.warning("a new libvirt URI, state folder, statistics groups or allowControl take effect at the next start")
            }
            logger.info("configuration read again", metadata: ["poll-interval": "\(reloaded.pollInterval)s"])
            applied = reloaded
        }
        collector.stop(waitingAtMost: .seconds(5))
        signals.forEach { $0.cancel() }
        logger.info("stopped")
    }
}
