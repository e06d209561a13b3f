import Foundation
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
        subcommands: [Run.self, Inspect.self, Check.self, Show.self],
        defaultSubcommand: Run.self)

    /// Like ParsableCommand's, except that `inspect` and `check` report usage
    /// errors with exit status 3 (UNKNOWN), as monitoring plugins do, instead of 64.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        HiddenSecrets.hide()
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            // Monitoring plugins report usage errors as UNKNOWN (3).
            let plugin = ["inspect", "check"].contains(CommandLine.arguments.dropFirst().first)
            if plugin && code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(Check.usageExitCode)
            }
            exit(withError: error)
        }
    }
}
