import FoundationEssentials

/// SNMPv2-TC `DateAndTime` encoding.
enum DateAndTime {
    /// Eight zero octets: the conventional "unknown" (month 0 is not a date).
    static let unknown: [UInt8] = Array(repeating: 0, count: 8)

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The 11-octet form in UTC (`+00:00`), deci-second resolution.
    static func encode(_ date: Date) -> [UInt8] {
        let c = utc.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        let year = c.year ?? 0
        return [UInt8(truncatingIfNeeded: year >> 8), UInt8(truncatingIfNeeded: year),
                UInt8(c.month ?? 0), UInt8(c.day ?? 0),
                UInt8(c.hour ?? 0), UInt8(c.minute ?? 0), UInt8(c.second ?? 0),
                UInt8((c.nanosecond ?? 0) / 100_000_000),
                UInt8(ascii: "+"), 0, 0]
    }
}
