// snmp-latency AGENT COMMUNITY SECONDS: GET and GETNEXT latency against a
// running agent (scripts/bench-scale). It reads the domain table's row indexes
// once, then for SECONDS alternates single-varbind GETs of random cells and
// GETNEXTs from random cells, one request in flight, and prints the median,
// p99 and maximum of each in microseconds.
import Foundation
import MIB
import SNMPClient

let arguments = CommandLine.arguments
guard arguments.count == 4, let seconds = Double(arguments[3]), seconds > 0 else {
    FileHandle.standardError.write(Data("usage: snmp-latency AGENT COMMUNITY SECONDS\n".utf8))
    exit(64)
}

do {
    let session = try SNMPSession(SNMPTarget(agent: arguments[1], credentials: .community(arguments[2]), timeout: 2, retries: 0))
    let entry = VirtAgentxMIB.objectsRoot.appending(2, 1)
    let rows = try session.walk(entry.appending(2)).map { $0.oid.components.last! }
    guard !rows.isEmpty else {
        FileHandle.standardError.write(Data("snmp-latency: \(arguments[1]) serves no domain rows\n".utf8))
        exit(1)
    }
    var gets: [Duration] = [], nexts: [Duration] = []
    let clock = ContinuousClock()
    let end = clock.now + .milliseconds(Int(seconds * 1000))
    while clock.now < end {
        let cell = entry.appending(UInt32.random(in: 2...15), rows.randomElement()!)
        let get = clock.now
        guard try session.get(cell) != nil else { throw SNMPClientError.failure("GET \(cell) answered no value") }
        gets.append(clock.now - get)
        let next = clock.now
        guard try session.getNext(cell) != nil else { throw SNMPClientError.failure("GETNEXT \(cell) answered nothing") }
        nexts.append(clock.now - next)
    }
    func report(_ name: String, _ samples: [Duration]) {
        let sorted = samples.sorted()
        func microseconds(_ duration: Duration) -> Int {
            Int(duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)
        }
        let p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
        print("\(name): n=\(sorted.count) median=\(microseconds(sorted[sorted.count / 2])) us p99=\(microseconds(p99)) us max=\(microseconds(sorted.last!)) us")
    }
    report("GET", gets)
    report("GETNEXT", nexts)
} catch {
    FileHandle.standardError.write(Data("snmp-latency: \(error)\n".utf8))
    exit(1)
}
