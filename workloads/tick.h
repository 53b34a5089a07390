/*
 * tick.h — the machine's periodic stall, found and attributed.
 *
 * On the VMs of docs/design.md section 8 the host takes each vCPU away for
 * 35-60 us once every millisecond, at a fixed phase of CLOCK_MONOTONIC (a
 * loop that only reads the clock sees gaps at x376, x1376, x2377 ... us).
 * Any timed operation that the tick lands in reads as a pause of the
 * tick's length, whatever the collector: where more than 1% of the pauses
 * hold one, the p99 is the host's tick and not the collector's work.
 *
 * tick_fit finds such a period in the gaps of bench's hiccup spin (the
 * instants and lengths of every gap of 20 us or more), tick_refit corrects
 * its period from a second spin after the run (so the prediction holds
 * across a run of seconds), and tick_holds says whether a pause
 * [start, start + dur) contains the middle of a predicted tick. Those
 * three are pure functions of the recorded gaps, tested with made-up ones
 * (tests/test_tick.c); tick_spin records the gaps, and tick_measure and
 * tick_reanchor are the spins bench, view and record make around a run.
 */
#ifndef TRICOLOR_TICK_H
#define TRICOLOR_TICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct machine_tick {
    uint64_t period_ns;     /* 0: no periodic stall found */
    uint64_t anchor_ns;     /* where one tick starts (the clock read before its gap), CLOCK_MONOTONIC */
    double period_exact_ns; /* the fitted period, to a fraction of a nanosecond: 3,000 periods later the
                               prediction must still be within a microsecond or two */
    uint64_t len_ns;        /* the median length of the ticks matched */
    uint64_t jitter_ns;     /* the largest distance of a matched tick from the fit */
    uint32_t matched;       /* periods of the spin that held a tick */
    uint32_t periods;       /* periods the spin covered */
} machine_tick;

/* The gaps of a spin: at[i] is the clock read before gap i, len[i] its
 * length, both ns, in increasing order of at. */
typedef struct tick_gaps {
    uint64_t *at, *len;
    size_t n, cap;
} tick_gaps;

/* What a spin saw, whether or not its gaps fit in the buffer. */
typedef struct tick_spin_stats {
    uint64_t start_ns; /* CLOCK_MONOTONIC at the spin's first clock read */
    uint64_t spin_ns;
    uint64_t max_gap_ns;
    uint64_t over_20us, over_200us, over_1ms;
    /* The spin's own MMU at 1 and 10 ms, over its gaps of 20 us or more
     * (tick_measure; 0 when not computed): the most of any window that
     * the machine left a program doing nothing but reading the clock.
     * No collector's run on that CPU can show a higher MMU over the same
     * time, so where a run's MMU misses a target this says whether the
     * machine allowed it. A floor for that second only: a longer run
     * meets more stalls. */
    double mmu_1ms, mmu_10ms;
} tick_spin_stats;

/* Spins ns nanoseconds reading CLOCK_MONOTONIC, the way jHiccup does:
 * every gap of 20 us or more goes to g while it has room (g->cap), and
 * *st (if not NULL) counts them all. */
void tick_spin(uint64_t ns, tick_gaps *g, tick_spin_stats *st);
/* Room for the gaps of a spin of ns (4,000 a second, 3x what the VMs of
 * docs/design.md section 8 show); false if out of memory. */
bool tick_gaps_alloc(tick_gaps *g, uint64_t ns);
void tick_gaps_free(tick_gaps *g);
/* The MMU at window_ns (metrics_mmu) of a spin that started at t0 and ran
 * span ns, counting its gaps in g as pauses; 0 if out of memory. */
double tick_spin_mmu(const tick_gaps *g, uint64_t t0, uint64_t span, uint64_t window_ns);

/* Up to TICK_MAX periodic stalls: t[0] the one the most gaps show, t[1]
 * one more among the gaps t[0] does not explain (on the VMs measured, the
 * guest's own 250 Hz timer beside the host's 1 kHz tick). */
#define TICK_MAX 2
typedef struct machine_ticks {
    machine_tick t[TICK_MAX];
} machine_ticks;

/* tick_fit, then tick_fit again on the gaps that do not lie within the
 * fit's tolerance of t[0]'s ticks. Returns how many were found. */
int tick_fit_all(const tick_gaps *g, uint64_t spin_ns, machine_ticks *out);
/* tick_refit of each on the gaps of a later spin (t[1] on those t[0]
 * does not explain). */
void tick_refit_all(machine_ticks *t, const tick_gaps *g, uint64_t spin_ns);
/* Whether [start, start + dur) holds the middle of any predicted tick. */
bool tick_holds_any(const machine_ticks *t, uint64_t start_ns, uint64_t dur_ns);
/* A pause of dur_ns from start_ns less the machine's time in it: the
 * predicted length (len_ns) of each tick whose middle it holds, of
 * either series; 0 at least. */
uint64_t tick_net_ns(const machine_ticks *t, uint64_t start_ns, uint64_t dur_ns);
/* Takes the ticks' time out of each of the n pauses at p (CLOCK_MONOTONIC
 * starts; tick_net_ns) and returns how many a tick landed in. The pauses
 * so rewritten are what `p99 without the ticks` is the p99 of, one
 * definition for bench, the window and the videos. Not the pauses no
 * tick landed in: a pause as long as a period (a Boehm collection of
 * 1 ms) always holds one, and leaving those out took the longest pauses
 * out of the figure. */
struct metrics_pause;
size_t tick_take_out(const machine_ticks *t, struct metrics_pause *p, size_t n);
/* The p99 of the n pauses at p after tick_take_out (p is rewritten and
 * reordered), us; *held as tick_take_out returns. */
double tick_p99_without(const machine_ticks *t, struct metrics_pause *p, size_t n, size_t *held);

/* A spin of ns and tick_fit_all on its gaps. TICK_MEASURE_NS is bench's
 * default --hiccup, spent before each timed run: bench's, and those view
 * and record measure first for a --passes run (viz/scene_measured.c). */
#define TICK_MEASURE_NS 1000000000u
void tick_measure(uint64_t ns, machine_ticks *t, tick_spin_stats *st);
/* After a run: a spin of tick_respin_ns(t) and tick_refit_all on it. */
#define TICK_RESPIN_NS 100000000u
/* The second spin's length: TICK_RESPIN_NS, or long enough to hold
 * TICK_RESPIN_PERIODS periods of the longest tick found, which tick_refit
 * needs half of. 100 ms held only ten periods of a 10 ms stall that the
 * VM of 2026-12-02 showed beside its 4 ms tick, and a refit that matched
 * nine of them dropped it. */
#define TICK_RESPIN_PERIODS 20u
uint64_t tick_respin_ns(const machine_ticks *t);
void tick_reanchor(machine_ticks *t);

/* Whether the gaps of a spin of spin_ns hold a periodic stall: one period
 * (between 100 us and 20 ms) that at least half of the spin's periods
 * show, 20 at least. Fills *out either way (period_ns 0 when not). */
bool tick_fit(const tick_gaps *g, uint64_t spin_ns, machine_tick *out);

/* Re-anchors a fitted tick on the gaps of a later spin of spin_ns: the
 * median distance of its ticks from the prediction is drift, spread over
 * the periods in between. False (and the tick cleared) when that spin
 * does not show the tick in at least half of its periods: then no pause
 * is attributed to it, and matched and periods say what that spin saw. */
bool tick_refit(machine_tick *t, const tick_gaps *g, uint64_t spin_ns);

/* Whether [start, start + dur) holds the middle of a predicted tick. */
bool tick_holds(const machine_tick *t, uint64_t start_ns, uint64_t dur_ns);

#endif
