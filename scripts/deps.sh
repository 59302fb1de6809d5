#!/usr/bin/env bash
# Install the Debian packages that scripts/deps.txt lists for the given groups,
# only those missing, so that repeated `make run`/`make test` cost nothing.
# The group web also installs the UI's npm packages (web/package.json, pinned
# by web/package-lock.json) with `npm ci`, when the lockfile is newer than
# the installed tree (web/node_modules/.package-lock.json).
# Usage: scripts/deps.sh build [web] [test ...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(build)

want=()
while read -r group pkg _; do
    case "$group" in ''|'#'*) continue ;; esac
    for g in "${groups[@]}"; do
        [ "$g" = "$group" ] && want+=("$pkg")
    done
done < "$here/deps.txt"

missing=()
for p in "${want[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
apt_install() {
    echo "deps: installing $*" >&2
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: $*" >&2; exit 1; }
        sudo=sudo
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

for g in "${groups[@]}"; do
    [ "$g" = web ] || continue
    # Debian's nodejs comes without npm (NodeSource's carries its own)
    command -v npm >/dev/null || apt_install npm
    web="$here/../web"
    if [ ! -f "$web/node_modules/.package-lock.json" ] ||
       [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
        echo "deps: npm ci --prefix web" >&2
        npm ci --prefix "$web" --no-audit --no-fund --loglevel=error
        touch "$web/node_modules/.package-lock.json"
    fi
done
