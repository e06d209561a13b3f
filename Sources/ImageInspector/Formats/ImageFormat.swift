/// A disk image format the inspector recognises by its magic.
///
/// Raw values are qemu's driver names, except ``iso`` which qemu serves as raw
/// but libvirt names separately.
public enum ImageFormat: String, Sendable, Hashable, Codable, CaseIterable {
    case qcow2
    /// qcow version 1, the legacy format qcow2 replaced.
    case qcow
    case qed
    case vmdk
    /// VHD; qemu's driver is called vpc (Virtual PC), libvirt also says vhd.
    case vpc
    case vhdx
    case vdi
    case luks
    case parallels
    case iso
    case raw

    /// The name qemu's block layer uses for this format.
    public var qemuDriverName: String { self == .iso ? "raw" : rawValue }

    /// Whether the format can name a backing file (and the inspector reads it).
    public var supportsBackingFile: Bool {
        switch self {
        case .qcow2, .qcow, .qed, .vmdk: true
        default: false
        }
    }

    /// The guest-visible size of a file served as raw: qemu rounds the length
    /// up to whole 512-byte sectors.
    public static func rawVirtualSize(fileSize: UInt64) -> UInt64 {
        fileSize % 512 == 0 ? fileSize : (fileSize / 512 + 1) * 512
    }

    /// Whether qemu serves the file's bytes as the guest's disk unchanged.
    public var isRaw: Bool { self == .raw || self == .iso }
}
