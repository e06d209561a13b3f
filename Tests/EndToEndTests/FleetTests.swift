import Foundation
import TestSupport
import Testing

/// A fleet of hypervisors across network namespaces (Harness/Fleet.swift),
/// watched the way many hosts are. Prometheus: one Prometheus and one SNMP
/// exporter in the manager namespace, the shipped scrape configuration
/// (multi-target, targets from a file) pointed at every host. Zabbix: a proxy
/// in the manager namespace polls every host (snmpd with the agent, SNMPv3)
/// and forwards to a Zabbix server in a namespace of its own. Each host's
/// domains arrive under that host with their own names and UUIDs, each host's
/// broken chains on that host only, and a host whose agent stops goes down
/// while the others stay up.
@Suite(.serialized, .enabled(if: ConsumerPhase.isOn, "\(ConsumerPhase.reason)"),
       .enabled(if: Fleet.requirement.shouldRun, "\(Fleet.requirement.skipReason)"))
struct FleetTests {
    init() throws { try Fleet.requirement.require() }

    @Test(.enabled(if: PrometheusTools.requirement.shouldRun, "\(PrometheusTools.requirement.skipReason)"))
    func prometheusScrapesEveryHostThroughOneExporterWithItsOwnLabels() throws {
        try PrometheusTools.requirement.require()
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

    @Test(.enabled(if: ZabbixServer.requirement.shouldRun, "\(ZabbixServer.requirement.skipReason)"),
          .enabled(if: Self.proxy.shouldRun, "\(Self.proxy.skipReason)"))
    func aZabbixProxyPollsEveryHostAndForwardsItsOwnProblems() throws {
        try Self.proxy.require()
        let fleet = try Fleet(hosts: 3, behindSNMPD: true, withServer: true)
        defer { fleet.stop() }
        let zabbix = try ZabbixServer(namespace: fleet.server, listenIP: Fleet.serverAddress)
        defer { zabbix.stop() }
        #expect(try zabbix.importTemplate(), "the template imports")
        let created = try zabbix.call("proxy.create", ["host": "fleet-proxy", "status": 5]) as? [String: Any]   // active
        let proxyID = try #require((created?["proxyids"] as? [String])?.first, "the proxy is defined")

        let folder = fleet.folder.url
        let run = folder.appendingPathComponent("proxy-run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("zabbix_proxy.conf")
        try """
            ProxyMode=0
            Server=\(Fleet.serverAddress):\(zabbix.trapperPort)
            Hostname=fleet-proxy
            DBName=\(folder.appendingPathComponent("proxy.db").path)
            LogFile=\(folder.appendingPathComponent("zabbix_proxy.log").path)
            PidFile=\(run.appendingPathComponent("zabbix_proxy.pid").path)
            SocketDir=\(run.path)
            ListenIP=127.0.0.1
            AllowRoot=1
            ConfigFrequency=2
            DataSenderFrequency=1
            StartPollers=4
            StartPollersUnreachable=1
            Timeout=4

            """.write(to: config, atomically: true, encoding: .utf8)
        let proxy = try fleet.managerProcess("zabbix-proxy", Self.proxyBinary, ["-f", "-c", config.path])
        defer { _ = proxy.stop() }
        let proxyLog = { (try? String(contentsOf: folder.appendingPathComponent("zabbix_proxy.log"), encoding: .utf8)) ?? "" }

        let macros = ["{$VIRT.NODATA.TIMEOUT}": ZabbixTests.nodataTimeout, "{$VIRT.HEARTBEAT.INTERVAL}": ZabbixTests.heartbeatInterval]
        var ids: [String] = []
        for (position, host) in fleet.hosts.enumerated() {
            let client = fleet.client(of: position)
            #expect(eventually(timeout: .seconds(20)) { (try? client.get([Subtree.connectionStatus]))?.first?.value == "1" },
                    "h\(host.number) serves through its snmpd")
            ids.append(try zabbix.createHost("kvm-h\(host.number)", target: host.target, snmp: [
                "version": 3, "securityname": "virtmonitor", "securitylevel": 2, "contextname": "",
                "authprotocol": 3, "authpassphrase": DeploymentSnippetTests.auth,
                "privprotocol": 1, "privpassphrase": DeploymentSnippetTests.privacy,
            ], macros: macros, proxy: proxyID))
        }
        Thread.sleep(forTimeInterval: 5)   // the server's cache, then the proxy's configuration (every 2 s)

        var problemsOf: [String: [ZabbixProblem]] = [:]
        for (position, host) in fleet.hosts.enumerated() {
            let truth = try AgentTables(fleet.client(of: position))
            #expect(truth.domains.values.allSatisfy { $0.name.hasPrefix(host.prefix) } && truth.domains.count == host.domains,
                    "h\(host.number)'s own world: \(truth.domains.values.map(\.name).sorted())")
            let items = try zabbix.discover(ids[position], timeout: .seconds(120)) { truth.discovered(by: $0).isEmpty }
            #expect(truth.discovered(by: items).isEmpty, "h\(host.number) through the proxy: \(truth.discovered(by: items))\n\(proxyLog().suffix(2000))")
            #expect(truth.keyedOnUUIDs(items).isEmpty, "h\(host.number): items on its own domains' UUIDs only: \(truth.keyedOnUUIDs(items))")
            let checked = try zabbix.checkAll(ids[position], since: Date(timeIntervalSince1970: 1))
            let unsupported = checked.filter(\.isUnsupported).map { "\($0.key): \($0.error)" }
            #expect(unsupported.isEmpty, "h\(host.number): \(checked.count) items, unsupported: \(unsupported)")
            let expected = truth.expectedProblems
            #expect(expected.count == host.brokenChains, "h\(host.number)'s world has \(host.brokenChains) broken chains: \(expected)")
            var problems: [ZabbixProblem] = []
            let fired = eventually(timeout: .seconds(60), every: .seconds(2)) {
                problems = (try? zabbix.problems(of: ids[position])) ?? []
                return problems.map(\.digest).sorted() == expected.map(\.digest).sorted()
            }
            #expect(fired, "h\(host.number): its own problems \(expected.map(\.digest).sorted()), and nothing else: \(problems)")
            problemsOf[host.target] = problems
            print("Zabbix fleet h\(host.number): \(checked.count) items, \(unsupported.count) unsupported, \(problems.count) problems")
        }

        // The proxy's queue drains: everything it collected has gone to the server.
        #expect(eventually(timeout: .seconds(30), every: .seconds(1)) { Self.unsentValues(in: folder.appendingPathComponent("proxy.db")) == 0 },
                "the proxy's history is sent: \(Self.unsentValues(in: folder.appendingPathComponent("proxy.db")) ?? -1) values left")

        // h2's agent stops: its agent-down problem, and none on the others.
        let agentDown = "virt-agentx: no data from the agent for \(ZabbixTests.nodataTimeout)"
        fleet.stopAgent(of: 1)
        var now: [String: [ZabbixProblem]] = [:]
        let down = eventually(timeout: .seconds(150), every: .seconds(3)) {
            for (position, host) in fleet.hosts.enumerated() { now[host.target] = (try? zabbix.problems(of: ids[position])) ?? [] }
            return now[fleet.hosts[1].target, default: []].contains { $0.name == agentDown }
        }
        #expect(down, "h2's agent stopped: \(now[fleet.hosts[1].target, default: []])")
        for host in [fleet.hosts[0], fleet.hosts[2]] {
            #expect(!now[host.target, default: []].contains { $0.name == agentDown }, "\(host.target) stays up")
        }
    }

    /// Debian's proxy, unpacked by scripts/setup (its package conflicts with the server's).
    static let proxyBinary = "/var/cache/virt-agentx/zabbix-proxy-sqlite3/usr/sbin/zabbix_proxy"
    static let proxy = Requirement("the Zabbix proxy fleet test", unavailableReason:
        FileManager.default.isExecutableFile(atPath: proxyBinary) ? nil
            : "\(proxyBinary) not found: scripts/setup unpacks zabbix-proxy-sqlite3 there")

    /// Values in the proxy's history not yet sent to the server (nil: unreadable).
    static func unsentValues(in database: URL) -> Int? {
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], timeout=5)
            last = db.execute("select nextid from ids where table_name='proxy_history' and field_name='history_lastid'").fetchone()
            print(db.execute("select count(*) from proxy_history where id > ?", (last[0] if last else 0,)).fetchone()[0])
            """
        guard let run = try? Command.run("/usr/bin/python3", ["-c", script, database.path], timeout: .seconds(15)),
              run.status == 0 else { return nil }
        return Int(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
