import ImageInspector

/// One disk of a domain, with its I/O counters and its backing chain as the image headers describe it.
public struct Disk: Sendable, Equatable {
    public enum Device: Int32, Sendable, CaseIterable {
        case disk = 1, cdrom, floppy, lun, other

        public init(xml: String) {
            self = switch xml {
            case "disk", "": .disk
            case "cdrom": .cdrom
            case "floppy": .floppy
            case "lun": .lun
            default: .other
            }
        }
    }

    public enum SourceKind: Int32, Sendable, CaseIterable {
        case file = 1, block, network, volume, dir, none, other

        public init(xml: String) {
            self = switch xml {
            case "file": .file
            case "block": .block
            case "network": .network
            case "volume": .volume
            case "dir": .dir
            default: .other
            }
        }
    }

    /// Whether libvirt's own `<backingStore>` view of the chain matches the headers.
    public enum Drift: Int32, Sendable, CaseIterable {
        case agrees = 1, differs, unknown
    }

    /// Row index: stays with (domain, target device).
    public var index: UInt32
    public var domainIndex: UInt32
    public var target: String
    public var bus: String
    public var device: Device
    public var sourceKind: SourceKind
    /// Path, `pool/volume`, or `protocol://host/name`; empty when there is none.
    public var source: String
    /// The format qemu opens it as (`<driver type>`).
    public var driverFormat: String
    public var readOnly: Bool
    public var blockInfo = BlockInfo()
    public var stats = BlockStats()
    /// nil when there is no local image to inspect (network, empty cdrom).
    public var chain: BackingChain?
    /// The image did not answer within the inspection deadline: `chain` is an
    /// earlier poll's (or nil), served stale.
    public var inspectionOverdue = false
    public var drift: Drift = .unknown
    /// The block job running on this disk, if any.
    public var blockJob: BlockJob?
    /// The domain runs and may write the image (not a read-only disk): the top
    /// file is in use, and the deep checks leave it alone unless told otherwise.
    public var isWrittenByRunningDomain = false

    public init(index: UInt32, domainIndex: UInt32, target: String, bus: String, device: Device,
                sourceKind: SourceKind, source: String, driverFormat: String, readOnly: Bool) {
        self.index = index
        self.domainIndex = domainIndex
        self.target = target
        self.bus = bus
        self.device = device
        self.sourceKind = sourceKind
        self.source = source
        self.driverFormat = driverFormat
        self.readOnly = readOnly
    }
}

/// Sizes libvirt reports for a disk (`virDomainGetBlockInfo`), in bytes.
public struct BlockInfo: Sendable, Equatable {
    public var capacity: UInt64 = 0
    public var allocation: UInt64 = 0
    public var physical: UInt64 = 0
    public init() {}
}

/// Block I/O counters of a running domain (`virDomainBlockStatsFlags`).
public struct BlockStats: Sendable, Equatable {
    public var readRequests: UInt64 = 0
    public var readBytes: UInt64 = 0
    public var writeRequests: UInt64 = 0
    public var writeBytes: UInt64 = 0
    public var flushRequests: UInt64 = 0
    /// Total time spent on reads and writes, nanoseconds (libvirt's rd.times, wr.times).
    public var readTimeNanoseconds: UInt64 = 0
    public var writeTimeNanoseconds: UInt64 = 0
    /// Total time spent on flushes, nanoseconds (libvirt's fl.times).
    public var flushTimeNanoseconds: UInt64 = 0
    public init() {}
}
