import Foundation
import MIB
import TestSupport
import Testing
import VirtModel

/// Control over SNMP on the real libvirtd of scripts/with-libvirtd, in both
/// deployments: an SNMPv3 authPriv user with write access to the context
/// virt-control starts, pauses, resumes, shuts down and powers off "spare";
/// everyone else is refused, each with the error a manager sees; and a SET
/// whose libvirt call hangs (its QEMU stopped) keeps no GET waiting. Nested in
/// RealLibvirtdTests so it never runs beside the others (it starts spare).
extension RealLibvirtdTests {
@Suite struct Control {
    static let auth = "virt-control-auth-passphrase", privacy = "virt-control-privacy-passphrase"
    /// snmpd.conf's access lines, the same in the agent's own file when standalone.
    static let access = """
        rocommunity \(SNMPMaster.testCommunity) 127.0.0.1
        rocommunity public 127.0.0.1
        rwcommunity private 127.0.0.1
        createUser virtadmin SHA-256 "\(auth)" AES "\(privacy)"
        createUser virtreader SHA-256 "\(auth)" AES "\(privacy)"
        rwuser virtadmin priv .1 \(ControlWrites.contextName)
        rouser virtreader priv .1
        """

    let uri: String
    let virsh: Virsh

    init() throws {
        uri = try #require(RealLibvirtd.uri)
        virsh = Virsh(uri: uri)
    }

    /// The agent by `deployment`, control on or off; the scratch folder, snmpd and the agent live as long as the result.
    struct Served {
        let scratch: ScratchFolder
        let master: SNMPMaster?
        let agent: AgentProcess
        let target: String

        var reader: SNMPClient { SNMPClient(target: target) }
        /// SNMPv3 as `user`, in the control context.
        func v3(_ user: String, context: String? = ControlWrites.contextName) -> SNMPClient {
            SNMPClient(target: target, user: (user, Control.auth, Control.privacy), context: context)
        }
    }

    func serve(_ deployment: Deployment, control: Bool, extra more: [String] = []) throws -> Served {
        let scratch = try ScratchFolder()
        let extra = ["--poll-interval", "300"] + (control ? ["--allow-control", "yes"] : []) + more
        switch deployment {
        case .agentx:
            let master = try SNMPMaster(owning: scratch, access: Self.access)
            let agent = try AgentProcess(folder: scratch.url, uri: uri, socket: master.socket, extra: extra)
            try agent.waitUntilServing(through: master)
            return Served(scratch: scratch, master: master, agent: agent, target: master.target)
        case .standalone:
            let port = try TestWorld.freeUDPPort()
            let agent = try AgentProcess(folder: scratch.url, uri: uri, listenPort: port, configuration: Self.access, extra: extra)
            try agent.waitUntilServing(SNMPClient(target: "127.0.0.1:\(port)"))
            return Served(scratch: scratch, master: nil, agent: agent, target: "127.0.0.1:\(port)")
        }
    }

    func index(of name: String, _ client: SNMPClient) throws -> String {
        let names = try client.bulkWalk(Subtree.column(DomainColumns.name))
        return try #require(names.first { $0.value == name }?.oid.split(separator: ".").last.map(String.init), "\(name) is served")
    }

    static func action(_ index: String) -> String {
        "\(VirtAgentxMIB.oid(of: VirtAgentxMIB.ControlColumns.action, in: VirtAgentxMIB.domainControlTable)).\(index)"
    }
    static func control(_ column: Column<VirtAgentxMIB.ControlRow>, _ index: String) -> String {
        "\(VirtAgentxMIB.oid(of: column, in: VirtAgentxMIB.domainControlTable)).\(index)"
    }

    /// Sets `action` on spare and waits until virsh says `state` and the row says the action succeeded.
    func act(_ served: Served, _ spare: String, _ action: DomainAction, until state: String) throws {
        let admin = served.v3("virtadmin")
        #expect(try admin.set(Self.action(spare), "i", "\(action.rawValue)") == nil, "\(action) accepted")
        let done = eventually(timeout: .seconds(20)) {
            (try? virsh.stateAndReason("spare").state) == state
                && (try? admin.get([Self.control(VirtAgentxMIB.ControlColumns.status, spare)]))?.first?.value == "2"
        }
        let now = (try? virsh.stateAndReason("spare").state) ?? "?", row = (try? admin.bulkWalk("\(Subtree.root).1.15")) ?? []
        #expect(done, "after \(action): virsh says \(now), the row \(row)")
        // The event brings the row's state with it, long before the 300 s poll.
        let expected = ["running": "1", "paused": "3", "shut off": "5"][state]
        #expect(eventually(timeout: .seconds(5)) {
            (try? served.reader.get([Subtree.column(DomainColumns.state) + ".\(spare)"]))?.first?.value == expected
        }, "virtDomainState after \(action)")
    }

    @Test(arguments: Deployment.allCases) func anAuthPrivUserActsOnADomain(_ deployment: Deployment) throws {
        defer { _ = try? virsh.run(["destroy", "spare"]) }
        let served = try serve(deployment, control: true)
        let spare = try index(of: "spare", served.reader)
        #expect(try served.reader.get([Subtree.scalar(HostScalars.controlEnabled), Subtree.scalar(HostScalars.controlContext)]).map(\.value)
                == ["1", ControlWrites.contextName], "the host says control is on, and where")

        try act(served, spare, .running, until: "running")
        let requester = try served.v3("virtadmin").get([Self.control(VirtAgentxMIB.ControlColumns.requester, spare)]).first?.value
        #expect(requester == (deployment == .standalone ? "virtadmin" : ""), "who asked, where the agent can see it: \(requester ?? "?")")
        try act(served, spare, .paused, until: "paused")
        try act(served, spare, .running, until: "running")
        // The test world's guest has no ACPI: it ignores the request, and the domain keeps running.
        let admin = served.v3("virtadmin")
        #expect(try admin.set(Self.action(spare), "i", "\(DomainAction.shutdown.rawValue)") == nil, "shutdown accepted")
        Thread.sleep(forTimeInterval: 3)
        #expect(try virsh.stateAndReason("spare").state == "running", "a guest without ACPI ignores the shutdown request")
        try act(served, spare, .off, until: "shut off")
        // libvirt refuses to start "idle", whose disks' chains are broken: failed, with libvirt's message.
        let idle = try index(of: "idle", served.reader)
        #expect(try admin.set(Self.action(idle), "i", "\(DomainAction.running.rawValue)") == nil, "accepted: the state allows it")
        #expect(eventually(timeout: .seconds(20)) {
            (try? admin.get([Self.control(VirtAgentxMIB.ControlColumns.status, idle)]))?.first?.value == "3"
        }, "failed(3)")
        let message = try admin.get([Self.control(VirtAgentxMIB.ControlColumns.message, idle)]).first?.value ?? ""
        let virshSays = try Command.run("virsh", ["-c", uri, "start", "idle"])
        #expect(virshSays.status != 0 && !message.isEmpty && virshSays.stderr.contains(message.prefix(40)),
                "libvirt's message, as virsh start shows it: \(message) / \(virshSays.stderr)")
        let show = try Command.run(try TestWorld.agentBinary(), ["show", "host", "--color", "never", "-H", served.target, "-C", "public"])
        #expect(show.stdout.contains("Control") && show.stdout.contains("on: SNMPv3 authPriv users with write access to the context virt-control"),
                "\(show.stdout)")
        let log = served.agent.process.output
        #expect(log.contains("libvirt refused a control action") && log.contains("SNMP SET accepted") && log.contains("object=virtControlAction.\(spare)") && log.contains("control action done"),
                "every SET is logged with the object, and what libvirt made of it:\n\(log.suffix(3000))")
    }

    @Test(arguments: Deployment.allCases) func everyoneElseIsRefused(_ deployment: Deployment) throws {
        defer { _ = try? virsh.run(["destroy", "spare"]) }
        let off = try serve(deployment, control: false)
        let spareOff = try index(of: "spare", off.reader)
        #expect(try SNMPClient(target: off.target, community: "private").set(Self.action(spareOff), "i", "1")?.hasPrefix("notWritable") == true,
                "control off: read-only")
        #expect(try off.v3("virtadmin", context: nil).set(Self.action(spareOff), "i", "1") != nil, "control off: v3 refused too")
        #expect(try virsh.stateAndReason("spare").state == "shut off")
        let show = try Command.run(try TestWorld.agentBinary(), ["show", "host", "--color", "never", "-H", off.target, "-C", "public"])
        #expect(show.stdout.contains("off: read-only"), "\(show.stdout)")
        withExtendedLifetime(off) {}

        let served = try serve(deployment, control: true)
        let spare = try index(of: "spare", served.reader)
        let v2c = try SNMPClient(target: served.target, community: "private").set(Self.action(spare), "i", "1")
        #expect(v2c?.hasPrefix("notWritable") == true, "SNMPv2c with an rwcommunity: refused, \(v2c ?? "set")")
        #expect(eventually(timeout: .seconds(5)) { served.agent.process.output.contains("SNMP SET refused: notWritable") },
                "a log line for the refused SET")
        let reader = try served.v3("virtreader").set(Self.action(spare), "i", "1")
        #expect(reader?.hasPrefix("noAccess") == true || reader?.hasPrefix("authorizationError") == true,
                "a v3 user without write access: \(reader ?? "set")")
        let admin = served.v3("virtadmin")
        #expect(try admin.set(Self.action(spare), "i", "9")?.hasPrefix("wrongValue") == true, "no such action")
        #expect(try admin.set(Self.action(spare), "i", "0")?.hasPrefix("wrongValue") == true, "none is never written")
        #expect(try admin.set(Self.action(spare), "s", "running")?.hasPrefix("wrongType") == true, "not an INTEGER")
        #expect(try admin.set(Self.action(spare), "i", "\(DomainAction.paused.rawValue)")?.hasPrefix("inconsistentValue") == true,
                "pause a shut-off domain")
        #expect(try virsh.stateAndReason("spare").state == "shut off", "none of them acted")
        try act(served, spare, .running, until: "running")
        #expect(try admin.set(Self.action(spare), "i", "\(DomainAction.running.rawValue)")?.hasPrefix("inconsistentValue") == true,
                "start a running domain")
        #expect(try admin.set(Subtree.column(DomainColumns.name) + ".\(spare)", "s", "renamed") != nil, "a read-only column stays so")
    }

    /// A pause whose QEMU is stopped: libvirt's call waits on the monitor, the
    /// SET does not, and neither do GETs of other rows. Past the 2 s deadline
    /// the row says timedOut, until the pause goes through.
    @Test func aHangingActionKeepsNoRequestWaiting() throws {
        defer { _ = try? virsh.run(["destroy", "spare"]) }
        let served = try serve(.agentx, control: true, extra: ["--control-deadline", "2"])
        let spare = try index(of: "spare", served.reader), run1 = try index(of: "run1", served.reader)
        try act(served, spare, .running, until: "running")
        let qemu = try RealLibvirtd.qemuPID(of: "spare")
        kill(qemu, SIGSTOP)
        var continued = false
        defer { if !continued { kill(qemu, SIGCONT) } }

        let clock = ContinuousClock()
        let admin = served.v3("virtadmin")
        var refusal: String? = "not sent"
        let setTook = try clock.measure { refusal = try admin.set(Self.action(spare), "i", "\(DomainAction.paused.rawValue)") }
        #expect(refusal == nil, "the pause was accepted")
        #expect(setTook < .seconds(1), "the SET returned at once: \(setTook)")
        #expect(eventually(timeout: .seconds(5)) {
            (try? admin.get([Self.control(VirtAgentxMIB.ControlColumns.status, spare)]))?.first?.value == "1"
        }, "inProgress while libvirt waits on the stopped QEMU")
        // GETs of other rows, one after another, while the pause hangs.
        var slowest = Duration.zero
        for _ in 0..<20 {
            var name: String?
            let took = try clock.measure { name = try served.reader.get([Subtree.column(DomainColumns.name) + ".\(run1)"]).first?.value }
            #expect(name == "run1")
            slowest = max(slowest, took)
        }
        // The bound includes starting snmpget: a process start on this VM takes a few ms.
        #expect(slowest < .milliseconds(50), "GETs kept answering while the SET's libvirt call hung: slowest \(slowest)")
        #expect(try virsh.stateAndReason("spare").state == "running", "the pause has not happened yet")
        let status = { (try? admin.get([Self.control(VirtAgentxMIB.ControlColumns.status, spare)]))?.first?.value }
        #expect(eventually(timeout: .seconds(10)) { status() == "4" }, "timedOut(4) past the deadline: \(status() ?? "?")")
        #expect(try admin.set(Self.action(spare), "i", "\(DomainAction.off.rawValue)")?.hasPrefix("inconsistentValue") == true,
                "no other action while libvirt has not returned")
        kill(qemu, SIGCONT)
        continued = true
        #expect(eventually(timeout: .seconds(30)) { (try? virsh.stateAndReason("spare").state) == "paused" }, "the pause went through")
        #expect(eventually(timeout: .seconds(10)) { status() == "2" }, "its outcome replaced timedOut: \(status() ?? "?")")
    }
}
}
