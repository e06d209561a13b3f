import CAgentX
import MIB

/// Answers a GET or GETNEXT from `view`; a GETNEXT whose next cell lies outside
/// `root` (when given) is left for the next registration.
func answer(_ request: OpaquePointer, _ oid: OID, isNext: Bool, from view: MIBView, within root: OID?) {
    if isNext {
        // Nothing after it in our subtree: leave the varbind for the next registration.
        guard let cell = view.next(after: oid), root.map({ cell.oid.hasPrefix($0) }) ?? true else { return }
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
