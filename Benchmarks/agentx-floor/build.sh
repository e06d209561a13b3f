#!/bin/sh
# Builds agentx-floor, a minimal C AgentX subagent (net-snmp table_dataset
# helper) used to measure the AgentX round-trip floor of snmpd for comparison
# with the Swift subagent.  Needs libsnmp-dev.  Writes only OUTPUT_PATH.
# Usage: Benchmarks/agentx-floor/build.sh OUTPUT_PATH
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUTPUT_PATH" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
exec cc -O2 -Wall -Wextra -o "$1" "$here/agentx-floor.c" -lnetsnmpagent -lnetsnmp
