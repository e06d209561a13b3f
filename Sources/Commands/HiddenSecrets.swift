#if canImport(Glibc)
import Glibc
#endif

/// Overwrites SNMP passphrases and communities in the process's own argv, as
/// net-snmp's tools do, so that `ps` does not show them while a check runs.
/// Call only after `CommandLine.arguments` has been read.
enum HiddenSecrets {
    static let flags: Set<String> = ["-A", "-X", "-C", "--auth-passphrase", "--priv-passphrase", "--community"]

    static func hide() {
        var previous = ""
        for position in 1..<Int(CommandLine.argc) {
            guard let argument = CommandLine.unsafeArgv[position] else { continue }
            let text = String(cString: argument)
            if flags.contains(previous) {
                memset(argument, 0, strlen(argument))
            } else if let equals = text.firstIndex(of: "="), flags.contains(String(text[..<equals])) {
                let offset = text.utf8.distance(from: text.startIndex, to: equals) + 1
                memset(argument + offset, 0, strlen(argument + offset))
            }
            previous = text
        }
    }
}
