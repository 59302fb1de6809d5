#!/usr/bin/env bash
# Install the Debian packages that scripts/deps.txt lists for the given groups,
# only those missing, so that repeated `make run`/`make test` cost nothing.
# Usage: scripts/deps.sh build [test ...]
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
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
