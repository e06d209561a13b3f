import Glibc
import SystemPackage

/// Why an image file could not be opened for inspection.
enum ImageOpenError: Error {
    case system(Errno)
    /// `fstat` of the opened descriptor shows a file the path's `stat` did not:
    /// replaced between the two calls, or not a regular file or block device.
    case changedUnderfoot(FileIdentity)
}

/// One image file opened read-only for a bounded inspection.
///
/// Opening is `O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY`: read-only so
/// nothing is ever written and no lock conflicts with a VM holding the image
/// (qemu's locks are OFD locks that plain reads ignore, and none are taken here);
/// non-blocking so a FIFO slipped in after the `stat` cannot hang the open;
/// close-on-exec so the descriptor never leaks into a child process;
/// no controlling terminal should a tty be slipped in the same way.
/// The descriptor is `fstat`-ed before any read and must be the very file the
/// path's `stat` described. The first ``InspectionLimits/initialReadSize``
/// bytes are read at once; later reads are positioned (`pread`) and counted
/// against ``InspectionLimits/maxBytesPerLayer``.
final class ImageFile: ImageSource {
    private let descriptor: FileDescriptor
    let size: UInt64
    private let head: ByteReader
    /// Bytes read so far, the initial read included.
    private(set) var bytesRead: Int

    /// Opens `path`, which `expected` (from `stat`) says is a regular file or block device.
    /// Takes the `FilePath` the caller already built for its `stat`, so a layer
    /// builds (and normalises) its path once.
    init(path: FilePath, expected: FileIdentity) throws(ImageOpenError) {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.openForInspection(path)
        } catch {
            throw .system(error)
        }
        do {
            let actual = FileIdentity(try fd.stat())
            guard actual.kind.isInspectable, actual.fileID == expected.fileID else {
                throw ImageOpenError.changedUnderfoot(actual)
            }
            size = try fd.inspectedSize(actual)
            let first = try Self.pread(fd, at: 0, count: min(InspectionLimits.initialReadSize, Int(clamping: size)))
            head = ByteReader(first)
            bytesRead = first.count
            descriptor = fd
        } catch {
            try? fd.close()
            switch error {
            case let error as Errno: throw .system(error)
            case let error as ImageOpenError: throw error
            default: throw .system(.ioError)
            }
        }
    }

    deinit { try? descriptor.close() }

    func read(at offset: UInt64, count: Int) throws(ImageReadError) -> ByteReader {
        guard offset < size, count > 0 else { return ByteReader([], baseOffset: offset) }
        let wanted = Int(min(UInt64(count), size - offset))
        if head.contains(offset: offset, count: UInt64(wanted)) {
            // Within the initial read: a view of the head, not a copy.
            do {
                return try head.reader(at: offset, count: UInt64(wanted))
            } catch {
                throw .beyondReadLimit(offset: offset, count: count)
            }
        }
        guard wanted <= InspectionLimits.maxBytesPerLayer - bytesRead else {
            throw .beyondReadLimit(offset: offset, count: count)
        }
        do {
            let bytes = try Self.pread(descriptor, at: offset, count: wanted)
            bytesRead += bytes.count
            return ByteReader(bytes, baseOffset: offset)
        } catch {
            throw .system(error)
        }
    }

    /// Reads up to `count` bytes at `offset`, looping over short reads; stops at end of file.
    ///
    /// The array is filled in place from uninitialised storage: only the bytes
    /// the kernel wrote are ever counted as initialised, so nothing is zeroed
    /// first and nothing is copied after.
    private static func pread(_ fd: FileDescriptor, at offset: UInt64, count: Int) throws(Errno) -> [UInt8] {
        var failure: Errno?
        let buffer = [UInt8](unsafeUninitializedCapacity: count) { storage, initialized in
            do throws(Errno) {
                initialized = try fd.readFully(into: UnsafeMutableRawBufferPointer(storage), at: offset)
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return buffer
    }
}
