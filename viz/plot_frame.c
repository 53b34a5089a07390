/*
 * plot_frame.c — what every plot panel shares (plot_frame.h): scratch
 * memory, the layout and renderer state of a panel, axes, ticks, number
 * formats and the binary searches over time-ordered data.
 *
 * Memory: two scratch buffers, grown geometrically to the largest need seen
 * and reused; a panel that cannot get scratch memory draws its frame and
 * axes without data rather than failing.
 */
#include "plot_frame.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "palette.h"

const plot_theme plot_dark = {
    .bg = PAL_PANEL,
    .axis = PAL_AXIS,
    .grid = PAL_GRID,
    .label = PAL_TEXT,
};

/* ------------------------------------------------------------------ */
/* Scratch memory                                                      */
/* ------------------------------------------------------------------ */

pl_scratch pl_scratch_main, pl_scratch_aux;

/* Returns at least `bytes` bytes (contents undefined) or NULL if memory is
 * short; earlier contents are not kept. Alignment is malloc's. */
void *pl_scratch_get(pl_scratch *s, size_t bytes) {
    if (bytes <= s->cap) return s->p;
    size_t cap = s->cap ? s->cap : 4096;
    while (cap < bytes) cap *= 2;
    void *p = malloc(cap);
    if (!p) return NULL;
    free(s->p);
    s->p = p;
    s->cap = cap;
    return p;
}

void plot_release(void) {
    free(pl_scratch_main.p);
    free(pl_scratch_aux.p);
    pl_scratch_main = (pl_scratch){0};
    pl_scratch_aux = (pl_scratch){0};
}

/* Rounds n up to a multiple of 16 so carved sub-arrays stay aligned. */
size_t pl_align16(size_t n) { return (n + 15) & ~(size_t)15; }

/* ------------------------------------------------------------------ */
/* Layout and renderer state                                           */
/* ------------------------------------------------------------------ */

/* The font pl_metrics of the last pl_panel drawn: plot_timeline_hit has no text
 * to measure and must use the layout that is on screen. */
pl_metrics pl_last_metrics = {16, 8};

pl_metrics pl_metrics_of(const text *t) {
    pl_metrics m = {text_height(t), text_width(t, "0")};
    return m;
}

SDL_Rect pl_panel_layout(SDL_Rect area, pl_metrics m) {
    int left = 6 * m.adv + 12; /* y labels up to six characters, tick, gaps */
    int top = m.lh + 10;       /* title row */
    int bottom = m.lh + 9;     /* ticks and x labels */
    int right = m.adv + 8;     /* the last x label is kept inside the area */
    SDL_Rect ax = {area.x + left, area.y + top, area.w - left - right, area.h - top - bottom};
    if (ax.w < 1) ax.w = 1;
    if (ax.h < 1) ax.h = 1;
    return ax;
}

SDL_Rect plot_axes_rect(const text *t, SDL_Rect area) { return pl_panel_layout(area, pl_metrics_of(t)); }

/* Sets the draw colour, blending only when it is translucent: the software
 * renderer's blended fills cost several times its plain ones. */
void pl_set_colour(SDL_Renderer *r, SDL_Color c) {
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
    SDL_SetRenderDrawBlendMode(r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
}

/* c at opacity alpha over the theme's background, as an opaque colour:
 * bars look translucent but fill at the cost of opaque ones. */
SDL_Color pl_over_bg(SDL_Color c, int alpha) {
    SDL_Color b = plot_dark.bg;
    SDL_Color o = {(Uint8)((c.r * alpha + b.r * (255 - alpha)) / 255),
                   (Uint8)((c.g * alpha + b.g * (255 - alpha)) / 255),
                   (Uint8)((c.b * alpha + b.b * (255 - alpha)) / 255), 255};
    return o;
}

/* Clips drawing to rc, within the caller's clip rectangle if it had one. */
void pl_panel_clip(pl_panel *p, SDL_Rect rc) {
    SDL_Rect out = rc;
    if (p->clip_on && !SDL_IntersectRect(&rc, &p->clip, &out)) out = (SDL_Rect){rc.x, rc.y, 0, 0};
    SDL_RenderSetClipRect(p->r, &out);
}

/* Draws s at (x,y) in at most maxw pixels, ending in ".." if it is cut. */
void pl_draw_text_cut(pl_panel *p, int x, int y, SDL_Color c, const char *s, int maxw) {
    if (!p->t || maxw <= 0) return;
    char buf[128];
    size_t fit = p->m.adv > 0 ? (size_t)(maxw / p->m.adv) : 0;
    if (fit >= sizeof buf) fit = sizeof buf - 1;
    snprintf(buf, fit + 1, "%s", s);
    if (fit < strlen(s) && fit >= 4) memcpy(buf + fit - 2, "..", 2);
    text_draw(p->t, x, y, c, buf);
}

/* Saves the renderer's state, draws the background, frame, title and
 * legend, and leaves drawing clipped to the panel. */
void pl_panel_begin(pl_panel *p, SDL_Renderer *r, text *t, SDL_Rect area, const char *title, const plot_series *s,
                    size_t n) {
    p->r = r;
    p->t = t;
    p->area = area;
    p->m = pl_metrics_of(t);
    p->ax = pl_panel_layout(area, p->m);
    pl_last_metrics = p->m;

    SDL_GetRenderDrawColor(r, &p->colour.r, &p->colour.g, &p->colour.b, &p->colour.a);
    SDL_GetRenderDrawBlendMode(r, &p->blend);
    p->clip_on = SDL_RenderIsClipEnabled(r);
    SDL_RenderGetClipRect(r, &p->clip);
    pl_panel_clip(p, area);

    pl_set_colour(r, plot_dark.bg);
    SDL_RenderFillRect(r, &area);
    pl_set_colour(r, plot_dark.grid);
    SDL_RenderDrawRect(r, &area);

    /* Legend, right-aligned in the title row: a swatch and a name per series. */
    int lh = p->m.lh, adv = p->m.adv;
    int x = area.x + area.w - 6;
    int y = area.y + 4;
    int sw = adv > 0 ? 2 * adv : 12;
    for (size_t i = n; i-- > 0;) {
        const char *name = s[i].name ? s[i].name : "?";
        x -= text_width(t, name);
        text_draw(t, x, y, plot_dark.label, name);
        x -= sw + 4;
        SDL_Rect sq = {x, y + lh / 2 - 2, sw, 5};
        pl_set_colour(r, pal_alpha(s[i].colour, 255));
        SDL_RenderFillRect(r, &sq);
        x -= 2 * adv + 4;
    }
    pl_draw_text_cut(p, area.x + 6, y, plot_dark.label, title, x - (area.x + 6));
}

void pl_panel_end(pl_panel *p) {
    SDL_RenderSetClipRect(p->r, p->clip_on ? &p->clip : NULL);
    SDL_SetRenderDrawColor(p->r, p->colour.r, p->colour.g, p->colour.b, p->colour.a);
    SDL_SetRenderDrawBlendMode(p->r, p->blend);
}

/* ------------------------------------------------------------------ */
/* Axes                                                                */
/* ------------------------------------------------------------------ */

/* Pixel row of frac (0 = bottom of the axes, 1 = top). */
int pl_y_of(SDL_Rect ax, double frac) {
    if (frac < 0) frac = 0;
    if (frac > 1) frac = 1;
    return ax.y + ax.h - 1 - (int)lround(frac * (ax.h - 1));
}

/* Pixel column of frac (0 = left edge, 1 = right edge). */
int pl_x_of(SDL_Rect ax, double frac) {
    if (frac < 0) frac = 0;
    if (frac > 1) frac = 1;
    return ax.x + (int)lround(frac * (ax.w - 1));
}

/* Position of a duration on the 1 us .. 100 ms log axis, 0..1 (clamped). */
double pl_dur_frac(double us) {
    if (!(us > 1)) return 0;
    double f = log10(us) / PL_DECADES;
    return f > 1 ? 1 : f;
}

void pl_fmt_dur(char *buf, size_t len, double us) {
    if (us < 9.95)
        snprintf(buf, len, "%.1fus", us);
    else if (us < 999.5)
        snprintf(buf, len, "%.0fus", us);
    else if (us < 9995)
        snprintf(buf, len, "%.2fms", us / 1e3);
    else if (us < 999500)
        snprintf(buf, len, "%.1fms", us / 1e3);
    else
        snprintf(buf, len, "%.2fs", us / 1e6);
}

const char *const pl_decade_label[] = {"1us", "10us", "100us", "1ms", "10ms", "100ms"};

/* A horizontal grid line at frac with its label right-aligned in the left
 * margin. *last_y is the top of the previous label drawn (labels go bottom
 * to top); a label that would overlap it is left out, the grid line is not. */
void pl_y_tick(pl_panel *p, double frac, const char *label, int *last_y) {
    int y = pl_y_of(p->ax, frac);
    pl_set_colour(p->r, plot_dark.grid);
    if (y > p->ax.y && y < p->ax.y + p->ax.h - 1) SDL_RenderDrawLine(p->r, p->ax.x + 1, y, p->ax.x + p->ax.w - 1, y);
    pl_set_colour(p->r, plot_dark.axis);
    SDL_RenderDrawLine(p->r, p->ax.x - 4, y, p->ax.x - 1, y);
    int ty = y - p->m.lh / 2;
    if (ty < p->area.y + 2) ty = p->area.y + 2;
    if (p->t && ty + p->m.lh <= *last_y) {
        text_draw(p->t, p->ax.x - 6 - text_width(p->t, label), ty, plot_dark.label, label);
        *last_y = ty;
    }
}

/* A vertical grid line at pixel column x with its label centred below the
 * axes; *last_end is the right end of the previous label (labels go left
 * to right) and a label that would overlap it is left out. */
void pl_x_tick(pl_panel *p, int x, const char *label, int *last_end) {
    pl_set_colour(p->r, plot_dark.grid);
    if (x > p->ax.x && x < p->ax.x + p->ax.w - 1) SDL_RenderDrawLine(p->r, x, p->ax.y, x, p->ax.y + p->ax.h - 2);
    pl_set_colour(p->r, plot_dark.axis);
    SDL_RenderDrawLine(p->r, x, p->ax.y + p->ax.h, x, p->ax.y + p->ax.h + 3);
    if (!p->t || !label) return;
    int w = text_width(p->t, label);
    int lx = x - w / 2;
    if (lx + w > p->area.x + p->area.w - 3) lx = p->area.x + p->area.w - 3 - w;
    if (lx < p->area.x + 3) lx = p->area.x + 3;
    if (lx < *last_end + p->m.adv) return;
    text_draw(p->t, lx, p->ax.y + p->ax.h + 5, plot_dark.label, label);
    *last_end = lx + w;
}

void pl_draw_axes_lines(pl_panel *p) {
    pl_set_colour(p->r, plot_dark.axis);
    int x0 = p->ax.x - 1, y1 = p->ax.y + p->ax.h;
    SDL_RenderDrawLine(p->r, x0, p->ax.y, x0, y1);
    SDL_RenderDrawLine(p->r, x0, y1, p->ax.x + p->ax.w - 1, y1);
}

void pl_draw_duration_y_axis(pl_panel *p) {
    int last_y = INT32_MAX;
    for (int d = 0; d <= (int)PL_DECADES; d++) pl_y_tick(p, d / PL_DECADES, pl_decade_label[d], &last_y);
}

/* 1, 2 or 5 times a power of ten, nearest to raw (on a log scale). */
double pl_nice_near(double raw) {
    double e = pow(10, floor(log10(raw)));
    double f = raw / e;
    return (f < 1.42 ? 1 : f < 3.17 ? 2 : f < 7.08 ? 5 : 10) * e;
}

/* 1, 2 or 5 times a power of ten, at least raw. */
double pl_nice_step(double raw) {
    double e = pow(10, floor(log10(raw)));
    double f = raw / e;
    return (f <= 1.0001 ? 1 : f <= 2.0001 ? 2 : f <= 5.0001 ? 5 : 10) * e;
}

int pl_decimals_for(double step) {
    int d = (int)ceil(-log10(step) - 1e-9);
    return d < 0 ? 0 : d > 6 ? 6 : d;
}

/* Time ticks over [from, to] seconds with a round step wide enough for the
 * labels. */
void pl_draw_time_x_axis(pl_panel *p, double from, double to) {
    double range = to - from;
    int w = p->ax.w;
    /* Start from about one label per 8 characters and widen the step until
     * the widest label fits in it. */
    double step = pl_nice_step(range * (8.0 * (p->m.adv > 0 ? p->m.adv : 6)) / w);
    char a[48], b[48];
    for (int tries = 0; tries < 8; tries++) {
        int dec = pl_decimals_for(step);
        snprintf(a, sizeof a, "%.*fs", dec, from);
        snprintf(b, sizeof b, "%.*fs", dec, to);
        int lw = text_width(p->t, strlen(a) > strlen(b) ? a : b) + 2 * p->m.adv;
        if (lw <= step / range * w) break;
        step = pl_nice_step(step * 1.01);
    }
    int dec = pl_decimals_for(step);
    int last_end = INT32_MIN / 2;
    int guard = 0; /* the step gives at most w / (8 * adv) ticks; this only stops rounding trouble */
    for (double k = ceil(from / step - 1e-9); k * step <= to + step * 1e-9 && guard < 1000; k++, guard++) {
        double v = k * step;
        snprintf(a, sizeof a, "%.*fs", dec, fabs(v) < step * 1e-6 ? 0.0 : v);
        pl_x_tick(p, pl_x_of(p->ax, (v - from) / range), a, &last_end);
    }
}

/* ------------------------------------------------------------------ */
/* Time ranges                                                         */
/* ------------------------------------------------------------------ */

/* First element at or after t in an array, sorted by time, of structs
 * whose first member is `double t_s` (plot_pause and plot_point both). */
size_t pl_time_lower(const void *base, size_t n, size_t stride, double t) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double tm;
        memcpy(&tm, (const char *)base + mid * stride, sizeof tm);
        if (tm < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}
_Static_assert(offsetof(plot_pause, t_s) == 0 && offsetof(plot_point, t_s) == 0, "pl_time_lower reads t_s first");

size_t pl_pause_lower(const plot_pause *ps, size_t n, double t) { return pl_time_lower(ps, n, sizeof *ps, t); }
size_t pl_point_lower(const plot_point *ps, size_t n, double t) { return pl_time_lower(ps, n, sizeof *ps, t); }

/* The points [*i0, *i1) drawn for [from, to]: one point either side of the
 * range, so a line runs to the panel's edges. */
void pl_visible_range(const plot_point *pts, size_t np, double from, double to, size_t *i0, size_t *i1) {
    *i0 = pl_point_lower(pts, np, from);
    *i1 = pl_point_lower(pts, np, to);
    if (*i0 > 0) --*i0;
    if (*i1 < np) ++*i1;
}

/* A usable time range: empty, reversed or non-finite ranges become one
 * second, and no range is narrower than 1 us (tick steps stay
 * representable next to the times they label). */
void pl_fix_range(double *from, double *to) {
    if (!isfinite(*from)) *from = 0;
    if (!(*to > *from) || !isfinite(*to)) *to = *from + 1;
    if (*to - *from < 1e-6) *to = *from + 1e-6;
}

void plot_time_window(double now_s, double window_s, double *from_s, double *to_s) {
    if (!(now_s > 0) || !isfinite(now_s)) now_s = 1e-3;
    *to_s = now_s;
    *from_s = window_s > 0 && now_s > window_s ? now_s - window_s : 0;
}

double plot_time_at(SDL_Rect area, double from_s, double to_s, int x) {
    SDL_Rect ax = pl_panel_layout(area, pl_last_metrics);
    pl_fix_range(&from_s, &to_s);
    double f = ax.w > 1 ? (double)(x - ax.x) / (ax.w - 1) : 0;
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    return from_s + f * (to_s - from_s);
}

int plot_x_at(SDL_Rect area, double from_s, double to_s, double t) {
    SDL_Rect ax = pl_panel_layout(area, pl_last_metrics);
    pl_fix_range(&from_s, &to_s);
    return pl_x_of(ax, (t - from_s) / (to_s - from_s));
}

bool plot_zoom_select(SDL_Rect area, double from_s, double to_s, int x0, int x1, double *zoom_from_s,
                      double *zoom_to_s) {
    if (abs(x1 - x0) < 4) return false;
    double a = plot_time_at(area, from_s, to_s, x0 < x1 ? x0 : x1);
    double b = plot_time_at(area, from_s, to_s, x0 < x1 ? x1 : x0);
    if (!(b - a >= 1e-6)) return false;
    *zoom_from_s = a;
    *zoom_to_s = b;
    return true;
}

/* Column of x = (t - from) * (w / range) in a timeline of w columns,
 * clamped to the axes. Drawing and hit-testing both go through here, so
 * they agree on every boundary; (int) of a non-negative x is its floor
 * without a libm call (this runs once per visible pause). */
int pl_col_x(double x, int w) {
    if (!(x >= 0)) return 0;
    if (x >= w - 1) return w - 1;
    return (int)x;
}
