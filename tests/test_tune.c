/*
 * test_tune.c — `tricolor tune`: the Pareto front and the recommendation
 * rule on hand-made figures, the scatter plot by its pixels, and the
 * command as a user meets it (a tiny sweep whose JSON parses and has every
 * field, whose PNG has the documented size, whose printed `tricolor bench`
 * command runs; bad input exits 2 with a message naming what is valid).
 *
 * No assertion depends on how fast anything ran: the sweep's figures are
 * checked for shape and consistency (the recommended configuration is on
 * the front and meets the target when the JSON says so), never for value.
 * The command-line tests run the real binary (TRICOLOR_BIN, default
 * build/tricolor) in a child process.
 */
#include "support.h"

#include <SDL.h>
#include <SDL_image.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pareto.h"
#include "tune.h"
#include "plots.h"
#include "text.h"

/* ------------------------------------------------------------------ */
/* The front                                                           */
/* ------------------------------------------------------------------ */

/* A row in pareto.h's column order. */
#define ROW(max, p99, share, wall, heap)                                                                               \
    { max, p99, share, wall, heap }

static void test_dominance(void **state) {
    (void)state;
    const double a[] = {1, 2, 3}, b[] = {1, 2, 4}, c[] = {0, 3, 3};
    assert_true(pareto_dominates(a, b, 3)); /* equal except one, better there */
    assert_false(pareto_dominates(b, a, 3));
    assert_false(pareto_dominates(a, a, 3)); /* equal rows: neither */
    assert_false(pareto_dominates(a, c, 3)); /* a trade-off: neither */
    assert_false(pareto_dominates(c, a, 3));
}

static void test_front_of_hand_made_rows(void **state) {
    (void)state;
    const double v[][TUNE_NOBJ] = {
        ROW(100, 10, 0.20, 200, 50), /* 0: front */
        ROW(100, 10, 0.20, 210, 50), /* 1: dominated by 0 (slower, else equal) */
        ROW(50, 20, 0.30, 250, 40),  /* 2: front (trade-off with 0) */
        ROW(50, 20, 0.30, 250, 40),  /* 3: a duplicate of 2: duplicates do not dominate each other */
        ROW(200, 30, 0.40, 300, 60), /* 4: dominated by 0 and 2 */
        ROW(300, 5, 0.50, 400, 90),  /* 5: front: the best p99, worst elsewhere */
    };
    bool front[6];
    assert_int_equal(pareto_front(&v[0][0], 6, TUNE_NOBJ, NULL, front), 4);
    const bool expect[6] = {true, false, true, true, false, true};
    for (int i = 0; i < 6; i++) assert_int_equal(front[i], expect[i]);

    /* Excluded rows are never on the front and dominate nothing: without
     * row 0, row 1 is on it. */
    const bool include[6] = {false, true, true, true, true, true};
    assert_int_equal(pareto_front(&v[0][0], 6, TUNE_NOBJ, include, front), 4);
    assert_false(front[0]);
    assert_true(front[1]);
    assert_false(front[4]);

    /* Nothing included: an empty front. */
    const bool none[6] = {false};
    assert_int_equal(pareto_front(&v[0][0], 6, TUNE_NOBJ, none, front), 0);
    for (int i = 0; i < 6; i++) assert_false(front[i]);
}

/* ------------------------------------------------------------------ */
/* The recommendation                                                  */
/* ------------------------------------------------------------------ */

static void test_meets(void **state) {
    (void)state;
    const double row[TUNE_NOBJ] = ROW(300, 150, 0.2, 100, 64.0 * 1048576);
    tune_goal g = {200, TUNE_ON_P99, 0, 0};
    assert_true(tune_meets(row, &g));
    g.target_us = 150; /* at the target meets: <= */
    assert_true(tune_meets(row, &g));
    g.target_us = 149.9;
    assert_false(tune_meets(row, &g));
    g = (tune_goal){200, TUNE_ON_MAX, 0, 0};
    assert_false(tune_meets(row, &g)); /* max 300 > 200 */
    g = (tune_goal){200, TUNE_ON_P99, 32.0 * 1048576, 0};
    assert_false(tune_meets(row, &g)); /* p99 fine, heap over the limit */
    g.max_heap_bytes = 64.0 * 1048576;
    assert_true(tune_meets(row, &g));
}

static void test_recommend_fastest_meeting(void **state) {
    (void)state;
    const double v[][TUNE_NOBJ] = {
        ROW(900, 400, 0.10, 100, 30), /* 0: fastest of all, misses p99 <= 200 */
        ROW(300, 150, 0.20, 150, 40), /* 1: meets, fastest of those */
        ROW(250, 120, 0.25, 180, 20), /* 2: meets, slower */
        ROW(100, 50, 0.30, 300, 20),  /* 3: meets, slowest */
    };
    tune_goal g = {200, TUNE_ON_P99, 0, 0};
    tune_pick p = tune_recommend(&v[0][0], 4, NULL, &g);
    assert_int_equal(p.index, 1);
    assert_true(p.meets);
    assert_int_equal(p.nmeeting, 3);
    assert_int_equal(p.ntied, 1);
    assert_true(p.fastest_ms == 150);

    /* A 25% tie band takes in row 2 (180 <= 187.5) and its smaller heap
     * wins; row 3 (300 ms) stays out. */
    g.wall_tie = 0.25;
    p = tune_recommend(&v[0][0], 4, NULL, &g);
    assert_int_equal(p.index, 2);
    assert_int_equal(p.ntied, 2);

    /* On max pause only row 3 meets. */
    g = (tune_goal){200, TUNE_ON_MAX, 0, 0.25};
    p = tune_recommend(&v[0][0], 4, NULL, &g);
    assert_int_equal(p.index, 3);
    assert_int_equal(p.nmeeting, 1);

    /* A heap limit of 25 rules out row 1. */
    g = (tune_goal){200, TUNE_ON_P99, 25, 0};
    p = tune_recommend(&v[0][0], 4, NULL, &g);
    assert_int_equal(p.index, 2);
    assert_int_equal(p.nmeeting, 2);

    /* Excluded rows are not candidates. */
    const bool include[4] = {true, false, true, true};
    g = (tune_goal){200, TUNE_ON_P99, 0, 0};
    p = tune_recommend(&v[0][0], 4, include, &g);
    assert_int_equal(p.index, 2);
}

static void test_recommend_ties(void **state) {
    (void)state;
    /* Equal wall time: the smaller heap; equal in everything: the lower index. */
    const double v[][TUNE_NOBJ] = {
        ROW(100, 50, 0.2, 150, 40),
        ROW(100, 50, 0.2, 150, 30),
        ROW(100, 50, 0.2, 150, 30),
    };
    tune_goal g = {200, TUNE_ON_P99, 0, 0};
    assert_int_equal(tune_recommend(&v[0][0], 3, NULL, &g).index, 1);
}

static void test_recommend_when_nothing_meets(void **state) {
    (void)state;
    const double v[][TUNE_NOBJ] = {
        ROW(900, 400, 0.1, 100, 30), /* 0 */
        ROW(800, 300, 0.2, 150, 90), /* 1: the lowest p99, but over a heap limit of 50 */
        ROW(950, 350, 0.2, 120, 40), /* 2 */
    };
    tune_goal g = {200, TUNE_ON_P99, 0, 0.05};
    tune_pick p = tune_recommend(&v[0][0], 3, NULL, &g);
    assert_false(p.meets);
    assert_int_equal(p.nmeeting, 0);
    assert_int_equal(p.index, 1); /* closest: lowest p99 */
    g.max_heap_bytes = 50;
    p = tune_recommend(&v[0][0], 3, NULL, &g);
    assert_int_equal(p.index, 2); /* closest among those within the heap limit */
    g.max_heap_bytes = 10;        /* none within it: lowest p99 again */
    assert_int_equal(tune_recommend(&v[0][0], 3, NULL, &g).index, 1);

    const bool none[3] = {false};
    p = tune_recommend(&v[0][0], 3, none, &g);
    assert_int_equal(p.index, -1);
    assert_false(p.meets);
}

/* The documented invariant, on many random grids with many ties (small
 * integer figures): whatever the goal, the pick is on the front. */
static void test_pick_is_always_on_the_front(void **state) {
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15u;
    enum { N = 24 };
    double v[N * TUNE_NOBJ];
    bool front[N], include[N];
    for (int trial = 0; trial < 2000; trial++) {
        for (int i = 0; i < N * TUNE_NOBJ; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            v[i] = (double)(x % 6);
        }
        for (int i = 0; i < N; i++) include[i] = (x >> (i % 60)) & 1 || i == 0;
        tune_goal g = {(double)(trial % 6), trial & 1 ? TUNE_ON_MAX : TUNE_ON_P99, (double)(trial % 4),
                       (trial % 3) * 0.5};
        pareto_front(v, N, TUNE_NOBJ, include, front);
        tune_pick p = tune_recommend(v, N, include, &g);
        assert_true(p.index >= 0 && p.index < N);
        assert_true(include[p.index]);
        if (!front[p.index]) fail_msg("trial %d: the pick %ld is not on the front", trial, p.index);
        if (p.meets) assert_true(tune_meets(&v[p.index * TUNE_NOBJ], &g));
    }
}

/* ------------------------------------------------------------------ */
/* The grid                                                            */
/* ------------------------------------------------------------------ */

/* Every list of modes, barriers and caps gives the configurations the
 * collector runs, each once, and nothing it refuses: the concurrent mode
 * only with dijkstra, yuasa and hybrid, once per cap; the incremental mode
 * once whatever the caps; stw once per trigger. */
static void test_grid_has_every_valid_mode_and_nothing_else(void **state) {
    (void)state;
    static const tc_barrier all[] = {TC_BARRIER_DIJKSTRA, TC_BARRIER_STEELE, TC_BARRIER_YUASA, TC_BARRIER_STW,
                                     TC_BARRIER_HYBRID};
    static const uint32_t caps[][3] = {{1, 25}, {2, 10, 50}}; /* count, values */
    for (int modes = 1; modes <= 3; modes++)                  /* bit 0 incremental, bit 1 concurrent */
        for (int bars = 1; bars < 32; bars++)                 /* every non-empty subset of the five barriers */
            for (int k = 0; k < 2; k++) {
                tune_opts o;
                memset(&o, 0, sizeof o);
                tc_config_default(&o.base);
                o.target_us = 200;
                o.steps[0] = TUNE_STEP_AUTO, o.steps[1] = 1000, o.nsteps = 2;
                o.triggers[0] = 100, o.triggers[1] = 200, o.ntriggers = 2;
                if (modes & 1) o.modes[o.nmodes++] = false;
                if (modes & 2) o.modes[o.nmodes++] = true;
                for (int b = 0; b < 5; b++)
                    if (bars >> b & 1) o.barriers[o.nbarriers++] = all[b];
                o.ngc_cpus = caps[k][0];
                for (size_t u = 0; u < o.ngc_cpus; u++) o.gc_cpus[u] = caps[k][1 + u];
                /* What should be there: (mode, barrier, cap, trigger, step) once each. */
                size_t want = 0;
                for (size_t m = 0; m < o.nmodes; m++)
                    for (size_t b = 0; b < o.nbarriers; b++) {
                        if (o.modes[m] && (o.barriers[b] == TC_BARRIER_STEELE || o.barriers[b] == TC_BARRIER_STW))
                            continue;
                        want += (o.barriers[b] == TC_BARRIER_STW ? 1 : o.nsteps) * o.ntriggers *
                                (o.modes[m] ? o.ngc_cpus : 1);
                    }
                tune_cfg *g = NULL;
                size_t n = tune_build_grid(&o, &g);
                if (n != want)
                    fail_msg("modes %d barriers %#x caps %zu: %zu configurations, expected %zu", modes, bars,
                             o.ngc_cpus, n, want);
                for (size_t i = 0; i < n; i++) {
                    tc_config tc;
                    tune_cfg_to_tc(&o, &g[i], &tc);
                    const char *bad = tc_config_check(&tc);
                    if (bad) fail_msg("configuration %zu is invalid: %s", i, bad);
                    assert_int_equal(tc.concurrent, g[i].concurrent);
                    if (!g[i].concurrent) assert_int_equal(g[i].gc_cpu_pct, o.base.gc_cpu_pct);
                    for (size_t j = 0; j < i; j++) /* each once */
                        if (g[j].concurrent == g[i].concurrent && g[j].barrier == g[i].barrier &&
                            g[j].gc_cpu_pct == g[i].gc_cpu_pct && g[j].trigger_pct == g[i].trigger_pct &&
                            g[j].step_work == g[i].step_work)
                            fail_msg("configurations %zu and %zu are the same", j, i);
                }
                free(g);
            }
}

/* ------------------------------------------------------------------ */
/* The scatter plot                                                    */
/* ------------------------------------------------------------------ */

static const SDL_Color RED = {255, 0, 0, 255}, BLUE = {0, 0, 255, 255}, GREEN = {0, 255, 0, 255};

static bool near(SDL_Color c, SDL_Color want) {
    return abs(c.r - want.r) < 40 && abs(c.g - want.g) < 40 && abs(c.b - want.b) < 40;
}

/* Dots of each kind are drawn in their colour, on the side of the
 * target their duration puts them, and nothing is drawn outside the area. */
static void test_scatter_pixels(void **state) {
    (void)state;
    enum { W = 640, H = 400 };
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_ARGB8888);
    assert_non_null(surf);
    SDL_Renderer *r = SDL_CreateSoftwareRenderer(surf);
    assert_non_null(r);
    char err[512];
    text *t = text_open(r, 13, err, sizeof err);
    if (!t) fail_msg("text_open: %s", err);
    SDL_SetRenderDrawColor(r, 0, 0, 0, 255);
    SDL_RenderClear(r);
    /* Others (red) far right of the 100 us target, front (blue) and the
     * pick (green) left of it. */
    const plot_dot d[] = {
        {5000, 10, PLOT_DOT_OTHER}, {8000, 20, PLOT_DOT_OTHER}, {10, 30, PLOT_DOT_FRONT},
        {20, 15, PLOT_DOT_FRONT},   {15, 12, PLOT_DOT_PICK},    {NAN, 5, PLOT_DOT_OTHER},
    };
    plot_scatter_spec spec = {.title = "test",
                              .y_unit = "ms",
                              .mark_us = 100,
                              .mark_label = "target",
                              .pick_label = "pick",
                              .names = {"other", "front", "pick"},
                              .colours = {RED, BLUE, GREEN}};
    SDL_Rect area = {20, 10, 600, 380};
    plot_scatter(r, t, area, &spec, d, sizeof d / sizeof d[0]);
    SDL_RenderFlush(r);
    SDL_Rect ax = plot_axes_rect(t, area);
    int mid = ax.x + ax.w / 2; /* x from 10 us to 10 ms: 100 us is a third of the way */
    size_t red_left = 0, red_right = 0, blue_left = 0, blue_right = 0, green = 0, outside = 0;
    const Uint32 *px = surf->pixels;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            SDL_Color c;
            SDL_GetRGBA(px[(size_t)y * (size_t)surf->pitch / 4 + (size_t)x], surf->format, &c.r, &c.g, &c.b, &c.a);
            bool inside = x >= area.x && x < area.x + area.w && y >= area.y && y < area.y + area.h;
            if (!inside) {
                outside += c.r || c.g || c.b;
                continue;
            }
            if (y < ax.y) continue; /* the legend's swatches */
            if (c.r > 150 && c.g < 60 && c.b < 60) *(x < mid ? &red_left : &red_right) += 1;
            if (c.b > 150 && c.r < 60 && c.g < 60) *(x < mid ? &blue_left : &blue_right) += 1;
            green += near(c, GREEN);
        }
    assert_int_equal(outside, 0);
    assert_true(red_right > 20);
    assert_int_equal(red_left, 0);
    assert_true(blue_left > 20);
    assert_int_equal(blue_right, 0);
    assert_true(green > 20);
    text_close(t);
    plot_release();
    SDL_DestroyRenderer(r);
    SDL_FreeSurface(surf);
}

/* No dots, or only dots without coordinates: axes and no crash. */
static void test_scatter_empty(void **state) {
    (void)state;
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, 200, 100, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *r = SDL_CreateSoftwareRenderer(surf);
    assert_non_null(r);
    plot_scatter_spec spec = {.colours = {RED, BLUE, GREEN}};
    plot_scatter(r, NULL, (SDL_Rect){0, 0, 200, 100}, &spec, NULL, 0);
    const plot_dot d[] = {{INFINITY, 1, PLOT_DOT_PICK}, {0, 0, PLOT_DOT_FRONT}};
    spec.mark_us = -1;
    plot_scatter(r, NULL, (SDL_Rect){0, 0, 200, 100}, &spec, d, 2);
    plot_release();
    SDL_DestroyRenderer(r);
    SDL_FreeSurface(surf);
}

/* ------------------------------------------------------------------ */
/* The command                                                         */
/* ------------------------------------------------------------------ */

static void test_bad_input(void **state) {
    (void)state;
    expect_usage_error(ARGS("tune", "--workload", "nope"), ARGS("unknown workload 'nope'", "gcbench", "demo"));
    expect_usage_error(ARGS("tune", "--pause-target", "abc"), ARGS("--pause-target", "'abc'", "200us"));
    expect_usage_error(ARGS("tune", "--pause-target", "0us"), ARGS("--pause-target", "needs a target", "10us..1s"));
    expect_usage_error(ARGS("tune", "--pause-target", "5s"), ARGS("--pause-target", "out of range"));
    expect_usage_error(ARGS("tune", "--meet", "p50"), ARGS("--meet", "'p50'", "p99, max"));
    expect_usage_error(ARGS("tune", "--barrier", "brooks"),
                       ARGS("unknown barrier 'brooks'", "dijkstra, steele, yuasa, stw"));
    expect_usage_error(ARGS("tune", "--steps", "1000,lots"), ARGS("--steps", "'lots'", "auto", "1..100000000"));
    expect_usage_error(ARGS("tune", "--steps", "1000,1000"), ARGS("--steps", "given twice"));
    expect_usage_error(ARGS("tune", "--steps", ","), ARGS("--steps", "at least one"));
    expect_usage_error(ARGS("tune", "--triggers", "5"), ARGS("--triggers", "10..1000"));
    expect_usage_error(ARGS("tune", "--max-heap", "lots"), ARGS("--max-heap", "not a size"));
    expect_usage_error(ARGS("tune", "--time-limit", "0"), ARGS("--time-limit", "out of range"));
    expect_usage_error(ARGS("tune", "--repeat", "1000"), ARGS("--repeat", "1..20"));
    expect_usage_error(ARGS("tune", "--frobnicate"), ARGS("unknown option '--frobnicate'"));
    expect_usage_error(ARGS("tune", "--mode", "parallel"),
                       ARGS("--mode", "unknown mode 'parallel'", "incremental, concurrent"));
    expect_usage_error(ARGS("tune", "--mode", "concurrent,concurrent"), ARGS("--mode", "given twice"));
    expect_usage_error(ARGS("tune", "--mode", "concurrent", "--barrier", "steele,stw"),
                       ARGS("--mode concurrent", "dijkstra, yuasa, hybrid"));
    expect_usage_error(ARGS("tune", "--gc-cpu", "25,0"), ARGS("--gc-cpu", "out of range", "1..100"));
    expect_usage_error(ARGS("tune", "--json"), ARGS("--json needs a value"));
    /* Unwritable outputs fail before any run. */
    expect_usage_error(ARGS("tune", "--workload", "demo", "--json", "/nonexistent-dir/x.json"),
                       ARGS("--json", "cannot write '/nonexistent-dir/x.json'"));
    expect_usage_error(ARGS("tune", "--workload", "demo", "--png", "/nonexistent-dir/x.png"),
                       ARGS("--png", "cannot write"));
}

static void test_help(void **state) {
    (void)state;
    static tool_outcome o;
    tool_run(&o, ARGS("tune", "--help"));
    assert_int_equal(o.status, 0);
    assert_non_null(strstr(o.out, "--pause-target"));
    assert_non_null(strstr(o.out, "--steps"));
    tool_run(&o, ARGS("--help"));
    assert_non_null(strstr(o.out, "tune"));
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    static char buf[1 << 18];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* The i-th configuration object of the JSON text (they are written one
 * per line, each starting with {"barrier"), or NULL. */
/* The closing brace of the JSON object that starts at p ('{'): a
 * configuration holds nested objects (its figures). */
static const char *object_end(const char *p) {
    int depth = 0;
    for (; *p; p++) {
        if (*p == '{') depth++;
        if (*p == '}' && --depth == 0) return p;
    }
    return p;
}

static const char *config_at(const char *json, long i) {
    const char *c = strstr(json, "\"configs\":[");
    for (long k = 0; c && k <= i; k++) c = strstr(c + 1, "{\"barrier\"");
    return c;
}

static int count_configs(const char *json) {
    int n = 0;
    for (const char *c = config_at(json, 0); c; c = strstr(c + 1, "{\"barrier\"")) n++;
    return n;
}

/* A tiny sweep, as a user would run it: 2 step budgets x 1 trigger x 3
 * barriers on the demo workload. */
static void test_tiny_sweep(void **state) {
    (void)state;
    char json[] = "/tmp/tricolor-tune-XXXXXX.json", png[] = "/tmp/tricolor-tune-XXXXXX.png";
    int fd = mkstemps(json, 5);
    assert_true(fd >= 0);
    close(fd);
    fd = mkstemps(png, 4);
    assert_true(fd >= 0);
    close(fd);
    static tool_outcome o;
    tool_run(&o, ARGS("tune", "--workload", "demo", "--size", "small", "--steps", "1000,4000", "--triggers", "100",
                      "--pause-target", "1ms", "--json", json, "--png", png));
    if (o.status != 0) fail_msg("tune exited %d: %s", o.status, o.err);
    /* The text report: the grid, a note on noise, the front, the pick and
     * its bench command. */
    assert_non_null(strstr(o.out, "6 configurations"));
    assert_non_null(strstr(o.out, "single runs"));
    assert_non_null(strstr(o.out, "Pareto front"));
    assert_non_null(strstr(o.out, "Recommended: #"));
    assert_non_null(strstr(o.out, "p99 <= 1000 us"));
    const char *repro = strstr(o.out, "Reproduce it:\n  ");
    assert_non_null(repro);

    char *doc = slurp(json);
    unlink(json);
    assert_non_null(doc);
    static json_keys keys;
    const char *where;
    if (!json_collect_keys(doc, &keys, &where)) fail_msg("--json does not parse near: %.60s", where);
    static const char *const required[] = {"workload",
                                           "size",
                                           "seed",
                                           "target_us",
                                           "configs",
                                           "configs.barrier",
                                           "configs.step_work",
                                           "configs.trigger_pct",
                                           "configs.pause_target_us",
                                           "configs.figures",
                                           "configs.figures.pauses.max_us",
                                           "configs.figures.pauses.p99_us",
                                           "configs.figures.gc_cpu_share",
                                           "configs.figures.wall_ms",
                                           "configs.figures.peak_heap_bytes",
                                           "configs.figures.checksum",
                                           "configs.on_front",
                                           "configs.meets_target",
                                           "recommended",
                                           "bench_command",
                                           NULL};
    for (int i = 0; required[i]; i++)
        if (!json_has_key(&keys, required[i])) fail_msg("--json lacks %s", required[i]);
    assert_non_null(strstr(doc, "\"workload\":\"demo\""));
    assert_non_null(strstr(doc, "\"target_us\":1000"));
    assert_int_equal(count_configs(doc), 6);

    /* The recommended configuration is on the front, meets the 1 ms target
     * if the JSON says it does, and is the one the text names. */
    long rec = -1;
    const char *r = strstr(doc, "\"recommended\":");
    assert_non_null(r);
    assert_int_equal(sscanf(r, "\"recommended\":%ld", &rec), 1);
    assert_true(rec >= 0 && rec < 6);
    const char *c = config_at(doc, rec);
    assert_non_null(c);
    const char *end = object_end(c), *on = strstr(c, "\"on_front\":true");
    if (!on || on > end) fail_msg("the recommended configuration %ld is not on the front: %.300s", rec, c);
    char name[32];
    snprintf(name, sizeof name, "Recommended: #%ld ", rec);
    assert_non_null(strstr(o.out, name));

    /* The PNG: the documented size. */
    SDL_Surface *img = IMG_Load(png);
    unlink(png);
    if (!img) fail_msg("--png did not load: %s", IMG_GetError());
    assert_int_equal(img->w, 1280);
    assert_int_equal(img->h, 600);
    SDL_FreeSurface(img);

    /* The printed bench command runs as printed (split on spaces: it has
     * no quoting), with this test's binary. */
    char cmd[512];
    const char *line = repro + strlen("Reproduce it:\n  ");
    size_t len = strcspn(line, "\n");
    assert_true(len < sizeof cmd);
    memcpy(cmd, line, len);
    cmd[len] = 0;
    const char *args[40];
    int na = 0;
    char *save = NULL;
    char *tok = strtok_r(cmd, " ", &save); /* the program: replaced by tool_bin() in tool_run() */
    assert_non_null(tok);
    while ((tok = strtok_r(NULL, " ", &save)) && na < 39) args[na++] = tok;
    args[na] = NULL;
    assert_string_equal(args[0], "bench");
    tool_run(&o, args);
    if (o.status != 0) fail_msg("the recommended bench command exited %d: %s", o.status, o.err);
    assert_non_null(strstr(o.out, "demo"));
}

/* stw has no step budget: one configuration per trigger, and its bench
 * command has no --step-work. */
static void test_stw_has_no_step(void **state) {
    (void)state;
    static tool_outcome o;
    char json[] = "/tmp/tricolor-tune-XXXXXX.json";
    int fd = mkstemps(json, 5);
    assert_true(fd >= 0);
    close(fd);
    tool_run(&o, ARGS("tune", "--workload", "demo", "--size", "small", "--barrier", "stw", "--steps", "auto,1000,4000",
                      "--triggers", "100,200", "--json", json));
    if (o.status != 0) fail_msg("tune exited %d: %s", o.status, o.err);
    char *doc = slurp(json);
    unlink(json);
    assert_non_null(doc);
    assert_int_equal(count_configs(doc), 2);
    assert_non_null(strstr(doc, "\"step_work\":null"));
    const char *repro = strstr(o.out, "Reproduce it:");
    assert_non_null(repro);
    assert_null(strstr(repro, "--step-work"));
    assert_non_null(strstr(repro, "--barrier stw"));
}

/* Both modes in one tiny sweep, as a user would run it: the concurrent
 * mode gets hybrid at two caps and no steele, the incremental mode both
 * barriers once; every configuration runs (none refused by the
 * collector), the JSON and the table name each one's mode and cap, and
 * the header says what the concurrent mode leaves out and what its GC
 * CPU share does not count. */
static void test_sweep_of_both_modes(void **state) {
    (void)state;
    char json[] = "/tmp/tricolor-tune-XXXXXX.json";
    int fd = mkstemps(json, 5);
    assert_true(fd >= 0);
    close(fd);
    static tool_outcome o;
    tool_run(&o, ARGS("tune", "--workload", "demo", "--size", "small", "--steps", "1000", "--triggers", "100", "--mode",
                      "incremental,concurrent", "--barrier", "steele,hybrid", "--gc-cpu", "10,50", "--pause-target",
                      "1ms", "--all", "--json", json));
    if (o.status != 0) fail_msg("tune exited %d: %s", o.status, o.err);
    assert_non_null(strstr(o.out, "4 configurations"));
    assert_non_null(strstr(o.out, "the concurrent mode runs no steele or stw"));
    assert_non_null(strstr(o.out, "The GC CPU share counts a concurrent configuration's marker thread"));
    assert_non_null(strstr(o.out, "  mode "));
    assert_non_null(strstr(o.out, "concurrent 10% hybrid"));
    assert_non_null(strstr(o.out, "concurrent 50% hybrid"));
    assert_non_null(strstr(o.out, "incremental    steele"));
    assert_null(strstr(o.out, "failed"));
    char *doc = slurp(json);
    unlink(json);
    assert_non_null(doc);
    static json_keys keys;
    const char *where;
    if (!json_collect_keys(doc, &keys, &where)) fail_msg("--json does not parse near: %.60s", where);
    assert_true(json_has_key(&keys, "configs.mode"));
    assert_true(json_has_key(&keys, "configs.gc_cpu_pct"));
    assert_int_equal(count_configs(doc), 4);
    int conc = 0;
    for (long i = 0; i < 4; i++) {
        const char *c = config_at(doc, i), *end = object_end(c);
        char one[4096];
        size_t len = (size_t)(end - c) + 1;
        assert_true(len < sizeof one);
        memcpy(one, c, len);
        one[len] = 0;
        assert_non_null(strstr(one, "\"status\":\"ok\""));
        if (strstr(one, "\"mode\":\"concurrent\"")) {
            conc++;
            assert_non_null(strstr(one, "\"barrier\":\"hybrid\""));
            assert_true(strstr(one, "\"gc_cpu_pct\":10,") || strstr(one, "\"gc_cpu_pct\":50,"));
        } else {
            assert_non_null(strstr(one, "\"mode\":\"incremental\""));
            assert_non_null(strstr(one, "\"gc_cpu_pct\":null"));
        }
    }
    assert_int_equal(conc, 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dominance),
        cmocka_unit_test(test_front_of_hand_made_rows),
        cmocka_unit_test(test_meets),
        cmocka_unit_test(test_recommend_fastest_meeting),
        cmocka_unit_test(test_recommend_ties),
        cmocka_unit_test(test_recommend_when_nothing_meets),
        cmocka_unit_test(test_pick_is_always_on_the_front),
        cmocka_unit_test(test_grid_has_every_valid_mode_and_nothing_else),
        cmocka_unit_test(test_scatter_pixels),
        cmocka_unit_test(test_scatter_empty),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_tiny_sweep),
        cmocka_unit_test(test_stw_has_no_step),
        cmocka_unit_test(test_sweep_of_both_modes),
    };
    int rc = cmocka_run_group_tests_name("tune", tests, NULL, NULL);
    SDL_Quit();
    return rc;
}
