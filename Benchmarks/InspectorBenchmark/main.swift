import Foundation
import Glibc
import ImageInspector

// Layers per second of ChainInspector on one thread, page cache warm:
//   inspector-benchmark [--passes N] TOP-IMAGE...
// cold = every layer stat-ed, opened and read (no cache, or a fresh cache per
// pass, which adds the cost of filling it); warm = one cache reused, so each
// layer costs a stat and a lookup. A bare stat(2) of every layer is the floor
// the warm figure is judged against. Each figure is the median of the passes.

let arguments = Array(CommandLine.arguments.dropFirst())
let passesGiven = arguments.first == "--passes" && arguments.count >= 2
let passes = passesGiven ? max(1, Int(arguments[1]) ?? 9) : 9
let tops = Array(arguments.dropFirst(passesGiven ? 2 : 0))
guard !tops.isEmpty else {
    print("usage: inspector-benchmark [--passes N] TOP-IMAGE...")
    exit(64)
}

/// Seconds taken by `body`.
func seconds(_ body: () -> Void) -> Double {
    let elapsed = ContinuousClock().measure(body)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2]
        : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Inspects every top image once; returns the number of layers walked.
func inspectAll(_ inspector: ChainInspector) -> Int {
    var layers = 0
    for top in tops { layers += inspector.inspect(path: top).layers.count }
    return layers
}

// The untimed first pass warms the page cache and gives the layer paths.
let chains = tops.map { ChainInspector().inspect(path: $0) }
let layerPaths = chains.flatMap { $0.layers.map(\.path) }
let layersPerPass = layerPaths.count
let unhealthy = chains.filter { $0.health.severity != .ok }.count
print("chains: \(tops.count), layers per pass: \(layersPerPass), passes: \(passes), unhealthy chains: \(unhealthy)")

/// Times `passes` runs of `pass`, checks each walked every layer, prints the median rate.
@discardableResult
func report(_ label: String, _ pass: () -> Int) -> Double {
    var rates: [Double] = []
    for _ in 0 ..< passes {
        var walked = 0
        let time = seconds { walked = pass() }
        precondition(walked == layersPerPass, "\(label): walked \(walked) layers, expected \(layersPerPass)")
        rates.append(Double(walked) / time)
    }
    let rate = median(rates)
    let label = label.padding(toLength: 22, withPad: " ", startingAt: 0)
    print("\(label) \(Int(rate)) layers/s  (\(String(format2: 1e6 / rate)) µs/layer)")
    return rate
}

let cold = report("cold, no cache") { inspectAll(ChainInspector()) }
report("cold, fresh cache") { inspectAll(ChainInspector(cache: InspectionCache())) }
let cache = InspectionCache()
_ = inspectAll(ChainInspector(cache: cache))
let warm = report("warm, one cache") { inspectAll(ChainInspector(cache: cache)) }
let stats = report("bare stat(2) per layer") {
    var info = stat()
    var found = 0
    for path in layerPaths where stat(path, &info) == 0 { found += 1 }
    return found
}
print("cache: \(cache.statistics.hits) hits, \(cache.statistics.misses) misses")
print("warm costs \(String(format2: stats / warm)) stat(2)s per layer; cold is \(String(format2: warm / cold))x slower than warm")

extension String {
    /// `value` with two decimals (Foundation-free).
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
