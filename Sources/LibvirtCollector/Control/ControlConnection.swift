import CLibvirt
import VirtModel

/// The one read-write libvirt connection of the agent, opened only when control
/// is on, and used only for the actions managers ask for.
///
/// `@unchecked Sendable`: it holds only the `virConnectPtr`; libvirt's API is
/// safe to call on one connection from several threads at once, and an action
/// abandoned at its deadline may still be inside a call when the next begins.
final class ControlConnection: @unchecked Sendable {
    private let handle: virConnectPtr

    init(uri: String?) throws(LibvirtError) {
        guard let handle = virConnectOpen(uri) else {
            throw LibvirtError.last("virConnectOpen", subject: uri ?? "the default URI")
        }
        self.handle = handle
    }

    deinit { virConnectClose(handle) }

    var isAlive: Bool { virConnectIsAlive(handle) == 1 }

    /// Does `action` to the domain `uuid`, as virsh's start/resume, managedsave,
    /// suspend, shutdown, destroy, reboot and reset do.
    func perform(_ action: DomainAction, on uuid: String) throws(LibvirtError) {
        guard let domain = virDomainLookupByUUIDString(handle, uuid) else {
            throw LibvirtError.last("virDomainLookupByUUIDString", subject: uuid)
        }
        defer { virDomainFree(domain) }
        let (status, function): (Int32, String) = switch action {
        case .none: (0, "")
        case .running:
            // A paused domain resumes; a shut-off one starts (from its managed save, if any).
            virDomainIsActive(domain) == 1 ? (virDomainResume(domain), "virDomainResume") : (virDomainCreate(domain), "virDomainCreate")
        case .suspended: (virDomainManagedSave(domain, 0), "virDomainManagedSave")
        case .paused: (virDomainSuspend(domain), "virDomainSuspend")
        case .shutdown: (virDomainShutdown(domain), "virDomainShutdown")
        case .off: (virDomainDestroy(domain), "virDomainDestroy")
        case .reboot: (virDomainReboot(domain, 0), "virDomainReboot")
        case .reset: (virDomainReset(domain, 0), "virDomainReset")
        }
        if status < 0 { throw LibvirtError.last(function, subject: uuid) }
    }
}
