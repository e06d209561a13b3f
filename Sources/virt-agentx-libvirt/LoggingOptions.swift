import Commands
import TableCommands
import ArgumentParser
import Logging

/// Logging options every subcommand shares.
struct LoggingOptions: ParsableArguments {
    @Option(name: .customLong("log-level"),
            help: ArgumentHelp("Least severe messages to log.", valueName: "level"))
    var level: Logger.Level = .info

    /// Sends swift-log output to stderr, or to syslog for a daemon that has no terminal.
    func bootstrap(toSyslog: Bool) {
        let level = self.level
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = toSyslog
                ? SyslogLogHandler(label: label)
                : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
