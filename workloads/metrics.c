/*
 * metrics.c — pause percentiles, MMU and BMU (see metrics.h).
 *
 * Everything here works on a caller's array of pauses and allocates at
 * most one scratch buffer (for sorting durations in metrics_summarize),
 * with an allocation-free fallback, so reports can never fail half-way.
 *
 * MMU rests on one observation. Let F(x) be the pause time in [t0, x).
 * The pause time in a window, GC(t) = F(t+w) - F(t), is continuous and
 * piecewise linear in t with slope f(t+w) - f(t), f being 1 inside a pause
 * and 0 outside. Its slope only drops where the left edge enters a pause
 * (t = a pause start) or the right edge leaves one (t + w = a pause end),
 * so its maximum over [t0, t1-w] is at one of those points, clamped to the
 * interval, or at an end of the interval. Either family of candidates
 * alone, clamped, in fact suffices (a maximum at the other family's point
 * lies on a plateau that reaches one of this family's); both are evaluated
 * because it costs one more linear pass and keeps the code obviously
 * faithful to the definition. The candidates of each family are
 * non-decreasing in t when pauses are normalized, so F at both window
 * edges is tracked by two forward-only cursors.
 */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const uint64_t metrics_windows_ns[METRICS_NWINDOWS] = {
    1000000u, 2000000u, 5000000u, 10000000u, 20000000u, 50000000u, 100000000u,
};
const char *const metrics_window_names[METRICS_NWINDOWS] = {
    "1ms", "2ms", "5ms", "10ms", "20ms", "50ms", "100ms",
};

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

static uint64_t pause_end(const metrics_pause *p) { return sat_add(p->start_ns, p->dur_ns); }

/* ------------------------------------------------------------------ */
/* Normalization                                                       */
/* ------------------------------------------------------------------ */

/* Orders by start, then duration, so the result does not depend on how
 * qsort breaks ties. */
static int cmp_pause(const void *a, const void *b) {
    const metrics_pause *x = a, *y = b;
    if (x->start_ns != y->start_ns) return x->start_ns < y->start_ns ? -1 : 1;
    if (x->dur_ns != y->dur_ns) return x->dur_ns < y->dur_ns ? -1 : 1;
    return 0;
}

size_t metrics_normalize(metrics_pause *p, size_t n) {
    /* n < 2 also keeps qsort away from a NULL array. */
    if (n < 2) return n;
    qsort(p, n, sizeof *p, cmp_pause);
    /* p[0..out] is the merged prefix; p[out] is still open and reaches end. */
    size_t out = 0;
    uint64_t end = pause_end(&p[0]);
    for (size_t i = 1; i < n; i++) {
        if (p[i].start_ns <= end) {
            uint64_t e = pause_end(&p[i]);
            if (e > end) end = e;
        } else {
            p[out].dur_ns = end - p[out].start_ns;
            p[++out] = p[i];
            end = pause_end(&p[out]);
        }
    }
    p[out].dur_ns = end - p[out].start_ns;
    return out + 1;
}

/* ------------------------------------------------------------------ */
/* Percentiles                                                         */
/* ------------------------------------------------------------------ */

/* The 1-based nearest rank ceil(n * permille / 1000), in integers so
 * that no rounding of 0.999 * n can move it, and split so that n * permille
 * cannot overflow: with n = 1000q + r, q * permille is exact. */
static uint64_t nearest_rank(uint64_t n, unsigned permille) {
    return n / 1000 * permille + (n % 1000 * permille + 999) / 1000;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The rank-th smallest duration (1 <= rank <= n) without a buffer: binary
 * search for the smallest v with at least rank durations <= v. 64 passes. */
static uint64_t select_rank(const metrics_pause *p, size_t n, uint64_t rank) {
    uint64_t lo = 0, hi = UINT64_MAX;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        uint64_t at_most = 0;
        for (size_t i = 0; i < n; i++) at_most += p[i].dur_ns <= mid;
        if (at_most >= rank)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

void metrics_summarize(const metrics_pause *p, size_t n, metrics_summary *out) {
    memset(out, 0, sizeof *out);
    out->count = n;
    if (n == 0) return;

    uint64_t total = 0, max = 0;
    for (size_t i = 0; i < n; i++) {
        total = sat_add(total, p[i].dur_ns);
        if (p[i].dur_ns > max) max = p[i].dur_ns;
    }
    out->total_us = (double)total / 1e3;
    out->max_us = (double)max / 1e3;

    static const unsigned permille[4] = {500, 950, 990, 999};
    double *const dst[4] = {&out->p50_us, &out->p95_us, &out->p99_us, &out->p999_us};

    /* METRICS_NO_SORT_BUFFER forces the fallback, so tests can cover it. */
#ifdef METRICS_NO_SORT_BUFFER
    uint64_t *d = NULL;
#else
    uint64_t *d = n <= SIZE_MAX / sizeof *d ? malloc(n * sizeof *d) : NULL;
#endif
    if (d) {
        for (size_t i = 0; i < n; i++) d[i] = p[i].dur_ns;
        qsort(d, n, sizeof *d, cmp_u64);
        for (int k = 0; k < 4; k++) *dst[k] = (double)d[nearest_rank(n, permille[k]) - 1] / 1e3;
        free(d);
    } else {
        for (int k = 0; k < 4; k++) {
            uint64_t v = select_rank(p, n, nearest_rank(n, permille[k]));
            *dst[k] = (double)v / 1e3;
        }
    }
}

/* ------------------------------------------------------------------ */
/* MMU and BMU                                                         */
/* ------------------------------------------------------------------ */

/* A pause clipped to the run: t0 <= s <= e, and e <= t1 unless the pause
 * starts after t1, in which case it is empty (s == e). Clipping keeps
 * starts and ends non-decreasing along a normalized log. */
typedef struct span {
    uint64_t s, e;
} span;

static span clip(const metrics_pause *p, uint64_t t0, uint64_t t1) {
    span sp = {p->start_ns, pause_end(p)};
    if (sp.s < t0) sp.s = t0;
    if (sp.e > t1) sp.e = t1;
    if (sp.e < sp.s) sp.e = sp.s;
    return sp;
}

/* Evaluates F(x), the clipped pause time in [t0, x), for non-decreasing x
 * in O(1) amortized. Invariant: done is the clipped time of pauses
 * [0, i), all of which end at or before the last x asked for; pauses after
 * i start after pause i ends, so only pause i can straddle x. */
typedef struct cursor {
    const metrics_pause *p;
    size_t n, i;
    uint64_t t0, t1, done;
} cursor;

static cursor cursor_make(const metrics_pause *p, size_t n, uint64_t t0, uint64_t t1) {
    cursor c = {p, n, 0, t0, t1, 0};
    return c;
}

static uint64_t cursor_at(cursor *c, uint64_t x) {
    for (; c->i < c->n; c->i++) {
        span sp = clip(&c->p[c->i], c->t0, c->t1);
        if (sp.e > x) return c->done + (sp.s < x ? x - sp.s : 0);
        c->done += sp.e - sp.s;
    }
    return c->done;
}

static uint64_t pause_time_in(const metrics_pause *p, size_t n, uint64_t t0, uint64_t t1) {
    cursor c = cursor_make(p, n, t0, t1);
    return cursor_at(&c, t1);
}

/* The largest pause time in any window [t, t+w), t in [t0, t1-w], and
 * in *at the first such t found (t0 when no window holds any pause);
 * requires 0 < w < t1 - t0, so t1 - w and t + w cannot wrap. */
static uint64_t max_pause_in_window(const metrics_pause *p, size_t n, uint64_t t0, uint64_t t1, uint64_t w,
                                    uint64_t *at) {
    const uint64_t last = t1 - w;
    uint64_t best = 0;
    *at = t0;

    /* The ends of the interval, each with fresh cursors (any order). */
    const uint64_t ends[2] = {t0, last};
    for (int k = 0; k < 2; k++) {
        cursor l = cursor_make(p, n, t0, t1), r = cursor_make(p, n, t0, t1);
        uint64_t g = cursor_at(&r, ends[k] + w) - cursor_at(&l, ends[k]);
        if (g > best) best = g, *at = ends[k];
    }

    /* family 0: window starts at a pause start; family 1: ends at a pause
     * end. Candidates are clamped into [t0, last] (a pause starting after
     * t1 clips to an empty span beyond it), which keeps them
     * non-decreasing. */
    for (int family = 0; family < 2 && best < w; family++) {
        cursor l = cursor_make(p, n, t0, t1), r = cursor_make(p, n, t0, t1);
        for (size_t i = 0; i < n && best < w; i++) {
            span sp = clip(&p[i], t0, t1);
            uint64_t t;
            if (family == 0)
                t = sp.s < last ? sp.s : last;
            else
                t = sp.e >= t0 + w ? (sp.e - w < last ? sp.e - w : last) : t0;
            uint64_t g = cursor_at(&r, t + w) - cursor_at(&l, t);
            if (g > best) best = g, *at = t;
        }
    }
    return best;
}

/* Utilization for pause time g in a window of w; clamped because an
 * unnormalized log can count overlapping time twice. */
static double utilization(uint64_t g, uint64_t w) {
    double u = 1.0 - (double)g / (double)w;
    return u < 0.0 ? 0.0 : u > 1.0 ? 1.0 : u;
}

double metrics_mmu_at(const metrics_pause *p, size_t n, uint64_t t0, uint64_t t1, uint64_t window_ns, uint64_t *at_ns) {
    uint64_t at = t0;
    double u;
    if (t1 <= t0)
        u = 1.0;
    else if (window_ns >= t1 - t0)
        u = utilization(pause_time_in(p, n, t0, t1), t1 - t0);
    else if (window_ns == 0)
        u = pause_time_in(p, n, t0, t1) > 0 ? 0.0 : 1.0;
    else
        u = utilization(max_pause_in_window(p, n, t0, t1, window_ns, &at), window_ns);
    if (at_ns) *at_ns = at;
    return u;
}

double metrics_mmu(const metrics_pause *p, size_t n, uint64_t t0, uint64_t t1, uint64_t window_ns) {
    return metrics_mmu_at(p, n, t0, t1, window_ns, NULL);
}

/* 2^64 as a double: grid values at or above it do not fit in uint64_t. */
#define TWO_POW_64 18446744073709551616.0

double metrics_bmu(const metrics_pause *p, size_t n, uint64_t t0, uint64_t t1, uint64_t window_ns) {
    double best = metrics_mmu(p, n, t0, t1, window_ns);
    if (t1 <= t0 || window_ns >= t1 - t0) return best; /* every larger window has the same MMU */
    const uint64_t run = t1 - t0;
    double u = metrics_mmu(p, n, t0, t1, run);
    if (u < best) best = u;

    /* The global grid 10^(k/64) ns, from the first point above w. */
    double k0 = window_ns == 0 ? 0.0 : floor(64.0 * log10((double)window_ns));
    long k = (long)k0;
    for (; best > 0.0; k++) {
        double g = round(pow(10.0, (double)k / 64.0));
        if (g >= TWO_POW_64 || (uint64_t)g >= run) break;
        if ((uint64_t)g <= window_ns) continue;
        u = metrics_mmu(p, n, t0, t1, (uint64_t)g);
        if (u < best) best = u;
    }

    /* Distinct clipped durations in (w, run), in increasing order, found
     * by repeated minimum search: O(P) per duration, the same as the MMU
     * evaluation it feeds, and no buffer to sort. */
    uint64_t prev = window_ns;
    while (best > 0.0) {
        uint64_t next = run;
        for (size_t i = 0; i < n; i++) {
            span sp = clip(&p[i], t0, t1);
            uint64_t d = sp.e - sp.s;
            if (d > prev && d < next) next = d;
        }
        if (next >= run) break;
        u = metrics_mmu(p, n, t0, t1, next);
        if (u < best) best = u;
        prev = next;
    }
    return best;
}
