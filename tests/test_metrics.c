/*
 * test_metrics.c — the pause metrics of workloads/metrics.c against
 * hand-computed answers and a brute-force reference.
 *
 * Every fixed case states its arithmetic in a comment, so a failure can be
 * checked with pencil and paper. Times in the cases are written in ms or
 * µs and converted to the module's nanoseconds by MS() and US(). The
 * randomized test puts all times on whole microseconds, where sliding a
 * window in 1 µs steps visits every window edge that matters, so the
 * brute force is exact and must agree with metrics_mmu to 1e-9.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define US(x) ((uint64_t)(x)*1000u)
#define MS(x) ((uint64_t)(x)*1000000u)

/* cmocka 1.1.5 only compares floats; utilization needs doubles. */
static void near_at(double got, double want, double eps, const char *expr, int line) {
    if (!(fabs(got - want) <= eps)) {
        print_error("line %d: %s = %.17g, want %.17g (+-%g)\n", line, expr, got, want, eps);
        fail();
    }
}
#define assert_near(got, want) near_at((got), (want), 1e-12, #got, __LINE__)

/* ------------------------------------------------------------------ */
/* Percentiles                                                         */
/* ------------------------------------------------------------------ */

static void test_summary_empty(void **state) {
    (void)state;
    metrics_summary s;
    memset(&s, 0xff, sizeof s); /* every field must be written */
    metrics_summarize(NULL, 0, &s);
    assert_int_equal(s.count, 0);
    assert_near(s.p50_us, 0.0);
    assert_near(s.p95_us, 0.0);
    assert_near(s.p99_us, 0.0);
    assert_near(s.p999_us, 0.0);
    assert_near(s.max_us, 0.0);
    assert_near(s.total_us, 0.0);
}

static void test_summary_one(void **state) {
    (void)state;
    /* n = 1: every rank ceil(p * 1) is 1, so every percentile is 7 µs. */
    metrics_pause p[] = {{MS(3), US(7)}};
    metrics_summary s;
    metrics_summarize(p, 1, &s);
    assert_int_equal(s.count, 1);
    assert_near(s.p50_us, 7.0);
    assert_near(s.p95_us, 7.0);
    assert_near(s.p99_us, 7.0);
    assert_near(s.p999_us, 7.0);
    assert_near(s.max_us, 7.0);
    assert_near(s.total_us, 7.0);
}

static void test_summary_two(void **state) {
    (void)state;
    /* Sorted durations 1, 3 µs. p50: rank ceil(0.5 * 2) = 1 -> 1 µs.
     * p95: ceil(1.9) = 2 -> 3; p99: ceil(1.98) = 2 -> 3; p99.9: ceil(1.998)
     * = 2 -> 3. Total 4 µs. Given unsorted on purpose. */
    metrics_pause p[] = {{0, US(3)}, {MS(1), US(1)}};
    metrics_summary s;
    metrics_summarize(p, 2, &s);
    assert_int_equal(s.count, 2);
    assert_near(s.p50_us, 1.0);
    assert_near(s.p95_us, 3.0);
    assert_near(s.p99_us, 3.0);
    assert_near(s.p999_us, 3.0);
    assert_near(s.max_us, 3.0);
    assert_near(s.total_us, 4.0);
}

static void test_summary_three(void **state) {
    (void)state;
    /* 1, 2, 3 µs: p50 rank ceil(1.5) = 2 -> 2 µs (not an average of two). */
    metrics_pause p[] = {{0, US(2)}, {0, US(3)}, {0, US(1)}};
    metrics_summary s;
    metrics_summarize(p, 3, &s);
    assert_near(s.p50_us, 2.0);
    assert_near(s.p95_us, 3.0);
    assert_near(s.total_us, 6.0);
}

static void test_summary_ten(void **state) {
    (void)state;
    /* 1..10 ms, shuffled. p50: rank ceil(0.5 * 10) = 5 -> 5 ms = 5000 µs.
     * p95: ceil(9.5) = 10 -> 10000 µs; p99: ceil(9.9) = 10; p99.9:
     * ceil(9.99) = 10. Total 1 + ... + 10 = 55 ms = 55000 µs. */
    static const unsigned order[10] = {7, 2, 10, 1, 9, 4, 6, 3, 8, 5};
    metrics_pause p[10];
    for (int i = 0; i < 10; i++) p[i] = (metrics_pause){MS(20 * i), MS(order[i])};
    metrics_summary s;
    metrics_summarize(p, 10, &s);
    assert_int_equal(s.count, 10);
    assert_near(s.p50_us, 5000.0);
    assert_near(s.p95_us, 10000.0);
    assert_near(s.p99_us, 10000.0);
    assert_near(s.p999_us, 10000.0);
    assert_near(s.max_us, 10000.0);
    assert_near(s.total_us, 55000.0);
}

static void test_summary_thousand(void **state) {
    (void)state;
    /* 1..1000 µs in the order (7919 i mod 1000) + 1, a permutation since
     * gcd(7919, 1000) = 1. Ranks: p50 ceil(500) = 500 -> 500 µs; p95 950;
     * p99 990; p99.9 ceil(0.999 * 1000) = 999 exactly (a floating-point
     * 0.999 * 1000 is 999.0000000000001 or so, whose ceil would be 1000);
     * max 1000. Total 1000 * 1001 / 2 = 500500 µs. */
    metrics_pause p[1000];
    for (unsigned i = 0; i < 1000; i++) p[i] = (metrics_pause){MS(i), US(7919u * i % 1000u + 1u)};
    metrics_summary s;
    metrics_summarize(p, 1000, &s);
    assert_int_equal(s.count, 1000);
    assert_near(s.p50_us, 500.0);
    assert_near(s.p95_us, 950.0);
    assert_near(s.p99_us, 990.0);
    assert_near(s.p999_us, 999.0);
    assert_near(s.max_us, 1000.0);
    assert_near(s.total_us, 500500.0);
}

/* ------------------------------------------------------------------ */
/* Normalization                                                       */
/* ------------------------------------------------------------------ */

static void test_normalize_merges(void **state) {
    (void)state;
    /* [50,60) + [52,55) nested + [60,65) touching -> [50,65), 15 ms.
     * [10,15) + [14,15) nested at its end -> [10,15), 5 ms.
     * [30,30) empty and alone: kept. [70,71) alone: kept. */
    metrics_pause p[] = {
        {MS(50), MS(10)}, {MS(70), MS(1)}, {MS(10), MS(5)}, {MS(52), MS(3)},
        {MS(30), 0},      {MS(60), MS(5)}, {MS(14), MS(1)},
    };
    size_t n = metrics_normalize(p, 7);
    assert_int_equal(n, 4);
    const metrics_pause want[4] = {{MS(10), MS(5)}, {MS(30), 0}, {MS(50), MS(15)}, {MS(70), MS(1)}};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(p[i].start_ns, want[i].start_ns);
        assert_int_equal(p[i].dur_ns, want[i].dur_ns);
    }
}

static void test_normalize_edges(void **state) {
    (void)state;
    assert_int_equal(metrics_normalize(NULL, 0), 0);

    metrics_pause one = {5, 7};
    assert_int_equal(metrics_normalize(&one, 1), 1);
    assert_int_equal(one.start_ns, 5);
    assert_int_equal(one.dur_ns, 7);

    /* An end past 2^64 - 1 saturates: [M-10, M-10+100) becomes [M-10, M),
     * and [M-5, M) merges into it: one pause of 10 ns. */
    metrics_pause big[] = {{UINT64_MAX - 5, 5}, {UINT64_MAX - 10, 100}};
    assert_int_equal(metrics_normalize(big, 2), 1);
    assert_int_equal(big[0].start_ns, UINT64_MAX - 10);
    assert_int_equal(big[0].dur_ns, 10);
}

/* ------------------------------------------------------------------ */
/* MMU                                                                 */
/* ------------------------------------------------------------------ */

static void test_mmu_no_pauses(void **state) {
    (void)state;
    /* No pause time anywhere: every window is all mutator, MMU = 1. */
    for (int i = 0; i < METRICS_NWINDOWS; i++)
        assert_near(metrics_mmu(NULL, 0, 0, MS(100), metrics_windows_ns[i]), 1.0);
    assert_near(metrics_mmu(NULL, 0, 0, MS(100), MS(1000)), 1.0);
    /* Pauses entirely outside the run [10, 20] ms count for nothing. */
    metrics_pause p[] = {{MS(1), MS(5)}, {MS(20), MS(5)}};
    assert_near(metrics_mmu(p, 2, MS(10), MS(20), MS(1)), 1.0);
    assert_near(metrics_mmu(p, 2, MS(10), MS(20), MS(10)), 1.0);
}

static void test_mmu_single_pause(void **state) {
    (void)state;
    /* One 3 ms pause [50, 53) in the run [0, 100] ms. A window no longer
     * than 3 ms fits inside the pause: MMU(1) = MMU(2) = MMU(3) = 0. A
     * longer window holds at most the whole 3 ms: MMU(w) = 1 - 3/w, so
     * 5 ms -> 1 - 3/5 = 0.4, 10 ms -> 0.7, 100 ms (the run) -> 0.97. */
    metrics_pause p[] = {{MS(50), MS(3)}};
    assert_near(metrics_mmu(p, 1, 0, MS(100), MS(1)), 0.0);
    assert_near(metrics_mmu(p, 1, 0, MS(100), MS(2)), 0.0);
    assert_near(metrics_mmu(p, 1, 0, MS(100), MS(3)), 0.0);
    assert_near(metrics_mmu(p, 1, 0, MS(100), MS(5)), 0.4);
    assert_near(metrics_mmu(p, 1, 0, MS(100), MS(10)), 0.7);
    assert_near(metrics_mmu(p, 1, 0, MS(100), MS(100)), 0.97);
}

static void test_mmu_two_close_pauses(void **state) {
    (void)state;
    /* Pauses [10, 12) and [13, 15) ms in the run [0, 100] ms.
     * 2 ms: [10, 12) is all pause -> 0.
     * 3 ms: [10,13) holds 2, [11,14) holds 1 + 1, [12,15) holds 0 + 2;
     *       nothing holds more than 2 -> 1 - 2/3 = 1/3.
     * 4 ms: [10,14) holds 2 + 1 = 3, as does [11,15) -> 1 - 3/4 = 0.25.
     * 5 ms: [10,15) holds both, 2 + 2 = 4 -> 1 - 4/5 = 0.2.
     * 10 ms: at most both, 4 -> 1 - 4/10 = 0.6.
     * 100 ms: the whole run, 4 -> 0.96. */
    metrics_pause p[] = {{MS(10), MS(2)}, {MS(13), MS(2)}};
    assert_near(metrics_mmu(p, 2, 0, MS(100), MS(2)), 0.0);
    assert_near(metrics_mmu(p, 2, 0, MS(100), MS(3)), 1.0 / 3.0);
    assert_near(metrics_mmu(p, 2, 0, MS(100), MS(4)), 0.25);
    assert_near(metrics_mmu(p, 2, 0, MS(100), MS(5)), 0.2);
    assert_near(metrics_mmu(p, 2, 0, MS(100), MS(10)), 0.6);
    assert_near(metrics_mmu(p, 2, 0, MS(100), MS(100)), 0.96);
    /* Where: the 5 ms window that holds both starts at 10 ms; a window
     * as long as the run starts at the run's start. */
    uint64_t at = 1;
    assert_near(metrics_mmu_at(p, 2, 0, MS(100), MS(5), &at), 0.2);
    assert_int_equal(at, MS(10));
    assert_near(metrics_mmu_at(p, 2, 0, MS(100), MS(100), &at), 0.96);
    assert_int_equal(at, 0);
}

static void test_mmu_window_larger_than_run(void **state) {
    (void)state;
    /* 3 ms of pause in a 100 ms run; any window >= the run sees the whole
     * run: 1 - 3/100 = 0.97. */
    metrics_pause p[] = {{MS(50), MS(3)}};
    assert_near(metrics_mmu(p, 1, 0, MS(100), MS(150)), 0.97);
    assert_near(metrics_mmu(p, 1, 0, MS(100), UINT64_MAX), 0.97);
}

static void test_mmu_clipped_at_run_edges(void **state) {
    (void)state;
    /* Run [10, 30] ms (20 ms long). Pauses: [0,1) before the run (ignored;
     * its start is before t0, so clipping must not underflow), [5,13)
     * clipped to [10,13) = 3 ms, [28,33) clipped to [28,30) = 2 ms, [40,41)
     * after the run (ignored). In-run pause time 3 + 2 = 5 ms.
     * 2 ms: [10,12) is all pause -> 0.
     * 4 ms: [10,14) holds 3 -> 1 - 3/4 = 0.25.
     * 5 ms: [10,15) holds 3, [25,30) holds 2 -> 1 - 3/5 = 0.4.
     * 10 ms: [10,20) holds 3, [20,30) holds 2 -> 0.7.
     * 20 ms (the run) and 1 s: 1 - 5/20 = 0.75. Without clipping the run
     * would seem to hold 1 + 8 + 5 + 1 = 15 ms. */
    metrics_pause p[] = {{0, MS(1)}, {MS(5), MS(8)}, {MS(28), MS(5)}, {MS(40), MS(1)}};
    assert_near(metrics_mmu(p, 4, MS(10), MS(30), MS(2)), 0.0);
    assert_near(metrics_mmu(p, 4, MS(10), MS(30), MS(4)), 0.25);
    assert_near(metrics_mmu(p, 4, MS(10), MS(30), MS(5)), 0.4);
    assert_near(metrics_mmu(p, 4, MS(10), MS(30), MS(10)), 0.7);
    assert_near(metrics_mmu(p, 4, MS(10), MS(30), MS(20)), 0.75);
    assert_near(metrics_mmu(p, 4, MS(10), MS(30), MS(1000)), 0.75);
}

static void test_mmu_pause_at_run_end(void **state) {
    (void)state;
    /* Run [0, 100] ms. A pause [97,100) ending at t1: the 5 ms window must
     * be able to end at t1, [95,100) holds 3 -> 0.4. A pause [99,104)
     * clipped to [99,100): [95,100) holds 1 -> 0.8. A pause [0,3) at t0:
     * [0,5) holds 3 -> 0.4. */
    metrics_pause end[] = {{MS(97), MS(3)}};
    assert_near(metrics_mmu(end, 1, 0, MS(100), MS(5)), 0.4);
    metrics_pause past[] = {{MS(99), MS(5)}};
    assert_near(metrics_mmu(past, 1, 0, MS(100), MS(5)), 0.8);
    metrics_pause start[] = {{0, MS(3)}};
    assert_near(metrics_mmu(start, 1, 0, MS(100), MS(5)), 0.4);
}

static void test_mmu_degenerate(void **state) {
    (void)state;
    metrics_pause p[] = {{MS(50), MS(3)}};
    /* No run (t1 <= t0): nothing was paused. */
    assert_near(metrics_mmu(p, 1, MS(10), MS(10), MS(1)), 1.0);
    assert_near(metrics_mmu(p, 1, MS(20), MS(10), MS(1)), 1.0);
    /* w = 0 is the limit w -> 0+: 0 with pause time in the run, else 1. */
    assert_near(metrics_mmu(p, 1, 0, MS(100), 0), 0.0);
    assert_near(metrics_mmu(p, 1, 0, MS(40), 0), 1.0);
    /* Near the top of the clock: run [M-20, M], pause [M-10, M-10+100)
     * saturates to [M-10, M) = 10 ns. w = 10 fits in it -> 0; w = 20 is
     * the run -> 1 - 10/20 = 0.5. */
    metrics_pause top[] = {{UINT64_MAX - 10, 100}};
    assert_near(metrics_mmu(top, 1, UINT64_MAX - 20, UINT64_MAX, 10), 0.0);
    assert_near(metrics_mmu(top, 1, UINT64_MAX - 20, UINT64_MAX, 20), 0.5);
    assert_near(metrics_mmu(top, 1, UINT64_MAX - 20, UINT64_MAX, 15), 1.0 - 10.0 / 15.0);
}

/* ------------------------------------------------------------------ */
/* BMU                                                                 */
/* ------------------------------------------------------------------ */

static void test_bmu_single_pause(void **state) {
    (void)state;
    /* One 3 ms pause in [0, 100] ms: MMU(w') = 0 for w' <= 3 ms and
     * 1 - 3/w' above, which only grows, so BMU(w) = MMU(w) for w >= 3 ms:
     * 5 -> 0.4, 10 -> 0.7, 100 -> 0.97, 200 -> 0.97. Below 3 ms the 3 ms
     * window (a pause duration, hence a candidate) gives 0. */
    metrics_pause p[] = {{MS(50), MS(3)}};
    assert_near(metrics_bmu(p, 1, 0, MS(100), MS(1)), 0.0);
    assert_near(metrics_bmu(p, 1, 0, MS(100), MS(3)), 0.0);
    assert_near(metrics_bmu(p, 1, 0, MS(100), MS(5)), 0.4);
    assert_near(metrics_bmu(p, 1, 0, MS(100), MS(10)), 0.7);
    assert_near(metrics_bmu(p, 1, 0, MS(100), MS(100)), 0.97);
    assert_near(metrics_bmu(p, 1, 0, MS(100), MS(200)), 0.97);
    assert_near(metrics_bmu(NULL, 0, 0, MS(100), MS(1)), 1.0);
}

static void test_bmu_zero_below_max_pause(void **state) {
    (void)state;
    /* Pauses of 2 ms at 10 and 7 ms at 40, run [0, 100] ms. Any w up to
     * 7 ms has the 7 ms window on the long pause as a candidate -> 0; the
     * odd sizes 6.5 ms and 7 ms - 1 ns are on no grid. At 8 ms: one pause
     * in a window of w' gives at most 7/w' <= 7/8; both need w' >= 47 - 10
     * = 37 ms for 9 ms, 9/37 < 7/8; so BMU(8) = MMU(8) = 1 - 7/8. */
    metrics_pause p[] = {{MS(10), MS(2)}, {MS(40), MS(7)}};
    assert_near(metrics_bmu(p, 2, 0, MS(100), MS(1)), 0.0);
    assert_near(metrics_bmu(p, 2, 0, MS(100), MS(5)), 0.0);
    assert_near(metrics_bmu(p, 2, 0, MS(100), US(6500)), 0.0);
    assert_near(metrics_bmu(p, 2, 0, MS(100), MS(7) - 1), 0.0);
    assert_near(metrics_bmu(p, 2, 0, MS(100), MS(7)), 0.0);
    assert_near(metrics_bmu(p, 2, 0, MS(100), MS(8)), 0.125);
}

/* Ten 1 ms pauses [2k, 2k+1) ms, k = 0..9, run [0, 20] ms. A window of
 * 2m ms always holds m ms of pause: MMU = 0.5. One of 2m+1 ms can hold
 * m+1: MMU(3) = 1 - 2/3 = 1/3, the lowest for any w' > 1 ms, so MMU is
 * not monotone and BMU(2) = 1/3 < MMU(2) = 0.5. 3 ms is not a candidate
 * for BMU(2) (not on the grid nor a duration); the nearest grid point
 * 10^(414/64) ns = 2.98963 ms holds 1 + 0.98963 -> 1 - 1.98963/2.98963 =
 * 0.33449, within the documented bound 1 - 1/3 <= 1.037 * (1 - BMU). */
static void periodic(metrics_pause p[10]) {
    for (int k = 0; k < 10; k++) p[k] = (metrics_pause){MS(2 * k), MS(1)};
}

static void test_bmu_below_nonmonotone_mmu(void **state) {
    (void)state;
    metrics_pause p[10];
    periodic(p);
    assert_near(metrics_mmu(p, 10, 0, MS(20), MS(2)), 0.5);
    assert_near(metrics_mmu(p, 10, 0, MS(20), MS(3)), 1.0 / 3.0);
    double b = metrics_bmu(p, 10, 0, MS(20), MS(2));
    assert_true(b >= 1.0 / 3.0 - 1e-12);
    assert_true(1.0 - 1.0 / 3.0 <= 1.037 * (1.0 - b));
    assert_true(b < 0.34);
    /* At exactly 3 ms the window is itself a candidate: exact. */
    assert_near(metrics_bmu(p, 10, 0, MS(20), MS(3)), 1.0 / 3.0);
}

/* BMU over the standard windows never decreases and never exceeds MMU. */
static void check_bmu_shape(const metrics_pause *p, size_t n, uint64_t t0, uint64_t t1) {
    double prev = 0.0;
    for (int i = 0; i < METRICS_NWINDOWS; i++) {
        double b = metrics_bmu(p, n, t0, t1, metrics_windows_ns[i]);
        double m = metrics_mmu(p, n, t0, t1, metrics_windows_ns[i]);
        if (!(b >= prev - 1e-12 && b <= m + 1e-12 && b >= 0.0 && b <= 1.0)) {
            print_error("window %s: BMU %.17g, previous BMU %.17g, MMU %.17g\n", metrics_window_names[i], b, prev, m);
            fail();
        }
        prev = b;
    }
}

static void test_bmu_monotone_and_below_mmu(void **state) {
    (void)state;
    metrics_pause single[] = {{MS(50), MS(3)}};
    check_bmu_shape(single, 1, 0, MS(100));
    metrics_pause two[] = {{MS(10), MS(2)}, {MS(13), MS(2)}};
    check_bmu_shape(two, 2, 0, MS(100));
    metrics_pause clipped[] = {{0, MS(1)}, {MS(5), MS(8)}, {MS(28), MS(5)}, {MS(40), MS(1)}};
    check_bmu_shape(clipped, 4, MS(10), MS(30));
    metrics_pause per[10];
    periodic(per);
    check_bmu_shape(per, 10, 0, MS(20));
    /* A second of 400 µs pauses every 3.7 ms plus a 4 ms one at 500 ms. */
    metrics_pause many[300];
    size_t n = 0;
    for (uint64_t t = US(100); t < MS(1000) && n < 299; t += US(3700)) many[n++] = (metrics_pause){t, US(400)};
    many[n++] = (metrics_pause){MS(500) + US(1), MS(4)};
    n = metrics_normalize(many, n);
    check_bmu_shape(many, n, 0, MS(1000));
    assert_near(metrics_bmu(many, n, 0, MS(1000), MS(2)), 0.0);
}

static void test_window_table(void **state) {
    (void)state;
    static const char *const names[METRICS_NWINDOWS] = {"1ms", "2ms", "5ms", "10ms", "20ms", "50ms", "100ms"};
    static const unsigned ms[METRICS_NWINDOWS] = {1, 2, 5, 10, 20, 50, 100};
    for (int i = 0; i < METRICS_NWINDOWS; i++) {
        assert_int_equal(metrics_windows_ns[i], MS(ms[i]));
        assert_string_equal(metrics_window_names[i], names[i]);
    }
}

/* ------------------------------------------------------------------ */
/* Randomized cross-check against brute force                          */
/* ------------------------------------------------------------------ */

static uint64_t rng = 0x9E3779B97F4A7C15u;

/* xorshift64*: uniform enough for test data, and reproducible. */
static uint64_t rnd(uint64_t bound) {
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (rng * 0x2545F4914F6CDD1Du >> 11) % bound;
}

#define MAX_RUN_US 300

/* paused[x] = 1 when [t0 + x, t0 + x + 1) µs is inside any raw pause;
 * pre[x] = pause µs in [t0, t0 + x). Built from the raw, unnormalized
 * pauses, so the union is this test's own, not metrics_normalize's. */
typedef struct timeline {
    uint64_t run;
    unsigned pre[MAX_RUN_US + 1];
} timeline;

static void build_timeline(timeline *tl, const uint64_t (*raw)[2], size_t n, uint64_t t0_us, uint64_t run_us) {
    tl->run = run_us;
    tl->pre[0] = 0;
    for (uint64_t x = 0; x < run_us; x++) {
        uint64_t at = t0_us + x;
        bool paused = false;
        for (size_t i = 0; i < n; i++) paused |= raw[i][0] <= at && at < raw[i][0] + raw[i][1];
        tl->pre[x + 1] = tl->pre[x] + paused;
    }
}

/* MMU by its definition: every window start, 1 µs apart. */
static double brute_mmu(const timeline *tl, uint64_t w) {
    if (w >= tl->run) return 1.0 - (double)tl->pre[tl->run] / (double)tl->run;
    double best = 1.0;
    for (uint64_t t = 0; t + w <= tl->run; t++) {
        double u = 1.0 - (double)(tl->pre[t + w] - tl->pre[t]) / (double)w;
        if (u < best) best = u;
    }
    return best;
}

/* Exact BMU: the worst (window start, size) pair has both coordinates on
 * whole microseconds here, so trying every whole size from w up is exact. */
static double brute_bmu(const timeline *tl, uint64_t w) {
    double best = brute_mmu(tl, w);
    for (uint64_t v = w + 1; v <= tl->run; v++) {
        double u = brute_mmu(tl, v);
        if (u < best) best = u;
    }
    return best;
}

/* Whether a window of w us starting at at_ns (a whole us, inside the run
 * that starts at t0_us) holds the pause time of a worst window, which
 * leaves the mutator mmu of it. */
static bool worst_window_at(const timeline *tl, uint64_t t0_us, uint64_t w, uint64_t at_ns, double mmu) {
    if (at_ns % 1000u || at_ns / 1000u < t0_us || at_ns / 1000u - t0_us + w > tl->run) return false;
    uint64_t x = at_ns / 1000u - t0_us;
    return fabs(1.0 - (double)(tl->pre[x + w] - tl->pre[x]) / (double)w - mmu) <= 1e-9;
}

static void test_mmu_matches_brute_force(void **state) {
    (void)state;
    static timeline tl;
    int bmu_inexact = 0;
    for (int c = 0; c < 200; c++) {
        uint64_t t0 = rnd(50), run = 1 + rnd(MAX_RUN_US);
        /* Up to 8 pauses of 0..40 µs anywhere from 20 µs before the run
         * to 20 µs after it: overlapping, nested, outside, zero-length. */
        size_t n = (size_t)rnd(9);
        uint64_t raw[8][2];
        metrics_pause p[8];
        for (size_t i = 0; i < n; i++) {
            uint64_t s = t0 + rnd(run + 40);
            raw[i][0] = s < 20 ? 0 : s - 20;
            raw[i][1] = rnd(41);
            p[i] = (metrics_pause){US(raw[i][0]), US(raw[i][1])};
        }
        build_timeline(&tl, (const uint64_t(*)[2])raw, n, t0, run);
        n = metrics_normalize(n ? p : NULL, n);

        for (int k = 0; k < 4; k++) {
            uint64_t w = k == 3 ? run : 1 + rnd(run + 10);
            double want = brute_mmu(&tl, w);
            uint64_t at;
            double got = metrics_mmu_at(n ? p : NULL, n, US(t0), US(t0 + run), US(w), &at);
            if (w < run && !worst_window_at(&tl, t0, w, at, want)) {
                print_error("case %d: t0 %llu us, run %llu us, w %llu us: worst window at %llu ns, MMU %.17g\n", c,
                            (unsigned long long)t0, (unsigned long long)run, (unsigned long long)w,
                            (unsigned long long)at, want);
                fail();
            }
            if (fabs(got - want) > 1e-9) {
                print_error("case %d: t0 %llu us, run %llu us, w %llu us, %zu pauses: "
                            "MMU %.17g, brute force %.17g\n",
                            c, (unsigned long long)t0, (unsigned long long)run, (unsigned long long)w, n, got, want);
                fail();
            }
            /* BMU: a minimum over some sizes >= w, so between the exact
             * BMU and MMU(w), and within the documented grid bound. */
            double exact = brute_bmu(&tl, w);
            double b = metrics_bmu(n ? p : NULL, n, US(t0), US(t0 + run), US(w));
            if (!(b >= exact - 1e-9 && b <= got + 1e-12 && 1.0 - exact <= 1.04 * (1.0 - b) + 1e-9)) {
                print_error("case %d: w %llu us: BMU %.17g, exact %.17g, MMU %.17g\n", c, (unsigned long long)w, b,
                            exact, got);
                fail();
            }
            bmu_inexact += b > exact + 1e-9;
        }
    }
    print_message("BMU above the exact value in %d of 800 random windows\n", bmu_inexact);
}

/* ------------------------------------------------------------------ */

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_empty),
        cmocka_unit_test(test_summary_one),
        cmocka_unit_test(test_summary_two),
        cmocka_unit_test(test_summary_three),
        cmocka_unit_test(test_summary_ten),
        cmocka_unit_test(test_summary_thousand),
        cmocka_unit_test(test_normalize_merges),
        cmocka_unit_test(test_normalize_edges),
        cmocka_unit_test(test_mmu_no_pauses),
        cmocka_unit_test(test_mmu_single_pause),
        cmocka_unit_test(test_mmu_two_close_pauses),
        cmocka_unit_test(test_mmu_window_larger_than_run),
        cmocka_unit_test(test_mmu_clipped_at_run_edges),
        cmocka_unit_test(test_mmu_pause_at_run_end),
        cmocka_unit_test(test_mmu_degenerate),
        cmocka_unit_test(test_bmu_single_pause),
        cmocka_unit_test(test_bmu_zero_below_max_pause),
        cmocka_unit_test(test_bmu_below_nonmonotone_mmu),
        cmocka_unit_test(test_bmu_monotone_and_below_mmu),
        cmocka_unit_test(test_window_table),
        cmocka_unit_test(test_mmu_matches_brute_force),
    };
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
