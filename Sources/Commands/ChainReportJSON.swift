import ImageInspector

/// Writes ``ChainReport``s as JSON text straight into bytes.
///
/// The output is byte for byte what `JSONEncoder` writes for `[ChainReport]`
/// with `[.sortedKeys, .withoutEscapingSlashes]`, plus `.prettyPrinted` when
/// `pretty` (the test suite compares them), so readers see the same JSON as
/// before. It exists because `JSONEncoder` boxed every value and sorted the
/// keys of every object at run time, which was about 70 ms of a 160 ms
/// `virt-agentx inspect --json` over 1,000 chains; here the keys are written in
/// their sorted order by construction and values go straight into the buffer.
///
/// A list can be written whole (``encode(_:)``) or in pieces, so that the
/// command can render parts of a long list separately and write each as it
/// is done: ``beginList()``, ``appendListElement(_:isFirst:)`` for each report,
/// then ``endList(isEmpty:)``; the pieces may live in different writers and
/// be concatenated in order.
struct ChainReportJSON: Sendable {
    /// The JSON text written so far, UTF-8.
    private(set) var bytes: [UInt8] = []
    /// Whether members go on lines of their own, indented two spaces per level.
    let pretty: Bool
    /// Nesting depth of what is being written (the list is depth 0).
    private var depth = 0
    /// Bit `n` set: the object or array open at depth `n` has no member yet.
    /// (A bit set rather than an array of flags: no allocation, no uniqueness
    /// checks; reports nest six levels, far below 64.)
    private var openIsEmpty: UInt64 = 0

    init(pretty: Bool = true) {
        self.pretty = pretty
    }

    /// `reports` as one JSON array.
    static func encode(_ reports: [ChainReport], pretty: Bool = true) -> [UInt8] {
        var json = ChainReportJSON(pretty: pretty)
        json.beginList()
        for (index, report) in reports.enumerated() {
            json.appendListElement(report, isFirst: index == 0)
        }
        json.endList(isEmpty: reports.isEmpty)
        return json.bytes
    }

    /// Forgets what was written, keeping the buffer's capacity.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Opens the list of chains.
    mutating func beginList() {
        bytes.append(UInt8(ascii: "["))
    }

    /// Writes one chain as an element of the list; `isFirst` says whether it
    /// is the list's first element (which takes no comma before it).
    mutating func appendListElement(_ report: ChainReport, isFirst: Bool) {
        // Inside the list (bit 0), which is empty only before its first element.
        openIsEmpty = isFirst ? 1 : 0
        depth = 1
        separator()
        write(report)
        openIsEmpty = 0
        depth = 0
    }

    /// Closes the list of chains; `isEmpty` says whether no element was written.
    mutating func endList(isEmpty: Bool) {
        if pretty { newline(blankLine: isEmpty) }
        bytes.append(UInt8(ascii: "]"))
    }

    // MARK: The report's shape, keys in sorted order

    private mutating func write(_ report: ChainReport) {
        beginObject()
        key("filename"); string(report.filename)
        key("health"); write(report.health)
        key("layers"); beginArray()
        for layer in report.layers {
            separator()
            write(layer)
        }
        end(UInt8(ascii: "]"))
        end(UInt8(ascii: "}"))
    }

    private mutating func write(_ verdict: ChainReport.Verdict) {
        beginObject()
        key("condition"); string(verdict.condition)
        key("detail"); string(verdict.detail)
        if let layer = verdict.layer { key("layer"); number(layer) }
        key("severity"); string(verdict.severity.description)
        end(UInt8(ascii: "}"))
    }

    private mutating func write(_ layer: ChainReport.Layer) {
        beginObject()
        if let value = layer.actualSize { key("actual-size"); number(value) }
        if let value = layer.apparentSize { key("apparent-size"); number(value) }
        if let value = layer.backingFilename { key("backing-filename"); string(value) }
        if let value = layer.backingFilenameFormat { key("backing-filename-format"); string(value) }
        if let value = layer.check { key("check"); write(value) }
        if let value = layer.clusterSize { key("cluster-size"); number(value) }
        key("conditions"); beginArray()
        for verdict in layer.conditions {
            separator()
            write(verdict)
        }
        end(UInt8(ascii: "]"))
        if let value = layer.declaredFormat { key("declared-format"); string(value) }
        if let value = layer.dirtyFlag { key("dirty-flag"); bool(value) }
        key("filename"); string(layer.filename)
        if let value = layer.format { key("format"); string(value) }
        if let value = layer.formatSpecific { key("format-specific"); write(value) }
        if let value = layer.fullBackingFilename { key("full-backing-filename"); string(value) }
        if let value = layer.probedFormat { key("probed-format"); string(value) }
        key("severity"); string(layer.severity.description)
        if let value = layer.virtualSize { key("virtual-size"); number(value) }
        end(UInt8(ascii: "}"))
    }

    private mutating func write(_ check: ChainReport.Check) {
        beginObject()
        if let value = check.allocatedClusters { key("allocated-clusters"); number(value) }
        if let value = check.bitmaps {
            key("bitmaps"); beginArray()
            for bitmap in value {
                separator()
                beginObject()
                key("auto"); bool(bitmap.auto)
                key("granularity"); number(bitmap.granularity)
                key("in-use"); bool(bitmap.inUse)
                key("name"); string(bitmap.name)
                end(UInt8(ascii: "}"))
            }
            end(UInt8(ascii: "]"))
        }
        if let value = check.checkErrors { key("check-errors"); number(value) }
        if let value = check.compressedClusters { key("compressed-clusters"); number(value) }
        if let value = check.corruptions { key("corruptions"); number(value) }
        if let value = check.error { key("error"); string(value) }
        if let value = check.findings {
            key("findings"); beginArray()
            for finding in value {
                separator()
                beginObject()
                key("kind"); string(finding.kind)
                key("message"); string(finding.message)
                end(UInt8(ascii: "}"))
            }
            end(UInt8(ascii: "]"))
        }
        if let value = check.findingsOmitted { key("findings-omitted"); number(value) }
        if let value = check.fragmentedClusters { key("fragmented-clusters"); number(value) }
        if let value = check.imageEndOffset { key("image-end-offset"); number(value) }
        if let value = check.leaks { key("leaks"); number(value) }
        if let value = check.openByQEMU { key("open-by-qemu"); bool(value) }
        if let value = check.snapshots {
            key("snapshots"); beginArray()
            for snapshot in value {
                separator()
                beginObject()
                key("date-nsec"); number(snapshot.dateNsec)
                key("date-sec"); number(snapshot.dateSec)
                key("id"); string(snapshot.id)
                key("name"); string(snapshot.name)
                key("vm-clock-nsec"); number(snapshot.vmClockNsec)
                key("vm-state-size"); number(snapshot.vmStateSize)
                end(UInt8(ascii: "}"))
            }
            end(UInt8(ascii: "]"))
        }
        if let value = check.totalClusters { key("total-clusters"); number(value) }
        end(UInt8(ascii: "}"))
    }

    private mutating func write(_ specific: ChainReport.FormatSpecific) {
        beginObject()
        key("data"); write(specific.data)
        key("type"); string(specific.type)
        end(UInt8(ascii: "}"))
    }

    private mutating func write(_ data: ChainReport.FormatSpecificData) {
        beginObject()
        if let value = data.autoclearFeatures { key("autoclear-features"); strings(value) }
        if let value = data.bitmaps { key("bitmaps"); number(value) }
        if let value = data.cid { key("cid"); string(value) }
        if let value = data.compat { key("compat"); string(value) }
        if let value = data.compatibleFeatures { key("compatible-features"); strings(value) }
        if let value = data.compressionType { key("compression-type"); string(value) }
        if let value = data.corrupt { key("corrupt"); bool(value) }
        if let value = data.createType { key("create-type"); string(value) }
        if let value = data.dataFile { key("data-file"); string(value) }
        if let value = data.dataFileRaw { key("data-file-raw"); bool(value) }
        if let value = data.encrypt { key("encrypt"); string(value) }
        if let value = data.extendedL2 { key("extended-l2"); bool(value) }
        if let value = data.headerExtensions { key("header-extensions"); strings(value) }
        if let value = data.incompatibleFeatures { key("incompatible-features"); strings(value) }
        if let value = data.lazyRefcounts { key("lazy-refcounts"); bool(value) }
        if let value = data.parentCID { key("parent-cid"); string(value) }
        if let value = data.refcountBits { key("refcount-bits"); number(value) }
        if let value = data.snapshots { key("snapshots"); number(value) }
        end(UInt8(ascii: "}"))
    }

    // MARK: JSONEncoder's pretty printing

    private mutating func beginObject() { begin(UInt8(ascii: "{")) }
    private mutating func beginArray() { begin(UInt8(ascii: "[")) }

    private mutating func begin(_ opener: UInt8) {
        bytes.append(opener)
        openIsEmpty |= 1 << UInt64(depth)
        depth += 1
    }

    /// The bit of ``openIsEmpty`` for the innermost open object or array.
    private var innermost: UInt64 { 1 << UInt64(depth - 1) }

    /// Starts a member or element: a comma after the previous one; when
    /// pretty, a newline and two spaces per level.
    private mutating func separator() {
        if openIsEmpty & innermost != 0 {
            openIsEmpty &= ~innermost
        } else {
            bytes.append(UInt8(ascii: ","))
        }
        if pretty {
            bytes.append(0x0A)
            indent()
        }
    }

    private mutating func newline(blankLine: Bool) {
        bytes.append(0x0A)
        if blankLine { bytes.append(0x0A) }
    }

    /// Enough spaces for any depth the report reaches (it nests six levels).
    private static let spaces: StaticString = "                                "

    private mutating func indent() {
        let count = 2 * depth
        Self.spaces.withUTF8Buffer { spaces in
            if count <= spaces.count {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: spaces[..<count]))
            } else {
                bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: count))
            }
        }
    }

    /// Closes an object or array; an empty one gets a blank line, as JSONEncoder writes it.
    private mutating func end(_ closer: UInt8) {
        let wasEmpty = openIsEmpty & innermost != 0
        openIsEmpty &= ~innermost
        depth -= 1
        if pretty {
            newline(blankLine: wasEmpty)
            indent()
        }
        bytes.append(closer)
    }

    private mutating func key(_ name: StaticString) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        if pretty {
            bytes.append(contentsOf: "\" : ".utf8)
        } else {
            bytes.append(contentsOf: "\":".utf8)
        }
    }

    private mutating func number(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        number(value.magnitude)
    }

    private mutating func number(_ value: Int) { number(Int64(value)) }
    private mutating func number(_ value: UInt32) { number(UInt64(value)) }

    /// Decimal digits, written directly (`String(value)` went through the
    /// generic radix conversion and a String per number).
    private mutating func number(_ value: UInt64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = value
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest != 0
            bytes.append(contentsOf: digits[start...])
        }
    }

    private mutating func bool(_ value: Bool) {
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    private mutating func strings(_ values: [String]) {
        beginArray()
        for value in values {
            separator()
            string(value)
        }
        end(UInt8(ascii: "]"))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string as JSONEncoder escapes it: `"` and `\`, the short forms
    /// `\b \t \n \f \r`, other control characters as `\u00xx`; everything else
    /// (`/`, DEL, non-ASCII) as its UTF-8 bytes.
    private mutating func string(_ value: String) {
        var value = value
        bytes.append(UInt8(ascii: "\""))
        value.withUTF8 { escape($0) }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ utf8: UnsafeBufferPointer<UInt8>) {
        // Paths and sentences rarely need escaping: copy them whole.
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: utf8)
            return
        }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x08: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0C: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case ..<0x20:
                bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                          Self.hexDigits[Int(byte >> 4)], Self.hexDigits[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
    }
}
