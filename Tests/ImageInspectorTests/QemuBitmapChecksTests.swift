import Foundation
import Testing
import TestSupport
@testable import ImageInspector

/// Persistent bitmaps qemu refuses when it opens an image (a backing opened
/// read-only too): found by the differential run as "libvirt refuses (Broken
/// bitmap directory), inspector ok". Each patch of a qemu-img-made bitmap is held
/// to qemu-io: it refuses, in these words, and the inspector says critical in them.
@Suite("qcow2 persistent bitmaps qemu checks when it opens an image")
struct QemuBitmapChecksTests {
    /// Where a patch lands: the bitmaps header extension (after its 8-byte type
    /// and length), the first directory entry, or the first bitmap's table.
    enum Place: Sendable { case ext, directory, table }

    struct Patch: CustomTestStringConvertible, Sendable {
        var what: String, place: Place, offset: UInt64, width: Int, value: UInt64, qemuSays: String
        var testDescription: String { what }
    }

    static let patches: [Patch] = [
        Patch(what: "no bitmaps", place: .ext, offset: 0, width: 4, value: 0, qemuSays: "found bitmaps extension with zero bitmaps"),
        Patch(what: "more bitmaps said than listed", place: .ext, offset: 0, width: 4, value: 2,
              qemuSays: "Less bitmaps found than specified in header extension"),
        Patch(what: "reserved field set", place: .ext, offset: 4, width: 4, value: 1, qemuSays: "Reserved field is not zero"),
        Patch(what: "directory of 8 bytes", place: .ext, offset: 8, width: 8, value: 8, qemuSays: "Broken bitmap directory"),
        Patch(what: "directory not cluster aligned", place: .ext, offset: 16, width: 8, value: 0x10200,
              qemuSays: "invalid bitmap directory offset"),
        Patch(what: "directory beyond the end of the file", place: .ext, offset: 16, width: 8, value: 1 << 40,
              qemuSays: "doesn't satisfy the constraints"),
        Patch(what: "granularity of 2^8", place: .directory, offset: 17, width: 1, value: 8,
              qemuSays: "Bitmap 'b0' doesn't satisfy the constraints"),
        // name_size 0 and extra_data_size 2: the name "b0" becomes extra data, the entry keeps its length.
        Patch(what: "extra data", place: .directory, offset: 18, width: 6, value: 2, qemuSays: "Bitmap extra data is not supported"),
        Patch(what: "table of 2 entries for 1 cluster of bits", place: .directory, offset: 8, width: 4, value: 2,
              qemuSays: "Could not read bitmap 'b0' from image"),
        Patch(what: "table entry with a reserved bit", place: .table, offset: 0, width: 8, value: 2,
              qemuSays: "Could not read bitmap_table table from image for bitmap 'b0'"),
    ]

    @Test(arguments: patches)
    func aBitmapQemuRefusesIsCritical(_ patch: Patch) throws {
        let fixtures = try Fixtures()
        let places = try withBitmap(fixtures)
        #expect(try fixtures.qemuOpens("image.qcow2") == nil, "qemu opens the image as made")
        let base = switch patch.place { case .ext: places.ext; case .directory: places.directory; case .table: places.table }
        try fixtures.patchBigEndian("image.qcow2", at: base + patch.offset, patch.value, width: patch.width)
        try expectCriticalAsQemuRefuses(fixtures, "image.qcow2", qemuSays: patch.qemuSays, patch.what)
    }

    /// Without the autoclear bitmaps bit qemu ignores the extension (a program
    /// without bitmap support wrote the image): the same broken directory opens.
    @Test func withoutTheAutoclearBitTheBitmapsAreIgnored() throws {
        let fixtures = try Fixtures()
        let places = try withBitmap(fixtures)
        try fixtures.patchBigEndian("image.qcow2", at: places.ext + 8, 8, width: 8)
        try fixtures.patchBigEndian("image.qcow2", at: 88, 0, width: 8)
        #expect(try fixtures.qemuOpens("image.qcow2") == nil)
        #expect(inspect(fixtures, "image.qcow2").layers.first?.severity != .critical)
    }

    /// Two bitmaps of one name: qemu cannot load the second.
    @Test func aNameTwiceIsCritical() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "image.qcow2", "10M")
        try fixtures.qemuImg("bitmap", "--add", "image.qcow2", "aa")
        try fixtures.qemuImg("bitmap", "--add", "image.qcow2", "ab")
        let directory = try places(fixtures).directory
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixtures.path("image.qcow2"))))
        let second = try #require((Int(directory) ..< Int(directory) + 128).first { bytes[$0] == 0x61 && bytes[$0 + 1] == 0x62 })
        try fixtures.patch("image.qcow2", at: UInt64(second), bytes: Array("aa".utf8))
        let refusal = try #require(try fixtures.qemuOpens("image.qcow2"))
        #expect(refusal.contains("Bitmap already exists: aa"), "\(refusal)")
        #expect(inspect(fixtures, "image.qcow2").layers.first?.conditions == [.malformedHeader(.invalidBitmaps("Bitmap already exists: aa"))])
    }

    struct Places { var ext: UInt64, directory: UInt64, table: UInt64 }

    /// A 10 MiB v3 image with one bitmap "b0" (64 KiB granularity: one cluster of bits).
    func withBitmap(_ fixtures: Fixtures) throws -> Places {
        try fixtures.qemuImg("create", "-f", "qcow2", "image.qcow2", "10M")
        try fixtures.qemuImg("bitmap", "--add", "image.qcow2", "b0")
        #expect(inspect(fixtures, "image.qcow2").layers.first?.severity == .ok)
        return try places(fixtures)
    }

    func places(_ fixtures: Fixtures) throws -> Places {
        let ext = UInt64(try fixtures.offset(of: [0x23, 0x85, 0x28, 0x75], in: "image.qcow2")) + 8
        let header = try #require(inspect(fixtures, "image.qcow2").layers.first?.details.qcow2)
        let directory = try #require(header.extensions.bitmaps?.directoryOffset)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixtures.path("image.qcow2"))))
        let table = bytes[Int(directory) ..< Int(directory) + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Places(ext: ext, directory: directory, table: table)
    }
}
