import Foundation
import TestSupport

/// A private `snmptrapd` on a free loopback port: what the master forwards,
/// one notification per line, varbinds parsed.
final class TrapReceiver {
    let port: UInt16
    private let process: ChildProcess
    private let log: URL

    init(folder: URL) throws {
        port = try TestWorld.freeUDPPort()
        let config = folder.appendingPathComponent("snmptrapd.conf")
        try "disableAuthorization yes\n".write(to: config, atomically: true, encoding: .utf8)
        log = folder.appendingPathComponent("traps.log")
        // %V<TAB> separates varbinds with a tab: values may hold commas.
        process = try ChildProcess(
            "snmptrapd", "/usr/sbin/snmptrapd",
            ["-f", "-Lo", "-C", "-c", config.path, "-On", "-F", "%V\t%v\n", "udp:127.0.0.1:\(port)"],
            environment: ["MIBS": ""], log: log)
        guard eventually(timeout: .seconds(5), { (try? String(contentsOf: log, encoding: .utf8))?.contains("NET-SNMP") == true })
        else { throw HarnessError("snmptrapd did not start:\n\(process.output)") }
    }

    /// Every notification received so far: its snmpTrapOID and its varbinds after it.
    func notifications() -> [(oid: String, varbinds: [SNMPClient.Varbind])] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let varbinds = line.split(separator: "\t").compactMap { try? SNMPClient.parse(String($0)) }
            guard let trap = varbinds.first(where: { $0.oid == "1.3.6.1.6.3.1.1.4.1.0" }) else { return nil }
            return (String(trap.value.drop { $0 == "." }), varbinds.filter { $0.oid != "1.3.6.1.6.3.1.1.4.1.0" && $0.oid != "1.3.6.1.2.1.1.3.0" })
        }
    }

    /// Waits for a notification with `oid` that `matches`.
    func waitFor(_ oid: String, timeout: Duration = .seconds(10),
                 matching matches: ([SNMPClient.Varbind]) -> Bool = { _ in true }) -> [SNMPClient.Varbind]? {
        var found: [SNMPClient.Varbind]?
        _ = eventually(timeout: timeout) {
            found = notifications().first { $0.oid == oid && matches($0.varbinds) }?.varbinds
            return found != nil
        }
        return found
    }

    deinit { process.stop() }
}
