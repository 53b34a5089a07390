/*
 * tune.h — what `tricolor tune`'s two halves share: the sweep with its
 * choice (cmd_tune.c) and its report (tune_report.c: the table, the JSON
 * and the PNG).
 *
 * A configuration is a point of the grid step budget x trigger x mode x
 * barrier (x the marker's CPU cap, in the concurrent mode), only where the
 * collector runs that combination; once measured it carries the figures
 * of measure.h (medians over repeats), and the five objectives of
 * pareto.h are read from them.
 */
#ifndef TRICOLOR_TUNE_H
#define TRICOLOR_TUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "measure.h"
#include "pareto.h"
#include "registry.h"
#include "tricolor.h"

#define TUNE_MAX_LIST   16
#define TUNE_MAX_REPEAT 20
#define TUNE_STEP_AUTO  0u /* in the steps list: the auto-pacer */
#define TUNE_PNG_W      1280
#define TUNE_PNG_H      600
#define TUNE_NEAR_TIE   0.05 /* wall times within 5% of the fastest are a tie: single runs differ by that much here */

typedef enum cfg_state { CFG_SKIPPED = 0, CFG_FAILED, CFG_DONE } cfg_state;

/* One configuration and, once run, its figures. */
typedef struct tune_cfg {
    bool concurrent;     /* the mode: a marker thread beside the mutator */
    uint32_t gc_cpu_pct; /* its CPU cap (concurrent only; else the base's, unused) */
    tc_barrier barrier;
    uint32_t step_work; /* fixed increment budget; TUNE_STEP_AUTO with the auto-pacer; unused under stw */
    uint32_t trigger_pct;
    cfg_state state;
    char error[200];
    /* Valid when state == CFG_DONE. */
    figures fig;
    double obj[TUNE_NOBJ]; /* the objectives, pareto.h's column order, from fig */
    bool on_front, meets;
} tune_cfg;

typedef struct tune_opts {
    const wl_info *wl;
    int size;
    uint64_t seed;
    int repeat;
    uint32_t target_us;
    tune_metric on;
    uint64_t max_heap; /* 0 = no limit */
    tc_config base;    /* the knobs that are not swept, as given */
    tc_barrier barriers[TC_BARRIER_COUNT];
    size_t nbarriers;
    uint32_t steps[TUNE_MAX_LIST]; /* TUNE_STEP_AUTO = the auto-pacer */
    size_t nsteps;
    uint32_t triggers[TUNE_MAX_LIST];
    size_t ntriggers;
    bool modes[2]; /* the modes swept, in this order: false incremental, true concurrent */
    size_t nmodes;
    uint32_t gc_cpus[TUNE_MAX_LIST]; /* the marker's CPU caps swept in the concurrent mode */
    size_t ngc_cpus;
    long time_limit_s; /* 0 = none */
    const char *json, *png;
    bool all, progress, dry_run;
} tune_opts;

/* The grid of o in run order (steps outer, then triggers, modes,
 * barriers, and the marker's CPU caps inner), only the combinations the
 * collector runs: no steele or stw in the concurrent mode, one
 * configuration per trigger under stw (no step budget), the incremental
 * mode once whatever the caps. Returns the count (0 if no combination
 * runs; tune refuses such lists before); *out is malloc'd (exits on
 * out of memory). */
size_t tune_build_grid(const tune_opts *o, tune_cfg **out);
/* The collector settings of c, as `tricolor bench` would set them from
 * the flags tune_bench_command prints. */
void tune_cfg_to_tc(const tune_opts *o, const tune_cfg *c, tc_config *tc);
/* Whether the collector runs the mode with barrier b (tc_config_check:
 * the concurrent mode refuses steele and stw). */
bool tune_mode_runs(bool concurrent, tc_barrier b);
/* The mode as the table prints it: "incremental", "concurrent 25%". */
void tune_mode_text(const tune_cfg *c, char *buf, size_t len);
/* "incremental dijkstra, step 4000, trigger 100%",
 * "concurrent yuasa (marker 25%), auto-pacer, trigger 100%" */
void tune_describe(const tune_cfg *c, char *buf, size_t len);
/* "p99 <= 200 us" [" and peak heap <= 64 MiB"] */
void tune_fmt_goal(const tune_opts *o, char *buf, size_t len);
const char *tune_metric_name(tune_metric on);
/* The `tricolor bench` command line that runs c as tune ran it. */
void tune_bench_command(const tune_opts *o, const tune_cfg *c, char *buf, size_t len);

/* The workload, goal and grid, before the sweep; the swept values (for
 * --dry-run). */
void tune_print_header(const tune_opts *o, size_t n);
void tune_print_sweep(const tune_opts *o);
/* Why the pick, in words, and the command that reproduces it into cmd. */
void tune_explain(const tune_opts *o, const tune_cfg *cfgs, const tune_pick *pick, size_t ndone, char *cmd,
                  size_t cmdlen);

/* The front (or, with --all, every measured configuration) as a table. */
void tune_print_table(const tune_opts *o, const tune_cfg *cfgs, size_t n, long pick);
/* Every configuration, its figures and the pick, as JSON. */
void tune_write_json(FILE *f, const tune_opts *o, const tune_cfg *cfgs, size_t n, long pick, const char *cmd);
/* The scatter plot; false with a message in err on failure. */
bool tune_write_png(const tune_opts *o, const tune_cfg *cfgs, size_t n, long pick, size_t nfront, const char *path,
                    char *err, size_t errlen);

#endif
