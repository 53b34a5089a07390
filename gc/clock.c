/*
 * clock.c — the collector's clock: CLOCK_MONOTONIC's nanoseconds, read
 * through the CPU's time-stamp counter once it is calibrated.
 *
 * Why not clock_gettime alone. Every increment reads the clock (its
 * pause record, the utilization guard, time budgets), and the first read
 * after the program ran for a while is cold: the vDSO's code and data
 * pages have left the TLB and the caches (on these VMs, PVM guests with
 * page-table isolation and no PCID, every kernel entry empties the user
 * TLB). There that read took 2.1-4.9 us in lru's longest start
 * handshakes (a cycle every ~350 ms), against 0.03 us warm: a third of
 * the handshake (docs/design.md section 10, "A clock that is not
 * cold"). RDTSC touches no memory.
 *
 * How. Where the CPU says its TSC is invariant (constant rate, running
 * in every C-state: CPUID 0x80000007, EDX bit 8), the first read anchors
 * a (TSC, CLOCK_MONOTONIC) pair, and reads keep going to clock_gettime
 * until CAL_SPAN_NS have passed; the first read after that takes a second
 * pair, and from then on
 *     now = ns_b + SWITCH_NS + (tsc - tsc_b) x ns_per_tick.
 * Each pair is a clock_gettime between two RDTSCs at most PAIR_MAX_TICKS
 * apart, so a preempted read is retried, not believed, and the rate is
 * then right to a few parts per million (5 us of drift over a 10 s run,
 * at most). Elsewhere (no invariant TSC, another architecture, a rate
 * no CPU runs at) the clock stays clock_gettime.
 *
 * Invariants. The clock never goes back on one thread: SWITCH_NS is more
 * than a pair's own uncertainty (half of PAIR_MAX_TICKS, under 0.5 us at
 * 1 GHz), so the first formula read exceeds every clock_gettime read made
 * before the switch, on any thread; after it the formula rises with the
 * TSC (test_clock checks both). Threads read the same TSC: the kernel
 * and the hypervisor keep it in step across CPUs where it is invariant.
 * The state is published with release stores and read with acquire
 * loads, so a thread that sees CLOCK_READY sees the pair and the rate.
 */
#include "internal.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

enum {
    CLOCK_UNSET,     /* nothing read yet */
    CLOCK_ANCHORING, /* one thread takes the first pair */
    CLOCK_ANCHORED,  /* first pair taken: clock_gettime until CAL_SPAN_NS later */
    CLOCK_SWITCHING, /* one thread takes the second pair */
    CLOCK_READY,     /* the TSC formula */
    CLOCK_OFF,       /* clock_gettime for good */
};

#define CAL_SPAN_NS    100000000u /* 100 ms between the pairs */
#define PAIR_MAX_TICKS 1000u      /* a pair's RDTSCs at most this far apart */
#define PAIR_TRIES     8          /* pairs tried at each end, the narrowest kept */
#define SWITCH_NS      1000u      /* added at the switch: see the invariants */

static _Atomic int clock_state;
static uint64_t tsc_a, ns_a, tsc_b, ns_b;
static double ns_per_tick;

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if HAVE_TSC
static bool tsc_invariant(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u) return false;
    if (!__get_cpuid(0x80000007u, &a, &b, &c, &d)) return false;
    return (d >> 8) & 1u;
}

/* The narrowest of PAIR_TRIES (TSC, CLOCK_MONOTONIC) pairs, the TSC at
 * the middle of its read; false if none was PAIR_MAX_TICKS or narrower. */
static bool read_pair(uint64_t *tsc, uint64_t *ns) {
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < PAIR_TRIES; i++) {
        const uint64_t t0 = __rdtsc(), n = mono_ns(), t1 = __rdtsc();
        if (t1 > t0 && t1 - t0 < best) {
            best = t1 - t0;
            *tsc = t0 + (t1 - t0) / 2;
            *ns = n;
        }
    }
    return best <= PAIR_MAX_TICKS;
}

/* In CLOCK_ANCHORING: the first pair, or the TSC ruled out. */
static void anchor(void) {
    int next = CLOCK_OFF;
    if (tsc_invariant() && read_pair(&tsc_a, &ns_a)) next = CLOCK_ANCHORED;
    atomic_store_explicit(&clock_state, next, memory_order_release);
}

/* In CLOCK_SWITCHING: the second pair and the rate, or back to
 * CLOCK_ANCHORED (a preempted pair: the next read tries again) or to
 * CLOCK_OFF (a rate outside 0.1-20 GHz: a TSC not worth trusting). */
static void calibrate(void) {
    int next = CLOCK_ANCHORED;
    if (read_pair(&tsc_b, &ns_b)) {
        const double ticks = (double)(tsc_b - tsc_a), ns = (double)(ns_b - ns_a);
        const double rate = tsc_b > tsc_a && ns > 0 ? ticks / ns : 0; /* ticks per ns */
        if (rate < 0.1 || rate > 20.0) {
            next = CLOCK_OFF;
        } else {
            ns_per_tick = 1.0 / rate;
            next = CLOCK_READY;
        }
    }
    atomic_store_explicit(&clock_state, next, memory_order_release);
}
#endif

uint64_t tc__now_ns(void) {
#if HAVE_TSC
    int s = atomic_load_explicit(&clock_state, memory_order_acquire);
    if (s == CLOCK_READY) {
        /* Signed: another CPU's TSC may read a little behind tsc_b. */
        const int64_t ticks = (int64_t)(__rdtsc() - tsc_b);
        return ns_b + SWITCH_NS + (uint64_t)(int64_t)((double)ticks * ns_per_tick);
    }
    if (s == CLOCK_UNSET && atomic_compare_exchange_strong(&clock_state, &s, CLOCK_ANCHORING)) anchor();
    const uint64_t now = mono_ns();
    if (s == CLOCK_ANCHORED && now - ns_a >= CAL_SPAN_NS &&
        atomic_compare_exchange_strong(&clock_state, &s, CLOCK_SWITCHING))
        calibrate();
    return now;
#else
    return mono_ns();
#endif
}

int tc__clock_source(void) {
    const int s = atomic_load_explicit(&clock_state, memory_order_acquire);
    return s == CLOCK_READY ? 1 : s == CLOCK_OFF ? -1 : 0;
}

/* Before the first read only (tests): a thread anchoring meanwhile would
 * overwrite it. */
void tc__clock_use_monotonic(void) { atomic_store_explicit(&clock_state, CLOCK_OFF, memory_order_release); }
