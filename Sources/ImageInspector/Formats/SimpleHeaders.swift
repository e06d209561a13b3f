/// Sizes read from formats that never name a backing file, so their virtual
/// size and cluster size can be reported like qemu-img does.
enum SimpleHeaders {
    /// VDI: disk size (u64) at 0x170 and block size (u32) at 0x178, little-endian.
    static func vdi(_ head: ByteReader) throws -> (virtualSize: UInt64, clusterSize: UInt64) {
        (try head.u64le(at: 0x170), UInt64(try head.u32le(at: 0x178)))
    }

    /// Parallels: sector count (u64) at 36, little-endian.
    static func parallels(_ head: ByteReader) throws -> UInt64 {
        try head.u64le(at: 36) &* 512
    }
}
