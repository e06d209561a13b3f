import ArgumentParser
import MIB
import MonitoringPlugin

/// Why a flag's or a configuration line's text is not a value of its type.
struct InvalidValue: Error, CustomStringConvertible {
    /// What the value must be, completing its keyword or flag: "must be 1 to 86400 seconds".
    let expected: String
    var description: String { expected }
}

/// The type of a flag's value, which is also the type of the same setting's
/// value in virt-agentx.conf: one parser, one wording of what is wrong.
protocol OptionValue: ExpressibleByArgument {
    /// What a value must be, completing "pollInterval ___, not 'x'".
    static var expectation: String { get }
}

extension OptionValue {
    static var expectation: String { "takes one of \(listed(allValueStrings))" }

    /// `text` as a value, or what a value must be.
    static func parse(_ text: String) throws(InvalidValue) -> Self {
        guard let value = Self(argument: text) else { throw InvalidValue(expected: expectation) }
        return value
    }

    /// For `@Option(transform:)`: a wrong value is reported with what it must be,
    /// not only that it is invalid.
    static var transform: @Sendable (String) throws -> Self { { text in try parse(text) } }
}

/// "a, b or c" (or "a, b and c").
func listed(_ words: [String], _ conjunction: String = "or") -> String {
    guard let last = words.last else { return "" }
    return words.count == 1 ? last : words.dropLast().joined(separator: ", ") + " \(conjunction) " + last
}

// MARK: Bounded integers

/// The range an integer option may take, and its unit in messages.
protocol IntegerBounds {
    static var range: ClosedRange<Int> { get }
    /// "seconds", "percent"; empty for a bare number.
    static var unit: String { get }
}

/// An integer within `Bounds.range`: a value that exists is a valid one.
struct BoundedInteger<Bounds: IntegerBounds>: OptionValue, Hashable, Sendable, CustomStringConvertible,
    ExpressibleByIntegerLiteral {
    let value: Int

    init?(argument: String) {
        guard let value = Int(argument), Bounds.range.contains(value) else { return nil }
        self.value = value
    }

    /// A default written in the code; out of range is a programming error.
    init(integerLiteral value: Int) {
        precondition(Bounds.range.contains(value), "\(value) is outside \(Bounds.range)")
        self.value = value
    }

    static var expectation: String {
        "must be \(Bounds.range.lowerBound) to \(Bounds.range.upperBound)" + (Bounds.unit.isEmpty ? "" : " \(Bounds.unit)")
    }

    /// "1-86400", for help texts.
    static var rangeText: String { "\(Bounds.range.lowerBound)-\(Bounds.range.upperBound)" }

    var description: String { "\(value)" }
}

enum SecondsUpToADay: IntegerBounds {
    static let range = 1...86_400
    static let unit = "seconds"
}

enum SecondsUpToAnHour: IntegerBounds {
    static let range = 1...3_600
    static let unit = "seconds"
}

enum Percent: IntegerBounds {
    static let range = 1...100
    static let unit = "percent"
}

enum PortNumbers: IntegerBounds {
    static let range = 1...65_535
    static let unit = ""
}

enum ChainLayers: IntegerBounds {
    static let range = 1...1_000
    static let unit = "layers"
}

/// Seconds between libvirt polls.
typealias PollInterval = BoundedInteger<SecondsUpToADay>
/// Deadlines, timeouts and ping intervals.
typealias Seconds = BoundedInteger<SecondsUpToAnHour>
typealias PercentValue = BoundedInteger<Percent>
typealias Port = BoundedInteger<PortNumbers>
typealias ChainDepth = BoundedInteger<ChainLayers>

// MARK: Texts and choices

/// A libvirt URI: any text libvirt may take, but not an empty one.
struct LibvirtURI: OptionValue, Hashable, Sendable, CustomStringConvertible {
    let text: String
    init?(argument: String) {
        guard !argument.isEmpty else { return nil }
        text = argument
    }
    static let expectation = "needs a libvirt URI such as qemu:///system"
    var description: String { text }
}

/// Where row indexes are kept, or `none` for memory only.
enum StateFolder: OptionValue, Hashable, Sendable {
    case folder(String)
    case inMemory

    init?(argument: String) {
        switch argument {
        case "": return nil
        case "none": self = .inMemory
        default: self = .folder(argument)
        }
    }
    static let expectation = "needs a folder, or none to keep row indexes in memory"

    var path: String? {
        guard case .folder(let path) = self else { return nil }
        return path
    }
}

/// One notification kind by the name options use; MIB's `NotificationKinds.names`
/// is the list of names.
struct NotificationKindName: OptionValue, Hashable, Sendable, CustomStringConvertible {
    let name: String
    let kind: NotificationKinds

    init?(argument: String) {
        guard let kind = NotificationKinds.names[argument] else { return nil }
        (name, self.kind) = (argument, kind)
    }

    /// In the order of the kinds' bits: domain-state, chain-health, pool-state, ...
    static var allValueStrings: [String] {
        NotificationKinds.names.sorted { $0.value.rawValue < $1.value.rawValue }.map(\.key)
    }

    var description: String { name }
    static func == (a: Self, b: Self) -> Bool { a.name == b.name }
    func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

extension VMNotificationPolicy.Mode: ExpressibleByArgument, OptionValue {}

extension ThresholdRange: ExpressibleByArgument, OptionValue {
    public init?(argument: String) { self.init(argument) }
    static let expectation = "must be a range such as 10, 10:, ~:10, 10:20 or @10:20"
}
