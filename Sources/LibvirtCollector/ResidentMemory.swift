import Foundation
import CMalloc
import Logging

/// The process's resident memory, logged after each poll so that growth on a
/// big host is visible in the debug log.
public enum ResidentMemory {
    /// Resident set size in KiB from /proc/self/statm; nil where there is none.
    static var kibibytes: Int? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }

    /// Gives the pages malloc holds free back to the kernel. A poll replaces the
    /// whole snapshot and view, so after one is published most of the last one's
    /// memory is free but scattered; without this it stays resident until reused.
    static func returnFreePages() {
        malloc_trim(0)
    }

    /// One malloc arena for the whole process. Each poll runs on a thread of its
    /// own, and glibc gives new threads new arenas (up to eight per core), each
    /// keeping its own free memory: with one, a poll reuses what the last freed.
    /// The agent's threads seldom allocate at once, so they do not contend.
    public static func useOneArena() {
        mallopt(M_ARENA_MAX, 1)
    }

    /// Gives back the pages of this executable's code that are resident now, to be
    /// read again only as they run. Called once the agent has started and polled:
    /// argument parsing, configuration and connection set-up never run again, and
    /// the statically linked Swift runtime and Foundation make a large file of which
    /// with 64 KiB fault-arounds about 13 MB of it stayed resident at 1,000 domains;
    /// read back page by page, the code a poll and a walk run is about 4 MB.
    public static func releaseStartupCode() {
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8),
              let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return }
        for line in maps.split(separator: "\n") where line.hasSuffix(" " + executable) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 1, fields[1] == "r-xp" else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16),
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            // Clean file pages only: nothing is lost, a page that runs again is read back,
            // and only that page (no fault-around).
            madvise(address, Int(end - start), MADV_PAGEOUT)
            madvise(address, Int(end - start), MADV_RANDOM)
        }
    }

    static var metadata: Logger.Metadata {
        kibibytes.map { ["rss-kib": "\($0)"] } ?? [:]
    }
}
