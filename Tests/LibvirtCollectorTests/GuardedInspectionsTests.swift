import Foundation
import ImageInspector
@testable import LibvirtCollector
import Synchronization
import Testing

/// The deadline logic with an inspection that stands in for hung storage.
@Suite struct GuardedInspectionsTests {
    /// A real chain to hand back (a missing file inspects fine: one unreadable layer).
    let chain = ChainInspector().inspect(path: "/nonexistent/virt-agentx-test.qcow2")

    @Test func aHungImageCostsOnlyItsDeadlineAndIsNeverInspectedTwiceAtOnce() {
        let release = DispatchSemaphore(value: 0)
        let hanging = Atomic<Bool>(true)
        let started = Atomic<Int>(0)
        let chain = self.chain
        let inspections = GuardedInspections(deadline: .milliseconds(200)) { path, _ in
            if path == "hung", hanging.load(ordering: .relaxed) {
                started.add(1, ordering: .relaxed)
                release.wait()   // the read that does not return
            }
            return chain
        }
        let begin = ContinuousClock.now
        #expect(inspections.chain(of: "hung", format: nil) == .overdue(last: nil))
        #expect(ContinuousClock.now - begin < .seconds(1), "waited only the deadline")
        #expect(inspections.chain(of: "fine", format: nil) == .finished(chain), "other images are unaffected")
        #expect(inspections.chain(of: "hung", format: nil) == .overdue(last: nil), "still hung")
        #expect(started.load(ordering: .relaxed) == 1, "one stuck thread, not one per poll")
        #expect(inspections.workersStarted == 2, "the hung worker was replaced once")

        hanging.store(false, ordering: .relaxed)
        release.signal()   // the storage comes back
        Thread.sleep(forTimeInterval: 0.1)
        #expect(inspections.chain(of: "hung", format: nil) == .finished(chain))
    }

    @Test func anOverdueImageServesItsLastChain() {
        let slow = Atomic<Bool>(false)
        let release = DispatchSemaphore(value: 0)
        let chain = self.chain
        let inspections = GuardedInspections(deadline: .milliseconds(100)) { _, _ in
            if slow.load(ordering: .relaxed) { release.wait() }
            return chain
        }
        #expect(inspections.chain(of: "image", format: "qcow2") == .finished(chain))
        slow.store(true, ordering: .relaxed)
        #expect(inspections.chain(of: "image", format: "qcow2") == .overdue(last: chain))
        release.signal()
    }

    @Test func aBatchGoesOnPastAHungImage() {
        let release = DispatchSemaphore(value: 0)
        let chain = self.chain
        let inspections = GuardedInspections(deadline: .milliseconds(200)) { path, _ in
            if path == "c" { release.wait() }
            return chain
        }
        let begin = ContinuousClock.now
        let outcomes = inspections.chains(of: ["a", "b", "c", "d", "e"].map { ($0, nil) })
        #expect(outcomes == [.finished(chain), .finished(chain), .overdue(last: nil), .finished(chain), .finished(chain)])
        #expect(ContinuousClock.now - begin < .seconds(1), "one deadline for the hung image, none for the rest")
        #expect(inspections.workersStarted == 2, "a new worker took the images after the hung one")
        // The next poll's batch: the hung image is not started again, the others are.
        #expect(inspections.chains(of: [("c", nil), ("a", nil)]) == [.overdue(last: nil), .finished(chain)])
        release.signal()
    }

    @Test func anImageNamedTwiceIsInspectedOnceAndAnsweredTwice() {
        let chain = self.chain
        let count = Mutex(0)
        let inspections = GuardedInspections(deadline: .seconds(5)) { _, _ in
            count.withLock { $0 += 1 }
            return chain
        }
        #expect(inspections.chains(of: [("iso", nil), ("disk", nil), ("iso", nil)]) == [.finished(chain), .finished(chain), .finished(chain)])
        #expect(count.withLock { $0 } == 2)
    }

    @Test func aStartedBatchIsCollectedLater() {
        let chain = self.chain
        let inspections = GuardedInspections(deadline: .seconds(5)) { _, _ in chain }
        let batch = inspections.start([("a", nil), ("b", "qcow2")])
        #expect(batch.keys == ["\u{0}a", "qcow2\u{0}b"])
        Thread.sleep(forTimeInterval: 0.05)   // the caller waits on libvirt meanwhile
        #expect(inspections.finish(batch) == [.finished(chain), .finished(chain)])
        #expect(inspections.chains(of: [("a", nil)]) == [.finished(chain)], "and the worker takes the next batch")
    }

    @Test func aHealthyHostUsesOneWorkerForEveryImage() {
        let chain = self.chain
        let threads = Mutex<Set<String>>([])
        let inspections = GuardedInspections(deadline: .seconds(5)) { _, _ in
            let name = "\(Unmanaged.passUnretained(Thread.current).toOpaque())"
            threads.withLock { _ = $0.insert(name) }
            return chain
        }
        for image in 0..<2_000 {
            #expect(inspections.chain(of: "image\(image)", format: nil) == .finished(chain))
        }
        #expect(inspections.workersStarted == 1)
        #expect(threads.withLock { $0.count } == 1, "every inspection ran on the same thread")
    }

    @Test func imagesNoLongerAskedAboutAreForgotten() {
        let chain = self.chain
        let inspections = GuardedInspections(deadline: .seconds(5)) { _, _ in chain }
        _ = inspections.chain(of: "a", format: nil)
        _ = inspections.chain(of: "b", format: nil)
        inspections.forgetUnseen()
        #expect(inspections.rememberedCount == 2)
        _ = inspections.chain(of: "b", format: nil)   // "a" was deleted with its VM
        inspections.forgetUnseen()
        #expect(inspections.rememberedCount == 1)
    }
}
