#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Dispatch
import FoundationEssentials
import ImageInspector
import Synchronization

public struct Inspect: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "inspect",
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

            An image whose inspection has not finished after --deadline seconds (a read that \
            hangs on storage that does not answer: a dead NFS server, a failed disk) is \
            reported as not answering, a warning, and the other images are still inspected.

            --deep also checks every qcow2 layer's metadata as `qemu-img check` does (refcounts \
            rebuilt from the L1/L2 tables, snapshots, bitmaps and refcount blocks, COPIED flags, \
            offsets against the file's end), reading metadata only and never writing: \
            corruptions are critical, leaked clusters a warning. Its counts carry qemu-img check's \
            JSON field names, under "check" in each layer. The deadline is then per image too, \
            \(Self.defaultDeepDeadline) s unless --deadline says otherwise.
            """)

    @Flag(help: """
        Print JSON: one object per image, its layers top to base with qemu-img's field names, plus the \
        verdicts. Indented on a terminal, compact otherwise.
        """)
    var json = false

    @Option(name: .customLong("max-depth"),
            help: ArgumentHelp("Layers to follow before a chain is judged too deep (\(ChainDepth.rangeText); default \(Self.defaultMaxDepth)).",
                               valueName: "layers"),
            transform: ChainDepth.transform)
    var maxDepth: ChainDepth = Self.defaultMaxDepth
    static let defaultMaxDepth: ChainDepth = 64

    @Option(help: ArgumentHelp("The format the top images are opened as (libvirt's <driver type>); checked against the probed one.",
                               valueName: "format"))
    var format: String?

    @Flag(help: "Also check every qcow2 layer's metadata for corruptions and leaks, as qemu-img check does.")
    var deep = false

    @Option(help: ArgumentHelp("Seconds one image (with its backing files) may take before it is reported as not answering (\(Seconds.rangeText); default \(Self.defaultDeadline), or \(Self.defaultDeepDeadline) with --deep).",
                               valueName: "seconds"),
            transform: Seconds.transform)
    var deadline: Seconds?
    static let defaultDeadline: Seconds = 5
    /// A deep check reads every table: minutes for a large image on slow storage.
    static let defaultDeepDeadline: Seconds = 600

    var effectiveDeadline: Seconds { deadline ?? (deep ? Self.defaultDeepDeadline : Self.defaultDeadline) }

    @Argument(help: ArgumentHelp("Disk images to inspect; '-' reads their paths from standard input, one per line.",
                                 valueName: "image"))
    var images: [String]

    /// Usage errors exit 3 (UNKNOWN), as a monitoring plugin's do.
    static let usageExitCode: Int32 = 3

    public func validate() throws {
        guard !images.isEmpty else { throw ValidationError("name at least one image to inspect.") }
    }

    public func run() throws {
        let paths = images.flatMap { $0 == "-" ? Self.pathsFromStandardInput() : [$0] }
        guard !paths.isEmpty else { throw ValidationError("no image paths on standard input.") }
        // Pretty JSON for people; scripts and files get compact JSON, which
        // is quicker to write and to parse (the fields are the same).
        let output: Output = json ? .json(pretty: isatty(STDOUT_FILENO) == 1) : .text
        let deadline = effectiveDeadline
        let (worst, unanswered) = Self.inspectAndWrite(paths, output: output,
                                                       inspector: ChainInspector(maxDepth: maxDepth.value, deep: deep),
                                                       format: format, deadline: .seconds(deadline.value))
        if !unanswered.isEmpty {
            // Also on standard error, which a script reading the JSON still shows.
            let listed = unanswered.prefix(10).joined(separator: ", ") + (unanswered.count > 10 ? ", ..." : "")
            StandardError.write("""
                virt-agentx inspect: \(unanswered.count) of \(paths.count) images did not answer within \(deadline.value) s: \
                \(listed). \(Self.unansweredFix)\n
                """)
        }
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
    ///
    /// Each batch is inspected through ``GuardedInspections`` with `deadline` per
    /// image, so an image on hung storage costs its deadline, not the command: it is
    /// written as not answering and its path returned (in the order given).
    static func inspectAndWrite(_ paths: [String], output: Output, inspector: ChainInspector,
                                format: String?, deadline: Duration) -> (worst: Severity, unanswered: [String]) {
        let batches = stride(from: 0, to: paths.count, by: batchSize).map { $0 ..< min($0 + batchSize, paths.count) }
        var worst = Severity.ok
        var unanswered: [String] = []
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
                                    inspector: inspector, format: format, deadline: deadline)
                rendered.withLock { $0[task] = result }
            }
            for result in rendered.withLock({ $0 }) {
                guard let result else { continue }
                StandardOutput.write(result.bytes)
                worst = max(worst, result.worst)
                unanswered += result.unanswered
            }
        }
        StandardOutput.write(closing)
        return (worst, unanswered)
    }

    /// One batch of chains, rendered.
    struct Rendered: Sendable {
        var bytes: [UInt8]
        var worst: Severity
        /// Images that did not answer within the deadline.
        var unanswered: [String] = []
    }

    /// What an image that does not answer gets: a warning, as the agent serves it
    /// (its chain is unknown, not known bad).
    static let unansweredSeverity = Severity.warning
    static let unansweredCode = "not-answering"
    static let unansweredFix = """
        A read of the image or of one of its backing files hangs: the storage under it \
        (an NFS or iSCSI server, a failed disk) does not answer. Check that storage and its mount, \
        then inspect again; --deadline gives slow storage longer.
        """

    /// The one-line verdict for an image that did not answer.
    static func unansweredDetail(_ path: String, deadline: Duration) -> String {
        "\(path): did not answer within \(deadline.components.seconds) s (hung storage?): a read of it or of a backing file never returned"
    }

    /// An image that did not answer, in the shape of a chain report (no layers) plus
    /// `"overdue": true`, written as JSONEncoder writes `[ChainReport]` elements.
    struct UnansweredReport: Encodable {
        struct Health: Encodable {
            var condition: String
            var detail: String
            var severity: String
        }
        var filename: String
        var health: Health
        var layers: [String] = []
        var overdue = true

        /// The element's bytes inside a list: what follows `[` or `,`.
        func listElement(pretty: Bool) -> [UInt8] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
                : [.sortedKeys, .withoutEscapingSlashes]
            // Encoded as a one-element list, so that the indentation is the list's.
            let list = Array((try? encoder.encode([self])) ?? Data("[{}]".utf8))
            return Array(list.dropFirst().dropLast(pretty ? 2 : 1))
        }
    }

    /// Inspects and renders `paths`, the first of which is the `first`-th
    /// image overall (the first one takes no separator before it).
    static func render(_ paths: ArraySlice<String>, from first: Int, output: Output, inspector: ChainInspector,
                       format: String?, deadline: Duration) -> Rendered {
        var worst = Severity.ok
        let pretty = output == .json(pretty: true)
        var json = ChainReportJSON(pretty: pretty)
        var bytes: [UInt8] = []
        var unanswered: [String] = []
        // One worker thread for the batch, one more for each image that hangs.
        let guarded = GuardedInspections(deadline: deadline) { path, format in inspector.inspect(path: path, format: format) }
        let outcomes = guarded.chains(of: paths.map { ($0, format) })
        for (offset, (path, outcome)) in zip(paths, outcomes).enumerated() {
            let isFirst = first + offset == 0
            switch outcome {
            case .finished(let chain):
                worst = max(worst, chain.health.severity)
                switch output {
                case .json:
                    json.appendListElement(chain.report, isFirst: isFirst)
                case .text:
                    if !isFirst { bytes.append(0x0A) }
                    bytes += ChainText.render(chain).utf8
                }
            case .overdue:
                worst = max(worst, unansweredSeverity)
                unanswered.append(path)
                let detail = unansweredDetail(path, deadline: deadline)
                switch output {
                case .json:
                    bytes += json.bytes
                    json.removeAll()
                    if !isFirst { bytes.append(UInt8(ascii: ",")) }
                    bytes += UnansweredReport(filename: path, health: .init(condition: unansweredCode, detail: detail,
                                                                            severity: unansweredSeverity.description))
                        .listElement(pretty: pretty)
                case .text:
                    if !isFirst { bytes.append(0x0A) }
                    bytes += "\(path): \(unansweredSeverity.description.uppercased()) - \(detail)\n  \(unansweredFix)".utf8
                }
            }
        }
        if case .json = output { bytes += json.bytes }
        return Rendered(bytes: bytes, worst: worst, unanswered: unanswered)
    }

    /// Image paths from standard input: one per line, empty lines skipped. A
    /// path containing a newline cannot be given this way (name it as an argument).
    static func pathsFromStandardInput() -> [String] {
        let input = StandardInput.readAll()
        return input.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
    }
}
