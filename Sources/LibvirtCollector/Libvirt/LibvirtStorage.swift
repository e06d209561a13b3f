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

    /// State and sizes in bytes.
    var info: (state: Int32, capacity: UInt64, allocation: UInt64, available: UInt64) {
        get throws(LibvirtError) {
            var info = virStoragePoolInfo()
            try LibvirtCall.check(virStoragePoolGetInfo(handle, &info), "virStoragePoolGetInfo")
            return (Int32(clamping: info.state), info.capacity, info.allocation, info.available)
        }
    }

    var autostart: Bool {
        get throws(LibvirtError) {
            var flag: Int32 = 0
            try LibvirtCall.check(virStoragePoolGetAutostart(handle, &flag), "virStoragePoolGetAutostart")
            return flag != 0
        }
    }

    var isPersistent: Bool {
        get throws(LibvirtError) {
            try LibvirtCall.check(virStoragePoolIsPersistent(handle), "virStoragePoolIsPersistent") == 1
        }
    }

    var xml: String {
        get throws(LibvirtError) {
            try LibvirtStrings.owned(virStoragePoolGetXMLDesc(handle, 0), "virStoragePoolGetXMLDesc")
        }
    }

    /// The pool's volumes (an inactive pool has none to list).
    func volumes() throws(LibvirtError) -> [LibvirtStorageVolume] {
        try LibvirtCall.list("virStoragePoolListAllVolumes", { virStoragePoolListAllVolumes(handle, $0, 0) },
                             wrap: LibvirtStorageVolume.init)
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
    func info() throws(LibvirtError) -> (type: Int32, capacity: UInt64, allocation: UInt64) {
        var info = virStorageVolInfo()
        try LibvirtCall.check(virStorageVolGetInfo(handle, &info), "virStorageVolGetInfo")
        return (info.type, info.capacity, info.allocation)
    }

    var xml: String {
        get throws(LibvirtError) {
            try LibvirtStrings.owned(virStorageVolGetXMLDesc(handle, 0), "virStorageVolGetXMLDesc")
        }
    }
}
