import CSNMPClient
#if canImport(Glibc)
import Glibc
#endif
import SNMPCore

/// A synchronous SNMP session over net-snmp's client library: enough for a
/// monitoring check, a person's look at the tables or a latency benchmark, not
/// for a poller.
public final class SNMPSession {
    private let handle: OpaquePointer
    private let target: SNMPTarget

    /// Opens the session (no packet is sent until the first request).
    public init(_ target: SNMPTarget) throws(SNMPClientError) {
        var message = [CChar](repeating: 0, count: 512)
        let arguments = target.arguments
        let handle: OpaquePointer? = withCStrings(arguments) { argv in
            csnmp_open(Int32(arguments.count), argv, &message, message.count)
        }
        guard let handle else {
            throw .failure("cannot open an SNMP session to \(target.agent): \(Self.text(message))")
        }
        self.handle = handle
        self.target = target
    }

    deinit { csnmp_close(handle) }

    /// Every cell under `root` in SNMP order, by GETBULK; at most `limit` cells.
    public func walk(_ root: OID, limit: Int = 1_000_000) throws(SNMPClientError) -> [Varbind] {
        try walk(columns: [root], limit: limit)
    }

    /// Every cell under each of `roots` (columns, or whole subtrees), as snmptable
    /// walks: one GETBULK carries one varbind per column not yet finished, so a
    /// reader that needs a few columns of a large table fetches those and nothing
    /// else. The cells come sorted by OID; at most `limit` of them.
    public func walk(columns roots: [OID], limit: Int = 1_000_000) throws(SNMPClientError) -> [Varbind] {
        var last = roots
        var active = Array(roots.indices)
        var cells: [Varbind] = []
        while !active.isEmpty && cells.count < limit {
            // About 120 varbinds (7 KB) a response whatever the column count: a
            // check's columns of a small host in one or two requests (each a few
            // ms through snmpd and AgentX), at the price of a few cells fetched
            // past a short column's end.
            let repetitions = max(1, Self.varbindsPerResponse / active.count)
            let batch = try exchange(active.map { last[$0] }) { names, lengths, each, context, message, size in
                csnmp_get_bulk(handle, names, lengths, names.count, Int32(repetitions), each, context, message, size)
            }
            var finished = Set<Int>(), advanced = false
            for (position, (oid, value)) in batch.enumerated() {
                let column = active[position % active.count]
                guard !finished.contains(column) else { continue }
                guard let value, oid.hasPrefix(roots[column]) else {
                    finished.insert(column)
                    continue
                }
                guard last[column] < oid else { throw .walkNotIncreasing(agent: target.agent) }
                cells.append(Varbind(oid: oid, value: value))
                last[column] = oid
                advanced = true
            }
            // An agent may answer fewer repetitions than asked (message size): the rest go on.
            active.removeAll { finished.contains($0) }
            if !advanced { break }
        }
        return cells.prefix(limit).sorted { $0.oid < $1.oid }
    }

    static let varbindsPerResponse = 120

    /// One GET of `oid`: its value, nil for noSuchObject or noSuchInstance.
    public func get(_ oid: OID) throws(SNMPClientError) -> SNMPValue? {
        try exchange([oid]) { names, lengths, each, context, message, size in
            csnmp_get(handle, names[0], lengths[0], 0, each, context, message, size)
        }.first?.1
    }

    /// One GETNEXT after `oid`: the next cell, nil at the end of the agent's view.
    public func getNext(_ oid: OID) throws(SNMPClientError) -> Varbind? {
        let answer = try exchange([oid]) { names, lengths, each, context, message, size in
            csnmp_get(handle, names[0], lengths[0], 1, each, context, message, size)
        }.first
        guard let (name, value) = answer, let value else { return nil }
        return Varbind(oid: name, value: value)
    }

    /// A request's names as C arrays, the callback, its context and the message buffer.
    private typealias Request = ([UnsafePointer<UInt32>?], [Int], csnmp_varbind_fn, UnsafeMutableRawPointer,
                                 UnsafeMutablePointer<CChar>, Int) -> Int32

    /// Runs one request for `oids`: the response's varbinds (a nil value for an
    /// exception such as endOfMibView), or why there was none.
    private func exchange(_ oids: [OID], _ request: Request) throws(SNMPClientError) -> [(OID, SNMPValue?)] {
        final class Collected { var varbinds: [(OID, SNMPValue?)] = [] }
        let collected = Collected()
        var message = [CChar](repeating: 0, count: 512)
        let names = oids.map { oid in
            let name = UnsafeMutablePointer<UInt32>.allocate(capacity: max(1, oid.components.count))
            name.initialize(from: oid.components, count: oid.components.count)
            return name
        }
        defer { names.forEach { $0.deallocate() } }
        let status = message.withUnsafeMutableBufferPointer { buffer in
            request(names.map { UnsafePointer($0) }, oids.map(\.components.count), { context, varbind in
                guard let context, let varbind else { return }
                let collected = Unmanaged<Collected>.fromOpaque(context).takeUnretainedValue()
                collected.varbinds.append(SNMPSession.decode(varbind.pointee))
            }, Unmanaged.passUnretained(collected).toOpaque(), buffer.baseAddress!, buffer.count)
        }
        let reason = Self.text(message)
        switch csnmp_status(rawValue: UInt32(status)) {
        case CSNMP_OK: return collected.varbinds
        case CSNMP_TIMEOUT: throw .noResponse(agent: target.agent, seconds: target.timeout * Double(target.retries + 1))
        case CSNMP_AUTHENTICATION: throw .authenticationFailed(user: userName, reason: reason)
        case CSNMP_UNKNOWN_USER: throw .unknownUser(user: userName)
        case CSNMP_ERROR_STATUS: throw .errorStatus(agent: target.agent, reason: reason)
        default: throw .failure("SNMP request to \(target.agent) failed: \(reason)")
        }
    }

    private var userName: String {
        if case .user(let user) = target.credentials { return user.name }
        return ""
    }

    private static func text(_ message: [CChar]) -> String {
        String(decoding: message.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self)
    }

    fileprivate static func decode(_ varbind: csnmp_varbind) -> (OID, SNMPValue?) {
        let name = OID(Array(UnsafeBufferPointer(start: varbind.name, count: varbind.name_length)))
        let value: SNMPValue? = switch csnmp_kind(rawValue: UInt32(varbind.kind)) {
        case CSNMP_INTEGER: .integer(Int32(truncatingIfNeeded: varbind.integer))
        case CSNMP_OCTET_STRING, CSNMP_IPADDRESS, CSNMP_OPAQUE:
            .octets(Array(UnsafeBufferPointer(start: varbind.bytes, count: varbind.bytes_length)))
        case CSNMP_OBJECT_ID:
            .objectIdentifier(OID(Array(UnsafeBufferPointer(start: varbind.oid_value, count: varbind.oid_value_length))))
        case CSNMP_COUNTER32: .counter32(UInt32(truncatingIfNeeded: varbind.unsigned_value))
        case CSNMP_GAUGE32: .gauge32(UInt32(truncatingIfNeeded: varbind.unsigned_value))
        case CSNMP_TIMETICKS: .timeTicks(UInt32(truncatingIfNeeded: varbind.unsigned_value))
        case CSNMP_COUNTER64: .counter64(varbind.unsigned_value)
        default: nil
        }
        return (name, value)
    }
}

/// `argv` for the duration of `body`.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return body(copies.map { UnsafePointer($0) } + [nil])
}
