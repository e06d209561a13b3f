/// A layer's deep check in `inspect --json`: `qemu-img check --output=json`'s
/// fields (always present here, zeros included), what is wrong where, and the
/// layer's internal snapshots and persistent bitmaps (qemu-img info's names).
extension ChainReport {
    public struct Check: Sendable, Hashable, Codable {
        public var error: String?
        public var checkErrors: Int?
        public var corruptions: Int?
        public var leaks: Int?
        public var imageEndOffset: UInt64?
        public var totalClusters: UInt64?
        public var allocatedClusters: UInt64?
        public var fragmentedClusters: UInt64?
        public var compressedClusters: UInt64?
        public var findings: [Finding]?
        public var findingsOmitted: Int?
        public var openByQEMU: Bool?
        public var snapshots: [Snapshot]?
        public var bitmaps: [Bitmap]?

        enum CodingKeys: String, CodingKey {
            case error, corruptions, leaks, findings, snapshots, bitmaps
            case checkErrors = "check-errors"
            case imageEndOffset = "image-end-offset"
            case totalClusters = "total-clusters"
            case allocatedClusters = "allocated-clusters"
            case fragmentedClusters = "fragmented-clusters"
            case compressedClusters = "compressed-clusters"
            case findingsOmitted = "findings-omitted"
            case openByQEMU = "open-by-qemu"
        }
    }

    public struct Finding: Sendable, Hashable, Codable {
        public var kind: String
        public var message: String
    }

    public struct Snapshot: Sendable, Hashable, Codable {
        public var id: String
        public var name: String
        public var dateSec: UInt32
        public var dateNsec: UInt32
        public var vmClockNsec: UInt64
        public var vmStateSize: UInt64

        enum CodingKeys: String, CodingKey {
            case id, name
            case dateSec = "date-sec"
            case dateNsec = "date-nsec"
            case vmClockNsec = "vm-clock-nsec"
            case vmStateSize = "vm-state-size"
        }
    }

    public struct Bitmap: Sendable, Hashable, Codable {
        public var name: String
        public var granularity: UInt64
        public var inUse: Bool
        public var auto: Bool

        enum CodingKeys: String, CodingKey {
            case name, granularity, auto
            case inUse = "in-use"
        }
    }
}

extension ChainReport.Check {
    init(_ outcome: DeepCheckOutcome) {
        switch outcome {
        case .failed(let reason):
            error = reason
        case .checked(let result):
            checkErrors = result.checkErrors
            corruptions = result.corruptions
            leaks = result.leaks
            imageEndOffset = result.imageEndOffset
            totalClusters = result.totalClusters
            allocatedClusters = result.allocatedClusters
            fragmentedClusters = result.fragmentedClusters
            compressedClusters = result.compressedClusters
            findings = result.findings.map { ChainReport.Finding(kind: $0.kind.rawValue, message: $0.message) }
            findingsOmitted = result.findingsOmitted
            openByQEMU = result.openByQEMU
            snapshots = result.snapshots.map {
                ChainReport.Snapshot(id: $0.id, name: $0.name, dateSec: $0.dateSeconds, dateNsec: $0.dateNanoseconds,
                                     vmClockNsec: $0.vmClockNanoseconds, vmStateSize: $0.vmStateSize)
            }
            bitmaps = result.bitmaps.map { ChainReport.Bitmap(name: $0.name, granularity: $0.granularity, inUse: $0.inUse, auto: $0.auto) }
        }
    }
}
