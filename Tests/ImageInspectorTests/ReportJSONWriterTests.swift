import Foundation
import Testing
@testable import ImageInspector

/// `ChainReportJSON` replaced `JSONEncoder` in `virt-agentx inspect --json`
/// for speed; it must write exactly what JSONEncoder wrote, pretty or compact.
@Suite("JSON writer matches JSONEncoder")
struct ReportJSONWriterTests {
    func encoder(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    func expectSameAsJSONEncoder(_ reports: [ChainReport], sourceLocation: SourceLocation = #_sourceLocation) throws {
        for pretty in [true, false] {
            let ours = String(decoding: ChainReportJSON.encode(reports, pretty: pretty), as: UTF8.self)
            let theirs = String(decoding: try encoder(pretty: pretty).encode(reports), as: UTF8.self)
            #expect(ours == theirs, "pretty: \(pretty)", sourceLocation: sourceLocation)
        }
    }

    /// A chain with most optional fields present and absent: a healthy qcow2
    /// chain, a raw base, a missing file, a dirty layer with feature names.
    @Test func chainsOfEveryShape() throws {
        let fixtures = try Fixtures()
        try fixtures.makeChain(["base.qcow2", "mid.qcow2", "top.qcow2"])
        try fixtures.qemuImg("create", "-f", "raw", "base.raw", "1M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "file", "-b", "base.raw", "protocol.qcow2")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "qcow2", "-b", "gone.qcow2", "-u", "orphan.qcow2", "1M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-o", "lazy_refcounts=on", "dirty.qcow2", "1M")
        try fixtures.patchBigEndian("dirty.qcow2", at: 72, 0x1 | 1 << 9, width: 8)
        try fixtures.qemuImg("create", "-f", "vmdk", "disk.vmdk", "1M")
        let names = ["top.qcow2", "protocol.qcow2", "orphan.qcow2", "dirty.qcow2", "disk.vmdk", "base.raw", "nowhere"]
        try expectSameAsJSONEncoder(names.map { inspect(fixtures, $0).report })
        try expectSameAsJSONEncoder([inspect(fixtures, "top.qcow2").report])
        try expectSameAsJSONEncoder([])
    }

    /// Backing names are tenant data: quotes, backslashes, control characters,
    /// slashes and non-ASCII must be escaped exactly as JSONEncoder escapes them.
    @Test func hostileStringsAreEscapedLikeJSONEncoder() throws {
        let fixtures = try Fixtures()
        var name = "a\"b\\c/d\u{7F}é😀\u{2028}"
        for byte in UInt8(1) ..< 0x20 { name.unicodeScalars.append(Unicode.Scalar(byte)) }
        try fixtures.qemuImg("create", "-f", "qcow2", "-u", "-F", "qcow2", "-b", name, "odd.qcow2", "1M")
        let chain = inspect(fixtures, "odd.qcow2")
        #expect(chain.layers.first?.backingName == name)
        try expectSameAsJSONEncoder([chain.report])
    }

    /// Written in pieces (as the command does, batch by batch), the list is the same text.
    @Test func piecesConcatenateToTheWholeList() throws {
        let fixtures = try Fixtures()
        try fixtures.makeChain(["base.qcow2", "top.qcow2"])
        let reports = [inspect(fixtures, "top.qcow2").report, inspect(fixtures, "base.qcow2").report,
                       inspect(fixtures, "missing").report]
        for pretty in [true, false] {
            var head = ChainReportJSON(pretty: pretty), tail = ChainReportJSON(pretty: pretty)
            head.beginList()
            head.appendListElement(reports[0], isFirst: true)
            tail.appendListElement(reports[1], isFirst: false)
            tail.appendListElement(reports[2], isFirst: false)
            tail.endList(isEmpty: false)
            #expect(head.bytes + tail.bytes == ChainReportJSON.encode(reports, pretty: pretty))
        }
    }
}

@Suite("Feature name table, decoded on demand")
struct FeatureNameTableTests {
    func entry(_ kind: UInt8, _ bit: UInt8, _ name: String) -> [UInt8] {
        let bytes = Array(name.utf8)
        return [kind, bit] + bytes + [UInt8](repeating: 0, count: 46 - bytes.count)
    }

    @Test func namesAreFoundWithoutDecodingTheRest() {
        let table = QCow2FeatureNameTable(raw: entry(0, 0, "dirty bit") + entry(7, 9, "bad kind")
                                          + entry(0, 9, "future feature") + entry(0, 9, "second name") + [1, 2, 3])
        #expect(table.name(kind: .incompatible, bit: 9) == "future feature", "the first matching entry wins")
        #expect(table.name(kind: .compatible, bit: 9) == nil)
        #expect(table.name(kind: .incompatible, bit: 3) == nil)
        #expect(table.entries.map(\.name) == ["dirty bit", "future feature", "second name"],
                "unknown kinds and a trailing partial entry are skipped")
        #expect(!table.isEmpty)
        #expect(QCow2FeatureNameTable(raw: entry(5, 0, "x")).isEmpty)
        #expect(QCow2FeatureNameTable(raw: []).isEmpty)
    }

    @Test func codableAsItsEntries() throws {
        let table = QCow2FeatureNameTable(raw: entry(0, 4, "extended L2 entries") + entry(2, 1, "raw external data"))
        let decoded = try JSONDecoder().decode(QCow2FeatureNameTable.self, from: JSONEncoder().encode(table))
        #expect(decoded == table)
        #expect(decoded.entries == table.entries)
    }
}

@Suite("Backing names classified over UTF-8")
struct BackingNameBytesTests {
    @Test func separatorsNextToNonASCII() {
        #expect(BackingNameClassifier.classify("é:x", imagePath: "/d/i") ==
                .invalid(description: "é:x", reason: "unknown protocol 'é' (prefix a file name containing ':' with './')"))
        #expect(BackingNameClassifier.classify("file:é/b", imagePath: "/dir/ï.qcow2") == .localPath("/dir/é/b"))
        #expect(BackingNameClassifier.classify("ü/a:b", imagePath: "/dir/top") == .localPath("/dir/ü/a:b"))
        #expect(BackingNameClassifier.classify("😀", imagePath: "/dïr😀/top") == .localPath("/dïr😀/😀"))
        #expect(BackingNameClassifier.classify("base", imagePath: "top") == .localPath("base"))
        #expect(BackingNameClassifier.classify("/abs/ö", imagePath: "/x/top") == .localPath("/abs/ö"))
    }
}
