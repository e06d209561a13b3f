import Commands
import MIB
import Synchronization

/// Where `check` and `show --local` get the host's tables: a reader that asks
/// libvirt, registered by the executable that links it (virt-agentx-libvirt).
/// virt-agentx-snmp registers none; it hands `--local` commands over before they run.
public enum LocalTables {
    public typealias Reader = @Sendable (_ uri: String?, _ deadline: Duration) throws(SourceError) -> MIBReading

    private static let registered = Mutex<Reader?>(nil)

    /// Called once by virt-agentx-libvirt's main, before any command runs.
    public static func register(_ reader: @escaping Reader) {
        registered.withLock { $0 = reader }
    }

    static func read(uri: String?, deadline: Duration) throws(SourceError) -> MIBReading {
        guard let reader = registered.withLock({ $0 }) else { throw .noLocalReader }
        return try reader(uri, deadline)
    }
}

/// A command that reads the tables from a source: over SNMP, or locally through libvirt.
public protocol ReadsTables {
    var source: SourceOptions { get }
}

extension Show: ReadsTables {}
extension CheckChains: ReadsTables { var source: SourceOptions { options.source } }
extension CheckDomains: ReadsTables { var source: SourceOptions { options.source } }
extension CheckPools: ReadsTables { var source: SourceOptions { options.source } }
extension CheckJobs: ReadsTables { var source: SourceOptions { options.source } }
extension CheckAgent: ReadsTables { var source: SourceOptions { options.source } }
