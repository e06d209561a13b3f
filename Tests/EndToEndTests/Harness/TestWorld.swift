import Foundation
import TestSupport

/// Where the end-to-end tests find the agent binary, the shared world and free ports.
enum TestWorld {
    /// The demo world, made once per test run by scripts/make-world: libvirt's
    /// test driver loaded with domains whose disks are real qemu-img images.
    static func worldURI() throws -> String { try MadeWorld.shared() }

    /// The `virt-agentx` built beside the test bundle (`swift build` puts both in one folder).
    static func agentBinary() throws -> String {
        let candidates: [String?] = [
            ProcessInfo.processInfo.environment["VIRT_AGENTX_BINARY"],
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("virt-agentx").path,
            Repository.file(".build/debug/virt-agentx").path,
        ]
        guard let found = candidates.compactMap({ $0 }).first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) else {
            throw HarnessError("virt-agentx binary not found: run `swift build` first (scripts/test does)")
        }
        return found
    }

    /// A UDP port on 127.0.0.1 that nothing is bound to right now.
    static func freeUDPPort() throws -> UInt16 {
        try SilentUDPSocket().port
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    static func freeTCPPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw HarnessError("bind: \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }
}

/// A UDP socket bound on 127.0.0.1 that reads nothing and answers nothing: an
/// SNMP agent that never responds. Closed when released.
final class SilentUDPSocket {
    let port: UInt16
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw HarnessError("bind: \(errno)")
        }
        self.fd = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close(fd) }
}
