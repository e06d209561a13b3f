import ArgumentParser
import Commands

/// What users type. `inspect` runs here, in an executable that links no C
/// library beyond libc and libstdc++; every other command line is handed to
/// the executable that links what it needs (see `Executable`).
struct Launcher: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "virt-agentx", subcommands: [Inspect.self])
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "inspect": CommandEntry.main(Launcher.self, arguments: arguments)
case "check", "show": HandOver.exec(.snmp)
default: HandOver.exec(.libvirt)
}
