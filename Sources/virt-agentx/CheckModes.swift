import ArgumentParser
import ImageInspector
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

    func run() throws {
        let service = "VIRT CHAINS"
        let snapshot = options.snapshot(service: service)
        guard snapshot.host.connection == .connected else { options.unreachable(service, snapshot) }
        let names = Dictionary(snapshot.domains.map { ($0.index, $0.name) }) { a, _ in a }
        let poolNames = Dictionary(snapshot.pools.map { ($0.index, $0.name) }) { a, _ in a }
        var chains: [(name: String, chain: BackingChain)] = []
        if pool == nil {
            for disk in snapshot.disks where domain == nil || names[disk.domainIndex] == domain {
                if let chain = disk.chain { chains.append(("\(names[disk.domainIndex] ?? "?")/\(disk.target)", chain)) }
            }
        }
        if domain == nil {
            for volume in snapshot.volumes where pool == nil || poolNames[volume.poolIndex] == pool {
                if let chain = volume.chain { chains.append(("\(poolNames[volume.poolIndex] ?? "?")/\(volume.name)", chain)) }
            }
        }
        let unhealthy = chains.filter { $0.chain.health.severity >= .warning }
        let worst = chains.map { $0.chain.health.severity.pluginStatus }.max() ?? .ok
        let counted = status(of: Double(unhealthy.count), warning: options.warningRange, critical: options.criticalRange)
        let listed = unhealthy.prefix(3).map { "\($0.name) \($0.chain.health.condition.code)" }.joined(separator: ", ")
        let summary = unhealthy.isEmpty
            ? "all \(chains.count) chains healthy"
            : "\(unhealthy.count) of \(chains.count) chains unhealthy: \(listed)\(unhealthy.count > 3 ? ", ..." : "")"
        options.finish(PluginOutput(
            service: service, status: max(worst, counted), summary: summary,
            performance: [PerformanceDatum("unhealthy", Double(unhealthy.count), warning: options.warningRange,
                                           critical: options.criticalRange, minimum: 0),
                          PerformanceDatum("chains", Double(chains.count), minimum: 0)],
            details: unhealthy.map { "\($0.name): \($0.chain.health.severity) \($0.chain.health.detail)" }))
    }
}

struct CheckDomains: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domains",
        abstract: "Domains by state (crashed CRITICAL, paused WARNING), or one domain's state with --domain.")

    @OptionGroup var options: CheckOptions
    @Option(help: ArgumentHelp("Check this domain only: running OK, paused WARNING, anything else CRITICAL.", valueName: "name"))
    var domain: String?

    func run() throws {
        let service = "VIRT DOMAINS"
        let snapshot = options.snapshot(service: service)
        guard snapshot.host.connection == .connected else { options.unreachable(service, snapshot) }
        if let domain {
            guard let found = snapshot.domains.first(where: { $0.name == domain }) else {
                options.finish(PluginOutput(service: service, status: .unknown, summary: "no domain named \(domain)"))
            }
            let status: PluginStatus = switch found.state {
            case .running: .ok
            case .paused, .pmsuspended, .blocked: .warning
            default: .critical
            }
            options.finish(PluginOutput(service: service, status: status,
                                        summary: "\(domain) is \(found.state.text) (\(found.stateReasonText))"))
        }
        let count = { (state: DomainState) in snapshot.domains.count { $0.state == state } }
        let crashed = count(.crashed), paused = count(.paused)
        let status: PluginStatus = crashed > 0 ? .critical : paused > 0 ? .warning : .ok
        let summary = "\(snapshot.domains.count) domains: \(count(.running)) running, \(paused) paused, "
            + "\(count(.shutoff)) shut off, \(crashed) crashed"
        options.finish(PluginOutput(
            service: service, status: status, summary: summary,
            performance: [("running", DomainState.running), ("paused", .paused), ("shutoff", .shutoff), ("crashed", .crashed)]
                .map { PerformanceDatum($0.0, Double(count($0.1)), minimum: 0) },
            details: snapshot.domains.filter { $0.state == .crashed || $0.state == .paused }
                .map { "\($0.name): \($0.state.text) (\($0.stateReasonText))" }))
    }
}

struct CheckPools: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pools",
        abstract: "Storage pool usage in percent of capacity (-w/-c, default 80 and 90); an inactive pool is a WARNING.")

    @OptionGroup var options: CheckOptions

    func run() throws {
        let service = "VIRT POOLS"
        let warning = options.warningRange ?? ThresholdRange("80"), critical = options.criticalRange ?? ThresholdRange("90")
        let snapshot = options.snapshot(service: service)
        guard snapshot.host.connection == .connected else { options.unreachable(service, snapshot) }
        var worst = PluginStatus.ok
        var details: [String] = [], performance: [PerformanceDatum] = []
        for pool in snapshot.pools {
            let used = pool.capacity == 0 ? 0 : Double(pool.allocation) / Double(pool.capacity) * 100
            let poolStatus = pool.state == .running || pool.state == .degraded
                ? status(of: used, warning: warning, critical: critical) : .warning
            worst = max(worst, poolStatus)
            performance.append(PerformanceDatum(pool.name, (used * 10).rounded() / 10, unit: "%",
                                                warning: warning, critical: critical, minimum: 0, maximum: 100))
            details.append("\(pool.name): \(poolStatus.label), \(pool.state), \(String(format: "%.1f", used)) % used")
        }
        let summary = snapshot.pools.isEmpty ? "no storage pools"
            : "\(snapshot.pools.count) pools" + (worst == .ok ? ", usage within limits" : ": " + details.filter { !$0.contains(": OK") }.joined(separator: "; "))
        options.finish(PluginOutput(service: service, status: worst, summary: summary,
                                    performance: performance, details: details))
    }
}
