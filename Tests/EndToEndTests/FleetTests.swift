import Foundation
import TestSupport
import Testing

/// A fleet of hypervisors across network namespaces (Harness/Fleet.swift),
/// watched the way many hosts are: one Prometheus and one SNMP exporter in the
/// manager namespace, the shipped scrape configuration (multi-target, targets
/// from a file) pointed at every host. Each host's domains arrive under its own
/// `instance` with their own names and UUIDs, each host's broken chains on that
/// host only, and a host whose agent stops goes down while the others stay up.
@Suite(.serialized, .enabled(if: ConsumerPhase.isOn, "\(ConsumerPhase.reason)"),
       .enabled(if: PrometheusTools.requirement.shouldRun, "\(PrometheusTools.requirement.skipReason)"),
       .enabled(if: Fleet.requirement.shouldRun, "\(Fleet.requirement.skipReason)"))
struct FleetTests {
    init() throws {
        try PrometheusTools.requirement.require()
        try Fleet.requirement.require()
    }

    @Test func prometheusScrapesEveryHostThroughOneExporterWithItsOwnLabels() throws {
        let fleet = try Fleet(hosts: 3)
        defer { fleet.stop() }
        // The shipped configuration, as an admin would install it: its rules and
        // exporter address as they are, the hypervisors in a targets file, and a
        // short interval so that the test is quick.
        let folder = fleet.folder.url
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("targets"), withIntermediateDirectories: true)
        let shipped = try String(contentsOf: Repository.file("integrations/prometheus/prometheus.yml"), encoding: .utf8)
        try shipped.replacingOccurrences(of: "scrape_interval: 60s", with: "scrape_interval: 2s")
            .write(to: folder.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: Repository.file("integrations/prometheus/virt-agentx-rules.yml"),
                                         to: folder.appendingPathComponent("virt-agentx-rules.yml"))
        let targets = "- targets: [\(fleet.hosts.map { "'\($0.target)'" }.joined(separator: ", "))]\n  labels:\n    site: test\n"
        try targets.write(to: folder.appendingPathComponent("targets/fleet.yml"), atomically: true, encoding: .utf8)

        let exporter = try fleet.managerProcess("snmp-exporter", PrometheusTools.exporter,
                                                ["--config.file=\(Repository.file("integrations/prometheus/snmp.yml").path)",
                                                 "--web.listen-address=127.0.0.1:9116"])
        defer { _ = exporter.stop() }
        let prometheus = try fleet.managerProcess("prometheus", "/usr/bin/prometheus",
                                                  ["--config.file=\(folder.appendingPathComponent("prometheus.yml").path)",
                                                   "--storage.tsdb.path=\(folder.appendingPathComponent("tsdb").path)",
                                                   "--web.listen-address=127.0.0.1:9090"])
        defer { _ = prometheus.stop() }

        /// An instant query's series: their labels and values.
        func query(_ expression: String) -> [(labels: [String: String], value: Double)] {
            let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? expression
            guard let text = fleet.fetch("http://127.0.0.1:9090/api/v1/query?query=\(encoded)"),
                  let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]] else { return [] }
            return result.compactMap { series in
                guard let labels = series["metric"] as? [String: String], let value = series["value"] as? [Any],
                      let text = value.last as? String, let number = Double(text) else { return nil }
                return (labels, number)
            }
        }
        func perInstance(_ expression: String) -> [String: Int] {
            Dictionary(query(expression).compactMap { series in series.labels["instance"].map { ($0, Int(series.value)) } }) { a, _ in a }
        }

        let domains = Dictionary(uniqueKeysWithValues: fleet.hosts.map { ($0.target, $0.domains) })
        var counted: [String: Int] = [:]
        let scraped = eventually(timeout: .seconds(60), every: .seconds(1)) {
            counted = perInstance("count by (instance) (virtDomainState)")
            return counted == domains
        }
        #expect(scraped, "every host's domains under its own instance: \(counted), expected \(domains)\n\(prometheus.output.suffix(1500))\n\(exporter.output.suffix(1500))")

        let states = query("virtDomainState")
        for host in fleet.hosts {
            let names = states.filter { $0.labels["instance"] == host.target }.compactMap { $0.labels["virtDomainName"] }
            #expect(names.count == host.domains && names.allSatisfy { $0.hasPrefix(host.prefix) },
                    "\(host.target) serves its own domains: \(names.sorted())")
        }
        let uuids = Set(states.compactMap { $0.labels["virtDomainUUID"] })
        #expect(uuids.count == domains.values.reduce(0, +), "a domain UUID is unique across the fleet: \(uuids.count)")
        #expect(states.allSatisfy { $0.labels["site"] == "test" }, "the targets file's labels are on every series")

        let broken = Dictionary(uniqueKeysWithValues: fleet.hosts.map { ($0.target, $0.brokenChains) })
        var brokenSeen: [String: Int] = [:]
        #expect(eventually(timeout: .seconds(20), every: .seconds(1)) {
            brokenSeen = perInstance("count by (instance) (virtDiskChainSeverity >= 4)")
            return brokenSeen == broken
        }, "each host's broken chains on that host only: \(brokenSeen), expected \(broken)")

        // A host whose agent stops is down; the others stay up.
        let stopped = fleet.hosts[1].target
        fleet.stopAgent(of: 1)
        var up: [String: Int] = [:]
        #expect(eventually(timeout: .seconds(30), every: .seconds(1)) {
            up = perInstance("up{job=\"virt-agentx\"}")
            return up[stopped] == 0 && fleet.hosts.filter { $0.target != stopped }.allSatisfy { up[$0.target] == 1 }
        }, "only \(stopped) down: \(up)")
    }
}
