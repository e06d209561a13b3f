import LibvirtCollector
import Testing

@Suite struct DomainDefinitionTests {
    @Test func readsNameUUIDOSTypeAndVcpus() throws {
        let definition = try DomainDefinition(xml: """
            <domain type='kvm'>
              <name>web1</name>
              <uuid>6695EB01-F6A4-8304-79AA-97F2502E193F</uuid>
              <vcpu placement='static' current='2'>8</vcpu>
              <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><boot dev='hd'/></os>
              <devices>
                <disk type='file' device='disk'><source file='/x.qcow2'/><target dev='vda'/></disk>
              </devices>
            </domain>
            """)
        #expect(definition.name == "web1")
        #expect(definition.uuid == "6695eb01-f6a4-8304-79aa-97f2502e193f")
        #expect(definition.osType == "hvm")
        #expect(definition.maxVcpus == 8)
        #expect(definition.currentVcpus == 2)
    }

    @Test func vcpuAffinityFromPinningAndCPUSet() throws {
        let xml = """
            <domain type='kvm'><name>p</name><vcpu cpuset='0-5,^1'>3</vcpu>
              <cputune><vcpupin vcpu='1' cpuset='2'/><vcpupin vcpu='2' cpuset='bogus'/></cputune></domain>
            """
        let definition = try DomainDefinition(xml: xml)
        #expect(definition.affinity(ofVCPU: 0, hostCPUs: 8) == [true, false, true, true, true, true, false, false], "the domain's cpuset")
        #expect(definition.affinity(ofVCPU: 1, hostCPUs: 4) == [false, false, true, false], "its own pin")
        #expect(definition.affinity(ofVCPU: 2, hostCPUs: 2) == [true, true], "an unreadable set: everywhere")
        #expect(try DomainDefinition(xml: "<domain><vcpu>2</vcpu></domain>").affinity(ofVCPU: 0, hostCPUs: 3) == [true, true, true])
    }

    @Test func currentVcpusDefaultsToTheMaximum() throws {
        let definition = try DomainDefinition(xml: "<domain><name>a</name><vcpu>4</vcpu></domain>")
        #expect(definition.currentVcpus == 4)
    }

    @Test func namesDeeperInTheDocumentAreNotTheDomainName() throws {
        let definition = try DomainDefinition(xml: """
            <domain><metadata><app><name>not-me</name></app></metadata><name>me</name></domain>
            """)
        #expect(definition.name == "me")
    }

    @Test func malformedXMLIsAnErrorWithALine() {
        #expect(throws: DomainXMLError.self) {
            try DomainDefinition(xml: "<domain>\n<name>x</nam></domain>")
        }
        #expect(throws: DomainXMLError.self) {
            try DomainDefinition(xml: "<pool><name>x</name></pool>")
        }
    }
}
