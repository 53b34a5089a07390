/*
 * graph.h — the object graph panel: objects as nodes coloured white, grey
 * and black, roots ringed, pointers as edges, laid out by a warm-started
 * force-directed layout so that it stays put from frame to frame.
 *
 * Each frame the graph is synced with the heap while the mutator is parked:
 * a breadth-first walk from the roots, at most `max_nodes` objects (beyond
 * that only the part nearest the roots is shown, and `truncated` says so).
 * Nodes keep their positions across syncs; a new node appears next to the
 * object that first points to it; a node whose object disappeared fades
 * out; a barrier hit flashes the object it shaded.
 *
 * Slow motion: in replay mode the colours shown are not read from the heap
 * but advanced by the collector's events (shade, blacken, barrier), a few
 * per frame, so the grey wavefront can be followed object by object.
 */
#ifndef TRICOLOR_GRAPH_H
#define TRICOLOR_GRAPH_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tricolor.h"

typedef struct gnode {
    void *obj;
    float x, y;     /* in the unit square */
    float dx, dy;   /* layout displacement scratch */
    uint8_t colour; /* displayed tc_colour */
    uint8_t root;
    uint8_t alive; /* found by the last sync */
    float flash;   /* barrier flash, 1 fading to 0 */
    float fade;    /* 1 while alive, falls to 0 after the object went */
    uint32_t epoch;
} gnode;

typedef struct graph {
    gnode *nodes;
    size_t n, cap;
    void **hkey; /* object -> node index + 1 */
    uint32_t *hval;
    size_t hcap;
    uint32_t *edges; /* pairs of node indices */
    size_t nedges, ecap;
    void **queue; /* BFS scratch */
    size_t qcap;
    uint32_t epoch;
    uint64_t rng;
    size_t live_objects;
    bool truncated;
    bool replay; /* colours from events, not from the heap */
    SDL_Vertex *verts;
    int *idx;
    size_t vcap, icap;
    int *grid_head, *grid_next;
    size_t grid_cap;
} graph;

void graph_sync(graph *g, tc_heap *h, size_t max_nodes);
/* Applies one collector event (colours in replay mode, flashes always). */
void graph_event(graph *g, const tc_event *e);
/* A few force-directed iterations. */
void graph_layout(graph *g, int iterations);
/* Ages flashes and fades by dt seconds; drops nodes that have faded out. */
void graph_tick(graph *g, float dt);
void graph_draw(graph *g, SDL_Renderer *r, SDL_Rect area);
/* The node under pixel (x, y) of `area`, or NULL. */
const gnode *graph_node_at(const graph *g, SDL_Rect area, int x, int y);
void graph_free(graph *g);

#endif
