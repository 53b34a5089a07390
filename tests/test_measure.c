/*
 * test_measure.c — the measuring step bench and tune share
 * (app/measure.h): its table of figures, how repeats combine, the JSON
 * made from the table, and one real measurement of a small run.
 *
 * Then bench's collectors as bench runs them, each in a child process
 * (workloads/runner.c): every workload gives one checksum on tricolor,
 * tricolor-concurrent (under each barrier the concurrent mode takes),
 * boehm and boehm-par; boehm-par's helper marker thread exists and marks;
 * tricolor-concurrent's marker thread marks; and GC CPU holds the marker
 * threads'. This file never initializes Boehm itself: a child forked from
 * a process with Boehm initialized could not set its markers up
 * (runner.c refuses that, and tests/test_workloads.c does initialize it).
 */
#include <math.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "measure.h"
#include "registry.h"
#include "support.h"

/* Every row is named, and names are unique; rows of one nested object
 * ("pauses.*") are contiguous, or figures_json would open it twice. */
static void test_table_is_well_formed(void **state) {
    (void)state;
    for (int a = 0; a < FIG_N; a++) {
        const figure_def *d = &figure_defs[a];
        if (!d->key || !d->label) fail_msg("figure %d has no key or label", a);
        assert_true(d->get || d->scale != 0);
        for (int b = 0; b < a; b++)
            if (!strcmp(figure_defs[b].key, d->key)) fail_msg("figure key '%s' twice", d->key);
        const char *dot = strchr(d->key, '.');
        if (!dot || a == 0) continue;
        size_t len = (size_t)(dot - d->key) + 1;
        bool same_as_prev = !strncmp(figure_defs[a - 1].key, d->key, len);
        for (int b = 0; b < a - 1 && !same_as_prev; b++)
            if (!strncmp(figure_defs[b].key, d->key, len)) fail_msg("'%s' is apart from the rest of its group", d->key);
    }
}

/* Medians row by row, or the maximum where the row says so. */
static void test_combine(void **state) {
    (void)state;
    figures runs[4];
    memset(runs, 0, sizeof runs);
    static const double vals[4] = {3, 1, 10, 2};
    for (int r = 0; r < 4; r++) {
        for (int k = 0; k < FIG_N; k++) runs[r].v[k] = vals[r] * (k + 1);
        runs[r].checksum = 42;
    }
    figures out;
    figures_combine(runs, 4, &out);
    for (int k = 0; k < FIG_N; k++) {
        double want = figure_defs[k].combine == FC_MAX ? 10.0 * (k + 1) : 2.5 * (k + 1);
        if (fabs(out.v[k] - want) > 1e-9) fail_msg("%s: %g, expected %g", figure_defs[k].key, out.v[k], want);
    }
    assert_true(out.checksum == 42);
    figures_combine(runs, 3, &out); /* odd: the middle one */
    assert_true(fabs(out.v[FIG_WALL_MS] - 3.0 * (FIG_WALL_MS + 1)) < 1e-9);
}

/* The JSON of a figures record is valid and holds every row's key. */
static void test_json_has_every_row(void **state) {
    (void)state;
    figures x;
    memset(&x, 0, sizeof x);
    for (int k = 0; k < FIG_N; k++) x.v[k] = k * 1.5;
    char *buf;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    fputc('{', f);
    figures_json(f, &x);
    fputc('}', f);
    fclose(f);
    static json_keys keys;
    const char *where;
    if (!json_collect_keys(buf, &keys, &where)) fail_msg("not JSON near: %.40s", where);
    for (int k = 0; k < FIG_N; k++)
        if (!json_has_key(&keys, figure_defs[k].key)) fail_msg("JSON lacks %s: %s", figure_defs[k].key, buf);
    assert_true(json_has_key(&keys, "checksum"));
    free(buf);
}

static int progress_calls, timed_calls;
static void on_progress(void *user, int rep, int timed) {
    (void)user, (void)rep, (void)timed;
    progress_calls++;
}
/* A pause holds collector work when the collector logged a pause of its
 * own inside it. The longest such pause is bench's "max pause with GC
 * work"; the others of at least 200 us are its "env pauses": a stall of
 * the machine in a pause with no collector work sets neither the first
 * nor hides in it. Hand-made logs: the fourth pause, the longest, holds
 * nothing; the third points past the own log (a dropped record) and
 * counts as holding nothing too. */
static void test_pauses_with_and_without_collector_work(void **state) {
    (void)state;
    own_pause own[2] = {{.dur_ns = 40000, .work = 2000}, {.dur_ns = 90000, .work = 2000}};
    oplog_entry p[5] = {
        {.dur_ns = 50000, .own_first = 0, .own_n = 1},  {.dur_ns = 300000, .own_first = 1, .own_n = 1},
        {.dur_ns = 400000, .own_first = 2, .own_n = 1}, {.dur_ns = 2000000, .own_first = 2, .own_n = 0},
        {.dur_ns = 150000, .own_first = 2, .own_n = 0},
    };
    run_result r = {.npauses = 5, .pauses = p, .nown = 2, .own = own};
    assert_int_equal(run_gc_max_ns(&r), 300000);
    assert_int_equal(run_env_pauses(&r, 200000), 2);
    assert_int_equal(run_env_pauses(&r, 100000), 3);
    r.nown = 0;
    assert_int_equal(run_gc_max_ns(&r), 0);
    assert_int_equal(run_env_pauses(&r, 200000), 3);
}

/* The p99 of the pauses with collector work ranks those alone: 100 of
 * 1..100 us that each hold an increment, beside 100 of 500 us that hold
 * none. The whole log's p99 is 500 us, the collector's 99 us. */
static void test_p99_of_pauses_with_collector_work(void **state) {
    (void)state;
    own_pause own[100];
    oplog_entry p[200];
    for (uint32_t i = 0; i < 100; i++) {
        own[i] = (own_pause){.dur_ns = 1000u * (i + 1), .work = 100};
        p[2 * i] = (oplog_entry){.start_ns = 2000000u * i, .dur_ns = 1000u * (i + 1), .own_first = i, .own_n = 1};
        p[2 * i + 1] = (oplog_entry){.start_ns = 2000000u * i + 1000000u, .dur_ns = 500000, .own_first = i + 1};
    }
    run_result r = {.npauses = 200, .pauses = p, .nown = 100, .own = own, .t0_ns = 0, .t1_ns = 200000000};
    assert_float_equal(run_gc_p99_us(&r), 99.0, 1e-9);
    r.nown = 0; /* every record dropped: no pause holds collector work */
    assert_float_equal(run_gc_p99_us(&r), 0.0, 1e-9);
}

/* The collector's time in a pause is what the increments inside it took
 * by its own clock, summed: 100 pauses of 300 us that each hold two
 * increments of i and 2i us (i = 1..100), beside 100 of 500 us that hold
 * none. Its p99 is 3 x 99 us, its longest 300 us, whatever the pauses
 * around them took; the pauses without work add nothing. */
static void test_collector_time_in_pauses(void **state) {
    (void)state;
    own_pause own[200];
    oplog_entry p[200];
    for (uint32_t i = 0; i < 100; i++) {
        own[2 * i] = (own_pause){.dur_ns = 1000u * (i + 1), .work = 100};
        own[2 * i + 1] = (own_pause){.dur_ns = 2000u * (i + 1), .work = 100};
        p[2 * i] = (oplog_entry){.start_ns = 2000000u * i, .dur_ns = 300000, .own_first = 2 * i, .own_n = 2};
        p[2 * i + 1] = (oplog_entry){.start_ns = 2000000u * i + 1000000u, .dur_ns = 500000, .own_first = 2 * i + 2};
    }
    run_result r = {.npauses = 200, .pauses = p, .nown = 200, .own = own, .t0_ns = 0, .t1_ns = 200000000};
    metrics_summary s;
    run_gc_own_summary(&r, &s);
    assert_int_equal(s.count, 100);
    assert_float_equal(s.p99_us, 297.0, 1e-9);
    assert_float_equal(s.max_us, 300.0, 1e-9);
    r.nown = 0; /* every record dropped: no pause holds collector work */
    run_gc_own_summary(&r, &s);
    assert_int_equal(s.count, 0);
    assert_float_equal(s.max_us, 0.0, 1e-9);
}

/* The MMU split the same way: a 4 ms pause holding an increment and a
 * 2 ms one holding none, 20 ms apart in a 100 ms run. Any 10 ms window
 * holds at most one of them, so the run's MMU at 10 ms is the longer
 * one's (0.6), the collector's side alone gives 0.6 and the other side
 * 0.8. */
static void test_mmu_with_and_without_collector_work(void **state) {
    (void)state;
    own_pause own[1] = {{.dur_ns = 4000000, .work = 2000}};
    oplog_entry p[2] = {
        {.start_ns = 10000000, .dur_ns = 4000000, .own_first = 0, .own_n = 1},
        {.start_ns = 34000000, .dur_ns = 2000000, .own_first = 1, .own_n = 0},
    };
    run_result r = {.npauses = 2, .pauses = p, .nown = 1, .own = own, .t0_ns = 0, .t1_ns = 100000000};
    assert_float_equal(run_mmu_split(&r, true, 10000000, NULL), 0.6, 1e-9);
    assert_float_equal(run_mmu_split(&r, false, 10000000, NULL), 0.8, 1e-9);
    /* bench's "its worst 10ms at": the window that starts with the pause
     * holding the increment, 10 ms into the run (t0 is 0 here; the figure
     * is from t0, so moving the run moves it). */
    fig_input in = {.timed = &r, .untimed = &r};
    const figure_def *at = &figure_defs[FIG_MMU10_GC_AT];
    assert_true(at->when);
    assert_float_equal(at->get(&in, at->arg), 10.0, 1e-9);
    r.t0_ns = 1000000;
    assert_float_equal(at->get(&in, at->arg), 9.0, 1e-9);
    r.t0_ns = 0;
    r.nown = 0; /* the record was dropped: both pauses count as holding none */
    assert_float_equal(run_mmu_split(&r, true, 10000000, NULL), 1.0, 1e-9);
    assert_float_equal(run_mmu_split(&r, false, 10000000, NULL), 0.6, 1e-9);
}

/* The machine's stalls beside the pauses: 1,000 gaps of 20 us or more in
 * a 2 s spin are 500 a second; 100 pauses that took 20 ms in all would
 * hold 10 of them at random times, 10% of the pauses. */
static void test_stalls_beside_the_pauses(void **state) {
    (void)state;
    run_result timed = {.hic = {.spin = {.spin_ns = 2000000000u, .over_20us = 1000}}};
    fig_input in = {.timed = &timed, .untimed = &timed};
    in.summary.count = 100;
    in.summary.total_us = 20000;
    const figure_def *rate = &figure_defs[FIG_HICCUP_OVER_20US_RATE], *pct = &figure_defs[FIG_STALLED_PAUSES_PCT];
    assert_float_equal(rate->get(&in, rate->arg), 500.0, 1e-9);
    assert_float_equal(pct->get(&in, pct->arg), 10.0, 1e-9);
    timed.hic.spin.spin_ns = 0; /* no spin (--hiccup 0): nothing known */
    assert_float_equal(rate->get(&in, rate->arg), 0.0, 1e-9);
    assert_float_equal(pct->get(&in, pct->arg), 0.0, 1e-9);
}

/* The same over the pauses with collector work alone: 100 of 10 us that
 * each hold an increment, beside 100 of 500 us that hold none. At 500
 * stalls a second the first hold 0.5 of them, 0.5%; counted over all
 * 200 pauses (51 ms), 12.75%. Without an increment logged, nothing. */
static void test_stalls_beside_the_pauses_with_gc_work(void **state) {
    (void)state;
    own_pause own[100];
    oplog_entry p[200];
    for (uint32_t i = 0; i < 100; i++) {
        own[i] = (own_pause){.dur_ns = 8000, .work = 100};
        p[2 * i] = (oplog_entry){.start_ns = 2000000u * i, .dur_ns = 10000, .own_first = i, .own_n = 1};
        p[2 * i + 1] = (oplog_entry){.start_ns = 2000000u * i + 1000000u, .dur_ns = 500000, .own_first = i + 1};
    }
    run_result r = {.npauses = 200, .pauses = p, .nown = 100, .own = own, .t0_ns = 0, .t1_ns = 200000000};
    r.hic.spin.spin_ns = 2000000000u;
    r.hic.spin.over_20us = 1000;
    fig_input in = {.timed = &r, .untimed = &r};
    in.summary.count = 200;
    in.summary.total_us = 51000;
    const figure_def *gc = &figure_defs[FIG_GC_STALLED_PCT], *all = &figure_defs[FIG_STALLED_PAUSES_PCT];
    assert_float_equal(gc->get(&in, gc->arg), 0.5, 1e-9);
    assert_float_equal(all->get(&in, all->arg), 12.75, 1e-9);
    r.nown = 0; /* every record dropped: no pause holds collector work */
    assert_float_equal(gc->get(&in, gc->arg), 0.0, 1e-9);
}

static void on_timed(void *user, int rep, const run_result *r) {
    (void)user, (void)rep;
    assert_true(r->npauses > 0);
    timed_calls++;
}

/* A real measurement: the demo at its small size, three repeats (under
 * valgrind too: the child's pause log goes down a pipe, padding and all,
 * so oplog_add writes whole entries). */
static void test_measure_a_small_run(void **state) {
    (void)state;
    run_config rc;
    memset(&rc, 0, sizeof rc);
    rc.kind = COL_TRICOLOR;
    tc_config_default(&rc.tc);
    rc.wl = wl_find("demo");
    rc.size = 0;
    rc.seed = 1;
    rc.passes = 1;
    rc.tc.min_heap = 32 << 10; /* so that it collects, as the window's demo does */
    rc.min_heap_given = true;
    rc.threshold_ns = 0; /* every operation is a pause: the log cannot be empty */
    rc.cpu = -1;
    rc.boehm_markers = 1;
    rc.boehm_time_limit_ms = 1;
    measure_hooks h = {on_progress, on_timed, NULL};
    figures fig;
    char err[256];
    if (!measure(&rc, 3, &h, &fig, err, sizeof err)) fail_msg("measure: %s", err);
    assert_int_equal(progress_calls, 6); /* an untimed and a timed run a repeat */
    assert_int_equal(timed_calls, 3);
    assert_true(fig.checksum != 0);
    assert_true(fig.v[FIG_PAUSES] > 0 && fig.v[FIG_WALL_MS] > 0 && fig.v[FIG_PEAK_HEAP] > 0);
    assert_true(fig.v[FIG_P50_US] <= fig.v[FIG_P99_US] && fig.v[FIG_P99_US] <= fig.v[FIG_MAX_US]);
    for (int k = 0; k < FIG_N; k++)
        if (!isfinite(fig.v[k])) fail_msg("%s is not finite", figure_defs[k].key);
    /* The collector's own longest increment comes from the timed run, like
     * every pause figure beside it, so it lies inside one of that run's
     * pauses that held collector work (the two clocks differ by their
     * calibration only). */
    assert_int_equal(figure_defs[FIG_OWN_MAX_US].run, FR_TIMED);
    assert_int_equal(figure_defs[FIG_OWN_PAUSES].run, FR_TIMED);
    assert_int_equal(figure_defs[FIG_OWN_BUDGET_US].run, FR_TIMED);
    assert_true(fig.v[FIG_OWN_MAX_US] > 0);
    /* The pauses with collector work are a subset of the log. */
    assert_true(fig.v[FIG_GC_P99_US] > 0 && fig.v[FIG_GC_P99_US] <= fig.v[FIG_GC_MAX_US]);
    assert_true(fig.v[FIG_GC_MAX_US] <= fig.v[FIG_MAX_US]);
    /* The collector's time in a pause is part of that pause. */
    assert_true(fig.v[FIG_GC_OWN_P99_US] > 0 && fig.v[FIG_GC_OWN_P99_US] <= fig.v[FIG_GC_OWN_MAX_US]);
    if (fig.v[FIG_GC_OWN_MAX_US] > fig.v[FIG_GC_MAX_US] * 1.02 + 0.5)
        fail_msg("collector time in a pause %.2f us > longest pause with collector work %.2f us",
                 fig.v[FIG_GC_OWN_MAX_US], fig.v[FIG_GC_MAX_US]);
    if (fig.v[FIG_OWN_MAX_US] > fig.v[FIG_GC_MAX_US] * 1.02 + 0.5)
        fail_msg("own longest increment %.2f us > longest pause with collector work %.2f us", fig.v[FIG_OWN_MAX_US],
                 fig.v[FIG_GC_MAX_US]);
}

/* One untimed run of wl on kind, as bench makes it, at the small size,
 * with a 256 KiB min_heap so that even small workloads collect (as
 * test_workloads does). */
static run_result run_as_bench(const wl_info *wl, collector_kind kind, tc_barrier barrier, int passes) {
    run_config rc;
    memset(&rc, 0, sizeof rc);
    rc.kind = kind;
    tc_config_default(&rc.tc);
    rc.tc.barrier = barrier;
    rc.tc.min_heap = 256 << 10;
    rc.min_heap_given = true;
    rc.boehm_markers = 1;
    rc.boehm_time_limit_ms = 1;
    rc.wl = wl;
    rc.size = 0; /* small */
    rc.seed = 1;
    rc.passes = passes;
    rc.cpu = -1;
    run_result r;
    if (!run_in_child(&rc, &r))
        fail_msg("%s on %s (%s): %s", wl->name, collector_names[kind], tc_barrier_name(barrier), r.error);
    run_result_free(&r); /* the figures stay; only the logs go */
    return r;
}

/* Passes 2 and later are measured on their own (the memory thread's
 * share once the heap has grown, bench's "mem thread, pass 2+"): their
 * wall is part of the run's and excludes the first pass, and the
 * thread's CPU in them is part of its total. One pass has none. */
static void test_later_passes(void **state) {
    (void)state;
    const run_result one = run_as_bench(wl_find("gcbench"), COL_TRICOLOR, TC_BARRIER_DIJKSTRA, 1);
    assert_int_equal(one.later_wall_ns, 0);
    assert_int_equal(one.later_bg_cpu_ns, 0);
    const run_result r = run_as_bench(wl_find("gcbench"), COL_TRICOLOR, TC_BARRIER_DIJKSTRA, 3);
    assert_true(r.later_wall_ns > 0 && r.later_wall_ns < r.wall_ns);
    assert_true(r.later_wall_ns * 3 >= r.wall_ns); /* three equal passes: the first is about a third */
    assert_true(r.later_bg_cpu_ns <= r.bg_cpu_ns);
}

/* Every workload, every bench collector: one checksum. Beside it, what
 * marked beside the mutator: nothing for tricolor and boehm; boehm-par's
 * helpers (GC_get_parallel() >= 1, as many more threads in the process,
 * CPU on them); tricolor-concurrent's marker thread, in most runs (a small
 * workload may end before its marker has work). Leaving concurrent off in
 * run_tc_config, or GC_start_mark_threads out, fails this test, where the
 * checksums alone would not. Under valgrind a forked child stays under
 * valgrind: 48 runs take a minute there, so it checks two workloads (the
 * runner's code is the same for all). */
static void test_every_collector_every_workload(void **state) {
    (void)state;
    static const tc_barrier concurrent_barriers[] = {TC_BARRIER_DIJKSTRA, TC_BARRIER_YUASA, TC_BARRIER_HYBRID};
    unsigned concurrent_runs = 0, marker_marked = 0;
    for (size_t w = 0; w < wl_count; w++) {
        const wl_info *wl = &wl_table[w];
        if (under_valgrind() && strcmp(wl->name, "gcbench") && strcmp(wl->name, "demo")) continue;
        struct {
            collector_kind kind;
            tc_barrier barrier;
        } runs[6] = {{COL_BOEHM, TC_BARRIER_DIJKSTRA},
                     {COL_TRICOLOR, TC_BARRIER_DIJKSTRA},
                     {COL_BOEHM_PAR, TC_BARRIER_DIJKSTRA}};
        size_t n = 3;
        for (size_t b = 0; b < sizeof concurrent_barriers / sizeof concurrent_barriers[0]; b++, n++)
            runs[n].kind = COL_TRICOLOR_CONCURRENT, runs[n].barrier = concurrent_barriers[b];
        uint64_t want = 0; /* boehm's, the first run */
        for (size_t i = 0; i < n; i++) {
            const run_result r = run_as_bench(wl, runs[i].kind, runs[i].barrier, 1);
            const char *name = collector_names[runs[i].kind], *bar = tc_barrier_name(runs[i].barrier);
            if (i == 0) want = r.checksum;
            if (r.checksum != want)
                fail_msg("%s on %s (%s): checksum %#llx, boehm's %#llx", wl->name, name, bar,
                         (unsigned long long)r.checksum, (unsigned long long)want);
            if (r.gc_cpu_ns != r.mutator_gc_cpu_ns + r.marker_cpu_ns)
                fail_msg("%s on %s: GC CPU %llu ns is not the mutator thread's %llu ns plus the marker threads' "
                         "%llu ns",
                         wl->name, name, (unsigned long long)r.gc_cpu_ns, (unsigned long long)r.mutator_gc_cpu_ns,
                         (unsigned long long)r.marker_cpu_ns);
            switch (runs[i].kind) {
            case COL_TRICOLOR:
            case COL_BOEHM:
                if (r.marker_threads != 0 || r.marker_cpu_ns != 0)
                    fail_msg("%s on %s: %llu marker threads, %llu ns of their CPU; expected none", wl->name, name,
                             (unsigned long long)r.marker_threads, (unsigned long long)r.marker_cpu_ns);
                break;
            case COL_BOEHM_PAR:
                if (r.marker_threads < 1 || r.threads < 1 + r.marker_threads)
                    fail_msg("%s on boehm-par: GC_get_parallel() = %llu helpers, %llu threads in the process: "
                             "the parallel marker did not start",
                             wl->name, (unsigned long long)r.marker_threads, (unsigned long long)r.threads);
                if (r.collections > 0 && r.marker_cpu_ns == 0)
                    fail_msg("%s on boehm-par: %llu collections and no CPU on the helper markers", wl->name,
                             (unsigned long long)r.collections);
                break;
            default:
                concurrent_runs++;
                marker_marked += r.marker_threads > 0;
                break;
            }
        }
    }
    printf("tricolor-concurrent's marker thread marked in %u of %u runs\n", marker_marked, concurrent_runs);
    if (cpus_available() < 2) {
        printf("one CPU available: Tricolor's marker thread does not start; its runs are not checked for it\n");
        return;
    }
    /* Valgrind runs one thread at a time and switches between them at its
     * own pace, so whether the marker gets to mark before the mutator's
     * assists finish a cycle is its scheduler's doing (2 of 6 runs once).
     * The native runs of this test (make test-unit, test-asan) check it. */
    if (under_valgrind()) {
        printf("under valgrind: the marker thread's share is valgrind's scheduling; not checked\n");
        return;
    }
    if (marker_marked * 2 < concurrent_runs)
        fail_msg("tricolor-concurrent's marker thread marked in %u of %u runs", marker_marked, concurrent_runs);
}

/* The pause log's seq is the workload's allocation count (oplog.h), the
 * same at the same point of the program in every run on either collector:
 * the window lines a measured run up with its live run by it. With every
 * operation logged, the allocations carry 1, 2, 3... and both collectors
 * log the same operations at the same counts. The heap samples run from
 * the start (count 0) to the end (every allocation), in order. */
/* A workload's own minimum heap (the demo's: under the collector's
 * default it would not be collected at all) applies unless one was
 * given, within the heap limit; the others run with the default. */
static void test_workload_min_heap_unless_given(void **state) {
    (void)state;
    run_config rc;
    run_config_defaults(&rc);
    rc.kind = COL_TRICOLOR_CONCURRENT;
    rc.wl = wl_find("demo");
    assert_non_null(rc.wl);
    assert_true(rc.wl->min_heap > 0 && rc.wl->min_heap < rc.tc.min_heap);
    tc_config tc = run_tc_config(&rc);
    assert_int_equal(tc.min_heap, rc.wl->min_heap);
    assert_true(tc.concurrent);
    assert_null(tc_config_check(&tc));
    rc.tc.heap_limit = rc.wl->min_heap; /* the smallest limit there is: the minimum fits under it */
    tc = run_tc_config(&rc);
    assert_true(tc.min_heap <= tc.heap_limit);
    assert_null(tc_config_check(&tc));
    rc.tc.heap_limit = 0;
    rc.tc.min_heap = 8 << 20;
    rc.min_heap_given = true;
    assert_int_equal(run_tc_config(&rc).min_heap, 8 << 20);
    for (size_t i = 0; i < wl_count; i++) {
        run_config o;
        run_config_defaults(&o);
        o.wl = &wl_table[i];
        if (!o.wl->min_heap) assert_int_equal(run_tc_config(&o).min_heap, o.tc.min_heap);
    }
    /* bench measures the demo with it: the run collects. */
    run_config_defaults(&rc);
    rc.kind = COL_TRICOLOR;
    rc.wl = wl_find("demo");
    rc.size = 1;
    rc.seed = 1;
    run_result r;
    if (!run_in_child(&rc, &r)) fail_msg("demo: %s", r.error);
    assert_true(r.collections > 0);
    run_result_free(&r);
}

static void test_log_places_operations_by_allocation(void **state) {
    (void)state;
    run_result r[2];
    const collector_kind kinds[2] = {COL_TRICOLOR, COL_BOEHM};
    for (int i = 0; i < 2; i++) {
        run_config rc;
        memset(&rc, 0, sizeof rc);
        rc.kind = kinds[i];
        tc_config_default(&rc.tc);
        rc.tc.min_heap = 32 << 10;
        rc.min_heap_given = true;
        rc.wl = wl_find("demo");
        rc.size = 0;
        rc.seed = 3;
        rc.passes = 2;
        rc.timed = true;
        rc.threshold_ns = 0; /* every operation */
        rc.cpu = -1;
        rc.boehm_markers = 1;
        rc.boehm_time_limit_ms = 1;
        if (!run_in_child(&rc, &r[i])) fail_msg("%s: %s", collector_names[kinds[i]], r[i].error);
        uint64_t next = 1;
        for (size_t j = 0; j < r[i].npauses; j++)
            if (r[i].pauses[j].op == OPLOG_ALLOC && r[i].pauses[j].seq != next++)
                fail_msg("%s: allocation %llu logged with seq %llu", collector_names[kinds[i]],
                         (unsigned long long)(next - 1), (unsigned long long)r[i].pauses[j].seq);
        assert_int_equal(next - 1, r[i].allocs);
        assert_true(r[i].nheap >= 2);
        assert_int_equal(r[i].heap[0].seq, 0);
        assert_int_equal(r[i].heap[r[i].nheap - 1].seq, r[i].allocs);
        for (size_t j = 0; j < r[i].nheap; j++) {
            assert_true(r[i].heap[j].t_ns >= r[i].t0_ns && r[i].heap[j].t_ns <= r[i].t1_ns);
            assert_true(r[i].heap[j].heap_bytes > 0);
            if (j) assert_true(r[i].heap[j].seq >= r[i].heap[j - 1].seq && r[i].heap[j].t_ns >= r[i].heap[j - 1].t_ns);
        }
    }
    assert_int_equal(r[0].npauses, r[1].npauses);
    for (size_t j = 0; j < r[0].npauses; j++)
        if (r[0].pauses[j].op != r[1].pauses[j].op || r[0].pauses[j].seq != r[1].pauses[j].seq)
            fail_msg("operation %zu: %s at %llu on tricolor, %s at %llu on boehm", j, oplog_op_name(r[0].pauses[j].op),
                     (unsigned long long)r[0].pauses[j].seq, oplog_op_name(r[1].pauses[j].op),
                     (unsigned long long)r[1].pauses[j].seq);
    run_result_free(&r[0]);
    run_result_free(&r[1]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_well_formed),
        cmocka_unit_test(test_combine),
        cmocka_unit_test(test_json_has_every_row),
        cmocka_unit_test(test_pauses_with_and_without_collector_work),
        cmocka_unit_test(test_p99_of_pauses_with_collector_work),
        cmocka_unit_test(test_collector_time_in_pauses),
        cmocka_unit_test(test_mmu_with_and_without_collector_work),
        cmocka_unit_test(test_stalls_beside_the_pauses),
        cmocka_unit_test(test_stalls_beside_the_pauses_with_gc_work),
        cmocka_unit_test(test_measure_a_small_run),
        cmocka_unit_test(test_later_passes),
        cmocka_unit_test(test_log_places_operations_by_allocation),
        cmocka_unit_test(test_workload_min_heap_unless_given),
        cmocka_unit_test(test_every_collector_every_workload),
    };
    return cmocka_run_group_tests_name("measure", tests, NULL, NULL);
}
