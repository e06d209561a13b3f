import MIB
import Testing

@Suite struct OIDTests {
    @Test func parsesDottedTextWithOrWithoutLeadingDot() {
        #expect(OID("1.3.6.1") == [1, 3, 6, 1])
        #expect(OID(".1.3.6.1") == [1, 3, 6, 1])
        #expect(OID("1.3.x") == nil)
        #expect(OID("") == nil)
        #expect(OID("1..3") == nil)
        #expect(OID("1.3.4294967296") == nil)
    }

    @Test func ordersAsSNMPDoes() {
        #expect(OID([1, 3]) < OID([1, 3, 0]))        // a prefix sorts first
        #expect(OID([1, 3, 6]) < OID([1, 4]))
        #expect(OID([1, 3, 10]) > OID([1, 3, 9]))    // numerically, not as text
        #expect(!(OID([1, 3]) < OID([1, 3])))
    }

    @Test func prefixes() {
        #expect(OID([1, 3, 6, 1]).hasPrefix([1, 3]))
        #expect(OID([1, 3]).hasPrefix([1, 3]))
        #expect(!OID([1, 3]).hasPrefix([1, 3, 6]))
        #expect(!OID([1, 4, 6]).hasPrefix([1, 3]))
    }
}
