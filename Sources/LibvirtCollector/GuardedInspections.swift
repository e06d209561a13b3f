import Dispatch
import Foundation
import ImageInspector
import Synchronization

/// Chain inspections with a deadline each, so one image on hung storage (a dead
/// NFS server: a read that never returns) costs only its own rows, not the poll.
///
/// Inspections run one at a time on a long-lived worker thread; the collector
/// waits for each up to the deadline. A worker that overruns is left to its
/// blocked read (it cannot be cancelled) and retired, and the next inspection
/// gets a fresh worker; the hung image is never started twice: until it returns,
/// its last chain is served, marked stale. So a healthy host costs one thread,
/// not one per image per poll.
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
        /// The worker for the next inspection; nil after one was retired.
        var worker: Worker?
        /// Workers ever started: 1 unless images have hung.
        var workersStarted = 0
    }
    private let state = Mutex(State())

    public init(deadline: Duration, inspect: @escaping Inspect) {
        self.deadline = deadline
        self.inspect = inspect
    }

    deinit {
        state.withLock { $0.worker?.retire() }
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

    /// How many worker threads were started so far (one more per hung image).
    public var workersStarted: Int { state.withLock { $0.workersStarted } }

    /// Inspects one image, waiting at most the deadline. Called from one thread at a time.
    public func chain(of path: String, format: String?) -> Outcome {
        let worker: Worker? = state.withLock { state in
            state.seen.insert(path)
            guard state.inFlight.insert(path).inserted else { return nil }
            if state.worker == nil {
                state.worker = Worker(owner: self)
                state.workersStarted += 1
            }
            return state.worker
        }
        guard let worker else { return .overdue(last: state.withLock { $0.last[path] }) }
        let job = Job(path: path, format: format)
        worker.run(job)
        let (seconds, attoseconds) = deadline.components
        let timeout = DispatchTime.now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        guard job.done.wait(timeout: timeout) == .success, let chain = job.result.withLock({ $0 }) else {
            // Hung: this worker stays blocked in the read; the next inspection gets a new one.
            worker.retire()
            state.withLock { if $0.worker === worker { $0.worker = nil } }
            return .overdue(last: state.withLock { $0.last[path] })
        }
        return .finished(chain)
    }

    /// Runs on a worker thread.
    fileprivate func perform(_ job: Job) {
        let chain = inspect(job.path, job.format)
        state.withLock { state in
            state.inFlight.remove(job.path)
            state.last[job.path] = chain
        }
        job.result.withLock { $0 = chain }
        job.done.signal()
    }
}

/// One inspection handed to a worker.
private final class Job: Sendable {
    let path: String
    let format: String?
    let done = DispatchSemaphore(value: 0)
    let result = Mutex<BackingChain?>(nil)

    init(path: String, format: String?) {
        self.path = path
        self.format = format
    }
}

/// A thread that runs one job at a time until it is retired. A thread of its own,
/// not a Dispatch queue: Dispatch's pool is bounded by the core count, and hung
/// reads would starve the work behind them.
private final class Worker: Sendable {
    private let pending = Mutex<(job: Job?, retired: Bool)>((nil, false))
    private let wake = DispatchSemaphore(value: 0)

    init(owner: GuardedInspections) {
        Thread { [self, weak owner] in
            while true {
                wake.wait()
                let job = pending.withLock { pending in
                    defer { pending.job = nil }
                    return pending.job
                }
                if let job { owner?.perform(job) }
                // Retired while it ran (it hung) or while idle: end the thread.
                if pending.withLock({ $0.retired }) || owner == nil { return }
            }
        }.start()
    }

    func run(_ job: Job) {
        pending.withLock { $0.job = job }
        wake.signal()
    }

    /// Lets the thread end once its current job returns.
    func retire() {
        pending.withLock { $0.retired = true }
        wake.signal()
    }
}
