/*
 * cmd_bench.c — `tricolor bench`: the same workloads on Tricolor and Boehm,
 * pause times and CPU cost side by side.
 *
 * How the comparison is made (and printed with every table):
 *  - each collector runs in a child process of its own; collection work is
 *    single-threaded on both sides (Boehm with one marker unless
 *    --boehm-markers says otherwise), so it uses one core. Pinning the
 *    process (--cpu) is optional: on this VM it made both ~50% slower;
 *  - the same workload code, seed and size on both; checksums must match,
 *    or the run is an error;
 *  - a pause is time the mutator spent inside one allocation, store or
 *    explicit step, timed from outside identically for both collectors and
 *    logged when it reaches --pause-threshold (default 1 us). Timing every
 *    operation costs more than 2% of a run, so pause figures come from a
 *    timed run and throughput figures (wall, CPU, heap) from a separate
 *    untimed run of the same configuration;
 *  - with --repeat N the collectors alternate A B A B and the table shows
 *    medians.
 */
#include <math.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "metrics.h"
#include "registry.h"
#include "runner.h"

#define MAX_COLLECTORS 3
#define MAX_REPEAT 100

typedef struct figures {
    double wall_ms, cpu_ms, gc_cpu_ms, gc_share, peak_heap_mib, peak_rss_mib, alloc_mib_s;
    double count, p50_us, p95_us, p99_us, p999_us, max_us;
    double mmu[METRICS_NWINDOWS], bmu[METRICS_NWINDOWS];
    double own_max_us, timing_overhead_pct, collections;
    bool gc_cpu_partial;
    uint64_t checksum;
} figures;

typedef struct bench_opts {
    const wl_info *workloads[64];
    size_t nworkloads;
    collector_kind collectors[MAX_COLLECTORS];
    size_t ncollectors;
    int size;
    uint64_t seed;
    int repeat;
    const char *json, *csv, *trace;
    run_config base;
    bool progress;
} bench_opts;

static void usage(FILE *f) {
    fprintf(f,
            "usage: tricolor bench [options]\n"
            "\n"
            "Runs workloads on Tricolor's collector and on the Boehm GC and prints pause times\n"
            "(percentiles, MMU, BMU), GC CPU cost, wall time and heap size side by side.\n"
            "\n"
            "  --workload NAME|all     workload to run (default gcbench; see 'tricolor list')\n"
            "  --collector LIST        comma-separated: tricolor, boehm, boehm-inc (default tricolor,boehm)\n"
            "  --size S                small, default or large (default: default)\n"
            "  --seed N                workload seed (default 1)\n"
            "  --repeat N              runs per collector, alternating; the table shows medians (default 1)\n"
            "  --passes N              run the workload N times in one heap per run, as 'view' loops it\n"
            "                          (default 1)\n"
            "  --json FILE             write every figure as JSON\n"
            "  --csv FILE              write the full pause log as CSV\n"
            "  --trace FILE            write a Chrome trace (open in Perfetto or chrome://tracing)\n"
            "\n"
            "Tricolor's knobs:\n"
            "  --barrier B             dijkstra, steele, yuasa or stw (default dijkstra)\n"
            "  --step-work N           increment budget in work units (default 4000)\n"
            "  --step-us N             increment budget in microseconds instead of work units\n"
            "  --trigger PCT           start a cycle when the heap grew PCT%% over live (default 100)\n"
            "  --runway PCT            finish a cycle before the heap grows PCT%% more (default 75)\n"
            "  --heap-limit SIZE       heap limit, e.g. 512M (default: none)\n"
            "  --pause-target US       auto-pacer: the collector sizes its own increments to keep them\n"
            "                          under US microseconds (e.g. 200us, 1ms; default: off)\n"
            "\n"
            "Boehm's:\n"
            "  --boehm-markers N       marker threads (default 1: the same one core as Tricolor)\n"
            "  --boehm-time-limit MS   boehm-inc: GC_set_time_limit (default 1)\n"
            "\n"
            "Measurement:\n"
            "  --pause-threshold US    log operations at least this long as pauses (default 1)\n"
            "  --cpu N                 pin each run to CPU N (default: not pinned; collection is single-\n"
            "                          threaded on both sides, so GC work uses one core either way)\n");
}

/* ---------- statistics over repeats ---------- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_of(double *v, int n) {
    if (n <= 0) return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The median of every field, field by field. */
static void median_figures(const figures *runs, int n, figures *out) {
    const size_t nd = offsetof(figures, gc_cpu_partial) / sizeof(double);
    double *vals = malloc((size_t)n * sizeof *vals);
    for (size_t f = 0; f < nd; f++) {
        for (int r = 0; r < n; r++) vals[r] = ((const double *)&runs[r])[f];
        ((double *)out)[f] = median_of(vals, n);
    }
    free(vals);
    out->gc_cpu_partial = runs[0].gc_cpu_partial;
    out->checksum = runs[0].checksum;
}

/* ---------- one repeat of one collector ---------- */

static metrics_pause *to_metrics(const run_result *r, size_t *n) {
    metrics_pause *p = malloc((r->npauses ? r->npauses : 1) * sizeof *p);
    for (size_t i = 0; i < r->npauses; i++) p[i] = (metrics_pause){r->pauses[i].start_ns, r->pauses[i].dur_ns};
    *n = metrics_normalize(p, r->npauses);
    return p;
}

static void compute_figures(const run_result *thr, const run_result *tim, figures *f) {
    memset(f, 0, sizeof *f);
    f->wall_ms = (double)thr->wall_ns / 1e6;
    f->cpu_ms = (double)thr->cpu_ns / 1e6;
    f->gc_cpu_ms = (double)thr->gc_cpu_ns / 1e6;
    f->gc_cpu_partial = thr->gc_cpu_partial;
    f->peak_heap_mib = (double)thr->peak_heap_bytes / (1 << 20);
    f->peak_rss_mib = (double)thr->peak_rss_bytes / (1 << 20);
    f->alloc_mib_s = thr->wall_ns ? (double)thr->alloc_bytes / (1 << 20) / ((double)thr->wall_ns / 1e9) : 0;
    f->collections = (double)thr->collections;
    f->own_max_us = (double)thr->own_max_pause_ns / 1e3;
    f->checksum = thr->checksum;
    f->timing_overhead_pct = thr->wall_ns ? 100.0 * ((double)tim->wall_ns - (double)thr->wall_ns) / (double)thr->wall_ns : 0;
    size_t n;
    metrics_pause *p = to_metrics(tim, &n);
    metrics_summary s;
    metrics_summarize(p, n, &s);
    f->count = (double)s.count;
    f->p50_us = s.p50_us;
    f->p95_us = s.p95_us;
    f->p99_us = s.p99_us;
    f->p999_us = s.p999_us;
    f->max_us = s.max_us;
    f->gc_share = tim->wall_ns ? s.total_us * 1e3 / (double)tim->wall_ns : 0;
    for (int w = 0; w < METRICS_NWINDOWS; w++) {
        f->mmu[w] = metrics_mmu(p, n, tim->t0_ns, tim->t1_ns, metrics_windows_ns[w]);
        f->bmu[w] = metrics_bmu(p, n, tim->t0_ns, tim->t1_ns, metrics_windows_ns[w]);
    }
    free(p);
}

/* ---------- output ---------- */

typedef enum { F_INT, F_US, F_MS, F_MIB, F_RATIO, F_PCT, F_RATE } fkind;

static void print_row(const char *label, fkind kind, const double *vals, size_t ncol, int ref) {
    printf("  %-22s", label);
    for (size_t c = 0; c < ncol; c++) {
        char buf[32];
        double v = vals[c];
        switch (kind) {
        case F_INT: snprintf(buf, sizeof buf, "%.0f", v); break;
        case F_US: cli_fmt_us(buf, sizeof buf, v); break;
        case F_MS: snprintf(buf, sizeof buf, "%.1f ms", v); break;
        case F_MIB: snprintf(buf, sizeof buf, "%.1f MiB", v); break;
        case F_RATIO: snprintf(buf, sizeof buf, "%.3f", v); break;
        case F_PCT: snprintf(buf, sizeof buf, "%.1f%%", v * 100); break;
        case F_RATE: snprintf(buf, sizeof buf, "%.0f MiB/s", v); break;
        }
        printf(" %14s", buf);
    }
    if (ref >= 0 && ncol > 1) {
        for (size_t c = 0; c < ncol; c++) {
            if ((int)c == ref) continue;
            if (vals[ref] != 0 && isfinite(vals[c] / vals[ref]))
                printf(" %11.2fx", vals[c] / vals[ref]);
            else
                printf(" %12s", "-");
        }
    }
    printf("\n");
}

static void print_table(const bench_opts *o, const wl_info *wl, figures *med, size_t ncol) {
    int ref = -1; /* ratios against the first Boehm column */
    for (size_t c = 0; c < ncol; c++)
        if (o->collectors[c] != COL_TRICOLOR) {
            ref = (int)c;
            break;
        }
    printf("\n%s (size %s, seed %llu%s): %s of %d run%s each\n", wl->name, wl_size_names[o->size],
           (unsigned long long)o->seed, o->base.passes > 1 ? ", several passes a run" : "",
           o->repeat > 1 ? "median" : "figures", o->repeat, o->repeat > 1 ? "s" : "");
    printf("  %-22s", "");
    for (size_t c = 0; c < ncol; c++) printf(" %14s", collector_names[o->collectors[c]]);
    if (ref >= 0)
        for (size_t c = 0; c < ncol; c++)
            if ((int)c != ref) {
                char h[40];
                snprintf(h, sizeof h, "%s/%s", collector_names[o->collectors[c]], collector_names[o->collectors[ref]]);
                printf(" %12s", c == 0 && o->collectors[c] == COL_TRICOLOR ? "tri/boehm" : h);
            }
    printf("\n");
    double v[MAX_COLLECTORS];
#define ROW(label, kind, expr)                                   \
    do {                                                         \
        for (size_t c = 0; c < ncol; c++) v[c] = med[c].expr;    \
        print_row(label, kind, v, ncol, ref);                    \
    } while (0)
    ROW("pauses", F_INT, count);
    ROW("p50 pause", F_US, p50_us);
    ROW("p95 pause", F_US, p95_us);
    ROW("p99 pause", F_US, p99_us);
    ROW("p99.9 pause", F_US, p999_us);
    ROW("max pause", F_US, max_us);
    for (int w = 0; w < METRICS_NWINDOWS; w++) {
        char label[32];
        snprintf(label, sizeof label, "MMU %s", metrics_window_names[w]);
        ROW(label, F_RATIO, mmu[w]);
    }
    for (int w = 0; w < METRICS_NWINDOWS; w++) {
        char label[32];
        snprintf(label, sizeof label, "BMU %s", metrics_window_names[w]);
        ROW(label, F_RATIO, bmu[w]);
    }
    ROW("GC share of wall", F_PCT, gc_share);
    ROW("GC CPU", F_MS, gc_cpu_ms);
    ROW("wall", F_MS, wall_ms);
    ROW("CPU", F_MS, cpu_ms);
    ROW("peak heap", F_MIB, peak_heap_mib);
    ROW("peak RSS", F_MIB, peak_rss_mib);
    ROW("allocation rate", F_RATE, alloc_mib_s);
    ROW("collections", F_INT, collections);
    ROW("own max pause", F_US, own_max_us);
#undef ROW
    printf("  %-22s", "checksum");
    for (size_t c = 0; c < ncol; c++) printf(" %14llx", (unsigned long long)med[c].checksum);
    printf("   (equal)\n");
    printf("  %-22s", "timing overhead");
    for (size_t c = 0; c < ncol; c++) printf(" %13.1f%%", med[c].timing_overhead_pct);
    printf("\n");
    for (size_t c = 0; c < ncol; c++)
        if (med[c].gc_cpu_partial)
            printf("  note: %s's GC CPU counts only collections that fire events; its incremental steps and lazy "
                   "sweeping fire none.\n",
                   collector_names[o->collectors[c]]);
}

static void json_figures(FILE *f, const bench_opts *o, collector_kind k, const figures *x) {
    fprintf(f, "{\"collector\":\"%s\",\"barrier\":\"%s\",\"wall_ms\":%.3f,\"cpu_ms\":%.3f,\"gc_cpu_ms\":%.3f,",
            collector_names[k], k == COL_TRICOLOR ? tc_barrier_name(o->base.tc.barrier) : "none", x->wall_ms,
            x->cpu_ms, x->gc_cpu_ms);
    fprintf(f, "\"gc_share\":%.6f,\"peak_heap_bytes\":%.0f,\"peak_rss_bytes\":%.0f,\"checksum\":\"%016llx\",",
            x->gc_share, x->peak_heap_mib * (1 << 20), x->peak_rss_mib * (1 << 20), (unsigned long long)x->checksum);
    fprintf(f, "\"alloc_mib_per_s\":%.3f,\"collections\":%.0f,\"timing_overhead_pct\":%.3f,", x->alloc_mib_s,
            x->collections, x->timing_overhead_pct);
    fprintf(f, "\"pauses\":{\"count\":%.0f,\"p50_us\":%.3f,\"p95_us\":%.3f,\"p99_us\":%.3f,\"p999_us\":%.3f,\"max_us\":%.3f},",
            x->count, x->p50_us, x->p95_us, x->p99_us, x->p999_us, x->max_us);
    fprintf(f, "\"mmu\":{");
    for (int w = 0; w < METRICS_NWINDOWS; w++)
        fprintf(f, "%s\"%s\":%.6f", w ? "," : "", metrics_window_names[w], x->mmu[w]);
    fprintf(f, "},\"bmu\":{");
    for (int w = 0; w < METRICS_NWINDOWS; w++)
        fprintf(f, "%s\"%s\":%.6f", w ? "," : "", metrics_window_names[w], x->bmu[w]);
    fprintf(f, "}}");
}

/* The timed run's pauses, labeled with the collector phase inside each.
 * In the trace each workload is a process and each collector a thread
 * (track) of it, named; times are relative to the run's start. */
static void write_pause_logs(FILE *csv, FILE *trace, bool *first, const wl_info *wl, const run_config *cfg, int rep,
                             size_t wi, const run_result *tim) {
    const char *col = collector_names[cfg->kind];
    if (trace && rep == 0) {
        fprintf(trace,
                "%s{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%zu,\"args\":{\"name\":\"%s\"}},\n"
                "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%zu,\"tid\":%d,\"args\":{\"name\":\"%s\"}}",
                *first ? "" : ",\n", wi + 1, wl->name, wi + 1, (int)cfg->kind + 1, col);
        *first = false;
    }
    for (size_t i = 0; i < tim->npauses; i++) {
        const oplog_entry *e = &tim->pauses[i];
        uint64_t work;
        const char *phase = run_pause_phase(tim, e, &work);
        double start_us = (double)(e->start_ns - tim->t0_ns) / 1e3, dur_us = (double)e->dur_ns / 1e3;
        if (csv) fprintf(csv, "%s,%s,%d,%.3f,%.3f,%s,%llu\n", wl->name, col, rep + 1, start_us, dur_us, phase,
                         (unsigned long long)work);
        if (trace && rep == 0) {
            fprintf(trace,
                    ",\n{\"name\":\"%s\",\"cat\":\"pause\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,\"pid\":%zu,"
                    "\"tid\":%d,\"args\":{\"op\":\"%s\",\"work\":%llu}}",
                    phase, start_us, dur_us, wi + 1, (int)cfg->kind + 1, oplog_op_name(e->op),
                    (unsigned long long)work);
        }
    }
}

/* ---------- argument parsing ---------- */

static void parse_collectors(bench_opts *o, const char *list) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    o->ncollectors = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int k = collector_parse(tok);
        if (k < 0) cli_fail("bench", "--collector: unknown collector '%s' (valid: tricolor, boehm, boehm-inc)", tok);
        for (size_t i = 0; i < o->ncollectors; i++)
            if (o->collectors[i] == (collector_kind)k) cli_fail("bench", "--collector: '%s' given twice", tok);
        o->collectors[o->ncollectors++] = (collector_kind)k;
    }
    if (o->ncollectors == 0) cli_fail("bench", "--collector: give at least one of tricolor, boehm, boehm-inc");
}

static void parse(bench_opts *o, int argc, char **argv) {
    memset(o, 0, sizeof *o);
    o->workloads[0] = wl_find("gcbench");
    o->nworkloads = 1;
    o->collectors[0] = COL_TRICOLOR;
    o->collectors[1] = COL_BOEHM;
    o->ncollectors = 2;
    o->size = 1; /* default */
    o->seed = 1;
    o->repeat = 1;
    tc_config_default(&o->base.tc);
    o->base.boehm_markers = 1;
    o->base.boehm_time_limit_ms = 1;
    o->base.threshold_ns = 1000;
    o->base.passes = 1;
    o->base.cpu = -1; /* pinning measured ~50% slower for both on this VM; one marker is what keeps GC on one core */
    o->progress = isatty(2);
    const char *C = "bench";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--workload")) {
            const char *v = cli_value(C, argc, argv, &i);
            if (!strcmp(v, "all")) {
                o->nworkloads = wl_count;
                for (size_t k = 0; k < wl_count; k++) o->workloads[k] = &wl_table[k];
            } else {
                const wl_info *w = wl_find(v);
                if (!w) cli_fail(C, "--workload: unknown workload '%s' (valid: %s, all)", v, wl_names());
                o->workloads[0] = w;
                o->nworkloads = 1;
            }
        } else if (!strcmp(a, "--collector")) {
            parse_collectors(o, cli_value(C, argc, argv, &i));
        } else if (!strcmp(a, "--size")) {
            o->size = cli_wl_size(C, "--size", cli_value(C, argc, argv, &i));
        } else if (!strcmp(a, "--seed")) {
            o->seed = (uint64_t)cli_int(C, a, cli_value(C, argc, argv, &i), 0, INT64_MAX);
        } else if (!strcmp(a, "--passes")) {
            o->base.passes = (int)cli_int(C, a, cli_value(C, argc, argv, &i), 1, 1000);
        } else if (!strcmp(a, "--repeat")) {
            o->repeat = (int)cli_int(C, a, cli_value(C, argc, argv, &i), 1, MAX_REPEAT);
        } else if (!strcmp(a, "--json")) {
            o->json = cli_value(C, argc, argv, &i);
        } else if (!strcmp(a, "--csv")) {
            o->csv = cli_value(C, argc, argv, &i);
        } else if (!strcmp(a, "--trace")) {
            o->trace = cli_value(C, argc, argv, &i);
        } else if (!strcmp(a, "--barrier")) {
            const char *v = cli_value(C, argc, argv, &i);
            if (!tc_barrier_parse(v, &o->base.tc.barrier))
                cli_fail(C, "--barrier: unknown barrier '%s' (valid: dijkstra, steele, yuasa, stw)", v);
        } else if (!strcmp(a, "--step-work")) {
            o->base.tc.step_work = (uint32_t)cli_int(C, a, cli_value(C, argc, argv, &i), 1, 100000000);
            o->base.tc.budget_unit = TC_BUDGET_WORK;
        } else if (!strcmp(a, "--step-us")) {
            o->base.tc.step_usec = (uint32_t)cli_int(C, a, cli_value(C, argc, argv, &i), 1, 10000000);
            o->base.tc.budget_unit = TC_BUDGET_USEC;
        } else if (!strcmp(a, "--trigger")) {
            o->base.tc.trigger_pct = (uint32_t)cli_int(C, a, cli_value(C, argc, argv, &i), 10, 1000);
        } else if (!strcmp(a, "--runway")) {
            o->base.tc.runway_pct = (uint32_t)cli_int(C, a, cli_value(C, argc, argv, &i), 5, 1000);
        } else if (!strcmp(a, "--pause-target")) {
            o->base.tc.pause_target_usec = (uint32_t)cli_usec(C, a, cli_value(C, argc, argv, &i), 10, 1000000);
        } else if (!strcmp(a, "--heap-limit")) {
            o->base.tc.heap_limit = cli_bytes(C, a, cli_value(C, argc, argv, &i), 1 << 20, (uint64_t)1 << 40);
        } else if (!strcmp(a, "--boehm-markers")) {
            o->base.boehm_markers = (int)cli_int(C, a, cli_value(C, argc, argv, &i), 1, 64);
        } else if (!strcmp(a, "--boehm-time-limit")) {
            o->base.boehm_time_limit_ms = (int)cli_int(C, a, cli_value(C, argc, argv, &i), 1, 100000);
        } else if (!strcmp(a, "--pause-threshold")) {
            o->base.threshold_ns = (uint64_t)cli_int(C, a, cli_value(C, argc, argv, &i), 0, 1000000) * 1000u;
        } else if (!strcmp(a, "--cpu")) {
            o->base.cpu = (int)cli_int(C, a, cli_value(C, argc, argv, &i), -1, CPU_SETSIZE - 1);
        } else {
            cli_fail(C, "unknown option '%s'", a);
        }
    }
    if (o->base.tc.heap_limit && o->base.tc.min_heap > o->base.tc.heap_limit) o->base.tc.min_heap = o->base.tc.heap_limit / 2;
    const char *bad = tc_config_check(&o->base.tc);
    if (bad) cli_fail(C, "invalid collector settings: %s", bad);
}

/* ---------- the run ---------- */

int cmd_bench(int argc, char **argv) {
    bench_opts o;
    parse(&o, argc, argv);
    /* Open outputs first: a bad path fails before minutes of benchmarking. */
    FILE *json = o.json ? cli_open_output("bench", "--json", o.json) : NULL;
    FILE *csv = o.csv ? cli_open_output("bench", "--csv", o.csv) : NULL;
    FILE *trace = o.trace ? cli_open_output("bench", "--trace", o.trace) : NULL;
    if (csv) fprintf(csv, "workload,collector,repeat,start_us,duration_us,phase,work\n");
    if (trace) fprintf(trace, "{\"traceEvents\":[\n");
    bool trace_first = true;

    char pacing[64] = "";
    if (o.base.tc.pause_target_usec)
        snprintf(pacing, sizeof pacing, ", auto-pacer to %u us (step is the starting point)", o.base.tc.pause_target_usec);
    printf("tricolor bench: each collector in its own process%s; GC work on one core (Boehm with %d marker%s%s);\n",
           o.base.cpu >= 0 ? ", pinned to one CPU" : "", o.base.boehm_markers, o.base.boehm_markers > 1 ? "s" : "",
           o.base.boehm_markers > 1 ? ": parallel marking, NOT one core" : "");
    printf("a pause is an allocation, store or step that held the mutator >= %.0f us, timed from outside the same\n"
           "way for both; pause figures come from timed runs, throughput figures from separate untimed runs.\n"
           "Tricolor: barrier %s, step %u %s, trigger %u%%, runway %u%%%s.\n",
           (double)o.base.threshold_ns / 1000, tc_barrier_name(o.base.tc.barrier),
           o.base.tc.budget_unit == TC_BUDGET_WORK ? o.base.tc.step_work : o.base.tc.step_usec,
           o.base.tc.budget_unit == TC_BUDGET_WORK ? "work units" : "us", o.base.tc.trigger_pct, o.base.tc.runway_pct,
           pacing);

    if (json) fprintf(json, o.nworkloads > 1 ? "[\n" : "");
    int status = 0;
    int total = (int)(o.nworkloads * o.ncollectors) * o.repeat * 2, done = 0;
    for (size_t w = 0; w < o.nworkloads; w++) {
        const wl_info *wl = o.workloads[w];
        figures *runs = calloc(o.ncollectors * (size_t)o.repeat, sizeof *runs);
        bool failed = false;
        for (int r = 0; r < o.repeat && !failed; r++) {
            for (size_t c = 0; c < o.ncollectors && !failed; c++) {
                run_config cfg = o.base;
                cfg.kind = o.collectors[c];
                cfg.wl = wl;
                cfg.size = o.size;
                cfg.seed = o.seed;
                run_result thr, tim;
                for (int timed = 0; timed < 2; timed++) {
                    if (o.progress)
                        fprintf(stderr, "\r\033[K[%d/%d] %s on %s, %s run %d/%d", done + 1, total, wl->name,
                                collector_names[cfg.kind], timed ? "timed" : "untimed", r + 1, o.repeat);
                    cfg.timed = timed;
                    run_result *res = timed ? &tim : &thr;
                    if (!run_in_child(&cfg, res)) {
                        if (o.progress) fprintf(stderr, "\r\033[K");
                        fprintf(stderr, "tricolor bench: %s\n", res->error);
                        failed = true;
                        if (timed) run_result_free(&thr);
                        break;
                    }
                    done++;
                }
                if (failed) break;
                compute_figures(&thr, &tim, &runs[(size_t)r * o.ncollectors + c]);
                write_pause_logs(csv, trace, &trace_first, wl, &cfg, r, w, &tim);
                run_result_free(&thr);
                run_result_free(&tim);
            }
        }
        if (o.progress) fprintf(stderr, "\r\033[K");
        if (failed) {
            status = 1;
            free(runs);
            continue;
        }
        /* Same work on both collectors, or nothing here can be compared. */
        for (size_t i = 1; i < o.ncollectors * (size_t)o.repeat; i++)
            if (runs[i].checksum != runs[0].checksum) {
                fprintf(stderr, "tricolor bench: %s: checksums differ (%s %016llx, %s %016llx): the runs did not do the same work\n",
                        wl->name, collector_names[o.collectors[0]], (unsigned long long)runs[0].checksum,
                        collector_names[o.collectors[i % o.ncollectors]], (unsigned long long)runs[i].checksum);
                failed = true;
                break;
            }
        if (failed) {
            status = 1;
            free(runs);
            continue;
        }
        figures med[MAX_COLLECTORS];
        figures *col = malloc((size_t)o.repeat * sizeof *col);
        for (size_t c = 0; c < o.ncollectors; c++) {
            for (int r = 0; r < o.repeat; r++) col[r] = runs[(size_t)r * o.ncollectors + c];
            median_figures(col, o.repeat, &med[c]);
        }
        free(col);
        print_table(&o, wl, med, o.ncollectors);
        if (json) {
            fprintf(json, "%s{\"workload\":\"%s\",\"size\":\"%s\",\"seed\":%llu,\"repeat\":%d,\"passes\":%d,\"runs\":[",
                    w ? ",\n" : "", wl->name, wl_size_names[o.size], (unsigned long long)o.seed, o.repeat, o.base.passes);
            for (size_t c = 0; c < o.ncollectors; c++) {
                if (c) fprintf(json, ",");
                json_figures(json, &o, o.collectors[c], &med[c]);
            }
            fprintf(json, "]}");
        }
        free(runs);
    }
    if (json) {
        fprintf(json, o.nworkloads > 1 ? "\n]\n" : "\n");
        if (fclose(json) != 0) cli_fail("bench", "--json: writing '%s' failed", o.json);
    }
    if (csv && fclose(csv) != 0) cli_fail("bench", "--csv: writing '%s' failed", o.csv);
    if (trace) {
        fprintf(trace, "\n],\"displayTimeUnit\":\"ms\"}\n");
        if (fclose(trace) != 0) cli_fail("bench", "--trace: writing '%s' failed", o.trace);
    }
    return status;
}
