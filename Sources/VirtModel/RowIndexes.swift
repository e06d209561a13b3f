/// Hands out small integer row indexes (like `ifIndex`) that stay with an object.
///
/// An object keeps its index for as long as this value lives, even if it
/// disappears and comes back; new objects get the next unused number, so an
/// index is never reused for a different object.
public struct RowIndexes<Key: Hashable & Sendable & Codable>: Sendable, Codable, Equatable {
    private var assigned: [Key: UInt32] = [:]
    private var next: UInt32 = 1

    public init() {}

    /// The index of `key`, assigning the next free one the first time it is seen.
    public mutating func index(for key: Key) -> UInt32 {
        if let index = assigned[key] { return index }
        let index = next
        assigned[key] = index
        next += 1
        return index
    }
}
