#!/usr/bin/env bash
# Run the black-box API suite (tests/api) against the real binary.
# TALLY_BIN: path of the binary under test (the Makefile sets it absolute;
# default build/tally of this repo). /usr/bin/python3 on purpose: it is the
# interpreter with pytest and requests installed (Debian python3-pytest).
set -eu
if [ -n "${TALLY_BIN:-}" ]; then
    TALLY_BIN=$(realpath -- "$TALLY_BIN")
fi
cd "$(dirname "$0")/.."
: "${TALLY_BIN:=$PWD/build/tally}"
export TALLY_BIN
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/api "$@"
