// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "virt-agentx",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "virt-agentx", targets: ["virt-agentx"]),
        .executable(name: "virt-agentx-snmp", targets: ["virt-agentx-snmp"]),
        .executable(name: "virt-agentx-libvirt", targets: ["virt-agentx-libvirt"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-algorithms", from: "1.2.1"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // Monitoring-plugin conventions: statuses, threshold ranges, output with performance data.
        .target(name: "MonitoringPlugin"),

        // Pure-Swift disk image inspector: formats, qcow2 headers, backing chains, health verdicts.
        .target(name: "ImageInspector",
                dependencies: [.product(name: "SystemPackage", package: "swift-system")]),

        // Snapshot value types: what the agent knows about a host at one instant.
        .target(name: "VirtModel", dependencies: ["ImageInspector"]),

        // libvirt's C API, exactly as libvirt-dev ships it.
        .systemLibrary(name: "CLibvirt", pkgConfig: "libvirt",
                       providers: [.apt(["libvirt-dev"])]),
        // glibc's malloc tuning, for the long-running agent's memory (ResidentMemory).
        .systemLibrary(name: "CMalloc"),
        // Polls libvirt read-only and turns what it says into snapshots.
        .target(name: "LibvirtCollector",
                dependencies: ["VirtModel", "CLibvirt", "CMalloc",
                               .product(name: "Logging", package: "swift-log")]),

        // What every SNMP part speaks: OIDs, values as they go on the wire, varbinds.
        .target(name: "SNMPCore"),

        // The OID tree as data, and the sorted view of a snapshot that answers GET/GETNEXT.
        .target(name: "MIB", dependencies: ["SNMPCore", "VirtModel",
                                           .product(name: "Algorithms", package: "swift-algorithms")]),

        // net-snmp's agent library behind a thin shim; like CSNMPClient, its public header includes no net-snmp header.
        .target(name: "CAgentX",
                linkerSettings: [.linkedLibrary("netsnmpagent"), .linkedLibrary("netsnmp")]),
        // Swift side of the AgentX bridge: owns the net-snmp thread.
        .target(name: "AgentX",
                dependencies: ["CAgentX", "MIB",
                               .product(name: "Logging", package: "swift-log")]),

        // net-snmp's client library behind a thin shim: sessions made from the same
        // options snmpget takes, and GETBULK walks (for `check` and `show` over SNMP).
        .target(name: "CSNMPClient", linkerSettings: [.linkedLibrary("netsnmp")]),
        .target(name: "SNMPClient", dependencies: ["CSNMPClient", "SNMPCore"]),

        // inspect, and what every executable shares: option values, the entry point, the hand-over.
        .target(name: "Commands",
                dependencies: ["ImageInspector", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // check and show: the tables read over SNMP, or locally through a reader virt-agentx-libvirt registers.
        .target(name: "TableCommands",
                dependencies: ["Commands", "VirtModel", "ImageInspector", "MonitoringPlugin", "MIB", "SNMPClient",
                               .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // What the user types: runs inspect itself and execs the executable that links what
        // the other subcommands need (Sources/Commands/HandOver.swift).
        // Released as a fully static executable (scripts/lib/release-build.sh).
        .executableTarget(name: "virt-agentx", dependencies: ["Commands"]),
        // check and show over SNMP: net-snmp's client library, no libvirt.
        .executableTarget(name: "virt-agentx-snmp", dependencies: ["Commands", "TableCommands"]),
        // Every subcommand, with libvirt and the AgentX subagent: `run`, and `check`/`show --local`.
        .executableTarget(name: "virt-agentx-libvirt",
                          dependencies: ["Commands", "TableCommands", "VirtModel", "ImageInspector", "MonitoringPlugin", "LibvirtCollector", "MIB", "AgentX",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "Logging", package: "swift-log")]),

        // What the tests share: the repository root, processes, polling with a deadline,
        // self-deleting scratch folders, scripts/make-world's world, "needs tool X".
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ImageInspectorTests", dependencies: ["ImageInspector", "TestSupport"]),
        .testTarget(name: "MonitoringPluginTests", dependencies: ["MonitoringPlugin"]),
        .testTarget(name: "VirtModelTests", dependencies: ["VirtModel"]),
        // The command's own code: the JSON writer of `inspect --json`.
        .testTarget(name: "CommandTests", dependencies: ["Commands", "TableCommands", "virt-agentx-libvirt", "ImageInspector", "TestSupport"]),
        .testTarget(name: "MIBTests", dependencies: ["MIB", "VirtModel", "TestSupport"]),
        .testTarget(name: "LibvirtCollectorTests", dependencies: ["LibvirtCollector", "VirtModel", "CLibvirt", "CMalloc", "TestSupport",
                                                               .product(name: "Logging", package: "swift-log")]),
        // Real snmpd, real agent process, real libvirt test driver; compared with virsh.
        .testTarget(name: "EndToEndTests", dependencies: ["MIB", "VirtModel", "TestSupport"]),

        // libFuzzer target over header parsing, chain walking and the deep check (scripts/fuzz); a
        // plain build makes it a replayer of saved inputs.
        .executableTarget(name: "InspectorFuzz", dependencies: ["ImageInspector"], path: "Fuzz/InspectorFuzz"),
        // Layers per second, cold and warm cache, against bare stat (scripts/bench-inspect).
        .executableTarget(name: "inspector-benchmark", dependencies: ["ImageInspector"],
                          path: "Benchmarks/InspectorBenchmark"),
        // Single GET/GETNEXT latency against a running agent (scripts/bench-scale).
        .executableTarget(name: "snmp-latency", dependencies: ["SNMPClient", "MIB"], path: "Benchmarks/SNMPLatency"),
        // The Zabbix template in integrations/zabbix checked against the MIB.
        .testTarget(name: "IntegrationFilesTests", dependencies: ["MIB", "TestSupport", .product(name: "Yams", package: "Yams")]),
    ]
)
