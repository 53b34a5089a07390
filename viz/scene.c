/*
 * scene.c — the run behind the picture (see scene.h): starting and
 * stopping the workload and Boehm, advancing them a frame at a time,
 * moving their pauses, events and heap sizes into the plots' series, and
 * the controls (speed, barrier, budgets, auto-pacer, workload, view).
 * Drawing is scene_draw.c.
 *
 * Each frame: let the workload run a slice (live.c), then give the Boehm
 * child the same execution time and wait until it has used it (feed.c);
 * read the collector's events, pauses and stats; sync and lay out the
 * graph. One thing runs at a time (docs/design.md, "Turns"): Tricolor's
 * slice, Boehm's, or this thread's own work, which happens while the
 * workload is parked at a safepoint and Boehm is blocked for credit.
 *
 * Speed, in steps (+/-): below 1, slow motion: the workload runs one
 * increment at a time and that increment's shade/blacken events are
 * replayed over 2/speed frames, so the wavefront can be followed object by
 * object (in the concurrent mode, whose marker records no events, only the
 * barrier hits are replayed and colours are read at every sync). At 1, one increment a frame. Above 1, the workload runs that
 * many times 0.25 ms of execution a frame, up to 32 (8 ms: full speed at
 * 60 fps, half the time left for drawing); a deterministic scene runs
 * that many increments instead, since a slice of time is not repeatable.
 */
#include "scene.h"

#include "cpu_place.h"
#include "palette.h"
#include "plots.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NODES 5000
/* A deterministic slice is bounded by increments only: this much
 * execution time (about 11 days) never runs out first. */
#define DET_SLICE_NS 1000000000000000ull

const double scene_speeds[] = {1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2, 1, 2, 4, 8, 16, 32};
const int scene_nspeeds = (int)(sizeof scene_speeds / sizeof scene_speeds[0]);

double scene_speed(const scene *s) { return scene_speeds[s->speed_idx]; }

int scene_speed_index(double x) {
    int best = 0;
    for (int k = 0; k < scene_nspeeds; k++)
        if (fabs(log(scene_speeds[k] / x)) < fabs(log(scene_speeds[best] / x))) best = k;
    return best;
}

void scene_note(scene *s, const char *msg) {
    snprintf(s->note, sizeof s->note, "%s", msg);
    s->note_until = s->clock_s + 4;
}

void scene_caption(scene *s, const char *msg, double seconds) {
    snprintf(s->caption, sizeof s->caption, "%s", msg);
    s->caption_from = s->clock_s;
    s->caption_until = s->clock_s + seconds;
}

/* The sliders show the settings in force. */
static void sync_sliders(scene *s) {
    s->sliders[0].value = s->cfg.budget_unit == TC_BUDGET_WORK ? s->cfg.step_work : s->cfg.step_usec;
    s->sliders[1].value = s->cfg.trigger_pct;
    s->sliders[2].value = (double)s->cfg.heap_limit;
}

/* ------------------------------------------------------------ settings */

void scene_init(scene *s, const char *cmd) {
    memset(s, 0, sizeof *s);
    s->cmd = cmd;
    s->wl = wl_find("demo");
    if (!s->wl) s->wl = &wl_table[0];
    s->size = -1;
    s->seed = 1;
    s->speed_idx = -1; /* by workload, in scene_defaults */
    s->boehm_on = true;
    s->measure_hiccup_ns = SCENE_MEASURE_HICCUP_NS;
    s->mouse_x = s->mouse_y = -1;
    s->zoom_drag_x = s->map_drag_x = s->map_drag_y = -1;
    s->fd.rfd = s->fd.wfd = -1;
    s->last_metrics_s = -1e9;
    s->at = s->map_at = s->insp_at = -1;
    s->speed_after = -1;
    s->until_phase = s->lesson = -1;
    s->history_mb = SCENE_HISTORY_MB_DEFAULT;
    tc_config_default(&s->cfg);
}

void scene_defaults(scene *s) {
    bool demo = !strcmp(s->wl->name, "demo");
    if (s->speed_idx < 0) s->speed_idx = demo ? SCENE_SPEED_ONE : scene_nspeeds - 1;
    if (s->size < 0) s->size = demo ? 0 : 1;
    /* The demo's heap is small: a small budget and no minimum heap let
     * cycles and their wavefront be seen within seconds. Elsewhere the
     * budget and the minimum heap are the collector's defaults, the ones
     * bench runs with. */
    if (!s->step_given && demo) s->cfg.step_work = 40;
    if (!s->min_heap_given && demo) s->cfg.min_heap = 32 << 10;
}

void scene_settle(scene *s) {
    s->pause_target_on = s->cfg.pause_target_usec ? s->cfg.pause_target_usec : SCENE_PAUSE_TARGET_DEFAULT;
    if (s->deterministic) {
        s->boehm_on = false;       /* Boehm's pauses exist only as clock readings */
        s->cfg.mem_thread = false; /* its work would land wherever the OS schedules it */
        s->cfg.mmu_pct = 0;        /* the utilization guard defers increments by the clock */
        s->cfg.conc_mmu_pct = 0;   /* (and the concurrent mode's, though that mode is refused there) */
    }
    s->sliders[0] = (scene_slider){.label = "step", .lo = 10, .hi = 100000};
    s->sliders[1] = (scene_slider){.label = "trigger", .lo = 10, .hi = 1000};
    s->sliders[2] =
        (scene_slider){.label = "heap limit", .lo = 16.0 * (1 << 20), .hi = 16.0 * (1u << 30), .zero_is_none = true};
    sync_sliders(s);
}

/* ------------------------------------------------------------ running */

static void stop_runs(scene *s) {
    s->observing = false;
    live_stop(s->lv);
    s->lv = NULL;
    feed_stop(&s->fd);
    graph_free(&s->g); /* the selection with it */
    inspector_select(&s->insp, NULL);
    series_reset(&s->tri);
    series_reset(&s->boe);
    s->tri_seen = 0;
    s->marker_seen_ns = s->marker_run_ns = s->marker_parked_ns = 0;
    s->det_bytes = s->det_work = s->det_incr = 0;
    s->nreplay = s->replay_pos = 0;
    s->until_phase = s->lesson = -1;
    s->broken = false; /* its heap is gone with the run */
    s->lesson_msg[0] = 0;
    history_clear(&s->hist); /* frames of a run that is gone */
    s->at = -1;
    s->playing = false;
    inspector_moment(&s->insp, false, 0, 0, -1);
    s->map_at = -1;
}

/* The event ring feeds the graph's flashes, fades and slow-motion replay.
 * Recording an event per shade, blacken, allocation and free slows
 * increments (GCBench's median pause: 11 us without, 15-16 us with), so
 * it is attached only while the graph is on screen: the heap map shows
 * pause figures as `tricolor bench` measures them. */
static void set_observing(scene *s) {
    if (!s->lv) return;
    tc_heap *h = live_heap(s->lv);
    if (s->show_heapmap) {
        tc_observe_stop(h);
        s->observing = false;
        return;
    }
    if (!s->observing) s->observing = tc_observe_start(h, 1 << 18);
    /* Only what the graph cannot read from the heap: barrier hits (the
     * flashes). Colours are read at each sync and a node the sync no longer
     * reaches fades out, so free events are not needed either; shade and
     * blacken are recorded only in slow motion, which replays them.
     * Recording every shade, blacken and free slowed each increment. */
    uint32_t mask = 1u << TC_EV_BARRIER | 1u << TC_EV_PHASE;
    if (scene_speed(s) < 1) mask |= 1u << TC_EV_SHADE | 1u << TC_EV_BLACKEN | 1u << TC_EV_FREE;
    tc_observe_mask(h, mask);
}

bool scene_start(scene *s) {
    char err[256];
    /* The viewer leaves the measured CPU to the runs (cpu_place.h); the
     * memory thread and ffmpeg, started from here, inherit that. */
    place_as_viewer();
    if (s->hist.limit_bytes != s->history_mb << 20) {
        history_free(&s->hist);
        history_init(&s->hist, s->history_mb << 20, SCENE_HISTORY_SECONDS);
    }
    if (!scene_measure_first(s)) return false;
    s->lv = live_start(s->wl, s->size, s->seed, &s->cfg, err, sizeof err);
    if (!s->lv) {
        fprintf(stderr, "tricolor %s: cannot start %s: %s\n", s->cmd, s->wl->name, err);
        return false;
    }
    set_observing(s);
    /* Measured first, Boehm's pauses are its measured run's: no feed. */
    if (s->boehm_on && !s->measured && !feed_start(&s->fd, s->wl->name, s->size, s->seed)) scene_note(s, s->fd.status);
    s->last_metrics_s = -1e9;
    return true;
}

void scene_restart(scene *s) {
    stop_runs(s);
    if (!scene_start(s)) s->quit = true;
}

void scene_free(scene *s) {
    stop_runs(s);
    scene_measured_free(s);
    heapmap_free(&s->hm);
    free(s->replay);
    s->replay = NULL;
    s->replay_cap = 0;
    history_free(&s->hist);
    free(s->snap);
    s->snap = NULL;
    s->snap_cap = 0;
}

/* The virtual clock: seconds the run would have taken at DET_* rates. */
static double det_seconds(uint64_t bytes, uint64_t work, uint64_t increments) {
    return ((double)bytes * DET_NS_PER_BYTE + (double)work * DET_NS_PER_UNIT +
            (double)increments * DET_NS_PER_INCREMENT) /
           1e9;
}

/* Tricolor's new pauses into its series: timed operations from live.c's
 * log (execution time), or, deterministic, every increment of the
 * collector's own log, placed and sized by the virtual clock. Returns the
 * run's time now. */
static double collect_tricolor_pauses(scene *s) {
    tc_heap *h = live_heap(s->lv);
    if (s->deterministic) {
        size_t n;
        const tc_pause *p = tc_pause_log(h, &n);
        if (n < s->tri_seen) s->tri_seen = n; /* the log was cleared */
        for (size_t i = s->tri_seen; i < n; i++) {
            s->det_bytes += p[i].bytes_since;
            double t = det_seconds(s->det_bytes, s->det_work, s->det_incr);
            series_add_pause(&s->tri, t, ((double)p[i].work * DET_NS_PER_UNIT + DET_NS_PER_INCREMENT) / 1e3);
            s->det_work += p[i].work;
            s->det_incr++;
        }
        s->tri_seen = n;
        tc_stats st;
        tc_get_stats(h, &st);
        /* bytes_since sums to the bytes allocated up to the last increment,
         * so this is never before the last pause's end. */
        uint64_t bytes = st.bytes_allocated > s->det_bytes ? st.bytes_allocated : s->det_bytes;
        return det_seconds(bytes, s->det_work, s->det_incr);
    }
    for (size_t total = live_pause_count(s->lv); s->tri_seen < total; s->tri_seen++) {
        plot_pause p = live_pause(s->lv, s->tri_seen);
        series_add_pause(&s->tri, p.t_s, p.dur_us);
    }
    return live_exec_seconds(s->lv);
}

/* The percentiles and MMU, refreshed by the driver's clock: slow motion
 * barely advances execution, and a recording must not depend on the wall
 * clock. */
static void collect_done(scene *s) {
    if (s->clock_s - s->last_metrics_s >= 0.25) {
        series_metrics(&s->tri);
        series_metrics(&s->boe);
        s->last_metrics_s = s->clock_s;
    }
}

/* Moves new pauses, heap samples and Boehm's records into the series
 * (measured first: the measured runs' up to the live run's place). */
static void collect(scene *s) {
    if (s->measured) {
        scene_measured_collect(s);
        collect_done(s);
        return;
    }
    tc_heap *h = live_heap(s->lv);
    double t = collect_tricolor_pauses(s);
    s->tri.now_s = t;
    tc_stats st;
    tc_get_stats(h, &st);
    series_add_point(&s->tri.heap, &s->tri.nheap, &s->tri.cap_heap, t, (double)st.heap_bytes / (1 << 20));
    series_add_point(&s->tri.trig, &s->tri.ntrig, &s->tri.cap_trig, t, (double)st.trigger_bytes / (1 << 20));
    /* The marker's line from the first frame of the concurrent mode on
     * (and on after a switch back, where it falls to 0). */
    if (s->cfg.concurrent || s->tri.nmarker) series_add_marker(&s->tri, t, (double)s->marker_run_ns / 1e9);
    if (s->boehm_on && s->fd.pid) {
        size_t before = s->fd.npauses, hbefore = s->fd.nheap;
        bool was_alive = s->fd.alive;
        /* Boehm's turn, while Tricolor is parked: as much execution time as
         * Tricolor has had; returns once Boehm is blocked again, so neither
         * runs beside the other or the drawing (feed.h). */
        bool ok = s->paused ? feed_poll(&s->fd) : feed_turn(&s->fd, t);
        if (!ok && was_alive) scene_note(s, s->fd.status); /* e.g. "died (signal 9, Killed)" */
        for (size_t i = before; i < s->fd.npauses; i++)
            series_add_pause(&s->boe, s->fd.pauses[i].t_s, s->fd.pauses[i].dur_us);
        for (size_t i = hbefore; i < s->fd.nheap; i++)
            series_add_point(&s->boe.heap, &s->boe.nheap, &s->boe.cap_heap, s->fd.heap[i].t_s,
                             s->fd.heap[i].v / (1 << 20));
        /* Boehm's heap changes size only where the child reports it (feed.c,
         * on_heap_resize), and its turn's records are all in: its last size
         * holds up to where the turn ended. Carried there, its line spans
         * the run as Tricolor's does (a sample every frame). The value is
         * the last received, not the last point kept: series_add_point
         * drops a point too close to the one before. */
        if (s->fd.nheap)
            series_add_point(&s->boe.heap, &s->boe.nheap, &s->boe.cap_heap, s->fd.last_t,
                             s->fd.heap[s->fd.nheap - 1].v / (1 << 20));
        s->boe.now_s = s->fd.last_t;
    }
    collect_done(s);
}

/* One slice of the workload (live_run), and the concurrent marker's CPU
 * split by what the workload was doing meanwhile. The marker is parked
 * with the workload (live.c, tc_marker_park), but a slice of its own in
 * flight at the park finishes first. What it gained while the workload
 * ran is the run's (live.c counts it from the mutator's side of the
 * hand-off; the GC share panel plots it against the run's time, as the
 * pauses are); the rest is what it gained while the workload was parked,
 * counted apart (the summary of --frames and --passes runs says how much)
 * and never charged to a run that was not running. */
static void run_slice(scene *s, uint64_t exec_ns, uint64_t increments) {
    live_run(s->lv, exec_ns, increments);
    tc_stats st;
    tc_get_stats(live_heap(s->lv), &st);
    s->marker_seen_ns = st.marker_cpu_ns;
    s->marker_run_ns = live_marker_run_ns(s->lv); /* read before the park: never more than seen */
    s->marker_parked_ns = s->marker_seen_ns - s->marker_run_ns;
}

/* Events since the last frame: flashes and fades now; in slow motion the
 * colour changes are queued and replayed over the following frames. */
static void take_events(scene *s, bool to_replay) {
    tc_heap *h = live_heap(s->lv);
    uint64_t lost = 0;
    size_t n;
    uint64_t incr = tc_increment_count(h);
    while ((n = tc_observe_poll(h, s->evbuf, sizeof s->evbuf / sizeof s->evbuf[0], &lost)) > 0) {
        for (size_t i = 0; i < n; i++) {
            inspector_event(&s->insp, &s->evbuf[i], incr);
            if (to_replay && (s->evbuf[i].kind == TC_EV_SHADE || s->evbuf[i].kind == TC_EV_BLACKEN ||
                              s->evbuf[i].kind == TC_EV_BARRIER)) {
                series_grow((void **)&s->replay, &s->replay_cap, s->nreplay + 1, sizeof *s->replay);
                if (s->nreplay < s->replay_cap) s->replay[s->nreplay++] = s->evbuf[i];
            } else {
                graph_event(&s->g, &s->evbuf[i]);
            }
        }
    }
}

/* Runs the frame's share of the workload, or of a slow-motion replay;
 * returns whether either moved. */
static bool advance(scene *s) {
    bool slow = scene_speed(s) < 1;
    /* Colours replayed from events in slow motion only when every colour
     * change comes as an event: a concurrent marker records none (the
     * event ring is the mutator's), so its colours are read from the heap
     * at every sync, and only the barrier hits' flashes are replayed. */
    bool replay_colours = slow && !s->cfg.concurrent;
    s->g.replay = replay_colours && s->replay_pos < s->nreplay;
    if (s->replay_pos < s->nreplay) { /* still replaying the last increment */
        size_t per = (s->nreplay - s->replay_pos + (size_t)s->replay_frames_left - 1) / (size_t)s->replay_frames_left;
        for (size_t i = 0; i < per && s->replay_pos < s->nreplay; i++) graph_event(&s->g, &s->replay[s->replay_pos++]);
        if (s->replay_frames_left > 1) s->replay_frames_left--;
        if (s->replay_pos == s->nreplay) s->nreplay = s->replay_pos = 0, s->g.replay = false;
        return true;
    }
    bool run = !s->paused || s->step_requests > 0;
    if (!run) return false;
    scene_lesson_repair(s); /* never run a heap a lesson broke */
    tc_heap *h = live_heap(s->lv);
    if (slow || s->step_requests > 0 || s->speed_idx == SCENE_SPEED_ONE) {
        uint64_t before = tc_increment_count(h);
        /* One increment, or 50 ms of mutator (deterministic: however long
         * the mutator runs until the next increment). */
        run_slice(s, s->deterministic ? DET_SLICE_NS : 50000000, 1);
        if (tc_increment_count(h) == before && s->step_requests > 0) tc_step(h);
        s->stepped_incr += tc_increment_count(h) - before;
        if (s->step_requests > 0) s->step_requests--;
        if (slow) {
            take_events(s, true);
            s->replay_frames_left = (int)lround(2 / scene_speed(s));
            s->g.replay = replay_colours && s->nreplay > 0;
            return true;
        }
    } else if (s->deterministic) {
        run_slice(s, DET_SLICE_NS, (uint64_t)lround(scene_speed(s)));
    } else {
        run_slice(s, (uint64_t)(0.25e6 * scene_speed(s)), 0);
    }
    take_events(s, false);
    return true;
}

void scene_frame(scene *s, double dt) {
    if (!s->lv) return;
    if (s->at >= 0) { /* a past frame: the live run stays parked */
        collect(s);
        scene_travel_frame(s);
        if (s->at >= 0) {
            graph_tick(&s->g, (float)dt);
            if (s->insp.obj && !inspector_sync(&s->insp, live_heap(s->lv))) s->g.selected = NULL;
            scene_travel_show(s);
            graph_ease(&s->g, s->g.n > 2000 ? 1 : 3);
            return;
        }
    }
    if (s->lesson >= 0) { /* the lesson, or an increment towards a moment it can be made */
        if (scene_lesson_step(s))
            take_events(s, false); /* its barrier hits: flashes and arrows */
        else
            s->step_requests = 1;
    }
    uint64_t incr = tc_increment_count(live_heap(s->lv));
    bool moved = advance(s);
    if (moved) scene_until_check(s);
    if (tc_increment_count(live_heap(s->lv)) != incr) s->lesson_hold = false; /* the run moved on */
    collect(s);
    graph_tick(&s->g, s->lesson_hold ? 0 : (float)dt); /* a lesson's arrows and flashes stay while it is shown */
    if (!s->show_heapmap) {
        s->g.font = s->font;                          /* the summaries' counts */
        s->g.max_width = (uint32_t)(s->g.area.w / 5); /* 5 px a column in the panel last drawn */
        graph_sync(&s->g, live_heap(s->lv), MAX_NODES);
        graph_ease(&s->g, s->g.n > 2000 ? 1 : 3);
        s->graph_live = true;
    } else {
        heapmap_read(&s->hm, live_heap(s->lv));
        s->graph_live = false;
    }
    if (s->insp.obj && !inspector_sync(&s->insp, live_heap(s->lv))) s->g.selected = NULL; /* freed */
    /* The inspector read its colour after the graph's sync, holding the
     * mark state (tc_describe): beside a concurrent marker that reading is
     * as new or newer, and the ringed node shows what its panel says. */
    if (s->insp.obj && !s->show_heapmap && !s->g.replay && s->insp.info.obj == s->insp.obj)
        graph_recolour(&s->g, s->insp.obj, s->insp.info.colour);
    if (moved) scene_travel_record(s, dt);
    /* The measured CPU's next turn is the workload's (Boehm's, if any, ran
     * in collect): keep it from idling while this frame is drawn, at every
     * speed while the run plays. At speed 1 and slower too, where a turn
     * comes once a frame or less: there a sleeping vCPU's first increment
     * after waking read 3-4 ms where its work took ~10 us (live.c says
     * how that was measured). Stepped, paused or in virtual time
     * (deterministic) it sleeps: a step is not a figure, and virtual time
     * has no clock to protect. Slow motion requests it on every replay
     * frame, so the spin (at most LIVE_KEEP_WARM_NS a request) lasts
     * until the next turn. */
    if (moved && !s->paused && !s->deterministic && s->step_requests == 0) live_keep_warm(s->lv);
}

bool scene_passes_done(const scene *s, long passes) {
    if (!s->lv || live_rounds(s->lv) < (uint64_t)passes) return false;
    return !(s->boehm_on && s->fd.alive) || s->fd.rounds >= (uint64_t)passes;
}

/* The series' metrics over its pauses that start by cut_s, and the run
 * [0, cut_s]; cut_s < 0: all of it. */
static void metrics_upto(series *se, double cut_s) {
    size_t n = se->n, k = 0;
    double now = se->now_s;
    if (cut_s >= 0) {
        while (k < n && se->pauses[k].t_s <= cut_s) k++;
        se->n = k;
        se->now_s = cut_s;
    }
    series_metrics(se);
    se->n = n;
    se->now_s = now;
}

void scene_summary(scene *s, FILE *f, long passes) {
    if (!s->lv) return;
    if (s->measured) {
        scene_measured_summary(s, f);
        return;
    }
    /* bench --passes N measures N passes: cut each collector's pauses at
     * the end of its N-th (they finish them at different times). */
    bool cut = passes > 0 && !s->deterministic;
    double tri_cut = cut ? live_round_end_s(s->lv, (uint64_t)passes) : -1;
    double boe_cut = cut && s->fd.rounds >= (uint64_t)passes ? s->fd.round_t[passes - 1] : -1;
    metrics_upto(&s->tri, tri_cut);
    metrics_upto(&s->boe, boe_cut);
    fprintf(f, "%s: %s, %.2f s of %s, %llu passes; tricolor %zu pauses p50 %.1f us p99 %.1f us max %.1f us", s->cmd,
            s->wl->name, tri_cut >= 0 ? tri_cut : s->tri.now_s,
            s->deterministic ? "virtual time (from work units)" : "execution",
            (unsigned long long)(cut && tri_cut >= 0 ? (uint64_t)passes : live_rounds(s->lv)), s->tri.sum.count,
            s->tri.sum.p50_us, s->tri.sum.p99_us, s->tri.sum.max_us);
    if (s->boehm_on)
        fprintf(f, "; boehm %zu pauses p50 %.1f us p99 %.1f us max %.1f us", s->boe.sum.count, s->boe.sum.p50_us,
                s->boe.sum.p99_us, s->boe.sum.max_us);
    if (!s->deterministic) {
        size_t env;
        double gc_max;
        live_pause_split(s->lv, tri_cut, 200, &env, &gc_max);
        fprintf(f, "; tricolor env pauses >200us %zu, max pause with GC work %.1f us", env, gc_max);
    }
    const char *why;
    int rt = place_priority(&why);
    if (rt == 1) fprintf(f, "; measured at real-time priority (SCHED_FIFO 1)");
    if (rt == 0) fprintf(f, "; measured at normal priority (SCHED_FIFO refused: %s)", why);
    if (s->boehm_on && s->fd.warms)
        fprintf(f, "; boehm's resident pages read before each turn %.0f (%.2f ms), outside its execution time",
                (double)s->fd.warm_pages / (double)s->fd.warms, (double)s->fd.warm_ns / 1e6 / (double)s->fd.warms);
    if (s->stepped_incr && !s->deterministic)
        fprintf(f,
                "; %llu of %llu increments ran one a frame (speed 1 or slower): each started cold after a frame, "
                "so pauses read higher than bench's (compare at --speed 32)",
                (unsigned long long)s->stepped_incr, (unsigned long long)tc_increment_count(live_heap(s->lv)));
    /* The concurrent marker's CPU, as run_slice split it (whole run, not
     * cut at --passes: it is not a pause figure). */
    if (s->marker_run_ns || s->marker_parked_ns)
        fprintf(f, "; marker thread %.2f ms cpu while the workload ran, %.2f ms while it was parked",
                (double)s->marker_run_ns / 1e6, (double)s->marker_parked_ns / 1e6);
    fprintf(f, "\n");
}

/* ------------------------------------------------------------ controls */

void scene_set_speed(scene *s, int idx) {
    s->speed_idx = idx < 0 ? 0 : idx >= scene_nspeeds ? scene_nspeeds - 1 : idx;
    set_observing(s);
}

/* A click on the graph: on the inspector's panel (a slot followed), on a
 * summary (opened) or an object (selected, and inspected from the next
 * sync). */
bool scene_click(scene *s, int x, int y) {
    if (s->show_heapmap) return false;
    if (inspector_click(&s->insp, x, y)) {
        s->g.selected = s->insp.obj;
        return true;
    }
    bool changed = graph_click(&s->g, x, y);
    if (s->g.selected != s->insp.obj) inspector_select(&s->insp, s->g.selected);
    return changed;
}

void scene_set_view(scene *s, bool show_heapmap) {
    /* A past frame is of the view that was on screen then: the other view
     * is the live run's. */
    if (s->at >= 0 && show_heapmap != s->show_heapmap) scene_live(s, false);
    s->show_heapmap = show_heapmap;
    set_observing(s);
}

void scene_set_workload(scene *s, const wl_info *wl) {
    s->wl = wl;
    scene_restart(s);
}

const char *scene_configure(scene *s, const tc_config *config) {
    if (s->measured) {
        static const char fixed[] =
            "settings are fixed in a --passes run: its figures were measured first with them (without --passes, "
            "settings change live)";
        scene_note(s, fixed);
        return fixed;
    }
    tc_config c = *config;
    run_fit_min_heap(&c);
    const char *bad = tc_set_config(live_heap(s->lv), &c);
    if (bad) {
        scene_note(s, bad);
    } else {
        s->cfg = c;
        sync_sliders(s);
    }
    return bad;
}

const char *scene_set_barrier(scene *s, tc_barrier b) {
    tc_config c;
    tc_get_config(live_heap(s->lv), &c);
    c.barrier = b;
    const char *bad = scene_configure(s, &c);
    if (!bad) {
        char m[96];
        snprintf(m, sizeof m, "barrier: %s from the next cycle", tc_barrier_name(b));
        scene_note(s, m);
    }
    return bad;
}

/* Whether the mode runs with barrier b: tc_config_check refuses steele
 * and stw beside a concurrent marker (gc/barrier.c says why). */
static bool mode_runs(bool concurrent, tc_barrier b) {
    return !concurrent || (b != TC_BARRIER_STEELE && b != TC_BARRIER_STW);
}

tc_barrier scene_barrier_after(tc_barrier b, bool concurrent) {
    tc_barrier n = b;
    do n = (tc_barrier)((n + 1) % TC_BARRIER_COUNT);
    while (!mode_runs(concurrent, n) && n != b);
    return n;
}

void scene_next_barrier(scene *s) { scene_set_barrier(s, scene_barrier_after(s->cfg.barrier, s->cfg.concurrent)); }

const char *scene_set_mode(scene *s, bool concurrent) {
    tc_config c;
    tc_get_config(live_heap(s->lv), &c);
    tc_barrier was = c.barrier;
    c.concurrent = concurrent;
    if (!mode_runs(concurrent, c.barrier)) c.barrier = TC_BARRIER_DIJKSTRA;
    const char *bad = scene_configure(s, &c);
    if (!bad) {
        char m[160];
        if (c.barrier != was)
            snprintf(m, sizeof m, "mode: concurrent from the next cycle, with dijkstra (it does not run %s)",
                     tc_barrier_name(was));
        else if (concurrent)
            snprintf(m, sizeof m, "mode: concurrent from the next cycle (marker thread at %u%% of a core)",
                     c.gc_cpu_pct);
        else
            snprintf(m, sizeof m, "mode: incremental from the next cycle");
        scene_note(s, m);
    }
    return bad;
}

const char *scene_set_pause_target(scene *s, uint32_t usec) {
    tc_config c;
    tc_get_config(live_heap(s->lv), &c);
    c.pause_target_usec = usec;
    const char *bad = scene_configure(s, &c);
    if (!bad) {
        char m[128];
        if (usec) {
            s->pause_target_on = usec;
            snprintf(m, sizeof m, "auto-pacer on: increments sized to stay under %u us", usec);
        } else {
            snprintf(m, sizeof m, "auto-pacer off: fixed step budget");
        }
        scene_note(s, m);
    }
    return bad;
}

void scene_toggle_pause_target(scene *s) {
    if (s->deterministic) {
        scene_note(s, "auto-pacer: not in a deterministic recording (it sizes increments by the clock)");
        return;
    }
    scene_set_pause_target(s, s->cfg.pause_target_usec ? 0 : s->pause_target_on);
}

double scene_slider_value_at(const scene_slider *sl, double pos) {
    pos = pos < 0 ? 0 : pos > 1 ? 1 : pos;
    if (sl->zero_is_none && pos < 0.02) return 0;
    return sl->lo * pow(sl->hi / sl->lo, pos);
}

void scene_apply_slider(scene *s, int i) {
    scene_slider *sl = &s->sliders[i];
    tc_config c;
    tc_get_config(live_heap(s->lv), &c);
    if (i == 0) {
        if (c.budget_unit == TC_BUDGET_WORK)
            c.step_work = (uint32_t)lround(sl->value);
        else
            c.step_usec = (uint32_t)lround(sl->value);
    } else if (i == 1) {
        c.trigger_pct = (uint32_t)lround(sl->value);
    } else {
        c.heap_limit = (size_t)sl->value;
    }
    scene_configure(s, &c);
}

static bool inside(SDL_Rect rc, int x, int y) { return x >= rc.x && y >= rc.y && x < rc.x + rc.w && y < rc.y + rc.h; }

bool scene_pointer(scene *s, const SDL_Event *e) {
    if (scene_travel_pointer(s, e)) return true;
    if (e->type == SDL_MOUSEBUTTONDOWN && e->button.button == SDL_BUTTON_LEFT) {
        if (inside(s->timeline_at, e->button.x, e->button.y)) {
            s->zoom_drag_x = e->button.x;
            return true;
        }
        if (s->show_heapmap && inspector_click(&s->insp, e->button.x, e->button.y)) {
            s->g.selected = s->insp.obj; /* the panel's: a slot followed, or nothing */
            return true;
        }
        if (s->show_heapmap && inside(s->main_at, e->button.x, e->button.y)) {
            s->map_drag_x = s->map_down_x = e->button.x, s->map_drag_y = s->map_down_y = e->button.y;
            return true;
        }
        return false;
    }
    if (e->type == SDL_MOUSEMOTION && s->map_drag_x >= 0) {
        heapmap_pan(&s->hm, e->motion.x - s->map_drag_x, e->motion.y - s->map_drag_y);
        s->map_drag_x = e->motion.x, s->map_drag_y = e->motion.y;
        return true;
    }
    if (e->type == SDL_MOUSEBUTTONUP && e->button.button == SDL_BUTTON_LEFT) {
        bool mine = s->zoom_drag_x >= 0 || s->map_drag_x >= 0;
        hm_hit hit;
        if (s->map_drag_x >= 0 && e->button.x == s->map_down_x && e->button.y == s->map_down_y) {
            /* Released where it was pressed: a click, which inspects the object under it. */
            void *obj = heapmap_locate(&s->hm, s->main_at, e->button.x, e->button.y, &hit) ? (void *)hit.obj : NULL;
            inspector_select(&s->insp, obj);
            s->g.selected = obj;
        }
        if (s->zoom_drag_x >= 0 && plot_zoom_select(s->timeline_at, s->shown_from, s->shown_to, s->zoom_drag_x,
                                                    e->button.x, &s->zoom_from, &s->zoom_to)) {
            s->zoomed = true;
            scene_note(s, "time zoom: Z resets it");
        } else if (s->zoom_drag_x >= 0) { /* a click: on a pause bar, the heap right after that pause */
            plot_series ps[2] = {series_plot(&s->tri, "tricolor", PAL_TRICOLOR),
                                 series_plot(&s->boe, "boehm", PAL_BOEHM)};
            size_t si, pi;
            if (plot_timeline_hit(s->timeline_at, ps, s->boehm_on ? 2 : 1, s->shown_from, s->shown_to, e->button.x,
                                  e->button.y, &si, &pi))
                scene_seek_pause(s, ps[si].pauses[pi].t_s, ps[si].pauses[pi].dur_us);
        }
        s->zoom_drag_x = s->map_drag_x = s->map_drag_y = -1;
        return mine;
    }
    if (e->type == SDL_MOUSEWHEEL && s->show_heapmap && s->mouse_x >= 0 && inside(s->main_at, s->mouse_x, s->mouse_y)) {
        int steps = e->wheel.y * (e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -1 : 1);
        heapmap_zoom(&s->hm, s->main_at, steps > 0 ? 1.25 : steps < 0 ? 0.8 : 1, s->mouse_x, s->mouse_y);
        return true;
    }
    return false;
}

void scene_reset_zoom(scene *s) {
    s->zoomed = false;
    heapmap_view_reset(&s->hm);
    scene_note(s, "zoom reset: the run so far (last 10 s), the whole heap");
}
