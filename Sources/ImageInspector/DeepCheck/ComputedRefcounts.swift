/// The refcount every cluster should have, counted from the references the
/// image's tables make (qemu's in-memory refcount table).
///
/// Two bytes per cluster of the file (what qemu keeps for the default 16-bit
/// refcounts); counts of 65,535 and more, and clusters referenced past the end
/// of the file, live in a dictionary beside it, so that a hostile reference to
/// offset 2^55 costs one entry, not an allocation to reach it.
struct ComputedRefcounts {
    /// Clusters the file holds.
    let fileClusters: Int
    /// The largest count a refcount entry can hold (2^refcount_bits - 1).
    let maximum: UInt64
    private var dense: [UInt16]
    private var large: [Int: UInt64] = [:]
    /// One past the highest cluster referenced or held (qemu's grown nb_clusters).
    private(set) var extent: Int

    private static let spilled = UInt16.max

    init(fileClusters: Int, refcountBits: UInt64) {
        self.fileClusters = fileClusters
        maximum = refcountBits >= 64 ? UInt64.max : (UInt64(1) << refcountBits) - 1
        dense = [UInt16](repeating: 0, count: fileClusters)
        extent = fileClusters
    }

    func count(of cluster: Int) -> UInt64 {
        if cluster < fileClusters, dense[cluster] != Self.spilled { return UInt64(dense[cluster]) }
        return large[cluster] ?? 0
    }

    /// Counts one more reference to `cluster`; false when its count was already
    /// at the refcount maximum (qemu's "overflow", a corruption), and it stays there.
    mutating func increment(_ cluster: Int) -> Bool {
        if cluster >= extent { extent = cluster + 1 }
        let value = count(of: cluster)
        guard value < maximum else { return false }
        if cluster < fileClusters, dense[cluster] != Self.spilled, value + 1 < UInt64(Self.spilled) {
            dense[cluster] = UInt16(value + 1)
        } else {
            if cluster < fileClusters { dense[cluster] = Self.spilled }
            large[cluster] = value + 1
        }
        return true
    }

    /// Clusters past the end of the file that something references, ascending.
    var referencedPastTheEnd: [Int] { large.keys.filter { $0 >= fileClusters }.sorted() }
}
