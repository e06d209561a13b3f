import ArgumentParser
import Testing
@testable import Commands

/// `CommandEntry.parseLeafFirst` parses a leaf subcommand's line by that
/// subcommand alone, and must give what parsing through the tree gives.
@Suite("Leaf-first parsing")
struct LeafFirstParseTests {
    struct Root: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "tool", subcommands: [Group.self])
    }
    struct Group: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "group", subcommands: [Leaf.self])
    }
    struct Leaf: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "leaf")
        @Option(name: .short) var count: Int
        @Flag var verbose = false
    }

    @Test func aLeafLineParsesAsThroughTheTree() throws {
        let line = ["group", "leaf", "-c", "3", "--verbose"]
        let fast = try #require(try CommandEntry.parseLeafFirst(Root.self, line) as? Leaf)
        let tree = try #require(try Root.parseAsRoot(line) as? Leaf)
        #expect(fast.count == 3 && fast.verbose)
        #expect(fast.count == tree.count && fast.verbose == tree.verbose)
    }

    @Test func errorsAndHelpReadAsTheTreeWritesThem() {
        for line in [["group", "leaf", "-c", "many"], ["group", "leaf"]] {
            let fast = Result { try CommandEntry.parseLeafFirst(Root.self, line) }
            let tree = Result { try Root.parseAsRoot(line) }
            guard case .failure(let fastError) = fast, case .failure(let treeError) = tree else {
                Issue.record("\(line): expected both to fail, got \(fast) and \(tree)")
                continue
            }
            #expect(Root.fullMessage(for: fastError) == Root.fullMessage(for: treeError), "\(line)")
            #expect(Root.exitCode(for: fastError) == Root.exitCode(for: treeError), "\(line)")
        }
        // Help goes through the tree, which answers with help for the whole command stack.
        let help = try? CommandEntry.parseLeafFirst(Root.self, ["group", "leaf", "--help"])
        #expect(help != nil && !(help is Leaf), "help: \(String(describing: help))")
        // (Its description lists the command stack: the leaf alone would answer for itself only.)
        #expect(String(describing: help) == String(describing: try? Root.parseAsRoot(["group", "leaf", "--help"])))
        // The usage names the whole command, as typed.
        let missing = Result { try CommandEntry.parseLeafFirst(Root.self, ["group", "leaf"]) }
        if case .failure(let error) = missing {
            #expect(Root.fullMessage(for: error).contains("tool group leaf"), "\(Root.fullMessage(for: error))")
        }
    }
}
