extension ChainInspector.Walk {
    /// Runs the deep check on a qcow2 layer and turns what it found into conditions.
    static func deepCheck(path: String, layer: inout ImageLayer) {
        do {
            let result = try QCow2DeepCheck.check(path: path)
            layer.deepCheck = .checked(result)
            if result.corruptions > 0 {
                let first = result.findings.first { $0.kind == .corruption }?.message ?? "see the deep check"
                layer.conditions.append(.metadataCorruptions(count: result.corruptions, first: first))
            }
            if result.leaks > 0 { layer.conditions.append(.leakedClusters(count: result.leaks)) }
            for bitmap in result.bitmapsNotSavedCleanly {
                layer.conditions.append(.bitmapNotSavedCleanly(name: bitmap.name))
            }
            if result.checkErrors > 0 {
                let first = result.findings.first { $0.kind == .checkError }?.message ?? "check errors"
                layer.conditions.append(.deepCheckFailed(reason: "\(result.checkErrors) check errors (\(first))"))
            }
        } catch {
            layer.deepCheck = .failed(error.description)
            layer.conditions.append(.deepCheckFailed(reason: error.description))
        }
    }
}
