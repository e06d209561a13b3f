@testable import LibvirtCollector
import Testing
import VirtModel

/// The bookkeeping that keeps a steady poll at a few calls a pool, as pure logic.
@Suite struct StorageDefinitionCacheTests {
    func facts(_ path: String) -> VolumeFacts {
        VolumeFacts(type: .file, path: path, format: "qcow2", capacity: 1, allocation: 1, physical: 1, backingPath: "")
    }

    /// Reads `count` volumes of `pool` in poll `poll`; returns how many were read from "libvirt".
    func poll(_ cache: inout StorageDefinitionCache, _ poll: Int, pool: String = "p", count: Int,
              changed: Set<String>? = []) throws -> Int {
        try read(&cache, poll, pool: pool, count: count, changed: changed).count
    }

    /// The keys read from "libvirt" in poll `poll`.
    func read(_ cache: inout StorageDefinitionCache, _ poll: Int, pool: String = "p", count: Int,
              changed: Set<String>? = []) throws -> [String] {
        cache.startPoll(poll, changedPools: changed)
        var keys: [String] = []
        for number in 0 ..< count {
            _ = try cache.volume(key: "k\(number)", pool: pool) { () throws(LibvirtError) in
                keys.append("k\(number)")
                return facts("/v/\(number)")
            }
        }
        return keys
    }

    @Test func aSteadyPollReadsNothingAndTheSafetyNetAFewAPoll() throws {
        var cache = StorageDefinitionCache()
        #expect(try poll(&cache, 1, count: 100) == 100)
        for number in 2 ..< 1 + StorageDefinitionCache.lifetime {
            #expect(try poll(&cache, number, count: 100) == 0, "poll \(number)")
        }
        // Expired: the oldest re-read, a budget a poll, so none starves however many there are.
        let budget = StorageDefinitionCache.rereadsPerPoll
        var reread: [String] = []
        for number in 1 + StorageDefinitionCache.lifetime ..< 1 + StorageDefinitionCache.lifetime + (100 + budget - 1) / budget {
            let keys = try read(&cache, number, count: 100)
            #expect(keys.count == budget || number == StorageDefinitionCache.lifetime + (100 + budget - 1) / budget, "poll \(number): \(keys)")
            reread += keys
        }
        #expect(Set(reread) == Set((0 ..< 100).map { "k\($0)" }), "every volume re-read in turn")
    }

    @Test func anEventForgetsItsPoolOnlyAndANewVolumeIsReadAtOnce() throws {
        var cache = StorageDefinitionCache()
        _ = try poll(&cache, 1, pool: "a", count: 10)
        _ = try poll(&cache, 1, pool: "b", count: 0)
        cache.startPoll(2, changedPools: ["a"])
        var reads = 0
        for number in 0 ..< 11 {
            _ = try cache.volume(key: "k\(number)", pool: "a") { () throws(LibvirtError) in reads += 1; return facts("x") }
        }
        #expect(reads == 11, "pool a's ten forgotten, and one new")
        #expect(try poll(&cache, 3, pool: "a", count: 11) == 0)
        #expect(try poll(&cache, 4, pool: "a", count: 11, changed: nil) == 11, "an event naming no pool")
    }

    @Test func volumesNoLongerListedAreDropped() throws {
        var cache = StorageDefinitionCache()
        _ = try poll(&cache, 1, count: 3)
        cache.keep(only: ["k0"], of: "p")
        #expect(try poll(&cache, 2, count: 3) == 2, "k1 and k2 were dropped, so read again when they return")
        cache.keep(onlyPools: [])
        #expect(try poll(&cache, 3, count: 3) == 3, "the pool is gone with its volumes")
    }
}
