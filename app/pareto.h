/*
 * pareto.h — the arithmetic of `tricolor tune`: which measured
 * configurations are on the Pareto front, which meet a pause target, and
 * which one to recommend.
 *
 * A configuration is a row of TUNE_NOBJ figures in the order of the enum
 * below, every one of them a cost (smaller is better). Nothing here knows
 * how the figures were measured; it is pure arithmetic on arrays, needs
 * only libc, keeps no state and allocates nothing, so the rules can be
 * unit-tested on hand-made data.
 */
#ifndef TRICOLOR_PARETO_H
#define TRICOLOR_PARETO_H

#include <stdbool.h>
#include <stddef.h>

/* Column order of a figures row. */
enum {
    TUNE_MAX_US = 0, /* longest pause, us (timed run) */
    TUNE_P99_US,     /* 99th-percentile pause, us (timed run) */
    TUNE_GC_SHARE,   /* collector CPU / process CPU, 0..1 (untimed run) */
    TUNE_WALL_MS,    /* wall time of the workload, ms (untimed run) */
    TUNE_PEAK_HEAP,  /* peak heap, bytes (untimed run) */
    TUNE_NOBJ
};

/* Row a dominates row b when a is no worse in every column and better in
 * at least one. Equal rows do not dominate each other. */
bool pareto_dominates(const double *a, const double *b, size_t dim);

/* Marks on_front[i] for every row i of v (n rows of dim columns,
 * row-major) that is included (include NULL = all) and dominated by no
 * other included row; returns how many. Rows not included are never on the
 * front and never dominate. Figures must be finite (NaN compares false and
 * would make a row undominatable). O(n^2 dim): tune has at most a few
 * hundred rows. */
size_t pareto_front(const double *v, size_t n, size_t dim, const bool *include, bool *on_front);

/* Which pause figure the target applies to. */
typedef enum tune_metric { TUNE_ON_P99 = 0, TUNE_ON_MAX = 1 } tune_metric;

typedef struct tune_goal {
    double target_us;      /* pause target, us (> 0) */
    tune_metric on;        /* which pause figure must be <= target_us */
    double max_heap_bytes; /* peak heap must be <= this too; 0 = no limit */
    double wall_tie;       /* wall times within this fraction of the fastest count as equal
                              (measurement noise); 0 = only exact ties */
} tune_goal;

/* A row of TUNE_NOBJ figures meets the goal: its target pause figure is at
 * most target_us and, with a heap limit, its peak heap at most that. */
bool tune_meets(const double *row, const tune_goal *g);

typedef struct tune_pick {
    long index;        /* the recommended row, or -1 if no row is included */
    size_t nmeeting;   /* included rows that meet the goal */
    size_t ntied;      /* meeting rows within the wall-time tie band (the pick's competitors) */
    double fastest_ms; /* W, the lowest wall time of a meeting row (0 if none meets) */
    bool meets;        /* the recommended row meets the goal */
} tune_pick;

/* The recommendation among the included rows of v (n rows of TUNE_NOBJ).
 *  - If some meet the goal: the fastest, where "fast" is a tie for every
 *    meeting row whose wall time is within wall_tie of the lowest meeting
 *    wall time W; among those the one with the smallest peak heap, then
 *    the lower wall time, max pause, p99, GC share, then the lower index.
 *  - Otherwise the closest miss: rows within the heap limit first (when
 *    some are), then the lowest target pause figure; ties broken by wall
 *    time, peak heap, the other pause figure, GC share, the lower index.
 * Either way the pick is the lexicographic minimum over all five columns
 * of a set that contains every row dominating one of its members (a row
 * dominating a meeting row meets too, and is no slower, so it is within
 * the tie band), so the recommended row is never dominated by an included
 * row: it is always on the front. */
tune_pick tune_recommend(const double *v, size_t n, const bool *include, const tune_goal *g);

#endif
