/*
 * cmd_tune.c — `tricolor tune`: sweeps Tricolor's knobs on one workload and
 * recommends a configuration for a pause target.
 *
 * The grid is step budget x trigger x barrier, where a step budget of
 * "auto" is the auto-pacer (pause_target_usec = the target) instead of a
 * fixed budget. Every configuration runs the way `tricolor bench` runs
 * Tricolor: in child processes of its own (workloads/runner.h), one after
 * another so runs never share the two cores, pause figures from a timed run
 * and wall, GC CPU and peak heap from a separate untimed run; with
 * --repeat N each figure is the median of N. Then:
 *  - the Pareto front over (max pause, p99 pause, GC CPU share, wall, peak
 *    heap), all minimized (viz/pareto.c);
 *  - a configuration meets the target when its p99 pause (or max pause,
 *    with --meet max) is at most the target and, with --max-heap, its peak
 *    heap is at most that; p99 is the default because it is what the
 *    auto-pacer holds, while the max of a single run is one event, often a
 *    page fault or a large allocation rather than a collector step;
 *  - the recommendation: of the meeting configurations within 5% of the
 *    fastest wall time (a tie: single runs differ by about that much), the
 *    one with the smallest peak heap (rule and tie-breaks in pareto.h),
 *    printed as the exact `tricolor bench` command that reproduces it.
 * Outputs: the front as a table on stdout, every configuration's figures
 * as JSON (--json), and a scatter plot of the front (--png), drawn with the
 * window's plot code on SDL's software renderer, no display needed.
 *
 * The per-run summary (pause percentiles from the timed run's log) is the
 * same arithmetic as cmd_bench.c's compute_figures, written against
 * metrics.h here rather than shared, so the two commands can change
 * independently; keep them computing pauses the same way.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>

#include "cli.h"
#include "metrics.h"
#include "palette.h"
#include "pareto.h"
#include "plots.h"
#include "registry.h"
#include "runner.h"
#include "text.h"

#define MAX_LIST 16
#define MAX_REPEAT 20
#define STEP_AUTO 0u /* in the steps list: the auto-pacer */
#define PNG_W 1280
#define PNG_H 600
#define NEAR_TIE 0.05 /* wall times within 5% of the fastest are a tie: single runs differ by that much here */

static const char *const C = "tune";

typedef enum { CFG_SKIPPED = 0, CFG_FAILED, CFG_DONE } cfg_state;

/* One configuration and, once run, its figures (medians over repeats). */
typedef struct tune_cfg {
    tc_barrier barrier;
    uint32_t step_work;       /* fixed increment budget; STEP_AUTO with the auto-pacer; unused under stw */
    uint32_t trigger_pct;
    cfg_state state;
    char error[200];
    /* The rest is valid when state == CFG_DONE. */
    double fig[TUNE_NOBJ];    /* the objectives, pareto.h's column order */
    double p50_us, p999_us, pauses, gc_cpu_ms, cpu_ms, peak_rss, collections;
    uint64_t checksum;
    bool on_front, meets;
} tune_cfg;

/* Doubles of one repeat, in the order median_of_runs takes them field by field. */
typedef struct one_run {
    double fig[TUNE_NOBJ];
    double p50_us, p999_us, pauses, gc_cpu_ms, cpu_ms, peak_rss, collections;
} one_run;

typedef struct tune_opts {
    const wl_info *wl;
    int size;
    uint64_t seed;
    int repeat;
    uint32_t target_us;
    tune_metric on;
    uint64_t max_heap; /* 0 = no limit */
    tc_barrier barriers[TC_BARRIER_COUNT];
    size_t nbarriers;
    uint32_t steps[MAX_LIST]; /* STEP_AUTO = the auto-pacer */
    size_t nsteps;
    uint32_t triggers[MAX_LIST];
    size_t ntriggers;
    long time_limit_s; /* 0 = none */
    const char *json, *png;
    bool all, progress;
} tune_opts;

static void usage(FILE *f) {
    fprintf(f,
            "usage: tricolor tune [options]\n"
            "\n"
            "Sweeps Tricolor's knobs on one workload (step budget x trigger x barrier), each configuration\n"
            "in its own child process, prints the Pareto front of max pause, p99 pause, GC CPU share, wall\n"
            "time and peak heap, marks the configurations that meet a pause target, recommends one and\n"
            "prints the 'tricolor bench' command that reproduces it.\n"
            "\n"
            "  --workload NAME         workload to tune for (default gcbench; see 'tricolor list')\n"
            "  --size S                small, default or large (default: default)\n"
            "  --seed N                workload seed (default 1)\n"
            "  --pause-target T        the pause target, e.g. 200us, 1ms, or 200 for microseconds; 10us..1s\n"
            "                          (default 200us)\n"
            "  --meet p99|max          which pause must be <= the target (default p99: what the auto-pacer\n"
            "                          holds; a single run's max is one event)\n"
            "  --max-heap SIZE         also require peak heap <= SIZE, e.g. 64M (default: no limit)\n"
            "  --barrier LIST          barriers to sweep: dijkstra, steele, yuasa, stw\n"
            "                          (default dijkstra,steele,yuasa)\n"
            "  --steps LIST            step budgets in work units; 'auto' is the auto-pacer at the target\n"
            "                          (default auto,500,1000,2000,4000,8000,16000)\n"
            "  --triggers LIST         trigger percentages, 10..1000 (default 50,100,200,400)\n"
            "  --repeat N              runs per configuration (timed + untimed each); figures are medians\n"
            "                          (default 1: single runs, expect a few %% of noise)\n"
            "  --time-limit S          launch no new configuration after S seconds; report what was measured\n"
            "  --all                   print every configuration, not only the Pareto front\n"
            "  --json FILE             write every configuration's figures as JSON\n"
            "  --png FILE              save a scatter plot of the configurations and the front (%dx%d)\n",
            PNG_W, PNG_H);
}

/* ---------- argument parsing ---------- */

/* Splits a comma-separated list into out[] (at most MAX_LIST), each
 * parsed by one(); duplicates are an error. */
static size_t parse_list(const char *flag, const char *list, uint32_t *out, uint32_t (*one)(const char *, const char *)) {
    char buf[512];
    if (strlen(list) >= sizeof buf) cli_fail(C, "%s: the list is too long", flag);
    snprintf(buf, sizeof buf, "%s", list);
    size_t n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == MAX_LIST) cli_fail(C, "%s: at most %d values", flag, MAX_LIST);
        uint32_t v = one(flag, tok);
        for (size_t i = 0; i < n; i++)
            if (out[i] == v) cli_fail(C, "%s: '%s' given twice", flag, tok);
        out[n++] = v;
    }
    if (n == 0) cli_fail(C, "%s: give at least one value", flag);
    return n;
}

static uint32_t one_step(const char *flag, const char *s) {
    if (!strcmp(s, "auto")) return STEP_AUTO;
    /* Anything but digits is a word, and the only word is "auto". */
    if (!*s || strspn(s, "0123456789") != strlen(s))
        cli_fail(C, "%s: '%s' is neither 'auto' nor a whole number of work units (valid: auto, 1..100000000)", flag, s);
    return (uint32_t)cli_int(C, flag, s, 1, 100000000);
}

static uint32_t one_trigger(const char *flag, const char *s) { return (uint32_t)cli_int(C, flag, s, 10, 1000); }

static void parse_barriers(tune_opts *o, const char *list) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    o->nbarriers = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tc_barrier b;
        if (!tc_barrier_parse(tok, &b))
            cli_fail(C, "--barrier: unknown barrier '%s' (valid: dijkstra, steele, yuasa, stw)", tok);
        for (size_t i = 0; i < o->nbarriers; i++)
            if (o->barriers[i] == b) cli_fail(C, "--barrier: '%s' given twice", tok);
        o->barriers[o->nbarriers++] = b;
    }
    if (o->nbarriers == 0) cli_fail(C, "--barrier: give at least one of dijkstra, steele, yuasa, stw");
}

static void parse(tune_opts *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    o->wl = wl_find("gcbench");
    o->size = 1; /* default */
    o->seed = 1;
    o->repeat = 1;
    o->target_us = 200;
    o->on = TUNE_ON_P99;
    o->barriers[0] = TC_BARRIER_DIJKSTRA;
    o->barriers[1] = TC_BARRIER_STEELE;
    o->barriers[2] = TC_BARRIER_YUASA;
    o->nbarriers = 3;
    static const uint32_t steps[] = {STEP_AUTO, 500, 1000, 2000, 4000, 8000, 16000}, triggers[] = {50, 100, 200, 400};
    memcpy(o->steps, steps, sizeof steps);
    o->nsteps = sizeof steps / sizeof steps[0];
    memcpy(o->triggers, triggers, sizeof triggers);
    o->ntriggers = sizeof triggers / sizeof triggers[0];
    o->progress = isatty(2);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--workload")) {
            const char *v = cli_value(C, argc, argv, &i);
            o->wl = wl_find(v);
            if (!o->wl) cli_fail(C, "--workload: unknown workload '%s' (valid: %s)", v, wl_names());
        } else if (!strcmp(a, "--size")) {
            o->size = cli_wl_size(C, "--size", cli_value(C, argc, argv, &i));
        } else if (!strcmp(a, "--seed")) {
            o->seed = (uint64_t)cli_int(C, a, cli_value(C, argc, argv, &i), 0, INT64_MAX);
        } else if (!strcmp(a, "--pause-target")) {
            /* The auto-pacer's range (tc_config.pause_target_usec), so the
             * "auto" candidates can use the target as it is. */
            o->target_us = (uint32_t)cli_usec(C, a, cli_value(C, argc, argv, &i), 10, 1000000);
        } else if (!strcmp(a, "--meet")) {
            const char *v = cli_value(C, argc, argv, &i);
            if (!strcmp(v, "p99"))
                o->on = TUNE_ON_P99;
            else if (!strcmp(v, "max"))
                o->on = TUNE_ON_MAX;
            else
                cli_fail(C, "--meet: unknown pause figure '%s' (valid: p99, max)", v);
        } else if (!strcmp(a, "--max-heap")) {
            o->max_heap = cli_bytes(C, a, cli_value(C, argc, argv, &i), 1 << 20, (uint64_t)1 << 40);
        } else if (!strcmp(a, "--barrier")) {
            parse_barriers(o, cli_value(C, argc, argv, &i));
        } else if (!strcmp(a, "--steps")) {
            o->nsteps = parse_list(a, cli_value(C, argc, argv, &i), o->steps, one_step);
        } else if (!strcmp(a, "--triggers")) {
            o->ntriggers = parse_list(a, cli_value(C, argc, argv, &i), o->triggers, one_trigger);
        } else if (!strcmp(a, "--repeat")) {
            o->repeat = (int)cli_int(C, a, cli_value(C, argc, argv, &i), 1, MAX_REPEAT);
        } else if (!strcmp(a, "--time-limit")) {
            o->time_limit_s = (long)cli_int(C, a, cli_value(C, argc, argv, &i), 1, 7 * 24 * 3600);
        } else if (!strcmp(a, "--all")) {
            o->all = true;
        } else if (!strcmp(a, "--json")) {
            o->json = cli_value(C, argc, argv, &i);
        } else if (!strcmp(a, "--png")) {
            o->png = cli_value(C, argc, argv, &i);
        } else {
            cli_fail(C, "unknown option '%s'", a);
        }
    }
}

/* The grid in run order: steps outer, triggers, barriers inner, so a
 * --time-limit cut still has every barrier at the budgets it reached. Under
 * stw there are no increments, so it gets one configuration per trigger
 * (at the first step value). Returns the count; *out is malloc'd. */
static size_t build_grid(const tune_opts *o, tune_cfg **out) {
    size_t cap = o->nsteps * o->ntriggers * o->nbarriers, n = 0;
    tune_cfg *g = calloc(cap, sizeof *g);
    if (!g) cli_fail(C, "out of memory");
    for (size_t s = 0; s < o->nsteps; s++)
        for (size_t t = 0; t < o->ntriggers; t++)
            for (size_t b = 0; b < o->nbarriers; b++) {
                if (o->barriers[b] == TC_BARRIER_STW && s > 0) continue;
                tune_cfg *c = &g[n++];
                c->barrier = o->barriers[b];
                c->step_work = o->barriers[b] == TC_BARRIER_STW ? STEP_AUTO : o->steps[s];
                c->trigger_pct = o->triggers[t];
            }
    *out = g;
    return n;
}

/* ---------- running one configuration ---------- */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "4.2 s", "42 s" or, from 100 s on, "3:05 min". */
static void fmt_secs(char *buf, size_t len, double s) {
    if (!(s > 0)) s = 0;
    long v = lround(s);
    if (s < 9.95)
        snprintf(buf, len, "%.1f s", s);
    else if (v < 100)
        snprintf(buf, len, "%ld s", v);
    else
        snprintf(buf, len, "%ld:%02ld min", v / 60, v % 60);
}

/* The collector settings of c, as `tricolor bench` would set them from
 * the flags bench_command prints. */
static void cfg_to_tc(const tune_opts *o, const tune_cfg *c, tc_config *tc) {
    tc_config_default(tc);
    tc->barrier = c->barrier;
    tc->trigger_pct = c->trigger_pct;
    if (c->barrier == TC_BARRIER_STW) return;
    if (c->step_work == STEP_AUTO)
        tc->pause_target_usec = o->target_us;
    else
        tc->step_work = c->step_work;
}

/* One repeat's figures: pauses from the timed run (its log normalized and
 * summarized as bench does), the rest from the untimed one. */
static void run_figures(const run_result *thr, const run_result *tim, one_run *f) {
    memset(f, 0, sizeof *f);
    metrics_pause *p = malloc((tim->npauses ? tim->npauses : 1) * sizeof *p);
    if (!p) cli_fail(C, "out of memory");
    for (size_t i = 0; i < tim->npauses; i++) p[i] = (metrics_pause){tim->pauses[i].start_ns, tim->pauses[i].dur_ns};
    size_t n = metrics_normalize(p, tim->npauses);
    metrics_summary s;
    metrics_summarize(p, n, &s);
    free(p);
    f->fig[TUNE_MAX_US] = s.max_us;
    f->fig[TUNE_P99_US] = s.p99_us;
    f->fig[TUNE_GC_SHARE] = thr->cpu_ns ? (double)thr->gc_cpu_ns / (double)thr->cpu_ns : 0;
    f->fig[TUNE_WALL_MS] = (double)thr->wall_ns / 1e6;
    f->fig[TUNE_PEAK_HEAP] = (double)thr->peak_heap_bytes;
    f->p50_us = s.p50_us;
    f->p999_us = s.p999_us;
    f->pauses = (double)s.count;
    f->gc_cpu_ms = (double)thr->gc_cpu_ns / 1e6;
    f->cpu_ms = (double)thr->cpu_ns / 1e6;
    f->peak_rss = (double)thr->peak_rss_bytes;
    f->collections = (double)thr->collections;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Field-by-field medians of runs[0..n) into c. */
static void median_of_runs(one_run *runs, int n, tune_cfg *c) {
    const size_t nd = sizeof(one_run) / sizeof(double);
    _Static_assert(sizeof(one_run) % sizeof(double) == 0, "one_run is doubles only");
    one_run med;
    double v[MAX_REPEAT];
    for (size_t f = 0; f < nd; f++) {
        for (int r = 0; r < n; r++) v[r] = ((const double *)&runs[r])[f];
        qsort(v, (size_t)n, sizeof *v, cmp_double);
        ((double *)&med)[f] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
    memcpy(c->fig, med.fig, sizeof c->fig);
    c->p50_us = med.p50_us;
    c->p999_us = med.p999_us;
    c->pauses = med.pauses;
    c->gc_cpu_ms = med.gc_cpu_ms;
    c->cpu_ms = med.cpu_ms;
    c->peak_rss = med.peak_rss;
    c->collections = med.collections;
}

static void describe(const tune_cfg *c, char *buf, size_t len) {
    if (c->barrier == TC_BARRIER_STW)
        snprintf(buf, len, "stw, trigger %u%%", c->trigger_pct);
    else if (c->step_work == STEP_AUTO)
        snprintf(buf, len, "%s, auto-pacer, trigger %u%%", tc_barrier_name(c->barrier), c->trigger_pct);
    else
        snprintf(buf, len, "%s, step %u, trigger %u%%", tc_barrier_name(c->barrier), c->step_work, c->trigger_pct);
}

/* The workload's checksum, from the first run that completes: every run
 * of every configuration must match it, or they did not do the same work. */
typedef struct reference {
    bool set;
    uint64_t checksum;
} reference;

/* Runs c o->repeat times (untimed, then timed, each in a child). On
 * failure sets c->state = CFG_FAILED with the reason. */
static void run_config_of(const tune_opts *o, tune_cfg *c, size_t idx, size_t total, double t_start, double per_cfg,
                          reference *ref) {
    run_config rc;
    memset(&rc, 0, sizeof rc);
    rc.kind = COL_TRICOLOR;
    cfg_to_tc(o, c, &rc.tc);
    rc.wl = o->wl;
    rc.size = o->size;
    rc.seed = o->seed;
    rc.passes = 1;
    rc.threshold_ns = 1000; /* bench's default --pause-threshold: pauses are operations >= 1 us */
    rc.cpu = -1;
    rc.boehm_markers = 1;
    rc.boehm_time_limit_ms = 1;
    const char *bad = tc_config_check(&rc.tc);
    if (bad) {
        c->state = CFG_FAILED;
        snprintf(c->error, sizeof c->error, "invalid settings: %s", bad);
        return;
    }
    one_run runs[MAX_REPEAT];
    char what[96];
    describe(c, what, sizeof what);
    for (int r = 0; r < o->repeat; r++) {
        run_result res[2];
        for (int timed = 0; timed < 2; timed++) {
            if (o->progress) {
                char el[32], left[32] = "?";
                double elapsed = now_s() - t_start;
                fmt_secs(el, sizeof el, elapsed);
                if (per_cfg > 0) fmt_secs(left, sizeof left, per_cfg * (double)total - elapsed);
                fprintf(stderr, "\r\033[K[%zu/%zu] %s: %s run %d/%d, %s elapsed, about %s left", idx + 1, total, what,
                        timed ? "timed" : "untimed", r + 1, o->repeat, el, left);
            }
            rc.timed = timed;
            if (!run_in_child(&rc, &res[timed])) {
                c->state = CFG_FAILED;
                snprintf(c->error, sizeof c->error, "%s", res[timed].error);
                run_result_free(&res[timed]);
                if (timed) run_result_free(&res[0]);
                return;
            }
        }
        if (!ref->set) *ref = (reference){true, res[0].checksum};
        bool same = res[0].checksum == ref->checksum && res[1].checksum == ref->checksum;
        if (same) {
            run_figures(&res[0], &res[1], &runs[r]);
        } else {
            c->state = CFG_FAILED;
            snprintf(c->error, sizeof c->error,
                     "checksums differ (%016llx, %016llx, expected %016llx): the runs did not do the same work",
                     (unsigned long long)res[0].checksum, (unsigned long long)res[1].checksum,
                     (unsigned long long)ref->checksum);
        }
        run_result_free(&res[0]);
        run_result_free(&res[1]);
        if (!same) return;
    }
    c->checksum = ref->checksum;
    median_of_runs(runs, o->repeat, c);
    c->state = CFG_DONE;
}

/* ---------- output ---------- */

static const char *metric_name(tune_metric on) { return on == TUNE_ON_MAX ? "max pause" : "p99"; }

/* "p99 <= 200 us" [" and peak heap <= 64 MiB"] */
static void fmt_goal(const tune_opts *o, char *buf, size_t len) {
    int k = snprintf(buf, len, "%s <= %u us", metric_name(o->on), o->target_us);
    if (o->max_heap && k > 0 && (size_t)k < len)
        snprintf(buf + k, len - (size_t)k, " and peak heap <= %.0f MiB", (double)o->max_heap / (1 << 20));
}

static void step_text(const tune_cfg *c, char *buf, size_t len) {
    if (c->barrier == TC_BARRIER_STW)
        snprintf(buf, len, "-");
    else if (c->step_work == STEP_AUTO)
        snprintf(buf, len, "auto");
    else
        snprintf(buf, len, "%u", c->step_work);
}

/* The `tricolor bench` command line that runs c as tune ran it. */
static void bench_command(const tune_opts *o, const tune_cfg *c, char *buf, size_t len) {
    int k = snprintf(buf, len, "%s bench --workload %s --size %s --seed %llu --collector tricolor --barrier %s",
                     program_invocation_name, o->wl->name, wl_size_names[o->size], (unsigned long long)o->seed,
                     tc_barrier_name(c->barrier));
    char extra[96] = "";
    if (c->barrier != TC_BARRIER_STW) {
        if (c->step_work == STEP_AUTO)
            snprintf(extra, sizeof extra, " --pause-target %uus", o->target_us);
        else
            snprintf(extra, sizeof extra, " --step-work %u", c->step_work);
    }
    char rep[32] = "";
    if (o->repeat > 1) snprintf(rep, sizeof rep, " --repeat %d", o->repeat);
    if (k > 0 && (size_t)k < len) snprintf(buf + k, len - (size_t)k, "%s --trigger %u%s", extra, c->trigger_pct, rep);
}

static void print_row(const tune_cfg *c, size_t idx, long pick) {
    char step[16], mx[24], p99[24];
    step_text(c, step, sizeof step);
    cli_fmt_us(mx, sizeof mx, c->fig[TUNE_MAX_US]);
    cli_fmt_us(p99, sizeof p99, c->fig[TUNE_P99_US]);
    printf("  %3zu %c %-9s %6s %7u%% %10s %10s %7.1f%% %9.1f ms %7.1f MiB  %-4s%s\n", idx, c->on_front ? '*' : ' ',
           tc_barrier_name(c->barrier), step, c->trigger_pct, mx, p99, c->fig[TUNE_GC_SHARE] * 100,
           c->fig[TUNE_WALL_MS], c->fig[TUNE_PEAK_HEAP] / (1 << 20), c->meets ? "yes" : "no",
           (long)idx == pick ? "  <- recommended" : "");
}

/* Sorting rows for the table: by the target's pause figure, then wall. */
static const tune_cfg *g_sort_cfgs;
static tune_metric g_sort_on;
static int cmp_rows(const void *a, const void *b) {
    const tune_cfg *x = &g_sort_cfgs[*(const size_t *)a], *y = &g_sort_cfgs[*(const size_t *)b];
    int col = g_sort_on == TUNE_ON_MAX ? TUNE_MAX_US : TUNE_P99_US;
    if (x->fig[col] != y->fig[col]) return x->fig[col] < y->fig[col] ? -1 : 1;
    if (x->fig[TUNE_WALL_MS] != y->fig[TUNE_WALL_MS]) return x->fig[TUNE_WALL_MS] < y->fig[TUNE_WALL_MS] ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static void print_table(const tune_opts *o, const tune_cfg *cfgs, size_t n, long pick) {
    size_t *rows = malloc((n ? n : 1) * sizeof *rows), nr = 0;
    if (!rows) cli_fail(C, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (cfgs[i].state == CFG_DONE && (o->all || cfgs[i].on_front)) rows[nr++] = i;
    g_sort_cfgs = cfgs;
    g_sort_on = o->on;
    qsort(rows, nr, sizeof *rows, cmp_rows);
    printf("\n  %3s %c %-9s %6s %8s %10s %10s %8s %12s %11s  %s\n", "#", ' ', "barrier", "step", "trigger", "max pause",
           "p99", "GC CPU", "wall", "peak heap", "meets");
    for (size_t i = 0; i < nr; i++) print_row(&cfgs[rows[i]], rows[i], pick);
    free(rows);
}

/* "key":v with `decimals` digits after the point, or null when v is not
 * a number (the configuration was not measured). */
static void json_num(FILE *f, const char *key, double v, int decimals) {
    if (isfinite(v))
        fprintf(f, "\"%s\":%.*f,", key, decimals, v);
    else
        fprintf(f, "\"%s\":null,", key);
}

static void write_json(FILE *f, const tune_opts *o, const tune_cfg *cfgs, size_t n, long pick, const char *cmd) {
    fprintf(f, "{\"workload\":\"%s\",\"size\":\"%s\",\"seed\":%llu,\"repeat\":%d,\"target_us\":%u,\"target_on\":\"%s\",",
            o->wl->name, wl_size_names[o->size], (unsigned long long)o->seed, o->repeat, o->target_us,
            o->on == TUNE_ON_MAX ? "max" : "p99");
    if (o->max_heap)
        fprintf(f, "\"max_heap_bytes\":%llu,", (unsigned long long)o->max_heap);
    else
        fprintf(f, "\"max_heap_bytes\":null,");
    fprintf(f, "\"configs\":[");
    for (size_t i = 0; i < n; i++) {
        const tune_cfg *c = &cfgs[i];
        tc_config tc;
        cfg_to_tc(o, c, &tc);
        fprintf(f, "%s\n{\"barrier\":\"%s\",", i ? "," : "", tc_barrier_name(c->barrier));
        /* step_work is the budget in force: the starting point under the
         * auto-pacer, none under stw. */
        if (c->barrier == TC_BARRIER_STW)
            fprintf(f, "\"step_work\":null,");
        else
            fprintf(f, "\"step_work\":%u,", tc.step_work);
        fprintf(f, "\"trigger_pct\":%u,\"pause_target_us\":%u,\"status\":\"%s\",", c->trigger_pct,
                tc.pause_target_usec, c->state == CFG_DONE ? "ok" : c->state == CFG_FAILED ? "failed" : "skipped");
        if (c->state == CFG_FAILED) {
            fprintf(f, "\"error\":\"");
            for (const char *s = c->error; *s; s++)
                if (*s == '"' || *s == '\\')
                    fprintf(f, "\\%c", *s);
                else if ((unsigned char)*s >= 32)
                    fputc(*s, f);
            fprintf(f, "\",");
        }
        bool ok = c->state == CFG_DONE;
        double nan = NAN;
        json_num(f, "max_us", ok ? c->fig[TUNE_MAX_US] : nan, 3);
        json_num(f, "p99_us", ok ? c->fig[TUNE_P99_US] : nan, 3);
        json_num(f, "p999_us", ok ? c->p999_us : nan, 3);
        json_num(f, "p50_us", ok ? c->p50_us : nan, 3);
        json_num(f, "pauses", ok ? c->pauses : nan, 0);
        json_num(f, "gc_share", ok ? c->fig[TUNE_GC_SHARE] : nan, 6);
        json_num(f, "gc_cpu_ms", ok ? c->gc_cpu_ms : nan, 3);
        json_num(f, "cpu_ms", ok ? c->cpu_ms : nan, 3);
        json_num(f, "wall_ms", ok ? c->fig[TUNE_WALL_MS] : nan, 3);
        json_num(f, "peak_heap_bytes", ok ? c->fig[TUNE_PEAK_HEAP] : nan, 0);
        json_num(f, "peak_rss_bytes", ok ? c->peak_rss : nan, 0);
        json_num(f, "collections", ok ? c->collections : nan, 0);
        if (ok) fprintf(f, "\"checksum\":\"%016llx\",", (unsigned long long)c->checksum);
        fprintf(f, "\"on_front\":%s,\"meets_target\":%s}", c->on_front ? "true" : "false", c->meets ? "true" : "false");
    }
    fprintf(f, "\n],\"recommended\":");
    if (pick >= 0) {
        fprintf(f, "%ld,\"bench_command\":\"", pick);
        for (const char *s = cmd; *s; s++) {
            if (*s == '"' || *s == '\\') fputc('\\', f);
            fputc(*s, f);
        }
        fprintf(f, "\"}\n");
    } else {
        fprintf(f, "null,\"bench_command\":null}\n");
    }
}

/* ---------- the scatter plot ---------- */

/* Two panels, the target's pause figure against wall time and against GC
 * CPU share, under a title line; every measured configuration dim, the
 * front highlighted, the pick ringed and labelled. Returns false with a
 * message in err on failure. */
static bool write_png(const tune_opts *o, const tune_cfg *cfgs, size_t n, long pick, size_t nfront, const char *path,
                      char *err, size_t errlen) {
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, PNG_W, PNG_H, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *r = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
    text *t = r ? text_open(r, 14, err, errlen) : NULL;
    plot_dot *dots = malloc((n ? n : 1) * sizeof *dots);
    bool ok = false;
    if (!surf || !r) snprintf(err, errlen, "SDL: %s", SDL_GetError());
    if (t && dots) {
        SDL_SetRenderDrawColor(r, PAL_BG.r, PAL_BG.g, PAL_BG.b, 255);
        SDL_RenderClear(r);
        char goal[96], head[400];
        fmt_goal(o, goal, sizeof goal);
        size_t measured = 0;
        for (size_t i = 0; i < n; i++) measured += cfgs[i].state == CFG_DONE;
        snprintf(head, sizeof head, "tricolor tune: %s (size %s, seed %llu), target %s: %zu configurations, %zu on the Pareto front "
                 "(of max pause, p99, GC CPU, wall, peak heap)",
                 o->wl->name, wl_size_names[o->size], (unsigned long long)o->seed, goal, measured, nfront);
        text_draw(t, 16, 10, PAL_TEXT, head);
        char pick_label[128] = "", sub[256];
        if (pick >= 0) {
            const tune_cfg *p = &cfgs[pick];
            char what[80];
            describe(p, what, sizeof what);
            snprintf(pick_label, sizeof pick_label, "#%ld %s", pick, what);
            snprintf(sub, sizeof sub, "recommended: %s (%s)%s", pick_label, p->meets ? "meets the target" : "closest; nothing meets the target",
                     o->repeat > 1 ? "" : "; single runs, expect a few % of noise");
        } else {
            snprintf(sub, sizeof sub, "no configuration was measured");
        }
        text_draw(t, 16, 10 + text_height(t) + 4, PAL_DIM, sub);
        int top = 10 + 2 * (text_height(t) + 4) + 6;
        char xname[32], mark[48];
        snprintf(xname, sizeof xname, "%s", o->on == TUNE_ON_MAX ? "max pause" : "p99 pause");
        snprintf(mark, sizeof mark, "target %u us", o->target_us);
        const int col = o->on == TUNE_ON_MAX ? TUNE_MAX_US : TUNE_P99_US;
        for (int panel = 0; panel < 2; panel++) {
            size_t nd = 0;
            for (size_t i = 0; i < n; i++) {
                if (cfgs[i].state != CFG_DONE) continue;
                double y = panel == 0 ? cfgs[i].fig[TUNE_WALL_MS] : cfgs[i].fig[TUNE_GC_SHARE] * 100;
                int kind = (long)i == pick ? PLOT_DOT_PICK : cfgs[i].on_front ? PLOT_DOT_FRONT : PLOT_DOT_OTHER;
                dots[nd++] = (plot_dot){cfgs[i].fig[col], y, kind};
            }
            char title[64];
            snprintf(title, sizeof title, "%s (log) vs %s", xname, panel == 0 ? "wall time" : "GC CPU share");
            plot_scatter_spec spec = {
                .title = title,
                .y_unit = panel == 0 ? "ms" : "%",
                .mark_us = o->target_us,
                .mark_label = mark,
                .pick_label = pick >= 0 ? pick_label : NULL,
                .names = {"other", "Pareto front", "recommended"},
                .colours = {PAL_DIM, PAL_TRICOLOR, PAL_ROOT},
            };
            SDL_Rect area = {8 + panel * PNG_W / 2, top, PNG_W / 2 - 12, PNG_H - top - 8};
            plot_scatter(r, t, area, &spec, dots, nd);
        }
        SDL_RenderPresent(r);
        if (IMG_SavePNG(surf, path) == 0)
            ok = true;
        else
            snprintf(err, errlen, "cannot write '%s': %s", path, IMG_GetError());
    } else if (t) {
        snprintf(err, errlen, "out of memory");
    }
    free(dots);
    if (t) text_close(t);
    plot_release();
    if (r) SDL_DestroyRenderer(r);
    if (surf) SDL_FreeSurface(surf);
    SDL_Quit();
    return ok;
}

/* ---------- the command ---------- */

int cmd_tune(int argc, char **argv) {
    tune_opts o;
    parse(&o, argc, argv);
    FILE *json = o.json ? cli_open_output(C, "--json", o.json) : NULL;
    if (o.png) fclose(cli_open_output(C, "--png", o.png));

    tune_cfg *cfgs;
    size_t n = build_grid(&o, &cfgs);
    char goal[96];
    fmt_goal(&o, goal, sizeof goal);
    printf("tricolor tune: %s (size %s, seed %llu), target %s.\n", o.wl->name, wl_size_names[o.size],
           (unsigned long long)o.seed, goal);
    printf("%zu configurations: %zu step budget%s x %zu trigger%s x %zu barrier%s%s.\n"
           "Each runs in child processes of its own, one at a time: per repeat an untimed run (wall, GC CPU\n"
           "share, peak heap) and a timed run (pauses: operations >= 1 us, timed from outside as bench does).\n",
           n, o.nsteps, o.nsteps > 1 ? "s" : "", o.ntriggers, o.ntriggers > 1 ? "s" : "", o.nbarriers,
           o.nbarriers > 1 ? "s" : "", n < o.nsteps * o.ntriggers * o.nbarriers ? " (stw has no step budget)" : "");
    if (o.repeat > 1)
        printf("Figures are medians of %d runs each.\n", o.repeat);
    else
        printf("Figures are single runs on a noisy machine: differences of a few %% are noise (--repeat N for medians).\n");
    fflush(stdout);

    double t0 = now_s(), per_cfg = 0;
    reference ref = {false, 0};
    size_t ndone = 0, nfailed = 0, nskipped = 0;
    for (size_t i = 0; i < n; i++) {
        if (o.time_limit_s && now_s() - t0 >= (double)o.time_limit_s) {
            nskipped = n - i;
            break;
        }
        run_config_of(&o, &cfgs[i], i, n, t0, per_cfg, &ref);
        if (cfgs[i].state == CFG_FAILED) {
            char what[96];
            describe(&cfgs[i], what, sizeof what);
            if (o.progress) fprintf(stderr, "\r\033[K");
            fprintf(stderr, "tricolor tune: #%zu (%s) failed: %s\n", i, what, cfgs[i].error);
            nfailed++;
        } else {
            ndone++;
        }
        per_cfg = (now_s() - t0) / (double)(i + 1);
        if (i == 0 && n > 1) {
            char est[32];
            fmt_secs(est, sizeof est, per_cfg * (double)n);
            printf("Estimate: about %s for all %zu, from the first configuration's %.1f s%s.\n", est, n, per_cfg,
                   o.time_limit_s ? " (--time-limit may stop it sooner)" : "");
            fflush(stdout);
        }
    }
    if (o.progress) fprintf(stderr, "\r\033[K");

    /* The front and the pick over the measured configurations. */
    double *v = calloc(n * TUNE_NOBJ, sizeof *v);
    bool *include = calloc(n, sizeof *include), *front = calloc(n, sizeof *front);
    if (!v || !include || !front) cli_fail(C, "out of memory");
    for (size_t i = 0; i < n; i++) {
        include[i] = cfgs[i].state == CFG_DONE;
        memcpy(&v[i * TUNE_NOBJ], cfgs[i].fig, sizeof cfgs[i].fig);
    }
    size_t nfront = pareto_front(v, n, TUNE_NOBJ, include, front);
    tune_goal g = {(double)o.target_us, o.on, (double)o.max_heap, NEAR_TIE};
    tune_pick pick = tune_recommend(v, n, include, &g);
    for (size_t i = 0; i < n; i++) {
        cfgs[i].on_front = front[i];
        cfgs[i].meets = include[i] && tune_meets(&v[i * TUNE_NOBJ], &g);
    }
    free(v);
    free(include);
    free(front);

    printf("\nMeasured %zu of %zu configurations in %.0f s", ndone, n, now_s() - t0);
    if (nskipped) printf("; --time-limit %ld s: %zu not run (the grid runs steps outer, barriers inner)", o.time_limit_s, nskipped);
    if (nfailed) printf("; %zu failed (messages above)", nfailed);
    printf(".\n");
    if (ndone) {
        printf("Pareto front: %zu configuration%s that no other beats or equals on all of max pause, p99, GC CPU\n"
               "share, wall and peak heap (marked *; --all prints every configuration). # is the index in --json.\n",
               nfront, nfront == 1 ? "" : "s");
        print_table(&o, cfgs, n, pick.index);
        printf("\n%zu of %zu measured configurations meet the target (%s).\n", pick.nmeeting, ndone, goal);
    }
    char cmd[512] = "";
    if (pick.index >= 0) {
        const tune_cfg *p = &cfgs[pick.index];
        char what[96], mx[24], p99[24];
        describe(p, what, sizeof what);
        cli_fmt_us(mx, sizeof mx, p->fig[TUNE_MAX_US]);
        cli_fmt_us(p99, sizeof p99, p->fig[TUNE_P99_US]);
        printf("Recommended: #%ld (%s).\n", pick.index, what);
        if (pick.meets && pick.ntied > 1)
            printf("  Why: %zu of %zu configurations meet %s. The fastest of them ran in %.1f ms; the %zu within\n"
                   "  %.0f%% of that count as tied (%s), and of those this one has the smallest peak heap.\n",
                   pick.nmeeting, ndone, goal, pick.fastest_ms, pick.ntied, NEAR_TIE * 100,
                   o.repeat > 1 ? "medians still vary by a few %" : "single runs differ by about that");
        else if (pick.meets)
            printf("  Why: %zu of %zu configurations meet %s, and this one ran fastest, by more than %.0f%%.\n",
                   pick.nmeeting, ndone, goal, NEAR_TIE * 100);
        else
            printf("  Why: no configuration meets %s; this one comes closest (the lowest %s%s).\n", goal,
                   metric_name(o.on), o.max_heap ? " among those within the heap limit, if any are" : "");
        printf("  Its figures: max pause %s, p99 %s, GC CPU share %.1f%%, wall %.1f ms, peak heap %.1f MiB.\n", mx, p99,
               p->fig[TUNE_GC_SHARE] * 100, p->fig[TUNE_WALL_MS], p->fig[TUNE_PEAK_HEAP] / (1 << 20));
        bench_command(&o, p, cmd, sizeof cmd);
        printf("Reproduce it:\n  %s\n", cmd);
    } else {
        printf("Nothing was measured: no recommendation.\n");
    }
    fflush(stdout);

    int status = nfailed || !ndone ? 1 : 0;
    if (json) {
        write_json(json, &o, cfgs, n, pick.index, cmd);
        if (fclose(json) != 0) {
            fprintf(stderr, "tricolor tune: --json: writing '%s' failed\n", o.json);
            status = 1;
        }
    }
    if (o.png) {
        char err[512];
        if (!write_png(&o, cfgs, n, pick.index, nfront, o.png, err, sizeof err)) {
            fprintf(stderr, "tricolor tune: --png: %s\n", err);
            status = 1;
        }
    }
    free(cfgs);
    return status;
}
