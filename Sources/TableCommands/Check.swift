#if canImport(Glibc)
import Commands
import Glibc
#endif
import ArgumentParser
import Dispatch
import FoundationEssentials
import ImageInspector
import MIB
import MonitoringPlugin

/// `virt-agentx check`: a Nagios/Icinga/NRPE plugin (exit 0/1/2/3, one status
/// line with performance data, -v for detail lines).
public struct Check: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "A Nagios/Icinga/NRPE check of the host's chains, domains, pools or agent.",
        discussion: """
            Reads a running agent over SNMP (-H with -C, or SNMPv3 -u/-l/-a/-A/-x/-X as \
            snmpget takes them), or this host's libvirt and images directly (--local, for NRPE). \
            Exit status 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for usage errors, \
            timeouts and SNMP failures).
            """,
        subcommands: [CheckChains.self, CheckDomains.self, CheckPools.self, CheckJobs.self, CheckAgent.self])

    /// Usage errors are UNKNOWN, as monitoring plugins report them.
    static let usageExitCode = PluginStatus.unknown.rawValue
}

/// Options every check mode takes.
struct CheckOptions: ParsableArguments {
    @OptionGroup var source: SourceOptions

    @Option(name: [.short, .long], help: ArgumentHelp("Warning threshold (plugin range syntax).", valueName: "range"),
            transform: ThresholdRange.transform)
    var warning: ThresholdRange?

    @Option(name: [.short, .long], help: ArgumentHelp("Critical threshold (plugin range syntax).", valueName: "range"),
            transform: ThresholdRange.transform)
    var critical: ThresholdRange?

    @Option(name: [.short, .long],
            help: ArgumentHelp("Give up after this many seconds: UNKNOWN (\(Seconds.rangeText); default \(Self.defaultTimeout)).",
                               valueName: "seconds"),
            transform: Seconds.transform)
    var timeout: Seconds = Self.defaultTimeout
    static let defaultTimeout: Seconds = 30

    @Flag(name: .short, help: "Verbose: one line per finding after the status line.")
    var verbose = false

    var warningRange: ThresholdRange? { warning }
    var criticalRange: ThresholdRange? { critical }

    /// The tables within the timeout; a hung libvirtd, image or network must not
    /// hang the monitoring system's check, so the deadline exits UNKNOWN.
    func read(service: String, subtrees: [OID]) -> Result<MIBReading, SourceError> {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        let timeout = timeout.value
        timer.schedule(deadline: .now() + .seconds(timeout))
        timer.setEventHandler { [source] in
            print(PluginOutput(service: service, status: .unknown,
                               summary: "no answer from \(source.sourceName) within \(timeout) s").text)
            Glibc.exit(PluginStatus.unknown.rawValue)
        }
        timer.resume()
        defer { timer.cancel() }
        do throws(SourceError) {
            return .success(try source.read(within: timeout, subtrees: subtrees))
        } catch {
            return .failure(error)
        }
    }

    /// The tables of a source whose libvirt connection is up; UNKNOWN otherwise,
    /// since nothing current can be said.
    func readConnected(service: String, subtrees: [OID]) -> MIBReading {
        let reading: MIBReading
        switch read(service: service, subtrees: subtrees) {
        case .success(let read): reading = read
        case .failure(let error): finish(PluginOutput(service: service, status: .unknown, summary: error.description))
        }
        if let status = reading.connectionStatus, !status.isAnswering {
            finish(PluginOutput(service: service, status: .unknown,
                                summary: "\(source.sourceName) has no libvirt connection (\(status.name)): its tables are not current; see 'check agent'"))
        }
        return reading
    }

    /// Prints the result and exits with its status.
    func finish(_ output: PluginOutput) -> Never {
        var output = output
        if !verbose { output.details = [] }
        print(output.text)
        Glibc.exit(output.status.rawValue)
    }
}

extension Severity {
    var pluginStatus: PluginStatus {
        switch self {
        case .ok, .info: .ok
        case .warning: .warning
        case .critical: .critical
        }
    }
}
