/// A threshold in the monitoring-plugins range syntax: `10` (alert outside
/// 0…10), `10:` (below 10), `~:10` (above 10), `10:20` (outside 10…20), and a
/// leading `@` to alert inside the range instead.
public struct ThresholdRange: Equatable, Sendable, CustomStringConvertible {
    public var low: Double?      // nil: -infinity (`~`)
    public var high: Double?     // nil: +infinity
    public var alertInside: Bool
    public let description: String

    public init?(_ text: String) {
        var body = Substring(text)
        alertInside = body.hasPrefix("@")
        if alertInside { body = body.dropFirst() }
        let parts = body.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard !body.isEmpty, parts.count <= 2 else { return nil }
        if parts.count == 1 {
            guard let high = Double(parts[0]) else { return nil }
            (self.low, self.high) = (0, high)
        } else {
            if parts[0] == "~" { low = nil } else if parts[0].isEmpty { low = 0 } else {
                guard let low = Double(parts[0]) else { return nil }
                self.low = low
            }
            if parts[1].isEmpty { high = nil } else {
                guard let high = Double(parts[1]) else { return nil }
                self.high = high
            }
        }
        if let low, let high, low > high { return nil }
        description = text
    }

    /// Whether `value` should raise the alert this range stands for.
    public func alerts(on value: Double) -> Bool {
        let inside = (low.map { value >= $0 } ?? true) && (high.map { value <= $0 } ?? true)
        return alertInside ? inside : !inside
    }
}

/// A value's status against optional warning and critical ranges.
public func status(of value: Double, warning: ThresholdRange?, critical: ThresholdRange?) -> PluginStatus {
    if critical?.alerts(on: value) == true { return .critical }
    if warning?.alerts(on: value) == true { return .warning }
    return .ok
}
