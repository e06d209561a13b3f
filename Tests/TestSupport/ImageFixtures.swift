import Foundation

/// Why a fixture could not be made.
public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
}

/// A temporary directory of test images made with the real `qemu-img`,
/// removed when the value is released. Commands run with the directory as
/// working directory, so relative backing names stay relative.
/// A scratch folder of disk images made by qemu-img, with the byte patches the
/// inspector's and the command's tests make to them.
public final class Fixtures {
    private let scratch: ScratchFolder
    public var directory: String { scratch.path }

    public init() throws {
        _ = try Self.qemuImgPath()
        scratch = try ScratchFolder(prefix: "image-inspector")
    }

    /// The absolute path of `name` inside the fixture directory.
    public func path(_ name: String) -> String { directory + "/" + name }

    /// Finds qemu-img on PATH; its absence is a failure, never a skip.
    public static func qemuImgPath() throws -> String { try toolPath("qemu-img") }

    /// Finds a qemu-utils tool on PATH, failing with the fix when it is missing.
    public static func toolPath(_ tool: String) throws -> String {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for dir in paths + ["/usr/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(tool)") {
            return "\(dir)/\(tool)"
        }
        throw FixtureError(description: "\(tool) not found: run scripts/setup (it installs qemu-utils) before the tests")
    }

    /// Runs `tool` with `arguments` in the fixture directory; returns stdout and the exit status.
    @discardableResult
    public func run(_ tool: String, _ arguments: [String], mustSucceed: Bool = true) throws -> (output: String, status: Int32) {
        let result = try Command.run(tool, arguments, timeout: .seconds(120), in: scratch.url)
        if mustSucceed, result.status != 0 {
            throw FixtureError(description: "\(tool) \(arguments.joined(separator: " ")) failed: " + result.stderr)
        }
        return (result.stdout, result.status)
    }

    /// Runs qemu-img; the words are its arguments.
    @discardableResult
    public func qemuImg(_ arguments: String...) throws -> String {
        try run(Self.qemuImgPath(), arguments).output
    }

    /// Runs qemu-img up to `attempts` times: creating LUKS images benchmarks
    /// PBKDF iterations against thread CPU time, which on a busy or coarse clock
    /// fails now and then ("Unable to get accurate CPU usage").
    public func qemuImgRetrying(_ arguments: [String], attempts: Int = 5) throws {
        for attempt in 1 ... attempts {
            do {
                try run(Self.qemuImgPath(), arguments)
                return
            } catch where attempt < attempts {
                try? FileManager.default.removeItem(atPath: path(arguments.last == "10M" ? arguments[arguments.count - 2] : ""))
            }
        }
    }

    /// `qemu-img info --backing-chain --output=json`, one dictionary per layer;
    /// nil when qemu-img refuses the image (exit status 1).
    public func qemuInfoChain(_ name: String) throws -> [[String: Any]]? {
        let result = try run(Self.qemuImgPath(), ["info", "--backing-chain", "--output=json", "-U", name],
                             mustSucceed: false)
        guard result.status == 0 else { return nil }
        let parsed = try JSONSerialization.jsonObject(with: Data(result.output.utf8))
        return parsed as? [[String: Any]]
    }

    /// `qemu-img info --output=json` of one image.
    public func qemuInfo(_ name: String) throws -> [String: Any] {
        let output = try run(Self.qemuImgPath(), ["info", "--output=json", "-U", name]).output
        return try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] ?? [:]
    }

    /// Overwrites bytes of an existing file at `offset`.
    public func patch(_ name: String, at offset: UInt64, bytes: [UInt8]) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path(name)))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data(bytes))
    }

    /// Writes a big-endian integer of `width` bytes at `offset`.
    public func patchBigEndian(_ name: String, at offset: UInt64, _ value: UInt64, width: Int) throws {
        try patch(name, at: offset, bytes: (0 ..< width).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) })
    }

    /// Offset of the first occurrence of `pattern` in the first 4 KiB of a file.
    public func offset(of pattern: [UInt8], in name: String) throws -> Int {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path(name))).prefix(4096))
        guard let found = (0 ... max(0, bytes.count - pattern.count)).first(where: {
            Array(bytes[$0 ..< $0 + pattern.count]) == pattern
        }) else { throw FixtureError(description: "pattern not found in \(name)") }
        return found
    }

    /// Type code of the qcow2 backing format extension, as stored.
    public static let backingFormatExtension: [UInt8] = [0xE2, 0x79, 0x2A, 0xCA]

    /// Makes qcow2 `name` forget its backing format: its extension becomes an
    /// unknown type (which qemu ignores). `qemu-img rebase -u` insists on a format.
    public func dropBackingFormat(_ name: String) throws {
        try patch(name, at: UInt64(try offset(of: Self.backingFormatExtension, in: name)), bytes: [0x0B, 0xAD, 0xF0, 0x0D])
    }

    /// Cuts a file to `size` bytes.
    public func truncate(_ name: String, to size: Int64) throws {
        guard Glibc.truncate(path(name), off_t(size)) == 0 else { throw FixtureError(description: "truncate failed") }
    }

    /// Creates a file with the given bytes.
    public func write(_ name: String, bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
    }

    /// A raw image and a qcow2 chain above it: base.raw <- name (+ intermediate layers).
    public func makeChain(_ names: [String], baseSize: String = "10M") throws {
        try qemuImg("create", "-f", "qcow2", names[0], baseSize)
        for (lower, upper) in zip(names, names.dropFirst()) {
            try qemuImg("create", "-f", "qcow2", "-F", "qcow2", "-b", lower, upper)
        }
    }
}

/// Damage the deep check finds, patched into a qcow2 file with 16-bit refcounts:
/// the header cluster's refcount set to `refcount` (0: a corruption, the header
/// is referenced once; 2: a leak).
public enum QCow2Damage {
    public static func setHeaderRefcount(of path: String, to refcount: UInt16) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        func u64(at offset: UInt64) throws -> UInt64 {
            try handle.seek(toOffset: offset)
            return (try handle.read(upToCount: 8) ?? Data()).reduce(0) { $0 << 8 | UInt64($1) }
        }
        // refcount_table_offset (header byte 48), then the table's first entry: the first refcount block.
        let block = try u64(at: try u64(at: 48))
        try handle.seek(toOffset: block)
        try handle.write(contentsOf: Data([UInt8(refcount >> 8), UInt8(truncatingIfNeeded: refcount)]))
    }

    /// What `qemu-img check --output=json` counts in the file: (corruptions, leaks).
    public static func qemuCounts(of path: String) throws -> (corruptions: Int, leaks: Int) {
        let result = try Command.run(try Fixtures.qemuImgPath(), ["check", "--output=json", path])
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        return (json["corruptions"] as? Int ?? 0, json["leaks"] as? Int ?? 0)
    }
}

extension Fixtures {
    /// nil when qemu-io opens a copy of `name` read-write from /, as a VM does (the copy,
    /// since qemu may repair what it opens); else qemu's message. The oracle of the
    /// regression tests the differential run left behind.
    public func qemuOpens(_ name: String, format: String = "qcow2") throws -> String? {
        let copy = name + ".opened-by-qemu"
        try? FileManager.default.removeItem(atPath: path(copy))
        try FileManager.default.copyItem(atPath: path(name), toPath: path(copy))
        defer { try? FileManager.default.removeItem(atPath: path(copy)) }
        let run = try Command.run(try Self.toolPath("qemu-io"), ["-f", format, "-c", "read -q 0 512", path(copy)],
                                  timeout: .seconds(30), in: URL(fileURLWithPath: "/"))
        return run.status == 0 ? nil : run.stderr + run.stdout
    }
}
