#!/bin/sh
# bench/cheaters: the planted-cheater replay of tests/api/test_cheaters.py on
# the whole dog crowd (807 tasks, its 69 workers with >= 20 labels, 7,830
# real labels, plus the same 20 planted cheaters), printing flags per
# worker kind and rule and each detector's precision and recall
# (bench/README.md). TASKS and MIN_LABELS choose another slice. Takes
# minutes: every real worker is served every task up to their last one.
set -eu
cd "$(dirname "$0")/../.."
[ -x build/tally ] || make -s build/tally
start=$(date +%s)
CHEATERS_TASKS=${TASKS:-807} CHEATERS_MIN_LABELS=${MIN_LABELS:-20} \
    /usr/bin/python3 -m pytest tests/api/test_cheaters.py -q -s -p no:cacheprovider
echo "wall: $(( $(date +%s) - start )) s"
