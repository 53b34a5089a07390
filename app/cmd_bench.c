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
#include <math.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "values.h"
#include "commands.h"
#include "knobs.h"
#include "measure.h"
#include "registry.h"
#include "runner.h"

#define MAX_COLLECTORS 3
#define MAX_REPEAT     100

static const char *const C = "bench";

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
    bool progress, dry_run;
} bench_opts;

static void usage(FILE *f) {
    fprintf(f, "usage: tricolor bench [options]\n"
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
               "  --dry-run               print the collector settings the flags make, run nothing\n"
               "\n"
               "Tricolor's knobs (the same in view, record, tune and record scripts):\n");
    knob_help(f);
    fprintf(f, "\n"
               "Boehm's:\n"
               "  --boehm-markers N       marker threads (default 1: the same one core as Tricolor)\n"
               "  --boehm-time-limit MS   boehm-inc: GC_set_time_limit (default 1)\n"
               "\n"
               "Measurement:\n"
               "  --pause-threshold US    log operations at least this long as pauses (default 1)\n"
               "  --cpu N                 pin each run to CPU N (default: not pinned; collection is single-\n"
               "                          threaded on both sides, so GC work uses one core either way)\n"
               "  --hiccup S              before each timed run, spin S seconds reading the clock and report\n"
               "                          the gaps: the machine's own stalls, beside the collectors' pauses\n"
               "                          (default 1; 0 = off)\n"
               "\n"
               "Environment: TRICOLOR_SLOW_OS_US=N adds N us to every memory system call Tricolor makes\n"
               "(the slow-OS mode: with the memory thread on, its pauses should not change).\n");
}

/* ---------- output ---------- */

/* One row of the table: the figure in each column, then each column's
 * ratio to the reference column (the first Boehm one). */
static void print_row(fig_id id, const figures *med, size_t ncol, int ref) {
    printf("  %-22s", figure_defs[id].label);
    for (size_t c = 0; c < ncol; c++) {
        char buf[32];
        figure_fmt(id, med[c].v[id], buf, sizeof buf);
        printf(" %14s", buf);
    }
    if (ref >= 0 && ncol > 1) {
        double r = med[ref].v[id];
        for (size_t c = 0; c < ncol; c++) {
            if ((int)c == ref) continue;
            if (r != 0 && isfinite(med[c].v[id] / r))
                printf(" %11.2fx", med[c].v[id] / r);
            else
                printf(" %12s", "-");
        }
    }
    printf("\n");
}

static void print_table(const bench_opts *o, const wl_info *wl, const figures *med, size_t ncol) {
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
    for (int id = 0; id < FIG_N; id++) print_row((fig_id)id, med, ncol, ref);
    printf("  %-22s", "checksum");
    for (size_t c = 0; c < ncol; c++) printf(" %14llx", (unsigned long long)med[c].checksum);
    printf("   (equal)\n");
    for (size_t c = 0; c < ncol; c++) {
        const char *name = collector_names[o->collectors[c]];
        if (med[c].gc_cpu_partial)
            printf("  note: %s's GC CPU counts only collections that fire events; its incremental steps and lazy "
                   "sweeping fire none.\n",
                   name);
        if (!med[c].mem_syscalls_known)
            printf("  note: %s's memory system calls are not counted (shown as 0).\n", name);
    }
}

static void json_run(FILE *f, const bench_opts *o, collector_kind k, const figures *x) {
    fprintf(f, "{\"collector\":\"%s\",\"barrier\":\"%s\",", collector_names[k],
            k == COL_TRICOLOR ? tc_barrier_name(o->base.tc.barrier) : "none");
    figures_json(f, x);
    fprintf(f, "}");
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
        if (csv)
            fprintf(csv, "%s,%s,%d,%.3f,%.3f,%s,%llu\n", wl->name, col, rep + 1, start_us, dur_us, phase,
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

/* ---------- argument parsing ---------- */

static void parse_collectors(bench_opts *o, const char *list) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    o->ncollectors = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int k = collector_parse(tok);
        if (k < 0) cli_fail(C, "--collector: unknown collector '%s' (valid: tricolor, boehm, boehm-inc)", tok);
        for (size_t i = 0; i < o->ncollectors; i++)
            if (o->collectors[i] == (collector_kind)k) cli_fail(C, "--collector: '%s' given twice", tok);
        o->collectors[o->ncollectors++] = (collector_kind)k;
    }
    if (o->ncollectors == 0) cli_fail(C, "--collector: give at least one of tricolor, boehm, boehm-inc");
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
    o->base.hiccup_ns = 1000000000u; /* 1 s of the machine's own stalls before each timed run */
    o->base.cpu = -1; /* pinning measured ~50% slower for both on this VM; one marker is what keeps GC on one core */
    o->progress = isatty(2);
    knob_mask given = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            usage(stdout);
            exit(0);
        } else if (knob_arg(C, &o->base.tc, &given, argc, argv, &i)) {
            continue;
        } else if (cli_run_arg(C, argc, argv, &i, &o->size, &o->seed)) {
            continue;
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
        } else if (!strcmp(a, "--dry-run")) {
            o->dry_run = true;
        } else if (!strcmp(a, "--boehm-markers")) {
            o->base.boehm_markers = (int)cli_int(C, a, cli_value(C, argc, argv, &i), 1, 64);
        } else if (!strcmp(a, "--boehm-time-limit")) {
            o->base.boehm_time_limit_ms = (int)cli_int(C, a, cli_value(C, argc, argv, &i), 1, 100000);
        } else if (!strcmp(a, "--pause-threshold")) {
            o->base.threshold_ns = (uint64_t)cli_int(C, a, cli_value(C, argc, argv, &i), 0, 1000000) * 1000u;
        } else if (!strcmp(a, "--cpu")) {
            o->base.cpu = (int)cli_int(C, a, cli_value(C, argc, argv, &i), -1, CPU_SETSIZE - 1);
        } else if (!strcmp(a, "--hiccup")) {
            const char *v = cli_value(C, argc, argv, &i);
            double sec;
            if (!value_seconds(v, &sec) || sec < 0 || sec > 60)
                cli_fail(C, "--hiccup: '%s' is not a duration from 0 to 60 seconds (e.g. 1, 0.5 or 2s; 0 = off)", v);
            o->base.hiccup_ns = (uint64_t)(sec * 1e9);
        } else {
            cli_fail(C, "unknown option '%s'", a);
        }
    }
    const char *bad = knob_settle(&o->base.tc, given);
    if (bad) cli_fail(C, "invalid collector settings: %s", bad);
}

/* ---------- the run ---------- */

/* What the measuring step reports back while one collector runs. */
typedef struct run_ctx {
    const bench_opts *o;
    const wl_info *wl;
    const run_config *cfg;
    size_t wi;
    int done, total;
    FILE *csv, *trace;
    bool *trace_first;
} run_ctx;

static void on_progress(void *user, int rep, int timed) {
    run_ctx *x = user;
    (void)rep;
    if (x->o->progress)
        fprintf(stderr, "\r\033[K[%d/%d] %s on %s, %s run %d/%d", x->done + 1, x->total, x->wl->name,
                collector_names[x->cfg->kind], timed ? "timed" : "untimed", rep + 1, x->o->repeat);
    x->done++;
}

static void on_timed(void *user, int rep, const run_result *tim) {
    run_ctx *x = user;
    write_pause_logs(x->csv, x->trace, x->trace_first, x->wl, x->cfg, rep, x->wi, tim);
}

static void print_header(const bench_opts *o) {
    const tc_config *tc = &o->base.tc;
    char pacing[64] = "";
    if (tc->pause_target_usec)
        snprintf(pacing, sizeof pacing, ", auto-pacer to %u us (step is the starting point)", tc->pause_target_usec);
    char guard[96] = ", utilization guard off";
    if (tc->mmu_pct)
        snprintf(guard, sizeof guard, ", utilization guard: the mutator keeps %u%% of any %.4g ms", tc->mmu_pct,
                 (double)tc->mmu_window_usec / 1000);
    printf("tricolor bench: each collector in its own process%s; GC work on one core (Boehm with %d marker%s%s);\n",
           o->base.cpu >= 0 ? ", pinned to one CPU" : "", o->base.boehm_markers, o->base.boehm_markers > 1 ? "s" : "",
           o->base.boehm_markers > 1 ? ": parallel marking, NOT one core" : "");
    printf("a pause is an allocation, store or step that held the mutator >= %.0f us, timed from outside the same\n"
           "way for both; pause figures come from timed runs, throughput figures from separate untimed runs.\n"
           "Tricolor: barrier %s, step %u %s, trigger %u%%, runway %u%%%s%s.\n",
           (double)o->base.threshold_ns / 1000, tc_barrier_name(tc->barrier),
           tc->budget_unit == TC_BUDGET_WORK ? tc->step_work : tc->step_usec,
           tc->budget_unit == TC_BUDGET_WORK ? "work units" : "us", tc->trigger_pct, tc->runway_pct, pacing, guard);
    printf("Tricolor's memory thread: %s.", tc->mem_thread ? "on (pages pre-faulted, memory returned off the mutator)"
                                                           : "off (the mutator maps and returns memory itself)");
    if (o->base.hiccup_ns)
        printf(" Each timed run first spins %.1f s to record the machine's own stalls.",
               (double)o->base.hiccup_ns / 1e9);
    printf("\n");
    const char *slow = getenv("TRICOLOR_SLOW_OS_US");
    if (slow && *slow)
        printf("SLOW-OS MODE: TRICOLOR_SLOW_OS_US=%s adds that many us to every memory system call Tricolor makes.\n",
               slow);
}

/* Runs every collector o->repeat times on wl, alternating A B A B, into
 * med[] (medians). False with a message on stderr if a run failed or the
 * checksums differ. */
static bool bench_workload(const bench_opts *o, size_t w, run_ctx *x, figures *med) {
    const wl_info *wl = o->workloads[w];
    size_t nc = o->ncollectors;
    figures *runs = calloc(nc * (size_t)o->repeat, sizeof *runs);
    if (!runs) cli_fail(C, "out of memory");
    bool ok = true;
    char err[256];
    for (int r = 0; r < o->repeat && ok; r++)
        for (size_t c = 0; c < nc && ok; c++) {
            run_config cfg = o->base;
            cfg.kind = o->collectors[c];
            cfg.wl = wl;
            cfg.size = o->size;
            cfg.seed = o->seed;
            x->wl = wl, x->cfg = &cfg, x->wi = w;
            measure_hooks h = {on_progress, on_timed, x};
            ok = measure_once(&cfg, r, &h, &runs[(size_t)r * nc + c], err, sizeof err);
            if (!ok) {
                if (o->progress) fprintf(stderr, "\r\033[K");
                fprintf(stderr, "tricolor bench: %s\n", err);
            }
        }
    if (o->progress) fprintf(stderr, "\r\033[K");
    /* Same work on every collector, or nothing here can be compared. */
    for (size_t i = 1; ok && i < nc * (size_t)o->repeat; i++)
        if (runs[i].checksum != runs[0].checksum) {
            fprintf(
                stderr,
                "tricolor bench: %s: checksums differ (%s %016llx, %s %016llx): the runs did not do the same work\n",
                wl->name, collector_names[o->collectors[0]], (unsigned long long)runs[0].checksum,
                collector_names[o->collectors[i % nc]], (unsigned long long)runs[i].checksum);
            ok = false;
        }
    if (ok) {
        figures *col = malloc((size_t)o->repeat * sizeof *col);
        if (!col) cli_fail(C, "out of memory");
        for (size_t c = 0; c < nc; c++) {
            for (int r = 0; r < o->repeat; r++) col[r] = runs[(size_t)r * nc + c];
            figures_combine(col, o->repeat, &med[c]);
        }
        free(col);
    }
    free(runs);
    return ok;
}

int cmd_bench(int argc, char **argv) {
    bench_opts o;
    parse(&o, argc, argv);
    if (o.dry_run) {
        knob_dry_run(C, &o.base.tc);
        return 0;
    }
    /* Open outputs first: a bad path fails before minutes of benchmarking. */
    FILE *json = o.json ? cli_open_output(C, "--json", o.json) : NULL;
    FILE *csv = o.csv ? cli_open_output(C, "--csv", o.csv) : NULL;
    FILE *trace = o.trace ? cli_open_output(C, "--trace", o.trace) : NULL;
    if (csv) fprintf(csv, "workload,collector,repeat,start_us,duration_us,phase,work\n");
    if (trace) fprintf(trace, "{\"traceEvents\":[\n");
    bool trace_first = true;
    print_header(&o);

    if (json) fprintf(json, o.nworkloads > 1 ? "[\n" : "");
    int status = 0;
    run_ctx x = {.o = &o,
                 .total = (int)(o.nworkloads * o.ncollectors) * o.repeat * 2,
                 .csv = csv,
                 .trace = trace,
                 .trace_first = &trace_first};
    for (size_t w = 0; w < o.nworkloads; w++) {
        const wl_info *wl = o.workloads[w];
        figures med[MAX_COLLECTORS];
        if (!bench_workload(&o, w, &x, med)) {
            status = 1;
            continue;
        }
        print_table(&o, wl, med, o.ncollectors);
        if (json) {
            fprintf(json, "%s{\"workload\":\"%s\",\"size\":\"%s\",\"seed\":%llu,\"repeat\":%d,\"passes\":%d,\"runs\":[",
                    w ? ",\n" : "", wl->name, wl_size_names[o.size], (unsigned long long)o.seed, o.repeat,
                    o.base.passes);
            for (size_t c = 0; c < o.ncollectors; c++) {
                if (c) fprintf(json, ",");
                json_run(json, &o, o.collectors[c], &med[c]);
            }
            fprintf(json, "]}");
        }
    }
    if (json) {
        fprintf(json, o.nworkloads > 1 ? "\n]\n" : "\n");
        if (fclose(json) != 0) cli_fail(C, "--json: writing '%s' failed", o.json);
    }
    if (csv && fclose(csv) != 0) cli_fail(C, "--csv: writing '%s' failed", o.csv);
    if (trace) {
        fprintf(trace, "\n],\"displayTimeUnit\":\"ms\"}\n");
        if (fclose(trace) != 0) cli_fail(C, "--trace: writing '%s' failed", o.trace);
    }
    return status;
}
