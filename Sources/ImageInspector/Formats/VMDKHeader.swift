/// What a VMDK says: the sparse extent header (if the file is one) and the text
/// descriptor, where the parent (backing) name lives.
public struct VMDKHeader: Sendable, Hashable, Codable {
    /// Capacity in bytes from the sparse header, or the sum of the descriptor's extents.
    public var capacity: UInt64
    /// Grain (cluster) size in bytes; nil for a descriptor-only file.
    public var grainSize: UInt64?
    /// `createType` from the descriptor (monolithicSparse, twoGbMaxExtentSparse...).
    public var createType: String?
    public var cid: String?
    public var parentCID: String?
    /// `parentFileNameHint`: the backing file name.
    public var parentFileNameHint: String?

    /// Most descriptor bytes read. qemu-img writes 10 KiB descriptors whose
    /// useful lines come first; reading is cut here and the text parsed as far
    /// as it goes, which is safe because it is line-oriented text.
    static let descriptorReadLimit = 32 * 1024
    static let sectorSize: UInt64 = 512

    static func read(from source: ImageSource) throws -> VMDKHeader {
        let head = try source.read(at: 0, count: InspectionLimits.initialReadSize)
        if head.matches(FormatDetector.vmdkDescriptorMagic, at: 0) {
            let text = try source.read(at: 0, count: descriptorReadLimit)
            var header = parse(descriptor: try text.string(at: 0, count: UInt64(text.count)))
            header.grainSize = nil
            return header
        }
        let capacitySectors = try head.u64le(at: 12)
        let grainSectors = try head.u64le(at: 20)
        let descriptorSector = try head.u64le(at: 28)
        let descriptorSectors = try head.u64le(at: 36)
        var header = VMDKHeader(capacity: capacitySectors &* sectorSize, grainSize: grainSectors &* sectorSize)
        // Stream-optimized images may carry no embedded descriptor.
        if descriptorSector != 0, descriptorSectors != 0 {
            guard descriptorSector <= source.size / sectorSize else {
                throw HeaderProblem.invalidDescriptor("descriptor at sector \(descriptorSector) lies past the end of the file")
            }
            let count = Int(min(descriptorSectors, UInt64(descriptorReadLimit) / sectorSize) * sectorSize)
            let text = try source.read(at: descriptorSector * sectorSize, count: count)
            let descriptor = parse(descriptor: try text.string(at: 0, count: UInt64(text.count)))
            header.createType = descriptor.createType
            header.cid = descriptor.cid
            header.parentCID = descriptor.parentCID
            header.parentFileNameHint = descriptor.parentFileNameHint
        }
        return header
    }

    init(capacity: UInt64, grainSize: UInt64?) {
        self.capacity = capacity
        self.grainSize = grainSize
    }

    /// Parses `key=value` and extent lines of a descriptor.
    static func parse(descriptor text: String) -> VMDKHeader {
        var header = VMDKHeader(capacity: 0, grainSize: nil)
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: " \t")
            if line.hasPrefix("#") { continue }
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            if let access = words.first, ["RW", "RDONLY", "NOACCESS"].contains(access), words.count >= 2,
               let sectors = UInt64(words[1]) {
                header.capacity &+= sectors &* sectorSize
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: " \t")
            var value = line[line.index(after: equals)...].trimmingCharacters(in: " \t")
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            switch key {
            case "createType": header.createType = value
            case "CID": header.cid = value
            case "parentCID": header.parentCID = value
            case "parentFileNameHint": header.parentFileNameHint = value.isEmpty ? nil : value
            default: break
            }
        }
        return header
    }
}

extension StringProtocol {
    /// The string without leading and trailing characters from `set`
    /// (Foundation-free, so the parsers stay pure Swift).
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        guard let start = firstIndex(where: { !chars.contains($0) }),
              let end = lastIndex(where: { !chars.contains($0) }) else { return "" }
        return String(self[start ... end])
    }
}
