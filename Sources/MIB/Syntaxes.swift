import FoundationEssentials
import ImageInspector
import VirtModel

/// The module's textual conventions and enumerations, numbered as the MIB file numbers them.
enum Syntaxes {
    static let connectionStatus = Syntax.textualConvention(
        "VirtConnectionStatus",
        .enumeration(NamedNumbers { ConnectionStatus.allCases.map { ($0.name, $0.rawValue) } }))

    static let dataStatus = Syntax.textualConvention(
        "VirtDataStatus", .enumeration(NamedNumbers { DataStatus.allCases.map { ($0.name, $0.rawValue) } }))

    static let domainState = Syntax.textualConvention(
        "VirtDomainRunState",
        .enumeration(NamedNumbers(of: DomainState.self)))

    /// A 64-bit gauge (HCNUM-TC's CounterBasedGauge64 semantics) carried as Counter64.
    static let gauge64 = Syntax.textualConvention("VirtGauge64", .counter64)

    static let severity = Syntax.textualConvention(
        "VirtSeverity", .enumeration(NamedNumbers { Severity.allCases.map { ("\($0)", severityNumber($0)) } }))

    static let chainCondition = Syntax.textualConvention(
        "VirtChainCondition", .enumeration(NamedNumbers(of: ChainCondition.self)))

    static let deepCheckState = Syntax.textualConvention(
        "VirtDeepCheckState", .enumeration(NamedNumbers(of: DeepCheckState.self)))

    /// When a deep check finished; eight zero octets before one has.
    static func lastChecked(_ date: Date?) -> SNMPValue { .octets(date.map(DateAndTime.encode) ?? DateAndTime.unknown) }

    static let jobOperation = Syntax.enumeration(NamedNumbers(of: DomainJob.Operation.self))
    static let jobStatus = Syntax.enumeration(NamedNumbers(of: DomainJob.Status.self))
    static let blockJobType = Syntax.enumeration(NamedNumbers(of: BlockJob.Kind.self))

    static let vcpuState = Syntax.enumeration(NamedNumbers(of: VCPU.State.self))

    static let domainAction = Syntax.textualConvention("VirtDomainAction", .enumeration(NamedNumbers(of: DomainAction.self)))
    static let controlStatus = Syntax.enumeration(NamedNumbers(of: ControlRecord.Status.self))

    static let bitmapState = Syntax.enumeration(NamedNumbers(of: VirtAgentxMIB.BitmapState.self))

    static let poolState = Syntax.textualConvention(
        "VirtStoragePoolState", .enumeration(NamedNumbers(of: PoolState.self)))

    static let diskDevice = Syntax.enumeration(NamedNumbers(of: Disk.Device.self))
    static let diskSourceKind = Syntax.enumeration(NamedNumbers(of: Disk.SourceKind.self))
    static let drift = Syntax.enumeration(NamedNumbers(of: Disk.Drift.self))
    static let volumeType = Syntax.enumeration(NamedNumbers(of: VolumeType.self))

    /// VirtSeverity counts from ok(1).
    static func severityNumber(_ severity: Severity) -> Int32 { Int32(severity.rawValue) + 1 }
}
