import VirtModel

/// A disk, volume or pool with its chain verdict, worked out once per snapshot
/// for all of its row's columns.
public struct Judged<Item: Sendable>: Sendable {
    public var item: Item
    var verdict: ChainVerdict

    init(_ item: Item, _ verdict: ChainVerdict) {
        self.item = item
        self.verdict = verdict
    }
}
