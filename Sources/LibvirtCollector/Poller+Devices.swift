#if canImport(Glibc)
import Glibc
#endif
import ImageInspector
import Logging
import VirtModel

extension Poller {
    /// The domain's disks with sizes and counters, and libvirt's `<backingStore>`
    /// chain of each for the drift column once the chains are inspected.
    /// A device libvirt cannot report on keeps zeros: one odd disk must not cost the poll.
    /// A domain libvirt skipped keeps its disks' last sizes and counters, and is not
    /// asked per disk (that would wait on the job its stuck call holds).
    mutating func disks(of reading: DomainReading, last: [DiskKey: Disk] = [:]) -> [(disk: Disk, backingStore: [String]?)] {
        reading.definition.disks.compactMap { definition in
            guard !definition.target.isEmpty else { return nil }
            let uuid = reading.domain.uuid
            var disk = Disk(
                index: indexes.disk(definition.target, ofDomain: uuid), domainIndex: reading.domain.index,
                target: definition.target, bus: definition.bus, device: Disk.Device(xml: definition.device),
                sourceKind: definition.source.isEmpty ? .none : Disk.SourceKind(xml: definition.type),
                source: definition.source, driverFormat: definition.driverType, readOnly: definition.readOnly)
            if reading.isSkipped {
                if let previous = last[DiskKey(domain: reading.domain.index, target: definition.target)] {
                    (disk.blockInfo, disk.stats) = (previous.blockInfo, previous.stats)
                }
            } else if let bulk = reading.statistics.block(definition.target) {
                (disk.blockInfo, disk.stats) = bulk
            } else if statisticGroups.contains(.block) {
                do {
                    disk.blockInfo = try reading.handle.blockInfo(definition.target)
                    if reading.isActive { disk.stats = try reading.handle.blockStats(definition.target) }
                } catch {
                    logger.debug("\(error)", metadata: ["domain": "\(reading.domain.name)"])
                }
            }
            return (disk, definition.backingStore)
        }
    }

    /// Inspects every disk's image in one batch (but those `prefetched` this poll,
    /// keyed as `Batch.keys` keys them), then compares each chain with libvirt's.
    func inspectChains(of disks: inout [(disk: Disk, backingStore: [String]?)], pools: [StoragePool],
                       prefetched: [String: GuardedInspections.Outcome] = [:]) {
        var pending: [(position: Int, path: String, format: String?)] = []
        for position in disks.indices {
            guard let path = imagePath(of: disks[position].disk, pools: pools) else { continue }
            let format = disks[position].disk.driverFormat.isEmpty ? nil : disks[position].disk.driverFormat
            if let outcome = prefetched["\(format ?? "")\u{0}\(path)"] {
                (disks[position].disk.chain, disks[position].disk.inspectionOverdue) = Self.chain(outcome)
            } else {
                pending.append((position, path, format))
            }
        }
        let outcomes = inspections.chains(of: pending.map { ($0.path, $0.format) })
        for (image, outcome) in zip(pending, outcomes) {
            (disks[image.position].disk.chain, disks[image.position].disk.inspectionOverdue) = Self.chain(outcome)
        }
        for position in disks.indices {
            disks[position].disk.drift = Self.drift(headers: disks[position].disk.chain, libvirt: disks[position].backingStore)
        }
    }

    /// The domain's interfaces with their counters.
    mutating func interfaces(of reading: DomainReading) -> [Interface] {
        reading.definition.interfaces.compactMap { definition in
            guard let mac = Interface.macOctets(definition.mac) else { return nil }
            var interface = Interface(
                index: indexes.interface(definition.mac, ofDomain: reading.domain.uuid),
                domainIndex: reading.domain.index, mac: mac, type: definition.type,
                source: definition.source, model: definition.model, device: definition.device)
            // The host's view of the same interface, for RFC 7666's vmNetworkIfIndex and parent.
            interface.hostIfIndex = Self.hostIfIndex(definition.device)
            if definition.type == "bridge" || definition.type == "direct" {
                interface.parentIfIndex = Self.hostIfIndex(definition.source)
            }
            if let bulk = reading.statistics.interface(definition.device) {
                interface.stats = bulk
            } else if reading.isActive, !definition.device.isEmpty, statisticGroups.contains(.interface) {
                do {
                    interface.stats = try reading.handle.interfaceStats(definition.device)
                } catch {
                    logger.debug("\(error)", metadata: ["domain": "\(reading.domain.name)"])
                }
            }
            return interface
        }
    }

    /// The host's ifIndex of a network device (IF-MIB's ifIndex on Linux); 0 when it has none.
    static func hostIfIndex(_ name: String) -> UInt32 {
        guard !name.isEmpty, name.utf8.count < 16, !name.contains("/") else { return 0 }
        return if_nametoindex(name)
    }

    /// An image's chain within the inspection deadline, or the last one, marked overdue.
    static func chain(_ outcome: GuardedInspections.Outcome) -> (BackingChain?, overdue: Bool) {
        switch outcome {
        case .finished(let chain): (chain, false)
        case .overdue(let last): (last, true)
        }
    }

    /// The local image a disk opens, if it has one: network disks and empty drives have none.
    func imagePath(of disk: Disk, pools: [StoragePool]) -> String? {
        switch disk.sourceKind {
        case .file, .block:
            return disk.source
        case .volume:
            let parts = disk.source.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil }
            return pools.first { $0.name == parts[0] }?.volumes.first { $0.name == parts[1] }?.path
        case .network, .dir, .none, .other:
            return nil
        }
    }

    /// Whether libvirt's `<backingStore>` chain names the same layers as the headers.
    /// Network layers are compared by count only: libvirt and qemu spell them differently.
    static func drift(headers: BackingChain?, libvirt: [String]?) -> Disk.Drift {
        guard let headers, let libvirt else { return .unknown }
        let below = headers.layers.dropFirst().map(\.path)
        guard below.count == libvirt.count else { return .differs }
        let local = zip(below, libvirt).filter { $0.0.hasPrefix("/") || $0.1.hasPrefix("/") }
        return local.allSatisfy { $0.0 == $0.1 } ? .agrees : .differs
    }
}
