import Dispatch
import Foundation
import ImageInspector
import Synchronization

/// Chain inspections with a deadline each, so one image on hung storage (a dead
/// NFS server: a read that never returns) costs only its own rows, not the poll.
///
/// An inspection runs on a thread of its own; the collector waits for it up to the
/// deadline. One that overruns keeps its thread (a blocked read cannot be
/// cancelled) but is never started twice: until it returns, the path's last
/// chain is served, marked stale.
public final class GuardedInspections: Sendable {
    /// What the collector gets for one image.
    public enum Outcome: Sendable, Equatable {
        case finished(BackingChain)
        /// Still running past the deadline; the chain from an earlier poll, if any.
        case overdue(last: BackingChain?)
    }

    public typealias Inspect = @Sendable (_ path: String, _ format: String?) -> BackingChain

    private let inspect: Inspect
    private let deadline: Duration
    private struct State {
        var inFlight: Set<String> = []
        var last: [String: BackingChain] = [:]
        /// Paths asked about since the last `forgetUnseen()`.
        var seen: Set<String> = []
    }
    private let state = Mutex(State())

    public init(deadline: Duration, inspect: @escaping Inspect) {
        self.deadline = deadline
        self.inspect = inspect
    }

    /// Drops the last chains of images no longer asked about (deleted VMs and
    /// volumes), so a long-running agent on a host with churn does not grow.
    /// Called after each complete poll.
    public func forgetUnseen() {
        state.withLock { state in
            state.last = state.last.filter { state.seen.contains($0.key) || state.inFlight.contains($0.key) }
            state.seen.removeAll(keepingCapacity: true)
        }
    }

    /// How many images' last chains are kept.
    public var rememberedCount: Int { state.withLock { $0.last.count } }

    public func chain(of path: String, format: String?) -> Outcome {
        let started: Bool = state.withLock { state in
            state.seen.insert(path)
            return state.inFlight.insert(path).inserted
        }
        guard started else { return .overdue(last: state.withLock { $0.last[path] }) }
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<BackingChain?>(nil)
        // A thread of its own, not a Dispatch queue: Dispatch's pool is bounded by
        // the core count, and hung reads would starve the inspections behind them.
        Thread { [self] in
            let chain = inspect(path, format)
            state.withLock { state in
                state.inFlight.remove(path)
                state.last[path] = chain
            }
            result.withLock { $0 = chain }
            done.signal()
        }.start()
        let (seconds, attoseconds) = deadline.components
        let timeout = DispatchTime.now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        guard done.wait(timeout: timeout) == .success, let chain = result.withLock({ $0 }) else {
            return .overdue(last: state.withLock { $0.last[path] })
        }
        return .finished(chain)
    }
}
