/*
 * soak.c — a long run of every workload in one Tricolor heap, with the
 * collector's knobs switched at random while it runs (`make soak
 * MINUTES=N`; a short one runs inside `make test`).
 *
 * The workloads (workloads/wl_*.c, compiled for Tricolor only) run one
 * after another in a single heap, each with a seed drawn from a small set
 * at size small (default sizes need hundreds of MiB: fragment), for the
 * given time. A safepoint
 * hook (tc_set_safepoint) runs at allocation safepoints and there:
 *   - every `--switch-every` increments sets a random barrier, budget unit
 *     and size, trigger, runway and pause target through tc_set_config;
 *   - every `--verify-every` increments runs tc_verify;
 *   - once a second samples the process's resident set size.
 * With `--knobs work` budgets stay in work units and the pause target off;
 * the default, `all`, switches those too.
 * Pass: no verifier failure; the collector keeps completing cycles (not
 * one in 10 s while 512 MiB are allocated is a stall); every (workload, size, seed) run that repeats
 * returns the checksum of its first run (the collector's settings must not
 * change what a program computes); and RSS stays flat: after the warm-up
 * (the first quarter of the run), the highest RSS in the last quarter is
 * within 10% of the highest in the second quarter (judged on runs of a
 * minute or more). Prints the figures, with each workload's highest heap
 * and, at the heap's highest point, what ran and under which settings,
 * with the live bytes and pages then: a heap far above its live bytes and
 * pages is memory the collector holds but does not use. Exits 1 on
 * failure, 2 on a bad argument.
 */
#include "mutator.h" /* with MUT_BACKEND_TRICOLOR (mk/soak.mk): the generator */
#include "registry.h"
#include "tricolor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The Tricolor entry point of every registered workload. */
#define DECLARE(name, user_name, desc, min_heap) uint64_t wl_##name##_tricolor(struct mut *m, int size, uint64_t seed);
WL_LIST(DECLARE)
#undef DECLARE
typedef struct soak_wl {
    const char *name;
    uint64_t (*run)(struct mut *m, int size, uint64_t seed);
    uint64_t runs;
    uint64_t peak_heap; /* the highest heap_bytes seen while it ran */
} soak_wl;
#define ENTRY(name, user_name, desc, min_heap) {user_name, wl_##name##_tricolor, 0, 0},
static soak_wl workloads[] = {WL_LIST(ENTRY)};
#undef ENTRY
enum { NWL = sizeof workloads / sizeof workloads[0], NSEEDS = 4, MAX_SAMPLES = 1 << 16 };

typedef struct soak {
    tc_heap *h;
    wl_rng rng;
    uint64_t switch_every, verify_every;
    uint64_t last_incr, verifies, switches;
    bool time_budgets; /* switch to budgets in µs and pause targets too */
    uint64_t cycles_at[MAX_SAMPLES], alloc_at[MAX_SAMPLES];
    double start, next_sample;
    double rss_mib[MAX_SAMPLES];
    double at[MAX_SAMPLES];
    size_t nsamples;
    bool failed;
    size_t running; /* the workload now running */
    /* The heap's highest point, what ran then and under which settings:
     * what a large RSS is to be explained by. */
    tc_stats at_peak;
    tc_config cfg_at_peak;
    size_t wl_at_peak;
} soak;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The workloads' own generator (mutator.h), so a seed means one thing. */
static uint64_t rnd(soak *s) { return wl_rng_next(&s->rng); }

static double rss_mib(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    return (double)resident * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

static void switch_config(soak *s) {
    tc_config c;
    tc_get_config(s->h, &c);
    c.barrier = (tc_barrier)(rnd(s) % TC_BARRIER_COUNT);
    c.budget_unit = s->time_budgets && rnd(s) % 3 == 0 ? TC_BUDGET_USEC : TC_BUDGET_WORK;
    c.step_work = 100 + (uint32_t)(rnd(s) % 20000);
    c.step_usec = 20 + (uint32_t)(rnd(s) % 500);
    c.trigger_pct = 25 + (uint32_t)(rnd(s) % 300);
    c.runway_pct = 25 + (uint32_t)(rnd(s) % (TC_RUNWAY_PCT_MAX - 24)); /* 25..max */
    c.pause_target_usec = s->time_budgets && rnd(s) % 4 == 0 ? 100 + (uint32_t)(rnd(s) % 1000) : 0;
    const char *bad = tc_set_config(s->h, &c);
    if (bad) {
        fprintf(stderr, "soak: tc_set_config refused a valid config: %s\n", bad);
        exit(1);
    }
    s->switches++;
}

/* At an allocation safepoint every object the workload needs is reachable
 * from its roots (tricolor.h, tc_set_safepoint), so verifying here is sound. */
static void at_safepoint(tc_heap *h, void *user) {
    soak *s = user;
    uint64_t incr = tc_increment_count(h);
    if (incr != s->last_incr) {
        for (uint64_t i = s->last_incr + 1; i <= incr; i++) {
            if (i % s->verify_every == 0) {
                char msg[512];
                s->verifies++;
                if (!tc_verify(h, msg, sizeof msg)) {
                    fprintf(stderr, "soak: tc_verify failed after increment %llu: %s\n", (unsigned long long)incr, msg);
                    exit(1);
                }
            }
            if (i % s->switch_every == 0) switch_config(s);
        }
        s->last_incr = incr;
        tc_stats st;
        tc_get_stats(h, &st);
        if (st.heap_bytes > workloads[s->running].peak_heap) workloads[s->running].peak_heap = st.heap_bytes;
        if (st.heap_bytes > s->at_peak.heap_bytes) {
            s->at_peak = st;
            tc_get_config(h, &s->cfg_at_peak);
            s->wl_at_peak = s->running;
        }
    }
    double t = now_s();
    if (t >= s->next_sample && s->nsamples < MAX_SAMPLES) {
        tc_stats st;
        tc_get_stats(h, &st);
        size_t i = s->nsamples++;
        s->at[i] = t - s->start;
        s->rss_mib[i] = rss_mib();
        s->cycles_at[i] = st.cycles;
        s->alloc_at[i] = st.bytes_allocated;
        s->next_sample = t + 1.0;
        /* Liveness: 512 MiB allocated over 10 samples without one cycle
         * completing means the collector has stopped (the heap then grows
         * without bound). */
        if (i >= 10 && st.cycles == s->cycles_at[i - 10] && st.bytes_allocated - s->alloc_at[i - 10] > (512u << 20)) {
            fprintf(stderr,
                    "soak: FAIL: collector stalled: no cycle completed in the last %.0f s while %.0f MiB were "
                    "allocated (heap %.0f MiB, phase %s, %llu config switches so far)\n",
                    s->at[i] - s->at[i - 10], (st.bytes_allocated - s->alloc_at[i - 10]) / 1048576.0,
                    st.heap_bytes / 1048576.0, tc_phase_name(tc_current_phase(h)), (unsigned long long)s->switches);
            exit(1);
        }
    }
}

static double max_rss_between(const soak *s, double from, double to) {
    double m = 0;
    for (size_t i = 0; i < s->nsamples; i++)
        if (s->at[i] >= from && s->at[i] < to && s->rss_mib[i] > m) m = s->rss_mib[i];
    return m;
}

static bool parse_num(const char *flag, const char *v, double lo, double hi, double *out) {
    char *end;
    double x = v ? strtod(v, &end) : 0;
    if (!v || *end || x < lo || x > hi) {
        fprintf(stderr, "soak: %s takes a number in %g..%g, not '%s'\n", flag, lo, hi, v ? v : "");
        return false;
    }
    *out = x;
    return true;
}

int main(int argc, char **argv) {
    double seconds = 600, seed = 1, verify_every = 64, switch_every = 200;
    bool time_budgets = true;
    for (int i = 1; i < argc; i += 2) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok;
        if (strcmp(argv[i], "--seconds") == 0)
            ok = parse_num(argv[i], v, 1, 7 * 86400, &seconds);
        else if (strcmp(argv[i], "--seed") == 0)
            ok = parse_num(argv[i], v, 0, 1e15, &seed);
        else if (strcmp(argv[i], "--verify-every") == 0)
            ok = parse_num(argv[i], v, 1, 1e9, &verify_every);
        else if (strcmp(argv[i], "--switch-every") == 0)
            ok = parse_num(argv[i], v, 1, 1e9, &switch_every);
        else if (strcmp(argv[i], "--knobs") == 0) {
            ok = v && (strcmp(v, "all") == 0 || strcmp(v, "work") == 0);
            if (!ok) fprintf(stderr, "soak: --knobs takes all or work, not '%s'\n", v ? v : "");
            time_budgets = ok && strcmp(v, "all") == 0;
        } else {
            fprintf(stderr,
                    "soak: unknown argument '%s' (valid: --seconds S, --seed N, --verify-every N, "
                    "--switch-every N, --knobs all|work)\n",
                    argv[i]);
            return 2;
        }
        if (!ok) return 2;
    }
    static soak S;
    soak *s = &S;
    wl_rng_seed(&s->rng, (uint64_t)seed);
    s->verify_every = (uint64_t)verify_every;
    s->switch_every = (uint64_t)switch_every;
    s->time_budgets = time_budgets;
    tc_config c;
    tc_config_default(&c);
    c.min_heap = 1 << 20;
    s->h = tc_heap_new(&c);
    if (!s->h) return 1;
    tc_set_safepoint(s->h, at_safepoint, s);
    /* The checksum of the first run of each (workload, size, seed). */
    static uint64_t first[NWL][2][NSEEDS];
    static bool seen[NWL][2][NSEEDS];
    s->start = now_s();
    s->next_sample = s->start;
    uint64_t runs = 0, repeats = 0;
    while (now_s() - s->start < seconds) {
        size_t w = rnd(s) % NWL;
        int size = WL_SMALL;
        uint64_t k = rnd(s) % NSEEDS;
        mut m = {.heap = s->h};
        s->running = w;
        uint64_t sum = workloads[w].run(&m, size, 1000 + k);
        /* A program that runs for hours keeps the pause and cycle logs
         * bounded (totals are kept): the soak judges what the collector
         * holds, and 1.3M pause records are 50 MB of log by themselves. */
        tc_log_clear(s->h);
        workloads[w].runs++;
        runs++;
        if (!seen[w][size][k]) {
            seen[w][size][k] = true;
            first[w][size][k] = sum;
        } else {
            repeats++;
            if (sum != first[w][size][k]) {
                fprintf(stderr, "soak: %s (size %s, seed %llu) returned checksum %016llx, first run %016llx\n",
                        workloads[w].name, size == WL_SMALL ? "small" : "default", (unsigned long long)(1000 + k),
                        (unsigned long long)sum, (unsigned long long)first[w][size][k]);
                return 1;
            }
        }
    }
    double total = now_s() - s->start;
    tc_stats st;
    tc_get_stats(s->h, &st);
    double q2 = max_rss_between(s, total / 4, total / 2), q4 = max_rss_between(s, total * 3 / 4, total + 1);
    printf("soak: %.0f s, %llu workload runs (%llu repeats, checksums equal), %llu cycles, %llu increments, "
           "%llu verifications, %llu config switches\n",
           total, (unsigned long long)runs, (unsigned long long)repeats, (unsigned long long)st.cycles,
           (unsigned long long)st.increments, (unsigned long long)s->verifies, (unsigned long long)s->switches);
    printf("soak: runs per workload (peak heap while it ran, MiB):");
    for (size_t w = 0; w < NWL; w++)
        printf(" %s %llu (%.0f)", workloads[w].name, (unsigned long long)workloads[w].runs,
               workloads[w].peak_heap / 1048576.0);
    const tc_config *pc = &s->cfg_at_peak;
    printf("\nsoak: at the heap's peak (%.1f MiB): %s, live %.1f MiB, goal %.1f MiB, barrier %s, trigger %u%%, runway "
           "%u%%, budget %s, pause target %u us, longest increment so far %.2f ms, %llu pages (%llu pre-faulted "
           "ready), %llu "
           "large objects",
           s->at_peak.heap_bytes / 1048576.0, workloads[s->wl_at_peak].name, s->at_peak.live_bytes / 1048576.0,
           s->at_peak.goal_bytes / 1048576.0, tc_barrier_name(pc->barrier), pc->trigger_pct, pc->runway_pct,
           pc->budget_unit == TC_BUDGET_USEC ? "in us" : "in work units", pc->pause_target_usec,
           s->at_peak.max_increment_ns / 1e6, (unsigned long long)s->at_peak.pages,
           (unsigned long long)s->at_peak.mem_reserve_pages, (unsigned long long)s->at_peak.large_objects);
    if (pc->budget_unit == TC_BUDGET_USEC)
        printf(" (step %u us)", pc->step_usec);
    else
        printf(" (step %u units)", pc->step_work);
    printf("\nsoak: RSS %zu samples; max in the 2nd quarter %.1f MiB, in the 4th %.1f MiB (%+.1f%%); peak heap %.1f "
           "MiB\n",
           s->nsamples, q2, q4, q2 > 0 ? (q4 / q2 - 1) * 100 : 0.0, st.peak_heap_bytes / 1048576.0);
    tc_heap_free(s->h);
    if (s->nsamples < 60) {
        printf("soak: pass (RSS not judged: under a minute of samples)\n");
        return 0;
    }
    if (q4 > q2 * 1.10) {
        printf("soak: FAIL: RSS grew more than 10%% after the warm-up\n");
        return 1;
    }
    printf("soak: pass\n");
    return 0;
}
