import Foundation
import MIB
import TestSupport
import Testing

/// integrations/prometheus with Debian's prometheus-snmp-exporter 0.21: the
/// shipped snmp.yml is the one its generator makes from generator.yml and the
/// MIB, promtool accepts the rules and the scrape configuration, and the real
/// exporter, scraping a standalone agent on the test world, gives series whose
/// values and labels are the agent's own tables.
@Suite(.serialized, .enabled(if: ConsumerPhase.isOn, "\(ConsumerPhase.reason)"), .enabled(if: PrometheusTools.requirement.shouldRun, "\(PrometheusTools.requirement.skipReason)"))
struct PrometheusTests {
    static let exporter = PrometheusTools.exporter, promtool = PrometheusTools.promtool

    init() throws { try PrometheusTools.requirement.require() }

    @Test func theShippedSnmpYmlIsWhatTheGeneratorMakes() throws {
        let folder = try ScratchFolder()
        let generated = folder.file("snmp.yml")
        let run = try Command.run(Repository.file("scripts/generate-snmp-exporter").path, ["--to", generated.path], timeout: .seconds(60))
        #expect(run.status == 0, "\(run.stderr)")
        let shipped = try String(contentsOf: Repository.file("integrations/prometheus/snmp.yml"), encoding: .utf8)
        #expect(try String(contentsOf: generated, encoding: .utf8) == shipped,
                "integrations/prometheus/snmp.yml is stale: run scripts/generate-snmp-exporter")
    }

    @Test func promtoolAcceptsTheRulesAndTheScrapeConfiguration() throws {
        let rules = try Command.run(Self.promtool, ["check", "rules", Repository.file("integrations/prometheus/virt-agentx-rules.yml").path])
        #expect(rules.status == 0 && rules.stdout.contains("SUCCESS: 6 rules found"), "\(rules.stdout)\(rules.stderr)")
        let config = try Command.run(Self.promtool, ["check", "config", Repository.file("integrations/prometheus/prometheus.yml").path])
        #expect(config.status == 0, "\(config.stdout)\(config.stderr)")
    }

    /// `name{labels} value` lines of the exposition format, for one metric name.
    static func series(_ name: String, in text: String) -> [(labels: [String: String], value: Double)] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix(name + "{"), let close = line.lastIndex(of: "}") else { return nil }
            let labelText = line[line.index(line.startIndex, offsetBy: name.count + 1)..<close]
            var labels: [String: String] = [:]
            for match in labelText.matches(of: #/([A-Za-z_]+)="((?:[^"\\]|\\.)*)"/#) { labels[String(match.1)] = String(match.2) }
            return Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)).map { (labels, $0) }
        }
    }

    @Test func theExporterServesTheAgentsTablesWithNamesAsLabels() throws {
        let world = try ServedWorld(.standalone)
        let port = try TestWorld.freeTCPPort()
        let exporter = try ChildProcess("snmp-exporter", Self.exporter,
                                        ["--config.file=\(Repository.file("integrations/prometheus/snmp.yml").path)",
                                         "--web.listen-address=127.0.0.1:\(port)"],
                                        log: world.folder.appendingPathComponent("exporter.log"))
        defer { exporter.stop() }
        // What Prometheus would fetch (python3's urllib: corelibs Foundation has no HTTP client without FoundationNetworking).
        let url = "http://127.0.0.1:\(port)/snmp?module=virt_agentx&target=\(world.client.target)"
        let fetch = ["-c", "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())", url]
        var text = ""
        #expect(eventually(timeout: .seconds(15)) {
            text = (try? Command.run("/usr/bin/python3", fetch, timeout: .seconds(15)))?.stdout ?? ""
            return text.contains("virtDomainState{")
        }, "the exporter scraped the agent:\n\(exporter.output.suffix(2000))")

        let domains = try world.client.bulkWalk(Subtree.domainEntry).table(VirtAgentxMIB.domainTable)
        let states = Self.series("virtDomainState", in: text)
        #expect(states.count == domains[DomainColumns.name]?.count && !states.isEmpty, "a series per domain: \(states.count)")
        for state in states {
            let index = state.labels["virtDomainIndex"] ?? ""
            #expect(state.labels["virtDomainName"] == domains[DomainColumns.name]?[index]
                    && state.labels["virtDomainUUID"] == domains[DomainColumns.uuid]?[index],
                    "row \(index): the name and UUID as labels: \(state.labels)")
            #expect(domains[DomainColumns.state]?[index] == String(Int(state.value)), "row \(index): the state the agent serves")
        }
        let disks = try world.client.bulkWalk(Subtree.diskEntry).table(VirtAgentxMIB.diskTable)
        let severities = Self.series("virtDiskChainSeverity", in: text)
        #expect(severities.count == disks[DiskColumns.target]?.count && !severities.isEmpty, "a series per disk: \(severities.count)")
        for severity in severities {
            let key = "\(severity.labels["virtDomainIndex"] ?? "").\(severity.labels["virtDiskIndex"] ?? "")"
            #expect(severity.labels["virtDiskTarget"] == disks[DiskColumns.target]?[key]
                    && severity.labels["virtDomainName"] == domains[DomainColumns.name]?[severity.labels["virtDomainIndex"] ?? ""],
                    "disk \(key): its target and domain name as labels: \(severity.labels)")
            #expect(disks[DiskColumns.chainSeverity]?[key] == String(Int(severity.value)), "disk \(key): the chain severity")
        }
        #expect(severities.contains { $0.value >= 4 }, "the test world's broken chains are there to alert on")
        let pools = Self.series("virtPoolCapacity", in: text)
        #expect(!pools.isEmpty && pools.allSatisfy { $0.labels["virtPoolName"]?.isEmpty == false }, "pools by name: \(pools.map(\.labels))")
        #expect(Self.series("virtHostConnectionStatus", in: text).isEmpty == false || text.contains("virtHostConnectionStatus 1"),
                "the host's connection status")
    }
}

/// Debian's Prometheus tools the tests need.
enum PrometheusTools {
    static let exporter = "/usr/bin/prometheus-snmp-exporter", promtool = "/usr/bin/promtool"
    static let requirement = Requirement("the Prometheus tests", unavailableReason: {
        for (path, package) in [(exporter, "prometheus-snmp-exporter"), ("/usr/bin/prometheus-snmp-generator", "prometheus-snmp-exporter"),
                                (promtool, "prometheus")] where !FileManager.default.isExecutableFile(atPath: path) {
            return "\(path) not found: install \(package) (scripts/setup does)"
        }
        return nil
    }())
}
