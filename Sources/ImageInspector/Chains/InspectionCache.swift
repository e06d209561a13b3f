import Synchronization

/// Remembers what each file said, so a poll over unchanged images costs one
/// `stat` per layer and no reads.
///
/// An entry is reused only while the path still names the same file (device,
/// inode) with the same size, modification time and change time, to the
/// nanosecond: any write to a header changes mtime; a rename onto the path
/// changes the inode; `qemu-img rebase -u` and `chmod` change ctime.
/// Safe to share between threads (one mutex, never held across I/O).
public final class InspectionCache: Sendable {
    private struct Entry {
        var identity: FileIdentity
        var inspection: LayerInspection
    }

    /// How often lookups found a still-valid reading.
    public struct Statistics: Sendable, Hashable {
        public var hits = 0
        public var misses = 0
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var statistics = Statistics()
    }

    private let state = Mutex(State())

    /// Beyond this many entries an arbitrary half is dropped, so a host
    /// whose images come and go cannot grow the cache without bound.
    public let capacity: Int

    public init(capacity: Int = 16384) {
        self.capacity = max(1, capacity)
    }

    /// Number of paths cached.
    public var count: Int { state.withLock { $0.entries.count } }

    /// Hits and misses since creation.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Forgets everything.
    public func removeAll() { state.withLock { $0.entries.removeAll() } }

    func lookup(path: String, identity: FileIdentity) -> LayerInspection? {
        state.withLock { state in
            guard let entry = state.entries[path], entry.identity == identity else {
                state.statistics.misses += 1
                return nil
            }
            state.statistics.hits += 1
            return entry.inspection
        }
    }

    func store(path: String, identity: FileIdentity, inspection: LayerInspection) {
        state.withLock { state in
            if state.entries.count >= capacity, state.entries[path] == nil {
                for key in Array(state.entries.keys.prefix(max(1, capacity / 2))) { state.entries[key] = nil }
            }
            state.entries[path] = Entry(identity: identity, inspection: inspection)
        }
    }
}
