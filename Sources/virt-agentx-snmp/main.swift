import ArgumentParser
import Commands
import TableCommands

/// `check` and `show` over SNMP, from virt-agentx by exec: net-snmp's client
/// library, but not libvirt. `--local` goes on to virt-agentx-libvirt.
struct SNMPCommands: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "virt-agentx", subcommands: [Check.self, Show.self])
}

CommandEntry.main(SNMPCommands.self, arguments: Array(CommandLine.arguments.dropFirst())) { command in
    (command as? ReadsTables)?.source.local == true ? .libvirt : nil
}
