import Commands
import TableCommands
import ArgumentParser
import MIB
import ImageInspector
import LibvirtCollector
import Synchronization

/// What `virt-agentx run` can be told, by its configuration file and by its
/// flags (which win). Each value has its type, so a value that exists is valid,
/// whichever way it came.
struct AgentSettings: Sendable, Equatable {
    var connect: LibvirtURI?
    var pollInterval: PollInterval = 30
    var pollDeadline: Seconds = 20
    var stateDirectory: StateFolder = .folder("/var/lib/virt-agentx")
    var disabledNotifications: Set<NotificationKindName> = []
    var poolFullThreshold: PercentValue = 90
    var vmNotifications = VMNotificationPolicy.Mode.perVM
    var deepCheckInterval: DeepCheckInterval = 86_400
    var deepCheckRate: DeepCheckRate = 8
    var deepCheckRunningDomains = YesOrNo.no
    var disabledStatistics: Set<StatisticGroup> = []
    /// Whether managers may act on domains over SNMP (README, "Control").
    var allowControl = YesOrNo.no
    var controlDeadline: Seconds = 60
    /// sysContact and sysLocation, served with --master (snmpd's own otherwise).
    var sysContact = ""
    var sysLocation = ""

    /// The keywords of virt-agentx.conf: the one description of every setting, which
    /// net-snmp's parser registers, `run`'s flags take their names and help from, and
    /// the README's tables follow (RunOptionsDescriptionTests compares them).
    enum Keyword: String, CaseIterable, Sendable {
        case connect, pollInterval, pollDeadline, stateDir, noNotify, poolFullThreshold, vmNotifications
        case deepCheckInterval, deepCheckRate, deepCheckRunningDomains, noStatistics, allowControl, controlDeadline
        case sysContact, sysLocation

        /// A keyword's entry: the flag that sets the same value (nil: the file only), its help and net-snmp's usage line.
        struct Entry {
            var flag: NameSpecification?
            var valueName: String
            var abstract: String
            /// What net-snmp prints for the keyword (`-H`).
            var usage: String
        }

        var entry: Entry {
            let defaults = AgentSettings()
            return switch self {
            case .connect:
                Entry(flag: [.short, .customLong("connect")], valueName: "uri",
                            abstract: "libvirt URI to poll (default: LIBVIRT_DEFAULT_URI, else libvirt's own default).",
                            usage: "URI")
            case .pollInterval:
                Entry(flag: .customLong("poll-interval"), valueName: "seconds",
                            abstract: "Seconds between libvirt polls (\(PollInterval.rangeText); default \(defaults.pollInterval)).",
                            usage: "SECONDS")
            case .pollDeadline:
                Entry(flag: .customLong("poll-deadline"), valueName: "seconds",
                            abstract: "Seconds a libvirt call may run before it is abandoned and the poll retried on a fresh connection, and a domain's monitor may stay busy before the domain is unresponsive (\(Seconds.rangeText); default \(defaults.pollDeadline)).",
                            usage: "SECONDS")
            case .stateDir:
                Entry(flag: .customLong("state-dir"), valueName: "folder",
                            abstract: "Folder where row indexes are kept across restarts, like snmpd's persistent folder (default \(defaults.stateDirectory.path ?? "none")).",
                            usage: "FOLDER | none")
            case .noNotify:
                Entry(flag: .customLong("no-notify"), valueName: "kind",
                            abstract: "A notification kind not to send: \(listed(NotificationKindName.allValueStrings)) (repeatable).",
                            usage: NotificationKindName.allValueStrings.joined(separator: " | "))
            case .poolFullThreshold:
                Entry(flag: .customLong("pool-full-threshold"), valueName: "percent",
                            abstract: "Pool usage (percent of capacity) that sends virtPoolNearlyFull (\(PercentValue.rangeText); default \(defaults.poolFullThreshold)).",
                            usage: "PERCENT")
            case .vmNotifications:
                Entry(flag: .customLong("vm-notifications"), valueName: "mode",
                            abstract: "RFC 7666 notifications: per-vm, bulk, both, per-vm-or-bulk (bulk ones instead when more than 10 VMs change at once), or off (default \(defaults.vmNotifications.rawValue)).",
                            usage: VMNotificationPolicy.Mode.allValueStrings.joined(separator: " | "))
            case .deepCheckInterval:
                Entry(flag: .customLong("deep-check-interval"), valueName: "seconds",
                            abstract: "Seconds a qcow2 file's deep check (inspect --deep, in the background, one file at a time) stands before the file is checked again; a file that changed is checked again after 5 minutes (\(DeepCheckInterval.rangeText), 0 turns them off; default \(defaults.deepCheckInterval)).",
                            usage: "SECONDS")
            case .deepCheckRate:
                Entry(flag: .customLong("deep-check-rate"), valueName: "mib_per_second",
                            abstract: "Average rate at which a deep check reads metadata (\(DeepCheckRate.rangeText); default \(defaults.deepCheckRate)).",
                            usage: "MIB_PER_SECOND")
            case .deepCheckRunningDomains:
                Entry(flag: .customLong("deep-check-running-domains"), valueName: "yes-or-no",
                            abstract: "Also deep-check the images running domains write to, reported as checked while in use, as qemu-img check -U (default \(defaults.deepCheckRunningDomains.rawValue)).",
                            usage: "yes | no")
            case .noStatistics:
                Entry(flag: .customLong("no-statistics"), valueName: "group",
                            abstract: "A group of libvirt's bulk statistics not to read, where it is expensive or unwanted: \(listed(StatisticGroup.allValueStrings)); its figures are then not served (repeatable; takes effect at the next start).",
                            usage: StatisticGroup.allValueStrings.joined(separator: " | "))
            case .allowControl:
                Entry(flag: .customLong("allow-control"), valueName: "yes-or-no",
                            abstract: "Let SNMPv3 authPriv users with write access start, pause, save, shut down, power off, reboot and reset domains (virtControlAction, in the SNMP context \(ControlWrites.contextName)) and set RFC 7666's notification switches; opens a second, read-write libvirt connection (default \(defaults.allowControl.rawValue); takes effect at the next start).",
                            usage: "yes | no")
            case .controlDeadline:
                Entry(flag: .customLong("control-deadline"), valueName: "seconds",
                            abstract: "Seconds after which a control action libvirt has not finished is reported timedOut, until libvirt returns (\(Seconds.rangeText); default \(defaults.controlDeadline)).",
                            usage: "SECONDS")
            case .sysContact:
                Entry(valueName: "text", abstract: "With --master: sysContact.0.", usage: "TEXT")
            case .sysLocation:
                Entry(valueName: "text", abstract: "With --master: sysLocation.0.", usage: "TEXT")
            }
        }

        /// The flag's help: the description, and the keyword that sets the same in the file.
        var help: ArgumentHelp {
            ArgumentHelp("\(entry.abstract) \(Self.inFile(rawValue)).", valueName: entry.valueName)
        }

        /// How a flag's help names its keyword: "In virt-agentx.conf: pollInterval".
        static func inFile(_ keyword: String) -> String { "In virt-agentx.conf: \(keyword)" }

        /// The flag's names, for `@Option(name:)`; only keywords with a flag are asked.
        var flag: NameSpecification {
            guard let flag = entry.flag else { preconditionFailure("\(rawValue) has no flag") }
            return flag
        }

        /// Keywords of virt-agentx.conf that net-snmp's parser handles itself (the flags -x and --agentx-ping-interval).
        static let netSNMP = ["agentXSocket", "agentxPingInterval"]

        /// The keywords and net-snmp's usage for each, to register with its parser.
        static var registrations: [(keyword: String, usage: String)] {
            allCases.map { ($0.rawValue, $0.entry.usage) }
        }
    }

    /// Sets one value by keyword; what the value must be when it is not one.
    mutating func apply(_ keyword: Keyword, _ text: String) throws(InvalidValue) {
        switch keyword {
        case .connect: connect = try .parse(text)
        case .pollInterval: pollInterval = try .parse(text)
        case .pollDeadline: pollDeadline = try .parse(text)
        case .stateDir: stateDirectory = try .parse(text)
        case .noNotify: disabledNotifications.insert(try .parse(text))
        case .poolFullThreshold: poolFullThreshold = try .parse(text)
        case .vmNotifications: vmNotifications = try .parse(text)
        case .deepCheckInterval: deepCheckInterval = try .parse(text)
        case .deepCheckRate: deepCheckRate = try .parse(text)
        case .deepCheckRunningDomains: deepCheckRunningDomains = try .parse(text)
        case .noStatistics: disabledStatistics.insert(try .parse(text))
        case .allowControl: allowControl = try .parse(text)
        case .controlDeadline: controlDeadline = try .parse(text)
        case .sysContact: sysContact = text
        case .sysLocation: sysLocation = text
        }
    }

    /// Applies one line of virt-agentx.conf; the problem in words when it is wrong.
    mutating func apply(line keyword: String, _ text: String) -> String? {
        guard let known = Keyword(rawValue: keyword) else { return "unknown keyword \(keyword)" }
        do {
            try apply(known, text)
            return nil
        } catch {
            return "\(keyword) \(error.expected)" + (text.isEmpty ? "" : ", not '\(text)'")
        }
    }

    var vmNotificationPolicy: VMNotificationPolicy { VMNotificationPolicy(mode: vmNotifications) }

    var statisticGroups: Set<StatisticGroup> { Set(StatisticGroup.allCases).subtracting(disabledStatistics) }

    /// "every 86400 s at 8 MiB/s, idle images only", or "off", for the log.
    var deepCheckSummary: String {
        guard deepCheckInterval.value > 0 else { return "off" }
        return "every \(deepCheckInterval) s at \(deepCheckRate) MiB/s, "
            + (deepCheckRunningDomains.isOn ? "running domains' images too" : "idle images only")
    }

    var deepChecks: DeepCheckSchedule.Settings {
        DeepCheckSchedule.Settings(interval: .seconds(deepCheckInterval.value),
                                   bytesPerSecond: UInt64(deepCheckRate.value) << 20,
                                   runningDomains: deepCheckRunningDomains.isOn)
    }

    var notificationKinds: NotificationKinds {
        NotificationKinds.all.subtracting(NotificationKinds(disabledNotifications.map(\.kind)))
    }
}

extension Option {
    /// A flag described by a keyword of virt-agentx.conf: its names, help and value type.
    init<T: OptionValue>(_ keyword: AgentSettings.Keyword, as type: T.Type = T.self) where Value == T? {
        self.init(name: keyword.flag, help: keyword.help, transform: T.transform)
    }

    /// A repeatable flag described by a keyword of virt-agentx.conf.
    init<T: OptionValue>(wrappedValue: [T] = [], repeating keyword: AgentSettings.Keyword) where Value == [T] {
        self.init(wrappedValue: wrappedValue, name: keyword.flag, parsing: .singleValue, help: keyword.help,
                  transform: T.transform)
    }
}

/// The settings read from the configuration files so far (net-snmp's thread
/// writes them while it reads the files).
final class FileSettings: Sendable {
    private let settings = Mutex(AgentSettings())

    func apply(_ keyword: String, _ value: String) -> String? { settings.withLock { $0.apply(line: keyword, value) } }
    func reset() { settings.withLock { $0 = AgentSettings() } }
    var current: AgentSettings { settings.withLock { $0 } }
}
