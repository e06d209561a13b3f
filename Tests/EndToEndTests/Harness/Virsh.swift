import Foundation
import TestSupport

/// `virsh` against the same URI the agent polls: the reference the tables are checked against.
struct Virsh {
    var uri: String

    func run(_ arguments: [String]) throws -> String {
        let result = try Command.run("virsh", ["-c", uri] + arguments)
        guard result.status == 0 else {
            throw HarnessError("virsh \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout
    }

    /// `Key: value` lines of a virsh report (dominfo, nodeinfo) as a dictionary.
    func report(_ arguments: [String]) throws -> [String: String] {
        var fields: [String: String] = [:]
        for line in try run(arguments).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].trimmingCharacters(in: .whitespaces)] =
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    /// `virsh blockjob DOMAIN DISK --raw`: its `key=value` lines (type, bandwidth, cur, end).
    func rawBlockJob(_ domain: String, _ disk: String) throws -> [String: String] {
        var fields: [String: String] = [:]
        for line in try run(["blockjob", domain, disk, "--raw"]).split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            fields[line[..<equals].trimmingCharacters(in: .whitespaces)] = String(line[line.index(after: equals)...])
        }
        return fields
    }

    func domainNames() throws -> [String] {
        try run(["list", "--all", "--name"]).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `virsh domstate --reason`: ("running", "booted").
    func stateAndReason(_ domain: String) throws -> (state: String, reason: String) {
        let text = try run(["domstate", "--reason", domain]).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let open = text.lastIndex(of: "("), text.hasSuffix(")") else { return (text, "") }
        return (text[..<open].trimmingCharacters(in: .whitespaces),
                String(text[text.index(after: open)..<text.index(before: text.endIndex)]))
    }

    /// The text of the first element named `element` in the domain XML, and its attributes.
    func xmlElement(_ domain: String, _ element: String) throws -> (text: String, attributes: [String: String]) {
        let xml = try run(["dumpxml", domain])
        guard let start = xml.range(of: "<\(element)"), let close = xml[start.upperBound...].range(of: ">"),
              let end = xml[close.upperBound...].range(of: "</\(element)>") else {
            throw HarnessError("<\(element)> not in the XML of \(domain)")
        }
        var attributes: [String: String] = [:]
        let attributeText = xml[start.upperBound..<close.lowerBound]
        let pattern = /(\w+)=['"]([^'"]*)['"]/
        for match in attributeText.matches(of: pattern) {
            attributes[String(match.1)] = String(match.2)
        }
        return (String(xml[close.upperBound..<end.lowerBound]), attributes)
    }
}

/// virsh's words for libvirt's states, by the MIB's numbers.
let virshStateNames: [String: Int] = [
    "no state": 0, "running": 1, "idle": 2, "paused": 3, "in shutdown": 4,
    "shut off": 5, "crashed": 6, "pmsuspended": 7,
]
