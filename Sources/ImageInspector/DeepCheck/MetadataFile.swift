import Glibc
import SystemPackage

/// An image opened read-only for the deep check: positioned reads of its
/// metadata (tables, never guest data), counted against a budget so that a
/// hostile image whose tables point at each other over and over costs bounded
/// time, not a hang.
///
/// Opened as ``ImageFile`` opens layers (`O_RDONLY | O_NONBLOCK | O_CLOEXEC |
/// O_NOCTTY`, the descriptor `fstat`-ed to be a regular file or block device).
/// Reads past the end of the file give zeros, as qemu's block layer gives them.
final class MetadataFile: ImageSource {
    private let descriptor: FileDescriptor
    let size: UInt64
    private(set) var bytesRead: UInt64 = 0
    /// Most bytes read; set once the size is known (``QCow2DeepCheck/readBudget(fileSize:)``).
    var budget: UInt64 = 1 << 20
    /// Paces the reads (the agent's background checks); nil reads at full speed.
    var pace: ReadPace?

    init(path: String) throws(DeepCheckError) {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.openForInspection(FilePath(path))
        } catch {
            throw .cannotOpen(path: path, error.description)
        }
        do {
            let identity = FileIdentity(try fd.stat())
            guard identity.kind.isInspectable else {
                try? fd.close()
                throw DeepCheckError.notAnImageFile(path: path)
            }
            size = try fd.inspectedSize(identity)
        } catch let error as DeepCheckError {
            throw error
        } catch {
            try? fd.close()
            throw .cannotOpen(path: path, (error as? Errno)?.description ?? "\(error)")
        }
        descriptor = fd
    }

    deinit { try? descriptor.close() }

    /// Whether a QEMU has the image open (``QEMULocks``).
    var isLockedByQEMU: Bool { QEMULocks.areHeld(on: descriptor) }

    /// Fills `buffer` from `offset`: zeros past the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(DeepCheckError) {
        let count = UInt64(buffer.count)
        guard bytesRead + count <= budget else { throw .readBudgetExceeded(budget) }
        bytesRead += count
        var filled = 0
        if offset < size {
            let wanted = Int(min(count, size - offset))
            do {
                filled = try descriptor.readFully(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]), at: offset)
            } catch {
                throw .readFailed(offset: offset, error.description)
            }
            pace?.spend(UInt64(filled))
        }
        if filled < buffer.count {
            UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]).initializeMemory(as: UInt8.self, repeating: 0)
        }
    }

    /// Fills the first `byteCount` bytes (all, by default) of `array`'s storage from `offset`.
    func read<Element: BitwiseCopyable>(into array: inout [Element], byteCount: Int? = nil, at offset: UInt64) throws(DeepCheckError) {
        var failure: DeepCheckError?
        array.withUnsafeMutableBytes { bytes in
            do throws(DeepCheckError) {
                try read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[..<(byteCount ?? bytes.count)]), at: offset)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// `count` bytes at `offset` (zeros past the end), for the parsers of the header and small tables.
    func read(at offset: UInt64, count: Int) throws(ImageReadError) -> ByteReader {
        var failure: DeepCheckError?
        let bytes = [UInt8](unsafeUninitializedCapacity: max(0, count)) { storage, initialized in
            do throws(DeepCheckError) {
                try read(into: UnsafeMutableRawBufferPointer(storage), at: offset)
                initialized = storage.count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure {
            if case .readBudgetExceeded = failure { throw .beyondReadLimit(offset: offset, count: count) }
            throw .system(.ioError)
        }
        return ByteReader(bytes, baseOffset: offset)
    }
}
