import Foundation
import ImageInspector
import MIB
import VirtModel

/// Renders each part of `show` from a MIBReading.
struct ShowView {
    let reading: MIBReading
    let problemsOnly: Bool
    let color: Bool

    func render(_ part: Show.Part) -> String {
        switch part {
        case .host: host()
        case .domains: titled("Domains", domains())
        case .disks: titled("Disks", disks())
        case .layers: titled("Chain layers", layers())
        case .interfaces: titled("Interfaces", interfaces())
        case .pools: titled("Pools", pools())
        case .volumes: titled("Volumes", volumes())
        case .all: ""
        }
    }

    private func titled(_ title: String, _ table: TextTable) -> String {
        table.rows.isEmpty ? "\(title): none" : "\(title)\n" + table.render(color: color)
    }

    private func host() -> String {
        func text(_ name: String) -> String { reading.scalar(name)?.text ?? "" }
        func number(_ name: String) -> Int64 { reading.scalar(name)?.number ?? 0 }
        let connection = reading.connectionStatus
        let age = number("virtHostDataAge")
        let unhealthy = number("virtHostUnhealthyChainCount")
        var table = TextTable(["Host", ""])
        table.append(["Name", TextTable.Cell(text("virtHostName"))])
        table.append(["Hypervisor", TextTable.Cell("\(text("virtHostHypervisorType")) \(text("virtHostHypervisorVersion")), libvirt \(text("virtHostLibvirtVersion"))")])
        table.append(["libvirt", TextTable.Cell("\(text("virtHostURI")): \(connection?.name ?? "?")",
                                                   connection == .connected ? .good : connection == .degraded ? .warning : .critical)])
        table.append(["Data age", TextTable.Cell(age == Int64(UInt32.max) ? "no poll yet" : "\(age) s (last poll took \(number("virtHostLastPollDuration")) ms)")])
        table.append(["CPUs, memory", TextTable.Cell("\(number("virtHostCpuCount")), \(Self.size(number("virtHostMemory") * 1024))")])
        table.append(["Domains", TextTable.Cell("\(number("virtHostDomainCount")) with \(number("virtHostDiskCount")) disks")])
        table.append(["Storage", TextTable.Cell("\(number("virtHostPoolCount")) pools, \(number("virtHostVolumeCount")) volumes")])
        table.append(["Unhealthy chains", TextTable.Cell("\(unhealthy)", unhealthy == 0 ? .good : .warning)])
        // A key/value list: drop the header line.
        return table.render(color: color).split(separator: "\n", maxSplits: 1).last.map(String.init) ?? ""
    }

    private func domains() -> TextTable {
        var table = TextTable([">#", "Name", "State", "Reason", ">vCPUs", ">Memory", ">CPU time", "Autostart", "Data"])
        for row in reading.rows(of: "virtDomainTable") {
            let state = row["virtDomainState"]?.domainState
            let style: TextTable.Style = switch state {
            case .running: .good
            case .paused, .pmsuspended, .blocked: .warning
            case .crashed: .critical
            default: .plain
            }
            table.append([TextTable.Cell("\(row.index.first ?? 0)"), TextTable.Cell(row["virtDomainName"]?.text ?? ""),
                          TextTable.Cell(state?.text ?? "?", style), TextTable.Cell(row["virtDomainStateReasonText"]?.text ?? ""),
                          TextTable.Cell("\(row["virtDomainVcpus"]?.number ?? 0)"),
                          TextTable.Cell(Self.size((row["virtDomainMemory"]?.number ?? 0) * 1024)),
                          TextTable.Cell(Self.duration(nanoseconds: row["virtDomainCpuTime"]?.number ?? 0)),
                          TextTable.Cell(row["virtDomainAutostart"]?.number == 1 ? "yes" : "no"),
                          Self.dataCell(status: row["virtDomainDataStatus"]?.number, age: row["virtDomainDataAge"]?.number)])
        }
        return table
    }

    /// "fresh", or how old the values served are and why.
    static func dataCell(status: Int64?, age: Int64?) -> TextTable.Cell {
        let status = status.flatMap { Int32(exactly: $0) }.flatMap(DataStatus.init(rawValue:))
        let ageText = age.map { $0 == Int64(UInt32.max) ? "" : " \($0) s" } ?? ""
        return switch status {
        case .fresh: TextTable.Cell("fresh", .good)
        case .stale: TextTable.Cell("stale" + ageText, .warning)
        case .unresponsive: TextTable.Cell("unresponsive" + ageText, .critical)
        case nil: TextTable.Cell("?")
        }
    }

    private func disks() -> TextTable {
        let domains = reading.domainNames
        var table = TextTable(["Domain", "Disk", "Device", "Format", ">Capacity", ">Depth", "Chain", "Drift", "Source", "Detail"])
        for row in reading.rows(of: "virtDiskTable") {
            let severity = row["virtDiskChainSeverity"]?.severity ?? .warning
            guard !problemsOnly || severity >= .warning else { continue }
            let device = row["virtDiskDevice"]?.enumeration(Disk.Device.self).map { "\($0)" } ?? "?"
            let drift = row["virtDiskChainDrift"]?.enumeration(Disk.Drift.self)
            table.append([TextTable.Cell(row.index.first.flatMap { domains[$0] } ?? "?"),
                          TextTable.Cell(row["virtDiskTarget"]?.text ?? ""), TextTable.Cell(device),
                          TextTable.Cell(row["virtDiskDriverFormat"]?.text ?? ""),
                          TextTable.Cell(Self.size(row["virtDiskCapacity"]?.number ?? 0)),
                          TextTable.Cell("\(row["virtDiskChainDepth"]?.number ?? 0)"),
                          verdict(row["virtDiskChainHealth"], severity),
                          TextTable.Cell(drift.map { "\($0)" } ?? "?", drift == .differs ? .warning : .plain),
                          TextTable.Cell(row["virtDiskSource"]?.text ?? ""),
                          TextTable.Cell(severity >= .warning ? row["virtDiskChainDetail"]?.text ?? "" : "")])
        }
        return table
    }

    private func layers() -> TextTable {
        let domains = reading.domainNames
        let targets = Dictionary(reading.rows(of: "virtDiskTable").map { ($0.index, $0["virtDiskTarget"]?.text ?? "?") }) { a, _ in a }
        var table = TextTable(["Domain", "Disk", ">Depth", "Declared", "Probed", ">Virtual size", "Condition", "Source", "Detail"])
        for row in reading.rows(of: "virtChainLayerTable") {
            let severity = row["virtChainLayerSeverity"]?.severity ?? .warning
            guard !problemsOnly || severity >= .warning else { continue }
            table.append([TextTable.Cell(row.index.first.flatMap { domains[$0] } ?? "?"),
                          TextTable.Cell(targets[Array(row.index.prefix(2))] ?? "?"),
                          TextTable.Cell("\(row.index.last ?? 0)"),
                          TextTable.Cell(row["virtChainLayerDeclaredFormat"]?.text ?? ""),
                          TextTable.Cell(row["virtChainLayerProbedFormat"]?.text ?? ""),
                          TextTable.Cell(Self.size(row["virtChainLayerVirtualSize"]?.number ?? 0)),
                          verdict(row["virtChainLayerCondition"], severity),
                          TextTable.Cell(row["virtChainLayerSource"]?.text ?? ""),
                          TextTable.Cell(severity >= .warning ? row["virtChainLayerDetail"]?.text ?? "" : "")])
        }
        return table
    }

    private func interfaces() -> TextTable {
        let domains = reading.domainNames
        var table = TextTable(["Domain", "MAC", "Type", "Source", "Model", "Device", ">Received", ">Sent", ">Errors"])
        for row in reading.rows(of: "virtInterfaceTable") {
            let mac: String = if case .octets(let bytes) = row["virtInterfaceMAC"] {
                bytes.map { String(format: "%02x", $0) }.joined(separator: ":")
            } else { "" }
            let errors = (row["virtInterfaceRxErrors"]?.number ?? 0) + (row["virtInterfaceTxErrors"]?.number ?? 0)
            table.append([TextTable.Cell(row.index.first.flatMap { domains[$0] } ?? "?"), TextTable.Cell(mac),
                          TextTable.Cell(row["virtInterfaceType"]?.text ?? ""), TextTable.Cell(row["virtInterfaceSource"]?.text ?? ""),
                          TextTable.Cell(row["virtInterfaceModel"]?.text ?? ""), TextTable.Cell(row["virtInterfaceDevice"]?.text ?? ""),
                          TextTable.Cell(Self.size(row["virtInterfaceRxBytes"]?.number ?? 0)),
                          TextTable.Cell(Self.size(row["virtInterfaceTxBytes"]?.number ?? 0)),
                          TextTable.Cell("\(errors)", errors > 0 ? .warning : .plain)])
        }
        return table
    }

    private func pools() -> TextTable {
        var table = TextTable(["Pool", "Type", "State", ">Capacity", ">Allocation", ">Used", ">Volumes", "Chains"])
        for row in reading.rows(of: "virtPoolTable") {
            let state = row["virtPoolState"]?.poolState
            let capacity = row["virtPoolCapacity"]?.number ?? 0, allocation = row["virtPoolAllocation"]?.number ?? 0
            let used = capacity == 0 ? 0 : Double(allocation) / Double(capacity) * 100
            table.append([TextTable.Cell(row["virtPoolName"]?.text ?? ""), TextTable.Cell(row["virtPoolType"]?.text ?? ""),
                          TextTable.Cell(state.map { "\($0)" } ?? "?", state == .running ? .good : .warning),
                          TextTable.Cell(Self.size(capacity)), TextTable.Cell(Self.size(allocation)),
                          TextTable.Cell(String(format: "%.1f %%", used), used >= 90 ? .critical : used >= 80 ? .warning : .plain),
                          TextTable.Cell("\(row["virtPoolVolumeCount"]?.number ?? 0)"),
                          verdict(row["virtPoolChainHealth"], row["virtPoolChainSeverity"]?.severity ?? .warning)])
        }
        return table
    }

    private func volumes() -> TextTable {
        let pools = reading.poolNames
        var table = TextTable(["Pool", "Volume", "Format", ">Capacity", ">Allocation", ">Depth", "Chain", "Detail"])
        for row in reading.rows(of: "virtVolumeTable") {
            let severity = row["virtVolumeChainSeverity"]?.severity ?? .warning
            guard !problemsOnly || severity >= .warning else { continue }
            table.append([TextTable.Cell(row.index.first.flatMap { pools[$0] } ?? "?"),
                          TextTable.Cell(row["virtVolumeName"]?.text ?? ""), TextTable.Cell(row["virtVolumeFormat"]?.text ?? ""),
                          TextTable.Cell(Self.size(row["virtVolumeCapacity"]?.number ?? 0)),
                          TextTable.Cell(Self.size(row["virtVolumeAllocation"]?.number ?? 0)),
                          TextTable.Cell("\(row["virtVolumeChainDepth"]?.number ?? 0)"),
                          verdict(row["virtVolumeChainHealth"], severity),
                          TextTable.Cell(severity >= .warning ? row["virtVolumeChainDetail"]?.text ?? "" : "")])
        }
        return table
    }

    /// A chain condition, coloured by its severity.
    private func verdict(_ condition: SNMPValue?, _ severity: Severity) -> TextTable.Cell {
        let style: TextTable.Style = switch severity {
        case .ok: .good
        case .info: .plain
        case .warning: .warning
        case .critical: .critical
        }
        return TextTable.Cell(condition?.chainConditionCode ?? "?", style)
    }

    /// Bytes in binary units, as virsh and qemu-img print them.
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }

    static func duration(nanoseconds: Int64) -> String {
        let seconds = nanoseconds / 1_000_000_000
        return seconds < 60 ? String(format: "%.1f s", Double(nanoseconds) / 1e9)
            : seconds < 3_600 ? "\(seconds / 60) min \(seconds % 60) s" : "\(seconds / 3_600) h \(seconds % 3_600 / 60) min"
    }
}
