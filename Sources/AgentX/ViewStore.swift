import MIB
import Synchronization

/// The MIB view currently served: replaced whole by the collector thread,
/// read by the net-snmp thread. The lock guards only a reference swap, never I/O.
public final class ViewStore: Sendable {
    private let current: Mutex<MIBView>

    public init(_ view: MIBView) {
        current = Mutex(view)
    }

    public var view: MIBView { current.withLock { $0 } }

    public func publish(_ view: MIBView) {
        current.withLock { $0 = view }
    }
}
