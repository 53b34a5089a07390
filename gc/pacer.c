/*
 * pacer.c — when a cycle starts, and how much collection the mutator pays
 * for each byte it allocates.
 *
 * Goal (like Go's GOGC): the heap should not grow past
 *     goal = max(min_heap, marked * (1 + trigger_pct/100))
 * where `marked` is what the last cycle found live; so with the default
 * trigger_pct of 100 the heap peaks near twice its live data, and the
 * knob moves the peak the way GOGC does. The goal is capped below
 * heap_limit.
 *
 * Start: a cycle starts when the heap reaches  goal - runway, with
 *     runway = (goal - marked) * runway_pct/100,
 * so runway_pct is the share of the headroom over the live data during
 * which a cycle runs: a larger runway spreads the same work over more
 * allocation (fewer, sparser increments), a smaller one starts later and
 * collects in a denser burst.
 *
 * Assists (like Lua's stepmul, or Go's assist ratio): at cycle start the
 * pacer estimates the cycle's work (last cycle's mark work, plus one unit
 * per cell to sweep) and sets
 *     units_per_byte = work still to do / bytes left before the goal,
 * recomputed after every increment from the work actually done, so a
 * mutator that allocates faster than planned, or a heap whose live data is
 * growing while it is marked, pays more per byte: the pace follows the
 * measured rates, not the estimate it started from. Allocation accrues
 * debt at that rate; whenever the debt reaches one step budget,
 * increments run until it is paid, but never more than
 * MAX_STEPS_PER_ALLOC of them in one allocation (one with the auto-pacer
 * below the goal): the rest of the debt waits for the next allocations,
 * which come sooner the higher the rate. So no allocation pauses for more
 * than two increment budgets, on any cycle, however wrong the estimate.
 * Past the goal those increments are logged as TC_REASON_OVERDUE and the
 * rate is at least one unit a byte, which outruns any mutator of small
 * objects (an object of B bytes brings at most B/8 + 1 units of marking),
 * so the heap comes back. A mutator that allocates nothing but huge
 * pointer arrays can outrun two increments per allocation; heap_limit is
 * the hard bound, and at the limit tc_alloc finishes the cycle rather
 * than fail (the one case where an allocation pays more).
 *
 * Auto-pacer (cfg.pause_target_usec, in the spirit of Go's pacer): the
 * increment budget becomes a time budget of auto_frac x the target,
 * measured while the increment runs. auto_frac starts at
 * AUTO_FRAC_START, shrinks by a fifth whenever an increment overruns the
 * target (work that cannot be split: a page of sweep, an atomic round) and
 * grows back slowly after AUTO_CLEAN_RUN increments without an overrun.
 *
 * Concurrent mode (marker.c), like Go's pacer: a cycle must start early
 * enough that the marker, at its CPU cap, finishes marking before the
 * mutator reaches the goal. After each concurrent cycle the pacer
 * measures the marker's throughput (units per ns of marking time, its
 * sleeps included) and the mutator's allocation rate over the same time,
 * and the next runway is at least the bytes the mutator allocates while
 * the marker does the next cycle's estimated work, twice over (marking
 * must end halfway, the sweep follows). So a slow marker or a fast
 * allocator starts cycles earlier, more often, rather than pay assists.
 *
 * Assists, like Go's assists and background credit:
 * while the marker thread marks, its work is credited against the debt,
 * so the mutator pays an assist only for what the marker did not do in
 * time (the debt may run up to BANK_STEPS budgets below zero: work the
 * marker did ahead). Below the goal the mutator pays nothing. An assist
 * takes the mark state without waiting; if the marker holds it, it is
 * marking, and the allocation goes on, to try again CONC_CHECK_BYTES
 * later (past the ceiling, GUARD_RECHECK_BYTES later). Only past the
 * wait ceiling (or at the heap limit) does it wait, and ask the marker
 * to yield. Asking sooner only swapped who marked: the marker, asked at
 * every check past the ceiling, slept through its yield wait while the
 * mutator did the same work in pauses (GCBench's growth cycle: a
 * `ceiling` assist every ~28 us, docs/design.md section 10). At every
 * check the mutator publishes its barrier buffer and, when the marker
 * has reported no work left, runs the termination handshake.
 *
 * How dense the assists are. Past the goal the debt grows by at least a
 * unit a byte, many budgets between two checks (CONC_CHECK_BYTES apart,
 * or every allocation of a large object), so the cap on what one check
 * pays is what sets the mutator's share of the time: two budgets at
 * every check took 25-40% of GCBench's and fragment's worst
 * milliseconds. Below the ceiling a check pays one budget, and the rest
 * of the debt waits; past it, two, as in the incremental mode. So where
 * the marker falls behind, the heap runs on towards the ceiling (memory
 * for latency, as the utilization guard trades it) before the assists
 * double. And the mode's own utilization guard (mmu.c; conc_mmu_pct,
 * 90% of any 1 ms by default) holds up to the wait ceiling, past the
 * ceiling too: there runs of two-budget `ceiling` assists, one at every
 * check, took 20% and more of GCBench's and binary-trees' worst
 * milliseconds while the heap grew faster than a quarter of a core
 * marks (docs/design.md section 10).
 *
 * The concurrent sweep's adoptions (sweep.c: the mutator takes back the
 * pages the marker swept) are paced by the same guard below the goal.
 * Unpaced, once the marker had swept a cycle's list, the mutator adopted
 * the rest at every check, a budget each: 30-40 pauses of ~5 us in one
 * millisecond, fragment's worst (MMU at 1 ms over the collector's pauses
 * 0.80-0.84). Put off, adopted pages are memory the allocator cannot
 * take yet, and their dead bytes counted live (freed_bytes grows only at
 * adoption) pushed the heap past the goal into sweep assists: so the
 * pacer counts what the sweep found dead as freed at once (paced_live),
 * and past the goal adoption is not held. (docs/design.md section 10.)
 *
 * Fresh memory (alloc.c, alloc_checked). An allocation that cuts a large
 * object from memory nobody wrote yet faults its first pages in (the
 * page header, the written-pages bitmap): 20-150 us on the VMs of
 * docs/design.md, no collector work in it. So does one that needs a new
 * small page while the memory thread's reserve is empty (its header's
 * write, ~10 us; mutate's build, 48 MiB in ~100 ms, outruns the thread
 * by ~300-450 pages a run). The pacer's check then waits
 * for the next allocation, so that the collector's increment is not
 * added to that pause, while the heap is below the ceiling
 * (tc__pacer_may_defer). Before the first cycle ends the ceiling is
 * unbounded and the goal is the minimum heap, so there the bound is four
 * times the goal: a program that allocates nothing but fresh large
 * objects must still collect, and a program's first structures outgrow
 * the minimum heap at once (mutate's index is sixteen arrays of 576 KiB,
 * 9 MiB on the default 4 MiB, in its first 0.7 ms). There the first
 * cycles' handshakes and assists landed in those allocations, pauses of
 * 30-60 us around 1-12 us of collector work, and set mutate's p99 of
 * pauses with collector work; at twice the goal the last array still
 * took the first start handshake. Past the first cycle the ceiling, at
 * most half the headroom past the goal, is the lower bound.
 *
 * The allocation fast path only compares bytes_allocated with
 * next_check_bytes; everything here runs when that threshold is crossed.
 */
#include "internal.h"

#define MIN_RUNWAY_BYTES    ((uint64_t)4 << 10)
#define MIN_CHECK_BYTES     256
#define GUARD_RECHECK_BYTES 4096
#define MAX_STEPS_PER_ALLOC 2
#define MAX_UNITS_PER_US    10000.0
#define AUTO_FRAC_START     0.6
#define AUTO_FRAC_MIN       0.05
#define AUTO_FRAC_MAX       0.8
#define AUTO_CLEAN_RUN      256
#define CONC_CHECK_BYTES    16384 /* concurrent marking: publish the buffer and look for termination this often */
#define BANK_STEPS          8
#define ADOPT_BATCH         32 /* swept pages worth an increment to adopt them */

/* An increment's budget in work units; for budgets in µs, converted with
 * the collector's measured speed. */
double tc__pacer_step_units(const tc_heap *h) {
    if (h->cfg.pause_target_usec) return h->units_per_us * h->auto_frac * h->cfg.pause_target_usec;
    if (h->cfg.budget_unit == TC_BUDGET_WORK) return (double)h->cfg.step_work;
    return h->units_per_us * h->cfg.step_usec;
}

uint64_t tc__pacer_step_deadline_ns(const tc_heap *h) {
    if (h->cfg.pause_target_usec) return (uint64_t)(h->auto_frac * h->cfg.pause_target_usec * 1000.0);
    if (h->cfg.budget_unit == TC_BUDGET_USEC) return (uint64_t)h->cfg.step_usec * 1000u;
    return 0;
}

/* The goal of the next cycle, from the bytes the last one marked. */
static uint64_t compute_goal(const tc_heap *h, uint64_t marked) {
    uint64_t g = marked + marked / 100 * h->cfg.trigger_pct;
    if (g < h->cfg.min_heap) g = h->cfg.min_heap;
    if (h->cfg.heap_limit && g > h->cfg.heap_limit / 10 * 9) g = h->cfg.heap_limit / 10 * 9;
    return g;
}

/* The room a cycle has between what the last one marked and its goal;
 * an eighth of the goal where the heap limit holds the goal at or below
 * what was marked. */
static uint64_t headroom_of(uint64_t goal, uint64_t marked) { return goal > marked ? goal - marked : goal / 8; }

/* A ceiling stays below 95% of the heap limit, where make_room would
 * otherwise pay for everything in one allocation. */
static uint64_t below_limit(const tc_heap *h, uint64_t c) {
    return h->cfg.heap_limit && c > h->cfg.heap_limit / 20 * 19 ? h->cfg.heap_limit / 20 * 19 : c;
}

/* Where the next cycle starts: a runway_pct share of the headroom before
 * the goal. */
static uint64_t compute_start(const tc_heap *h, uint64_t goal, uint64_t marked) {
    uint64_t headroom = headroom_of(goal, marked);
    uint64_t runway = headroom / 100 * h->cfg.runway_pct;
    if (h->cfg.concurrent && h->conc_runway > runway) runway = h->conc_runway < headroom ? h->conc_runway : headroom;
    return goal - runway;
}

/* After a concurrent cycle's marking: the runway the marker needs at the
 * pace it kept (see the top of this file). */
static void measure_concurrent_runway(tc_heap *h) {
    const tc_cycle *c = &h->cur;
    const uint64_t marker_work = tc__marker_mark_work(h);
    if (!c->concurrent || c->mark_end_ns <= c->start_ns || marker_work == 0) return;
    double mark_ns = (double)(c->mark_end_ns - c->start_ns);
    double units_per_ns = (double)marker_work / mark_ns;
    /* The allocation rate over the same marking time: the bytes allocated
     * while the cycle swept came after mark_end_ns, and counting them
     * made the rate, and the runway, larger than measured. */
    double bytes_per_ns = (double)(h->cycle_alloc_marked - h->cycle_alloc0) / mark_ns;
    double need = 2.0 * (double)h->last_mark_work / units_per_ns * bytes_per_ns;
    h->conc_runway = need >= (double)(UINT64_MAX / 4) ? UINT64_MAX / 4 : (uint64_t)need;
}

/* Where the utilization guard gives way: past the goal by half the
 * headroom, so the heap peaks below live x (1 + 1.5 x trigger_pct/100)
 * however slow the collector is within its share of the time; and below
 * the heap limit, where make_room would otherwise pay for everything in
 * one allocation. */
static uint64_t compute_ceiling(const tc_heap *h, uint64_t goal, uint64_t marked) {
    uint64_t c = goal + headroom_of(goal, marked) / 2;
    /* Before a cycle has ended, the goal rests on no measured live data
     * (mutate builds 20 MB of graph while its first cycle marks): no
     * ceiling then but the heap limit, or the build would be marked back
     * to back. */
    if (h->cycle_no == 0) c = UINT64_MAX;
    c = below_limit(h, c);
    return c > goal ? c : goal;
}

/* Concurrent mode: where an assist waits for the marker to hand the mark
 * state over, half the headroom past the ceiling, or WAIT_SLACK_MIN if
 * that is more (and never past the ceiling's cap under the heap limit).
 * Below it, past the ceiling, an assist that finds the marker holding
 * the state goes on allocating. Why not wait
 * at the ceiling: a marker holds the state for whole slices, and a
 * marker descheduled inside one (a preempting thread on its CPU, idle
 * priority, the host taking its vCPU) hands it over only when it runs
 * again. Lisp's ceiling assists waited 0.5-9.7 ms for it, 5-28 times a
 * run on this VM (docs/design.md §10), with --gc-idle off too. A marker
 * that runs is marking, and its work is credited to the debt; one that
 * does not costs memory, up to half the headroom, not a pause. So the
 * heap peaks below
 * live x (1 + 2 x trigger_pct/100) in this mode, or 4 MiB past the
 * ceiling on a small heap: there half the headroom left lisp's mutator
 * waiting 2-13 ms for a marker that ksoftirqd kept off its CPU, while
 * the minimum removed every wait in 6 runs (docs/design.md §10). */
static uint64_t compute_wait_ceiling(const tc_heap *h, uint64_t goal, uint64_t marked, uint64_t ceiling) {
    if (ceiling == UINT64_MAX || !h->cfg.concurrent) return ceiling;
    uint64_t slack = headroom_of(goal, marked) / 2;
    if (slack < WAIT_SLACK_MIN) slack = WAIT_SLACK_MIN;
    uint64_t c = below_limit(h, ceiling + slack);
    return c > ceiling ? c : ceiling;
}

static void set_goal_and_start(tc_heap *h, uint64_t marked) {
    h->goal_bytes = compute_goal(h, marked);
    h->trigger_bytes = compute_start(h, h->goal_bytes, marked);
    /* Cycles that the utilization guard stretched past their goal start
     * earlier, by what they overshot (like Go's trigger feedback): over
     * a longer runway each byte owes less work, so fewer increments wait
     * and the peak comes back towards the goal. */
    uint64_t floor = marked < h->trigger_bytes ? marked : h->trigger_bytes;
    h->trigger_bytes = h->trigger_bytes - floor > h->start_early ? h->trigger_bytes - h->start_early : floor;
    h->ceiling_bytes = compute_ceiling(h, h->goal_bytes, marked);
    h->wait_ceiling_bytes = compute_wait_ceiling(h, h->goal_bytes, marked, h->ceiling_bytes);
}

/* Asks the fast path to call the pacer again after `wait` more bytes. */
static void check_after(tc_heap *h, uint64_t wait) {
    if (wait < MIN_CHECK_BYTES) wait = MIN_CHECK_BYTES;
    h->next_check_bytes = wait > UINT64_MAX - h->bytes_allocated ? UINT64_MAX : h->bytes_allocated + wait;
    /* The safepoint hook shares this one compare on the fast path. */
    if (h->safepoint && h->safepoint_at < h->next_check_bytes) h->next_check_bytes = h->safepoint_at;
    h->debt_base_bytes = h->bytes_allocated;
}

/* Sets next_check_bytes: the allocation count at which the pacer wants to
 * be asked again. */
static void reschedule(tc_heap *h) {
    uint64_t wait;
    if (h->phase == TC_PHASE_IDLE) {
        wait = live_bytes(h) < h->trigger_bytes ? h->trigger_bytes - live_bytes(h) : 0;
    } else {
        /* Clamped before the conversion: with a huge step budget and a
         * tiny rate the quotient exceeds what a uint64_t holds (undefined
         * behaviour, found by fuzzing the API). */
        double need = tc__pacer_step_units(h) - (double)h->debt;
        double bytes = need <= 0 ? 0 : need / h->units_per_byte;
        wait = bytes >= (double)(UINT64_MAX / 2) ? UINT64_MAX / 2 : (uint64_t)bytes;
    }
    check_after(h, wait);
}

/* Marking must be done halfway through the runway, sweeping by its end.
 * Why: with the insertion barriers, an object allocated during marking and
 * stored into a black object survives the cycle even if it dies at once
 * (floating garbage), and marked bytes set the next trigger. If marking
 * may last the whole runway, the mutator can allocate as much as the last
 * cycle marked, all of it can float, and marked bytes then grow by the
 * live size every cycle without bound (fragment did: 34, 87, 178 ... 763
 * MB marked for 120 MB live). Half the runway bounds the floating garbage
 * to half the marked heap, so marked bytes converge. */
static void update_rate(tc_heap *h) {
    bool marking = h->phase != TC_PHASE_SWEEP;
    uint64_t done =
        marking ? h->cycle_mark_work + (h->hot.concurrent ? tc__marker_cycle_work(h) : 0) : h->cycle_sweep_work;
    uint64_t *est = marking ? &h->est_mark_work : &h->est_sweep_work;
    if (done >= *est) *est = done + done / 4 + 1;
    /* While marking, the sweep still to come is paid in the second half. */
    double left = (double)(*est - done);
    uint64_t target = marking ? h->trigger_bytes + (h->goal_bytes - h->trigger_bytes) / 2 : h->goal_bytes;
    if (target < h->trigger_bytes) target = h->goal_bytes;
    uint64_t runway = target > live_bytes(h) ? target - live_bytes(h) : 0;
    uint64_t floor = h->goal_bytes / 32 > MIN_RUNWAY_BYTES ? h->goal_bytes / 32 : MIN_RUNWAY_BYTES;
    if (runway < floor) runway = floor; /* nearly out of runway: pay fast, not infinitely */
    h->units_per_byte = left / (double)runway;
    if (h->units_per_byte < 1.0 / 64) h->units_per_byte = 1.0 / 64;
    /* Past the goal the estimate has failed (the mutator creates marking
     * work: the insertion barriers shade new objects it stores into black
     * ones). An object of B bytes brings at most B/8 + 1 units of scan
     * work, so charging at least one unit per byte makes the collector
     * outrun anything the mutator can create, and the cycle ends. */
    if (live_bytes(h) >= h->goal_bytes && h->units_per_byte < 1.0) h->units_per_byte = 1.0;
}

void tc__pacer_init(tc_heap *h) {
    set_goal_and_start(h, 0);
    h->units_per_byte = 1;
    h->units_per_us = 40; /* a guess (25 ns a unit) until increments are measured */
    h->auto_frac = AUTO_FRAC_START;
    reschedule(h);
}

/* The goal of the cycle that will start next. */
uint64_t tc__pacer_next_goal(const tc_heap *h) { return h->goal_bytes; }

/* The goal was set when the last cycle ended; a cycle that starts late
 * (its predecessor ended above the start point) must catch up through
 * steeper assists, not a later goal, or the heap would grow every cycle. */
void tc__pacer_cycle_start(tc_heap *h) {
    h->cur.heap_goal = h->goal_bytes;
    h->cycle_alloc0 = h->bytes_allocated;
    h->cycle_peak_live = live_bytes(h);
    /* Mark work follows the live data, which the last cycle measured; the
     * first cycle assumes every word of the heap is a slot to scan. */
    uint64_t est_mark = h->last_mark_work ? h->last_mark_work + h->last_mark_work / 5 : live_bytes(h) / 8;
    /* A heap that grew past twice what the last cycle found live is
     * building live data (GCBench's long-lived tree): scale the estimate
     * with it, or marking runs three times over its estimate and the
     * assists pile up at the end of the runway. */
    if (h->last_live_bytes && live_bytes(h) > 2 * h->last_live_bytes) {
        uint64_t scaled =
            (uint64_t)((double)h->last_mark_work * (double)live_bytes(h) / (2.0 * (double)h->last_live_bytes));
        if (scaled > est_mark) est_mark = scaled;
    }
    uint64_t est_sweep = h->large.n + h->cells_used;
    h->est_mark_work = est_mark + 1;
    h->est_sweep_work = est_sweep + 1;
    h->debt = 0;
    update_rate(h);
    reschedule(h);
}

/* Concurrent mode: when the next cycle should start, at the rate the
 * mutator allocated through the cycle that just ended, for the marker,
 * which sleeps until then (marker.c, tc__marker_idle_wait_ns). */
static void forecast_start(tc_heap *h) {
    const uint64_t now = tc__now_ns();
    const uint64_t bytes = h->bytes_allocated - h->cycle_alloc0, live = live_bytes(h);
    if (bytes == 0 || now <= h->cur.start_ns) {
        tc__marker_expect_start(h, 0);
        return;
    }
    const double to_go = h->trigger_bytes > live ? (double)(h->trigger_bytes - live) : 0.0;
    const double ns = to_go * (double)(now - h->cur.start_ns) / (double)bytes;
    tc__marker_expect_start(h, ns >= (double)(UINT64_MAX / 4) ? 0 : now + (uint64_t)ns);
}

/* The next trigger grows from what marking found live (like Go's heap
 * goal), not from the bytes in use when sweeping ends: those include
 * everything allocated during the cycle, and a trigger built on them would
 * compound from cycle to cycle. Objects allocated black by Yuasa were not
 * marked but are live; they count as new allocation against the trigger. */
void tc__pacer_cycle_end(tc_heap *h) {
    h->last_mark_work = h->cycle_mark_work + (h->cur.concurrent ? tc__marker_mark_work(h) : 0);
    /* Large objects born during the cycle and marked (the insertion
     * barriers shade what is stored into black objects) count as new
     * allocation, as Yuasa's black-born objects do, not as the live data
     * the goal grows from: a program replacing MiB-sized objects while a
     * cycle marks would otherwise have the replaced and the replacing
     * both in the base, and its goal (fragment's) drift to twice its
     * live data. */
    uint64_t base = h->cur.marked_bytes - h->cycle_marked_new;
    h->last_live_bytes = base;
    uint64_t over = h->cycle_peak_live > h->goal_bytes ? h->cycle_peak_live - h->goal_bytes : 0;
    h->start_early = h->start_early / 2 + over / 2;
    measure_concurrent_runway(h);
    set_goal_and_start(h, base);
    h->debt = 0;
    if (h->cur.concurrent) forecast_start(h);
}

void tc__pacer_after_increment(tc_heap *h, size_t work, uint64_t duration_ns, bool marking, bool adopting) {
    /* An adoption is no sample of the collector's speed: its units are a
     * charge for handing swept pages back (16 a page, a few ns each),
     * several times faster than marking or sweeping, and counted in the
     * average they made a time budget (--step-us, --pause-target) mean
     * more units than an increment can do in it. (They still pay the
     * debt, as any increment's units do.) */
    const bool sample = !adopting && work >= 64 && duration_ns > 0;
    if (marking && sample) {
        double rate = (double)work * 1000.0 / (double)duration_ns;
        if (rate > MAX_UNITS_PER_US) rate = MAX_UNITS_PER_US;
        h->mark_units_per_us = h->mark_units_per_us ? 0.875 * h->mark_units_per_us + 0.125 * rate : rate;
    }
    if (sample) {
        /* Clamped to what any machine can do (a unit is a memory access or
         * more): one wrong figure must not turn a time budget into an
         * increment the debt never reaches. */
        double rate = (double)work * 1000.0 / (double)duration_ns;
        if (rate > MAX_UNITS_PER_US) rate = MAX_UNITS_PER_US;
        h->units_per_us = 0.875 * h->units_per_us + 0.125 * rate;
    }
    h->debt -= (double)work;
    if (h->debt < 0 && !h->hot.concurrent) h->debt = 0;
    if (h->cfg.pause_target_usec) {
        if (duration_ns > (uint64_t)h->cfg.pause_target_usec * 1000u) {
            h->auto_frac *= 0.8;
            if (h->auto_frac < AUTO_FRAC_MIN) h->auto_frac = AUTO_FRAC_MIN;
            h->auto_clean = 0;
        } else if (++h->auto_clean >= AUTO_CLEAN_RUN) {
            h->auto_frac *= 1.05;
            if (h->auto_frac > AUTO_FRAC_MAX) h->auto_frac = AUTO_FRAC_MAX;
            h->auto_clean = 0;
        }
    }
    if (h->phase != TC_PHASE_IDLE) update_rate(h);
    reschedule(h);
}

void tc__pacer_on_config(tc_heap *h) {
    set_goal_and_start(h, h->last_live_bytes);
    if (h->phase != TC_PHASE_IDLE) update_rate(h);
    reschedule(h);
}

/* Live bytes as the pacer weighs them: what the concurrent sweep found
 * dead is freed, adopted or not (see the file's comment). */
static uint64_t paced_live(const tc_heap *h) {
    uint64_t live = live_bytes(h), dead = atomic_load_explicit(&h->sweep_dead_bytes, memory_order_relaxed);
    return h->sweep_conc && dead < live ? live - dead : live;
}

/* The utilization guard (mmu.c) lets an increment run now; from
 * `give_way` on (the soft ceiling, or in the concurrent mode the wait
 * ceiling), memory comes first and it always does. */
static bool guard_allows(tc_heap *h, uint64_t give_way) {
    return paced_live(h) >= give_way || tc__mmu_allows(h, tc__pacer_budget_ns(h));
}

/* Why an allocation pays this increment, as the pause log says it. */
static tc_pause_reason assist_reason(const tc_heap *h) {
    uint64_t live = paced_live(h);
    if (tc__mmu_on(h) && live >= h->ceiling_bytes) return TC_REASON_CEILING;
    return h->phase != TC_PHASE_IDLE && live >= h->goal_bytes ? TC_REASON_OVERDUE : TC_REASON_ASSIST;
}

/* An increment is owed but put off: ask again after a little more
 * allocation (the debt keeps accruing meanwhile). Often enough that the
 * window's room is used when it comes, rarely enough that the clock read
 * per check stays small beside the allocation it waits for. */
static void recheck_soon(tc_heap *h) { check_after(h, GUARD_RECHECK_BYTES); }

/* An allocation check while the marker thread marks. */
static void concurrent_check(tc_heap *h) {
    const bool terminate = tc__marker_poll(h);
    const uint64_t live = paced_live(h);
    h->debt += (double)(h->bytes_allocated - h->debt_base_bytes) * h->units_per_byte;
    h->debt_base_bytes = h->bytes_allocated;
    h->debt -= (double)tc__marker_credit(h);
    const double step = tc__pacer_step_units(h);
    if (h->debt < -BANK_STEPS * step) h->debt = -BANK_STEPS * step;
    /* Below the goal the marker is on time: the cycle started early
     * enough for it (measure_concurrent_runway), and the mutator pays
     * nothing. Past the goal it assists, at the rate update_rate sets
     * there (at least a unit a byte). */
    if (live < h->goal_bytes && h->debt > 0) h->debt = 0;
    if (terminate) {
        /* The marker found nothing left: the termination handshake (which
         * may find the buffer's last entries and hand marking back), or
         * the end of the concurrent sweep. */
        if ((h->phase != TC_PHASE_SWEEP || guard_allows(h, h->goal_bytes)) && tc__marker_hold(h, false)) {
            tc__gc_increment(h, TC_REASON_HANDSHAKE);
            tc__marker_release(h);
        }
    } else if (h->debt >= step) {
        const tc_pause_reason reason = assist_reason(h);
        const bool must = live >= h->ceiling_bytes;
        /* The concurrent mode's guard gives way at the wait ceiling, not
         * at the ceiling (see the file's comment). */
        if (guard_allows(h, h->wait_ceiling_bytes) && tc__marker_hold(h, live >= h->wait_ceiling_bytes)) {
            /* One budget a check below the ceiling, two past it: see the
             * file's comment. */
            const int max_steps = must ? MAX_STEPS_PER_ALLOC : 1;
            for (int paid = 0; paid < max_steps && h->debt >= step && tc__marker_job(h) != JOB_NONE; paid++)
                tc__gc_increment(h, reason);
            tc__marker_release(h);
        } else if (must) {
            recheck_soon(h);
            return;
        }
    } else if (h->sweep_conc && tc__sweep_to_adopt(h) >= ADOPT_BATCH && guard_allows(h, h->goal_bytes) &&
               tc__marker_hold(h, false)) {
        /* Pages the marker swept go back to the allocator, and that is
         * all: the mutator owes no work here, and sweeping a budget of
         * pages besides, as an assist did, made these pauses 10-25 us
         * instead of a few (fragment: 500-600 of them a run). */
        tc__gc_increment(h, TC_REASON_ADOPT);
        tc__marker_release(h);
    }
    if (tc__marker_job(h) != JOB_NONE)
        check_after(h, CONC_CHECK_BYTES);
    else
        reschedule(h);
}

bool tc__pacer_may_defer(const tc_heap *h) {
    const uint64_t live = paced_live(h);
    return live < h->ceiling_bytes && live / 4 < h->goal_bytes;
}

void tc__pacer_on_alloc_check(tc_heap *h) {
    note_peak_live(h);
    if (h->in_gc) {
        h->next_check_bytes = h->bytes_allocated + MIN_CHECK_BYTES;
        return;
    }
    if (tc__marker_job(h) != JOB_NONE) {
        concurrent_check(h);
        return;
    }
    if (h->phase == TC_PHASE_IDLE) {
        if (live_bytes(h) < h->trigger_bytes)
            reschedule(h);
        else if (h->next_barrier == TC_BARRIER_STW) /* a whole cycle in one pause: nothing to spread */
            tc__gc_increment(h, TC_REASON_FULL);
        else if (guard_allows(h, h->ceiling_bytes))
            tc__gc_increment(h, assist_reason(h));
        else
            recheck_soon(h);
        return;
    }
    h->debt += (double)(h->bytes_allocated - h->debt_base_bytes) * h->units_per_byte;
    h->debt_base_bytes = h->bytes_allocated;
    /* An allocation pays at most MAX_STEPS_PER_ALLOC increments (one with
     * the auto-pacer below the goal) and carries the rest of its debt to
     * the next ones, so one allocation never becomes one long pause, even
     * past the goal: the rate there makes the next allocations pay soon. */
    if ((double)h->debt < tc__pacer_step_units(h)) {
        reschedule(h);
        return;
    }
    /* One reason for all this allocation pays: the sweep may bring the
     * heap back under the goal between them. */
    const tc_pause_reason reason = assist_reason(h);
    bool over_goal = reason != TC_REASON_ASSIST;
    int max_steps = h->cfg.pause_target_usec && !over_goal ? 1 : MAX_STEPS_PER_ALLOC;
    for (int paid = 0; paid < max_steps && (double)h->debt >= tc__pacer_step_units(h) && h->phase != TC_PHASE_IDLE;
         paid++) {
        if (!guard_allows(h, h->ceiling_bytes)) {
            recheck_soon(h);
            return;
        }
        tc__gc_increment(h, reason);
    }
    if (h->phase != TC_PHASE_IDLE) reschedule(h);
}

/* For a budget in work units: how long a full budget of marking takes at
 * the measured marking speed (marking units are the slow ones: a slot
 * read that may miss the cache; sweeping a cell costs a few ns). */
uint64_t tc__pacer_budget_ns(const tc_heap *h) {
    uint64_t deadline = tc__pacer_step_deadline_ns(h);
    double speed = h->mark_units_per_us ? h->mark_units_per_us : h->units_per_us;
    return deadline ? deadline : (uint64_t)(tc__pacer_step_units(h) * 1000.0 / speed);
}
