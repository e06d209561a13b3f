import CLibvirt
import Foundation
import Logging
import VirtModel

/// Polls libvirt on its own thread and hands each new snapshot to `publish`.
///
/// libvirt is only ever called from this thread, so a slow or stuck libvirt
/// delays the next snapshot, never an SNMP answer.
public final class Collector: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// nil: libvirt's default URI.
        public var uri: String?
        public var pollInterval: Duration
        /// Where row indexes are kept across restarts; nil keeps them in memory only.
        public var stateFolder: URL?

        public init(uri: String?, pollInterval: Duration, stateFolder: URL? = nil) {
            self.uri = uri
            self.pollInterval = pollInterval
            self.stateFolder = stateFolder
        }
    }

    private let configuration: Configuration
    private let logger: Logger
    private let publish: @Sendable (Snapshot) -> Void
    // Everything below belongs to the collector thread, except `stopping` (guarded by `wakeup`).
    private var poller: Poller
    private let indexFile: RowIndexFile?
    private var savedIndexes: RowIndexRegistry
    private var saveFailed = false
    private var thread: Thread?
    private let wakeup = NSCondition()
    private var stopping = false
    private var finished = false

    public init(configuration: Configuration, logger: Logger,
                publish: @escaping @Sendable (Snapshot) -> Void) {
        self.configuration = configuration
        self.logger = logger
        self.publish = publish
        self.indexFile = configuration.stateFolder.map { RowIndexFile(folder: $0, logger: logger) }
        self.savedIndexes = indexFile?.load() ?? RowIndexRegistry()
        self.poller = Poller(uri: configuration.uri, logger: logger, indexes: savedIndexes)
    }

    /// Starts polling: once at once, then every `pollInterval`.
    public func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "virt-agentx collector"
        self.thread = thread
        thread.start()
    }

    /// Asks the thread to finish and waits for it, but not longer than `limit`:
    /// a libvirt call that never returns must not keep the process from exiting.
    public func stop(waitingAtMost limit: Duration) {
        let deadline = Date(timeIntervalSinceNow: limit.seconds)
        wakeup.lock()
        stopping = true
        wakeup.broadcast()
        while thread != nil && !finished && wakeup.wait(until: deadline) {}
        wakeup.unlock()
    }

    private func loop() {
        while true {
            publish(poller.poll())
            saveIndexesIfChanged()
            wakeup.lock()
            let deadline = Date(timeIntervalSinceNow: configuration.pollInterval.seconds)
            while !stopping && wakeup.wait(until: deadline) {}
            let stop = stopping
            wakeup.unlock()
            if stop { break }
        }
        poller.close()
        wakeup.lock()
        finished = true
        wakeup.broadcast()
        wakeup.unlock()
    }
}

extension Collector {
    /// Saves the row indexes when a poll assigned new ones; a folder that cannot
    /// be written costs persistence across restarts, never the agent.
    private func saveIndexesIfChanged() {
        guard let indexFile, poller.indexes != savedIndexes else { return }
        do {
            try indexFile.save(poller.indexes)
            savedIndexes = poller.indexes
            saveFailed = false
        } catch {
            if !saveFailed {
                logger.warning("cannot save row indexes; they will not survive a restart",
                               metadata: ["file": "\(indexFile.url.path)", "error": "\(error)",
                                          "fix": "make the folder writable or choose another with --state-dir"])
            }
            saveFailed = true
        }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
