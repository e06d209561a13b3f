import CLibvirt
import Foundation
import VirtModel

/// A libvirt domain handle that frees itself.
///
/// `@unchecked Sendable`: it holds only the `virDomainPtr`, which libvirt lets
/// several threads use at once; the reference is released once, in `deinit`.
final class LibvirtDomain: @unchecked Sendable {
    /// Internal for the other wrappers of this folder (jobs); nothing outside Libvirt/ imports CLibvirt.
    let handle: virDomainPtr

    init(_ handle: virDomainPtr) { self.handle = handle }
    deinit { virDomainFree(handle) }

    var name: String {
        get throws(LibvirtError) {
            try LibvirtStrings.borrowed(virDomainGetName(handle), "virDomainGetName")
        }
    }

    var uuid: String {
        get throws(LibvirtError) {
            try LibvirtStrings.uuid("virDomainGetUUIDString") { virDomainGetUUIDString(handle, $0) }
        }
    }

    /// CPU time, memory and vCPUs (`virDomainGetInfo`).
    var figures: DomainFigures {
        get throws(LibvirtError) {
            var info = virDomainInfo()
            try LibvirtCall.check(virDomainGetInfo(handle, &info), "virDomainGetInfo")
            return DomainFigures(cpuTime: UInt64(info.cpuTime), memoryKiB: UInt64(info.memory),
                                 maxMemoryKiB: UInt64(info.maxMem), vcpus: UInt32(info.nrVirtCpu),
                                 maxVcpus: UInt32(info.nrVirtCpu))
        }
    }

    /// What the domain's control interface (QEMU's monitor) is doing and for how
    /// long (`virDomainGetControlInfo`): libvirt answers it without the monitor, so a
    /// wedged QEMU shows here as occupied for ever longer. nil where a driver has no such interface.
    var control: ControlState? {
        var info = virDomainControlInfo()
        guard virDomainGetControlInfo(handle, &info, 0) == 0 else { return nil }
        let since = Duration.milliseconds(Int64(clamping: info.stateTime))
        return switch info.state {
        case UInt32(VIR_DOMAIN_CONTROL_OK.rawValue): .ok
        case UInt32(VIR_DOMAIN_CONTROL_JOB.rawValue): .job(for: since)
        case UInt32(VIR_DOMAIN_CONTROL_OCCUPIED.rawValue): .occupied(for: since)
        default: .error
        }
    }

    /// State and reason code (`virDomainGetState`).
    var state: (state: Int32, reason: Int32) {
        get throws(LibvirtError) {
            var state: Int32 = 0, reason: Int32 = 0
            try LibvirtCall.check(virDomainGetState(handle, &state, &reason, 0), "virDomainGetState")
            return (state, reason)
        }
    }

    /// libvirt's runtime id, or -1 while inactive.
    var id: Int32 {
        let id = virDomainGetID(handle)
        return id == UInt32.max ? -1 : Int32(clamping: id)
    }

    var autostart: Bool {
        get throws(LibvirtError) {
            var flag: Int32 = 0
            try LibvirtCall.check(virDomainGetAutostart(handle, &flag), "virDomainGetAutostart")
            return flag != 0
        }
    }

    var isPersistent: Bool {
        get throws(LibvirtError) {
            try LibvirtCall.check(virDomainIsPersistent(handle), "virDomainIsPersistent") == 1
        }
    }

    /// The live definition (the inactive one for a domain that is not running).
    var xml: String {
        get throws(LibvirtError) {
            try LibvirtStrings.owned(virDomainGetXMLDesc(handle, 0), "virDomainGetXMLDesc")
        }
    }

    /// Sizes of one disk (`virDomainGetBlockInfo`), by target (`vda`) or source path.
    func blockInfo(_ disk: String) throws(LibvirtError) -> BlockInfo {
        var info = virDomainBlockInfo()
        try LibvirtCall.check(virDomainGetBlockInfo(handle, disk, &info, 0), "virDomainGetBlockInfo", subject: disk)
        var result = BlockInfo()
        result.capacity = info.capacity
        result.allocation = info.allocation
        result.physical = info.physical
        return result
    }

    /// I/O counters of one disk of a running domain (`virDomainBlockStatsFlags`).
    func blockStats(_ disk: String) throws(LibvirtError) -> BlockStats {
        var count: Int32 = 0
        try LibvirtCall.check(virDomainBlockStatsFlags(handle, disk, nil, &count, 0), "virDomainBlockStatsFlags", subject: disk)
        guard count > 0 else { return BlockStats() }
        var parameters = [virTypedParameter](repeating: virTypedParameter(), count: Int(count))
        try LibvirtCall.check(virDomainBlockStatsFlags(handle, disk, &parameters, &count, 0), "virDomainBlockStatsFlags",
                              subject: disk)
        defer { virTypedParamsClear(&parameters, count) }
        let fields = TypedParameters(parameters, count: Int(count))
        var stats = BlockStats()
        stats.readRequests = fields.unsigned("rd_operations") ?? 0
        stats.readBytes = fields.unsigned("rd_bytes") ?? 0
        stats.writeRequests = fields.unsigned("wr_operations") ?? 0
        stats.writeBytes = fields.unsigned("wr_bytes") ?? 0
        stats.flushRequests = fields.unsigned("flush_operations") ?? 0
        stats.readTimeNanoseconds = fields.unsigned("rd_total_times") ?? 0
        stats.writeTimeNanoseconds = fields.unsigned("wr_total_times") ?? 0
        return stats
    }

    /// CPU time of each vCPU of a running domain, nanoseconds (`virDomainGetVcpus`).
    func vcpuTimes(count: Int) throws(LibvirtError) -> [UInt64] {
        guard count > 0 else { return [] }
        var info = [virVcpuInfo](repeating: virVcpuInfo(), count: count)
        let got = virDomainGetVcpus(handle, &info, Int32(count), nil, 0)
        try LibvirtCall.check(got, "virDomainGetVcpus")
        return info.prefix(Int(got)).map { $0.cpuTime }
    }

    /// Counters of one interface of a running domain, by host device or MAC (`virDomainInterfaceStats`).
    func interfaceStats(_ device: String) throws(LibvirtError) -> InterfaceStats {
        var raw = virDomainInterfaceStatsStruct()
        try LibvirtCall.check(virDomainInterfaceStats(handle, device, &raw, MemoryLayout<virDomainInterfaceStatsStruct>.size),
                              "virDomainInterfaceStats", subject: device)
        func counter(_ value: Int64) -> UInt64 { value < 0 ? 0 : UInt64(value) }  // -1: not supported
        var stats = InterfaceStats()
        stats.rxBytes = counter(raw.rx_bytes)
        stats.rxPackets = counter(raw.rx_packets)
        stats.rxErrors = counter(raw.rx_errs)
        stats.rxDrops = counter(raw.rx_drop)
        stats.txBytes = counter(raw.tx_bytes)
        stats.txPackets = counter(raw.tx_packets)
        stats.txErrors = counter(raw.tx_errs)
        stats.txDrops = counter(raw.tx_drop)
        return stats
    }
}

/// A domain's control interface, as `virDomainGetControlInfo` reports it.
enum ControlState: Equatable {
    case ok
    /// A job runs (a migration, a save ...), for this long.
    case job(for: Duration)
    /// A monitor command has been waiting for QEMU's answer this long.
    case occupied(for: Duration)
    /// The monitor failed, or libvirt lost track of it.
    case error
}
