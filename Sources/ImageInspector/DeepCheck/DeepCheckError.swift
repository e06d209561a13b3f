/// Why a deep check could not be done (as opposed to what it found).
public enum DeepCheckError: Error, Sendable, Hashable, CustomStringConvertible {
    case cannotOpen(path: String, String)
    case notAnImageFile(path: String)
    case notQCow2(format: String)
    /// The header is one qemu would not open (qemu-img check fails the same way).
    case unopenable(String)
    /// A snapshot table entry with more extra data than qemu accepts (1 KiB):
    /// one qemu refuses on open, kept apart so a partial listing can tell it
    /// from an entry that merely lies beyond the bytes read.
    case snapshotExtraDataTooLarge(entry: UInt32, bytes: UInt32, offset: UInt64)
    case readFailed(offset: UInt64, String)
    /// The tables point at more metadata than the check reads for a file this size.
    case readBudgetExceeded(UInt64)
    /// An image qemu cannot check either (more clusters than it counts).
    case tooLarge(clusters: UInt64)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
        case .notAnImageFile(let path): "\(path) is not a regular file or block device"
        case .notQCow2(let format): "the deep check reads qcow2 images; this layer is \(format)"
        case .unopenable(let reason): "qemu would not open this image: \(reason)"
        case .snapshotExtraDataTooLarge: "qemu would not open this image: \(qemuReason ?? "")"
        case .readFailed(let offset, let reason): "read failed at offset \(offset): \(reason)"
        case .readBudgetExceeded(let budget):
            "the image's tables reference more metadata than the check reads (\(budget) bytes): stopped"
        case .tooLarge(let clusters): "\(clusters) clusters: more than qemu-img check counts (2^31 - 1)"
        }
    }

    /// qemu's own words, for the refusals it states.
    public var qemuReason: String? {
        switch self {
        case .unopenable(let reason): reason
        case .snapshotExtraDataTooLarge(let entry, let bytes, let offset):
            "Too much extra metadata in snapshot table entry \(entry) (\(bytes) bytes at \(hex(offset)))"
        default: nil
        }
    }
}
