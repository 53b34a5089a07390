/*
 * view.c — `tricolor view`: the window where the collector visibly works.
 *
 * Left: the object graph (or, with G, the heap map). Right: pause
 * timeline, pause distribution, MMU curve, GC share and heap size over
 * time, Tricolor and Boehm in the same axes. Bottom: sliders for the step
 * budget, trigger and heap limit, and the status line.
 *
 * Each frame: handle input; let the workload run a slice (live.c) and give
 * the Boehm child the same execution time (feed.c); read the collector's
 * events, pauses and stats; sync and lay out the graph; draw. Drawing
 * happens only while the workload is parked at a safepoint, never inside a
 * measured pause.
 *
 * Speed, in steps (+/-): below 1, slow motion: the workload runs one
 * increment at a time and that increment's shade/blacken events are
 * replayed over 2/speed frames, so the wavefront can be followed object by
 * object. At 1, one increment a frame. Above 1, the workload runs that
 * many times 0.25 ms of execution a frame, up to 32 (8 ms: full speed at
 * 60 fps, half the time left for drawing).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <SDL.h>
#include <SDL_image.h>

#include "cli.h"
#include "feed.h"
#include "graph.h"
#include "heapmap.h"
#include "live.h"
#include "metrics.h"
#include "palette.h"
#include "plots.h"
#include "registry.h"
#include "text.h"

#define MAX_NODES 5000
#define MAX_PAUSES 400000
#define SHARE_BUCKET_S 0.25

static const double speeds[] = {1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2, 1, 2, 4, 8, 16, 32};
#define SPEED_ONE 5 /* index of 1: one increment a frame */
#define NSPEEDS (int)(sizeof speeds / sizeof speeds[0])

/* One collector's plotted data. */
typedef struct series {
    plot_pause *pauses;
    size_t n, cap;
    plot_point *share, *heap, *trig;
    size_t nshare, nheap, ntrig, cap_share, cap_heap, cap_trig;
    double bucket_start, bucket_sum; /* the GC-share bucket being filled */
    double mmu[METRICS_NWINDOWS];
    metrics_summary sum;
    double now_s;
} series;

typedef struct slider {
    const char *label;
    SDL_Rect track;
    double lo, hi;   /* log scale between lo and hi */
    double value;
    bool zero_is_none; /* leftmost = "none" (heap limit) */
} slider;

typedef struct app {
    SDL_Window *win;
    SDL_Renderer *ren;
    text *font;
    int w, h;
    /* what runs */
    const wl_info *wl;
    int size;
    uint64_t seed;
    tc_config cfg;
    int speed_idx;
    bool boehm_on;
    live *lv;
    feed fd;
    /* views */
    graph g;
    heapmap hm;
    bool show_heapmap, paused, help, fullscreen, quit;
    bool observing; /* the event ring is attached */
    int step_requests;
    /* slow-motion replay of one increment's events */
    tc_event *replay;
    size_t nreplay, replay_pos, replay_cap;
    int replay_frames_left;
    tc_event evbuf[8192];
    /* plots */
    series tri, boe;
    size_t tri_seen;
    double *tmp_start, *tmp_dur;
    double last_metrics_s;
    slider sliders[3];
    int dragging;
    int mouse_x, mouse_y;
    /* frame timing */
    double fps, frame_ms;
    uint64_t last_ns;
    char note[200];
    double note_until;
} app;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void set_note(app *a, const char *msg) {
    snprintf(a->note, sizeof a->note, "%s", msg);
    a->note_until = (double)now_ns() / 1e9 + 4;
}

/* ------------------------------------------------------------ series */

static void grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return;
    size_t c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    void *np = realloc(*p, c * elem);
    if (!np) return;
    *p = np;
    *cap = c;
}

static void series_reset(series *s) {
    free(s->pauses);
    free(s->share);
    free(s->heap);
    free(s->trig);
    memset(s, 0, sizeof *s);
}

static void series_add_pause(series *s, double t, double dur_us) {
    if (s->n >= MAX_PAUSES) { /* keep the newest half */
        memmove(s->pauses, s->pauses + MAX_PAUSES / 2, (s->n - MAX_PAUSES / 2) * sizeof *s->pauses);
        s->n -= MAX_PAUSES / 2;
    }
    grow((void **)&s->pauses, &s->cap, s->n + 1, sizeof *s->pauses);
    if (s->n < s->cap) s->pauses[s->n++] = (plot_pause){t, dur_us};
    /* GC share per bucket of execution time: the same definition for both
     * collectors (pause time over elapsed time). */
    while (t >= s->bucket_start + SHARE_BUCKET_S) {
        grow((void **)&s->share, &s->cap_share, s->nshare + 1, sizeof *s->share);
        if (s->nshare < s->cap_share)
            s->share[s->nshare++] = (plot_point){s->bucket_start + SHARE_BUCKET_S, s->bucket_sum / 1e6 / SHARE_BUCKET_S};
        s->bucket_start += SHARE_BUCKET_S;
        s->bucket_sum = 0;
    }
    s->bucket_sum += dur_us;
}

static void series_add_point(plot_point **arr, size_t *n, size_t *cap, double t, double v) {
    if (*n && (*arr)[*n - 1].t_s > t - 0.02) return; /* at most 50 samples a second */
    grow((void **)arr, cap, *n + 1, sizeof **arr);
    if (*n < *cap) (*arr)[(*n)++] = (plot_point){t, v};
}

/* Percentiles and MMU over everything so far (run [0, now]). */
static void series_metrics(series *s) {
    metrics_pause *p = malloc((s->n ? s->n : 1) * sizeof *p);
    if (!p) return;
    for (size_t i = 0; i < s->n; i++)
        p[i] = (metrics_pause){(uint64_t)(s->pauses[i].t_s * 1e9), (uint64_t)(s->pauses[i].dur_us * 1e3)};
    size_t n = metrics_normalize(p, s->n);
    metrics_summarize(p, n, &s->sum);
    uint64_t t1 = (uint64_t)(s->now_s * 1e9);
    for (int w = 0; w < METRICS_NWINDOWS; w++) s->mmu[w] = n ? metrics_mmu(p, n, 0, t1 ? t1 : 1, metrics_windows_ns[w]) : 1;
    free(p);
}

/* ------------------------------------------------------------ running */

static void stop_runs(app *a) {
    a->observing = false;
    live_stop(a->lv);
    a->lv = NULL;
    feed_stop(&a->fd);
    graph_free(&a->g);
    series_reset(&a->tri);
    series_reset(&a->boe);
    a->tri_seen = 0;
    a->nreplay = a->replay_pos = 0;
}

static double speed(const app *a);
static bool observing_now(const app *a) { return a->observing; }

/* The event ring feeds the graph's flashes, fades and slow-motion replay.
 * Recording an event per shade, blacken, allocation and free slows
 * increments (GCBench's median pause: 11 us without, 15-16 us with), so
 * it is attached only while the graph is on screen: the heap map shows
 * pause figures as `tricolor bench` measures them. */
static void set_observing(app *a) {
    tc_heap *h = live_heap(a->lv);
    if (a->show_heapmap) {
        tc_observe_stop(h);
        a->observing = false;
        return;
    }
    if (!observing_now(a)) a->observing = tc_observe_start(h, 1 << 18);
    /* Only what the graph cannot read from the heap: barrier hits (the
     * flashes). Colours are read at each sync and a node the sync no longer
     * reaches fades out, so free events are not needed either; shade and
     * blacken are recorded only in slow motion, which replays them.
     * Recording every shade, blacken and free slowed each increment. */
    uint32_t mask = 1u << TC_EV_BARRIER | 1u << TC_EV_PHASE;
    if (speed(a) < 1) mask |= 1u << TC_EV_SHADE | 1u << TC_EV_BLACKEN | 1u << TC_EV_FREE;
    tc_observe_mask(h, mask);
}

static bool start_runs(app *a) {
    char err[256];
    a->lv = live_start(a->wl, a->size, a->seed, &a->cfg, err, sizeof err);
    if (!a->lv) {
        fprintf(stderr, "tricolor view: cannot start %s: %s\n", a->wl->name, err);
        return false;
    }
    set_observing(a);
    if (a->boehm_on && !feed_start(&a->fd, a->wl->name, a->size, a->seed)) set_note(a, a->fd.status);
    a->last_metrics_s = -1;
    return true;
}

static void restart(app *a) {
    stop_runs(a);
    if (!start_runs(a)) a->quit = true;
}

/* Moves new pauses, heap samples and Boehm's records into the series. */
static void collect(app *a) {
    tc_heap *h = live_heap(a->lv);
    size_t total = live_pause_count(a->lv);
    if (total > a->tri_seen) {
        size_t k = total - a->tri_seen;
        a->tmp_start = realloc(a->tmp_start, k * sizeof *a->tmp_start);
        a->tmp_dur = realloc(a->tmp_dur, k * sizeof *a->tmp_dur);
        live_pauses(a->lv, a->tri_seen, a->tmp_start, a->tmp_dur, k);
        for (size_t i = 0; i < k; i++) series_add_pause(&a->tri, a->tmp_start[i], a->tmp_dur[i]);
        a->tri_seen = total;
    }
    double t = live_exec_seconds(a->lv);
    a->tri.now_s = t;
    tc_stats s;
    tc_get_stats(h, &s);
    series_add_point(&a->tri.heap, &a->tri.nheap, &a->tri.cap_heap, t, (double)s.heap_bytes / (1 << 20));
    series_add_point(&a->tri.trig, &a->tri.ntrig, &a->tri.cap_trig, t, (double)s.trigger_bytes / (1 << 20));
    if (a->boehm_on && a->fd.pid) {
        size_t before = a->fd.npauses, hbefore = a->fd.nheap;
        bool was_alive = a->fd.alive;
        if (!feed_poll(&a->fd) && was_alive) set_note(a, a->fd.status); /* e.g. "died (signal 9, Killed)" */
        for (size_t i = before; i < a->fd.npauses; i++) series_add_pause(&a->boe, a->fd.pauses[i].t, a->fd.pauses[i].v);
        for (size_t i = hbefore; i < a->fd.nheap; i++)
            series_add_point(&a->boe.heap, &a->boe.nheap, &a->boe.cap_heap, a->fd.heap[i].t, a->fd.heap[i].v / (1 << 20));
        a->boe.now_s = a->fd.last_t;
        /* Same execution time for Boehm, with a small lead so it never waits
         * on a frame boundary. */
        if (!a->paused) feed_grant(&a->fd, t + 0.05);
    }
    double wall = (double)now_ns() / 1e9; /* refreshed in wall time: slow motion barely advances execution */
    if (wall - a->last_metrics_s > 0.25) {
        series_metrics(&a->tri);
        series_metrics(&a->boe);
        a->last_metrics_s = wall;
    }
}

/* Events since the last frame: flashes and fades now; in slow motion the
 * colour changes are queued and replayed over the following frames. */
static void take_events(app *a, bool to_replay) {
    tc_heap *h = live_heap(a->lv);
    uint64_t lost = 0;
    size_t n;
    while ((n = tc_observe_poll(h, a->evbuf, sizeof a->evbuf / sizeof a->evbuf[0], &lost)) > 0) {
        for (size_t i = 0; i < n; i++) {
            if (to_replay && (a->evbuf[i].kind == TC_EV_SHADE || a->evbuf[i].kind == TC_EV_BLACKEN ||
                              a->evbuf[i].kind == TC_EV_BARRIER)) {
                grow((void **)&a->replay, &a->replay_cap, a->nreplay + 1, sizeof *a->replay);
                if (a->nreplay < a->replay_cap) a->replay[a->nreplay++] = a->evbuf[i];
            } else {
                graph_event(&a->g, &a->evbuf[i]);
            }
        }
    }
}

static double speed(const app *a) { return speeds[a->speed_idx]; }

static void advance(app *a) {
    bool slow = speed(a) < 1;
    a->g.replay = slow && a->replay_pos < a->nreplay;
    if (a->replay_pos < a->nreplay) { /* still replaying the last increment */
        size_t per = (a->nreplay - a->replay_pos + (size_t)a->replay_frames_left - 1) / (size_t)a->replay_frames_left;
        for (size_t i = 0; i < per && a->replay_pos < a->nreplay; i++) graph_event(&a->g, &a->replay[a->replay_pos++]);
        if (a->replay_frames_left > 1) a->replay_frames_left--;
        if (a->replay_pos == a->nreplay) a->nreplay = a->replay_pos = 0, a->g.replay = false;
        return;
    }
    bool run = !a->paused || a->step_requests > 0;
    if (!run) return;
    if (slow || a->step_requests > 0 || a->speed_idx == SPEED_ONE) {
        uint64_t before = tc_increment_count(live_heap(a->lv));
        live_run(a->lv, 50000000, 1); /* one increment, or 50 ms of mutator */
        if (tc_increment_count(live_heap(a->lv)) == before && a->step_requests > 0) tc_step(live_heap(a->lv));
        if (a->step_requests > 0) a->step_requests--;
        if (slow) {
            take_events(a, true);
            a->replay_frames_left = (int)lround(2 / speed(a));
            a->g.replay = a->nreplay > 0;
            return;
        }
    } else {
        live_run(a->lv, (uint64_t)(0.25e6 * speed(a)), 0);
    }
    take_events(a, false);
}

/* ------------------------------------------------------------ sliders */

static double slider_pos(const slider *s) {
    if (s->zero_is_none && s->value <= 0) return 0;
    return log(s->value / s->lo) / log(s->hi / s->lo);
}

static double slider_value_at(const slider *s, double pos) {
    pos = pos < 0 ? 0 : pos > 1 ? 1 : pos;
    if (s->zero_is_none && pos < 0.02) return 0;
    return s->lo * pow(s->hi / s->lo, pos);
}

static void sliders_from_config(app *a) {
    a->sliders[0] = (slider){.label = "step", .lo = 10, .hi = 100000,
                             .value = a->cfg.budget_unit == TC_BUDGET_WORK ? a->cfg.step_work : a->cfg.step_usec};
    a->sliders[1] = (slider){.label = "trigger", .lo = 10, .hi = 1000, .value = a->cfg.trigger_pct};
    a->sliders[2] = (slider){.label = "heap limit", .lo = 16.0 * (1 << 20), .hi = 16.0 * (1u << 30),
                             .value = (double)a->cfg.heap_limit, .zero_is_none = true};
}

static void apply_slider(app *a, int i) {
    slider *s = &a->sliders[i];
    tc_config c;
    tc_get_config(live_heap(a->lv), &c);
    if (i == 0) {
        if (c.budget_unit == TC_BUDGET_WORK)
            c.step_work = (uint32_t)lround(s->value);
        else
            c.step_usec = (uint32_t)lround(s->value);
    } else if (i == 1) {
        c.trigger_pct = (uint32_t)lround(s->value);
    } else {
        c.heap_limit = (size_t)s->value;
        if (c.heap_limit && c.min_heap > c.heap_limit) c.min_heap = c.heap_limit / 2;
    }
    const char *bad = tc_set_config(live_heap(a->lv), &c);
    if (bad)
        set_note(a, bad);
    else
        a->cfg = c;
}

/* ------------------------------------------------------------ drawing */

static void fill(SDL_Renderer *r, SDL_Rect rc, SDL_Color c) {
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(r, &rc);
}

static plot_series make_series(const series *s, const char *name, SDL_Color c) {
    return (plot_series){.name = name, .colour = c, .pauses = s->pauses, .npauses = s->n, .mmu = s->mmu,
                         .nmmu = METRICS_NWINDOWS, .gc_share = s->share, .ngc_share = s->nshare,
                         .heap_mib = s->heap, .nheap = s->nheap, .trigger_mib = s->trig, .ntrigger = s->ntrig,
                         .p50_us = s->sum.p50_us, .p99_us = s->sum.p99_us, .max_us = s->sum.max_us};
}

typedef struct layout {
    SDL_Rect top, main, plots[5], bottom, status;
} layout;

static layout compute_layout(const app *a) {
    layout L;
    int th = text_height(a->font);
    L.top = (SDL_Rect){0, 0, a->w, th + 8};
    L.status = (SDL_Rect){0, a->h - (th + 8), a->w, th + 8};
    L.bottom = (SDL_Rect){0, L.status.y - (th + 14), a->w, th + 14};
    int body_y = L.top.h, body_h = L.bottom.y - body_y;
    int main_w = a->w * 56 / 100;
    L.main = (SDL_Rect){6, body_y + 4, main_w - 10, body_h - 8};
    int px = main_w, pw = a->w - main_w - 6, ph = body_h / 5;
    for (int i = 0; i < 5; i++) L.plots[i] = (SDL_Rect){px, body_y + i * ph + 2, pw, ph - 4};
    return L;
}

static void draw_sliders(app *a, SDL_Rect area) {
    int n = 3, x = area.x + 8, seg = (area.w - 16) / n, th = text_height(a->font);
    for (int i = 0; i < n; i++) {
        slider *s = &a->sliders[i];
        char val[48];
        if (i == 0)
            snprintf(val, sizeof val, "%.0f %s", s->value, a->cfg.budget_unit == TC_BUDGET_WORK ? "units" : "us");
        else if (i == 1)
            snprintf(val, sizeof val, "%.0f%%", s->value);
        else if (s->value <= 0)
            snprintf(val, sizeof val, "none");
        else
            snprintf(val, sizeof val, "%.0f MiB", s->value / (1 << 20));
        int lx = x + i * seg;
        int lw = text_draw(a->font, lx, area.y + 5, PAL_DIM, s->label);
        int vw = text_width(a->font, "0000000 units");
        s->track = (SDL_Rect){lx + lw + 8, area.y + area.h / 2 - 2, seg - lw - vw - 28, 4};
        fill(a->ren, s->track, PAL_DIM);
        int kx = s->track.x + (int)(slider_pos(s) * s->track.w);
        fill(a->ren, (SDL_Rect){kx - 4, area.y + area.h / 2 - th / 2, 8, th}, PAL_TRICOLOR);
        text_draw(a->font, s->track.x + s->track.w + 10, area.y + 5, PAL_TEXT, val);
    }
}

static void draw_help(app *a) {
    static const char *const lines[] = {
        "Keys",
        "  space      pause / resume",
        "  N or ->    one increment",
        "  + / -      speed: below 1 slow motion (an increment over several frames),",
        "             1 an increment a frame, above 1 faster, up to 32 (full speed)",
        "  1-9        workload (see 'tricolor list')",
        "  B          next barrier (dijkstra, steele, yuasa, stw) from the next cycle",
        "  R          reset the run",
        "  S          screenshot (PNG in the current directory)",
        "  G          object graph / heap map",
        "  F          fullscreen",
        "  H          this help",
        "  Q or Esc   quit",
        "Mouse: drag the sliders (step budget, trigger %, heap limit);",
        "       hover a pause bar for its details.",
    };
    int n = (int)(sizeof lines / sizeof lines[0]), th = text_height(a->font), w = 0;
    for (int i = 0; i < n; i++) {
        int lw = text_width(a->font, lines[i]);
        if (lw > w) w = lw;
    }
    SDL_Rect box = {(a->w - w) / 2 - 16, (a->h - n * th) / 2 - 16, w + 32, n * th + 32};
    SDL_SetRenderDrawBlendMode(a->ren, SDL_BLENDMODE_BLEND);
    fill(a->ren, box, (SDL_Color){0x10, 0x12, 0x18, 0xe8});
    for (int i = 0; i < n; i++) text_draw(a->font, box.x + 16, box.y + 16 + i * th, i ? PAL_TEXT : PAL_ROOT, lines[i]);
}

static void fmt_us(char *b, size_t n, double us) {
    if (us >= 1000)
        snprintf(b, n, "%.2fms", us / 1000);
    else
        snprintf(b, n, "%.0fus", us);
}

static void draw_frame(app *a) {
    SDL_Renderer *r = a->ren;
    layout L = compute_layout(a);
    fill(r, (SDL_Rect){0, 0, a->w, a->h}, PAL_BG);
    fill(r, L.main, PAL_PANEL);
    tc_heap *h = live_heap(a->lv);
    tc_stats s;
    tc_get_stats(h, &s);

    /* Title and legend. */
    int x = 8;
    x += text_drawf(a->font, x, 4, PAL_TEXT, "tricolor view: %s (%s)   ", a->wl->name, wl_size_names[a->size]);
    fill(r, (SDL_Rect){x, 8, 10, 10}, PAL_TRICOLOR);
    x += 14 + text_draw(a->font, x + 14, 4, PAL_TEXT, "tricolor   ");
    if (a->boehm_on) {
        fill(r, (SDL_Rect){x, 8, 10, 10}, PAL_BOEHM);
        x += 14 + text_draw(a->font, x + 14, 4, PAL_TEXT, "boehm   ");
    }
    fill(r, (SDL_Rect){x, 8, 10, 10}, PAL_WHITE_OBJ);
    x += 14 + text_draw(a->font, x + 14, 4, PAL_DIM, "white ");
    fill(r, (SDL_Rect){x, 8, 10, 10}, PAL_GREY_OBJ);
    x += 14 + text_draw(a->font, x + 14, 4, PAL_DIM, "grey ");
    fill(r, (SDL_Rect){x - 1, 7, 12, 12}, PAL_BLACK_RIM);
    fill(r, (SDL_Rect){x, 8, 10, 10}, PAL_BLACK_OBJ);
    x += 14 + text_draw(a->font, x + 14, 4, PAL_DIM, "black ");
    fill(r, (SDL_Rect){x, 8, 10, 10}, PAL_ROOT);
    text_draw(a->font, x + 14, 4, PAL_DIM, "root");

    /* Main panel. */
    SDL_RenderSetClipRect(r, &L.main);
    if (a->show_heapmap) {
        heapmap_draw(&a->hm, r, h, L.main);
        char line[160];
        snprintf(line, sizeof line, "heap map: %zu cells (%zu white, %zu grey, %zu black, %zu free)", a->hm.n,
                 a->hm.counts[1], a->hm.counts[3], a->hm.counts[4], a->hm.counts[0]);
        int th = text_height(a->font);
        fill(r, (SDL_Rect){L.main.x, L.main.y + L.main.h - th - 8, text_width(a->font, line) + 12, th + 8}, PAL_PANEL);
        text_draw(a->font, L.main.x + 6, L.main.y + L.main.h - th - 4, PAL_DIM, line);
    } else {
        graph_draw(&a->g, r, L.main);
        if (a->g.truncated)
            text_drawf(a->font, L.main.x + 6, L.main.y + L.main.h - text_height(a->font) - 4, PAL_DIM,
                       "showing the %d objects nearest the roots of %zu (G: heap map shows all)", MAX_NODES,
                       a->g.live_objects);
    }
    SDL_RenderSetClipRect(r, NULL);

    /* Plots. */
    plot_series ps[2] = {make_series(&a->tri, "tricolor", PAL_TRICOLOR), make_series(&a->boe, "boehm", PAL_BOEHM)};
    size_t np = a->boehm_on ? 2 : 1;
    double t_to = a->tri.now_s > 1 ? a->tri.now_s : 1, t_from = t_to > 10 ? t_to - 10 : 0;
    double windows_ms[METRICS_NWINDOWS];
    for (int w = 0; w < METRICS_NWINDOWS; w++) windows_ms[w] = (double)metrics_windows_ns[w] / 1e6;
    plot_pause_timeline(r, a->font, L.plots[0], ps, np, t_from, t_to);
    plot_pause_histogram(r, a->font, L.plots[1], ps, np);
    plot_mmu_curve(r, a->font, L.plots[2], ps, np, windows_ms, METRICS_NWINDOWS);
    plot_time_series(r, a->font, L.plots[3], ps, np, PLOT_GC_SHARE, t_from, t_to);
    plot_time_series(r, a->font, L.plots[4], ps, np, PLOT_HEAP, t_from, t_to);
    size_t hs, hp;
    if (plot_timeline_hit(L.plots[0], ps, np, t_from, t_to, a->mouse_x, a->mouse_y, &hs, &hp)) {
        char d[32];
        fmt_us(d, sizeof d, ps[hs].pauses[hp].dur_us);
        char tip[128];
        snprintf(tip, sizeof tip, "%s pause at %.3f s: %s", ps[hs].name, ps[hs].pauses[hp].t_s, d);
        int tw = text_width(a->font, tip) + 12;
        SDL_Rect box = {a->mouse_x - tw - 8, a->mouse_y + 12, tw, text_height(a->font) + 8};
        if (box.x < 0) box.x = a->mouse_x + 12;
        fill(r, box, (SDL_Color){0x10, 0x12, 0x18, 0xff});
        text_draw(a->font, box.x + 6, box.y + 4, PAL_TEXT, tip);
    }

    /* Sliders and status. */
    fill(r, L.bottom, PAL_PANEL);
    draw_sliders(a, L.bottom);
    char p99[32], mx[32], bp99[32], bmx[32];
    fmt_us(p99, sizeof p99, a->tri.sum.p99_us);
    fmt_us(mx, sizeof mx, a->tri.sum.max_us);
    fmt_us(bp99, sizeof bp99, a->boe.sum.p99_us);
    fmt_us(bmx, sizeof bmx, a->boe.sum.max_us);
    char speed_s[32];
    if (speed(a) < 1)
        snprintf(speed_s, sizeof speed_s, "1/%.0f (slow)", 1 / speed(a));
    else if (a->speed_idx == SPEED_ONE)
        snprintf(speed_s, sizeof speed_s, "1 (incr/frame)");
    else
        snprintf(speed_s, sizeof speed_s, "%.0f%s", speed(a), a->speed_idx == NSPEEDS - 1 ? " (full)" : "");
    char boehm_s[160] = "";
    if (a->boehm_on)
        snprintf(boehm_s, sizeof boehm_s, " | boehm p99 %s max %s%s", bp99, bmx,
                 a->fd.alive ? "" : " (stopped)");
    text_drawf(a->font, 8, L.status.y + 4, PAL_TEXT,
               "%s | cycle %llu | %s | %s %u%s | trigger %u%% | p99 %s max %s%s | %s%s | %.0f fps | H help",
               tc_phase_name(tc_current_phase(h)), (unsigned long long)s.cycles + 1,
               tc_barrier_name(a->cfg.barrier), "step", a->cfg.budget_unit == TC_BUDGET_WORK ? a->cfg.step_work : a->cfg.step_usec,
               a->cfg.budget_unit == TC_BUDGET_WORK ? "" : "us", a->cfg.trigger_pct, p99, mx, boehm_s,
               a->paused ? "paused" : "speed ", a->paused ? "" : speed_s, a->fps);
    if (a->note[0] && (double)now_ns() / 1e9 < a->note_until) {
        int tw = text_width(a->font, a->note) + 16;
        SDL_Rect box = {L.main.x + 8, L.main.y + 8, tw, text_height(a->font) + 8};
        fill(r, box, (SDL_Color){0x40, 0x20, 0x20, 0xff});
        text_draw(a->font, box.x + 8, box.y + 4, PAL_TEXT, a->note);
    }
    if (a->help) draw_help(a);
}

static bool save_png(app *a, const char *path) {
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, a->w, a->h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s) return false;
    bool ok = SDL_RenderReadPixels(a->ren, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) == 0 &&
              IMG_SavePNG(s, path) == 0;
    SDL_FreeSurface(s);
    return ok;
}

/* ------------------------------------------------------------ input */

static void cycle_barrier(app *a) {
    tc_config c;
    tc_get_config(live_heap(a->lv), &c);
    c.barrier = (tc_barrier)((c.barrier + 1) % TC_BARRIER_COUNT);
    if (!tc_set_config(live_heap(a->lv), &c)) {
        a->cfg.barrier = c.barrier;
        char m[96];
        snprintf(m, sizeof m, "barrier: %s from the next cycle", tc_barrier_name(c.barrier));
        set_note(a, m);
    }
}

static void handle_key(app *a, SDL_Keycode k) {
    switch (k) {
    case SDLK_SPACE: a->paused = !a->paused; break;
    case SDLK_n:
    case SDLK_RIGHT: a->step_requests++, a->paused = true; break;
    case SDLK_PLUS:
    case SDLK_EQUALS:
    case SDLK_KP_PLUS:
        if (a->speed_idx < NSPEEDS - 1) a->speed_idx++;
        set_observing(a);
        break;
    case SDLK_MINUS:
    case SDLK_KP_MINUS:
        if (a->speed_idx > 0) a->speed_idx--;
        set_observing(a);
        break;
    case SDLK_b: cycle_barrier(a); break;
    case SDLK_r: restart(a); break;
    case SDLK_g:
        a->show_heapmap = !a->show_heapmap;
        set_observing(a);
        break;
    case SDLK_h: a->help = !a->help; break;
    case SDLK_f:
        a->fullscreen = !a->fullscreen;
        SDL_SetWindowFullscreen(a->win, a->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
        break;
    case SDLK_s: {
        char path[64];
        time_t t = time(NULL);
        strftime(path, sizeof path, "tricolor-%Y%m%d-%H%M%S.png", localtime(&t));
        char m[128];
        snprintf(m, sizeof m, save_png(a, path) ? "saved %s" : "could not save %s", path);
        set_note(a, m);
        break;
    }
    case SDLK_q:
    case SDLK_ESCAPE: a->quit = true; break;
    default:
        if (k >= SDLK_1 && k <= SDLK_9 && (size_t)(k - SDLK_1) < wl_count) {
            a->wl = &wl_table[k - SDLK_1];
            restart(a);
        }
    }
}

static void handle_mouse(app *a, const SDL_Event *e) {
    if (e->type == SDL_MOUSEMOTION) {
        a->mouse_x = e->motion.x;
        a->mouse_y = e->motion.y;
    }
    int mx = a->mouse_x, my = a->mouse_y;
    if (e->type == SDL_MOUSEBUTTONDOWN) {
        mx = e->button.x, my = e->button.y;
        for (int i = 0; i < 3; i++) {
            SDL_Rect t = a->sliders[i].track;
            if (mx >= t.x - 6 && mx <= t.x + t.w + 6 && my >= t.y - 12 && my <= t.y + t.h + 12) a->dragging = i + 1;
        }
    }
    if (a->dragging && (e->type == SDL_MOUSEMOTION || e->type == SDL_MOUSEBUTTONDOWN)) {
        slider *s = &a->sliders[a->dragging - 1];
        s->value = slider_value_at(s, (double)(mx - s->track.x) / (s->track.w ? s->track.w : 1));
    }
    if (e->type == SDL_MOUSEBUTTONUP && a->dragging) {
        apply_slider(a, a->dragging - 1);
        a->dragging = 0;
    }
}

/* ------------------------------------------------------------ the command */

static void usage(FILE *f) {
    fprintf(f,
            "usage: tricolor view [options]\n"
            "\n"
            "Opens a window where Tricolor's collector runs a workload: the object graph (or heap map)\n"
            "coloured white/grey/black as marking proceeds, and pause times, MMU, GC share and heap size\n"
            "plotted live against the Boehm GC running the same workload in a child process.\n"
            "\n"
            "  --workload NAME         workload to run (default demo; see 'tricolor list')\n"
            "  --size S                small, default or large (default: small for demo, else default)\n"
            "  --seed N                workload seed (default 1)\n"
            "  --barrier B             dijkstra, steele, yuasa or stw (default dijkstra)\n"
            "  --step N                increment budget in work units (default 40 for demo, else 4000)\n"
            "  --step-us N             increment budget in microseconds instead\n"
            "  --trigger PCT           start a cycle when the heap grew PCT%% over live (default 100)\n"
            "  --min-heap SIZE         no cycle below this heap size (default 32K for demo, else 4M)\n"
            "  --heap-limit SIZE       heap limit, e.g. 512M (default: none)\n"
            "  --speed X               1/32 .. 32: below 1 each increment is replayed in slow motion, 1 is an\n"
            "                          increment a frame, 32 full speed (default 1 for demo, else 32)\n"
            "  --heapmap               start on the heap map instead of the object graph\n"
            "  --no-boehm              no comparison run\n"
            "  --frames N              render N frames, then exit (with --screenshot: save the last one)\n"
            "  --screenshot FILE       PNG of the window after --frames frames\n"
            "\n"
            "Keys: space pause, N/-> step, +/- speed, 1-9 workload, B barrier, R reset, S screenshot,\n"
            "G graph/heap map, F fullscreen, H help, Q/Esc quit.\n");
}

static int no_display(const char *why) {
    fprintf(stderr,
            "tricolor view: no display: %s.\n"
            "For the comparison in the terminal run 'tricolor bench'; to make a video without a display,\n"
            "'tricolor record' (or run the window under Xvfb: xvfb-run -a tricolor view).\n",
            why);
    return 2;
}

int cmd_view(int argc, char **argv) {
    app *a = calloc(1, sizeof *a);
    a->wl = wl_find("demo");
    if (!a->wl) a->wl = &wl_table[0];
    a->size = -1;
    a->seed = 1;
    a->speed_idx = -1; /* by workload, below */
    a->boehm_on = true;
    tc_config_default(&a->cfg);
    long step = -1, step_us = -1;
    long long min_heap = -1;
    long frames = -1;
    const char *shot = NULL;
    const char *C = "view";
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            usage(stdout);
            free(a);
            return 0;
        } else if (!strcmp(o, "--workload")) {
            const char *v = cli_value(C, argc, argv, &i);
            a->wl = wl_find(v);
            if (!a->wl) cli_fail(C, "--workload: unknown workload '%s' (valid: %s)", v, wl_names());
        } else if (!strcmp(o, "--size")) {
            const char *v = cli_value(C, argc, argv, &i);
            a->size = wl_size_parse(v);
            if (a->size < 0) cli_fail(C, "--size: unknown size '%s' (valid: small, default, large)", v);
        } else if (!strcmp(o, "--seed")) {
            a->seed = (uint64_t)cli_int(C, o, cli_value(C, argc, argv, &i), 0, INT64_MAX);
        } else if (!strcmp(o, "--barrier")) {
            const char *v = cli_value(C, argc, argv, &i);
            if (!tc_barrier_parse(v, &a->cfg.barrier))
                cli_fail(C, "--barrier: unknown barrier '%s' (valid: dijkstra, steele, yuasa, stw)", v);
        } else if (!strcmp(o, "--step")) {
            step = (long)cli_int(C, o, cli_value(C, argc, argv, &i), 1, 100000000);
        } else if (!strcmp(o, "--step-us")) {
            step_us = (long)cli_int(C, o, cli_value(C, argc, argv, &i), 1, 10000000);
        } else if (!strcmp(o, "--trigger")) {
            a->cfg.trigger_pct = (uint32_t)cli_int(C, o, cli_value(C, argc, argv, &i), 10, 1000);
        } else if (!strcmp(o, "--min-heap")) {
            min_heap = (long long)cli_bytes(C, o, cli_value(C, argc, argv, &i), 0, (uint64_t)1 << 40);
        } else if (!strcmp(o, "--heap-limit")) {
            a->cfg.heap_limit = cli_bytes(C, o, cli_value(C, argc, argv, &i), 1 << 20, (uint64_t)1 << 40);
        } else if (!strcmp(o, "--speed")) {
            const char *v = cli_value(C, argc, argv, &i);
            char *end;
            double sp = strtod(v, &end);
            if (*end || !(sp >= 1.0 / 32 && sp <= 32)) cli_fail(C, "--speed: '%s' is not a speed from 0.03125 (1/32) to 32", v);
            a->speed_idx = 0;
            for (int k = 0; k < NSPEEDS; k++)
                if (fabs(log(speeds[k] / sp)) < fabs(log(speeds[a->speed_idx] / sp))) a->speed_idx = k;
        } else if (!strcmp(o, "--heapmap")) {
            a->show_heapmap = true;
        } else if (!strcmp(o, "--no-boehm")) {
            a->boehm_on = false;
        } else if (!strcmp(o, "--frames")) {
            frames = (long)cli_int(C, o, cli_value(C, argc, argv, &i), 1, 1000000);
        } else if (!strcmp(o, "--screenshot")) {
            shot = cli_value(C, argc, argv, &i);
        } else {
            cli_fail(C, "unknown option '%s'", o);
        }
    }
    bool demo = !strcmp(a->wl->name, "demo");
    if (a->speed_idx < 0) a->speed_idx = demo ? SPEED_ONE : NSPEEDS - 1;
    if (a->size < 0) a->size = demo ? 0 : 1;
    a->cfg.step_work = step > 0 ? (uint32_t)step : demo ? 40 : 4000;
    if (step_us > 0) a->cfg.budget_unit = TC_BUDGET_USEC, a->cfg.step_usec = (uint32_t)step_us;
    a->cfg.min_heap = min_heap >= 0 ? (size_t)min_heap : demo ? (32 << 10) : (4 << 20);
    if (a->cfg.heap_limit && a->cfg.min_heap > a->cfg.heap_limit) a->cfg.min_heap = a->cfg.heap_limit / 2;
    const char *bad = tc_config_check(&a->cfg);
    if (bad) cli_fail(C, "invalid collector settings: %s", bad);
    if (shot && frames < 0) frames = 60;
    if (shot) { /* fail now, not after the frames: the path must be writable */
        FILE *f = fopen(shot, "ab");
        if (!f) cli_fail(C, "--screenshot: cannot write '%s'", shot);
        fclose(f);
    }

    const char *disp = getenv("DISPLAY"), *way = getenv("WAYLAND_DISPLAY"), *drv = getenv("SDL_VIDEODRIVER");
    if ((!disp || !*disp) && (!way || !*way) && !drv) {
        free(a);
        return no_display("neither DISPLAY nor WAYLAND_DISPLAY is set");
    }
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        char why[256];
        snprintf(why, sizeof why, "SDL could not start video (%s)", SDL_GetError());
        free(a);
        return no_display(why);
    }
    a->w = 1280;
    a->h = 720;
    a->win = SDL_CreateWindow("tricolor view", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, a->w, a->h,
                              SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!a->win) {
        char why[256];
        snprintf(why, sizeof why, "SDL could not open a window (%s)", SDL_GetError());
        SDL_Quit();
        free(a);
        return no_display(why);
    }
    a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_PRESENTVSYNC);
    if (!a->ren) a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_SOFTWARE);
    char err[512];
    a->font = a->ren ? text_open(a->ren, 13, err, sizeof err) : NULL;
    if (!a->font) {
        fprintf(stderr, "tricolor view: %s\n", a->ren ? err : SDL_GetError());
        SDL_Quit();
        free(a);
        return 2;
    }
    sliders_from_config(a);
    if (!start_runs(a)) {
        text_close(a->font);
        SDL_Quit();
        free(a);
        return 1;
    }
    a->last_ns = now_ns();
    long frame = 0;
    int status = 0;
    while (!a->quit) {
        SDL_Event e;
        while (SDL_PollEvent(&e)) {
            if (e.type == SDL_QUIT) a->quit = true;
            else if (e.type == SDL_KEYDOWN) handle_key(a, e.key.keysym.sym);
            else if (e.type == SDL_MOUSEMOTION || e.type == SDL_MOUSEBUTTONDOWN || e.type == SDL_MOUSEBUTTONUP)
                handle_mouse(a, &e);
        }
        if (a->quit) break;
        SDL_GetRendererOutputSize(a->ren, &a->w, &a->h);
        uint64_t t0 = now_ns();
        advance(a);
        collect(a);
        graph_tick(&a->g, 1.0f / 60);
        if (!a->show_heapmap) {
            graph_sync(&a->g, live_heap(a->lv), MAX_NODES);
            graph_layout(&a->g, a->g.n > 2000 ? 1 : 3);
        }
        draw_frame(a);
        frame++;
        if (frames > 0 && frame >= frames) {
            if (shot && !save_png(a, shot)) {
                fprintf(stderr, "tricolor view: could not save '%s': %s\n", shot, SDL_GetError());
                status = 1;
            }
            a->quit = true;
        }
        SDL_RenderPresent(a->ren);
        uint64_t t1 = now_ns();
        a->frame_ms = 0.9 * a->frame_ms + 0.1 * (double)(t1 - t0) / 1e6;
        double dt = (double)(t1 - a->last_ns) / 1e9;
        a->last_ns = t1;
        if (dt > 0) a->fps = 0.9 * a->fps + 0.1 / dt;
    }
    /* What was measured live, to compare with `tricolor bench` at the same
     * settings (printed when the run was bounded by --frames). */
    if (frames > 0 && a->lv) {
        series_metrics(&a->tri);
        series_metrics(&a->boe);
        printf("view: %s, %.2f s of execution, %llu passes; tricolor %zu pauses p50 %.1f us p99 %.1f us max %.1f us",
               a->wl->name, a->tri.now_s, (unsigned long long)live_rounds(a->lv), a->tri.sum.count, a->tri.sum.p50_us,
               a->tri.sum.p99_us, a->tri.sum.max_us);
        if (a->boehm_on)
            printf("; boehm %zu pauses p50 %.1f us p99 %.1f us max %.1f us", a->boe.sum.count, a->boe.sum.p50_us,
                   a->boe.sum.p99_us, a->boe.sum.max_us);
        printf("\n");
    }
    stop_runs(a);
    heapmap_free(&a->hm);
    free(a->replay);
    free(a->tmp_start);
    free(a->tmp_dur);
    plot_release();
    text_close(a->font);
    SDL_DestroyRenderer(a->ren);
    SDL_DestroyWindow(a->win);
    SDL_Quit();
    free(a);
    return status;
}
