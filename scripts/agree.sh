#!/bin/sh
# agree.sh [PASSES] — do the figures the window and the videos show agree
# with bench's? The closing figure of issue 11, part 1 (a benchmark
# figure, not a test: run it on a quiet machine).
#
# Passes: PASSES for every workload if given; else 20 for the demo
# (DEMO_PASSES) and 2 for the others. Two passes of the demo log about
# 265 Tricolor pauses, and their p99 is their third longest: bench
# against itself read 0.83x and 1.13x in two sets of rounds. Twenty log
# about 2,600, as two passes of GCBench log 50,000.
#
# ROUNDS (default 5) rounds alternate bench, view and record, and each
# figure is the median over the rounds: a single run's p99 and max move
# with the machine's own stalls by more than the tolerance.
#
# For each workload (WORKLOADS, default "demo gcbench") it runs, with the
# same knobs (the view's defaults for that workload, given explicitly):
#   tricolor bench  --passes N               (Tricolor and Boehm)
#   tricolor view   --passes N               (on $DISPLAY, else SDL's dummy driver)
#   tricolor record --passes N -o X.mp4      (ffmpeg encoding)
#   tricolor bench  --passes N, again, last in the round
# and prints each collector's p50, p99 and max pause side by side, with
# view's and record's ratio to bench, marked "ok" within the issue's
# tolerance (p50 and p99 within 10%, max within 25%) and "OUT" otherwise.
# The second bench is the yardstick for the tolerance: its ratio to the
# first is what the machine alone moves a figure by between two sets of
# rounds of the same command (column "again");
# then, for Tricolor, the longest pause that held an increment (gcmx, held
# to the max's tolerance) and the count of pauses over 200 us that held
# none (env: the machine's stalls, which set most maxima on the VMs here).
# view and record --passes measure first, as bench does (each collector's
# passes in a child of its own before the window or the video runs:
# viz/scene_measured.c), so "again" is the tolerance they can be held to.
# VIEW_FLAGS adds flags to view and record (e.g. --heapmap); MODE
# (incremental or concurrent) is Tricolor's mode in all three, as a knob;
# TRICOLOR names the binary (default build/tricolor).
set -eu
passes_all=${1:-}
demo_passes=${DEMO_PASSES:-20}
bin=${TRICOLOR:-build/tricolor}
workloads=${WORKLOADS:-demo gcbench}
view_flags=${VIEW_FLAGS:-}
rounds=${ROUNDS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    export SDL_VIDEODRIVER=${SDL_VIDEODRIVER:-dummy}
fi

# "... tricolor N pauses p50 A us p99 B us max C us; boehm N pauses p50 D
# us p99 E us max F us; tricolor env pauses >200us G, max pause with GC
# work H us ..." -> "A B C D E F G H" (Tricolor's three, Boehm's, then
# Tricolor's pauses over 200 us that held no increment and its longest
# pause that held one), then each collector's p99 without the ticks.
summary_figures() {
    f=$(sed -n 's/.*tricolor [0-9]* pauses p50 \([0-9.]*\) us p99 \([0-9.]*\) us max \([0-9.]*\) us; boehm [0-9]* pauses p50 \([0-9.]*\) us p99 \([0-9.]*\) us max \([0-9.]*\) us; tricolor env pauses >200us \([0-9]*\), max pause with GC work \([0-9.]*\) us.*/\1 \2 \3 \4 \5 \6 \7 \8/p' "$1")
    # Each collector's p99 without the machine's ticks (0 when none was found).
    t=$(sed -n 's/.*tricolor p99 without the ticks \([0-9.]*\) us.*/\1/p' "$1")
    u=$(sed -n 's/.*boehm p99 without the ticks \([0-9.]*\) us.*/\1/p' "$1")
    if [ -n "$f" ]; then echo "$f ${t:-0} ${u:-0}"; fi
}
# bench --json (one line; runs in the order tricolor, boehm) -> the same
# ten.
json_figures() {
    t=$(grep -o '"p50_us":[0-9.]*\|"p99_us":[0-9.]*\|"max_us":[0-9.]*' "$1" | sed 's/.*://' | tr '\n' ' ')
    e=$(grep -o '"env_pauses_over_200us":[0-9.]*' "$1" | head -1 | sed 's/.*://')
    g=$(grep -o '"gc_max_us":[0-9.]*' "$1" | head -1 | sed 's/.*://')
    k=$(grep -o '"p99_without_tick_us":[0-9.]*' "$1" | head -1 | sed 's/.*://')
    u=$(grep -o '"p99_without_tick_us":[0-9.]*' "$1" | sed -n 2p | sed 's/.*://')
    set -- $t
    echo "$1 $2 $3 $4 $5 $6 $e $g ${k:-0} ${u:-0}"
}

# A file of rows of ten figures -> the median of each column.
medians() {
    for col in 1 2 3 4 5 6 7 8 9 10; do
        cut -d' ' -f"$col" "$1" | sort -g | awk '{ v[NR] = $1 } END { printf "%s ", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
    done
    echo
}

printf 'medians of %s rounds\n' "$rounds"
printf '%-8s %-9s %-4s %10s %6s %-3s %10s %6s %-3s %10s %6s %-3s\n' workload collector fig "bench us" again "" "view us" ratio "" "record us" ratio ""
for w in $workloads; do
    # view and record run at full speed (--speed 32, the default but for
    # the demo). Their figures are the runs measured first at any speed;
    # the speed only sets how long the picture's own run takes.
    speed="--speed 32"
    if [ -n "$passes_all" ]; then
        passes=$passes_all
    elif [ "$w" = demo ]; then
        passes=$demo_passes
    else
        passes=2
    fi
    if [ "$w" = demo ]; then
        knobs="--step-work 40 --min-heap 32K"; size=small
    else
        # 2000 units, not the default 1000 since 9c0f677: the README's
        # table of this script was measured so. The same knobs go to
        # bench, view and record, so the comparison holds at either.
        knobs="--step-work 2000 --min-heap 4M"; size=default
    fi
    if [ -n "${MODE:-}" ]; then knobs="$knobs --mode $MODE"; fi
    : >"$tmp/b.txt"
    : >"$tmp/v.txt"
    : >"$tmp/r.txt"
    : >"$tmp/b2.txt"
    round=1
    while [ "$round" -le "$rounds" ]; do
        echo "agree.sh: $w (--passes $passes), round $round of $rounds" >&2
        # shellcheck disable=SC2086
        "$bin" bench --workload "$w" --size "$size" $knobs --passes "$passes" --collector tricolor,boehm \
            --json "$tmp/bench.json" >/dev/null
        # shellcheck disable=SC2086
        "$bin" view --workload "$w" --size "$size" $knobs $speed $view_flags --passes "$passes" >"$tmp/view.txt"
        # shellcheck disable=SC2086
        "$bin" record --workload "$w" --workload-size "$size" $knobs $speed $view_flags --passes "$passes" \
            --size 640x360 --fps 30 -o "$tmp/agree.mp4" >"$tmp/record.txt"
        # shellcheck disable=SC2086
        "$bin" bench --workload "$w" --size "$size" $knobs --passes "$passes" --collector tricolor,boehm \
            --json "$tmp/bench2.json" >/dev/null
        v=$(summary_figures "$tmp/view.txt")
        r=$(summary_figures "$tmp/record.txt")
        if [ -z "$v" ] || [ -z "$r" ]; then
            echo "agree.sh: $w: view or record printed no summary (is Boehm on?):" >&2
            cat "$tmp/view.txt" "$tmp/record.txt" >&2
            exit 1
        fi
        json_figures "$tmp/bench.json" >>"$tmp/b.txt"
        json_figures "$tmp/bench2.json" >>"$tmp/b2.txt"
        echo "$v" >>"$tmp/v.txt"
        echo "$r" >>"$tmp/r.txt"
        round=$((round + 1))
    done
    b=$(medians "$tmp/b.txt")
    v=$(medians "$tmp/v.txt")
    r=$(medians "$tmp/r.txt")
    b2=$(medians "$tmp/b2.txt")
    echo "$b $v $r $b2" | awk -v w="$w" '
        function mark(ratio, tol) { return (ratio >= 1 - tol && ratio <= 1 + tol) ? "ok" : "OUT" }
        function row(name, fig, bv, av, vv, rv, tol,    ar, vr, rr) {
            ar = bv > 0 ? av / bv : 0; vr = bv > 0 ? vv / bv : 0; rr = bv > 0 ? rv / bv : 0
            printf "%-8s %-9s %-4s %10.1f %6.2f %-3s %10.1f %6.2f %-3s %10.1f %6.2f %-3s\n", w, name, fig,
                bv, ar, mark(ar, tol), vv, vr, mark(vr, tol), rv, rr, mark(rr, tol)
        }
        {
            split("p50 p99 max", fig, " ")
            for (c = 0; c < 2; c++)
                for (k = 1; k <= 3; k++) {
                    i = c * 3 + k
                    row(c ? "boehm" : "tricolor", fig[k], $i, $(i + 30), $(i + 10), $(i + 20), k == 3 ? 0.25 : 0.10)
                }
            # Tricolor: the longest pause that held an increment (the max a
            # stall of the machine outside the collector does not set), and
            # the pauses over 200 us that held none (those stalls).
            row("tricolor", "gcmx", $8, $38, $18, $28, 0.25)
            printf "%-8s %-9s %-4s %10.1f %6.1f %-3s %10.1f %6s %-3s %10.1f\n", w, "tricolor", "env", $7, $37, "", $17, "", "", $27
            # Each collector: the p99 of the pauses the periodic ticks of
            # the machine did not land in (bench: "p99 without the ticks";
            # docs/design.md section 8): where a tick lands in about 1% of
            # the pauses, the p99 itself flips between the tick and the
            # collector, and above that it is the length of the tick.
            row("tricolor", "p99t", $9, $39, $19, $29, 0.10)
            row("boehm", "p99t", $10, $40, $20, $30, 0.10)
        }'
done
echo "gcmx: Tricolor's longest pause that held an increment; env: its pauses over 200 us that held none;"
echo "p99t: each collector's p99 with the machine's periodic ticks' time taken out of the pauses they landed in (0: no tick found)"
echo "(the machine's stalls, as bench's 'env pauses >200us'); again: the second bench's figure over the first's"
echo "(for env, its count); medians over the rounds"
