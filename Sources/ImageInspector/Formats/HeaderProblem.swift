/// Why an image header cannot be trusted: each case is something qemu refuses
/// to open (or, for ``beyondReadLimit``, something this inspector refuses to read).
public enum HeaderProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file ends before a header field does.
    case truncated(ByteReader.Overrun)
    /// qcow2 versions are 2 and 3 (1 is the separate qcow format).
    case unsupportedVersion(UInt32)
    /// qemu opens cluster_bits 9...21 only.
    case clusterBitsOutOfRange(UInt32)
    /// A v3 header_length below 104 or beyond the first cluster.
    case invalidHeaderLength(UInt32)
    /// refcount_order above 6 (entries wider than 64 bits).
    case refcountOrderTooLarge(UInt32)
    /// crypt_method other than 0 (none), 1 (AES), 2 (LUKS).
    case unknownEncryptionMethod(UInt32)
    /// compression_type unknown, or disagreeing with the compression type bit.
    case invalidCompressionType(String)
    /// Extended L2 entries with clusters smaller than 16 KiB.
    case extendedL2ClusterTooSmall(clusterBits: UInt32)
    /// A backing name longer than qemu's limit (1023 bytes for qcow/qcow2).
    case backingNameTooLong(UInt32, limit: UInt32)
    /// A backing name that does not lie entirely within the first cluster
    /// (qcow2) or the header (QED).
    case backingNameOutsideHeader(offset: UInt64, length: UInt32)
    /// A header extension claims more bytes than remain before the backing
    /// name (or the end of the first cluster).
    case extensionOverrun(type: UInt32, offset: UInt64, length: UInt32)
    /// A known header extension with a length qemu rejects.
    case invalidExtension(type: UInt32, reason: String)
    /// A VMDK header or descriptor that cannot be used.
    case invalidDescriptor(String)
    /// Header data lies beyond ``InspectionLimits/maxBytesPerLayer``; not read.
    case beyondReadLimit(offset: UInt64, count: Int)
    /// A metadata table qemu checks when it opens the image (L1, refcount,
    /// snapshot table) is misplaced, missing or too large: `reason` is qemu's words.
    case invalidTable(reason: String)
    /// A virtual size qemu cannot open ("Image is too big", "File too large").
    case virtualSizeTooLarge(UInt64, reason: String)
    /// Encryption fields that contradict each other (crypt_method against the
    /// full disk encryption extension), in qemu's words.
    case inconsistentEncryption(String)
    /// An external data file the header requires but does not name, or a raw
    /// data file flag without one, in qemu's words.
    case dataFileRequired(String)
    /// Persistent bitmaps qemu refuses when it opens the image (the bitmaps
    /// extension, directory or tables), in qemu's words.
    case invalidBitmaps(String)

    public var description: String {
        switch self {
        case .truncated(let overrun): "truncated: file ends inside the header (\(overrun))"
        case .unsupportedVersion(let version): "unsupported qcow2 version \(version)"
        case .clusterBitsOutOfRange(let bits): "cluster_bits \(bits) out of the range qemu opens"
        case .invalidHeaderLength(let length): "invalid header_length \(length)"
        case .refcountOrderTooLarge(let order): "refcount_order \(order) above 6"
        case .unknownEncryptionMethod(let method): "unknown encryption method \(method)"
        case .invalidCompressionType(let reason): "invalid compression type: \(reason)"
        case .extendedL2ClusterTooSmall(let bits):
            "extended L2 entries need clusters of at least 16 KiB, cluster_bits is \(bits)"
        case .backingNameTooLong(let length, let limit):
            "backing file name of \(length) bytes exceeds \(limit)"
        case .backingNameOutsideHeader(let offset, let length):
            "backing file name (\(length) bytes at offset \(offset)) lies outside the header"
        case .extensionOverrun(let type, let offset, let length):
            "header extension 0x\(String(type, radix: 16)) at offset \(offset) claims \(length) bytes, overrunning the extension area"
        case .invalidExtension(let type, let reason):
            "header extension 0x\(String(type, radix: 16)): \(reason)"
        case .invalidDescriptor(let reason): "invalid descriptor: \(reason)"
        case .beyondReadLimit(let offset, let count):
            "header data (\(count) bytes at offset \(offset)) lies beyond the \(InspectionLimits.maxBytesPerLayer)-byte inspection limit"
        case .invalidTable(let reason): "\(reason); qemu refuses to open it"
        case .virtualSizeTooLarge(let size, let reason): "virtual size \(size): \(reason); qemu refuses to open it"
        case .inconsistentEncryption(let reason): "\(reason); qemu refuses to open it"
        case .dataFileRequired(let reason): "\(reason); qemu refuses to open it"
        case .invalidBitmaps(let reason): "\(reason); qemu refuses to open it"
        }
    }
}
