import CLibvirt
@testable import LibvirtCollector
import Logging
import Testing
import VirtModel

/// A domain's `<title>` reaches the model: from the XML reader, and through the
/// poller from libvirt's test driver after `virDomainSetMetadata` sets it.
@Suite(.serialized) struct DomainTitleTests {
    @Test func theReaderTakesTheDomainsOwnTitleOnly() throws {
        let definition = try DomainDefinition(xml: """
            <domain type='test'><name>a</name><title>Billing DB</title>
              <devices><disk type='file' device='disk'><title>not this</title></disk></devices></domain>
            """)
        #expect(definition.title == "Billing DB")
        #expect(try DomainDefinition(xml: "<domain type='test'><name>b</name></domain>").title == "")
    }

    @Test func aTitleSetInLibvirtIsPolled() throws {
        let connection = try #require(virConnectOpen("test:///default"))
        defer { virConnectClose(connection) }
        let domain = try #require(virDomainLookupByName(connection, "test"))
        defer { virDomainFree(domain) }
        let title = "Web frontend (tenant acme)"
        #expect(virDomainSetMetadata(domain, Int32(VIR_DOMAIN_METADATA_TITLE.rawValue), title, nil, nil, 0) == 0)
        defer { _ = virDomainSetMetadata(domain, Int32(VIR_DOMAIN_METADATA_TITLE.rawValue), nil, nil, nil, 0) }
        var poller = Poller(uri: "test:///default", logger: Logger(label: "test"))
        defer { poller.close() }
        #expect(poller.poll().domains.first { $0.name == "test" }?.title == title)
    }
}
