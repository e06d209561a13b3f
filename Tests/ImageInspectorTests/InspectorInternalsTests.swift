import Foundation
import Testing
@testable import ImageInspector

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
        #expect(BackingNameClassifier.classify("host_device:é/b", imagePath: "/dir/ï.qcow2")
            == .relativeToWorkingDirectory(description: "host_device:é/b", opened: "/é/b", besideImage: "/dir/é/b"))
        #expect(BackingNameClassifier.classify("ü/a:b", imagePath: "/dir/top") == .localPath("/dir/ü/a:b"))
        #expect(BackingNameClassifier.classify("😀", imagePath: "/dïr😀/top") == .localPath("/dïr😀/😀"))
        #expect(BackingNameClassifier.classify("base", imagePath: "top") == .localPath("base"))
        #expect(BackingNameClassifier.classify("/abs/ö", imagePath: "/x/top") == .localPath("/abs/ö"))
    }
}
