@testable import LibvirtCollector
import Testing

/// The collector's bookkeeping played with instants of the test's choosing: every
/// order of a poll's end, its deadline and a SIGHUP, one step at a time.
@Suite struct PollCycleTests {
    let t0 = ContinuousClock.now
    func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .milliseconds(Int64(seconds * 1000)) }

    @Test func aPollThatFinishesInTimePublishes() {
        var cycle = PollCycle()
        let generation = cycle.start(at: at(0), deadline: .seconds(5))
        #expect(cycle.check(at: at(4.9)) == .runningUntil(at(5)))
        #expect(cycle.finished(generation) == .publish)
        #expect(cycle.check(at: at(6)) == .idle, "a finished poll is never abandoned afterwards")
        #expect(cycle.abandoned == 0 && cycle.canStart)
    }

    @Test func aPollThatFinishesJustAfterItsDeadlineIsDiscardedNotPublished() {
        var cycle = PollCycle()
        let late = cycle.start(at: at(0), deadline: .seconds(5))
        #expect(cycle.check(at: at(5)) == .abandoned(confirmed: false))
        // The retry starts at once, then the late one comes back: it must not publish.
        let retry = cycle.start(at: at(5), deadline: .seconds(5))
        #expect(cycle.finished(late) == .discard)
        #expect(cycle.abandoned == 0)
        #expect(cycle.finished(retry) == .publish)
    }

    @Test func aPollThatFinishesJustBeforeTheWatchdogLooksIsPublishedAndNotMarked() {
        var cycle = PollCycle()
        let generation = cycle.start(at: at(0), deadline: .seconds(5))
        #expect(cycle.finished(generation) == .publish)
        #expect(cycle.check(at: at(5.001)) == .idle, "no unresponsive mark after a poll that made it")
        #expect(cycle.overrunsInARow == 0)
    }

    @Test func onlyASecondOverrunInARowConfirmsLibvirtIsNotAnswering() {
        var cycle = PollCycle()
        _ = cycle.start(at: at(0), deadline: .seconds(2))
        #expect(cycle.check(at: at(2)) == .abandoned(confirmed: false))
        _ = cycle.start(at: at(2), deadline: .seconds(2))
        #expect(cycle.check(at: at(4)) == .abandoned(confirmed: true))
        let third = cycle.start(at: at(5), deadline: .seconds(2))
        #expect(cycle.finished(third) == .publish)
        #expect(cycle.overrunsInARow == 0, "a poll that made it resets the run of overruns")
        #expect(cycle.abandoned == 2 && cycle.abandonedTotal == 2)
    }

    @Test func abandonedPollsAreBoundedAndCountedUntilTheyReturn() {
        var cycle = PollCycle()
        var stuck: [UInt64] = []
        for second in 0..<PollCycle.abandonLimit {
            stuck.append(cycle.start(at: at(Double(second)), deadline: .seconds(1)))
            _ = cycle.check(at: at(Double(second + 1)))
        }
        #expect(cycle.abandoned == PollCycle.abandonLimit)
        #expect(!cycle.canStart, "no new poll while \(PollCycle.abandonLimit) are abandoned")
        #expect(cycle.finished(stuck[1]) == .discard)
        #expect(cycle.canStart, "one returned: polling may go on")
        #expect(cycle.abandonedTotal == PollCycle.abandonLimit)
    }

    @Test func aDeadlineChangedWhileAPollRunsAppliesToIt() {
        var cycle = PollCycle()
        _ = cycle.start(at: at(0), deadline: .seconds(20))
        cycle.change(deadline: .seconds(3))
        #expect(cycle.check(at: at(2.9)) == .runningUntil(at(3)))
        #expect(cycle.check(at: at(3)) == .abandoned(confirmed: false))
        cycle.change(deadline: .seconds(30))   // no poll runs: nothing to change
        #expect(cycle.check(at: at(4)) == .idle)
    }
}
