import Foundation
import MIB
import TestSupport
import Testing

/// integrations/icinga2 and integrations/nagios as the real daemons read them:
/// their configuration checks pass, and each daemon, scheduling the checks
/// itself, runs `virt-agentx check` against a standalone agent on the test
/// world and records the same state the command gives when run by hand.
@Suite(.serialized, .enabled(if: ConsumerPhase.isOn, "\(ConsumerPhase.reason)"), .enabled(if: MonitoringDaemons.requirement.shouldRun, "\(MonitoringDaemons.requirement.skipReason)"))
struct MonitoringDaemonsTests {
    init() throws { try MonitoringDaemons.requirement.require() }

    /// What `virt-agentx check MODE` says against `target` when run by hand: its exit status and first line.
    func byHand(_ mode: String, _ target: String, _ options: [String] = []) throws -> (status: Int32, line: String) {
        let run = try Command.run(try TestWorld.agentBinary(), ["check", mode, "-H", target, "-C", "public"] + options)
        return (run.status, String(run.stdout.split(separator: "\n").first ?? ""))
    }

    @Test func icinga2ChecksTheConfigurationAndRunsTheChecks() throws {
        let world = try ServedWorld(.standalone)
        let folder = world.folder.appendingPathComponent("icinga2")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let definitions = try MonitoringDaemons.integrationFile("integrations/icinga2/virt-agentx.conf", into: folder)
        let port = world.client.target.split(separator: ":").last.map(String.init) ?? ""
        let main = folder.appendingPathComponent("icinga2.conf")
        // The ITL, the plugins' commands and the file, as /etc/icinga2/icinga2.conf includes
        // them; a generic-service template checking every 2 s, so that the daemon runs the checks at once.
        try """
            include "/etc/icinga2/constants.conf"
            include <itl>
            include <plugins>
            template Service "generic-service" { max_check_attempts = 1; check_interval = 2s; retry_interval = 2s }
            template Host "generic-host" { check_command = "dummy"; max_check_attempts = 1 }
            object CheckerComponent "checker" { }
            include "\(definitions.path)"
            object Host "kvm01" { import "generic-host"; address = "127.0.0.1"; vars.virt_agentx_port = \(port); vars.virt_agentx_community = "public" }
            object Host "kvm02" { import "generic-host"; address = "127.0.0.1"; vars.virt_agentx_snmpv3_auth = "x"; vars.virt_agentx_snmpv3_priv = "y" }
            object Host "kvm03" { import "generic-host"; address = "127.0.0.1"; vars.virt_agentx_nrpe = true }

            """.write(to: main, atomically: true, encoding: .utf8)
        let arguments = ["-c", main.path] + (try MonitoringDaemons.icingaArguments(folder))
        let validation = try Command.run(MonitoringDaemons.icinga2, ["daemon", "-C"] + arguments, timeout: .seconds(60))
        #expect(validation.status == 0, "icinga2 daemon -C:\n\(validation.stdout)\(validation.stderr)")
        #expect(validation.stdout.contains("Instantiated 14 Services") && validation.stdout.contains("Instantiated 8 Dependencies"),
                "five services for each SNMP host (agent, chains, domains, pools, jobs), four through NRPE; a dependency per SNMP check:\n\(validation.stdout)")

        let daemon = try ChildProcess("icinga2", MonitoringDaemons.icinga2, ["daemon"] + arguments, log: folder.appendingPathComponent("daemon.log"))
        defer { daemon.stop() }
        // Its state file holds every check's last result once the daemon stops; it is asked to stop when both checks have run.
        let started = ContinuousClock.now
        Thread.sleep(forTimeInterval: 8)
        #expect(daemon.isRunning, "icinga2 runs:\n\(daemon.output)")
        daemon.stop(signal: SIGTERM, timeout: .seconds(30))
        let state = (try? String(contentsOf: folder.appendingPathComponent("data/icinga2.state"), encoding: .utf8)) ?? ""
        for (service, mode, options) in [("virt-agentx", "agent", [String]()), ("libvirt backing chains", "chains", ["-w", "0", "-c", "3"])] {
            let expected = try byHand(mode, world.client.target, options)
            // The state file's record of the service: netstring-framed JSON, one object per line.
            let record = state.components(separatedBy: "\n").first { $0.contains("\"name\":\"kvm01!\(service)\"") } ?? ""
            #expect(record.contains("\"exit_status\":\(expected.status)") && record.contains(String(expected.line.prefix(30))),
                    "icinga2 ran \(service) (\(ContinuousClock.now - started) after start) as by hand (\(expected)):\n\(record.prefix(1500))")
        }
    }

    /// The file's kvm01 is watched over SNMPv3 as the snmpd snippet's user virtmonitor.
    @Test func nagios4ChecksTheConfigurationAndRunsTheChecks() throws {
        let scratch = try ScratchFolder()
        let port = try TestWorld.freeUDPPort()
        let (auth, privacy) = ("nagios-auth-passphrase", "nagios-privacy-passphrase")
        let agent = try AgentProcess(folder: scratch.url, uri: try TestWorld.worldURI(), listenPort: port, configuration: """
            createUser virtmonitor SHA-256 "\(auth)" AES "\(privacy)"
            rouser     virtmonitor priv
            """)
        let world = (folder: scratch.url, client: SNMPClient(target: "127.0.0.1:\(port)"))
        try agent.waitUntilServing(world.client)
        let folder = world.folder.appendingPathComponent("nagios4")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("checkresults"), withIntermediateDirectories: true)
        let definitions = try MonitoringDaemons.integrationFile("integrations/nagios/virt-agentx.cfg", into: folder)
        let hosts = folder.appendingPathComponent("hosts.cfg"), resources = folder.appendingPathComponent("resource.cfg")
        try """
            define host {
                use            linux-server
                host_name      kvm01
                address        \(world.client.target)
                check_command  check_virt_agentx_v2c!agent!
            }
            define host {
                use                    linux-server
                host_name              kvm02
                address                127.0.0.1
                check_command          check_nrpe_virt_agentx!virt_chains
                active_checks_enabled  0
            }

            """.write(to: hosts, atomically: true, encoding: .utf8)
        try "$USER1$=/usr/lib/nagios/plugins\n$USER11$=\(auth)\n$USER12$=\(privacy)\n$USER13$=public\n".write(to: resources, atomically: true, encoding: .utf8)
        let main = folder.appendingPathComponent("nagios.cfg")
        // Debian's sample objects for the templates, everything written into the folder, and
        // an interval length of 1 s with no initial spread, so that the checks run at once.
        try """
            log_file=\(folder.path)/nagios.log
            cfg_file=/etc/nagios4/objects/commands.cfg
            cfg_file=/etc/nagios4/objects/contacts.cfg
            cfg_file=/etc/nagios4/objects/timeperiods.cfg
            cfg_file=/etc/nagios4/objects/templates.cfg
            cfg_file=\(definitions.path)
            cfg_file=\(hosts.path)
            object_cache_file=\(folder.path)/objects.cache
            precached_object_file=\(folder.path)/objects.precache
            resource_file=\(resources.path)
            status_file=\(folder.path)/status.dat
            status_update_interval=1
            nagios_user=root
            nagios_group=root
            check_external_commands=0
            lock_file=\(folder.path)/nagios.pid
            temp_file=\(folder.path)/nagios.tmp
            temp_path=\(folder.path)
            check_result_path=\(folder.path)/checkresults
            retain_state_information=0
            state_retention_file=\(folder.path)/retention.dat
            interval_length=1
            service_inter_check_delay_method=n
            host_inter_check_delay_method=n
            max_service_check_spread=1
            max_host_check_spread=1
            check_result_reaper_frequency=1
            debug_file=\(folder.path)/nagios.debug
            enable_notifications=0
            illegal_macro_output_chars=`~$&|'"<>

            """.write(to: main, atomically: true, encoding: .utf8)
        let validation = try Command.run(MonitoringDaemons.nagios4, ["-v", main.path], timeout: .seconds(60))
        #expect(validation.status == 0 && validation.stdout.contains("Total Errors:   0"), "nagios4 -v:\n\(validation.stdout)")
        #expect(validation.stdout.contains("Checked 9 services") || validation.stdout.contains("9 services"),
                "five services on kvm01 over SNMP, four on kvm02 through NRPE:\n\(validation.stdout)")

        let daemon = try ChildProcess("nagios4", MonitoringDaemons.nagios4, [main.path], log: folder.appendingPathComponent("daemon.log"))
        defer { daemon.stop(); withExtendedLifetime(agent) {} }
        let status = folder.appendingPathComponent("status.dat")
        for (service, mode, options) in [("virt-agentx", "agent", [String]()), ("libvirt backing chains", "chains", ["-w", "0", "-c", "3"])] {
            let expected = try byHand(mode, world.client.target, options)
            var block = ""
            let ran = eventually(timeout: .seconds(45)) {
                let text = (try? String(contentsOf: status, encoding: .utf8)) ?? ""
                block = text.components(separatedBy: "servicestatus {").first {
                    $0.contains("host_name=kvm01\n") && $0.contains("service_description=\(service)\n")
                } ?? ""
                return block.contains("has_been_checked=1")
            }
            #expect(ran && block.contains("current_state=\(expected.status)\n") && block.contains(String(expected.line.prefix(30))),
                    "nagios4 ran \(service) as by hand (\(expected)):\n\(block)\n\(daemon.output.suffix(1500))")
        }
    }
}
