/*
 * scene_measured.c — a --passes run of view or record, measured first.
 *
 * The window's turns keep a measured slice off every CPU the drawing, the
 * encoder or the other collector use (turns.h), but each turn still
 * leaves the heap for the rest of the frame. On a host that evicts a heap
 * left alone for a few milliseconds, Tricolor's increments after a turn
 * read slower than bench's, by 1.26x at the p50 on one VM here
 * (docs/design.md section 8), and no arrangement of turns at frame rate
 * gets that back. So a --passes run is measured the way bench measures:
 * each collector's N passes as bench's measure_once runs them, an untimed
 * run and then the timed one (bench's threshold and hiccup spin), each in
 * a child process of its own (runner.h), one after the other, before the
 * live run, Boehm's feed or the encoder start, while this process waits
 * on the pipe.
 *
 * The live run then animates the heap, and the plots show the measured
 * runs up to the point the live run has reached in the program: its
 * allocations so far. The workload allocates the same objects in the same
 * order in every run, on either collector (the checksums say so), so the
 * measured pause logged at allocation k (oplog_entry.seq) is shown when
 * the live run has made its k-th allocation. The plots' clock is each
 * measured run's own execution time. The summary prints the measured
 * runs' figures, from runner.c's pauses as bench's table takes them.
 */
#include "scene.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_place.h"
#include "metrics.h"
#include "turns.h"

/* One collector as bench's measure_once runs it (run_untimed_then_timed,
 * with bench's defaults): an untimed run (its throughput: wall and CPU,
 * into thr), then the timed one (pauses and heap samples, into r). */
static bool measure_one(scene *s, collector_kind kind, run_result *thr, run_result *r) {
    run_config rc;
    run_config_defaults(&rc);
    rc.kind = kind;
    rc.tc = s->cfg;
    rc.min_heap_given = true; /* scene_defaults chose it for the window's workload */
    rc.wl = s->wl;
    rc.size = s->size;
    rc.seed = s->seed;
    rc.passes = (int)s->measure_passes;
    rc.hiccup_ns = s->measure_hiccup_ns;
    fprintf(stderr,
            "tricolor %s: measuring %s first: %ld passes on %s, untimed then timed as bench runs them (a %.2g s spin "
            "before the timed run)...",
            s->cmd, s->wl->name, s->measure_passes, collector_names[kind], (double)s->measure_hiccup_ns / 1e9);
    fflush(stderr);
    uint64_t t = turns_now();
    char err[300];
    /* The children inherit this thread's CPUs: bench's may use every CPU,
     * and so may these (the viewer's are put back after). */
    place_anywhere();
    bool ok = run_untimed_then_timed(&rc, NULL, NULL, thr, r, err, sizeof err);
    place_as_viewer();
    if (!ok) {
        fprintf(stderr, "\ntricolor %s: %s on %s: %s\n", s->cmd, s->wl->name, collector_names[kind], err);
        return false;
    }
    fprintf(stderr, " %.1f s\n", (double)(turns_now() - t) / 1e9);
    turn_who who = kind == COL_BOEHM ? TURN_BOEHM : TURN_TRICOLOR;
    turns_log(who, thr->t0_ns, thr->t1_ns);
    turns_log(who, r->t0_ns, r->t1_ns);
    return true;
}

bool scene_measure_first(scene *s) {
    scene_measured_free(s);
    if (s->measure_passes <= 0 || s->deterministic) return true;
    if (!measure_one(s, COL_TRICOLOR, &s->mtri_thr, &s->mtri)) return false;
    if (s->boehm_on) {
        if (!measure_one(s, COL_BOEHM, &s->mboe_thr, &s->mboe)) {
            scene_measured_free(s);
            return false;
        }
        if (s->mboe.checksum != s->mtri.checksum) {
            fprintf(stderr,
                    "tricolor %s: %s's checksums differ (tricolor %016llx, boehm %016llx): the runs did not "
                    "do the same work\n",
                    s->cmd, s->wl->name, (unsigned long long)s->mtri.checksum, (unsigned long long)s->mboe.checksum);
            scene_measured_free(s);
            return false;
        }
    }
    s->measured = true;
    return true;
}

void scene_measured_free(scene *s) {
    run_result_free(&s->mtri);
    run_result_free(&s->mboe);
    run_result_free(&s->mtri_thr);
    run_result_free(&s->mboe_thr);
    s->measured = false;
    s->mtri_seen = s->mtri_hseen = s->mboe_seen = s->mboe_hseen = 0;
}

/* Moves run r's pauses and heap samples up to allocation k (all of them
 * if all) into se, on r's clock; se->now_s is the newest time shown. */
static void reveal(series *se, const run_result *r, size_t *seen, size_t *hseen, uint64_t k, bool all, bool trigger) {
    double t = se->now_s;
    for (; *seen < r->npauses && (all || r->pauses[*seen].seq <= k); (*seen)++) {
        const oplog_entry *e = &r->pauses[*seen];
        double start = (double)(e->start_ns - r->t0_ns) / 1e9, end = start + (double)e->dur_ns / 1e9;
        series_add_pause(se, start, (double)e->dur_ns / 1e3);
        if (end > t) t = end;
    }
    for (; *hseen < r->nheap && (all || r->heap[*hseen].seq <= k); (*hseen)++) {
        const heap_sample *h = &r->heap[*hseen];
        double at = (double)(h->t_ns - r->t0_ns) / 1e9;
        series_add_point(&se->heap, &se->nheap, &se->cap_heap, at, (double)h->heap_bytes / (1 << 20));
        if (trigger) series_add_point(&se->trig, &se->ntrig, &se->cap_trig, at, (double)h->trigger_bytes / (1 << 20));
        if (at > t) t = at;
    }
    if (all) t = (double)(r->t1_ns - r->t0_ns) / 1e9;
    se->now_s = t;
    /* A sample is taken where the heap changed: its size holds until the
     * next, so the line is carried to the newest time shown (a point too
     * close to the last is dropped by series_add_point). */
    if (*hseen) {
        const heap_sample *h = &r->heap[*hseen - 1];
        series_add_point(&se->heap, &se->nheap, &se->cap_heap, t, (double)h->heap_bytes / (1 << 20));
        if (trigger) series_add_point(&se->trig, &se->ntrig, &se->cap_trig, t, (double)h->trigger_bytes / (1 << 20));
    }
}

void scene_measured_collect(scene *s) {
    uint64_t k = live_allocs(s->lv);
    bool all = live_rounds(s->lv) >= (uint64_t)s->measure_passes;
    reveal(&s->tri, &s->mtri, &s->mtri_seen, &s->mtri_hseen, k, all, true);
    if (s->boehm_on) reveal(&s->boe, &s->mboe, &s->mboe_seen, &s->mboe_hseen, k, all, false);
}

/* A measured run's pause figures, as bench's table takes them. */
typedef struct measured_figs {
    metrics_summary all, no_tick;
    size_t env;       /* pauses over 200 us that held no collector work */
    double gc_max_us; /* the longest that held some */
} measured_figs;

static void figs_of(const run_result *r, measured_figs *f) {
    memset(f, 0, sizeof *f);
    size_t n, nq;
    metrics_pause *p = run_metrics_pauses(r, false, &n), *q = run_metrics_pauses(r, true, &nq);
    if (p) metrics_summarize(p, n, &f->all);
    if (q) metrics_summarize(q, nq, &f->no_tick);
    free(p);
    free(q);
    f->env = run_env_pauses(r, 200000);
    f->gc_max_us = (double)run_gc_max_ns(r) / 1e3;
}

void scene_measured_summary(scene *s, FILE *f) {
    measured_figs t, b;
    figs_of(&s->mtri, &t);
    fprintf(f, "%s: %s, %.2f s of execution, %ld passes; tricolor %zu pauses p50 %.1f us p99 %.1f us max %.1f us",
            s->cmd, s->wl->name, (double)(s->mtri.t1_ns - s->mtri.t0_ns) / 1e9, s->measure_passes, t.all.count,
            t.all.p50_us, t.all.p99_us, t.all.max_us);
    if (s->boehm_on) {
        figs_of(&s->mboe, &b);
        fprintf(f, "; boehm %zu pauses p50 %.1f us p99 %.1f us max %.1f us", b.all.count, b.all.p50_us, b.all.p99_us,
                b.all.max_us);
    }
    fprintf(f, "; tricolor env pauses >200us %zu, max pause with GC work %.1f us", t.env, t.gc_max_us);
    const machine_ticks *mt = &s->mtri.hic.ticks;
    if (mt->t[0].period_ns) {
        fprintf(f, "; machine tick every %.1f us (%.1f us long)", (double)mt->t[0].period_ns / 1e3,
                (double)mt->t[0].len_ns / 1e3);
        if (mt->t[1].period_ns)
            fprintf(f, " and every %.1f us (%.1f us long)", (double)mt->t[1].period_ns / 1e3,
                    (double)mt->t[1].len_ns / 1e3);
        fprintf(f, " in %.1f%% of tricolor's pauses, tricolor p99 without the ticks %.1f us",
                t.all.count ? 100.0 * (double)s->mtri.hic.tick_pauses / (double)t.all.count : 0.0, t.no_tick.p99_us);
    }
    if (s->boehm_on && s->mboe.hic.ticks.t[0].period_ns)
        fprintf(f, "; in %.1f%% of boehm's pauses, boehm p99 without the ticks %.1f us",
                b.all.count ? 100.0 * (double)s->mboe.hic.tick_pauses / (double)b.all.count : 0.0, b.no_tick.p99_us);
    fprintf(f, "; untimed runs: wall tricolor %.1f ms", (double)s->mtri_thr.wall_ns / 1e6);
    if (s->boehm_on)
        fprintf(f, ", boehm %.1f ms (tricolor/boehm %.2fx)", (double)s->mboe_thr.wall_ns / 1e6,
                s->mboe_thr.wall_ns ? (double)s->mtri_thr.wall_ns / (double)s->mboe_thr.wall_ns : 0.0);
    fprintf(f,
            "; measured first, as bench measures: each collector's %ld passes untimed then timed, each run in a "
            "child process of its own, one after the other, before the window ran (%s)\n",
            s->measure_passes, s->boehm_on ? "checksums equal" : "boehm off");
}
