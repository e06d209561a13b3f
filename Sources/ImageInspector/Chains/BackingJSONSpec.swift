import Foundation

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
        guard let data = text.data(using: .utf8),
              let parsed = try? JSONSerialization.jsonObject(with: data),
              let object = parsed as? [String: Any] else {
            return .invalid(description: name, reason: "json: specification is not a JSON object")
        }
        let root = unflatten(object)
        let driver = root["driver"] as? String
        var node = root
        for _ in 0 ..< maxNesting {
            let nodeDriver = node["driver"] as? String
            if nodeDriver.map(BackingNameClassifier.localProtocols.contains) ?? false,
               let filename = node["filename"] as? String {
                return .localPath(BackingNameClassifier.resolve(filename, against: imagePath))
            }
            if let child = node["file"] as? [String: Any] {
                node = child
                continue
            }
            // A bare {"filename": ...} without a file node is what qemu opens as a file too.
            if nodeDriver == nil, let filename = node["filename"] as? String {
                return BackingNameClassifier.classify(filename, imagePath: imagePath)
            }
            return .json(description: name, driver: driver, protocol: nodeDriver ?? driver ?? "unknown")
        }
        return .json(description: name, driver: driver, protocol: driver ?? "unknown")
    }

    /// Turns dotted keys ("file.driver") into nested objects, as qemu's option parser does.
    static func unflatten(_ object: [String: Any]) -> [String: Any] {
        var result: [String: Any] = [:]
        for (key, value) in object {
            let nestedValue = (value as? [String: Any]).map(unflatten) ?? value
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2 {
                var child = result[parts[0]] as? [String: Any] ?? [:]
                let merged = unflatten([parts[1]: nestedValue])
                child.merge(merged) { old, new in
                    if let oldObject = old as? [String: Any], let newObject = new as? [String: Any] {
                        return oldObject.merging(newObject) { $1 }
                    }
                    return new
                }
                result[parts[0]] = child
            } else if let existing = result[key] as? [String: Any], let nested = nestedValue as? [String: Any] {
                result[key] = existing.merging(nested) { $1 }
            } else {
                result[key] = nestedValue
            }
        }
        return result
    }
}
