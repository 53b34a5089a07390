/*
 * test_history.c — time travel: the history gives back every frame it
 * kept, byte for byte, and stays within its bound; a scene scrubbed back
 * to increment k shows what a fresh deterministic run stopped at k shows;
 * while a past frame is shown the live run does not move.
 */
#include "support.h"
#include "history.h"
#include "live.h"
#include "scene.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "palette.h"
#include "plots.h"

/* A frame that changes a little each time, its length too, as frames do. */
static size_t make_frame(uint8_t *f, size_t cap, unsigned step) {
    size_t len = cap - (step % 7) * 13;
    srand(step);
    for (size_t i = 0; i < len; i++) f[i] = (uint8_t)((i / 64 + step / 16) & 3);
    for (int k = 0; k < 40; k++) f[(size_t)rand() % len] = (uint8_t)rand();
    return len;
}

static hist_moment moment(unsigned step, double dt) {
    return (hist_moment){.run_s = step * 1e-3, .shown_s = step * dt, .incr = step, .view = HIST_GRAPH};
}

static void test_history_gives_back_every_frame_it_kept(void **state) {
    (void)state;
    enum { CAP = 20000, N = 300 };
    history h;
    history_init(&h, 64 << 20, 1e9);
    uint8_t *orig[N];
    size_t olen[N];
    for (unsigned i = 0; i < N; i++) {
        orig[i] = malloc(CAP);
        olen[i] = make_frame(orig[i], CAP, i);
        hist_moment m = moment(i, 1.0 / 60);
        assert_true(history_add(&h, &m, orig[i], olen[i]));
    }
    assert_int_equal(h.n, N);
    assert_true(h.coded < (size_t)N * CAP / 4); /* deltas are small */
    /* In any order: forward (one delta), backward (from a keyframe), jumps. */
    unsigned order[] = {0, 1, 2, 33, 31, 299, 150, 151, 149, 64, 63, 64, 298};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        size_t len;
        const uint8_t *f = history_frame(&h, order[k], &len);
        assert_non_null(f);
        assert_int_equal(len, olen[order[k]]);
        assert_memory_equal(f, orig[order[k]], len);
    }
    assert_int_equal(history_at_incr(&h, 150), 150);
    assert_int_equal(history_at_time(&h, 0.0505), 50);
    assert_int_equal(history_at_incr(&h, 100000), N - 1);
    for (unsigned i = 0; i < N; i++) free(orig[i]);
    history_free(&h);
}

static void test_history_stays_within_its_bounds(void **state) {
    (void)state;
    enum { CAP = 6000 };
    uint8_t *f = malloc(CAP), *copy = malloc(CAP);
    /* Memory: a quarter MiB; far more frames than fit. */
    history h;
    size_t limit = 256 << 10;
    history_init(&h, limit, 1e9);
    size_t most = 0;
    for (unsigned i = 0; i < 5000; i++) {
        size_t len = make_frame(f, CAP, i);
        hist_moment m = moment(i, 1.0 / 60);
        assert_true(history_add(&h, &m, f, len));
        size_t b = history_bytes(&h);
        if (b > most) most = b;
        assert_true(b <= limit);
        assert_true(h.f[0].key); /* the oldest is always a keyframe */
    }
    assert_true(h.dropped > 0);
    assert_true(most > limit / 2); /* the bound is used, not just respected */
    /* What is left still reads back: the newest frame is the last added. */
    size_t len = make_frame(copy, CAP, 4999), got;
    const uint8_t *last = history_frame(&h, h.n - 1, &got);
    assert_int_equal(got, len);
    assert_memory_equal(last, copy, len);
    const uint8_t *oldest = history_frame(&h, 0, &got);
    len = make_frame(copy, CAP, (unsigned)h.f[0].m.incr);
    assert_int_equal(got, len);
    assert_memory_equal(oldest, copy, len);
    history_free(&h);

    /* Age: 2 s of frames at 60 a second, plus at most the group that
     * straddles the cut. */
    history_init(&h, 64 << 20, 2.0);
    for (unsigned i = 0; i < 1000; i++) {
        size_t l = make_frame(f, CAP, i);
        hist_moment m = moment(i, 1.0 / 60);
        history_add(&h, &m, f, l);
        assert_true(h.f[h.n - 1].m.shown_s - h.f[0].m.shown_s <= 2.0 + HIST_GROUP / 60.0 + 1e-9);
    }
    assert_true(h.n >= 120);
    history_free(&h);

    /* Many tiny frames: their records count against the bound too. */
    history_init(&h, 64 << 10, 1e9);
    for (unsigned i = 0; i < 100000; i++) {
        hist_moment m = moment(i, 1.0 / 60);
        uint8_t tiny[16] = {(uint8_t)i};
        history_add(&h, &m, tiny, sizeof tiny);
        if (history_bytes(&h) > h.limit_bytes) fail_msg("%zu bytes after %u tiny frames", history_bytes(&h), i);
    }
    assert_true(h.dropped > 0);
    history_free(&h);

    /* A frame over an eighth of the bound is refused, and said to be. */
    history_init(&h, 8 * 1000, 1e9);
    hist_moment m = moment(0, 0);
    assert_false(history_add(&h, &m, f, 1001));
    assert_true(h.too_big);
    assert_true(history_add(&h, &m, f, 1000));
    assert_false(h.too_big);
    history_free(&h);
    history_init(&h, 0, 1e9); /* off */
    assert_false(history_add(&h, &m, f, 10));
    history_free(&h);
    free(f);
    free(copy);
}

/* A deterministic demo scene, started, at speed 1 (an increment a frame). */
static void start_scene(scene *s, bool map) {
    scene_init(s, "record");
    s->deterministic = true;
    s->show_heapmap = map;
    scene_defaults(s);
    scene_settle(s);
    assert_true(scene_start(s));
}

/* What the graph shows, addresses aside: per node of the breadth-first
 * order, its colour, tree parent, and whether it is a root or a summary
 * (with its count). */
static void assert_same_graph(const graph *a, const graph *b) {
    assert_int_equal(a->norder, b->norder);
    assert_true(a->norder > 20);
    size_t grey = 0;
    for (size_t i = 0; i < a->norder; i++) {
        const gnode *x = &a->nodes[a->order[i]], *y = &b->nodes[b->order[i]];
        assert_int_equal(x->colour, y->colour);
        assert_int_equal(x->root, y->root);
        assert_int_equal(x->summary, y->summary);
        assert_int_equal(x->summary ? x->count : 0, y->summary ? y->count : 0);
        int32_t px = x->parent < 0 ? -1 : (int32_t)a->nodes[x->parent].pos;
        int32_t py = y->parent < 0 ? -1 : (int32_t)b->nodes[y->parent].pos;
        assert_int_equal(px, py);
        grey += x->colour == TC_GREY;
    }
    (void)grey;
}

static void test_scrub_back_shows_what_a_fresh_run_showed(void **state) {
    (void)state;
    static scene a, b; /* large: not on the stack */
    start_scene(&a, false);
    for (int f = 0; f < 120; f++) scene_frame(&a, 1.0 / 30);
    tc_heap *ha = live_heap(a.lv);
    uint64_t now = tc_increment_count(ha);
    size_t pauses = a.tri.n;
    assert_true(a.hist.n >= 100);
    /* Back to a moment in the middle of a cycle (some objects grey). */
    long j = -1;
    for (long i = 40; i < (long)a.hist.n - 10 && j < 0; i++)
        if (a.hist.f[i].m.phase == TC_PHASE_PROPAGATE) j = i;
    assert_true(j > 0);
    uint64_t k = a.hist.f[j].m.incr;
    assert_true(scene_seek_increment(&a, k));
    assert_int_equal(scene_moment(&a)->incr, k);
    long frames = a.at + 1;
    size_t greys = 0;
    for (size_t i = 0; i < a.g.norder; i++) greys += a.g.nodes[a.g.order[i]].colour == TC_GREY;
    assert_true(greys > 0); /* a moment of marking: the comparison sees three colours */

    start_scene(&b, false);
    for (long f = 0; f < frames; f++) scene_frame(&b, 1.0 / 30);
    assert_int_equal(tc_increment_count(live_heap(b.lv)), k);
    assert_same_graph(&a.g, &b.g);

    /* An object inspected then: its colour at that moment, and its colour
     * changes in that cycle up to then, as the frames kept show them. */
    void *grey_obj = NULL;
    for (size_t i = 0; i < a.g.norder && !grey_obj; i++) {
        const gnode *n = &a.g.nodes[a.g.order[i]];
        if (!n->summary && n->colour == TC_GREY) grey_obj = n->obj;
    }
    inspector_select(&a.insp, grey_obj);
    a.g.selected = grey_obj;
    scene_frame(&a, 1.0 / 30);
    assert_true(a.insp.past);
    assert_int_equal(a.insp.past_incr, k);
    assert_int_equal(a.insp.past_colour, TC_GREY);
    assert_true(a.insp.npast >= 1);
    assert_int_equal(a.insp.past_hist[a.insp.npast - 1].colour, TC_GREY);
    for (uint32_t i = 0; i < a.insp.npast; i++) assert_true(a.insp.past_hist[i].increment <= k);
    if (a.insp.npast >= 2) /* grey came from white, in an earlier frame of the cycle */
        assert_int_equal(a.insp.past_hist[a.insp.npast - 2].colour, TC_WHITE);

    /* Shown frames do not run the live run, nor add to its figures. */
    for (int f = 0; f < 10; f++) scene_frame(&a, 1.0 / 30);
    assert_int_equal(tc_increment_count(ha), now);
    assert_int_equal(a.tri.n, pauses);
    assert_int_equal(scene_moment(&a)->incr, k);
    assert_same_graph(&a.g, &b.g); /* and the frame stays as it was */

    /* A step back and forward, then the live run again. */
    scene_step_back(&a);
    assert_true(scene_moment(&a)->incr < k);
    scene_step_forward(&a);
    assert_int_equal(scene_moment(&a)->incr, k);
    scene_live(&a, true);
    assert_null(scene_moment(&a));
    scene_frame(&a, 1.0 / 30);
    assert_true(tc_increment_count(ha) > now);
    scene_free(&a);
    scene_free(&b);
}

static void test_scrub_back_on_the_heap_map(void **state) {
    (void)state;
    static scene a, b;
    start_scene(&a, true);
    for (int f = 0; f < 80; f++) scene_frame(&a, 1.0 / 30);
    assert_true(scene_seek_increment(&a, a.hist.f[50].m.incr));
    start_scene(&b, true);
    for (long f = 0; f <= a.at; f++) scene_frame(&b, 1.0 / 30);
    assert_true(a.show_heapmap);
    assert_int_equal(a.hm.n, b.hm.n);
    assert_true(a.hm.n > 100);
    assert_memory_equal(a.hm.cells, b.hm.cells, a.hm.n);
    assert_int_equal(a.hm.npages, b.hm.npages);
    assert_int_equal(a.hm.grey_pages, b.hm.grey_pages);
    /* Replay to now: then the live run goes on by itself. */
    scene_set_speed(&a, scene_nspeeds - 1);
    scene_replay(&a);
    uint64_t before = tc_increment_count(live_heap(a.lv));
    for (int f = 0; f < 40 && scene_moment(&a); f++) scene_frame(&a, 1.0 / 30);
    assert_null(scene_moment(&a));
    assert_false(a.paused);
    scene_frame(&a, 1.0 / 30);
    assert_true(tc_increment_count(live_heap(a.lv)) > before);
    scene_free(&a);
    scene_free(&b);
}

/* A click on a pause bar of the timeline shows the heap right after that
 * pause: the first frame kept after it ended. Drawn for real (software
 * renderer), clicked where the bar is. */
/* A frame restored into a graph that must grow while it does (a bigger
 * forest than it held): every node as saved. */
static void test_restore_grows_the_graph(void **state) {
    (void)state;
    static scene a;
    start_scene(&a, false);
    a.cfg.step_work = 4000;
    for (int f = 0; f < 60; f++) scene_frame(&a, 1.0 / 30);
    const graph *src = &a.g;
    assert_true(src->norder > 150);
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    assert_true(graph_save(src, &buf, &len, &cap));
    graph g;
    memset(&g, 0, sizeof g);
    g.cap = 8; /* grows several times inside graph_restore */
    g.nodes = calloc(g.cap, sizeof *g.nodes);
    assert_true(graph_restore(&g, buf, len));
    assert_int_equal(g.norder, src->norder);
    for (size_t i = 0; i < g.norder; i++) {
        const gnode *x = &src->nodes[src->order[i]], *y = &g.nodes[g.order[i]];
        assert_ptr_equal(x->obj, y->obj);
        assert_int_equal(x->colour, y->colour);
        assert_int_equal(x->summary, y->summary);
        assert_int_equal(x->root, y->root);
        assert_int_equal(x->depth, y->depth);
    }
    graph_free(&g);
    free(buf);
    scene_free(&a);
}

/* Back to the live run from a heap-map frame while the graph was live:
 * the event ring follows the view (off on the heap map, whose pauses
 * bench measures without it). */
static void test_live_again_after_a_frame_of_the_other_view(void **state) {
    (void)state;
    static scene a;
    start_scene(&a, false);
    for (int f = 0; f < 20; f++) scene_frame(&a, 1.0 / 30);
    scene_set_view(&a, true);
    for (int f = 0; f < 20; f++) scene_frame(&a, 1.0 / 30);
    assert_false(a.observing);
    scene_set_view(&a, false);
    for (int f = 0; f < 20; f++) scene_frame(&a, 1.0 / 30);
    assert_true(a.observing);
    assert_true(scene_seek(&a, 30)); /* a heap-map frame */
    assert_true(a.show_heapmap);
    scene_live(&a, false);
    assert_true(a.show_heapmap);
    assert_false(a.observing);
    scene_free(&a);
}

static void test_click_on_a_pause_bar_jumps_there(void **state) {
    (void)state;
    static scene a;
    start_scene(&a, false);
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, 1280, 720, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *ren = SDL_CreateSoftwareRenderer(surf);
    char err[256];
    a.font = text_open(ren, 13, err, sizeof err);
    assert_non_null(a.font);
    for (int f = 0; f < 90; f++) {
        scene_frame(&a, 1.0 / 30);
        scene_draw(&a, ren, 1280, 720);
    }
    /* A pause in the middle of the timeline, and where its bar stands. */
    const series *tri = &a.tri;
    assert_true(tri->n > 40);
    size_t k = tri->n / 2;
    double t0 = tri->pauses[k].t_s, t_end = t0 + tri->pauses[k].dur_us / 1e6;
    SDL_Rect ax = plot_axes_rect(a.font, a.timeline_at);
    int x = plot_x_at(a.timeline_at, a.shown_from, a.shown_to, t0);
    int y = ax.y + ax.h - 2;
    /* Bars a pixel or two apart: the one the timeline finds there (the
     * nearest, then the longest) is the one the click goes to. */
    plot_series ps = series_plot(&a.tri, "tricolor", PAL_TRICOLOR);
    size_t si, pi;
    assert_true(plot_timeline_hit(a.timeline_at, &ps, 1, a.shown_from, a.shown_to, x, y, &si, &pi));
    t_end = ps.pauses[pi].t_s + ps.pauses[pi].dur_us / 1e6;
    assert_true(fabs(ps.pauses[pi].t_s - t0) < 3.0 / ax.w * (a.shown_to - a.shown_from) + 1e-12);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.x = x, e.button.y = y;
    assert_true(scene_pointer(&a, &e));
    e.type = SDL_MOUSEBUTTONUP;
    assert_true(scene_pointer(&a, &e));
    const hist_moment *m = scene_moment(&a);
    assert_non_null(m);
    assert_true(m->run_s >= t_end - 1e-12);
    assert_true(a.at == 0 || a.hist.f[a.at - 1].m.run_s < t_end);
    assert_true(a.paused);
    text *font = a.font;
    scene_free(&a);
    text_close(font);
    SDL_DestroyRenderer(ren);
    SDL_FreeSurface(surf);
}

static void test_scene_history_keeps_its_bound_over_a_long_run(void **state) {
    (void)state;
    static scene a;
    start_scene(&a, false);
    history_free(&a.hist);
    size_t limit = 96 << 10;
    history_init(&a.hist, limit, SCENE_HISTORY_SECONDS);
    for (int f = 0; f < 1500; f++) {
        scene_frame(&a, 1.0 / 30);
        assert_true(history_bytes(&a.hist) <= limit);
    }
    assert_true(a.hist.dropped > 0);
    assert_true(scene_seek(&a, 0)); /* the oldest kept still reads */
    scene_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_gives_back_every_frame_it_kept),
        cmocka_unit_test(test_history_stays_within_its_bounds),
        cmocka_unit_test(test_scrub_back_shows_what_a_fresh_run_showed),
        cmocka_unit_test(test_scrub_back_on_the_heap_map),
        cmocka_unit_test(test_restore_grows_the_graph),
        cmocka_unit_test(test_live_again_after_a_frame_of_the_other_view),
        cmocka_unit_test(test_click_on_a_pause_bar_jumps_there),
        cmocka_unit_test(test_scene_history_keeps_its_bound_over_a_long_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
