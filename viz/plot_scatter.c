/*
 * plot_scatter.c — the scatter plot of plots.h: configurations as dots
 * (a log pause axis against a linear one), the front highlighted, the pick
 * ringed and labelled, the target marked.
 */
#include "plot_frame.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "palette.h"

/* ------------------------------------------------------------------ */
/* Scatter of configurations                                           */
/* ------------------------------------------------------------------ */

/* Appends the rows of a filled disc of radius rad at (cx, cy) to out. */
static int disc_rows(SDL_Rect *out, int cx, int cy, int rad) {
    int nr = 0;
    for (int dy = -rad; dy <= rad; dy++) {
        int hw = (int)lround(sqrt((double)(rad * rad - dy * dy)));
        out[nr++] = (SDL_Rect){cx - hw, cy + dy, 2 * hw + 1, 1};
    }
    return nr;
}

/* A two-pixel ring of radius rad around (cx, cy), as points. */
static void ring(SDL_Renderer *r, int cx, int cy, int rad) {
    SDL_Point pts[256];
    int np = 0;
    for (int k = 0; k < 64; k++) {
        double a = k * (2 * M_PI / 64);
        for (int dr = 0; dr < 2; dr++)
            pts[np++] = (SDL_Point){cx + (int)lround((rad + dr) * cos(a)), cy + (int)lround((rad + dr) * sin(a))};
    }
    SDL_RenderDrawPoints(r, pts, np);
}

/* The axes' ranges: decades of x (a log pause axis) and whole round steps
 * of y around the data. */
typedef struct scale {
    int dlo, dhi;
    double ndec; /* dhi - dlo */
    double ylo, yhi, step;
} scale;

static scale scale_of(const pl_panel *p, const plot_scatter_spec *spec, const plot_dot *d, size_t n) {
    /* Ranges over the finite dots (and the mark on x). */
    double xmin = INFINITY, xmax = 0, ymin = INFINITY, ymax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(d[i].x_us) || !isfinite(d[i].y)) continue;
        if (d[i].x_us > 0 && d[i].x_us < xmin) xmin = d[i].x_us;
        if (d[i].x_us > xmax) xmax = d[i].x_us;
        if (d[i].y < ymin) ymin = d[i].y;
        if (d[i].y > ymax) ymax = d[i].y;
    }
    if (spec->mark_us > 0 && isfinite(spec->mark_us)) {
        if (spec->mark_us < xmin) xmin = spec->mark_us;
        if (spec->mark_us > xmax) xmax = spec->mark_us;
    }
    if (!(xmin < INFINITY)) xmin = xmax > 0 ? xmax : 1;
    if (!(xmax > 0)) xmax = xmin;
    scale sc;
    sc.dlo = (int)floor(log10(xmin) + 1e-9), sc.dhi = (int)ceil(log10(xmax) - 1e-9);
    if (sc.dhi <= sc.dlo) sc.dhi = sc.dlo + 1;
    sc.ndec = sc.dhi - sc.dlo;
    if (!(ymin <= ymax)) ymin = 0, ymax = 1;

    /* y: a round step giving about one label per two text lines, and a
     * range of whole steps around the data. */
    double span = ymax - ymin;
    if (!(span > 0)) span = fabs(ymax) > 0 ? fabs(ymax) * 0.2 : 1;
    int steps = p->ax.h / (p->m.lh > 0 ? 2 * p->m.lh : 24);
    if (steps < 2) steps = 2;
    if (steps > 8) steps = 8;
    sc.step = pl_nice_step(span * 1.1 / steps);
    sc.ylo = floor((ymin - span * 0.05) / sc.step) * sc.step, sc.yhi = ceil((ymax + span * 0.05) / sc.step) * sc.step;
    if (ymin >= 0 && sc.ylo < 0) sc.ylo = 0;
    if (ymin >= 0 && sc.ylo <= (sc.yhi - sc.ylo) / 3) sc.ylo = 0;
    if (!(sc.yhi > sc.ylo)) sc.yhi = sc.ylo + sc.step;
    return sc;
}

/* The met side of the mark tinted, the grid and tick labels, the mark
 * dashed; returns the mark's column, or -1 without a mark. */
static int draw_axes(pl_panel *p, const plot_scatter_spec *spec, const scale *sc) {
    SDL_Renderer *r = p->r;
    int mark_x = -1;
    if (spec->mark_us > 0 && isfinite(spec->mark_us)) {
        mark_x = pl_x_of(p->ax, (log10(spec->mark_us) - sc->dlo) / sc->ndec);
        pl_set_colour(r, pl_over_bg(PAL_TARGET, 28));
        SDL_Rect met = {p->ax.x, p->ax.y, mark_x - p->ax.x, p->ax.h};
        SDL_RenderFillRect(r, &met);
    }
    char buf[64];
    int last_y = INT32_MAX;
    int dec = pl_decimals_for(sc->step);
    for (double v = sc->ylo; v <= sc->yhi + sc->step * 1e-6; v += sc->step) {
        snprintf(buf, sizeof buf, "%.*f%s", dec, fabs(v) < sc->step * 1e-6 ? 0.0 : v, spec->y_unit ? spec->y_unit : "");
        pl_y_tick(p, (v - sc->ylo) / (sc->yhi - sc->ylo), buf, &last_y);
    }
    /* x: decades, and 2x and 5x between them while there are at most two
     * decades (pl_x_tick leaves out labels that would collide). */
    int last_end = INT32_MIN / 2;
    for (int e = sc->dlo; e <= sc->dhi; e++) {
        static const double mult[] = {1, 2, 5};
        for (int m = 0; m < (sc->ndec <= 2 ? 3 : 1); m++) {
            double us = mult[m] * pow(10, e);
            double f = (log10(us) - sc->dlo) / sc->ndec;
            if (f > 1 + 1e-9) break;
            pl_fmt_dur(buf, sizeof buf, us);
            pl_x_tick(p, pl_x_of(p->ax, f), buf, &last_end);
        }
    }
    if (mark_x >= 0) {
        pl_set_colour(r, PAL_TARGET);
        for (int y = p->ax.y; y < p->ax.y + p->ax.h; y += 7) SDL_RenderDrawLine(r, mark_x, y, mark_x, y + 3);
    }
    return mark_x;
}

/* Dots, kind by kind so the front and the pick lie on top; the pick
 * ringed. Returns whether there is a pick, at (*px, *py). */
static bool draw_dots(pl_panel *p, const plot_scatter_spec *spec, const scale *sc, const plot_dot *d, size_t n, int *px,
                      int *py) {
    SDL_Renderer *r = p->r;
    static const int radius[3] = {3, 4, 6};
    SDL_Rect *rows = n ? pl_scratch_get(&pl_scratch_main, n * (2 * 6 + 1) * sizeof(SDL_Rect)) : NULL;
    bool have_pick = false;
    for (int kind = 0; kind < 3 && rows; kind++) {
        int nr = 0;
        for (size_t i = 0; i < n; i++) {
            if (d[i].kind != kind || !isfinite(d[i].x_us) || !isfinite(d[i].y)) continue;
            double fx = d[i].x_us > 0 ? (log10(d[i].x_us) - sc->dlo) / sc->ndec : 0;
            int x = pl_x_of(p->ax, fx), y = pl_y_of(p->ax, (d[i].y - sc->ylo) / (sc->yhi - sc->ylo));
            nr += disc_rows(rows + nr, x, y, radius[kind]);
            if (kind == PLOT_DOT_PICK) {
                *px = x, *py = y;
                have_pick = true;
            }
        }
        SDL_Color c = spec->colours[kind];
        pl_set_colour(r, kind == PLOT_DOT_OTHER ? pl_over_bg(c, 170) : pal_alpha(c, 255));
        SDL_RenderFillRects(r, rows, nr);
    }
    if (have_pick) {
        pl_set_colour(r, pal_alpha(spec->colours[PLOT_DOT_PICK], 255));
        ring(r, *px, *py, 10);
    }
    return have_pick;
}

/* A label on a background box. */
static void label(pl_panel *p, int x, int y, SDL_Color c, const char *s) {
    SDL_Rect box = {x - 2, y, text_width(p->t, s) + 4, p->m.lh};
    pl_set_colour(p->r, pal_alpha(plot_dark.bg, 220));
    SDL_RenderFillRect(p->r, &box);
    text_draw(p->t, x, y, c, s);
}

void plot_scatter(SDL_Renderer *r, text *t, SDL_Rect area, const plot_scatter_spec *spec, const plot_dot *d, size_t n) {
    /* The legend: one entry per named kind, through pl_panel_begin. */
    plot_series legend[3];
    size_t nl = 0;
    for (int k = 0; k < 3; k++)
        if (spec->names[k]) {
            memset(&legend[nl], 0, sizeof legend[nl]);
            legend[nl].name = spec->names[k];
            legend[nl++].colour = spec->colours[k];
        }
    pl_panel p;
    pl_panel_begin(&p, r, t, area, spec->title ? spec->title : "", legend, nl);
    scale sc = scale_of(&p, spec, d, n);
    int mark_x = draw_axes(&p, spec, &sc);

    /* Dots may overlap the axes' edges by their radius (a value at the
     * bottom of the range is a whole dot on the axis, not half a one). */
    SDL_Rect dot_clip = {p.ax.x - 7, p.ax.y - 7, p.ax.w + 14, p.ax.h + 14};
    SDL_IntersectRect(&dot_clip, &area, &dot_clip);
    pl_panel_clip(&p, dot_clip);
    int pick_x = 0, pick_y = 0;
    bool have_pick = draw_dots(&p, spec, &sc, d, n, &pick_x, &pick_y);

    /* Labels last, inside the axes. */
    if (t && mark_x >= 0 && spec->mark_label) {
        int w = text_width(t, spec->mark_label);
        label(&p, mark_x + 4 + w <= p.ax.x + p.ax.w - 2 ? mark_x + 4 : mark_x - 4 - w, p.ax.y + 2, PAL_TARGET,
              spec->mark_label);
    }
    if (t && have_pick && spec->pick_label) {
        int w = text_width(t, spec->pick_label);
        int lx = pick_x + 14 + w <= p.ax.x + p.ax.w - 2 ? pick_x + 14 : pick_x - 14 - w;
        if (lx < p.ax.x + 2) lx = p.ax.x + 2;
        int ly = pick_y - p.m.lh / 2;
        if (ly < p.ax.y + p.m.lh + 4) /* below the mark's label row */
            ly = pick_y + 12;
        if (ly + p.m.lh > p.ax.y + p.ax.h - 2) /* above the x axis */
            ly = pick_y - 12 - p.m.lh;
        label(&p, lx, ly, spec->colours[PLOT_DOT_PICK], spec->pick_label);
    }
    pl_panel_clip(&p, area);
    pl_draw_axes_lines(&p);
    pl_panel_end(&p);
}
