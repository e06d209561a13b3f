import CLibvirt
import VirtModel

extension LibvirtDomain {
    /// The domain's running job (`virDomainGetJobStats`); nil when none runs.
    func runningJob() throws(LibvirtError) -> DomainJob? {
        var type: Int32 = 0, count: Int32 = 0
        var parameters: virTypedParameterPtr?
        try LibvirtCall.check(virDomainGetJobStats(handle, &type, &parameters, &count, 0), "virDomainGetJobStats")
        defer { virTypedParamsFree(parameters, count) }
        guard type == Int32(VIR_DOMAIN_JOB_BOUNDED.rawValue) || type == Int32(VIR_DOMAIN_JOB_UNBOUNDED.rawValue) else { return nil }
        return DomainJob(TypedParameters(parameters, count: Int(count)), status: .running)
    }

    /// The domain's last finished job, however it ended (`VIR_DOMAIN_JOB_STATS_COMPLETED`):
    /// asked once when a job the agent saw running is gone, since libvirt's
    /// job-completed event does not come for every job that ends (a failed save).
    func finishedJob() throws(LibvirtError) -> DomainJob? {
        var type: Int32 = 0, count: Int32 = 0
        var parameters: virTypedParameterPtr?
        try LibvirtCall.check(virDomainGetJobStats(handle, &type, &parameters, &count, UInt32(VIR_DOMAIN_JOB_STATS_COMPLETED.rawValue)),
                              "virDomainGetJobStats")
        defer { virTypedParamsFree(parameters, count) }
        let status: DomainJob.Status? = switch type {
        case Int32(VIR_DOMAIN_JOB_COMPLETED.rawValue): .completed
        case Int32(VIR_DOMAIN_JOB_FAILED.rawValue): .failed
        case Int32(VIR_DOMAIN_JOB_CANCELLED.rawValue): .cancelled
        default: nil
        }
        return status.map { DomainJob(TypedParameters(parameters, count: Int(count)), status: $0) }
    }

    /// The block job on `disk` (`virDomainGetBlockJobInfo`); nil when none runs.
    func blockJob(_ disk: String) throws(LibvirtError) -> BlockJob? {
        var info = virDomainBlockJobInfo()
        let found = try LibvirtCall.check(virDomainGetBlockJobInfo(handle, disk, &info, UInt32(VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES.rawValue)),
                                          "virDomainGetBlockJobInfo", subject: disk)
        guard found == 1 else { return nil }
        let kind = BlockJob.Kind(rawValue: Int32(info.type)) ?? .unknown
        // copy and active commit are ready once they caught up (libvirt says so in the XML; cur == end here).
        let ready = (kind == .copy || kind == .activeCommit) && info.end > 0 && info.cur == info.end
        return BlockJob(kind: kind, bandwidth: UInt64(info.bandwidth), current: UInt64(info.cur), end: UInt64(info.end), ready: ready)
    }
}

extension DomainJob {
    /// A job from the job-completed event's fields: failed where libvirt says it
    /// did not succeed (`success`, libvirt 6.6 and later). A pull backup, which
    /// ends only by an abort, succeeds, with libvirt's "Operation canceled".
    init(completedEvent fields: TypedParameters) {
        self.init(fields, status: fields.unsigned("success") == 0 ? .failed : .completed)
    }

    /// A job from libvirt's job statistics fields (`virDomainGetJobStats`, the job-completed event).
    init(_ fields: TypedParameters, status: Status) {
        self.init(operation: fields.unsigned("operation").flatMap { Operation(rawValue: Int32(clamping: $0)) } ?? .unknown,
                  status: status)
        elapsedMilliseconds = fields.unsigned("time_elapsed")
        remainingMilliseconds = fields.unsigned("time_remaining")
        dataTotal = fields.unsigned("data_total")
        dataProcessed = fields.unsigned("data_processed")
        dataRemaining = fields.unsigned("data_remaining")
        dirtyRate = fields.unsigned("memory_dirty_rate")
        iteration = fields.unsigned("memory_iteration")
        downtimeMilliseconds = fields.unsigned("downtime")
        message = fields.string("errmsg").flatMap { $0.isEmpty ? nil : $0 }
    }
}
