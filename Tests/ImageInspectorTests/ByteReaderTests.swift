import Testing
@testable import ImageInspector

@Suite("ByteReader")
struct ByteReaderTests {
    let reader = ByteReader([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x41, 0x42, 0x00, 0x43])

    @Test func readsBigEndian() throws {
        #expect(try reader.u16be(at: 0) == 0x0102)
        #expect(try reader.u32be(at: 0) == 0x0102_0304)
        #expect(try reader.u64be(at: 0) == 0x0102_0304_0506_0708)
    }

    @Test func readsLittleEndian() throws {
        #expect(try reader.u16le(at: 0) == 0x0201)
        #expect(try reader.u32le(at: 4) == 0x0807_0605)
        #expect(try reader.u64le(at: 0) == 0x0807_0605_0403_0201)
    }

    @Test func throwsOnOverrunInsteadOfTrapping() {
        #expect(throws: ByteReader.Overrun.self) { try reader.u64be(at: 5) }
        #expect(throws: ByteReader.Overrun.self) { try reader.u8(at: 12) }
        #expect(throws: ByteReader.Overrun.self) { try reader.bytes(at: UInt64.max, count: 2) }
        #expect(throws: ByteReader.Overrun.self) { try reader.bytes(at: 1, count: UInt64.max) }
        #expect(throws: ByteReader.Overrun.self) { try ByteReader([]).u32be(at: 0) }
    }

    @Test func reportsFileOffsetsInErrors() {
        let shifted = ByteReader([1, 2], baseOffset: 4096)
        #expect(throws: ByteReader.Overrun(offset: 4097, count: 4, available: 2)) { try shifted.u32be(at: 1) }
    }

    @Test func stringsStopAtNUL() throws {
        #expect(try reader.string(at: 8, count: 4) == "AB")
        #expect(try reader.string(at: 8, count: 2) == "AB")
    }

    @Test func magicOnShortBufferDoesNotMatch() {
        #expect(reader.matches([0x07, 0x08], at: 6))
        #expect(!reader.matches([0x43, 0x44], at: 11))
        #expect(!reader.matches([0x01], at: 100))
    }
}
