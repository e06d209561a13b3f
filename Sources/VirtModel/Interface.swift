/// One network interface of a domain, with its counters (`virDomainInterfaceStats`).
public struct Interface: Sendable, Equatable {
    /// Row index: stays with (domain, MAC address).
    public var index: UInt32
    public var domainIndex: UInt32
    /// Six octets.
    public var mac: [UInt8]
    /// network, bridge, direct, user ...
    public var type: String
    /// The network or bridge name, or the host device for `direct`.
    public var source: String
    public var model: String
    /// Host-side device (`<target dev>`), e.g. vnet0; empty while inactive.
    public var device: String
    public var stats = InterfaceStats()
    /// The host's interface index of `device` (the tap), and of the bridge it is
    /// attached to; 0 where there is no such interface on this host.
    public var hostIfIndex: UInt32 = 0
    public var parentIfIndex: UInt32 = 0

    public init(index: UInt32, domainIndex: UInt32, mac: [UInt8], type: String, source: String,
                model: String, device: String) {
        self.index = index
        self.domainIndex = domainIndex
        self.mac = mac
        self.type = type
        self.source = source
        self.model = model
        self.device = device
    }

    /// `52:54:00:ab:cd:ef` -> six octets; nil for anything else.
    public static func macOctets(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ":")
        guard parts.count == 6 else { return nil }
        let octets = parts.compactMap { $0.count == 2 ? UInt8($0, radix: 16) : nil }
        return octets.count == 6 ? octets : nil
    }
}

public struct InterfaceStats: Sendable, Equatable {
    public var rxBytes: UInt64 = 0
    public var rxPackets: UInt64 = 0
    public var rxErrors: UInt64 = 0
    public var rxDrops: UInt64 = 0
    public var txBytes: UInt64 = 0
    public var txPackets: UInt64 = 0
    public var txErrors: UInt64 = 0
    public var txDrops: UInt64 = 0
    public init() {}
}
