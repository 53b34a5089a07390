#!/bin/sh
# observe-overhead.sh WITH WITHOUT — what the observation hooks cost while
# no observer is attached. WITH is built with the hooks, WITHOUT with
# -DTC_NO_OBSERVE; both run the same fixed allocate/store/collect job.
#   observe_hooks_overhead_pct        wall time, median of 3 A/B pairs
#                                     (noisy: this machine is shared)
#   observe_hooks_instr_overhead_pct  instructions counted by callgrind
#                                     (repeatable), when valgrind is there
set -eu
with=$1; without=$2
ratios=""
for i in 1 2 3; do
    a=$("$with" --observe-job)
    b=$("$without" --observe-job)
    ratios="$ratios $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", 100 * (a - b) / b }')"
done
med=$(echo $ratios | tr ' ' '\n' | sort -g | sed -n 2p)
echo "observe_hooks_overhead_pct: $med %"
if command -v valgrind >/dev/null 2>&1; then
    tmp=$(mktemp -d)
    count() {
        valgrind --tool=callgrind --callgrind-out-file="$tmp/out" "$1" --observe-job-small >/dev/null 2>"$tmp/err"
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/err"
    }
    a=$(count "$with"); b=$(count "$without")
    rm -rf "$tmp"
    awk -v a="$a" -v b="$b" 'BEGIN { printf "observe_hooks_instr_overhead_pct: %.3f %%\n", 100 * (a - b) / b }'
fi
