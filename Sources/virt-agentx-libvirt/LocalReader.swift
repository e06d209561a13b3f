import Commands
import TableCommands
import LibvirtCollector
import Logging
import MIB

/// `check` and `show --local`: one poll of this host's libvirt and images.
enum LocalReader {
    static func register() {
        LocalTables.register { uri, deadline throws(SourceError) in
            var logger = Logger(label: "virt-agentx.local")
            logger.logLevel = .critical
            guard let snapshot = Collector.snapshot(uri: uri, logger: logger, deadline: deadline) else {
                throw .libvirtUnresponsive(uri: uri, seconds: Int(deadline.components.seconds))
            }
            guard snapshot.host.connection.isAnswering else { throw .libvirtUnreachable(uri: uri) }
            return MIBReading(view: VirtAgentxMIB.view(of: snapshot))
        }
    }
}
