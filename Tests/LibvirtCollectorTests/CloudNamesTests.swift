import CLibvirt
@testable import LibvirtCollector
import Logging
import Testing
import VirtModel

/// OpenStack Nova's names for an instance, from the `<nova:instance>` element
/// Nova writes into the domain's `<metadata>`, and the domain's description.
@Suite(.serialized) struct CloudNamesTests {
    /// As Nova's LibvirtConfigGuestMetaNovaInstance writes it (namespace 1.1).
    static let nova = """
        <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">
          <nova:package version="25.2.0"/>
          <nova:name>web-frontend-01</nova:name>
          <nova:creationTime>2026-11-30 09:12:44</nova:creationTime>
          <nova:flavor name="m1.small">
            <nova:memory>2048</nova:memory><nova:disk>20</nova:disk><nova:swap>0</nova:swap>
            <nova:ephemeral>0</nova:ephemeral><nova:vcpus>1</nova:vcpus>
          </nova:flavor>
          <nova:owner>
            <nova:user uuid="0c4f6a1e9b2d4c7f8a3e5d6b7c8d9e0f">alice</nova:user>
            <nova:project uuid="3a2b1c0d9e8f4a7b6c5d4e3f2a1b0c9d">acme</nova:project>
          </nova:owner>
          <nova:root type="image" uuid="f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9"/>
        </nova:instance>
        """

    @Test func novasMetadataGivesTheNames() throws {
        let definition = try DomainDefinition(xml: """
            <domain type='kvm'><name>instance-0000a3f1</name><description>Managed by Nova</description>
              <metadata>\(Self.nova)</metadata></domain>
            """)
        #expect(definition.cloud.name == "web-frontend-01")
        #expect(definition.cloud.project == "acme" && definition.cloud.projectUUID == "3a2b1c0d9e8f4a7b6c5d4e3f2a1b0c9d")
        #expect(definition.cloud.user == "alice" && definition.cloud.userUUID == "0c4f6a1e9b2d4c7f8a3e5d6b7c8d9e0f")
        #expect(definition.cloud.flavor == "m1.small")
        #expect(definition.descriptionText == "Managed by Nova")
        #expect(definition.name == "instance-0000a3f1", "the domain's own name is untouched")
    }

    @Test func anyPrefixAnyVersionMissingPartsAndForeignMetadata() throws {
        // Another prefix and version, no owner: what is there is read, the rest stays empty.
        let other = try DomainDefinition(xml: """
            <domain type='kvm'><name>a</name><metadata>
              <os:instance xmlns:os="http://openstack.org/xmlns/libvirt/nova/1.0"><os:name>db-2</os:name></os:instance>
            </metadata></domain>
            """)
        #expect(other.cloud.name == "db-2" && other.cloud.project.isEmpty && other.cloud.flavor.isEmpty)
        // Somebody else's <instance> and <name> are not Nova's.
        let foreign = try DomainDefinition(xml: """
            <domain type='kvm'><name>b</name><metadata>
              <x:instance xmlns:x="http://example.org/inventory"><x:name>not-nova</x:name></x:instance>
              <app:name xmlns:app="http://example.org/app">nor this</app:name>
            </metadata></domain>
            """)
        #expect(foreign.cloud.isEmpty)
        #expect(try DomainDefinition(xml: "<domain type='kvm'><name>c</name></domain>").cloud.isEmpty)
    }

    @Test func hostileMetadataIsBoundedAndDoesNotSpillOver() throws {
        let long = String(repeating: "é", count: 5000)
        let definition = try DomainDefinition(xml: """
            <domain type='kvm'><name>d</name><metadata>
              <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">
                <nova:name>\(long)</nova:name><nova:flavor name="&lt;script&gt;"/>
                <nova:owner><nova:user>u<nova:project>nested</nova:project></nova:user></nova:owner>
              </nova:instance>
            </metadata><devices><disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk></devices></domain>
            """)
        #expect(definition.cloud.name.utf8.count <= 1024 && definition.cloud.name.hasPrefix("éé"))
        #expect(definition.cloud.flavor == "<script>", "attribute text as text")
        #expect(definition.cloud.project.isEmpty, "a project inside a user is not the owner's project")
        #expect(definition.disks.map(\.target) == ["vda"], "the devices after it are still read")
    }

    @Test func metadataSetInLibvirtIsPolled() throws {
        let connection = try #require(virConnectOpen("test:///default"))
        defer { virConnectClose(connection) }
        let domain = try #require(virDomainLookupByName(connection, "test"))
        defer { virDomainFree(domain) }
        let namespace = "http://openstack.org/xmlns/libvirt/nova/1.1"
        // libvirt takes the element without its namespace and writes it under the key's prefix, as Nova's own calls do.
        let element = Self.nova.replacingOccurrences(of: #" xmlns:nova="\#(namespace)""#, with: "")
            .replacingOccurrences(of: "nova:", with: "")
        let set = virDomainSetMetadata(domain, Int32(VIR_DOMAIN_METADATA_ELEMENT.rawValue), element, "nova", namespace, 0)
        #expect(set == 0, "\(String(cString: virGetLastErrorMessage()))")
        defer { _ = virDomainSetMetadata(domain, Int32(VIR_DOMAIN_METADATA_ELEMENT.rawValue), nil, nil, namespace, 0) }
        #expect(virDomainSetMetadata(domain, Int32(VIR_DOMAIN_METADATA_DESCRIPTION.rawValue), "billing front end", nil, nil, 0) == 0)
        defer { _ = virDomainSetMetadata(domain, Int32(VIR_DOMAIN_METADATA_DESCRIPTION.rawValue), nil, nil, nil, 0) }
        var poller = Poller(uri: "test:///default", logger: Logger(label: "test"))
        defer { poller.close() }
        let polled = try #require(poller.poll().domains.first { $0.name == "test" })
        #expect(polled.cloud.name == "web-frontend-01" && polled.cloud.project == "acme" && polled.cloud.flavor == "m1.small")
        #expect(polled.descriptionText == "billing front end")
    }
}
