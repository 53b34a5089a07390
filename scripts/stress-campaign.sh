#!/bin/sh
# stress-campaign.sh — runs the shadow-model stress test (tests/test_stress.c)
# over many seeds and prints how many random operations it checked.
#
#   scripts/stress-campaign.sh BINARY SEEDS FIRST FILTER
#
# Each seed is one run of BINARY with TRICOLOR_STRESS_SEED set (every run's
# own seeds shifted by it) and TRICOLOR_STRESS_FILTER=FILTER (a cmocka
# glob: `test_stress_concurrent*` for the concurrent mode under each
# barrier it supports). A run fails on the first object the model still
# reaches that the collector freed or corrupted, or on any garbage that
# survives two cycles; the campaign then stops, names the seed and keeps
# its log. The operations counted are the ones each run reports ("N ops").
# Used by `make stress-campaign` (mk/stress.mk).
set -u
bin=$1 seeds=$2 first=$3 filter=$4
case $seeds in '' | *[!0-9]*) echo "stress-campaign: SEEDS must be a positive number, got '$seeds'" >&2; exit 2 ;; esac
case $first in '' | *[!0-9]*) echo "stress-campaign: FIRST must be a number, got '$first'" >&2; exit 2 ;; esac
[ "$seeds" -gt 0 ] || { echo "stress-campaign: SEEDS must be at least 1" >&2; exit 2; }
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT
ops=0 runs=0 i=0 start=$(date +%s)
while [ "$i" -lt "$seeds" ]; do
    seed=$((first + i))
    if ! TRICOLOR_STRESS_SEED=$seed TRICOLOR_STRESS_FILTER=$filter "$bin" >"$log" 2>&1; then
        keep=stress-campaign-seed-$seed.log
        cp "$log" "$keep"
        echo "stress-campaign: seed $seed FAILED (log: $keep); after $ops operations in $runs runs over $i seeds" >&2
        grep -E "FAIL|lost|freed|error" "$log" | head -5 >&2
        exit 1
    fi
    n=$(awk '{ for (k = 2; k <= NF; k++) if ($k == "ops,") { s += $(k - 1); r++ } } END { printf "%d %d\n", s, r }' "$log")
    [ "${n#* }" -gt 0 ] || { echo "stress-campaign: seed $seed ran no test matching '$filter'" >&2; exit 2; }
    ops=$((ops + ${n% *})) runs=$((runs + ${n#* }))
    i=$((i + 1))
    if [ $((i % 10)) -eq 0 ] || [ "$i" -eq "$seeds" ]; then
        printf 'stress-campaign: %d/%d seeds, %d operations, %d s\n' "$i" "$seeds" "$ops" $(($(date +%s) - start))
    fi
done
echo "stress-campaign: $filter, seeds $first-$((first + seeds - 1)): $runs runs, $ops random operations checked against the shadow model after every cycle, none lost or corrupted"
