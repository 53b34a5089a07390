/*
 * plot_frame.h — the framework the plot items share (plot_frame.c), in the
 * way ImPlot separates its framework from its items: a panel's layout and
 * renderer state, axes, ticks and number formats, the time-ordered
 * searches, and scratch memory. The items are plot_pauses.c (timeline,
 * histogram, hit test), plot_lines.c (MMU, series, decimation) and
 * plot_scatter.c; plots.h is their public face.
 *
 * Every panel has the same layout (pl_panel_layout): a title row with the
 * legend at its right, y tick labels in a left margin six characters wide,
 * x tick labels below, and the axes box in between. Sharing one layout
 * keeps stacked panels' axes aligned and lets plot_timeline_hit find a bar
 * without drawing anything.
 */
#ifndef TRICOLOR_PLOT_FRAME_H
#define TRICOLOR_PLOT_FRAME_H

#include <stdbool.h>
#include <stddef.h>

#include "palette.h"
#include "plots.h"

typedef struct pl_scratch {
    void *p;
    size_t cap;
} pl_scratch;

typedef struct pl_metrics {
    int lh, adv; /* line height and character advance; 0 without text */
} pl_metrics;

typedef struct pl_panel {
    SDL_Renderer *r;
    text *t;
    SDL_Rect area, ax;
    pl_metrics m;
    /* the caller's renderer state, put back by pl_panel_end */
    SDL_Color colour;
    SDL_BlendMode blend;
    bool clip_on;
    SDL_Rect clip;
} pl_panel;

#define PL_DECADES 5.0 /* duration axes: 1 us .. 100 ms */

/* Two scratch buffers shared by every plot, grown to the largest need seen
 * and reused (plot_release frees them); the metrics of the last panel
 * drawn, for plot_timeline_hit, which has no text to measure. */
extern pl_scratch pl_scratch_main, pl_scratch_aux;
extern pl_metrics pl_last_metrics;
/* "1us" .. "100ms", the labels of the duration axes' decades. */
extern const char *const pl_decade_label[];

/* Returns at least `bytes` bytes (contents undefined) or NULL if memory is
 * short; earlier contents are not kept. Alignment is malloc's. */
void *pl_scratch_get(pl_scratch *s, size_t bytes);

/* Rounds n up to a multiple of 16 so carved sub-arrays stay aligned. */
size_t pl_align16(size_t n);

SDL_Rect pl_panel_layout(SDL_Rect area, pl_metrics m);

/* Sets the draw colour, blending only when it is translucent: the software
 * renderer's blended fills cost several times its plain ones. */
void pl_set_colour(SDL_Renderer *r, SDL_Color c);

/* c at opacity alpha over the theme's background, as an opaque colour:
 * bars look translucent but fill at the cost of opaque ones. */
SDL_Color pl_over_bg(SDL_Color c, int alpha);

/* Clips drawing to rc, within the caller's clip rectangle if it had one. */
void pl_panel_clip(pl_panel *p, SDL_Rect rc);

/* Saves the renderer's state, draws the background, frame, title and
 * legend, and leaves drawing clipped to the panel. */
void pl_panel_begin(pl_panel *p, SDL_Renderer *r, text *t, SDL_Rect area, const char *title, const plot_series *s,
                    size_t n);

void pl_panel_end(pl_panel *p);

/* Pixel row of frac (0 = bottom of the axes, 1 = top). */
int pl_y_of(SDL_Rect ax, double frac);

/* Pixel column of frac (0 = left edge, 1 = right edge). */
int pl_x_of(SDL_Rect ax, double frac);

/* Position of a duration on the 1 us .. 100 ms log axis, 0..1 (clamped). */
double pl_dur_frac(double us);

void pl_fmt_dur(char *buf, size_t len, double us);

/* A horizontal grid line at frac with its label right-aligned in the left
 * margin. *last_y is the top of the previous label drawn (labels go bottom
 * to top); a label that would overlap it is left out, the grid line is not. */
void pl_y_tick(pl_panel *p, double frac, const char *label, int *last_y);

/* A vertical grid line at pixel column x with its label centred below the
 * axes; *last_end is the right end of the previous label (labels go left
 * to right) and a label that would overlap it is left out. */
void pl_x_tick(pl_panel *p, int x, const char *label, int *last_end);

void pl_draw_axes_lines(pl_panel *p);

void pl_draw_duration_y_axis(pl_panel *p);

/* 1, 2 or 5 times a power of ten, nearest to raw (on a log scale). */
double pl_nice_near(double raw);

/* 1, 2 or 5 times a power of ten, at least raw. */
double pl_nice_step(double raw);

int pl_decimals_for(double step);

/* Time ticks over [from, to] seconds with a round step wide enough for the
 * labels. */
void pl_draw_time_x_axis(pl_panel *p, double from, double to);

size_t pl_pause_lower(const plot_pause *ps, size_t n, double t);

/* The points [*i0, *i1) drawn for [from, to]: one point either side of the
 * range, so a line runs to the panel's edges. */
void pl_visible_range(const plot_point *pts, size_t np, double from, double to, size_t *i0, size_t *i1);

/* A usable time range: empty, reversed or non-finite ranges become one
 * second, and no range is narrower than 1 us (tick steps stay
 * representable next to the times they label). */
void pl_fix_range(double *from, double *to);

/* Column of x = (t - from) * (w / range) in a timeline of w columns,
 * clamped to the axes. Drawing and hit-testing both go through here, so
 * they agree on every boundary; (int) of a non-negative x is its floor
 * without a libm call (this runs once per visible pause). */
int pl_col_x(double x, int w);

pl_metrics pl_metrics_of(const text *t);

/* Draws s at (x,y) in at most maxw pixels, ending in ".." if it is cut. */
void pl_draw_text_cut(pl_panel *p, int x, int y, SDL_Color c, const char *s, int maxw);

/* First element at or after t in an array, sorted by time, of structs
 * whose first member is `double t_s` (plot_pause and plot_point both). */
size_t pl_time_lower(const void *base, size_t n, size_t stride, double t);

size_t pl_point_lower(const plot_point *ps, size_t n, double t);

#endif
