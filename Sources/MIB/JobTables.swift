import FoundationEssentials
import VirtModel

extension VirtAgentxMIB {
    /// domainJobTable's columns: the job running on a domain, else its last completed one.
    public enum JobColumns {
        static func figure(_ name: String, _ subID: UInt32, _ syntax: Syntax,
                           _ value: @escaping @Sendable (DomainJob) -> UInt64?) -> Column<Domain> {
            Column(name, subID, syntax, whenReported: { domain in
                domain.job.flatMap(value).map { syntax == .unsigned32 ? .gauge32(UInt32(clamping: $0)) : .counter64($0) }
            })
        }
        public static let operation = Column<Domain>("virtJobOperation", 1, Syntaxes.jobOperation, whenReported: {
            $0.job.map { .integer($0.operation.rawValue) }
        })
        public static let status = Column<Domain>("virtJobStatus", 2, Syntaxes.jobStatus, whenReported: {
            $0.job.map { .integer($0.status.rawValue) }
        })
        public static let elapsed = figure("virtJobElapsed", 3, .unsigned32) { $0.elapsedMilliseconds }
        public static let remaining = figure("virtJobRemaining", 4, .unsigned32) { $0.remainingMilliseconds }
        public static let dataTotal = figure("virtJobDataTotal", 5, Syntaxes.gauge64) { $0.dataTotal }
        public static let dataProcessed = figure("virtJobDataProcessed", 6, Syntaxes.gauge64) { $0.dataProcessed }
        public static let dataRemaining = figure("virtJobDataRemaining", 7, Syntaxes.gauge64) { $0.dataRemaining }
        public static let dirtyRate = figure("virtJobDirtyRate", 8, Syntaxes.gauge64) { $0.dirtyRate }
        public static let iteration = figure("virtJobIteration", 9, .unsigned32) { $0.iteration }
        public static let downtime = figure("virtJobDowntime", 10, .unsigned32) { $0.downtimeMilliseconds }
        public static let ended = Column<Domain>("virtJobEnded", 11, .dateAndTime, whenReported: {
            $0.job?.ended.map { .octets(DateAndTime.encode($0)) }
        })
        public static let message = Column<Domain>("virtJobMessage", 12, .displayString, whenReported: {
            $0.job?.message.map { .string($0) }
        })
    }

    public static let domainJobTable = Table<Domain>(
        "virtDomainJobTable", entry: "virtDomainJobEntry", 13,
        rows: { $0.domains.filter { $0.job != nil } }, index: { [$0.index] },
        columns: [
            JobColumns.operation, JobColumns.status, JobColumns.elapsed, JobColumns.remaining,
            JobColumns.dataTotal, JobColumns.dataProcessed, JobColumns.dataRemaining,
            JobColumns.dirtyRate, JobColumns.iteration, JobColumns.downtime, JobColumns.ended,
            JobColumns.message,
        ])

    /// blockJobTable's columns: the block job running on a disk.
    public enum BlockJobColumns {
        public static let kind = Column<Disk>("virtBlockJobType", 1, Syntaxes.blockJobType) { .integer($0.blockJob?.kind.rawValue ?? 0) }
        public static let bandwidth = Column<Disk>("virtBlockJobBandwidth", 2, Syntaxes.gauge64) { .counter64($0.blockJob?.bandwidth ?? 0) }
        public static let current = Column<Disk>("virtBlockJobCurrent", 3, Syntaxes.gauge64) { .counter64($0.blockJob?.current ?? 0) }
        public static let end = Column<Disk>("virtBlockJobEnd", 4, Syntaxes.gauge64) { .counter64($0.blockJob?.end ?? 0) }
        public static let ready = Column<Disk>("virtBlockJobReady", 5, .truthValue) { .truthValue($0.blockJob?.ready ?? false) }
    }

    public static let blockJobTable = Table<Disk>(
        "virtBlockJobTable", entry: "virtBlockJobEntry", 14,
        rows: { $0.disks.filter { $0.blockJob != nil } }, index: { [$0.domainIndex, $0.index] },
        columns: [
            BlockJobColumns.kind, BlockJobColumns.bandwidth, BlockJobColumns.current, BlockJobColumns.end, BlockJobColumns.ready,
        ])
}
