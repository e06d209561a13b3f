import FoundationEssentials

extension ChainInspector.Walk {
    /// Runs the deep check on a qcow2 layer and turns what it found into conditions.
    static func deepCheck(path: String, layer: inout ImageLayer) {
        let outcome: DeepCheckOutcome
        do {
            outcome = .checked(try QCow2DeepCheck.check(path: path))
        } catch {
            outcome = .failed(error.description)
        }
        let whileInUse = if case .checked(let result) = outcome { result.openByQEMU } else { false }
        layer.attach(LayerDeepCheck(outcome: outcome, finished: Date(), whileInUse: whileInUse))
    }
}
