/// A `<disk>` of a domain definition.
public struct DiskDefinition: Equatable, Sendable {
    /// `<disk type>`: file, block, network, volume, dir.
    public var type = ""
    /// `<disk device>`: disk, cdrom, floppy, lun.
    public var device = ""
    public var target = ""
    public var bus = ""
    /// `<driver type>`: the format qemu opens the source as.
    public var driverType = ""
    /// The source as one string: path, `pool/volume`, or `protocol://host:port/name`.
    public var source = ""
    public var readOnly = false
    /// libvirt's own view of the backing chain, top to base, below the disk's image:
    /// nil when the XML has no `<backingStore>` (libvirt has not looked), empty when
    /// it says there is none.
    public var backingStore: [String]?

    public init() {}
}

/// An `<interface>` of a domain definition.
public struct InterfaceDefinition: Equatable, Sendable {
    /// `<interface type>`: network, bridge, direct, user, ethernet ...
    public var type = ""
    public var mac = ""
    /// The network, bridge or host device it is attached to.
    public var source = ""
    public var model = ""
    /// `<target dev>`: the host-side device, present while the domain runs.
    public var device = ""

    public init() {}
}

extension DiskDefinition {
    /// The one-string form of a `<source>` element's attributes, by disk type.
    static func sourceText(_ attributes: [String: String], hosts: [String] = []) -> String {
        if let path = attributes["file"] ?? attributes["dev"] ?? attributes["dir"] { return path }
        if let pool = attributes["pool"], let volume = attributes["volume"] { return "\(pool)/\(volume)" }
        if let proto = attributes["protocol"] {
            let name = attributes["name"] ?? ""
            return "\(proto)://\(hosts.joined(separator: ","))/\(name)"
        }
        return ""
    }
}
