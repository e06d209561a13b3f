import Foundation
import Logging

/// The process's resident memory, logged after each poll so that growth on a
/// big host is visible in the debug log.
enum ResidentMemory {
    /// Resident set size in KiB from /proc/self/statm; nil where there is none.
    static var kibibytes: Int? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }

    static var metadata: Logger.Metadata {
        kibibytes.map { ["rss-kib": "\($0)"] } ?? [:]
    }
}
