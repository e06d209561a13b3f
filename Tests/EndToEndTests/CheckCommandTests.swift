import Foundation
import TestSupport
import Testing

/// `virt-agentx check --local` as NRPE runs it: status line, perfdata and exit
/// status for scripts/make-world's world (real images behind the test driver).
@Suite struct CheckCommandTests {
    func check(_ arguments: [String]) throws -> Command {
        try Command.run(try TestWorld.agentBinary(), ["check"] + arguments, timeout: .seconds(60))
    }

    func local(_ mode: String, _ more: [String] = []) throws -> Command {
        try check([mode, "--local", "--connect", try TestWorld.worldURI()] + more)
    }

    @Test func chainsAreCriticalAndCountTheUnhealthyOnes() throws {
        let result = try local("chains", ["-v"])
        #expect(result.status == 2, "\(result.stdout)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("VIRT CHAINS CRITICAL - 8 of 13 chains unhealthy: ") == true, "\(result.stdout)")
        #expect(lines.first?.hasSuffix("| unhealthy=8;;;0; chains=13;;;0; deep_checked=0;;;0; corruptions=0;;;0; leaks=0;;;0;") == true, "\(result.stdout)")
        #expect(lines.count == 9, "one detail line per unhealthy chain with -v")
        #expect(result.stdout.contains("legacy/vdb: critical"))
    }

    @Test func oneDomainsChainsAndThresholdsOnTheCount() throws {
        let web1 = try local("chains", ["--domain", "web1"])
        #expect(web1.status == 0 && web1.stdout.hasPrefix("VIRT CHAINS OK - all 2 chains healthy"), "\(web1.stdout)")
        // db1: one warning chain (-F file); a threshold of 0 unhealthy chains makes it critical.
        let db1 = try local("chains", ["--domain", "db1", "-c", "0"])
        #expect(db1.status == 2, "\(db1.stdout)")
        #expect(db1.stdout.contains("unhealthy=1;;0;0;"))
        #expect(try local("chains", ["--domain", "db1"]).status == 1, "warning by severity alone")
    }

    @Test func domainsByStateAndOneByName() throws {
        let all = try local("domains")
        #expect(all.status == 2, "a crashed domain is critical: \(all.stdout)")
        #expect(all.stdout.contains("running=2;;;0; paused=1;;;0; shutoff=1;;;0; crashed=1;;;0;"))
        #expect(try local("domains", ["--domain", "web1"]).status == 0)
        #expect(try local("domains", ["--domain", "build"]).status == 1, "paused")
        #expect(try local("domains", ["--domain", "backup"]).status == 2, "shut off")
        let missing = try local("domains", ["--domain", "nosuch"])
        #expect(missing.status == 3 && missing.stdout.contains("no domain named nosuch"))
    }

    @Test func poolUsageAgainstThresholds() throws {
        let fine = try local("pools")
        #expect(fine.status == 0, "\(fine.stdout)")
        #expect(fine.stdout.contains("images=0%;80;90;0;100"))
        // The pool is a hair above 0 % used: inside @0:1, so critical.
        #expect(try local("pools", ["-c", "@0:1"]).status == 2)
        #expect(try local("pools", ["-w", "@0:1"]).status == 1)
    }

    @Test func unknownForUsageErrorsAndAnUnreachableLibvirt() throws {
        #expect(try check(["chains"]).status == 3, "without --local")
        #expect(try check(["chains", "--local", "-w", "x"]).status == 3)
        #expect(try check(["bogus"]).status == 3)
        let down = try check(["domains", "--local", "--connect", "test:///nonexistent/world.xml"])
        #expect(down.status == 3 && down.stdout.hasPrefix("VIRT DOMAINS UNKNOWN - libvirt not reachable"), "\(down.stdout)")
    }
}
