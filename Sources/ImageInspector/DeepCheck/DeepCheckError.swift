/// Why a deep check could not be done (as opposed to what it found).
public enum DeepCheckError: Error, Sendable, Hashable, CustomStringConvertible {
    case cannotOpen(path: String, String)
    case notAnImageFile(path: String)
    case notQCow2(format: String)
    /// The header is one qemu would not open (qemu-img check fails the same way).
    case unopenable(String)
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
        case .readFailed(let offset, let reason): "read failed at offset \(offset): \(reason)"
        case .readBudgetExceeded(let budget):
            "the image's tables reference more metadata than the check reads (\(budget) bytes): stopped"
        case .tooLarge(let clusters): "\(clusters) clusters: more than qemu-img check counts (2^31 - 1)"
        }
    }
}
