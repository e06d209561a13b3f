import Foundation
import TestSupport

/// A libvirt test-driver world whose storage partly hangs (real qemu-img images,
/// some on a `HungFilesystem` mount that stands for a dead NFS server):
///
/// | domain    | disk vda                                   | while hung                    |
/// |-----------|--------------------------------------------|-------------------------------|
/// | `stuck`   | `nfs/hungtop.qcow2`                        | its top image hangs           |
/// | `layered` | `local/upper.qcow2` -> `/…/nfs/middle.qcow2` (absolute) -> `nfs/base.qcow2` | its middle layer hangs |
/// | `mounted` | `nfs/fine.qcow2`                           | same mount, answers           |
/// | `flip`    | `local/flip.qcow2`                         | normal disk; the tests flip its corrupt bit |
///
/// plus the `dir` pool `nfs` over the mount with the volumes `fine.qcow2` and
/// `hungtop.qcow2`. `local/` is normal disk; `exported/` is what the mount mirrors.
final class HungStorageWorld {
    private let scratch: ScratchFolder
    var folder: URL { scratch.url }
    let exported: URL
    let mount: URL
    let local: URL
    let filesystem: HungFilesystem

    static let hungFiles = ["hungtop.qcow2", "middle.qcow2"]

    var uri: String { "test://" + folder.appendingPathComponent("world.xml").path }
    func onMount(_ name: String) -> String { mount.appendingPathComponent(name).path }
    func onLocalDisk(_ name: String) -> String { local.appendingPathComponent(name).path }

    /// `released`: the files answer until `filesystem.hang()`.
    init(released: Bool = false) throws {
        try HungFilesystem.requireAvailable()
        scratch = try ScratchFolder()
        let folder = scratch.url
        exported = folder.appendingPathComponent("exported")
        mount = folder.appendingPathComponent("nfs")
        local = folder.appendingPathComponent("local")
        for made in [exported, mount, local] {
            try FileManager.default.createDirectory(at: made, withIntermediateDirectories: true)
        }
        let exported = exported.path, local = local.path, mount = mount.path
        try Self.qemuImg("create", "-f", "qcow2", "\(exported)/hungtop.qcow2", "1G")
        try Self.qemuImg("create", "-f", "qcow2", "\(exported)/base.qcow2", "1G")
        try Self.qemuImg("create", "-f", "qcow2", "-F", "qcow2", "-b", "base.qcow2", "\(exported)/middle.qcow2")
        try Self.qemuImg("create", "-f", "qcow2", "\(exported)/fine.qcow2", "1G")
        // The top layer on normal disk names its backing file on the mount by absolute path
        // (-u: not opened now; the mount is not there yet).
        try Self.qemuImg("create", "-f", "qcow2", "-u", "-F", "qcow2", "-b", "\(mount)/middle.qcow2", "\(local)/upper.qcow2", "1G")
        try Self.qemuImg("create", "-f", "qcow2", "\(local)/flip.qcow2", "1G")
        try Self.worldXML(mount: mount, local: local)
            .write(to: folder.appendingPathComponent("world.xml"), atomically: true, encoding: .utf8)
        filesystem = try HungFilesystem(source: self.exported, mountpoint: self.mount, hung: Self.hungFiles, released: released)
    }

    // The folder goes after the mount (never recursively through a mount still there: ScratchFolder checks).
    deinit { filesystem.unmount() }

    static func qemuImg(_ arguments: String...) throws {
        let result = try Command.run("qemu-img", arguments)
        guard result.status == 0 else {
            throw HarnessError("qemu-img \(arguments.joined(separator: " ")) (is qemu-utils installed?): \(result.stderr)")
        }
    }

    /// Sets or clears the qcow2 corrupt bit of `local/flip.qcow2` in place
    /// (incompatible_features, big-endian u64 at offset 72: bit 1 is byte 79's 0x02).
    func setCorruptBit(_ corrupt: Bool) throws {
        let handle = try FileHandle(forUpdating: local.appendingPathComponent("flip.qcow2"))
        defer { try? handle.close() }
        try handle.seek(toOffset: 79)
        try handle.write(contentsOf: Data([corrupt ? 0x02 : 0x00]))
        try handle.synchronize()
    }

    /// Gives the hung files a new modification time in the exported folder, as a
    /// running guest's writes would: the inspector's cache then reads them again.
    func touchHungFiles() throws {
        for name in Self.hungFiles {
            try FileManager.default.setAttributes([.modificationDate: Date()],
                                                  ofItemAtPath: exported.appendingPathComponent(name).path)
        }
    }

    private static func worldXML(mount: String, local: String) -> String {
        func domain(_ name: String, _ uuid: String, _ image: String) -> String {
            """
              <domain type='test'>
                <name>\(name)</name>
                <uuid>\(uuid)</uuid>
                <memory unit='KiB'>524288</memory>
                <vcpu>1</vcpu>
                <os><type arch='x86_64'>hvm</type></os>
                <devices>
                  <disk type='file' device='disk'>
                    <driver name='qemu' type='qcow2'/>
                    <source file='\(image)'/>
                    <target dev='vda' bus='virtio'/>
                  </disk>
                </devices>
              </domain>
            """
        }
        func volume(_ name: String) -> String {
            """
                <volume type='file'>
                  <name>\(name)</name>
                  <key>\(mount)/\(name)</key>
                  <capacity unit='bytes'>1073741824</capacity>
                  <allocation unit='bytes'>196608</allocation>
                  <target><path>\(mount)/\(name)</path><format type='qcow2'/></target>
                </volume>
            """
        }
        return """
            <node>
              <cpu><mhz>2400</mhz><model>x86_64</model><active>2</active><nodes>1</nodes>
                   <sockets>1</sockets><cores>2</cores><threads>1</threads></cpu>
              <memory>8388608</memory>
            \(domain("flip", "3b1f0c1e-0001-4a5b-8c6d-000000000001", "\(local)/flip.qcow2"))
            \(domain("layered", "3b1f0c1e-0002-4a5b-8c6d-000000000002", "\(local)/upper.qcow2"))
            \(domain("mounted", "3b1f0c1e-0003-4a5b-8c6d-000000000003", "\(mount)/fine.qcow2"))
            \(domain("stuck", "3b1f0c1e-0004-4a5b-8c6d-000000000004", "\(mount)/hungtop.qcow2"))
              <pool type='dir'>
                <name>nfs</name>
                <uuid>3b1f0c1e-0005-4a5b-8c6d-000000000005</uuid>
                <capacity unit='bytes'>107374182400</capacity>
                <allocation unit='bytes'>0</allocation>
                <available unit='bytes'>107374182400</available>
                <target><path>\(mount)</path></target>
            \(volume("fine.qcow2"))
            \(volume("hungtop.qcow2"))
              </pool>
            </node>

            """
    }
}
