import FoundationEssentials
import ImageInspector
import VirtModel

extension VirtAgentxMIB {
    /// One entry of a layer's list (an internal snapshot, a persistent bitmap):
    /// the chain's layer array and positions in it, as ``LayerRow`` holds it.
    public struct LayerListingRow: Sendable {
        public var domainIndex: UInt32
        public var diskIndex: UInt32
        private let layers: [ImageLayer]
        private let position: Int32
        private let entry: Int32

        init(domainIndex: UInt32, diskIndex: UInt32, layers: [ImageLayer], position: Int, entry: Int) {
            self.domainIndex = domainIndex
            self.diskIndex = diskIndex
            self.layers = layers
            self.position = Int32(position)
            self.entry = Int32(entry)
        }

        var layer: ImageLayer { layers[Int(position)] }
        var index: [UInt32] { [domainIndex, diskIndex, UInt32(position), UInt32(entry) + 1] }
        var snapshot: QCow2Snapshot { layer.snapshots[Int(entry)] }
        var bitmap: QCow2Bitmap { layer.bitmaps[Int(entry)] }

        /// Every entry of `list` of every layer of every disk chain in `snapshot`.
        static func rows(of snapshot: Snapshot, _ list: (ImageLayer) -> Int) -> [LayerListingRow] {
            snapshot.disks.flatMap { disk in
                let layers = disk.chain?.layers ?? []
                return layers.indices.flatMap { position in
                    (0 ..< list(layers[position])).map {
                        LayerListingRow(domainIndex: disk.domainIndex, diskIndex: disk.index, layers: layers,
                                        position: position, entry: $0)
                    }
                }
            }
        }
    }

    /// layerSnapshotTable's columns, each declared once.
    public enum LayerSnapshotColumns {
        public static let index = Column<LayerListingRow>.index("virtLayerSnapshotIndex", 1, .unsigned32)
        public static let id = Column<LayerListingRow>("virtLayerSnapshotId", 2, .displayString) { .string($0.snapshot.id) }
        public static let name = Column<LayerListingRow>("virtLayerSnapshotName", 3, .displayString) { .string($0.snapshot.name) }
        public static let date = Column<LayerListingRow>("virtLayerSnapshotDate", 4, .dateAndTime) {
            .octets(DateAndTime.encode(Date(timeIntervalSince1970: Double($0.snapshot.dateSeconds) + Double($0.snapshot.dateNanoseconds) / 1e9)))
        }
        public static let vmStateSize = Column<LayerListingRow>("virtLayerSnapshotVMStateSize", 5, Syntaxes.gauge64) {
            .counter64($0.snapshot.vmStateSize)
        }
    }

    public static let layerSnapshotTable = Table<LayerListingRow>(
        "virtLayerSnapshotTable", entry: "virtLayerSnapshotEntry", 9,
        rows: { LayerListingRow.rows(of: $0) { $0.snapshots.count } }, index: { $0.index },
        columns: [
            LayerSnapshotColumns.index,
            LayerSnapshotColumns.id,
            LayerSnapshotColumns.name,
            LayerSnapshotColumns.date,
            LayerSnapshotColumns.vmStateSize,
        ])

    /// What a persistent bitmap's in-use flag means for it.
    public enum BitmapState: Int32, Sendable, CaseIterable {
        /// Not in use: saved when its QEMU closed the image.
        case saved = 1
        /// In use by the QEMU that has the image open: normal.
        case inUse
        /// In use, and no QEMU has the image open: not saved cleanly (a crash).
        case notSavedCleanly
    }

    /// layerBitmapTable's columns, each declared once.
    public enum LayerBitmapColumns {
        public static let index = Column<LayerListingRow>.index("virtLayerBitmapIndex", 1, .unsigned32)
        public static let name = Column<LayerListingRow>("virtLayerBitmapName", 2, .displayString) { .string($0.bitmap.name) }
        public static let granularity = Column<LayerListingRow>("virtLayerBitmapGranularity", 3, .unsigned32) {
            .gauge32(UInt32(clamping: $0.bitmap.granularity))
        }
        public static let auto = Column<LayerListingRow>("virtLayerBitmapAuto", 4, .truthValue) { .truthValue($0.bitmap.auto) }
        public static let state = Column<LayerListingRow>("virtLayerBitmapState", 5, Syntaxes.bitmapState) {
            .integer($0.bitmapState.rawValue)
        }
    }

    public static let layerBitmapTable = Table<LayerListingRow>(
        "virtLayerBitmapTable", entry: "virtLayerBitmapEntry", 10,
        rows: { LayerListingRow.rows(of: $0) { $0.bitmaps.count } }, index: { $0.index },
        columns: [
            LayerBitmapColumns.index,
            LayerBitmapColumns.name,
            LayerBitmapColumns.granularity,
            LayerBitmapColumns.auto,
            LayerBitmapColumns.state,
        ])
}

extension VirtAgentxMIB.LayerListingRow {
    /// As the layer's conditions judged it: not saved cleanly when the walk found no QEMU holding the file.
    var bitmapState: VirtAgentxMIB.BitmapState {
        let bitmap = self.bitmap
        guard bitmap.inUse else { return .saved }
        return layer.conditions.contains(.bitmapNotSavedCleanly(name: bitmap.name)) ? .notSavedCleanly : .inUse
    }
}
