/// A chain as JSON, for `virt-agentx inspect --json`: a list of layers using
/// `qemu-img info --backing-chain --output=json`'s field names where they mean
/// the same thing, plus the verdicts.
public struct ChainReport: Sendable, Hashable, Codable {
    public var filename: String
    public var health: Verdict
    public var layers: [Layer]

    /// A condition as JSON: its code, severity and sentence.
    public struct Verdict: Sendable, Hashable, Codable {
        public var condition: String
        public var severity: Severity
        public var detail: String
        /// Position of the layer it belongs to (absent for a healthy chain).
        public var layer: Int?
    }

    public struct Layer: Sendable, Hashable, Codable {
        public var filename: String
        public var format: String?
        public var probedFormat: String?
        public var declaredFormat: String?
        public var virtualSize: UInt64?
        public var actualSize: Int64?
        public var apparentSize: Int64?
        public var clusterSize: UInt64?
        public var dirtyFlag: Bool?
        public var backingFilename: String?
        public var fullBackingFilename: String?
        public var backingFilenameFormat: String?
        public var formatSpecific: FormatSpecific?
        /// The deep check of this layer (`inspect --deep`).
        public var check: Check?
        public var severity: Severity
        public var conditions: [Verdict]

        enum CodingKeys: String, CodingKey {
            case filename, format, severity, conditions, check
            case probedFormat = "probed-format"
            case declaredFormat = "declared-format"
            case virtualSize = "virtual-size"
            case actualSize = "actual-size"
            case apparentSize = "apparent-size"
            case clusterSize = "cluster-size"
            case dirtyFlag = "dirty-flag"
            case backingFilename = "backing-filename"
            case fullBackingFilename = "full-backing-filename"
            case backingFilenameFormat = "backing-filename-format"
            case formatSpecific = "format-specific"
        }
    }

    /// qemu-img's `format-specific` object: `type` and `data`.
    public struct FormatSpecific: Sendable, Hashable, Codable {
        public var type: String
        public var data: FormatSpecificData
    }

    /// The union of the per-format fields; absent ones are left out of the JSON.
    public struct FormatSpecificData: Sendable, Hashable, Codable {
        // qcow2, named as qemu-img names them.
        public var compat: String?
        public var lazyRefcounts: Bool?
        public var refcountBits: UInt64?
        public var corrupt: Bool?
        public var extendedL2: Bool?
        public var compressionType: String?
        public var dataFile: String?
        public var dataFileRaw: Bool?
        public var encrypt: String?
        // qcow2 fields qemu-img does not show.
        public var incompatibleFeatures: [String]?
        public var compatibleFeatures: [String]?
        public var autoclearFeatures: [String]?
        public var snapshots: UInt32?
        public var bitmaps: UInt32?
        public var headerExtensions: [String]?
        // vmdk
        public var createType: String?
        public var cid: String?
        public var parentCID: String?

        enum CodingKeys: String, CodingKey {
            case compat, corrupt, encrypt, snapshots, bitmaps, cid
            case lazyRefcounts = "lazy-refcounts"
            case refcountBits = "refcount-bits"
            case extendedL2 = "extended-l2"
            case compressionType = "compression-type"
            case dataFile = "data-file"
            case dataFileRaw = "data-file-raw"
            case incompatibleFeatures = "incompatible-features"
            case compatibleFeatures = "compatible-features"
            case autoclearFeatures = "autoclear-features"
            case headerExtensions = "header-extensions"
            case createType = "create-type"
            case parentCID = "parent-cid"
        }

        init() {}
    }

    public init(_ chain: BackingChain) {
        filename = chain.top?.path ?? ""
        let health = chain.health
        self.health = Verdict(condition: health.condition.code, severity: health.severity,
                              detail: health.detail, layer: health.worst?.layerIndex)
        layers = chain.layers.map(Layer.init)
    }
}

extension ChainReport.Layer {
    init(_ layer: ImageLayer) {
        filename = layer.path
        format = layer.format
        probedFormat = layer.probedFormat?.rawValue
        declaredFormat = layer.declaredFormat
        virtualSize = layer.virtualSize
        actualSize = layer.fileSize?.allocated
        apparentSize = layer.fileSize?.apparent
        clusterSize = layer.clusterSize
        dirtyFlag = layer.probedFormat == nil ? nil : layer.isDirty
        backingFilename = layer.backingName
        // qemu-img repeats a json: or protocol: name as is; plain names joined to the image's folder.
        let asRecorded = layer.backingName.map { $0.hasPrefix("json:") || BackingNameClassifier.protocolPrefix(of: $0) != nil } ?? false
        fullBackingFilename = asRecorded ? layer.backingName : layer.backing.fullName
        backingFilenameFormat = layer.backingFormat
        formatSpecific = ChainReport.FormatSpecific(layer.details)
        check = layer.deepCheck.map { ChainReport.Check($0.outcome) }
        severity = layer.severity
        conditions = layer.conditions.map {
            ChainReport.Verdict(condition: $0.code, severity: $0.severity,
                                detail: $0.detail(layer: layer.path), layer: layer.index)
        }
    }
}

extension ChainReport.FormatSpecific {
    init?(_ details: FormatDetails) {
        var data = ChainReport.FormatSpecificData()
        switch details {
        case .none, .qcow, .qed:
            return nil
        case .qcow2(let header):
            data.compat = header.compat
            data.lazyRefcounts = header.compatibleFeatures.contains(.lazyRefcounts)
            data.refcountBits = header.refcountBits
            data.corrupt = header.isCorrupt
            data.extendedL2 = header.incompatibleFeatures.contains(.extendedL2)
            data.compressionType = header.compressionType.rawValue
            data.dataFile = header.extensions.externalDataFile
            if header.hasExternalDataFile {
                data.dataFileRaw = header.autoclearFeatures.contains(.rawExternalData)
            }
            data.encrypt = header.encryption == .none ? nil : header.encryption.name
            data.incompatibleFeatures = header.incompatibleFeatureNames.map(\.description)
            data.compatibleFeatures = header.compatibleFeatureNames.map(\.description)
            data.autoclearFeatures = header.autoclearFeatureNames.map(\.description)
            data.snapshots = header.snapshotCount
            data.bitmaps = header.extensions.bitmaps?.count
            data.headerExtensions = header.extensions.names
            self.init(type: "qcow2", data: data)
        case .vmdk(let header):
            data.createType = header.createType
            data.cid = header.cid
            data.parentCID = header.parentCID
            self.init(type: "vmdk", data: data)
        }
    }
}

extension QCow2Extensions {
    /// The extensions present, by name (unknown ones by type code).
    public var names: [String] {
        var names: [String] = []
        if backingFormat != nil { names.append("backing-format") }
        if featureNameTable?.isEmpty == false { names.append("feature-name-table") }
        if bitmaps != nil { names.append("bitmaps") }
        if encryptionHeader != nil { names.append("full-disk-encryption") }
        if externalDataFile != nil { names.append("external-data-file") }
        names += unknown.map { "0x" + String($0.type, radix: 16) }
        return names
    }
}

extension BackingChain {
    /// The JSON-encodable form of this chain.
    public var report: ChainReport { ChainReport(self) }
}
