import Glibc
import SystemPackage

/// How every reader of an image opens and reads it (``ImageFile`` for layers,
/// ``MetadataFile`` for the deep check, ``QEMULocks`` for the lock question).
extension FileDescriptor {
    /// Opens `path` read-only, so nothing is ever written and no lock is taken
    /// or conflicts with a VM's (qemu's OFD locks ignore plain reads);
    /// non-blocking, so a FIFO slipped in after a `stat` cannot hang the open;
    /// close-on-exec, so it never leaks into a child; with no controlling
    /// terminal should a tty be slipped in the same way.
    static func openForInspection(_ path: FilePath) throws(Errno) -> FileDescriptor {
        let options: FileDescriptor.OpenOptions = [.nonBlocking, .closeOnExec, FileDescriptor.OpenOptions(rawValue: O_NOCTTY)]
        do {
            return try FileDescriptor.open(path, .readOnly, options: options)
        } catch {
            throw error as? Errno ?? .ioError
        }
    }

    /// The bytes of the open file `identity` describes: `st_size`, or the
    /// device's size for a block device (whose `st_size` is 0).
    func inspectedSize(_ identity: FileIdentity) throws(Errno) -> UInt64 {
        guard identity.kind == .blockDevice else { return UInt64(max(0, identity.size)) }
        do {
            return UInt64(max(0, try seek(offset: 0, from: .end)))
        } catch {
            throw error as? Errno ?? .ioError
        }
    }

    /// Fills `buffer` from `offset`, looping over short reads: the bytes read,
    /// fewer than the buffer only at the end of the file.
    func readFully(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(Errno) -> Int {
        var filled = 0
        while filled < buffer.count {
            let got: Int
            do {
                got = try read(fromAbsoluteOffset: Int64(offset) + Int64(filled),
                               into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            } catch {
                throw error as? Errno ?? .ioError
            }
            if got == 0 { break }
            filled += got
        }
        return filled
    }
}
