import CLibvirt
import Foundation
import Synchronization
import VirtModel

/// What a libvirt event tells the collector: that it should look again soon,
/// and at which domain's definition.
public enum ChangeReason: Sendable {
    /// Something of the domain with this UUID changed (nil: unknown domain).
    case domain(String?)
    /// A storage pool (by UUID; nil: unknown) was refreshed, started, stopped or (un)defined.
    case pool(String?)
    /// The connection closed (daemon gone, keepalive timeout): reconnect.
    case connectionClosed
    /// Not libvirt's: a background deep check recorded a result the tables should show.
    case deepCheck
}

/// Receives libvirt's events on the event loop thread. It must not call
/// libvirt back (that thread serves every connection's I/O): it only signals.
final class ChangeSink: Sendable {
    let changed: @Sendable (ChangeReason) -> Void
    /// The last completed job of each domain (by UUID), as libvirt's job-completed
    /// event gives it: the only source of a finished job's figures that costs no call.
    let completedJobs = Mutex<[String: DomainJob]>([:])
    init(_ changed: @escaping @Sendable (ChangeReason) -> Void) { self.changed = changed }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> ChangeSink? {
        opaque.map { Unmanaged<ChangeSink>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// libvirt itself, initialised once per process. virConnectOpen does it, but
/// a call made before any connection (the event loop's registration; the
/// typed-parameter functions, which reset libvirt's per-thread error) would
/// otherwise use libvirt's thread-local key before it exists: another
/// library's slot (glib's), which then crashes.
enum LibvirtLibrary {
    static let initialized: Bool = virInitialize() == 0
}

/// libvirt's default event loop, on a thread of its own. Registered once per
/// process, before any connection is opened, as libvirt requires for events
/// and keepalive.
enum LibvirtEventLoop {
    private static let started: Bool = {
        guard LibvirtLibrary.initialized, virEventRegisterDefaultImpl() == 0 else { return false }
        let thread = Thread {
            while true { _ = virEventRunDefaultImpl() }
        }
        thread.name = "virt-agentx libvirt events"
        thread.start()
        return true
    }()

    /// Starts the loop if it is not running; false if libvirt refused.
    @discardableResult
    static func start() -> Bool { started }
}

// One C callback per event signature: where the opaque pointer sits differs.
private let lifecycle: @convention(c) (virConnectPtr?, virDomainPtr?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = {
    _, domain, _, _, opaque in
    ChangeSink.from(opaque)?.changed(.domain(uuid(of: domain)))
    return 0
}
/// Device added and removed share this signature.
private let device: @convention(c) (virConnectPtr?, virDomainPtr?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
    _, domain, _, opaque in ChangeSink.from(opaque)?.changed(.domain(uuid(of: domain)))
}
private let blockJob: @convention(c) (virConnectPtr?, virDomainPtr?, UnsafePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Void = {
    _, domain, _, _, _, opaque in ChangeSink.from(opaque)?.changed(.domain(uuid(of: domain)))
}
private let diskChange: @convention(c) (virConnectPtr?, virDomainPtr?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
                                        UnsafePointer<CChar>?, Int32, UnsafeMutableRawPointer?) -> Void = {
    _, domain, _, _, _, _, opaque in ChangeSink.from(opaque)?.changed(.domain(uuid(of: domain)))
}

/// A domain job finished: its figures come with the event.
private let jobCompleted: @convention(c) (virConnectPtr?, virDomainPtr?, virTypedParameterPtr?, Int32,
                                          UnsafeMutableRawPointer?) -> Void = {
    _, domain, parameters, count, opaque in
    guard let sink = ChangeSink.from(opaque) else { return }
    let uuid = uuid(of: domain)
    if let uuid {
        var job = DomainJob(completedEvent: TypedParameters(parameters, count: Int(count)))
        job.ended = Date()
        sink.completedJobs.withLock { $0[uuid] = job }
    }
    sink.changed(.domain(uuid))
}
/// A migration began another pass over the guest's memory: a job runs.
private let migrationIteration: @convention(c) (virConnectPtr?, virDomainPtr?, Int32, UnsafeMutableRawPointer?) -> Void = {
    _, domain, _, opaque in ChangeSink.from(opaque)?.changed(.domain(uuid(of: domain)))
}
/// `<title>`, `<description>` or a `<metadata>` element (Nova's names) changed.
private let metadataChange: @convention(c) (virConnectPtr?, virDomainPtr?, Int32, UnsafePointer<CChar>?,
                                            UnsafeMutableRawPointer?) -> Void = {
    _, domain, _, _, opaque in ChangeSink.from(opaque)?.changed(.domain(uuid(of: domain)))
}

/// The domain's UUID: held by the handle, so no call to the daemon (this runs on the event thread).
private func uuid(of domain: virDomainPtr?) -> String? {
    guard let domain else { return nil }
    return try? LibvirtStrings.uuid("virDomainGetUUIDString", { virDomainGetUUIDString(domain, $0) })
}
private let poolLifecycle: @convention(c) (virConnectPtr?, virStoragePoolPtr?, Int32, Int32, UnsafeMutableRawPointer?) -> Void = {
    _, pool, _, _, opaque in ChangeSink.from(opaque)?.changed(.pool(poolUUID(of: pool)))
}
/// `virsh pool-refresh` (or libvirt's own): the volumes' descriptions may have changed.
private let poolRefresh: @convention(c) (virConnectPtr?, virStoragePoolPtr?, UnsafeMutableRawPointer?) -> Void = {
    _, pool, opaque in ChangeSink.from(opaque)?.changed(.pool(poolUUID(of: pool)))
}

/// The pool's UUID: held by the handle, so no call to the daemon.
private func poolUUID(of pool: virStoragePoolPtr?) -> String? {
    guard let pool else { return nil }
    return try? LibvirtStrings.uuid("virStoragePoolGetUUIDString", { virStoragePoolGetUUIDString(pool, $0) })
}
private let closed: @convention(c) (virConnectPtr?, Int32, UnsafeMutableRawPointer?) -> Void = {
    _, _, opaque in ChangeSink.from(opaque)?.changed(.connectionClosed)
}
/// Each registration holds its own reference to the sink; libvirt releases it here.
private let release: @convention(c) (UnsafeMutableRawPointer?) -> Void = { opaque in
    opaque.map { Unmanaged<ChangeSink>.fromOpaque($0).release() }
}

/// The registrations made on one connection, undone when it closes.
struct EventRegistrations {
    var domainCallbacks: [Int32] = []
    var poolCallbacks: [Int32] = []
    var closeCallback = false

    /// Registers what the driver supports; a driver without events (or keepalive)
    /// still works, it is only polled.
    static func register(on connection: virConnectPtr, sink: ChangeSink) -> EventRegistrations {
        var registrations = EventRegistrations()
        /// Runs `register` with a retained sink; libvirt keeps it only when registering worked.
        func withSink(_ register: (UnsafeMutableRawPointer) -> Int32) -> Int32 {
            let opaque = Unmanaged.passRetained(sink).toOpaque()
            let result = register(opaque)
            if result < 0 { Unmanaged<ChangeSink>.fromOpaque(opaque).release() }
            return result
        }
        // Keepalive: a daemon that stops answering is noticed within ~15 s.
        _ = virConnectSetKeepAlive(connection, 5, 3)
        registrations.closeCallback = withSink { virConnectRegisterCloseCallback(connection, closed, $0, release) } == 0
        let domainEvents: [(virDomainEventID, virConnectDomainEventGenericCallback)] = [
            (VIR_DOMAIN_EVENT_ID_LIFECYCLE, unsafeBitCast(lifecycle, to: virConnectDomainEventGenericCallback.self)),
            (VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, unsafeBitCast(device, to: virConnectDomainEventGenericCallback.self)),
            (VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, unsafeBitCast(device, to: virConnectDomainEventGenericCallback.self)),
            (VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2, unsafeBitCast(blockJob, to: virConnectDomainEventGenericCallback.self)),
            (VIR_DOMAIN_EVENT_ID_DISK_CHANGE, unsafeBitCast(diskChange, to: virConnectDomainEventGenericCallback.self)),
            (VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, unsafeBitCast(metadataChange, to: virConnectDomainEventGenericCallback.self)),
            (VIR_DOMAIN_EVENT_ID_JOB_COMPLETED, unsafeBitCast(jobCompleted, to: virConnectDomainEventGenericCallback.self)),
            (VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION, unsafeBitCast(migrationIteration, to: virConnectDomainEventGenericCallback.self)),
        ]
        for (id, callback) in domainEvents {
            let handle = withSink { virConnectDomainEventRegisterAny(connection, nil, Int32(id.rawValue), callback, $0, release) }
            if handle >= 0 { registrations.domainCallbacks.append(handle) }
        }
        let poolEvents: [(virStoragePoolEventID, virConnectStoragePoolEventGenericCallback)] = [
            (VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, unsafeBitCast(poolLifecycle, to: virConnectStoragePoolEventGenericCallback.self)),
            (VIR_STORAGE_POOL_EVENT_ID_REFRESH, unsafeBitCast(poolRefresh, to: virConnectStoragePoolEventGenericCallback.self)),
        ]
        for (id, callback) in poolEvents {
            let handle = withSink { virConnectStoragePoolEventRegisterAny(connection, nil, Int32(id.rawValue), callback, $0, release) }
            if handle >= 0 { registrations.poolCallbacks.append(handle) }
        }
        return registrations
    }

    func deregister(from connection: virConnectPtr) {
        for handle in domainCallbacks { _ = virConnectDomainEventDeregisterAny(connection, handle) }
        for handle in poolCallbacks { _ = virConnectStoragePoolEventDeregisterAny(connection, handle) }
        if closeCallback { _ = virConnectUnregisterCloseCallback(connection, closed) }
    }
}
