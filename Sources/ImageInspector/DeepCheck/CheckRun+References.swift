/// The first pass: every cluster something references, counted (qemu's
/// `calculate_refcounts`), with the checks on the entries that reference them.
extension CheckRun {
    enum ClusterKind { case unallocated, zeroPlain, zeroAllocated, normal, compressed }

    /// qemu's `qcow2_get_cluster_type` for an L2 entry.
    func kind(of entry: UInt64) -> ClusterKind {
        if entry & Self.compressed != 0 { return .compressed }
        if entry & Self.zero != 0 && !extendedL2 { return entry & Self.l2OffsetMask != 0 ? .zeroAllocated : .zeroPlain }
        if entry & Self.l2OffsetMask == 0 { return externalData && entry & Self.copied != 0 ? .normal : .unallocated }
        return .normal
    }

    mutating func countReferences() throws(DeepCheckError) {
        reference(0, size: clusterSize)   // the header
        try countL1(at: header.l1TableOffset, entries: header.l1Size, active: true)
        for snapshot in snapshotTable.snapshots {
            guard snapshot.l1TableOffset & (clusterSize - 1) == 0 else {
                result.record(.corruption, "snapshot \(snapshot.id) (\(snapshot.name)): L1 table at \(hex(snapshot.l1TableOffset)) not cluster-aligned")
                continue
            }
            guard UInt64(snapshot.l1Size) <= Self.maxL1Entries else {
                result.record(.corruption, "snapshot \(snapshot.id) (\(snapshot.name)): L1 table of \(snapshot.l1Size) entries too large")
                continue
            }
            try countL1(at: snapshot.l1TableOffset, entries: snapshot.l1Size, active: false)
        }
        reference(header.snapshotsOffset, size: snapshotTable.size)
        reference(header.refcountTableOffset, size: refcountTableEntries * 8)
        if let crypto = header.extensions.encryptionHeader {
            reference(crypto.offset, size: crypto.length)
        }
        if let bitmaps = header.extensions.bitmaps {
            try countBitmaps(bitmaps)
        }
        try countRefcountBlocks()
    }

    /// An L1 table, its L2 tables and what they reference. Only the active
    /// table counts towards the allocation figures.
    mutating func countL1(at offset: UInt64, entries: UInt32, active: Bool) throws(DeepCheckError) {
        reference(offset, size: UInt64(entries) * 8)
        try forEachL1Entry(at: offset, entries: entries) { run, index, entry throws(DeepCheckError) in
            if entry & Self.l1ReservedMask != 0 {
                run.result.record(.corruption, "L1 entry \(index): reserved bits set (\(hex(entry)))")
            }
            let table = entry & Self.l1OffsetMask
            run.reference(table, size: run.clusterSize)
            if table & (run.clusterSize - 1) != 0 {
                run.result.record(.corruption, "L1 entry \(index): L2 table at \(hex(table)) not cluster-aligned")
            }
            try run.countL2(at: table, active: active)
        }
    }

    /// Calls `body` for every nonzero entry of an L1 table, read a chunk at a time.
    mutating func forEachL1Entry(at offset: UInt64, entries: UInt32,
                                 _ body: (inout CheckRun, Int, UInt64) throws(DeepCheckError) -> Void) throws(DeepCheckError) {
        let chunkEntries = 8192
        var chunk = [UInt64](repeating: 0, count: min(Int(entries), chunkEntries))
        var start = 0
        while start < Int(entries) {
            // The rest of the table lies past the end of the file: zeros, no entries.
            if offset + UInt64(start) * 8 >= file.size { break }
            let count = min(chunkEntries, Int(entries) - start)
            try file.read(into: &chunk, byteCount: count * 8, at: offset + UInt64(start) * 8)
            for position in 0 ..< count {
                let entry = UInt64(bigEndian: chunk[position])
                if entry != 0 { try body(&self, start + position, entry) }
            }
            start += count
        }
    }

    /// One L2 table: the clusters its entries reference, and the checks on them.
    mutating func countL2(at offset: UInt64, active: Bool) throws(DeepCheckError) {
        // A table wholly past the end of the file reads as zeros: nothing allocated.
        guard offset < file.size else { return }
        try readCluster(at: offset)
        let stride = extendedL2 ? 16 : 8
        var nextContiguous: UInt64 = 0
        for index in 0 ..< l2Entries {
            var entry = word(index * stride)
            let bitmap = extendedL2 ? word(index * stride + 8) : 0
            switch kind(of: entry) {
            case .compressed:
                if entry & Self.copied != 0 {
                    result.record(.corruption, "L2 table \(hex(offset)) entry \(index): COPIED flag set on a compressed cluster")
                    entry &= ~Self.copied
                }
                if externalData {
                    result.record(.corruption, "L2 table \(hex(offset)) entry \(index): compressed cluster in an image with an external data file")
                    continue
                }
                if bitmap != 0 {
                    result.record(.corruption, "L2 table \(hex(offset)) entry \(index): compressed cluster with a subcluster bitmap")
                    continue
                }
                let shift = 62 - (clusterBits - 8)
                let start = entry & ((1 << shift) - 1)
                let sectors = ((entry >> shift) & ((1 << (clusterBits - 8)) - 1)) + 1
                reference(start, size: sectors * 512 - (start & 511))
                if active {
                    result.allocatedClusters += 1
                    result.compressedClusters += 1
                    result.fragmentedClusters += 1
                }
            case .zeroAllocated, .normal:
                let data = entry & Self.l2OffsetMask
                if (bitmap >> 32) & bitmap != 0 {
                    result.record(.corruption, "L2 table \(hex(offset)) entry \(index): subclusters both allocated and zero")
                }
                if data & (clusterSize - 1) != 0 {
                    result.record(.corruption, "L2 table \(hex(offset)) entry \(index): data cluster at \(hex(data)) not cluster-aligned")
                }
                if active {
                    result.allocatedClusters += 1
                    if nextContiguous != 0 && data != nextContiguous { result.fragmentedClusters += 1 }
                    nextContiguous = data + clusterSize
                }
                if !externalData { reference(data, size: clusterSize) }
            case .zeroPlain:
                break
            case .unallocated:
                if bitmap & 0xFFFF_FFFF != 0 {
                    result.record(.corruption, "L2 table \(hex(offset)) entry \(index): unallocated cluster with allocated subclusters")
                }
            }
        }
    }

    /// The bitmap directory, each bitmap's table and the clusters the tables use.
    mutating func countBitmaps(_ ext: QCow2BitmapsExtension) throws(DeepCheckError) {
        guard ext.count > 0 else { return }
        reference(ext.directoryOffset, size: ext.directorySize)
        let directory = try QCow2BitmapDirectory(file: file, header: header, bitmaps: ext)
        if let problem = directory.problem {
            result.record(.corruption, problem)
            return
        }
        result.bitmaps = directory.bitmaps
        for bitmap in directory.bitmaps {
            reference(bitmap.tableOffset, size: UInt64(bitmap.tableSize) * 8)
            var remaining = Int(bitmap.tableSize)
            var position = bitmap.tableOffset
            while remaining > 0 {
                let count = min(remaining, Int(clusterSize) / 8)
                try readCluster(at: position)
                for index in 0 ..< count {
                    let entry = word(index * 8)
                    let data = entry & QCow2BitmapDirectory.tableEntryOffsetMask
                    guard QCow2BitmapDirectory.isValidTableEntry(entry, clusterSize: clusterSize) else {
                        result.record(.corruption, "bitmap '\(bitmap.name)': table entry \(Int(bitmap.tableSize) - remaining + index) invalid (\(hex(entry)))")
                        continue
                    }
                    if data != 0 { reference(data, size: clusterSize) }
                }
                remaining -= count
                position += clusterSize
            }
        }
    }

    /// The refcount blocks themselves: each used once, inside the image.
    mutating func countRefcountBlocks() throws(DeepCheckError) {
        for index in onDisk.table.indices {
            let raw = onDisk.table[index]
            let offset = raw & OnDiskRefcounts.offsetMask
            if raw & OnDiskRefcounts.reservedMask != 0 {
                result.record(.corruption, "refcount table entry \(index): reserved bits set (\(hex(raw)))")
                continue
            }
            if offset & (clusterSize - 1) != 0 {
                result.record(.corruption, "refcount block \(index) at \(hex(offset)) not cluster-aligned")
                continue
            }
            let block = offset >> clusterBits
            if block >= UInt64(computed.extent) {
                result.record(.corruption, "refcount block \(index) at \(hex(offset)) is outside the image")
                continue
            }
            guard offset != 0 else { continue }
            reference(offset, size: clusterSize)
            let count = computed.count(of: Int(block))
            if count != 1 {
                result.record(.corruption, "refcount block \(index) at \(hex(offset)): referenced \(count) times")
            }
        }
    }
}
