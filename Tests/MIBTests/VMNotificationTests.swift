import Foundation
@testable import MIB
import Testing
import VirtModel

/// RFC 7666's notifications from the difference of two snapshots.
@Suite struct VMNotificationTests {
    func domain(_ index: UInt32, _ state: DomainState, reason: Int32 = 1) -> Domain {
        Domain(index: index, name: "vm\(index)", uuid: String(format: "00000000-0000-0000-0000-%012d", index),
               state: state, stateReason: reason, id: state == .shutoff ? -1 : Int32(index),
               vcpus: 1, maxVcpus: 1, memoryKiB: 1024, maxMemoryKiB: 1024, cpuTimeNanoseconds: 0,
               autostart: false, persistent: true, osType: "hvm")
    }

    func snapshot(_ domains: [Domain]) -> Snapshot {
        var host = Host(uri: "test:///default")
        host.connection = .connected
        host.lastPoll = Date()
        return Snapshot(host: host, domains: domains)
    }

    @Test func oneNotificationPerVMThatChangedState() {
        let old = snapshot([domain(1, .shutoff), domain(2, .running), domain(3, .running)])
        let new = snapshot([domain(1, .running), domain(2, .paused), domain(3, .running)])
        let sent = VMMIB.notifications(from: old, to: new, policy: .init())
        #expect(sent.map(\.oid) == [[1, 3, 6, 1, 2, 1, 236, 0, 1], [1, 3, 6, 1, 2, 1, 236, 0, 4]], "vmRunning, vmPaused")
        let running = sent[0].varbinds
        #expect(running.map(\.oid) == [[1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 2, 1], [1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 3, 1],
                                       [1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 6, 1]], "vmName, vmUUID, vmOperState of row 1")
        #expect(running[0].value == .string("vm1") && running[2].value == .integer(11),
                "vmOperState is the state it left: shutdown(11)")
        #expect(sent[1].varbinds[2].value == .integer(4), "vmPaused carries running(4), the state before")
        #expect(running[1].value == .octets([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))
    }

    @Test func aVanishedVMIsDeletedWithItsPersistence() {
        let sent = VMMIB.notifications(from: snapshot([domain(1, .running), domain(2, .shutoff)]),
                                       to: snapshot([domain(1, .running)]), policy: .init())
        #expect(sent.map(\.oid) == [[1, 3, 6, 1, 2, 1, 236, 0, 10]])
        #expect(sent.first?.varbinds.last == .init(oid: [1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 8, 2], value: .integer(2)))
    }

    @Test func aStormGoesOutAsBulkNotificationsNamingEveryVM() {
        let old = snapshot((1...12).map { domain($0, .shutoff) })
        let new = snapshot((1...12).map { domain($0, $0 == 12 ? .crashed : .running) })
        let sent = VMMIB.notifications(from: old, to: new, policy: .init(mode: .perVMOrBulk, perVMLimit: 10))
        #expect(sent.map(\.oid) == [[1, 3, 6, 1, 2, 1, 236, 0, 11], [1, 3, 6, 1, 2, 1, 236, 0, 19]], "vmBulkRunning, vmBulkCrashed")
        #expect(VMMIB.notifications(from: old, to: new, policy: .init(mode: .perVM)).count == 12,
                "the RFC's per-VM switch alone has no storm rule: one per VM")
        #expect(sent[0].varbinds == [.init(oid: [1, 3, 6, 1, 2, 1, 236, 1, 11, 0], value: .octets([0xFF, 0xE0]))],
                "vmAffectedVMs: VMs 1 to 11, the most significant bit first")
        #expect(sent[1].varbinds.first?.value == .octets([0x00, 0x10]), "VM 12")
    }

    @Test func bulkOnlyAndOffAreHonoured() {
        let old = snapshot([domain(1, .running)]), new = snapshot([domain(1, .shutoff)])
        #expect(VMMIB.notifications(from: old, to: new, policy: .init(mode: .bulk)).map(\.oid)
                == [[1, 3, 6, 1, 2, 1, 236, 0, 13]], "vmBulkShutdown")
        #expect(VMMIB.notifications(from: old, to: new, policy: .init(mode: .off)).isEmpty)
        #expect(VMMIB.notifications(from: old, to: new, policy: .init(mode: .both)).map(\.oid)
                == [[1, 3, 6, 1, 2, 1, 236, 0, 3], [1, 3, 6, 1, 2, 1, 236, 0, 13]], "both switches: vmShutdown and vmBulkShutdown")
        #expect(VMMIB.notifications(from: old, to: new, policy: .init(mode: .perVMOrBulk)).map(\.oid)
                == [[1, 3, 6, 1, 2, 1, 236, 0, 3]], "one VM is no storm: per-VM only")
        let policy = VMNotificationPolicy(mode: .perVM)
        #expect(policy.perVMEnabled && !policy.bulkEnabled, "per-vm: vmBulkNotificationsEnabled false")
        #expect(VMMIB.notifications(from: nil, to: new, policy: .init()).isEmpty, "nothing for the first snapshot")
    }

    @Test func aNewRowLeftPreparing() {
        let sent = VMMIB.notifications(from: snapshot([domain(1, .running)]),
                                       to: snapshot([domain(1, .running), domain(2, .shutoff)]), policy: .init())
        #expect(sent.map(\.oid) == [[1, 3, 6, 1, 2, 1, 236, 0, 3]], "a defined domain: vmShutdown, as the RFC's preparing -> shutdown")
        #expect(sent.first?.varbinds[2] == .init(oid: [1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 6, 2], value: .integer(3)), "preparing(3)")
    }

    @Test func libvirtStatesAndReasonsMapToTheRFCStates() {
        #expect(domain(1, .paused, reason: 1).vmAdminState == .paused, "paused by a user")
        #expect(domain(1, .paused, reason: 5).vmAdminState == .running, "paused by an I/O error: meant to run")
        #expect(domain(1, .paused, reason: 2).vmOperState == .migrating)
        #expect(domain(1, .paused, reason: 11).vmOperState == .preparing)
        #expect(domain(1, .shutoff, reason: 5).vmOperState == .suspended, "managed save")
        #expect(domain(1, .shutoff, reason: 1).vmOperState == .shutdown)
        #expect(domain(1, .shutdown).vmOperState == .shuttingdown)
        #expect(domain(1, .crashed).vmOperState == .crashed && domain(1, .crashed).vmAdminState == .running)
        #expect(domain(1, .pmsuspended).vmOperState == .paused && domain(1, .pmsuspended).vmAdminState == .paused,
                "suspended to RAM: resident in memory, not scheduled")
        #expect(domain(1, .shutoff, reason: 3).vmOperState == .crashed, "shut off after a crash")
        #expect(domain(1, .paused, reason: 3).vmAdminState == .suspended && domain(1, .paused, reason: 3).vmOperState == .suspending)
        #expect(domain(1, .paused, reason: 8).vmAdminState == .shutdown, "paused on its way down")
        var migrating = domain(1, .running)
        migrating.job = DomainJob(operation: .outgoingMigration, status: .running)
        #expect(migrating.vmOperState == .migrating && migrating.vmAdminState == .running, "a live migration")
        migrating.job?.status = .completed
        #expect(migrating.vmOperState == .running, "a migration that ended")
        #expect(VMMIB.vmList([1, 9]) == [0x80, 0x80])
    }
}
