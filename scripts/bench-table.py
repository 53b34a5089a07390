#!/usr/bin/env python3
"""bench-table.py — the README's figure tables, from `tricolor bench --json`.

    build/tricolor bench --workload all --collector tricolor,boehm --repeat 5 --json all.json
    build/tricolor bench --workload all --collector tricolor,tricolor-concurrent,boehm,boehm-par --json all.json
    scripts/bench-table.py all.json

Prints one Markdown row per workload (Tricolor against Boehm: max pause,
p99, MMU at 10 ms, wall and peak heap ratios, Tricolor's own longest
increment against its budget) and, below it, each figure that misses the
targets the README states, so that a table in the README is always a
bench run's output and never typed by hand. Medians are bench's: each
figure is the median over --repeat runs of that run's value.

With tricolor-concurrent in the runs, a second table compares it with
Boehm (boehm, or boehm-par when boehm did not run; wall also against
boehm-par when both ran) and checks the concurrent mode's targets. Beside
the pauses with GC work it shows the collector's own time in them (the
handshakes, assists, flushes and adoptions alone, by its clock) and the
MMU over them alone; the targets are checked on the pauses as timed. Its GC
CPU includes the marker thread's (bench's gc_cpu_ms). A table is printed
only when both of its collectors ran; a JSON file from any collector list
is read.
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

# The concurrent mode's targets (issue 14): max pause, p99, MMU at 1 and
# 10 ms, and wall against Boehm's. The max pause may also be as long as
# the machine's own longest stall, as above.
CONC_MAX_US = 100.0
CONC_P99_US = 20.0
CONC_MMU1 = 0.8
CONC_MMU10 = 0.9
CONC_WALL = 1.0


def us(v):
    return "%.2f ms" % (v / 1000) if v >= 1000 else "%.0f µs" % v if v >= 100 else "%.1f µs" % v


def runs_of(w):
    return {r["collector"]: r for r in w["runs"]}


def mmu_split(t):
    """Where a run's MMU at 10 ms went: the collector's increments alone
    against the pauses without any (page faults in the workload's
    allocations, the machine's stalls), when the JSON has the split."""
    if "mmu_gc_work" not in t:
        return ""
    return " (collector's increments alone: %.3f; pauses without them alone: %.3f)" % (
        t["mmu_gc_work"]["10ms"], t["mmu_no_gc_work"]["10ms"])


def machine_mmu_note(t, window):
    """The machine's own MMU at that window, from the spin before the
    timed run (bench's "machine MMU"): a loop that only reads the clock
    kept that much of the worst window, so no collector's run could keep
    more (the median run's; a longer run meets more stalls)."""
    m = t.get("hiccup", {}).get("mmu_" + window)
    return "" if m is None else "; the machine's own, spinning before the run: %.3f" % m


def tick_note(t):
    """Where the machine's periodic stall lands in the pauses (bench's
    hiccup spin found one): its share and the p99 of the pauses it did not
    land in, to read a p99 miss against (docs/design.md section 8)."""
    tick = t.get("hiccup", {}).get("tick_period_us", 0.0)
    if not tick or "p99_without_tick_us" not in t:
        return ""
    return " (the machine's ticks, every %s and so on, land in %.1f%% of the pauses; p99 without them: %s)" % (
        us(tick), t["pauses_holding_the_tick_pct"], us(t["p99_without_tick_us"]))


def gc_work(t, key):
    """A pause figure over the pauses that held collector work alone
    (bench's "max pause with GC work", "p99 pause with GC work"): the
    concurrent mode's pauses as issue 14 defines them, Boehm's
    collections by the same rule. "-" for a JSON without it."""
    return us(t[key]) if key in t else "-"


def gc_own(t):
    """The collector's own time inside the pauses with GC work, by its
    clock (bench's "max GC time in a pause", "p99 GC time in a pause"):
    the handshakes, assists, flushes and adoptions alone, without the
    allocation or store around them. "-" for a JSON without it (before
    this column)."""
    return "%s, %s" % (us(t["gc_own_max_us"]), us(t["gc_own_p99_us"])) if "gc_own_max_us" in t else "-"


def gc_mmu(t):
    """The MMU at 1 and 10 ms over the pauses with GC work alone, and
    where the worst millisecond starts in the timed run (bench's "its
    worst 1ms at"; left out for a JSON from before it)."""
    m = t.get("mmu_gc_work", {})
    if "1ms" not in m:
        return "-"
    at = " (1 ms worst at %.0f ms)" % m["1ms_at_ms"] if "1ms_at_ms" in m else ""
    return "%.3f / %.3f%s" % (m["1ms"], m["10ms"], at)


def gc_work_note(t):
    if "gc_p99_us" not in t:
        return ""
    own = ""
    if "gc_own_p99_us" in t:
        own = "; the collector's own time in them: p99 %s, max %s" % (us(t["gc_own_p99_us"]), us(t["gc_own_max_us"]))
    if "gc_pauses_holding_a_stall_pct" in t:
        own += "; a machine stall lands in ~%.1f%% of them" % t["gc_pauses_holding_a_stall_pct"]
    return "; with GC work: p99 %s, max %s%s" % (us(t["gc_p99_us"]), us(t["gc_max_us"]), own)


def concurrent_table(data, misses):
    """tricolor-concurrent against Boehm, and the concurrent targets."""
    rows = []
    for w in data:
        runs = runs_of(w)
        c = runs.get("tricolor-concurrent")
        ref_name = "boehm" if "boehm" in runs else "boehm-par"
        b, par = runs.get(ref_name), runs.get("boehm-par")
        if c and b:
            rows.append((w["workload"], c, b, ref_name, par if ref_name != "boehm-par" else None))
    if not rows:
        return
    refs = sorted({r[3] for r in rows})
    print()
    print("Concurrent mode (tricolor-concurrent against %s; GC CPU includes the marker thread):" % " / ".join(refs))
    print()
    print("| workload | max pause conc / boehm | p99 conc / boehm | with GC work: max, p99 conc / boehm "
          "| GC time in them: max, p99 conc | MMU 1 ms conc / boehm | MMU 10 ms conc / boehm "
          "| MMU 1 / 10 ms, GC work only, conc "
          "| wall conc/boehm | wall conc/par | GC CPU (marker) | assists / handshakes / flushes / adopts |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, c, b, ref_name, par in rows:
        label = name if ref_name == "boehm" else "%s (vs %s)" % (name, ref_name)
        if c["checksum"] != b["checksum"]:
            misses.append("%s, tricolor-concurrent: checksums differ" % name)
        wall = c["wall_ms"] / b["wall_ms"]
        wall_par = "%.2f×" % (c["wall_ms"] / par["wall_ms"]) if par else "-"
        hic = c.get("hiccup", {}).get("max_gap_us", 0.0)
        p, bp = c["pauses"], b["pauses"]
        print("| %s | %s / %s | %s / %s | %s, %s / %s, %s | %s | %.3f / %.3f | %.3f / %.3f | %s | %.2f× | %s "
              "| %.1f ms (%.1f ms) | %d / %d / %d / %s |" % (
            label, us(p["max_us"]), us(bp["max_us"]), us(p["p99_us"]), us(bp["p99_us"]), gc_work(c, "gc_max_us"),
            gc_work(c, "gc_p99_us"), gc_work(b, "gc_max_us"), gc_work(b, "gc_p99_us"), gc_own(c), c["mmu"]["1ms"],
            b["mmu"]["1ms"], c["mmu"]["10ms"], b["mmu"]["10ms"], gc_mmu(c), wall, wall_par, c["gc_cpu_ms"],
            c.get("marker_cpu_ms", 0.0), c.get("assists", 0), c.get("handshakes", 0), c.get("flushes", 0),
            c["adopts"] if "adopts" in c else "-"))  # JSON before 4465c9c has no adopts
        checks = [
            (p["max_us"] <= max(CONC_MAX_US, hic), "max pause %s > 100 µs and > the machine's %s stalls%s"
             % (us(p["max_us"]), us(hic), gc_work_note(c))),
            (p["p99_us"] <= CONC_P99_US, "p99 %s > 20 µs%s%s" % (us(p["p99_us"]), tick_note(c), gc_work_note(c))),
            (c["mmu"]["1ms"] >= CONC_MMU1, "MMU 1 ms %.3f < 0.8%s" % (c["mmu"]["1ms"], machine_mmu_note(c, "1ms"))),
            (c["mmu"]["10ms"] >= CONC_MMU10, "MMU 10 ms %.3f < 0.9%s%s" % (
                c["mmu"]["10ms"], mmu_split(c), machine_mmu_note(c, "10ms"))),
            (wall <= CONC_WALL, "wall %.2f× %s's > 1.0×" % (wall, ref_name)),
        ]
        misses += ["%s, tricolor-concurrent: %s" % (name, msg) for ok, msg in checks if not ok]


def main(path):
    data = json.load(open(path))
    if isinstance(data, dict):  # one workload: bench writes an object, not a list
        data = [data]
    if any("tricolor" in runs_of(w) and "boehm" in runs_of(w) for w in data):
        print("| workload | max pause tri / boehm | p99 tri / boehm | MMU 10 ms tri / boehm "
              "| wall tri/boehm | peak heap tri/boehm | own longest / budget |")
        print("|---|---|---|---|---|---|---|")
    misses = []
    for w in data:
        runs = runs_of(w)
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
            (t["pauses"]["p99_us"] <= P99_US, "p99 %s > 100 µs%s" % (us(t["pauses"]["p99_us"]), tick_note(t))),
            (t["mmu"]["10ms"] >= MMU10, "MMU 10 ms %.3f < 0.5%s%s" % (
                t["mmu"]["10ms"], mmu_split(t), machine_mmu_note(t, "10ms"))),
            (wall <= WALL_FAST.get(name, WALL), "wall %.2f× > %.2f×" % (wall, WALL_FAST.get(name, WALL))),
            (heap <= HEAP, "peak heap %.2f× > 2×" % heap),
            (t["own_max_us"] <= max(OWN * t["own_budget_us"], hic),
             "own longest %s > 2× its %s budget and > the machine's %s stalls"
             % (us(t["own_max_us"]), us(t["own_budget_us"]), us(hic))),
        ]
        misses += ["%s: %s" % (name, msg) for ok, msg in checks if not ok]
    concurrent_table(data, misses)
    print()
    print("Misses:" if misses else "Every figure meets its target.")
    for m in misses:
        print("- " + m)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: scripts/bench-table.py BENCH.json")
    main(sys.argv[1])
