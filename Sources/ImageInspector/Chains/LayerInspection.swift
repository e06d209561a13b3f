import SystemPackage

/// What one file says about itself, independent of how the chain reaches it:
/// the unit the ``InspectionCache`` keeps, so an unchanged file is never re-read.
struct LayerInspection: Sendable, Hashable {
    var probedFormat: ImageFormat?
    var details: FormatDetails = .none
    var virtualSize: UInt64?
    var clusterSize: UInt64?
    var backingName: String?
    var backingFormat: String?
    var isDirty = false
    /// Conditions from the file's own content (header problems, features,
    /// encryption) or from failing to read it.
    var conditions: [LayerCondition] = []
    /// Bytes read from the file to produce this (0 when not opened).
    var bytesRead = 0
    /// Persistent bitmaps flagged in use: normal while a QEMU has the image
    /// open, a bitmap not saved cleanly otherwise (decided per walk: whether a
    /// QEMU holds the file changes without the file changing).
    var bitmapsInUse: [String] { bitmaps.filter(\.inUse).map(\.name) }
    /// The persistent bitmaps and internal snapshots the header's tables list (as
    /// far as the bounded reads below reach: ``maxBitmapDirectoryRead``, ``maxSnapshotTableRead``).
    var bitmaps: [QCow2Bitmap] = []
    var snapshots: [QCow2Snapshot] = []

    /// The format libvirt's own probe gives the file (and then hands qemu as
    /// the backing's format): qemu's, except that libvirt's qcow2 probe claims
    /// versions 2 and 3 only, so a qcow2 of a later version is raw to it.
    var formatProbedByLibvirt: ImageFormat? {
        let unreadableVersion = conditions.contains {
            if case .malformedHeader(.unsupportedVersion) = $0 { true } else { false }
        }
        return probedFormat == .qcow2 && unreadableVersion ? .raw : probedFormat
    }

    /// The largest bitmap directory read with the header (qemu-img writes
    /// about 40 bytes a bitmap); a larger one is left to `inspect --deep`.
    static let maxBitmapDirectoryRead: UInt64 = 8192

    /// The most of the snapshot table read with the header: about a hundred
    /// snapshots as qemu-img writes them (40 bytes, 16 of extra data, an id and a
    /// name each); the entries beyond are left to `inspect --deep`.
    static let maxSnapshotTableRead = 8192

    /// Opens and reads the file at `path`, which `identity` (from `stat`) says
    /// is a regular file or block device. Failures become conditions.
    static func read(path: String, identity: FileIdentity) -> LayerInspection {
        read(path: FilePath(path), identity: identity)
    }

    /// The same, for a path already built for the `stat` that gave `identity`.
    static func read(path: FilePath, identity: FileIdentity) -> LayerInspection {
        let file: ImageFile
        do {
            file = try ImageFile(path: path, expected: identity)
        } catch {
            switch error {
            case .system(let errno):
                return LayerInspection(conditions: [.unreadable(reason: errno.description)])
            case .changedUnderfoot(let actual):
                let reason = actual.kind.isInspectable ? "file replaced while being inspected"
                    : "replaced by a \(actual.kind.rawValue) while being inspected"
                return LayerInspection(conditions: [.unreadable(reason: reason)])
            }
        }
        var result = inspect(file)
        result.bytesRead = file.bytesRead
        if result.probedFormat?.isRaw == true {
            result.virtualSize = ImageFormat.rawVirtualSize(fileSize: file.size)
        }
        return result
    }

    /// Detects the format of `source` and parses its header; every error is
    /// turned into a condition on the result.
    static func inspect(_ source: ImageSource) -> LayerInspection {
        var result = LayerInspection()
        do {
            let format = try FormatDetector.detect(source)
            result.probedFormat = format
            try result.parse(format, from: source)
        } catch let problem as HeaderProblem {
            result.conditions.append(.malformedHeader(problem))
        } catch let overrun as ByteReader.Overrun {
            result.conditions.append(.malformedHeader(.truncated(overrun)))
        } catch let error as ImageReadError {
            switch error {
            case .system(let errno): result.conditions.append(.unreadable(reason: errno.description))
            case .beyondReadLimit(let offset, let count):
                result.conditions.append(.malformedHeader(.beyondReadLimit(offset: offset, count: count)))
            }
        } catch {
            result.conditions.append(.unreadable(reason: "\(error)"))
        }
        return result
    }

    private mutating func parse(_ format: ImageFormat, from source: ImageSource) throws {
        switch format {
        case .qcow2:
            let header = try QCow2Header.read(from: source)
            details = .qcow2(header)
            virtualSize = header.size
            clusterSize = header.clusterSize
            backingName = header.backingFileName
            backingFormat = header.extensions.backingFormat
            if let ext = header.extensions.bitmaps,
               let refusal = QCow2BitmapDirectory.refusalOnOpen(ext, header: header, source: source, bitmaps: &bitmaps) {
                conditions.append(.malformedHeader(.invalidBitmaps(refusal)))
            }
            if header.snapshotCount > 0, header.snapshotsOffset < source.size,
               let table = try? source.read(at: header.snapshotsOffset, count: Self.maxSnapshotTableRead) {
                let bytes = MemoryImageSource(bytes: (try? table.bytes(at: 0, count: UInt64(table.count))) ?? [], base: header.snapshotsOffset)
                let listing = try? QCow2SnapshotTable(file: bytes, header: header, partial: true)
                snapshots = listing?.snapshots ?? []
                if let refusal = listing?.refusal {
                    conditions.append(.malformedHeader(.invalidTable(reason: refusal)))
                } else if snapshots.count < header.snapshotCount {
                    conditions.append(.partlyInspected(listed: snapshots.count, of: header.snapshotCount))
                }
            }
            isDirty = header.isDirty
            let unknown = header.unknownIncompatibleFeatures
            if !unknown.isEmpty { conditions.append(.unknownIncompatibleFeatures(unknown)) }
            if header.isCorrupt { conditions.append(.corrupt) }
            if header.isDirty { conditions.append(.dirty) }
            if header.encryption != .none { conditions.append(.encrypted(method: header.encryption.name)) }
        case .qcow:
            let header = try QCowHeader.read(from: source)
            details = .qcow(header)
            virtualSize = header.size
            clusterSize = header.clusterSize
            backingName = header.backingFileName
            if header.cryptMethod != 0 { conditions.append(.encrypted(method: "aes")) }
        case .qed:
            let header = try QEDHeader.read(from: source)
            details = .qed(header)
            virtualSize = header.imageSize
            clusterSize = UInt64(header.clusterSize)
            backingName = header.backingFileName
            backingFormat = header.backingFormat
            isDirty = header.features.contains(.needsCheck)
            let unknown = header.unknownFeatures
            if !unknown.isEmpty { conditions.append(.unknownIncompatibleFeatures(unknown)) }
            if isDirty { conditions.append(.dirty) }
        case .vmdk:
            let header = try VMDKHeader.read(from: source)
            details = .vmdk(header)
            virtualSize = header.capacity
            clusterSize = header.grainSize
            backingName = header.parentFileNameHint
            // A VMDK's parent is always a VMDK; qemu reports it as such (libvirt, which
            // reads no format there, probes it: see ChainInspector's Step).
            backingFormat = header.parentFileNameHint == nil ? nil : "vmdk"
        case .vdi:
            let sizes = try SimpleHeaders.vdi(try source.read(at: 0, count: InspectionLimits.initialReadSize))
            virtualSize = sizes.virtualSize
            clusterSize = sizes.clusterSize
        case .parallels:
            virtualSize = try SimpleHeaders.parallels(try source.read(at: 0, count: InspectionLimits.initialReadSize))
        case .luks:
            conditions.append(.encrypted(method: "luks"))
        case .vpc, .vhdx, .iso, .raw:
            break
        }
    }
}
