/*
 * plots.h — the visualizer's plot panels: pause timeline, pause histogram,
 * MMU curve, GC CPU share and heap size over time; and the scatter plot of
 * configurations that `tricolor tune` saves.
 *
 * Every panel draws the collectors being compared ("tricolor" and "boehm",
 * or whatever the caller names them) in the same axes, each in the colour
 * the caller gives, with a legend, so the two can be read against each
 * other directly. Durations always use log axes (1 us .. 100 ms, the range
 * that separates an incremental step from a stop-the-world collection);
 * values outside the range are clamped to its ends, never dropped.
 *
 * Cost: drawing is batched (one or two SDL_RenderFillRects /
 * SDL_RenderDrawLines / SDL_RenderDrawPoints calls per series and element:
 * bars, caps, line, its second pixel row) and data are reduced to
 * at most a few entries per pixel column first, so a 100k-pause timeline
 * costs about as much as a 1k-pause one. The only memory is two scratch
 * buffers that grow to the largest need seen and are then reused;
 * plot_release frees them.
 *
 * Each call saves and restores the renderer's draw colour, blend mode and
 * clip rectangle. t may be NULL: the panel is then drawn without text.
 */
#ifndef TRICOLOR_PLOTS_H
#define TRICOLOR_PLOTS_H

#include <stdbool.h>
#include <stddef.h>

#include <SDL.h>

#include "text.h"

typedef struct plot_pause {
    double t_s;
    double dur_us;
} plot_pause; /* start time since run start, duration */
typedef struct plot_point {
    double t_s;
    double v;
} plot_point;

typedef struct plot_series {
    const char *name;
    SDL_Color colour;
    const plot_pause *pauses;
    size_t npauses; /* in time order, not overlapping (one thread's pauses) */
    const double *mmu;
    size_t nmmu; /* MMU at windows mmu_windows_ms[i] (caller computes) */
    const plot_point *gc_share;
    size_t ngc_share; /* GC CPU share (0..1) over time, in time order */
    const plot_point *heap_mib;
    size_t nheap; /* heap size over time, in time order */
    const plot_point *trigger_mib;
    size_t ntrigger; /* trigger threshold over time (may be 0 points) */
    /* A concurrent marker thread's CPU share (0..1) over time, drawn
     * dashed on the GC share panel (0 points: none, nothing drawn). */
    const plot_point *marker_share;
    size_t nmarker_share;

    double p50_us, p99_us, max_us; /* caller computes (markers on the histogram) */
} plot_series;

typedef struct plot_theme {
    SDL_Color bg, axis, grid, label;
} plot_theme;
/* A dark blue-grey theme: the background is neither black nor grey, so the
 * white/grey/black objects of the heap views still read next to it. */
extern const plot_theme plot_dark;

enum { PLOT_GC_SHARE = 0, PLOT_HEAP = 1 };

/* Each draws a framed panel in `area` with a title, axes with tick labels,
 * and a legend. */

/* Each pause a vertical bar at its time (as wide as it lasted, at least one
 * pixel column), height on a log axis of duration, 1 us .. 100 ms. Where
 * several pauses of a series share a column the column shows the longest. */
void plot_pause_timeline(SDL_Renderer *r, text *t, SDL_Rect area, const plot_series *s, size_t n, double t_from_s,
                         double t_to_s);
/* Log-spaced duration bins (4 per decade, 1 us .. 100 ms; shorter and
 * longer pauses fall into the first and last bin), count per bin on a log
 * axis, series side by side in each bin; vertical markers at p50, p99 and
 * max per series, labelled. */
void plot_pause_histogram(SDL_Renderer *r, text *t, SDL_Rect area, const plot_series *s, size_t n);
/* MMU against window size: x log 1..100 ms, y 0..1. Uses the first
 * min(nmmu, nwindows) values of each series; windows_ms in increasing order. */
void plot_mmu_curve(SDL_Renderer *r, text *t, SDL_Rect area, const plot_series *s, size_t n, const double *windows_ms,
                    size_t nwindows);
/* which: PLOT_GC_SHARE (y 0..100%; the pauses' share solid, a marker
 * thread's CPU share dashed, the title then says so) or PLOT_HEAP (y 0..a
 * round number of MiB above the largest value shown; heap solid, trigger
 * dashed). */
void plot_time_series(SDL_Renderer *r, text *t, SDL_Rect area, const plot_series *s, size_t n, int which,
                      double t_from_s, double t_to_s);

/* Hover: the pause bar of the timeline under (mx,my) within 3 px, as series
 * index and pause index; false if none. Where bars are near each other the
 * horizontally nearest wins, then the longest (the one the column shows).
 * Uses the layout of the last panel drawn (it depends on the font's size),
 * so call it for a timeline that has been drawn in `area`. */
bool plot_timeline_hit(SDL_Rect area, const plot_series *s, size_t n, double t_from_s, double t_to_s, int mx, int my,
                       size_t *series, size_t *pause);

/* The rectangle inside `area` that a panel drawn with t maps its data to
 * (the axes' inner box); for mapping mouse positions to times, e.g. to
 * select a range to zoom into. Every panel kind uses the same layout. */
SDL_Rect plot_axes_rect(const text *t, SDL_Rect area);

/* The range the time panels show by default: the run so far, [0, now_s],
 * until it is window_s long, then the last window_s (a sliding window).
 * Before anything has run (now_s <= 0) it is [0, 1 ms]. */
void plot_time_window(double now_s, double window_s, double *from_s, double *to_s);

/* The time at pixel column x of a time panel drawn in `area` over
 * [from, to], clamped to the axes (layout of the last panel drawn, as
 * plot_timeline_hit). */
double plot_time_at(SDL_Rect area, double from_s, double to_s, int x);
/* Its inverse: the pixel column of time t (clamped to the axes). */
int plot_x_at(SDL_Rect area, double from_s, double to_s, double t);

/* A zoom selection: the range between columns x0 and x1 (either order) of
 * a time panel drawn in `area` over [from, to]. False when the two are
 * less than 4 pixels apart (a click, not a drag) or the range would be
 * narrower than 1 us; the range is then left alone. */
bool plot_zoom_select(SDL_Rect area, double from_s, double to_s, int x0, int x1, double *zoom_from_s,
                      double *zoom_to_s);

/* Scatter plot of configurations (tricolor tune): x a duration on a log
 * axis of whole decades fitted to the dots and the mark (at least one
 * decade), y linear over a round range fitted to the dots (from 0 up when
 * no value is negative and 0 is within a third of the range). Dots of kind
 * PLOT_DOT_OTHER are drawn first, small and dim; PLOT_DOT_FRONT on top,
 * larger; PLOT_DOT_PICK largest, ringed, with pick_label beside it. A mark
 * (mark_us > 0) is a dashed vertical line, labelled, with the region of
 * shorter durations (where a pause target is met) tinted. Dots with a
 * non-finite coordinate are left out; x <= 0 is drawn at the left edge. */
enum { PLOT_DOT_OTHER = 0, PLOT_DOT_FRONT = 1, PLOT_DOT_PICK = 2 };
typedef struct plot_dot {
    double x_us, y;
    int kind;
} plot_dot;
typedef struct plot_scatter_spec {
    const char *title;
    const char *y_unit;     /* suffix of the y tick labels ("ms", "%"), may be NULL */
    double mark_us;         /* the dashed line; <= 0 for none */
    const char *mark_label; /* beside the line's top, may be NULL */
    const char *pick_label; /* beside the pick, may be NULL */
    const char *names[3];   /* legend entry per kind; NULL leaves the entry out */
    SDL_Color colours[3];   /* per kind */
} plot_scatter_spec;
void plot_scatter(SDL_Renderer *r, text *t, SDL_Rect area, const plot_scatter_spec *spec, const plot_dot *d, size_t n);

/* Frees the scratch buffer (the next draw allocates it again). */
void plot_release(void);

#endif
