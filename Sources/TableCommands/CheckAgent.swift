import Commands
import ArgumentParser
import MIB
import MonitoringPlugin
import VirtModel

/// Is the agent serving current data? The check to hang every other one on.
struct CheckAgent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "The agent over SNMP: registered with snmpd, connected to libvirt, data age within -w/-c seconds (default 90 and 300).",
        discussion: """
            CRITICAL when snmpd answers but serves nothing of VIRT-AGENTX-MIB (the agent is \
            not running or not connected to snmpd) or when the agent has lost libvirt; \
            WARNING while it connects; UNKNOWN when snmpd itself does not answer.
            """)

    @OptionGroup var options: CheckOptions

    func validate() throws {
        if options.source.local {
            throw ValidationError("'check agent' asks a running agent over SNMP; use -H, not --local.")
        }
    }

    func run() throws {
        let service = "VIRT AGENT"
        let warning = options.warningRange ?? ThresholdRange("90"), critical = options.criticalRange ?? ThresholdRange("300")
        let reading: MIBReading
        // The host scalars only.
        switch options.read(service: service, subtrees: [VirtAgentxMIB.hostRoot]) {
        case .success(let read): reading = read
        case .failure(.agentMissing(let agent)):
            options.finish(PluginOutput(service: service, status: .critical,
                                        summary: "virt-agentx is not registered with snmpd at \(agent): is it running, and does snmpd.conf say 'master agentx'?"))
        case .failure(let error):
            options.finish(PluginOutput(service: service, status: .unknown, summary: error.description))
        }
        let connection = reading.connectionStatus
        let uri = reading.scalar(HostScalars.uri)?.text ?? "?"
        let age = reading.scalar(HostScalars.dataAge)?.number ?? Int64(UInt32.max)
        let pollMilliseconds = reading.scalar(HostScalars.lastPollDuration)?.number ?? 0
        let domains = reading.scalar(HostScalars.domainCount)?.number ?? 0

        let connectionStatus: PluginStatus = switch connection {
        case .connected: .ok
        case .connecting, .degraded: .warning
        case .disconnected, .unresponsive, nil: .critical
        }
        let neverPolled = age == Int64(UInt32.max)
        let ageStatus = neverPolled ? PluginStatus.warning : status(of: Double(age), warning: warning, critical: critical)
        let ageText = neverPolled ? "no poll has succeeded yet" : "data \(age) s old"
        let unresponsive = reading.scalar(HostScalars.unresponsiveDomainCount)?.number ?? 0
        let stuckText = unresponsive > 0 ? " (\(unresponsive) unresponsive, served with their last values)" : ""
        let summary = "libvirt \(connection?.name ?? "status unknown") (\(uri)), \(ageText), \(domains) domains\(stuckText), last poll \(pollMilliseconds) ms"
        options.finish(PluginOutput(
            service: service, status: max(connectionStatus, ageStatus), summary: summary,
            performance: neverPolled ? [] : [
                PerformanceDatum("data_age", Double(age), unit: "s", warning: warning, critical: critical, minimum: 0),
                PerformanceDatum("poll_duration", Double(pollMilliseconds), unit: "ms", minimum: 0),
                PerformanceDatum("domains", Double(domains), minimum: 0),
            ]))
    }
}
