/// One thing found about one layer of a backing chain. A layer has ``ok`` alone
/// or one or more of the others. Each case's doc comment gives the rule that
/// raises it and why it has its severity.
///
/// Conditions about how a layer is reached (the format its child recorded for
/// it, a missing file, a loop) sit on the layer being reached, not on the child.
public enum LayerCondition: Sendable, Hashable {
    /// Nothing wrong was found. Severity ok.
    case ok
    /// `stat`, `open` or `read` failed (permission, I/O error), or the file
    /// changed between `stat` and `fstat`. Critical: qemu could not open it either.
    case unreadable(reason: String)
    /// Not a regular file or block device (directory, FIFO, socket, character
    /// device): never opened or read. Critical: it cannot be a disk image.
    case notRegularFile(FileKind)
    /// The header is truncated or breaks a rule qemu enforces on open (bad
    /// magic/version, cluster_bits outside 9...21, header_length, backing name
    /// over 1023 bytes or outside the first cluster, extension overrun, the
    /// L1, refcount and snapshot tables' places and sizes ...).
    /// Critical: qemu refuses the image. A warning for header data beyond the
    /// inspector's own read limit: not fully inspected.
    case malformedHeader(HeaderProblem)
    /// Incompatible feature bits qemu does not know (named from the image's
    /// feature name table when it has one). Critical: qemu refuses the image.
    case unknownIncompatibleFeatures([FeatureBit])
    /// qcow2 corrupt bit: qemu detected an inconsistency and the image must not
    /// be written until `qemu-img check -r` repairs it. Critical: qemu opens it
    /// read-only at best, and `qemu-img check` alone does not show the bit.
    case corrupt
    /// qcow2 dirty bit (or QED "needs check"): refcounts may be stale after an
    /// unclean shutdown, or the image is open right now with lazy refcounts.
    /// Warning: qemu repairs it on open, but it flags a crash or a writer.
    case dirty
    /// The image is encrypted (qcow2 AES or LUKS, or a LUKS volume). Info: the
    /// chain is fine but needs its secret to be used.
    case encrypted(method: String)
    /// qcow2 guest data lives in an external data file, resolved like a backing
    /// name. Info when the file exists; critical when it is missing (qemu cannot
    /// open the image). With no name recorded the header itself is refused
    /// (``HeaderProblem/dataFileRequired(_:)``).
    case externalDataFile(path: String?, exists: Bool)
    /// The backing file named by the child does not exist. Critical: qemu
    /// cannot open the chain, the VM cannot start.
    case missingBackingFile(name: String)
    /// The child recorded no backing format, so the format is probed. Warning:
    /// probing is unsafe (a raw image whose guest wrote a qcow2 header would be
    /// misread) and libvirt complains; critical when `probingRefused`, because
    /// libvirt refuses to probe an image that has a backing file of its own.
    case backingFormatNotRecorded(probed: ImageFormat?, probingRefused: Bool)
    /// A protocol name (file, nbd, rbd...) was recorded where a format belongs,
    /// as qemu does for images created on a protocol without a format layer.
    /// Warning: libvirt takes it for no format recorded and probes the backing
    /// (critical when it refuses to: ``backingFormatNotRecorded``); qemu alone
    /// opens `file` as raw and refuses the others. The metadata should be rebased.
    case backingFormatIsProtocol(String)
    /// The recorded backing format is neither a format libvirt accepts nor a
    /// protocol. Warning: libvirt ignores it and probes the backing, as for none
    /// recorded (critical when that probe is refused); qemu alone refuses an
    /// unknown name. `knownToQemu` (vhdx, luks...: a format qemu has and libvirt
    /// does not list) changes the wording only, not the severity.
    case backingFormatUnknown(String, knownToQemu: Bool)
    /// The recorded format contradicts the probed one. Warning when recorded
    /// raw (or a protocol): qemu serves the file as raw, so the guest sees the
    /// header bytes, which is what was asked for but rarely what was meant.
    /// Critical otherwise: qemu refuses to open, e.g. recorded qcow2 but raw.
    case formatMismatch(recorded: String, probed: ImageFormat)
    /// The backing file is a network source (URI, `proto:` syntax, json:),
    /// never connected to. Info: its health is the storage system's to report.
    case networkBacking(protocol: String, description: String)
    /// A backing name qemu cannot interpret (invalid json:, unknown `proto:`).
    /// Critical: qemu refuses the chain.
    case invalidBackingName(reason: String)
    /// This file (same device and inode) already appears higher in the chain.
    /// Critical: qemu-img reports an infinite loop and nothing can open it.
    case loop(firstSeenAtLayer: Int)
    /// The chain has more layers than the configured limit; not read further.
    /// A warning: the limit is the inspector's (libvirt's own is 200 layers), so
    /// the chain is not fully inspected, and this much depth means a runaway
    /// snapshot job or a crafted chain.
    case tooDeep(limit: Int)
    /// The deep check (``QCow2DeepCheck``) found clusters referenced beyond
    /// their refcount, misplaced tables or wrong COPIED flags. Critical: the
    /// next write to the image may destroy data (`qemu-img check -r all` while
    /// no VM uses it).
    case metadataCorruptions(count: Int, first: String)
    /// The deep check found clusters counted as used that nothing references.
    /// A warning: wasted space, no data at risk (`qemu-img check -r leaks`).
    case leakedClusters(count: Int)
    /// The deep check could not finish (unreadable tables, or more metadata
    /// than it reads for a file of this size). A warning: nothing is known bad.
    case deepCheckFailed(reason: String)
    /// A persistent dirty bitmap is flagged in use though no QEMU has the image
    /// open: it was not saved cleanly (a host or QEMU crash), and incremental
    /// backups built on it miss changes. A warning naming the bitmap.
    case bitmapNotSavedCleanly(name: String)
    /// The backing name is a relative file name qemu opens against its working
    /// directory (after `file:`, or inside `json:`), not beside the image that
    /// names it: under libvirt, QEMU runs in `/`. A warning: qemu opens a file
    /// other than the one a person reading the name expects (and when none is
    /// there, the layer is also a missing backing file: critical).
    case resolvedAgainstWorkingDirectory(name: String, opened: String, besideImage: String)
    /// The snapshot table is larger than the part read with the header: `listed` of
    /// `count` entries were read and judged, the rest is not (qemu reads all of them
    /// when it opens the image). Info: not fully inspected, nothing found wrong.
    case partlyInspected(listed: Int, of: UInt32)

    /// How serious the condition is, per the rules above.
    public var severity: Severity {
        switch self {
        case .ok: .ok
        case .encrypted, .networkBacking, .partlyInspected: .info
        case .dirty, .backingFormatIsProtocol, .leakedClusters, .deepCheckFailed, .bitmapNotSavedCleanly,
             .resolvedAgainstWorkingDirectory, .tooDeep: .warning
        // The inspector's own read bound, not a fault qemu sees.
        case .malformedHeader(.beyondReadLimit): .warning
        case .externalDataFile(let path, let exists):
            exists ? .info : (path == nil ? .warning : .critical)
        case .backingFormatNotRecorded(_, let refused): refused ? .critical : .warning
        // libvirt ignores a name it does not know and probes the backing (critical when
        // that probe is refused, a condition of its own).
        case .backingFormatUnknown: .warning
        case .formatMismatch(let recorded, _):
            BackingFormatName(recorded).servedFormat?.isRaw == true ? .warning : .critical
        case .unreadable, .notRegularFile, .malformedHeader, .unknownIncompatibleFeatures, .corrupt,
             .missingBackingFile, .invalidBackingName, .loop, .metadataCorruptions: .critical
        }
    }

    /// A stable kebab-case name for JSON and monitoring keys.
    public var code: String {
        switch self {
        case .ok: "ok"
        case .unreadable: "unreadable"
        case .notRegularFile: "not-regular-file"
        case .malformedHeader: "malformed-header"
        case .unknownIncompatibleFeatures: "unknown-incompatible-features"
        case .corrupt: "corrupt"
        case .dirty: "dirty"
        case .encrypted: "encrypted"
        case .externalDataFile: "external-data-file"
        case .missingBackingFile: "missing-backing-file"
        case .backingFormatNotRecorded: "backing-format-not-recorded"
        case .backingFormatIsProtocol: "backing-format-is-protocol"
        case .backingFormatUnknown: "backing-format-unknown"
        case .formatMismatch: "format-mismatch"
        case .networkBacking: "network-backing"
        case .invalidBackingName: "invalid-backing-name"
        case .loop: "loop"
        case .tooDeep: "too-deep"
        case .metadataCorruptions: "metadata-corruptions"
        case .leakedClusters: "leaked-clusters"
        case .deepCheckFailed: "deep-check-failed"
        case .bitmapNotSavedCleanly: "bitmap-not-saved-cleanly"
        case .resolvedAgainstWorkingDirectory: "resolved-against-working-directory"
        case .partlyInspected: "partly-inspected"
        }
    }

    /// A sentence naming the layer and the problem, for people.
    public func detail(layer: String) -> String {
        switch self {
        case .ok: "\(layer): ok"
        case .unreadable(let reason): "\(layer): cannot be read: \(reason)"
        case .notRegularFile(let kind): "\(layer): is a \(kind.rawValue), not a disk image; not opened"
        case .malformedHeader(let problem): "\(layer): malformed header: \(problem)"
        case .unknownIncompatibleFeatures(let bits):
            "\(layer): unknown incompatible feature(s) \(bits.map(\.description).joined(separator: ", ")); qemu refuses to open it"
        case .corrupt: "\(layer): marked corrupt; run qemu-img check -r all on it while no VM uses it"
        case .dirty: "\(layer): dirty (not closed cleanly, or in use with lazy refcounts)"
        case .encrypted(let method): "\(layer): encrypted (\(method))"
        case .externalDataFile(let path, let exists):
            if let path {
                exists ? "\(layer): guest data in external data file \(path)"
                    : "\(layer): external data file \(path) is missing"
            } else {
                "\(layer): uses an external data file whose name is not recorded"
            }
        case .missingBackingFile(let name): "\(layer): backing file '\(name)' does not exist"
        case .backingFormatNotRecorded(let probed, let refused):
            if refused {
                "\(layer): backing format not recorded, and probing is refused because it has a backing file of its own"
            } else if let probed {
                "\(layer): backing format not recorded; probed as \(probed.rawValue)"
            } else {
                "\(layer): backing format not recorded"
            }
        case .backingFormatIsProtocol(let name):
            "\(layer): backing format recorded as protocol '\(name)'; libvirt ignores it and probes the file"
        case .backingFormatUnknown(let name, let knownToQemu):
            knownToQemu ? "\(layer): backing format '\(name)' is not accepted by libvirt; it probes the file"
                : "\(layer): unknown backing format '\(name)'; libvirt ignores it and probes the file (qemu alone refuses it)"
        case .formatMismatch(let recorded, let probed):
            BackingFormatName(recorded).servedFormat?.isRaw == true
                ? "\(layer): recorded as \(recorded) but is \(probed.rawValue); served as raw, the guest sees its metadata"
                : "\(layer): recorded as \(recorded) but is \(probed.rawValue); qemu cannot open it"
        case .networkBacking(let proto, _): "\(layer): network backing (\(proto)), not checked"
        case .invalidBackingName(let reason): "\(layer): invalid backing name: \(reason)"
        case .loop(let first): "\(layer): backing chain loops back to layer \(first)"
        case .tooDeep(let limit): "\(layer): backing chain deeper than \(limit) layers; not followed further, not fully inspected"
        case .metadataCorruptions(let count, let first):
            "\(layer): \(count) metadata corruption\(count == 1 ? "" : "s") (\(first)); run qemu-img check -r all on it while no VM uses it"
        case .leakedClusters(let count):
            "\(layer): \(count) leaked cluster\(count == 1 ? "" : "s") (used, referenced by nothing); qemu-img check -r leaks frees them"
        case .deepCheckFailed(let reason): "\(layer): deep check did not finish: \(reason)"
        case .resolvedAgainstWorkingDirectory(let name, let opened, let beside):
            "\(layer): qemu opens the backing name '\(name)' against its working directory (/ under libvirt): \(opened), not \(beside) beside the image; record it as a plain or absolute name (qemu-img rebase -u)"
        case .partlyInspected(let listed, let count):
            "\(layer): snapshot table of \(count) entries, \(listed) read with the header; the rest is not checked (qemu reads it all on open)"
        case .bitmapNotSavedCleanly(let name):
            "\(layer): bitmap '\(name)' is in use but no QEMU has the image open: not saved cleanly, incremental backups from it miss changes; start a full backup and re-create the bitmap"
        }
    }
}
