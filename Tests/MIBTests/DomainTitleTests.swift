@testable import MIB
import Testing
import VirtModel

/// virtDomainTitle serves the domain's `<title>`, and an empty string where it has none.
@Suite struct DomainTitleTests {
    @Test func theTitleIsServedInItsColumn() {
        var snapshot = sampleSnapshot()
        snapshot.domains[0].title = "Web frontend (tenant acme)"
        let rows = MIBReading(view: VirtAgentxMIB.view(of: snapshot)).rows(of: VirtAgentxMIB.domainTable)
        #expect(rows.map { $0[VirtAgentxMIB.DomainColumns.title]?.text } == ["Web frontend (tenant acme)", ""])
    }
}
