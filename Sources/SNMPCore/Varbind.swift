/// One object and its value: what a GET answers, a walk returns and a
/// notification carries.
public struct Varbind: Sendable, Equatable {
    public var oid: OID
    public var value: SNMPValue

    public init(oid: OID, value: SNMPValue) {
        self.oid = oid
        self.value = value
    }
}
