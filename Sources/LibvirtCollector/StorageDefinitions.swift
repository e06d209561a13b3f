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

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        path.append(element)
        text = ""
        if path.count == 1 { definition.type = attributes["type"] ?? "" }
        if path.count == 3, path[1] == "target", element == "format" {
            definition.format = attributes["type"] ?? ""
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?,
                qualifiedName: String?) {
        if path.count == 3, path[1] == "backingStore", element == "path" {
            definition.backingPath = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        path.removeLast()
        text = ""
    }
}
