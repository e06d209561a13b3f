import CAgentX
import Logging
import MIB
import VirtModel

/// The SETs of the control objects, answered on the net-snmp thread from memory:
/// each phase checks the varbind again against the latest snapshot (nothing is
/// kept between phases), and the commit only hands the action over. Nothing
/// here waits on libvirt, on disk or on a lock held across I/O.
public final class ControlGate: Sendable {
    /// Who sent a SET, as the PDU says.
    public struct Principal: Sendable, CustomStringConvertible {
        public var securityModel: Int32
        public var securityLevel: Int32
        public var name: String

        /// USM (3) with authentication and privacy (3).
        var isAuthPriv: Bool { securityModel == 3 && securityLevel == 3 }

        public var description: String {
            switch securityModel {
            case 1: "SNMPv1 community"
            case 2: "SNMPv2c community"
            case 3: "SNMPv3 user \(name)"
            default: "a manager of the master agent (AgentX does not carry the principal)"
            }
        }
    }

    /// Hands an accepted write over; false when it cannot be taken now.
    public typealias Submit = @Sendable (ControlWrites.Write, Principal) -> Bool

    /// Serving SNMP itself the agent sees the principal and takes SETs only from
    /// SNMPv3 authPriv users; as a subagent the master's access control decided.
    let requiresAuthPriv: Bool
    let snapshot: @Sendable () -> Snapshot
    let inProgress: @Sendable () -> Set<String>
    let submit: Submit
    let audit: @Sendable (String, Logger.Metadata) -> Void

    public init(requiresAuthPriv: Bool, snapshot: @escaping @Sendable () -> Snapshot,
                inProgress: @escaping @Sendable () -> Set<String>, submit: @escaping Submit,
                audit: @escaping @Sendable (String, Logger.Metadata) -> Void) {
        self.requiresAuthPriv = requiresAuthPriv
        self.snapshot = snapshot
        self.inProgress = inProgress
        self.submit = submit
        self.audit = audit
    }

    /// The SNMP error status for one varbind in one phase (0: none).
    func set(_ phase: cagentx_set_phase, _ oid: OID, type: Int32, integer: Int64, principal: Principal) -> Int32 {
        let record = { (result: String) in
            self.audit("SNMP SET \(result)", ["principal": "\(principal)", "object": "\(Self.name(of: oid))", "value": "\(integer)"])
        }
        switch phase {
        case CAGENTX_SET_CHECK:
            if requiresAuthPriv && !principal.isAuthPriv {
                record("refused: noAccess (only SNMPv3 authPriv users may act on domains)")
                return ControlWrites.Refusal.noAccess.rawValue
            }
            if case .failure(let refusal) = ControlWrites.write(oid, type: type, integer: integer, in: snapshot()) {
                record("refused: \(refusal)")
                return refusal.rawValue
            }
            return 0
        case CAGENTX_SET_CHECK_STATE:
            guard case .success(let write) = ControlWrites.write(oid, type: type, integer: integer, in: snapshot()) else {
                return ControlWrites.Refusal.inconsistentValue.rawValue
            }
            if let refusal = ControlWrites.check(write, in: snapshot(), inProgress: inProgress()) {
                record("refused: \(refusal) (the domain's state does not allow it now, or an action is in progress)")
                return refusal.rawValue
            }
            return 0
        case CAGENTX_SET_COMMIT:
            guard case .success(let write) = ControlWrites.write(oid, type: type, integer: integer, in: snapshot()),
                  submit(write, principal) else {
                record("failed: commitFailed (too many actions in progress)")
                return ControlWrites.Refusal.commitFailed.rawValue
            }
            record("accepted")
            return 0
        default:
            return 0
        }
    }

    /// `virtControlAction.3` rather than a dotted OID, where the object is known.
    static func name(of oid: OID) -> String {
        let objects = VirtAgentxMIB.objects + VMMIB.objects
        guard let object = objects.filter({ oid.hasPrefix($0.oid) }).max(by: { $0.oid.components.count < $1.oid.components.count })
        else { return "\(oid)" }
        let rest = oid.components.dropFirst(object.oid.components.count)
        return rest.isEmpty ? object.name : "\(object.name).\(rest.map(String.init).joined(separator: "."))"
    }
}

/// What a read-write registration answers with: GETs from the view (only within
/// its own subtree, so a GETNEXT never answers for another registration), SETs
/// through the gate, or, without one, refused as notWritable with a log line.
final class WritableRegistration: Sendable {
    let store: ViewStore
    let root: OID
    let gate: ControlGate?
    let audit: @Sendable (String, Logger.Metadata) -> Void

    init(store: ViewStore, root: OID, gate: ControlGate?, audit: @escaping @Sendable (String, Logger.Metadata) -> Void) {
        self.store = store
        self.root = root
        self.gate = gate
        self.audit = audit
    }
}

let handleRegisteredRequest: cagentx_request_fn = { context, request, isNext, name, length in
    guard let context, let request, let name else { return }
    let registration = Unmanaged<WritableRegistration>.fromOpaque(context).takeUnretainedValue()
    let oid = OID(Array(UnsafeBufferPointer(start: name, count: length)))
    answer(request, oid, isNext: isNext != 0, from: registration.store.view, within: registration.root)
}

let handleRegisteredSet: cagentx_set_fn = { context, phase, name, length, type, integer, _, _, principal in
    guard let context, let name else { return 0 }
    let registration = Unmanaged<WritableRegistration>.fromOpaque(context).takeUnretainedValue()
    let oid = OID(Array(UnsafeBufferPointer(start: name, count: length)))
    let who = principal.map { principal in
        ControlGate.Principal(
            securityModel: principal.pointee.security_model, securityLevel: principal.pointee.security_level,
            name: principal.pointee.security_name.map {
                String(decoding: UnsafeRawBufferPointer(start: $0, count: principal.pointee.security_name_length), as: UTF8.self)
            } ?? "")
    } ?? ControlGate.Principal(securityModel: -1, securityLevel: 0, name: "")
    guard let gate = registration.gate else {
        if phase == CAGENTX_SET_CHECK {
            registration.audit("SNMP SET refused: notWritable", [
                "principal": "\(who)", "object": "\(ControlGate.name(of: oid))", "value": "\(integer)",
                "fix": "control is off, or the object is read-only: with allowControl yes, virtControlAction and RFC 7666's notification switches are writable by SNMPv3 authPriv users in the SNMP context \(ControlWrites.contextName)"])
        }
        return ControlWrites.Refusal.notWritable.rawValue
    }
    return gate.set(phase, oid, type: type, integer: integer, principal: who)
}
