# Shell helpers shared by the demo and the benchmarks: a private snmpd master
# on a free loopback port, an agent on a free loopback port, and the base MIB
# modules when they can be found.
# Source it; it defines functions only.

# start_master DIR: starts snmpd with its config, AgentX socket and state in
# DIR, on a free UDP port of 127.0.0.1. Sets MASTER_PID and MASTER_PORT.
start_master() {
  local dir=$1 attempt port
  mkdir -p "$dir/persist"
  for attempt in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 40000))
    cat >"$dir/snmpd.conf" <<CONF
agentaddress  udp:127.0.0.1:$port
master        agentx
agentXSocket  unix:$dir/agentx.sock
agentXPerms   0660 0700
rocommunity   public 127.0.0.1
CONF
    SNMP_PERSISTENT_DIR="$dir/persist" MIBS="" snmpd -f -Lf "$dir/snmpd.log" -C -c "$dir/snmpd.conf" \
      -p "$dir/snmpd.pid" -I -smux &
    MASTER_PID=$!
    for _ in $(seq 50); do   # 50 tries of 1 s at most
      if snmpget -v2c -c public -r0 -t1 "127.0.0.1:$port" .1.3.6.1.2.1.1.3.0 >/dev/null 2>&1; then
        MASTER_PORT=$port
        return 0
      fi
      kill -0 "$MASTER_PID" 2>/dev/null || break   # port taken: try another
      sleep 0.1
    done
    kill "$MASTER_PID" 2>/dev/null || true
    wait "$MASTER_PID" 2>/dev/null || true
  done
  echo "could not start snmpd on a free loopback port; see $dir/snmpd.log" >&2
  return 1
}

# start_on_free_port LOG COMMAND...: runs COMMAND (an agent: `virt-agentx run
# --master --listen udp:127.0.0.1:@PORT@ ...`) in the background, its stderr
# appended to LOG, with @PORT@ in its arguments replaced by a random UDP port of
# 127.0.0.1. When the port turns out to be taken (the agent exits saying
# "cannot listen"), tries another, up to 8 ports. Returns once the agent
# listens; sets AGENT_PID and AGENT_PORT.
start_on_free_port() {
  local log=$1 attempt port offset arg pid deadline
  local args=()
  shift
  for attempt in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 40000))
    args=()
    for arg in "$@"; do args+=("${arg//@PORT@/$port}"); done
    offset=$(stat -c %s "$log" 2>/dev/null || echo 0)
    "${args[@]}" 2>>"$log" &
    pid=$!
    deadline=$((SECONDS + 60))
    while :; do
      if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null || true
        tail -c +$((offset + 1)) "$log" | grep -q "cannot listen" && continue 2   # port taken: try another
        echo "start_on_free_port: $* exited at start; see $log" >&2
        return 1
      fi
      if ss -Hlunp "sport = :$port" 2>/dev/null | grep -q "pid=$pid,"; then   # bound by this agent, not another
        AGENT_PID=$pid AGENT_PORT=$port
        return 0
      fi
      if (( SECONDS >= deadline )); then
        echo "start_on_free_port: $1 did not listen on udp:127.0.0.1:$port within 60 s; see $log" >&2
        kill "$pid" 2>/dev/null || true
        return 1
      fi
      sleep 0.1
    done
  done
  echo "start_on_free_port: 8 random loopback UDP ports were all taken; see $log" >&2
  return 1
}

# base_mib_dir: prints a folder holding SNMPv2-SMI (IETF base modules), if any.
base_mib_dir() {
  local here candidate
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  for candidate in "${VIRT_AGENTX_BASE_MIBS:-}" "$here/../shared/mibs/ietf" /usr/share/snmp/mibs/ietf /var/lib/mibs/ietf; do
    if [[ -n "$candidate" && -f "$candidate/SNMPv2-SMI" || -f "$candidate/SNMPv2-SMI.txt" ]]; then
      (cd "$candidate" && pwd)
      return 0
    fi
  done
  return 1
}
