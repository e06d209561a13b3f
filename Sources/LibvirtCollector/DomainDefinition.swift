import Foundation
import VirtModel
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What the agent reads from a domain's XML description.
public struct DomainDefinition: Equatable, Sendable {
    public var name: String = ""
    public var uuid: String = ""
    /// `<os><type>`: hvm, linux, xen, exe ...
    public var osType: String = ""
    /// `<title>`: a short description of the domain.
    public var title: String = ""
    /// `<description>`: a longer one.
    public var descriptionText: String = ""
    /// OpenStack Nova's names for the instance, from `<metadata><nova:instance>`.
    public var cloud = CloudNames()
    /// `<memory>` and `<currentMemory>` in KiB (0 when absent): the domain's
    /// memory where the balloon statistics are switched off.
    public var maxMemoryKiB: UInt64 = 0
    public var currentMemoryKiB: UInt64 = 0
    /// `<vcpu>`: the maximum number of vCPUs.
    public var maxVcpus: UInt32 = 0
    /// `<vcpu current='N'>`; equals `maxVcpus` when the attribute is absent.
    public var currentVcpus: UInt32 = 0
    public var disks: [DiskDefinition] = []
    public var interfaces: [InterfaceDefinition] = []
    /// `<vcpu cpuset>`: the host CPUs every vCPU may run on; nil for all.
    public var defaultCPUSet: String?
    /// `<cputune><vcpupin vcpu cpuset>`: per-vCPU pinning, overriding the default.
    public var vcpuPins: [UInt32: String] = [:]

    public init() {}

    /// Parses a libvirt `<domain>` document.
    public init(xml: String) throws(DomainXMLError) {
        let reader = DomainXMLReader()
        let parser = XMLParser(data: Data(xml.utf8))
        // Element names arrive without their prefix, with their namespace: Nova's
        // metadata is recognised by its namespace, whatever prefix it was written with.
        parser.shouldProcessNamespaces = true
        parser.delegate = reader
        guard parser.parse() else {
            throw DomainXMLError(reason: parser.parserError.map { "\($0.localizedDescription)" } ?? "unreadable XML",
                                 line: parser.lineNumber)
        }
        guard reader.sawDomain else { throw DomainXMLError(reason: "no <domain> root element", line: 1) }
        self = reader.definition
        if currentVcpus == 0 { currentVcpus = maxVcpus }
        if currentMemoryKiB == 0 { currentMemoryKiB = maxMemoryKiB }
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
    /// Network source of the disk element being read (its `<host>`s arrive after `<source>`).
    private var sourceAttributes: [String: String] = [:]
    private var sourceHosts: [String] = []
    /// The unit of the `<memory>` or `<currentMemory>` being read.
    private var memoryUnit = "KiB"

    private static let disk = ["domain", "devices", "disk"]
    private static let interface = ["domain", "devices", "interface"]
    /// Nova writes `http://openstack.org/xmlns/libvirt/nova/1.0` (1.1, 1.2 ...).
    private static let novaNamespace = "http://openstack.org/xmlns/libvirt/nova/"
    private static let novaInstance = ["domain", "metadata", "instance"]
    /// Whether the element being read is in Nova's namespace, by depth, for its children.
    private var inNova = false
    /// Longest cloud name kept: metadata is written by whoever can define domains.
    private static let maxNameLength = 1024

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        path.append(element)
        text = ""
        if path == ["domain"] { sawDomain = true }
        if path == Self.novaInstance {
            inNova = namespaceURI?.hasPrefix(Self.novaNamespace) == true
        } else if inNova, path.starts(with: Self.novaInstance), namespaceURI?.hasPrefix(Self.novaNamespace) == true {
            switch path.dropFirst(Self.novaInstance.count).map({ $0 }) {
            case ["flavor"]: definition.cloud.flavor = Self.bounded(attributes["name"] ?? "")
            case ["owner", "user"]: definition.cloud.userUUID = Self.bounded(attributes["uuid"] ?? "")
            case ["owner", "project"]: definition.cloud.projectUUID = Self.bounded(attributes["uuid"] ?? "")
            default: break
            }
        }
        if path == ["domain", "memory"] || path == ["domain", "currentMemory"] { memoryUnit = attributes["unit"] ?? "KiB" }
        if path == ["domain", "vcpu"] {
            if let current = attributes["current"].flatMap(UInt32.init) { definition.currentVcpus = current }
            definition.defaultCPUSet = attributes["cpuset"]
        }
        if path == ["domain", "cputune", "vcpupin"], let vcpu = attributes["vcpu"].flatMap(UInt32.init),
           let cpuset = attributes["cpuset"] {
            definition.vcpuPins[vcpu] = cpuset
        }
        if path == Self.disk {
            var disk = DiskDefinition()
            disk.type = attributes["type"] ?? ""
            disk.device = attributes["device"] ?? "disk"
            definition.disks.append(disk)
        } else if path.starts(with: Self.disk), path.count > Self.disk.count {
            diskChild(element, attributes)
        } else if path == Self.interface {
            var interface = InterfaceDefinition()
            interface.type = attributes["type"] ?? ""
            definition.interfaces.append(interface)
        } else if path.count == Self.interface.count + 1, path.starts(with: Self.interface) {
            interfaceChild(element, attributes)
        }
    }

    private func diskChild(_ element: String, _ attributes: [String: String]) {
        guard !definition.disks.isEmpty else { return }
        let depth = path.count - Self.disk.count   // 1: a direct child of <disk>
        let inBackingStore = path.dropFirst(Self.disk.count).contains("backingStore")
        switch (element, depth, inBackingStore) {
        case ("driver", 1, false): definition.disks[definition.disks.count - 1].driverType = attributes["type"] ?? ""
        case ("target", 1, false):
            definition.disks[definition.disks.count - 1].target = attributes["dev"] ?? ""
            definition.disks[definition.disks.count - 1].bus = attributes["bus"] ?? ""
        case ("readonly", 1, false): definition.disks[definition.disks.count - 1].readOnly = true
        case ("source", _, _):
            sourceAttributes = attributes
            sourceHosts = []
        case ("host", _, _):
            let host = attributes["name"] ?? attributes["socket"] ?? ""
            sourceHosts.append(attributes["port"].map { "\(host):\($0)" } ?? host)
        case ("backingStore", _, _):
            // The first <backingStore> says libvirt has looked; an empty one ends the chain.
            if definition.disks[definition.disks.count - 1].backingStore == nil {
                definition.disks[definition.disks.count - 1].backingStore = []
            }
        default: break
        }
    }

    private func interfaceChild(_ element: String, _ attributes: [String: String]) {
        let last = definition.interfaces.count - 1
        guard last >= 0 else { return }
        switch element {
        case "mac": definition.interfaces[last].mac = attributes["address"]?.lowercased() ?? ""
        case "source":
            definition.interfaces[last].source = attributes["network"] ?? attributes["bridge"]
                ?? attributes["dev"] ?? attributes["path"] ?? ""
        case "model": definition.interfaces[last].model = attributes["type"] ?? ""
        case "target": definition.interfaces[last].device = attributes["dev"] ?? ""
        default: break
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
        case ["domain", "title"]: definition.title = value
        case ["domain", "description"]: definition.descriptionText = value
        case Self.novaInstance + ["name"] where inNova: definition.cloud.name = Self.bounded(value)
        case Self.novaInstance + ["owner", "user"] where inNova: definition.cloud.user = Self.bounded(value)
        case Self.novaInstance + ["owner", "project"] where inNova: definition.cloud.project = Self.bounded(value)
        case ["domain", "vcpu"]: definition.maxVcpus = UInt32(value) ?? 0
        case ["domain", "memory"]: definition.maxMemoryKiB = DomainDefinition.kibibytes(value, unit: memoryUnit)
        case ["domain", "currentMemory"]: definition.currentMemoryKiB = DomainDefinition.kibibytes(value, unit: memoryUnit)
        default: break
        }
        // A <source> is complete once its <host> children are read.
        if element == "source", path.starts(with: Self.disk), let last = definition.disks.indices.last {
            let source = DiskDefinition.sourceText(sourceAttributes, hosts: sourceHosts)
            if path.dropFirst(Self.disk.count).contains("backingStore") {
                definition.disks[last].backingStore?.append(source)
            } else if path.count == Self.disk.count + 1 {
                definition.disks[last].source = source
            }
        }
        if path == Self.novaInstance { inNova = false }
        path.removeLast()
        text = ""
    }

    private static func bounded(_ text: String) -> String {
        text.utf8.count <= maxNameLength ? text : String(decoding: text.utf8.prefix(maxNameLength), as: UTF8.self)
    }
}

extension DomainDefinition {
    /// A libvirt memory size in KiB: `unit` as libvirt's scaled integers take it
    /// (b, bytes, k, KiB, KB, M, MiB, MB ... up to E; KiB by default); 0 when unreadable.
    static func kibibytes(_ value: String, unit: String) -> UInt64 {
        guard let number = UInt64(value) else { return 0 }
        let binary = ["b": 0, "bytes": 0, "k": 10, "kib": 10, "m": 20, "mib": 20, "g": 30, "gib": 30,
                      "t": 40, "tib": 40, "p": 50, "pib": 50, "e": 60, "eib": 60]
        let decimal = ["kb": 3, "mb": 6, "gb": 9, "tb": 12, "pb": 15, "eb": 18]
        let unit = unit.lowercased()
        if let shift = binary[unit] {
            let bytes = number.multipliedReportingOverflow(by: 1 << UInt64(shift))
            return bytes.overflow ? UInt64.max / 1024 : bytes.partialValue / 1024
        }
        if let power = decimal[unit] {
            var bytes = number
            for _ in 0..<power { bytes = bytes.multipliedReportingOverflow(by: 10).overflow ? UInt64.max : bytes * 10 }
            return bytes / 1024
        }
        return 0
    }

    /// Whether vCPU `vcpu` (from 0) may run on each of `hostCPUs` host CPUs, from
    /// its pinning, else the domain's cpuset, else everywhere.
    public func affinity(ofVCPU vcpu: UInt32, hostCPUs: Int) -> [Bool] {
        guard let set = vcpuPins[vcpu] ?? defaultCPUSet, let cpus = Self.cpus(in: set) else {
            return Array(repeating: true, count: hostCPUs)
        }
        return (0..<hostCPUs).map { cpus.contains($0) }
    }

    /// libvirt's cpuset syntax: `0-3,^2,8`; nil when it is not that.
    static func cpus(in set: String) -> Set<Int>? {
        var included = Set<Int>(), excluded = Set<Int>()
        for part in set.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            let negated = part.hasPrefix("^")
            let body = negated ? part.dropFirst() : Substring(part)
            let bounds = body.split(separator: "-", maxSplits: 1).map { Int($0) }
            guard let low = bounds.first ?? nil, low >= 0, low < 65_536 else { return nil }
            let high = bounds.count == 2 ? (bounds[1] ?? -1) : low
            guard high >= low, high < 65_536 else { return nil }
            if negated { excluded.formUnion(low...high) } else { included.formUnion(low...high) }
        }
        return included.subtracting(excluded)
    }
}
