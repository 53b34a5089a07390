/*
 * inspector.h — the object inspector: what one selected object is.
 *
 * A click on an object in the graph (graph_click) or the heap map
 * (heapmap_locate) selects it; the
 * inspector reads it at each sync, while the mutator is parked, through
 * the collector's public API (tc_describe, tc_load, tc_colour_of): its
 * address, page and cell, cell size, slots and raw bytes, its colour,
 * whether a root holds it, and the targets of its first slots with their
 * colours. A click on a slot's line follows it: the target becomes the
 * selection. The selection ends when the object is freed (tc_describe no
 * longer knows it) or on a click on empty space.
 *
 * Its history in the running cycle: each colour change, with the
 * increment after which the sync saw it (every increment at speed 1 and
 * below, where the window stops after each; faster, several increments
 * run between two syncs and the changes between them merge), and each
 * barrier hit on it from the collector's events, with the barrier's name.
 * The history starts over when a cycle ends.
 *
 * While the window shows a past frame (time travel), the colour and the
 * history are those of that moment, read from the frames the history
 * kept (the graph's: the heap map's frames do not name objects); what is
 * read from the heap is of now.
 *
 * The last barrier hit's store is spelled out: the object stored into
 * and its slot (the graph draws it as an arrow for a moment).
 */
#ifndef TRICOLOR_INSPECTOR_H
#define TRICOLOR_INSPECTOR_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

#include "text.h"
#include "tricolor.h"

#define INSPECT_SLOTS   8 /* slots listed, at most */
#define INSPECT_HISTORY 6 /* history entries kept (the latest) */

/* One step of the selection's history in the running cycle. */
typedef struct inspect_step {
    uint64_t increment; /* tc_increment_count when it was seen */
    uint8_t colour;     /* tc_colour it turned to; or, for a barrier hit, ... */
    int8_t barrier;     /* ... the tc_barrier that hit it (-1: a colour change) */
} inspect_step;

typedef struct inspector {
    void *obj;           /* the selection, or NULL */
    tc_object_info info; /* as of the last sync */
    uint32_t nlisted;    /* slots listed: min(nslots, INSPECT_SLOTS) */
    void *target[INSPECT_SLOTS];
    uint8_t target_colour[INSPECT_SLOTS];
    uint64_t cycle;                     /* the cycle the history is of (tc_stats.cycles at its start) */
    inspect_step hist[INSPECT_HISTORY]; /* oldest first */
    uint32_t nhist;
    tc_event last_hit; /* the last barrier hit on the selection (kind 0 if none) */
    /* A past frame shown (scene_travel.c): its increment and cycle, the
     * selection's colour in it (-1: the frame does not show it), and its
     * colour changes in that cycle up to then, read from the history. */
    bool past;
    uint64_t past_incr, past_cycle;
    int past_colour;
    inspect_step past_hist[INSPECT_HISTORY];
    uint32_t npast;
    SDL_Rect box; /* where it was last drawn */
    int slot_y0;  /* window y of the first slot's line */
    int line_h;   /* height of a line */
} inspector;

/* Selects obj (NULL: none); it is read at the next sync. */
void inspector_select(inspector *in, void *obj);
/* Reads the selection from the heap (the mutator must be parked); drops it
 * if the heap no longer holds it. Returns whether something is selected. */
bool inspector_sync(inspector *in, tc_heap *h);
/* A collector event (from tc_observe_poll), seen after `increment`
 * increments: a barrier hit on the selection joins its history. */
void inspector_event(inspector *in, const tc_event *e, uint64_t increment);
/* The window shows a past frame (past false: the live run again): the
 * panel gives the selection's colour in it and its history up to then;
 * slots and sizes are read from the heap, and are said to be of now. */
void inspector_moment(inspector *in, bool past, uint64_t incr, uint64_t cycle, int colour);
/* One colour change of the selection in the past frame's cycle, oldest
 * first (the latest INSPECT_HISTORY are kept); after inspector_moment. */
void inspector_past_step(inspector *in, uint64_t incr, uint8_t colour);
/* Draws the panel in a left corner of area, the top one unless the
 * selected object is drawn at (sel_x, sel_y) in the top half (sel_y < 0:
 * not drawn). Nothing if no selection. */
void inspector_draw(inspector *in, SDL_Renderer *r, text *font, SDL_Rect area, int sel_x, int sel_y);
/* A click at window pixel (x, y): on a listed slot with a target, selects
 * that target and returns true; inside the panel otherwise, returns true
 * (the click is the panel's); outside it, returns false. */
bool inspector_click(inspector *in, int x, int y);

#endif
