/// Format-specific header data of a layer.
/// Indirect: a header is hundreds of bytes, and every layer of every chain of a
/// snapshot (and the inspection cache's entry for its file) carries one; boxed,
/// the layer and the cache share one copy.
public indirect enum FormatDetails: Sendable, Hashable {
    case none
    case qcow2(QCow2Header)
    case qcow(QCowHeader)
    case qed(QEDHeader)
    case vmdk(VMDKHeader)

    public var qcow2: QCow2Header? {
        if case .qcow2(let header) = self { return header }
        return nil
    }
}

/// Sizes of a layer's file.
public struct FileSize: Sendable, Hashable, Codable {
    /// Bytes allocated on disk (`st_blocks * 512`): qemu-img's actual-size.
    public var allocated: Int64
    /// `st_size` (the device size for block devices).
    public var apparent: Int64
}

/// One layer of a backing chain: a file that was inspected, or a reference
/// that was not followed (missing, network, loop, too deep), with what was
/// found about it.
public struct ImageLayer: Sendable, Hashable {
    /// Position in the chain: 0 is the image asked about, then its backing file...
    public var index: Int
    /// The path opened (backing names already resolved), or the network
    /// description for a source not followed.
    public var path: String
    /// The format probed from the file's magic; nil when the file was not read.
    public var probedFormat: ImageFormat?
    /// The format the child recorded for this layer (or the caller gave for the
    /// top layer); nil when none was recorded.
    public var declaredFormat: String?
    /// The format qemu serves this layer as (its driver name): the declared
    /// format, raw for a protocol name, else the probed format.
    public var format: String?
    /// Guest-visible size in bytes.
    public var virtualSize: UInt64?
    public var fileSize: FileSize?
    public var clusterSize: UInt64?
    /// The backing name exactly as this layer records it (qemu's backing-filename).
    public var backingName: String?
    /// What ``backingName`` refers to.
    public var backing: BackingReference
    /// The backing format this layer records for its backing file.
    public var backingFormat: String?
    /// qcow2 dirty bit or QED needs-check bit.
    public var isDirty: Bool
    public var details: FormatDetails
    /// The file's identity when it was stat-ed.
    public var identity: FileIdentity?
    /// Never empty: ``LayerCondition/ok`` alone when nothing was found.
    public var conditions: [LayerCondition]
    /// A qcow2 layer's internal snapshots and persistent bitmaps, as its header's
    /// tables list them (bounded reads: a long table is listed in full by the deep check).
    public var snapshots: [QCow2Snapshot] = []
    public var bitmaps: [QCow2Bitmap] = []
    /// The last deep check of this file, when one ran (`inspect --deep`, the agent's schedule).
    public var deepCheck: LayerDeepCheck?

    /// The worst severity among the conditions.
    public var severity: Severity { conditions.lazy.map(\.severity).max() ?? .ok }

    init(index: Int, path: String) {
        self.index = index
        self.path = path
        backing = .none
        isDirty = false
        details = .none
        conditions = []
    }
}

/// A deep check's outcome for one layer. Indirect: most layers carry none, and
/// a result with its findings is hundreds of bytes.
public indirect enum DeepCheckOutcome: Sendable, Hashable {
    case checked(QCow2CheckResult)
    case failed(String)
}
