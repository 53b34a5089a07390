/*
 * measure.h — the one measuring step of bench and tune: a configuration
 * run untimed (throughput: wall, CPU, heap, the OS's costs) and timed
 * (pauses: every operation timed from outside) in child processes of its
 * own, the checksums checked, and every figure reduced to one number,
 * the median over repeats.
 *
 * The figures are a table (figure_defs): a row gives the figure's name
 * (its JSON key, dotted for a nested object), its label and units for
 * tables, which run it comes from and how it is read, and how repeats
 * combine. Adding a figure is one row; bench's table and JSON and tune's
 * JSON print every row.
 */
#ifndef TRICOLOR_MEASURE_H
#define TRICOLOR_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "metrics.h"
#include "runner.h"

/* The figures, in table order. The MMU and BMU take one row a window. */
typedef enum fig_id {
    FIG_PAUSES,
    FIG_P50_US,
    FIG_P95_US,
    FIG_P99_US,
    FIG_P999_US,
    FIG_MAX_US,
    FIG_MMU,
    FIG_BMU = FIG_MMU + METRICS_NWINDOWS,
    FIG_GC_SHARE = FIG_BMU + METRICS_NWINDOWS,
    FIG_GC_CPU_MS,
    FIG_MARKER_CPU_MS,
    FIG_MARKER_IDLE_CPU_MS,
    FIG_GC_CPU_SHARE,
    FIG_WALL_MS,
    FIG_CPU_MS,
    FIG_MUT_CPU_MS,
    FIG_CPU_PER_WALL,
    FIG_PEAK_HEAP,
    FIG_PEAK_RSS,
    FIG_ALLOC_RATE,
    FIG_COLLECTIONS,
    FIG_MARKER_THREADS,
    FIG_THREADS,
    FIG_ASSISTS,
    FIG_HANDSHAKES,
    FIG_FLUSHES,
    FIG_ADOPTS,
    FIG_OWN_PAUSES,
    FIG_OWN_MAX_US,
    FIG_OWN_BUDGET_US,
    FIG_MUT_MINFLT,
    FIG_MUT_MAJFLT,
    FIG_MUT_MEM_SYSCALLS,
    FIG_LATER_MEM_SYSCALLS,
    FIG_LATER_MINFLT,
    FIG_BG_MEM_SYSCALLS,
    FIG_BG_CPU_MS,
    FIG_BG_LATER_SHARE,
    FIG_RESERVE_MISSES,
    FIG_MMU_DEFERRED,
    FIG_HICCUP_MAX_US,
    FIG_HICCUP_OVER_200US,
    FIG_HICCUP_OVER_1MS,
    FIG_HICCUP_MMU1,
    FIG_HICCUP_MMU10,
    FIG_HICCUP_OVER_20US_RATE,
    FIG_TICK_PERIOD_US,
    FIG_TICK_LEN_US,
    FIG_TICK2_PERIOD_US,
    FIG_TICK2_LEN_US,
    FIG_STALLED_PAUSES_PCT,
    FIG_TICK_PAUSES_PCT,
    FIG_P99_NO_TICK_US,
    FIG_ENV_PAUSES,
    FIG_GC_MAX_US,
    FIG_GC_P99_US,
    FIG_GC_STALLED_PCT,
    FIG_GC_OWN_MAX_US,
    FIG_GC_OWN_P99_US,
    FIG_MMU1_GC,
    FIG_MMU10_GC,
    FIG_MMU1_GC_AT,
    FIG_MMU10_GC_AT,
    FIG_MMU1_OTHER,
    FIG_MMU10_OTHER,
    FIG_TIMING_OVERHEAD,
    FIG_N
} fig_id;

/* How a figure is printed: its unit. */
typedef enum fig_kind { FK_COUNT, FK_US, FK_MS, FK_BYTES, FK_RATIO, FK_SHARE, FK_RATE, FK_PCT } fig_kind;

/* Which run a figure comes from. */
typedef enum fig_run { FR_UNTIMED, FR_TIMED, FR_BOTH } fig_run;

/* How repeats combine into one figure. */
typedef enum fig_combine { FC_MEDIAN, FC_MAX } fig_combine;

/* What an accessor sees of one repeat. */
typedef struct fig_input {
    const run_result *untimed, *timed;
    const metrics_pause *pauses; /* the timed run's log, normalized */
    size_t npauses;
    metrics_summary summary; /* of pauses */
    /* Of the pauses without OPLOG_HELD_TICK: the same as summary when the
     * hiccup spin found no periodic stall. */
    metrics_summary summary_no_tick;
} fig_input;

typedef struct figure_def {
    const char *key;   /* JSON key; "pauses.p99_us" is p99_us inside "pauses" */
    const char *label; /* in tables */
    fig_kind kind;
    fig_run run;
    fig_combine combine;
    /* Either an accessor, or a uint64_t field of run_result at offset,
     * times scale (e.g. 1e-6 for ns -> ms). */
    double (*get)(const fig_input *in, int arg);
    int arg;
    size_t offset;
    double scale;
    bool when; /* a time into the run, not an amount: no ratio between collectors */
} figure_def;

extern const figure_def figure_defs[FIG_N];

/* Every figure of one configuration; the medians over repeats. */
typedef struct figures {
    double v[FIG_N];
    uint64_t checksum;
    bool gc_cpu_partial;     /* Boehm incremental: GC CPU misses its steps */
    bool mem_syscalls_known; /* false for Boehm: not counted */
} figures;

/* Called before each child run (rep from 0; timed 0 or 1), and with each
 * timed run's result (for pause logs); either may be NULL. */
typedef struct measure_hooks {
    void (*progress)(void *user, int rep, int timed);
    void (*timed)(void *user, int rep, const run_result *timed);
    void *user;
} measure_hooks;

/* One repeat: an untimed and a timed run of cfg (cfg->timed is ignored),
 * checksums equal, into *out. False with a message in err on failure. */
bool measure_once(const run_config *cfg, int rep, const measure_hooks *h, figures *out, char *err, size_t errlen);
/* Medians (or maxima, per row) of runs[0..n) into *out; checksum and
 * flags from runs[0]. */
void figures_combine(const figures *runs, int n, figures *out);
/* measure_once repeat times, checksums equal across repeats, combined. */
bool measure(const run_config *cfg, int repeat, const measure_hooks *h, figures *out, char *err, size_t errlen);

/* The members of figures as JSON ("key":value,...), nested by the
 * dotted keys, without the enclosing braces. */
void figures_json(FILE *f, const figures *x);
/* v formatted in the figure's unit for a table: "12.3 us", "4.5 MiB". */
void figure_fmt(fig_id id, double v, char *buf, size_t len);

#endif
