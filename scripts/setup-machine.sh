#!/usr/bin/env bash
# Installs the Debian packages kroute's tests need, only those that are missing.
# gobgpd: real BGP peers; iproute2: namespaces, veth, routes; iputils-ping: reachability checks in namespaces; tcpdump/strace: packet and syscall checks;
# build-essential + python3: node-gyp for the TCP-MD5 and netlink addons;
# qemu-system-x86, busybox-static, cpio, kmod, xz-utils: the throwaway VM that tests IPIP/FoU on Debian's stock kernel.
set -euo pipefail
need=()
for pkg in gobgpd iproute2 iputils-ping tcpdump strace build-essential python3 kmod procps psmisc qemu-system-x86 busybox-static cpio xz-utils; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "setup-machine: need root to install: ${need[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
