import CLibvirt
import Foundation
import Logging
import VirtModel

/// One libvirt connection and the state that outlives a single poll: the row
/// indexes and the last good snapshot. Used from one thread only.
struct Poller {
    private let uri: String?
    private let logger: Logger
    private var connection: LibvirtConnection?
    private var domainIndexes = RowIndexes<String>()
    private var last: Snapshot

    init(uri: String?, logger: Logger) {
        self.uri = uri
        self.logger = logger
        self.last = .empty(uri: uri ?? "")
        silenceLibvirtDefaultErrorPrinting()
    }

    /// A fresh snapshot; on failure, the last good one marked disconnected.
    mutating func poll() -> Snapshot {
        let started = ContinuousClock.now
        do {
            let connection = try connect()
            var snapshot = try collect(from: connection)
            snapshot.host.lastPoll = Date()
            snapshot.host.lastPollMilliseconds = UInt32(clamping: (ContinuousClock.now - started).milliseconds)
            if last.host.connection != .connected {
                logger.info("connected to libvirt", metadata: ["uri": "\(snapshot.host.uri)"])
            }
            last = snapshot
        } catch {
            if last.host.connection != .disconnected {
                logger.error("\(error)", metadata: [
                    "uri": "\(uri ?? "default")",
                    "fix": "check that libvirtd runs and the URI given with --connect is right; retrying every poll"])
            }
            if connection?.isAlive != true { connection = nil }
            last.host.connection = .disconnected
        }
        return last
    }

    mutating func close() { connection = nil }

    private mutating func connect() throws(LibvirtError) -> LibvirtConnection {
        if let connection { return connection }
        let opened = try LibvirtConnection(readOnly: uri)
        connection = opened
        return opened
    }

    private mutating func collect(from connection: LibvirtConnection) throws(LibvirtError) -> Snapshot {
        var host = Host(uri: try connection.uri)
        host.hypervisorType = try connection.hypervisorType
        host.hypervisorVersion = try connection.hypervisorVersion
        host.libvirtVersion = try connection.libraryVersion
        host.hostname = try connection.hostname
        let node = try connection.nodeInfo
        host.cpus = node.cpus
        host.memoryKiB = UInt64(node.memory)
        host.connection = .connected

        var domains: [Domain] = []
        for handle in try connection.allDomains() {
            do {
                domains.append(try domain(handle))
            } catch where error.isVanishedObject {
                continue  // undefined between listing and asking
            }
        }
        // libvirt lists in no particular order; new domains get their index in
        // name order so a fresh agent numbers the same world the same way.
        domains.sort { $0.name < $1.name }
        for position in domains.indices {
            domains[position].index = domainIndexes.index(for: domains[position].uuid)
        }
        return Snapshot(host: host, domains: domains)
    }

    private func domain(_ handle: LibvirtDomain) throws(LibvirtError) -> Domain {
        let xml = try handle.xml
        let definition: DomainDefinition
        do {
            definition = try DomainDefinition(xml: xml)
        } catch {
            throw LibvirtError(operation: "to read the XML of domain \((try? handle.name) ?? "?")",
                               message: error.description, code: 0)
        }
        let uuid = try handle.uuid
        let info = try handle.info
        let (state, reason) = try handle.state
        return Domain(
            index: 0,  // assigned by the caller, in name order
            name: try handle.name, uuid: uuid,
            state: DomainState(libvirt: state), stateReason: reason, id: handle.id,
            vcpus: UInt32(info.nrVirtCpu), maxVcpus: max(definition.maxVcpus, UInt32(info.nrVirtCpu)),
            memoryKiB: UInt64(info.memory), maxMemoryKiB: UInt64(info.maxMem),
            cpuTimeNanoseconds: UInt64(info.cpuTime),
            autostart: try handle.autostart, persistent: try handle.isPersistent,
            osType: definition.osType)
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
