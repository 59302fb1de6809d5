#!/usr/bin/env bash
# bench/adaptive/run.sh: adaptive overlap against fixed overlap, replaying
# every categorical dataset in $TALLY_TESTDATA/crowd (emotion is numeric
# scores, not classes, and is left out), and print the table that
# bench/README.md and docs/quality-aggregation.md report.
#
# For each dataset: every policy's labels, labels per task and accuracy
# (build/bench/adaptive, see adaptive.c for the rules), then for fixed
# overlap 3 and 5 the adaptive policy that saves the most labels at equal
# or better accuracy ("none saves labels": every policy as accurate uses as
# many labels or more). SKILLS=prior runs the same with no worker skills
# (a plain vote with its confidence). Build first: `make all`.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-build/bench/adaptive}
DATA=${TALLY_TESTDATA:-../shared/data}
SKILLS=${SKILLS:-onecoin}
[ -x "$BIN" ] || { echo "run.sh: $BIN is missing: run 'make all' first" >&2; exit 1; }
dirs=()
for d in "$DATA"/crowd/*/; do
    name=$(basename "$d")
    [ "$name" = emotion ] && continue
    dirs+=("${d%/}")
done
[ ${#dirs[@]} -gt 0 ] || { echo "run.sh: no datasets in $DATA/crowd" >&2; exit 1; }

out=$("$BIN" --skills "$SKILLS" "${dirs[@]}")
echo "adaptive overlap, skills: $SKILLS (labels in file order per task; accuracy on truth.csv)"
echo "$out" | column -t -s $'\t'
echo
echo "best adaptive policy at equal or better accuracy than fixed overlap k:"
echo "$out" | awk -F'\t' '
    NR == 1 { next }
    { lab[$1, $2] = $3; acc[$1, $2] = $5; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
      if ($2 ~ /^adaptive/ && !($2 in isad)) { isad[$2] = 1; ad[++na] = $2 } }
    END {
        printf "%-10s %-8s %9s %9s  %-22s %9s %9s %8s\n", "dataset", "fixed", "labels",
               "accuracy", "adaptive", "labels", "accuracy", "saved"
        for (i = 1; i <= n; i++) {
            d = order[i]
            split("fixed-3 fixed-5", fx, " ")
            for (f = 1; f <= 2; f++) {
                F = fx[f]; best = ""; bs = -1
                for (j = 1; j <= na; j++) {
                    P = ad[j]
                    if (acc[d, P] + 1e-12 < acc[d, F]) continue
                    s = 1 - lab[d, P] / lab[d, F]
                    if (s > bs) { bs = s; best = P }
                }
                if (best == "" || bs <= 0)
                    printf "%-10s %-8s %9d %9.4f  %-22s\n", d, F, lab[d, F], acc[d, F],
                           "(none saves labels)"
                else
                    printf "%-10s %-8s %9d %9.4f  %-22s %9d %9.4f %7.1f%%\n", d, F, lab[d, F],
                           acc[d, F], best, lab[d, best], acc[d, best], 100 * bs
            }
        }
    }'
