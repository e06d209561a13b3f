import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What the agent reads from a `<pool>` or `<volume>` XML description.
public struct StorageDefinition: Equatable, Sendable {
    /// `<pool type>` (dir, logical ...) or `<volume type>` (file, block ...).
    public var type = ""
    /// `<target><format type>` (volumes: qcow2, raw ...; pools: the filesystem or disk label).
    public var format = ""
    /// `<backingStore><path>` of a volume; empty when there is none.
    public var backingPath = ""
    /// A volume's `<target><path>`.
    public var path = ""
    /// A volume's `<capacity>`, `<allocation>` and `<physical>` in bytes; nil when absent.
    public var capacity: UInt64?
    public var allocation: UInt64?
    public var physical: UInt64?

    public init() {}

    /// Parses a `<pool>` or `<volume>` document; malformed XML gives an empty definition,
    /// which costs only descriptive columns, never the poll.
    public init(xml: String) {
        let reader = StorageXMLReader()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = reader
        _ = parser.parse()
        self = reader.definition
    }
}

private final class StorageXMLReader: NSObject, XMLParserDelegate {
    var definition = StorageDefinition()
    private var path: [String] = []
    private var text = ""

    private var unit = ""

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        path.append(element)
        text = ""
        unit = attributes["unit"] ?? "bytes"
        if path.count == 1 { definition.type = attributes["type"] ?? "" }
        if path.count == 3, path[1] == "target", element == "format" {
            definition.format = attributes["type"] ?? ""
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?,
                qualifiedName: String?) {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if path.count == 3, path[1] == "backingStore", element == "path" {
            definition.backingPath = value
        }
        if path.count == 3, path[1] == "target", element == "path" {
            definition.path = value
        }
        if path.count == 2, path[0] == "volume" {
            switch element {
            case "capacity": definition.capacity = Self.bytes(value, unit: unit)
            case "allocation": definition.allocation = Self.bytes(value, unit: unit)
            case "physical": definition.physical = Self.bytes(value, unit: unit)
            default: break
            }
        }
        path.removeLast()
        text = ""
    }
}

extension StorageXMLReader {
    /// A size in libvirt's scaled units (it writes `unit='bytes'`; others are accepted).
    static func bytes(_ text: String, unit: String) -> UInt64? {
        guard let number = UInt64(text) else { return nil }
        let scale: UInt64 = switch unit.lowercased() {
        case "b", "bytes", "": 1
        case "k", "kib": 1 << 10
        case "m", "mib": 1 << 20
        case "g", "gib": 1 << 30
        case "t", "tib": 1 << 40
        case "kb": 1_000
        case "mb": 1_000_000
        case "gb": 1_000_000_000
        case "tb": 1_000_000_000_000
        default: 1
        }
        return number.multipliedReportingOverflow(by: scale).overflow ? UInt64.max : number * scale
    }
}
