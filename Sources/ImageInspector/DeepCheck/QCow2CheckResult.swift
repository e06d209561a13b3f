/// What a deep check of one qcow2 file found, in `qemu-img check`'s terms
/// (its JSON fields carry the same names and meanings).
public struct QCow2CheckResult: Sendable, Hashable {
    /// Errors that stopped part of the check (unreadable tables): `check-errors`.
    public var checkErrors = 0
    /// References the refcounts do not cover, misplaced tables, wrong COPIED
    /// flags: the image is damaged, and a write may destroy data. `corruptions`.
    public var corruptions = 0
    /// Clusters counted as used that nothing references: wasted space. `leaks`.
    public var leaks = 0
    /// The end of the last cluster in use or referenced: `image-end-offset`.
    public var imageEndOffset: UInt64 = 0
    /// Clusters of the virtual disk: `total-clusters`.
    public var totalClusters: UInt64 = 0
    /// Guest clusters the active layer has data (or preallocated zeros) in: `allocated-clusters`.
    public var allocatedClusters: UInt64 = 0
    /// Allocated clusters not right after the one before them on disk: `fragmented-clusters`.
    public var fragmentedClusters: UInt64 = 0
    /// `compressed-clusters`.
    public var compressedClusters: UInt64 = 0
    /// What is wrong where: the first ``findingLimit`` findings.
    public var findings: [CheckFinding] = []
    /// Findings beyond the limit, counted only.
    public var findingsOmitted = 0
    /// Metadata bytes read.
    public var bytesRead: UInt64 = 0
    /// Internal snapshots and persistent bitmaps, as the tables describe them.
    public var snapshots: [QCow2Snapshot] = []
    public var bitmaps: [QCow2Bitmap] = []
    /// A QEMU had the image open during the check (it holds its locks): bitmaps
    /// in use are then being tracked, and the counts may move under the check,
    /// as with `qemu-img check -U`.
    public var openByQEMU = false

    /// Bitmaps flagged in use in an image no QEMU has open: not saved cleanly
    /// (a host or QEMU crash), so backups built on them are wrong.
    public var bitmapsNotSavedCleanly: [QCow2Bitmap] { openByQEMU ? [] : bitmaps.filter(\.inUse) }

    public static let findingLimit = 50

    /// Corruptions and check errors are critical (the image may lose data, or
    /// could not be checked), leaks a warning, as `qemu-img check` exits 2 and 3.
    public var severity: Severity {
        if corruptions > 0 || checkErrors > 0 { return .critical }
        return leaks > 0 ? .warning : .ok
    }

    mutating func record(_ kind: CheckFinding.Kind, _ message: @autoclosure () -> String) {
        switch kind {
        case .corruption: corruptions += 1
        case .leak: leaks += 1
        case .checkError: checkErrors += 1
        }
        if findings.count < Self.findingLimit {
            findings.append(CheckFinding(kind: kind, message: message()))
        } else {
            findingsOmitted += 1
        }
    }
}

/// One thing the deep check found wrong, and where.
public struct CheckFinding: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case corruption, leak
        case checkError = "check-error"
    }

    public var kind: Kind
    /// Where and what: `cluster 5: refcount 0, referenced 1`.
    public var message: String
}
