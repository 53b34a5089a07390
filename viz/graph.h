/*
 * graph.h — the object graph panel: objects as nodes coloured white, grey
 * and black, roots ringed, laid out as the tree the roots span, with what
 * does not fit folded into summary nodes (README, "The object graph").
 *
 * Each frame the graph is synced with the heap while the mutator is parked:
 * a breadth-first walk from the roots takes at most `max_nodes` objects,
 * each the child of the object it was first reached from (a spanning
 * forest), and at most `max_width` in a row. Where either runs out, the
 * children of a shown object that were not taken, and what is reachable
 * through them and not shown, are folded into one summary node under that
 * object (an object reachable from two is counted once, in the first box
 * whose census reaches it), drawn with its object count and its
 * white/grey/black proportions. Clicking a summary node (graph_click)
 * expands it: that object's children are then shown beyond the budget,
 * their own descendants folded one level further down.
 *
 * The forest is placed by graph_layout.c (rows by depth, a column per
 * leaf, fitted to the panel) and each node eases towards its place, so an
 * object keeps its place while it lives, a new one slides out from its
 * parent, and a node whose object disappeared fades out where it was. A
 * barrier hit flashes the object it shaded, and the store that ran it is
 * drawn for a moment as an arrow from the object stored into to the
 * pointer the barrier acted on (the new value, or Yuasa's overwritten one).
 *
 * Slow motion: in replay mode the colours shown are not read from the heap
 * but advanced by the collector's events (shade, blacken, barrier), a few
 * per frame, so the grey wavefront can be followed object by object. The
 * scene turns it off in the concurrent mode, whose marker records none.
 */
#ifndef TRICOLOR_GRAPH_H
#define TRICOLOR_GRAPH_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "text.h"
#include "tricolor.h"

typedef struct gnode {
    void *obj;           /* the object; a summary's key is its parent's address + 1 */
    float x, y;          /* drawn position, in the unit square */
    float tx, ty;        /* its place in the layout, which x, y ease towards */
    int32_t parent;      /* tree parent's node index (last sync), -1 for a root */
    uint32_t pos;        /* index in the last sync's breadth-first order */
    uint32_t depth;      /* in the forest of the last sync */
    uint32_t count;      /* summary: objects folded into it */
    uint32_t ncolour[3]; /* summary: white, grey and black among them */
    uint8_t colour;      /* displayed tc_colour */
    uint8_t root;
    uint8_t alive;        /* found by the last sync */
    uint8_t summary;      /* a summary node, not an object */
    uint8_t capped;       /* summary: the count stopped at the census budget (a lower bound) */
    uint32_t exact;       /* summary: its last complete count ... */
    uint32_t exact_epoch; /* ... made at this sync (0: none) */
    float flash;          /* barrier flash, 1 fading to 0 */
    float fade;           /* 1 while alive, falls to 0 after the object went */
    uint32_t epoch;
} gnode;

#define GRAPH_MAX_EXPANDED 64
#define GRAPH_ARROWS       32 /* barrier arrows shown at once, the latest */

typedef struct graph {
    gnode *nodes;
    size_t n, cap;
    void **hkey; /* object (or summary key) -> node index */
    uint32_t *hval;
    size_t hcap;
    uint32_t *edges; /* pairs of node indices: every pointer between shown objects */
    size_t nedges, ecap;
    /* the last sync's forest in breadth-first order (node indices), and
     * the layout's inputs and outputs in that order */
    uint32_t *order;
    int32_t *opar;
    float *ox, *oy;
    uint32_t *oscratch;
    size_t norder, ocap;
    uint32_t max_width;          /* objects in a row, at most (0: no limit but max_nodes) */
    uint32_t min_cols, min_rows; /* the layout grid, kept from frame to frame */
    uint32_t cols, rows;         /* the grid of the last layout */
    /* census of what summaries fold: a queue and a visited set */
    void **cq;
    uint32_t *cq_sum;
    size_t cqcap;
    void **cset;
    uint32_t *cstamp;
    size_t csetcap;
    /* objects whose summary was clicked open */
    void *expanded[GRAPH_MAX_EXPANDED];
    int nexpanded;
    void *selected; /* the inspected object (inspector.h), ringed, its pointers drawn bright; NULL: none */
    /* The stores behind recent barrier hits, drawn as fading arrows from
     * the object stored into to the pointer the barrier acted on. */
    struct {
        void *source, *target;
        float fade; /* 1 fading to 0 */
    } arrows[GRAPH_ARROWS];
    int narrows;
    uint32_t epoch;
    uint32_t census_turn; /* which summary the census counts first */
    size_t live_objects;
    size_t shown;       /* objects drawn (not summaries) */
    size_t summaries;   /* summary nodes */
    size_t folded;      /* objects counted in summaries */
    bool census_capped; /* the census stopped before it had counted everything */
    bool truncated;     /* not every live object is drawn */
    bool replay;        /* colours from events, not from the heap */
    text *font;         /* summary counts; NULL draws none */
    SDL_Rect area;      /* where it was last drawn (for clicks) */
    SDL_Vertex *verts;
    int *idx;
    size_t vcap, icap;
    float *bus; /* per parent: its children's bus, left, right and y in pixels */
    SDL_FRect *rects;
    size_t bus_cap;
    int *label_right; /* per row, right edge of the last count drawn */
    size_t label_cap;
} graph;

/* The census stops after this much work (objects and slots read) a sync;
 * counts it did not finish are shown as lower bounds ("12k+"), unless a
 * recent complete count stands in (graph_count). */
#define GRAPH_CENSUS_WORK 20000u
/* A summary's last complete count stands for it, while the census can
 * only give a lower bound, for this many syncs. */
#define GRAPH_EXACT_SYNCS 600u
/* Pointers drawn that are not tree edges, at most (lines cost their length). */
#define GRAPH_MAX_CROSS 6000u
/* Objects an expanded summary may add beyond the node budget, in all. */
#define GRAPH_EXPAND_MAX 2000u

void graph_sync(graph *g, tc_heap *h, size_t max_nodes);
/* The forest the last sync (or restore) made, with its colours, flashes
 * and barrier arrows, as bytes (for history.h): into *buf, grown as
 * needed (*cap), *len set. False if memory ran out. */
bool graph_save(const graph *g, uint8_t **buf, size_t *len, size_t *cap);
/* Makes that forest the graph's, as a sync would from the heap: nodes
 * still there keep their place and ease to the saved layout, the others
 * fade. Reads nothing from any heap. False if buf is not graph_save's. */
bool graph_restore(graph *g, const uint8_t *buf, size_t len);
/* The colour obj has in a saved forest, or -1 if it is not shown there. */
int graph_saved_colour(const uint8_t *buf, size_t len, const void *obj);
/* Sets the colour shown for obj's node, if it has one (a newer reading
 * of one object than the last sync's, e.g. the inspector's). */
void graph_recolour(graph *g, const void *obj, tc_colour colour);
/* Applies one collector event (colours in replay mode, flashes always). */
void graph_event(graph *g, const tc_event *e);
/* Moves every node `iterations` easing steps towards its place. */
void graph_ease(graph *g, int iterations);
/* Ages flashes and fades by dt seconds; drops nodes that have faded out. */
void graph_tick(graph *g, float dt);
void graph_draw(graph *g, SDL_Renderer *r, SDL_Rect area);
/* The node under pixel (x, y) of `area`, or NULL. */
const gnode *graph_node_at(const graph *g, SDL_Rect area, int x, int y);
/* A click at window pixel (x, y), in the area last drawn: on a summary
 * node, expands it from the next sync; on an object, selects it (or
 * unselects it if it was selected); elsewhere, clears the selection.
 * Returns whether anything changed. */
bool graph_click(graph *g, int x, int y);
/* Folds every box the user opened back into its summary from the next
 * sync; returns how many were open. */
int graph_close_all(graph *g);
/* Where obj's node was last drawn (window pixels); false if it is not shown. */
bool graph_node_pixel(const graph *g, const void *obj, int *x, int *y);
/* What summary n folds: its last complete count if recent (see
 * GRAPH_EXACT_SYNCS) and this sync's was cut short, else this sync's
 * count; *lower says whether it is only a lower bound. */
uint32_t graph_count(const graph *g, const gnode *n, bool *lower);
void graph_free(graph *g);

#endif
