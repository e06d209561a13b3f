import CLibvirt
import Foundation
import VirtModel

/// A libvirt domain handle that frees itself.
final class LibvirtDomain {
    private let handle: virDomainPtr

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

    var info: virDomainInfo {
        get throws(LibvirtError) {
            var info = virDomainInfo()
            guard virDomainGetInfo(handle, &info) == 0 else { throw LibvirtError.last("virDomainGetInfo") }
            return info
        }
    }

    /// State and reason code (`virDomainGetState`).
    var state: (state: Int32, reason: Int32) {
        get throws(LibvirtError) {
            var state: Int32 = 0, reason: Int32 = 0
            guard virDomainGetState(handle, &state, &reason, 0) == 0 else {
                throw LibvirtError.last("virDomainGetState")
            }
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
            guard virDomainGetAutostart(handle, &flag) == 0 else {
                throw LibvirtError.last("virDomainGetAutostart")
            }
            return flag != 0
        }
    }

    var isPersistent: Bool {
        get throws(LibvirtError) {
            let result = virDomainIsPersistent(handle)
            guard result >= 0 else { throw LibvirtError.last("virDomainIsPersistent") }
            return result == 1
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
        guard virDomainGetBlockInfo(handle, disk, &info, 0) == 0 else {
            throw LibvirtError.last("virDomainGetBlockInfo(\(disk))")
        }
        var result = BlockInfo()
        result.capacity = info.capacity
        result.allocation = info.allocation
        result.physical = info.physical
        return result
    }

    /// I/O counters of one disk of a running domain (`virDomainBlockStatsFlags`).
    func blockStats(_ disk: String) throws(LibvirtError) -> BlockStats {
        var count: Int32 = 0
        guard virDomainBlockStatsFlags(handle, disk, nil, &count, 0) == 0, count > 0 else {
            throw LibvirtError.last("virDomainBlockStatsFlags(\(disk))")
        }
        var parameters = [virTypedParameter](repeating: virTypedParameter(), count: Int(count))
        guard virDomainBlockStatsFlags(handle, disk, &parameters, &count, 0) == 0 else {
            throw LibvirtError.last("virDomainBlockStatsFlags(\(disk))")
        }
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
        guard got >= 0 else { throw LibvirtError.last("virDomainGetVcpus") }
        return info.prefix(Int(got)).map { $0.cpuTime }
    }

    /// Counters of one interface of a running domain, by host device or MAC (`virDomainInterfaceStats`).
    func interfaceStats(_ device: String) throws(LibvirtError) -> InterfaceStats {
        var raw = virDomainInterfaceStatsStruct()
        guard virDomainInterfaceStats(handle, device, &raw, MemoryLayout<virDomainInterfaceStatsStruct>.size) == 0 else {
            throw LibvirtError.last("virDomainInterfaceStats(\(device))")
        }
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
