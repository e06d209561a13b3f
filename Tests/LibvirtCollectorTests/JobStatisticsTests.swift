import CLibvirt
@testable import LibvirtCollector
import Testing
import VirtModel

/// libvirt's job statistics fields, as `virDomainGetJobStats` and the
/// job-completed event give them, read into a job: operation numbers, the
/// figures present, and those absent left absent.
@Suite struct JobStatisticsTests {
    init() throws {
        // These tests may be the process's first libvirt calls: no connection has initialised it.
        try #require(LibvirtLibrary.initialized, "virInitialize")
    }

    /// A typed parameter list built with libvirt's own functions.
    func fields(_ values: [(String, UInt64)], ints: [(String, Int32)] = [], booleans: [(String, Bool)] = [],
                strings: [(String, String)] = []) -> TypedParameters {
        var parameters: virTypedParameterPtr?
        var count: Int32 = 0, capacity: Int32 = 0
        for (name, value) in values { _ = virTypedParamsAddULLong(&parameters, &count, &capacity, name, value) }
        for (name, value) in ints { _ = virTypedParamsAddInt(&parameters, &count, &capacity, name, value) }
        for (name, value) in booleans { _ = virTypedParamsAddBoolean(&parameters, &count, &capacity, name, value ? 1 : 0) }
        for (name, value) in strings { _ = virTypedParamsAddString(&parameters, &count, &capacity, name, value) }
        defer { virTypedParamsFree(parameters, count) }
        return TypedParameters(parameters, count: Int(count))
    }

    @Test func aSaveAsTheCompletedEventCarriesIt() {
        // What libvirtd sent for `virsh save` on the TCG domain (the event's fields).
        let job = DomainJob(fields([("time_elapsed", 51), ("downtime", 41), ("data_total", 67_502_080),
                                    ("data_processed", 598_800), ("data_remaining", 0), ("memory_dirty_rate", 0),
                                    ("memory_iteration", 2)], ints: [("operation", 2)]), status: .completed)
        #expect(job.operation == .save && job.status == .completed)
        #expect(job.elapsedMilliseconds == 51 && job.downtimeMilliseconds == 41)
        #expect(job.dataTotal == 67_502_080 && job.dataProcessed == 598_800 && job.dataRemaining == 0)
        #expect(job.iteration == 2 && job.dirtyRate == 0)
        #expect(job.remainingMilliseconds == nil, "a save reports no time remaining: absent, not zero")
    }

    @Test func theCompletedEventSaysWhetherTheJobSucceededAndWhy() {
        // What libvirtd sent when `virsh domjobabort` ended a pull backup: success, with a message.
        let backup = DomainJob(completedEvent: fields([("time_elapsed", 1140), ("disk_temp_used", 0), ("disk_temp_total", 16_777_216)],
                                                      ints: [("operation", 9)], booleans: [("success", true)],
                                                      strings: [("errmsg", "Operation canceled")]))
        #expect(backup.operation == .backup && backup.status == .completed && backup.message == "Operation canceled")
        #expect(backup.elapsedMilliseconds == 1140)
        let migration = DomainJob(completedEvent: fields([("time_elapsed", 9000)], ints: [("operation", 5)], booleans: [("success", false)],
                                                         strings: [("errmsg", "operation failed: job 'migration out' failed in post-copy phase")]))
        #expect(migration.status == .failed && migration.message?.hasPrefix("operation failed") == true)
        let older = DomainJob(completedEvent: fields([("time_elapsed", 51)], ints: [("operation", 2)]))
        #expect(older.status == .completed && older.message == nil, "no success field (libvirt before 6.6): completed, no message")
        #expect(DomainJob(completedEvent: fields([], strings: [("errmsg", "")])).message == nil, "an empty message is no message")
    }

    @Test func everyOperationLibvirtNumbersMapsAndAnUnknownOneIsUnknown() {
        let expected: [(Int32, DomainJob.Operation)] = [
            (0, .unknown), (1, .start), (2, .save), (3, .restore), (4, .incomingMigration), (5, .outgoingMigration),
            (6, .snapshot), (7, .snapshotRevert), (8, .dump), (9, .backup), (10, .snapshotDelete)]
        for (number, operation) in expected {
            #expect(DomainJob(fields([], ints: [("operation", number)]), status: .running).operation == operation)
        }
        #expect(Int32(VIR_DOMAIN_JOB_OPERATION_SNAPSHOT_DELETE.rawValue) == 10, "libvirt's numbering")
        #expect(DomainJob(fields([], ints: [("operation", 99)]), status: .running).operation == .unknown)
        #expect(DomainJob(fields([]), status: .failed).operation == .unknown, "no operation field")
        #expect(Int32(VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT.rawValue) == BlockJob.Kind.activeCommit.rawValue)
        #expect(Int32(VIR_DOMAIN_BLOCK_JOB_TYPE_BACKUP.rawValue) == BlockJob.Kind.backup.rawValue)
    }
}
