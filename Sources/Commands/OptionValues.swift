import ArgumentParser

/// Why a flag's or a configuration line's text is not a value of its type.
public struct InvalidValue: Error, CustomStringConvertible {
    /// What the value must be, completing its keyword or flag: "must be 1 to 86400 seconds".
    public let expected: String
    public init(expected: String) { self.expected = expected }
    public var description: String { expected }
}

/// The type of a flag's value, which is also the type of the same setting's
/// value in virt-agentx.conf: one parser, one wording of what is wrong.
public protocol OptionValue: ExpressibleByArgument {
    /// What a value must be, completing "pollInterval ___, not 'x'".
    static var expectation: String { get }
}

extension OptionValue {
    public static var expectation: String { "takes one of \(listed(allValueStrings))" }

    /// `text` as a value, or what a value must be.
    public static func parse(_ text: String) throws(InvalidValue) -> Self {
        guard let value = Self(argument: text) else { throw InvalidValue(expected: expectation) }
        return value
    }

    /// For `@Option(transform:)`: a wrong value is reported with what it must be,
    /// not only that it is invalid.
    public static var transform: @Sendable (String) throws -> Self { { text in try parse(text) } }
}

/// "a, b or c" (or "a, b and c").
public func listed(_ words: [String], _ conjunction: String = "or") -> String {
    guard let last = words.last else { return "" }
    return words.count == 1 ? last : words.dropLast().joined(separator: ", ") + " \(conjunction) " + last
}

// MARK: Bounded integers

/// The range an integer option may take, and its unit in messages.
public protocol IntegerBounds {
    static var range: ClosedRange<Int> { get }
    /// "seconds", "percent"; empty for a bare number.
    static var unit: String { get }
}

/// An integer within `Bounds.range`: a value that exists is a valid one.
public struct BoundedInteger<Bounds: IntegerBounds>: OptionValue, Hashable, Sendable, CustomStringConvertible,
    ExpressibleByIntegerLiteral {
    public let value: Int

    public init?(argument: String) {
        guard let value = Int(argument), Bounds.range.contains(value) else { return nil }
        self.value = value
    }

    /// A default written in the code; out of range is a programming error.
    public init(integerLiteral value: Int) {
        precondition(Bounds.range.contains(value), "\(value) is outside \(Bounds.range)")
        self.value = value
    }

    public static var expectation: String {
        "must be \(Bounds.range.lowerBound) to \(Bounds.range.upperBound)" + (Bounds.unit.isEmpty ? "" : " \(Bounds.unit)")
    }

    /// "1-86400", for help texts.
    public static var rangeText: String { "\(Bounds.range.lowerBound)-\(Bounds.range.upperBound)" }

    public var description: String { "\(value)" }
}

public enum SecondsUpToAnHour: IntegerBounds {
    public static let range = 1...3_600
    public static let unit = "seconds"
}

public enum PortNumbers: IntegerBounds {
    public static let range = 1...65_535
    public static let unit = ""
}

public enum ChainLayers: IntegerBounds {
    public static let range = 1...1_000
    public static let unit = "layers"
}

/// Deadlines, timeouts and ping intervals.
public typealias Seconds = BoundedInteger<SecondsUpToAnHour>
public typealias Port = BoundedInteger<PortNumbers>
public typealias ChainDepth = BoundedInteger<ChainLayers>
