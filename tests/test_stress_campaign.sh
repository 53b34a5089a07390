#!/bin/sh
# test_stress_campaign.sh — scripts/stress-campaign.sh counts what the
# runs it starts report, stops at the first failing seed and refuses bad
# arguments (`make test-stress-campaign`, inside `make test`). The runs
# are a stub that prints the stress test's summary lines, so this takes
# no time and checks the script, not the collector.
set -u
script=${1:-scripts/stress-campaign.sh}
case $script in /*) ;; *) script=$PWD/$script ;; esac
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
fails=0
check() { # what, expected, actual
    if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: expected '$2', got '$3'"; fails=$((fails + 1)); fi
}

# A stub test_stress: two runs a seed, 100 and 20 ops; it fails on the
# seed in $STUB_FAIL_SEED.
stub=$dir/stub
cat >"$stub" <<'STUB'
#!/bin/sh
echo "dijkstra budget  200 units concurrent: 100 ops, 3 cycles, 9 increments verified"
if [ "$TRICOLOR_STRESS_SEED" = "${STUB_FAIL_SEED:-}" ]; then
    echo "[  FAILED  ] test_stress_concurrent_dijkstra: an object the model reaches was freed"
    exit 1
fi
echo "yuasa    budget   50 units concurrent: 20 ops, 1 cycles, 4 increments verified"
echo "[       OK ] test_stress_concurrent_yuasa"
STUB
chmod +x "$stub"

out=$(cd "$dir" && sh "$script" "$stub" 3 10 'test_stress_concurrent*' 2>&1)
check "three seeds pass" 0 $?
check "their operations are added up" 1 "$(echo "$out" | grep -c 'seeds 10-12: 6 runs, 360 random operations')"

out=$(cd "$dir" && STUB_FAIL_SEED=11 sh "$script" "$stub" 3 10 'x' 2>&1)
check "a failing seed fails the campaign" 1 $?
check "the failing seed is named" 1 "$(echo "$out" | grep -c 'seed 11 FAILED')"
check "its log is kept" 1 "$(grep -c 'FAILED' "$dir/stress-campaign-seed-11.log" 2>/dev/null)"
check "no seed runs after it" 0 "$(echo "$out" | grep -c 'seeds 10-12')"

out=$(sh "$script" "$stub" x 1 y 2>&1)
check "SEEDS that is not a number" 2 $?
out=$(sh "$script" "$stub" 0 1 y 2>&1)
check "SEEDS of 0" 2 $?
out=$(sh "$script" /bin/true 1 1 y 2>&1)
check "a filter that runs no test" 2 $?

[ "$fails" -eq 0 ] || { echo "test_stress_campaign.sh: $fails failed"; exit 1; }
echo "test_stress_campaign.sh: all passed"
