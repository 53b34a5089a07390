/*
 * series.h — what the plots show for one collector: its pauses, its GC
 * share per bucket of execution time, heap and trigger size over time,
 * and the percentiles and MMU curve computed from the pauses.
 *
 * The viewer and the recorder fill one series per collector (Tricolor and
 * Boehm) from whatever clock they use (measured execution time, or the
 * virtual clock of a deterministic recording) and hand them to plots.c.
 * Times are seconds since the run started, durations microseconds.
 */
#ifndef TRICOLOR_SERIES_H
#define TRICOLOR_SERIES_H

#include <SDL.h>
#include <stddef.h>

#include "metrics.h"
#include "plots.h"

typedef struct series {
    plot_pause *pauses;
    size_t n, cap;
    plot_point *share, *heap, *trig;
    size_t nshare, nheap, ntrig, cap_share, cap_heap, cap_trig;
    /* A concurrent collector's marker thread (Tricolor with --mode
     * concurrent): its CPU time as a share of the run's time, over the
     * same window as the GC share (marker_share, 0..1: one thread), and
     * the cumulative samples that share is taken from (marker_cum: run
     * time, marker CPU seconds so far), of which only those the window
     * still needs are kept. */
    plot_point *marker_share, *marker_cum;
    size_t nmarker, cap_marker, nmarker_cum, cap_marker_cum;
    double mmu[METRICS_NWINDOWS];
    metrics_summary sum;
    double now_s; /* the newest execution time the series covers */
} series;

/* Grows the array *p of *cap elements of elem bytes to hold at least need,
 * doubling from 1024. If realloc fails, *p and *cap are left as they were:
 * callers check need <= *cap and drop the item, never the program. */
void series_grow(void **p, size_t *cap, size_t need, size_t elem);

/* Frees everything; the series is empty (all zero) afterwards. */
void series_reset(series *s);
/* Appends a pause starting at t (s) lasting dur_us; pauses come in time
 * order. Past a cap the oldest half is dropped (the plots show the last
 * ten seconds, the percentiles then cover the newest pauses). Also
 * samples the GC share at the pause's end: pause time over the last
 * 0.25 s, or over the run so far while it is shorter. */
void series_add_pause(series *s, double t, double dur_us);
/* The marker thread's CPU: cpu_s is its CPU time (seconds) credited to
 * the run up to run time t (never decreasing; t in time order). Appends a
 * sample of marker_share at t: the CPU it gained over the last 0.25 s of
 * the run (the GC share's window; over the run so far while it is
 * shorter) over that window, its cumulative CPU at the window's start
 * interpolated between the samples around it. Spaced like the other
 * curves (series_add_point). */
void series_add_marker(series *s, double t, double cpu_s);
/* Appends a sample to one of the series' curves (&s->heap, &s->trig) at
 * time t, unless the last one is less than series_spacing(t) older: fine
 * enough that a run of a few milliseconds is a curve, at most 50 samples
 * a second of a long one. */
void series_add_point(plot_point **arr, size_t *n, size_t *cap, double t, double v);
/* The least time between two samples of a curve at time t (seconds). */
double series_spacing(double t);
/* Recomputes sum and mmu over all pauses, for the run [0, now_s]. */
void series_metrics(series *s);
/* The plots' view of the series. */
plot_series series_plot(const series *s, const char *name, SDL_Color colour);

#endif
