import Foundation
import Testing
import TestSupport
@testable import ImageInspector

@Suite("Inspection cache")
struct CacheTests {
    @Test func unchangedImagesAreNotReadAgain() throws {
        let fixtures = try Fixtures()
        try fixtures.makeChain(["base.qcow2", "mid.qcow2", "top.qcow2"])
        let cache = InspectionCache()
        let inspector = ChainInspector(cache: cache)
        let first = inspector.inspect(path: fixtures.path("top.qcow2"))
        #expect(cache.statistics == .init(hits: 0, misses: 3))
        let second = inspector.inspect(path: fixtures.path("top.qcow2"))
        #expect(cache.statistics == .init(hits: 3, misses: 3))
        #expect(first == second)
    }

    @Test func aChangedHeaderIsReadAgain() throws {
        let fixtures = try Fixtures()
        try fixtures.makeChain(["base.qcow2", "top.qcow2"])
        try fixtures.qemuImg("create", "-f", "qcow2", "other.qcow2", "10M")
        let cache = InspectionCache()
        let inspector = ChainInspector(cache: cache)
        #expect(inspector.inspect(path: fixtures.path("top.qcow2")).layers.count == 2)
        try fixtures.qemuImg("rebase", "-u", "-F", "qcow2", "-b", "other.qcow2", "top.qcow2")
        let chain = inspector.inspect(path: fixtures.path("top.qcow2"))
        #expect(chain.layers.map(\.path) == [fixtures.path("top.qcow2"), fixtures.path("other.qcow2")])
        #expect(cache.statistics.misses == 4)
    }

    @Test func aReplacedFileIsReadAgain() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "qcow2", "image.qcow2", "10M")
        let cache = InspectionCache()
        let inspector = ChainInspector(cache: cache)
        #expect(inspector.inspect(path: fixtures.path("image.qcow2")).top?.probedFormat == .qcow2)
        try fixtures.qemuImg("create", "-f", "raw", "new.raw", "10M")
        #expect(rename(fixtures.path("new.raw"), fixtures.path("image.qcow2")) == 0)
        #expect(inspector.inspect(path: fixtures.path("image.qcow2")).top?.probedFormat == .raw)
    }

    @Test func isSafeToShareBetweenTasks() async throws {
        let fixtures = try Fixtures()
        let names = (0 ..< 5).map { "layer\($0).qcow2" }
        try fixtures.makeChain(names)
        let cache = InspectionCache()
        let path = fixtures.path(names.last!)
        let counts = await withTaskGroup(of: Int.self) { group in
            for _ in 0 ..< 16 {
                group.addTask { ChainInspector(cache: cache).inspect(path: path).layers.count }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counts == Array(repeating: 5, count: 16))
        #expect(cache.count == 5)
        #expect(cache.statistics.hits + cache.statistics.misses == 80)
    }

    @Test func staysWithinItsCapacity() throws {
        let fixtures = try Fixtures()
        let cache = InspectionCache(capacity: 4)
        for index in 0 ..< 10 {
            try fixtures.qemuImg("create", "-f", "raw", "r\(index)", "1M")
            _ = ChainInspector(cache: cache).inspect(path: fixtures.path("r\(index)"))
        }
        #expect(cache.count <= 4)
    }
}
