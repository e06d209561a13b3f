import Foundation
import MIB
import Testing
import TestSupport
import Yams

/// Checks `integrations/zabbix/virt-agentx-template.yaml` against the MIB the agent serves
/// (`VirtAgentxMIB.objects`, which MIBFileAgreementTests proves equal to the MIB file).
///
/// A Zabbix server cannot tell a wrong OID from an agent that has no data: the item just
/// goes unsupported. So every OID, item type, value map and trigger reference is checked
/// here, and renaming or renumbering a MIB object makes this suite fail until the template
/// follows.
struct ZabbixTemplateTests {
    @Test func parsesAsAZabbix60TemplateExport() throws {
        let export = try ZabbixExport.load()
        #expect(export.version == "6.0")
        #expect(export.templates.map(\.template) == ["virt-agentx by SNMP"])
    }

    @Test func everyOIDIsAnAccessibleObjectOfTheMIB() throws {
        for reading in try ZabbixExport.load().readings() {
            guard let object = reading.object else {
                Issue.record("\(reading.item): \(reading.oid) is no object of VIRT-AGENTX-MIB")
                continue
            }
            #expect(object.kind == reading.expectedKind,
                    "\(reading.item): \(object.name) is a \(object.kind), read as a \(reading.expectedKind)")
            #expect(object.access == .readOnly, "\(reading.item): \(object.name) is \(object.access.rawValue)")
        }
    }

    /// The OID alone would keep pointing at whatever object takes its number, so each item
    /// also names its object; a renamed or renumbered object then shows up as a mismatch.
    @Test func everyItemNamesTheObjectItReads() throws {
        for reading in try ZabbixExport.load().readings() where reading.kind != .discovery {
            guard let object = reading.object else { continue }   // reported by the OID test
            #expect(reading.declaredName == object.name,
                    "\(reading.item): description names \(reading.declaredName ?? "no MIB object"), \(reading.oid) is \(object.name)")
        }
    }

    @Test func valueTypesFitTheSyntax() throws {
        for reading in try ZabbixExport.load().readings() where reading.kind != .discovery {
            guard let object = reading.object, let syntax = object.syntax else { continue }
            let item = reading.itemDefinition!
            let allowed = allowedValueTypes(syntax.base, producesFractions: item.producesFractions)
            #expect(allowed.contains(item.valueType),
                    "\(reading.item): \(object.name) (\(syntax.base)) read as \(item.valueType), expected one of \(allowed.sorted())")
        }
    }

    /// A plain Counter64 means nothing until it is a rate; VirtGauge64 is carried as Counter64
    /// but its MIB description forbids rates, and a gauge's change per second is noise.
    @Test func ratesAreComputedFromCountersOnly() throws {
        for reading in try ZabbixExport.load().readings() where reading.kind != .discovery {
            guard let object = reading.object, let syntax = object.syntax else { continue }
            let isCounter = syntax == .counter64 || syntax == .counter32
            #expect(reading.itemDefinition!.isRate == isCounter,
                    isCounter ? "\(reading.item): counter \(object.name) needs a change-per-second step"
                              : "\(reading.item): \(object.name) is not a counter, it must not be turned into a rate")
        }
    }

    @Test func valueMapsEqualTheMIBEnumerations() throws {
        let export = try ZabbixExport.load()
        let maps = Dictionary(uniqueKeysWithValues: export.template.valuemaps.map { ($0.name, $0) })
        var used: Set<String> = []
        for reading in try export.readings() where reading.kind != .discovery {
            guard let object = reading.object, let syntax = object.syntax else { continue }
            let mapName = reading.itemDefinition!.valuemap?.name
            guard case let .enumeration(numbers) = syntax.base else {
                // Only an Unsigned32's sentinel (4294967295, "never") may be named, so it does not read as 136 years.
                if let mapName, let map = maps[mapName] {
                    #expect(syntax.base == .unsigned32 && map.mappings.map(\.value) == ["\(UInt32.max)"],
                            "\(reading.item): \(object.name) is no enumeration but has value map \(mapName)")
                    used.insert(mapName)
                }
                continue
            }
            // A value map is named after the textual convention (shared by several columns),
            // or after the object for an enumeration of its own.
            let expectedName = syntax.conventionName ?? object.name
            #expect(mapName == expectedName, "\(reading.item): \(object.name) needs value map \(expectedName)")
            guard let mapName, let map = maps[mapName] else {
                Issue.record("\(reading.item): value map \(mapName ?? expectedName) is not in the template")
                continue
            }
            used.insert(mapName)
            let expected = numbers.all.map { Mapping(value: String($0.value), newvalue: $0.name) }
            #expect(map.mappings == expected, "value map \(mapName) differs from \(object.name)'s enumeration")
        }
        #expect(Set(maps.keys) == used, "value maps no item uses: \(Set(maps.keys).subtracting(used).sorted())")
    }

    @Test func triggersReferenceItemsOfTheTemplate() throws {
        let export = try ZabbixExport.load()
        let template = export.template
        let itemKeys = Set(template.items.map(\.key))
        var expressions = 0
        func check(_ expression: String, _ owner: String, keys: Set<String>) {
            let references = itemReferences(in: expression)
            #expect(!references.isEmpty, "\(owner): \(expression) references no item")
            for (host, key) in references {
                // Triggers name the template; calculated items may leave the host empty (this host).
                #expect(host == template.template || (host.isEmpty && owner.hasPrefix("calculated")),
                        "\(owner): \(expression) names host '\(host)'")
                #expect(keys.contains(key), "\(owner): \(expression) references \(key), which the template lacks")
            }
            expressions += 1
        }
        for item in template.items {
            for trigger in item.triggers { check(trigger.expression, "trigger \(trigger.name)", keys: itemKeys) }
        }
        for rule in template.discoveryRules {
            // A prototype may use the rule's prototypes and the template's plain items.
            let keys = itemKeys.union(rule.itemPrototypes.map(\.key))
            for prototype in rule.itemPrototypes {
                for trigger in prototype.triggerPrototypes {
                    check(trigger.expression, "trigger prototype \(trigger.name)", keys: keys)
                }
                if prototype.type == "CALCULATED" {
                    check(try #require(prototype.params), "calculated item \(prototype.key)", keys: keys)
                }
            }
            for trigger in rule.triggerPrototypes {
                check(trigger.expression, "trigger prototype \(trigger.name)", keys: keys)
            }
        }
        #expect(expressions > 0)
    }

    @Test func everyUserMacroIsDefined() throws {
        let export = try ZabbixExport.load()
        let defined = Set(export.template.macros.map { macroName($0.macro) })
        let used = Set(matches(of: #"\{\$([A-Z0-9_.]+)"#, in: export.text).map { "{$\($0[0])}" })
        #expect(used.isSubset(of: defined), "macros used but not defined: \(used.subtracting(defined).sorted())")
    }

    /// Zabbix 6 matches objects on import by uuid: they must be 32 hex digits and unique.
    /// History belongs to the domain, disk or volume, not to a row index the agent may renumber.
    @Test func discoveredItemsAreKeyedOnWhatNamesTheirRow() throws {
        let template = try ZabbixExport.load().template
        for rule in template.discoveryRules {
            for item in rule.itemPrototypes {
                #expect(!item.key.contains("{#SNMPINDEX}"), "\(item.key): keyed on the row index")
                #expect(item.key.contains("UUID}"), "\(item.key): keyed on no UUID")
            }
            for trigger in rule.itemPrototypes.flatMap(\.triggerPrototypes) + rule.triggerPrototypes {
                #expect(!trigger.expression.contains("{#SNMPINDEX}"), "\(trigger.name): \(trigger.expression)")
            }
        }
    }

    /// Items carry a component tag, triggers a scope tag; every problem about domains or
    /// storage waits on the stale-data trigger, which waits on libvirt and the agent.
    @Test func everythingIsTaggedAndWaitsOnTheAgent() throws {
        let template = try ZabbixExport.load().template
        let hostTriggers = template.items.flatMap(\.triggers)
        let expressions = Dictionary(uniqueKeysWithValues: hostTriggers.map { ($0.name, $0.expression) })
        for item in template.items + template.discoveryRules.flatMap(\.itemPrototypes) {
            #expect(item.tags.contains { $0.tag == "component" }, "\(item.key) has no component tag")
        }
        let prototypes = template.discoveryRules.flatMap { $0.itemPrototypes.flatMap(\.triggerPrototypes) + $0.triggerPrototypes }
        for trigger in hostTriggers + prototypes {
            #expect(trigger.tags?.contains { $0.tag == "scope" } == true, "\(trigger.name) has no scope tag")
            for dependency in trigger.dependencies ?? [] {
                #expect(expressions[dependency.name] == dependency.expression, "\(trigger.name) depends on \(dependency.name), which the template lacks")
            }
        }
        let stale = try #require(hostTriggers.first { $0.name.hasPrefix("virt-agentx: data is older") })
        let agentDown = try #require(hostTriggers.first { $0.expression.hasPrefix("nodata(") })
        for trigger in prototypes {
            #expect(trigger.dependencies?.map(\.name) == [stale.name], "\(trigger.name) waits on stale data")
        }
        for trigger in hostTriggers where trigger.name != agentDown.name {
            #expect(trigger.dependencies?.contains { $0.name == agentDown.name } == true, "\(trigger.name) waits on the agent")
        }
    }

    @Test func uuidsAreUniqueAndWellFormed() throws {
        let uuids = try ZabbixExport.load().uuids
        #expect(uuids.count >= 40)
        #expect(Set(uuids).count == uuids.count, "duplicated uuids")
        for uuid in uuids {
            #expect(uuid.count == 32 && uuid.allSatisfy(\.isHexDigit) && uuid == uuid.lowercased(), "bad uuid \(uuid)")
        }
    }
}

// MARK: - What an item's syntax allows

/// Zabbix value types an object of `syntax` may be stored as.
private func allowedValueTypes(_ syntax: Syntax, producesFractions: Bool) -> Set<String> {
    switch syntax {
    case .displayString, .dateAndTime, .macAddress, .octetString, .objectIdentifier:
        ["CHAR", "TEXT"]
    case .timeTicks:
        producesFractions ? ["FLOAT"] : ["UNSIGNED"]
    case .enumeration, .truthValue:
        ["UNSIGNED"]                 // value maps match whole numbers
    case .integer32:
        ["FLOAT"]                    // may be negative, which UNSIGNED rejects
    case .unsigned32, .gauge32, .counter32, .counter64:
        producesFractions ? ["FLOAT"] : ["UNSIGNED"]
    case .textualConvention(_, let base):
        allowedValueTypes(base, producesFractions: producesFractions)
    }
}

extension Syntax {
    /// The syntax under any textual convention.
    var base: Syntax {
        if case let .textualConvention(_, base) = self { base.base } else { self }
    }

    var conventionName: String? {
        if case let .textualConvention(name, _) = self { name } else { nil }
    }
}

// MARK: - The template, as far as the checks read it

/// The part of Zabbix's YAML export format the checks need; other keys are ignored.
struct ZabbixExport {
    var version: String
    var templates: [Template]
    /// The file as text, for what is easier to find there (macros).
    var text: String
    /// Every `uuid:` anywhere in the file.
    var uuids: [String]

    var template: Template { templates[0] }

    static let path = Repository.file("integrations/zabbix/virt-agentx-template.yaml")

    static func load() throws -> ZabbixExport {
        let text = try String(contentsOf: path, encoding: .utf8)
        struct File: Decodable {
            var zabbix_export: Body
            struct Body: Decodable { var version: String; var templates: [Template] }
        }
        let file = try YAMLDecoder().decode(File.self, from: text)
        let tree = try #require(try Yams.load(yaml: text))
        return ZabbixExport(version: file.zabbix_export.version, templates: file.zabbix_export.templates,
                            text: text, uuids: values(of: "uuid", in: tree))
    }

    /// One OID the template reads, where, and the MIB object it names.
    struct Reading {
        enum Kind { case item, prototype, discovery }
        var kind: Kind
        /// For messages: the item key or discovery rule key.
        var item: String
        var oid: String
        /// The item or prototype; nil for a discovery rule.
        var itemDefinition: Item?
        var object: MIBObject?
        /// The object the item's description names, "MIB: VIRT-AGENTX-MIB::name".
        var declaredName: String?

        /// Items read scalars; prototypes and discovery walks read columns.
        var expectedKind: MIBObject.Kind { kind == .item ? .scalar : .column }
    }

    private static let objectsByOID = Dictionary(uniqueKeysWithValues: VirtAgentxMIB.objects.map { ($0.oid.description, $0) })

    /// Every OID of every SNMP item, item prototype and discovery rule.
    func readings() throws -> [Reading] {
        var readings: [Reading] = []
        func add(_ kind: Reading.Kind, key: String, snmpOID: String?, item: Item?) throws {
            let field = try #require(snmpOID, "\(key): SNMP_AGENT item without snmp_oid")
            let oids = try #require(Self.oids(in: field), "\(key): cannot read snmp_oid \(field)")
            for oid in oids {
                // Scalars are read at instance .0, columns at the row index LLD finds.
                let suffix = switch kind { case .item: ".0"; case .prototype: ".{#SNMPINDEX}"; case .discovery: "" }
                #expect(oid.hasSuffix(suffix), "\(key): \(oid) should end in \(suffix)")
                let objectOID = String(oid.dropLast(oid.hasSuffix(suffix) ? suffix.count : 0))
                readings.append(Reading(kind: kind, item: key, oid: oid, itemDefinition: item,
                                        object: Self.objectsByOID[objectOID],
                                        declaredName: item.flatMap { $0.mibObjectName }))
            }
        }
        for item in template.items where item.type == "SNMP_AGENT" {
            try add(.item, key: item.key, snmpOID: item.snmpOID, item: item)
        }
        for rule in template.discoveryRules {
            try add(.discovery, key: rule.key, snmpOID: rule.snmpOID, item: nil)
            for prototype in rule.itemPrototypes where prototype.type == "SNMP_AGENT" {
                try add(.prototype, key: prototype.key, snmpOID: prototype.snmpOID, item: prototype)
            }
        }
        #expect(readings.count > 20, "expected the template to read more than \(readings.count) OIDs")
        return readings
    }

    /// The OIDs of an `snmp_oid` field: a plain OID, `get[oid]`, `walk[oid,...]`, or
    /// `discovery[{#MACRO},oid,...]` (every second parameter an OID); nil for anything else.
    static func oids(in field: String) -> [String]? {
        guard let open = field.firstIndex(of: "[") else { return [field] }
        guard field.hasSuffix("]") else { return nil }
        let parameters = field[field.index(after: open)..<field.index(before: field.endIndex)]
            .split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        switch field[..<open] {
        case "get" where parameters.count == 1, "walk":
            return parameters
        case "discovery" where parameters.count % 2 == 0:
            return stride(from: 1, to: parameters.count, by: 2).map { parameters[$0] }
        default:
            return nil
        }
    }
}

struct Template: Decodable {
    var uuid: String
    var template: String
    var items: [Item]
    var discoveryRules: [DiscoveryRule]
    var macros: [Macro]
    var valuemaps: [ValueMap]

    enum CodingKeys: String, CodingKey {
        case uuid, template, items, macros, valuemaps
        case discoveryRules = "discovery_rules"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uuid = try c.decode(String.self, forKey: .uuid)
        template = try c.decode(String.self, forKey: .template)
        items = try c.decodeIfPresent([Item].self, forKey: .items) ?? []
        discoveryRules = try c.decodeIfPresent([DiscoveryRule].self, forKey: .discoveryRules) ?? []
        macros = try c.decodeIfPresent([Macro].self, forKey: .macros) ?? []
        valuemaps = try c.decodeIfPresent([ValueMap].self, forKey: .valuemaps) ?? []
    }
}

/// An item or an item prototype: Zabbix exports both in the same shape.
struct Item: Decodable {
    var uuid: String
    var name: String
    var type: String
    var key: String
    var snmpOID: String?
    /// Zabbix leaves out the default, UNSIGNED.
    var valueType: String
    var valuemap: ValueMapReference?
    var description: String?
    /// A calculated item's formula.
    var params: String?
    var preprocessing: [Step]
    var triggers: [Trigger]
    var triggerPrototypes: [Trigger]
    var tags: [Tag]

    struct ValueMapReference: Decodable { var name: String }
    struct Step: Decodable { var type: String; var parameters: [String]? }

    enum CodingKeys: String, CodingKey {
        case uuid, name, type, key, valuemap, description, params, preprocessing, triggers, tags
        case snmpOID = "snmp_oid", valueType = "value_type", triggerPrototypes = "trigger_prototypes"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uuid = try c.decode(String.self, forKey: .uuid)
        name = try c.decode(String.self, forKey: .name)
        type = try c.decode(String.self, forKey: .type)
        key = try c.decode(String.self, forKey: .key)
        snmpOID = try c.decodeIfPresent(String.self, forKey: .snmpOID)
        valueType = try c.decodeIfPresent(String.self, forKey: .valueType) ?? "UNSIGNED"
        valuemap = try c.decodeIfPresent(ValueMapReference.self, forKey: .valuemap)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        params = try c.decodeIfPresent(String.self, forKey: .params)
        preprocessing = try c.decodeIfPresent([Step].self, forKey: .preprocessing) ?? []
        triggers = try c.decodeIfPresent([Trigger].self, forKey: .triggers) ?? []
        triggerPrototypes = try c.decodeIfPresent([Trigger].self, forKey: .triggerPrototypes) ?? []
        tags = try c.decodeIfPresent([Tag].self, forKey: .tags) ?? []
    }

    /// The MIB object the description's first line names: "MIB: VIRT-AGENTX-MIB::name".
    var mibObjectName: String? {
        let prefix = "MIB: VIRT-AGENTX-MIB::"
        guard let line = description?.split(separator: "\n").first, line.hasPrefix(prefix) else { return nil }
        return String(line.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
    }

    var isRate: Bool { preprocessing.contains { $0.type == "CHANGE_PER_SECOND" || $0.type == "SIMPLE_CHANGE" } }

    /// A rate, or a scale by a non-whole factor, turns integers into fractions (FLOAT).
    var producesFractions: Bool {
        isRate || preprocessing.contains { step in
            step.type == "MULTIPLIER" && (step.parameters?.first).flatMap { Int($0) } == nil
        }
    }
}

struct DiscoveryRule: Decodable {
    var uuid: String
    var key: String
    var snmpOID: String?
    var itemPrototypes: [Item]
    var triggerPrototypes: [Trigger]

    enum CodingKeys: String, CodingKey {
        case uuid, key
        case snmpOID = "snmp_oid", itemPrototypes = "item_prototypes", triggerPrototypes = "trigger_prototypes"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uuid = try c.decode(String.self, forKey: .uuid)
        key = try c.decode(String.self, forKey: .key)
        snmpOID = try c.decodeIfPresent(String.self, forKey: .snmpOID)
        itemPrototypes = try c.decodeIfPresent([Item].self, forKey: .itemPrototypes) ?? []
        triggerPrototypes = try c.decodeIfPresent([Trigger].self, forKey: .triggerPrototypes) ?? []
    }
}

struct Trigger: Decodable {
    var uuid: String
    var expression: String
    var name: String
    var priority: String
    var tags: [Tag]?
    var dependencies: [Dependency]?

    struct Dependency: Decodable { var name: String; var expression: String }
}

struct Tag: Decodable { var tag: String; var value: String }

struct Macro: Decodable {
    var macro: String
    var value: String
}

struct ValueMap: Decodable {
    var uuid: String
    var name: String
    var mappings: [Mapping]
}

struct Mapping: Decodable, Equatable, CustomStringConvertible {
    var value: String
    var newvalue: String
    var description: String { "\(value)=\(newvalue)" }
}

// MARK: - Small text helpers

/// The `(host, key)` of every item a Zabbix 6 expression reads: `func(/host/key,...)`.
/// Keys are simple here: dotted names with an optional `[...]` parameter list.
private func itemReferences(in expression: String) -> [(host: String, key: String)] {
    matches(of: #"\(/([^/(),]*)/([A-Za-z0-9_.\-]+(?:\[[^\]]*\])?)"#, in: expression).map { ($0[0], $0[1]) }
}

/// `{$NAME}` or `{$NAME:context}` → `{$NAME}`.
private func macroName(_ macro: String) -> String {
    macro.split(separator: ":", maxSplits: 1).first.map { $0.hasSuffix("}") ? String($0) : $0 + "}" } ?? macro
}

/// The capture groups of every match of `pattern` in `text`.
private func matches(of pattern: String, in text: String) -> [[String]] {
    let regex = try! NSRegularExpression(pattern: pattern)
    return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
        (1..<match.numberOfRanges).map { String(text[Range(match.range(at: $0), in: text)!]) }
    }
}

/// Every value stored under `key` anywhere in a parsed YAML tree.
private func values(of key: String, in node: Any) -> [String] {
    if let mapping = node as? [AnyHashable: Any] {
        return mapping.flatMap { entry in
            entry.key == AnyHashable(key) ? [String(describing: entry.value)] : values(of: key, in: entry.value)
        }
    }
    if let sequence = node as? [Any] { return sequence.flatMap { values(of: key, in: $0) } }
    return []
}
