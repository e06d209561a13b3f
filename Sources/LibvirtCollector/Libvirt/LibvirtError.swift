import CLibvirt
import Foundation

/// An error libvirt reported (`virGetLastError`), with the C function that failed.
public struct LibvirtError: Error, CustomStringConvertible, Sendable {
    /// libvirt's error numbers (`virErrorNumber`) by name, as swift-system's `Errno` names errno's.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        init(_ number: virErrorNumber) { rawValue = Int32(number.rawValue) }

        /// libvirt set no error (the call failed without saying why).
        public static let none = Code(VIR_ERR_OK)
        public static let internalError = Code(VIR_ERR_INTERNAL_ERROR)
        public static let noSupport = Code(VIR_ERR_NO_SUPPORT)
        public static let noConnect = Code(VIR_ERR_NO_CONNECT)
        public static let operationFailed = Code(VIR_ERR_OPERATION_FAILED)
        public static let operationInvalid = Code(VIR_ERR_OPERATION_INVALID)
        public static let operationTimeout = Code(VIR_ERR_OPERATION_TIMEOUT)
        public static let systemError = Code(VIR_ERR_SYSTEM_ERROR)
        public static let rpc = Code(VIR_ERR_RPC)
        public static let authFailed = Code(VIR_ERR_AUTH_FAILED)
        public static let accessDenied = Code(VIR_ERR_ACCESS_DENIED)
        public static let noDomain = Code(VIR_ERR_NO_DOMAIN)
        public static let noStoragePool = Code(VIR_ERR_NO_STORAGE_POOL)
        public static let noStorageVolume = Code(VIR_ERR_NO_STORAGE_VOL)
        public static let agentUnresponsive = Code(VIR_ERR_AGENT_UNRESPONSIVE)

        private static let names: [Code: String] = [
            .none: "none", .internalError: "internalError", .noSupport: "noSupport", .noConnect: "noConnect",
            .operationFailed: "operationFailed", .operationInvalid: "operationInvalid",
            .operationTimeout: "operationTimeout", .systemError: "systemError", .rpc: "rpc",
            .authFailed: "authFailed", .accessDenied: "accessDenied", .noDomain: "noDomain",
            .noStoragePool: "noStoragePool", .noStorageVolume: "noStorageVolume",
            .agentUnresponsive: "agentUnresponsive",
        ]
        public var description: String { Self.names[self] ?? "code \(rawValue)" }
    }

    /// The C function that failed, e.g. `virConnectGetAllDomainStats`.
    public var function: String
    /// What it was asked about, when that is not the connection: a URI, a disk, a device.
    public var subject: String?
    public var message: String
    public var code: Code

    public init(function: String, subject: String? = nil, message: String, code: Code) {
        self.function = function
        self.subject = subject
        self.message = message
        self.code = code
    }

    /// Captures libvirt's last error on this thread, for `function`.
    static func last(_ function: String, subject: String? = nil) -> LibvirtError {
        guard let error = virGetLastError() else {
            return LibvirtError(function: function, subject: subject, message: "libvirt gave no reason", code: .none)
        }
        let message = error.pointee.message.map { String(cString: $0) } ?? "libvirt gave no reason"
        return LibvirtError(function: function, subject: subject, message: message, code: Code(rawValue: error.pointee.code))
    }

    /// The object went away between listing it and asking about it: not a failure of the poll.
    var isVanishedObject: Bool { [.noDomain, .noStoragePool, .noStorageVolume].contains(code) }

    public var description: String {
        "libvirt failed \(function)\(subject.map { "(\($0))" } ?? ""): \(message)"
    }
}

/// The two ways libvirt reports failure, checked once here.
enum LibvirtCall {
    /// A call that returns a negative number on failure (most of libvirt's API); the number otherwise.
    @discardableResult
    static func check(_ status: Int32, _ function: String, subject: String? = nil) throws(LibvirtError) -> Int32 {
        guard status >= 0 else { throw LibvirtError.last(function, subject: subject) }
        return status
    }

    /// A list libvirt allocates (`virConnectListAll*`, `virStoragePoolListAllVolumes`):
    /// each element is wrapped (the wrapper then owns its reference), the array freed.
    static func list<Element, Wrapped>(_ function: String,
                                       _ fill: (UnsafeMutablePointer<UnsafeMutablePointer<Element?>?>) -> Int32,
                                       wrap: (Element) -> Wrapped) throws(LibvirtError) -> [Wrapped] {
        var list: UnsafeMutablePointer<Element?>?
        let count = try check(fill(&list), function)
        guard let list else { return [] }
        defer { free(list) }
        return (0..<Int(count)).compactMap { list[$0].map(wrap) }
    }
}

/// libvirt prints every error to stderr unless an error function is set; the
/// agent reports errors itself, through its logger. Process-wide and idempotent.
func silenceLibvirtDefaultErrorPrinting() {
    virSetErrorFunc(nil) { _, _ in }
}
