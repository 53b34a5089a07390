/*
 * pareto.c — the Pareto front and the recommendation rule of `tricolor
 * tune` (see pareto.h for the rules themselves).
 *
 * Both are small enough to do by brute force: tune measures at most a few
 * hundred configurations, each for seconds, so an O(n^2) front costs
 * nothing next to the runs, and brute force is easy to check by hand.
 */
#include "pareto.h"

#include <math.h>

bool pareto_dominates(const double *a, const double *b, size_t dim) {
    bool better = false;
    for (size_t k = 0; k < dim; k++) {
        if (!(a[k] <= b[k])) return false; /* worse somewhere (or NaN) */
        if (a[k] < b[k]) better = true;
    }
    return better;
}

size_t pareto_front(const double *v, size_t n, size_t dim, const bool *include, bool *on_front) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        on_front[i] = false;
        if (include && !include[i]) continue;
        bool dominated = false;
        for (size_t j = 0; j < n && !dominated; j++)
            if (j != i && (!include || include[j])) dominated = pareto_dominates(&v[j * dim], &v[i * dim], dim);
        on_front[i] = !dominated;
        count += !dominated;
    }
    return count;
}

static double target_figure(const double *row, tune_metric on) {
    return on == TUNE_ON_MAX ? row[TUNE_MAX_US] : row[TUNE_P99_US];
}

static bool within_heap(const double *row, const tune_goal *g) {
    return g->max_heap_bytes <= 0 || row[TUNE_PEAK_HEAP] <= g->max_heap_bytes;
}

bool tune_meets(const double *row, const tune_goal *g) {
    return target_figure(row, g->on) <= g->target_us && within_heap(row, g);
}

/* Lexicographic comparison of rows a and b over the columns in order[]:
 * negative when a comes first. */
static int compare_by(const double *a, const double *b, const int *order, size_t norder) {
    for (size_t k = 0; k < norder; k++) {
        int c = order[k];
        if (a[c] < b[c]) return -1;
        if (a[c] > b[c]) return 1;
    }
    return 0;
}

tune_pick tune_recommend(const double *v, size_t n, const bool *include, const tune_goal *g) {
    tune_pick pick = {-1, 0, 0, 0, false};
    bool any_within_heap = false;
    double fastest = INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (include && !include[i]) continue;
        const double *row = &v[i * TUNE_NOBJ];
        if (tune_meets(row, g)) {
            pick.nmeeting++;
            if (row[TUNE_WALL_MS] < fastest) fastest = row[TUNE_WALL_MS];
        }
        any_within_heap |= within_heap(row, g);
    }
    bool want_meeting = pick.nmeeting > 0;
    double band = want_meeting ? fastest * (1 + (g->wall_tie > 0 ? g->wall_tie : 0)) : 0;
    if (want_meeting) pick.fastest_ms = fastest;
    /* Every order lists all five columns: that is what keeps the pick on
     * the front (see pareto.h). */
    const int other = g->on == TUNE_ON_MAX ? TUNE_P99_US : TUNE_MAX_US;
    const int meeting_order[TUNE_NOBJ] = {TUNE_PEAK_HEAP, TUNE_WALL_MS, TUNE_MAX_US, TUNE_P99_US, TUNE_GC_SHARE};
    const int missing_order[TUNE_NOBJ] = {g->on == TUNE_ON_MAX ? TUNE_MAX_US : TUNE_P99_US, TUNE_WALL_MS,
                                          TUNE_PEAK_HEAP, other, TUNE_GC_SHARE};
    const int *order = want_meeting ? meeting_order : missing_order;
    for (size_t i = 0; i < n; i++) {
        if (include && !include[i]) continue;
        const double *row = &v[i * TUNE_NOBJ];
        if (want_meeting && !(tune_meets(row, g) && row[TUNE_WALL_MS] <= band)) continue;
        if (!want_meeting && any_within_heap && !within_heap(row, g)) continue;
        pick.ntied += want_meeting;
        /* Strictly better only: on a full tie the lower index stays. */
        if (pick.index < 0 || compare_by(row, &v[(size_t)pick.index * TUNE_NOBJ], order, TUNE_NOBJ) < 0)
            pick.index = (long)i;
    }
    pick.meets = want_meeting && pick.index >= 0;
    return pick;
}
