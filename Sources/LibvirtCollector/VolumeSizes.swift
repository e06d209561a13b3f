import ImageInspector
import VirtModel

/// A file volume's sizes as libvirt's storage driver computes them each time it
/// is asked (it re-reads the file for `virsh vol-info`): allocation st_blocks
/// x 512, physical st_size, capacity the header's virtual size, or st_size for
/// raw. The inspector has just read the same file, so these cost no call.
enum VolumeSizes {
    /// Pool types whose volumes are files the agent can read (libvirt's fs backend).
    static let poolTypesOfLocalFiles: Set<String> = ["dir", "fs", "netfs"]

    /// Sets `volume`'s sizes from its freshly inspected chain; leaves them as
    /// libvirt last described them when the top layer could not be read.
    static func update(_ volume: inout Volume, from chain: BackingChain) {
        guard volume.type == .file, let top = chain.layers.first, let file = top.fileSize, top.probedFormat != nil else { return }
        let servedRaw = top.format.map { BackingFormatName($0).servedFormat?.isRaw == true } ?? false
        let capacity = servedRaw ? UInt64(max(0, file.apparent)) : top.virtualSize
        guard let capacity else { return }
        volume.capacity = capacity
        volume.allocation = UInt64(max(0, file.allocated))
        volume.physical = UInt64(max(0, file.apparent))
    }
}
