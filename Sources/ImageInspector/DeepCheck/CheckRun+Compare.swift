/// The second and third passes: the counted refcounts against the ones on
/// disk (qemu's `compare_refcounts`), and the COPIED flags of the active
/// tables against the refcounts on disk (`check_oflag_copied`).
extension CheckRun {
    mutating func compareRefcounts() throws(DeepCheckError) {
        var highest = 0
        let perBlock = onDisk.entriesPerBlock
        let extent = computed.extent
        var handledPastTheEnd: [ClosedRange<Int>] = []
        var blockIndex = 0
        while blockIndex << onDisk.blockBits < extent {
            let low = blockIndex << onDisk.blockBits
            let high = min(low + perBlock, extent)
            let offset = onDisk.blockOffset(blockIndex)
            let inFile = low < computed.fileClusters
            defer { blockIndex += 1 }
            if !inFile && (offset == 0 || blockIndex >= onDisk.table.count) {
                // Past the end and no block: only referenced clusters matter (below).
                if blockIndex >= onDisk.table.count { break }
                continue
            }
            if offset & (clusterSize - 1) != 0 {
                // qemu cannot read the block: a check error for every cluster it covers.
                let from = low, to = high
                result.checkErrors += to - from - 1
                result.record(.checkError, "clusters \(from) to \(to - 1): refcount block \(blockIndex) at \(hex(offset)) not cluster-aligned, unreadable")
                if !inFile { handledPastTheEnd.append(from ... to - 1) }
                continue
            }
            if offset != 0 { try readCluster(at: offset) }
            if !inFile { handledPastTheEnd.append(low ... high - 1) }
            for index in low ..< high {
                let recorded = offset == 0 ? 0 : OnDiskRefcounts.entry(index - low, in: cluster, bits: header.refcountBits)
                compare(index, recorded: recorded, counted: computed.count(of: index), highest: &highest)
            }
        }
        // Clusters past the end of the file that something references and no block covers: refcount 0.
        for index in computed.referencedPastTheEnd where !handledPastTheEnd.contains(where: { $0.contains(index) }) {
            compare(index, recorded: 0, counted: computed.count(of: index), highest: &highest)
        }
        result.imageEndOffset = UInt64(highest + 1) << clusterBits
    }

    private mutating func compare(_ index: Int, recorded: UInt64, counted: UInt64, highest: inout Int) {
        if recorded > 0 || counted > 0 { highest = max(highest, index) }
        guard recorded != counted else { return }
        if recorded < counted {
            result.record(.corruption, "cluster \(index): refcount \(recorded), referenced \(counted)")
        } else {
            result.record(.leak, "cluster \(index): refcount \(recorded), referenced \(counted) (leaked)")
        }
    }

    /// COPIED (bit 63) must be set exactly where the refcount on disk is 1, in
    /// the active L1 table's entries and its L2 tables' data entries.
    mutating func checkCopiedFlags() throws(DeepCheckError) {
        try forEachL1Entry(at: header.l1TableOffset, entries: header.l1Size) { run, index, entry throws(DeepCheckError) in
            let table = entry & Self.l1OffsetMask
            guard table != 0 else { return }
            if case .refcount(let refcount) = try run.onDisk.refcount(of: Int(table >> run.clusterBits)),
               (refcount == 1) != (entry & Self.copied != 0) {
                run.result.record(.corruption, "L1 entry \(index): L2 table at \(hex(table)) has refcount \(refcount) "
                    + (refcount == 1 ? "but no COPIED flag" : "and the COPIED flag"))
            }
            guard table < run.file.size else { return }   // zeros: no data entries
            try run.readCluster(at: table)
            let stride = run.extendedL2 ? 16 : 8
            for position in 0 ..< run.l2Entries {
                let entry = run.word(position * stride)
                let kind = run.kind(of: entry)
                guard kind == .normal || kind == .zeroAllocated else { continue }
                let data = entry & Self.l2OffsetMask
                let refcount: UInt64
                if run.externalData {
                    refcount = 1
                } else if case .refcount(let recorded) = try run.onDisk.refcount(of: Int(data >> run.clusterBits)) {
                    refcount = recorded
                } else {
                    continue
                }
                if (refcount == 1) != (entry & Self.copied != 0) {
                    run.result.record(.corruption, "L2 table \(hex(table)) entry \(position): data cluster at \(hex(data)) has refcount \(refcount) "
                        + (refcount == 1 ? "but no COPIED flag" : "and the COPIED flag"))
                }
            }
        }
    }
}
