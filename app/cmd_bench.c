/*
 * cmd_bench.c — `tricolor bench`: the same workloads on Tricolor and Boehm,
 * pause times and CPU cost side by side.
 *
 * How the comparison is made (and printed with every table):
 *  - each collector runs in a child process of its own; collection work is
 *    single-threaded on both sides (Boehm with one marker unless
 *    --boehm-markers says otherwise), so it uses one core, except for the
 *    two collectors that mark beside or with more threads:
 *    tricolor-concurrent (a marker thread beside the mutator) and
 *    boehm-par (Boehm's parallel marker), whose GC CPU counts those
 *    threads too. Pinning the process (--cpu) is optional: on this VM it
 *    made both ~50% slower;
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
#include "values.h"
#include "commands.h"
#include "knobs.h"
#include "measure.h"
#include "registry.h"
#include "runner.h"

#define MAX_COLLECTORS COL_COUNT /* each at most once */
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
    const char *json, *csv, *csv_summary, *trace;
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
               "  --collector LIST        comma-separated (default tricolor,boehm):\n"
               "                            tricolor             Tricolor as its knobs say (incremental by default)\n"
               "                            tricolor-concurrent  the same knobs with --mode concurrent: a marker\n"
               "                                                 thread marks beside the mutator (--gc-cpu caps it)\n"
               "                            boehm                Boehm, stop-the-world, one marker (--boehm-markers)\n"
               "                            boehm-inc            Boehm's incremental mode (--boehm-time-limit)\n"
               "                            boehm-par            Boehm, stop-the-world, with its parallel marker:\n"
               "                                                 one marker a CPU available, at least 2\n"
               "  --size S                small, default or large (default: default)\n"
               "  --seed N                workload seed (default 1)\n"
               "  --repeat N              runs per collector, alternating; the table shows medians (default 1)\n"
               "  --passes N              run the workload N times in one heap per run, as 'view' loops it\n"
               "                          (default 1)\n"
               "  --json FILE             write every figure as JSON\n"
               "  --csv FILE              write the full pause log as CSV (a row a pause: its phase, work and\n"
               "                          reason: assist, handshake, flush, adopt, step, ...; tick 1 if the\n"
               "                          machine's periodic stall landed in it; own_us the collector's own\n"
               "                          time in it, by its clock)\n"
               "  --csv-summary FILE      write every figure as CSV, a row a workload and collector\n"
               "  --trace FILE            write a Chrome trace (open in Perfetto or chrome://tracing)\n"
               "  --dry-run               print the collector settings the flags make, run nothing\n"
               "\n"
               "Tricolor's knobs (the same in view, record, tune and record scripts):\n");
    knob_help(f);
    fprintf(f, "\n"
               "Boehm's:\n"
               "  --boehm-markers N       boehm, boehm-inc: marker threads (default 1: the same one core as\n"
               "                          Tricolor's incremental mode)\n"
               "  --boehm-time-limit MS   boehm-inc: GC_set_time_limit (default 1)\n"
               "\n"
               "Measurement:\n"
               "  --pause-threshold US    log operations at least this long as pauses (default 1)\n"
               "  --cpu N                 pin each run to CPU N (default: not pinned; collection is single-\n"
               "                          threaded on both sides, so GC work uses one core either way); with\n"
               "                          one CPU Tricolor starts neither its memory thread nor its marker\n"
               "  --hiccup S              before each timed run, spin S seconds reading the clock and report\n"
               "                          the gaps: the machine's own stalls, beside the collectors' pauses\n"
               "                          (default 1; 0 = off). Stalls that come at a fixed period (a host's\n"
               "                          timer tick: 'machine tick every', 'machine tick length', and a second\n"
               "                          one, 'second tick every') are predicted across the run, re-anchored\n"
               "                          by a 0.1 s spin after it, and the pauses they land in are counted\n"
               "                          ('pauses a tick lands in') and their time taken out of them for\n"
               "                          'p99 without the ticks'\n"
               "\n"
               "What the figures mean. A pause is time the mutator spent inside one allocation, store or step,\n"
               "timed from outside the same way for every collector. In the concurrent mode that is its time in\n"
               "handshakes (a cycle's start and termination), assists (allocating faster than the marker marks),\n"
               "barrier-buffer flushes and adoptions of what the marker swept; the marker thread's own work is not\n"
               "a pause. GC CPU is the CPU time of collection work on every thread: Tricolor's increments, plus\n"
               "its marker thread in the concurrent mode; Boehm's collections, plus its helper marker threads\n"
               "(boehm-par). 'marker threads CPU' shows the marker threads' part alone; CPU is the whole\n"
               "process's (every thread) beside wall.\n"
               "\n"
               "Environment: TRICOLOR_SLOW_OS_US=N adds N us to every memory system call Tricolor makes\n"
               "(the slow-OS mode: with the memory thread on, its pauses should not change).\n");
}

/* ---------- output ---------- */

/* A column's width: the collector's name, or 14 at least. */
static int col_width(collector_kind k) {
    int n = (int)strlen(collector_names[k]);
    return n > 14 ? n : 14;
}

/* The short name in a ratio column's header ("conc/boehm"). */
static const char *short_name(collector_kind k) {
    static const char *const names[COL_COUNT] = {
        [COL_TRICOLOR] = "tri",
        [COL_BOEHM] = "boehm",
        [COL_BOEHM_INC] = "boehm-inc",
        [COL_BOEHM_PAR] = "par",
        [COL_TRICOLOR_CONCURRENT] = "conc",
    };
    return names[k];
}

/* One row of the table: the figure in each column, then each column's
 * ratio to the reference column (the first Boehm one). */
static void print_row(const bench_opts *o, fig_id id, const figures *med, size_t ncol, int ref) {
    printf("  %-22s", figure_defs[id].label);
    for (size_t c = 0; c < ncol; c++) {
        char buf[32];
        figure_fmt(id, med[c].v[id], buf, sizeof buf);
        printf(" %*s", col_width(o->collectors[c]), buf);
    }
    if (ref >= 0 && ncol > 1 && !figure_defs[id].when) {
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

/* The lines under a table that say how to read a column: what a GC CPU
 * figure holds, and what a collector did not count. */
static void print_notes(const bench_opts *o, const figures *med, size_t ncol) {
    bool tricolor_concurrent = false, boehm_helpers = false;
    for (size_t c = 0; c < ncol; c++) {
        collector_kind k = o->collectors[c];
        const char *name = collector_names[k];
        if (k == COL_TRICOLOR_CONCURRENT || (k == COL_TRICOLOR && o->base.tc.concurrent)) {
            printf("  note: %s's GC CPU is its increments' time on the mutator's thread PLUS its marker thread's "
                   "CPU (marker threads CPU); its pauses are the mutator's handshakes, assists, buffer flushes and "
                   "adoptions.\n",
                   name);
            tricolor_concurrent = true;
            if (med[c].v[FIG_MARKER_THREADS] < 1)
                printf("  note: %s's marker thread did no marking in this run (with one CPU to run on, as under "
                       "--cpu, it does not start, and assists pay for marking as in the incremental mode).\n",
                       name);
        }
        if (!collector_is_tricolor(k) && med[c].v[FIG_MARKER_THREADS] >= 1) {
            double helpers = med[c].v[FIG_MARKER_THREADS];
            printf("  note: %s marked with %.0f threads (GC_get_parallel() = %.0f: helper%s beside the collecting "
                   "thread); its GC CPU is the collecting thread's inside collections PLUS the helpers' "
                   "(marker threads CPU).\n",
                   name, helpers + 1, helpers, helpers == 1 ? "" : "s");
            boehm_helpers = true;
        }
        if (med[c].gc_cpu_partial)
            printf("  note: %s's GC CPU counts only collections that fire events; its incremental steps and lazy "
                   "sweeping fire none.\n",
                   name);
        if (!med[c].mem_syscalls_known)
            printf("  note: %s's memory system calls are not counted (shown as 0).\n", name);
    }
    if (tricolor_concurrent || boehm_helpers)
        printf("  note: CPU is the whole process's (mutator + marker threads + Tricolor's memory thread), "
               "mutator thread CPU the mutator's alone; CPU / wall is the cores kept busy.\n");
}

/* The minimum heap Tricolor runs wl with: the knob's, or the workload's
 * own (the demo's) unless --min-heap was given; formatted as the knob. */
static size_t wl_min_heap(const bench_opts *o, const wl_info *wl, char *buf, size_t len) {
    run_config rc = o->base;
    rc.wl = wl;
    tc_config tc = run_tc_config(&rc);
    knob_format(&knobs[KNOB_MIN_HEAP], &tc, buf, len);
    return tc.min_heap;
}

static void print_table(const bench_opts *o, const wl_info *wl, const figures *med, size_t ncol) {
    int ref = -1; /* ratios against the first Boehm column */
    for (size_t c = 0; c < ncol; c++)
        if (!collector_is_tricolor(o->collectors[c])) {
            ref = (int)c;
            break;
        }
    char mh[32], own[96] = "";
    if (wl_min_heap(o, wl, mh, sizeof mh) != o->base.tc.min_heap)
        snprintf(own, sizeof own, "; Tricolor's min heap %s, the workload's own", mh);
    printf("\n%s (size %s, seed %llu%s%s): %s of %d run%s each\n", wl->name, wl_size_names[o->size],
           (unsigned long long)o->seed, o->base.passes > 1 ? ", several passes a run" : "", own,
           o->repeat > 1 ? "median" : "figures", o->repeat, o->repeat > 1 ? "s" : "");
    printf("  %-22s", "");
    for (size_t c = 0; c < ncol; c++) printf(" %*s", col_width(o->collectors[c]), collector_names[o->collectors[c]]);
    if (ref >= 0)
        for (size_t c = 0; c < ncol; c++)
            if ((int)c != ref) {
                char h[40];
                snprintf(h, sizeof h, "%s/%s", short_name(o->collectors[c]), short_name(o->collectors[ref]));
                printf(" %12s", h);
            }
    printf("\n");
    for (int id = 0; id < FIG_N; id++) print_row(o, (fig_id)id, med, ncol, ref);
    printf("  %-22s", "checksum");
    for (size_t c = 0; c < ncol; c++)
        printf(" %*llx", col_width(o->collectors[c]), (unsigned long long)med[c].checksum);
    printf("   (equal)\n");
    print_notes(o, med, ncol);
}

/* What a collector is beyond its name, for --json and --csv-summary. */
static const char *mode_name(const bench_opts *o, collector_kind k) {
    switch (k) {
    case COL_TRICOLOR: return o->base.tc.concurrent ? "concurrent" : "incremental";
    case COL_TRICOLOR_CONCURRENT: return "concurrent";
    case COL_BOEHM: return o->base.boehm_markers > 1 ? "parallel" : "stop-the-world";
    case COL_BOEHM_INC: return "incremental";
    case COL_BOEHM_PAR: return "parallel";
    default: return "?";
    }
}

static void json_run(FILE *f, const bench_opts *o, collector_kind k, const figures *x) {
    fprintf(f, "{\"collector\":\"%s\",\"barrier\":\"%s\",\"mode\":\"%s\",", collector_names[k],
            collector_is_tricolor(k) ? tc_barrier_name(o->base.tc.barrier) : "none", mode_name(o, k));
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
        const char *phase = run_pause_phase(tim, e, &work), *reason = run_pause_reason(tim, e);
        double start_us = (double)(e->start_ns - tim->t0_ns) / 1e3, dur_us = (double)e->dur_ns / 1e3;
        if (csv)
            fprintf(csv, "%s,%s,%d,%.3f,%.3f,%s,%llu,%s,%d,%.3f\n", wl->name, col, rep + 1, start_us, dur_us, phase,
                    (unsigned long long)work, reason, (e->flags & OPLOG_HELD_TICK) != 0,
                    (double)run_pause_own_ns(tim, e) / 1e3);
        if (trace && rep == 0) {
            fprintf(trace,
                    ",\n{\"name\":\"%s\",\"cat\":\"pause\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,\"pid\":%zu,"
                    "\"tid\":%d,\"args\":{\"op\":\"%s\",\"work\":%llu,\"reason\":\"%s\",\"tick\":%d}}",
                    phase, start_us, dur_us, wi + 1, (int)cfg->kind + 1, oplog_op_name(e->op), (unsigned long long)work,
                    reason, (e->flags & OPLOG_HELD_TICK) != 0);
        }
    }
}

/* --csv-summary: one row a workload and collector, every figure a column
 * (named by its JSON key), the same medians as the table. */
static void csv_summary_header(FILE *f) {
    fprintf(f, "workload,size,seed,repeat,passes,collector,mode,barrier,checksum");
    for (int k = 0; k < FIG_N; k++) fprintf(f, ",%s", figure_defs[k].key);
    fprintf(f, "\n");
}

static void csv_summary_row(FILE *f, const bench_opts *o, const wl_info *wl, collector_kind k, const figures *x) {
    fprintf(f, "%s,%s,%llu,%d,%d,%s,%s,%s,%016llx", wl->name, wl_size_names[o->size], (unsigned long long)o->seed,
            o->repeat, o->base.passes, collector_names[k], mode_name(o, k),
            collector_is_tricolor(k) ? tc_barrier_name(o->base.tc.barrier) : "none", (unsigned long long)x->checksum);
    /* Whole numbers (counts, bytes) in full, the rest to 6 digits. */
    for (int i = 0; i < FIG_N; i++) fprintf(f, x->v[i] == floor(x->v[i]) ? ",%.0f" : ",%.6g", x->v[i]);
    fprintf(f, "\n");
}

/* ---------- argument parsing ---------- */

static void parse_collectors(bench_opts *o, const char *list) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    o->ncollectors = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int k = collector_parse(tok);
        if (k < 0) cli_fail(C, "--collector: unknown collector '%s' (valid: %s)", tok, collector_list);
        for (size_t i = 0; i < o->ncollectors; i++)
            if (o->collectors[i] == (collector_kind)k) cli_fail(C, "--collector: '%s' given twice", tok);
        o->collectors[o->ncollectors++] = (collector_kind)k;
    }
    if (o->ncollectors == 0) cli_fail(C, "--collector: give at least one of %s", collector_list);
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
    run_config_defaults(&o->base);
    o->base.hiccup_ns = TICK_MEASURE_NS; /* 1 s of the machine's own stalls before each timed run */
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
        } else if (!strcmp(a, "--csv-summary")) {
            o->csv_summary = cli_value(C, argc, argv, &i);
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
    o->base.min_heap_given = given & 1u << KNOB_MIN_HEAP;
    /* tricolor-concurrent runs the same knobs in the concurrent mode,
     * which refuses some (steele, stw): say so now, not after other runs. */
    for (size_t c = 0; c < o->ncollectors; c++) {
        run_config rc = o->base;
        rc.kind = o->collectors[c];
        tc_config tc = run_tc_config(&rc);
        if (rc.kind == COL_TRICOLOR_CONCURRENT && (bad = tc_config_check(&tc)))
            cli_fail(C, "--collector tricolor-concurrent: %s", bad);
    }
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

static bool has_collector(const bench_opts *o, collector_kind k) {
    for (size_t c = 0; c < o->ncollectors; c++)
        if (o->collectors[c] == k) return true;
    return false;
}

/* The settings each collector runs with, before any figure: Tricolor's
 * knobs, Boehm's markers, and which collectors mark with more than one
 * thread (their GC work is not on one core). */
static void print_header(const bench_opts *o) {
    const tc_config *tc = &o->base.tc;
    char pacing[64] = "";
    if (tc->pause_target_usec)
        snprintf(pacing, sizeof pacing, ", auto-pacer to %u us (step is the starting point)", tc->pause_target_usec);
    char guard[96] = ", utilization guard off", min_heap[32];
    knob_format(&knobs[KNOB_MIN_HEAP], tc, min_heap, sizeof min_heap);
    if (tc->mmu_pct)
        snprintf(guard, sizeof guard, ", utilization guard: the mutator keeps %u%% of any %.4g ms", tc->mmu_pct,
                 (double)tc->mmu_window_usec / 1000);
    const bool conc = has_collector(o, COL_TRICOLOR_CONCURRENT) || (tc->concurrent && has_collector(o, COL_TRICOLOR));
    const bool par = has_collector(o, COL_BOEHM_PAR);
    const bool boehm1 = has_collector(o, COL_BOEHM) || has_collector(o, COL_BOEHM_INC);
    if (!conc && !par) {
        printf("tricolor bench: each collector in its own process%s; GC work on one core (Boehm with %d marker%s%s);\n",
               o->base.cpu >= 0 ? ", pinned to one CPU" : "", o->base.boehm_markers,
               o->base.boehm_markers > 1 ? "s" : "",
               o->base.boehm_markers > 1 ? ": parallel marking, NOT one core" : "");
    } else {
        printf("tricolor bench: each collector in its own process%s; GC work NOT on one core for:\n",
               o->base.cpu >= 0 ? ", pinned to one CPU" : "");
        if (conc)
            printf("  tricolor-concurrent (or --mode concurrent): a marker thread marks beside the mutator, capped at "
                   "%u%% of a core (--gc-cpu);\n",
                   tc->gc_cpu_pct);
        if (par) {
            int n = boehm_par_markers(o->base.cpu);
            printf("  boehm-par: Boehm's parallel marker, %d markers (GC_set_markers_count(%d): the CPUs available, "
                   "at least 2; helpers started with GC_start_mark_threads());\n",
                   n, n);
        }
        if (boehm1)
            printf("  boehm and boehm-inc run with %d marker%s%s;\n", o->base.boehm_markers,
                   o->base.boehm_markers > 1 ? "s" : "",
                   o->base.boehm_markers > 1 ? " (--boehm-markers: parallel marking, NOT one core)" : " (one core)");
        if (o->base.cpu >= 0)
            printf("  pinned to one CPU, Tricolor's marker and memory threads do not start (assists do its marking, "
                   "the mutator maps and returns its own memory) and boehm-par's markers share the CPU;\n");
    }
    printf("a pause is an allocation, store or step that held the mutator >= %.0f us, timed from outside the same\n"
           "way for both; pause figures come from timed runs, throughput figures from separate untimed runs.\n"
           "Tricolor: barrier %s, step %u %s, trigger %u%%, runway %u%%, min heap %s%s%s%s.\n",
           (double)o->base.threshold_ns / 1000, tc_barrier_name(tc->barrier),
           tc->budget_unit == TC_BUDGET_WORK ? tc->step_work : tc->step_usec,
           tc->budget_unit == TC_BUDGET_WORK ? "work units" : "us", tc->trigger_pct, tc->runway_pct, min_heap, pacing,
           guard, tc->concurrent ? ", concurrent mode" : "");
    if (conc) {
        printf("Concurrent mode: a pause is the mutator's time in a handshake (a cycle's start or termination), an\n"
               "assist (allocating faster than the marker marks) or a barrier-buffer flush; GC CPU is the increments'\n"
               "time on the mutator's thread (their wall time, less naps waiting for the marker) plus the marker\n"
               "thread's CPU.\n");
        if (tc->conc_mmu_pct)
            printf("Its utilization guard, while the marker runs: the mutator keeps %u%% of any %.4g ms, up to the "
                   "wait ceiling (--conc-mmu).\n",
                   tc->conc_mmu_pct, (double)tc->conc_mmu_window_usec / 1000);
        else
            printf("Its utilization guard, while the marker runs: off (--conc-mmu).\n");
    }
    /* With one CPU the collector starts no memory thread (tricolor.h). */
    bool one_cpu = run_cpus(o->base.cpu) < 2;
    printf("Tricolor's memory thread: %s.",
           !tc->mem_thread ? "off (the mutator maps and returns memory itself)"
           : one_cpu       ? "not started: one CPU to run on (the mutator maps and returns memory itself, as with it "
                             "off; beside the mutator on its only CPU it would run inside its pauses)"
                           : "on (pages pre-faulted, memory returned off the mutator)");
    if (o->base.hiccup_ns)
        printf(" Each timed run first spins %.1f s to record the machine's own stalls (and after it 0.1 s, or 20 "
               "periods of the longest, if they have a period).",
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
        for (size_t w = 0; w < o.nworkloads; w++) {
            char v[32];
            if (wl_min_heap(&o, o.workloads[w], v, sizeof v) != o.base.tc.min_heap)
                printf("tricolor bench: %s would run with min-heap %s, its own (--min-heap sets it)\n",
                       o.workloads[w]->name, v);
        }
        if (has_collector(&o, COL_TRICOLOR_CONCURRENT))
            printf("tricolor bench: tricolor-concurrent would run with the same, mode concurrent\n");
        if (has_collector(&o, COL_BOEHM_PAR))
            printf("tricolor bench: boehm-par would run with %d markers\n", boehm_par_markers(o.base.cpu));
        return 0;
    }
    /* Open outputs first: a bad path fails before minutes of benchmarking. */
    FILE *json = o.json ? cli_open_output(C, "--json", o.json) : NULL;
    FILE *csv = o.csv ? cli_open_output(C, "--csv", o.csv) : NULL;
    FILE *summary = o.csv_summary ? cli_open_output(C, "--csv-summary", o.csv_summary) : NULL;
    FILE *trace = o.trace ? cli_open_output(C, "--trace", o.trace) : NULL;
    if (csv) fprintf(csv, "workload,collector,repeat,start_us,duration_us,phase,work,reason,tick,own_us\n");
    if (summary) csv_summary_header(summary);
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
        for (size_t c = 0; summary && c < o.ncollectors; c++)
            csv_summary_row(summary, &o, wl, o.collectors[c], &med[c]);
        if (json) {
            char mh[32];
            fprintf(json,
                    "%s{\"workload\":\"%s\",\"size\":\"%s\",\"seed\":%llu,\"repeat\":%d,\"passes\":%d,"
                    "\"tricolor_min_heap_bytes\":%zu,\"runs\":[",
                    w ? ",\n" : "", wl->name, wl_size_names[o.size], (unsigned long long)o.seed, o.repeat,
                    o.base.passes, wl_min_heap(&o, wl, mh, sizeof mh));
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
    if (summary && fclose(summary) != 0) cli_fail(C, "--csv-summary: writing '%s' failed", o.csv_summary);
    if (trace) {
        fprintf(trace, "\n],\"displayTimeUnit\":\"ms\"}\n");
        if (fclose(trace) != 0) cli_fail(C, "--trace: writing '%s' failed", o.trace);
    }
    return status;
}
