/*
 * test_viz.c — the object graph and the heap map draw what the heap holds.
 *
 * Renders with SDL's software renderer onto a surface (no window, no
 * display) and reads pixels back: a black object is drawn black (inside a
 * light rim), a grey one grey, a white one white; the heap-map cell of a
 * freed object shows the free colour, of a marked one black. The graph's
 * summary boxes are drawn with their count and open on a click; nodes are
 * placed inside the panel, and a surviving object keeps its place.
 */
#include "support.h"
#include "graph.h"
#include "heapmap.h"
#include "palette.h"
#include "text.h"

#include <SDL.h>
#include <math.h>
#include <string.h>

enum { W = 400, H = 300 };

static SDL_Surface *surf;
static SDL_Renderer *ren;

static int setup(void **state) {
    (void)state;
    surf = SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_ARGB8888);
    ren = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
    return ren ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    SDL_DestroyRenderer(ren);
    SDL_FreeSurface(surf);
    return 0;
}

static SDL_Color pixel(int x, int y) {
    uint32_t v = ((uint32_t *)surf->pixels)[(size_t)y * (size_t)(surf->pitch / 4) + (size_t)x];
    return (SDL_Color){(Uint8)(v >> 16), (Uint8)(v >> 8), (Uint8)v, (Uint8)(v >> 24)};
}

static bool same_rgb(SDL_Color a, SDL_Color b) {
    return abs(a.r - b.r) <= 2 && abs(a.g - b.g) <= 2 && abs(a.b - b.b) <= 2;
}

static void clear(void) {
    SDL_SetRenderDrawColor(ren, PAL_PANEL.r, PAL_PANEL.g, PAL_PANEL.b, 255);
    SDL_RenderClear(ren);
}

/* A heap with a root -> a -> b, stepped until a is black and b grey. */
static tc_heap *marking_heap(void **root, void **a, void **b, void **c) {
    tc_config cfg;
    test_config(&cfg, TC_BARRIER_DIJKSTRA);
    cfg.step_work = 1;
    tc_heap *h = tc_heap_new(&cfg);
    tc_root_add(h, root);
    *a = tc_alloc(h, 1, 0);
    *root = *a;
    *b = tc_alloc(h, 1, 0);
    tc_store(h, *a, 0, *b);
    *c = tc_alloc(h, 0, 8); /* white: reachable from b only after the store below */
    tc_store(h, *b, 0, *c);
    tc_step(h); /* roots: a grey */
    tc_step(h); /* a black, b grey */
    assert_int_equal(tc_colour_of(h, *a), TC_BLACK);
    assert_int_equal(tc_colour_of(h, *b), TC_GREY);
    assert_int_equal(tc_colour_of(h, *c), TC_WHITE);
    return h;
}

static const gnode *node_of(const graph *g, const void *obj) {
    for (size_t i = 0; i < g->n; i++)
        if (g->nodes[i].obj == obj) return &g->nodes[i];
    return NULL;
}

static void test_graph_draws_each_colour(void **state) {
    (void)state;
    void *root = NULL, *a, *b, *c;
    tc_heap *h = marking_heap(&root, &a, &b, &c);
    graph g = {0};
    graph_sync(&g, h, 5000);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.nedges, 2);
    /* Put the nodes where their pixels are easy to find. */
    SDL_Rect area = {0, 0, W, H};
    const float xs[3] = {0.2f, 0.5f, 0.8f};
    const void *objs[3] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        gnode *n = (gnode *)node_of(&g, objs[i]);
        assert_non_null(n);
        n->x = xs[i];
        n->y = 0.5f;
    }
    clear();
    graph_draw(&g, ren, area);
    SDL_RenderPresent(ren);
    assert_true(same_rgb(pixel((int)(0.2f * W), H / 2), PAL_BLACK_OBJ));
    assert_true(same_rgb(pixel((int)(0.5f * W), H / 2), PAL_GREY_OBJ));
    assert_true(same_rgb(pixel((int)(0.8f * W), H / 2), PAL_WHITE_OBJ));
    /* The black object is ringed by its rim, and the root (a) by the root
     * colour further out, so black reads on the dark background. */
    bool rim = false, root_ring = false;
    for (int dx = 1; dx < 20; dx++) {
        SDL_Color p = pixel((int)(0.2f * W) + dx, H / 2);
        rim |= same_rgb(p, PAL_BLACK_RIM);
        root_ring |= same_rgb(p, PAL_ROOT);
    }
    assert_true(rim);
    assert_true(root_ring);
    /* Nothing is drawn far from the nodes and edges. */
    assert_true(same_rgb(pixel(W / 2, 10), PAL_PANEL));
    graph_free(&g);
    tc_heap_free(h);
}

static void test_graph_replays_events_in_slow_motion(void **state) {
    (void)state;
    void *root = NULL, *a, *b, *c;
    tc_heap *h = marking_heap(&root, &a, &b, &c);
    graph g = {0};
    g.replay = true; /* colours come from events only */
    graph_sync(&g, h, 5000);
    const gnode *nc = node_of(&g, c);
    assert_int_equal(nc->colour, 0); /* not set from the heap in replay mode */
    tc_event e = {.obj = c, .kind = TC_EV_SHADE};
    graph_event(&g, &e);
    assert_int_equal(nc->colour, TC_GREY);
    e.kind = TC_EV_BLACKEN;
    graph_event(&g, &e);
    assert_int_equal(nc->colour, TC_BLACK);
    graph_free(&g);
    tc_heap_free(h);
}

static void test_graph_truncates_beyond_max_nodes(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    void *list = NULL;
    tc_root_add(h, &list);
    for (int i = 0; i < 300; i++) {
        void *n = tc_alloc(h, 1, 0);
        tc_store(h, n, 0, list);
        list = n;
    }
    graph g = {0};
    graph_sync(&g, h, 100);
    assert_int_equal(g.shown, 100);
    assert_true(g.truncated);
    /* The nodes kept are the ones nearest the root; the other 200 are one
     * summary under the last one shown, counted exactly. */
    assert_non_null(node_of(&g, list));
    assert_int_equal(g.summaries, 1);
    assert_int_equal(g.folded, 200);
    assert_false(g.census_capped);
    graph_free(&g);
    tc_heap_free(h);
}

/* root -> array of `fan` slots, each the head of a chain of `chain`
 * objects. */
static tc_heap *fan_heap(void **root, int fan, int chain) {
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    tc_root_add(h, root);
    *root = tc_alloc(h, (uint32_t)fan, 0);
    for (int i = 0; i < fan; i++) {
        void *next = NULL; /* rooted: allocation may start a cycle */
        tc_root_push(h, &next);
        for (int k = 0; k < chain; k++) {
            void *n = tc_alloc(h, 1, 0);
            tc_store(h, n, 0, next);
            next = n;
        }
        tc_store(h, *root, (uint32_t)i, next);
        tc_root_pop(h, 1);
    }
    return h;
}

static const gnode *summary_under(const graph *g, const void *obj) {
    for (size_t i = 0; i < g->n; i++)
        if (g->nodes[i].summary && g->nodes[i].alive && g->nodes[i].parent >= 0 &&
            g->nodes[g->nodes[i].parent].obj == obj)
            return &g->nodes[i];
    return NULL;
}

/* Pixels of the text colour in the rectangle, which holds no node. */
static int text_pixels(int x0, int y0, int x1, int y1) {
    int n = 0;
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < H; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < W; x++) n += same_rgb(pixel(x, y), PAL_TEXT);
    return n;
}

static void test_graph_summary_drawn_with_its_count_and_opened_by_a_click(void **state) {
    (void)state;
    void *root = NULL;
    tc_heap *h = fan_heap(&root, 6, 3);
    char err[256];
    text *font = text_open(ren, 13, err, sizeof err);
    if (!font) fail_msg("text_open: %s", err);
    graph g = {0};
    /* The array and its first two chains' heads: the other four chains
     * (12 objects) fold into one box under the array. */
    graph_sync(&g, h, 3);
    const gnode *s = summary_under(&g, root);
    assert_non_null(s);
    assert_int_equal(s->count, 12);
    assert_false(s->capped);
    assert_int_equal(s->ncolour[0], 12); /* no cycle yet: all white */
    graph_ease(&g, 100);
    SDL_Rect area = {0, 0, W, H};
    /* Without a font no count is drawn; with one, text appears under the
     * box, and the box's middle is the white band. */
    clear();
    graph_draw(&g, ren, area);
    SDL_RenderPresent(ren);
    int sx = (int)(g.area.x + s->x * (float)g.area.w), sy = (int)(g.area.y + s->y * (float)g.area.h);
    assert_true(same_rgb(pixel(sx, sy), PAL_WHITE_OBJ));
    int below = text_pixels(sx - 30, sy + 4, sx + 30, sy + 24);
    assert_int_equal(below, 0);
    g.font = font;
    clear();
    graph_draw(&g, ren, area);
    SDL_RenderPresent(ren);
    sx = (int)(g.area.x + s->x * (float)g.area.w), sy = (int)(g.area.y + s->y * (float)g.area.h);
    below = text_pixels(sx - 30, sy + 4, sx + 30, sy + 24);
    assert_true(below > 10);
    /* A click on it: from the next sync the array's other children are
     * shown, and its box is gone. */
    assert_false(graph_click(&g, W - 2, H - 2)); /* not on a box */
    assert_true(graph_click(&g, sx, sy));
    size_t before = g.shown;
    graph_sync(&g, h, 3);
    assert_true(g.shown >= before + 4);
    assert_null(summary_under(&g, root));
    for (int i = 0; i < 6; i++) assert_non_null(node_of(&g, tc_load(h, root, (uint32_t)i)));
    text_close(font);
    graph_free(&g);
    tc_heap_free(h);
}

static void test_graph_census_counts_each_box_in_turn(void **state) {
    (void)state;
    /* root -> array of 8 -> each the head of a chain of 4001: with the
     * array and its 8 children shown, 8 boxes of 4000 objects each, too
     * many for one census to count them all (8 x 8000 work). */
    void *root = NULL;
    tc_heap *h = fan_heap(&root, 8, 4001);
    graph g = {0};
    graph_sync(&g, h, 9);
    assert_int_equal(g.summaries, 8);
    bool lower;
    const gnode *first = summary_under(&g, tc_load(h, root, 0)), *second = summary_under(&g, tc_load(h, root, 1));
    assert_int_equal(graph_count(&g, first, &lower), 4000);
    assert_false(lower);
    assert_true(graph_count(&g, second, &lower) < 4000);
    assert_true(lower);
    /* Each box gets its turn; a complete count then stands for it. */
    for (int i = 1; i < 8; i++) graph_sync(&g, h, 9);
    for (uint32_t i = 0; i < 8; i++) {
        const gnode *b = summary_under(&g, tc_load(h, root, i));
        assert_int_equal(graph_count(&g, b, &lower), 4000);
        assert_false(lower);
    }
    assert_int_equal(g.folded, 8 * 4000);
    graph_free(&g);
    tc_heap_free(h);
}

static void test_graph_nodes_fit_the_panel_and_survivors_keep_their_place(void **state) {
    (void)state;
    void *root = NULL;
    tc_heap *h = fan_heap(&root, 40, 30);
    graph g = {0};
    graph_sync(&g, h, 5000);
    assert_int_equal(g.summaries, 0);
    graph_ease(&g, 200);
    for (size_t i = 0; i < g.n; i++) {
        const gnode *n = &g.nodes[i];
        if (!(n->x > 0.01f && n->x < 0.99f && n->y > 0.01f && n->y < 0.99f))
            fail_msg("node %zu at (%f, %f): on or past the border", i, n->x, n->y);
    }
    /* A new object at the end of the last chain: every other object keeps
     * its place, and the new one starts where its parent is. */
    void *last = tc_load(h, root, 39);
    while (tc_load(h, last, 0)) last = tc_load(h, last, 0);
    void *a = tc_load(h, root, 3);
    const gnode *na = node_of(&g, a);
    float ax = na->x, ay = na->y;
    const gnode *nl = node_of(&g, last);
    float lx = nl->x, ly = nl->y;
    void *fresh = tc_alloc(h, 1, 0);
    tc_store(h, last, 0, fresh);
    graph_sync(&g, h, 5000);
    const gnode *nf = node_of(&g, fresh);
    assert_non_null(nf);
    assert_true(nf->x == lx && nf->y == ly);
    graph_ease(&g, 200);
    na = node_of(&g, a);
    assert_true(fabsf(na->x - ax) < 1e-4f && fabsf(na->y - ay) < 1e-4f);
    nf = node_of(&g, fresh);
    nl = node_of(&g, last);
    assert_true(nf->y > nl->y && fabsf(nf->x - nl->x) < 1e-4f);
    graph_free(&g);
    tc_heap_free(h);
}

/* The pixel at the centre of cell k (texels are square, scaled by s). */
static void cell_centre(const heapmap *m, SDL_Rect area, int k, int *x, int *y) {
    double sx = (double)area.w / m->w, sy = (double)area.h / m->h, s = sx < sy ? sx : sy;
    *x = area.x + (int)(((k % m->w) + 0.5) * s);
    *y = area.y + (int)(((k / m->w) + 0.5) * s);
}

static void test_heapmap_shows_colours_and_free_cells(void **state) {
    (void)state;
    void *root = NULL, *a, *b, *c;
    tc_heap *h = marking_heap(&root, &a, &b, &c);
    heapmap m = {0};
    SDL_Rect area = {0, 0, W, H};
    clear();
    heapmap_draw(&m, ren, h, area);
    SDL_RenderPresent(ren);
    /* Cells are in address order; a, b, c were allocated in order from one
     * fresh page, so they are cells 0, 1 and 2; cell 3 was never used. */
    assert_true(m.n > 3);
    const SDL_Color want[4] = {PAL_BLACK_OBJ, PAL_GREY_OBJ, PAL_WHITE_OBJ, PAL_FREE_CELL};
    for (int k = 0; k < 4; k++) {
        int x, y;
        cell_centre(&m, area, k, &x, &y);
        assert_int_equal(heapmap_cell_at(&m, area, x, y), k);
        if (!same_rgb(pixel(x, y), want[k])) fail_msg("cell %d at (%d,%d) has the wrong colour", k, x, y);
    }
    assert_int_equal(m.counts[TC_BLACK], 1);
    assert_int_equal(m.counts[TC_GREY], 1);
    /* Finish the cycle with c dropped: its cell turns free. */
    tc_store(h, b, 0, NULL);
    step_until(h, TC_PHASE_IDLE, 1000);
    tc_collect(h);
    clear();
    heapmap_draw(&m, ren, h, area);
    SDL_RenderPresent(ren);
    int x, y;
    cell_centre(&m, area, 2, &x, &y);
    assert_true(same_rgb(pixel(x, y), PAL_FREE_CELL));
    heapmap_free(&m);
    tc_heap_free(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graph_draws_each_colour),
        cmocka_unit_test(test_graph_replays_events_in_slow_motion),
        cmocka_unit_test(test_graph_truncates_beyond_max_nodes),
        cmocka_unit_test(test_graph_summary_drawn_with_its_count_and_opened_by_a_click),
        cmocka_unit_test(test_graph_census_counts_each_box_in_turn),
        cmocka_unit_test(test_graph_nodes_fit_the_panel_and_survivors_keep_their_place),
        cmocka_unit_test(test_heapmap_shows_colours_and_free_cells),
    };
    return cmocka_run_group_tests_name("viz", tests, setup, teardown);
}
