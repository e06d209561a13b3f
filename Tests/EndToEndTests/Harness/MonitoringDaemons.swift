import Foundation
import TestSupport

/// Debian's Icinga 2 and Nagios 4, run on the integration files of
/// integrations/ in a scratch folder of their own: nothing under /etc or /var
/// is read for state or written. The files are used as shipped, but for the
/// path of the agent binary, which points at the one built.
enum MonitoringDaemons {
    static let icinga2 = "/usr/sbin/icinga2", nagios4 = "/usr/sbin/nagios4"

    static let requirement = Requirement("the Icinga 2 and Nagios tests", unavailableReason: {
        for (path, package) in [(icinga2, "icinga2-bin"), (nagios4, "nagios4-core")]
        where !FileManager.default.isExecutableFile(atPath: path) {
            return "\(path) not found: install \(package) (scripts/setup does)"
        }
        for file in ["/etc/icinga2/constants.conf", "/etc/nagios4/objects/templates.cfg"] where !FileManager.default.fileExists(atPath: file) {
            return "\(file) not found: install icinga2-common and nagios4-common (scripts/setup does)"
        }
        return nil
    }())

    /// An integration file with the installed binary's path replaced by the built one.
    static func integrationFile(_ relative: String, into folder: URL) throws -> URL {
        let text = try String(contentsOf: Repository.file(relative), encoding: .utf8)
            .replacingOccurrences(of: "/usr/bin/virt-agentx", with: try TestWorld.agentBinary())
        let copy = folder.appendingPathComponent(URL(fileURLWithPath: relative).lastPathComponent)
        try text.write(to: copy, atomically: true, encoding: .utf8)
        return copy
    }

    /// Icinga 2's paths, all inside `folder`, and as root: no state of the host's Icinga is touched.
    static func icingaArguments(_ folder: URL) throws -> [String] {
        let paths = ["DataDir": "data", "CacheDir": "cache", "LogDir": "log", "InitRunDir": "run", "SpoolDir": "spool"]
        return try paths.sorted { $0.key < $1.key }.flatMap { constant, name -> [String] in
            let path = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
            return ["-D\(constant)=\(path.path)"]
        } + ["-DRunAsUser=root", "-DRunAsGroup=root"]
    }
}

/// The managers' tests (Zabbix, Prometheus, Icinga 2, Nagios) run in a phase of
/// scripts/test of their own, after the main suite, so that a database and a
/// monitoring server starting up never slow the main suite's timing-sensitive
/// tests; as RealLibvirtdTests run only under scripts/with-libvirtd.
enum ConsumerPhase {
    static let isOn = ProcessInfo.processInfo.environment["VIRT_AGENTX_CONSUMERS"] == "1"
    static let reason = "runs in scripts/test's managers phase (VIRT_AGENTX_CONSUMERS=1)"
}
