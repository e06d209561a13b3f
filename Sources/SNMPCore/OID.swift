/// An SNMP object identifier: a sequence of sub-identifiers, ordered lexicographically
/// as SNMP orders them (a prefix sorts before everything it prefixes).
public struct OID: Hashable, Sendable, Comparable, ExpressibleByArrayLiteral, CustomStringConvertible {
    public var components: [UInt32]

    public init(_ components: [UInt32]) { self.components = components }
    public init(arrayLiteral components: UInt32...) { self.components = components }

    /// Parses dotted-decimal text (`1.3.6.1` or `.1.3.6.1`); nil if it is not one.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            .drop(while: { $0.isEmpty })
        guard !parts.isEmpty else { return nil }
        var components: [UInt32] = []
        components.reserveCapacity(parts.count)
        for part in parts {
            guard let value = UInt32(part) else { return nil }
            components.append(value)
        }
        self.components = components
    }

    public var description: String { components.map(String.init).joined(separator: ".") }

    public func appending(_ more: UInt32...) -> OID { OID(components + more) }
    public func appending(_ more: [UInt32]) -> OID { OID(components + more) }

    /// True when `self` is `other` or lies under it.
    public func hasPrefix(_ other: OID) -> Bool {
        components.count >= other.components.count
            && components.starts(with: other.components)
    }

    public static func < (a: OID, b: OID) -> Bool {
        a.components.lexicographicallyPrecedes(b.components)
    }
}
