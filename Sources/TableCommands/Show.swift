#if canImport(Glibc)
import Commands
import Glibc
#endif
import ArgumentParser
import FoundationEssentials
import ImageInspector
import MIB
import VirtModel

/// `virt-agentx show`: the tables for a person at a terminal, the first thing
/// to run when an alert fires.
public struct Show: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the host's tables for a person: aligned columns, chain verdicts highlighted.",
        discussion: """
            Reads a running agent over SNMP (-H, with -C or SNMPv3 options as snmpget takes \
            them) or this host directly (--local). Without a table name it prints the host, \
            domains, disks, pools and volumes.
            """)

    enum Part: String, ExpressibleByArgument, CaseIterable {
        case host, domains, guests, jobs, disks, layers, interfaces, pools, volumes, all
    }

    enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
        case auto, always, never
    }

    @Argument(help: ArgumentHelp("What to print: \(Part.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "table"))
    var parts: [Part] = []

    @OptionGroup public var source: SourceOptions

    @Flag(help: "Only disks, layers and volumes whose chain verdict is a warning or critical.")
    var problems = false

    @Option(help: "Highlight verdicts with colour: auto (when output is a terminal and NO_COLOR is unset), always, never.")
    var color: ColorChoice = .auto

    @Option(name: [.short, .long],
            help: ArgumentHelp("Give up after this many seconds (\(Seconds.rangeText); default \(CheckOptions.defaultTimeout)).",
                               valueName: "seconds"),
            transform: Seconds.transform)
    var timeout: Seconds = CheckOptions.defaultTimeout

    public func run() throws {
        let reading: MIBReading
        do {
            reading = try source.read(within: timeout.value)
        } catch {
            StandardError.write("virt-agentx show: \(error)\n")
            throw ExitCode.failure
        }
        let chosen = parts.isEmpty ? [.host, .domains, .disks, .pools, .volumes]
            : parts.contains(.all) ? Part.allCases.filter { $0 != .all } : parts
        let useColor = switch color {
        case .always: true
        case .never: false
        case .auto: isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        }
        let view = ShowView(reading: reading, problemsOnly: problems, color: useColor)
        print(chosen.map { view.render($0) }.joined(separator: "\n\n"))
    }
}
