import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MIB
import Testing

/// Proves `VirtAgentxMIB` (what the agent serves) and `mibs/VIRT-AGENTX-MIB.txt`
/// (what managers load) declare the same objects: names, OIDs, kinds, access and syntax.
@Suite(.enabled(if: MIBFiles.baseModules != nil,
                "IETF base MIB modules (SNMPv2-SMI ...) not found: set VIRT_AGENTX_BASE_MIBS or place ../shared/mibs/ietf beside the repository"))
struct MIBFileAgreementTests {
    @Test func smilintReportsNothingAtLevel6() throws {
        let output = try MIBFiles.run("smilint", ["-l", "6", "-s", MIBFiles.module])
        #expect(output.isEmpty, "smilint -l 6 reported:\n\(output)")
    }

    @Test func everyObjectAgreesWithTheModuleFile() throws {
        let file = try SmidumpModule(xml: try MIBFiles.run("smidump", ["-f", "xml", MIBFiles.module]))
        let swift = VirtAgentxMIB.objects
        #expect(Set(file.objects.keys) == Set(swift.map(\.name)),
                "objects only in the file: \(Set(file.objects.keys).subtracting(swift.map(\.name)).sorted()); only in Swift: \(Set(swift.map(\.name)).subtracting(file.objects.keys).sorted())")
        for object in swift {
            guard let declared = file.objects[object.name] else { continue }
            #expect(declared.oid == object.oid.description, "\(object.name): OID")
            #expect(declared.kind == object.kind.rawValue, "\(object.name): kind")
            #expect(declared.access == object.access.rawValue, "\(object.name): access")
            if let syntax = object.syntax {
                #expect(declared.syntax == file.key(for: syntax), "\(object.name): syntax")
            }
        }
    }
}

enum MIBFiles {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let module = repository.appendingPathComponent("mibs/VIRT-AGENTX-MIB.txt").path

    /// A folder holding SNMPv2-SMI and friends, which Debian's main archive lacks.
    static let baseModules: String? = {
        let candidates: [String?] = [ProcessInfo.processInfo.environment["VIRT_AGENTX_BASE_MIBS"],
                          repository.appendingPathComponent("../shared/mibs/ietf").standardized.path,
                          "/usr/share/snmp/mibs/ietf", "/var/lib/mibs/ietf"]
        return candidates.compactMap { $0 }.first { folder in
            ["SNMPv2-SMI", "SNMPv2-SMI.txt"].contains {
                FileManager.default.fileExists(atPath: folder + "/" + $0)
            }
        }
    }()

    /// Runs an libsmi tool with SMIPATH set; its stdout and stderr together.
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SMIPATH"] = "\(baseModules ?? ""):\(repository.appendingPathComponent("mibs").path)"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 || tool == "smilint" else {
            throw ToolFailure(description: "\(tool) exited \(process.terminationStatus) (is smitools installed? scripts/setup installs it)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    struct ToolFailure: Error, CustomStringConvertible { var description: String }
}

/// The parts of `smidump -f xml` the agreement test compares.
struct SmidumpModule {
    struct Object {
        var oid = "", kind = "", access = "", syntax = ""
    }
    var objects: [String: Object] = [:]
    /// Textual conventions of the module: name -> "Enumeration(a=1,b=2)" or base type.
    var typedefs: [String: String] = [:]

    init(xml: String) throws {
        let reader = Reader()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = reader
        guard parser.parse() else { throw MIBFiles.ToolFailure(description: "smidump XML unreadable") }
        objects = reader.objects
        typedefs = reader.typedefs
    }

    /// How `syntax` appears in smidump's XML, in the same key form the reader builds.
    func key(for syntax: Syntax) -> String {
        switch syntax {
        case .integer32: "Integer32"
        case .unsigned32: "Unsigned32"
        case .gauge32: "Gauge32"
        case .counter32: "Counter32"
        case .counter64: "Counter64"
        case .displayString: "DisplayString"
        case .dateAndTime: "DateAndTime"
        case .truthValue: "TruthValue"
        case .macAddress: "MacAddress"
        case .timeTicks: "TimeTicks"
        case .objectIdentifier: "ObjectIdentifier"
        case .octetString: "OctetString"
        case .enumeration(let values): "Enumeration(" + values.map { "\($0.name)=\($0.value)" }.joined(separator: ",") + ")"
        case .textualConvention(let name, let base):
            // A TC's base type is checked by smilint; its enumeration is checked here.
            if case .enumeration = base { "\(name):\(key(for: base))" } else { "\(name):" }
        }
    }

    private final class Reader: NSObject, XMLParserDelegate {
        var objects: [String: Object] = [:]
        var typedefs: [String: String] = [:]
        /// Names of the open scalar/table/row/column elements, innermost last.
        private var open: [String] = []
        private var typedefName: String?
        private var enumeration: [String] = []
        private var baseType: String?
        private var text = ""

        private func update(_ change: (inout Object) -> Void) {
            guard let name = open.last else { return }
            change(&objects[name, default: Object()])
        }

        func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            text = ""
            switch element {
            case "scalar", "table", "row", "column":
                let name = attributes["name"] ?? ""
                open.append(name)
                // Tables and rows carry no <access>: SMIv2 makes them not-accessible.
                objects[name] = Object(oid: attributes["oid"] ?? "", kind: element, access: "not-accessible")
            case "typedef":
                typedefName = attributes["name"]
                baseType = attributes["basetype"]
                enumeration = []
            case "namednumber":
                enumeration.append("\(attributes["name"] ?? "")=\(attributes["number"] ?? "")")
            case "type", "parent":
                // A named type, or the parent of a refined one (DisplayString (SIZE (36))).
                let name = attributes["name"] ?? ""
                let local = attributes["module"] == "VIRT-AGENTX-MIB"
                update { $0.syntax = local ? "\(name):\(self.typedefs[name] ?? "?")" : name }
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?,
                    qualifiedName: String?) {
            switch element {
            case "typedef":
                let shape = baseType == "Enumeration"
                    ? "Enumeration(\(enumeration.joined(separator: ",")))" : (baseType ?? "")
                if let name = typedefName, open.isEmpty {
                    typedefs[name] = baseType == "Enumeration" ? shape : ""   // a TC of the module
                } else if let name = open.last, objects[name]?.syntax.isEmpty == true {
                    update { $0.syntax = shape }    // an inline refinement of a base type
                }
                typedefName = nil
            case "access":
                let access = text.trimmingCharacters(in: .whitespacesAndNewlines)
                update {
                    $0.access = switch access {
                    case "readonly": "read-only"
                    case "notifyonly": "accessible-for-notify"
                    default: "not-accessible"
                    }
                }
            case "scalar", "table", "row", "column":
                open.removeLast()
            default: break
            }
        }
    }
}
