import Foundation
import MIB
import TestSupport
import Testing

/// integrations/zabbix's template in a real Zabbix 6.0 (Debian's), against a
/// standalone agent on the test world over SNMPv2c: imported through the API,
/// linked to a host, its discovery rules and items run at once by the server:
/// every discovery rule finds the world's rows, no item is unsupported, and the
/// world's broken chains raise their problems.
@Suite(.serialized, .enabled(if: ConsumerPhase.isOn, "\(ConsumerPhase.reason)"), .enabled(if: ZabbixServer.requirement.shouldRun, "\(ZabbixServer.requirement.skipReason)"))
struct ZabbixTests {
    init() throws { try ZabbixServer.requirement.require() }

    @Test func theTemplateImportsDiscoversTheWorldAndRaisesItsProblems() throws {
        let zabbix = try ZabbixServer()
        defer { zabbix.stop() }
        let world = try ServedWorld(.standalone)
        let port = world.client.target.split(separator: ":").last.map(String.init) ?? ""

        let template = try String(contentsOf: Repository.file("integrations/zabbix/virt-agentx-template.yaml"), encoding: .utf8)
        let create = ["createMissing": true, "updateExisting": true]
        let rules: [String: Any] = ["groups": ["createMissing": true], "templates": create, "items": create, "discoveryRules": create,
                                    "triggers": create, "valueMaps": create, "templateLinkage": ["createMissing": true]]
        #expect(try zabbix.call("configuration.import", ["format": "yaml", "rules": rules, "source": template]) as? Bool == true, "import")
        let templateID = try #require(try zabbix.rows("template.get", ["filter": ["host": ["virt-agentx by SNMP"]], "output": ["templateid"]])
            .first?["templateid"] as? String, "the template is there")
        let group = try #require(try zabbix.rows("hostgroup.get", ["output": ["groupid"], "filter": ["name": ["Linux servers"]]]).first?["groupid"])
        let host = try #require((try zabbix.call("host.create", [
            "host": "kvm-test", "groups": [["groupid": group]], "templates": [["templateid": templateID]],
            "interfaces": [["type": 2, "main": 1, "useip": 1, "ip": "127.0.0.1", "dns": "", "port": port,
                            "details": ["version": 2, "bulk": 1, "community": "public"]]],
        ]) as? [String: Any])?["hostids"] as? [String])?.first

        // The discovery rules, at once, then the items they made, at once.
        let rules_ = try zabbix.rows("discoveryrule.get", ["hostids": [host], "output": ["itemid", "key_"]])
        #expect(rules_.count >= 7, "the template's discovery rules: \(rules_.map { $0["key_"] ?? "" })")
        Thread.sleep(forTimeInterval: 3)   // the server's configuration cache takes the new host (CacheUpdateFrequency 1)
        try zabbix.checkNow(rules_.compactMap { $0["itemid"] as? String })
        let domains = try world.client.bulkWalk(Subtree.column(DomainColumns.name)).count
        let disks = try world.client.bulkWalk("\(Subtree.diskEntry).\(DiskColumns.target.subID)").count
        var items: [[String: Any]] = []
        let discovered = eventually(timeout: .seconds(90), every: .seconds(2)) {
            items = (try? zabbix.rows("item.get", ["hostids": [host], "output": ["itemid", "key_", "state", "error", "lastclock", "flags"]])) ?? []
            return items.count { ($0["key_"] as? String)?.hasPrefix("virt.domain.state[") == true } == domains
                && items.count { ($0["key_"] as? String)?.hasPrefix("virt.disk.chain.severity[") == true } == disks
        }
        #expect(discovered, "every domain and disk discovered: \(domains) domains, \(disks) disks, items \(items.count)\n\(zabbix.log.suffix(2000))")
        // Every item checked once: asked again while some have no value, since the server drops a
        // check-now for an item its configuration cache does not have yet.
        let checked = eventually(timeout: .seconds(150), every: .seconds(5)) {
            items = (try? zabbix.rows("item.get", ["hostids": [host], "output": ["itemid", "key_", "state", "error", "lastclock", "type"]])) ?? []
            let pending = items.filter {
                ($0["type"] as? String) != "15" && ($0["state"] as? String) != "1" && ($0["lastclock"] as? String ?? "0") == "0"
            }
            try? zabbix.checkNow(pending.compactMap { $0["itemid"] as? String })
            return !items.isEmpty && pending.isEmpty
        }
        // Calculated items (pool usage) once their SNMP items have values: asked first, they found none.
        try zabbix.checkNow(items.filter { ($0["type"] as? String) == "15" }.compactMap { $0["itemid"] as? String })
        var unsupported: [String] = []
        _ = eventually(timeout: .seconds(30), every: .seconds(2)) {
            items = (try? zabbix.rows("item.get", ["hostids": [host], "output": ["itemid", "key_", "state", "error", "lastclock", "type"]])) ?? items
            unsupported = items.filter { ($0["state"] as? String) == "1" }.map { "\($0["key_"] ?? ""): \($0["error"] ?? "")" }
            return unsupported.isEmpty
        }
        #expect(checked && unsupported.isEmpty, "\(items.count) items, unsupported: \(unsupported)")

        // What the agent's own tables say should fire: a High problem per broken chain (severity
        // critical(4)) and per crashed domain, a Warning per chain that needs attention (warning(3)).
        let severities = try world.client.bulkWalk("\(Subtree.diskEntry).\(DiskColumns.chainSeverity.subID)").map(\.value)
            + (try world.client.bulkWalk("\(Subtree.root).1.7.1.\(VolumeColumns.chainSeverity.subID)").map(\.value))
        let crashed = try world.client.bulkWalk(Subtree.column(DomainColumns.state)).count { $0.value == "6" }
        let expected = (high: severities.count { $0 == "4" } + crashed, warning: severities.count { $0 == "3" })
        var problems: [[String: Any]] = []
        let fired = eventually(timeout: .seconds(60), every: .seconds(2)) {
            problems = (try? zabbix.rows("problem.get", ["hostids": [host], "output": ["name", "severity", "opdata"]])) ?? []
            return problems.count { ($0["severity"] as? String) == "4" } == expected.high
                && problems.count { ($0["severity"] as? String) == "2" } == expected.warning
        }
        #expect(fired && problems.count == expected.high + expected.warning && expected.high > 0,
                "the world's chains and crashed domain raise \(expected) problems, and nothing else: \(problems.map { "\($0["severity"] ?? "") \($0["name"] ?? "")" })")
        print("Zabbix: \(items.count) items, \(unsupported.count) unsupported, \(problems.count) problems:",
              problems.map { "\($0["severity"] ?? "") \($0["name"] ?? "")" }.sorted())
    }
}
