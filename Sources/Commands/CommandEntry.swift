#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FoundationEssentials

/// How both executables parse and run a command line, and exit.
public enum CommandEntry {
    /// Parses `arguments` as `root`'s and runs the command. Like ParsableCommand's
    /// `main`, except that `inspect` and `check` report usage errors with exit
    /// status 3 (UNKNOWN), as monitoring plugins do, instead of 64.
    ///
    /// `route` may name another executable for a parsed command (`check --local`
    /// is virt-agentx-libvirt's); the process then becomes that one before running it.
    public static func main(_ root: any ParsableCommand.Type, arguments: [String],
                            route: (any ParsableCommand) -> Executable? = { _ in nil }) -> Never {
        let command: any ParsableCommand
        do {
            command = try parseLeafFirst(root, arguments)
        } catch {
            fail(root, arguments: arguments, error: error)
        }
        if let executable = route(command) { HandOver.exec(executable) }
        run(command, root: root, arguments: arguments)
    }

    /// Runs a parsed command and exits with its status.
    public static func run(_ command: any ParsableCommand, root: any ParsableCommand.Type, arguments: [String]) -> Never {
        HiddenSecrets.hide()
        var command = command
        do {
            try command.run()
            root.exit()
        } catch {
            fail(root, arguments: arguments, error: error)
        }
    }

    /// Parses as `root.parseAsRoot` does, but a line that names a subcommand with
    /// no subcommands of its own (`check chains -H host`) is parsed by that
    /// subcommand alone first: ArgumentParser reflects over every option of the
    /// matched subcommand again at each level it passes (about 2 ms of a check's
    /// 20). Help, completion and version requests, and whatever the subcommand
    /// rejects, go through the whole tree, so that they read exactly as before.
    static func parseLeafFirst(_ root: any ParsableCommand.Type, _ arguments: [String]) throws -> any ParsableCommand {
        var command = root
        var rest = arguments[...]
        while let name = rest.first, let next = command.configuration.subcommands.first(where: { $0._commandName == name }) {
            command = next
            rest = rest.dropFirst()
        }
        let asksTheTree = rest.contains { $0 == "-h" || $0 == "--help" || $0 == "--version" || $0.hasPrefix("--generate-completion")
            || $0.hasPrefix("--experimental") || $0 == "help" }
        if ObjectIdentifier(command) != ObjectIdentifier(root), command.configuration.subcommands.isEmpty, !asksTheTree,
           let parsed = try? command.parseAsRoot(Array(rest)) {
            return parsed
        }
        return try root.parseAsRoot(arguments)
    }

    public static func fail(_ root: any ParsableCommand.Type, arguments: [String], error: any Error) -> Never {
        let code = root.exitCode(for: error)
        if pluginCommands.contains(arguments.first ?? "") && code == .validationFailure {
            StandardError.write(root.fullMessage(for: error) + "\n")
            exit(Inspect.usageExitCode)
        }
        root.exit(withError: error)
    }

    /// The subcommands that are monitoring plugins (both exit 3, UNKNOWN, on usage errors).
    static let pluginCommands: Set<String> = ["inspect", "check"]
}
