import ImageInspector
import VirtModel

/// Typed values of VIRT-AGENTX-MIB's enumerations, decoded here where they are numbered.
extension MIBReading {
    public var connectionStatus: ConnectionStatus? {
        scalar(VirtAgentxMIB.HostScalars.connectionStatus)?.number.flatMap { ConnectionStatus(rawValue: Int32(truncatingIfNeeded: $0)) }
    }
}

extension SNMPValue {
    /// A VirtSeverity.
    public var severity: Severity? {
        number.flatMap { Severity(rawValue: Int($0) - 1) }
    }

    /// A VirtChainCondition as its kebab-case code (the inspector's `LayerCondition.code`).
    public var chainConditionCode: String? {
        number.flatMap { ChainCondition(rawValue: Int32(truncatingIfNeeded: $0))?.code }
    }

    /// True for VirtChainCondition notInspected(19): a disk or volume without a local image chain.
    public var isNotInspected: Bool { number == Int64(ChainCondition.notInspected.rawValue) }

    public var domainState: DomainState? { enumeration(DomainState.self) }
    public var poolState: PoolState? { enumeration(PoolState.self) }

    /// An enumeration the MIB numbers as its model type does (device, source kind, drift, volume type …).
    public func enumeration<Value: RawRepresentable>(_: Value.Type) -> Value? where Value.RawValue == Int32 {
        number.flatMap { Value(rawValue: Int32(truncatingIfNeeded: $0)) }
    }
}

extension ChainCondition {
    /// The case name in kebab case: `backingFormatIsProtocol` → `backing-format-is-protocol`.
    var code: String {
        "\(self)".reduce(into: "") { code, character in
            if character.isUppercase { code += "-" + character.lowercased() } else { code.append(character) }
        }
    }
}

extension MIBReading {
    /// Domain names by row index, for naming disk and interface rows (indexed domain first).
    public var domainNames: [UInt32: String] {
        names(rows(of: VirtAgentxMIB.domainTable), VirtAgentxMIB.DomainColumns.name)
    }

    /// Pool names by row index, for naming volume rows (indexed pool first).
    public var poolNames: [UInt32: String] {
        names(rows(of: VirtAgentxMIB.poolTable), VirtAgentxMIB.PoolColumns.name)
    }

    private func names<Entry>(_ rows: [Row<Entry>], _ column: Column<Entry>) -> [UInt32: String] {
        Dictionary(rows.compactMap { row in row.index.first.map { ($0, row[column]?.text ?? "?") } }) { a, _ in a }
    }
}
