/*
 * test_viz.c — the object graph and the heap map draw what the heap holds.
 *
 * Renders with SDL's software renderer onto a surface (no window, no
 * display) and reads pixels back: a black object is drawn black (inside a
 * light rim), a grey one grey, a white one white; the heap-map cell of a
 * freed object shows the free colour, of a marked one black. The graph's
 * summary boxes are drawn with their count and open on a click; nodes are
 * placed inside the panel, and a surviving object keeps its place. A click
 * on an object selects it: it is ringed, its pointers drawn bright, and
 * the inspector lists its slots, one of which a click follows.
 */
#include "support.h"
#include "cpu_place.h"
#include "graph.h"
#include "heapmap.h"
#include "inspector.h"
#include "palette.h"
#include "scene.h"
#include "text.h"

#include <SDL.h>
#include <SDL_image.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

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
    /* Closing (key C) folds them back into the box from the next sync. */
    assert_int_equal(graph_close_all(&g), 1);
    graph_sync(&g, h, 4);
    assert_non_null(summary_under(&g, root));
    assert_int_equal(graph_close_all(&g), 0);
    text_close(font);
    graph_free(&g);
    tc_heap_free(h);
}

/* Pixels of the selection colour in the rectangle. */
static int select_pixels(int x0, int y0, int x1, int y1) {
    int n = 0;
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < H; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < W; x++) n += same_rgb(pixel(x, y), PAL_SELECT);
    return n;
}

static void test_click_selects_and_inspects_an_object(void **state) {
    (void)state;
    void *root = NULL, *a, *b, *c;
    tc_heap *h = marking_heap(&root, &a, &b, &c);
    char err[256];
    text *font = text_open(ren, 13, err, sizeof err);
    if (!font) fail_msg("text_open: %s", err);
    graph g = {0};
    inspector in = {0};
    graph_sync(&g, h, 100);
    graph_ease(&g, 100);
    SDL_Rect area = {0, 0, W, H};
    clear();
    graph_draw(&g, ren, area);
    assert_int_equal(select_pixels(0, 0, W, H), 0); /* nothing selected, nothing violet */
    int ax, ay, bx, by;
    assert_true(graph_node_pixel(&g, a, &ax, &ay));
    assert_true(graph_node_pixel(&g, b, &bx, &by));
    /* A click on a selects it: ringed, and its pointer to b drawn bright
     * halfway between them. */
    assert_true(graph_click(&g, ax, ay));
    assert_ptr_equal(g.selected, a);
    inspector_select(&in, g.selected);
    assert_true(inspector_sync(&in, h));
    assert_int_equal(in.info.colour, TC_BLACK);
    assert_true(in.info.is_root);
    assert_int_equal(in.nlisted, 1);
    assert_ptr_equal(in.target[0], b);
    assert_int_equal(in.target_colour[0], TC_GREY);
    clear();
    graph_draw(&g, ren, area);
    inspector_draw(&in, ren, font, area, ax, ay);
    SDL_RenderPresent(ren);
    assert_true(select_pixels(ax - 12, ay - 12, ax + 12, ay + 12) > 8); /* the ring */
    int mx = (ax + bx) / 2, my = (ay + by) / 2;
    assert_true(select_pixels(mx - 3, my - 3, mx + 4, my + 4) > 0); /* the pointer */
    assert_true(in.box.w > 0 && in.box.h > 0);
    assert_true(text_pixels(in.box.x, in.box.y, in.box.x + in.box.w, in.box.y + in.box.h) > 50);
    /* The panel never covers the object it describes. */
    assert_false(ax >= in.box.x && ax < in.box.x + in.box.w && ay >= in.box.y && ay < in.box.y + in.box.h);
    /* A click on slot 0's line follows it to b. */
    assert_true(inspector_click(&in, in.box.x + 20, in.slot_y0 + in.line_h / 2));
    assert_ptr_equal(in.obj, b);
    assert_true(inspector_sync(&in, h));
    assert_ptr_equal(in.target[0], c);
    /* Clicking the selected object again clears the selection. */
    g.selected = b;
    assert_true(graph_click(&g, bx, by));
    assert_null(g.selected);
    /* A selection the heap no longer holds is dropped, not read. */
    inspector_select(&in, c);
    tc_store(h, b, 0, NULL);
    tc_collect(h);
    tc_collect(h);
    assert_false(inspector_sync(&in, h));
    assert_null(in.obj);
    text_close(font);
    graph_free(&g);
    tc_heap_free(h);
}

/* The selection's history in the cycle: each colour change the syncs see,
 * with the increment, and each barrier hit on it from the events. */
static void test_inspector_history_of_a_cycle(void **state) {
    (void)state;
    void *root = NULL, *a, *b, *c;
    tc_heap *h = marking_heap(&root, &a, &b, &c); /* a black, b grey, c white */
    inspector in = {0};
    inspector_select(&in, c);
    assert_true(inspector_sync(&in, h));
    uint64_t k = tc_increment_count(h);
    assert_int_equal(in.nhist, 1);
    assert_int_equal(in.hist[0].colour, TC_WHITE);
    assert_int_equal(in.hist[0].barrier, -1);
    assert_true(inspector_sync(&in, h)); /* no change, no entry */
    assert_int_equal(in.nhist, 1);
    tc_step(h); /* b blackened: c grey */
    assert_true(inspector_sync(&in, h));
    assert_int_equal(in.nhist, 2);
    assert_int_equal(in.hist[1].colour, TC_GREY);
    assert_int_equal(in.hist[1].increment, k + 1);
    tc_event hit = {.obj = c, .kind = TC_EV_BARRIER, .arg = TC_BARRIER_YUASA, .source = b, .target = c, .slot = 0};
    tc_event other = {.obj = b, .kind = TC_EV_BARRIER, .arg = TC_BARRIER_YUASA, .source = a, .target = b, .slot = 0};
    inspector_event(&in, &other, k + 1); /* not the selection's */
    inspector_event(&in, &hit, k + 1);
    assert_int_equal(in.nhist, 3);
    assert_int_equal(in.hist[2].barrier, TC_BARRIER_YUASA);
    assert_ptr_equal(in.last_hit.source, b); /* the store behind it */
    /* A new cycle starts the history over. */
    tc_collect(h);
    assert_true(inspector_sync(&in, h));
    assert_int_equal(in.nhist, 1);
    tc_heap_free(h);
}

/* A barrier hit comes with the store that ran it, and the graph draws
 * that store as an arrow, from the object stored into to the new value,
 * which fades within about a second. */
static void test_barrier_store_drawn_as_an_arrow(void **state) {
    (void)state;
    void *root = NULL, *a, *b, *c;
    tc_heap *h = marking_heap(&root, &a, &b, &c); /* a black, b grey, c white */
    assert_true(tc_observe_start(h, 1024));
    tc_store(h, a, 0, c); /* black a -> white c: Dijkstra shades c */
    tc_event ev[16];
    uint64_t lost;
    size_t n = tc_observe_poll(h, ev, 16, &lost), hits = 0;
    graph g = {0};
    graph_sync(&g, h, 100);
    graph_ease(&g, 100);
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind != TC_EV_BARRIER) continue;
        hits++;
        assert_ptr_equal(ev[i].obj, c);
        assert_ptr_equal(ev[i].source, a);
        assert_ptr_equal(ev[i].target, c);
        assert_int_equal(ev[i].slot, 0);
        assert_int_equal(ev[i].arg, TC_BARRIER_DIJKSTRA);
        graph_event(&g, &ev[i]);
    }
    assert_int_equal(hits, 1);
    assert_int_equal(g.narrows, 1);
    SDL_Rect area = {0, 0, W, H};
    clear();
    graph_draw(&g, ren, area);
    SDL_RenderPresent(ren);
    int ax, ay, cx, cy, red = 0;
    assert_true(graph_node_pixel(&g, a, &ax, &ay));
    assert_true(graph_node_pixel(&g, c, &cx, &cy));
    int mx = (ax + cx) / 2, my = (ay + cy) / 2;
    for (int y = my - 3; y <= my + 3; y++)
        for (int x = mx - 3; x <= mx + 3; x++) red += same_rgb(pixel(x, y), PAL_BARRIER);
    assert_true(red > 0);
    graph_tick(&g, 1.5f);
    assert_int_equal(g.narrows, 0);
    graph_free(&g);
    tc_observe_stop(h);
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

/* The pixel at the centre of cell `cell` of record pg: texel k of the
 * tile shows cells [k * n / gg, (k + 1) * n / gg), so the texel whose range
 * starts at or before the cell and ends after it. */
static void cell_centre(const heapmap *m, SDL_Rect area, const hm_page *pg, uint32_t cell, int *x, int *y) {
    size_t gg = (size_t)m->g * (size_t)m->g, k = ((size_t)cell * gg + gg - 1) / pg->ncells;
    while (k > 0 && k * pg->ncells / gg > cell) k--;
    SDL_FRect t = heapmap_tile_rect(m, area, pg->tile);
    double s = t.w / m->g;
    *x = (int)(t.x + ((double)(k % (size_t)m->g) + 0.5) * s);
    *y = (int)(t.y + ((double)(k / (size_t)m->g) + 0.5) * s);
}

static void draw_map(heapmap *m, tc_heap *h, SDL_Rect area) {
    clear();
    heapmap_read(m, h);
    heapmap_draw(m, ren, area);
    SDL_RenderPresent(ren);
}

/* The record of the page holding obj (by address), or NULL. */
static const hm_page *page_holding(const heapmap *m, const void *obj) {
    for (size_t i = 0; i < m->npages; i++) {
        const hm_page *p = &m->pages[i];
        uintptr_t o = (uintptr_t)obj;
        if (o >= p->base && o < p->base + (uintptr_t)p->ncells * p->cell_size) return p;
    }
    return NULL;
}

static void test_heapmap_shows_colours_and_free_cells(void **state) {
    (void)state;
    void *root = NULL, *a, *b, *c;
    tc_heap *h = marking_heap(&root, &a, &b, &c);
    heapmap m = {0};
    SDL_Rect area = {0, 0, W, H};
    draw_map(&m, h, area);
    /* One page (a, b, c share a size class) drawn as one big tile: a, b, c
     * are cells 0, 1, 2, cell 3 was never used. */
    assert_true(m.structured);
    assert_int_equal(m.npages, 1);
    assert_int_equal(m.g, 64);
    const hm_page *pg = &m.pages[0];
    assert_ptr_equal(page_holding(&m, a), pg);
    const SDL_Color want[4] = {PAL_BLACK_OBJ, PAL_GREY_OBJ, PAL_WHITE_OBJ, PAL_FREE_CELL};
    void *objs[3] = {a, b, c};
    for (uint32_t k = 0; k < 4; k++) {
        int x, y;
        cell_centre(&m, area, pg, k, &x, &y);
        hm_hit hit;
        assert_true(heapmap_locate(&m, area, x, y, &hit));
        assert_int_equal(hit.cell, k);
        assert_int_equal(hit.obj, k < 3 ? (uintptr_t)objs[k] : 0);
        if (!same_rgb(pixel(x, y), want[k])) fail_msg("cell %u at (%d,%d) has the wrong colour", k, x, y);
    }
    assert_int_equal(m.counts[TC_BLACK], 1);
    assert_int_equal(m.counts[TC_GREY], 1);
    /* Finish the cycle with c dropped: its cell turns free. */
    tc_store(h, b, 0, NULL);
    step_until(h, TC_PHASE_IDLE, 1000);
    tc_collect(h);
    draw_map(&m, h, area);
    int x, y;
    cell_centre(&m, area, &m.pages[0], 2, &x, &y);
    assert_true(same_rgb(pixel(x, y), PAL_FREE_CELL));
    heapmap_free(&m);
    tc_heap_free(h);
}

/* A heap at idle, every live object white, with holes: the free cells
 * must not look like the white objects around them (issue 11: "free cells
 * clearly distinct from white objects"). */
static void test_heapmap_free_cells_differ_from_white(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    void *arr = tc_alloc(h, 64, 0);
    tc_root_add(h, &arr);
    for (uint32_t i = 0; i < 64; i++) tc_store(h, arr, i, tc_alloc(h, 2, 0));
    for (uint32_t i = 0; i < 64; i += 2) tc_store(h, arr, i, NULL); /* every other one dies */
    tc_collect(h);
    heapmap m = {0};
    SDL_Rect area = {0, 0, W, H};
    draw_map(&m, h, area);
    assert_true(m.structured);
    assert_true(m.counts[TC_WHITE] >= 32 && m.counts[TC_FREE] >= 32);
    const hm_page *pg = page_holding(&m, tc_load(h, arr, 1));
    assert_non_null(pg);
    int white_px = 0, free_px = 0;
    for (uint32_t k = 0; k < 40; k++) {
        int x, y;
        cell_centre(&m, area, pg, k, &x, &y);
        hm_hit hit;
        assert_true(heapmap_locate(&m, area, x, y, &hit));
        SDL_Color px = pixel(x, y);
        if (hit.colour == TC_WHITE) {
            assert_true(same_rgb(px, PAL_WHITE_OBJ));
            white_px++;
        } else if (hit.colour == TC_FREE) {
            assert_true(same_rgb(px, PAL_FREE_CELL));
            free_px++;
        }
    }
    assert_true(white_px > 0 && free_px > 0);
    /* Far apart: at least a third of the range in every channel. */
    SDL_Color w = PAL_WHITE_OBJ, f = PAL_FREE_CELL, bk = PAL_BLACK_OBJ, gr = PAL_GREY_OBJ;
    assert_true(abs(w.r - f.r) > 85 && abs(w.g - f.g) > 85 && abs(w.b - f.b) > 85);
    assert_false(same_rgb(f, bk) || same_rgb(f, gr) || same_rgb(f, PAL_PANEL));
    heapmap_free(&m);
    tc_root_remove(h, &arr);
    tc_heap_free(h);
}

/* Two size classes make two pages with their own class and outline
 * colour; large objects take tiles in proportion to the memory they map
 * (tc_object_info.size: the mapping, whole pages). */
static void test_heapmap_pages_classes_and_large_objects(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    void *small = NULL, *mid = NULL, *big = NULL, *huge = NULL;
    void **roots[] = {&small, &mid, &big, &huge};
    for (int i = 0; i < 4; i++) tc_root_add(h, roots[i]); /* before any allocation may collect */
    small = tc_alloc(h, 1, 0);
    mid = tc_alloc(h, 0, 500);
    big = tc_alloc(h, 0, 3 * 65536 + 100);
    huge = tc_alloc(h, 0, 16 * 65536);
    heapmap m = {0};
    SDL_Rect area = {0, 0, W, H};
    draw_map(&m, h, area);
    assert_true(m.structured);
    assert_int_equal(m.nsmall, 2);
    assert_int_equal(m.npages, 4);
    const hm_page *ps = page_holding(&m, small), *pm = page_holding(&m, mid);
    assert_non_null(ps);
    assert_non_null(pm);
    assert_true(ps->cell_size < pm->cell_size);
    assert_int_equal(ps->ncells, (TC_PAGE_BYTES - TC_PAGE_HEADER) / ps->cell_size);
    const hm_page *lg[2] = {&m.pages[2], &m.pages[3]};
    if (lg[0]->base != (uintptr_t)big) { /* address order may put huge first */
        const hm_page *t = lg[0];
        lg[0] = lg[1], lg[1] = t;
    }
    assert_int_equal(lg[0]->base, (uintptr_t)big);
    for (int i = 0; i < 2; i++) {
        assert_true(lg[i]->large);
        assert_int_equal(lg[i]->ntiles, (lg[i]->cell_size + TC_PAGE_BYTES - 1) / TC_PAGE_BYTES);
    }
    assert_true(lg[0]->ntiles >= 4 && lg[0]->ntiles <= 5);
    assert_true(lg[1]->ntiles >= 17 && lg[1]->ntiles <= 18);
    assert_int_equal(m.ntiles, 2 + lg[0]->ntiles + lg[1]->ntiles);
    /* Every tile of a large object is that object, in its colour. */
    for (uint32_t t = lg[0]->tile; t < lg[0]->tile + lg[0]->ntiles; t++) {
        SDL_FRect fr = heapmap_tile_rect(&m, area, t);
        int x = (int)(fr.x + fr.w / 2), y = (int)(fr.y + fr.h / 2);
        hm_hit hit;
        assert_true(heapmap_locate(&m, area, x, y, &hit));
        assert_ptr_equal(hit.pg, lg[0]);
        assert_int_equal(hit.obj, (uintptr_t)big);
        assert_true(same_rgb(pixel(x, y), PAL_WHITE_OBJ));
    }
    /* The outlines: each page's border in its class group's colour. */
    SDL_FRect tm = heapmap_tile_rect(&m, area, pm->tile);
    SDL_Color want = heapmap_group_colour(heapmap_class_group(pm->cell_size, false));
    assert_true(same_rgb(pixel((int)lround(tm.x), (int)(tm.y + tm.h / 2)), want));
    assert_int_not_equal(heapmap_class_group(ps->cell_size, false), heapmap_class_group(pm->cell_size, false));
    assert_int_equal(heapmap_class_group(lg[0]->cell_size, true), HM_GROUPS - 1);
    heapmap_free(&m);
    for (int i = 0; i < 4; i++) tc_root_remove(h, roots[i]);
    tc_heap_free(h);
}

/* Zooming about a point keeps that point of the heap under it; panning
 * moves the map; reset shows it whole again. Pure view arithmetic. */
/* The inspected object on the heap map: heapmap_object_rect is where
 * heapmap_locate finds it again, for cells of a small page and for large
 * objects, zoomed in or not. */
static void test_heapmap_finds_the_inspected_object(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    void *objs[40] = {0};
    for (int i = 0; i < 40; i++) tc_root_add(h, &objs[i]);
    for (int i = 0; i < 38; i++) objs[i] = tc_alloc(h, 2, (uint32_t)(i % 3) * 40); /* three small classes */
    objs[38] = tc_alloc(h, 0, 3 * 65536 + 100);
    objs[39] = tc_alloc(h, 9000, 0);
    heapmap m = {0};
    SDL_Rect area = {0, 0, W, H};
    int zx = W / 3, zy = H / 3;
    for (int zoomed = 0; zoomed < 2; zoomed++) {
        if (zoomed) heapmap_zoom(&m, area, 8, zx, zy); /* about the first object */
        draw_map(&m, h, area);
        int checked = 0;
        for (int i = 0; i < 40; i++) {
            tc_object_info o;
            assert_true(tc_describe(h, objs[i], &o));
            SDL_FRect tile, cell;
            assert_true(heapmap_object_rect(&m, area, &o, &tile, &cell));
            int x = (int)(cell.x + cell.w / 2), y = (int)(cell.y + cell.h / 2);
            if (i == 0 && !zoomed) zx = x, zy = y;
            if (x < 0 || y < 0 || x >= W || y >= H) continue; /* zoomed out of view */
            hm_hit hit;
            assert_true(heapmap_locate(&m, area, x, y, &hit));
            if (m.g * m.g >= (int)hit.pg->ncells) /* a texel a cell or more: the object itself */
                assert_int_equal(hit.obj, (uintptr_t)objs[i]);
            else
                assert_int_equal(hit.pg->page, o.page);
            checked++;
        }
        print_message("zoom %d: %d objects found where drawn\n", zoomed, checked);
        assert_true(checked >= (zoomed ? 1 : 40));
    }
    for (int i = 0; i < 40; i++) tc_root_remove(h, &objs[i]);
    heapmap_free(&m);
    tc_heap_free(h);
}

static void test_heapmap_zoom_and_pan(void **state) {
    (void)state;
    heapmap m = {0};
    m.ntiles = 100;
    SDL_Rect area = {10, 20, 400, 300};
    heapmap_layout(&m, area);
    assert_true(m.cols * m.rows >= 100);
    assert_true(m.cols * m.tile <= area.w + 1e-9 && m.rows * m.tile <= area.h + 1e-9);
    int px = 150, py = 100;
    double hx = (px - area.x - m.pan_x) / (m.tile * m.zoom), hy = (py - area.y - m.pan_y) / (m.tile * m.zoom);
    heapmap_zoom(&m, area, 4, px, py);
    assert_true(fabs(m.zoom - 4) < 1e-9);
    assert_true(fabs((px - area.x - m.pan_x) / (m.tile * m.zoom) - hx) < 1e-9);
    assert_true(fabs((py - area.y - m.pan_y) / (m.tile * m.zoom) - hy) < 1e-9);
    double before = m.pan_x;
    heapmap_pan(&m, 30, 0);
    assert_true(fabs(m.pan_x - (before + 30)) < 1e-9);
    heapmap_pan(&m, -100000, -100000); /* kept partly in view */
    assert_true(m.pan_x > -(m.cols * m.tile * m.zoom));
    heapmap_zoom(&m, area, 1e-6, px, py); /* never below the whole map */
    assert_true(m.zoom == 1 && m.pan_x == 0 && m.pan_y == 0);
    heapmap_zoom(&m, area, 1e9, px, py); /* nor beyond 256x */
    assert_true(m.zoom == 256);
    heapmap_view_reset(&m);
    assert_true(m.zoom == 1 && m.pan_x == 0 && m.pan_y == 0);
    heapmap_pan(&m, 50, 50); /* whole map in view: nothing to pan */
    assert_true(m.pan_x == 0 && m.pan_y == 0);
}

/* Zoomed in, the hover still finds the cell under the pointer, and the
 * pixel there has its colour. */
static void test_heapmap_zoomed_hover(void **state) {
    (void)state;
    void *root = NULL, *a, *b, *c;
    tc_heap *h = marking_heap(&root, &a, &b, &c);
    heapmap m = {0};
    SDL_Rect area = {0, 0, W, H};
    draw_map(&m, h, area);
    int x, y;
    cell_centre(&m, area, &m.pages[0], 1, &x, &y); /* b, grey */
    heapmap_zoom(&m, area, 8, x, y);
    draw_map(&m, h, area);
    hm_hit hit;
    assert_true(heapmap_locate(&m, area, x, y, &hit));
    assert_int_equal(hit.obj, (uintptr_t)b);
    assert_int_equal(hit.colour, TC_GREY);
    assert_true(same_rgb(pixel(x, y), PAL_GREY_OBJ));
    heapmap_free(&m);
    tc_heap_free(h);
}

/* ---------------------------------------------------------- concurrent mode */

/* How dark a colour is: marking only ever darkens an object. */
static int darkness(unsigned c) { return c == TC_BLACK ? 2 : c == TC_GREY ? 1 : 0; }

/* The window's concurrent mode, in process: a scene (Boehm off) runs
 * GCBench's small size in slow motion, where colours are otherwise
 * replayed from the collector's events, which a marker thread never
 * records. While one cycle marks, every shown object is drawn at least as
 * dark as an exact reading of it (tc_describe, which holds the mark
 * state) made before the frame: marking only darkens, so a sync that read
 * the heap can only be as dark or darker, and a picture that waits for
 * events is whiter. The graph shows black objects while the cycle marks,
 * and the marker thread did marking work. */
static void test_concurrent_graph_follows_the_marker(void **state) {
    (void)state;
    static scene sc; /* large: not on the stack */
    scene_init(&sc, "view");
    sc.wl = wl_find("gcbench");
    sc.size = 0;
    sc.boehm_on = false;
    sc.history_mb = 0;
    sc.cfg.concurrent = true;
    sc.speed_idx = scene_speed_index(1.0 / 8);
    scene_defaults(&sc);
    scene_settle(&sc);
    assert_true(scene_start(&sc));
    tc_heap *h = live_heap(sc.lv);
    enum { CHECKED = 400 };
    static void *obj[CHECKED];
    static uint8_t colour[CHECKED];
    size_t nread = 0, compared = 0, black_frames = 0;
    uint64_t cycles_read = UINT64_MAX;
    /* Until the marker thread has marked too: it shares the viewer's CPU,
     * and a short run can end with every cycle marked by assists (1 run
     * in 10 stopped at 4,000 comparisons with the marker at 0 units). */
    uint64_t marker_work = 0;
    int f = 0;
    for (; f < 600 && (compared < 4000 || !black_frames || !marker_work); f++) {
        scene_frame(&sc, 1.0 / 60);
        tc_stats st;
        tc_get_stats(h, &st);
        marker_work = st.marker_work;
        bool marking = tc_current_phase(h) == TC_PHASE_PROPAGATE;
        if (marking && st.cycles == cycles_read) /* the same cycle marked at the reading and still does */
            for (size_t i = 0; i < nread; i++) {
                const gnode *n = node_of(&sc.g, obj[i]);
                if (!n || !n->alive || n->summary) continue;
                if (darkness(n->colour) < darkness(colour[i]))
                    fail_msg("frame %d: %p drawn %s, read %s before the frame", f, obj[i],
                             tc_colour_name((tc_colour)n->colour), tc_colour_name((tc_colour)colour[i]));
                compared++;
            }
        size_t black = 0;
        for (size_t i = 0; i < sc.g.norder; i++) {
            const gnode *n = &sc.g.nodes[sc.g.order[i]];
            black += !n->summary && n->colour == TC_BLACK;
        }
        black_frames += marking && black > 0;
        /* Exact readings for the next frame, while marking. */
        nread = 0;
        cycles_read = marking ? st.cycles : UINT64_MAX;
        for (size_t i = 0; marking && i < sc.g.norder && nread < CHECKED; i++) {
            const gnode *n = &sc.g.nodes[sc.g.order[i]];
            tc_object_info info;
            if (!n->summary && tc_describe(h, n->obj, &info)) obj[nread] = n->obj, colour[nread++] = info.colour;
        }
    }
    print_message("%d frames, %zu comparisons, marker %llu units\n", f, compared, (unsigned long long)marker_work);
    /* valgrind runs one thread at a time, and the marker only while the
     * workload runs: it may get none of the few slices there are. */
    if (!marker_work && !under_valgrind()) fail_msg("the marker thread did no work");
    if (!black_frames) fail_msg("no black object shown while a cycle marked");
    if (!compared) fail_msg("no frame was compared (no cycle marked across two frames)");
    scene_free(&sc);
    place_anywhere(); /* scene_start placed this thread as the viewer; what it starts next inherits that */
}

/* B goes through the barriers the mode runs with, M switches the mode,
 * and a barrier the concurrent mode does not run gives way to Dijkstra,
 * as the note says. */
static void test_mode_and_barrier_keys(void **state) {
    (void)state;
    const tc_barrier inc[] = {TC_BARRIER_STEELE, TC_BARRIER_YUASA, TC_BARRIER_STW, TC_BARRIER_HYBRID,
                              TC_BARRIER_DIJKSTRA};
    const tc_barrier conc[] = {TC_BARRIER_YUASA, TC_BARRIER_HYBRID, TC_BARRIER_DIJKSTRA};
    tc_barrier b = TC_BARRIER_DIJKSTRA;
    for (int i = 0; i < 5; i++) assert_int_equal(b = scene_barrier_after(b, false), inc[i]);
    for (int i = 0; i < 3; i++) assert_int_equal(b = scene_barrier_after(b, true), conc[i]);
    assert_int_equal(scene_barrier_after(TC_BARRIER_STEELE, true), TC_BARRIER_YUASA);
    assert_int_equal(scene_barrier_after(TC_BARRIER_STW, true), TC_BARRIER_HYBRID);

    static scene sc;
    scene_init(&sc, "view");
    sc.boehm_on = false;
    sc.history_mb = 0;
    sc.cfg.barrier = TC_BARRIER_STEELE;
    scene_defaults(&sc);
    scene_settle(&sc);
    assert_true(scene_start(&sc));
    tc_config c;
    assert_null(scene_set_mode(&sc, true));
    tc_get_config(live_heap(sc.lv), &c);
    assert_true(c.concurrent && sc.cfg.concurrent);
    assert_int_equal(c.barrier, TC_BARRIER_DIJKSTRA);
    assert_non_null(strstr(sc.note, "with dijkstra (it does not run steele)"));
    for (int i = 0; i < 3; i++) {
        scene_next_barrier(&sc);
        assert_int_equal(sc.cfg.barrier, conc[i]);
    }
    assert_null(scene_set_mode(&sc, false));
    tc_get_config(live_heap(sc.lv), &c);
    assert_false(c.concurrent || sc.cfg.concurrent);
    assert_int_equal(c.barrier, TC_BARRIER_DIJKSTRA);
    assert_non_null(strstr(sc.note, "incremental"));
    scene_next_barrier(&sc);
    assert_int_equal(sc.cfg.barrier, TC_BARRIER_STEELE);
    scene_free(&sc);
    place_anywhere(); /* scene_start placed this thread as the viewer */
}

/* `view --mode concurrent --frames N` on SDL's dummy video driver (no
 * display): it runs, saves its screenshot, and its summary says the
 * marker thread marked while the workload ran. */
static void test_view_concurrent_frames(void **state) {
    (void)state;
    if (place_measured_cpu() < 0) skip(); /* one CPU: no marker thread, by design */
    static tool_outcome o;
    char png[] = "/tmp/tricolor-concurrent-XXXXXX.png";
    int fd = mkstemps(png, 4);
    assert_true(fd >= 0);
    close(fd);
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    tool_run(&o, ARGS("view", "--mode", "concurrent", "--workload", "gcbench", "--size", "small", "--no-boehm",
                      "--frames", "60", "--screenshot", png));
    unsetenv("SDL_VIDEODRIVER");
    if (o.status != 0) fail_msg("view exited %d: %s", o.status, o.err);
    SDL_Surface *img = IMG_Load(png);
    unlink(png);
    if (!img) fail_msg("--screenshot did not load: %s", IMG_GetError());
    assert_int_equal(img->w, 1280);
    assert_int_equal(img->h, 720);
    SDL_FreeSurface(img);
    const char *m = strstr(o.out, "marker thread ");
    if (!m) fail_msg("no marker figure in the summary: %s", o.out);
    double ran = 0;
    assert_int_equal(sscanf(m, "marker thread %lf ms cpu while the workload ran", &ran), 1);
    if (!(ran > 0)) fail_msg("the marker thread had no CPU while the workload ran: %s", o.out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graph_draws_each_colour),
        cmocka_unit_test(test_graph_replays_events_in_slow_motion),
        cmocka_unit_test(test_graph_truncates_beyond_max_nodes),
        cmocka_unit_test(test_graph_summary_drawn_with_its_count_and_opened_by_a_click),
        cmocka_unit_test(test_graph_census_counts_each_box_in_turn),
        cmocka_unit_test(test_click_selects_and_inspects_an_object),
        cmocka_unit_test(test_inspector_history_of_a_cycle),
        cmocka_unit_test(test_barrier_store_drawn_as_an_arrow),
        cmocka_unit_test(test_graph_nodes_fit_the_panel_and_survivors_keep_their_place),
        cmocka_unit_test(test_heapmap_shows_colours_and_free_cells),
        cmocka_unit_test(test_heapmap_free_cells_differ_from_white),
        cmocka_unit_test(test_heapmap_pages_classes_and_large_objects),
        cmocka_unit_test(test_heapmap_finds_the_inspected_object),
        cmocka_unit_test(test_heapmap_zoom_and_pan),
        cmocka_unit_test(test_heapmap_zoomed_hover),
        cmocka_unit_test(test_concurrent_graph_follows_the_marker),
        cmocka_unit_test(test_view_concurrent_frames),
        cmocka_unit_test(test_mode_and_barrier_keys),
    };
    return cmocka_run_group_tests_name("viz", tests, setup, teardown);
}
