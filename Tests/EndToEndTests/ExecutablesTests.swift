import Foundation
import Testing
import TestSupport

/// The command users type loads no library its subcommand does not use, and
/// hands the rest to the executable that links it (Sources/Commands/HandOver.swift).
struct ExecutablesTests {
    static func libraries(of executable: String) throws -> String {
        let ldd = try Command.run("ldd", [executable])
        try #require(ldd.status == 0, "ldd \(executable): \(ldd.stderr)")
        return ldd.stdout
    }

    @Test func eachExecutableLinksOnlyWhatItsSubcommandsNeed() throws {
        let launcher = try TestWorld.agentBinary()
        let folder = (launcher as NSString).deletingLastPathComponent
        let own = try Self.libraries(of: launcher)
        #expect(!own.contains("libvirt") && !own.contains("libnetsnmp"), "virt-agentx (inspect) links:\n\(own)")
        let snmp = try Self.libraries(of: "\(folder)/virt-agentx-snmp")
        #expect(snmp.contains("libnetsnmp.so") && !snmp.contains("libvirt") && !snmp.contains("libnetsnmpagent"),
                "virt-agentx-snmp links:\n\(snmp)")
        let full = try Self.libraries(of: "\(folder)/virt-agentx-libvirt")
        #expect(full.contains("libvirt.so") && full.contains("libnetsnmpagent.so"), "virt-agentx-libvirt links:\n\(full)")
    }

    @Test func theLauncherHandsOverWithTheSameArgumentsAndExitStatus() throws {
        let launcher = try TestWorld.agentBinary()
        // --version is virt-agentx-libvirt's; a check's usage error is virt-agentx-snmp's (exit 3, as plugins do).
        let version = try Command.run(launcher, ["--version"])
        #expect(version.status == 0 && version.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil,
                "virt-agentx --version: \(version.status) \(version.stdout) \(version.stderr)")
        let usage = try Command.run(launcher, ["check", "chains", "-H"])
        #expect(usage.status == 3, "check with a bad flag exits 3: \(usage.status) \(usage.stderr)")
        #expect(usage.stderr.contains("virt-agentx check chains"), "the usage names the command as typed: \(usage.stderr)")
    }

    @Test func aMissingExecutableIsNamedWithTheFix() throws {
        let folder = try ScratchFolder()
        let alone = folder.file("virt-agentx").path
        // Copied by cp, not in this process: a file this process held open for writing
        // would be inherited by a test forking meanwhile, and exec would fail with ETXTBSY.
        let copy = try Command.run("cp", [try TestWorld.agentBinary(), alone])
        try #require(copy.status == 0, "cp: \(copy.stderr)")
        let run = try Command.run(alone, ["run", "-f"])
        #expect(run.status == 70, "exit status EX_SOFTWARE: \(run.status)")
        #expect(run.stderr.contains("virt-agentx-libvirt not found") && run.stderr.contains("reinstall the virt-agentx package"),
                "names the executable and the fix: \(run.stderr)")
        // inspect needs neither of the others.
        let inspect = try Command.run(alone, ["inspect", "/dev/null"])
        #expect(inspect.status != 70 && !inspect.stderr.contains("not found"), "inspect ran alone: \(inspect.status) \(inspect.stderr)")
    }
}
