import Foundation
import TestSupport
import Testing

/// `virt-agentx run`'s flags and virt-agentx.conf's keywords come from one
/// description in the agent (AgentSettings.Keyword). The README's options table
/// and configuration example are checked against what the built agent says of
/// itself (`--experimental-dump-help`), and the example is fed to net-snmp's
/// parser through the agent, so that neither can drift from the code.
@Suite struct RunOptionsDescriptionTests {
    /// One option of `run`, as the README's table and the agent's help give it.
    struct Row: Equatable, CustomStringConvertible {
        /// "-c, --connect URI", "--no-state".
        var option: String
        /// "connect", "stateDir none", "agentXSocket (net-snmp's)"; empty when the file has none.
        var keyword: String
        var description: String { "\(option) [\(keyword)]" }
    }

    /// What the agent says of `run`: its options and its discussion.
    static func runHelp() throws -> (rows: [Row], discussion: String) {
        let dump = try Command.run(try TestWorld.agentBinary(), ["--experimental-dump-help"])
        try #require(dump.status == 0, "\(dump.stderr)")
        let tool = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let root = try #require(tool["command"] as? [String: Any])
        let subcommands = try #require(root["subcommands"] as? [[String: Any]])
        let run = try #require(subcommands.first { $0["commandName"] as? String == "run" })
        let arguments = try #require(run["arguments"] as? [[String: Any]])
        let rows = try arguments.compactMap { argument -> Row? in
            let names = try #require(argument["names"] as? [[String: String]])
            guard argument["shouldDisplay"] as? Bool != false, !names.contains(where: { $0["name"] == "help" }) else { return nil }
            var option = names.map { ($0["kind"] == "short" ? "-" : "--") + ($0["name"] ?? "") }.joined(separator: ", ")
            if argument["kind"] as? String == "option" {
                option += " " + (try #require(argument["valueName"] as? String)).uppercased()
            }
            let abstract = argument["abstract"] as? String ?? ""
            return Row(option: option, keyword: Self.capture(#/In virt-agentx\.conf: ([^.]+)\./#, in: abstract) ?? "")
        }
        return (rows, run["discussion"] as? String ?? "")
    }

    static func capture(_ regex: Regex<(Substring, Substring)>, in text: String) -> String? {
        text.firstMatch(of: regex).map { String($0.output.1) }
    }

    /// "a, b and c" as its words.
    static func words(_ list: String) -> [String] {
        list.replacingOccurrences(of: " and ", with: ", ").components(separatedBy: ", ")
    }

    /// The lines of the README's section that starts with `heading`, up to the next heading.
    static func readmeSection(_ heading: String) throws -> [Substring] {
        let readme = try String(contentsOf: Repository.file("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0 == heading }, "README has no \(heading)")
        // Up to the next heading outside a code block (where '#' starts a comment).
        var inCode = false
        return Array(lines[(start + 1)...].prefix { line in
            if line.hasPrefix("```") { inCode.toggle() }
            return inCode || !line.hasPrefix("#")
        })
    }

    /// The README's options table, row by row.
    static func readmeRows() throws -> [Row] {
        try readmeSection("### `virt-agentx run` options").filter { $0.hasPrefix("| `") }.map { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "") }
            try #require(cells.count == 5, "a row of option, keyword and meaning: \(line)")
            return Row(option: cells[1], keyword: cells[2])
        }
    }

    /// The README's example virt-agentx.conf, line by line.
    static func readmeConfiguration() throws -> [Substring] {
        let section = try readmeSection("### The configuration file")
        let open = try #require(section.firstIndex { $0.hasPrefix("```") })
        let close = try #require(section[(open + 1)...].firstIndex { $0.hasPrefix("```") })
        return Array(section[(open + 1)..<close])
    }

    /// The keywords the agent's help names: its own, then net-snmp's.
    static func helpKeywords(_ discussion: String) throws -> (own: [String], netSNMP: [String]) {
        let match = try #require(discussion.firstMatch(of: #/with the keywords (.+?) \(and net-snmp's (.+?)\)/#),
                                 "run's discussion lists the keywords: \(discussion)")
        return (words(String(match.output.1)), words(String(match.output.2)))
    }

    @Test func theReadmeTableIsRunsOptions() throws {
        let (rows, _) = try Self.runHelp()
        let readme = try Self.readmeRows()
        #expect(!rows.isEmpty)
        // Same options, same value names, same keywords, in the order of --help.
        #expect(readme == rows, "README:\n\(readme.map(\.description).joined(separator: "\n"))\nrun --help:\n\(rows.map(\.description).joined(separator: "\n"))")
    }

    @Test func theReadmeConfigurationHasEveryKeywordAndOnlyThose() throws {
        let (rows, discussion) = try Self.runHelp()
        let (own, netSNMP) = try Self.helpKeywords(discussion)
        let keywords = Set(own + netSNMP)
        // Every keyword a flag names is one of them ...
        for row in rows where !row.keyword.isEmpty {
            let keyword = String(row.keyword.prefix { $0 != " " })
            #expect(keywords.contains(keyword), "\(row.option) names \(keyword), which run's help does not list")
        }
        // ... and the example in the README shows each of them once.
        let shown = try Self.readmeConfiguration().filter { !$0.hasPrefix("#") && !$0.isEmpty }
            .map { String($0.prefix { $0 != " " }) }
        #expect(Set(shown) == keywords, "README shows \(shown.sorted()); the agent has \(keywords.sorted())")
        #expect(shown.count == Set(shown).count, "one line per keyword: \(shown)")
    }

    /// The README's example, copied as it is, is a file the agent takes: net-snmp
    /// knows every keyword and the agent accepts every value. A bad line added at
    /// its end is the only error, so the agent stops with 78 having read all of it.
    @Test func theReadmeConfigurationIsAcceptedAsItIs() throws {
        try withScratchFolder { folder in
            let socket = "unix:" + folder.appendingPathComponent("none.sock").path
            // The example's master socket would be a real snmpd's: this test's goes nowhere.
            var lines = try Self.readmeConfiguration().map {
                $0.hasPrefix("agentXSocket ") ? "agentXSocket \(socket)" : String($0)
            }
            lines.append("pollInterval fast")
            let config = folder.appendingPathComponent("virt-agentx.conf")
            try (lines.joined(separator: "\n") + "\n").write(to: config, atomically: true, encoding: .utf8)
            let run = try ChildProcess("virt-agentx", try TestWorld.agentBinary(),
                                       ["run", "-f", "--config", config.path, "--no-state", "-x", socket],
                                       log: folder.appendingPathComponent("out.log"))
            #expect(run.waitForExit(timeout: .seconds(10)) == 78, "EX_CONFIG:\n\(run.output)")
            let output = run.output
            #expect(output.contains("pollInterval must be 1 to 86400 seconds, not 'fast'"), "\(output)")
            #expect(!output.contains("Unknown token"), "every keyword is known:\n\(output)")
            let errors = output.split(separator: "\n").filter { $0.contains("Error:") }
            #expect(!errors.isEmpty && errors.allSatisfy { $0.contains("line \(lines.count):") },
                    "only the added line is wrong:\n\(output)")
        }
    }
}
