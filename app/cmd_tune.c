/*
 * cmd_tune.c — `tricolor tune`: sweeps Tricolor's knobs on one workload and
 * recommends a configuration for a pause target. This file is the sweep
 * and its choice; tune_report.c prints and writes the outcome (tune.h).
 *
 * The grid is step budget x trigger x mode x barrier, and in the
 * concurrent mode x the marker thread's CPU cap (gc-cpu), where a step
 * budget of "auto" is the auto-pacer (pause_target_usec = the target)
 * instead of a fixed budget; only the combinations the collector runs are
 * in it (the concurrent mode runs dijkstra, yuasa and hybrid, not steele
 * or stw); every other knob is the same for all (knobs.h). Every
 * configuration is measured the way `tricolor bench` measures Tricolor,
 * by the same step (measure.h): in child processes of its own, one after
 * another so runs never share the two cores, pause figures from a timed
 * run and wall, GC CPU and peak heap from a separate untimed run; with
 * --repeat N each figure is the median of N. Then:
 *  - the Pareto front over (max pause, p99 pause, GC CPU share, wall, peak
 *    heap), all minimized (pareto.c);
 *  - a configuration meets the target when its p99 pause (or max pause,
 *    with --meet max) is at most the target and, with --max-heap, its peak
 *    heap is at most that; p99 is the default because it is what the
 *    auto-pacer holds, while the max of a single run is one event, often a
 *    page fault or a large allocation rather than a collector step;
 *  - the recommendation: of the meeting configurations within 5% of the
 *    fastest wall time (a tie: single runs differ by about that much), the
 *    one with the smallest peak heap (rule and tie-breaks in pareto.h),
 *    printed as the exact `tricolor bench` command that reproduces it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "knobs.h"
#include "tune.h"

static const char *const C = "tune";

static void usage(FILE *f) {
    fprintf(f,
            "usage: tricolor tune [options]\n"
            "\n"
            "Sweeps Tricolor's knobs on one workload (step budget x trigger x mode x barrier, and the\n"
            "marker's CPU cap in the concurrent mode), each configuration\n"
            "in its own child process, prints the Pareto front of max pause, p99 pause, GC CPU share, wall\n"
            "time and peak heap, marks the configurations that meet a pause target, recommends one and\n"
            "prints the 'tricolor bench' command that reproduces it.\n"
            "\n"
            "  --workload NAME         workload to tune for (default gcbench; see 'tricolor list')\n"
            "  --size S                small, default or large (default: default)\n"
            "  --seed N                workload seed (default 1)\n"
            "  --meet p99|max          which pause must be <= the target (default p99: what the auto-pacer\n"
            "                          holds; a single run's max is one event)\n"
            "  --max-heap SIZE         also require peak heap <= SIZE, e.g. 64M (default: no limit)\n"
            "  --repeat N              runs per configuration (timed + untimed each); figures are medians\n"
            "                          (default 1: single runs, expect a few %% of noise)\n"
            "  --time-limit S          launch no new configuration after S seconds; report what was measured\n"
            "  --all                   print every configuration, not only the Pareto front\n"
            "  --json FILE             write every configuration's figures as JSON\n"
            "  --png FILE              save a scatter plot of the configurations and the front (%dx%d)\n"
            "  --dry-run               print the grid and the collector settings, run nothing\n"
            "\n"
            "Tricolor's knobs (the same in bench, view, record and record scripts). Here --barrier,\n"
            "--step-work, --trigger, --mode and --gc-cpu take comma-separated lists to sweep (defaults\n"
            "dijkstra,steele,yuasa; auto,500,1000,2000,4000,8000,16000; 50,100,200,400; incremental; 25),\n"
            "and --step-work also 'auto', the auto-pacer at the target; --steps and --triggers are other\n"
            "names for the two lists. '--mode incremental,concurrent' sweeps both modes; the concurrent\n"
            "one only with dijkstra, yuasa and hybrid (its marker thread cannot run beside steele's\n"
            "re-greying, and stw has nothing to run concurrently), and each --gc-cpu cap in it.\n"
            "The GC CPU share is the figure bench measures: the mutator's increments over the process's\n"
            "CPU (see the note printed when the concurrent mode is swept).\n"
            "--pause-target is the target (default 200us; off is not a target). The others apply to\n"
            "every configuration.\n",
            TUNE_PNG_W, TUNE_PNG_H);
    knob_help(f);
}

/* ---------- argument parsing ---------- */

/* Splits a comma-separated list of k's values (and "auto" where auto_ok)
 * into out[] (at most TUNE_MAX_LIST); duplicates are an error. */
static size_t parse_list(const char *flag, const knob *k, bool auto_ok, const char *list, uint32_t *out) {
    char buf[512];
    if (strlen(list) >= sizeof buf) cli_fail(C, "%s: the list is too long", flag);
    snprintf(buf, sizeof buf, "%s", list);
    size_t n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == TUNE_MAX_LIST) cli_fail(C, "%s: at most %d values", flag, TUNE_MAX_LIST);
        uint64_t v = TUNE_STEP_AUTO;
        if (!(auto_ok && !strcmp(tok, "auto"))) {
            const char *bad = knob_parse(k, tok, &v);
            if (bad) cli_fail(C, "%s: %s%s", flag, bad, auto_ok ? " (or auto: the auto-pacer at the target)" : "");
        }
        for (size_t i = 0; i < n; i++)
            if (out[i] == v) cli_fail(C, "%s: '%s' given twice", flag, tok);
        out[n++] = (uint32_t)v;
    }
    if (n == 0) cli_fail(C, "%s: give at least one value", flag);
    return n;
}

static void defaults(tune_opts *o) {
    memset(o, 0, sizeof *o);
    o->wl = wl_find("gcbench");
    o->size = 1; /* default */
    o->seed = 1;
    o->repeat = 1;
    o->target_us = 200;
    o->on = TUNE_ON_P99;
    tc_config_default(&o->base);
    static const tc_barrier barriers[] = {TC_BARRIER_DIJKSTRA, TC_BARRIER_STEELE, TC_BARRIER_YUASA};
    static const uint32_t steps[] = {TUNE_STEP_AUTO, 500, 1000, 2000, 4000, 8000, 16000},
                          triggers[] = {50, 100, 200, 400};
    memcpy(o->barriers, barriers, sizeof barriers);
    o->nbarriers = sizeof barriers / sizeof barriers[0];
    memcpy(o->steps, steps, sizeof steps);
    o->nsteps = sizeof steps / sizeof steps[0];
    memcpy(o->triggers, triggers, sizeof triggers);
    o->ntriggers = sizeof triggers / sizeof triggers[0];
    /* The incremental mode alone unless asked: each concurrent
     * configuration adds as many runs again (and a second busy core). */
    o->modes[0] = false;
    o->nmodes = 1;
    o->gc_cpus[0] = o->base.gc_cpu_pct;
    o->ngc_cpus = 1;
    o->progress = isatty(2);
}

/* The swept knobs take lists; true if argv[*i] was one of them.
 * *gc_cpu_given says whether --gc-cpu was. */
static bool list_arg(tune_opts *o, int argc, char **argv, int *i, bool *gc_cpu_given) {
    const char *a = argv[*i];
    const knob *k =
        strcmp(a, "--steps") ? strcmp(a, "--triggers") ? knob_find(a) : &knobs[KNOB_TRIGGER] : &knobs[KNOB_STEP_WORK];
    if (!k || strncmp(a, "--", 2)) return false;
    if (k == &knobs[KNOB_BARRIER_ID]) {
        uint32_t b[TUNE_MAX_LIST];
        o->nbarriers = parse_list(a, k, false, cli_value(C, argc, argv, i), b);
        for (size_t j = 0; j < o->nbarriers; j++) o->barriers[j] = (tc_barrier)b[j];
    } else if (k == &knobs[KNOB_STEP_WORK]) {
        o->nsteps = parse_list(a, k, true, cli_value(C, argc, argv, i), o->steps);
    } else if (k == &knobs[KNOB_TRIGGER]) {
        o->ntriggers = parse_list(a, k, false, cli_value(C, argc, argv, i), o->triggers);
    } else if (k == &knobs[KNOB_MODE_ID]) {
        uint32_t m[TUNE_MAX_LIST];
        o->nmodes = parse_list(a, k, false, cli_value(C, argc, argv, i), m); /* at most 2: duplicates refused */
        for (size_t j = 0; j < o->nmodes; j++) o->modes[j] = m[j] != 0;
    } else if (k == &knobs[KNOB_GC_CPU]) {
        o->ngc_cpus = parse_list(a, k, false, cli_value(C, argc, argv, i), o->gc_cpus);
        *gc_cpu_given = true;
    } else {
        return false;
    }
    return true;
}

static void parse(tune_opts *o, int argc, char **argv) {
    defaults(o);
    knob_mask given = 0;
    bool gc_cpu_given = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            usage(stdout);
            exit(0);
        } else if (list_arg(o, argc, argv, &i, &gc_cpu_given) || knob_arg(C, &o->base, &given, argc, argv, &i)) {
            continue;
        } else if (cli_run_arg(C, argc, argv, &i, &o->size, &o->seed)) {
            continue;
        } else if (!strcmp(a, "--workload")) {
            const char *v = cli_value(C, argc, argv, &i);
            o->wl = wl_find(v);
            if (!o->wl) cli_fail(C, "--workload: unknown workload '%s' (valid: %s)", v, wl_names());
        } else if (!strcmp(a, "--meet")) {
            const char *v = cli_value(C, argc, argv, &i);
            if (!strcmp(v, "p99"))
                o->on = TUNE_ON_P99;
            else if (!strcmp(v, "max"))
                o->on = TUNE_ON_MAX;
            else
                cli_fail(C, "--meet: unknown pause figure '%s' (valid: p99, max)", v);
        } else if (!strcmp(a, "--max-heap")) {
            o->max_heap = cli_size(C, a, cli_value(C, argc, argv, &i), TC_HEAP_LIMIT_MIN, knobs[KNOB_HEAP_LIMIT].hi);
        } else if (!strcmp(a, "--repeat")) {
            o->repeat = (int)cli_int(C, a, cli_value(C, argc, argv, &i), 1, TUNE_MAX_REPEAT);
        } else if (!strcmp(a, "--time-limit")) {
            o->time_limit_s = (long)cli_int(C, a, cli_value(C, argc, argv, &i), 1, 7 * 24 * 3600);
        } else if (!strcmp(a, "--all")) {
            o->all = true;
        } else if (!strcmp(a, "--json")) {
            o->json = cli_value(C, argc, argv, &i);
        } else if (!strcmp(a, "--png")) {
            o->png = cli_value(C, argc, argv, &i);
        } else if (!strcmp(a, "--dry-run")) {
            o->dry_run = true;
        } else {
            cli_fail(C, "unknown option '%s'", a);
        }
    }
    /* The pause target is the auto-pacer's knob, so the "auto" candidates
     * use it as it is; here it is also the goal, which "off" is not. */
    if (given & 1u << KNOB_PAUSE_TARGET) {
        if (!o->base.pause_target_usec)
            cli_fail(C, "--pause-target: tune needs a target (valid: 10us..1s, e.g. 200us or 1ms)");
        o->target_us = o->base.pause_target_usec;
        o->base.pause_target_usec = 0; /* only the "auto" configurations pace */
    }
    /* The workload's own minimum heap (the demo's), as bench runs it;
     * every configuration's reproducing command then names it. */
    if (!(given & 1u << KNOB_MIN_HEAP) && o->wl->min_heap) o->base.min_heap = o->wl->min_heap;
    const char *bad = knob_settle(&o->base, given);
    if (bad) cli_fail(C, "invalid collector settings: %s", bad);
    bool concurrent = false, runs = false;
    for (size_t m = 0; m < o->nmodes; m++) concurrent |= o->modes[m];
    /* Like any knob, --gc-cpu is taken on its own (tests/test_knobs.c),
     * but without a concurrent configuration it caps nothing: said, not
     * refused. */
    if (gc_cpu_given && !concurrent)
        fprintf(stderr, "tricolor tune: --gc-cpu: no concurrent configuration to cap, so it is not used (the "
                        "concurrent mode: --mode concurrent or --mode incremental,concurrent)\n");
    for (size_t m = 0; m < o->nmodes; m++)
        for (size_t b = 0; b < o->nbarriers; b++) runs |= tune_mode_runs(o->modes[m], o->barriers[b]);
    if (!runs)
        cli_fail(C, "--mode concurrent: no barrier given runs in it (valid with the concurrent mode: dijkstra, yuasa, "
                    "hybrid)");
}

/* The grid in run order: steps outer, triggers, modes, barriers, then
 * the marker's CPU caps inner, so a --time-limit cut still has every
 * barrier and mode at the budgets it reached. Under stw there are no
 * increments, so it gets one configuration per trigger (at the first step
 * value). A combination the collector refuses (the concurrent mode with
 * steele or stw) is not in the grid; the incremental mode has no marker,
 * so it is not repeated per CPU cap (tune.h). */
size_t tune_build_grid(const tune_opts *o, tune_cfg **out) {
    size_t cap = o->nsteps * o->ntriggers * o->nmodes * o->nbarriers * o->ngc_cpus, n = 0;
    tune_cfg *g = calloc(cap, sizeof *g);
    if (!g) cli_fail(C, "out of memory");
    for (size_t s = 0; s < o->nsteps; s++)
        for (size_t t = 0; t < o->ntriggers; t++)
            for (size_t m = 0; m < o->nmodes; m++)
                for (size_t b = 0; b < o->nbarriers; b++)
                    for (size_t u = 0; u < (o->modes[m] ? o->ngc_cpus : 1); u++) {
                        if (o->barriers[b] == TC_BARRIER_STW && s > 0) continue;
                        if (!tune_mode_runs(o->modes[m], o->barriers[b])) continue;
                        tune_cfg *c = &g[n++];
                        c->concurrent = o->modes[m];
                        c->gc_cpu_pct = o->modes[m] ? o->gc_cpus[u] : o->base.gc_cpu_pct;
                        c->barrier = o->barriers[b];
                        c->step_work = o->barriers[b] == TC_BARRIER_STW ? TUNE_STEP_AUTO : o->steps[s];
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

/* Where the sweep is, for the progress line. */
typedef struct sweep_pos {
    const tune_opts *o;
    const char *what;
    size_t idx, total;
    double t_start, per_cfg;
} sweep_pos;

static void on_progress(void *user, int rep, int timed) {
    const sweep_pos *p = user;
    if (!p->o->progress) return;
    char el[32], left[32] = "?";
    double elapsed = now_s() - p->t_start;
    fmt_secs(el, sizeof el, elapsed);
    if (p->per_cfg > 0) fmt_secs(left, sizeof left, p->per_cfg * (double)p->total - elapsed);
    fprintf(stderr, "\r\033[K[%zu/%zu] %s: %s run %d/%d, %s elapsed, about %s left", p->idx + 1, p->total, p->what,
            timed ? "timed" : "untimed", rep + 1, p->o->repeat, el, left);
}

/* The workload's checksum, from the first configuration that completes:
 * every configuration must match it, or they did not do the same work. */
typedef struct reference {
    bool set;
    uint64_t checksum;
} reference;

/* Measures c; on failure sets c->state = CFG_FAILED with the reason. */
static void run_one(const tune_opts *o, tune_cfg *c, sweep_pos *pos, reference *ref) {
    run_config rc;
    run_config_defaults(&rc); /* bench's, without its hiccup spin */
    rc.kind = COL_TRICOLOR;
    tune_cfg_to_tc(o, c, &rc.tc);
    rc.min_heap_given = true; /* parse settled it, the workload's own included */
    rc.wl = o->wl;
    rc.size = o->size;
    rc.seed = o->seed;
    const char *bad = tc_config_check(&rc.tc);
    c->state = CFG_FAILED;
    if (bad) {
        snprintf(c->error, sizeof c->error, "invalid settings: %s", bad);
        return;
    }
    char what[96];
    tune_describe(c, what, sizeof what);
    pos->what = what;
    measure_hooks h = {on_progress, NULL, pos};
    if (!measure(&rc, o->repeat, &h, &c->fig, c->error, sizeof c->error)) return;
    if (!ref->set) *ref = (reference){true, c->fig.checksum};
    if (c->fig.checksum != ref->checksum) {
        snprintf(c->error, sizeof c->error, "checksum %016llx, expected %016llx: the runs did not do the same work",
                 (unsigned long long)c->fig.checksum, (unsigned long long)ref->checksum);
        return;
    }
    c->obj[TUNE_MAX_US] = c->fig.v[FIG_MAX_US];
    c->obj[TUNE_P99_US] = c->fig.v[FIG_P99_US];
    c->obj[TUNE_GC_SHARE] = c->fig.v[FIG_GC_CPU_SHARE];
    c->obj[TUNE_WALL_MS] = c->fig.v[FIG_WALL_MS];
    c->obj[TUNE_PEAK_HEAP] = c->fig.v[FIG_PEAK_HEAP];
    c->state = CFG_DONE;
}

/* Runs the grid in order until --time-limit; returns how many were
 * measured, *nfailed and *nskipped the others. */
static size_t sweep(const tune_opts *o, tune_cfg *cfgs, size_t n, double t0, size_t *nfailed, size_t *nskipped) {
    reference ref = {false, 0};
    sweep_pos pos = {.o = o, .total = n, .t_start = t0};
    size_t ndone = 0;
    *nfailed = *nskipped = 0;
    for (size_t i = 0; i < n; i++) {
        if (o->time_limit_s && now_s() - t0 >= (double)o->time_limit_s) {
            *nskipped = n - i;
            break;
        }
        pos.idx = i;
        run_one(o, &cfgs[i], &pos, &ref);
        if (cfgs[i].state == CFG_FAILED) {
            char what[96];
            tune_describe(&cfgs[i], what, sizeof what);
            if (o->progress) fprintf(stderr, "\r\033[K");
            fprintf(stderr, "tricolor tune: #%zu (%s) failed: %s\n", i, what, cfgs[i].error);
            (*nfailed)++;
        } else {
            ndone++;
        }
        pos.per_cfg = (now_s() - t0) / (double)(i + 1);
        if (i == 0 && n > 1) {
            char est[32];
            fmt_secs(est, sizeof est, pos.per_cfg * (double)n);
            printf("Estimate: about %s for all %zu, from the first configuration's %.1f s%s.\n", est, n, pos.per_cfg,
                   o->time_limit_s ? " (--time-limit may stop it sooner)" : "");
            fflush(stdout);
        }
    }
    if (o->progress) fprintf(stderr, "\r\033[K");
    return ndone;
}

/* ---------- the choice ---------- */

/* Marks the front and the configurations that meet the goal; returns the
 * pick (pareto.h's rule) and the front's size in *nfront. */
static tune_pick choose(const tune_opts *o, tune_cfg *cfgs, size_t n, size_t *nfront) {
    double *v = calloc(n * TUNE_NOBJ, sizeof *v);
    bool *include = calloc(n, sizeof *include), *front = calloc(n, sizeof *front);
    if (!v || !include || !front) cli_fail(C, "out of memory");
    for (size_t i = 0; i < n; i++) {
        include[i] = cfgs[i].state == CFG_DONE;
        memcpy(&v[i * TUNE_NOBJ], cfgs[i].obj, sizeof cfgs[i].obj);
    }
    *nfront = pareto_front(v, n, TUNE_NOBJ, include, front);
    tune_goal g = {(double)o->target_us, o->on, (double)o->max_heap, TUNE_NEAR_TIE};
    tune_pick pick = tune_recommend(v, n, include, &g);
    for (size_t i = 0; i < n; i++) {
        cfgs[i].on_front = front[i];
        cfgs[i].meets = include[i] && tune_meets(&v[i * TUNE_NOBJ], &g);
    }
    free(v);
    free(include);
    free(front);
    return pick;
}

/* ---------- the command ---------- */

int cmd_tune(int argc, char **argv) {
    tune_opts o;
    parse(&o, argc, argv);
    tune_cfg *cfgs;
    size_t n = tune_build_grid(&o, &cfgs);
    if (o.dry_run) {
        tune_print_header(&o, n);
        tune_print_sweep(&o);
        printf("tricolor tune: every configuration runs with ");
        knob_print(stdout, &o.base);
        free(cfgs);
        return 0;
    }
    FILE *json = o.json ? cli_open_output(C, "--json", o.json) : NULL;
    if (o.png) fclose(cli_open_output(C, "--png", o.png));
    tune_print_header(&o, n);

    double t0 = now_s();
    size_t nfailed, nskipped, ndone = sweep(&o, cfgs, n, t0, &nfailed, &nskipped), nfront;
    tune_pick pick = choose(&o, cfgs, n, &nfront);

    printf("\nMeasured %zu of %zu configurations in %.0f s", ndone, n, now_s() - t0);
    if (nskipped)
        printf("; --time-limit %ld s: %zu not run (the grid runs steps outer, barriers inner)", o.time_limit_s,
               nskipped);
    if (nfailed) printf("; %zu failed (messages above)", nfailed);
    printf(".\n");
    if (ndone) {
        char goal[96];
        tune_fmt_goal(&o, goal, sizeof goal);
        printf("Pareto front: %zu configuration%s that no other beats or equals on all of max pause, p99, GC CPU\n"
               "share, wall and peak heap (marked *; --all prints every configuration). # is the index in --json.\n",
               nfront, nfront == 1 ? "" : "s");
        tune_print_table(&o, cfgs, n, pick.index);
        printf("\n%zu of %zu measured configurations meet the target (%s).\n", pick.nmeeting, ndone, goal);
    }
    char cmd[1024] = "";
    tune_explain(&o, cfgs, &pick, ndone, cmd, sizeof cmd);
    fflush(stdout);

    int status = nfailed || !ndone ? 1 : 0;
    if (json) {
        tune_write_json(json, &o, cfgs, n, pick.index, cmd);
        if (fclose(json) != 0) {
            fprintf(stderr, "tricolor tune: --json: writing '%s' failed\n", o.json);
            status = 1;
        }
    }
    if (o.png) {
        char err[512];
        if (!tune_write_png(&o, cfgs, n, pick.index, nfront, o.png, err, sizeof err)) {
            fprintf(stderr, "tricolor tune: --png: %s\n", err);
            status = 1;
        }
    }
    free(cfgs);
    return status;
}
