import CLibvirt

/// An error libvirt reported, with its own message (`virGetLastError`).
public struct LibvirtError: Error, CustomStringConvertible, Sendable {
    /// What the agent was doing, e.g. "opening test:///x.xml".
    public var operation: String
    public var message: String
    /// `virErrorNumber`, e.g. VIR_ERR_NO_DOMAIN.
    public var code: Int32

    /// Captures libvirt's last error on this thread.
    static func last(_ operation: String) -> LibvirtError {
        guard let error = virGetLastError() else {
            return LibvirtError(operation: operation, message: "libvirt gave no reason", code: 0)
        }
        let message = error.pointee.message.map { String(cString: $0) } ?? "libvirt gave no reason"
        return LibvirtError(operation: operation, message: message, code: error.pointee.code)
    }

    /// The object went away between listing it and asking about it: not a failure of the poll.
    var isVanishedObject: Bool {
        code == Int32(VIR_ERR_NO_DOMAIN.rawValue) || code == Int32(VIR_ERR_NO_STORAGE_POOL.rawValue)
            || code == Int32(VIR_ERR_NO_STORAGE_VOL.rawValue)
    }

    public var description: String { "libvirt failed \(operation): \(message)" }
}

/// libvirt prints every error to stderr unless an error function is set; the
/// agent reports errors itself, through its logger. Process-wide and idempotent.
func silenceLibvirtDefaultErrorPrinting() {
    virSetErrorFunc(nil) { _, _ in }
}
