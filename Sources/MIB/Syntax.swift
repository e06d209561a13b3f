/// The SMI syntax of a MIB object, as the MIB module declares it.
///
/// Only what the agreement test must compare with the MIB file is kept:
/// the base type, the textual convention, and enumerations.
public enum Syntax: Sendable, Equatable {
    case integer32
    case enumeration(NamedNumbers)
    case unsigned32
    case gauge32
    case counter32
    case counter64
    case displayString
    case dateAndTime
    case truthValue
    case macAddress
    case timeTicks
    case objectIdentifier
    case octetString
    /// A textual convention defined in this module, with its base syntax.
    indirect case textualConvention(String, Syntax)

    public static func == (a: Syntax, b: Syntax) -> Bool {
        switch (a, b) {
        case (.integer32, .integer32), (.unsigned32, .unsigned32), (.gauge32, .gauge32), (.counter32, .counter32),
             (.counter64, .counter64), (.displayString, .displayString),
             (.dateAndTime, .dateAndTime), (.truthValue, .truthValue), (.macAddress, .macAddress),
             (.timeTicks, .timeTicks), (.objectIdentifier, .objectIdentifier), (.octetString, .octetString):
            true
        case let (.enumeration(x), .enumeration(y)):
            x.all.map(\.name) == y.all.map(\.name) && x.all.map(\.value) == y.all.map(\.value)
        case let (.textualConvention(n, s), .textualConvention(m, t)):
            n == m && s == t
        default:
            false
        }
    }
}

/// An enumeration's named numbers, listed when asked for. The names are the
/// model's case names, read by reflection: listing them when the MIB's columns
/// are declared cost every short-lived command (a check) a protocol-conformance
/// scan per enumeration at start, for labels only the MIB agreement test and
/// the Zabbix template test read.
public struct NamedNumbers: Sendable {
    private let list: @Sendable () -> [(name: String, value: Int32)]

    public init(_ list: @escaping @Sendable () -> [(name: String, value: Int32)]) { self.list = list }

    /// Every case of `Value`, named as Swift names it, numbered by its raw value.
    public init<Value: CaseIterable & RawRepresentable>(of _: Value.Type) where Value.RawValue == Int32 {
        list = { Value.allCases.map { ("\($0)", $0.rawValue) } }
    }

    public var all: [(name: String, value: Int32)] { list() }
}
