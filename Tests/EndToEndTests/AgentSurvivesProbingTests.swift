import Foundation
import MIB
import Testing

/// GET and GETNEXT for every OID in and around the subtree: each gets a value
/// or the right exception, and the agent keeps running.
@Suite(.serialized) struct AgentSurvivesProbingTests {
    @Test(arguments: Deployment.allCases) func getOfEveryOIDInAndAroundTheSubtree(_ deployment: Deployment) throws {
        let world = try ServedWorld(deployment)
        let client = world.client
        let agent = world.agent
        let served = Set(try client.bulkWalk(Subtree.root).map(\.oid))

        var probes: [String] = []
        let root = VirtAgentxMIB.root.description
        for length in 2...VirtAgentxMIB.root.components.count {
            probes.append(OID(Array(VirtAgentxMIB.root.components.prefix(length))).description)
        }
        probes += [root + ".0", root + ".1", root + ".2", root + ".3.1", root + ".1.3", root + ".1.2.2"]
        for object in VirtAgentxMIB.objects {
            let oid = object.oid.description
            probes += [oid, oid + ".0", oid + ".1", oid + ".6", oid + ".99", oid + ".0.0",
                       oid + ".4294967295", oid + ".1.1"]
        }
        probes += served.sorted().flatMap { [$0, $0 + ".0"] }

        var answers: [SNMPClient.Varbind] = []
        for start in stride(from: 0, to: probes.count, by: 25) {
            answers += try client.get(Array(probes[start..<min(start + 25, probes.count)]))
        }
        #expect(answers.count == probes.count)
        for (probe, answer) in zip(probes, answers) {
            #expect(answer.oid == probe)
            if served.contains(probe) {
                #expect(answer.isValue, "\(probe) is in the walk but GET says \(answer.value)")
            } else {
                #expect(!answer.isValue, "\(probe) is not in the walk but GET answered \(answer)")
                #expect(answer.value.hasPrefix("No Such"), "\(probe): \(answer.value)")
            }
        }
        // A column's missing row is noSuchInstance; an unknown column noSuchObject.
        #expect(try client.get([Subtree.column(DomainColumns.name) + ".999"]).first?.value.hasPrefix("No Such Instance") == true)
        #expect(try client.get([Subtree.domainEntry + ".99.1"]).first?.value.hasPrefix("No Such Object") == true)

        // GETNEXT from each probe lands strictly after it; standalone, nothing follows
        // the subtree, so past its end the answer is endOfMibView.
        let lastServed = OID(served.map { OID($0)! }.max()!.description)!
        for start in stride(from: 0, to: probes.count, by: 25) {
            let batch = Array(probes[start..<min(start + 25, probes.count)])
            for (probe, next) in zip(batch, try client.getNext(batch)) {
                if deployment == .standalone && OID(probe)! >= lastServed {
                    #expect(next.value.hasPrefix("No more variables"), "GETNEXT \(probe) -> \(next.oid) \(next.value)")
                } else {
                    #expect(OID(next.oid).map { $0 > OID(probe)! } == true, "GETNEXT \(probe) -> \(next.oid)")
                }
            }
        }
        #expect(agent.process.isRunning, "the agent died:\n\(agent.process.output)")
        #expect(try client.get([Subtree.connectionStatus]).first?.value == "1")
    }
}
