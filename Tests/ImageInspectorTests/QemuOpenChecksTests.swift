import Foundation
import Testing
import TestSupport
@testable import ImageInspector

/// The header faults the differential run (scripts/differential) found judged
/// healthy though qemu refuses to open them, each kept as a regression test and
/// held to qemu itself: the inspector says critical, in qemu's words, and
/// qemu-io, opening the image read-write from / as a VM would, refuses it.
@Suite("qcow2 fields qemu checks when it opens an image")
struct QemuOpenChecksTests {
    /// A field of a fresh 10 MiB v3 image (64 KiB clusters: refcount table at
    /// 0x10000, L1 table at 0x30000) set to a value, and qemu's words for it.
    struct Patch: CustomTestStringConvertible, Sendable {
        var field: String, offset: UInt64, width: Int, value: UInt64, qemuSays: String
        var testDescription: String { "\(field) = \(value)" }
    }

    static let patches: [Patch] = [
        Patch(field: "l1_table_offset", offset: 40, width: 8, value: 0x30200, qemuSays: "Active L1 table offset invalid"),
        Patch(field: "l1_size", offset: 36, width: 4, value: 0, qemuSays: "L1 table is too small"),
        Patch(field: "l1_size", offset: 36, width: 4, value: 0x200_0001, qemuSays: "Active L1 table too large"),
        Patch(field: "size", offset: 24, width: 8, value: 1 << 62, qemuSays: "Image is too big"),
        Patch(field: "size", offset: 24, width: 8, value: UInt64.max - 511, qemuSays: "File too large"),
        Patch(field: "refcount_table_offset", offset: 48, width: 8, value: 0x10200, qemuSays: "Reference count table offset invalid"),
        Patch(field: "refcount_table_clusters", offset: 56, width: 4, value: 0, qemuSays: "Image does not contain a reference count table"),
        Patch(field: "refcount_table_clusters", offset: 56, width: 4, value: 0xFFFF_FFFF, qemuSays: "Reference count table too large"),
        Patch(field: "nb_snapshots", offset: 60, width: 4, value: 0xFFFF_FFFF, qemuSays: "Snapshot table too large"),
        Patch(field: "snapshots_offset", offset: 64, width: 8, value: 512, qemuSays: "Snapshot table offset invalid"),
        Patch(field: "crypt_method", offset: 32, width: 4, value: 2, qemuSays: "Missing CRYPTO header for crypt method 2"),
        Patch(field: "incompatible_features", offset: 72, width: 8, value: 1 << 2, qemuSays: "'data-file' is required for this image"),
        Patch(field: "autoclear_features", offset: 88, width: 8, value: 1 << 1, qemuSays: "data-file-raw requires a data file"),
    ]

    @Test(arguments: patches)
    func aFieldQemuRefusesIsCritical(_ patch: Patch) throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "image.qcow2", "10M")
        #expect(try fixtures.qemuOpens("image.qcow2") == nil, "qemu opens the image as made")
        try fixtures.patchBigEndian("image.qcow2", at: patch.offset, patch.value, width: patch.width)
        try expectCriticalAsQemuRefuses(fixtures, "image.qcow2", qemuSays: patch.qemuSays, "\(patch.field) = \(patch.value)")
    }

    @Test func aCryptoExtensionWithoutLUKSIsCritical() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "--object", "secret,id=key,data=passphrase", "-f", "qcow2",
                             "-o", "encrypt.format=luks,encrypt.key-secret=key,encrypt.iter-time=10", "image.qcow2", "10M")
        try fixtures.patchBigEndian("image.qcow2", at: 32, 0, width: 4)   // crypt_method none, the extension kept
        let refusal = try #require(try fixtures.qemuOpens("image.qcow2"))
        #expect(refusal.contains("CRYPTO header extension only expected with LUKS encryption method"), "\(refusal)")
        let layer = try #require(inspect(fixtures, "image.qcow2").layers.first)
        #expect(layer.severity == .critical)
        #expect(layer.conditions == [.malformedHeader(.inconsistentEncryption("CRYPTO header extension only expected with LUKS encryption method"))])
    }

    /// A snapshot table entry with more extra data than qemu accepts, within the bytes the
    /// inspector reads with the header: qemu refuses the image, in these words.
    @Test func aSnapshotWithTooMuchExtraDataIsCritical() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "image.qcow2", "10M")
        try fixtures.qemuImg("snapshot", "-c", "before-upgrade", "image.qcow2")
        let table = try #require(inspect(fixtures, "image.qcow2").layers.first?.details.qcow2?.snapshotsOffset)
        try fixtures.patchBigEndian("image.qcow2", at: table + 36, 2000, width: 4)   // extra_data_size of entry 0
        let refusal = try #require(try fixtures.qemuOpens("image.qcow2"))
        #expect(refusal.contains("Too much extra metadata in snapshot table entry 0"), "\(refusal)")
        let layer = try #require(inspect(fixtures, "image.qcow2").layers.first)
        #expect(layer.severity == .critical)
        #expect(layer.conditions.map { $0.detail(layer: "x") }.joined().contains("Too much extra metadata in snapshot table entry 0"))
    }

    /// qemu takes an empty recorded backing format as none and probes (a raw base has no
    /// backing of its own, so libvirt probes it too): a warning, not an unknown format.
    @Test func anEmptyBackingFormatIsNoneRecorded() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "raw", "base.raw", "1M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "raw", "-b", "base.raw", "image.qcow2")
        let offset = try fixtures.offset(of: Fixtures.backingFormatExtension, in: "image.qcow2")
        try fixtures.patchBigEndian("image.qcow2", at: UInt64(offset + 4), 0, width: 4)
        #expect(try fixtures.qemuOpens("image.qcow2") == nil)
        let chain = inspect(fixtures, "image.qcow2")
        #expect(chain.layers.last?.conditions == [.backingFormatNotRecorded(probed: .raw, probingRefused: false)])
        #expect(chain.layers.map(\.severity).max() == .warning)
    }

    /// An image that names itself as its backing file, recorded as raw: qemu reads its own
    /// bytes as the backing's data, once. Not a loop (the child's format says raw).
    @Test func itselfAsARawBackingIsNoLoop() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "image.qcow2", "10M")
        try fixtures.qemuImg("rebase", "-u", "-f", "qcow2", "-F", "raw", "-b", "image.qcow2", "image.qcow2")
        #expect(try fixtures.qemuOpens("image.qcow2") == nil)
        let chain = inspect(fixtures, "image.qcow2")
        #expect(chain.layers.count == 2)
        #expect(!chain.layers.flatMap(\.conditions).contains { if case .loop = $0 { true } else { false } })
        #expect(chain.layers.map(\.severity).max() != .critical)
    }

    /// A backing name whose bytes are not UTF-8 names a file qemu alone opens, but libvirt
    /// refuses to start the domain (it cannot put the name in the JSON it gives qemu).
    @Test func aBackingNameThatIsNotUTF8IsCritical() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "raw", "latXin.img", "1M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "raw", "-b", "latXin.img", "image.qcow2")
        let offset = try fixtures.offset(of: Array("latXin.img".utf8), in: "image.qcow2")
        try fixtures.patch("image.qcow2", at: UInt64(offset + 3), bytes: [0xE9])
        try fixtures.run("python3", ["-c", "import os; os.rename(b'latXin.img', b'lat\\xe9in.img')"])
        #expect(try fixtures.qemuOpens("image.qcow2") == nil, "qemu alone opens the file the bytes name")
        let chain = inspect(fixtures, "image.qcow2")
        #expect(chain.layers.last?.conditions == [.invalidBackingName(reason: "not valid UTF-8, which libvirt cannot pass to qemu")])
        #expect(chain.layers.map(\.severity).max() == .critical)
    }
}
