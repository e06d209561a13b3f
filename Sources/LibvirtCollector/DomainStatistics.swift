import Foundation
import VirtModel

/// One domain's record of `virConnectGetAllDomainStats`, read by field name.
struct DomainStatistics {
    private let fields: TypedParameters?

    init(_ fields: TypedParameters?) { self.fields = fields }

    /// `state.state` and `state.reason`.
    var state: (Int32, Int32)? {
        guard let state = fields?.unsigned("state.state"), let reason = fields?.unsigned("state.reason") else {
            return nil
        }
        return (Int32(clamping: state), Int32(clamping: reason))
    }

    /// CPU, memory and vCPU figures; nil unless the record carries all of them.
    /// Memory and vCPU counts of a group switched off come from the definition.
    func figures(groups: Set<StatisticGroup>, definition: DomainDefinition) -> DomainFigures? {
        guard let fields, let cpu = fields.unsigned("cpu.time") else { return nil }
        let memory: (UInt64, UInt64), vcpus: (UInt64, UInt64)
        if groups.contains(.balloon) {
            guard let current = fields.unsigned("balloon.current"), let maximum = fields.unsigned("balloon.maximum") else { return nil }
            memory = (current, maximum)
        } else {
            memory = (definition.currentMemoryKiB, definition.maxMemoryKiB)
        }
        if groups.contains(.vcpu) {
            guard let current = fields.unsigned("vcpu.current"), let maximum = fields.unsigned("vcpu.maximum") else { return nil }
            vcpus = (current, maximum)
        } else {
            vcpus = (UInt64(definition.currentVcpus), UInt64(definition.maxVcpus))
        }
        return DomainFigures(cpuTime: cpu, memoryKiB: memory.0, maxMemoryKiB: memory.1,
                             vcpus: UInt32(clamping: vcpus.0), maxVcpus: UInt32(clamping: vcpus.1))
    }

    /// Block sizes and counters of the disk `target`: the first `block.N` entry
    /// with that name is its top layer.
    /// A shut-off domain's entries carry sizes and no counters: its counters are zero.
    func block(_ target: String) -> (info: BlockInfo, stats: BlockStats)? {
        guard let fields, let prefix = prefix(of: target, in: "block") else { return nil }
        let capacity = fields.unsigned(prefix + "capacity"), reads = fields.unsigned(prefix + "rd.reqs")
        guard capacity != nil || reads != nil else { return nil }
        var info = BlockInfo()
        info.capacity = capacity ?? 0
        info.allocation = fields.unsigned(prefix + "allocation") ?? 0
        info.physical = fields.unsigned(prefix + "physical") ?? 0
        var stats = BlockStats()
        stats.readRequests = reads ?? 0
        stats.readBytes = fields.unsigned(prefix + "rd.bytes") ?? 0
        stats.writeRequests = fields.unsigned(prefix + "wr.reqs") ?? 0
        stats.writeBytes = fields.unsigned(prefix + "wr.bytes") ?? 0
        stats.flushRequests = fields.unsigned(prefix + "fl.reqs") ?? 0
        stats.readTimeNanoseconds = fields.unsigned(prefix + "rd.times") ?? 0
        stats.writeTimeNanoseconds = fields.unsigned(prefix + "wr.times") ?? 0
        stats.flushTimeNanoseconds = fields.unsigned(prefix + "fl.times") ?? 0
        return (info, stats)
    }

    /// libvirt left out what needs the domain's monitor (NOWAIT, while another call
    /// holds its job): the record names disks (`block.count`) but none has counters.
    /// Only meaningful for an active domain (a shut-off one's disks never have counters).
    var skippedMonitor: Bool {
        guard let fields, let count = fields.unsigned("block.count"), count > 0 else { return false }
        return !(0..<count).contains { fields.unsigned("block.\($0).rd.reqs") != nil }
    }

    /// CPU time of each vCPU (`vcpu.N.time`), nanoseconds; nil when the record has none.
    var vcpuTimes: [UInt64]? {
        guard let fields, let count = fields.unsigned("vcpu.current"), count > 0,
              fields.unsigned("vcpu.0.time") != nil else { return nil }
        return (0..<count).map { fields.unsigned("vcpu.\($0).time") ?? 0 }
    }

    /// The balloon driver's figures; each nil where the record lacks it.
    var guestMemory: GuestMemory {
        var memory = GuestMemory()
        guard let fields else { return memory }
        memory.unusedKiB = fields.unsigned("balloon.unused")
        memory.availableKiB = fields.unsigned("balloon.available")
        memory.usableKiB = fields.unsigned("balloon.usable")
        memory.diskCachesKiB = fields.unsigned("balloon.disk_caches")
        memory.residentKiB = fields.unsigned("balloon.rss")
        memory.swapInKiB = fields.unsigned("balloon.swap_in")
        memory.swapOutKiB = fields.unsigned("balloon.swap_out")
        memory.majorFaults = fields.unsigned("balloon.major_fault")
        memory.minorFaults = fields.unsigned("balloon.minor_fault")
        memory.lastUpdate = fields.unsigned("balloon.last-update").flatMap { $0 > 0 ? Date(timeIntervalSince1970: Double($0)) : nil }
        return memory
    }

    /// Each vCPU's `vcpu.N.*` figures, up to `vcpu.maximum` (offline ones included); empty without a vcpu group.
    var vcpus: [VCPU] {
        guard let fields, let count = fields.unsigned("vcpu.maximum") ?? fields.unsigned("vcpu.current"),
              count > 0, count <= 16_384 else { return [] }
        return (0..<count).map { number in
            let prefix = "vcpu.\(number)."
            var vcpu = VCPU()
            vcpu.state = fields.unsigned(prefix + "state").flatMap { VCPU.State(rawValue: Int32(clamping: $0)) }
            vcpu.timeNanoseconds = fields.unsigned(prefix + "time")
            vcpu.waitNanoseconds = fields.unsigned(prefix + "wait")
            vcpu.delayNanoseconds = fields.unsigned(prefix + "delay")
            vcpu.halted = fields.unsigned(prefix + "halted").map { $0 != 0 }
            return vcpu
        }
    }

    /// Counters of the interface whose host device is `device`.
    func interface(_ device: String) -> InterfaceStats? {
        guard let fields, let prefix = prefix(of: device, in: "net") else { return nil }
        guard let rxBytes = fields.unsigned(prefix + "rx.bytes") else { return nil }
        var stats = InterfaceStats()
        stats.rxBytes = rxBytes
        stats.rxPackets = fields.unsigned(prefix + "rx.pkts") ?? 0
        stats.rxErrors = fields.unsigned(prefix + "rx.errs") ?? 0
        stats.rxDrops = fields.unsigned(prefix + "rx.drop") ?? 0
        stats.txBytes = fields.unsigned(prefix + "tx.bytes") ?? 0
        stats.txPackets = fields.unsigned(prefix + "tx.pkts") ?? 0
        stats.txErrors = fields.unsigned(prefix + "tx.errs") ?? 0
        stats.txDrops = fields.unsigned(prefix + "tx.drop") ?? 0
        return stats
    }

    /// `group.N.` for the first entry of a numbered group (`block`, `net`) whose name is `name`.
    private func prefix(of name: String, in group: String) -> String? {
        guard let fields, let count = fields.unsigned(group + ".count") else { return nil }
        return (0..<count).lazy.map { "\(group).\($0)." }.first { fields.string($0 + "name") == name }
    }
}

/// The figures `virDomainGetInfo` gives, from wherever they came.
struct DomainFigures {
    var cpuTime: UInt64
    var memoryKiB: UInt64
    var maxMemoryKiB: UInt64
    var vcpus: UInt32
    var maxVcpus: UInt32

    init(cpuTime: UInt64, memoryKiB: UInt64, maxMemoryKiB: UInt64, vcpus: UInt32, maxVcpus: UInt32) {
        self.cpuTime = cpuTime
        self.memoryKiB = memoryKiB
        self.maxMemoryKiB = maxMemoryKiB
        self.vcpus = vcpus
        self.maxVcpus = maxVcpus
    }
}
