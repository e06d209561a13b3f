import CLibvirt
import Foundation

/// A libvirt domain handle that frees itself.
final class LibvirtDomain {
    private let handle: virDomainPtr

    init(_ handle: virDomainPtr) { self.handle = handle }
    deinit { virDomainFree(handle) }

    var name: String {
        get throws(LibvirtError) {
            // Owned by the domain object: not freed.
            guard let text = virDomainGetName(handle) else { throw LibvirtError.last("virDomainGetName") }
            return String(cString: text)
        }
    }

    var uuid: String {
        get throws(LibvirtError) {
            var buffer = [CChar](repeating: 0, count: Int(VIR_UUID_STRING_BUFLEN))
            guard virDomainGetUUIDString(handle, &buffer) == 0 else {
                throw LibvirtError.last("virDomainGetUUIDString")
            }
            return String(decoding: buffer.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self)
        }
    }

    var info: virDomainInfo {
        get throws(LibvirtError) {
            var info = virDomainInfo()
            guard virDomainGetInfo(handle, &info) == 0 else { throw LibvirtError.last("virDomainGetInfo") }
            return info
        }
    }

    /// State and reason code (`virDomainGetState`).
    var state: (state: Int32, reason: Int32) {
        get throws(LibvirtError) {
            var state: Int32 = 0, reason: Int32 = 0
            guard virDomainGetState(handle, &state, &reason, 0) == 0 else {
                throw LibvirtError.last("virDomainGetState")
            }
            return (state, reason)
        }
    }

    /// libvirt's runtime id, or -1 while inactive.
    var id: Int32 {
        let id = virDomainGetID(handle)
        return id == UInt32.max ? -1 : Int32(clamping: id)
    }

    var autostart: Bool {
        get throws(LibvirtError) {
            var flag: Int32 = 0
            guard virDomainGetAutostart(handle, &flag) == 0 else {
                throw LibvirtError.last("virDomainGetAutostart")
            }
            return flag != 0
        }
    }

    var isPersistent: Bool {
        get throws(LibvirtError) {
            let result = virDomainIsPersistent(handle)
            guard result >= 0 else { throw LibvirtError.last("virDomainIsPersistent") }
            return result == 1
        }
    }

    /// The live definition (the inactive one for a domain that is not running).
    var xml: String {
        get throws(LibvirtError) {
            guard let text = virDomainGetXMLDesc(handle, 0) else {
                throw LibvirtError.last("virDomainGetXMLDesc")
            }
            defer { free(text) }
            return String(cString: text)
        }
    }
}
