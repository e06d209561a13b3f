import Foundation
import MIB
import TestSupport
import Testing

/// integrations/zabbix's template in a real Zabbix 6.0 (Debian's), as an admin
/// would use it: imported through the API and linked to two hosts, one per
/// deployment -- the agent standalone over SNMPv2c, and the agent behind snmpd
/// over SNMPv3 authPriv (the snippet's user) -- on a world of the test's own.
/// Every discovery rule finds the world's rows, keyed on UUIDs; no item is
/// unsupported; the world's problems fire at their severities with their detail
/// as operational data; a repaired image resolves its problem; indexes shifted
/// by a restart do not move an item to another domain; a stopped agent raises
/// its agent-down problem and no other host's.
@Suite(.serialized, .enabled(if: ConsumerPhase.isOn, "\(ConsumerPhase.reason)"), .enabled(if: ZabbixServer.requirement.shouldRun, "\(ZabbixServer.requirement.skipReason)"))
struct ZabbixTests {
    init() throws { try ZabbixServer.requirement.require() }

    /// Short enough for a test, and what an admin sets per host: `nodata()` takes 30 s at least.
    static let nodataTimeout = "30s", heartbeatInterval = "5s"

    @Test func bothDeploymentsFromImportToAgentDown() throws {
        let zabbix = try ZabbixServer()
        defer { zabbix.stop() }
        let scratch = try ScratchFolder()
        defer { withExtendedLifetime(scratch) {} }   // removed only after the agents and snmpd stopped
        let uri = try MadeWorld.make(in: scratch.url.appendingPathComponent("world"))
        let images = scratch.url.appendingPathComponent("world/images")
        let extra = ["--poll-interval", "5"]

        // Standalone, SNMPv2c.
        let standaloneFolder = scratch.url.appendingPathComponent("standalone")
        try FileManager.default.createDirectory(at: standaloneFolder, withIntermediateDirectories: true)
        let port = try TestWorld.freeUDPPort()
        let standalone = try AgentProcess(folder: standaloneFolder, uri: uri, listenPort: port, extra: extra)
        let v2c = SNMPClient(target: "127.0.0.1:\(port)")
        try standalone.waitUntilServing(v2c)
        // Behind snmpd, SNMPv3 authPriv as integrations/snmpd's user.
        let agentxFolder = scratch.url.appendingPathComponent("agentx")
        try FileManager.default.createDirectory(at: agentxFolder, withIntermediateDirectories: true)
        let master = try SNMPMaster(folder: agentxFolder, access: try DeploymentSnippetTests.access())
        defer { master.stop() }
        var behindSNMPD = try AgentProcess(folder: agentxFolder, uri: uri, socket: master.socket, extra: extra)
        let v3 = SNMPClient(target: master.target, user: ("virtmonitor", DeploymentSnippetTests.auth, DeploymentSnippetTests.privacy))
        try behindSNMPD.waitUntilServing(v3)

        #expect(try zabbix.importTemplate(), "the template imports")
        let macros = ["{$VIRT.NODATA.TIMEOUT}": Self.nodataTimeout, "{$VIRT.HEARTBEAT.INTERVAL}": Self.heartbeatInterval]
        let hosts = [
            Host(name: "kvm-v2c", client: v2c, id: try zabbix.createHost("kvm-v2c", target: v2c.target, snmp: [
                "version": 2, "community": "public"], macros: macros)),
            Host(name: "kvm-v3", client: v3, id: try zabbix.createHost("kvm-v3", target: v3.target, snmp: [
                "version": 3, "securityname": "virtmonitor", "securitylevel": 2, "contextname": "",
                "authprotocol": 3, "authpassphrase": DeploymentSnippetTests.auth,   // SHA-256
                "privprotocol": 1, "privpassphrase": DeploymentSnippetTests.privacy, // AES-128
            ], macros: macros)),
        ]
        Thread.sleep(forTimeInterval: 3)   // the server's configuration cache takes the new hosts (CacheUpdateFrequency 1)

        // Discovery, every item, the problems: the same for both deployments.
        var itemsBefore: [String: [ZabbixItem]] = [:]
        for host in hosts {
            let truth = try AgentTables(host.client)
            let items = try zabbix.discover(host.id) { truth.discovered(by: $0).isEmpty }
            #expect(truth.discovered(by: items).isEmpty, "\(host.name): \(truth.discovered(by: items))\n\(zabbix.log.suffix(2000))")
            #expect(truth.keyedOnUUIDs(items).isEmpty, "\(host.name): items not keyed on UUIDs: \(truth.keyedOnUUIDs(items))")
            let checked = try zabbix.checkAll(host.id, since: Date(timeIntervalSince1970: 1))
            let unsupported = checked.filter(\.isUnsupported).map { "\($0.key): \($0.error)" }
            #expect(unsupported.isEmpty, "\(host.name): \(checked.count) items, unsupported: \(unsupported)")
            itemsBefore[host.name] = checked

            let expected = truth.expectedProblems
            var problems: [ZabbixProblem] = []
            let fired = eventually(timeout: .seconds(60), every: .seconds(2)) {
                problems = (try? zabbix.problems(of: host.id)) ?? []
                return problems.map(\.digest).sorted() == expected.map(\.digest).sorted()
            }
            #expect(fired, "\(host.name): the world's problems \(expected.map(\.digest).sorted()), and nothing else: \(problems)")
            print("Zabbix \(host.name): \(checked.count) items, \(unsupported.count) unsupported, \(problems.count) problems:",
                  problems.map(\.description).sorted())
        }

        // A repaired image: recreate the backing file that had gone; the agent's next poll
        // sees a healthy chain and the problem resolves, on both hosts.
        let missing = try Command.run("qemu-img", ["create", "-q", "-f", "qcow2", images.appendingPathComponent("gone.qcow2").path, "1G"])
        #expect(missing.status == 0, "qemu-img create: \(missing.stderr)")
        Thread.sleep(forTimeInterval: 6)   // a poll of the agents (every 5 s)
        for host in hosts {
            let expected = try AgentTables(host.client).expectedProblems
            #expect(!expected.contains { $0.name.contains("backup/vda") }, "\(host.name): the agent sees backup/vda repaired")
            let chainItems = try zabbix.items(of: host.id).filter { $0.key.hasPrefix("virt.disk.chain.") }
            var problems: [ZabbixProblem] = []
            let resolved = eventually(timeout: .seconds(60), every: .seconds(3)) {
                try? zabbix.checkNow(chainItems.map(\.id))
                problems = (try? zabbix.problems(of: host.id)) ?? []
                return problems.map(\.digest).sorted() == expected.map(\.digest).sorted()
            }
            #expect(resolved, "\(host.name): the repaired chain's problem resolves: \(problems)")
        }

        // Indexes shifted: the agent behind snmpd restarts with its domains' indexes reversed
        // (a lost state folder does as much). Items keyed on UUIDs follow their domain:
        // the same items, now reading the new index, each with its own domain's value.
        let v3Host = hosts[1]
        _ = behindSNMPD.process.stop()
        let shifted = try Self.reverseDomainIndexes(in: agentxFolder.appendingPathComponent("state/row-indexes.json"))
        behindSNMPD = try AgentProcess(folder: agentxFolder, uri: uri, socket: master.socket, extra: extra)
        try behindSNMPD.waitUntilServing(v3)
        let truth = try AgentTables(v3)
        #expect(truth.domains.count == shifted && shifted > 1, "every domain moved: \(truth.domains)")
        let followed = try zabbix.discover(v3Host.id) { items in
            items.filter { $0.hasKey("virt.domain.memory") }.allSatisfy { truth.domainIndex(ofUUID: $0.parameters.first) == $0.snmpOID.split(separator: ".").last.map(String.init) }
        }
        #expect(Set(followed.map(\.id)) == Set(itemsBefore[v3Host.name, default: []].map(\.id)),
                "the same items, none new, none lost")
        // Values read since the discovery moved the items (before it, an item still reads the old index).
        let after = try zabbix.checkAll(v3Host.id, since: Date(), retryUnsupported: true)
        for item in after where item.hasKey("virt.domain.memory") {
            let domain = try #require(truth.domains.values.first { $0.uuid == item.parameters.first }, "\(item.key)")
            #expect(item.lastValue == String(domain.memoryKiB * 1024), "\(item.key) reads its own domain's memory, \(domain.name)'s")
        }
        #expect(after.filter(\.isUnsupported).isEmpty, "after the shift: \(after.filter(\.isUnsupported).map { "\($0.key): \($0.error)" })")

        // An agent stops: its host raises the agent-down problem, the other host does not;
        // then the other stops too (behind snmpd, snmpd itself still answers).
        let agentDown = "virt-agentx: no data from the agent for \(Self.nodataTimeout)"
        _ = standalone.process.stop()
        var problems: [String: [ZabbixProblem]] = [:]
        let down = eventually(timeout: .seconds(150), every: .seconds(3)) {
            for host in hosts { problems[host.name] = (try? zabbix.problems(of: host.id)) ?? [] }
            return problems["kvm-v2c", default: []].contains { $0.name == agentDown && $0.severity == 4 }
        }
        #expect(down, "the standalone agent stopped: \(problems["kvm-v2c", default: []])")
        #expect(!problems["kvm-v3", default: []].contains { $0.name == agentDown }, "the other host stays up")
        _ = behindSNMPD.process.stop()
        let subagentDown = eventually(timeout: .seconds(150), every: .seconds(3)) {
            (try? zabbix.problems(of: v3Host.id))?.contains { $0.name == agentDown } == true
        }
        #expect(subagentDown, "the subagent behind snmpd stopped: \((try? zabbix.problems(of: v3Host.id)) ?? [])")
    }

    struct Host { var name: String, client: SNMPClient, id: String }

    /// Rewrites the saved row indexes so the domains' order is reversed; the number of domains.
    static func reverseDomainIndexes(in file: URL) throws -> Int {
        var saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        var domains = try #require(saved["domains"] as? [String: Any])
        let assigned = try #require(domains["assigned"] as? [String: Int])
        let order = assigned.sorted { $0.value < $1.value }.map(\.key)
        domains["assigned"] = Dictionary(uniqueKeysWithValues: zip(order.reversed(), order.map { assigned[$0]! }))
        saved["domains"] = domains
        try JSONSerialization.data(withJSONObject: saved).write(to: file)
        return order.count
    }
}

/// The agent's own tables, read over SNMP: what Zabbix should find there.
struct AgentTables {
    struct DomainRow { var name: String, uuid: String, state: String, reason: String, memoryKiB: Int }
    struct ChainRow { var owner: String, severity: String, health: String, detail: String, path: String }

    var domains: [String: DomainRow] = [:]
    var disks: [String: ChainRow] = [:]
    var volumes: [String: ChainRow] = [:]
    /// Rows per item key the template discovers, for the tables counted as they are.
    var rows: [String: Int] = [:]
    var layerSources: Set<String> = []

    init(_ client: SNMPClient) throws {
        let root = Subtree.root
        let domain = try client.bulkWalk(Subtree.domainEntry).table(Subtree.domainEntry)
        for (index, name) in domain[2] ?? [:] {
            domains[index] = DomainRow(name: name, uuid: domain[3]?[index] ?? "", state: domain[4]?[index] ?? "",
                                       reason: domain[6]?[index] ?? "", memoryKiB: Int(domain[10]?[index] ?? "") ?? -1)
        }
        let disk = try client.bulkWalk(Subtree.diskEntry).table(Subtree.diskEntry)
        for (index, target) in disk[2] ?? [:] where disk[5]?[index] != "6" {   // none: an empty drive, filtered out
            let owner = domains[String(index.split(separator: ".")[0])]?.name ?? "?"
            disks[index] = ChainRow(owner: "\(owner)/\(target)", severity: disk[19]?[index] ?? "", health: disk[18]?[index] ?? "",
                                    detail: disk[20]?[index] ?? "", path: disk[6]?[index] ?? "")
        }
        layerSources = Set(try client.bulkWalk("\(Subtree.layerEntry).2").map(\.value))
        let pools = try client.bulkWalk("\(Subtree.poolEntry).2").table(Subtree.poolEntry)[2] ?? [:]
        let volume = try client.bulkWalk(Subtree.volumeEntry).table(Subtree.volumeEntry)
        for (index, name) in volume[2] ?? [:] {
            volumes[index] = ChainRow(owner: "\(pools[String(index.split(separator: ".")[0])] ?? "?")/\(name)",
                                      severity: volume[13]?[index] ?? "", health: volume[12]?[index] ?? "", detail: volume[14]?[index] ?? "", path: volume[3]?[index] ?? "")
        }
        func count(_ column: String) throws -> Int { try client.bulkWalk(column).count(where: \.isValue) }
        rows = [
            "virt.domain.state": domains.count, "virt.disk.chain.severity": disks.count,
            "virt.pool.state": pools.count, "virt.volume.chain.severity": volumes.count,
            "virt.if.in": try count("\(Subtree.interfaceEntry).2"),
            "virt.vcpu.delay": try count("\(root).1.12.1.5"), "virt.guest.swap.out": try count("\(root).1.11.1.7"),
            "virt.job.status": try count("\(root).1.13.1.2"), "virt.blockjob.type": try count("\(root).1.14.1.1"),
        ]
    }

    /// VirtChainCondition's labels, as the template's value map has them.
    static let conditionNames: [String: String] = {
        guard case let .textualConvention(_, .enumeration(numbers)) = DiskColumns.chainHealth.syntax else { return [:] }
        return Dictionary(uniqueKeysWithValues: numbers.all.map { ("\($0.value)", $0.name) })
    }()

    func domainIndex(ofUUID uuid: String?) -> String? { domains.first { $0.value.uuid == uuid }?.key }

    /// What differs between the items Zabbix made and the agent's rows, per prototype; empty when none.
    func discovered(by items: [ZabbixItem]) -> [String] {
        rows.compactMap { key, count in
            let made = items.count { $0.hasKey(key) }
            return made == count ? nil : "\(key): \(made) items for \(count) rows"
        }.sorted()
    }

    /// Per-domain items whose key does not begin with a domain's UUID.
    func keyedOnUUIDs(_ items: [ZabbixItem]) -> [String] {
        let uuids = Set(domains.values.map(\.uuid))
        return items.filter { ["virt.domain.", "virt.disk.", "virt.if.", "virt.vcpu.", "virt.guest.", "virt.job.", "virt.blockjob."]
            .contains(where: $0.key.hasPrefix) && !$0.key.contains(".discovery") }
            .filter { !uuids.contains($0.parameters.first ?? "") }.map(\.key)
    }

    /// A High problem per broken chain and per crashed domain, a Warning per chain that needs
    /// attention; a volume a domain's disk chain holds raises it once, on the disk. A chain
    /// problem's name ends in the agent's detail text, its operational data is the condition
    /// as the value map names it (Zabbix cuts text in operational data at 20 characters).
    var expectedProblems: [ZabbixProblem] {
        var problems: [ZabbixProblem] = []
        func chain(_ kind: String, _ row: ChainRow) {
            guard let severity = ["3": 2, "4": 4][row.severity] else { return }
            let what = severity == 4 ? "backing chain is broken" : "backing chain needs attention"
            problems.append(ZabbixProblem(name: "\(kind) \(row.owner): \(what): \(row.detail)", severity: severity,
                                          opdata: "\(Self.conditionNames[row.health] ?? "?") (\(row.health))"))
        }
        for row in disks.values { chain("Disk", row) }
        for row in volumes.values where !layerSources.contains(row.path) { chain("Volume", row) }
        for domain in domains.values where domain.state == "6" {
            problems.append(ZabbixProblem(name: "Domain \(domain.name) has crashed", severity: 4, opdata: "Reason: \(domain.reason)"))
        }
        return problems
    }
}

extension ZabbixProblem {
    init(name: String, severity: Int, opdata: String) {
        self.init(["name": name, "severity": "\(severity)", "opdata": opdata])
    }

    /// What the test compares: name, severity and operational data.
    var digest: String { "\(severity) \(name) [\(opdata)]" }
}
