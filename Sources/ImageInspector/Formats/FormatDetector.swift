/// Recognises an image's format from its magic bytes, as qemu's and libvirt's
/// probes do. Anything not recognised is raw: that is what qemu would serve.
enum FormatDetector {
    static let qcowMagic: [UInt8] = Array("QFI".utf8) + [0xFB]
    static let qedMagic: [UInt8] = Array("QED".utf8) + [0]
    static let vmdkSparseMagic: [UInt8] = Array("KDMV".utf8)
    static let vmdkDescriptorMagic: [UInt8] = Array("# Disk DescriptorFile".utf8)
    static let vpcMagic: [UInt8] = Array("conectix".utf8)
    static let vhdxMagic: [UInt8] = Array("vhdxfile".utf8)
    /// VDI's signature 0xBEDA107F, stored little-endian at offset 64.
    static let vdiMagic: [UInt8] = [0x7F, 0x10, 0xDA, 0xBE]
    static let vdiMagicOffset: UInt64 = 64
    static let luksMagic: [UInt8] = Array("LUKS".utf8) + [0xBA, 0xBE]
    static let parallelsMagics: [[UInt8]] = [Array("WithoutFreeSpace".utf8), Array("WithouFreSpacExt".utf8)]
    /// ISO 9660's "CD001" in the first volume descriptor, sector 16 plus one byte.
    static let isoMagic: [UInt8] = Array("CD001".utf8)
    static let isoMagicOffset: UInt64 = 32769

    /// Detects the format from the image's first bytes, reading the ISO 9660
    /// magic (beyond the initial read) only when nothing else matched.
    static func detect(_ source: ImageSource) throws(ImageReadError) -> ImageFormat {
        let head = try source.read(at: 0, count: InspectionLimits.initialReadSize)
        if let format = detect(head: head) { return format }
        if source.size >= isoMagicOffset + UInt64(isoMagic.count),
           try source.read(at: isoMagicOffset, count: isoMagic.count).matches(isoMagic, at: 0) {
            return .iso
        }
        return .raw
    }

    /// The format named by magic bytes at the start of the image, if any.
    static func detect(head: ByteReader) -> ImageFormat? {
        if head.matches(qcowMagic, at: 0), let version = try? head.u32be(at: 4) {
            // qemu's probes: version 1 is the legacy qcow format, 2 and above
            // qcow2 (a version it cannot read is then a malformed qcow2); 0 is
            // claimed by neither, so qemu serves the file as raw.
            switch version {
            case 0: break
            case 1: return .qcow
            default: return .qcow2
            }
        }
        if head.matches(qedMagic, at: 0) { return .qed }
        if head.matches(vmdkSparseMagic, at: 0) || head.matches(vmdkDescriptorMagic, at: 0) { return .vmdk }
        if head.matches(vpcMagic, at: 0) { return .vpc }
        if head.matches(vhdxMagic, at: 0) { return .vhdx }
        if head.matches(vdiMagic, at: vdiMagicOffset) { return .vdi }
        if head.matches(luksMagic, at: 0) { return .luks }
        if parallelsMagics.contains(where: { head.matches($0, at: 0) }) { return .parallels }
        return nil
    }
}
