import Foundation
import Testing
import TestSupport
@testable import ImageInspector

/// The deep check against `qemu-img check`, count for count, on images damaged
/// every way scripts/lib/damaged-qcow2.py knows (it makes them with qemu-img and
/// qemu-io, patches bytes, and records what qemu-img check says of each).
@Suite("Deep check agrees with qemu-img check", .serialized)
struct DeepCheckAgreementTests {
    static let requirement = Requirement("the deep-check agreement tests", unavailableReason:
        ["qemu-img", "qemu-io", "python3"].first { Requirement.executable($0) == nil }.map { "\($0) is not installed (scripts/setup installs qemu-utils and python3)" })

    struct Case: Decodable {
        var name: String
        var file: String
        var what: String
        var qemu: [String: JSONValue]
        func qemuCount(_ field: String) -> Int { qemu[field]?.integer ?? 0 }
    }

    enum JSONValue: Decodable {
        case number(Double), text(String), other
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Double.self) { self = .number(value) }
            else if let value = try? container.decode(String.self) { self = .text(value) }
            else { self = .other }
        }
        var integer: Int? { if case .number(let value) = self { Int(value) } else { nil } }
    }

    /// The cases, made once for the suite.
    static let cases: Result<[Case], any Error> = Result {
        try requirement.require()
        let folder = try ScratchFolder.forTheRun(prefix: "virt-agentx-deep")
        let made = try Command.run("python3", [Repository.file("scripts/lib/damaged-qcow2.py").path, folder.url.path])
        guard made.status == 0 else { throw HarnessError("damaged-qcow2.py failed (\(made.status)): \(made.stderr)") }
        return try JSONDecoder().decode([Case].self, from: Data(contentsOf: folder.file("cases.json")))
    }

    @Test func corruptionsLeaksAndFiguresEqualQemuImgCheck() throws {
        let cases = try Self.cases.get()
        #expect(cases.count >= 40, "damaged-qcow2.py made \(cases.count) cases")
        var disagreements: [String] = []
        var table = ["case | qemu-img corruptions/leaks | ours"]
        defer { print(table.joined(separator: "\n")) }
        for item in cases {
            let ours: QCow2CheckResult
            do {
                ours = try QCow2DeepCheck.check(path: item.file)
            } catch {
                disagreements.append("\(item.name): deep check failed: \(error) (\(item.what))")
                continue
            }
            table.append("\(item.name) | \(item.qemuCount("corruptions"))/\(item.qemuCount("leaks")) | \(ours.corruptions)/\(ours.leaks)")
            let pairs: [(String, Int, Int)] = [
                ("corruptions", item.qemuCount("corruptions"), ours.corruptions),
                ("leaks", item.qemuCount("leaks"), ours.leaks),
                ("check-errors", item.qemuCount("check-errors"), ours.checkErrors),
                ("image-end-offset", item.qemuCount("image-end-offset"), Int(ours.imageEndOffset)),
                ("total-clusters", item.qemuCount("total-clusters"), Int(ours.totalClusters)),
                ("allocated-clusters", item.qemuCount("allocated-clusters"), Int(ours.allocatedClusters)),
                ("fragmented-clusters", item.qemuCount("fragmented-clusters"), Int(ours.fragmentedClusters)),
                ("compressed-clusters", item.qemuCount("compressed-clusters"), Int(ours.compressedClusters)),
            ]
            for (field, theirs, mine) in pairs where theirs != mine {
                disagreements.append("\(item.name): \(field) qemu-img \(theirs), ours \(mine) (\(item.what)); our findings: \(ours.findings.map(\.message))")
            }
        }
        #expect(disagreements.isEmpty, Comment(rawValue: "\(disagreements.count) disagreements:\n" + disagreements.joined(separator: "\n")))
    }
}
