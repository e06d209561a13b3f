/// The one place the version is written: `--version` and scripts/package read it.
public let virtAgentxVersion = "0.14.0"
