import Commands
import FoundationEssentials
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
        case .guests: titled("Guests", guests())
        case .jobs: titled("Jobs", jobs()) + "\n\n" + titled("Block jobs", blockJobs())
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
        func text(_ scalar: Scalar) -> String { reading.scalar(scalar)?.text ?? "" }
        func number(_ scalar: Scalar) -> Int64 { reading.scalar(scalar)?.number ?? 0 }
        let connection = reading.connectionStatus
        let age = number(HostScalars.dataAge)
        let unhealthy = number(HostScalars.unhealthyChainCount)
        var table = TextTable(["Host", ""])
        table.append(["Name", TextTable.Cell(text(HostScalars.name))])
        table.append(["Hypervisor", TextTable.Cell("\(text(HostScalars.hypervisorType)) \(text(HostScalars.hypervisorVersion)), libvirt \(text(HostScalars.libvirtVersion))")])
        table.append(["libvirt", TextTable.Cell("\(text(HostScalars.uri)): \(connection?.name ?? "?")",
                                                   connection == .connected ? .good : connection == .degraded ? .warning : .critical)])
        table.append(["Data age", TextTable.Cell(age == Int64(UInt32.max) ? "no poll yet" : "\(age) s (last poll took \(number(HostScalars.lastPollDuration)) ms)")])
        table.append(["CPUs, memory", TextTable.Cell("\(number(HostScalars.cpuCount)), \(Self.size(number(HostScalars.memory) * 1024))")])
        table.append(["Domains", TextTable.Cell("\(number(HostScalars.domainCount)) with \(number(HostScalars.diskCount)) disks")])
        table.append(["Storage", TextTable.Cell("\(number(HostScalars.poolCount)) pools, \(number(HostScalars.volumeCount)) volumes")])
        table.append(["Unhealthy chains", TextTable.Cell("\(unhealthy)", unhealthy == 0 ? .good : .warning)])
        let control = number(HostScalars.controlEnabled) == 1
        table.append(["Control", TextTable.Cell(control
            ? "on: SNMPv3 authPriv users with write access to the context \(text(HostScalars.controlContext)) may act on domains"
            : "off: read-only", control ? .warning : .plain)])
        // A key/value list: drop the header line.
        return table.render(color: color).split(separator: "\n", maxSplits: 1).last.map(String.init) ?? ""
    }

    private func domains() -> TextTable {
        var table = TextTable([">#", "Name", "Cloud name", "State", "Reason", ">vCPUs", ">Memory", ">CPU time", "Autostart", "Data"])
        for row in reading.rows(of: VirtAgentxMIB.domainTable) {
            let state = row[DomainColumns.state]?.domainState
            let style: TextTable.Style = switch state {
            case .running: .good
            case .paused, .pmsuspended, .blocked: .warning
            case .crashed: .critical
            default: .plain
            }
            let cloud = row[DomainColumns.cloudName]?.text ?? "", project = row[DomainColumns.cloudProject]?.text ?? ""
            table.append([TextTable.Cell("\(row.index.first ?? 0)"), TextTable.Cell(row[DomainColumns.name]?.text ?? ""),
                          TextTable.Cell(project.isEmpty ? cloud : "\(cloud) (\(project))"),
                          TextTable.Cell(state?.text ?? "?", style), TextTable.Cell(row[DomainColumns.stateReasonText]?.text ?? ""),
                          TextTable.Cell("\(row[DomainColumns.vcpus]?.number ?? 0)"),
                          TextTable.Cell(Self.size((row[DomainColumns.memory]?.number ?? 0) * 1024)),
                          TextTable.Cell(Self.duration(nanoseconds: row[DomainColumns.cpuTime]?.number ?? 0)),
                          TextTable.Cell(row[DomainColumns.autostart]?.number == 1 ? "yes" : "no"),
                          Self.dataCell(status: row[DomainColumns.dataStatus]?.number, age: row[DomainColumns.dataAge]?.number)])
        }
        return table
    }

    /// Running domains' memory as the guest reports it and their vCPUs' time
    /// waiting for the host: "-" where the guest or libvirt reported nothing.
    private func guests() -> TextTable {
        let domains = reading.domainNames
        var vcpus: [UInt32: (count: Int, delay: Int64, wait: Int64)] = [:]
        for row in reading.rows(of: VirtAgentxMIB.vcpuTable) {
            guard let domain = row.index.first else { continue }
            var entry = vcpus[domain] ?? (0, 0, 0)
            entry.count += 1
            entry.delay += row[VCPUColumns.delay]?.number ?? 0
            entry.wait += row[VCPUColumns.wait]?.number ?? 0
            vcpus[domain] = entry
        }
        var table = TextTable(["Domain", ">Resident", ">Available", ">Unused", ">Swapped in", ">Swapped out",
                               ">Major faults", ">vCPUs", ">vCPU delay", ">vCPU wait"])
        let sizeOrDash = { (value: SNMPValue?) in value?.number.map { Self.size($0 * 1024) } ?? "-" }
        for row in reading.rows(of: VirtAgentxMIB.guestMemoryTable) {
            guard let domain = row.index.first else { continue }
            let swappedOut = row[GuestMemoryColumns.swapOut]?.number ?? 0
            let cpus = vcpus[domain]
            table.append([TextTable.Cell(domains[domain] ?? "?"),
                          TextTable.Cell(sizeOrDash(row[GuestMemoryColumns.resident])),
                          TextTable.Cell(sizeOrDash(row[GuestMemoryColumns.available])),
                          TextTable.Cell(sizeOrDash(row[GuestMemoryColumns.unused])),
                          TextTable.Cell(sizeOrDash(row[GuestMemoryColumns.swapIn])),
                          TextTable.Cell(sizeOrDash(row[GuestMemoryColumns.swapOut]), swappedOut > 0 ? .warning : .plain),
                          TextTable.Cell(row[GuestMemoryColumns.majorFaults]?.number.map { "\($0)" } ?? "-"),
                          TextTable.Cell(cpus.map { "\($0.count)" } ?? "-"),
                          TextTable.Cell(cpus.map { Self.duration(nanoseconds: $0.delay) } ?? "-"),
                          TextTable.Cell(cpus.map { Self.duration(nanoseconds: $0.wait) } ?? "-")])
        }
        return table
    }

    /// Each domain's running job, else its last completed one.
    private func jobs() -> TextTable {
        let domains = reading.domainNames
        var table = TextTable(["Domain", "Job", "Status", ">Elapsed", ">Remaining", ">Data", ">Done", ">Dirty pages/s", ">Pass", "Message"])
        for row in reading.rows(of: VirtAgentxMIB.domainJobTable) {
            let status = row[JobColumns.status]?.enumeration(DomainJob.Status.self)
            let total = row[JobColumns.dataTotal]?.number, done = row[JobColumns.dataProcessed]?.number
            let milliseconds = { (value: SNMPValue?) in value?.number.map { Self.duration(nanoseconds: $0 * 1_000_000) } ?? "-" }
            table.append([TextTable.Cell(row.index.first.flatMap { domains[$0] } ?? "?"),
                          TextTable.Cell(row[JobColumns.operation]?.enumeration(DomainJob.Operation.self).map { "\($0)" } ?? "?"),
                          TextTable.Cell(status.map { "\($0)" } ?? "?", status == .running ? .warning : status == .completed ? .good : .critical),
                          TextTable.Cell(milliseconds(row[JobColumns.elapsed])), TextTable.Cell(milliseconds(row[JobColumns.remaining])),
                          TextTable.Cell(total.map { Self.size($0) } ?? "-"),
                          TextTable.Cell(total.flatMap { total in done.map { total > 0 ? "\((Double($0) / Double(total) * 100).decimalText(0)) %" : "-" } } ?? "-"),
                          TextTable.Cell(row[JobColumns.dirtyRate]?.number.map { "\($0)" } ?? "-"),
                          TextTable.Cell(row[JobColumns.iteration]?.number.map { "\($0)" } ?? "-"),
                          TextTable.Cell(row[JobColumns.message]?.text ?? "")])
        }
        return table
    }

    /// Each disk's running block job.
    private func blockJobs() -> TextTable {
        let domains = reading.domainNames
        let targets = Dictionary(reading.rows(of: VirtAgentxMIB.diskTable).map { ($0.index, $0[DiskColumns.target]?.text ?? "?") }) { a, _ in a }
        var table = TextTable(["Domain", "Disk", "Job", ">Progress", ">Bandwidth", "Ready"])
        for row in reading.rows(of: VirtAgentxMIB.blockJobTable) {
            let end = row[BlockJobColumns.end]?.number ?? 0, current = row[BlockJobColumns.current]?.number ?? 0
            let bandwidth = row[BlockJobColumns.bandwidth]?.number ?? 0
            table.append([TextTable.Cell(row.index.first.flatMap { domains[$0] } ?? "?"), TextTable.Cell(targets[row.index] ?? "?"),
                          TextTable.Cell(row[BlockJobColumns.kind]?.enumeration(BlockJob.Kind.self).map { "\($0)" } ?? "?"),
                          TextTable.Cell(end > 0 ? "\((Double(current) / Double(end) * 100).decimalText(0)) %" : "-"),
                          TextTable.Cell(bandwidth > 0 ? "\(Self.size(bandwidth))/s" : "unlimited"),
                          TextTable.Cell(row[BlockJobColumns.ready]?.number == 1 ? "yes" : "no")])
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
        var table = TextTable(["Domain", "Disk", "Device", "Format", ">Capacity", ">Depth", "Chain", "Drift", "Deep check", "Source", "Detail"])
        for row in reading.rows(of: VirtAgentxMIB.diskTable) {
            let severity = row[DiskColumns.chainSeverity]?.severity ?? .warning
            guard !problemsOnly || severity >= .warning else { continue }
            let device = row[DiskColumns.device]?.enumeration(Disk.Device.self).map { "\($0)" } ?? "?"
            let drift = row[DiskColumns.chainDrift]?.enumeration(Disk.Drift.self)
            table.append([TextTable.Cell(row.index.first.flatMap { domains[$0] } ?? "?"),
                          TextTable.Cell(row[DiskColumns.target]?.text ?? ""), TextTable.Cell(device),
                          TextTable.Cell(row[DiskColumns.driverFormat]?.text ?? ""),
                          TextTable.Cell(Self.size(row[DiskColumns.capacity]?.number ?? 0)),
                          TextTable.Cell("\(row[DiskColumns.chainDepth]?.number ?? 0)"),
                          verdict(row[DiskColumns.chainHealth], severity),
                          TextTable.Cell(drift.map { "\($0)" } ?? "?", drift == .differs ? .warning : .plain),
                          Self.deepCheck(row[DiskColumns.deepCheckState], corruptions: row[DiskColumns.corruptions],
                                         leaks: row[DiskColumns.leakedClusters]),
                          TextTable.Cell(row[DiskColumns.source]?.text ?? ""),
                          TextTable.Cell(severity >= .warning ? row[DiskColumns.chainDetail]?.text ?? "" : "")])
        }
        return table
    }

    private func layers() -> TextTable {
        let domains = reading.domainNames
        let targets = Dictionary(reading.rows(of: VirtAgentxMIB.diskTable).map { ($0.index, $0[DiskColumns.target]?.text ?? "?") }) { a, _ in a }
        var table = TextTable(["Domain", "Disk", ">Depth", "Declared", "Probed", ">Virtual size", "Condition", "Deep check", "Source", "Detail"])
        for row in reading.rows(of: VirtAgentxMIB.chainLayerTable) {
            let severity = row[LayerColumns.severity]?.severity ?? .warning
            guard !problemsOnly || severity >= .warning else { continue }
            table.append([TextTable.Cell(row.index.first.flatMap { domains[$0] } ?? "?"),
                          TextTable.Cell(targets[Array(row.index.prefix(2))] ?? "?"),
                          TextTable.Cell("\(row.index.last ?? 0)"),
                          TextTable.Cell(row[LayerColumns.declaredFormat]?.text ?? ""),
                          TextTable.Cell(row[LayerColumns.probedFormat]?.text ?? ""),
                          TextTable.Cell(Self.size(row[LayerColumns.virtualSize]?.number ?? 0)),
                          verdict(row[LayerColumns.condition], severity),
                          Self.deepCheck(row[LayerColumns.deepCheckState], corruptions: row[LayerColumns.corruptions],
                                         leaks: row[LayerColumns.leakedClusters]),
                          TextTable.Cell(row[LayerColumns.source]?.text ?? ""),
                          TextTable.Cell(severity >= .warning ? row[LayerColumns.detail]?.text ?? "" : "")])
        }
        return table
    }

    private func interfaces() -> TextTable {
        let domains = reading.domainNames
        var table = TextTable(["Domain", "MAC", "Type", "Source", "Model", "Device", ">Received", ">Sent", ">Errors"])
        for row in reading.rows(of: VirtAgentxMIB.interfaceTable) {
            let mac: String = if case .octets(let bytes) = row[InterfaceColumns.mac] {
                bytes.map(\.hexText).joined(separator: ":")
            } else { "" }
            let errors = (row[InterfaceColumns.rxErrors]?.number ?? 0) + (row[InterfaceColumns.txErrors]?.number ?? 0)
            table.append([TextTable.Cell(row.index.first.flatMap { domains[$0] } ?? "?"), TextTable.Cell(mac),
                          TextTable.Cell(row[InterfaceColumns.type]?.text ?? ""), TextTable.Cell(row[InterfaceColumns.source]?.text ?? ""),
                          TextTable.Cell(row[InterfaceColumns.model]?.text ?? ""), TextTable.Cell(row[InterfaceColumns.device]?.text ?? ""),
                          TextTable.Cell(Self.size(row[InterfaceColumns.rxBytes]?.number ?? 0)),
                          TextTable.Cell(Self.size(row[InterfaceColumns.txBytes]?.number ?? 0)),
                          TextTable.Cell("\(errors)", errors > 0 ? .warning : .plain)])
        }
        return table
    }

    private func pools() -> TextTable {
        var table = TextTable(["Pool", "Type", "State", ">Capacity", ">Allocation", ">Used", ">Volumes", "Chains"])
        for row in reading.rows(of: VirtAgentxMIB.poolTable) {
            let state = row[PoolColumns.state]?.poolState
            let capacity = row[PoolColumns.capacity]?.number ?? 0, allocation = row[PoolColumns.allocation]?.number ?? 0
            let used = StoragePool.usagePercent(allocation: UInt64(clamping: allocation), capacity: UInt64(clamping: capacity))
            table.append([TextTable.Cell(row[PoolColumns.name]?.text ?? ""), TextTable.Cell(row[PoolColumns.type]?.text ?? ""),
                          TextTable.Cell(state.map { "\($0)" } ?? "?", state == .running ? .good : .warning),
                          TextTable.Cell(Self.size(capacity)), TextTable.Cell(Self.size(allocation)),
                          TextTable.Cell("\(used.decimalText(1)) %", used >= 90 ? .critical : used >= 80 ? .warning : .plain),
                          TextTable.Cell("\(row[PoolColumns.volumeCount]?.number ?? 0)"),
                          verdict(row[PoolColumns.chainHealth], row[PoolColumns.chainSeverity]?.severity ?? .warning)])
        }
        return table
    }

    private func volumes() -> TextTable {
        let pools = reading.poolNames
        var table = TextTable(["Pool", "Volume", "Format", ">Capacity", ">Allocation", ">Depth", "Chain", "Deep check", "Detail"])
        for row in reading.rows(of: VirtAgentxMIB.volumeTable) {
            let severity = row[VolumeColumns.chainSeverity]?.severity ?? .warning
            guard !problemsOnly || severity >= .warning else { continue }
            table.append([TextTable.Cell(row.index.first.flatMap { pools[$0] } ?? "?"),
                          TextTable.Cell(row[VolumeColumns.name]?.text ?? ""), TextTable.Cell(row[VolumeColumns.format]?.text ?? ""),
                          TextTable.Cell(Self.size(row[VolumeColumns.capacity]?.number ?? 0)),
                          TextTable.Cell(Self.size(row[VolumeColumns.allocation]?.number ?? 0)),
                          TextTable.Cell("\(row[VolumeColumns.chainDepth]?.number ?? 0)"),
                          verdict(row[VolumeColumns.chainHealth], severity),
                          Self.deepCheck(row[VolumeColumns.deepCheckState], corruptions: row[VolumeColumns.corruptions],
                                         leaks: row[VolumeColumns.leakedClusters]),
                          TextTable.Cell(severity >= .warning ? row[VolumeColumns.chainDetail]?.text ?? "" : "")])
        }
        return table
    }

    /// A deep check in a word or two: "clean", "3 corrupt, 2 leaked", "pending", "-" where none applies.
    static func deepCheck(_ state: SNMPValue?, corruptions: SNMPValue?, leaks: SNMPValue?) -> TextTable.Cell {
        guard let state = state?.enumeration(DeepCheckState.self) else { return TextTable.Cell("?") }
        let corrupt = corruptions?.number ?? 0, leaked = leaks?.number ?? 0
        switch state {
        case .notApplicable:
            return TextTable.Cell("-")
        case .checked, .checkedWhileInUse:
            let inUse = state == .checkedWhileInUse ? " (in use)" : ""
            guard corrupt > 0 || leaked > 0 else { return TextTable.Cell("clean" + inUse, .good) }
            let counts = [corrupt > 0 ? "\(corrupt) corrupt" : nil, leaked > 0 ? "\(leaked) leaked" : nil].compactMap { $0 }
            return TextTable.Cell(counts.joined(separator: ", ") + inUse, corrupt > 0 ? .critical : .warning)
        case .failed:
            return TextTable.Cell("failed", .warning)
        case .pending, .skippedInUse, .off:
            return TextTable.Cell(state == .skippedInUse ? "in use" : "\(state)")
        }
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
        return unit == 0 ? "\(bytes) B" : "\(value.decimalText(value < 10 ? 1 : 0)) \(units[unit])"
    }

    static func duration(nanoseconds: Int64) -> String {
        let seconds = nanoseconds / 1_000_000_000
        return seconds < 60 ? "\((Double(nanoseconds) / 1e9).decimalText(1)) s"
            : seconds < 3_600 ? "\(seconds / 60) min \(seconds % 60) s" : "\(seconds / 3_600) h \(seconds % 3_600 / 60) min"
    }
}
