/// A bounds-checked view of bytes read from an image.
///
/// This is the only code in the module that indexes a buffer. Every other parser
/// asks it for an integer or a run of bytes at an offset and gets an error
/// instead of a trap when a hostile header points past what was read.
public struct ByteReader: Sendable {
    /// Why a read from the buffer failed.
    public struct Overrun: Error, Sendable, Hashable, CustomStringConvertible {
        /// Offset of the requested range, relative to the start of the buffer.
        public var offset: UInt64
        /// Number of bytes requested.
        public var count: UInt64
        /// Number of bytes the buffer holds.
        public var available: Int

        public var description: String {
            "needed \(count) bytes at offset \(offset), only \(available) available"
        }
    }

    /// The bytes, possibly a slice of a larger buffer (see ``reader(at:count:)``):
    /// indices are the slice's own, so every access goes through ``range(_:_:)``,
    /// which adds `bytes.startIndex`.
    private let bytes: ArraySlice<UInt8>

    /// Offset of the first byte of this buffer within the image file; used
    /// only to phrase errors in file offsets.
    public let baseOffset: UInt64

    public init(_ bytes: [UInt8], baseOffset: UInt64 = 0) {
        self.bytes = bytes[...]
        self.baseOffset = baseOffset
    }

    /// A reader over part of a buffer already read: shares its storage, copies nothing.
    init(_ bytes: ArraySlice<UInt8>, baseOffset: UInt64) {
        self.bytes = bytes
        self.baseOffset = baseOffset
    }

    /// Number of bytes in the buffer.
    public var count: Int { bytes.count }

    /// Returns the range `offset ..< offset + count` as an index range of
    /// `bytes`, or throws.
    private func range(_ offset: UInt64, _ count: UInt64) throws(Overrun) -> Range<Int> {
        let available = UInt64(bytes.count)
        guard offset <= available, count <= available - offset else {
            throw Overrun(offset: baseOffset &+ offset, count: count, available: bytes.count)
        }
        let start = bytes.startIndex + Int(offset)
        return start ..< start + Int(count)
    }

    /// Whether `count` bytes are available at `offset`.
    public func contains(offset: UInt64, count: UInt64) -> Bool {
        (try? range(offset, count)) != nil
    }

    /// Bytes `offset ..< offset + count`, copied.
    public func bytes(at offset: UInt64, count: UInt64) throws(Overrun) -> [UInt8] {
        Array(bytes[try range(offset, count)])
    }

    /// This buffer extended with zeros to `count` bytes: what qemu reads for a
    /// range of a file that extends past its end (short reads are zero-filled).
    /// `count` is the caller's bound; a buffer already as long is returned as is.
    func zeroFilled(to count: Int) -> ByteReader {
        guard bytes.count < count else { return self }
        return ByteReader(Array(bytes) + [UInt8](repeating: 0, count: count - bytes.count), baseOffset: baseOffset)
    }

    /// Bytes `offset ..< offset + count` as a reader of their own, sharing this
    /// one's storage (no copy) and keeping file offsets in its errors. Parsers
    /// slice the initial 4 KiB read this way instead of copying it per header.
    public func reader(at offset: UInt64, count: UInt64) throws(Overrun) -> ByteReader {
        ByteReader(bytes[try range(offset, count)], baseOffset: baseOffset &+ offset)
    }

    public func u8(at offset: UInt64) throws(Overrun) -> UInt8 {
        bytes[try range(offset, 1).lowerBound]
    }

    /// An unsigned integer of `width` bytes, most significant byte first.
    private func bigEndian(at offset: UInt64, width: UInt64) throws(Overrun) -> UInt64 {
        var value: UInt64 = 0
        for index in try range(offset, width) { value = value << 8 | UInt64(bytes[index]) }
        return value
    }

    /// An unsigned integer of `width` bytes, least significant byte first.
    private func littleEndian(at offset: UInt64, width: UInt64) throws(Overrun) -> UInt64 {
        var value: UInt64 = 0
        for index in try range(offset, width).reversed() { value = value << 8 | UInt64(bytes[index]) }
        return value
    }

    public func u16be(at offset: UInt64) throws(Overrun) -> UInt16 { UInt16(try bigEndian(at: offset, width: 2)) }
    public func u32be(at offset: UInt64) throws(Overrun) -> UInt32 { UInt32(try bigEndian(at: offset, width: 4)) }
    public func u64be(at offset: UInt64) throws(Overrun) -> UInt64 { try bigEndian(at: offset, width: 8) }
    public func u16le(at offset: UInt64) throws(Overrun) -> UInt16 { UInt16(try littleEndian(at: offset, width: 2)) }
    public func u32le(at offset: UInt64) throws(Overrun) -> UInt32 { UInt32(try littleEndian(at: offset, width: 4)) }
    public func u64le(at offset: UInt64) throws(Overrun) -> UInt64 { try littleEndian(at: offset, width: 8) }

    /// Whether the bytes at `offset` equal `expected` (false, not an error, when too short:
    /// magic checks on short files simply do not match).
    public func matches(_ expected: [UInt8], at offset: UInt64) -> Bool {
        guard let range = try? range(offset, UInt64(expected.count)) else { return false }
        return bytes[range].elementsEqual(expected)
    }

    /// A string of `count` bytes at `offset`, cut at the first NUL (as qemu's C
    /// strings are) and decoded as UTF-8 with invalid sequences replaced.
    public func string(at offset: UInt64, count: UInt64) throws(Overrun) -> String {
        let raw = bytes[try range(offset, count)]
        let end = raw.firstIndex(of: 0) ?? raw.endIndex
        return String(decoding: raw[..<end], as: UTF8.self)
    }
}
