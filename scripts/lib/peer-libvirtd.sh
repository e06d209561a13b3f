#!/usr/bin/env bash
# peer-libvirtd.sh FOLDER PORT: a second libvirtd, for migration tests, run by
# a test inside scripts/with-libvirtd's namespace as
#   unshare -m --propagation private scripts/lib/peer-libvirtd.sh FOLDER PORT
# It gets a mount namespace of its own (its own /run/libvirt, state and
# definitions), a host UUID of its own (libvirt refuses to migrate to the host
# it runs on) and listens on 127.0.0.1:PORT only, over TCP without
# authentication: loopback, inside the test's namespaces, for as long as the
# test runs. Its QEMU writes its log to a file, so no second virtlogd runs.
# It execs libvirtd: the test stops it by this process's PID.
set -euo pipefail
folder=$1 port=$2
[[ "${VIRT_AGENTX_IN_NAMESPACE:-}" == 1 ]] || { echo "peer-libvirtd: run it inside scripts/with-libvirtd" >&2; exit 2; }
[[ "$port" =~ ^[0-9]+$ ]] || { echo "peer-libvirtd: PORT must be a number, not '$port'" >&2; exit 2; }

for folder_of_libvirt in /run /var/lib/libvirt /etc/libvirt/qemu /etc/libvirt/storage /var/log/libvirt /var/cache/libvirt; do
  mkdir -p "$folder_of_libvirt"
  mount -t tmpfs none "$folder_of_libvirt"
done
mkdir -p /run/libvirt /var/lib/libvirt/qemu

cp /etc/libvirt/qemu.conf "$folder/peer-qemu.conf"
echo 'stdio_handler = "file"' >>"$folder/peer-qemu.conf"
mount --bind "$folder/peer-qemu.conf" /etc/libvirt/qemu.conf
cat >"$folder/peer-libvirtd.conf" <<CONF
listen_tls = 0
listen_tcp = 1
listen_addr = "127.0.0.1"
tcp_port = "$port"
auth_tcp = "none"
host_uuid = "$(cat /proc/sys/kernel/random/uuid)"
CONF
exec libvirtd --listen -f "$folder/peer-libvirtd.conf"
