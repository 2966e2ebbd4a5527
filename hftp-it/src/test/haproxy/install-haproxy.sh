#!/bin/sh
# Makes HAProxy available for HaproxyScaleOutIT: Debian's package, installed with apt-get when no haproxy
# is found. Run by the Maven profile "haproxy" (hftp-it/pom.xml) before the integration tests.
set -eu

found() {
    command -v haproxy 2>/dev/null || { [ -x /usr/sbin/haproxy ] && echo /usr/sbin/haproxy; } \
        || { [ -x /usr/local/sbin/haproxy ] && echo /usr/local/sbin/haproxy; }
}

if haproxy=$(found); then
    echo "install-haproxy.sh: using $haproxy ($("$haproxy" -v | head -n 1))"
    exit 0
fi

manual="install it and run the build again: sudo apt-get install -y haproxy (as root: apt-get install -y haproxy)"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-haproxy.sh: haproxy not found and there is no apt-get; $manual, or HAProxy 2.x by other means" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo -n"
else
    echo "install-haproxy.sh: haproxy not found, and installing it needs root (no password-less sudo here); $manual" >&2
    exit 1
fi

echo "install-haproxy.sh: haproxy not found; installing Debian's package"
# The package lists may be missing (a fresh container) or stale: update them if the first try fails.
if ! $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends haproxy; then
    $as_root apt-get update -q
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends haproxy
fi
haproxy=$(found) || { echo "install-haproxy.sh: haproxy still not found after apt-get install" >&2; exit 1; }
echo "install-haproxy.sh: installed $haproxy ($("$haproxy" -v | head -n 1))"
