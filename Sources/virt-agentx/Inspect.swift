import ArgumentParser
import Foundation
import ImageInspector
import Synchronization

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect disk images and their backing chains, and judge each chain's health.",
        discussion: """
            Reads each image's header and follows its backing chain the way qemu and libvirt \
            would, without opening network sources, FIFOs or devices other than block devices, \
            reading at most 64 KiB per layer. Exit status: 0 when every chain is ok or only \
            informational, 1 on a warning, 2 on a critical verdict, 3 on a usage error -- so it \
            doubles as a local Nagios/NRPE check.

            An image named '-' stands for the paths read from standard input, one per line \
            (empty lines are skipped): `find /var/lib/libvirt/images -name '*.qcow2' | \
            virt-agentx inspect --json -`. Prefer it to thousands of arguments, which are \
            slower to parse than to inspect.
            """)

    @Flag(help: """
        Print JSON: one object per image, its layers top to base with qemu-img's field names, plus the \
        verdicts. Indented on a terminal, compact otherwise.
        """)
    var json = false

    @Option(name: .customLong("max-depth"),
            help: ArgumentHelp("Layers to follow before a chain is judged too deep (1-1000).", valueName: "layers"))
    var maxDepth = 64

    @Option(help: ArgumentHelp("The format the top images are opened as (libvirt's <driver type>); checked against the probed one.",
                               valueName: "format"))
    var format: String?

    @Argument(help: ArgumentHelp("Disk images to inspect; '-' reads their paths from standard input, one per line.",
                                 valueName: "image"))
    var images: [String]

    /// Usage errors exit 3 (UNKNOWN), as a monitoring plugin's do.
    static let usageExitCode: Int32 = 3

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("name at least one image to inspect.") }
        guard (1...1000).contains(maxDepth) else {
            throw ValidationError("--max-depth must be between 1 and 1000, not \(maxDepth).")
        }
    }

    func run() throws {
        let paths = images.flatMap { $0 == "-" ? Self.pathsFromStandardInput() : [$0] }
        guard !paths.isEmpty else { throw ValidationError("no image paths on standard input.") }
        // Pretty JSON for people; scripts and files get compact JSON, which
        // is quicker to write and to parse (the fields are the same).
        let output: Output = json ? .json(pretty: isatty(STDOUT_FILENO) == 1) : .text
        let worst = Self.inspectAndWrite(paths, output: output,
                                         inspector: ChainInspector(maxDepth: maxDepth), format: format)
        switch worst {
        case .ok, .info: return
        case .warning: throw ExitCode(1)
        case .critical: throw ExitCode(2)
        }
    }

    enum Output: Sendable, Equatable {
        /// JSON, pretty-printed or compact.
        case json(pretty: Bool)
        case text
    }

    /// Chains inspected and rendered per task.
    static let batchSize = 32

    /// Batches inspected concurrently before their output is written: about
    /// 2,000 chains, a few MB of output. Each window ends with every thread
    /// waiting for the slowest and the output written by one, so fewer,
    /// larger windows keep the cores busier; this bounds the memory.
    static let windowSize = 64

    /// Inspects every path and writes each chain, in the order given, to
    /// standard output; returns the worst severity.
    ///
    /// Inspection (system calls, mostly) and rendering run on every core:
    /// paths are cut into batches of ``batchSize``, a window of ``windowSize``
    /// batches is inspected and rendered concurrently, then written in order
    /// before the next window starts. Output is therefore the same as one
    /// thread's, and memory is bounded by the window, not the number of images.
    static func inspectAndWrite(_ paths: [String], output: Output, inspector: ChainInspector,
                                format: String?) -> Severity {
        let batches = stride(from: 0, to: paths.count, by: batchSize).map { $0 ..< min($0 + batchSize, paths.count) }
        var worst = Severity.ok
        var closing: [UInt8] = [0x0A]
        if case .json(let pretty) = output {
            StandardOutput.write([UInt8(ascii: "[")])
            closing = Array((pretty ? "\n]\n" : "]\n").utf8)
        }
        for windowStart in stride(from: 0, to: batches.count, by: windowSize) {
            let inWindow = Array(batches[windowStart ..< min(windowStart + windowSize, batches.count)])
            let rendered = Mutex([Rendered?](repeating: nil, count: inWindow.count))
            DispatchQueue.concurrentPerform(iterations: inWindow.count) { task in
                let result = render(paths[inWindow[task]], from: inWindow[task].lowerBound, output: output,
                                    inspector: inspector, format: format)
                rendered.withLock { $0[task] = result }
            }
            for result in rendered.withLock({ $0 }) {
                guard let result else { continue }
                StandardOutput.write(result.bytes)
                worst = max(worst, result.worst)
            }
        }
        StandardOutput.write(closing)
        return worst
    }

    /// One batch of chains, rendered.
    struct Rendered: Sendable {
        var bytes: [UInt8]
        var worst: Severity
    }

    /// Inspects and renders `paths`, the first of which is the `first`-th
    /// image overall (the first one takes no separator before it).
    static func render(_ paths: ArraySlice<String>, from first: Int, output: Output, inspector: ChainInspector,
                       format: String?) -> Rendered {
        var worst = Severity.ok
        var json = ChainReportJSON(pretty: output == .json(pretty: true))
        var text: [UInt8] = []
        for (offset, path) in paths.enumerated() {
            let chain = inspector.inspect(path: path, format: format)
            worst = max(worst, chain.health.severity)
            let isFirst = first + offset == 0
            switch output {
            case .json:
                json.appendListElement(chain.report, isFirst: isFirst)
            case .text:
                if !isFirst { text.append(0x0A) }
                text += ChainText.render(chain).utf8
            }
        }
        if case .json = output { return Rendered(bytes: json.bytes, worst: worst) }
        return Rendered(bytes: text, worst: worst)
    }

    /// Image paths from standard input: one per line, empty lines skipped. A
    /// path containing a newline cannot be given this way (name it as an argument).
    static func pathsFromStandardInput() -> [String] {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        return input.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Writes to file descriptor 1 directly: no Foundation buffering or `Data`
/// copies between the rendered bytes and the kernel.
enum StandardOutput {
    /// Writes all of `bytes`, retrying short writes and EINTR. Other errors
    /// (a closed pipe) end the output silently, as `print` would.
    static func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
