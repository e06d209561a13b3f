import FoundationEssentials

/// Reads a `json:{...}` backing specification far enough to say what it is.
///
/// qemu accepts both nested objects (`{"file": {"driver": "file", "filename": ...}}`)
/// and flattened dotted keys (`{"file.driver": "file", "file.filename": ...}`);
/// both are understood. Only a plain `file` driver with a `filename` is followed,
/// as a local path; everything else is reported by its driver and never opened.
enum BackingJSONSpec {
    /// Nesting beyond this is not followed (qemu specs nest two or three deep);
    /// it bounds the work a crafted spec can cause.
    static let maxNesting = 8

    static func classify(_ name: String, imagePath: String) -> BackingReference {
        let text = name.dropFirst("json:".count)
        // The name is at most a header's backing-name field (1 KiB), which bounds the nesting JSONDecoder follows.
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
            return .invalid(description: name, reason: "json: specification is not a JSON object")
        }
        let root = unflatten(object)
        let driver = root["driver"]?.string
        var node = root
        for _ in 0 ..< maxNesting {
            let nodeDriver = node["driver"]?.string
            if nodeDriver.map(BackingNameClassifier.localProtocols.contains) ?? false,
               let filename = node["filename"]?.string {
                return BackingNameClassifier.opened(filename, as: name, imagePath: imagePath)
            }
            if case .object(let child)? = node["file"] {
                node = child
                continue
            }
            // A bare {"filename": ...} without a file node is what qemu opens as a file too.
            if nodeDriver == nil, let filename = node["filename"]?.string {
                // A protocol name inside is classified as such; a file name is opened, not joined.
                if BackingNameClassifier.protocolPrefix(of: filename) != nil || filename.utf8.starts(with: "json:".utf8) {
                    return BackingNameClassifier.classify(filename, imagePath: imagePath)
                }
                return BackingNameClassifier.opened(filename, as: name, imagePath: imagePath)
            }
            return .json(description: name, driver: driver, protocol: nodeDriver ?? driver ?? "unknown")
        }
        return .json(description: name, driver: driver, protocol: driver ?? "unknown")
    }

    /// Turns dotted keys ("file.driver") into nested objects, as qemu's option parser does.
    static func unflatten(_ object: [String: JSONValue]) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for (key, value) in object {
            let nestedValue: JSONValue = if case .object(let nested) = value { .object(unflatten(nested)) } else { value }
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2 {
                var child = result[parts[0]]?.object ?? [:]
                let merged = unflatten([parts[1]: nestedValue])
                child.merge(merged) { old, new in
                    if let oldObject = old.object, let newObject = new.object {
                        return .object(oldObject.merging(newObject) { $1 })
                    }
                    return new
                }
                result[parts[0]] = .object(child)
            } else if let existing = result[key]?.object, let nested = nestedValue.object {
                result[key] = .object(existing.merging(nested) { $1 })
            } else {
                result[key] = nestedValue
            }
        }
        return result
    }
}

/// Any JSON value, as JSONDecoder reads it: what a `json:` spec may hold.
enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String)
    case array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    var string: String? { if case .string(let value) = self { value } else { nil } }
    var object: [String: JSONValue]? { if case .object(let value) = self { value } else { nil } }
}
