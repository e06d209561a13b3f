import Foundation

/// Where the test finds the repository, the agent binary and scratch space.
enum TestWorld {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The demo world, made once per test run by scripts/make-world: libvirt's
    /// test driver loaded with domains whose disks are real qemu-img images.
    static func worldURI() throws -> String { try generatedWorld.get() }

    private static let generatedWorld = Result<String, Error> {
        let folder = try scratchFolder()
        let result = try Command.run(repository.appendingPathComponent("scripts/make-world").path,
                                     [folder.path], timeout: .seconds(60))
        guard result.status == 0 else {
            throw HarnessError("scripts/make-world failed (is qemu-img installed? scripts/setup installs it): \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The `virt-agentx` built beside the test bundle (`swift build` puts both in one folder).
    static func agentBinary() throws -> String {
        let candidates: [String?] = [
            ProcessInfo.processInfo.environment["VIRT_AGENTX_BINARY"],
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("virt-agentx").path,
            repository.appendingPathComponent(".build/debug/virt-agentx").path,
        ]
        guard let found = candidates.compactMap({ $0 }).first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) else {
            throw HarnessError("virt-agentx binary not found: run `swift build` first (scripts/test does)")
        }
        return found
    }

    /// A fresh private folder; short, because unix socket paths are limited to 108 bytes.
    static func scratchFolder() throws -> URL {
        var template = Array("/tmp/virt-agentx-test.XXXXXX".utf8CString)
        guard let path = mkdtemp(&template) else { throw HarnessError("mkdtemp: \(errno)") }
        return URL(fileURLWithPath: String(cString: path))
    }

    /// A UDP port on 127.0.0.1 that nothing is bound to right now.
    static func freeUDPPort() throws -> UInt16 {
        try SilentUDPSocket().port
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
