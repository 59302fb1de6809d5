#!/usr/bin/env bash
# Run the browser tests (tests/browser/*.test.mjs): each file starts its own
# `build/tally` on a fresh demo store and drives Debian's Chromium through
# playwright-core (web/'s pinned dev dependency). Files run one after the
# other: two Chromiums and two servers on a 2-core machine turn waits into
# timeouts. Extra arguments go to `node --test` (e.g. a file name).
# TALLY_BIN: the binary under test (default build/tally of this repo).
set -eu
if [ -n "${TALLY_BIN:-}" ]; then
    TALLY_BIN=$(realpath -- "$TALLY_BIN")
fi
cd "$(dirname "$0")/.."
: "${TALLY_BIN:=$PWD/build/tally}"
export TALLY_BIN
[ -x /usr/bin/chromium ] || { echo "run-browser: /usr/bin/chromium is missing (scripts/deps.sh test)" >&2; exit 1; }
[ -d web/node_modules/playwright-core ] || scripts/deps.sh web
if [ $# -eq 0 ]; then
    set -- tests/browser/*.test.mjs
fi
exec node --test --test-concurrency=1 --test-reporter=spec "$@"
