import Foundation
import ImageInspector
import Logging
import VirtModel

/// One libvirt connection and the state that outlives a single poll: the row
/// indexes, the inspection cache and the last good snapshot. A value the collector
/// copies into each poll's thread; one copy is used by one thread at a time.
struct Poller: PollSource {
    private let uri: String?
    let logger: Logger
    private var connection: LibvirtConnection?
    var indexes: RowIndexRegistry
    var last: Snapshot
    /// Reads only the layers that changed since the last poll, each image with a
    /// deadline so hung storage costs only its own rows.
    let inspections: GuardedInspections
    /// How long one image's inspection may take before its row is served stale.
    static let inspectionDeadline: Duration = .seconds(5)
    /// Where the connection reports libvirt's events; set before the first poll.
    var sink: ChangeSink?
    /// How long a domain's monitor may stay busy before the domain is unresponsive (the poll deadline).
    private var monitorDeadline: Duration = .seconds(20)
    /// True once the running poll was abandoned (its result will be discarded).
    private(set) var isAbandoned: @Sendable () -> Bool = { false }
    /// Polls failed in a row (0 after a success): paces reconnect attempts.
    private(set) var consecutiveFailures = 0
    /// Parsed domain XML by UUID, kept between polls: a definition changes only
    /// with an event for its domain, a start or stop, or a new connection.
    private var definitions: [String: CachedDefinition] = [:]
    /// Pool and volume descriptions, kept the same way (pool events, a new connection, a lifetime).
    var storage = StorageDefinitionCache()
    /// What does not change while a connection lasts: URI, driver, versions, host name.
    private var connectionFacts: VirtModel.Host?
    private var polls = 0
    /// Domain XML documents read so far (for tests of the cache).
    private(set) var definitionsRead = 0
    /// Job and block-job calls made so far (for tests: none on a host without jobs).
    var jobCalls = 0
    /// Every definition is read again after this many polls, whatever the events
    /// said: a safety net should an event be lost.
    static let definitionLifetime = 10

    /// The background deep checks whose results the chains carry; nil for one-shot polls.
    let deepChecks: DeepCheckSchedule?
    /// The bulk statistics groups read; those switched off are not asked for at all.
    let statisticGroups: Set<StatisticGroup>

    init(uri: String?, logger: Logger, indexes: RowIndexRegistry = RowIndexRegistry(),
         maxChainDepth: Int = InspectionLimits.defaultMaxDepth, deepChecks: DeepCheckSchedule? = nil,
         statisticGroups: Set<StatisticGroup> = Set(StatisticGroup.allCases)) {
        self.uri = uri
        self.logger = logger
        self.indexes = indexes
        self.last = .empty(uri: uri ?? "")
        self.deepChecks = deepChecks
        self.statisticGroups = statisticGroups
        let inspector = ChainInspector(maxDepth: maxChainDepth, cache: InspectionCache())
        self.inspections = GuardedInspections(deadline: Self.inspectionDeadline) { path, format in
            var chain = inspector.inspect(path: path, format: format)
            deepChecks?.annotate(&chain)
            return chain
        }
        silenceLibvirtDefaultErrorPrinting()
    }

    /// A fresh snapshot; on failure, the last good one marked disconnected.
    /// `changed`: UUIDs of domains libvirt's events reported changed since the last
    /// poll, nil when an event named none (every definition is then read again).
    /// `changedPools`: UUIDs of pools the events named (nil: unknown, every pool).
    mutating func poll(changed: Set<String>? = [], changedPools: Set<String>? = [],
                       deadline: Duration = .seconds(20)) -> Snapshot {
        let started = ContinuousClock.now
        monitorDeadline = deadline
        polls += 1
        storage.startPoll(polls, changedPools: changedPools)
        if let changed {
            for uuid in changed { definitions[uuid] = nil }
        } else {
            definitions.removeAll()
        }
        do {
            let connection = try connect()
            var snapshot = try collect(from: connection, changed: changed)
            inspections.forgetUnseen()
            snapshot.host.lastPoll = Date()
            snapshot.host.lastPollMilliseconds = UInt32(clamping: (ContinuousClock.now - started).milliseconds)
            if !last.host.connection.isAnswering {
                logger.info("connected to libvirt", metadata: ["uri": "\(snapshot.host.uri)"])
            }
            last = snapshot
            consecutiveFailures = 0
        } catch {
            consecutiveFailures += 1
            if last.host.connection != .disconnected {
                logger.error("\(error)", metadata: [
                    "uri": "\(uri ?? "default")",
                    "fix": "check that libvirtd runs and the URI given with --connect is right; retrying every poll"])
            }
            if connection?.isAlive != true { connection = nil }
            last.host.connection = .disconnected
        }
        return last
    }

    mutating func close() { connection = nil }
    mutating func dropConnection() { connection = nil }
    mutating func attach(_ sink: ChangeSink) {
        self.sink = sink
        deepChecks?.whenChanged { [logger] path, check in
            let found = check.conditions
            if found.isEmpty {
                logger.info("deep check: nothing wrong any more", metadata: ["image": "\(path)"])
            } else {
                logger.warning("deep check: \(found.map { $0.detail(layer: path) }.joined(separator: "; "))",
                               metadata: ["image": "\(path)"])
            }
            sink.changed(.deepCheck)
        }
    }
    mutating func watch(abandoned: @escaping @Sendable () -> Bool) { isAbandoned = abandoned }
    var rowIndexes: RowIndexRegistry { indexes }

    private mutating func connect() throws(LibvirtError) -> LibvirtConnection {
        if let connection { return connection }
        let opened = try LibvirtConnection(readOnly: uri, sink: sink)
        connection = opened
        // Events may have been missed while there was no connection.
        definitions.removeAll()
        storage.removeAll()
        connectionFacts = nil
        return opened
    }

    /// Whether the driver's storage is libvirt's own, which reads each file volume's
    /// sizes from the file when asked; the test driver's is a fixture whose sizes
    /// are what its XML says, whatever the files hold.
    var storageReportsFileSizes: Bool { connectionFacts.map { $0.hypervisorType.uppercased() != "TEST" } ?? false }

    private mutating func collect(from connection: LibvirtConnection, changed: Set<String>?) throws(LibvirtError) -> Snapshot {
        var host: VirtModel.Host
        if let connectionFacts {
            host = connectionFacts
        } else {
            host = Host(uri: try connection.uri)
            host.hypervisorType = try connection.hypervisorType
            host.hypervisorVersion = try connection.hypervisorVersion
            host.libvirtVersion = try connection.libraryVersion
            host.hostname = try connection.hostname
            connectionFacts = host
        }
        (host.cpus, host.memoryKiB) = try connection.nodeInfo
        host.connection = .connected

        // Pools first: volume disks name their image by pool and volume.
        let pools = try collectPools(connection)
        // The last poll's disk images are inspected while libvirt gathers the statistics.
        var prefetch: GuardedInspections.Batch? = inspections.start(last.disks.compactMap { disk in
            imagePath(of: disk, pools: pools).map { ($0, disk.driverFormat.isEmpty ? nil : disk.driverFormat) }
        })
        defer { if let prefetch { _ = inspections.finish(prefetch) } }   // a poll that failed half way
        // A few calls for every domain and its counters; what they lack is asked per domain.
        let domains: [(domain: LibvirtDomain, statistics: TypedParameters?)]
        do {
            domains = try connection.allDomainStatistics(statisticGroups)
        } catch {
            logger.debug("\(error); listing the domains and asking each")
            domains = try connection.allDomains().map { ($0, nil) }
        }
        // Two listings instead of two calls per domain; nil where a driver cannot filter.
        // Transient domains are the few, so persistence is read from their listing.
        let autostart = try? connection.domainUUIDs(.autostart)
        let transient = try? connection.domainUUIDs(.transient)
        var readings: [DomainReading] = []
        var seen = Set<String>()
        for (handle, statistics) in domains {
            do {
                let uuid = try handle.uuid
                seen.insert(uuid)
                readings.append(try DomainReading(
                    handle, uuid: uuid, definition: try definition(of: handle, uuid: uuid), statistics: statistics,
                    autostart: autostart.map { $0.contains(uuid) }, persistent: transient.map { !$0.contains(uuid) },
                    monitorDeadline: monitorDeadline, groups: statisticGroups))
            } catch where error.isVanishedObject {
                continue  // undefined between listing and asking
            }
        }
        definitions = definitions.filter { seen.contains($0.key) }
        // libvirt lists in no particular order; new domains get their index in
        // name order so a fresh agent numbers the same world the same way.
        readings.sort { $0.domain.name < $1.domain.name }
        var disks: [(disk: Disk, backingStore: [String]?)] = [], interfaces: [Interface] = []
        let lastDisks = Dictionary(last.disks.map { (DiskKey(domain: $0.domainIndex, target: $0.target), $0) }) { a, _ in a }
        for position in readings.indices {
            readings[position].domain.index = indexes.domains.index(for: readings[position].domain.uuid)
            disks += self.disks(of: readings[position], last: lastDisks)
            interfaces += self.interfaces(of: readings[position])
        }
        let prefetched = prefetch.map { Dictionary(zip($0.keys, inspections.finish($0))) { a, _ in a } } ?? [:]
        prefetch = nil
        // A poll abandoned in libvirt that came back late is thrown away: it does not
        // hand the inspection worker a batch beside the current poll's.
        if !isAbandoned() { inspectChains(of: &disks, pools: pools, prefetched: prefetched) }
        carryOver(&readings, host: &host)
        collectJobs(&readings, disks: &disks, changed: changed)
        for position in readings.indices {
            let definition = readings[position].definition
            readings[position].domain.vcpuAffinity = (0..<readings[position].domain.maxVcpus).map {
                definition.affinity(ofVCPU: $0, hostCPUs: Int(host.cpus))
            }
        }
        if readings.contains(where: { $0.domain.dataStatus == .unresponsive }) { host.connection = .degraded }
        var snapshot = Snapshot(host: host, domains: readings.map(\.domain), disks: disks.map(\.disk),
                                interfaces: interfaces, pools: pools)
        markWrittenFiles(&snapshot)
        if !isAbandoned() { offerDeepChecks(snapshot) }
        snapshot.host.unhealthyChains = snapshot.unhealthyChainCount
        return snapshot
    }
}

extension Poller {
    /// What one poll cannot see but RFC 7666 asks for: since when each domain is
    /// active, when the set of domains last changed, and the host's boot time.
    func carryOver(_ readings: inout [DomainReading], host: inout VirtModel.Host) {
        let now = Date()
        let before = Dictionary(last.domains.map { ($0.uuid, $0) }) { a, _ in a }
        for position in readings.indices {
            let uuid = readings[position].domain.uuid
            // Statistics read now are as old as the poll; skipped ones keep their time.
            readings[position].domain.dataTime = readings[position].domain.dataStatus == .fresh
                ? now : before[uuid]?.dataTime
            // Skipped (its monitor busy): what needs the monitor is the last poll's.
            if readings[position].isSkipped, let last = before[uuid] {
                readings[position].domain.guestMemory = last.guestMemory
                if readings[position].domain.vcpuDetails.allSatisfy({ $0.timeNanoseconds == nil }) {
                    readings[position].domain.vcpuDetails = last.vcpuDetails
                }
            }
            readings[position].domain.cpuUsageHundredthsPercent = CPUUsage.hundredthsPercent(
                previous: before[uuid], current: readings[position].domain, isActive: readings[position].isActive)
            guard readings[position].isActive else { continue }
            readings[position].domain.activeSince = before[uuid]?.activeSince ?? now
        }
        let changed = last.host.lastPoll == nil || Set(before.keys) != Set(readings.map(\.domain.uuid))
        host.domainsChangedAt = changed ? now : last.host.domainsChangedAt
        host.bootTime = isLocal ? Date(timeIntervalSinceNow: -ProcessInfo.processInfo.systemUptime) : nil
    }

    /// The hypervisor runs on this machine (a URI without a host part).
    private var isLocal: Bool {
        guard let uri = last.host.uri.isEmpty ? uri : last.host.uri else { return true }
        return URLComponents(string: uri)?.host?.isEmpty ?? true
    }
}

/// A domain's parsed XML and the domain id it was read under.
struct CachedDefinition {
    var id: Int32
    var definition: DomainDefinition
    var poll: Int
}

extension Poller {
    /// The domain's definition: the cached one unless its domain started, stopped
    /// or changed since (events), or it is older than `definitionLifetime` polls.
    mutating func definition(of handle: LibvirtDomain, uuid: String) throws(LibvirtError) -> DomainDefinition {
        let id = handle.id
        if let cached = definitions[uuid], cached.id == id, polls - cached.poll < Self.definitionLifetime {
            return cached.definition
        }
        let xml = try handle.xml
        let definition: DomainDefinition
        do {
            definition = try DomainDefinition(xml: xml)
        } catch {
            // One unreadable document costs that domain's devices, not the poll: the
            // domain is served from what its statistics say.
            logger.warning("libvirt's XML of a domain is malformed; its disks and interfaces are not served",
                           metadata: ["domain": "\((try? handle.name) ?? uuid)", "error": "\(error)",
                                      "fix": "check the definition with virsh dumpxml"])
            definition = DomainDefinition()
        }
        definitions[uuid] = CachedDefinition(id: id, definition: definition, poll: polls)
        definitionsRead += 1
        return definition
    }
}

/// What one domain's calls returned, before its row index is known.
struct DomainReading {
    var domain: Domain
    let definition: DomainDefinition
    let handle: LibvirtDomain
    /// This domain's part of the bulk statistics (empty where the driver gave none).
    let statistics: DomainStatistics

    /// `autostart` and `persistent` from the listings, nil to ask the domain.
    init(_ handle: LibvirtDomain, uuid: String, definition: DomainDefinition, statistics: TypedParameters?,
         autostart: Bool?, persistent: Bool?, monitorDeadline: Duration,
         groups: Set<StatisticGroup> = Set(StatisticGroup.allCases)) throws(LibvirtError) {
        self.handle = handle
        self.definition = definition
        self.statistics = DomainStatistics(statistics)
        let dataStatus = Self.dataStatus(handle, self.statistics, monitorDeadline: monitorDeadline)
        // Per-domain calls only for what the bulk statistics did not carry.
        let (state, reason) = if let bulk = self.statistics.state { bulk } else { try handle.state }
        let figures = if let bulk = self.statistics.figures(groups: groups, definition: definition) { bulk }
            else { try handle.figures }
        let isAutostart = if let autostart { autostart } else { try handle.autostart }
        // Per-vCPU times: from the bulk record, else asked of a running domain.
        let vcpuTimes: [UInt64] = if let bulk = self.statistics.vcpuTimes { bulk }
            else if handle.id >= 0, groups.contains(.vcpu) { (try? handle.vcpuTimes(count: Int(figures.vcpus))) ?? [] } else { [] }
        let isPersistent = if let persistent { persistent } else { try handle.isPersistent }
        domain = Domain(
            index: 0,  // assigned by the poller, in name order
            name: try handle.name, uuid: uuid,
            state: DomainState(libvirt: state), stateReason: reason, id: handle.id,
            vcpus: figures.vcpus, maxVcpus: max(definition.maxVcpus, figures.maxVcpus),
            memoryKiB: figures.memoryKiB, maxMemoryKiB: figures.maxMemoryKiB,
            cpuTimeNanoseconds: figures.cpuTime,
            autostart: isAutostart, persistent: isPersistent,
            osType: definition.osType)
        domain.vcpuTimesNanoseconds = vcpuTimes
        domain.dataStatus = dataStatus
        domain.title = definition.title
        domain.descriptionText = definition.descriptionText
        domain.cloud = definition.cloud
        if handle.id >= 0 {
            if groups.contains(.balloon) { domain.guestMemory = self.statistics.guestMemory }
            if groups.contains(.vcpu) { domain.vcpuDetails = self.statistics.vcpus }
        }
    }

    /// Fresh unless libvirt skipped the domain's monitor figures (NOWAIT: another
    /// call holds its job); then unresponsive once its monitor has been busy, or
    /// failed, for longer than the deadline, and stale before that.
    static func dataStatus(_ handle: LibvirtDomain, _ statistics: DomainStatistics,
                           monitorDeadline: Duration) -> DataStatus {
        guard handle.id >= 0, statistics.skippedMonitor else { return .fresh }
        switch handle.control {
        case .occupied(let busy)?, .job(let busy)?: return busy >= monitorDeadline ? .unresponsive : .stale
        case .error?: return .unresponsive
        case .ok?, nil: return .stale
        }
    }

    /// Still served from the last poll (its disks' sizes and counters too).
    var isSkipped: Bool { domain.dataStatus != .fresh }

    var isActive: Bool { domain.id >= 0 }
}


/// A disk of the last snapshot, by domain row and target.
struct DiskKey: Hashable {
    var domain: UInt32
    var target: String
}
