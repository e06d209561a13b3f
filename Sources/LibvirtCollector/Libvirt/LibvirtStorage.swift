import CLibvirt
import Foundation

/// A storage pool handle that frees itself.
final class LibvirtStoragePool {
    private let handle: virStoragePoolPtr

    init(_ handle: virStoragePoolPtr) { self.handle = handle }
    deinit { virStoragePoolFree(handle) }

    var name: String {
        get throws(LibvirtError) {
            try LibvirtStrings.borrowed(virStoragePoolGetName(handle), "virStoragePoolGetName")
        }
    }

    var uuid: String {
        get throws(LibvirtError) {
            try LibvirtStrings.uuid("virStoragePoolGetUUIDString") { virStoragePoolGetUUIDString(handle, $0) }
        }
    }

    var info: virStoragePoolInfo {
        get throws(LibvirtError) {
            var info = virStoragePoolInfo()
            guard virStoragePoolGetInfo(handle, &info) == 0 else { throw LibvirtError.last("virStoragePoolGetInfo") }
            return info
        }
    }

    var autostart: Bool {
        get throws(LibvirtError) {
            var flag: Int32 = 0
            guard virStoragePoolGetAutostart(handle, &flag) == 0 else {
                throw LibvirtError.last("virStoragePoolGetAutostart")
            }
            return flag != 0
        }
    }

    var isPersistent: Bool {
        get throws(LibvirtError) {
            let result = virStoragePoolIsPersistent(handle)
            guard result >= 0 else { throw LibvirtError.last("virStoragePoolIsPersistent") }
            return result == 1
        }
    }

    var xml: String {
        get throws(LibvirtError) {
            try LibvirtStrings.owned(virStoragePoolGetXMLDesc(handle, 0), "virStoragePoolGetXMLDesc")
        }
    }

    /// The pool's volumes (an inactive pool has none to list).
    func volumes() throws(LibvirtError) -> [LibvirtStorageVolume] {
        var list: UnsafeMutablePointer<virStorageVolPtr?>?
        let count = virStoragePoolListAllVolumes(handle, &list, 0)
        guard count >= 0, let list else { throw LibvirtError.last("virStoragePoolListAllVolumes") }
        defer { free(list) }
        return (0..<Int(count)).compactMap { list[$0].map(LibvirtStorageVolume.init) }
    }
}

/// A storage volume handle that frees itself.
final class LibvirtStorageVolume {
    private let handle: virStorageVolPtr

    init(_ handle: virStorageVolPtr) { self.handle = handle }
    deinit { virStorageVolFree(handle) }

    var name: String {
        get throws(LibvirtError) {
            try LibvirtStrings.borrowed(virStorageVolGetName(handle), "virStorageVolGetName")
        }
    }

    var key: String {
        get throws(LibvirtError) {
            try LibvirtStrings.borrowed(virStorageVolGetKey(handle), "virStorageVolGetKey")
        }
    }

    var path: String {
        get throws(LibvirtError) {
            try LibvirtStrings.owned(virStorageVolGetPath(handle), "virStorageVolGetPath")
        }
    }

    /// Type, capacity and allocation, for drivers whose volume XML lacks them.
    func info() throws(LibvirtError) -> virStorageVolInfo {
        var info = virStorageVolInfo()
        guard virStorageVolGetInfo(handle, &info) == 0 else { throw LibvirtError.last("virStorageVolGetInfo") }
        return info
    }

    var xml: String {
        get throws(LibvirtError) {
            try LibvirtStrings.owned(virStorageVolGetXMLDesc(handle, 0), "virStorageVolGetXMLDesc")
        }
    }
}
