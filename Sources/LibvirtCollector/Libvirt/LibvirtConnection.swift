import CLibvirt
import Foundation

/// A read-only libvirt connection that closes itself.
///
/// `@unchecked Sendable`: it holds only the `virConnectPtr` and the event
/// registrations made in `init` and undone in `deinit`. libvirt's API is safe to
/// call on one connection from several threads at once, and a poll that was
/// abandoned may still be inside a call on its own thread when the collector has
/// moved to a fresh connection: the last reference, wherever it is, closes it.
final class LibvirtConnection: @unchecked Sendable {
    private let handle: virConnectPtr
    private let events: EventRegistrations?

    /// Opens `uri` read-only; nil means libvirt's default (`LIBVIRT_DEFAULT_URI`, then its own probing).
    /// With a `sink`, libvirt's events and the connection's close are reported to it.
    init(readOnly uri: String?, sink: ChangeSink? = nil) throws(LibvirtError) {
        guard let handle = virConnectOpenReadOnly(uri) else {
            throw LibvirtError.last("virConnectOpenReadOnly", subject: uri ?? "the default URI")
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
            try LibvirtStrings.borrowed(virConnectGetType(handle), "virConnectGetType")
        }
    }

    /// `major.minor.release`; libvirt encodes it as major * 1,000,000 + minor * 1,000 + release.
    var hypervisorVersion: String {
        get throws(LibvirtError) {
            var version: UInt = 0
            try LibvirtCall.check(virConnectGetVersion(handle, &version), "virConnectGetVersion")
            return Self.versionText(version)
        }
    }

    var libraryVersion: String {
        get throws(LibvirtError) {
            var version: UInt = 0
            try LibvirtCall.check(virConnectGetLibVersion(handle, &version), "virConnectGetLibVersion")
            return Self.versionText(version)
        }
    }

    var hostname: String {
        get throws(LibvirtError) {
            try LibvirtStrings.owned(virConnectGetHostname(handle), "virConnectGetHostname")
        }
    }

    /// Logical CPUs and memory of the host.
    var nodeInfo: (cpus: UInt32, memoryKiB: UInt64) {
        get throws(LibvirtError) {
            var info = virNodeInfo()
            try LibvirtCall.check(virNodeGetInfo(handle, &info), "virNodeGetInfo")
            return (info.cpus, UInt64(info.memory))
        }
    }

    /// Every domain, active and inactive.
    func allDomains() throws(LibvirtError) -> [LibvirtDomain] {
        try LibvirtCall.list("virConnectListAllDomains", { virConnectListAllDomains(handle, $0, 0) },
                             wrap: LibvirtDomain.init)
    }

    /// A listing filter for facts no statistics group carries.
    enum DomainFilter {
        case autostart, transient

        var flags: UInt32 {
            switch self {
            case .autostart: VIR_CONNECT_LIST_DOMAINS_AUTOSTART.rawValue
            case .transient: VIR_CONNECT_LIST_DOMAINS_TRANSIENT.rawValue
            }
        }
    }

    /// UUIDs of the domains a listing filter selects, in one call.
    func domainUUIDs(_ filter: DomainFilter) throws(LibvirtError) -> Set<String> {
        let domains = try LibvirtCall.list("virConnectListAllDomains", { virConnectListAllDomains(handle, $0, filter.flags) },
                                           wrap: LibvirtDomain.init)
        return Set(domains.compactMap { try? $0.uuid })
    }

    /// Domains asked for in one statistics call. libvirt warns that one call for
    /// every domain can exceed its RPC message limit on hosts with very many;
    /// `virDomainListGetStats` over batches is its documented alternative.
    static let statisticsBatch = 256

    /// Every domain with its statistics: one listing, then one call a batch of
    /// ``statisticsBatch`` (`virDomainListGetStats`): state, CPU, balloon, vCPU,
    /// interface and block groups (top layers only). NOWAIT: a domain whose job
    /// another call holds (a QEMU that does not answer its monitor) is reported
    /// without the figures that need its monitor, at once, instead of holding up
    /// every domain. A batch libvirt refuses is asked again a domain at a time, so
    /// one domain costs only its own figures (a driver without bulk statistics, or
    /// a lost connection, is thrown instead: no smaller batch would do better;
    /// nil: asked per domain by the caller,
    /// as is what a driver leaves out: the 9.0 test driver gives only `state.*`).
    func allDomainStatistics(_ wanted: Set<StatisticGroup> = Set(StatisticGroup.allCases)) throws(LibvirtError)
        -> [(domain: LibvirtDomain, statistics: TypedParameters?)] {
        let optional: [(StatisticGroup, virDomainStatsTypes)] = [
            (.balloon, VIR_DOMAIN_STATS_BALLOON), (.vcpu, VIR_DOMAIN_STATS_VCPU),
            (.interface, VIR_DOMAIN_STATS_INTERFACE), (.block, VIR_DOMAIN_STATS_BLOCK)]
        let groups = [VIR_DOMAIN_STATS_STATE, VIR_DOMAIN_STATS_CPU_TOTAL] + optional.filter { wanted.contains($0.0) }.map(\.1)
        let stats = groups.reduce(UInt32(0)) { $0 | $1.rawValue }
        let domains = try allDomains()
        var result: [(domain: LibvirtDomain, statistics: TypedParameters?)] = []
        result.reserveCapacity(domains.count)
        for start in stride(from: 0, to: domains.count, by: Self.statisticsBatch) {
            let batch = Array(domains[start ..< min(start + Self.statisticsBatch, domains.count)])
            do {
                result += try Self.statistics(of: batch, stats: stats)
            } catch where Self.failsEveryBatch(error) {
                throw error     // no bulk statistics here, or no connection: the caller asks per domain or reconnects
            } catch {
                for domain in batch {
                    result += (try? Self.statistics(of: [domain], stats: stats)) ?? [(domain, nil)]
                }
            }
        }
        return result
    }

    /// An error no smaller batch would avoid: the driver has no bulk statistics,
    /// or the connection is gone.
    private static func failsEveryBatch(_ error: LibvirtError) -> Bool {
        [.noSupport, .noConnect, .rpc, .systemError].contains(error.code)
    }

    /// One `virDomainListGetStats` call. A domain undefined since the listing is
    /// left out by libvirt, not an error.
    private static func statistics(of domains: [LibvirtDomain], stats: UInt32) throws(LibvirtError)
        -> [(domain: LibvirtDomain, statistics: TypedParameters?)] {
        let flags = VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT.rawValue
        var handles: [virDomainPtr?] = domains.map(\.handle) + [nil]
        var records: UnsafeMutablePointer<virDomainStatsRecordPtr?>?
        let count = try LibvirtCall.check(virDomainListGetStats(&handles, stats, &records, flags), "virDomainListGetStats")
        guard let records else { return [] }
        defer { virDomainStatsRecordListFree(records) }
        var result: [(domain: LibvirtDomain, statistics: TypedParameters?)] = []
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
        try LibvirtCall.list("virConnectListAllStoragePools", { virConnectListAllStoragePools(handle, $0, 0) },
                             wrap: LibvirtStoragePool.init)
    }

    static func versionText(_ version: UInt) -> String {
        "\(version / 1_000_000).\(version / 1_000 % 1_000).\(version % 1_000)"
    }
}
