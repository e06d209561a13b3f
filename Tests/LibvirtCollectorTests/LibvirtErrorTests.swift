@testable import LibvirtCollector
import Testing

/// A failed libvirt call comes back as a typed error naming the C function, what it
/// was about, and libvirt's own code by name, against the real test driver.
@Suite struct LibvirtErrorTests {
    @Test func aFailedOpenNamesItsFunctionAndURI() {
        let uri = "test:///nonexistent/virt-agentx-world.xml"
        do {
            _ = try LibvirtConnection(readOnly: uri)
            Issue.record("a missing test-driver file opened")
        } catch {
            #expect(error.function == "virConnectOpenReadOnly")
            #expect(error.subject == uri)
            #expect(error.code != .none, "libvirt said why: \(error)")
            #expect("\(error)".hasPrefix("libvirt failed virConnectOpenReadOnly(\(uri)): "))
        }
    }

    @Test func codesAreNamedAndOnlyMissingObjectsCountAsVanished() {
        #expect(LibvirtError.Code.noDomain.description == "noDomain")
        #expect(LibvirtError.Code(rawValue: 9999).description == "code 9999")
        for code in [LibvirtError.Code.noDomain, .noStoragePool, .noStorageVolume] {
            #expect(LibvirtError(function: "virDomainGetState", message: "gone", code: code).isVanishedObject)
        }
        for code in [LibvirtError.Code.rpc, .operationTimeout, .none] {
            #expect(!LibvirtError(function: "virDomainGetState", message: "x", code: code).isVanishedObject)
        }
    }
}
