import Logging

/// net-snmp's own messages, routed into swift-log.
let netsnmpLogger = Logger(label: "virt-agentx.netsnmp")

let forwardNetSNMPLog: @convention(c) (Int32, UnsafePointer<CChar>?) -> Void = { priority, message in
    guard let message else { return }
    var text = String(cString: message)
    while text.last?.isNewline == true { text.removeLast() }
    guard !text.isEmpty else { return }
    netsnmpLogger.log(level: Logger.Level(syslogPriority: priority), "\(text)")
}

let announceMasterSession: @convention(c) (Int32) -> Void = { connected in
    if connected != 0 {
        netsnmpLogger.info("AgentX session to the master agent is open; subtree registered")
    } else {
        netsnmpLogger.warning("AgentX session to the master agent closed; will reconnect at the next ping")
    }
}

extension Logger.Level {
    /// syslog(3) priorities: LOG_EMERG 0 ... LOG_DEBUG 7.
    init(syslogPriority: Int32) {
        switch syslogPriority {
        case ...2: self = .critical
        case 3: self = .error
        case 4: self = .warning
        case 5: self = .notice
        case 6: self = .info
        default: self = .debug
        }
    }
}
