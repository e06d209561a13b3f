import Foundation
import TestSupport

/// A second libvirtd beside the one of scripts/with-libvirtd, for migrations:
/// scripts/lib/peer-libvirtd.sh in a mount namespace of its own, with a host
/// UUID of its own, listening on a free loopback TCP port. Stopped by PID when
/// done with (`stop()`, or at the latest when this object dies), after the
/// domains that migrated to it are destroyed, so no QEMU outlives the test.
final class PeerLibvirtd {
    let uri: String
    private var process: ChildProcess?

    init(folder: ScratchFolder) throws {
        let port = try TestWorld.freeTCPPort()
        uri = "qemu+tcp://127.0.0.1:\(port)/system"
        guard let unshare = Requirement.executable("unshare") else { throw HarnessError("unshare not found on PATH (util-linux)") }
        let process = try ChildProcess(
            "peer-libvirtd", unshare,
            ["-m", "--propagation", "private", Repository.file("scripts/lib/peer-libvirtd.sh").path, folder.path, "\(port)"],
            log: folder.file("peer-libvirtd.log"))
        self.process = process
        let virsh = Virsh(uri: uri)
        guard eventually(timeout: .seconds(20), { !process.isRunning || (try? virsh.run(["version"])) != nil }), process.isRunning else {
            let output = process.output
            stop()
            throw HarnessError("the peer libvirtd did not answer on \(uri):\n\(output)")
        }
    }

    deinit { stop() }

    /// Destroys what runs on the peer, then stops it by PID. Idempotent.
    func stop() {
        guard let process else { return }
        self.process = nil
        let virsh = Virsh(uri: uri)
        for name in (try? virsh.run(["list", "--name"]))?.split(separator: "\n") ?? [] {
            _ = try? virsh.run(["destroy", String(name).trimmingCharacters(in: .whitespaces)])
        }
        if process.isRunning, process.stop(signal: SIGTERM, timeout: .seconds(10)) == nil {
            process.stop(signal: SIGKILL, timeout: .seconds(5))
        }
    }
}

/// A boot disk whose boot sector keeps a migration from converging: like
/// scripts/lib/images.sh's boot.raw it reads sector 1 and waits 50 ms in a
/// loop, and in each turn it also writes 512 KiB of memory (0x10000-0x8ffff).
/// At 1 MiB/s the pages dirtied per pass outrun what the default 300 ms of
/// downtime can carry, so the migration runs until it is aborted.
///   xor ax,ax; mov ds,ax; mov es,ax; sti
///   L: mov ah,2; mov al,1; mov ch,0; mov cl,1; mov dh,0; mov bx,0x8000; int 0x13
///      push dx; mov ah,0x86; mov cx,0; mov dx,50000; int 0x15; pop dx
///      mov bp,0x1000
///   M: mov es,bp; xor di,di; mov cx,0x8000; mov ax,0xa55a; rep stosw
///      add bp,0x1000; cmp bp,0x9000; jb M
///      xor ax,ax; mov es,ax; jmp L
enum DirtyingBootDisk {
    static let bootSector: [UInt8] = [
        0x31, 0xc0, 0x8e, 0xd8, 0x8e, 0xc0, 0xfb,
        0xb4, 0x02, 0xb0, 0x01, 0xb5, 0x00, 0xb1, 0x01, 0xb6, 0x00, 0xbb, 0x00, 0x80, 0xcd, 0x13,
        0x52, 0xb4, 0x86, 0xb9, 0x00, 0x00, 0xba, 0x50, 0xc3, 0xcd, 0x15, 0x5a,
        0xbd, 0x00, 0x10,
        0x8e, 0xc5, 0x31, 0xff, 0xb9, 0x00, 0x80, 0xb8, 0x5a, 0xa5, 0xf3, 0xab,
        0x81, 0xc5, 0x00, 0x10, 0x81, 0xfd, 0x00, 0x90, 0x72, 0xea,
        0x31, 0xc0, 0x8e, 0xc0, 0xeb, 0xc6,
    ]

    /// Writes a 1 MiB raw disk with that boot sector to `url`.
    static func write(to url: URL) throws {
        var image = [UInt8](repeating: 0, count: 1 << 20)
        image.replaceSubrange(0..<bootSector.count, with: bootSector)
        image[510] = 0x55
        image[511] = 0xaa
        try Data(image).write(to: url)
    }
}
