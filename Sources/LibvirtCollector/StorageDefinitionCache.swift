import VirtModel

/// What a volume's XML (and, where a driver leaves something out, its info)
/// says, read once and kept: the part of a volume that changes only when
/// libvirt refreshes its pool.
struct VolumeFacts: Sendable, Equatable {
    var type: VolumeType
    var path: String
    var format: String
    var capacity: UInt64
    var allocation: UInt64
    var physical: UInt64
    var backingPath: String
}

/// Pool and volume descriptions kept between polls, so that a steady poll costs
/// a few calls per pool, not one per volume. An entry is read again when it is
/// new; when libvirt's pool events name its pool (a refresh, a start, a stop);
/// on a new connection (events may have been missed); and, as a safety net
/// should an event be lost, once older than ``lifetime`` polls -- at most
/// ``rereadsPerPoll`` volumes a poll, so that a pool of ten thousand costs the
/// same few calls every poll instead of ten thousand every tenth.
struct StorageDefinitionCache: Sendable {
    private struct Entry<Value: Sendable>: Sendable {
        var value: Value
        var pool: String
        var readAt: Int
    }

    static let lifetime = 10
    static let rereadsPerPoll = 8

    private var pools: [String: Entry<StorageDefinition>] = [:]
    private var volumes: [String: Entry<VolumeFacts>] = [:]
    /// The keys of each pool's volumes kept, so that forgetting a pool costs its own volumes only.
    private var keysByPool: [String: Set<String>] = [:]
    private var poll = 0
    /// Volumes in the order they were read, oldest first (entries for keys read
    /// again or dropped since are skipped): the safety net takes the oldest, so
    /// every volume is re-read in turn however many there are.
    private var queue: [(key: String, readAt: Int)] = []
    private var head = 0
    /// The volumes this poll's safety net re-reads.
    private var due = Set<String>()
    /// Descriptions read from libvirt so far (for tests of the cache).
    private(set) var reads = 0

    /// A new poll: forgets the pools libvirt's events named (nil: an event named
    /// none, so every pool) and renews the safety net's budget.
    mutating func startPoll(_ number: Int, changedPools: Set<String>?) {
        poll = number
        guard let changedPools else { return removeAll() }
        for uuid in changedPools { forget(pool: uuid) }
        due.removeAll(keepingCapacity: true)
        while due.count < Self.rereadsPerPoll, head < queue.count {
            let (key, readAt) = queue[head]
            guard volumes[key]?.readAt == readAt else { head += 1; continue }   // superseded
            guard poll - readAt >= Self.lifetime else { break }
            due.insert(key)
            head += 1
        }
        if head > 1024, head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }

    mutating func removeAll() {
        pools.removeAll()
        volumes.removeAll()
        keysByPool.removeAll()
        queue.removeAll()
        head = 0
        due.removeAll()
    }

    mutating func forget(pool uuid: String) {
        pools[uuid] = nil
        for key in keysByPool.removeValue(forKey: uuid) ?? [] { volumes[key] = nil }
    }

    /// The pool's description, read with `read` when not kept or expired (one
    /// call a pool every ``lifetime`` polls: no budget needed).
    mutating func pool(_ uuid: String, read: () throws(LibvirtError) -> StorageDefinition) throws(LibvirtError) -> StorageDefinition {
        if let entry = pools[uuid], poll - entry.readAt < Self.lifetime { return entry.value }
        let value = try read()
        reads += 1
        pools[uuid] = Entry(value: value, pool: uuid, readAt: poll)
        return value
    }

    /// The volume's facts, read with `read` when not kept, or when expired and
    /// this poll's safety net takes it (the oldest, ``rereadsPerPoll`` a poll).
    mutating func volume(key: String, pool: String, read: () throws(LibvirtError) -> VolumeFacts) throws(LibvirtError) -> VolumeFacts {
        if let entry = volumes[key], entry.pool == pool, !due.contains(key) { return entry.value }
        let value = try read()
        reads += 1
        due.remove(key)
        if let previous = volumes[key]?.pool, previous != pool { keysByPool[previous]?.remove(key) }
        volumes[key] = Entry(value: value, pool: pool, readAt: poll)
        keysByPool[pool, default: []].insert(key)
        queue.append((key, poll))
        return value
    }

    /// Drops the volumes of `pool` no longer listed (deleted, or the pool stopped).
    mutating func keep(only keys: Set<String>, of pool: String) {
        guard let kept = keysByPool[pool], kept.count != keys.count || !kept.isSubset(of: keys) else { return }
        for key in kept.subtracting(keys) { volumes[key] = nil }
        keysByPool[pool] = kept.intersection(keys)
    }

    /// Drops pools no longer listed, with their volumes.
    mutating func keep(onlyPools uuids: Set<String>) {
        for uuid in Set(pools.keys).union(keysByPool.keys).subtracting(uuids) { forget(pool: uuid) }
    }
}
