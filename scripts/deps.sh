#!/usr/bin/env bash
# Installs what Taimen needs to build, run and test, and nothing that is
# already there. Safe to run again and again: when everything is present it
# only asks dpkg and exits (well under a second).
#
#   scripts/deps.sh build   # what `make run` needs
#   scripts/deps.sh test    # what `make test` needs (build + test tools)
set -euo pipefail

mode=${1:-build}
say() { printf 'deps: %s\n' "$*" >&2; }
die() { printf 'deps: %s\n' "$1" >&2; [ -n "${2:-}" ] && printf 'hint: %s\n' "$2" >&2; exit 2; }

# Debian packages.
build_pkgs=(gcc pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev libpcsclite-dev pcscd libccid
            vsmartcard-vpcd fonts-noto-cjk ca-certificates)
test_pkgs=(xvfb xauth imagemagick xdotool chromium postgresql sqlite3 dbus-daemon)
pkgs=("${build_pkgs[@]}")
[ "$mode" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]}" "run as root, or: sudo apt-get install ${missing[*]}"
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's postinst may start a system pcscd; the tests run private ones
  # and a system instance clashes on /run/pcscd/pcscd.pid (toolchain §2.6).
fi

# Toolchains that Debian 12 ships too old: Go ≥ 1.26 and Node ≥ 20.19.
export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || die "go is not installed" "install Go 1.26 from go.dev/dl into /usr/local/go"
gov=$(go env GOVERSION | sed 's/^go//')
case "$gov" in 1.2[6-9]*|1.[3-9]*) ;; *) die "go $gov is too old (need 1.26)" "install Go 1.26 into /usr/local/go";; esac
command -v node >/dev/null || die "node is not installed" "install Node.js 20 (nodejs.org) or newer"
nodev=$(node -p 'process.versions.node')
case "$nodev" in 20.19.*|20.[2-9]*|2[1-9].*|[3-9]*) ;; *) die "node $nodev is too old (need 20.19 or newer)" "install Node.js 20.19+";; esac

# npm packages, only when package-lock.json changed since the last install.
lock=frontend/package-lock.json
stamp=frontend/node_modules/.package-lock.json
if [ -f "$lock" ] && { [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ]; }; then
  say "npm ci"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  touch "$stamp"
fi
