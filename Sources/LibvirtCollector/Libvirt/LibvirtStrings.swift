import CLibvirt
import Foundation

/// The ways libvirt hands out strings, read once here.
enum LibvirtStrings {
    /// A string the object keeps (`virDomainGetName`, `virStorageVolGetKey` ...): copied, not freed.
    static func borrowed(_ text: UnsafePointer<CChar>?, _ operation: String) throws(LibvirtError) -> String {
        guard let text else { throw LibvirtError.last(operation) }
        return String(cString: text)
    }

    /// A string libvirt allocated for the caller (`virDomainGetXMLDesc`, `virConnectGetHostname` ...):
    /// copied, then freed.
    static func owned(_ text: UnsafeMutablePointer<CChar>?, _ operation: String) throws(LibvirtError) -> String {
        guard let text else { throw LibvirtError.last(operation) }
        defer { free(text) }
        return String(cString: text)
    }

    /// A UUID libvirt writes into the caller's buffer (`vir*GetUUIDString`).
    static func uuid(_ operation: String, _ fill: (UnsafeMutablePointer<CChar>) -> Int32) throws(LibvirtError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(VIR_UUID_STRING_BUFLEN))
        guard buffer.withUnsafeMutableBufferPointer({ fill($0.baseAddress!) }) == 0 else {
            throw LibvirtError.last(operation)
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self)
    }
}
