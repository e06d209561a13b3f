#if canImport(Glibc)
import Glibc
#endif

/// Standard output, error and input through their file descriptors: no
/// Foundation FileHandle (the launcher links only FoundationEssentials), no
/// buffering or copies between the rendered bytes and the kernel.
package enum StandardOutput {
    /// Writes all of `bytes`, retrying short writes and EINTR. Other errors
    /// (a closed pipe) end the output silently, as `print` would.
    package static func write(_ bytes: [UInt8]) {
        FileDescriptorWriter.write(bytes, to: STDOUT_FILENO)
    }
}

package enum StandardError {
    package static func write(_ text: String) {
        FileDescriptorWriter.write(Array(text.utf8), to: STDERR_FILENO)
    }
}

package enum StandardInput {
    /// Everything up to end of file; a read error ends it early.
    package static func readAll() -> [UInt8] {
        var input: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return input }
            input += chunk[..<count]
        }
    }
}

private enum FileDescriptorWriter {
    package static func write(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
