/*
 * plot_pauses.c — the pause plots of plots.h: the timeline (log duration
 * against time), its hit test, and the histogram of durations.
 *
 * Reduction before drawing, so the cost follows the panel's width and not
 * the data: the timeline keeps the longest pause per pixel column of each
 * series (the bar a column shows is exactly that maximum, so nothing long is
 * ever hidden). Pauses are in time order, so the visible range is found by
 * binary search and only it is visited.
 */
#include "plot_frame.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BINS_PER_DECADE 4
#define NBINS           ((int)PL_DECADES * BINS_PER_DECADE)
#define HIT_PX          3
#define BODY_ALPHA      150 /* timeline bars' look (premixed, see pl_over_bg); caps are full colour */

/* ------------------------------------------------------------------ */
/* Pause timeline                                                      */
/* ------------------------------------------------------------------ */

/* The visible pauses of one series, as the longest duration per column
 * (negative where there is none). Pauses are time-ordered and do not
 * overlap, so only the one pause starting before `from` can reach into the
 * range. */
static void column_max(const plot_series *s, double from, double to, int w, double *colmax) {
    for (int c = 0; c < w; c++) colmax[c] = -1;
    if (!s->pauses || !s->npauses) return;
    double scale = w / (to - from);
    size_t i = pl_pause_lower(s->pauses, s->npauses, from);
    if (i > 0) i--;
    for (; i < s->npauses && s->pauses[i].t_s <= to; i++) {
        const plot_pause *pp = &s->pauses[i];
        double dur = pp->dur_us > 0 ? pp->dur_us : 0;
        double x = (pp->t_s - from) * scale, xe = x + dur * 1e-6 * scale;
        if (xe < 0) continue;
        int c0 = pl_col_x(x, w), c1 = pl_col_x(xe, w);
        for (int c = c0; c <= c1; c++)
            if (dur > colmax[c]) colmax[c] = dur;
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
            out[nr++] =
                (SDL_Rect){x0 + stack_x[top], bottom - stack_h[top] + 1, c - stack_x[top], stack_h[top] - below};
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

void plot_pause_timeline(SDL_Renderer *r, text *t, SDL_Rect area, const plot_series *s, size_t n, double t_from_s,
                         double t_to_s) {
    pl_panel p;
    pl_panel_begin(&p, r, t, area, "Pause timeline (log duration)", s, n);
    pl_fix_range(&t_from_s, &t_to_s);
    pl_draw_duration_y_axis(&p);
    pl_draw_time_x_axis(&p, t_from_s, t_to_s);

    /* Scratch: per-column maxima and bar heights, the skyline's stack and
     * body rectangles for one series, and the cap rectangles of every
     * series (caps are drawn after all bodies, so a shorter series' top
     * stays visible in front of a longer bar of the other). */
    int w = p.ax.w;
    size_t per = (size_t)w;
    size_t off_hpx = pl_align16(per * sizeof(double));
    size_t off_sx = off_hpx + pl_align16(per * sizeof(int));
    size_t off_sh = off_sx + pl_align16(per * sizeof(int));
    size_t off_body = off_sh + pl_align16(per * sizeof(int));
    size_t off_ncap = off_body + pl_align16(per * sizeof(SDL_Rect));
    size_t off_caps = off_ncap + pl_align16(n * sizeof(size_t));
    unsigned char *mem = n ? pl_scratch_get(&pl_scratch_main, off_caps + n * per * sizeof(SDL_Rect)) : NULL;
    if (mem) {
        double *colmax = (double *)mem;
        int *hpx = (int *)(mem + off_hpx);
        int *stack_x = (int *)(mem + off_sx), *stack_h = (int *)(mem + off_sh);
        SDL_Rect *body = (SDL_Rect *)(mem + off_body);
        size_t *ncap = (size_t *)(mem + off_ncap);
        SDL_Rect *caps = (SDL_Rect *)(mem + off_caps);
        int bottom = p.ax.y + p.ax.h - 1;
        pl_panel_clip(&p, p.ax);
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
                int top = pl_y_of(p.ax, pl_dur_frac(colmax[c]));
                if (top > bottom - 1) top = bottom - 1; /* even a 1 us pause shows a 2-pixel cap */
                hpx[c] = bottom - top + 1;
                if (top == prev_top) /* one cap for a run of equal bars */
                    cap[nc - 1].w++;
                else
                    cap[nc++] = (SDL_Rect){p.ax.x + c, top, 1, 2};
                prev_top = top;
            }
            ncap[k] = nc;
            size_t nb = skyline(hpx, w, p.ax.x, bottom, stack_x, stack_h, body);
            pl_set_colour(r, pl_over_bg(s[k].colour, BODY_ALPHA));
            SDL_RenderFillRects(r, body, (int)nb);
        }
        for (size_t k = 0; k < n; k++) {
            pl_set_colour(r, pal_alpha(s[k].colour, 255));
            SDL_RenderFillRects(r, caps + k * per, (int)ncap[k]);
        }
        pl_panel_clip(&p, area);
    }
    pl_draw_axes_lines(&p);
    pl_panel_end(&p);
}

bool plot_timeline_hit(SDL_Rect area, const plot_series *s, size_t n, double t_from_s, double t_to_s, int mx, int my,
                       size_t *series, size_t *pause) {
    SDL_Rect ax = pl_panel_layout(area, pl_last_metrics);
    pl_fix_range(&t_from_s, &t_to_s);
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
        if (!ps) continue;
        size_t i = pl_pause_lower(ps, s[k].npauses, lo);
        if (i > 0) i--;
        for (; i < s[k].npauses && ps[i].t_s < hi && ps[i].t_s <= t_to_s; i++) {
            double dur = ps[i].dur_us > 0 ? ps[i].dur_us : 0;
            double x = (ps[i].t_s - t_from_s) * scale, xe = x + dur * 1e-6 * scale; /* as column_max */
            if (xe < 0) continue;
            int c0 = pl_col_x(x, w), c1 = pl_col_x(xe, w);
            int dx = mc < c0 ? c0 - mc : mc > c1 ? mc - c1 : 0;
            if (dx > HIT_PX) continue;
            int top = pl_y_of(ax, pl_dur_frac(dur));
            if (top > bottom - 1) top = bottom - 1;
            if (my < top - HIT_PX || my > bottom + HIT_PX) continue;
            if (!found || dx < best_dx || (dx == best_dx && dur > best_dur)) {
                found = true;
                best_dx = dx;
                best_dur = dur;
                if (series) *series = k;
                if (pause) *pause = i;
            }
        }
    }
    return found;
}

/* ------------------------------------------------------------------ */
/* Pause histogram                                                     */
/* ------------------------------------------------------------------ */

static int bin_of(double us) {
    if (!(us > 1)) return 0;
    int b = (int)floor(log10(us) * BINS_PER_DECADE);
    return b < 0 ? 0 : b >= NBINS ? NBINS - 1 : b;
}

/* Count axis: log, from 0.1 (the bottom, so a single pause still has a
 * visible bar) to `top`, a power of ten. */
static double count_frac(double count, double top) {
    if (count <= 0) return -1;
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

/* The p50, p99 and max of each series: a dashed line each in a lighter
 * tint of the series' colour (its own bars are that colour), all lines
 * first so no line crosses a label. */
static void draw_stats(pl_panel *p, const plot_series *s, size_t n) {
    static const char *const stat_name[] = {"p50", "p99", "max"};
    char buf[48];
    for (size_t k = 0; k < n; k++) {
        double v[3] = {s[k].p50_us, s[k].p99_us, s[k].max_us};
        pl_set_colour(p->r, lighter(s[k].colour));
        for (int j = 0; j < 3; j++) {
            if (!(v[j] > 0)) continue;
            int x = pl_x_of(p->ax, pl_dur_frac(v[j])), yend = p->ax.y + p->ax.h - 1;
            for (int y = p->ax.y; y < yend; y += 6) SDL_RenderDrawLine(p->r, x, y, x, y + 3 < yend ? y + 3 : yend);
        }
    }
    /* Labels "p99 8.70ms" along the top of the axes: each goes right of its
     * line in the first row from the top where it fits inside the axes and
     * overlaps no label placed before, else left of it likewise; if no row has room it is left out
     * (the line stays). */
    SDL_Rect *placed = p->t && n ? pl_scratch_get(&pl_scratch_aux, 3 * n * sizeof(SDL_Rect)) : NULL;
    size_t nplaced = 0;
    int rows = p->m.lh > 0 ? (p->ax.h - 4) / p->m.lh : 0;
    for (size_t k = 0; k < n && placed; k++) {
        double v[3] = {s[k].p50_us, s[k].p99_us, s[k].max_us};
        for (int j = 0; j < 3; j++) {
            if (!(v[j] > 0)) continue;
            int x = pl_x_of(p->ax, pl_dur_frac(v[j]));
            char dur[24];
            pl_fmt_dur(dur, sizeof dur, v[j]);
            snprintf(buf, sizeof buf, "%s %s", stat_name[j], dur);
            int w = text_width(p->t, buf);
            bool done = false;
            int cand[2] = {x + 3, x - 3 - w};
            for (int c = 0; c < 2 && !done; c++) {
                for (int row = 0; row < rows && !done; row++) {
                    SDL_Rect box = {cand[c] - 2, p->ax.y + 2 + row * p->m.lh, w + 4, p->m.lh};
                    if (box.x < p->ax.x + 1 || box.x + box.w > p->ax.x + p->ax.w - 1) continue;
                    bool clash = false;
                    for (size_t q = 0; q < nplaced && !clash; q++) clash = SDL_HasIntersection(&box, &placed[q]);
                    if (clash) continue;
                    placed[nplaced++] = box;
                    pl_set_colour(p->r, pal_alpha(plot_dark.bg, 220));
                    SDL_RenderFillRect(p->r, &box);
                    text_draw(p->t, cand[c], box.y, lighter(s[k].colour), buf);
                    done = true;
                }
            }
        }
    }
}

void plot_pause_histogram(SDL_Renderer *r, text *t, SDL_Rect area, const plot_series *s, size_t n) {
    pl_panel p;
    pl_panel_begin(&p, r, t, area, "Pause histogram (log-log)", s, n);

    size_t need = pl_align16(n * NBINS * sizeof(size_t)) + pl_align16(NBINS * sizeof(SDL_Rect));
    unsigned char *mem = n ? pl_scratch_get(&pl_scratch_main, need) : NULL;
    size_t *counts = (size_t *)mem;
    size_t maxc = 1;
    if (mem) {
        memset(counts, 0, n * NBINS * sizeof(size_t));
        for (size_t k = 0; k < n; k++)
            for (size_t i = 0; s[k].pauses && i < s[k].npauses; i++) {
                size_t c = ++counts[k * NBINS + (size_t)bin_of(s[k].pauses[i].dur_us)];
                if (c > maxc) maxc = c;
            }
    }
    double top = 10;
    while (top < (double)maxc) top *= 10;

    /* Count axis ticks at powers of ten. */
    int last_y = INT32_MAX;
    char buf[48];
    for (double v = 1; v <= top * 1.0001; v *= 10) {
        fmt_count(buf, sizeof buf, v);
        pl_y_tick(&p, count_frac(v, top), buf, &last_y);
    }
    int last_end = INT32_MIN / 2;
    for (int d = 0; d <= (int)PL_DECADES; d++)
        pl_x_tick(&p, pl_x_of(p.ax, d / PL_DECADES), pl_decade_label[d], &last_end);

    pl_panel_clip(&p, p.ax);
    if (mem) {
        SDL_Rect *rects = (SDL_Rect *)(mem + pl_align16(n * NBINS * sizeof(size_t)));
        int bottom = p.ax.y + p.ax.h - 1;
        for (size_t k = 0; k < n; k++) {
            int nr = 0;
            for (int b = 0; b < NBINS; b++) {
                size_t c = counts[k * NBINS + (size_t)b];
                if (!c) continue;
                /* The bin's columns, a 1-pixel gap each side, split
                 * evenly among the series. */
                int x0 = pl_x_of(p.ax, (double)b / NBINS) + 1, x1 = pl_x_of(p.ax, (double)(b + 1) / NBINS) - 1;
                int sw = (x1 - x0) / (int)n;
                if (sw < 1) sw = 1;
                int top_y = pl_y_of(p.ax, count_frac((double)c, top));
                rects[nr++] = (SDL_Rect){x0 + (int)k * sw, top_y, sw > 2 ? sw - 1 : sw, bottom - top_y + 1};
            }
            pl_set_colour(r, pl_over_bg(s[k].colour, 200));
            SDL_RenderFillRects(r, rects, nr);
        }
    }

    draw_stats(&p, s, n);
    pl_panel_clip(&p, area);
    pl_draw_axes_lines(&p);
    pl_panel_end(&p);
}
