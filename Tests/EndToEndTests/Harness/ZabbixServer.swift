import Foundation
import TestSupport

/// A private Zabbix 6.0 from Debian's packages (scripts/lib/zabbix-server.sh):
/// PostgreSQL, zabbix_server and the frontend on loopback, in a scratch
/// folder; stopped by PID when done with (`stop()`, or when this object dies).
final class ZabbixServer {
    static let requirement = Requirement("the Zabbix tests", unavailableReason: {
        for (path, package) in [("/usr/sbin/zabbix_server", "zabbix-server-pgsql"), ("/usr/share/zabbix/api_jsonrpc.php", "zabbix-frontend-php"),
                                ("/usr/bin/php", "php8.2-cli"), ("/usr/lib/postgresql/15/bin/initdb", "postgresql-15")]
        where !FileManager.default.fileExists(atPath: path) {
            return "\(path) not found: install \(package) (scripts/setup does)"
        }
        return getuid() == 0 ? nil : "needs root: the database runs as the postgres user"
    }())

    let folder: ScratchFolder
    let apiURL: String
    private var running = true

    init() throws {
        try Self.requirement.require()
        folder = try ScratchFolder(prefix: "virt-agentx-zabbix")
        let start = try Command.run(Repository.file("scripts/lib/zabbix-server.sh").path, ["start", folder.path], timeout: .seconds(240))
        guard start.status == 0 else {
            _ = try? Command.run(Repository.file("scripts/lib/zabbix-server.sh").path, ["stop", folder.path])
            throw HarnessError("Zabbix did not start: \(start.stderr)")
        }
        apiURL = try String(contentsOf: folder.file("api-url"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit { stop() }

    func stop() {
        guard running else { return }
        running = false
        _ = try? Command.run(Repository.file("scripts/lib/zabbix-server.sh").path, ["stop", folder.path], timeout: .seconds(60))
    }

    /// One JSON-RPC call as Admin; its result.
    func call(_ method: String, _ params: Any) throws -> Any {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: params), as: UTF8.self)
        let run = try Command.run("/usr/bin/python3", [Repository.file("scripts/lib/zabbix-api.py").path, apiURL, method, json],
                                  timeout: .seconds(180))
        guard run.status == 0 else { throw HarnessError("Zabbix \(method): \(run.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8), options: [.fragmentsAllowed])
    }

    /// A `*.get` call's rows.
    func rows(_ method: String, _ params: [String: Any]) throws -> [[String: Any]] {
        try call(method, params) as? [[String: Any]] ?? []
    }

    /// Asks the server to check `itemids` now (items and discovery rules alike).
    func checkNow(_ itemids: [String]) throws {
        for batch in stride(from: 0, to: itemids.count, by: 100).map({ Array(itemids[$0..<min($0 + 100, itemids.count)]) }) {
            _ = try call("task.create", batch.map { ["type": 6, "request": ["itemid": $0]] })
        }
    }

    /// The server's log, for failure messages.
    var log: String { (try? String(contentsOf: folder.file("zabbix_server.log"), encoding: .utf8)) ?? "" }
}
