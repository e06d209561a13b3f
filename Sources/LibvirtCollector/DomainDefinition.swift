import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What the agent reads from a domain's XML description.
public struct DomainDefinition: Equatable, Sendable {
    public var name: String = ""
    public var uuid: String = ""
    /// `<os><type>`: hvm, linux, xen, exe ...
    public var osType: String = ""
    /// `<vcpu>`: the maximum number of vCPUs.
    public var maxVcpus: UInt32 = 0
    /// `<vcpu current='N'>`; equals `maxVcpus` when the attribute is absent.
    public var currentVcpus: UInt32 = 0

    public init() {}

    /// Parses a libvirt `<domain>` document.
    public init(xml: String) throws(DomainXMLError) {
        let reader = DomainXMLReader()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = reader
        guard parser.parse() else {
            throw DomainXMLError(reason: parser.parserError.map { "\($0.localizedDescription)" } ?? "unreadable XML",
                                 line: parser.lineNumber)
        }
        guard reader.sawDomain else { throw DomainXMLError(reason: "no <domain> root element", line: 1) }
        self = reader.definition
        if currentVcpus == 0 { currentVcpus = maxVcpus }
    }
}

public struct DomainXMLError: Error, CustomStringConvertible, Equatable {
    public var reason: String
    public var line: Int
    public var description: String { "domain XML is malformed at line \(line): \(reason)" }
}

/// SAX delegate keeping the element path, so `<name>` under `<domain>` is not
/// confused with a `<name>` deeper down.
private final class DomainXMLReader: NSObject, XMLParserDelegate {
    var definition = DomainDefinition()
    var sawDomain = false
    private var path: [String] = []
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        path.append(element)
        text = ""
        if path == ["domain"] { sawDomain = true }
        if path == ["domain", "vcpu"], let current = attributes["current"].flatMap(UInt32.init) {
            definition.currentVcpus = current
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?,
                qualifiedName: String?) {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        switch path {
        case ["domain", "name"]: definition.name = value
        case ["domain", "uuid"]: definition.uuid = value.lowercased()
        case ["domain", "os", "type"]: definition.osType = value
        case ["domain", "vcpu"]: definition.maxVcpus = UInt32(value) ?? 0
        default: break
        }
        path.removeLast()
        text = ""
    }
}
