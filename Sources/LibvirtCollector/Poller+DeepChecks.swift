import ImageInspector
import VirtModel

extension Poller {
    /// Marks the files running domains write to: the top image of each writable
    /// disk of an active domain, and the volumes that are such files.
    func markWrittenFiles(_ snapshot: inout Snapshot) {
        snapshot.host.deepChecks = deepChecks?.settings
        let active = Set(snapshot.domains.filter { $0.id >= 0 }.map(\.index))
        var written = Set<String>()
        for position in snapshot.disks.indices {
            let disk = snapshot.disks[position]
            guard active.contains(disk.domainIndex), !disk.readOnly, let top = disk.chain?.top else { continue }
            snapshot.disks[position].isWrittenByRunningDomain = true
            written.insert(top.path)
        }
        guard !written.isEmpty else { return }
        for pool in snapshot.pools.indices {
            for volume in snapshot.pools[pool].volumes.indices
            where written.contains(snapshot.pools[pool].volumes[volume].chain?.top?.path ?? snapshot.pools[pool].volumes[volume].path) {
                snapshot.pools[pool].volumes[volume].isWrittenByRunningDomain = true
            }
        }
    }

    /// Hands the deep-check schedule every qcow2 file the snapshot's chains reach.
    func offerDeepChecks(_ snapshot: Snapshot) {
        guard let deepChecks else { return }
        var candidates: [DeepCheckSchedule.Candidate] = []
        func add(_ chain: BackingChain?, topInUse: Bool) {
            for layer in chain?.layers ?? [] where layer.isCheckedAsQCow2 {
                guard let identity = layer.identity else { continue }
                candidates.append(.init(path: layer.path, identity: identity, inUse: topInUse && layer.index == 0))
            }
        }
        for disk in snapshot.disks { add(disk.chain, topInUse: disk.isWrittenByRunningDomain) }
        for volume in snapshot.volumes { add(volume.chain, topInUse: volume.isWrittenByRunningDomain) }
        deepChecks.offer(candidates)
    }
}
