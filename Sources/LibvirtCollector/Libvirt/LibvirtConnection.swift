import CLibvirt
import Foundation

/// A read-only libvirt connection that closes itself. Not thread-safe: used
/// only from the collector's thread.
final class LibvirtConnection {
    private let handle: virConnectPtr
    private let events: EventRegistrations?

    /// Opens `uri` read-only; nil means libvirt's default (`LIBVIRT_DEFAULT_URI`, then its own probing).
    /// With a `sink`, libvirt's events and the connection's close are reported to it.
    init(readOnly uri: String?, sink: ChangeSink? = nil) throws(LibvirtError) {
        guard let handle = virConnectOpenReadOnly(uri) else {
            throw LibvirtError.last("to open \(uri ?? "the default URI") read-only")
        }
        self.handle = handle
        self.events = sink.map { EventRegistrations.register(on: handle, sink: $0) }
    }

    deinit {
        events?.deregister(from: handle)
        virConnectClose(handle)
    }

    var isAlive: Bool { virConnectIsAlive(handle) == 1 }

    var uri: String {
        get throws(LibvirtError) {
            try LibvirtStrings.owned(virConnectGetURI(handle), "virConnectGetURI")
        }
    }

    var hypervisorType: String {
        get throws(LibvirtError) {
            // Static storage inside libvirt: not freed.
            guard let text = virConnectGetType(handle) else { throw LibvirtError.last("virConnectGetType") }
            return String(cString: text)
        }
    }

    /// `major.minor.release`; libvirt encodes it as major * 1,000,000 + minor * 1,000 + release.
    var hypervisorVersion: String {
        get throws(LibvirtError) {
            var version: UInt = 0
            guard virConnectGetVersion(handle, &version) == 0 else {
                throw LibvirtError.last("virConnectGetVersion")
            }
            return Self.versionText(version)
        }
    }

    var libraryVersion: String {
        get throws(LibvirtError) {
            var version: UInt = 0
            guard virConnectGetLibVersion(handle, &version) == 0 else {
                throw LibvirtError.last("virConnectGetLibVersion")
            }
            return Self.versionText(version)
        }
    }

    var hostname: String {
        get throws(LibvirtError) {
            try LibvirtStrings.owned(virConnectGetHostname(handle), "virConnectGetHostname")
        }
    }

    var nodeInfo: virNodeInfo {
        get throws(LibvirtError) {
            var info = virNodeInfo()
            guard virNodeGetInfo(handle, &info) == 0 else { throw LibvirtError.last("virNodeGetInfo") }
            return info
        }
    }

    /// Every domain, active and inactive.
    func allDomains() throws(LibvirtError) -> [LibvirtDomain] {
        var list: UnsafeMutablePointer<virDomainPtr?>?
        let count = virConnectListAllDomains(handle, &list, 0)
        guard count >= 0, let list else { throw LibvirtError.last("virConnectListAllDomains") }
        defer { free(list) }
        return (0..<Int(count)).compactMap { list[$0].map(LibvirtDomain.init) }
    }

    /// UUIDs of the domains a listing filter selects, in one call (autostart,
    /// persistent: facts no statistics group carries).
    func domainUUIDs(_ filter: virConnectListAllDomainsFlags) throws(LibvirtError) -> Set<String> {
        var list: UnsafeMutablePointer<virDomainPtr?>?
        let count = virConnectListAllDomains(handle, &list, filter.rawValue)
        guard count >= 0, let list else { throw LibvirtError.last("virConnectListAllDomains") }
        defer { free(list) }
        var uuids = Set<String>()
        for index in 0..<Int(count) {
            guard let domain = list[index] else { continue }
            defer { virDomainFree(domain) }
            if let uuid = try? LibvirtStrings.uuid("virDomainGetUUIDString", { virDomainGetUUIDString(domain, $0) }) {
                uuids.insert(uuid)
            }
        }
        return uuids
    }

    /// Every domain with its statistics, in one call (`virConnectGetAllDomainStats`):
    /// state, CPU, balloon, vCPU, interface and block groups (top layers only).
    /// What a driver leaves out (the 9.0 test driver gives only `state.*`) is asked per domain.
    func allDomainStatistics() throws(LibvirtError) -> [(domain: LibvirtDomain, statistics: TypedParameters)] {
        let groups: [virDomainStatsTypes] = [VIR_DOMAIN_STATS_STATE, VIR_DOMAIN_STATS_CPU_TOTAL,
                                             VIR_DOMAIN_STATS_BALLOON, VIR_DOMAIN_STATS_VCPU,
                                             VIR_DOMAIN_STATS_INTERFACE, VIR_DOMAIN_STATS_BLOCK]
        let stats = groups.reduce(UInt32(0)) { $0 | $1.rawValue }
        var records: UnsafeMutablePointer<virDomainStatsRecordPtr?>?
        let count = virConnectGetAllDomainStats(handle, stats, &records, 0)
        guard count >= 0, let records else { throw LibvirtError.last("virConnectGetAllDomainStats") }
        defer { virDomainStatsRecordListFree(records) }
        var result: [(domain: LibvirtDomain, statistics: TypedParameters)] = []
        result.reserveCapacity(Int(count))
        for index in 0..<Int(count) {
            guard let record = records[index]?.pointee, let domain = record.dom else { continue }
            // The record list frees its domains; keep a reference of our own.
            guard virDomainRef(domain) == 0 else { continue }
            result.append((LibvirtDomain(domain), TypedParameters(record.params, count: Int(record.nparams))))
        }
        return result
    }

    /// Every storage pool, active and inactive.
    func allStoragePools() throws(LibvirtError) -> [LibvirtStoragePool] {
        var list: UnsafeMutablePointer<virStoragePoolPtr?>?
        let count = virConnectListAllStoragePools(handle, &list, 0)
        guard count >= 0, let list else { throw LibvirtError.last("virConnectListAllStoragePools") }
        defer { free(list) }
        return (0..<Int(count)).compactMap { list[$0].map(LibvirtStoragePool.init) }
    }

    static func versionText(_ version: UInt) -> String {
        "\(version / 1_000_000).\(version / 1_000 % 1_000).\(version % 1_000)"
    }
}
