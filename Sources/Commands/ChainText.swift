import ImageInspector

/// A backing chain as a person reads it in a terminal: the verdict first,
/// then each layer top to base with what is wrong with it.
enum ChainText {
    static func render(_ chain: BackingChain) -> String {
        let health = chain.health
        var lines = ["\(chain.top?.path ?? "?"): \(health.severity.description.uppercased()) - \(health.detail)"]
        for layer in chain.layers {
            let branch = layer.index == chain.layers.count - 1 ? "└─" : "├─"
            var facts = [layer.format ?? layer.probedFormat?.rawValue ?? "unknown format"]
            if let size = layer.virtualSize { facts.append("\(bytes(size)) virtual") }
            if let size = layer.fileSize { facts.append("\(bytes(UInt64(max(0, size.allocated)))) on disk") }
            if let declared = layer.declaredFormat, declared != layer.format { facts.append("recorded as \(declared)") }
            lines.append("  \(branch) [\(layer.index)] \(layer.path)  (\(facts.joined(separator: ", ")))")
            let indent = layer.index == chain.layers.count - 1 ? "       " : "  │    "
            for condition in layer.conditions where condition.severity > .ok {
                lines.append("\(indent)\(condition.severity): \(condition.code): \(condition.detail(layer: layer.path))")
            }
            if let check = layer.deepCheck {
                lines += deepCheckLines(check.outcome, indent: indent)
            } else {
                lines += listingLines(snapshots: layer.snapshots, bitmaps: layer.bitmaps, indent: indent)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The deep check's counts, then what is wrong where, one finding a line.
    static func deepCheckLines(_ outcome: DeepCheckOutcome, indent: String) -> [String] {
        guard case .checked(let result) = outcome else { return [] }
        var lines = ["\(indent)deep check: \(result.corruptions) corruptions, \(result.leaks) leaks, \(result.checkErrors) check errors; "
            + "\(result.allocatedClusters) of \(result.totalClusters) clusters allocated, image end \(bytes(result.imageEndOffset))"]
        lines += result.findings.map { "\(indent)  \($0.kind.rawValue): \($0.message)" }
        if result.findingsOmitted > 0 { lines.append("\(indent)  ... and \(result.findingsOmitted) more") }
        return lines + listingLines(snapshots: result.snapshots, bitmaps: result.bitmaps, indent: indent)
    }

    /// A layer's internal snapshots and persistent bitmaps, one a line.
    static func listingLines(snapshots: [QCow2Snapshot], bitmaps: [QCow2Bitmap], indent: String) -> [String] {
        snapshots.map { "\(indent)snapshot \($0.id) '\($0.name)': \(bytes($0.vmStateSize)) of VM state" }
            + bitmaps.map {
                "\(indent)bitmap '\($0.name)': granularity \(bytes($0.granularity))\($0.inUse ? ", in use" : "")\($0.auto ? ", auto" : "")"
            }
    }

    /// 10485760 -> "10 MiB"; binary units, one decimal where it matters.
    static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(count), unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded)) \(units[unit])" : "\(rounded) \(units[unit])"
    }
}
