/*
 * series.c — one collector's plotted data (see series.h).
 *
 * Arrays grow by doubling; a failed realloc drops the sample, never the
 * program (the plots simply miss a point).
 */
#include "series.h"

#include <stdlib.h>
#include <string.h>

#define MAX_PAUSES     400000
#define SHARE_WINDOW_S 0.25 /* the GC share is taken over this much execution time */
#define POINT_SPACING  0.02 /* curves keep at most 50 points a second of a long run */
#define POINT_SHARE    400  /* ... and about this many over a short one */

double series_spacing(double t) {
    double sp = t / POINT_SHARE;
    return sp < POINT_SPACING ? sp : POINT_SPACING;
}

void series_grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return;
    size_t c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    void *np = realloc(*p, c * elem);
    if (!np) return;
    *p = np;
    *cap = c;
}

void series_reset(series *s) {
    free(s->pauses);
    free(s->share);
    free(s->heap);
    free(s->trig);
    free(s->marker_share);
    free(s->marker_cum);
    memset(s, 0, sizeof *s);
}

void series_add_pause(series *s, double t, double dur_us) {
    if (s->n >= MAX_PAUSES) { /* keep the newest half */
        memmove(s->pauses, s->pauses + MAX_PAUSES / 2, (s->n - MAX_PAUSES / 2) * sizeof *s->pauses);
        s->n -= MAX_PAUSES / 2;
    }
    series_grow((void **)&s->pauses, &s->cap, s->n + 1, sizeof *s->pauses);
    if (s->n < s->cap) s->pauses[s->n++] = (plot_pause){t, dur_us};
    /* The GC share: pause time over elapsed time (the same definition for
     * both collectors), over the window before the pause's end, or over
     * the run so far while it is shorter than the window, so the curve
     * starts at the first pause. A gap longer than the window with no
     * pause drops the curve to 0 first. */
    double end = t + dur_us / 1e6, w = end < SHARE_WINDOW_S ? end : SHARE_WINDOW_S;
    if (s->n >= 2) {
        const plot_pause *prev = &s->pauses[s->n - 2];
        double prev_end = prev->t_s + prev->dur_us / 1e6;
        if (t - prev_end > SHARE_WINDOW_S) {
            series_add_point(&s->share, &s->nshare, &s->cap_share, prev_end + SHARE_WINDOW_S, 0);
            series_add_point(&s->share, &s->nshare, &s->cap_share, t, 0);
        }
    }
    if (!(w > 0) || (s->nshare && s->share[s->nshare - 1].t_s > end - series_spacing(end))) return;
    double sum = 0;
    for (size_t i = s->n; i-- > 0;) {
        const plot_pause *q = &s->pauses[i];
        double qe = q->t_s + q->dur_us / 1e6;
        if (qe <= end - w) break;
        double qs = q->t_s > end - w ? q->t_s : end - w;
        sum += qe - qs;
    }
    series_add_point(&s->share, &s->nshare, &s->cap_share, end, sum / w > 1 ? 1 : sum / w);
}

/* The cumulative marker CPU at time t, interpolated between the samples
 * around it (t within the samples' span, which starts at 0 CPU). */
static double marker_cum_at(const series *s, double t) {
    const plot_point *c = s->marker_cum;
    size_t n = s->nmarker_cum, k = 0;
    if (!n || t <= c[0].t_s) return n ? c[0].v : 0;
    while (k + 1 < n && c[k + 1].t_s < t) k++;
    if (k + 1 == n) return c[k].v;
    double span = c[k + 1].t_s - c[k].t_s;
    return span > 0 ? c[k].v + (c[k + 1].v - c[k].v) * (t - c[k].t_s) / span : c[k + 1].v;
}

void series_add_marker(series *s, double t, double cpu_s) {
    /* The run starts with no marker CPU: a first sample at time 0, so that
     * the window's start always lies within the samples. */
    if (!s->nmarker_cum) {
        series_grow((void **)&s->marker_cum, &s->cap_marker_cum, 1, sizeof *s->marker_cum);
        if (!s->cap_marker_cum) return;
        s->marker_cum[s->nmarker_cum++] = (plot_point){0, 0};
    }
    plot_point *last = &s->marker_cum[s->nmarker_cum - 1];
    if (t < last->t_s) return; /* out of order: dropped */
    if (cpu_s < last->v) cpu_s = last->v;
    if (t == last->t_s) {
        last->v = cpu_s;
    } else {
        series_grow((void **)&s->marker_cum, &s->cap_marker_cum, s->nmarker_cum + 1, sizeof *s->marker_cum);
        if (s->nmarker_cum == s->cap_marker_cum) return;
        s->marker_cum[s->nmarker_cum++] = (plot_point){t, cpu_s};
    }
    double w = t < SHARE_WINDOW_S ? t : SHARE_WINDOW_S;
    if (!(w > 0)) return;
    double share = (cpu_s - marker_cum_at(s, t - w)) / w;
    series_add_point(&s->marker_share, &s->nmarker, &s->cap_marker, t, share > 1 ? 1 : share < 0 ? 0 : share);
    /* Samples wholly before the window are not needed again: keep one
     * before its start, for the interpolation. */
    size_t k = 0;
    while (k + 1 < s->nmarker_cum && s->marker_cum[k + 1].t_s <= t - SHARE_WINDOW_S) k++;
    if (k > 0) {
        memmove(s->marker_cum, s->marker_cum + k, (s->nmarker_cum - k) * sizeof *s->marker_cum);
        s->nmarker_cum -= k;
    }
}

void series_add_point(plot_point **arr, size_t *n, size_t *cap, double t, double v) {
    if (*n && (*arr)[*n - 1].t_s > t - series_spacing(t)) return;
    series_grow((void **)arr, cap, *n + 1, sizeof **arr);
    if (*n < *cap) (*arr)[(*n)++] = (plot_point){t, v};
}

void series_metrics(series *s) {
    metrics_pause *p = malloc((s->n ? s->n : 1) * sizeof *p);
    if (!p) return;
    for (size_t i = 0; i < s->n; i++)
        p[i] = (metrics_pause){(uint64_t)(s->pauses[i].t_s * 1e9), (uint64_t)(s->pauses[i].dur_us * 1e3)};
    size_t n = metrics_normalize(p, s->n);
    metrics_summarize(p, n, &s->sum);
    uint64_t t1 = (uint64_t)(s->now_s * 1e9);
    for (int w = 0; w < METRICS_NWINDOWS; w++)
        s->mmu[w] = n ? metrics_mmu(p, n, 0, t1 ? t1 : 1, metrics_windows_ns[w]) : 1;
    free(p);
}

plot_series series_plot(const series *s, const char *name, SDL_Color colour) {
    return (plot_series){.name = name,
                         .colour = colour,
                         .pauses = s->pauses,
                         .npauses = s->n,
                         .mmu = s->mmu,
                         .nmmu = METRICS_NWINDOWS,
                         .gc_share = s->share,
                         .ngc_share = s->nshare,
                         .heap_mib = s->heap,
                         .nheap = s->nheap,
                         .trigger_mib = s->trig,
                         .ntrigger = s->ntrig,
                         .marker_share = s->marker_share,
                         .nmarker_share = s->nmarker,
                         .p50_us = s->sum.p50_us,
                         .p99_us = s->sum.p99_us,
                         .max_us = s->sum.max_us};
}
