/*
 * graph.c — the object graph panel (see graph.h).
 *
 * Layout: Fruchterman-Reingold in the unit square with grid-based
 * repulsion (only nodes in neighbouring cells of size 2k repel, k the
 * ideal edge length), warm-started from the last frame's positions, with a
 * temperature kept low so nodes drift rather than jump. Roots are pulled
 * towards the centre a little harder so the graph grows outwards.
 *
 * Drawing: all edges in one SDL_RenderGeometry call (thin quads), all
 * nodes in another (octagons), so a few thousand nodes stay cheap on the
 * software renderer.
 */
#include "graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "palette.h"

#define MAX_NEIGHBOURS 48

static float frand(graph *g) {
    g->rng ^= g->rng << 13;
    g->rng ^= g->rng >> 7;
    g->rng ^= g->rng << 17;
    return (float)(g->rng >> 40) / (float)(1u << 24);
}

/* ---------- object -> node map ---------- */

static size_t hslot(const graph *g, const void *k) {
    uint64_t x = (uint64_t)(uintptr_t)k * 0x9E3779B97F4A7C15ULL;
    return (size_t)(x >> 17) & (g->hcap - 1);
}

static long hget(const graph *g, const void *k) {
    if (!g->hcap) return -1;
    for (size_t i = hslot(g, k);; i = (i + 1) & (g->hcap - 1)) {
        if (!g->hkey[i]) return -1;
        if (g->hkey[i] == k) return (long)g->hval[i];
    }
}

static void hrebuild(graph *g) {
    size_t want = 64;
    while (want < g->n * 2 + 2) want *= 2;
    if (want != g->hcap) {
        free(g->hkey);
        free(g->hval);
        g->hkey = malloc(want * sizeof *g->hkey);
        g->hval = malloc(want * sizeof *g->hval);
        g->hcap = want;
    }
    memset(g->hkey, 0, g->hcap * sizeof *g->hkey);
    for (size_t n = 0; n < g->n; n++) {
        if (!g->nodes[n].alive) continue; /* ghosts are not looked up */
        size_t i = hslot(g, g->nodes[n].obj);
        while (g->hkey[i]) i = (i + 1) & (g->hcap - 1);
        g->hkey[i] = g->nodes[n].obj;
        g->hval[i] = (uint32_t)n;
    }
}

static void hrebuild(graph *g);

/* Makes obj findable at once (the map is rebuilt when it gets full). */
static void hput(graph *g, void *obj, uint32_t k) {
    if (2 * (g->n + 1) > g->hcap) {
        hrebuild(g);
        return; /* the rebuild included every live node, obj's too */
    }
    size_t j = hslot(g, obj);
    while (g->hkey[j] && g->hkey[j] != obj) j = (j + 1) & (g->hcap - 1);
    g->hkey[j] = obj;
    g->hval[j] = k;
}

static gnode *add_node(graph *g, void *obj, float x, float y) {
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 1024;
        g->nodes = realloc(g->nodes, g->cap * sizeof *g->nodes);
    }
    gnode *n = &g->nodes[g->n++];
    memset(n, 0, sizeof *n);
    n->obj = obj;
    n->x = x;
    n->y = y;
    n->fade = 1;
    n->alive = 1;
    return n;
}

static void push_edge(graph *g, uint32_t a, uint32_t b) {
    if (g->nedges * 2 + 2 > g->ecap) {
        g->ecap = g->ecap ? g->ecap * 2 : 4096;
        g->edges = realloc(g->edges, g->ecap * sizeof *g->edges);
    }
    g->edges[g->nedges * 2] = a;
    g->edges[g->nedges * 2 + 1] = b;
    g->nedges++;
}

/* ---------- sync ---------- */

/* The breadth-first walk from the qn queued roots: each object reached
 * gets a node (made next to the object it was reached from) until
 * max_nodes are taken, and every edge between shown nodes is recorded.
 * Returns how many nodes were taken. */
static size_t walk(graph *g, size_t qn, size_t taken, size_t max_nodes) {
    size_t head = 0;
    g->nedges = 0;
    while (head < qn) {
        void *o = g->queue[head++];
        long pk = hget(g, o);
        if (pk < 0) continue; /* cannot happen: every queued object has a node */
        uint32_t n_slots = tc_nslots(o);
        void **slots = o;
        /* Once the node cap is reached only edges between shown nodes are
         * wanted; a huge array is not read to its end for them each frame. */
        for (uint32_t i = 0; i < n_slots && !(taken >= max_nodes && i >= 4 * max_nodes); i++) {
            void *t = slots[i];
            if (!t) continue;
            long k = hget(g, t);
            if (k < 0 || g->nodes[k].epoch != g->epoch) {
                if (taken >= max_nodes) continue;
                gnode *p = &g->nodes[pk];
                if (k < 0) {
                    /* Next to the parent, within about two ideal edge lengths:
                     * a burst of new children must not pile into one cell. */
                    float spread = 4.0f / sqrtf((float)(g->live_objects < max_nodes ? g->live_objects : max_nodes) + 1);
                    gnode *n = add_node(g, t, p->x + (frand(g) - 0.5f) * spread, p->y + (frand(g) - 0.5f) * spread);
                    k = (long)(n - g->nodes);
                    hput(g, t, (uint32_t)k);
                }
                g->nodes[k].epoch = g->epoch;
                g->nodes[k].alive = 1;
                g->nodes[k].root = 0;
                g->queue[qn++] = t;
                taken++;
            }
            push_edge(g, (uint32_t)pk, (uint32_t)k);
        }
    }
    return taken;
}

void graph_sync(graph *g, tc_heap *h, size_t max_nodes) {
    if (!g->rng) g->rng = 0x2545F4914F6CDD1DULL;
    g->epoch++;
    tc_stats s;
    tc_get_stats(h, &s);
    g->live_objects = s.live_objects;
    /* Breadth-first from the roots; the queue holds objects, and each
     * object's node is found or made as it is first reached, next to the
     * object it was reached from. */
    size_t nroots = tc_root_objects(h, NULL, 0);
    size_t need = nroots + max_nodes + 1;
    if (need > g->qcap) {
        g->qcap = need * 2;
        g->queue = realloc(g->queue, g->qcap * sizeof *g->queue);
    }
    tc_root_objects(h, g->queue, nroots);
    size_t qn = 0, taken = 0;
    if (!g->hcap) hrebuild(g);
    /* Mark: nodes of this sync get epoch == g->epoch. */
    for (size_t i = 0; i < nroots && taken < max_nodes; i++) {
        void *o = g->queue[i];
        long k = hget(g, o);
        gnode *n;
        if (k >= 0 && g->nodes[k].epoch == g->epoch) continue; /* a root twice */
        if (k >= 0) {
            n = &g->nodes[k];
        } else {
            n = add_node(g, o, 0.5f + (frand(g) - 0.5f) * 0.3f, 0.5f + (frand(g) - 0.5f) * 0.3f);
            k = (long)(n - g->nodes);
            hput(g, o, (uint32_t)k);
        }
        /* A node freed and its cell reused by a new object at the same
         * address is reclaimed here: it must be alive again, or the map
         * rebuild below would drop it while the walk still needs it. */
        n->epoch = g->epoch;
        n->alive = 1;
        n->root = 1;
        g->queue[qn++] = o;
        taken++;
    }
    hrebuild(g);
    taken = walk(g, qn, taken, max_nodes);
    g->truncated = taken < g->live_objects && taken >= max_nodes;
    /* Nodes not reached this time start to fade; colours of the rest come
     * from the heap unless events are being replayed. */
    for (size_t i = 0; i < g->n; i++) {
        gnode *n = &g->nodes[i];
        if (n->epoch == g->epoch) {
            n->alive = 1;
            n->fade = 1;
            if (!g->replay) n->colour = (uint8_t)tc_colour_of(h, n->obj);
        } else {
            n->alive = 0;
        }
    }
    hrebuild(g);
}

void graph_event(graph *g, const tc_event *e) {
    if (!e->obj) return;
    long k = hget(g, e->obj);
    if (k < 0) return;
    gnode *n = &g->nodes[k];
    switch (e->kind) {
    case TC_EV_SHADE:
        if (g->replay) n->colour = TC_GREY;
        break;
    case TC_EV_BLACKEN:
        if (g->replay) n->colour = TC_BLACK;
        break;
    case TC_EV_BARRIER:
        n->flash = 1;
        /* Steele re-greys the source; the others shade a target grey. */
        if (g->replay) n->colour = TC_GREY;
        break;
    case TC_EV_FREE: n->alive = 0; break;
    default: break;
    }
}

void graph_tick(graph *g, float dt) {
    size_t w = 0;
    for (size_t i = 0; i < g->n; i++) {
        gnode *n = &g->nodes[i];
        n->flash = n->flash > dt * 2 ? n->flash - dt * 2 : 0;
        if (!n->alive) n->fade -= dt * 3;
        if (n->alive || n->fade > 0) g->nodes[w++] = *n;
    }
    if (w != g->n) {
        g->n = w;
        g->nedges = 0; /* indices moved; the next sync rebuilds edges */
        hrebuild(g);
    }
}

/* ---------- layout ---------- */

void graph_layout(graph *g, int iterations) {
    size_t n = g->n;
    if (n < 2) return;
    const float k = 0.9f * sqrtf(1.0f / (float)n);
    const int cells = (int)(1.0f / (2 * k)) + 1;
    size_t ncell = (size_t)cells * (size_t)cells;
    if (ncell > g->grid_cap || n > g->grid_cap) {
        g->grid_cap = (ncell > n ? ncell : n) * 2;
        g->grid_head = realloc(g->grid_head, g->grid_cap * sizeof(int));
        g->grid_next = realloc(g->grid_next, g->grid_cap * sizeof(int));
    }
    for (int it = 0; it < iterations; it++) {
        for (size_t c = 0; c < ncell; c++) g->grid_head[c] = -1;
        for (size_t i = 0; i < n; i++) {
            gnode *a = &g->nodes[i];
            a->dx = a->dy = 0;
            int cx = (int)(a->x * cells), cy = (int)(a->y * cells);
            cx = cx < 0 ? 0 : cx >= cells ? cells - 1 : cx;
            cy = cy < 0 ? 0 : cy >= cells ? cells - 1 : cy;
            size_t c = (size_t)cy * (size_t)cells + (size_t)cx;
            g->grid_next[i] = g->grid_head[c];
            g->grid_head[c] = (int)i;
        }
        /* Repulsion from nodes in the 3x3 neighbouring cells, at most
         * MAX_NEIGHBOURS of them: a crowded cell (a burst of new nodes)
         * then costs linear time and spreads out over a few frames. */
        for (size_t i = 0; i < n; i++) {
            gnode *a = &g->nodes[i];
            int seen = 0;
            int cx = (int)(a->x * cells), cy = (int)(a->y * cells);
            for (int yy = cy - 1; yy <= cy + 1; yy++)
                for (int xx = cx - 1; xx <= cx + 1; xx++) {
                    if (xx < 0 || yy < 0 || xx >= cells || yy >= cells) continue;
                    for (int j = g->grid_head[(size_t)yy * (size_t)cells + (size_t)xx]; j >= 0 && seen < MAX_NEIGHBOURS;
                         j = g->grid_next[j]) {
                        if ((size_t)j == i) continue;
                        seen++;
                        gnode *b = &g->nodes[j];
                        float ddx = a->x - b->x, ddy = a->y - b->y, d2 = ddx * ddx + ddy * ddy + 1e-8f;
                        if (d2 > 4 * k * k) continue;
                        float f = k * k / d2;
                        a->dx += ddx * f;
                        a->dy += ddy * f;
                    }
                }
        }
        /* Attraction along edges. */
        for (size_t e = 0; e < g->nedges; e++) {
            gnode *a = &g->nodes[g->edges[2 * e]], *b = &g->nodes[g->edges[2 * e + 1]];
            float ddx = a->x - b->x, ddy = a->y - b->y, d = sqrtf(ddx * ddx + ddy * ddy) + 1e-6f;
            float f = d / k;
            a->dx -= ddx * f;
            a->dy -= ddy * f;
            b->dx += ddx * f;
            b->dy += ddy * f;
        }
        /* Gravity, stronger for roots; a low temperature keeps it stable. */
        const float temp = k * 0.15f;
        for (size_t i = 0; i < n; i++) {
            gnode *a = &g->nodes[i];
            float grav = a->root ? 0.08f : 0.02f;
            a->dx -= (a->x - 0.5f) * grav / k * 0.05f;
            a->dy -= (a->y - 0.5f) * grav / k * 0.05f;
            float d = sqrtf(a->dx * a->dx + a->dy * a->dy) + 1e-9f;
            float step = d < temp ? d : temp;
            a->x += a->dx / d * step;
            a->y += a->dy / d * step;
            a->x = a->x < 0.02f ? 0.02f : a->x > 0.98f ? 0.98f : a->x;
            a->y = a->y < 0.02f ? 0.02f : a->y > 0.98f ? 0.98f : a->y;
        }
    }
}

/* ---------- drawing ---------- */

static void reserve(graph *g, size_t verts, size_t idx) {
    if (verts > g->vcap) {
        g->vcap = verts * 2;
        g->verts = realloc(g->verts, g->vcap * sizeof *g->verts);
    }
    if (idx > g->icap) {
        g->icap = idx * 2;
        g->idx = realloc(g->idx, g->icap * sizeof *g->idx);
    }
}

static SDL_Color with_alpha(SDL_Color c, float a) {
    c.a = (Uint8)(c.a * (a < 0 ? 0 : a > 1 ? 1 : a));
    return c;
}

/* Appends an octagon of radius r at (x, y). */
static void octagon(graph *g, size_t *nv, size_t *ni, float x, float y, float r, SDL_Color c) {
    int base = (int)*nv;
    g->verts[(*nv)++] = (SDL_Vertex){{x, y}, c, {0, 0}};
    for (int i = 0; i < 8; i++) {
        float a = (float)i * 0.785398f + 0.3927f;
        g->verts[(*nv)++] = (SDL_Vertex){{x + r * cosf(a), y + r * sinf(a)}, c, {0, 0}};
    }
    for (int i = 0; i < 8; i++) {
        g->idx[(*ni)++] = base;
        g->idx[(*ni)++] = base + 1 + i;
        g->idx[(*ni)++] = base + 1 + (i + 1) % 8;
    }
}

void graph_draw(graph *g, SDL_Renderer *r, SDL_Rect area) {
    float ax = (float)area.x, ay = (float)area.y, aw = (float)area.w, ah = (float)area.h;
    float rad = sqrtf(aw * ah / (float)(g->n + 1)) * 0.18f;
    rad = rad < 1.5f ? 1.5f : rad > 7 ? 7 : rad;
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    /* Edges: quads one pixel wide. */
    reserve(g, g->nedges * 4 + 16, g->nedges * 6 + 16);
    size_t nv = 0, ni = 0;
    for (size_t e = 0; e < g->nedges; e++) {
        const gnode *a = &g->nodes[g->edges[2 * e]], *b = &g->nodes[g->edges[2 * e + 1]];
        float x0 = ax + a->x * aw, y0 = ay + a->y * ah, x1 = ax + b->x * aw, y1 = ay + b->y * ah;
        float dx = x1 - x0, dy = y1 - y0, len = sqrtf(dx * dx + dy * dy) + 1e-6f;
        float nx = -dy / len * 0.6f, ny = dx / len * 0.6f;
        SDL_Color c = with_alpha(PAL_EDGE, a->fade < b->fade ? a->fade : b->fade);
        int base = (int)nv;
        g->verts[nv++] = (SDL_Vertex){{x0 + nx, y0 + ny}, c, {0, 0}};
        g->verts[nv++] = (SDL_Vertex){{x0 - nx, y0 - ny}, c, {0, 0}};
        g->verts[nv++] = (SDL_Vertex){{x1 - nx, y1 - ny}, c, {0, 0}};
        g->verts[nv++] = (SDL_Vertex){{x1 + nx, y1 + ny}, c, {0, 0}};
        int q[6] = {base, base + 1, base + 2, base, base + 2, base + 3};
        memcpy(&g->idx[ni], q, sizeof q);
        ni += 6;
    }
    if (ni) SDL_RenderGeometry(r, NULL, g->verts, (int)nv, g->idx, (int)ni);
    /* Nodes: flash halo, root ring, black rim, then the fill. */
    reserve(g, g->n * 9 * 4 + 16, g->n * 24 * 4 + 16);
    nv = ni = 0;
    for (size_t i = 0; i < g->n; i++) {
        const gnode *n = &g->nodes[i];
        float x = ax + n->x * aw, y = ay + n->y * ah;
        if (!n->alive) {
            /* Swept: a thin ring in the edge colour, fading, so it never
             * reads as a grey object. */
            octagon(g, &nv, &ni, x, y, rad * 0.8f, with_alpha(PAL_EDGE, n->fade));
            octagon(g, &nv, &ni, x, y, rad * 0.55f, PAL_PANEL);
            continue;
        }
        if (n->flash > 0) octagon(g, &nv, &ni, x, y, rad * 2.6f, with_alpha(PAL_BARRIER, n->flash));
        if (n->root) octagon(g, &nv, &ni, x, y, rad * 1.7f, with_alpha(PAL_ROOT, n->fade));
        SDL_Color fill = n->colour == TC_BLACK ? PAL_BLACK_OBJ : n->colour == TC_GREY ? PAL_GREY_OBJ : PAL_WHITE_OBJ;
        if (n->colour == TC_BLACK) octagon(g, &nv, &ni, x, y, rad * 1.3f, with_alpha(PAL_BLACK_RIM, n->fade));
        octagon(g, &nv, &ni, x, y, rad, with_alpha(fill, n->fade));
    }
    if (ni) SDL_RenderGeometry(r, NULL, g->verts, (int)nv, g->idx, (int)ni);
}

const gnode *graph_node_at(const graph *g, SDL_Rect area, int x, int y) {
    const gnode *best = NULL;
    float bd = 64;
    for (size_t i = 0; i < g->n; i++) {
        float dx = area.x + g->nodes[i].x * area.w - (float)x, dy = area.y + g->nodes[i].y * area.h - (float)y;
        float d = dx * dx + dy * dy;
        if (d < bd && g->nodes[i].alive) bd = d, best = &g->nodes[i];
    }
    return best;
}

void graph_free(graph *g) {
    free(g->nodes);
    free(g->hkey);
    free(g->hval);
    free(g->edges);
    free(g->queue);
    free(g->verts);
    free(g->idx);
    free(g->grid_head);
    free(g->grid_next);
    memset(g, 0, sizeof *g);
}
