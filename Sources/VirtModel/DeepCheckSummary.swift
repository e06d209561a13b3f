import FoundationEssentials
import ImageInspector

/// What the deep checks of a chain's qcow2 files come to, for a disk's or
/// volume's row: counts summed over the layers, the oldest check's time, and
/// one state for the whole chain.
public struct DeepCheckSummary: Sendable, Equatable {
    public var state: DeepCheckState
    public var corruptions: Int
    public var leaks: Int
    /// Persistent bitmaps flagged in use with no QEMU holding the file.
    public var bitmapProblems: Int
    /// When every qcow2 layer had been checked: the oldest layer's check; nil
    /// while one has never been.
    public var lastChecked: Date?

    public static let notApplicable = DeepCheckSummary(state: .notApplicable, corruptions: 0, leaks: 0,
                                                       bitmapProblems: 0, lastChecked: nil)

    /// The summary of `chain`, whose top file a running domain writes to when
    /// `topInUse`, under the agent's deep-check `settings` (nil: no schedule runs).
    public init(_ chain: BackingChain?, topInUse: Bool, settings: DeepCheckSchedule.Settings?) {
        let layers = chain?.layers ?? []
        let states = layers.map { $0.deepCheckState(inUse: topInUse && $0.index == 0, settings: settings) }
            .filter { $0 != .notApplicable }
        guard !states.isEmpty else {
            self = .notApplicable
            return
        }
        let results = layers.compactMap { $0.deepCheck?.result }
        let finished = layers.filter(\.isCheckedAsQCow2).map(\.deepCheck?.finished)
        self.init(state: Self.precedence.first { states.contains($0) } ?? .checked,
                  corruptions: results.reduce(0) { $0 + $1.corruptions },
                  leaks: results.reduce(0) { $0 + $1.leaks },
                  bitmapProblems: layers.reduce(0) { count, layer in
                      count + layer.conditions.count { if case .bitmapNotSavedCleanly = $0 { true } else { false } }
                  },
                  lastChecked: finished.contains(nil) ? nil : finished.compactMap { $0 }.min())
    }

    public init(state: DeepCheckState, corruptions: Int, leaks: Int, bitmapProblems: Int, lastChecked: Date?) {
        self.state = state
        self.corruptions = corruptions
        self.leaks = leaks
        self.bitmapProblems = bitmapProblems
        self.lastChecked = lastChecked
    }

    /// Which layer state speaks for the chain: what needs attention first, then
    /// what is still to come, then how the checks that ran were made.
    static let precedence: [DeepCheckState] = [.failed, .pending, .skippedInUse, .off, .checkedWhileInUse, .checked]
}

extension Disk {
    public func deepCheckSummary(_ settings: DeepCheckSchedule.Settings?) -> DeepCheckSummary {
        DeepCheckSummary(chain, topInUse: isWrittenByRunningDomain, settings: settings)
    }
}

extension Volume {
    public func deepCheckSummary(_ settings: DeepCheckSchedule.Settings?) -> DeepCheckSummary {
        DeepCheckSummary(chain, topInUse: isWrittenByRunningDomain, settings: settings)
    }
}
