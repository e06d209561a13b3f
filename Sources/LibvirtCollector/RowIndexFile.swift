import Foundation
import Logging
import VirtModel

/// Keeps the row indexes in a file, so an object keeps its OID across agent
/// restarts (like snmpd's persistent folder, /var/lib/snmp).
///
/// Written whole to a temporary file and renamed over the old one: a crash
/// mid-write leaves the previous file, never half of one.
struct RowIndexFile {
    let url: URL
    private let logger: Logger

    init(folder: URL, logger: Logger) {
        self.url = folder.appendingPathComponent("row-indexes.json")
        self.logger = logger
    }

    /// The saved registry; a fresh one when there is none or it cannot be read.
    /// An unreadable file is moved aside (`.bad`), not overwritten, so nothing is lost.
    func load() -> RowIndexRegistry {
        guard FileManager.default.fileExists(atPath: url.path) else { return RowIndexRegistry() }
        do {
            return try JSONDecoder().decode(RowIndexRegistry.self, from: Data(contentsOf: url))
        } catch {
            let aside = url.appendingPathExtension("bad")
            try? FileManager.default.removeItem(at: aside)
            try? FileManager.default.moveItem(at: url, to: aside)
            logger.warning("row index file unreadable; starting with fresh indexes",
                           metadata: ["file": "\(url.path)", "moved-to": "\(aside.path)", "error": "\(error)"])
            return RowIndexRegistry()
        }
    }

    func save(_ registry: RowIndexRegistry) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(registry).write(to: url, options: .atomic)
    }
}
