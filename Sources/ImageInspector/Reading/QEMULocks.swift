import Glibc
import SystemPackage

/// Whether a QEMU has an image open, as QEMU itself tells: while it has a file
/// open it holds OFD locks on the bytes standing for its permissions (offsets
/// 100 to 299, file-posix's lock bytes). Asked with F_OFD_GETLK, which takes
/// no lock and works on a descriptor opened read-only.
enum QEMULocks {
    /// F_OFD_GETLK (Linux 3.15), which Glibc's module does not export.
    static let getOpenFileDescriptionLock: Int32 = 36

    /// Whether another open file description holds a lock on QEMU's lock bytes
    /// of the open file `descriptor`; false where locks are not supported.
    static func areHeld(on descriptor: FileDescriptor) -> Bool {
        isLocked(descriptor, from: 100, count: 200)
    }

    /// Whether a QEMU holds the image with write permission: the lock on byte
    /// 101 (100 + BLK_PERM_WRITE's bit), which a QEMU that only reads it (a
    /// backing file) does not take.
    static func heldForWriting(on path: FilePath) -> Bool {
        guard let descriptor = try? FileDescriptor.openForInspection(path) else { return false }
        defer { try? descriptor.close() }
        return isLocked(descriptor, from: 101, count: 1)
    }

    private static func isLocked(_ descriptor: FileDescriptor, from start: Int, count: Int) -> Bool {
        var probe = flock()
        probe.l_type = Int16(F_WRLCK)
        probe.l_whence = Int16(SEEK_SET)
        probe.l_start = start
        probe.l_len = count
        guard fcntl(descriptor.rawValue, getOpenFileDescriptionLock, &probe) == 0 else { return false }
        return probe.l_type != Int16(F_UNLCK)
    }

    /// The same for the file at `path`, opened read-only and non-blocking for the question.
    static func areHeld(on path: FilePath) -> Bool {
        guard let descriptor = try? FileDescriptor.openForInspection(path) else { return false }
        defer { try? descriptor.close() }
        return areHeld(on: descriptor)
    }
}
