import CAgentX
import MIB

/// Answers one varbind from the current view. Runs on the net-snmp thread:
/// it must only read memory (no I/O, no logging, no waiting).
let handleRequest: cagentx_request_fn = { context, request, isNext, name, length in
    guard let context, let request, let name else { return }
    let store = Unmanaged<ViewStore>.fromOpaque(context).takeUnretainedValue()
    let view = store.view
    let oid = OID(Array(UnsafeBufferPointer(start: name, count: length)))
    if isNext != 0 {
        // Nothing after it in our subtree: leave the varbind for the next registration.
        guard let cell = view.next(after: oid) else { return }
        reply(request, cell.oid, cell.value)
    } else {
        switch view.get(oid) {
        case .value(let value): reply(request, oid, value)
        case .noSuchInstance: cagentx_reply_exception(request, CAGENTX_NO_SUCH_INSTANCE)
        case .noSuchObject: cagentx_reply_exception(request, CAGENTX_NO_SUCH_OBJECT)
        }
    }
}

private func reply(_ request: OpaquePointer, _ oid: OID, _ value: SNMPValue) {
    oid.components.withUnsafeBufferPointer { name in
        let (base, count) = (name.baseAddress, name.count)
        switch value {
        case .integer(let v): cagentx_reply_integer(request, base, count, CAGENTX_INTEGER, Int64(v))
        case .counter32(let v): cagentx_reply_integer(request, base, count, CAGENTX_COUNTER32, Int64(v))
        case .gauge32(let v): cagentx_reply_integer(request, base, count, CAGENTX_GAUGE32, Int64(v))
        case .timeTicks(let v): cagentx_reply_integer(request, base, count, CAGENTX_TIMETICKS, Int64(v))
        case .counter64(let v): cagentx_reply_counter64(request, base, count, v)
        case .octets, .text:
            _ = value.withOctets {
                cagentx_reply_octets(request, base, count, CAGENTX_OCTET_STRING, $0.baseAddress, $0.count)
            }
        case .objectIdentifier(let target):
            target.components.withUnsafeBufferPointer {
                cagentx_reply_oid(request, base, count, $0.baseAddress, $0.count)
            }
        }
    }
}
