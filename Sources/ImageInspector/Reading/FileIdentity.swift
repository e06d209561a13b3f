import SystemPackage

/// What kind of file a path names, from `stat`'s `st_mode`.
public enum FileKind: String, Sendable, Hashable, Codable {
    case regular = "regular file"
    case blockDevice = "block device"
    case directory
    case fifo = "FIFO"
    case socket
    case characterDevice = "character device"
    case symbolicLink = "symbolic link"
    case other = "special file"

    init(_ type: FileType) {
        switch type {
        case .regular: self = .regular
        case .blockSpecial: self = .blockDevice
        case .directory: self = .directory
        case .fifo: self = .fifo
        case .socket: self = .socket
        case .characterSpecial: self = .characterDevice
        case .symbolicLink: self = .symbolicLink
        default: self = .other
        }
    }

    /// Only regular files and block devices are read: a FIFO or socket would
    /// block or consume someone else's data, a character device may have side
    /// effects on read, and a directory has no image to read.
    public var isInspectable: Bool { self == .regular || self == .blockDevice }
}

/// Identity and freshness of a file, from one `stat`: the device and inode
/// (which detect loops through different names), and size and times (which
/// tell the cache whether a previous reading still holds).
public struct FileIdentity: Sendable, Hashable, Codable {
    /// `st_dev`.
    public var device: UInt64
    /// `st_ino`.
    public var inode: UInt64
    public var kind: FileKind
    /// Apparent size, `st_size` (0 for block devices).
    public var size: Int64
    /// Allocated bytes, `st_blocks * 512` (what qemu-img calls actual-size).
    public var allocated: Int64
    /// `st_mtim` in nanoseconds since the epoch.
    public var modificationNanoseconds: Int64
    /// `st_ctim` in nanoseconds since the epoch; changes on metadata writes
    /// (`qemu-img rebase -u` of the same size within one mtime tick, chmod...).
    public var changeNanoseconds: Int64

    init(_ stat: Stat) {
        device = UInt64(stat.deviceID.rawValue)
        inode = UInt64(stat.inode.rawValue)
        kind = FileKind(stat.type)
        size = stat.size
        allocated = stat.sizeAllocated
        modificationNanoseconds = Int64(stat.st_mtim.tv_sec) * 1_000_000_000 + Int64(stat.st_mtim.tv_nsec)
        changeNanoseconds = Int64(stat.st_ctim.tv_sec) * 1_000_000_000 + Int64(stat.st_ctim.tv_nsec)
    }

    /// The (device, inode) pair that names a file whatever path reaches it.
    public var fileID: FileID { FileID(device: device, inode: inode) }

    /// Looks a path up with `stat()` (symbolic links followed, as qemu does when
    /// opening a backing file), without opening it.
    public static func of(path: String) throws(Errno) -> FileIdentity {
        try of(path: FilePath(path))
    }

    /// The same, for a path already built (a layer builds its `FilePath` once
    /// for both this `stat` and the `open`).
    static func of(path: FilePath) throws(Errno) -> FileIdentity {
        FileIdentity(try path.stat())
    }
}

/// A file's (device, inode): the same file reached by two names is one FileID.
public struct FileID: Sendable, Hashable, Codable {
    public var device: UInt64
    public var inode: UInt64
}
