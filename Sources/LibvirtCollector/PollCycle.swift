/// The collector's bookkeeping of polls, as a value with no clock and no threads of
/// its own: the collector drives it under its lock, and tests drive it with instants
/// of their choosing, so every interleaving of a poll's end and its deadline can be
/// played in order.
///
/// Each poll has a generation. Only the running generation may publish; a poll that
/// overruns its deadline is abandoned (left to finish on its own thread, its result
/// thrown away) and counted until it returns, at most `abandonLimit` at a time.
struct PollCycle: Sendable {
    typealias Instant = ContinuousClock.Instant

    struct Running: Sendable, Equatable {
        let generation: UInt64
        let started: Instant
        var deadline: Instant
    }

    /// Abandoned polls still running, each holding a thread and a libvirt connection.
    static let abandonLimit = 4

    private(set) var generation: UInt64 = 0
    private(set) var running: Running?
    /// Abandoned polls that have not returned yet.
    private(set) var abandoned = 0
    /// Every poll ever abandoned.
    private(set) var abandonedTotal = 0
    /// Polls abandoned in a row, without one finishing in between.
    private(set) var overrunsInARow = 0

    /// Whether a new poll may start now: none running, and the abandoned ones within the limit.
    var canStart: Bool { running == nil && abandoned < Self.abandonLimit }

    /// A new poll, due to finish `deadline` after `now`.
    mutating func start(at now: Instant, deadline: Duration) -> UInt64 {
        precondition(canStart, "a poll started while another runs or too many are abandoned")
        generation += 1
        running = Running(generation: generation, started: now, deadline: now + deadline)
        return generation
    }

    /// A new deadline (SIGHUP) applies to the poll that runs, too.
    mutating func change(deadline: Duration) {
        guard let started = running?.started else { return }
        running?.deadline = started + deadline
    }

    enum Completion: Equatable {
        /// The running poll finished in time: its snapshot is the one to serve.
        case publish
        /// An abandoned poll came back late: its snapshot is thrown away.
        case discard
    }

    /// The poll of `generation` returned.
    mutating func finished(_ generation: UInt64) -> Completion {
        if running?.generation == generation {
            running = nil
            overrunsInARow = 0
            return .publish
        }
        precondition(abandoned > 0 && generation <= self.generation, "poll \(generation) was not abandoned")
        abandoned -= 1
        return .discard
    }

    enum Check: Equatable {
        /// No poll runs.
        case idle
        /// The running poll has until then.
        case runningUntil(Instant)
        /// The running poll overran and is abandoned. `confirmed`: the one before it
        /// overran too, so libvirt itself, not one call, is not answering.
        case abandoned(confirmed: Bool)
    }

    /// Looks at the running poll at `now`, abandoning it if its deadline has passed.
    mutating func check(at now: Instant) -> Check {
        guard let running else { return .idle }
        guard now >= running.deadline else { return .runningUntil(running.deadline) }
        self.running = nil
        abandoned += 1
        abandonedTotal += 1
        overrunsInARow += 1
        return .abandoned(confirmed: overrunsInARow > 1)
    }
}
