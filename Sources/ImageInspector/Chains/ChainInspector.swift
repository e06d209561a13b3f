import SystemPackage

/// Walks a backing chain from an image down to its base, reading each local
/// layer's header (bounded, read-only, see ``ImageFile``) and judging the chain
/// as libvirt and qemu would. Problems in the images never throw: they become
/// ``LayerCondition``s on the layers.
public struct ChainInspector: Sendable {
    /// Layers read before the chain is called too deep.
    public var maxDepth: Int
    /// Reuses readings of unchanged files across calls; nil reads every time.
    public var cache: InspectionCache?
    /// Also runs the deep check (``QCow2DeepCheck``) on every qcow2 layer served as qcow2.
    public var deep: Bool

    public init(maxDepth: Int = InspectionLimits.defaultMaxDepth, cache: InspectionCache? = nil, deep: Bool = false) {
        self.maxDepth = max(1, maxDepth)
        self.cache = cache
        self.deep = deep
    }

    /// Inspects the chain starting at `path`. `format`, when given, is the
    /// format the caller will open the top image as (libvirt's `<driver type>`),
    /// checked against the probed one like a recorded backing format.
    public func inspect(path: String, format: String? = nil) -> BackingChain {
        var walk = Walk(maxDepth: maxDepth, cache: cache, deep: deep)
        var next: Step? = Step(reference: .localPath(path), name: path, declaredFormat: format)
        while let step = next {
            next = walk.visit(step)
        }
        // Exactly as many layers as the chain has: chains live as long as their snapshot.
        // (Not Array(layers[...]): a slice of a whole array keeps the array's buffer.)
        let layers = walk.layers
        guard layers.count < layers.capacity else { return BackingChain(layers: layers) }
        return BackingChain(layers: [ImageLayer](unsafeUninitializedCapacity: layers.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: layers)
        })
    }

    /// A reference to follow: where it points, the name the child recorded and the format it declared.
    struct Step {
        var reference: BackingReference
        var name: String
        var declaredFormat: String?
        /// The child's format, for libvirt's rules on probing its backing: a QED child
        /// records no format and libvirt probes its backing even when that has a
        /// backing of its own (VIR_STORAGE_FILE_AUTO); a VMDK child's parent is probed
        /// only when it has none (AUTO_SAFE), like any other child's unrecorded format.
        var childFormat: ImageFormat?
    }

    /// The state of one walk: the layers so far, whose identities are the files already seen.
    struct Walk {
        let maxDepth: Int
        let cache: InspectionCache?
        let deep: Bool
        var layers: [ImageLayer] = []

        init(maxDepth: Int, cache: InspectionCache?, deep: Bool) {
            self.maxDepth = maxDepth
            self.cache = cache
            self.deep = deep
            // Room for a typical chain up front (growing 1, 2, 4 copies every layer again),
            // and no more: chains are kept for the life of the snapshot.
            layers.reserveCapacity(min(maxDepth, 4))
        }

        /// The layer that already is the file `id`, if any. A scan, not a
        /// dictionary: chains are a handful of layers (at most ``maxDepth``),
        /// and hashing a FileID per layer cost more than comparing a few.
        func layerIndex(of id: FileID) -> Int? {
            layers.first { $0.identity?.fileID == id }?.index
        }

        /// The conditions of a healthy layer, shared rather than allocated per layer.
        static let okOnly: [LayerCondition] = [.ok]

        /// Adds the layer `step` reaches; returns the step to its backing file, if it is followed.
        mutating func visit(_ step: Step) -> Step? {
            let index = layers.count
            var layer = ImageLayer(index: index, path: step.reference.openedPath ?? step.reference.fullName ?? step.name)
            layer.declaredFormat = step.declaredFormat
            defer {
                if layer.conditions.isEmpty { layer.conditions = Self.okOnly }
                layers.append(layer)
            }
            if index >= maxDepth {
                layer.conditions = [.tooDeep(limit: maxDepth)]
                return nil
            }
            switch step.reference {
            case .none:
                return nil
            case .invalid(_, let reason):
                layer.conditions = [.invalidBackingName(reason: reason)]
                return nil
            case .network(let description, let proto), .json(let description, _, let proto):
                layer.format = Self.formatOfUnprobed(step.declaredFormat, conditions: &layer.conditions, isTop: index == 0)
                layer.conditions.append(.networkBacking(protocol: proto, description: description))
                return nil
            case .localPath(let path):
                return visitLocal(path: path, step: step, layer: &layer)
            case .relativeToWorkingDirectory(let description, let opened, let beside):
                let next = visitLocal(path: opened, step: step, layer: &layer)
                if layer.conditions == Self.okOnly { layer.conditions = [] }
                layer.conditions.append(.resolvedAgainstWorkingDirectory(name: description, opened: opened, besideImage: beside))
                return next
            }
        }

        /// The format qemu would use for a layer that cannot be probed, with the
        /// conditions its declared format raises.
        static func formatOfUnprobed(_ declared: String?, conditions: inout [LayerCondition], isTop: Bool) -> String? {
            guard let declared else {
                if !isTop { conditions.append(.backingFormatNotRecorded(probed: nil, probingRefused: false)) }
                return nil
            }
            switch BackingFormatName(declared) {
            case .protocol(let name):
                conditions.append(.backingFormatIsProtocol(name))
                return ImageFormat.raw.rawValue
            case .unknown(let name):
                conditions.append(.backingFormatUnknown(name, knownToQemu: false))
                return nil
            case .qemuOnlyFormat(let name):
                conditions.append(.backingFormatUnknown(name, knownToQemu: true))
                return name
            case .format(let name):
                return name
            }
        }

        mutating func visitLocal(path: String, step: Step, layer: inout ImageLayer) -> Step? {
            // Built once: FilePath normalises the string, which costs as much
            // as the stat itself; the open below reuses it.
            let filePath = FilePath(path)
            let identity: FileIdentity
            do {
                identity = try FileIdentity.of(path: filePath)
            } catch {
                if layer.index > 0, error == .noSuchFileOrDirectory || error == .notDirectory {
                    layer.conditions = [.missingBackingFile(name: step.name)]
                } else {
                    layer.conditions = [.unreadable(reason: error.description)]
                }
                return nil
            }
            layer.identity = identity
            layer.fileSize = FileSize(allocated: identity.allocated, apparent: identity.size)
            // A file met again is a loop, unless this time it is read as raw (its child
            // recorded raw): then its bytes are data and nothing is followed.
            if let first = layerIndex(of: identity.fileID),
               !(step.declaredFormat.map { BackingFormatName($0).isRecordedRaw } ?? false) {
                layer.conditions = [.loop(firstSeenAtLayer: first)]
                return nil
            }
            guard identity.kind.isInspectable else {
                layer.conditions = [.notRegularFile(identity.kind)]
                return nil
            }

            let inspection: LayerInspection
            if let cached = cache?.lookup(path: path, identity: identity) {
                inspection = cached
            } else {
                inspection = LayerInspection.read(path: filePath, identity: identity)
                cache?.store(path: path, identity: identity, inspection: inspection)
            }
            if identity.kind == .blockDevice, let size = inspection.virtualSize, inspection.probedFormat?.isRaw == true {
                layer.fileSize?.apparent = Int64(clamping: size)  // st_size is 0 for devices
            }
            layer.probedFormat = inspection.probedFormat
            guard let probed = inspection.probedFormat else {
                layer.conditions = inspection.conditions
                return nil
            }

            let hasOwnBacking = inspection.backingName != nil && step.childFormat != .qed
            if step.childFormat == .vmdk, hasOwnBacking {
                layer.conditions.append(.backingFormatNotRecorded(probed: probed, probingRefused: true))
            }
            let served = servedFormat(probed: probed, probedByLibvirt: inspection.formatProbedByLibvirt ?? probed,
                                      declared: step.declaredFormat, hasOwnBacking: hasOwnBacking, layer: &layer)
            layer.format = served?.qemuDriverName ?? step.declaredFormat
            if served == .raw, !probed.isRaw {
                // Served as raw: the header is guest data, not metadata; nothing in it applies.
                layer.virtualSize = layer.fileSize.map { ImageFormat.rawVirtualSize(fileSize: UInt64(max(0, $0.apparent))) }
                return nil
            }
            layer.details = inspection.details
            layer.virtualSize = inspection.virtualSize
            layer.clusterSize = inspection.clusterSize
            layer.isDirty = inspection.isDirty
            layer.conditions += inspection.conditions
            if let header = inspection.details.qcow2, header.hasExternalDataFile {
                layer.conditions.append(Self.externalDataFile(header, imagePath: path))
            }
            guard served == probed else { return nil }
            (layer.snapshots, layer.bitmaps) = (inspection.snapshots, inspection.bitmaps)
            if deep, probed == .qcow2 {
                Self.deepCheck(path: path, layer: &layer)
            } else if !inspection.bitmapsInUse.isEmpty, !QEMULocks.areHeld(on: filePath) {
                layer.conditions += inspection.bitmapsInUse.map { .bitmapNotSavedCleanly(name: $0) }
            }
            layer.backingName = inspection.backingName
            layer.backingFormat = inspection.backingFormat
            layer.backing = BackingNameClassifier.classify(inspection.backingName, imagePath: path)
            guard layer.backing != .none, let name = inspection.backingName else { return nil }
            return Step(reference: layer.backing, name: name, declaredFormat: inspection.backingFormat,
                        childFormat: probed)
        }

        /// The format qemu serves a probed layer as, given the format its child
        /// declared, adding the conditions that relationship raises. nil when qemu
        /// would not open it (or it is a format this inspector cannot check).
        /// A backing whose format is not recorded is served as libvirt's probe
        /// says (`probedByLibvirt`): libvirt probes it and names the format to qemu.
        func servedFormat(probed: ImageFormat, probedByLibvirt: ImageFormat, declared: String?,
                          hasOwnBacking: Bool, layer: inout ImageLayer) -> ImageFormat? {
            guard let declared else {
                guard layer.index > 0 else { return probed }
                // libvirt refuses to probe an image that has a backing file of its own.
                layer.conditions.append(.backingFormatNotRecorded(probed: probedByLibvirt, probingRefused: hasOwnBacking))
                return probedByLibvirt
            }
            var conditions: [LayerCondition] = []
            _ = Self.formatOfUnprobed(declared, conditions: &conditions, isTop: layer.index == 0)
            layer.conditions += conditions
            let name = BackingFormatName(declared)
            switch name {
            case .protocol where layer.index > 0, .unknown where layer.index > 0, .qemuOnlyFormat where layer.index > 0:
                // libvirt takes a recorded name that is no format of its own for none
                // recorded and probes the backing, as safely as for a missing name.
                if hasOwnBacking { layer.conditions.append(.backingFormatNotRecorded(probed: probedByLibvirt, probingRefused: true)) }
                return probedByLibvirt
            case .unknown: return nil   // the top's declared format: nothing opens it
            default: break              // the top's format, as libvirt's <driver type> gives it
            }
            guard let target = name.servedFormat else { return nil }
            if target.isRaw {
                if !probed.isRaw { layer.conditions.append(.formatMismatch(recorded: declared, probed: probed)) }
                return .raw
            }
            guard target == probed else {
                layer.conditions.append(.formatMismatch(recorded: declared, probed: probed))
                return nil
            }
            return probed
        }

        /// The external data file condition: its name resolved like a backing
        /// name (against the image's directory, as libvirt does) and one `stat`.
        static func externalDataFile(_ header: QCow2Header, imagePath: String) -> LayerCondition {
            guard let name = header.extensions.externalDataFile, !name.isEmpty else {
                return .externalDataFile(path: nil, exists: false)
            }
            let path = BackingNameClassifier.resolve(name, against: imagePath)
            let exists = (try? FileIdentity.of(path: path))?.kind.isInspectable ?? false
            return .externalDataFile(path: path, exists: exists)
        }
    }
}
