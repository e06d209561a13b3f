/// What a recorded backing format name means, judged as libvirt (with its fix
/// for protocol names) and qemu would.
public enum BackingFormatName: Sendable, Hashable {
    /// A format libvirt accepts as a backing format.
    case format(String)
    /// A protocol (driver that does I/O, not a format) written where a format
    /// belongs, as qemu does for images created on top of a protocol: libvirt
    /// treats it as raw.
    case `protocol`(String)
    /// A format qemu knows but libvirt does not accept as a backing format.
    case qemuOnlyFormat(String)
    /// Neither a format nor a protocol: qemu refuses to open the chain.
    case unknown(String)

    /// Formats libvirt accepts as a backing format name (virStorageFileFormat).
    public static let libvirtFormats: Set<String> = [
        "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd",
        "ploop", "cow", "qcow", "qcow2", "qed", "vmdk",
    ]

    /// Formats qemu has drivers for that libvirt does not list.
    public static let qemuOnlyFormats: Set<String> = ["vhdx", "luks", "parallels", "copy-on-read", "throttle",
                                                      "preallocate", "compress", "blklogwrites", "quorum", "replication"]

    /// qemu protocol drivers (they open a file, device or network source).
    public static let protocols: Set<String> = BackingNameClassifier.networkProtocols
        .union(BackingNameClassifier.localProtocols)

    public init(_ name: String) {
        if Self.libvirtFormats.contains(name) {
            self = .format(name)
        } else if Self.protocols.contains(name) || name == "vvfat" {
            self = .protocol(name)
        } else if Self.qemuOnlyFormats.contains(name) {
            self = .qemuOnlyFormat(name)
        } else {
            self = .unknown(name)
        }
    }

    /// The format the backing image is served as, if the inspector can check
    /// it: protocols as raw (what qemu alone makes of them), libvirt aliases map to
    /// qemu's formats, and formats this inspector cannot probe (dir, bochs,
    /// cloop, dmg, fat, cow) give nil.
    public var servedFormat: ImageFormat? {
        switch self {
        case .protocol: .raw
        case .format(let name), .qemuOnlyFormat(let name):
            switch name {
            case "vhd": .vpc
            case "ploop": .parallels
            default: ImageFormat(rawValue: name)
            }
        case .unknown: nil
        }
    }

    /// Whether the child recorded `raw` itself: the one case libvirt hands the
    /// backing to qemu as raw without probing it (a protocol name it probes).
    public var isRecordedRaw: Bool {
        if case .format = self { servedFormat?.isRaw == true } else { false }
    }
}
