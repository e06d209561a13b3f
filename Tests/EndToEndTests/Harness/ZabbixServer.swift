import Foundation
import TestSupport
import Testing

/// A private Zabbix 6.0 from Debian's packages (scripts/lib/zabbix-server.sh):
/// PostgreSQL, zabbix_server and the frontend on loopback, in a scratch
/// folder; stopped by PID when done with (`stop()`, or when this object dies).
final class ZabbixServer {
    static let requirement = Requirement("the Zabbix tests", unavailableReason: {
        for (path, package) in [("/usr/sbin/zabbix_server", "zabbix-server-pgsql"), ("/usr/share/zabbix/api_jsonrpc.php", "zabbix-frontend-php"),
                                ("/usr/bin/php", "php8.2-cli"), ("/usr/lib/postgresql/15/bin/initdb", "postgresql-15")]
        where !FileManager.default.fileExists(atPath: path) {
            return "\(path) not found: install \(package) (scripts/setup does)"
        }
        return getuid() == 0 ? nil : "needs root: the database runs as the postgres user"
    }())

    let folder: ScratchFolder
    let apiURL: String
    /// The network namespace it runs in (nil: the test's own), and the port proxies send to.
    let namespace: String?
    let trapperPort: Int
    private var running = true

    /// `namespace`: run it there (its loopback; the API is called there too), also
    /// listening on `listenIP` for proxies in other namespaces.
    init(namespace: String? = nil, listenIP: String? = nil) throws {
        try Self.requirement.require()
        self.namespace = namespace
        folder = try ScratchFolder(prefix: "virt-agentx-zabbix")
        let script = Repository.file("scripts/lib/zabbix-server.sh").path
        let start = try Self.run(in: namespace, script, ["start", folder.path], timeout: .seconds(240),
                                 environment: listenIP.map { ["ZABBIX_EXTRA_LISTEN_IP": $0] } ?? [:])
        guard start.status == 0 else {
            _ = try? Self.run(in: namespace, script, ["stop", folder.path])
            throw HarnessError("Zabbix did not start: \(start.stderr)")
        }
        apiURL = try String(contentsOf: folder.file("api-url"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        trapperPort = Int(try String(contentsOf: folder.file("trapper-port"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    deinit { stop() }

    func stop() {
        guard running else { return }
        running = false
        _ = try? Self.run(in: namespace, Repository.file("scripts/lib/zabbix-server.sh").path, ["stop", folder.path], timeout: .seconds(60))
    }

    private static func run(in namespace: String?, _ tool: String, _ arguments: [String], timeout: Duration = .seconds(20),
                            environment: [String: String] = [:]) throws -> Command {
        guard let namespace else { return try Command.run(tool, arguments, timeout: timeout, environment: environment) }
        return try Command.run("/usr/sbin/ip", ["netns", "exec", namespace, tool] + arguments, timeout: timeout, environment: environment)
    }

    /// One JSON-RPC call as Admin; its result.
    func call(_ method: String, _ params: Any) throws -> Any {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: params), as: UTF8.self)
        let run = try Self.run(in: namespace, "/usr/bin/python3", [Repository.file("scripts/lib/zabbix-api.py").path, apiURL, method, json],
                               timeout: .seconds(180))
        guard run.status == 0 else { throw HarnessError("Zabbix \(method): \(run.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8), options: [.fragmentsAllowed])
    }

    /// A `*.get` call's rows.
    func rows(_ method: String, _ params: [String: Any]) throws -> [[String: Any]] {
        try call(method, params) as? [[String: Any]] ?? []
    }

    /// Asks the server to check `itemids` now (items and discovery rules alike).
    func checkNow(_ itemids: [String]) throws {
        for batch in stride(from: 0, to: itemids.count, by: 100).map({ Array(itemids[$0..<min($0 + 100, itemids.count)]) }) {
            _ = try call("task.create", batch.map { ["type": 6, "request": ["itemid": $0]] })
        }
    }

    /// The server's log, for failure messages.
    var log: String { (try? String(contentsOf: folder.file("zabbix_server.log"), encoding: .utf8)) ?? "" }
}

/// What a Zabbix admin does through the API, as the tests do it.
extension ZabbixServer {
    static let templateName = "virt-agentx by SNMP"

    /// Imports integrations/zabbix's template, creating and updating everything in it.
    func importTemplate() throws -> Bool {
        let template = try String(contentsOf: Repository.file("integrations/zabbix/virt-agentx-template.yaml"), encoding: .utf8)
        let create = ["createMissing": true, "updateExisting": true]
        let rules: [String: Any] = ["groups": ["createMissing": true], "templates": create, "items": create, "discoveryRules": create,
                                    "triggers": create, "valueMaps": create, "templateLinkage": ["createMissing": true]]
        return try call("configuration.import", ["format": "yaml", "rules": rules, "source": template]) as? Bool == true
    }

    /// A host on `target` (host:port) linked to the template; `snmp` is the interface's
    /// `details` (version, community or v3 security). Its id.
    func createHost(_ name: String, target: String, snmp: [String: Any], macros: [String: String] = [:],
                    proxy: String? = nil) throws -> String {
        let templateID = try #require(try rows("template.get", ["filter": ["host": [Self.templateName]], "output": ["templateid"]])
            .first?["templateid"] as? String, "the template is there")
        let group = try #require(try rows("hostgroup.get", ["output": ["groupid"], "filter": ["name": ["Linux servers"]]]).first?["groupid"])
        let address = target.split(separator: ":")
        let created = try call("host.create", [
            "host": name, "groups": [["groupid": group]], "templates": [["templateid": templateID]],
            "interfaces": [["type": 2, "main": 1, "useip": 1, "ip": String(address[0]), "dns": "", "port": String(address[1]),
                            "details": snmp.merging(["bulk": 1]) { a, _ in a }]],
            "macros": macros.map { ["macro": $0.key, "value": $0.value] },
        ].merging(proxy.map { ["proxy_hostid": $0] } ?? [:]) { a, _ in a }) as? [String: Any]
        return try #require((created?["hostids"] as? [String])?.first, "host \(name) created")
    }

    /// The host's items, with what the checks read.
    func items(of host: String) throws -> [ZabbixItem] {
        try rows("item.get", ["hostids": [host], "output": ["itemid", "key_", "state", "error", "lastclock", "lastvalue", "type", "snmp_oid"]])
            .map(ZabbixItem.init)
    }

    /// The host's open problems.
    func problems(of host: String) throws -> [ZabbixProblem] {
        try rows("problem.get", ["hostids": [host], "output": ["eventid", "name", "severity", "opdata"]]).map(ZabbixProblem.init)
    }

    /// Runs the host's discovery rules at once and waits until `discovered` holds of its items.
    func discover(_ host: String, timeout: Duration = .seconds(90), until discovered: ([ZabbixItem]) -> Bool) throws -> [ZabbixItem] {
        let rules = try rows("discoveryrule.get", ["hostids": [host], "output": ["itemid"]]).compactMap { $0["itemid"] as? String }
        try checkNow(rules)
        var items: [ZabbixItem] = []
        var asked = ContinuousClock.now
        _ = eventually(timeout: timeout, every: .seconds(2)) {
            items = (try? self.items(of: host)) ?? items
            if discovered(items) { return true }
            // A check-now for a rule the configuration cache does not have yet is dropped: ask again.
            if ContinuousClock.now - asked > .seconds(15) { try? checkNow(rules); asked = .now }
            return false
        }
        return items
    }

    /// Checks every item of the host at once until each has a value newer than `since`
    /// (or is unsupported, unless `retryUnsupported`: an item the scheduler checked while
    /// the agent was away is asked again); then the calculated items, once their inputs
    /// have values: one the scheduler ran before them is unsupported ("not enough data")
    /// and asked again.
    func checkAll(_ host: String, since: Date, retryUnsupported: Bool = false, timeout: Duration = .seconds(150)) throws -> [ZabbixItem] {
        let stamp = Int(since.timeIntervalSince1970)
        var items: [ZabbixItem] = []
        let phases: [(ZabbixItem) -> Bool] = [
            { !$0.isCalculated && (retryUnsupported || !$0.isUnsupported) && $0.lastClock < stamp },
            { $0.isCalculated && ($0.isUnsupported || $0.lastClock < stamp) },
        ]
        for waiting in phases {
            var asked = ContinuousClock.now - .seconds(60)
            _ = eventually(timeout: timeout, every: .seconds(3)) {
                items = (try? self.items(of: host)) ?? items
                let pending = items.filter(waiting)
                if ContinuousClock.now - asked > .seconds(10) { try? checkNow(pending.map(\.id)); asked = .now }
                return !items.isEmpty && pending.isEmpty
            }
        }
        return items
    }
}

struct ZabbixItem {
    var id: String, key: String, error: String, lastValue: String, snmpOID: String
    var isUnsupported: Bool, isCalculated: Bool, lastClock: Int

    init(_ row: [String: Any]) {
        id = row["itemid"] as? String ?? ""
        key = row["key_"] as? String ?? ""
        error = row["error"] as? String ?? ""
        lastValue = row["lastvalue"] as? String ?? ""
        snmpOID = row["snmp_oid"] as? String ?? ""
        isUnsupported = row["state"] as? String == "1"
        isCalculated = row["type"] as? String == "15"
        lastClock = Int(row["lastclock"] as? String ?? "0") ?? 0
    }

    /// The item key's parameters: `virt.disk.chain.severity[uuid,vda]` -> ["uuid", "vda"].
    var parameters: [String] {
        guard let open = key.firstIndex(of: "["), key.hasSuffix("]") else { return [] }
        return key[key.index(after: open)..<key.index(before: key.endIndex)].split(separator: ",").map {
            String($0).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
    }

    func hasKey(_ prefix: String) -> Bool { key.hasPrefix(prefix + "[") }
}

struct ZabbixProblem: CustomStringConvertible {
    /// Zabbix's severities: 2 warning, 3 average, 4 high.
    var name: String, severity: Int, opdata: String

    init(_ row: [String: Any]) {
        name = row["name"] as? String ?? ""
        severity = Int(row["severity"] as? String ?? "") ?? -1
        opdata = row["opdata"] as? String ?? ""
    }

    var description: String { "\(severity) \(name) [\(opdata)]" }
}
