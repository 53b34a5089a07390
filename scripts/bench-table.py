#!/usr/bin/env python3
"""bench-table.py — the README's figure table, from `tricolor bench --json`.

    build/tricolor bench --workload all --collector tricolor,boehm --repeat 5 --json all.json
    scripts/bench-table.py all.json

Prints one Markdown row per workload (Tricolor against Boehm: max pause,
p99, MMU at 10 ms, wall and peak heap ratios, Tricolor's own longest
increment against its budget) and, below it, each figure that misses the
targets the README states, so that a table in the README is always a
bench run's output and never typed by hand. Medians are bench's: each
figure is the median over --repeat runs of that run's value.
"""
import json
import sys

# The targets of "Pauses that hold on any machine" (README): max pause,
# p99, MMU at 10 ms, wall and peak heap against Boehm, own longest
# increment against its budget's time. A max pause or a longest increment
# may also be as long as the machine's own longest stall in that run.
MAX_US = 1000.0
P99_US = 100.0
MMU10 = 0.5
WALL = 1.25
WALL_FAST = {"gcbench": 1.0, "binary-trees": 1.0, "churn": 1.0}
HEAP = 2.0
OWN = 2.0


def us(v):
    return "%.2f ms" % (v / 1000) if v >= 1000 else "%.0f µs" % v if v >= 100 else "%.1f µs" % v


def main(path):
    data = json.load(open(path))
    print("| workload | max pause tri / boehm | p99 tri / boehm | MMU 10 ms tri / boehm "
          "| wall tri/boehm | peak heap tri/boehm | own longest / budget |")
    print("|---|---|---|---|---|---|---|")
    misses = []
    for w in data:
        runs = {r["collector"]: r for r in w["runs"]}
        t, b = runs.get("tricolor"), runs.get("boehm")
        if not t or not b:
            continue
        name = w["workload"]
        if t["checksum"] != b["checksum"]:
            misses.append("%s: checksums differ" % name)
        wall = t["wall_ms"] / b["wall_ms"]
        heap = t["peak_heap_bytes"] / b["peak_heap_bytes"]
        # The machine's own longest stall, from the --hiccup spin before the
        # timed run: a floor no collector can go below on this machine.
        hic = t.get("hiccup", {}).get("max_gap_us", 0.0)
        print("| %s | %s / %s | %s / %s | %.3f / %.3f | %.2f× | %.2f× (%.1f / %.1f MiB) | %s / %s |" % (
            name, us(t["pauses"]["max_us"]), us(b["pauses"]["max_us"]), us(t["pauses"]["p99_us"]),
            us(b["pauses"]["p99_us"]), t["mmu"]["10ms"], b["mmu"]["10ms"], wall, heap,
            t["peak_heap_bytes"] / 2**20, b["peak_heap_bytes"] / 2**20, us(t["own_max_us"]),
            us(t["own_budget_us"])))
        checks = [
            (t["pauses"]["max_us"] <= max(MAX_US, hic), "max pause %s > 1 ms and > the machine's %s stalls"
             % (us(t["pauses"]["max_us"]), us(hic))),
            (t["pauses"]["p99_us"] <= P99_US, "p99 %s > 100 µs" % us(t["pauses"]["p99_us"])),
            (t["mmu"]["10ms"] >= MMU10, "MMU 10 ms %.3f < 0.5" % t["mmu"]["10ms"]),
            (wall <= WALL_FAST.get(name, WALL), "wall %.2f× > %.2f×" % (wall, WALL_FAST.get(name, WALL))),
            (heap <= HEAP, "peak heap %.2f× > 2×" % heap),
            (t["own_max_us"] <= max(OWN * t["own_budget_us"], hic),
             "own longest %s > 2× its %s budget and > the machine's %s stalls"
             % (us(t["own_max_us"]), us(t["own_budget_us"]), us(hic))),
        ]
        misses += ["%s: %s" % (name, msg) for ok, msg in checks if not ok]
        # The machine's own longest stall, from the --hiccup spin before the
        # timed run: a floor no collector can go below on this machine.
        hic = t.get("hiccup", {}).get("max_gap_us", 0.0)
    print()
    print("Misses:" if misses else "Every figure meets its target.")
    for m in misses:
        print("- " + m)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: scripts/bench-table.py BENCH.json")
    main(sys.argv[1])
