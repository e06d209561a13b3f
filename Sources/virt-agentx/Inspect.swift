import ArgumentParser
import Foundation
import ImageInspector

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect disk images and their backing chains, and judge each chain's health.",
        discussion: """
            Reads each image's header and follows its backing chain the way qemu and libvirt \
            would, without opening network sources, FIFOs or devices other than block devices, \
            reading at most 64 KiB per layer. Exit status: 0 when every chain is ok or only \
            informational, 1 on a warning, 2 on a critical verdict, 3 on a usage error -- so it \
            doubles as a local Nagios/NRPE check.
            """)

    @Flag(help: "Print JSON: one object per image, its layers top to base with qemu-img's field names, plus the verdicts.")
    var json = false

    @Option(name: .customLong("max-depth"),
            help: ArgumentHelp("Layers to follow before a chain is judged too deep (1-1000).", valueName: "layers"))
    var maxDepth = 64

    @Option(help: ArgumentHelp("The format the top images are opened as (libvirt's <driver type>); checked against the probed one.",
                               valueName: "format"))
    var format: String?

    @Argument(help: ArgumentHelp("Disk images to inspect.", valueName: "image"))
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
        let inspector = ChainInspector(maxDepth: maxDepth)
        let chains = images.map { inspector.inspect(path: $0, format: format) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(chains.map(\.report))
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        } else {
            print(chains.map(ChainText.render).joined(separator: "\n"))
        }
        let worst = chains.map(\.health.severity).max() ?? .ok
        switch worst {
        case .ok, .info: return
        case .warning: throw ExitCode(1)
        case .critical: throw ExitCode(2)
        }
    }
}
