import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The executables of virt-agentx, each linking only the C libraries its
/// subcommands need, so that a one-shot command loads no library it does not
/// use (libvirt alone costs a new process about 16 ms, net-snmp's 2 ms):
///
/// - `virt-agentx`, what users type: `inspect` (pure Swift) and the hand-over;
/// - `virt-agentx-snmp`: `check` and `show` over SNMP (net-snmp's client library);
/// - `virt-agentx-libvirt`: every subcommand, with libvirt and net-snmp's agent
///   library: `run`, `--local`, help, version and completion scripts.
public enum Executable: String, Sendable {
    case snmp = "virt-agentx-snmp"
    case libvirt = "virt-agentx-libvirt"
}

/// Replaces this process with another of virt-agentx's executables, with the
/// same arguments, so the PID (systemd's main PID), the arguments and the
/// exit status stay the command's.
public enum HandOver {
    public static func exec(_ executable: Executable) -> Never {
        let candidates = places(of: executable)
        guard let path = candidates.first(where: { access($0, X_OK) == 0 }) else {
            StandardError.write("""
                virt-agentx: \(executable.rawValue) not found (looked for \(candidates.joined(separator: " and "))); \
                it runs this subcommand: reinstall the virt-agentx package, or build every product (swift build).\n
                """)
            Glibc.exit(EX_SOFTWARE)
        }
        var argv = ([path] + CommandLine.arguments.dropFirst()).map { strdup($0) }
        argv.append(nil)
        execv(path, argv)
        StandardError.write("virt-agentx: cannot run \(path): \(String(cString: strerror(errno)))\n")
        Glibc.exit(EX_SOFTWARE)
    }

    /// Beside this executable (the build folder), then where the package installs
    /// it: /usr/bin/virt-agentx hands over to /usr/libexec/virt-agentx/.
    static func places(of executable: Executable) -> [String] {
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let folder = own.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        let prefix = folder.dropLast()
        return [(folder + [Substring(executable.rawValue)]).joined(separator: "/"),
                (prefix + ["libexec", "virt-agentx", Substring(executable.rawValue)]).joined(separator: "/")]
    }
}
