/// A value as it goes on the wire, already in its SMI base type.
///
/// Values are made once per snapshot (strings encoded, enums numbered), so
/// answering a request is a lookup and a copy.
public enum SNMPValue: Sendable, Equatable {
    case integer(Int32)
    case octets([UInt8])
    /// An OCTET STRING holding UTF-8 text (a DisplayString): it shares the model's
    /// string storage instead of copying it into bytes for every snapshot.
    case text(String)
    case objectIdentifier(OID)
    case counter32(UInt32)
    /// Gauge32 and Unsigned32 share one wire type.
    case gauge32(UInt32)
    case timeTicks(UInt32)
    case counter64(UInt64)

    public static func string(_ text: String) -> SNMPValue { .text(text) }
    public static func truthValue(_ flag: Bool) -> SNMPValue { .integer(flag ? 1 : 2) }
    /// Gauge32 semantics (RFC 2578 §7.1.7): a larger value reads as the maximum.
    public static func gauge(saturating value: UInt64) -> SNMPValue {
        .gauge32(UInt32(clamping: value))
    }
}

extension SNMPValue {
    /// The bytes of an OCTET STRING, however it is held; nil for other types.
    public func withOctets<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        switch self {
        case .octets(let bytes): return bytes.withUnsafeBufferPointer(body)
        case .text(var text): return text.withUTF8(body)
        default: return nil
        }
    }

    /// Values compare as they go on the wire: text and bytes that encode the same octets are equal.
    public static func == (a: SNMPValue, b: SNMPValue) -> Bool {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): x == y
        case (.objectIdentifier(let x), .objectIdentifier(let y)): x == y
        case (.counter32(let x), .counter32(let y)), (.gauge32(let x), .gauge32(let y)),
             (.timeTicks(let x), .timeTicks(let y)): x == y
        case (.counter64(let x), .counter64(let y)): x == y
        case (.text(let x), .text(let y)): x.utf8.elementsEqual(y.utf8)
        case (.octets, .octets), (.octets, .text), (.text, .octets):
            a.withOctets { x in b.withOctets { y in x.elementsEqual(y) } ?? false } ?? false
        default: false
        }
    }
}
