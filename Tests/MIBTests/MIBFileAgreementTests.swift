import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MIB
import Testing
import TestSupport

/// Proves `VirtAgentxMIB` (what the agent serves) and `mibs/VIRT-AGENTX-MIB.txt`
/// (what managers load) declare the same objects: names, OIDs, kinds, access and syntax.
/// Without smilint, smidump or the IETF base modules it is skipped, saying why;
/// in CI (`CI=true`) it fails with the reason instead.
@Suite(.enabled(if: MIBFiles.requirement.shouldRun, Comment(rawValue: MIBFiles.requirement.skipReason)))
struct MIBFileAgreementTests {
    init() throws { try MIBFiles.requirement.require() }

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
    static let module = Repository.file("mibs/VIRT-AGENTX-MIB.txt").path

    /// A folder holding SNMPv2-SMI and friends, which Debian's main archive lacks.
    static let baseModules: String? = {
        let candidates: [String?] = [ProcessInfo.processInfo.environment["VIRT_AGENTX_BASE_MIBS"],
                          Repository.file("../shared/mibs/ietf").standardized.path,
                          "/usr/share/snmp/mibs/ietf", "/var/lib/mibs/ietf"]
        return candidates.compactMap { $0 }.first { folder in
            ["SNMPv2-SMI", "SNMPv2-SMI.txt"].contains {
                FileManager.default.fileExists(atPath: folder + "/" + $0)
            }
        }
    }()

    /// What the suite needs: libsmi's tools (Debian's smitools) and the IETF base modules.
    static let requirement = Requirement("the MIB-agreement tests", unavailableReason: {
        for tool in ["smilint", "smidump"] where Requirement.executable(tool) == nil {
            return "\(tool) not found on PATH: install smitools (scripts/setup does)"
        }
        guard baseModules != nil else {
            return "IETF base MIB modules (SNMPv2-SMI ...) not found: set VIRT_AGENTX_BASE_MIBS or place ../shared/mibs/ietf beside the repository"
        }
        return nil
    }())

    /// Runs an libsmi tool with SMIPATH set; its stdout, then its stderr.
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let result = try Command.run(tool, arguments, timeout: .seconds(60), environment: [
            "SMIPATH": "\(baseModules ?? ""):\(Repository.file("mibs").path)",
        ])
        guard result.status == 0 || tool == "smilint" else {
            throw ToolFailure(description: "\(tool) exited \(result.status) (is smitools installed? scripts/setup installs it): \(result.stderr)")
        }
        return result.stdout + result.stderr
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
        case .enumeration(let values): "Enumeration(" + values.all.map { "\($0.name)=\($0.value)" }.joined(separator: ",") + ")"
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
                    case "readwrite": "read-write"
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
