import FoundationEssentials

/// Where a qcow2 layer stands with the deep check: numbered as VIRT-AGENTX-MIB's
/// `VirtDeepCheckState` numbers it.
public enum DeepCheckState: Int32, Sendable, CaseIterable {
    /// Not a layer the deep check reads: not qcow2, or not opened as qcow2.
    case notApplicable = 1
    /// Due, waiting for its turn (one check at a time, at the read rate).
    case pending
    /// Checked while no QEMU had it open for writing.
    case checked
    /// Checked while a running domain wrote to it (`qemu-img check -U`): counts may be off.
    case checkedWhileInUse
    /// The check could not finish (unreadable tables, hung storage, too much metadata).
    case failed
    /// In use by a running domain, and deep checks of running domains are not turned on.
    case skippedInUse
    /// Deep checks are turned off (`deepCheckInterval 0`).
    case off
}

/// A layer's last deep check: what it found, when, and whether the file was in use.
public struct LayerDeepCheck: Sendable, Hashable {
    public var outcome: DeepCheckOutcome
    /// When the check finished.
    public var finished: Date
    /// A running domain had the file open for writing (as `qemu-img check -U`).
    public var whileInUse: Bool

    public init(outcome: DeepCheckOutcome, finished: Date, whileInUse: Bool) {
        self.outcome = outcome
        self.finished = finished
        self.whileInUse = whileInUse
    }

    public var state: DeepCheckState {
        switch outcome {
        case .failed: .failed
        case .checked: whileInUse ? .checkedWhileInUse : .checked
        }
    }

    /// The result, when the check finished.
    public var result: QCow2CheckResult? {
        if case .checked(let result) = outcome { return result }
        return nil
    }

    /// The conditions the check raises on its layer: corruptions, leaks, bitmaps
    /// not saved cleanly, a check that could not finish.
    public var conditions: [LayerCondition] {
        switch outcome {
        case .failed(let reason):
            return [.deepCheckFailed(reason: reason)]
        case .checked(let result):
            var conditions: [LayerCondition] = []
            if result.corruptions > 0 {
                let first = result.findings.first { $0.kind == .corruption }?.message ?? "see the deep check"
                conditions.append(.metadataCorruptions(count: result.corruptions, first: first))
            }
            if result.leaks > 0 { conditions.append(.leakedClusters(count: result.leaks)) }
            conditions += result.bitmapsNotSavedCleanly.map { .bitmapNotSavedCleanly(name: $0.name) }
            if result.checkErrors > 0 {
                let first = result.findings.first { $0.kind == .checkError }?.message ?? "check errors"
                conditions.append(.deepCheckFailed(reason: "\(result.checkErrors) check errors (\(first))"))
            }
            return conditions
        }
    }
}

extension ImageLayer {
    /// A layer the deep check reads: a qcow2 file opened as qcow2.
    public var isCheckedAsQCow2: Bool {
        probedFormat == .qcow2 && format == ImageFormat.qcow2.qemuDriverName && identity != nil
    }

    /// Records `check` on the layer with the conditions it raises (a bitmap
    /// already reported from the header is not reported twice).
    public mutating func attach(_ check: LayerDeepCheck) {
        deepCheck = check
        let found = check.conditions.filter { !conditions.contains($0) }
        guard !found.isEmpty else { return }
        if conditions == [.ok] { conditions = [] }
        conditions += found
    }
}

extension ImageLayer {
    /// Where this layer stands with the deep checks: its last check's state, or
    /// why none has run. `inUse`: a running domain writes to this file.
    public func deepCheckState(inUse: Bool, settings: DeepCheckSchedule.Settings?) -> DeepCheckState {
        guard isCheckedAsQCow2 else { return .notApplicable }
        if let deepCheck { return deepCheck.state }
        guard let settings, settings.isOn else { return .off }
        return inUse && !settings.runningDomains ? .skippedInUse : .pending
    }
}
