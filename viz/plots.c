/*
 * plots.c — the plot panels of plots.h.
 *
 * Every panel has the same layout (panel_layout): a title row with the
 * legend at its right, y tick labels in a left margin six characters wide,
 * x tick labels below, and the axes box in between. Sharing one layout
 * keeps stacked panels' axes aligned and lets plot_timeline_hit find a bar
 * without drawing anything.
 *
 * Reduction before drawing, so the cost follows the panel's width and not
 * the data: the timeline keeps the longest pause per pixel column of each
 * series (the bar a column shows is exactly that maximum, so nothing long is
 * ever hidden), and polylines keep at most the first, lowest, highest and
 * last point of each column (which preserves the line's drawn envelope).
 * Pauses and time series are in time order, so the visible range is found
 * by binary search and only it is visited.
 *
 * Memory: two scratch buffers, grown geometrically to the largest need seen
 * and reused; a panel that cannot get scratch memory draws its frame and
 * axes without data rather than failing.
 */
#include "plots.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

const plot_theme plot_dark = {
    .bg = {22, 27, 38, 255},
    .axis = {132, 142, 160, 255},
    .grid = {46, 54, 70, 255},
    .label = {206, 212, 224, 255},
};

#define DECADES 5.0      /* duration axes: 1 us .. 100 ms */
#define BINS_PER_DECADE 4
#define NBINS ((int)DECADES * BINS_PER_DECADE)
#define HIT_PX 3
#define BODY_ALPHA 150   /* timeline bars' look (premixed, see over_bg); caps are full colour */

/* ------------------------------------------------------------------ */
/* Scratch memory                                                      */
/* ------------------------------------------------------------------ */

typedef struct scratch {
    void *p;
    size_t cap;
} scratch;

static scratch g_main, g_dash;

/* Returns at least `bytes` bytes (contents undefined) or NULL if memory is
 * short; earlier contents are not kept. Alignment is malloc's. */
static void *scratch_get(scratch *s, size_t bytes) {
    if (bytes <= s->cap)
        return s->p;
    size_t cap = s->cap ? s->cap : 4096;
    while (cap < bytes)
        cap *= 2;
    void *p = malloc(cap);
    if (!p)
        return NULL;
    free(s->p);
    s->p = p;
    s->cap = cap;
    return p;
}

void plot_release(void) {
    free(g_main.p);
    free(g_dash.p);
    g_main = (scratch){0};
    g_dash = (scratch){0};
}

/* Rounds n up to a multiple of 16 so carved sub-arrays stay aligned. */
static size_t align16(size_t n) { return (n + 15) & ~(size_t)15; }

/* ------------------------------------------------------------------ */
/* Layout and renderer state                                           */
/* ------------------------------------------------------------------ */

typedef struct metrics {
    int lh, adv; /* line height and character advance; 0 without text */
} metrics;

/* The font metrics of the last panel drawn: plot_timeline_hit has no text
 * to measure and must use the layout that is on screen. */
static metrics g_last = {16, 8};

static metrics metrics_of(const text *t) {
    metrics m = {text_height(t), text_width(t, "0")};
    return m;
}

static SDL_Rect panel_layout(SDL_Rect area, metrics m) {
    int left = 6 * m.adv + 12; /* y labels up to six characters, tick, gaps */
    int top = m.lh + 10;       /* title row */
    int bottom = m.lh + 9;     /* ticks and x labels */
    int right = m.adv + 8;     /* the last x label is kept inside the area */
    SDL_Rect ax = {area.x + left, area.y + top, area.w - left - right, area.h - top - bottom};
    if (ax.w < 1)
        ax.w = 1;
    if (ax.h < 1)
        ax.h = 1;
    return ax;
}

SDL_Rect plot_axes_rect(const text *t, SDL_Rect area) { return panel_layout(area, metrics_of(t)); }

typedef struct panel {
    SDL_Renderer *r;
    text *t;
    SDL_Rect area, ax;
    metrics m;
    /* the caller's renderer state, put back by panel_end */
    SDL_Color colour;
    SDL_BlendMode blend;
    bool clip_on;
    SDL_Rect clip;
} panel;

/* Sets the draw colour, blending only when it is translucent: the software
 * renderer's blended fills cost several times its plain ones. */
static void set_colour(SDL_Renderer *r, SDL_Color c) {
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
    SDL_SetRenderDrawBlendMode(r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
}

static SDL_Color with_alpha(SDL_Color c, Uint8 a) {
    c.a = a;
    return c;
}

/* c at opacity alpha over the theme's background, as an opaque colour:
 * bars look translucent but fill at the cost of opaque ones. */
static SDL_Color over_bg(SDL_Color c, int alpha) {
    SDL_Color b = plot_dark.bg;
    SDL_Color o = {(Uint8)((c.r * alpha + b.r * (255 - alpha)) / 255),
                   (Uint8)((c.g * alpha + b.g * (255 - alpha)) / 255),
                   (Uint8)((c.b * alpha + b.b * (255 - alpha)) / 255), 255};
    return o;
}

/* Clips drawing to rc, within the caller's clip rectangle if it had one. */
static void panel_clip(panel *p, SDL_Rect rc) {
    SDL_Rect out = rc;
    if (p->clip_on && !SDL_IntersectRect(&rc, &p->clip, &out))
        out = (SDL_Rect){rc.x, rc.y, 0, 0};
    SDL_RenderSetClipRect(p->r, &out);
}

/* Draws s at (x,y) in at most maxw pixels, ending in ".." if it is cut. */
static void draw_text_cut(panel *p, int x, int y, SDL_Color c, const char *s, int maxw) {
    if (!p->t || maxw <= 0)
        return;
    char buf[128];
    size_t fit = p->m.adv > 0 ? (size_t)(maxw / p->m.adv) : 0;
    if (fit >= sizeof buf)
        fit = sizeof buf - 1;
    snprintf(buf, fit + 1, "%s", s);
    if (fit < strlen(s) && fit >= 4)
        memcpy(buf + fit - 2, "..", 2);
    text_draw(p->t, x, y, c, buf);
}

/* Saves the renderer's state, draws the background, frame, title and
 * legend, and leaves drawing clipped to the panel. */
static void panel_begin(panel *p, SDL_Renderer *r, text *t, SDL_Rect area, const char *title, const plot_series *s,
                        size_t n) {
    p->r = r;
    p->t = t;
    p->area = area;
    p->m = metrics_of(t);
    p->ax = panel_layout(area, p->m);
    g_last = p->m;

    SDL_GetRenderDrawColor(r, &p->colour.r, &p->colour.g, &p->colour.b, &p->colour.a);
    SDL_GetRenderDrawBlendMode(r, &p->blend);
    p->clip_on = SDL_RenderIsClipEnabled(r);
    SDL_RenderGetClipRect(r, &p->clip);
    panel_clip(p, area);

    set_colour(r, plot_dark.bg);
    SDL_RenderFillRect(r, &area);
    set_colour(r, plot_dark.grid);
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
        set_colour(r, with_alpha(s[i].colour, 255));
        SDL_RenderFillRect(r, &sq);
        x -= 2 * adv + 4;
    }
    draw_text_cut(p, area.x + 6, y, plot_dark.label, title, x - (area.x + 6));
}

static void panel_end(panel *p) {
    SDL_RenderSetClipRect(p->r, p->clip_on ? &p->clip : NULL);
    SDL_SetRenderDrawColor(p->r, p->colour.r, p->colour.g, p->colour.b, p->colour.a);
    SDL_SetRenderDrawBlendMode(p->r, p->blend);
}

/* ------------------------------------------------------------------ */
/* Axes                                                                */
/* ------------------------------------------------------------------ */

/* Pixel row of frac (0 = bottom of the axes, 1 = top). */
static int y_of(SDL_Rect ax, double frac) {
    if (frac < 0)
        frac = 0;
    if (frac > 1)
        frac = 1;
    return ax.y + ax.h - 1 - (int)lround(frac * (ax.h - 1));
}

/* Pixel column of frac (0 = left edge, 1 = right edge). */
static int x_of(SDL_Rect ax, double frac) {
    if (frac < 0)
        frac = 0;
    if (frac > 1)
        frac = 1;
    return ax.x + (int)lround(frac * (ax.w - 1));
}

/* Position of a duration on the 1 us .. 100 ms log axis, 0..1 (clamped). */
static double dur_frac(double us) {
    if (!(us > 1))
        return 0;
    double f = log10(us) / DECADES;
    return f > 1 ? 1 : f;
}

static void fmt_dur(char *buf, size_t len, double us) {
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

static const char *const decade_label[] = {"1us", "10us", "100us", "1ms", "10ms", "100ms"};

/* A horizontal grid line at frac with its label right-aligned in the left
 * margin. *last_y is the top of the previous label drawn (labels go bottom
 * to top); a label that would overlap it is left out, the grid line is not. */
static void y_tick(panel *p, double frac, const char *label, int *last_y) {
    int y = y_of(p->ax, frac);
    set_colour(p->r, plot_dark.grid);
    if (y > p->ax.y && y < p->ax.y + p->ax.h - 1)
        SDL_RenderDrawLine(p->r, p->ax.x + 1, y, p->ax.x + p->ax.w - 1, y);
    set_colour(p->r, plot_dark.axis);
    SDL_RenderDrawLine(p->r, p->ax.x - 4, y, p->ax.x - 1, y);
    int ty = y - p->m.lh / 2;
    if (ty < p->area.y + 2)
        ty = p->area.y + 2;
    if (p->t && ty + p->m.lh <= *last_y) {
        text_draw(p->t, p->ax.x - 6 - text_width(p->t, label), ty, plot_dark.label, label);
        *last_y = ty;
    }
}

/* A vertical grid line at pixel column x with its label centred below the
 * axes; *last_end is the right end of the previous label (labels go left
 * to right) and a label that would overlap it is left out. */
static void x_tick(panel *p, int x, const char *label, int *last_end) {
    set_colour(p->r, plot_dark.grid);
    if (x > p->ax.x && x < p->ax.x + p->ax.w - 1)
        SDL_RenderDrawLine(p->r, x, p->ax.y, x, p->ax.y + p->ax.h - 2);
    set_colour(p->r, plot_dark.axis);
    SDL_RenderDrawLine(p->r, x, p->ax.y + p->ax.h, x, p->ax.y + p->ax.h + 3);
    if (!p->t || !label)
        return;
    int w = text_width(p->t, label);
    int lx = x - w / 2;
    if (lx + w > p->area.x + p->area.w - 3)
        lx = p->area.x + p->area.w - 3 - w;
    if (lx < p->area.x + 3)
        lx = p->area.x + 3;
    if (lx < *last_end + p->m.adv)
        return;
    text_draw(p->t, lx, p->ax.y + p->ax.h + 5, plot_dark.label, label);
    *last_end = lx + w;
}

static void draw_axes_lines(panel *p) {
    set_colour(p->r, plot_dark.axis);
    int x0 = p->ax.x - 1, y1 = p->ax.y + p->ax.h;
    SDL_RenderDrawLine(p->r, x0, p->ax.y, x0, y1);
    SDL_RenderDrawLine(p->r, x0, y1, p->ax.x + p->ax.w - 1, y1);
}

static void draw_duration_y_axis(panel *p) {
    int last_y = INT32_MAX;
    for (int d = 0; d <= (int)DECADES; d++)
        y_tick(p, d / DECADES, decade_label[d], &last_y);
}

/* 1, 2 or 5 times a power of ten, nearest to raw (on a log scale). */
static double nice_near(double raw) {
    double e = pow(10, floor(log10(raw)));
    double f = raw / e;
    return (f < 1.42 ? 1 : f < 3.17 ? 2 : f < 7.08 ? 5 : 10) * e;
}

/* 1, 2 or 5 times a power of ten, at least raw. */
static double nice_step(double raw) {
    double e = pow(10, floor(log10(raw)));
    double f = raw / e;
    return (f <= 1.0001 ? 1 : f <= 2.0001 ? 2 : f <= 5.0001 ? 5 : 10) * e;
}

static int decimals_for(double step) {
    int d = (int)ceil(-log10(step) - 1e-9);
    return d < 0 ? 0 : d > 6 ? 6 : d;
}

/* Time ticks over [from, to] seconds with a round step wide enough for the
 * labels. */
static void draw_time_x_axis(panel *p, double from, double to) {
    double range = to - from;
    int w = p->ax.w;
    /* Start from about one label per 8 characters and widen the step until
     * the widest label fits in it. */
    double step = nice_step(range * (8.0 * (p->m.adv > 0 ? p->m.adv : 6)) / w);
    char a[48], b[48];
    for (int tries = 0; tries < 8; tries++) {
        int dec = decimals_for(step);
        snprintf(a, sizeof a, "%.*fs", dec, from);
        snprintf(b, sizeof b, "%.*fs", dec, to);
        int lw = text_width(p->t, strlen(a) > strlen(b) ? a : b) + 2 * p->m.adv;
        if (lw <= step / range * w)
            break;
        step = nice_step(step * 1.01);
    }
    int dec = decimals_for(step);
    int last_end = INT32_MIN / 2;
    int guard = 0; /* the step gives at most w / (8 * adv) ticks; this only stops rounding trouble */
    for (double k = ceil(from / step - 1e-9); k * step <= to + step * 1e-9 && guard < 1000; k++, guard++) {
        double v = k * step;
        snprintf(a, sizeof a, "%.*fs", dec, fabs(v) < step * 1e-6 ? 0.0 : v);
        x_tick(p, x_of(p->ax, (v - from) / range), a, &last_end);
    }
}

/* ------------------------------------------------------------------ */
/* Time ranges                                                         */
/* ------------------------------------------------------------------ */

/* First element at or after t in an array, sorted by time, of structs
 * whose first member is `double t_s` (plot_pause and plot_point both). */
static size_t time_lower(const void *base, size_t n, size_t stride, double t) {
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
_Static_assert(offsetof(plot_pause, t_s) == 0 && offsetof(plot_point, t_s) == 0, "time_lower reads t_s first");

static size_t pause_lower(const plot_pause *ps, size_t n, double t) { return time_lower(ps, n, sizeof *ps, t); }
static size_t point_lower(const plot_point *ps, size_t n, double t) { return time_lower(ps, n, sizeof *ps, t); }

/* The points [*i0, *i1) drawn for [from, to]: one point either side of the
 * range, so a line runs to the panel's edges. */
static void visible_range(const plot_point *pts, size_t np, double from, double to, size_t *i0, size_t *i1) {
    *i0 = point_lower(pts, np, from);
    *i1 = point_lower(pts, np, to);
    if (*i0 > 0) --*i0;
    if (*i1 < np) ++*i1;
}

/* A usable time range: empty, reversed or non-finite ranges become one
 * second, and no range is narrower than 1 us (tick steps stay
 * representable next to the times they label). */
static void fix_range(double *from, double *to) {
    if (!isfinite(*from))
        *from = 0;
    if (!(*to > *from) || !isfinite(*to))
        *to = *from + 1;
    if (*to - *from < 1e-6)
        *to = *from + 1e-6;
}

/* Column of x = (t - from) * (w / range) in a timeline of w columns,
 * clamped to the axes. Drawing and hit-testing both go through here, so
 * they agree on every boundary; (int) of a non-negative x is its floor
 * without a libm call (this runs once per visible pause). */
static int col_x(double x, int w) {
    if (!(x >= 0))
        return 0;
    if (x >= w - 1)
        return w - 1;
    return (int)x;
}

/* ------------------------------------------------------------------ */
/* Pause timeline                                                      */
/* ------------------------------------------------------------------ */

/* The visible pauses of one series, as the longest duration per column
 * (negative where there is none). Pauses are time-ordered and do not
 * overlap, so only the one pause starting before `from` can reach into the
 * range. */
static void column_max(const plot_series *s, double from, double to, int w, double *colmax) {
    for (int c = 0; c < w; c++)
        colmax[c] = -1;
    if (!s->pauses || !s->npauses)
        return;
    double scale = w / (to - from);
    size_t i = pause_lower(s->pauses, s->npauses, from);
    if (i > 0)
        i--;
    for (; i < s->npauses && s->pauses[i].t_s <= to; i++) {
        const plot_pause *pp = &s->pauses[i];
        double dur = pp->dur_us > 0 ? pp->dur_us : 0;
        double x = (pp->t_s - from) * scale, xe = x + dur * 1e-6 * scale;
        if (xe < 0)
            continue;
        int c0 = col_x(x, w), c1 = col_x(xe, w);
        for (int c = c0; c <= c1; c++)
            if (dur > colmax[c])
                colmax[c] = dur;
    }
}

/* Turns bar heights hpx[0..w) (pixels above `bottom`, 0 = no bar) into at
 * most w disjoint rectangles covering exactly the same pixels, and returns
 * how many. A column's bar is split into the slabs it shares with its
 * neighbours (the Cartesian-tree decomposition, with a monotonic stack), so
 * a dense timeline is filled by wide rectangles instead of a thousand
 * one-pixel-wide ones: the software renderer fills wide rows far faster.
 * stack_x and stack_h hold w entries each. */
static size_t skyline(const int *hpx, int w, int x0, int bottom, int *stack_x, int *stack_h, SDL_Rect *out) {
    size_t nr = 0;
    int top = 0; /* stack depth; heights on the stack strictly increase */
    for (int c = 0; c <= w; c++) {
        int h = c < w ? hpx[c] : 0;
        int start = c;
        while (top > 0 && stack_h[top - 1] > h) {
            top--;
            int below = top > 0 && stack_h[top - 1] > h ? stack_h[top - 1] : h;
            out[nr++] = (SDL_Rect){x0 + stack_x[top], bottom - stack_h[top] + 1, c - stack_x[top],
                                   stack_h[top] - below};
            start = stack_x[top];
        }
        if (h > (top > 0 ? stack_h[top - 1] : 0)) {
            stack_x[top] = start;
            stack_h[top] = h;
            top++;
        }
    }
    return nr;
}

void plot_pause_timeline(SDL_Renderer *r, text *t, SDL_Rect area, const plot_series *s, size_t n,
                         double t_from_s, double t_to_s) {
    panel p;
    panel_begin(&p, r, t, area, "Pause timeline (log duration)", s, n);
    fix_range(&t_from_s, &t_to_s);
    draw_duration_y_axis(&p);
    draw_time_x_axis(&p, t_from_s, t_to_s);

    /* Scratch: per-column maxima and bar heights, the skyline's stack and
     * body rectangles for one series, and the cap rectangles of every
     * series (caps are drawn after all bodies, so a shorter series' top
     * stays visible in front of a longer bar of the other). */
    int w = p.ax.w;
    size_t per = (size_t)w;
    size_t off_hpx = align16(per * sizeof(double));
    size_t off_sx = off_hpx + align16(per * sizeof(int));
    size_t off_sh = off_sx + align16(per * sizeof(int));
    size_t off_body = off_sh + align16(per * sizeof(int));
    size_t off_ncap = off_body + align16(per * sizeof(SDL_Rect));
    size_t off_caps = off_ncap + align16(n * sizeof(size_t));
    unsigned char *mem = n ? scratch_get(&g_main, off_caps + n * per * sizeof(SDL_Rect)) : NULL;
    if (mem) {
        double *colmax = (double *)mem;
        int *hpx = (int *)(mem + off_hpx);
        int *stack_x = (int *)(mem + off_sx), *stack_h = (int *)(mem + off_sh);
        SDL_Rect *body = (SDL_Rect *)(mem + off_body);
        size_t *ncap = (size_t *)(mem + off_ncap);
        SDL_Rect *caps = (SDL_Rect *)(mem + off_caps);
        int bottom = p.ax.y + p.ax.h - 1;
        panel_clip(&p, p.ax);
        for (size_t k = 0; k < n; k++) {
            column_max(&s[k], t_from_s, t_to_s, w, colmax);
            SDL_Rect *cap = caps + k * per;
            size_t nc = 0;
            int prev_top = -1;
            for (int c = 0; c < w; c++) {
                if (colmax[c] < 0) {
                    hpx[c] = 0;
                    prev_top = -1;
                    continue;
                }
                int top = y_of(p.ax, dur_frac(colmax[c]));
                if (top > bottom - 1)
                    top = bottom - 1; /* even a 1 us pause shows a 2-pixel cap */
                hpx[c] = bottom - top + 1;
                if (top == prev_top) /* one cap for a run of equal bars */
                    cap[nc - 1].w++;
                else
                    cap[nc++] = (SDL_Rect){p.ax.x + c, top, 1, 2};
                prev_top = top;
            }
            ncap[k] = nc;
            size_t nb = skyline(hpx, w, p.ax.x, bottom, stack_x, stack_h, body);
            set_colour(r, over_bg(s[k].colour, BODY_ALPHA));
            SDL_RenderFillRects(r, body, (int)nb);
        }
        for (size_t k = 0; k < n; k++) {
            set_colour(r, with_alpha(s[k].colour, 255));
            SDL_RenderFillRects(r, caps + k * per, (int)ncap[k]);
        }
        panel_clip(&p, area);
    }
    draw_axes_lines(&p);
    panel_end(&p);
}

bool plot_timeline_hit(SDL_Rect area, const plot_series *s, size_t n, double t_from_s, double t_to_s, int mx,
                       int my, size_t *series, size_t *pause) {
    SDL_Rect ax = panel_layout(area, g_last);
    fix_range(&t_from_s, &t_to_s);
    if (mx < ax.x - HIT_PX || mx >= ax.x + ax.w + HIT_PX || my < ax.y - HIT_PX || my >= ax.y + ax.h + HIT_PX)
        return false;
    int w = ax.w, mc = mx - ax.x, bottom = ax.y + ax.h - 1;
    double range = t_to_s - t_from_s, scale = w / range;
    /* Times of the columns within reach; a pause can only be hit if it
     * overlaps them, and only the pause before the first can start earlier. */
    double lo = t_from_s + (double)(mc - HIT_PX) / w * range;
    double hi = t_from_s + (double)(mc + HIT_PX + 1) / w * range;
    bool found = false;
    int best_dx = 0;
    double best_dur = 0;
    for (size_t k = 0; k < n; k++) {
        const plot_pause *ps = s[k].pauses;
        if (!ps)
            continue;
        size_t i = pause_lower(ps, s[k].npauses, lo);
        if (i > 0)
            i--;
        for (; i < s[k].npauses && ps[i].t_s < hi && ps[i].t_s <= t_to_s; i++) {
            double dur = ps[i].dur_us > 0 ? ps[i].dur_us : 0;
            double x = (ps[i].t_s - t_from_s) * scale, xe = x + dur * 1e-6 * scale; /* as column_max */
            if (xe < 0)
                continue;
            int c0 = col_x(x, w), c1 = col_x(xe, w);
            int dx = mc < c0 ? c0 - mc : mc > c1 ? mc - c1 : 0;
            if (dx > HIT_PX)
                continue;
            int top = y_of(ax, dur_frac(dur));
            if (top > bottom - 1)
                top = bottom - 1;
            if (my < top - HIT_PX || my > bottom + HIT_PX)
                continue;
            if (!found || dx < best_dx || (dx == best_dx && dur > best_dur)) {
                found = true;
                best_dx = dx;
                best_dur = dur;
                if (series)
                    *series = k;
                if (pause)
                    *pause = i;
            }
        }
    }
    return found;
}

/* ------------------------------------------------------------------ */
/* Pause histogram                                                     */
/* ------------------------------------------------------------------ */

static int bin_of(double us) {
    if (!(us > 1))
        return 0;
    int b = (int)floor(log10(us) * BINS_PER_DECADE);
    return b < 0 ? 0 : b >= NBINS ? NBINS - 1 : b;
}

/* Count axis: log, from 0.1 (the bottom, so a single pause still has a
 * visible bar) to `top`, a power of ten. */
static double count_frac(double count, double top) {
    if (count <= 0)
        return -1;
    return (log10(count) + 1) / (log10(top) + 1);
}

static void fmt_count(char *buf, size_t len, double v) {
    if (v >= 1e6)
        snprintf(buf, len, "%.0fM", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, len, "%.0fk", v / 1e3);
    else
        snprintf(buf, len, "%.0f", v);
}

/* Tints c halfway to white, for marker lines drawn over c's own bars. */
static SDL_Color lighter(SDL_Color c) {
    SDL_Color o = {(Uint8)((c.r + 255) / 2), (Uint8)((c.g + 255) / 2), (Uint8)((c.b + 255) / 2), 255};
    return o;
}

void plot_pause_histogram(SDL_Renderer *r, text *t, SDL_Rect area, const plot_series *s, size_t n) {
    panel p;
    panel_begin(&p, r, t, area, "Pause histogram (log-log)", s, n);

    size_t need = align16(n * NBINS * sizeof(size_t)) + align16(NBINS * sizeof(SDL_Rect));
    unsigned char *mem = n ? scratch_get(&g_main, need) : NULL;
    size_t *counts = (size_t *)mem;
    size_t maxc = 1;
    if (mem) {
        memset(counts, 0, n * NBINS * sizeof(size_t));
        for (size_t k = 0; k < n; k++)
            for (size_t i = 0; s[k].pauses && i < s[k].npauses; i++) {
                size_t c = ++counts[k * NBINS + (size_t)bin_of(s[k].pauses[i].dur_us)];
                if (c > maxc)
                    maxc = c;
            }
    }
    double top = 10;
    while (top < (double)maxc)
        top *= 10;

    /* Count axis ticks at powers of ten. */
    int last_y = INT32_MAX;
    char buf[48];
    for (double v = 1; v <= top * 1.0001; v *= 10) {
        fmt_count(buf, sizeof buf, v);
        y_tick(&p, count_frac(v, top), buf, &last_y);
    }
    int last_end = INT32_MIN / 2;
    for (int d = 0; d <= (int)DECADES; d++)
        x_tick(&p, x_of(p.ax, d / DECADES), decade_label[d], &last_end);

    panel_clip(&p, p.ax);
    if (mem) {
        SDL_Rect *rects = (SDL_Rect *)(mem + align16(n * NBINS * sizeof(size_t)));
        int bottom = p.ax.y + p.ax.h - 1;
        for (size_t k = 0; k < n; k++) {
            int nr = 0;
            for (int b = 0; b < NBINS; b++) {
                size_t c = counts[k * NBINS + (size_t)b];
                if (!c)
                    continue;
                /* The bin's columns, a 1-pixel gap each side, split
                 * evenly among the series. */
                int x0 = x_of(p.ax, (double)b / NBINS) + 1, x1 = x_of(p.ax, (double)(b + 1) / NBINS) - 1;
                int sw = (x1 - x0) / (int)n;
                if (sw < 1)
                    sw = 1;
                int top_y = y_of(p.ax, count_frac((double)c, top));
                rects[nr++] = (SDL_Rect){x0 + (int)k * sw, top_y, sw > 2 ? sw - 1 : sw, bottom - top_y + 1};
            }
            set_colour(r, over_bg(s[k].colour, 200));
            SDL_RenderFillRects(r, rects, nr);
        }
    }

    /* Markers: a dashed line per statistic in a lighter tint of the
     * series' colour (its own bars are that colour), all lines first so no
     * line crosses a label. */
    static const char *const stat_name[] = {"p50", "p99", "max"};
    for (size_t k = 0; k < n; k++) {
        double v[3] = {s[k].p50_us, s[k].p99_us, s[k].max_us};
        set_colour(r, lighter(s[k].colour));
        for (int j = 0; j < 3; j++) {
            if (!(v[j] > 0))
                continue;
            int x = x_of(p.ax, dur_frac(v[j])), yend = p.ax.y + p.ax.h - 1;
            for (int y = p.ax.y; y < yend; y += 6)
                SDL_RenderDrawLine(r, x, y, x, y + 3 < yend ? y + 3 : yend);
        }
    }
    /* Labels "p99 8.70ms" along the top of the axes: each goes right of its
     * line in the first row from the top where it fits inside the axes and
     * overlaps no label placed before, else left of it likewise; if no row has room it is left out
     * (the line stays). */
    SDL_Rect *placed = t && n ? scratch_get(&g_dash, 3 * n * sizeof(SDL_Rect)) : NULL;
    size_t nplaced = 0;
    int rows = p.m.lh > 0 ? (p.ax.h - 4) / p.m.lh : 0;
    for (size_t k = 0; k < n && placed; k++) {
        double v[3] = {s[k].p50_us, s[k].p99_us, s[k].max_us};
        for (int j = 0; j < 3; j++) {
            if (!(v[j] > 0))
                continue;
            int x = x_of(p.ax, dur_frac(v[j]));
            char dur[24];
            fmt_dur(dur, sizeof dur, v[j]);
            snprintf(buf, sizeof buf, "%s %s", stat_name[j], dur);
            int w = text_width(t, buf);
            bool done = false;
            int cand[2] = {x + 3, x - 3 - w};
            for (int c = 0; c < 2 && !done; c++) {
                for (int row = 0; row < rows && !done; row++) {
                    SDL_Rect box = {cand[c] - 2, p.ax.y + 2 + row * p.m.lh, w + 4, p.m.lh};
                    if (box.x < p.ax.x + 1 || box.x + box.w > p.ax.x + p.ax.w - 1)
                        continue;
                    bool clash = false;
                    for (size_t q = 0; q < nplaced && !clash; q++)
                        clash = SDL_HasIntersection(&box, &placed[q]);
                    if (clash)
                        continue;
                    placed[nplaced++] = box;
                    set_colour(r, with_alpha(plot_dark.bg, 220));
                    SDL_RenderFillRect(r, &box);
                    text_draw(t, cand[c], box.y, lighter(s[k].colour), buf);
                    done = true;
                }
            }
        }
    }
    panel_clip(&p, area);
    draw_axes_lines(&p);
    panel_end(&p);
}

/* ------------------------------------------------------------------ */
/* Lines                                                               */
/* ------------------------------------------------------------------ */

/* Draws pts as a 2-pixel-thick polyline (the line and a copy one pixel
 * lower), in one call per copy. */
static void thick_lines(SDL_Renderer *r, SDL_Point *pts, size_t np) {
    if (np < 2)
        return;
    SDL_RenderDrawLines(r, pts, (int)np);
    for (size_t i = 0; i < np; i++)
        pts[i].y++;
    SDL_RenderDrawLines(r, pts, (int)np);
    for (size_t i = 0; i < np; i++)
        pts[i].y--;
}

/* Draws the polyline pts dashed (5 pixels on, 4 off, 2 pixels thick) as
 * one batch of points. */
static void dashed_lines(SDL_Renderer *r, const SDL_Point *pts, size_t np) {
    if (np < 2)
        return;
    size_t len = 0;
    for (size_t i = 1; i < np; i++) {
        int dx = abs(pts[i].x - pts[i - 1].x), dy = abs(pts[i].y - pts[i - 1].y);
        len += (size_t)(dx > dy ? dx : dy);
    }
    SDL_Point *out = scratch_get(&g_dash, 2 * (len + 9) * sizeof(SDL_Point)); /* 2 per "on" step */
    if (!out)
        return;
    size_t no = 0, phase = 0;
    for (size_t i = 1; i < np; i++) {
        int dx = pts[i].x - pts[i - 1].x, dy = pts[i].y - pts[i - 1].y;
        int steps = abs(dx) > abs(dy) ? abs(dx) : abs(dy);
        for (int k = 0; k < steps; k++, phase++) {
            if (phase % 9 >= 5)
                continue;
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
    int col;           /* column of the open group, INT32_MIN if none */
    SDL_Point g[4];    /* first, lowest on screen (min y), highest (max y), last */
    unsigned seq[4];   /* arrival order of g[i] */
    unsigned next;
} decimator;

static void decim_flush(decimator *d) {
    if (d->col == INT32_MIN)
        return;
    int order[4] = {0, 1, 2, 3};
    for (int a = 1; a < 4; a++) /* insertion sort by arrival */
        for (int b = a; b > 0 && d->seq[order[b]] < d->seq[order[b - 1]]; b--) {
            int tmp = order[b];
            order[b] = order[b - 1];
            order[b - 1] = tmp;
        }
    for (int a = 0; a < 4; a++)
        if (a == 0 || d->seq[order[a]] != d->seq[order[a - 1]])
            d->out[d->n++] = d->g[order[a]];
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
 * right edges (so no coordinate is ever far outside the panel) and reduces
 * it per column. out must hold 4 * (ax.w + 2) points; returns how many
 * were written. */
static size_t build_line(const plot_point *pts, size_t np, double from, double to, double vlo, double vhi,
                         SDL_Rect ax, SDL_Point *out) {
    if (!pts || !np)
        return 0;
    size_t i0, i1;
    visible_range(pts, np, from, to, &i0, &i1);
    double range = to - from, vr = vhi > vlo ? vhi - vlo : 1;
    double xl = ax.x, xr = ax.x + ax.w - 1;
    decimator d = {.out = out, .col = INT32_MIN};
    bool started = false;
    double px = 0, py = 0;
    for (size_t i = i0; i < i1; i++) {
        double x = xl + (pts[i].t_s - from) / range * (ax.w - 1);
        double v = (pts[i].v - vlo) / vr;
        if (!isfinite(v))
            v = 0;
        double y = ax.y + ax.h - 1 - (v < 0 ? 0 : v > 1 ? 1 : v) * (ax.h - 1);
        if (i1 - i0 == 1 && x >= xl && x <= xr)
            decim_add(&d, x, y); /* a lone point */
        if (i > i0 && !(px < xl && x < xl) && !(px > xr && x > xr)) {
            /* Segment (px,py)-(x,y) reaches the axes (px <= x: time order). */
            double ax0 = px, ay0 = py, bx = x, by = y;
            if (ax0 < xl) {
                ay0 = py + (xl - px) / (x - px) * (y - py);
                ax0 = xl;
            }
            if (bx > xr) {
                by = py + (xr - px) / (x - px) * (y - py);
                bx = xr;
            }
            if (!started)
                decim_add(&d, ax0, ay0);
            started = true;
            decim_add(&d, bx, by);
            if (x > xr)
                break;
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

void plot_mmu_curve(SDL_Renderer *r, text *t, SDL_Rect area, const plot_series *s, size_t n,
                    const double *windows_ms, size_t nwindows) {
    panel p;
    panel_begin(&p, r, t, area, "Minimum mutator utilisation (MMU)", s, n);

    int last_y = INT32_MAX;
    char buf[32];
    for (int i = 0; i <= 5; i++) {
        snprintf(buf, sizeof buf, "%.1f", i / 5.0);
        y_tick(&p, i / 5.0, buf, &last_y);
    }
    /* x: log10(ms) over 0..2. */
    static const double xt[] = {1, 2, 5, 10, 20, 50, 100};
    static const char *const xl[] = {"1ms", "2ms", "5ms", "10ms", "20ms", "50ms", "100ms"};
    int last_end = INT32_MIN / 2;
    for (size_t i = 0; i < sizeof xt / sizeof xt[0]; i++)
        x_tick(&p, x_of(p.ax, log10(xt[i]) / 2), xl[i], &last_end);

    SDL_Point *pts = nwindows ? scratch_get(&g_main, nwindows * sizeof(SDL_Point)) : NULL;
    SDL_Rect *dots = nwindows ? scratch_get(&g_dash, nwindows * sizeof(SDL_Rect)) : NULL;
    panel_clip(&p, p.ax);
    for (size_t k = 0; k < n && pts && dots; k++) {
        size_t m = s[k].nmmu < nwindows ? s[k].nmmu : nwindows, np = 0;
        for (size_t i = 0; s[k].mmu && i < m; i++) {
            double w = windows_ms[i];
            if (!(w > 0) || !isfinite(s[k].mmu[i]))
                continue;
            double lx = log10(w) / 2;
            /* Off-axis windows would be clamped onto the edge and distort
             * the curve: leave them out. */
            if (lx < -1e-9 || lx > 1 + 1e-9)
                continue;
            pts[np++] = (SDL_Point){x_of(p.ax, lx), y_of(p.ax, s[k].mmu[i])};
        }
        set_colour(r, with_alpha(s[k].colour, 255));
        thick_lines(r, pts, np);
        /* Dots at the evaluated windows while they are far enough apart to
         * tell from the line. */
        bool sparse = true;
        for (size_t i = 1; i < np && sparse; i++)
            sparse = pts[i].x - pts[i - 1].x >= 8;
        if (sparse) {
            for (size_t i = 0; i < np; i++)
                dots[i] = (SDL_Rect){pts[i].x - 2, pts[i].y - 1, 5, 5};
            SDL_RenderFillRects(r, dots, (int)np);
        }
    }
    panel_clip(&p, area);
    draw_axes_lines(&p);
    panel_end(&p);
}

/* ------------------------------------------------------------------ */
/* GC share and heap over time                                         */
/* ------------------------------------------------------------------ */

/* Largest value of pts shown in [from, to] (including one point either
 * side, as build_line draws them). */
static double visible_max(const plot_point *pts, size_t np, double from, double to) {
    if (!pts || !np)
        return 0;
    size_t i0, i1;
    visible_range(pts, np, from, to, &i0, &i1);
    double m = 0;
    for (size_t i = i0; i < i1; i++)
        if (pts[i].v > m && isfinite(pts[i].v))
            m = pts[i].v;
    return m;
}

void plot_time_series(SDL_Renderer *r, text *t, SDL_Rect area, const plot_series *s, size_t n, int which,
                      double t_from_s, double t_to_s) {
    bool heap = which == PLOT_HEAP;
    panel p;
    panel_begin(&p, r, t, area,
                heap ? "Heap MiB (solid: heap, dashed: trigger)" : "GC CPU share", s, n);
    fix_range(&t_from_s, &t_to_s);

    double vmax = 1;
    char buf[48];
    int last_y = INT32_MAX;
    if (heap) {
        double m = 0;
        for (size_t k = 0; k < n; k++) {
            double a = visible_max(s[k].heap_mib, s[k].nheap, t_from_s, t_to_s);
            double b = visible_max(s[k].trigger_mib, s[k].ntrigger, t_from_s, t_to_s);
            if (a > m)
                m = a;
            if (b > m)
                m = b;
        }
        if (!(m > 0))
            m = 1;
        /* About one round step per two lines of text, and a top that is a
         * whole number of steps (y_tick leaves out labels that would
         * collide if rounding made the steps too dense). */
        int steps = p.ax.h / (p.m.lh > 0 ? 2 * p.m.lh : 24);
        if (steps < 2)
            steps = 2;
        if (steps > 8)
            steps = 8;
        double step = nice_near(m / steps);
        vmax = ceil(m / step - 1e-9) * step;
        int dec = decimals_for(step);
        for (double v = 0; v <= vmax + step * 1e-6; v += step) {
            snprintf(buf, sizeof buf, "%.*f", dec, v);
            y_tick(&p, v / vmax, buf, &last_y);
        }
    } else {
        for (int i = 0; i <= 4; i++) {
            snprintf(buf, sizeof buf, "%d%%", i * 25);
            y_tick(&p, i / 4.0, buf, &last_y);
        }
    }
    draw_time_x_axis(&p, t_from_s, t_to_s);

    SDL_Point *pts = n ? scratch_get(&g_main, 4 * ((size_t)p.ax.w + 2) * sizeof(SDL_Point)) : NULL;
    panel_clip(&p, (SDL_Rect){p.ax.x, p.ax.y, p.ax.w, p.ax.h + 1}); /* +1: the thick line's lower copy at 0 */
    for (size_t k = 0; k < n && pts; k++) {
        set_colour(r, with_alpha(s[k].colour, 255));
        if (heap) {
            size_t np = build_line(s[k].trigger_mib, s[k].ntrigger, t_from_s, t_to_s, 0, vmax, p.ax, pts);
            dashed_lines(r, pts, np);
            np = build_line(s[k].heap_mib, s[k].nheap, t_from_s, t_to_s, 0, vmax, p.ax, pts);
            thick_lines(r, pts, np);
        } else {
            size_t np = build_line(s[k].gc_share, s[k].ngc_share, t_from_s, t_to_s, 0, 1, p.ax, pts);
            thick_lines(r, pts, np);
        }
    }
    panel_clip(&p, area);
    draw_axes_lines(&p);
    panel_end(&p);
}

/* ------------------------------------------------------------------ */
/* Scatter of configurations                                           */
/* ------------------------------------------------------------------ */

#define SCATTER_MARK ((SDL_Color){120, 210, 140, 255}) /* the target: green, a colour no series uses */

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

void plot_scatter(SDL_Renderer *r, text *t, SDL_Rect area, const plot_scatter_spec *spec, const plot_dot *d,
                  size_t n) {
    /* The legend: one entry per named kind, through panel_begin. */
    plot_series legend[3];
    size_t nl = 0;
    for (int k = 0; k < 3; k++)
        if (spec->names[k]) {
            memset(&legend[nl], 0, sizeof legend[nl]);
            legend[nl].name = spec->names[k];
            legend[nl++].colour = spec->colours[k];
        }
    panel p;
    panel_begin(&p, r, t, area, spec->title ? spec->title : "", legend, nl);

    /* Ranges over the finite dots (and the mark on x). */
    double xmin = INFINITY, xmax = 0, ymin = INFINITY, ymax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(d[i].x_us) || !isfinite(d[i].y))
            continue;
        if (d[i].x_us > 0 && d[i].x_us < xmin)
            xmin = d[i].x_us;
        if (d[i].x_us > xmax)
            xmax = d[i].x_us;
        if (d[i].y < ymin)
            ymin = d[i].y;
        if (d[i].y > ymax)
            ymax = d[i].y;
    }
    if (spec->mark_us > 0 && isfinite(spec->mark_us)) {
        if (spec->mark_us < xmin)
            xmin = spec->mark_us;
        if (spec->mark_us > xmax)
            xmax = spec->mark_us;
    }
    if (!(xmin < INFINITY))
        xmin = xmax > 0 ? xmax : 1;
    if (!(xmax > 0))
        xmax = xmin;
    int dlo = (int)floor(log10(xmin) + 1e-9), dhi = (int)ceil(log10(xmax) - 1e-9);
    if (dhi <= dlo)
        dhi = dlo + 1;
    if (!(ymin <= ymax))
        ymin = 0, ymax = 1;

    /* y: a round step giving about one label per two text lines, and a
     * range of whole steps around the data. */
    double span = ymax - ymin;
    if (!(span > 0))
        span = fabs(ymax) > 0 ? fabs(ymax) * 0.2 : 1;
    int steps = p.ax.h / (p.m.lh > 0 ? 2 * p.m.lh : 24);
    if (steps < 2)
        steps = 2;
    if (steps > 8)
        steps = 8;
    double step = nice_step(span * 1.1 / steps);
    double ylo = floor((ymin - span * 0.05) / step) * step, yhi = ceil((ymax + span * 0.05) / step) * step;
    if (ymin >= 0 && ylo < 0)
        ylo = 0;
    if (ymin >= 0 && ylo <= (yhi - ylo) / 3)
        ylo = 0;
    if (!(yhi > ylo))
        yhi = ylo + step;
    double ndec = dhi - dlo;

    /* The met side of the mark, tinted, under the grid; the mark dashed. */
    int mark_x = -1;
    if (spec->mark_us > 0 && isfinite(spec->mark_us)) {
        mark_x = x_of(p.ax, (log10(spec->mark_us) - dlo) / ndec);
        set_colour(r, over_bg(SCATTER_MARK, 28));
        SDL_Rect met = {p.ax.x, p.ax.y, mark_x - p.ax.x, p.ax.h};
        SDL_RenderFillRect(r, &met);
    }
    char buf[64];
    int last_y = INT32_MAX;
    int dec = decimals_for(step);
    for (double v = ylo; v <= yhi + step * 1e-6; v += step) {
        snprintf(buf, sizeof buf, "%.*f%s", dec, fabs(v) < step * 1e-6 ? 0.0 : v, spec->y_unit ? spec->y_unit : "");
        y_tick(&p, (v - ylo) / (yhi - ylo), buf, &last_y);
    }

    /* x: decades, and 2x and 5x between them while there are at most two
     * decades (x_tick leaves out labels that would collide). */
    int last_end = INT32_MIN / 2;
    for (int e = dlo; e <= dhi; e++) {
        static const double mult[] = {1, 2, 5};
        for (int m = 0; m < (ndec <= 2 ? 3 : 1); m++) {
            double us = mult[m] * pow(10, e);
            double f = (log10(us) - dlo) / ndec;
            if (f > 1 + 1e-9)
                break;
            fmt_dur(buf, sizeof buf, us);
            x_tick(&p, x_of(p.ax, f), buf, &last_end);
        }
    }
    if (mark_x >= 0) {
        set_colour(r, SCATTER_MARK);
        for (int y = p.ax.y; y < p.ax.y + p.ax.h; y += 7)
            SDL_RenderDrawLine(r, mark_x, y, mark_x, y + 3);
    }

    /* Dots may overlap the axes' edges by their radius (a value at the
     * bottom of the range is a whole dot on the axis, not half a one). */
    SDL_Rect dot_clip = {p.ax.x - 7, p.ax.y - 7, p.ax.w + 14, p.ax.h + 14};
    SDL_IntersectRect(&dot_clip, &area, &dot_clip);
    panel_clip(&p, dot_clip);

    /* Dots, kind by kind so the front and the pick lie on top. */
    static const int radius[3] = {3, 4, 6};
    SDL_Rect *rows = n ? scratch_get(&g_main, n * (2 * 6 + 1) * sizeof(SDL_Rect)) : NULL;
    int pick_x = 0, pick_y = 0;
    bool have_pick = false;
    for (int kind = 0; kind < 3 && rows; kind++) {
        int nr = 0;
        for (size_t i = 0; i < n; i++) {
            if (d[i].kind != kind || !isfinite(d[i].x_us) || !isfinite(d[i].y))
                continue;
            double fx = d[i].x_us > 0 ? (log10(d[i].x_us) - dlo) / ndec : 0;
            int x = x_of(p.ax, fx), y = y_of(p.ax, (d[i].y - ylo) / (yhi - ylo));
            nr += disc_rows(rows + nr, x, y, radius[kind]);
            if (kind == PLOT_DOT_PICK) {
                pick_x = x, pick_y = y;
                have_pick = true;
            }
        }
        SDL_Color c = spec->colours[kind];
        set_colour(r, kind == PLOT_DOT_OTHER ? over_bg(c, 170) : with_alpha(c, 255));
        SDL_RenderFillRects(r, rows, nr);
    }
    if (have_pick) {
        set_colour(r, with_alpha(spec->colours[PLOT_DOT_PICK], 255));
        ring(r, pick_x, pick_y, 10);
    }

    /* Labels last, on a background box, inside the axes. */
    if (t && mark_x >= 0 && spec->mark_label) {
        int w = text_width(t, spec->mark_label);
        int lx = mark_x + 4 + w <= p.ax.x + p.ax.w - 2 ? mark_x + 4 : mark_x - 4 - w;
        SDL_Rect box = {lx - 2, p.ax.y + 2, w + 4, p.m.lh};
        set_colour(r, with_alpha(plot_dark.bg, 220));
        SDL_RenderFillRect(r, &box);
        text_draw(t, lx, p.ax.y + 2, SCATTER_MARK, spec->mark_label);
    }
    if (t && have_pick && spec->pick_label) {
        int w = text_width(t, spec->pick_label);
        int lx = pick_x + 14 + w <= p.ax.x + p.ax.w - 2 ? pick_x + 14 : pick_x - 14 - w;
        if (lx < p.ax.x + 2)
            lx = p.ax.x + 2;
        int ly = pick_y - p.m.lh / 2;
        if (ly < p.ax.y + p.m.lh + 4) /* below the mark's label row */
            ly = pick_y + 12;
        if (ly + p.m.lh > p.ax.y + p.ax.h - 2) /* above the x axis */
            ly = pick_y - 12 - p.m.lh;
        SDL_Rect box = {lx - 2, ly, w + 4, p.m.lh};
        set_colour(r, with_alpha(plot_dark.bg, 220));
        SDL_RenderFillRect(r, &box);
        text_draw(t, lx, ly, spec->colours[PLOT_DOT_PICK], spec->pick_label);
    }
    panel_clip(&p, area);
    draw_axes_lines(&p);
    panel_end(&p);
}
