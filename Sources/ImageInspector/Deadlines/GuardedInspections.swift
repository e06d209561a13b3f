import Dispatch
import FoundationEssentials
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

    /// Inspects one image, waiting at most the deadline.
    public func chain(of path: String, format: String?) -> Outcome {
        chains(of: [(path, format)])[0]
    }

    /// Inspects images in order on the worker, handed over together so that a
    /// poll costs one hand-over, not one per image; each image still has its own
    /// deadline. Batches come from one poll at a time (an abandoned poll skips its
    /// inspections); should two overlap, their jobs queue on the worker.
    public func chains(of images: [(path: String, format: String?)]) -> [Outcome] {
        finish(start(images))
    }

    /// A batch handed to the worker and not yet collected.
    public struct Batch {
        fileprivate let images: [(path: String, format: String?)]
        /// Positions in `images` that were started (the others are still running from before).
        fileprivate let startable: [Int]
        fileprivate let job: Job?
        fileprivate let worker: Worker?
        /// The images, by path and format, for callers that match results to their own list.
        public var keys: [String] { images.map { "\($0.format ?? "")\u{0}\($0.path)" } }
    }

    /// Hands `images` to the worker and returns at once, so that the inspection runs
    /// while the caller waits on something else (libvirt); `finish` collects it.
    public func start(_ images: [(path: String, format: String?)]) -> Batch {
        // Images whose inspection is still running (hung) get their last chain; an
        // image named twice is started once.
        let startable: [Int] = state.withLock { state in
            images.indices.filter { position in
                state.seen.insert(images[position].path)
                return state.inFlight.insert(images[position].path).inserted
            }
        }
        guard !startable.isEmpty else { return Batch(images: images, startable: [], job: nil, worker: nil) }
        let job = Job(images: startable.map { images[$0] })
        let worker = currentWorker()
        worker.run(job)
        return Batch(images: images, startable: startable, job: job, worker: worker)
    }

    /// The outcomes of a started batch, in its order, each image within its deadline.
    public func finish(_ batch: Batch) -> [Outcome] {
        let images = batch.images, startable = batch.startable
        var outcomes = [Outcome?](repeating: nil, count: images.count)
        var next = 0   // position in `startable` of the first image not yet finished or given up
        var current = batch.job.map { ($0, batch.worker!) }
        while next < startable.count {
            let (job, worker) = current ?? {
                let job = Job(images: startable[next...].map { images[$0] })
                let worker = currentWorker()
                worker.run(job)
                return (job, worker)
            }()
            current = nil
            var done = 0
            while done < job.images.count {
                guard job.progress.wait(timeout: .now() + deadline.dispatchInterval) == .success else {
                    // The image in progress hung: its worker stays blocked in the read and is
                    // retired; a new worker takes the images after it.
                    worker.retire()
                    state.withLock { if $0.worker === worker { $0.worker = nil } }
                    let hung = startable[next + done]
                    outcomes[hung] = .overdue(last: state.withLock { $0.last[images[hung].path] })
                    done += 1
                    break
                }
                let position = startable[next + done]
                if let chain = job.results.withLock({ $0[done] }) { outcomes[position] = .finished(chain) }
                done += 1
            }
            next += done
        }
        // An image named twice in a batch (one ISO in two domains) is inspected once.
        var first: [String: Int] = [:]
        for position in images.indices where first[images[position].path] == nil { first[images[position].path] = position }
        return images.indices.map { position in
            outcomes[position] ?? outcomes[first[images[position].path]!]
                ?? .overdue(last: state.withLock { $0.last[images[position].path] })
        }
    }

    private func currentWorker() -> Worker {
        state.withLock { state in
            if let worker = state.worker { return worker }
            let worker = Worker(owner: self)
            state.worker = worker
            state.workersStarted += 1
            return worker
        }
    }

    /// Runs on a worker thread: the job's images in order, until done or retired.
    fileprivate func perform(_ job: Job, while active: () -> Bool) {
        for (position, image) in job.images.enumerated() {
            let chain = inspect(image.path, image.format)
            state.withLock { state in
                state.inFlight.remove(image.path)
                state.last[image.path] = chain
            }
            job.results.withLock { $0[position] = chain }
            job.progress.signal()
            // A retired worker was given up on for this image: the rest belong to its successor.
            guard active() else { return }
        }
    }
}

/// Images handed to a worker; results come back one by one, each with a signal.
private final class Job: Sendable {
    let images: [(path: String, format: String?)]
    let progress = DispatchSemaphore(value: 0)
    let results: Mutex<[BackingChain?]>

    init(images: [(path: String, format: String?)]) {
        self.images = images
        results = Mutex([BackingChain?](repeating: nil, count: images.count))
    }
}

/// A thread that runs jobs in the order given until it is retired. A thread of its
/// own, not a Dispatch queue: Dispatch's pool is bounded by the core count, and hung
/// reads would starve the work behind them. Jobs queue: a poll abandoned in libvirt
/// may still hand over its batch while the current poll hands over its own.
private final class Worker: Sendable {
    private let pending = Mutex<(jobs: [Job], retired: Bool)>(([], false))
    private let wake = DispatchSemaphore(value: 0)

    init(owner: GuardedInspections) {
        DetachedThread.start { [self, weak owner] in
            while true {
                wake.wait()
                let job = pending.withLock { pending in
                    pending.jobs.isEmpty ? nil : pending.jobs.removeFirst()
                }
                if let job { owner?.perform(job) { !pending.withLock { $0.retired } } }
                // Retired while it ran (it hung) or while idle: end the thread.
                if pending.withLock({ $0.retired }) || owner == nil { return }
            }
        }
    }

    func run(_ job: Job) {
        pending.withLock { $0.jobs.append(job) }
        wake.signal()
    }

    /// Lets the thread end once its current job returns.
    func retire() {
        pending.withLock { $0.retired = true }
        wake.signal()
    }
}

extension Duration {
    /// For Dispatch's waits; the collector waits on the same clock.
    package var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        return .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }

    /// Whole and fractional seconds: for dates and log lines.
    package var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Whole milliseconds, rounded down.
    package var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
