/// A monitoring plugin's verdict, with the exit status Nagios, Icinga and NRPE read
/// (monitoring-plugins guidelines).
public enum PluginStatus: Int32, Comparable, Sendable, CaseIterable {
    case ok = 0, warning = 1, critical = 2, unknown = 3

    public var label: String {
        switch self {
        case .ok: "OK"
        case .warning: "WARNING"
        case .critical: "CRITICAL"
        case .unknown: "UNKNOWN"
        }
    }

    /// How results combine into one (the worst wins): CRITICAL > WARNING > UNKNOWN > OK.
    public static func < (a: PluginStatus, b: PluginStatus) -> Bool { a.rank < b.rank }

    private var rank: Int {
        switch self {
        case .ok: 0
        case .unknown: 1
        case .warning: 2
        case .critical: 3
        }
    }
}
