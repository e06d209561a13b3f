import Foundation
import MIB
import Testing

/// A user's session: the agent is started (behind snmpd over AgentX, and on its
/// own as a master), the tables are walked, and every cell is compared with what
/// virsh says.
@Suite(.serialized) struct AgentServesTheWorldTests {
    let virsh: Virsh

    init() throws {
        virsh = Virsh(uri: try TestWorld.worldURI())
    }

    @Test(arguments: Deployment.allCases) func domainTableMatchesVirshForEveryDomain(_ deployment: Deployment) throws {
        let world = try ServedWorld(deployment)
        let client = world.client
        let walk = try client.bulkWalk(Subtree.root)
        let table = walk.table(Subtree.domainEntry)
        let names = try virsh.domainNames()
        let rows = try #require(table[2], "no virtDomainName column in the walk:\n\(walk)")
        #expect(Set(rows.values) == Set(names))
        #expect(rows.count == names.count, "one row per domain")
        #expect(try client.get([Subtree.domainCount]).first?.value == "\(names.count)")

        for (index, name) in rows {
            let info = try virsh.report(["dominfo", name])
            let (state, reason) = try virsh.stateAndReason(name)
            let vcpu = try virsh.xmlElement(name, "vcpu")
            let osType = try virsh.xmlElement(name, "type")
            func cell(_ column: Int) -> String? { table[column]?[index] }

            #expect(cell(3) == info["UUID"], "\(name): UUID")
            #expect(cell(4) == virshStateNames[state].map(String.init), "\(name): state \(state)")
            #expect(cell(6) == reason, "\(name): state reason")
            #expect(cell(7) == (info["Id"] == "-" ? "-1" : info["Id"]), "\(name): id")
            #expect(cell(8) == info["CPU(s)"], "\(name): vCPUs")
            #expect(cell(9) == vcpu.text, "\(name): maximum vCPUs")
            #expect(cell(10).map { "\($0) KiB" } == info["Used memory"], "\(name): memory")
            #expect(cell(11).map { "\($0) KiB" } == info["Max memory"], "\(name): maximum memory")
            #expect(cell(13) == (info["Autostart"] == "enable" ? "1" : "2"), "\(name): autostart")
            #expect(cell(14) == (info["Persistent"] == "yes" ? "1" : "2"), "\(name): persistent")
            #expect(cell(15) == osType.text, "\(name): OS type (from the XML; the test driver's dominfo says linux for all)")
            #expect(UInt64(cell(12) ?? "") != nil, "\(name): CPU time is a Counter64")
        }
    }

    @Test(arguments: Deployment.allCases) func hostScalarsMatchVirsh(_ deployment: Deployment) throws {
        let world = try ServedWorld(deployment)
        let client = world.client
        let values = Dictionary(try client.bulkWalk(Subtree.host).map { ($0.oid, $0.value) }) { a, _ in a }
        func scalar(_ n: Int) -> String? { values["\(Subtree.host).\(n).0"] }
        let version = try virsh.report(["version"])
        let node = try virsh.report(["nodeinfo"])

        #expect("\(scalar(1) ?? "") \(scalar(2) ?? "")" == version["Running hypervisor"])
        #expect("libvirt \(scalar(3) ?? "")" == version["Using library"])
        #expect(scalar(4) == (try virsh.run(["hostname"])).trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(scalar(5) == (try virsh.run(["uri"])).trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(scalar(6) == "1", "connected")
        #expect(scalar(9) == "\(try virsh.domainNames().count)")
        #expect(scalar(10) == node["CPU(s)"])
        #expect(scalar(11).map { "\($0) KiB" } == node["Memory size"])
        // DateAndTime of the last poll: 11 octets, this year.
        let time = try #require(values["\(Subtree.host).7.0"]).split(separator: " ")
        #expect(time.count == 11)
        let year = Int(time.prefix(2).joined(), radix: 16) ?? 0
        #expect(year == Calendar(identifier: .gregorian).component(.year, from: Date()))
    }

    @Test(arguments: Deployment.allCases) func bulkWalkAndGetAgree(_ deployment: Deployment) throws {
        let world = try ServedWorld(deployment)
        let client = world.client
        let walk = try client.bulkWalk(Subtree.root)
        #expect(walk.count > 11)
        #expect(walk.allSatisfy { $0.isValue })
        #expect(walk.allSatisfy { $0.oid.hasPrefix(Subtree.root + ".") })
        for chunk in stride(from: 0, to: walk.count, by: 20).map({ Array(walk[$0..<min($0 + 20, walk.count)]) }) {
            let got = try client.get(chunk.map(\.oid))
            #expect(got.map(\.oid) == chunk.map(\.oid))
            // CPU time and poll figures may move between the walk and the get.
            let steady = zip(got, chunk).filter { !$0.1.oid.hasPrefix(Subtree.column(DomainColumns.cpuTime)) && !$0.1.oid.hasPrefix(Subtree.host) }
            #expect(steady.allSatisfy { $0.0 == $0.1 })
        }
    }
}
