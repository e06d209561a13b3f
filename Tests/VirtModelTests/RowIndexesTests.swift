import Testing
import VirtModel

@Suite struct RowIndexesTests {
    @Test func firstSeenGetsNextNumberStartingAtOne() {
        var indexes = RowIndexes<String>()
        #expect(indexes.index(for: "a") == 1)
        #expect(indexes.index(for: "b") == 2)
        #expect(indexes.index(for: "c") == 3)
    }

    @Test func anObjectKeepsItsIndexAndNoIndexIsReused() {
        var indexes = RowIndexes<String>()
        _ = indexes.index(for: "a")
        _ = indexes.index(for: "b")
        // "a" disappears from the world and comes back later; a newcomer never gets its number.
        #expect(indexes.index(for: "c") == 3)
        #expect(indexes.index(for: "a") == 1)
        #expect(indexes.index(for: "d") == 4)
    }
}

@Suite struct DomainStateTests {
    @Test func unknownStateNumbersReadAsNoState() {
        #expect(DomainState(libvirt: 42) == .nostate)
        #expect(DomainState(libvirt: 5) == .shutoff)
    }

    @Test func reasonsAreWordedAsVirshWordsThem() {
        #expect(DomainState.running.reasonText(1) == "booted")
        #expect(DomainState.paused.reasonText(5) == "I/O error")
        #expect(DomainState.shutoff.reasonText(2) == "destroyed")
        #expect(DomainState.crashed.reasonText(1) == "panicked")
        #expect(DomainState.running.reasonText(99) == "unknown")
        #expect(DomainState.running.reasonText(-1) == "unknown")
    }
}
