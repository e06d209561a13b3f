import MonitoringPlugin
import Testing

@Suite struct ThresholdRangeTests {
    /// The examples of the monitoring-plugins guidelines.
    @Test(arguments: [
        ("10", [-1.0, 11], [0.0, 5, 10]),        // outside 0...10
        ("10:", [9.0], [10.0, 1e9]),             // below 10
        ("~:10", [11.0], [-1e9, 10]),            // above 10
        ("10:20", [9.0, 21], [10.0, 15, 20]),    // outside 10...20
        ("@10:20", [10.0, 15, 20], [9.0, 21]),   // inside 10...20
        (":5", [6.0, -1], [0.0, 5]),             // empty start means 0
    ])
    func alertsAsTheGuidelinesSay(text: String, alerting: [Double], quiet: [Double]) throws {
        let range = try #require(ThresholdRange(text))
        for value in alerting { #expect(range.alerts(on: value), "\(text) should alert on \(value)") }
        for value in quiet { #expect(!range.alerts(on: value), "\(text) should not alert on \(value)") }
    }

    @Test(arguments: ["", "x", "20:10", "1:2:3", "@", "~"])
    func rejectsWhatIsNotARange(text: String) {
        #expect(ThresholdRange(text) == nil)
    }

    @Test func criticalWinsOverWarning() {
        let warning = ThresholdRange("1"), critical = ThresholdRange("5")
        #expect(status(of: 0, warning: warning, critical: critical) == .ok)
        #expect(status(of: 2, warning: warning, critical: critical) == .warning)
        #expect(status(of: 6, warning: warning, critical: critical) == .critical)
    }

    @Test func statusesCombineWorstFirst() {
        #expect([PluginStatus.ok, .unknown, .warning].max() == .warning)
        #expect([PluginStatus.ok, .unknown].max() == .unknown)
        #expect([PluginStatus.critical, .warning].max() == .critical)
    }

    @Test func outputHasOneStatusLineWithPerformanceData() {
        let output = PluginOutput(service: "VIRT CHAINS", status: .warning, summary: "2 of 14 chains unhealthy",
                                  performance: [PerformanceDatum("unhealthy", 2, warning: ThresholdRange("0"),
                                                                 critical: ThresholdRange("5"), minimum: 0),
                                                PerformanceDatum("pool used", 42.5, unit: "%")],
                                  details: ["web1/vda: ..."])
        #expect(output.text == "VIRT CHAINS WARNING - 2 of 14 chains unhealthy | unhealthy=2;0;5;0; 'pool used'=42.5%;;;;\nweb1/vda: ...")
    }
}
