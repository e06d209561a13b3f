import Foundation
@testable import MIB
import Testing
import VirtModel

/// What a SET may change, decided from a snapshot alone: the object, the type,
/// the value, then the domain's state.
@Suite struct ControlWritesTests {
    func domain(_ index: UInt32, _ state: DomainState, persistent: Bool = true) -> Domain {
        Domain(index: index, name: "vm\(index)", uuid: String(format: "00000000-0000-0000-0000-%012d", index),
               state: state, stateReason: 1, id: state == .shutoff ? -1 : Int32(index),
               vcpus: 1, maxVcpus: 1, memoryKiB: 1024, maxMemoryKiB: 1024, cpuTimeNanoseconds: 0,
               autostart: false, persistent: persistent, osType: "hvm")
    }

    var snapshot: Snapshot {
        Snapshot(host: Host(uri: "test:///default"),
                 domains: [domain(1, .shutoff), domain(2, .running), domain(3, .paused), domain(4, .running, persistent: false)])
    }

    let action = VirtAgentxMIB.objectsRoot.appending(15, 1, 1)

    @Test func theActionColumnTakesAnIntegerOfTheEnumerationForAnExistingRow() {
        #expect(ControlWrites.write(action.appending(1), type: 0x02, integer: 1, in: snapshot)
                == .success(.domain(uuid: "00000000-0000-0000-0000-000000000001", name: "vm1", action: .running)))
        #expect(ControlWrites.write(action.appending(1), type: 0x04, integer: 1, in: snapshot) == .failure(.wrongType), "an OCTET STRING")
        #expect(ControlWrites.write(action.appending(1), type: 0x02, integer: 0, in: snapshot) == .failure(.wrongValue), "none")
        #expect(ControlWrites.write(action.appending(1), type: 0x02, integer: 8, in: snapshot) == .failure(.wrongValue))
        #expect(ControlWrites.write(action.appending(1), type: 0x02, integer: -1, in: snapshot) == .failure(.wrongValue))
        #expect(ControlWrites.write(action.appending(9), type: 0x02, integer: 1, in: snapshot) == .failure(.noCreation), "no row 9")
        #expect(ControlWrites.write(VirtAgentxMIB.objectsRoot.appending(15, 1, 2, 1), type: 0x02, integer: 1, in: snapshot)
                == .failure(.notWritable), "virtControlStatus")
        #expect(ControlWrites.write(VirtAgentxMIB.objectsRoot.appending(2, 1, 2, 1), type: 0x04, integer: 0, in: snapshot)
                == .failure(.notWritable), "virtDomainName")
    }

    @Test func theNotificationSwitchesTakeATruthValue() {
        #expect(ControlWrites.write(VMMIB.switches[0].oid.appending(0), type: 0x02, integer: 2, in: snapshot) == .success(.perVMNotifications(false)))
        #expect(ControlWrites.write(VMMIB.switches[1].oid.appending(0), type: 0x02, integer: 1, in: snapshot) == .success(.bulkNotifications(true)))
        #expect(ControlWrites.write(VMMIB.switches[1].oid.appending(0), type: 0x02, integer: 3, in: snapshot) == .failure(.wrongValue))
        #expect(ControlWrites.write(VMMIB.switches[1].oid.appending(1), type: 0x02, integer: 1, in: snapshot) == .failure(.noCreation))
    }

    @Test func theDomainsStateDecides() {
        func check(_ index: UInt32, _ action: DomainAction, busy: Set<String> = []) -> ControlWrites.Refusal? {
            let domain = snapshot.domains[Int(index) - 1]
            return ControlWrites.check(.domain(uuid: domain.uuid, name: domain.name, action: action), in: snapshot, inProgress: busy)
        }
        #expect(check(1, .running) == nil && check(3, .running) == nil, "start a shut-off domain, resume a paused one")
        #expect(check(2, .running) == .inconsistentValue, "start a running domain")
        #expect(check(1, .paused) == .inconsistentValue && check(2, .paused) == nil)
        #expect(check(2, .suspended) == nil && check(4, .suspended) == .inconsistentValue, "no managed save for a transient domain")
        #expect(check(1, .off) == .inconsistentValue && check(3, .off) == nil)
        #expect(check(2, .shutdown) == nil && check(3, .shutdown) == .inconsistentValue)
        #expect(check(3, .reset) == nil && check(1, .reboot) == .inconsistentValue)
        #expect(check(2, .paused, busy: [snapshot.domains[1].uuid]) == .inconsistentValue, "an action still in progress")
        #expect(ControlWrites.check(.perVMNotifications(true), in: snapshot, inProgress: []) == nil)
    }

    @Test func theActionsAreNumberedAsVmAdminStateForTheFirstFour() {
        #expect([DomainAction.running, .suspended, .paused, .shutdown].map(\.rawValue) == [VMAdminState.running, .suspended, .paused, .shutdown].map(\.rawValue))
    }
}
