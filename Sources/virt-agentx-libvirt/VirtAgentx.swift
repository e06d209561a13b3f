import ArgumentParser
import Commands
import TableCommands

/// Every subcommand of virt-agentx. Users reach it through the `virt-agentx`
/// launcher, which execs it for `run`, `--local`, help and completion scripts;
/// its command name is therefore virt-agentx's.
@main
struct VirtAgentx: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "virt-agentx",
        abstract: "An AgentX subagent that serves libvirt domains as SNMP tables through snmpd.",
        discussion: """
            virt-agentx polls libvirt read-only and serves the host and its domains under \
            VIRT-AGENTX-MIB (enterprises.32473) through a net-snmp master agent. \
            See 'virt-agentx run --help' to start it.
            """,
        version: virtAgentxVersion,
        subcommands: [Run.self, Inspect.self, Check.self, Show.self],
        defaultSubcommand: Run.self)

    static func main() {
        LocalReader.register()
        CommandEntry.main(self, arguments: Array(CommandLine.arguments.dropFirst()))
    }
}
