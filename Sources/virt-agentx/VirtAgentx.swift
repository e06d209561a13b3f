import ArgumentParser

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
        subcommands: [Run.self],
        defaultSubcommand: Run.self)
}
