import ArgumentParser
import MIB
import MonitoringPlugin
import VirtModel

/// `check jobs`: domain jobs (migrations, saves, dumps, snapshots, backups) and
/// block jobs, by how long the longest running domain job has run.
struct CheckJobs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Running domain jobs (migrations, saves, dumps, backups) and block jobs: -w/-c on the minutes the longest domain job has run (default 60 and 240); a last job that failed, or ended without completing, is a WARNING.")

    @OptionGroup var options: CheckOptions

    /// Over SNMP, only these columns are walked.
    static let columns = [VirtAgentxMIB.oid(of: DomainColumns.name, in: VirtAgentxMIB.domainTable)]
        + [JobColumns.operation, JobColumns.status, JobColumns.elapsed, JobColumns.dataProcessed, JobColumns.dataTotal, JobColumns.message]
            .map { VirtAgentxMIB.oid(of: $0, in: VirtAgentxMIB.domainJobTable) }
        + [BlockJobColumns.kind, BlockJobColumns.current, BlockJobColumns.end]
            .map { VirtAgentxMIB.oid(of: $0, in: VirtAgentxMIB.blockJobTable) }

    func run() throws {
        let service = "VIRT JOBS"
        let warning = options.warningRange ?? ThresholdRange("60"), critical = options.criticalRange ?? ThresholdRange("240")
        let reading = options.readConnected(service: service, subtrees: Self.columns)
        let names = reading.domainNames
        let running = reading.rows(of: VirtAgentxMIB.domainJobTable).compactMap { row -> (name: String, operation: String, minutes: Double, progress: String)? in
            guard row[JobColumns.status]?.enumeration(DomainJob.Status.self) == .running else { return nil }
            let operation = row[JobColumns.operation]?.enumeration(DomainJob.Operation.self).map { "\($0)" } ?? "job"
            let total = row[JobColumns.dataTotal]?.number ?? 0, done = row[JobColumns.dataProcessed]?.number ?? 0
            let progress = total > 0 ? ", \((Double(done) / Double(total) * 100).decimalText(0)) % of the data" : ""
            return (row.index.first.flatMap { names[$0] } ?? "?", operation,
                    Double(row[JobColumns.elapsed]?.number ?? 0) / 60_000, progress)
        }
        let blockJobs = reading.rows(of: VirtAgentxMIB.blockJobTable).map { row in
            let kind = row[BlockJobColumns.kind]?.enumeration(BlockJob.Kind.self).map { "\($0)" } ?? "block job"
            let end = row[BlockJobColumns.end]?.number ?? 0, current = row[BlockJobColumns.current]?.number ?? 0
            return "\(row.index.first.flatMap { names[$0] } ?? "?"): \(kind) \(end > 0 ? (Double(current) / Double(end) * 100).decimalText(0) : "0") %"
        }
        let failed = reading.rows(of: VirtAgentxMIB.domainJobTable).compactMap { row -> String? in
            let status = row[JobColumns.status]?.enumeration(DomainJob.Status.self)
            guard status == .failed || status == .interrupted else { return nil }
            let operation = row[JobColumns.operation]?.enumeration(DomainJob.Operation.self).map { "\($0)" } ?? "job"
            let message = row[JobColumns.message]?.text.map { " (\($0))" } ?? ""
            let ending = status == .failed ? "failed" : "ended without completing"
            return "\(row.index.first.flatMap { names[$0] } ?? "?"): last \(operation) \(ending)\(message)"
        }
        let longest = running.map(\.minutes).max() ?? 0
        let status = max(running.isEmpty ? PluginStatus.ok : MonitoringPlugin.status(of: longest, warning: warning, critical: critical),
                         failed.isEmpty ? .ok : .warning)
        let listed = running.sorted { $0.minutes > $1.minutes }
            .map { "\($0.name) \($0.operation) for \($0.minutes.decimalText(1)) min\($0.progress)" }
        var summary = running.isEmpty && blockJobs.isEmpty ? "no jobs running"
            : "\(running.count) domain jobs, \(blockJobs.count) block jobs" + (listed.isEmpty ? "" : ": " + listed.prefix(3).joined(separator: "; "))
        if !failed.isEmpty { summary += "; " + failed.joined(separator: "; ") }
        options.finish(PluginOutput(
            service: service, status: status, summary: summary,
            performance: [PerformanceDatum("longest_job", (longest * 10).rounded() / 10, unit: "", warning: warning,
                                           critical: critical, minimum: 0),
                          PerformanceDatum("domain_jobs", Double(running.count), minimum: 0),
                          PerformanceDatum("block_jobs", Double(blockJobs.count), minimum: 0)],
            details: listed + blockJobs))
    }
}
