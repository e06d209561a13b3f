import Foundation
import ImageInspector

/// libFuzzer's entry point: one input is up to three files, the top image and
/// the files its backing names may reach (`b1`, `b2`), so a mutation can change
/// a header, a backing name or the file it points to, and chains, loops,
/// relative, `json:` and protocol names are all reachable from the corpus.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let parts = FuzzInput.split(UnsafeBufferPointer(start: data, count: size))
    let top = Workspace.shared.write(parts)
    // Deep: every qcow2 layer's tables are read and cross-checked as well.
    let chain = ChainInspector(maxDepth: 8, deep: true).inspect(path: top)
    // The JSON report walks every layer's details and verdicts: encode it too.
    _ = try? JSONEncoder().encode(chain.report)
    return 0
}

/// How an input's bytes become files.
enum FuzzInput {
    /// Between the parts; also in the fuzzer's dictionary (Fuzz/inspector.dict).
    static let separator = Array("%%NEXT%%".utf8)
    /// The files written, in order. Backing names in the seeds are these names.
    static let names = ["top", "b1", "b2"]

    /// At most `names.count` parts: the last one keeps any further separators.
    static func split(_ bytes: UnsafeBufferPointer<UInt8>) -> [ArraySlice<UInt8>] {
        let all = Array(bytes)
        var parts: [ArraySlice<UInt8>] = []
        var start = 0, index = 0
        while parts.count < names.count - 1, index + separator.count <= all.count {
            if all[index ..< index + separator.count].elementsEqual(separator) {
                parts.append(all[start ..< index])
                index += separator.count
                start = index
            } else {
                index += 1
            }
        }
        parts.append(all[start...])
        return parts
    }
}

/// One private folder per process, rewritten for every input: a part that is
/// absent removes its file, so missing backing files are exercised too.
final class Workspace: Sendable {
    static let shared = Workspace()
    let folder: String

    private init() {
        // Under $TMPDIR, so scripts/fuzz can sweep it away even after a crash.
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(base)/inspector-fuzz.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("mkdtemp: \(errno)") }
        folder = String(cString: made)
        // libFuzzer ends with exit(); leave no folder behind in /tmp.
        atexit { Workspace.shared.remove() }
    }

    /// Writes the parts as files; returns the top image's path.
    func write(_ parts: [ArraySlice<UInt8>]) -> String {
        for (index, name) in FuzzInput.names.enumerated() {
            let path = folder + "/" + name
            unlink(path)  // a fresh inode each time, as a replaced image would have
            guard index < parts.count else { continue }
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { fatalError("open \(path): \(errno)") }
            parts[index].withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let written = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                    guard written > 0 else { fatalError("write \(path): \(errno)") }
                    done += written
                }
            }
            close(fd)
        }
        return folder + "/top"
    }

    func remove() {
        for name in FuzzInput.names { unlink(folder + "/" + name) }
        rmdir(folder)
    }
}
