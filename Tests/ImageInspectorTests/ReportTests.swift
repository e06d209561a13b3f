import Foundation
import Testing
import TestSupport
@testable import ImageInspector

@Suite("JSON report")
struct ReportTests {
    @Test func usesQemuImgFieldNamesAndTheirValues() throws {
        let fixtures = try Fixtures()
        try fixtures.qemuImg("create", "-f", "raw", "raw", "10M")
        try fixtures.qemuImg("create", "-f", "qcow2", "-F", "file", "-b", "raw", "top.qcow2")
        let chain = inspect(fixtures, "top.qcow2")
        let data = try JSONEncoder().encode(chain.report)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let layers = try #require(json["layers"] as? [[String: Any]])
        let qemu = try #require(try fixtures.qemuInfoChain(fixtures.path("top.qcow2")))
        #expect(layers.count == qemu.count)
        for key in ["filename", "virtual-size", "actual-size", "cluster-size", "dirty-flag", "backing-filename",
                    "full-backing-filename", "backing-filename-format"] {
            #expect(layers[0][key] as? NSObject == qemu[0][key] as? NSObject, "\(key)")
        }
        let specific = try #require((layers[0]["format-specific"] as? [String: Any])?["data"] as? [String: Any])
        let qemuSpecific = try #require((qemu[0]["format-specific"] as? [String: Any])?["data"] as? [String: Any])
        for key in ["compat", "compression-type", "lazy-refcounts", "refcount-bits", "corrupt", "extended-l2"] {
            #expect(specific[key] as? NSObject == qemuSpecific[key] as? NSObject, "\(key)")
        }
        let health = try #require(json["health"] as? [String: Any])
        #expect(health["severity"] as? String == "warning")
        #expect(health["condition"] as? String == "backing-format-is-protocol")
        #expect(health["layer"] as? Int == 1)
        let conditions = try #require(layers[1]["conditions"] as? [[String: Any]])
        #expect(conditions.first?["detail"] as? String == "\(fixtures.path("raw")): backing format recorded as protocol 'file'; libvirt ignores it and probes the file")
    }

    @Test func roundTrips() throws {
        let fixtures = try Fixtures()
        try fixtures.makeChain(["base.qcow2", "top.qcow2"])
        let report = inspect(fixtures, "top.qcow2").report
        let decoded = try JSONDecoder().decode(ChainReport.self, from: JSONEncoder().encode(report))
        #expect(decoded == report)
        #expect(decoded.health.severity == .ok)
        #expect(decoded.health.condition == "ok")
    }
}
