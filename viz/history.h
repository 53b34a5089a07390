/*
 * history.h — the window's memory of the run, for time travel: what the
 * main panel showed at each frame that moved the run (the object graph's
 * forest with its colours, or the heap map's cells and pages), with the
 * moment it showed: the run's clock, the increment, the collector's
 * counters.
 *
 * A frame is stored as a byte string that its view wrote (graph_save,
 * heapmap_save) and reads back (graph_restore, heapmap_restore). Most
 * frames differ little from the one before, so a frame is kept as its
 * XOR with the previous frame of the same view, run-length coded over the
 * zero bytes; a keyframe (a frame coded alone) starts each group of at
 * most HIST_GROUP frames, and whenever the view changes or a delta would
 * not be smaller than the frame. Reading frame i decodes its group's
 * keyframe and at most HIST_GROUP - 1 deltas; reading i + 1 after i
 * applies one delta.
 *
 * The bound. Everything the history holds (the coded frames, their
 * records, at most an eighth of the bound, the last frame kept raw for
 * the next delta, the decoded frame of the cursor) stays within
 * `limit_bytes`, and the frames cover at most
 * `keep_s` seconds of the driver's clock counted only while frames were
 * taken (a pause does not age the history). Whole groups are dropped,
 * oldest first, until both hold; a single frame larger than an eighth of
 * the bound is not kept at all (history_add says so), so a huge heap map
 * turns the history off rather than break the bound; and a group ends
 * early once its coded frames pass an eighth of the bound, so that the
 * newest group, which cannot be dropped, leaves room for the rest.
 */
#ifndef TRICOLOR_HISTORY_H
#define TRICOLOR_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tricolor.h"

#define HIST_GROUP 32 /* frames per group at most: a keyframe and its deltas */

enum { HIST_GRAPH, HIST_HEAPMAP };

/* The moment a frame shows. */
typedef struct hist_moment {
    double run_s;    /* the run's clock: where it is on the plots */
    double shown_s;  /* driver seconds of frames taken so far: the age bound */
    uint64_t incr;   /* tc_increment_count */
    tc_phase phase;  /* tc_current_phase */
    uint64_t cycles; /* tc_stats.cycles */
    uint8_t view;    /* HIST_GRAPH or HIST_HEAPMAP */
} hist_moment;

typedef struct hist_frame {
    hist_moment m;
    uint8_t *code; /* coded bytes */
    size_t len;
    bool key;
} hist_frame;

typedef struct history {
    size_t limit_bytes; /* 0: off */
    double keep_s;
    hist_frame *f; /* oldest first */
    size_t n, cap;
    size_t group_left;  /* deltas the current group may still take */
    size_t group_bytes; /* coded bytes of the current group */
    size_t coded;       /* the coded frames alone */
    uint64_t dropped;   /* frames dropped (or cleared) so far: frame i is the (dropped + i)-th ever kept */
    bool too_big;       /* the last frame offered was over the bound */
    /* the last frame added, raw, for the next delta */
    uint8_t *last;
    size_t last_len, last_cap;
    /* the decoded frame at `cur` (cur_ok false: none) */
    uint8_t *buf;
    size_t buf_len, buf_cap, cur;
    bool cur_ok;
} history;

void history_init(history *h, size_t limit_bytes, double keep_s);
void history_free(history *h);
/* Forgets every frame (a restart): the bound stays. */
void history_clear(history *h);
/* Keeps frame `raw` of len bytes shown at moment m. False if it was not
 * kept: the history is off, or the frame alone is over an eighth of the
 * bound (too_big is then set). */
bool history_add(history *h, const hist_moment *m, const uint8_t *raw, size_t len);
/* Frame i's bytes (0 = the oldest kept; valid until the next call), or
 * NULL if i is out of range or memory ran out. */
const uint8_t *history_frame(history *h, size_t i, size_t *len);
/* What the history holds now, in bytes. */
size_t history_bytes(const history *h);
/* The last frame at or before increment incr, or at or before run time t;
 * -1 if none is that old. */
long history_at_incr(const history *h, uint64_t incr);
long history_at_time(const history *h, double t);

#endif
