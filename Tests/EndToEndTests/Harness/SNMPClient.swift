import Foundation
import MIB
import TestSupport

/// net-snmp's command-line tools, with their output parsed into varbinds.
struct SNMPClient {
    var target: String
    var community = "public"
    /// SNMPv3 instead of v2c: user, auth and privacy passphrases (SHA-256, AES).
    var user: (name: String, auth: String, privacy: String)?
    /// The SNMP context to address (SNMPv3 `-n`); nil for the default one.
    var context: String?
    /// The network namespace to ask from (a fleet test's host); nil for the test's own.
    var namespace: String?

    struct Varbind: Equatable, CustomStringConvertible {
        var oid: String
        /// "STRING", "INTEGER", "Counter64" ...; "exception" for noSuch*/endOfMibView.
        var type: String
        /// The value with STRING quotes removed, or the exception text.
        var value: String

        var isValue: Bool { type != "exception" }
        var description: String { "\(oid) = \(type): \(value)" }
    }

    func get(_ oids: [String]) throws -> [Varbind] { try tool("snmpget", oids) }
    func getNext(_ oids: [String]) throws -> [Varbind] { try tool("snmpgetnext", oids) }
    /// The walk's varbinds; endOfMibView (an agent with nothing after the subtree,
    /// such as the standalone agent) ends the walk and is not one of them.
    func bulkWalk(_ oid: String) throws -> [Varbind] {
        try tool("snmpbulkwalk", [oid]).filter { !$0.value.hasPrefix("No more variables") }
    }

    /// snmpset of one varbind (`type` as snmpset takes it: i, s ...): nil when
    /// it was set, else net-snmp's reason ("notWritable (That object ...)").
    func set(_ oid: String, _ type: String, _ value: String) throws -> String? {
        let result = try Command.run("snmpset", security + ["-r", "1", "-t", "3", "-On", target, oid, type, value])
        guard result.status != 0 else { return nil }
        let output = result.stdout + result.stderr
        return output.split(separator: "\n").first { $0.hasPrefix("Reason: ") }.map { String($0.dropFirst(8)) } ?? output
    }

    private var security: [String] {
        (user.map { ["-v3", "-l", "authPriv", "-u", $0.name, "-a", "SHA-256", "-A", $0.auth, "-x", "AES", "-X", $0.privacy] }
            ?? ["-v2c", "-c", community]) + (context.map { ["-n", $0] } ?? [])
    }

    private func tool(_ name: String, _ oids: [String]) throws -> [Varbind] {
        let arguments = security + ["-r", "1", "-t", "3", "-On", "-Oe", "-Ot", target] + oids
        let result = try namespace.map { try Command.run("/usr/sbin/ip", ["netns", "exec", $0, name] + arguments) }
            ?? Command.run(name, arguments)
        guard result.status == 0 else {
            throw HarnessError("\(name) \(oids.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
        return try result.stdout.split(separator: "\n").map { try Self.parse(String($0)) }
    }

    /// Parses one line of `-On -Oe -Ot` output: `.1.3.6 = TYPE: value` or `.1.3.6 = No Such ...`.
    static func parse(_ line: String) throws -> Varbind {
        guard let separator = line.range(of: " = ") else { throw HarnessError("unparsable: \(line)") }
        let oid = String(line[..<separator.lowerBound].drop { $0 == "." })
        let rest = String(line[separator.upperBound...])
        if rest.hasPrefix("No Such") || rest.hasPrefix("No more variables") {
            return Varbind(oid: oid, type: "exception", value: rest)
        }
        if rest == "\"\"" { return Varbind(oid: oid, type: "STRING", value: "") }   // net-snmp prints an empty string bare
        guard let colon = rest.range(of: ": ") else {
            return Varbind(oid: oid, type: "", value: rest)   // -Ot prints TimeTicks bare
        }
        let type = String(rest[..<colon.lowerBound])
        var value = String(rest[colon.upperBound...])
        if type == "STRING", value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
            value = String(value.dropFirst().dropLast())
        }
        return Varbind(oid: oid, type: type, value: value)
    }
}

extension Array where Element == SNMPClient.Varbind {
    /// `column -> row index -> value` for the table whose entry OID is `entry`
    /// (a row index of several parts is written dotted: "3.1").
    func table(_ entry: String) -> [Int: [String: String]] {
        var table: [Int: [String: String]] = [:]
        for varbind in self where varbind.oid.hasPrefix(entry + ".") {
            let parts = varbind.oid.dropFirst(entry.count + 1).split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let column = Int(parts[0]) else { continue }
            table[column, default: [:]][String(parts[1])] = varbind.value
        }
        return table
    }
}

/// A walked table of VIRT-AGENTX-MIB, read by the MIB's own column handles.
struct WalkedTable<Row> {
    let cells: [Int: [String: String]]

    /// `row index -> value` of `column`.
    subscript(_ column: Column<Row>) -> [String: String]? { cells[Int(column.subID)] }
}

extension Array where Element == SNMPClient.Varbind {
    /// The walked rows of `table` (a VIRT-AGENTX-MIB table).
    func table<Row>(_ table: Table<Row>) -> WalkedTable<Row> {
        WalkedTable(cells: self.table("\(Subtree.root).1.\(table.subID).1"))
    }
}
