/*
 * framebench.c — frame time of the visualizer's heavy panels, on the
 * software renderer (`make bench`).
 *
 *   frame_ms_heapmap_1M   the heap map of a heap with 1M live objects:
 *                         reading every cell's colour and drawing one
 *                         streaming texture scaled into a 740x620 panel
 *   frame_ms_graph_5000   the object graph at its 5000-node cap on that
 *                         heap: sync with the heap (the walk, the census
 *                         of what the summary boxes fold, the tree
 *                         layout), easing, drawing with the boxes' counts;
 *                         then the same split into _sync and _draw
 *   frame_ms_graph_tree_5000, frame_ms_graph_tree_view
 *                         the same on a binary tree of 2^18 - 1 objects:
 *                         5000 drawn and about 2500 boxes; then with rows
 *                         cut as the view cuts them
 *   frame_ms_scrub_graph_gcbench, frame_ms_scrub_heapmap_gcbench
 *                         time travel: a whole window's frame (the
 *                         scene's seek, frame and drawing) while the
 *                         history of GCBench's run (default size, a
 *                         deterministic scene at speed 32) is scrubbed
 *                         back and forth, on the graph and on the heap map
 *
 * Medians of 60 frames, rendered onto a 1280x720 surface with SDL's
 * software renderer (no window), the slowest case the viewer meets: wall
 * time, and for the graph also _cpu, the process's CPU time, which other
 * load on the cores does not inflate.
 */
#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "graph.h"
#include "heapmap.h"
#include "registry.h"
#include "scene.h"
#include "text.h"
#include "tricolor.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this process: what a frame costs when other processes
 * share the cores (wall time then counts their turns too). */
static double cpu_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

/* A complete binary tree of the given depth. */
static void *build_tree(tc_heap *h, int depth) {
    void *n = tc_alloc(h, 2, 0);
    if (depth == 0) return n;
    tc_root_push(h, &n);
    void *l = build_tree(h, depth - 1);
    tc_store(h, n, 0, l);
    void *rt = build_tree(h, depth - 1);
    tc_store(h, n, 1, rt);
    tc_root_pop(h, 1);
    return n;
}

/* FRAMES frames of the graph on heap h: sync, easing and drawing, timed
 * in all and split into sync and drawing; prints what was drawn. */
static void graph_frames(const char *name, tc_heap *h, SDL_Renderer *r, SDL_Rect area, uint32_t max_width) {
    enum { FRAMES = 60 };
    graph g = {0};
    g.max_width = max_width;
    char err[256];
    g.font = text_open(r, 13, err, sizeof err);
    if (!g.font) fprintf(stderr, "framebench: no font, the counts are not drawn: %s\n", err);
    double t[FRAMES], ts[FRAMES], td[FRAMES], tc[FRAMES];
    for (int f = 0; f < FRAMES; f++) {
        double c0 = cpu_ms(), t0 = now_ms();
        SDL_SetRenderDrawColor(r, 0x26, 0x2b, 0x3a, 255);
        SDL_RenderClear(r);
        graph_tick(&g, 1.0f / 60);
        graph_sync(&g, h, 5000);
        graph_ease(&g, 1);
        double t1 = now_ms();
        graph_draw(&g, r, area);
        SDL_RenderPresent(r);
        t[f] = now_ms() - t0;
        ts[f] = t1 - t0;
        td[f] = t[f] - ts[f];
        tc[f] = cpu_ms() - c0;
    }
    printf("%s_drawn: %zu objects and %zu summaries (%zu%s objects folded)\n", name, g.shown, g.summaries, g.folded,
           g.census_capped ? "+" : "");
    printf("%s: %.2f ms\n", name, median(t, FRAMES));
    printf("%s_sync: %.2f ms\n", name, median(ts, FRAMES));
    printf("%s_draw: %.2f ms\n", name, median(td, FRAMES));
    printf("%s_cpu: %.2f ms\n", name, median(tc, FRAMES));
    text_close(g.font);
    graph_free(&g);
}

/* A GCBench scene (default size, deterministic, speed 32) on the graph or
 * the heap map, with a history of `mb` MB, run RUN frames; the median of
 * those live frames (run, sync or read, keep, draw) into *live_ms. */
static bool run_scene(scene *sc, SDL_Renderer *r, bool map, size_t mb, double *live_ms) {
    enum { RUN = 240 };
    scene_init(sc, "view");
    sc->wl = wl_find("gcbench");
    sc->deterministic = true; /* repeatable, and no Boehm child */
    sc->show_heapmap = map;
    sc->history_mb = mb;
    scene_defaults(sc);
    scene_settle(sc);
    char err[256];
    sc->font = text_open(r, 13, err, sizeof err);
    if (!sc->font) {
        fprintf(stderr, "framebench: no font: %s\n", err);
        return false;
    }
    if (!scene_start(sc)) return false;
    double t[RUN];
    for (int f = 0; f < RUN; f++) {
        double t0 = now_ms();
        scene_frame(sc, 1.0 / 60);
        scene_draw(sc, r, 1280, 720);
        SDL_RenderPresent(r);
        t[f] = now_ms() - t0;
    }
    *live_ms = median(t, RUN);
    return true;
}

static void stop_scene(scene *sc) {
    text *font = sc->font;
    scene_free(sc);
    text_close(font);
}

/* Time travel's costs: live frames with the history off and on (what
 * keeping each frame costs), then scrubbing: each frame seeks to another
 * kept frame (as a drag on the scrubber does), runs the scene's frame and
 * draws the whole window. */
static void scrub_frames(const char *name, SDL_Renderer *r, bool map) {
    enum { FRAMES = 60 };
    static scene sc; /* large: not on the stack */
    double off, on;
    if (!run_scene(&sc, r, map, 0, &off)) return;
    stop_scene(&sc);
    if (!run_scene(&sc, r, map, SCENE_HISTORY_MB_DEFAULT, &on)) return;
    size_t kept = sc.hist.n;
    double t[FRAMES];
    for (int f = 0; f < FRAMES; f++) {
        double t0 = now_ms();
        /* Back and forth over the history, never the same frame twice in a row. */
        scene_seek(&sc, (long)(((size_t)f * 37 + 5) % kept));
        scene_frame(&sc, 1.0 / 60);
        scene_draw(&sc, r, 1280, 720);
        SDL_RenderPresent(r);
        t[f] = now_ms() - t0;
    }
    printf("%s_live: %.2f ms history off, %.2f ms on\n", name, off, on);
    printf("%s_history: %zu frames kept in %.1f MB (bound %zu MB)\n", name, kept,
           (double)history_bytes(&sc.hist) / (1 << 20), sc.history_mb);
    printf("%s: %.2f ms\n", name, median(t, FRAMES));
    stop_scene(&sc);
}

int main(void) {
    enum { N = 1000000, FRAMES = 60 };
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, 1280, 720, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *r = SDL_CreateSoftwareRenderer(s);
    if (!r) {
        fprintf(stderr, "framebench: no software renderer: %s\n", SDL_GetError());
        return 1;
    }
    tc_config c;
    tc_config_default(&c);
    c.min_heap = (size_t)8 << 30; /* build the heap without collecting */
    tc_heap *h = tc_heap_new(&c);
    /* 1M live objects: a rooted array of 1M slots and the chain it holds. */
    void *arr = tc_alloc(h, N, 0);
    tc_root_push(h, &arr);
    for (uint32_t i = 0; i < N - 1; i++) {
        void *n = tc_alloc(h, 2, 8);
        tc_store(h, arr, i, n);
        if (i) tc_store(h, n, 0, tc_load(h, arr, i - 1));
    }
    tc_stats st;
    tc_get_stats(h, &st);
    tc_step(h); /* a cycle in progress: white, grey and black cells */
    SDL_Rect area = {6, 30, 740, 620};
    heapmap m = {0};
    double t[FRAMES];
    for (int f = 0; f < FRAMES; f++) {
        double t0 = now_ms();
        SDL_SetRenderDrawColor(r, 0x26, 0x2b, 0x3a, 255);
        SDL_RenderClear(r);
        heapmap_read(&m, h);
        heapmap_draw(&m, r, area);
        SDL_RenderPresent(r);
        t[f] = now_ms() - t0;
    }
    printf("heapmap_live_objects: %llu objects\n", (unsigned long long)st.live_objects);
    printf("frame_ms_heapmap_1M: %.2f ms\n", median(t, FRAMES));
    graph_frames("frame_ms_graph_5000", h, r, area, 0);
    heapmap_free(&m);
    tc_root_pop(h, 1);
    tc_heap_free(h);
    /* A complete binary tree of 2^18 - 1 objects (GCBench's shape): 5000
     * drawn with rows unbounded, then with rows cut as the view cuts them
     * (a fifth of the panel's width in pixels). */
    h = tc_heap_new(&c);
    void *tree = NULL;
    tc_root_push(h, &tree);
    tree = build_tree(h, 17);
    graph_frames("frame_ms_graph_tree_5000", h, r, area, 0);
    graph_frames("frame_ms_graph_tree_view", h, r, area, (uint32_t)area.w / 5);
    tc_root_pop(h, 1);
    tc_heap_free(h);
    scrub_frames("frame_ms_scrub_graph_gcbench", r, false);
    scrub_frames("frame_ms_scrub_heapmap_gcbench", r, true);
    SDL_DestroyRenderer(r);
    SDL_FreeSurface(s);
    return 0;
}
