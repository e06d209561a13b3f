import CLibvirt

/// libvirt's typed parameter lists (`virTypedParameter`) read into a dictionary
/// of numbers and strings, so callers look fields up by name.
struct TypedParameters {
    enum Value: Equatable {
        case number(UInt64)
        case signed(Int64)
        case double(Double)
        case string(String)
    }

    private(set) var values: [String: Value] = [:]

    init(_ parameters: UnsafePointer<virTypedParameter>?, count: Int) {
        guard let parameters else { return }
        for index in 0..<count {
            let parameter = parameters[index]
            let name = withUnsafeBytes(of: parameter.field) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            switch Int32(parameter.type) {
            case Int32(VIR_TYPED_PARAM_INT.rawValue): values[name] = .signed(Int64(parameter.value.i))
            case Int32(VIR_TYPED_PARAM_UINT.rawValue): values[name] = .number(UInt64(parameter.value.ui))
            case Int32(VIR_TYPED_PARAM_LLONG.rawValue): values[name] = .signed(parameter.value.l)
            case Int32(VIR_TYPED_PARAM_ULLONG.rawValue): values[name] = .number(parameter.value.ul)
            case Int32(VIR_TYPED_PARAM_DOUBLE.rawValue): values[name] = .double(parameter.value.d)
            case Int32(VIR_TYPED_PARAM_BOOLEAN.rawValue): values[name] = .number(parameter.value.b != 0 ? 1 : 0)
            case Int32(VIR_TYPED_PARAM_STRING.rawValue):
                values[name] = .string(parameter.value.s.map { String(cString: $0) } ?? "")
            default: break
            }
        }
    }

    /// A counter or size: negative values (libvirt's "unknown", -1) read as nil.
    func unsigned(_ name: String) -> UInt64? {
        switch values[name] {
        case .number(let value): value
        case .signed(let value) where value >= 0: UInt64(value)
        default: nil
        }
    }

    func string(_ name: String) -> String? {
        if case .string(let value) = values[name] { return value }
        return nil
    }
}
