/*
 * tune_report.c — what `tricolor tune` prints and writes about a sweep
 * (tune.h): the table of the front, the configurations and the pick as
 * JSON, and the scatter plot as a PNG, drawn with the window's plot code
 * (viz/plots.h) on SDL's software renderer, no display needed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_image.h>

#include "cli.h"
#include "knobs.h"
#include "palette.h"
#include "plots.h"
#include "text.h"
#include "tune.h"

/* The collector settings of c, as `tricolor bench` would set them from
 * the flags tune_bench_command prints. */
void tune_cfg_to_tc(const tune_opts *o, const tune_cfg *c, tc_config *tc) {
    *tc = o->base;
    tc->concurrent = c->concurrent;
    tc->gc_cpu_pct = c->gc_cpu_pct;
    tc->barrier = c->barrier;
    tc->trigger_pct = c->trigger_pct;
    if (c->barrier == TC_BARRIER_STW) return;
    if (c->step_work == TUNE_STEP_AUTO) {
        tc->pause_target_usec = o->target_us;
    } else {
        tc->step_work = c->step_work;
        tc->budget_unit = TC_BUDGET_WORK;
    }
}

bool tune_mode_runs(bool concurrent, tc_barrier b) {
    return !concurrent || (b != TC_BARRIER_STEELE && b != TC_BARRIER_STW);
}

void tune_mode_text(const tune_cfg *c, char *buf, size_t len) {
    if (c->concurrent)
        snprintf(buf, len, "concurrent %u%%", c->gc_cpu_pct);
    else
        snprintf(buf, len, "%s", c->barrier == TC_BARRIER_STW ? "stw" : "incremental");
}

void tune_describe(const tune_cfg *c, char *buf, size_t len) {
    char mode[48];
    if (c->concurrent)
        snprintf(mode, sizeof mode, "concurrent %s (marker %u%%)", tc_barrier_name(c->barrier), c->gc_cpu_pct);
    else
        snprintf(mode, sizeof mode, "incremental %s", tc_barrier_name(c->barrier));
    if (c->barrier == TC_BARRIER_STW)
        snprintf(buf, len, "stw, trigger %u%%", c->trigger_pct);
    else if (c->step_work == TUNE_STEP_AUTO)
        snprintf(buf, len, "%s, auto-pacer, trigger %u%%", mode, c->trigger_pct);
    else
        snprintf(buf, len, "%s, step %u, trigger %u%%", mode, c->step_work, c->trigger_pct);
}

const char *tune_metric_name(tune_metric on) { return on == TUNE_ON_MAX ? "max pause" : "p99"; }

/* "p99 <= 200 us" [" and peak heap <= 64 MiB"] */
void tune_fmt_goal(const tune_opts *o, char *buf, size_t len) {
    int k = snprintf(buf, len, "%s <= %u us", tune_metric_name(o->on), o->target_us);
    if (o->max_heap && k > 0 && (size_t)k < len)
        snprintf(buf + k, len - (size_t)k, " and peak heap <= %.0f MiB", (double)o->max_heap / (1 << 20));
}

static void step_text(const tune_cfg *c, char *buf, size_t len) {
    if (c->barrier == TC_BARRIER_STW)
        snprintf(buf, len, "-");
    else if (c->step_work == TUNE_STEP_AUTO)
        snprintf(buf, len, "auto");
    else
        snprintf(buf, len, "%u", c->step_work);
}

/* The `tricolor bench` command line that runs c as tune ran it: the swept
 * knobs, then every other knob that differs from its default. */
void tune_bench_command(const tune_opts *o, const tune_cfg *c, char *buf, size_t len) {
    size_t at = 0;
#define ADD(...) (at += at < len ? (size_t)snprintf(buf + at, len - at, __VA_ARGS__) : 0)
    ADD("%s bench --workload %s --size %s --seed %llu --collector tricolor --barrier %s", program_invocation_name,
        o->wl->name, wl_size_names[o->size], (unsigned long long)o->seed, tc_barrier_name(c->barrier));
    if (c->barrier != TC_BARRIER_STW) {
        if (c->step_work == TUNE_STEP_AUTO)
            ADD(" --pause-target %uus", o->target_us);
        else
            ADD(" --step-work %u", c->step_work);
    }
    ADD(" --trigger %u", c->trigger_pct);
    tc_config def, tc;
    tc_config_default(&def);
    tune_cfg_to_tc(o, c, &tc);
    for (int k = 0; k < KNOB_N; k++) {
        if (k == KNOB_BARRIER_ID || k == KNOB_STEP_WORK || k == KNOB_TRIGGER || k == KNOB_PAUSE_TARGET) continue;
        if (knobs[k].get(&tc) == knobs[k].get(&def)) continue;
        char v[64];
        knob_format(&knobs[k], &tc, v, sizeof v);
        ADD(" --%s %s", knobs[k].name, v);
    }
    if (o->repeat > 1) ADD(" --repeat %d", o->repeat);
#undef ADD
}

static void print_row(const tune_cfg *c, size_t idx, long pick) {
    char step[16], mx[24], p99[24], mode[32];
    step_text(c, step, sizeof step);
    tune_mode_text(c, mode, sizeof mode);
    cli_fmt_us(mx, sizeof mx, c->obj[TUNE_MAX_US]);
    cli_fmt_us(p99, sizeof p99, c->obj[TUNE_P99_US]);
    printf("  %3zu %c %-14s %-9s %6s %7u%% %10s %10s %7.1f%% %9.1f ms %7.1f MiB  %-4s%s\n", idx,
           c->on_front ? '*' : ' ', mode, tc_barrier_name(c->barrier), step, c->trigger_pct, mx, p99,
           c->obj[TUNE_GC_SHARE] * 100, c->obj[TUNE_WALL_MS], c->obj[TUNE_PEAK_HEAP] / (1 << 20),
           c->meets ? "yes" : "no", (long)idx == pick ? "  <- recommended" : "");
}

/* Sorting rows for the table: by the target's pause figure, then wall. */
static const tune_cfg *g_sort_cfgs;
static tune_metric g_sort_on;
static int cmp_rows(const void *a, const void *b) {
    const tune_cfg *x = &g_sort_cfgs[*(const size_t *)a], *y = &g_sort_cfgs[*(const size_t *)b];
    int col = g_sort_on == TUNE_ON_MAX ? TUNE_MAX_US : TUNE_P99_US;
    if (x->obj[col] != y->obj[col]) return x->obj[col] < y->obj[col] ? -1 : 1;
    if (x->obj[TUNE_WALL_MS] != y->obj[TUNE_WALL_MS]) return x->obj[TUNE_WALL_MS] < y->obj[TUNE_WALL_MS] ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

void tune_print_table(const tune_opts *o, const tune_cfg *cfgs, size_t n, long pick) {
    size_t *rows = malloc((n ? n : 1) * sizeof *rows), nr = 0;
    if (!rows) cli_fail("tune", "out of memory");
    for (size_t i = 0; i < n; i++)
        if (cfgs[i].state == CFG_DONE && (o->all || cfgs[i].on_front)) rows[nr++] = i;
    g_sort_cfgs = cfgs;
    g_sort_on = o->on;
    qsort(rows, nr, sizeof *rows, cmp_rows);
    printf("\n  %3s %c %-14s %-9s %6s %8s %10s %10s %8s %12s %11s  %s\n", "#", ' ', "mode", "barrier", "step",
           "trigger", "max pause", "p99", "GC CPU", "wall", "peak heap", "meets");
    for (size_t i = 0; i < nr; i++) print_row(&cfgs[rows[i]], rows[i], pick);
    free(rows);
}

void tune_write_json(FILE *f, const tune_opts *o, const tune_cfg *cfgs, size_t n, long pick, const char *cmd) {
    fprintf(f,
            "{\"workload\":\"%s\",\"size\":\"%s\",\"seed\":%llu,\"repeat\":%d,\"target_us\":%u,\"target_on\":\"%s\",",
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
        tune_cfg_to_tc(o, c, &tc);
        fprintf(f, "%s\n{\"barrier\":\"%s\",\"mode\":\"%s\",", i ? "," : "", tc_barrier_name(c->barrier),
                c->concurrent ? "concurrent" : "incremental");
        /* The marker's CPU cap: only a concurrent configuration has one. */
        if (c->concurrent)
            fprintf(f, "\"gc_cpu_pct\":%u,", c->gc_cpu_pct);
        else
            fprintf(f, "\"gc_cpu_pct\":null,");
        /* step_work is the budget in force: the starting point under the
         * auto-pacer, none under stw. */
        if (c->barrier == TC_BARRIER_STW)
            fprintf(f, "\"step_work\":null,");
        else
            fprintf(f, "\"step_work\":%u,", tc.step_work);
        fprintf(f, "\"trigger_pct\":%u,\"pause_target_us\":%u,\"status\":\"%s\",", c->trigger_pct, tc.pause_target_usec,
                c->state == CFG_DONE     ? "ok"
                : c->state == CFG_FAILED ? "failed"
                                         : "skipped");
        if (c->state == CFG_FAILED) {
            fprintf(f, "\"error\":\"");
            for (const char *s = c->error; *s; s++)
                if (*s == '"' || *s == '\\')
                    fprintf(f, "\\%c", *s);
                else if ((unsigned char)*s >= 32)
                    fputc(*s, f);
            fprintf(f, "\",");
        }
        if (c->state == CFG_DONE) {
            fprintf(f, "\"figures\":{");
            figures_json(f, &c->fig);
            fprintf(f, "},");
        }
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
bool tune_write_png(const tune_opts *o, const tune_cfg *cfgs, size_t n, long pick, size_t nfront, const char *path,
                    char *err, size_t errlen) {
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, TUNE_PNG_W, TUNE_PNG_H, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *r = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
    text *t = r ? text_open(r, 14, err, errlen) : NULL;
    plot_dot *dots = malloc((n ? n : 1) * sizeof *dots);
    bool ok = false;
    if (!surf || !r) snprintf(err, errlen, "SDL: %s", SDL_GetError());
    if (t && dots) {
        SDL_SetRenderDrawColor(r, PAL_BG.r, PAL_BG.g, PAL_BG.b, 255);
        SDL_RenderClear(r);
        char goal[96], head[400];
        tune_fmt_goal(o, goal, sizeof goal);
        size_t measured = 0;
        for (size_t i = 0; i < n; i++) measured += cfgs[i].state == CFG_DONE;
        snprintf(head, sizeof head,
                 "tricolor tune: %s (size %s, seed %llu), target %s: %zu configurations, %zu on the Pareto front "
                 "(of max pause, p99, GC CPU, wall, peak heap)",
                 o->wl->name, wl_size_names[o->size], (unsigned long long)o->seed, goal, measured, nfront);
        text_draw(t, 16, 10, PAL_TEXT, head);
        char pick_label[128] = "", sub[256];
        if (pick >= 0) {
            const tune_cfg *p = &cfgs[pick];
            char what[80];
            tune_describe(p, what, sizeof what);
            snprintf(pick_label, sizeof pick_label, "#%ld %s", pick, what);
            snprintf(sub, sizeof sub, "recommended: %s (%s)%s", pick_label,
                     p->meets ? "meets the target" : "closest; nothing meets the target",
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
                double y = panel == 0 ? cfgs[i].obj[TUNE_WALL_MS] : cfgs[i].obj[TUNE_GC_SHARE] * 100;
                int kind = (long)i == pick ? PLOT_DOT_PICK : cfgs[i].on_front ? PLOT_DOT_FRONT : PLOT_DOT_OTHER;
                dots[nd++] = (plot_dot){cfgs[i].obj[col], y, kind};
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
            SDL_Rect area = {8 + panel * TUNE_PNG_W / 2, top, TUNE_PNG_W / 2 - 12, TUNE_PNG_H - top - 8};
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

/* ---------- the text around the table ---------- */

/* What will run, before the sweep. */
void tune_print_header(const tune_opts *o, size_t n) {
    char goal[96];
    tune_fmt_goal(o, goal, sizeof goal);
    printf("tricolor tune: %s (size %s, seed %llu), target %s.\n", o->wl->name, wl_size_names[o->size],
           (unsigned long long)o->seed, goal);
    bool concurrent = false, stw = false, refused = false;
    for (size_t m = 0; m < o->nmodes; m++) concurrent |= o->modes[m];
    for (size_t b = 0; b < o->nbarriers; b++) {
        stw |= o->barriers[b] == TC_BARRIER_STW;
        refused |= concurrent && !tune_mode_runs(true, o->barriers[b]);
    }
    char caps[48] = "";
    if (concurrent)
        snprintf(caps, sizeof caps, " (x %zu marker CPU cap%s when concurrent)", o->ngc_cpus,
                 o->ngc_cpus > 1 ? "s" : "");
    printf("%zu configurations: %zu step budget%s x %zu trigger%s x %zu mode%s x %zu barrier%s%s%s%s.\n"
           "Each runs in child processes of its own, one at a time: per repeat an untimed run (wall, GC CPU\n"
           "share, peak heap) and a timed run (pauses: operations >= 1 us, timed from outside as bench does).\n",
           n, o->nsteps, o->nsteps > 1 ? "s" : "", o->ntriggers, o->ntriggers > 1 ? "s" : "", o->nmodes,
           o->nmodes > 1 ? "s" : "", o->nbarriers, o->nbarriers > 1 ? "s" : "", caps,
           stw ? "; stw has no step budget" : "", refused ? "; the concurrent mode runs no steele or stw" : "");
    if (concurrent)
        printf("The GC CPU share counts a concurrent configuration's marker thread, as bench's GC CPU does.\n");
    if (o->repeat > 1)
        printf("Figures are medians of %d runs each.\n", o->repeat);
    else
        printf("Figures are single runs on a noisy machine: differences of a few %% are noise (--repeat N for "
               "medians).\n");
    fflush(stdout);
}

/* "sweeping barrier dijkstra,yuasa; step-work auto,1000; trigger 100%; mode incremental,concurrent;
 * gc-cpu 25; target pause-target 200us" */
void tune_print_sweep(const tune_opts *o) {
    tc_config c = o->base;
    char v[64];
    printf("tricolor tune: sweeping barrier ");
    for (size_t i = 0; i < o->nbarriers; i++) printf("%s%s", i ? "," : "", tc_barrier_name(o->barriers[i]));
    printf("; step-work ");
    for (size_t i = 0; i < o->nsteps; i++) {
        knobs[KNOB_STEP_WORK].set(&c, o->steps[i]);
        knob_format(&knobs[KNOB_STEP_WORK], &c, v, sizeof v);
        printf("%s%s", i ? "," : "", o->steps[i] == TUNE_STEP_AUTO ? "auto" : v);
    }
    printf("; trigger ");
    for (size_t i = 0; i < o->ntriggers; i++) {
        knobs[KNOB_TRIGGER].set(&c, o->triggers[i]);
        knob_format(&knobs[KNOB_TRIGGER], &c, v, sizeof v);
        printf("%s%s", i ? "," : "", v);
    }
    printf("; mode ");
    for (size_t i = 0; i < o->nmodes; i++) {
        knobs[KNOB_MODE_ID].set(&c, o->modes[i]);
        knob_format(&knobs[KNOB_MODE_ID], &c, v, sizeof v);
        printf("%s%s", i ? "," : "", v);
    }
    printf("; gc-cpu ");
    for (size_t i = 0; i < o->ngc_cpus; i++) {
        knobs[KNOB_GC_CPU].set(&c, o->gc_cpus[i]);
        knob_format(&knobs[KNOB_GC_CPU], &c, v, sizeof v);
        printf("%s%s", i ? "," : "", v);
    }
    knobs[KNOB_PAUSE_TARGET].set(&c, o->target_us);
    knob_format(&knobs[KNOB_PAUSE_TARGET], &c, v, sizeof v);
    printf("; target pause-target %s\n", v);
}

/* Why the pick, in words, and the command that reproduces it into cmd. */
void tune_explain(const tune_opts *o, const tune_cfg *cfgs, const tune_pick *pick, size_t ndone, char *cmd,
                  size_t cmdlen) {
    char goal[96];
    tune_fmt_goal(o, goal, sizeof goal);
    if (pick->index < 0) {
        printf("Nothing was measured: no recommendation.\n");
        return;
    }
    const tune_cfg *p = &cfgs[pick->index];
    char what[96], mx[24], p99[24];
    tune_describe(p, what, sizeof what);
    cli_fmt_us(mx, sizeof mx, p->obj[TUNE_MAX_US]);
    cli_fmt_us(p99, sizeof p99, p->obj[TUNE_P99_US]);
    printf("Recommended: #%ld (%s).\n", pick->index, what);
    if (pick->meets && pick->ntied > 1)
        printf("  Why: %zu of %zu configurations meet %s. The fastest of them ran in %.1f ms; the %zu within\n"
               "  %.0f%% of that count as tied (%s), and of those this one has the smallest peak heap.\n",
               pick->nmeeting, ndone, goal, pick->fastest_ms, pick->ntied, TUNE_NEAR_TIE * 100,
               o->repeat > 1 ? "medians still vary by a few %" : "single runs differ by about that");
    else if (pick->meets)
        printf("  Why: %zu of %zu configurations meet %s, and this one ran fastest, by more than %.0f%%.\n",
               pick->nmeeting, ndone, goal, TUNE_NEAR_TIE * 100);
    else
        printf("  Why: no configuration meets %s; this one comes closest (the lowest %s%s).\n", goal,
               tune_metric_name(o->on), o->max_heap ? " among those within the heap limit, if any are" : "");
    printf("  Its figures: max pause %s, p99 %s, GC CPU share %.1f%%, wall %.1f ms, peak heap %.1f MiB.\n", mx, p99,
           p->obj[TUNE_GC_SHARE] * 100, p->obj[TUNE_WALL_MS], p->obj[TUNE_PEAK_HEAP] / (1 << 20));
    tune_bench_command(o, p, cmd, cmdlen);
    printf("Reproduce it:\n  %s\n", cmd);
}
