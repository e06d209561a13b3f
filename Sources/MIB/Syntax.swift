/// The SMI syntax of a MIB object, as the MIB module declares it.
///
/// Only what the agreement test must compare with the MIB file is kept:
/// the base type, the textual convention, and enumerations.
public enum Syntax: Sendable, Equatable {
    case integer32
    case enumeration([(name: String, value: Int32)])
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
            x.map(\.name) == y.map(\.name) && x.map(\.value) == y.map(\.value)
        case let (.textualConvention(n, s), .textualConvention(m, t)):
            n == m && s == t
        default:
            false
        }
    }
}
