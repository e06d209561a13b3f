import CMalloc
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
@testable import LibvirtCollector

/// A long-running agent keeps one snapshot, not one per poll. Each poll's
/// abandonment watch once captured the poll's work, and so the poller before it
/// with its snapshot: every snapshot ever taken stayed reachable (6 MB a poll at
/// 1,000 domains and 1,000 volumes). Measured as malloc's bytes in use, which,
/// unlike RSS, do not depend on what malloc gives back to the kernel.
struct CollectorMemoryTests {
    @Test func pollingKeepsOnlyTheLatestSnapshot() throws {
        let folder = try ScratchFolder()
        let made = try Command.run(Repository.file("scripts/make-scale-world").path,
                                   [folder.file("world").path, "--domains", "300", "--pools", "1", "--volumes", "300"],
                                   timeout: .seconds(60))
        try #require(made.status == 0, "scripts/make-scale-world failed: \(made.stderr)")
        let uri = try #require(made.stdout.split(separator: "\n").last.map(String.init))

        let inUse = Mutex<[Int]>([])
        let collector = Collector(configuration: .init(uri: uri, pollInterval: .seconds(1)), logger: Logger(label: "test")) { _ in
            inUse.withLock { $0.append(Int(mallinfo2().uordblks)) }
        }
        collector.start()
        defer { collector.stop(waitingAtMost: .seconds(10)) }
        #expect(eventually(timeout: .seconds(90)) { inUse.withLock { $0.count } >= 10 }, "ten polls of 300 domains")
        let samples = inUse.withLock { $0 }
        try #require(samples.count >= 10)
        // By the third poll every cache is warm; with the leak, seven more polls added about 14 MB.
        let growth = samples[9] - samples[2]
        #expect(growth < 3 << 20, "malloc in use grew \(growth / 1024) KiB from poll 3 to poll 10: \(samples.map { $0 / 1024 }) KiB")
    }
}
