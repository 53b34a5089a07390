/*
 * metrics.h — pause-time statistics for Tricolor's reports.
 *
 * The collector records its pauses (start time and duration) in a log.
 * This module turns such a log into the numbers the reports, the
 * benchmarks and the visualizer show: nearest-rank percentiles of the
 * durations, and minimum mutator utilization (MMU) and bounded MMU (BMU)
 * over a window size (see docs/design.md §3). It knows nothing
 * about the collector: it is pure arithmetic on arrays of metrics_pause,
 * needs only libc and libm, keeps no state and is safe to call from any
 * thread on data that thread owns.
 *
 * Times are nanoseconds of CLOCK_MONOTONIC; results are microseconds
 * (summaries) or fractions in [0,1] (utilization). A run is the closed
 * interval [t0, t1] the mutator was observed for; pauses are half-open
 * [start, start + dur). An end that would overflow uint64_t saturates.
 */
#ifndef TRICOLOR_METRICS_H
#define TRICOLOR_METRICS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct metrics_pause {
    uint64_t start_ns; /* CLOCK_MONOTONIC */
    uint64_t dur_ns;
} metrics_pause;

/* Sorts pauses by start and merges overlapping/touching ones in place;
 * returns the new count. (Two collectors' logs are never merged; this is
 * for one log that may contain nested timings.) Afterwards every pause
 * ends strictly before the next one starts, which is what metrics_mmu and
 * metrics_bmu require. Zero-length pauses are kept unless they touch
 * another pause. p may be NULL when n == 0. */
size_t metrics_normalize(metrics_pause *p, size_t n);

typedef struct metrics_summary {
    size_t count;
    double p50_us, p95_us, p99_us, p999_us, max_us; /* nearest-rank percentiles of durations; 0 when count==0 */
    double total_us;                                /* sum of durations */
} metrics_summary;

/* Fills *out from the durations of p[0..n) (any order; not normalized).
 * The nearest-rank p-th percentile is the smallest duration v such that at
 * least p% of the durations are <= v, i.e. the ceil(p/100 * n)-th smallest;
 * ranks are computed in integers so p99.9 of 1000 values is exactly the
 * 999th. Uses an n-element scratch buffer; if it cannot be allocated the
 * same answer is found by selection without allocating (slower). */
void metrics_summarize(const metrics_pause *p, size_t n, metrics_summary *out);

/* Exact minimum mutator utilization for window w over the run [t0, t1]
 * (Cheng & Blelloch): MMU(w) = min over t in [t0, t1-w] of 1 - GC(t,w)/w,
 * where GC(t,w) is pause time inside [t, t+w). Pauses must be normalized
 * (sorted, non-overlapping) and are clipped to [t0,t1]. The minimum is
 * attained with a window edge on a pause boundary (window starts at a
 * pause start, or ends at a pause end), so only those candidates are
 * evaluated, with two pointers: O(P) time, no allocation.
 * If w >= t1 - t0, returns 1 - total/(t1-t0). Returns a value in [0,1].
 * Degenerate inputs: t1 <= t0 gives 1 (no run, nothing paused it);
 * w == 0 gives the limit w -> 0+, i.e. 0 if any pause time lies inside
 * the run, else 1. Unnormalized input gives a meaningless value, never
 * undefined behaviour. */
double metrics_mmu(const metrics_pause *p, size_t n, uint64_t t0, uint64_t t1, uint64_t window_ns);
/* The same, and in *at_ns (if not NULL) where a worst window starts: the
 * window [*at_ns, *at_ns + window_ns) holds (1 - MMU) x window_ns of
 * pauses (the first such window the scan meets, where there are several).
 * t0 when the window is the whole run, is 0, or holds no pause. It says
 * when a run's MMU was set (a heap's growth, its steady state), which
 * the figure alone does not. */
double metrics_mmu_at(const metrics_pause *p, size_t n, uint64_t t0, uint64_t t1, uint64_t window_ns, uint64_t *at_ns);

/* Bounded MMU: BMU(w) = min over w' >= w of MMU(w'). Computed as the
 * minimum of metrics_mmu over these window sizes w' >= w:
 *   - w itself and the run length L = t1 - t0;
 *   - a log-spaced grid of 64 windows per decade, 10^(k/64) ns for integer
 *     k, strictly between w and L (the grid is fixed, not anchored at w,
 *     so the candidate sets of two window sizes nest: BMU is monotone in w
 *     except where MMU(w) itself falls below every larger candidate);
 *   - every distinct pause duration (clipped to the run) strictly between
 *     w and L, so BMU(w) = 0 whenever w <= the longest pause.
 * Being a minimum over a subset of w' >= w, the result is an upper bound
 * on the exact BMU, equal to it when the worst window size is a candidate.
 * It is close: the worst pause time in a window never decreases as the
 * window grows, so between candidates 1 - MMU exceeds its value at the
 * next larger candidate by at most the grid ratio 10^(1/64) ~ 1.037, and
 * 1 - exact <= 1.037 * (1 - result) (up to rounding the grid to whole
 * nanoseconds, negligible from microsecond windows on). Cost O(P * (G + D)) for P pauses, G grid
 * points (64 per decade between w and L) and D distinct durations in
 * (w, L); no allocation. Same preconditions and degenerate cases as
 * metrics_mmu; w >= L gives MMU(w). */
double metrics_bmu(const metrics_pause *p, size_t n, uint64_t t0, uint64_t t1, uint64_t window_ns);

/* The standard window set used by reports: 1, 2, 5, 10, 20, 50, 100 ms. */
#define METRICS_NWINDOWS 7
extern const uint64_t metrics_windows_ns[METRICS_NWINDOWS];
extern const char *const metrics_window_names[METRICS_NWINDOWS]; /* "1ms", "2ms", ... "100ms" */

#ifdef __cplusplus
}
#endif

#endif
