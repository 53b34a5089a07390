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
