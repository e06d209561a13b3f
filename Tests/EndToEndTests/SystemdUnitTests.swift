import Foundation
import TestSupport
import Testing

private let systemdAnalyze = "/usr/bin/systemd-analyze"

/// integrations/systemd/virt-agentx.service as systemd itself reads it.
@Suite struct SystemdUnitTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: systemdAnalyze),
                   "systemd-analyze is not installed (Debian package systemd): the unit file was not verified"))
    func theUnitPassesSystemdAnalyzeVerify() throws {
        try withScratchFolder { folder in
            let unit = try String(contentsOf: Repository.file("integrations/systemd/virt-agentx.service"),
                                  encoding: .utf8)
            #expect(unit.contains("ExecStart=/usr/bin/virt-agentx run --foreground"))
            // The installed path does not exist here: point ExecStart at the binary just built.
            let copy = folder.appendingPathComponent("virt-agentx.service")
            let runnable = unit.replacingOccurrences(of: "/usr/bin/virt-agentx", with: try TestWorld.agentBinary())
            try runnable.write(to: copy, atomically: true, encoding: .utf8)
            let verified = try Command.run(systemdAnalyze, ["verify", copy.path])
            // systemd-analyze exits 0 on unknown keys and bad values and only warns: any output is a finding.
            #expect(verified.status == 0 && verified.stderr.isEmpty && verified.stdout.isEmpty,
                    "systemd-analyze verify:\n\(verified.stdout)\(verified.stderr)")

            // Unprivileged and sandboxed: systemd's own exposure score, offline (10 is no sandbox).
            try runnable.write(to: copy, atomically: true, encoding: .utf8)
            let security = try Command.run(systemdAnalyze, ["security", "--offline=yes", copy.path])
            let overall = security.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") } ?? ""
            let score = overall.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }
            #expect(score != nil && score! <= 2.0, "systemd-analyze security: \(overall)")
            #expect(!unit.contains("\nUser=root") && unit.contains("\nUser=virt-agentx"), "the unit runs as its own user")

            // The same check catches a mistake, so its silence above means something.
            try (runnable + "\n[Service]\nRestart=sometimes\n").write(to: copy, atomically: true, encoding: .utf8)
            let broken = try Command.run(systemdAnalyze, ["verify", copy.path])
            #expect(broken.stderr.contains("sometimes"), "\(broken.stderr)")
        }
    }
}
