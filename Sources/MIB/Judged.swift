import VirtModel

/// A disk, volume or pool with its chain verdict and deep-check summary, worked
/// out once per snapshot for all of its row's columns.
public struct Judged<Item: Sendable>: Sendable {
    public var item: Item
    var verdict: ChainVerdict
    var deepCheck: DeepCheckSummary

    init(_ item: Item, _ verdict: ChainVerdict, deepCheck: DeepCheckSummary = .notApplicable) {
        self.item = item
        self.verdict = verdict
        self.deepCheck = deepCheck
    }
}
