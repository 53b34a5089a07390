/*
 * microbench.c — the collector's micro-benchmarks (`make bench`).
 *
 * Prints one "name: value unit" line per figure; every figure is the median
 * of several repetitions, measured with CLOCK_MONOTONIC around the part it
 * names and nothing else. This machine is shared and noisy: compare runs
 * from one invocation side by side, not across days.
 *
 *   alloc_ns_per_object            32-byte objects (2 slots + 8 raw bytes)
 *                                  from swept free lists, no collection
 *   alloc_gc_ns_per_object         the same with the collector running and
 *                                  paying for itself (short-lived garbage)
 *   store_ns_barrier_idle          tc_store when no cycle is marking
 *   store_ns_barrier_marking       tc_store while marking (Dijkstra)
 *   mark_ns_per_object_cached      a random graph of 4,096 objects (128 KiB)
 *   mark_ns_per_object_large_heap  a random graph of 4.5M objects (144 MiB)
 *   sweep_ns_per_object            sweeping that large heap (all live)
 *   sweep_ns_per_dead_object       sweeping it after it all died
 *   clock_*_ns_warm, clock_*_ns_cold  a read of clock_gettime and of the
 *                                  collector's clock (gc/clock.c), back to
 *                                  back and cold (the first after 50 ms of
 *                                  random writes over 64 MiB)
 *   increment_measure_ns           cost of measuring one increment (clocks)
 *   increment_measure_pct          that, as a share of a default increment
 *   observe_hooks_overhead_pct     alloc + collect with observation hooks
 *                                  compiled in (detached) vs compiled out
 *                                  (run by make bench from two builds)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tricolor.h"

#define REPS 5

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t xorshift(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static tc_heap *quiet_heap(void) {
    tc_config c;
    tc_config_default(&c);
    c.min_heap = (size_t)64 << 30; /* the benchmark decides when to collect */
    return tc_heap_new(&c);
}

/* ---------------------------------------------------------------- alloc */

/* Allocation from swept free lists: one object in 32 survives each round,
 * so the pages stay (not pooled) and their free cells are reused. */
static void bench_alloc(void) {
    enum { N = 2000000, KEEP_EVERY = 32 };
    double v[REPS];
    tc_heap *h = quiet_heap();
    void *keep = tc_alloc(h, N / KEEP_EVERY, 0);
    tc_root_push(h, &keep);
    for (int r = -1; r < REPS; r++) { /* round -1 maps the pages */
        uint64_t t0 = now_ns();
        for (int i = 0; i < N; i++) {
            void *o = tc_alloc(h, 2, 8);
            if (i % KEEP_EVERY == 0) tc_store(h, keep, (uint32_t)(i / KEEP_EVERY), o);
        }
        if (r >= 0) v[r] = (double)(now_ns() - t0) / N;
        tc_collect(h);
    }
    tc_root_pop(h, 1);
    printf("alloc_ns_per_object: %.2f ns\n", median(v, REPS));
    tc_heap_free(h);

    tc_config c;
    tc_config_default(&c);
    h = tc_heap_new(&c);
    void *ring[64] = {0};
    for (int k = 0; k < 64; k++) tc_root_push(h, &ring[k]);
    for (int r = 0; r < REPS; r++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < 4 * N; i++) {
            void *o = tc_alloc(h, 2, 8);
            if ((i & 1023) == 0) ring[(i >> 10) & 63] = o;
        }
        v[r] = (double)(now_ns() - t0) / (4 * N);
    }
    printf("alloc_gc_ns_per_object: %.2f ns\n", median(v, REPS));
    tc_root_pop(h, 64);
    tc_heap_free(h);
}

/* -------------------------------------------------------------- barrier */

static void bench_store(void) {
    enum { N = 1 << 16, ROUNDS = 200 };
    tc_config c;
    tc_config_default(&c);
    c.min_heap = (size_t)64 << 30;
    c.step_work = 1;
    tc_heap *h = tc_heap_new(&c);
    void *arr = tc_alloc(h, N, 0);
    tc_root_push(h, &arr);
    void **objs = malloc(N * sizeof *objs);
    for (int i = 0; i < N; i++) objs[i] = tc_alloc(h, 1, 0);
    for (int i = 0; i < N; i++) tc_store(h, arr, (uint32_t)i, objs[i]);
    double idle[REPS], marking[REPS];
    for (int r = 0; r < REPS; r++) {
        uint64_t t0 = now_ns();
        for (int k = 0; k < ROUNDS; k++)
            for (int i = 0; i < N; i++) tc_store(h, objs[i], 0, objs[(i + k) & (N - 1)]);
        idle[r] = (double)(now_ns() - t0) / ((double)N * ROUNDS);
    }
    tc_step(h); /* start a cycle: roots shaded, barrier on, little marked */
    for (int r = 0; r < REPS; r++) {
        uint64_t t0 = now_ns();
        for (int k = 0; k < ROUNDS; k++)
            for (int i = 0; i < N; i++) tc_store(h, objs[i], 0, objs[(i + k) & (N - 1)]);
        marking[r] = (double)(now_ns() - t0) / ((double)N * ROUNDS);
    }
    printf("store_ns_barrier_idle: %.2f ns\n", median(idle, REPS));
    printf("store_ns_barrier_marking: %.2f ns\n", median(marking, REPS));
    free(objs);
    tc_root_pop(h, 1);
    tc_heap_free(h);
}

/* ----------------------------------------------------------- mark/sweep */

/* A random graph of n 32-byte objects: slot 0 links a random permutation
 * (so every object is reachable), slot 1 points anywhere. */
static void build_graph(tc_heap *h, void **root, size_t n) {
    void **objs = malloc(n * sizeof *objs);
    for (size_t i = 0; i < n; i++) objs[i] = tc_alloc(h, 2, 8);
    for (size_t i = n - 1; i > 0; i--) { /* shuffle */
        size_t j = xorshift() % (i + 1);
        void *t = objs[i];
        objs[i] = objs[j];
        objs[j] = t;
    }
    for (size_t i = 0; i + 1 < n; i++) tc_store(h, objs[i], 0, objs[i + 1]);
    for (size_t i = 0; i < n; i++) tc_store(h, objs[i], 1, objs[xorshift() % n]);
    *root = objs[0];
    free(objs);
}

/* One full collection; returns (mark ns, sweep ns) from the cycle log. */
static void timed_collect(tc_heap *h, double *mark_ns, double *sweep_ns) {
    tc_collect(h);
    size_t n;
    const tc_cycle *c = tc_cycle_log(h, &n);
    *mark_ns = (double)(c[n - 1].mark_end_ns - c[n - 1].start_ns);
    *sweep_ns = (double)(c[n - 1].end_ns - c[n - 1].mark_end_ns);
}

static void bench_mark(const char *name, size_t n, bool report_sweep) {
    tc_heap *h = quiet_heap();
    void *root = NULL;
    tc_root_push(h, &root);
    build_graph(h, &root, n);
    double mark[REPS], sweep[REPS], m, s;
    timed_collect(h, &m, &s); /* warm up */
    for (int r = 0; r < REPS; r++) {
        timed_collect(h, &m, &s);
        mark[r] = m / (double)n;
        sweep[r] = s / (double)n;
    }
    tc_stats st;
    tc_get_stats(h, &st);
    printf("%s: %.2f ns\n", name, median(mark, REPS));
    if (report_sweep) {
        printf("large_heap_bytes: %.0f MiB\n", (double)st.heap_bytes / (1 << 20));
        printf("sweep_ns_per_object: %.2f ns\n", median(sweep, REPS));
        root = NULL;
        timed_collect(h, &m, &s);
        printf("sweep_ns_per_dead_object: %.2f ns\n", s / (double)n);
    }
    tc_root_pop(h, 1);
    tc_heap_free(h);
}

/* ------------------------------------------------------------ the clock */

uint64_t tc__now_ns(void); /* the collector's clock (gc/clock.c, internal) */
int tc__clock_source(void);

#if defined(__x86_64__)
#include <x86intrin.h>

/* Random writes over buf until `ticks` TSC ticks have passed: a program
 * between two cycles, whose data has pushed the clock's pages out of the
 * TLB and the caches. No clock is read meanwhile. */
static void scribble(char *buf, size_t len, uint64_t ticks) {
    const uint64_t end = __rdtsc() + ticks;
    while (__rdtsc() < end)
        for (int i = 0; i < 256; i++) buf[xorshift() % len]++;
}

/* One read of clock_gettime (which 0) or of the collector's clock, timed
 * with the TSC between fences, in ticks. */
static uint64_t timed_read(int which) {
    struct timespec ts;
    unsigned aux;
    _mm_lfence();
    const uint64_t a = __rdtsc();
    _mm_lfence();
    if (which == 0)
        clock_gettime(CLOCK_MONOTONIC, &ts);
    else
        (void)tc__now_ns();
    const uint64_t b = __rdtscp(&aux);
    _mm_lfence();
    return b - a;
}

static void bench_clock(void) {
    enum { N = 200000, COLD = 11 };
    const size_t len = (size_t)64 << 20;
    char *buf = malloc(len);
    if (!buf) return;
    memset(buf, 1, len);
    (void)tc__now_ns(); /* its calibration takes 100 ms from here */
    const uint64_t c0 = __rdtsc(), t0 = now_ns();
    do scribble(buf, len, 1000000);
    while (now_ns() - t0 < 150000000u);
    const double ticks_per_ns = (double)(__rdtsc() - c0) / (double)(now_ns() - t0);
    const char *name[2] = {"clock_gettime", "clock_collector"};
    for (int which = 0; which < 2; which++) {
        uint64_t a = __rdtsc();
        for (int i = 0; i < N; i++) which == 0 ? (void)now_ns() : (void)tc__now_ns();
        printf("%s_ns_warm: %.1f ns\n", name[which], (double)(__rdtsc() - a) / ticks_per_ns / N);
    }
    double cold[2][COLD];
    for (int i = 0; i < COLD; i++)
        for (int which = 0; which < 2; which++) {
            scribble(buf, len, (uint64_t)(50e6 * ticks_per_ns));
            cold[which][i] = (double)timed_read(which) / ticks_per_ns;
        }
    for (int which = 0; which < 2; which++) printf("%s_ns_cold: %.0f ns\n", name[which], median(cold[which], COLD));
    printf("clock_collector_source: %s\n", tc__clock_source() == 1 ? "tsc" : "clock_gettime");
    free(buf);
}
#else
static void bench_clock(void) {}
#endif

/* ---------------------------------------------------------- measurement */

static void bench_measure(void) {
    enum { N = 200000 };
    uint64_t t0 = now_ns();
    for (int i = 0; i < N; i++) (void)tc__now_ns();
    double read_ns = (double)(now_ns() - t0) / N;
    /* An increment reads the collector's clock twice (on x86-64 the TSC
     * by now: bench_clock ran first), and no CPU clock (gc/pauselog.c). */
    double per = 2 * read_ns;
    /* A default increment: 4000 work units on a cache-resident graph. */
    tc_config c;
    tc_config_default(&c);
    c.min_heap = (size_t)64 << 30;
    tc_heap *h = tc_heap_new(&c);
    void *root = NULL;
    tc_root_push(h, &root);
    build_graph(h, &root, 200000);
    tc_log_clear(h);
    do tc_step(h);
    while (tc_current_phase(h) != TC_PHASE_IDLE);
    size_t np;
    const tc_pause *p = tc_pause_log(h, &np);
    double *d = malloc(np * sizeof *d);
    for (size_t i = 0; i < np; i++) d[i] = (double)p[i].duration_ns;
    double med = median(d, (int)np);
    printf("increment_measure_ns: %.0f ns\n", per);
    printf("increment_default_median_us: %.1f us\n", med / 1000);
    printf("increment_measure_pct: %.2f %%\n", 100.0 * per / med);
    free(d);
    tc_root_pop(h, 1);
    tc_heap_free(h);
}

/* A fixed mixed job, timed whole: run by make bench from a build with the
 * observation hooks and one without, to compare. */
static double observe_job(int iterations, int reps) {
    double v[REPS];
    for (int r = 0; r < reps; r++) {
        tc_config c;
        tc_config_default(&c);
        tc_heap *h = tc_heap_new(&c);
        void *keep[256] = {0};
        for (int k = 0; k < 256; k++) tc_root_push(h, &keep[k]);
        uint64_t t0 = now_ns();
        for (int i = 0; i < iterations; i++) {
            void *o = tc_alloc(h, 2, 8);
            tc_store(h, o, 0, keep[i & 255]);
            if ((i & 15) == 0) keep[(i >> 4) & 255] = o;
        }
        v[r] = (double)(now_ns() - t0) / 1e6;
        tc_root_pop(h, 256);
        tc_heap_free(h);
    }
    return median(v, reps);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--observe-job") == 0) {
        printf("%.3f\n", observe_job(4000000, REPS));
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--observe-job-small") == 0) { /* for callgrind */
        printf("%.3f\n", observe_job(300000, 1));
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "usage: microbench [--observe-job | --observe-job-small]\n");
        return 2;
    }
    bench_alloc();
    bench_store();
    bench_mark("mark_ns_per_object_cached", 4096, false);
    bench_mark("mark_ns_per_object_large_heap", 4500000, true);
    bench_clock();
    bench_measure();
    return 0;
}
