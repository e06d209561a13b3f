import FoundationEssentials

/// One performance datum: `label=value[UOM];warn;crit;min;max`.
public struct PerformanceDatum: Sendable, Equatable {
    public var label: String
    public var value: Double
    public var unit = ""
    public var warning: ThresholdRange?
    public var critical: ThresholdRange?
    public var minimum: Double?
    public var maximum: Double?

    public init(_ label: String, _ value: Double, unit: String = "", warning: ThresholdRange? = nil,
                critical: ThresholdRange? = nil, minimum: Double? = nil, maximum: Double? = nil) {
        self.label = label
        self.value = value
        self.unit = unit
        self.warning = warning
        self.critical = critical
        self.minimum = minimum
        self.maximum = maximum
    }

    public var text: String {
        func number(_ value: Double?) -> String {
            guard let value else { return "" }
            return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        }
        // Labels with spaces or quotes are single-quoted, quotes doubled (guidelines).
        let quoted = label.contains { " '=".contains($0) } ? "'\(label.replacing("'", with: "''"))'" : label
        return "\(quoted)=\(number(value))\(unit);\(warning?.description ?? "");\(critical?.description ?? "");"
            + "\(number(minimum));\(number(maximum))"
    }
}

/// What a check prints: one status line with performance data, then detail lines.
public struct PluginOutput: Sendable {
    public var service: String
    public var status: PluginStatus
    public var summary: String
    public var performance: [PerformanceDatum] = []
    public var details: [String] = []

    public init(service: String, status: PluginStatus, summary: String,
                performance: [PerformanceDatum] = [], details: [String] = []) {
        self.service = service
        self.status = status
        self.summary = summary
        self.performance = performance
        self.details = details
    }

    public var text: String {
        let perf = performance.isEmpty ? "" : " | " + performance.map(\.text).joined(separator: " ")
        return (["\(service) \(status.label) - \(summary)\(perf)"] + details).joined(separator: "\n")
    }
}
