#!/usr/bin/env bash
# zabbix-server.sh start FOLDER | stop FOLDER: a private Zabbix 6.0 for the
# tests, from Debian's packages, in FOLDER and on loopback only: a PostgreSQL
# 15 cluster of its own (unix socket in FOLDER, no TCP), zabbix_server, and
# the frontend (a copy, pointed at FOLDER's zabbix.conf.php) under PHP's
# built-in server. `start` writes FOLDER/api-url (the JSON-RPC endpoint,
# user Admin, password zabbix), FOLDER/trapper-port (where proxies send) and
# FOLDER/pids; `stop` stops them by PID. $ZABBIX_EXTRA_LISTEN_IP: an address
# the server also listens on (the fleet test's proxy, in another namespace).
set -euo pipefail
action=$1 folder=$2

# A free loopback port below 32768: Zabbix takes no other ListenPort.
free_port() {
  python3 -c '
import random, socket
while True:
    port = random.randint(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(port)
    break'
}

stop() {
  [[ -f "$folder/pids" ]] || return 0
  read -r php server < "$folder/pids" || true
  [[ -n "${php:-}" ]] && kill "$php" 2>/dev/null || true
  if [[ -n "${server:-}" ]] && kill "$server" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.2; done
    pkill -9 -P "$server" 2>/dev/null || true
    kill -9 "$server" 2>/dev/null || true
  fi
  su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/pg_ctl -D '$folder/pg' stop -m fast" >/dev/null 2>&1 || true
  rm -f "$folder/pids"
}

[[ "$action" == stop ]] && { stop; exit 0; }
[[ "$action" == start ]] || { echo "usage: zabbix-server.sh start|stop FOLDER" >&2; exit 2; }
for tool in zabbix_server php psql /usr/lib/postgresql/15/bin/initdb; do
  command -v "$tool" >/dev/null || { echo "zabbix-server.sh: $tool not found: install zabbix-server-pgsql, zabbix-frontend-php, php8.2-cli, php8.2-pgsql and postgresql-15 (scripts/setup does)" >&2; exit 3; }
done
chmod 755 "$folder"
mkdir -p "$folder/pg" "$folder/pgrun" "$folder/run"
chown postgres "$folder/pg" "$folder/pgrun"
pgport=$(free_port) zport=$(free_port) webport=$(free_port)
pg() { su postgres -s /bin/sh -c "$*"; }
pg "/usr/lib/postgresql/15/bin/initdb -D '$folder/pg' -U zabbix --auth=trust -E UTF8 >'$folder/pgrun/initdb.log' 2>&1"
pg "/usr/lib/postgresql/15/bin/pg_ctl -D '$folder/pg' -o \"-k '$folder/pgrun' -p $pgport -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" -l '$folder/pgrun/postgresql.log' -w start" >/dev/null
psql=(psql -h "$folder/pgrun" -p "$pgport" -U zabbix -q -v ON_ERROR_STOP=1)
# A scratch database: no fsync.
"${psql[@]}" -d postgres -c "create database zabbix"
for part in schema images data; do
  zcat "/usr/share/zabbix-server-pgsql/$part.sql.gz" | "${psql[@]}" -d zabbix >/dev/null
done
# Statistics for the planner: without them (autovacuum has not run yet) linking a
# template whose triggers have dependencies takes minutes on one query.
"${psql[@]}" -d zabbix -c analyze

cat >"$folder/zabbix_server.conf" <<CONF
LogFile=$folder/zabbix_server.log
PidFile=$folder/run/zabbix_server.pid
SocketDir=$folder/run
DBHost=$folder/pgrun
DBPort=$pgport
DBName=zabbix
DBUser=zabbix
ListenIP=127.0.0.1${ZABBIX_EXTRA_LISTEN_IP:+,$ZABBIX_EXTRA_LISTEN_IP}
ListenPort=$zport
AllowRoot=1
StartPollers=4
StartPollersUnreachable=1
StartTrappers=2
StartDiscoverers=1
StartHTTPPollers=0
CacheUpdateFrequency=1
HousekeepingFrequency=0
Timeout=4
CONF
zabbix_server -c "$folder/zabbix_server.conf"
for _ in $(seq 50); do [[ -s "$folder/run/zabbix_server.pid" ]] && break; sleep 0.1; done
server=$(cat "$folder/run/zabbix_server.pid")

cp -r /usr/share/zabbix "$folder/web"
# Debian's frontend reads /etc/zabbix/zabbix.conf.php: this copy reads its own.
sed -i "s#'/etc/zabbix/zabbix.conf.php'#'$folder/web/conf/zabbix.conf.php'#" "$folder/web/include/classes/core/CConfigFile.php"
cat >"$folder/web/conf/zabbix.conf.php" <<PHP
<?php
\$DB['TYPE'] = ZBX_DB_POSTGRESQL;
\$DB['SERVER'] = '$folder/pgrun';
\$DB['PORT'] = '$pgport';
\$DB['DATABASE'] = 'zabbix';
\$DB['USER'] = 'zabbix';
\$DB['PASSWORD'] = '';
\$DB['SCHEMA'] = '';
\$DB['ENCRYPTION'] = false;
\$DB['KEY_FILE'] = '';
\$DB['CERT_FILE'] = '';
\$DB['CA_FILE'] = '';
\$DB['VERIFY_HOST'] = false;
\$DB['CIPHER_LIST'] = '';
\$DB['VAULT_URL'] = '';
\$DB['VAULT_DB_PATH'] = '';
\$DB['VAULT_TOKEN'] = '';
\$DB['DOUBLE_IEEE754'] = true;
\$ZBX_SERVER = '127.0.0.1';
\$ZBX_SERVER_PORT = '$zport';
\$ZBX_SERVER_NAME = 'virt-agentx tests';
\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
PHP
php -S "127.0.0.1:$webport" -t "$folder/web" -d memory_limit=256M -d post_max_size=16M -d max_execution_time=300 \
  >"$folder/php.log" 2>&1 &
echo "$! $server" >"$folder/pids"
echo "$zport" >"$folder/trapper-port"
echo "http://127.0.0.1:$webport/api_jsonrpc.php" >"$folder/api-url"
for _ in $(seq 100); do
  python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1].replace('api_jsonrpc.php','index.php'), timeout=2)" \
    "$(cat "$folder/api-url")" 2>/dev/null && exit 0
  sleep 0.2
done
echo "zabbix-server.sh: the frontend did not answer on port $webport:" >&2
cat "$folder/php.log" >&2
stop
exit 1
