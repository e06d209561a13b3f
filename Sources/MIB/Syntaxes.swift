import ImageInspector
import VirtModel

/// The module's textual conventions and enumerations, numbered as the MIB file numbers them.
enum Syntaxes {
    static let connectionStatus = Syntax.textualConvention(
        "VirtConnectionStatus",
        .enumeration(ConnectionStatus.allCases.map { ($0.name, $0.rawValue) }))

    static let dataStatus = Syntax.textualConvention(
        "VirtDataStatus", .enumeration(DataStatus.allCases.map { ($0.name, $0.rawValue) }))

    static let domainState = Syntax.textualConvention(
        "VirtDomainRunState",
        .enumeration(DomainState.allCases.map { ("\($0)", $0.rawValue) }))

    /// A 64-bit gauge (HCNUM-TC's CounterBasedGauge64 semantics) carried as Counter64.
    static let gauge64 = Syntax.textualConvention("VirtGauge64", .counter64)

    static let severity = Syntax.textualConvention(
        "VirtSeverity", .enumeration(Severity.allCases.map { ("\($0)", severityNumber($0)) }))

    static let chainCondition = Syntax.textualConvention(
        "VirtChainCondition", .enumeration(ChainCondition.allCases.map { ("\($0)", $0.rawValue) }))

    static let poolState = Syntax.textualConvention(
        "VirtStoragePoolState", .enumeration(PoolState.allCases.map { ("\($0)", $0.rawValue) }))

    static let diskDevice = Syntax.enumeration(Disk.Device.allCases.map { ("\($0)", $0.rawValue) })
    static let diskSourceKind = Syntax.enumeration(Disk.SourceKind.allCases.map { ("\($0)", $0.rawValue) })
    static let drift = Syntax.enumeration(Disk.Drift.allCases.map { ("\($0)", $0.rawValue) })
    static let volumeType = Syntax.enumeration(VolumeType.allCases.map { ("\($0)", $0.rawValue) })

    /// VirtSeverity counts from ok(1).
    static func severityNumber(_ severity: Severity) -> Int32 { Int32(severity.rawValue) + 1 }
}
