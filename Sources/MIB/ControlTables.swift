import FoundationEssentials
import VirtModel

extension VirtAgentxMIB {
    /// A domain with the last action asked of it through the agent.
    public struct ControlRow: Sendable {
        public var domain: Domain
        public var record: ControlRecord?
    }

    /// domainControlTable's columns: the action to ask of a domain, and what became of the last one.
    public enum ControlColumns {
        public static let action = Column<ControlRow>("virtControlAction", 1, Syntaxes.domainAction, writable: true) {
            .integer($0.record?.action.rawValue ?? DomainAction.none.rawValue)
        }
        public static let status = Column<ControlRow>("virtControlStatus", 2, Syntaxes.controlStatus) {
            .integer($0.record?.status.rawValue ?? ControlRecord.Status.none.rawValue)
        }
        public static let message = Column<ControlRow>("virtControlMessage", 3, .displayString) { .string($0.record?.message ?? "") }
        public static let requested = Column<ControlRow>("virtControlRequested", 4, .dateAndTime, whenReported: {
            $0.record.map { .octets(DateAndTime.encode($0.requested)) }
        })
        public static let requester = Column<ControlRow>("virtControlRequester", 5, .displayString) { .string($0.record?.requester ?? "") }
    }

    public static let domainControlTable = Table<ControlRow>(
        "virtDomainControlTable", entry: "virtDomainControlEntry", 15,
        rows: { snapshot in snapshot.domains.map { ControlRow(domain: $0, record: snapshot.controls[$0.uuid]) } },
        index: { [$0.domain.index] },
        columns: [
            ControlColumns.action, ControlColumns.status, ControlColumns.message, ControlColumns.requested,
            ControlColumns.requester,
        ])
}
