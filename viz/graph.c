/*
 * graph.c — the object graph panel (see graph.h): the walk that turns the
 * heap into a forest of shown objects and summary nodes, the census that
 * counts what the summaries fold, easing towards the layout of
 * graph_layout.c, and drawing.
 *
 * Drawing: all edges in one SDL_RenderGeometry call (thin quads), all
 * nodes in another, so a few thousand nodes stay cheap on the software
 * renderer; small nodes are squares (two triangles), larger ones octagons.
 */
#include "graph.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_layout.h"
#include "palette.h"

#define MARGIN 0.03f

/* ---------- object -> node map ---------- */

/* Fibonacci hashing: the top bits of the product, which depend on every
 * bit of the address (cap is a power of two). */
static size_t hslot(size_t cap, const void *k) {
    uint64_t x = (uint64_t)(uintptr_t)k * 0x9E3779B97F4A7C15ULL;
    return (size_t)(x >> (64 - __builtin_ctzll((unsigned long long)cap)));
}

static long hget(const graph *g, const void *k) {
    if (!g->hcap) return -1;
    for (size_t i = hslot(g->hcap, k);; i = (i + 1) & (g->hcap - 1)) {
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
        size_t i = hslot(g->hcap, g->nodes[n].obj);
        while (g->hkey[i]) i = (i + 1) & (g->hcap - 1);
        g->hkey[i] = g->nodes[n].obj;
        g->hval[i] = (uint32_t)n;
    }
}

/* Makes obj findable at once (the map is rebuilt when it gets full). */
static void hput(graph *g, void *obj, uint32_t k) {
    if (2 * (g->n + 1) > g->hcap) {
        hrebuild(g);
        return; /* the rebuild included every live node, obj's too */
    }
    size_t j = hslot(g->hcap, obj);
    while (g->hkey[j] && g->hkey[j] != obj) j = (j + 1) & (g->hcap - 1);
    g->hkey[j] = obj;
    g->hval[j] = k;
}

static uint32_t add_node(graph *g, void *obj, float x, float y) {
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 1024;
        g->nodes = realloc(g->nodes, g->cap * sizeof *g->nodes);
    }
    gnode *n = &g->nodes[g->n++];
    memset(n, 0, sizeof *n);
    n->obj = obj;
    n->x = n->tx = x;
    n->y = n->ty = y;
    n->fade = 1;
    n->alive = 1;
    n->parent = -1;
    hput(g, obj, (uint32_t)(g->n - 1));
    return (uint32_t)(g->n - 1);
}

uint32_t graph_count(const graph *g, const gnode *n, bool *lower) {
    bool recent = n->exact_epoch && g->epoch - n->exact_epoch <= GRAPH_EXACT_SYNCS;
    if (n->capped && recent && n->exact >= n->count) {
        *lower = false;
        return n->exact;
    }
    *lower = n->capped;
    return n->count;
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

static void push_order(graph *g, uint32_t k) {
    if (g->norder == g->ocap) {
        g->ocap = g->ocap ? g->ocap * 2 : 1024;
        g->order = realloc(g->order, g->ocap * sizeof *g->order);
        g->opar = realloc(g->opar, g->ocap * sizeof *g->opar);
        g->ox = realloc(g->ox, g->ocap * sizeof *g->ox);
        g->oy = realloc(g->oy, g->ocap * sizeof *g->oy);
        g->oscratch = realloc(g->oscratch, 3 * g->ocap * sizeof *g->oscratch);
    }
    g->nodes[k].pos = (uint32_t)g->norder;
    g->order[g->norder++] = k;
}

/* Node k, found or made for this sync (made at (x, y); x < 0: at its place
 * in the layout, once there is one), as a child of parent (-1: a root). */
static uint32_t take(graph *g, void *key, long k, int32_t parent, float x, float y) {
    if (k < 0) k = add_node(g, key, x, y);
    gnode *n = &g->nodes[k];
    n->epoch = g->epoch;
    n->alive = 1;
    n->parent = parent;
    push_order(g, (uint32_t)k);
    return (uint32_t)k;
}

static bool is_expanded(const graph *g, const void *obj) {
    for (int i = 0; i < g->nexpanded; i++)
        if (g->expanded[i] == obj) return true;
    return false;
}

/* ---------- census ---------- */

static void census_reserve(graph *g, size_t n) {
    if (n <= g->cqcap) return;
    g->cqcap = n;
    g->cq = realloc(g->cq, n * sizeof *g->cq);
    g->cq_sum = realloc(g->cq_sum, n * sizeof *g->cq_sum);
    size_t want = 64;
    while (want < 2 * n) want *= 2;
    free(g->cset);
    free(g->cstamp);
    g->cset = malloc(want * sizeof *g->cset);
    g->cstamp = calloc(want, sizeof *g->cstamp);
    g->csetcap = want;
}

/* Adds obj to this sync's census set; false if it was there already.
 * Entries of earlier syncs are stale by their stamp, so the set is never
 * cleared. */
static bool census_add(graph *g, void *obj) {
    for (size_t i = hslot(g->csetcap, obj);; i = (i + 1) & (g->csetcap - 1)) {
        if (g->cstamp[i] != g->epoch) {
            g->cstamp[i] = g->epoch;
            g->cset[i] = obj;
            return true;
        }
        if (g->cset[i] == obj) return false;
    }
}

static int colour_band(tc_colour c) { return c == TC_BLACK ? 2 : c == TC_GREY ? 1 : 0; }

/* Counts the summary whose first objects are g->cq[head, end) depth-first
 * (its stack above qn in g->cq), reading at most `share` objects and
 * slots. Objects still on the stack when the share runs out are counted
 * without being read, and the summary is marked as a lower bound. Returns
 * the work done. */
static size_t count_summary(graph *g, tc_heap *h, size_t head, size_t end, size_t qn, size_t share) {
    uint32_t s = g->cq_sum[head];
    size_t top = qn, work = 0;
    for (size_t i = head; i < end && top < g->cqcap; i++) g->cq[top++] = g->cq[i];
    gnode *sn = &g->nodes[s];
    while (top > qn) {
        void *o = g->cq[--top];
        long k = hget(g, o);
        if (k >= 0 && g->nodes[k].epoch == g->epoch && !g->nodes[k].summary) continue; /* shown after all */
        sn->count++;
        sn->ncolour[colour_band(tc_colour_of(h, o))]++;
        if (work >= share) {
            sn->capped = 1;
            continue;
        }
        uint32_t ns = tc_nslots(o);
        void **slots = o;
        work += 1 + ns;
        for (uint32_t i = 0; i < ns; i++) {
            void *t = slots[i];
            if (!t) continue;
            long tk = hget(g, t);
            if (tk >= 0 && g->nodes[tk].epoch == g->epoch) continue; /* shown */
            if (top == g->cqcap) {                                   /* no room: counted no further */
                sn->capped = 1;
                break;
            }
            if (census_add(g, t)) g->cq[top++] = t;
        }
    }
    return work;
}

/* Counts what each summary folds. The walk queued each summary's first
 * objects together in g->cq[0, qn). One summary a sync, in turn, is
 * counted first with half the work budget: if that suffices its count is
 * exact and kept (gnode.exact). The others share the rest fairly (the
 * budget left divided by the summaries not yet counted), so small ones
 * are exact and big ones stop at their share. */
static void census(graph *g, tc_heap *h, size_t qn) {
    size_t groups = 0;
    for (size_t i = 0; i < qn; i++) groups += i == 0 || g->cq_sum[i] != g->cq_sum[i - 1];
    if (!groups) return;
    size_t focus = g->census_turn++ % groups, fh = 0, fe = 0;
    for (size_t i = 0, k = 0; i < qn; i = fe, k++) {
        for (fe = i + 1; fe < qn && g->cq_sum[fe] == g->cq_sum[i];) fe++;
        fh = i;
        if (k == focus) break;
    }
    size_t left = GRAPH_CENSUS_WORK;
    size_t used = count_summary(g, h, fh, fe, qn, GRAPH_CENSUS_WORK / 2);
    gnode *fn = &g->nodes[g->cq_sum[fh]];
    if (!fn->capped) fn->exact = fn->count, fn->exact_epoch = g->epoch;
    left -= used;
    groups--;
    for (size_t head = 0, end; head < qn; head = end) {
        for (end = head + 1; end < qn && g->cq_sum[end] == g->cq_sum[head];) end++;
        if (head == fh) continue;
        size_t work = count_summary(g, h, head, end, qn, left / groups);
        groups--;
        left = left > work ? left - work : 0;
    }
}

/* ---------- sync ---------- */

/* The summary node under shown node pk, found or made for this sync. */
static uint32_t summary_of(graph *g, uint32_t pk) {
    void *key = (char *)g->nodes[pk].obj + 1;
    long s = hget(g, key);
    if (s >= 0 && g->nodes[s].epoch == g->epoch) return (uint32_t)s;
    float px = g->nodes[pk].x, py = g->nodes[pk].y;
    uint32_t k = take(g, key, s, (int32_t)pk, px, py);
    gnode *n = &g->nodes[k];
    n->summary = 1;
    n->root = 0;
    n->count = 0;
    n->capped = 0;
    memset(n->ncolour, 0, sizeof n->ncolour);
    g->summaries++;
    return k;
}

/* The breadth-first walk over g->order from the roots already in it: each
 * object reached gets a node, as the child of the object it was first
 * reached from, until max_nodes are taken (the children of an expanded
 * object are taken beyond that, up to GRAPH_EXPAND_MAX); the rest are
 * queued for the census under their parent's summary. Every pointer
 * between shown objects is recorded as an edge. Returns the census queue's
 * length. */
static size_t walk(graph *g, size_t taken, size_t max_nodes) {
    size_t head = 0, extra = 0, qn = 0;
    /* Breadth-first order is by depth: the row being filled and how full
     * it is. Once a row reaches max_width it is cut there, and nothing
     * deeper is taken (but for expansions): a row wider than the panel
     * can show would be a smear, its boxes unreadable. */
    uint32_t row = 0, in_row = 0;
    bool cut = false;
    g->nedges = 0;
    while (head < g->norder) {
        uint32_t pk = g->order[head++];
        if (g->nodes[pk].summary) continue;
        void *o = g->nodes[pk].obj;
        uint32_t n_slots = tc_nslots(o);
        void **slots = o;
        bool open = is_expanded(g, o);
        for (uint32_t i = 0; i < n_slots; i++) {
            void *t = slots[i];
            if (!t) continue;
            long k = hget(g, t);
            if (k >= 0 && g->nodes[k].epoch == g->epoch) {
                if (!g->nodes[k].summary) push_edge(g, pk, (uint32_t)k);
                continue;
            }
            uint32_t d = g->nodes[pk].depth + 1;
            if (d != row) row = d, in_row = 0;
            if (g->max_width && in_row >= g->max_width) cut = true;
            if ((taken < max_nodes && !cut) || (open && extra < GRAPH_EXPAND_MAX)) {
                if (taken >= max_nodes || cut) extra++;
                in_row++;
                float px = g->nodes[pk].x, py = g->nodes[pk].y;
                uint32_t nk = take(g, t, k, (int32_t)pk, px, py);
                g->nodes[nk].root = 0;
                g->nodes[nk].summary = 0;
                g->nodes[nk].depth = d;
                push_edge(g, pk, nk);
                taken++;
                continue;
            }
            /* Folded into pk's summary. Once the census queue is full the
             * rest of a huge array is not read: its count is a lower bound. */
            uint32_t s = summary_of(g, pk);
            if (qn == g->cqcap / 2) { /* the other half is the census's stack */
                g->nodes[s].capped = 1;
                g->census_capped = true;
                if (!open) break;
                continue;
            }
            if (!census_add(g, t)) continue;
            g->cq[qn] = t;
            g->cq_sum[qn++] = s;
        }
    }
    g->shown = taken;
    return qn;
}

/* Places the forest and eases nothing yet: new nodes made without a place
 * (roots) are put at theirs. The grid only grows at once and shrinks
 * slowly, so that a growing heap does not rescale the picture each frame (and a
 * shrinking one does so over a few frames, eased). */
static void place(graph *g) {
    size_t n = g->norder;
    for (size_t i = 0; i < n; i++) {
        int32_t p = g->nodes[g->order[i]].parent;
        g->opar[i] = p < 0 ? -1 : (int32_t)g->nodes[p].pos;
    }
    glayout_fit fit = glayout_tree(n, g->opar, g->ox, g->oy, MARGIN, g->min_cols, g->min_rows, g->oscratch);
    if (fit.cols > g->min_cols || fit.rows > g->min_rows) {
        /* Grown: with an eighth of headroom, so that the next few objects
         * added fit without rescaling everything again. */
        if (fit.cols > g->min_cols) g->min_cols = fit.cols + fit.cols / 8 + 1;
        if (fit.rows > g->min_rows) g->min_rows = fit.rows + fit.rows / 8 + 1;
        fit = glayout_tree(n, g->opar, g->ox, g->oy, MARGIN, g->min_cols, g->min_rows, g->oscratch);
    }
    for (size_t i = 0; i < n; i++) {
        gnode *nd = &g->nodes[g->order[i]];
        nd->tx = g->ox[i];
        nd->ty = g->oy[i];
        if (nd->x < 0) nd->x = nd->tx, nd->y = nd->ty;
    }
    g->cols = fit.cols > g->min_cols ? fit.cols : g->min_cols;
    g->rows = fit.rows > g->min_rows ? fit.rows : g->min_rows;
    /* Shrinks once the forest needs less than three quarters of the grid. */
    uint32_t shrink_c = fit.cols < g->min_cols * 3 / 4 ? g->min_cols / 8 + 1 : 0;
    uint32_t shrink_r = fit.rows < g->min_rows * 3 / 4 ? g->min_rows / 8 + 1 : 0;
    if (shrink_c) g->min_cols = g->min_cols - shrink_c > fit.cols ? g->min_cols - shrink_c : fit.cols;
    if (shrink_r) g->min_rows = g->min_rows - shrink_r > fit.rows ? g->min_rows - shrink_r : fit.rows;
}

/* A new sync (or restore): a new epoch, an empty order. */
static void begin(graph *g) {
    g->epoch++;
    if (g->epoch == 0) { /* the census stamps wrapped: clear them */
        if (g->cstamp) memset(g->cstamp, 0, g->csetcap * sizeof *g->cstamp);
        g->epoch = 1;
    }
    g->norder = 0;
    g->nedges = 0;
    g->summaries = 0;
    g->folded = 0;
    g->census_capped = false;
    if (!g->hcap) hrebuild(g);
}

/* After the forest of this epoch is in g->order: nodes not in it start
 * to fade; the colours of the rest come from the heap h, unless events
 * are being replayed or h is NULL (a restored frame brought its own);
 * then the layout.
 *
 * The colours are read in breadth-first order, each parent before its
 * children. A concurrent marker (tc_config.concurrent) goes on marking
 * while the viewer reads, and tc_colour_of does not stop it, so the reads
 * are not one snapshot; but marking only darkens (white, grey, black), so
 * a child read after its parent is at least as dark as it was when the
 * parent was read. A tree edge is then never drawn from black to white
 * unless it was one at that moment: the picture never shows the strong
 * invariant broken where it was not. (Cross edges, faint, carry no such
 * promise.) Outside the concurrent mode nothing changes colours while the
 * mutator is parked, and the order does not matter. */
static void finish(graph *g, tc_heap *h) {
    if (h && !g->replay)
        for (size_t i = 0; i < g->norder; i++) {
            gnode *n = &g->nodes[g->order[i]];
            if (!n->summary) n->colour = (uint8_t)tc_colour_of(h, n->obj);
        }
    for (size_t i = 0; i < g->n; i++) {
        gnode *n = &g->nodes[i];
        if (n->epoch == g->epoch) {
            n->alive = 1;
            n->fade = 1;
        } else {
            n->alive = 0;
            n->parent = -1;
        }
    }
    /* An expansion lasts while its object is shown. */
    int w = 0;
    for (int i = 0; i < g->nexpanded; i++) {
        long k = hget(g, g->expanded[i]);
        if (k >= 0 && g->nodes[k].epoch == g->epoch && !g->nodes[k].summary) g->expanded[w++] = g->expanded[i];
    }
    g->nexpanded = w;
    hrebuild(g);
    place(g);
}

void graph_sync(graph *g, tc_heap *h, size_t max_nodes) {
    begin(g);
    tc_stats s;
    tc_get_stats(h, &s);
    g->live_objects = s.live_objects;
    census_reserve(g, 2 * GRAPH_CENSUS_WORK);
    size_t nroots = tc_root_objects(h, NULL, 0);
    /* The roots' objects, read through the census queue as scratch. */
    void **roots = malloc((nroots + 1) * sizeof *roots);
    tc_root_objects(h, roots, nroots);
    size_t taken = 0;
    for (size_t i = 0; i < nroots && taken < max_nodes; i++) {
        long k = hget(g, roots[i]);
        if (k >= 0 && g->nodes[k].epoch == g->epoch) continue; /* a root twice */
        /* A node freed and its cell reused by a new object at the same
         * address is reclaimed here: it is made alive again by take. */
        uint32_t nk = take(g, roots[i], k, -1, -1, -1);
        g->nodes[nk].root = 1;
        g->nodes[nk].summary = 0;
        g->nodes[nk].depth = 0;
        taken++;
    }
    free(roots);
    size_t qn = walk(g, taken, max_nodes);
    census(g, h, qn);
    for (size_t i = 0; i < g->norder; i++) {
        const gnode *n = &g->nodes[g->order[i]];
        bool lower;
        if (!n->summary) continue;
        g->folded += graph_count(g, n, &lower);
        g->census_capped |= lower;
    }
    g->truncated = g->shown < g->live_objects && g->summaries > 0;
    finish(g, h);
}

/* ---------- history (history.h) ---------- */

static void add_arrow(graph *g, void *source, void *target);

/* A saved frame: a header, then per node of the breadth-first order its
 * key, tree parent (an order index), depth, summary counts and flags,
 * then the edges as pairs of order indices, then the barrier arrows.
 * Fixed-size records, so that a frame whose forest did not change differs
 * from the one before only in its colours and flashes (history.c keeps
 * the XOR). */
#define SAVE_MAGIC 0x47524146u /* "GRAF" */
typedef struct save_head {
    uint32_t magic, norder, nedges, narrows;
    uint64_t live_objects, shown, summaries, folded;
    uint32_t census_capped, truncated;
} save_head;
typedef struct save_node {
    uint64_t key;
    int32_t parent;
    uint32_t depth, count, ncolour[3];
    uint8_t colour, root, summary, lower, flash, pad[3];
} save_node;
typedef struct save_arrow {
    uint64_t source, target;
    float fade;
    uint32_t pad;
} save_arrow;

bool graph_save(const graph *g, uint8_t **buf, size_t *len, size_t *cap) {
    size_t need = sizeof(save_head) + g->norder * sizeof(save_node) + g->nedges * 2 * sizeof(uint32_t) +
                  (size_t)g->narrows * sizeof(save_arrow);
    if (need > *cap) {
        uint8_t *b = realloc(*buf, need);
        if (!b) return false;
        *buf = b, *cap = need;
    }
    uint8_t *p = *buf;
    memset(p, 0, need); /* padding too: it is compared byte by byte */
    save_head hd = {SAVE_MAGIC, (uint32_t)g->norder, (uint32_t)g->nedges, (uint32_t)g->narrows, g->live_objects,
                    g->shown,   g->summaries,        g->folded,           g->census_capped,     g->truncated};
    memcpy(p, &hd, sizeof hd);
    p += sizeof hd;
    for (size_t i = 0; i < g->norder; i++) {
        const gnode *n = &g->nodes[g->order[i]];
        save_node s;
        memset(&s, 0, sizeof s);
        bool lower = false;
        s.key = (uint64_t)(uintptr_t)n->obj;
        s.parent = n->parent < 0 ? -1 : (int32_t)g->nodes[n->parent].pos;
        s.depth = n->depth;
        s.count = n->summary ? graph_count(g, n, &lower) : 0;
        memcpy(s.ncolour, n->ncolour, sizeof s.ncolour);
        s.colour = n->colour, s.root = n->root, s.summary = n->summary, s.lower = lower;
        s.flash = (uint8_t)lroundf(n->flash * 255);
        memcpy(p, &s, sizeof s);
        p += sizeof s;
    }
    for (size_t i = 0; i < 2 * g->nedges; i++) {
        uint32_t e = g->nodes[g->edges[i]].pos;
        memcpy(p, &e, sizeof e);
        p += sizeof e;
    }
    for (int i = 0; i < g->narrows; i++) {
        save_arrow a;
        memset(&a, 0, sizeof a);
        a.source = (uint64_t)(uintptr_t)g->arrows[i].source;
        a.target = (uint64_t)(uintptr_t)g->arrows[i].target;
        a.fade = g->arrows[i].fade;
        memcpy(p, &a, sizeof a);
        p += sizeof a;
    }
    *len = need;
    return true;
}

/* The header of buf if it is graph_save's (magic, arrows, length). */
static bool saved_head(const uint8_t *buf, size_t len, save_head *hd) {
    if (len < sizeof *hd) return false;
    memcpy(hd, buf, sizeof *hd);
    return hd->magic == SAVE_MAGIC && hd->narrows <= GRAPH_ARROWS &&
           len == sizeof *hd + (size_t)hd->norder * sizeof(save_node) + (size_t)hd->nedges * 2 * sizeof(uint32_t) +
                      (size_t)hd->narrows * sizeof(save_arrow);
}

int graph_saved_colour(const uint8_t *buf, size_t len, const void *obj) {
    save_head hd;
    if (!saved_head(buf, len, &hd)) return -1;
    uint64_t key = (uint64_t)(uintptr_t)obj;
    for (uint32_t i = 0; i < hd.norder; i++) {
        save_node s;
        memcpy(&s, buf + sizeof hd + (size_t)i * sizeof s, sizeof s);
        if (s.key == key && !s.summary) return s.colour;
    }
    return -1;
}

bool graph_restore(graph *g, const uint8_t *buf, size_t len) {
    save_head hd;
    if (!saved_head(buf, len, &hd)) return false;
    const uint8_t *p = buf + sizeof hd;
    begin(g);
    for (uint32_t i = 0; i < hd.norder; i++, p += sizeof(save_node)) {
        save_node s;
        memcpy(&s, p, sizeof s);
        void *key = (void *)(uintptr_t)s.key;
        long k = hget(g, key);
        if (k >= 0 && g->nodes[k].epoch == g->epoch) continue; /* not from graph_save: a key twice */
        int32_t parent = s.parent >= 0 && (uint32_t)s.parent < g->norder ? (int32_t)g->order[s.parent] : -1;
        float px = parent >= 0 ? g->nodes[parent].x : -1, py = parent >= 0 ? g->nodes[parent].y : -1;
        uint32_t nk = take(g, key, k, parent, px, py); /* may move g->nodes: index it after */
        gnode *n = &g->nodes[nk];
        n->depth = s.depth;
        n->root = s.root, n->summary = s.summary, n->colour = s.colour;
        n->count = s.count, n->capped = s.lower, n->exact_epoch = 0;
        memcpy(n->ncolour, s.ncolour, sizeof n->ncolour);
        n->flash = s.flash / 255.0f;
    }
    for (uint32_t i = 0; i < hd.nedges; i++, p += 2 * sizeof(uint32_t)) {
        uint32_t a, b;
        memcpy(&a, p, sizeof a);
        memcpy(&b, p + sizeof a, sizeof b);
        if (a < g->norder && b < g->norder) push_edge(g, g->order[a], g->order[b]);
    }
    g->narrows = 0;
    for (uint32_t i = 0; i < hd.narrows; i++, p += sizeof(save_arrow)) {
        save_arrow a;
        memcpy(&a, p, sizeof a);
        int before = g->narrows;
        add_arrow(g, (void *)(uintptr_t)a.source, (void *)(uintptr_t)a.target);
        if (g->narrows > before) g->arrows[g->narrows - 1].fade = a.fade;
    }
    g->live_objects = hd.live_objects, g->shown = hd.shown, g->summaries = hd.summaries, g->folded = hd.folded;
    g->census_capped = hd.census_capped, g->truncated = hd.truncated;
    finish(g, NULL);
    return true;
}

/* Remembers the store behind a barrier hit; the oldest arrow gives way. */
static void add_arrow(graph *g, void *source, void *target) {
    if (!source || !target) return;
    if (g->narrows == GRAPH_ARROWS) {
        memmove(g->arrows, g->arrows + 1, (GRAPH_ARROWS - 1) * sizeof g->arrows[0]);
        g->narrows--;
    }
    g->arrows[g->narrows].source = source;
    g->arrows[g->narrows].target = target;
    g->arrows[g->narrows].fade = 1;
    g->narrows++;
}

void graph_recolour(graph *g, const void *obj, tc_colour colour) {
    long k = obj ? hget(g, obj) : -1;
    if (k >= 0 && !g->nodes[k].summary && g->nodes[k].epoch == g->epoch) g->nodes[k].colour = (uint8_t)colour;
}

void graph_event(graph *g, const tc_event *e) {
    if (e->kind == TC_EV_BARRIER) add_arrow(g, e->source, e->target);
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
    int a = 0;
    for (int i = 0; i < g->narrows; i++) { /* arrows fade over about a second */
        g->arrows[i].fade -= dt;
        if (g->arrows[i].fade > 0) g->arrows[a++] = g->arrows[i];
    }
    g->narrows = a;
    /* Compaction moves nodes: each survivor's new index goes into `pos`
     * (free once the sync that set it is over), parents are renumbered
     * through it, and only then are the nodes moved. */
    for (size_t i = 0; i < g->n; i++) {
        gnode *n = &g->nodes[i];
        n->flash = n->flash > dt * 2 ? n->flash - dt * 2 : 0;
        if (!n->alive) n->fade -= dt * 3;
        n->pos = (n->alive || n->fade > 0) ? (uint32_t)w++ : UINT32_MAX;
    }
    if (w == g->n) return;
    for (size_t i = 0; i < g->n; i++) {
        gnode *n = &g->nodes[i];
        if (n->parent >= 0) n->parent = g->nodes[n->parent].pos == UINT32_MAX ? -1 : (int32_t)g->nodes[n->parent].pos;
    }
    for (size_t i = 0; i < g->n; i++)
        if (g->nodes[i].pos != UINT32_MAX) g->nodes[g->nodes[i].pos] = g->nodes[i];
    g->n = w;
    g->nedges = 0; /* indices moved; the next sync rebuilds edges and order */
    g->norder = 0;
    hrebuild(g);
}

/* ---------- easing ---------- */

void graph_ease(graph *g, int iterations) {
    /* Each step covers a quarter of the way: a node moved by a change in
     * the forest glides there over a few frames instead of jumping. */
    float keep = powf(0.75f, (float)(iterations > 0 ? iterations : 0));
    for (size_t i = 0; i < g->n; i++) {
        gnode *n = &g->nodes[i];
        if (!n->alive) continue; /* a ghost fades where it was */
        n->x = n->tx + (n->x - n->tx) * keep;
        n->y = n->ty + (n->y - n->ty) * keep;
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

typedef struct batch {
    graph *g;
    size_t nv, ni;
} batch;

/* A node of radius r at (x, y): an octagon, or a square when it is too
 * small for the difference to show (a third of the triangles). */
static void blob(batch *b, float x, float y, float r, SDL_Color c) {
    graph *g = b->g;
    int base = (int)b->nv;
    if (r < 2.5f) {
        g->verts[b->nv++] = (SDL_Vertex){{x - r, y - r}, c, {0, 0}};
        g->verts[b->nv++] = (SDL_Vertex){{x + r, y - r}, c, {0, 0}};
        g->verts[b->nv++] = (SDL_Vertex){{x + r, y + r}, c, {0, 0}};
        g->verts[b->nv++] = (SDL_Vertex){{x - r, y + r}, c, {0, 0}};
        int q[6] = {base, base + 1, base + 2, base, base + 2, base + 3};
        memcpy(&g->idx[b->ni], q, sizeof q);
        b->ni += 6;
        return;
    }
    static const float ca[8] = {0.9239f, 0.3827f, -0.3827f, -0.9239f, -0.9239f, -0.3827f, 0.3827f, 0.9239f};
    static const float sa[8] = {0.3827f, 0.9239f, 0.9239f, 0.3827f, -0.3827f, -0.9239f, -0.9239f, -0.3827f};
    for (int i = 0; i < 8; i++) g->verts[b->nv++] = (SDL_Vertex){{x + r * ca[i], y + r * sa[i]}, c, {0, 0}};
    for (int i = 1; i < 7; i++) {
        g->idx[b->ni++] = base;
        g->idx[b->ni++] = base + i;
        g->idx[b->ni++] = base + i + 1;
    }
}

static void rect(batch *b, float x0, float y0, float x1, float y1, SDL_Color c) {
    graph *g = b->g;
    int base = (int)b->nv;
    g->verts[b->nv++] = (SDL_Vertex){{x0, y0}, c, {0, 0}};
    g->verts[b->nv++] = (SDL_Vertex){{x1, y0}, c, {0, 0}};
    g->verts[b->nv++] = (SDL_Vertex){{x1, y1}, c, {0, 0}};
    g->verts[b->nv++] = (SDL_Vertex){{x0, y1}, c, {0, 0}};
    int q[6] = {base, base + 1, base + 2, base, base + 2, base + 3};
    memcpy(&g->idx[b->ni], q, sizeof q);
    b->ni += 6;
}

static void flush(batch *b, SDL_Renderer *r) {
    if (b->ni) SDL_RenderGeometry(r, NULL, b->g->verts, (int)b->nv, b->g->idx, (int)b->ni);
    b->nv = b->ni = 0;
}

/* Node radius and summary half-size in pixels, from the layout's grid:
 * a node never wider than its column nor taller than a third of its row. */
static float node_radius(const graph *g, SDL_Rect area) {
    float colw = (float)area.w * (1 - 2 * MARGIN) / (float)(g->cols ? g->cols : 1);
    float rowh = (float)area.h * (1 - 2 * MARGIN) / (float)(g->rows > 1 ? g->rows - 1 : 1);
    float r = colw * 0.42f < rowh * 0.3f ? colw * 0.42f : rowh * 0.3f;
    return r < 1.2f ? 1.2f : r > 7 ? 7 : r;
}

static float summary_half(const graph *g, SDL_Rect area, const gnode *n) {
    float rowh = (float)area.h * (1 - 2 * MARGIN) / (float)(g->rows > 1 ? g->rows - 1 : 1);
    float s = 3.5f + 1.2f * log2f((float)n->count + 1);
    float colw = (float)area.w * (1 - 2 * MARGIN) / (float)(g->cols ? g->cols : 1);
    float cap = rowh * 0.3f < colw * 0.45f ? rowh * 0.3f : colw * 0.45f;
    if (cap < 3) cap = 3;
    return s > cap ? cap : s > 14 ? 14 : s;
}

/* "812", "4.3k", "27k", "1.2M"; a trailing + for a lower bound. */
static void count_label(const graph *g, char *buf, size_t len, const gnode *n) {
    bool lower;
    double c = graph_count(g, n, &lower);
    const char *plus = lower ? "+" : "";
    if (c < 1000)
        snprintf(buf, len, "%.0f%s", c, plus);
    else if (c < 10000)
        snprintf(buf, len, "%.1fk%s", c / 1e3, plus);
    else if (c < 1e6)
        snprintf(buf, len, "%.0fk%s", c / 1e3, plus);
    else
        snprintf(buf, len, "%.1fM%s", c / 1e6, plus);
}

/* A summary: a framed box split left to right into white, grey and black
 * in proportion to what it folds. */
static void summary_box(batch *b, float x, float y, float hs, const gnode *n) {
    SDL_Color frame = with_alpha(PAL_ROOT, n->fade);
    rect(b, x - hs - 1.5f, y - hs * 0.7f - 1.5f, x + hs + 1.5f, y + hs * 0.7f + 1.5f, frame);
    float total = (float)(n->ncolour[0] + n->ncolour[1] + n->ncolour[2]);
    const SDL_Color band[3] = {PAL_WHITE_OBJ, PAL_GREY_OBJ, PAL_BLACK_OBJ};
    float x0 = x - hs;
    for (int i = 0; i < 3; i++) {
        float w = total > 0 ? 2 * hs * (float)n->ncolour[i] / total : (i == 0 ? 2 * hs : 0);
        if (w > 0) rect(b, x0, y - hs * 0.7f, x0 + w, y + hs * 0.7f, with_alpha(band[i], n->fade));
        x0 += w;
    }
}

void graph_draw(graph *g, SDL_Renderer *r, SDL_Rect area) {
    /* A line of text is kept clear above and below the forest: the hint
     * here, the panel's caption under it. */
    SDL_Rect outer = area;
    if (g->font) {
        int th = text_height(g->font) + 4;
        area.y += th;
        area.h -= 2 * th;
    }
    g->area = area;
    float ax = (float)area.x, ay = (float)area.y, aw = (float)area.w, ah = (float)area.h;
    float rad = node_radius(g, area);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    /* Edges. The tree's as an org chart: a stub down from each parent to
     * a bus half a row below it, spanning its children, and a stub up from
     * each child. Axis-aligned rectangles, because the software renderer
     * fills a triangle's whole bounding box: a long diagonal quad costs
     * its width times its height. Other pointers between shown objects
     * are plain lines, fainter, under the tree. */
    SDL_SetRenderDrawColor(r, PAL_EDGE.r, PAL_EDGE.g, PAL_EDGE.b, 0x30);
    size_t drawn = 0;
    for (size_t e = 0; e < g->nedges && drawn < GRAPH_MAX_CROSS; e++) {
        const gnode *p = &g->nodes[g->edges[2 * e]], *c = &g->nodes[g->edges[2 * e + 1]];
        if (c->parent == (int32_t)g->edges[2 * e]) continue;
        SDL_RenderDrawLineF(r, ax + p->x * aw, ay + p->y * ah, ax + c->x * aw, ay + c->y * ah);
        drawn++;
    }
    if (g->n > g->bus_cap) {
        g->bus_cap = g->n * 2;
        g->bus = realloc(g->bus, g->bus_cap * 3 * sizeof *g->bus);
        g->rects = realloc(g->rects, g->bus_cap * 3 * sizeof *g->rects);
    }
    for (size_t i = 0; i < g->n; i++) g->bus[3 * i] = INFINITY;
    /* The bus runs just above the children: their stubs are short, and only
     * the parent's own stub spans the row (fill cost is in pixels). */
    float rowh = ah * (1 - 2 * MARGIN) / (float)(g->rows > 1 ? g->rows - 1 : 1);
    float stub = rowh * 0.5f < 10 ? rowh * 0.5f : 10;
    size_t nr = 0;
    for (size_t i = 0; i < g->n; i++) {
        const gnode *c = &g->nodes[i];
        if (c->parent < 0 || !c->alive) continue;
        const gnode *p = &g->nodes[c->parent];
        float *bus = &g->bus[3 * (size_t)c->parent];
        float cx = ax + c->x * aw, cy = ay + c->y * ah;
        float mid = ay + p->y * ah + ((c->ty - p->ty) * ah - stub > 0 ? (c->ty - p->ty) * ah - stub : 0);
        if (bus[0] == INFINITY) bus[0] = bus[1] = ax + p->x * aw, bus[2] = mid;
        if (cx < bus[0]) bus[0] = cx;
        if (cx > bus[1]) bus[1] = cx;
        float y0 = cy < mid ? cy : mid, y1 = cy < mid ? mid : cy;
        g->rects[nr++] = (SDL_FRect){cx - 0.5f, y0, 1, y1 - y0 + 0.5f};
    }
    for (size_t i = 0; i < g->n; i++) {
        const float *bus = &g->bus[3 * i];
        if (bus[0] == INFINITY) continue;
        float px = ax + g->nodes[i].x * aw, py = ay + g->nodes[i].y * ah;
        g->rects[nr++] = (SDL_FRect){bus[0] - 0.5f, bus[2] - 0.5f, bus[1] - bus[0] + 1, 1};
        float y0 = py < bus[2] ? py : bus[2], y1 = py < bus[2] ? bus[2] : py;
        g->rects[nr++] = (SDL_FRect){px - 0.5f, y0, 1, y1 - y0 + 0.5f};
    }
    SDL_SetRenderDrawColor(r, PAL_EDGE.r, PAL_EDGE.g, PAL_EDGE.b, PAL_EDGE.a);
    if (nr) SDL_RenderFillRectsF(r, g->rects, (int)nr);
    int sel = -1;
    if (g->selected) {
        long v = hget(g, g->selected);
        if (v >= 0 && (size_t)v < g->n && g->nodes[v].alive && !g->nodes[v].summary) sel = (int)v;
    }
    if (sel >= 0) { /* the inspected object's pointers to shown objects, straight and bright */
        const gnode *p = &g->nodes[sel];
        SDL_SetRenderDrawColor(r, PAL_SELECT.r, PAL_SELECT.g, PAL_SELECT.b, 0xff);
        for (size_t e = 0; e < g->nedges; e++) {
            if (g->edges[2 * e] != (uint32_t)sel) continue;
            const gnode *c = &g->nodes[g->edges[2 * e + 1]];
            for (int d = -1; d <= 1; d++)
                SDL_RenderDrawLineF(r, ax + p->x * aw + (float)d, ay + p->y * ah, ax + c->x * aw + (float)d,
                                    ay + c->y * ah);
        }
    }
    /* The stores behind recent barrier hits: source to target, with a head. */
    for (int i = 0; i < g->narrows; i++) {
        long a = hget(g, g->arrows[i].source), c = hget(g, g->arrows[i].target);
        if (a < 0 || c < 0 || !g->nodes[a].alive || !g->nodes[c].alive || a == c) continue;
        float x0 = ax + g->nodes[a].x * aw, y0 = ay + g->nodes[a].y * ah;
        float x1 = ax + g->nodes[c].x * aw, y1 = ay + g->nodes[c].y * ah;
        float dx = x1 - x0, dy = y1 - y0, len = sqrtf(dx * dx + dy * dy);
        if (len < 1) continue;
        dx /= len, dy /= len;
        float hx = x1 - dx * (rad + 2), hy = y1 - dy * (rad + 2); /* the head stops at the node's edge */
        Uint8 alpha = (Uint8)(255 * (g->arrows[i].fade > 1 ? 1 : g->arrows[i].fade));
        SDL_SetRenderDrawColor(r, PAL_BARRIER.r, PAL_BARRIER.g, PAL_BARRIER.b, alpha);
        for (int d = -1; d <= 1; d++) {
            SDL_RenderDrawLineF(r, x0 - dy * (float)d, y0 + dx * (float)d, hx - dy * (float)d, hy + dx * (float)d);
            SDL_RenderDrawLineF(r, hx, hy, hx - dx * 8 - dy * 5 + (float)d, hy - dy * 8 + dx * 5);
            SDL_RenderDrawLineF(r, hx, hy, hx - dx * 8 + dy * 5 + (float)d, hy - dy * 8 - dx * 5);
        }
    }
    /* Nodes: flash halo, root ring, black rim, then the fill; summaries as
     * boxes. */
    batch b = {g, 0, 0};
    reserve(g, g->n * 8 * 4 + 16, g->n * 18 * 4 + 16);
    for (size_t i = 0; i < g->n; i++) {
        const gnode *n = &g->nodes[i];
        float x = ax + n->x * aw, y = ay + n->y * ah;
        if (n->summary) {
            if (n->alive) summary_box(&b, x, y, summary_half(g, area, n), n);
            continue;
        }
        if (!n->alive) {
            /* Swept: a thin ring in the edge colour, fading, so it never
             * reads as a grey object. */
            blob(&b, x, y, rad * 0.8f, with_alpha(PAL_EDGE, n->fade));
            blob(&b, x, y, rad * 0.55f, PAL_PANEL);
            continue;
        }
        if ((int)i == sel) blob(&b, x, y, rad * 2.2f + 2, PAL_SELECT);
        if (n->flash > 0) blob(&b, x, y, rad * 2.6f, with_alpha(PAL_BARRIER, n->flash));
        if (n->root) blob(&b, x, y, rad * 1.7f + 1, with_alpha(PAL_ROOT, n->fade));
        SDL_Color fill = n->colour == TC_BLACK ? PAL_BLACK_OBJ : n->colour == TC_GREY ? PAL_GREY_OBJ : PAL_WHITE_OBJ;
        if (n->colour == TC_BLACK) blob(&b, x, y, rad * 1.3f + 0.6f, with_alpha(PAL_BLACK_RIM, n->fade));
        blob(&b, x, y, rad, with_alpha(fill, n->fade));
    }
    flush(&b, r);
    if (!g->font || !g->summaries) return;
    char hint[160];
    snprintf(hint, sizeof hint, "%zu boxes fold %zu%s objects not drawn: click one to open it", g->summaries, g->folded,
             g->census_capped ? "+" : "");
    text_draw(g->font, outer.x + outer.w - text_width(g->font, hint) - 6, outer.y + 4, PAL_DIM, hint);
    /* Counts under the summaries, left to right along each row, each one
     * drawn only if it clears the last one drawn on its row. */
    if (g->rows > g->label_cap) {
        g->label_cap = g->rows * 2;
        g->label_right = realloc(g->label_right, g->label_cap * sizeof *g->label_right);
    }
    for (size_t i = 0; i < g->rows; i++) g->label_right[i] = INT_MIN / 2;
    int th = text_height(g->font);
    for (size_t i = 0; i < g->norder; i++) {
        const gnode *n = &g->nodes[g->order[i]];
        if (!n->summary || !n->alive) continue;
        char buf[32];
        count_label(g, buf, sizeof buf, n);
        int tw = text_width(g->font, buf);
        float hs = summary_half(g, area, n);
        int x = (int)(ax + n->x * aw) - tw / 2, y = (int)(ay + n->y * ah + hs * 0.7f + 2);
        if (x < area.x) x = area.x;
        if (x + tw > area.x + area.w) x = area.x + area.w - tw;
        if (y + th > area.y + area.h) y = (int)(ay + n->y * ah - hs * 0.7f - 2) - th;
        size_t row = g->rows > 1 ? (size_t)lroundf((n->ty - MARGIN) / (1 - 2 * MARGIN) * (float)(g->rows - 1)) : 0;
        if (row >= g->rows) row = g->rows - 1;
        if (x <= g->label_right[row] + 4) continue;
        text_draw(g->font, x, y, PAL_TEXT, buf);
        g->label_right[row] = x + tw;
    }
}

const gnode *graph_node_at(const graph *g, SDL_Rect area, int x, int y) {
    const gnode *best = NULL;
    float bd = 64;
    for (size_t i = 0; i < g->n; i++) {
        const gnode *n = &g->nodes[i];
        float dx = area.x + n->x * area.w - (float)x, dy = area.y + n->y * area.h - (float)y;
        float d = dx * dx + dy * dy;
        if (n->summary) {
            float hs = summary_half(g, area, n) + 2;
            if (n->alive && fabsf(dx) <= hs && fabsf(dy) <= hs) return n; /* boxes win: they are targets */
            continue;
        }
        if (d < bd && n->alive) bd = d, best = n;
    }
    return best;
}

bool graph_click(graph *g, int x, int y) {
    const gnode *n = graph_node_at(g, g->area, x, y);
    if (!n || !n->summary) {
        void *was = g->selected;
        g->selected = n && n->obj != was ? n->obj : NULL;
        return g->selected != was;
    }
    if (n->parent < 0) return false;
    void *obj = g->nodes[n->parent].obj;
    if (is_expanded(g, obj)) return false;
    if (g->nexpanded == GRAPH_MAX_EXPANDED) { /* the oldest expansion closes */
        memmove(g->expanded, g->expanded + 1, (GRAPH_MAX_EXPANDED - 1) * sizeof *g->expanded);
        g->nexpanded--;
    }
    g->expanded[g->nexpanded++] = obj;
    return true;
}

bool graph_node_pixel(const graph *g, const void *obj, int *x, int *y) {
    long v = obj ? hget(g, obj) : -1;
    if (v < 0 || (size_t)v >= g->n || !g->nodes[v].alive) return false;
    *x = (int)((float)g->area.x + g->nodes[v].x * (float)g->area.w);
    *y = (int)((float)g->area.y + g->nodes[v].y * (float)g->area.h);
    return true;
}

int graph_close_all(graph *g) {
    int n = g->nexpanded;
    g->nexpanded = 0;
    return n;
}

void graph_free(graph *g) {
    free(g->nodes);
    free(g->hkey);
    free(g->hval);
    free(g->edges);
    free(g->order);
    free(g->opar);
    free(g->ox);
    free(g->oy);
    free(g->oscratch);
    free(g->cq);
    free(g->cq_sum);
    free(g->cset);
    free(g->cstamp);
    free(g->verts);
    free(g->idx);
    free(g->label_right);
    free(g->bus);
    free(g->rects);
    memset(g, 0, sizeof *g);
}
