import ArgumentParser
import Dispatch
import Foundation
import ImageInspector
import LibvirtCollector
import Logging
import MonitoringPlugin
import VirtModel

/// `virt-agentx check`: a Nagios/Icinga/NRPE plugin (exit 0/1/2/3, one status
/// line with performance data, -v for detail lines).
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A Nagios/Icinga/NRPE check of the host's chains, domains or pools.",
        discussion: """
            Exit status 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for usage errors and \
            timeouts). This version checks locally (--local, for NRPE on the host): it asks \
            libvirt and the image inspector directly.
            """,
        subcommands: [CheckChains.self, CheckDomains.self, CheckPools.self])

    /// Usage errors are UNKNOWN, as monitoring plugins report them.
    static let usageExitCode = PluginStatus.unknown.rawValue
}

/// Options every check mode takes.
struct CheckOptions: ParsableArguments {
    @Flag(help: "Ask libvirt and the image inspector on this host directly (required in this version).")
    var local = false

    @Option(name: .customLong("connect"), help: ArgumentHelp("libvirt URI (default: libvirt's).", valueName: "uri"))
    var uri: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Warning threshold (plugin range syntax).", valueName: "range"))
    var warning: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Critical threshold (plugin range syntax).", valueName: "range"))
    var critical: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Give up after this many seconds: UNKNOWN (default 30).", valueName: "seconds"))
    var timeout: Int = 30

    @Flag(name: .short, help: "Verbose: one line per finding after the status line.")
    var verbose = false

    func validate() throws {
        guard local else {
            throw ValidationError("add --local: this version checks the host it runs on (for NRPE); SNMP mode is not available yet.")
        }
        guard (1...3_600).contains(timeout) else { throw ValidationError("--timeout must be 1 to 3600 seconds.") }
        for (flag, text) in [("--warning", warning), ("--critical", critical)] {
            if let text, ThresholdRange(text) == nil {
                throw ValidationError("\(flag) '\(text)' is not a range such as 10, 10:, ~:10, 10:20 or @10:20.")
            }
        }
    }

    var warningRange: ThresholdRange? { warning.flatMap(ThresholdRange.init) }
    var criticalRange: ThresholdRange? { critical.flatMap(ThresholdRange.init) }

    /// The host as libvirt sees it now, within the timeout; prints UNKNOWN and exits otherwise.
    func snapshot(service: String) -> Snapshot {
        // A hung libvirtd or image must not hang the monitoring system's check.
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + .seconds(timeout))
        timer.setEventHandler { [timeout] in
            print(PluginOutput(service: service, status: .unknown, summary: "no answer within \(timeout) s").text)
            Foundation.exit(PluginStatus.unknown.rawValue)
        }
        timer.resume()
        defer { timer.cancel() }
        var logger = Logger(label: "virt-agentx.check")
        logger.logLevel = .critical
        return Collector.snapshot(uri: uri, logger: logger)
    }

    /// Prints the result and exits with its status.
    func finish(_ output: PluginOutput) -> Never {
        var output = output
        if !verbose { output.details = [] }
        print(output.text)
        Foundation.exit(output.status.rawValue)
    }

    func unreachable(_ service: String, _ snapshot: Snapshot) -> Never {
        finish(PluginOutput(service: service, status: .unknown,
                            summary: "libvirt not reachable at \(uri ?? "its default URI"); is libvirtd running?"))
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
