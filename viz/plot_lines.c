/*
 * plot_lines.c — the line plots of plots.h: the MMU curve and the time
 * series (GC share, heap size), with the decimation they share.
 *
 * Polylines keep at most the first, lowest, highest and last point of each
 * pixel column, which preserves the line's drawn envelope, so the cost
 * follows the panel's width and not the data.
 */
#include "plot_frame.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Lines                                                               */
/* ------------------------------------------------------------------ */

/* Draws pts as a 2-pixel-thick polyline (the line and a copy one pixel
 * lower), in one call per copy. */
static void thick_lines(SDL_Renderer *r, SDL_Point *pts, size_t np) {
    if (np < 2) return;
    SDL_RenderDrawLines(r, pts, (int)np);
    for (size_t i = 0; i < np; i++) pts[i].y++;
    SDL_RenderDrawLines(r, pts, (int)np);
    for (size_t i = 0; i < np; i++) pts[i].y--;
}

/* Draws the polyline pts dashed (5 pixels on, 4 off, 2 pixels thick) as
 * one batch of points. */
static void dashed_lines(SDL_Renderer *r, const SDL_Point *pts, size_t np) {
    if (np < 2) return;
    size_t len = 0;
    for (size_t i = 1; i < np; i++) {
        int dx = abs(pts[i].x - pts[i - 1].x), dy = abs(pts[i].y - pts[i - 1].y);
        len += (size_t)(dx > dy ? dx : dy);
    }
    SDL_Point *out = pl_scratch_get(&pl_scratch_aux, 2 * (len + 9) * sizeof(SDL_Point)); /* 2 per "on" step */
    if (!out) return;
    size_t no = 0, phase = 0;
    for (size_t i = 1; i < np; i++) {
        int dx = pts[i].x - pts[i - 1].x, dy = pts[i].y - pts[i - 1].y;
        int steps = abs(dx) > abs(dy) ? abs(dx) : abs(dy);
        for (int k = 0; k < steps; k++, phase++) {
            if (phase % 9 >= 5) continue;
            int x = pts[i - 1].x + (int)lround((double)dx * k / steps);
            int y = pts[i - 1].y + (int)lround((double)dy * k / steps);
            out[no++] = (SDL_Point){x, y};
            out[no++] = (SDL_Point){x, y + 1};
        }
    }
    SDL_RenderDrawPoints(r, out, (int)no);
}

/* Column reduction for polylines: points arrive in time order (so in
 * non-decreasing column order) and each column keeps its first, highest,
 * lowest and last point, written out in arrival order when the next column
 * starts. Drawn as a polyline, that covers the same pixels' vertical span
 * as all of the column's points would. */
typedef struct decimator {
    SDL_Point *out;
    size_t n;
    int col;         /* column of the open group, INT32_MIN if none */
    SDL_Point g[4];  /* first, lowest on screen (min y), highest (max y), last */
    unsigned seq[4]; /* arrival order of g[i] */
    unsigned next;
} decimator;

static void decim_flush(decimator *d) {
    if (d->col == INT32_MIN) return;
    int order[4] = {0, 1, 2, 3};
    for (int a = 1; a < 4; a++) /* insertion sort by arrival */
        for (int b = a; b > 0 && d->seq[order[b]] < d->seq[order[b - 1]]; b--) {
            int tmp = order[b];
            order[b] = order[b - 1];
            order[b - 1] = tmp;
        }
    for (int a = 0; a < 4; a++)
        if (a == 0 || d->seq[order[a]] != d->seq[order[a - 1]]) d->out[d->n++] = d->g[order[a]];
    d->col = INT32_MIN;
}

static void decim_add(decimator *d, double x, double y) {
    SDL_Point q = {(int)lround(x), (int)lround(y)};
    unsigned seq = d->next++;
    if (q.x != d->col) {
        decim_flush(d);
        d->col = q.x;
        for (int a = 0; a < 4; a++) {
            d->g[a] = q;
            d->seq[a] = seq;
        }
        return;
    }
    if (q.y < d->g[1].y) {
        d->g[1] = q;
        d->seq[1] = seq;
    }
    if (q.y > d->g[2].y) {
        d->g[2] = q;
        d->seq[2] = seq;
    }
    d->g[3] = q;
    d->seq[3] = seq;
}

/* Maps the points of pts visible in [from, to] to pixels in ax (values
 * vlo..vhi bottom to top, clamped), cuts the line at the axes' left and
 * right edges (so no coordinate is ever far outside the pl_panel) and reduces
 * it per column. out must hold 4 * (ax.w + 2) points; returns how many
 * were written. With steps, each value holds until the next point and the
 * line rises or falls there: a heap's size is a step function, and a
 * series sampled rarely (Boehm's, at its resizes) drawn as slopes showed
 * growth where there was none. */
static size_t build_line(const plot_point *pts, size_t np, double from, double to, double vlo, double vhi, SDL_Rect ax,
                         bool steps, SDL_Point *out) {
    if (!pts || !np) return 0;
    size_t i0, i1;
    pl_visible_range(pts, np, from, to, &i0, &i1);
    double range = to - from, vr = vhi > vlo ? vhi - vlo : 1;
    double xl = ax.x, xr = ax.x + ax.w - 1;
    decimator d = {.out = out, .col = INT32_MIN};
    bool started = false;
    double px = 0, py = 0;
    for (size_t i = i0; i < i1; i++) {
        double x = xl + (pts[i].t_s - from) / range * (ax.w - 1);
        double v = (pts[i].v - vlo) / vr;
        if (!isfinite(v)) v = 0;
        double y = ax.y + ax.h - 1 - (v < 0 ? 0 : v > 1 ? 1 : v) * (ax.h - 1);
        if (i1 - i0 == 1 && x >= xl && x <= xr) decim_add(&d, x, y); /* a lone point */
        if (i > i0 && !(px < xl && x < xl) && !(px > xr && x > xr)) {
            /* Segment (px,py)-(x,y) reaches the axes (px <= x: time order). */
            double ax0 = px, ay0 = py, bx = x, by = steps ? py : y;
            if (ax0 < xl) {
                ay0 = steps ? py : py + (xl - px) / (x - px) * (y - py);
                ax0 = xl;
            }
            if (bx > xr) {
                by = steps ? py : py + (xr - px) / (x - px) * (y - py);
                bx = xr;
            }
            if (!started) decim_add(&d, ax0, ay0);
            started = true;
            decim_add(&d, bx, by);
            if (steps && x <= xr) decim_add(&d, x, y); /* the riser */
            if (x > xr) break;
        }
        px = x;
        py = y;
    }
    decim_flush(&d);
    return d.n;
}

/* ------------------------------------------------------------------ */
/* MMU curve                                                           */
/* ------------------------------------------------------------------ */

void plot_mmu_curve(SDL_Renderer *r, text *t, SDL_Rect area, const plot_series *s, size_t n, const double *windows_ms,
                    size_t nwindows) {
    pl_panel p;
    pl_panel_begin(&p, r, t, area, "Minimum mutator utilisation (MMU)", s, n);

    int last_y = INT32_MAX;
    char buf[32];
    for (int i = 0; i <= 5; i++) {
        snprintf(buf, sizeof buf, "%.1f", i / 5.0);
        pl_y_tick(&p, i / 5.0, buf, &last_y);
    }
    /* x: log10(ms) over 0..2. */
    static const double xt[] = {1, 2, 5, 10, 20, 50, 100};
    static const char *const xl[] = {"1ms", "2ms", "5ms", "10ms", "20ms", "50ms", "100ms"};
    int last_end = INT32_MIN / 2;
    for (size_t i = 0; i < sizeof xt / sizeof xt[0]; i++)
        pl_x_tick(&p, pl_x_of(p.ax, log10(xt[i]) / 2), xl[i], &last_end);

    SDL_Point *pts = nwindows ? pl_scratch_get(&pl_scratch_main, nwindows * sizeof(SDL_Point)) : NULL;
    SDL_Rect *dots = nwindows ? pl_scratch_get(&pl_scratch_aux, nwindows * sizeof(SDL_Rect)) : NULL;
    pl_panel_clip(&p, p.ax);
    for (size_t k = 0; k < n && pts && dots; k++) {
        size_t m = s[k].nmmu < nwindows ? s[k].nmmu : nwindows, np = 0;
        for (size_t i = 0; s[k].mmu && i < m; i++) {
            double w = windows_ms[i];
            if (!(w > 0) || !isfinite(s[k].mmu[i])) continue;
            double lx = log10(w) / 2;
            /* Off-axis windows would be clamped onto the edge and distort
             * the curve: leave them out. */
            if (lx < -1e-9 || lx > 1 + 1e-9) continue;
            pts[np++] = (SDL_Point){pl_x_of(p.ax, lx), pl_y_of(p.ax, s[k].mmu[i])};
        }
        pl_set_colour(r, pal_alpha(s[k].colour, 255));
        thick_lines(r, pts, np);
        /* Dots at the evaluated windows while they are far enough apart to
         * tell from the line. */
        bool sparse = true;
        for (size_t i = 1; i < np && sparse; i++) sparse = pts[i].x - pts[i - 1].x >= 8;
        if (sparse) {
            for (size_t i = 0; i < np; i++) dots[i] = (SDL_Rect){pts[i].x - 2, pts[i].y - 1, 5, 5};
            SDL_RenderFillRects(r, dots, (int)np);
        }
    }
    pl_panel_clip(&p, area);
    pl_draw_axes_lines(&p);
    pl_panel_end(&p);
}

/* ------------------------------------------------------------------ */
/* GC share and heap over time                                         */
/* ------------------------------------------------------------------ */

/* Largest value of pts shown in [from, to] (including one point either
 * side, as build_line draws them). */
static double visible_max(const plot_point *pts, size_t np, double from, double to) {
    if (!pts || !np) return 0;
    size_t i0, i1;
    pl_visible_range(pts, np, from, to, &i0, &i1);
    double m = 0;
    for (size_t i = i0; i < i1; i++)
        if (pts[i].v > m && isfinite(pts[i].v)) m = pts[i].v;
    return m;
}

void plot_time_series(SDL_Renderer *r, text *t, SDL_Rect area, const plot_series *s, size_t n, int which,
                      double t_from_s, double t_to_s) {
    bool heap = which == PLOT_HEAP, marker = false;
    for (size_t k = 0; k < n && !heap; k++) marker |= s[k].nmarker_share > 0;
    pl_panel p;
    pl_panel_begin(&p, r, t, area,
                   heap     ? "Heap MiB (solid: heap, dashed: trigger)"
                   : marker ? "GC CPU share (dashed: marker thread)"
                            : "GC CPU share",
                   s, n);
    pl_fix_range(&t_from_s, &t_to_s);

    double vmax = 1;
    char buf[48];
    int last_y = INT32_MAX;
    if (heap) {
        double m = 0;
        for (size_t k = 0; k < n; k++) {
            double a = visible_max(s[k].heap_mib, s[k].nheap, t_from_s, t_to_s);
            double b = visible_max(s[k].trigger_mib, s[k].ntrigger, t_from_s, t_to_s);
            if (a > m) m = a;
            if (b > m) m = b;
        }
        if (!(m > 0)) m = 1;
        /* About one round step per two lines of text, and a top that is a
         * whole number of steps (pl_y_tick leaves out labels that would
         * collide if rounding made the steps too dense). */
        int steps = p.ax.h / (p.m.lh > 0 ? 2 * p.m.lh : 24);
        if (steps < 2) steps = 2;
        if (steps > 8) steps = 8;
        double step = pl_nice_near(m / steps);
        vmax = ceil(m / step - 1e-9) * step;
        int dec = pl_decimals_for(step);
        for (double v = 0; v <= vmax + step * 1e-6; v += step) {
            snprintf(buf, sizeof buf, "%.*f", dec, v);
            pl_y_tick(&p, v / vmax, buf, &last_y);
        }
    } else {
        for (int i = 0; i <= 4; i++) {
            snprintf(buf, sizeof buf, "%d%%", i * 25);
            pl_y_tick(&p, i / 4.0, buf, &last_y);
        }
    }
    pl_draw_time_x_axis(&p, t_from_s, t_to_s);

    SDL_Point *pts = n ? pl_scratch_get(&pl_scratch_main, 4 * ((size_t)p.ax.w + 2) * sizeof(SDL_Point)) : NULL;
    pl_panel_clip(&p, (SDL_Rect){p.ax.x, p.ax.y, p.ax.w, p.ax.h + 1}); /* +1: the thick line's lower copy at 0 */
    for (size_t k = 0; k < n && pts; k++) {
        pl_set_colour(r, pal_alpha(s[k].colour, 255));
        if (heap) {
            size_t np = build_line(s[k].trigger_mib, s[k].ntrigger, t_from_s, t_to_s, 0, vmax, p.ax, true, pts);
            dashed_lines(r, pts, np);
            np = build_line(s[k].heap_mib, s[k].nheap, t_from_s, t_to_s, 0, vmax, p.ax, true, pts);
            thick_lines(r, pts, np);
        } else {
            size_t np = build_line(s[k].marker_share, s[k].nmarker_share, t_from_s, t_to_s, 0, 1, p.ax, false, pts);
            dashed_lines(r, pts, np);
            np = build_line(s[k].gc_share, s[k].ngc_share, t_from_s, t_to_s, 0, 1, p.ax, false, pts);
            thick_lines(r, pts, np);
        }
    }
    pl_panel_clip(&p, area);
    pl_draw_axes_lines(&p);
    pl_panel_end(&p);
}
