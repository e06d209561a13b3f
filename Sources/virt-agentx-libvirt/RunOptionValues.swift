import ArgumentParser
import Commands
import TableCommands
import MIB
import LibvirtCollector

// The values only `run` takes; the shared ones are in Commands' OptionValues.

enum SecondsUpToADay: IntegerBounds {
    static let range = 1...86_400
    static let unit = "seconds"
}

enum Percent: IntegerBounds {
    static let range = 1...100
    static let unit = "percent"
}

enum SecondsUpToAMonth: IntegerBounds {
    static let range = 0...2_678_400
    static let unit = "seconds (0 turns deep checks off)"
}

enum MebibytesPerSecond: IntegerBounds {
    static let range = 1...1_024
    static let unit = "MiB/s"
}

/// Seconds between libvirt polls.
typealias PollInterval = BoundedInteger<SecondsUpToADay>
typealias PercentValue = BoundedInteger<Percent>
/// Seconds a file's deep check stands before it is checked again.
typealias DeepCheckInterval = BoundedInteger<SecondsUpToAMonth>
typealias DeepCheckRate = BoundedInteger<MebibytesPerSecond>

/// yes or no, for a setting that is a switch in the file and a flag's value alike.
enum YesOrNo: String, OptionValue, CaseIterable, Sendable {
    case yes, no
    var isOn: Bool { self == .yes }
}

/// A libvirt URI: any text libvirt may take, but not an empty one.
struct LibvirtURI: OptionValue, Hashable, Sendable, CustomStringConvertible {
    let text: String
    init?(argument: String) {
        guard !argument.isEmpty else { return nil }
        text = argument
    }
    static let expectation = "needs a libvirt URI such as qemu:///system"
    var description: String { text }
}

/// Where row indexes are kept, or `none` for memory only.
enum StateFolder: OptionValue, Hashable, Sendable {
    case folder(String)
    case inMemory

    init?(argument: String) {
        switch argument {
        case "": return nil
        case "none": self = .inMemory
        default: self = .folder(argument)
        }
    }
    static let expectation = "needs a folder, or none to keep row indexes in memory"

    var path: String? {
        guard case .folder(let path) = self else { return nil }
        return path
    }
}

/// One notification kind by the name options use; MIB's `NotificationKinds.names`
/// is the list of names.
struct NotificationKindName: OptionValue, Hashable, Sendable, CustomStringConvertible {
    let name: String
    let kind: NotificationKinds

    init?(argument: String) {
        guard let kind = NotificationKinds.names[argument] else { return nil }
        (name, self.kind) = (argument, kind)
    }

    /// In the order of the kinds' bits: domain-state, chain-health, pool-state, ...
    static var allValueStrings: [String] {
        NotificationKinds.names.sorted { $0.value.rawValue < $1.value.rawValue }.map(\.key)
    }

    var description: String { name }
    static func == (a: Self, b: Self) -> Bool { a.name == b.name }
    func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

extension VMNotificationPolicy.Mode: ExpressibleByArgument, OptionValue {}


extension StatisticGroup: ExpressibleByArgument, OptionValue {}
