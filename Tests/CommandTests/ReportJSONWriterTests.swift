import Foundation
import Testing
@testable import ImageInspector
import TestSupport
@testable import Commands

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
        try expectSameAsJSONEncoder(names.map { inspected(fixtures, $0).report })
        try expectSameAsJSONEncoder([inspected(fixtures, "top.qcow2").report])
        try expectSameAsJSONEncoder([])
    }

    /// Deep checks: counts, findings, snapshots and bitmaps, and a check that failed.
    @Test func deepChecksAreWrittenLikeJSONEncoder() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "snapped.qcow2", "16M")
        try fixtures.qemuImg("snapshot", "-c", "before", "snapped.qcow2")
        try fixtures.qemuImg("bitmap", "--add", "snapped.qcow2", "backup")
        try fixtures.qemuImg("create", "-f", "qcow2", "leaky.qcow2", "16M")
        // A free cluster past the end marked used in the refcount block: a leak.
        try fixtures.qemuImg("resize", "--preallocation=off", "leaky.qcow2", "32M")
        let deep = ChainInspector(deep: true)
        let snapped = deep.inspect(path: fixtures.path("snapped.qcow2"))
        guard case .checked(let result) = snapped.layers.first?.deepCheck?.outcome else {
            Issue.record("no deep check: \(String(describing: snapped.layers.first?.deepCheck))")
            return
        }
        #expect(result.snapshots.map(\.name) == ["before"] && result.bitmaps.map(\.name) == ["backup"])
        var failed = deep.inspect(path: fixtures.path("leaky.qcow2"))
        failed.layers[0].deepCheck?.outcome = .failed("read failed at offset 0: test")
        var findings = snapped
        if case .checked(var withFindings) = findings.layers[0].deepCheck?.outcome {
            withFindings.record(.corruption, "cluster 5: refcount 0, referenced 1")
            withFindings.record(.leak, "cluster 6: refcount 1, referenced 0 (leaked)")
            findings.layers[0].deepCheck?.outcome = .checked(withFindings)
        }
        try expectSameAsJSONEncoder([snapped.report, failed.report, findings.report])
    }

    /// Backing names are tenant data: quotes, backslashes, control characters,
    /// slashes and non-ASCII must be escaped exactly as JSONEncoder escapes them.
    @Test func hostileStringsAreEscapedLikeJSONEncoder() throws {
        let fixtures = try Fixtures()
        var name = "a\"b\\c/d\u{7F}é😀\u{2028}"
        for byte in UInt8(1) ..< 0x20 { name.unicodeScalars.append(Unicode.Scalar(byte)) }
        try fixtures.qemuImg("create", "-f", "qcow2", "-u", "-F", "qcow2", "-b", name, "odd.qcow2", "1M")
        let chain = inspected(fixtures, "odd.qcow2")
        #expect(chain.layers.first?.backingName == name)
        try expectSameAsJSONEncoder([chain.report])
    }

    /// Written in pieces (as the command does, batch by batch), the list is the same text.
    @Test func piecesConcatenateToTheWholeList() throws {
        let fixtures = try Fixtures()
        try fixtures.makeChain(["base.qcow2", "top.qcow2"])
        let reports = [inspected(fixtures, "top.qcow2").report, inspected(fixtures, "base.qcow2").report,
                       inspected(fixtures, "missing").report]
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


/// A fixture's chain, inspected by absolute path with no cache.
private func inspected(_ fixtures: Fixtures, _ name: String) -> BackingChain {
    ChainInspector().inspect(path: fixtures.path(name))
}
