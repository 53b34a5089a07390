/*
 * pacer.c — when a cycle starts, and how much collection the mutator pays
 * for each byte it allocates.
 *
 * Trigger (like GOGC, or Lua's pause): a cycle starts when the bytes in
 * objects reach  max(min_heap, marked_by_last_cycle * (1 + trigger_pct/100)).
 *
 * Goal: the running cycle should be finished (marked and swept) before the
 * heap grows another runway_pct percent over the trigger:
 *     goal = trigger * (1 + runway_pct/100), capped below heap_limit.
 *
 * Assists (like Lua's stepmul, or Go's assist ratio): at cycle start the
 * pacer estimates the cycle's work (last cycle's mark work, plus one unit
 * per cell to sweep) and sets
 *     units_per_byte = work still to do / bytes left before the goal,
 * recomputed after every increment, so a mutator that allocates faster
 * than planned pays more. Allocation accrues debt at that rate; whenever
 * the debt reaches one step budget, increments run until it is paid, at
 * most MAX_STEPS_PER_ALLOC of them unless the heap is past the goal. Past the goal the rate is so high that increments run
 * back to back: the heap limit is defended by tc_alloc (alloc.c).
 *
 * Auto-pacer (cfg.pause_target_usec, in the spirit of Go's pacer): the
 * increment budget becomes a time budget of auto_frac × the target,
 * measured while the increment runs, and an allocation pays at most one
 * increment while the heap is below the goal, so every pause the
 * collector causes there is one increment. auto_frac starts at
 * AUTO_FRAC_START, shrinks by a fifth whenever an increment overruns the
 * target (work that cannot be split: a page of sweep, an atomic round) and
 * grows back slowly after AUTO_CLEAN_RUN increments without an overrun.
 * Cycles still finish: the debt rate rises as the goal nears, so shorter
 * increments simply come more often.
 *
 * The allocation fast path only compares bytes_allocated with
 * next_check_bytes; everything here runs when that threshold is crossed.
 */
#include "internal.h"

#define MIN_RUNWAY_BYTES ((uint64_t)4 << 10)
#define MIN_CHECK_BYTES 256
#define MAX_STEPS_PER_ALLOC 4
#define AUTO_FRAC_START 0.6
#define AUTO_FRAC_MIN 0.05
#define AUTO_FRAC_MAX 0.8
#define AUTO_CLEAN_RUN 256

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

static uint64_t compute_trigger(const tc_heap *h, uint64_t base) {
    uint64_t t = base + base / 100 * h->cfg.trigger_pct;
    if (t < h->cfg.min_heap) t = h->cfg.min_heap;
    if (h->cfg.heap_limit) {
        /* Leave the runway below the limit, with 10% for fragmentation. */
        uint64_t cap = (uint64_t)h->cfg.heap_limit / (100 + h->cfg.runway_pct) * 90;
        if (t > cap) t = cap;
    }
    return t;
}

/* Sets next_check_bytes: the allocation count at which the pacer wants to
 * be asked again. */
static void reschedule(tc_heap *h) {
    uint64_t wait;
    if (h->phase == TC_PHASE_IDLE) {
        wait = live_bytes(h) < h->trigger_bytes ? h->trigger_bytes - live_bytes(h) : 0;
    } else {
        double need = tc__pacer_step_units(h) - (double)h->debt;
        wait = need <= 0 ? 0 : (uint64_t)(need / h->units_per_byte);
    }
    if (wait < MIN_CHECK_BYTES) wait = MIN_CHECK_BYTES;
    h->next_check_bytes = h->bytes_allocated + wait;
    /* The safepoint hook shares this one compare on the fast path. */
    if (h->safepoint && h->safepoint_at < h->next_check_bytes) h->next_check_bytes = h->safepoint_at;
    h->debt_base_bytes = h->bytes_allocated;
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
    uint64_t done = marking ? h->cycle_mark_work : h->cycle_sweep_work;
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
    h->trigger_bytes = compute_trigger(h, 0);
    h->units_per_byte = 1;
    h->units_per_us = 40; /* a guess (25 ns a unit) until increments are measured */
    h->auto_frac = AUTO_FRAC_START;
    reschedule(h);
}

/* The goal grows from the trigger, never from the heap size when the cycle
 * started: a cycle that starts late (its predecessor ended above the
 * trigger) must catch up through steeper assists, not a later goal, or the
 * heap would grow by the runway every cycle. */
uint64_t tc__pacer_goal_for(const tc_heap *h, uint64_t trigger) {
    uint64_t goal = trigger + trigger / 100 * h->cfg.runway_pct;
    if (h->cfg.heap_limit && goal > h->cfg.heap_limit / 10 * 9) goal = h->cfg.heap_limit / 10 * 9;
    return goal;
}

static void set_goal(tc_heap *h) { h->goal_bytes = tc__pacer_goal_for(h, h->trigger_bytes); }

void tc__pacer_cycle_start(tc_heap *h) {
    set_goal(h);
    /* Mark work follows the live data, which the last cycle measured; the
     * first cycle assumes every word of the heap is a slot to scan. */
    uint64_t est_mark = h->last_mark_work ? h->last_mark_work + h->last_mark_work / 5 : live_bytes(h) / 8;
    /* A heap that grew past twice what the last cycle found live is
     * building live data (GCBench's long-lived tree): scale the estimate
     * with it, or marking runs three times over its estimate and the
     * assists pile up at the end of the runway. */
    if (h->last_live_bytes && live_bytes(h) > 2 * h->last_live_bytes) {
        uint64_t scaled = (uint64_t)((double)h->last_mark_work * (double)live_bytes(h) / (2.0 * (double)h->last_live_bytes));
        if (scaled > est_mark) est_mark = scaled;
    }
    uint64_t est_sweep = h->large.n;
    for (size_t i = 0; i < h->pages.n; i++) est_sweep += ((tc_page *)h->pages.v[i])->top;
    h->est_mark_work = est_mark + 1;
    h->est_sweep_work = est_sweep + 1;
    h->debt = 0;
    update_rate(h);
    reschedule(h);
}

/* The next trigger grows from what marking found live (like Go's heap
 * goal), not from the bytes in use when sweeping ends: those include
 * everything allocated during the cycle, and a trigger built on them would
 * compound from cycle to cycle. Objects allocated black by Yuasa were not
 * marked but are live; they count as new allocation against the trigger. */
void tc__pacer_cycle_end(tc_heap *h) {
    h->last_mark_work = h->cycle_mark_work;
    h->last_live_bytes = h->cur.marked_bytes;
    h->trigger_bytes = compute_trigger(h, h->cur.marked_bytes);
    h->debt = 0;
}

void tc__pacer_after_increment(tc_heap *h, size_t work, uint64_t duration_ns) {
    if (work >= 64 && duration_ns > 0) {
        double rate = (double)work * 1000.0 / (double)duration_ns;
        h->units_per_us = 0.875 * h->units_per_us + 0.125 * rate;
    }
    h->debt -= (double)work;
    if (h->debt < 0) h->debt = 0;
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
    h->trigger_bytes = compute_trigger(h, h->last_live_bytes);
    if (h->phase != TC_PHASE_IDLE) {
        set_goal(h);
        update_rate(h);
    }
    reschedule(h);
}

void tc__pacer_on_alloc_check(tc_heap *h) {
    note_peak_live(h);
    if (h->in_gc) {
        h->next_check_bytes = h->bytes_allocated + MIN_CHECK_BYTES;
        return;
    }
    if (h->phase == TC_PHASE_IDLE) {
        if (live_bytes(h) >= h->trigger_bytes)
            tc__gc_increment(h, h->next_barrier == TC_BARRIER_STW ? TC_REASON_FULL : TC_REASON_ASSIST);
        else
            reschedule(h);
        return;
    }
    h->debt += (double)(h->bytes_allocated - h->debt_base_bytes) * h->units_per_byte;
    h->debt_base_bytes = h->bytes_allocated;
    /* An allocation pays at most MAX_STEPS_PER_ALLOC increments (one with
     * the auto-pacer) and carries the rest of its debt to the next ones, so
     * one large allocation does not become one long pause. Past the goal it
     * pays everything it owes:
     * paying one step per allocation let a run of 1 MiB allocations
     * outgrow the goal several times over (fragment: 769 MB, 284 MB goal). */
    if ((double)h->debt < tc__pacer_step_units(h)) {
        reschedule(h);
        return;
    }
    /* Past the goal the cycle must end, pause target or not: an allocation
     * that pays one increment when it owes many lets a mutator that
     * allocates large objects outrun the collector without bound. */
    bool over_goal = live_bytes(h) >= h->goal_bytes;
    int max_steps = h->cfg.pause_target_usec ? 1 : MAX_STEPS_PER_ALLOC;
    for (int paid = 0; (double)h->debt >= tc__pacer_step_units(h) && h->phase != TC_PHASE_IDLE; paid++) {
        if (paid == max_steps && !over_goal) break;
        tc__gc_increment(h, over_goal ? TC_REASON_OVERDUE : TC_REASON_ASSIST);
    }
    if (h->phase != TC_PHASE_IDLE) reschedule(h);
}
