/// A full consistency check of a qcow2 file's metadata in pure Swift: the
/// refcounts every table implies, rebuilt and compared with the refcounts on
/// disk, as `qemu-img check` compares them (qemu's qcow2-refcount.c is the
/// reference for what counts as what), without qemu.
///
/// It reads only, and only metadata: the header, L1 and L2 tables (active and
/// snapshots'), the refcount table and blocks, the snapshot table, the bitmap
/// directory and tables; never a data cluster. Memory is two bytes per cluster
/// of the file (what qemu keeps), and the bytes read are capped by
/// ``readBudget(fileSize:)``: tables that point at each other over and over
/// end the check with an error, not a hang.
public enum QCow2DeepCheck {
    /// Checks the qcow2 file at `path` (this file only, not its backing chain),
    /// its reads paced by `pace` when one is given.
    public static func check(path: String, pace: ReadPace? = nil) throws(DeepCheckError) -> QCow2CheckResult {
        let file = try MetadataFile(path: path)
        file.budget = readBudget(fileSize: file.size)
        file.pace = pace
        let header: QCow2Header
        do {
            let format = try FormatDetector.detect(file)
            guard format == .qcow2 else { throw DeepCheckError.notQCow2(format: format.rawValue) }
            header = try QCow2Header.read(from: file)
        } catch let error as DeepCheckError {
            throw error
        } catch let problem as HeaderProblem {
            throw .unopenable(problem.description)
        } catch {
            throw .readFailed(offset: 0, "header")
        }
        var run = try CheckRun(file: file, header: header)
        run.result.openByQEMU = file.isLockedByQEMU
        try run.run()
        run.result.bytesRead = file.bytesRead
        return run.result
    }

    /// Metadata bytes a check may read: sixteen times the file plus 64 MiB. A
    /// healthy image's tables are a small part of the file, read at most twice
    /// (and once more per snapshot sharing them); tables past the end of the
    /// file are zeros and not read at all.
    public static func readBudget(fileSize: UInt64) -> UInt64 {
        fileSize.multipliedReportingOverflow(by: 16).partialValue.addingReportingOverflow(64 << 20).partialValue
    }

    /// The most clusters checked: 2^31 - 1 as qemu counts, and at most 2^27
    /// (256 MiB of counts) here.
    static let maxClusters = 1 << 27
}
