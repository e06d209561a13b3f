import Commands
import ArgumentParser
import ImageInspector
import MIB
import MonitoringPlugin
import VirtModel

struct CheckChains: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chains",
        abstract: "Backing-chain verdicts of every disk and volume: the worst sets the status; -w/-c on the number of unhealthy chains.")

    @OptionGroup var options: CheckOptions
    @Option(help: ArgumentHelp("Only this domain's disks (and no volumes).", valueName: "name"))
    var domain: String?
    @Option(help: ArgumentHelp("Only this pool's volumes (and no disks).", valueName: "name"))
    var pool: String?

    /// One disk's or volume's verdict as the chain columns serve it, with its deep check's counts.
    struct Verdict {
        var name: String
        var severity: Severity
        var code: String
        var detail: String
        var corruptions: Int64 = 0
        var leaks: Int64 = 0
        var deepChecked = false
    }

    /// What the verdicts are made of; over SNMP, only these columns are walked.
    static let columns = [VirtAgentxMIB.oid(of: DomainColumns.name, in: VirtAgentxMIB.domainTable),
                          VirtAgentxMIB.oid(of: PoolColumns.name, in: VirtAgentxMIB.poolTable)]
        + [DiskColumns.target, DiskColumns.chainSeverity, DiskColumns.chainHealth, DiskColumns.chainDetail,
           DiskColumns.deepCheckState, DiskColumns.corruptions, DiskColumns.leakedClusters]
            .map { VirtAgentxMIB.oid(of: $0, in: VirtAgentxMIB.diskTable) }
        + [VolumeColumns.name, VolumeColumns.chainSeverity, VolumeColumns.chainHealth, VolumeColumns.chainDetail,
           VolumeColumns.deepCheckState, VolumeColumns.corruptions, VolumeColumns.leakedClusters]
            .map { VirtAgentxMIB.oid(of: $0, in: VirtAgentxMIB.volumeTable) }

    func verdicts(in reading: MIBReading) -> [Verdict] {
        func verdicts<Entry>(_ table: Table<Entry>, owners: [UInt32: String], only: String?, name: Column<Entry>,
                             severity: Column<Entry>, health: Column<Entry>, detail: Column<Entry>,
                             deepCheck: (state: Column<Entry>, corruptions: Column<Entry>, leaks: Column<Entry>)) -> [Verdict] {
            reading.rows(of: table).compactMap { row in
                let owner = row.index.first.flatMap { owners[$0] } ?? "?"
                guard only == nil || owner == only else { return nil }
                let severity = row[severity]?.severity ?? .warning
                // An empty drive or a network disk has no chain to judge, unless it is a problem itself.
                if row[health]?.isNotInspected == true && severity < .warning { return nil }
                let state = row[deepCheck.state]?.enumeration(DeepCheckState.self)
                return Verdict(name: "\(owner)/\(row[name]?.text ?? "?")", severity: severity,
                               code: row[health]?.chainConditionCode ?? "?", detail: row[detail]?.text ?? "",
                               corruptions: row[deepCheck.corruptions]?.number ?? 0, leaks: row[deepCheck.leaks]?.number ?? 0,
                               deepChecked: state == .checked || state == .checkedWhileInUse)
            }
        }
        let disks = pool != nil ? [] : verdicts(
            VirtAgentxMIB.diskTable, owners: reading.domainNames, only: domain, name: DiskColumns.target,
            severity: DiskColumns.chainSeverity, health: DiskColumns.chainHealth, detail: DiskColumns.chainDetail,
            deepCheck: (DiskColumns.deepCheckState, DiskColumns.corruptions, DiskColumns.leakedClusters))
        let volumes = domain != nil ? [] : verdicts(
            VirtAgentxMIB.volumeTable, owners: reading.poolNames, only: pool, name: VolumeColumns.name,
            severity: VolumeColumns.chainSeverity, health: VolumeColumns.chainHealth, detail: VolumeColumns.chainDetail,
            deepCheck: (VolumeColumns.deepCheckState, VolumeColumns.corruptions, VolumeColumns.leakedClusters))
        return disks + volumes
    }

    func run() throws {
        let service = "VIRT CHAINS"
        let chains = verdicts(in: options.readConnected(service: service, subtrees: Self.columns))
        // Worst first, then by name: the order does not depend on row indexes.
        let unhealthy = chains.filter { $0.severity >= .warning }
            .sorted { ($1.severity, $0.name) < ($0.severity, $1.name) }
        let worst = chains.map(\.severity.pluginStatus).max() ?? .ok
        let counted = status(of: Double(unhealthy.count), warning: options.warningRange, critical: options.criticalRange)
        let listed = unhealthy.prefix(3).map { "\($0.name) \($0.code)" }.joined(separator: ", ")
        let summary = unhealthy.isEmpty
            ? "all \(chains.count) chains healthy"
            : "\(unhealthy.count) of \(chains.count) chains unhealthy: \(listed)\(unhealthy.count > 3 ? ", ..." : "")"
        options.finish(PluginOutput(
            service: service, status: max(worst, counted), summary: summary,
            performance: [PerformanceDatum("unhealthy", Double(unhealthy.count), warning: options.warningRange,
                                           critical: options.criticalRange, minimum: 0),
                          PerformanceDatum("chains", Double(chains.count), minimum: 0),
                          PerformanceDatum("deep_checked", Double(chains.count(where: \.deepChecked)), minimum: 0),
                          PerformanceDatum("corruptions", Double(chains.reduce(0) { $0 + $1.corruptions }), minimum: 0),
                          PerformanceDatum("leaks", Double(chains.reduce(0) { $0 + $1.leaks }), minimum: 0)],
            details: unhealthy.map { "\($0.name): \($0.severity) \($0.detail)" }))
    }
}

struct CheckDomains: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domains",
        abstract: "Domains by state (crashed CRITICAL, paused WARNING), or one domain's state with --domain.")

    @OptionGroup var options: CheckOptions
    @Option(help: ArgumentHelp("Check this domain only: running OK, paused WARNING, anything else CRITICAL.", valueName: "name"))
    var domain: String?

    /// Over SNMP, only these columns are walked.
    static let columns = [DomainColumns.name, DomainColumns.state, DomainColumns.stateReasonText]
        .map { VirtAgentxMIB.oid(of: $0, in: VirtAgentxMIB.domainTable) }

    func run() throws {
        let service = "VIRT DOMAINS"
        let domains = options.readConnected(service: service, subtrees: Self.columns).rows(of: VirtAgentxMIB.domainTable).map { row in
            (name: row[DomainColumns.name]?.text ?? "?", state: row[DomainColumns.state]?.domainState ?? .nostate,
             reason: row[DomainColumns.stateReasonText]?.text ?? "")
        }
        if let domain {
            guard let found = domains.first(where: { $0.name == domain }) else {
                options.finish(PluginOutput(service: service, status: .unknown, summary: "no domain named \(domain)"))
            }
            let status: PluginStatus = switch found.state {
            case .running: .ok
            case .paused, .pmsuspended, .blocked: .warning
            default: .critical
            }
            options.finish(PluginOutput(service: service, status: status,
                                        summary: "\(domain) is \(found.state.text) (\(found.reason))"))
        }
        let count = { (state: DomainState) in domains.count { $0.state == state } }
        let crashed = count(.crashed), paused = count(.paused)
        let status: PluginStatus = crashed > 0 ? .critical : paused > 0 ? .warning : .ok
        let summary = "\(domains.count) domains: \(count(.running)) running, \(paused) paused, "
            + "\(count(.shutoff)) shut off, \(crashed) crashed"
        options.finish(PluginOutput(
            service: service, status: status, summary: summary,
            performance: [("running", DomainState.running), ("paused", .paused), ("shutoff", .shutoff), ("crashed", .crashed)]
                .map { PerformanceDatum($0.0, Double(count($0.1)), minimum: 0) },
            details: domains.filter { $0.state == .crashed || $0.state == .paused }
                .map { "\($0.name): \($0.state.text) (\($0.reason))" }))
    }
}

struct CheckPools: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pools",
        abstract: "Storage pool usage in percent of capacity (-w/-c, default 80 and 90); an inactive pool is a WARNING.")

    @OptionGroup var options: CheckOptions

    /// Over SNMP, only these columns are walked.
    static let columns = [PoolColumns.name, PoolColumns.state, PoolColumns.capacity, PoolColumns.allocation]
        .map { VirtAgentxMIB.oid(of: $0, in: VirtAgentxMIB.poolTable) }

    func run() throws {
        let service = "VIRT POOLS"
        let warning = options.warningRange ?? ThresholdRange("80"), critical = options.criticalRange ?? ThresholdRange("90")
        let pools = options.readConnected(service: service, subtrees: Self.columns).rows(of: VirtAgentxMIB.poolTable)
        var worst = PluginStatus.ok
        var details: [String] = [], problems: [String] = [], performance: [PerformanceDatum] = []
        for pool in pools {
            let name = pool[PoolColumns.name]?.text ?? "?", state = pool[PoolColumns.state]?.poolState ?? .inaccessible
            let capacity = pool[PoolColumns.capacity]?.number ?? 0, allocation = pool[PoolColumns.allocation]?.number ?? 0
            let used = StoragePool.usagePercent(allocation: UInt64(clamping: allocation), capacity: UInt64(clamping: capacity))
            let poolStatus = state == .running || state == .degraded
                ? status(of: used, warning: warning, critical: critical) : .warning
            worst = max(worst, poolStatus)
            performance.append(PerformanceDatum(name, (used * 10).rounded() / 10, unit: "%",
                                                warning: warning, critical: critical, minimum: 0, maximum: 100))
            let detail = "\(name): \(poolStatus.label), \(state), \(used.decimalText(1)) % used"
            details.append(detail)
            if poolStatus != .ok { problems.append(detail) }
        }
        let summary = pools.isEmpty ? "no storage pools"
            : "\(pools.count) pools" + (problems.isEmpty ? ", usage within limits" : ": " + problems.joined(separator: "; "))
        options.finish(PluginOutput(service: service, status: worst, summary: summary,
                                    performance: performance, details: details))
    }
}
