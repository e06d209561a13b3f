import MIB
import Synchronization

/// What `virt-agentx run` can be told, by its configuration file and by its
/// flags (which win). One place checks every value, whichever way it came.
struct AgentSettings: Sendable, Equatable {
    var connect: String?
    var pollInterval = 30
    var pollDeadline = 20
    /// nil: row indexes in memory only.
    var stateDirectory: String? = "/var/lib/virt-agentx"
    var disabledNotifications: Set<String> = []
    var poolFullThreshold: UInt32 = 90
    var vmNotifications = VMNotificationPolicy.Mode.perVM
    /// sysContact and sysLocation, served with --master (snmpd's own otherwise).
    var sysContact = ""
    var sysLocation = ""

    /// The keywords of virt-agentx.conf, with their usage (net-snmp prints it for `-H`).
    static let keywords: [(keyword: String, usage: String)] = [
        ("connect", "URI"), ("pollInterval", "SECONDS"), ("pollDeadline", "SECONDS"),
        ("stateDir", "FOLDER | none"), ("noNotify", "domain-state | chain-health | pool-state | pool-full | connection | domain-response"),
        ("poolFullThreshold", "PERCENT"), ("vmNotifications", "per-vm | bulk | off"),
        ("sysContact", "TEXT"), ("sysLocation", "TEXT"),
    ]

    /// Applies one setting by keyword; the problem in words when the value is wrong.
    mutating func apply(_ keyword: String, _ value: String) -> String? {
        switch keyword {
        case "connect":
            guard !value.isEmpty else { return "connect needs a libvirt URI such as qemu:///system" }
            connect = value
        case "pollInterval":
            guard let seconds = Int(value), (1...86_400).contains(seconds) else {
                return "pollInterval must be 1 to 86400 seconds, not '\(value)'"
            }
            pollInterval = seconds
        case "pollDeadline":
            guard let seconds = Int(value), (1...3_600).contains(seconds) else {
                return "pollDeadline must be 1 to 3600 seconds, not '\(value)'"
            }
            pollDeadline = seconds
        case "stateDir":
            guard !value.isEmpty else { return "stateDir needs a folder, or none to keep row indexes in memory" }
            stateDirectory = value == "none" ? nil : value
        case "noNotify":
            guard NotificationKinds.names[value] != nil else {
                return "noNotify takes one of \(NotificationKinds.names.keys.sorted().joined(separator: ", ")), not '\(value)'"
            }
            disabledNotifications.insert(value)
        case "poolFullThreshold":
            guard let percent = UInt32(value), (1...100).contains(percent) else {
                return "poolFullThreshold must be 1 to 100 percent, not '\(value)'"
            }
            poolFullThreshold = percent
        case "sysContact":
            sysContact = value
        case "sysLocation":
            sysLocation = value
        case "vmNotifications":
            guard let mode = VMNotificationPolicy.Mode(rawValue: value) else {
                return "vmNotifications takes per-vm, bulk or off, not '\(value)'"
            }
            vmNotifications = mode
        default:
            return "unknown keyword \(keyword)"
        }
        return nil
    }

    var vmNotificationPolicy: VMNotificationPolicy { VMNotificationPolicy(mode: vmNotifications) }

    var notificationKinds: NotificationKinds {
        NotificationKinds.all.subtracting(NotificationKinds(disabledNotifications.compactMap { NotificationKinds.names[$0] }))
    }
}

/// The settings read from the configuration files so far (net-snmp's thread
/// writes them while it reads the files).
final class FileSettings: Sendable {
    private let settings = Mutex(AgentSettings())

    func apply(_ keyword: String, _ value: String) -> String? { settings.withLock { $0.apply(keyword, value) } }
    func reset() { settings.withLock { $0 = AgentSettings() } }
    var current: AgentSettings { settings.withLock { $0 } }
}
