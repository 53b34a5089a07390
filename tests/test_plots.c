/*
 * test_plots.c — the visualizer's text atlas and plot panels, checked by
 * their pixels.
 *
 * Everything draws with SDL's software renderer straight onto an ARGB
 * surface (no window, no video driver), and the tests read the surface
 * back. Expected positions come from the same mapping the panels document:
 * the axes box is plot_axes_rect(); a value at fraction f of an axis lies on
 * row ax.y + ax.h - 1 - round(f * (ax.h - 1)); a time lies in column
 * floor((t - from) / (to - from) * ax.w) of the timeline and at
 * ax.x + round(f * (ax.w - 1)) on the other panels' x axes; durations map
 * to f = log10(us) / 5 (1 us .. 100 ms).
 *
 * Colours are chosen so the theme can never produce them: series 0 is pure
 * red and series 1 pure blue, and the theme's colours are all greyish, so
 * "red" (r high, g and b low) can only come from series 0, even where bars
 * are blended over the background.
 *
 * The timing test prints how long a 100k-pause timeline takes and asserts
 * nothing about it (machines are noisy).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>

#include "cpu_place.h"
#include "plots.h"
#include "scene.h"
#include "series.h"
#include "text.h"

#define W       640
#define H       360
#define FONT_PX 13

static SDL_Surface *g_surf;
static SDL_Renderer *g_r;
static text *g_text;

static const SDL_Color RED = {255, 0, 0, 255};
static const SDL_Color BLUE = {0, 0, 255, 255};

static int group_setup(void **state) {
    (void)state;
    /* No SDL_Init: a software renderer on a surface needs no subsystem (and
     * SDL_Init(0) would start D-Bus, whose allocations outlive SDL_Quit). */
    g_surf = SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!g_surf) return -1;
    g_r = SDL_CreateSoftwareRenderer(g_surf);
    if (!g_r) return -1;
    char err[512];
    g_text = text_open(g_r, FONT_PX, err, sizeof err);
    if (!g_text) {
        fprintf(stderr, "text_open: %s\n", err);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    text_close(g_text);
    plot_release();
    SDL_DestroyRenderer(g_r);
    SDL_FreeSurface(g_surf);
    SDL_Quit();
    return 0;
}

static void clear(void) {
    SDL_SetRenderDrawColor(g_r, 0, 0, 0, 255);
    SDL_RenderSetClipRect(g_r, NULL);
    SDL_RenderClear(g_r);
}

static SDL_Color pixel(int x, int y) {
    SDL_RenderFlush(g_r);
    const Uint32 *row = (const Uint32 *)((const Uint8 *)g_surf->pixels + (size_t)y * (size_t)g_surf->pitch);
    SDL_Color c;
    SDL_GetRGBA(row[x], g_surf->format, &c.r, &c.g, &c.b, &c.a);
    return c;
}

/* Series 0's colour, opaque or blended at any alpha over the theme. */
static bool is_red(SDL_Color c) { return c.r >= 100 && c.g < 60 && c.b < 60; }
static bool is_blue(SDL_Color c) { return c.b >= 100 && c.r < 60 && c.g < 70; }

static int row_of(SDL_Rect ax, double frac) { return ax.y + ax.h - 1 - (int)lround(frac * (ax.h - 1)); }
static int xcol_of(SDL_Rect ax, double frac) { return ax.x + (int)lround(frac * (ax.w - 1)); }
static double dur_frac(double us) { return log10(us) / 5.0; }
static int time_col(SDL_Rect ax, double t, double from, double to) {
    return ax.x + (int)floor((t - from) / (to - from) * ax.w);
}

static plot_series pseries(const char *name, SDL_Color c) {
    plot_series s;
    memset(&s, 0, sizeof s);
    s.name = name;
    s.colour = c;
    return s;
}

/* Topmost row in column x within ax where pred holds, or -1. */
static int top_where(SDL_Rect ax, int x, bool (*pred)(SDL_Color)) {
    for (int y = ax.y; y < ax.y + ax.h; y++)
        if (pred(pixel(x, y))) return y;
    return -1;
}

/* ------------------------------------------------------------------ */
/* Text                                                                */
/* ------------------------------------------------------------------ */

static void test_text_metrics(void **state) {
    (void)state;
    int h = text_height(g_text), adv = text_width(g_text, "M");
    assert_true(h >= FONT_PX && h <= 2 * FONT_PX);
    assert_true(adv >= FONT_PX / 3 && adv <= FONT_PX);
    assert_int_equal(text_width(g_text, "p99 8.7ms"), 9 * adv);
    assert_int_equal(text_width(g_text, ""), 0);
}

static void test_text_draws_inside_its_box(void **state) {
    (void)state;
    clear();
    const char *s = "Hg|W_[q";
    int x0 = 40, y0 = 50;
    int w = text_draw(g_text, x0, y0, (SDL_Color){255, 255, 255, 255}, s);
    assert_int_equal(w, text_width(g_text, s));
    int h = text_height(g_text);
    int inside = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            SDL_Color c = pixel(x, y);
            bool ink = c.r || c.g || c.b;
            bool in_box = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h;
            if (ink && !in_box) {
                print_error("ink outside the box at (%d,%d)\n", x, y);
                fail();
            }
            inside += ink;
        }
    /* Seven glyphs' worth of ink, and some of it in every character cell. */
    assert_true(inside > 7 * 4);
    int adv = text_width(g_text, "M");
    for (int i = 0; i < 7; i++) {
        int ink = 0;
        for (int y = y0; y < y0 + h; y++)
            for (int x = x0 + i * adv; x < x0 + (i + 1) * adv; x++) ink += pixel(x, y).r > 0;
        assert_true(ink > 0);
    }
}

static void test_text_colour_and_unknown_chars(void **state) {
    (void)state;
    clear();
    int adv = text_width(g_text, "M"), h = text_height(g_text);
    text_draw(g_text, 10, 10, RED, "?");
    text_draw(g_text, 100, 10, RED, "\x01");
    text_drawf(g_text, 200, 10, RED, "%c", '\x7f');
    int red = 0;
    for (int y = 10; y < 10 + h; y++)
        for (int x = 0; x < adv; x++) {
            SDL_Color a = pixel(10 + x, y), b = pixel(100 + x, y), c = pixel(200 + x, y);
            assert_memory_equal(&a, &b, sizeof a);
            assert_memory_equal(&a, &c, sizeof a);
            assert_true(a.g == 0 && a.b == 0); /* tinted, not white */
            red += a.r > 0;
        }
    assert_true(red > 0);
    /* text_drawf formats and returns the width drawn. */
    assert_int_equal(text_drawf(g_text, 10, 40, RED, "%d-%s", 42, "ab"), 5 * adv);
}

/* Runs text_open with stderr captured into buf. */
static text *open_capturing_stderr(char *buf, size_t len, char *err, size_t errlen) {
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), 2) >= 0);
    text *t = text_open(g_r, FONT_PX, err, errlen);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(buf, 1, len - 1, tmp);
    buf[n] = '\0';
    fclose(tmp);
    return t;
}

static void test_text_falls_back_to_system_font(void **state) {
    (void)state;
    const char *system_font = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
    if (access(system_font, R_OK) != 0) {
        print_message("skipped: %s is not installed (package fonts-dejavu-core)\n", system_font);
        skip();
    }
    /* An exe-relative assets directory would be found first: nothing to fall
     * back from. */
    char exe[PATH_MAX], probe[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    snprintf(probe, sizeof probe, "%s/../assets/DejaVuSansMono.ttf", exe);
    if (access(probe, R_OK) == 0) {
        print_message("skipped: %s exists\n", probe);
        skip();
    }

    char dir[] = "/tmp/test_plots_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    const char *old = getenv("TRICOLOR_ASSETS");
    char *old_copy = old ? strdup(old) : NULL;
    setenv("TRICOLOR_ASSETS", dir, 1);
    assert_int_equal(chdir(dir), 0); /* no ./assets here either */

    char out[4096], err[512];
    text *t = open_capturing_stderr(out, sizeof out, err, sizeof err);

    assert_int_equal(chdir(cwd), 0);
    if (old_copy)
        setenv("TRICOLOR_ASSETS", old_copy, 1);
    else
        unsetenv("TRICOLOR_ASSETS");
    free(old_copy);
    rmdir(dir);

    if (!t) print_error("text_open failed: %s\n", err);
    assert_non_null(t);
    /* One warning line naming what was tried and what is used. */
    assert_non_null(strstr(out, "warning"));
    assert_non_null(strstr(out, dir));
    assert_non_null(strstr(out, "./assets/DejaVuSansMono.ttf"));
    assert_non_null(strstr(out, system_font));
    assert_non_null(strchr(out, '\n'));
    assert_null(strchr(out, '\n') + 1 < out + strlen(out) ? strchr(strchr(out, '\n') + 1, '\n') : NULL);

    /* ...and the fallback font works. */
    clear();
    int w = text_draw(t, 5, 5, RED, "ok");
    assert_int_equal(w, 2 * text_width(t, "M"));
    int ink = 0;
    for (int y = 5; y < 5 + text_height(t); y++)
        for (int x = 5; x < 5 + w; x++) ink += is_red(pixel(x, y));
    assert_true(ink > 0);
    text_close(t);
}

static void test_text_shipped_font_no_warning(void **state) {
    (void)state;
    char assets[PATH_MAX], probe[PATH_MAX + 32];
    if (!realpath("assets", assets)) {
        print_message("skipped: no ./assets (run from the project root)\n");
        skip();
    }
    snprintf(probe, sizeof probe, "%s/DejaVuSansMono.ttf", assets);
    if (access(probe, R_OK) != 0) {
        print_message("skipped: %s missing\n", probe);
        skip();
    }
    const char *old = getenv("TRICOLOR_ASSETS");
    char *old_copy = old ? strdup(old) : NULL;
    setenv("TRICOLOR_ASSETS", assets, 1);
    char out[4096], err[512];
    text *t = open_capturing_stderr(out, sizeof out, err, sizeof err);
    if (old_copy)
        setenv("TRICOLOR_ASSETS", old_copy, 1);
    else
        unsetenv("TRICOLOR_ASSETS");
    free(old_copy);
    assert_non_null(t);
    assert_string_equal(out, "");
    text_close(t);
}

static void test_text_open_errors(void **state) {
    (void)state;
    char err[256];
    assert_null(text_open(NULL, FONT_PX, err, sizeof err));
    assert_true(strlen(err) > 0);
    assert_null(text_open(g_r, 0, err, sizeof err));
    assert_true(strlen(err) > 0);
    text_close(NULL); /* allowed */
}

/* ------------------------------------------------------------------ */
/* Timeline                                                            */
/* ------------------------------------------------------------------ */

static const SDL_Rect TL_AREA = {0, 0, W, 240};

static void test_timeline_one_pause(void **state) {
    (void)state;
    clear();
    plot_pause p0[] = {{5.0, 1000.0}}; /* 1 ms at t = 5 s */
    plot_pause p1[] = {{2.0, 10.0}};   /* 10 us at t = 2 s */
    plot_series s[2] = {pseries("tricolor", RED), pseries("boehm", BLUE)};
    s[0].pauses = p0;
    s[0].npauses = 1;
    s[1].pauses = p1;
    s[1].npauses = 1;
    plot_pause_timeline(g_r, g_text, TL_AREA, s, 2, 0, 10);

    SDL_Rect ax = plot_axes_rect(g_text, TL_AREA);
    int x = time_col(ax, 5.0, 0, 10);
    int want_top = row_of(ax, dur_frac(1000)); /* 1 ms: 3 of 5 decades up */
    /* Red exactly in column x: from the bar's top down to the bottom. */
    for (int y = ax.y; y < ax.y + ax.h; y++)
        for (int cx = ax.x; cx < ax.x + ax.w; cx++) {
            bool red = is_red(pixel(cx, y));
            bool want = cx == x && y >= want_top;
            if (red != want) {
                print_error("(%d,%d): red=%d, want %d (bar column %d, top %d)\n", cx, y, red, want, x, want_top);
                fail();
            }
        }
    /* Series 1's bar at t = 2 s, 10 us high (one decade). */
    int xb = time_col(ax, 2.0, 0, 10);
    assert_int_equal(top_where(ax, xb, is_blue), row_of(ax, dur_frac(10)));
    /* A legend: both colours appear in the title row, above the axes. */
    int lred = 0, lblue = 0;
    for (int y = TL_AREA.y; y < ax.y - 2; y++)
        for (int cx = TL_AREA.x; cx < TL_AREA.x + TL_AREA.w; cx++) {
            lred += is_red(pixel(cx, y));
            lblue += is_blue(pixel(cx, y));
        }
    assert_true(lred > 0 && lblue > 0);
}

static void test_timeline_column_shows_longest(void **state) {
    (void)state;
    clear();
    /* 1000 pauses of 10 us within 1 ms at t = 5 s (one column), plus one of
     * 3 ms in the middle: the column's bar is the 3 ms one. */
    static plot_pause p[1001];
    size_t n = 0;
    for (int i = 0; i < 1000; i++) {
        if (i == 500) p[n++] = (plot_pause){5.0 + i * 1e-6, 3000.0};
        p[n++] = (plot_pause){5.0 + i * 1e-6 + 0.5e-6, 10.0};
    }
    plot_series s = pseries("tricolor", RED);
    s.pauses = p;
    s.npauses = n;
    plot_pause_timeline(g_r, g_text, TL_AREA, &s, 1, 0, 10);
    SDL_Rect ax = plot_axes_rect(g_text, TL_AREA);
    int x = time_col(ax, 5.0, 0, 10);
    assert_int_equal(top_where(ax, x, is_red), row_of(ax, dur_frac(3000)));
    assert_int_equal(top_where(ax, x - 1, is_red), -1);
    assert_int_equal(top_where(ax, x + 1, is_red), -1);

    /* The hover finds the longest one there. */
    size_t si = 99, pi = 99;
    assert_true(plot_timeline_hit(TL_AREA, &s, 1, 0, 10, x, row_of(ax, dur_frac(3000)) + 2, &si, &pi));
    assert_int_equal(si, 0);
    assert_int_equal(pi, 500);
}

static void test_timeline_clamps_and_ranges(void **state) {
    (void)state;
    clear();
    /* A 0.2 us pause still shows (a cap at the bottom); a 1 s pause is
     * clamped to the top; pauses outside [t_from, t_to] draw nothing. */
    plot_pause p[] = {{1.0, 500.0}, {12.0, 0.2}, {14.0, 1e6}, {30.0, 1000.0}};
    plot_series s = pseries("tricolor", RED);
    s.pauses = p;
    s.npauses = 4;
    plot_pause_timeline(g_r, g_text, TL_AREA, &s, 1, 10, 20);
    SDL_Rect ax = plot_axes_rect(g_text, TL_AREA);
    int bottom = ax.y + ax.h - 1;
    assert_int_equal(top_where(ax, time_col(ax, 12.0, 10, 20), is_red), bottom - 1);
    /* The 1 s pause lasts 1 s: it covers its columns up to t = 15 s. */
    int x14 = time_col(ax, 14.0, 10, 20), x15 = time_col(ax, 15.0, 10, 20);
    assert_int_equal(top_where(ax, x14, is_red), ax.y);
    assert_int_equal(top_where(ax, (x14 + x15) / 2, is_red), ax.y);
    assert_int_equal(top_where(ax, x15 + 2, is_red), -1);
    int red = 0;
    for (int x = ax.x; x < time_col(ax, 12.0, 10, 20); x++) red += top_where(ax, x, is_red) >= 0;
    assert_int_equal(red, 0);
}

static void test_timeline_hit(void **state) {
    (void)state;
    clear();
    plot_pause p0[] = {{2.0, 1000.0}, {5.0, 1000.0}, {8.0, 50.0}};
    plot_pause p1[] = {{6.0, 100.0}};
    plot_series s[2] = {pseries("tricolor", RED), pseries("boehm", BLUE)};
    s[0].pauses = p0;
    s[0].npauses = 3;
    s[1].pauses = p1;
    s[1].npauses = 1;
    plot_pause_timeline(g_r, g_text, TL_AREA, s, 2, 0, 10);
    SDL_Rect ax = plot_axes_rect(g_text, TL_AREA);
    int x5 = time_col(ax, 5.0, 0, 10), top5 = row_of(ax, dur_frac(1000));
    size_t si = 99, pi = 99;

    assert_true(plot_timeline_hit(TL_AREA, s, 2, 0, 10, x5, top5 + 5, &si, &pi));
    assert_int_equal(si, 0);
    assert_int_equal(pi, 1);
    /* Within 3 px sideways and above the top; not beyond. */
    assert_true(plot_timeline_hit(TL_AREA, s, 2, 0, 10, x5 + 3, top5 - 3, &si, &pi));
    assert_int_equal(pi, 1);
    assert_false(plot_timeline_hit(TL_AREA, s, 2, 0, 10, x5 + 4, top5 + 5, &si, &pi));
    assert_false(plot_timeline_hit(TL_AREA, s, 2, 0, 10, x5, top5 - 4, &si, &pi));
    /* Series 1's bar. */
    int x6 = time_col(ax, 6.0, 0, 10);
    assert_true(plot_timeline_hit(TL_AREA, s, 2, 0, 10, x6, ax.y + ax.h - 2, &si, &pi));
    assert_int_equal(si, 1);
    assert_int_equal(pi, 0);
    /* The last pause, and nothing outside the axes. */
    int x8 = time_col(ax, 8.0, 0, 10);
    assert_true(plot_timeline_hit(TL_AREA, s, 2, 0, 10, x8, ax.y + ax.h - 2, &si, &pi));
    assert_int_equal(si, 0);
    assert_int_equal(pi, 2);
    assert_false(plot_timeline_hit(TL_AREA, s, 2, 0, 10, 2, 2, &si, &pi));
    assert_false(plot_timeline_hit(TL_AREA, s, 0, 0, 10, x5, top5 + 5, &si, &pi));
}

static void test_panels_restore_renderer_state(void **state) {
    (void)state;
    clear();
    SDL_Rect clip = {0, 0, W, H / 2};
    SDL_RenderSetClipRect(g_r, &clip);
    SDL_SetRenderDrawColor(g_r, 1, 2, 3, 4);
    SDL_SetRenderDrawBlendMode(g_r, SDL_BLENDMODE_ADD);
    plot_pause p[] = {{1.0, 100.0}};
    plot_series s = pseries("tricolor", RED);
    s.pauses = p;
    s.npauses = 1;
    /* Drawn across the clip's lower edge: nothing may appear below it. */
    plot_pause_timeline(g_r, g_text, (SDL_Rect){0, H / 4, W, H / 2}, &s, 1, 0, 10);
    Uint8 c[4];
    SDL_GetRenderDrawColor(g_r, &c[0], &c[1], &c[2], &c[3]);
    assert_true(c[0] == 1 && c[1] == 2 && c[2] == 3 && c[3] == 4);
    SDL_BlendMode bm;
    SDL_GetRenderDrawBlendMode(g_r, &bm);
    assert_int_equal(bm, SDL_BLENDMODE_ADD);
    SDL_Rect got;
    SDL_RenderGetClipRect(g_r, &got);
    assert_true(SDL_RenderIsClipEnabled(g_r));
    assert_memory_equal(&got, &clip, sizeof got);
    for (int y = H / 2; y < H; y++)
        for (int x = 0; x < W; x++) {
            SDL_Color px = pixel(x, y);
            assert_true(px.r == 0 && px.g == 0 && px.b == 0);
        }
    SDL_RenderSetClipRect(g_r, NULL);
    SDL_SetRenderDrawBlendMode(g_r, SDL_BLENDMODE_NONE);
}

/* ------------------------------------------------------------------ */
/* Histogram                                                           */
/* ------------------------------------------------------------------ */

static const SDL_Rect HI_AREA = {0, 0, 600, 300};

static void test_histogram_bins(void **state) {
    (void)state;
    clear();
    /* Series 0: five 1 ms pauses: bin floor(log10(1000) * 4) = 12 of 20.
     * Series 1: three 20 us pauses: bin floor(log10(20) * 4) = 5.
     * Counts are on a log axis from 0.1 to 10 (the first power of ten >= 5):
     * 5 sits at (log10(5) + 1) / (log10(10) + 1) = 0.849. */
    plot_pause p0[5], p1[3];
    for (int i = 0; i < 5; i++) p0[i] = (plot_pause){i * 0.1, 1000.0};
    for (int i = 0; i < 3; i++) p1[i] = (plot_pause){i * 0.1, 20.0};
    plot_series s[2] = {pseries("tricolor", RED), pseries("boehm", BLUE)};
    s[0].pauses = p0;
    s[0].npauses = 5;
    s[1].pauses = p1;
    s[1].npauses = 3;
    plot_pause_histogram(g_r, g_text, HI_AREA, s, 2);
    SDL_Rect ax = plot_axes_rect(g_text, HI_AREA);

    int b0 = xcol_of(ax, 12 / 20.0), b1 = xcol_of(ax, 13 / 20.0);
    int want_top = row_of(ax, (log10(5.0) + 1) / 2);
    int red_cols = 0;
    for (int x = ax.x; x < ax.x + ax.w; x++) {
        int top = top_where(ax, x, is_red);
        if (top < 0) continue;
        red_cols++;
        if (x <= b0 || x >= b1) {
            print_error("red at column %d, outside bin 12 (%d..%d)\n", x, b0, b1);
            fail();
        }
        assert_int_equal(top, want_top);
    }
    assert_true(red_cols >= 2);

    int c0 = xcol_of(ax, 5 / 20.0), c1 = xcol_of(ax, 6 / 20.0);
    int want_top1 = row_of(ax, (log10(3.0) + 1) / 2);
    int blue_cols = 0;
    for (int x = ax.x; x < ax.x + ax.w; x++) {
        int top = top_where(ax, x, is_blue);
        if (top < 0) continue;
        blue_cols++;
        assert_true(x > c0 && x < c1);
        assert_int_equal(top, want_top1);
    }
    assert_true(blue_cols >= 2);
}

static bool is_light_red(SDL_Color c) { return c.r >= 240 && c.g >= 110 && c.g <= 140 && c.b >= 110 && c.b <= 140; }

static void test_histogram_markers(void **state) {
    (void)state;
    clear();
    /* p50 = 100 us, p99 = 1 ms, max = 10 ms: dashed lines at 2/5, 3/5 and
     * 4/5 of the axis in the lighter tint, each labelled. */
    plot_pause p[] = {{0, 100.0}, {1, 1000.0}, {2, 10000.0}};
    plot_series s = pseries("tricolor", RED);
    s.pauses = p;
    s.npauses = 3;
    s.p50_us = 100;
    s.p99_us = 1000;
    s.max_us = 10000;
    plot_pause_histogram(g_r, g_text, HI_AREA, &s, 1);
    SDL_Rect ax = plot_axes_rect(g_text, HI_AREA);
    for (int k = 2; k <= 4; k++) {
        int x = xcol_of(ax, k / 5.0), on = 0;
        for (int y = ax.y + 3 * text_height(g_text); y < ax.y + ax.h; y++) on += is_light_red(pixel(x, y));
        /* dashed: 4 of every 6 rows below the label rows */
        int rows = ax.h - 3 * text_height(g_text);
        assert_true(on > rows / 3 && on < rows);
    }
    /* Label text in the tint near the top of the axes. */
    int label = 0;
    for (int y = ax.y; y < ax.y + text_height(g_text) + 2; y++)
        for (int x = xcol_of(ax, 0.4) + 2; x < xcol_of(ax, 0.4) + 40; x++)
            label += pixel(x, y).r > 120 && pixel(x, y).g > 40;
    assert_true(label > 10);
}

/* ------------------------------------------------------------------ */
/* MMU and time series                                                 */
/* ------------------------------------------------------------------ */

static const SDL_Rect MMU_AREA = {20, 10, 500, 280};

static void test_mmu_curve(void **state) {
    (void)state;
    clear();
    /* Windows 1, 10, 100 ms sit at x 0, 1/2, 1 of the log axis. Series 0 is
     * flat at 0.5; series 1 goes 0.1 -> 0.2 -> 0.9. */
    double win[] = {1, 10, 100};
    double m0[] = {0.5, 0.5, 0.5}, m1[] = {0.1, 0.2, 0.9};
    plot_series s[2] = {pseries("tricolor", RED), pseries("boehm", BLUE)};
    s[0].mmu = m0;
    s[0].nmmu = 3;
    s[1].mmu = m1;
    s[1].nmmu = 3;
    plot_mmu_curve(g_r, g_text, MMU_AREA, s, 2, win, 3);
    SDL_Rect ax = plot_axes_rect(g_text, MMU_AREA);
    int y5 = row_of(ax, 0.5);
    for (double f = 0.1; f < 0.95; f += 0.1) {
        int x = xcol_of(ax, f);
        int top = top_where(ax, x, is_red);
        assert_true(top >= y5 - 2 && top <= y5 + 1);
        for (int y = ax.y; y < ax.y + ax.h; y++)
            if (is_red(pixel(x, y))) assert_true(y >= y5 - 2 && y <= y5 + 3); /* 2-px line, dots reach y-1..y+3 */
    }
    /* Series 1 at 10 ms: 0.2 (give the 2-px line and its dot slack). */
    int xb = xcol_of(ax, 0.5), yb = row_of(ax, 0.2);
    int top = top_where(ax, xb, is_blue);
    assert_true(top >= yb - 2 && top <= yb + 1);
    /* Halfway between 1 and 10 ms on the log axis the line is halfway
     * between 0.1 and 0.2. */
    int xm = xcol_of(ax, 0.25), ym = row_of(ax, 0.15);
    top = top_where(ax, xm, is_blue);
    assert_true(top >= ym - 2 && top <= ym + 1);
}

/* Draws one red series of n points as the GC share or heap panel over
 * [from, to] in area, on a cleared target; returns the panel's axes. */
static SDL_Rect draw_one_series(plot_point *pts, size_t n, int which, SDL_Rect area, double from, double to) {
    clear();
    plot_series s = pseries("tricolor", RED);
    if (which == PLOT_HEAP) {
        s.heap_mib = pts;
        s.nheap = n;
    } else {
        s.gc_share = pts;
        s.ngc_share = n;
    }
    plot_time_series(g_r, g_text, area, &s, 1, which, from, to);
    return plot_axes_rect(g_text, area);
}

static void test_time_series_gc_share(void **state) {
    (void)state;
    plot_point g[] = {{0, 0.25}, {5, 0.25}, {10, 0.25}};
    SDL_Rect ax = draw_one_series(g, 3, PLOT_GC_SHARE, (SDL_Rect){0, 0, 600, 240}, 0, 10);
    int want = row_of(ax, 0.25);
    /* A 2-pixel line at 25% across the whole width. */
    for (int x = ax.x; x < ax.x + ax.w; x++) {
        assert_int_equal(top_where(ax, x, is_red), want);
        assert_true(is_red(pixel(x, want + 1)));
        assert_false(is_red(pixel(x, want + 2)));
    }
}

static void test_time_series_heap_and_trigger(void **state) {
    (void)state;
    clear();
    /* Heap 50 MiB (solid) under a trigger of 80 MiB (dashed); the y scale
     * is the panel's choice, but both lines sit on one linear axis from 0,
     * so their heights above the bottom are in the ratio 80 : 50. Only the
     * window [2, 8] s of the data is shown. */
    plot_point h[] = {{0, 50}, {10, 50}};
    plot_point tr[] = {{0, 80}, {10, 80}};
    plot_series s = pseries("tricolor", RED);
    s.heap_mib = h;
    s.nheap = 2;
    s.trigger_mib = tr;
    s.ntrigger = 2;
    SDL_Rect area = {0, 0, 600, 300};
    plot_time_series(g_r, g_text, area, &s, 1, PLOT_HEAP, 2, 8);
    SDL_Rect ax = plot_axes_rect(g_text, area);
    int bottom = ax.y + ax.h - 1;
    int x = ax.x + ax.w / 2;
    int y_trig = -1, y_heap = -1;
    for (int y = ax.y; y < ax.y + ax.h; y++)
        if (is_red(pixel(x, y)) || is_red(pixel(x + 4, y))) { /* x or x+4 is in a dash */
            if (y_trig < 0)
                y_trig = y;
            else if (y > y_trig + 2 && y_heap < 0)
                y_heap = y;
        }
    assert_true(y_trig >= 0 && y_heap > y_trig);
    double ratio = (double)(bottom - y_trig) / (bottom - y_heap);
    assert_true(fabs(ratio - 80.0 / 50.0) < 0.03);
    /* Dashed: 5 of every 9 columns along the trigger row; solid heap. */
    int on = 0, heap_on = 0;
    for (int cx = ax.x; cx < ax.x + ax.w; cx++) {
        on += is_red(pixel(cx, y_trig));
        heap_on += is_red(pixel(cx, y_heap));
    }
    assert_true(on > ax.w * 4 / 10 && on < ax.w * 7 / 10);
    assert_int_equal(heap_on, ax.w);
}

/* A heap is a step function: a series sampled at 0 s (10 MiB) and at 8 s
 * (40 MiB) holds 10 MiB until 8 s and rises there, as Boehm's, sampled
 * only when it resizes, must (it was drawn as a slope, growth that never
 * happened). The GC share keeps its slope between samples. */
static void test_heap_holds_until_the_next_sample(void **state) {
    (void)state;
    plot_point h[] = {{0, 10}, {8, 40}, {10, 40}};
    SDL_Rect area = {0, 0, 600, 300};
    SDL_Rect ax = draw_one_series(h, 3, PLOT_HEAP, area, 0, 10);
    int bottom = ax.y + ax.h - 1;
    /* At 2, 4 and 6 s the line is at the same height, a quarter of where
     * it is at 9 s. */
    int y2 = top_where(ax, xcol_of(ax, 0.2), is_red), y4 = top_where(ax, xcol_of(ax, 0.4), is_red);
    int y6 = top_where(ax, xcol_of(ax, 0.6), is_red), y9 = top_where(ax, xcol_of(ax, 0.9), is_red);
    assert_true(y2 >= 0 && y9 >= 0);
    assert_int_equal(y2, y4);
    assert_int_equal(y4, y6);
    double ratio = (double)(bottom - y9) / (bottom - y2);
    assert_true(fabs(ratio - 4.0) < 0.3);
    /* The riser at 8 s: the column there is red from the low level up to
     * the high one. */
    int xr = xcol_of(ax, 0.8), reds = 0;
    for (int y = y9; y <= y2; y++) reds += is_red(pixel(xr, y)) || is_red(pixel(xr - 1, y)) || is_red(pixel(xr + 1, y));
    assert_int_equal(reds, y2 - y9 + 1);

    /* The same samples as a GC share: higher at 6 s than at 2 s. */
    for (size_t i = 0; i < 3; i++) h[i].v /= 44;
    ax = draw_one_series(h, 3, PLOT_GC_SHARE, area, 0, 10);
    assert_true(top_where(ax, xcol_of(ax, 0.6), is_red) < top_where(ax, xcol_of(ax, 0.2), is_red) - 10);
}

static void test_panels_without_text_or_data(void **state) {
    (void)state;
    clear();
    /* NULL text, no series, empty ranges and tiny areas: frames only, no
     * crash (ASan and UBSan watch). */
    SDL_Rect a = {0, 0, 300, 150}, tiny = {10, 10, 3, 2};
    double win[] = {1, 10};
    plot_series s = pseries(NULL, RED);
    plot_pause_timeline(g_r, NULL, a, NULL, 0, 5, 5);
    plot_pause_timeline(g_r, g_text, tiny, &s, 1, 0, 1);
    plot_pause_histogram(g_r, NULL, a, &s, 1);
    plot_pause_histogram(g_r, g_text, tiny, &s, 1);
    plot_mmu_curve(g_r, g_text, a, &s, 1, win, 2);
    plot_mmu_curve(g_r, g_text, tiny, NULL, 0, NULL, 0);
    plot_time_series(g_r, g_text, a, &s, 1, PLOT_HEAP, 3, 1);
    plot_time_series(g_r, NULL, tiny, &s, 1, PLOT_GC_SHARE, 0, 1e-12);
    SDL_Color bg = pixel(2, 2); /* inside the frame of `a` */
    assert_true(bg.r == plot_dark.bg.r && bg.g == plot_dark.bg.g && bg.b == plot_dark.bg.b);
}

/* ------------------------------------------------------------------ */
/* Axes that fit the run, zoom                                         */
/* ------------------------------------------------------------------ */

static void test_time_window(void **state) {
    (void)state;
    double f, t;
    plot_time_window(0.05, 10, &f, &t); /* a short run: all of it */
    assert_true(f == 0 && t == 0.05);
    plot_time_window(25, 10, &f, &t); /* a long one: the last 10 s */
    assert_true(f == 15 && t == 25);
    plot_time_window(0, 10, &f, &t); /* nothing yet: a usable range */
    assert_true(f == 0 && t > 0);
    plot_time_window(NAN, 10, &f, &t);
    assert_true(f == 0 && t > 0);
}

static void test_zoom_select(void **state) {
    (void)state;
    clear();
    plot_series s = pseries("tricolor", RED);
    plot_pause_timeline(g_r, g_text, TL_AREA, &s, 1, 2, 4);
    SDL_Rect ax = plot_axes_rect(g_text, TL_AREA);
    /* Columns map linearly onto [from, to], clamped to the axes. */
    assert_true(fabs(plot_time_at(TL_AREA, 2, 4, ax.x) - 2) < 1e-9);
    assert_true(fabs(plot_time_at(TL_AREA, 2, 4, ax.x + ax.w - 1) - 4) < 1e-9);
    assert_true(fabs(plot_time_at(TL_AREA, 2, 4, ax.x - 50) - 2) < 1e-9);
    assert_true(fabs(plot_time_at(TL_AREA, 2, 4, ax.x + ax.w + 50) - 4) < 1e-9);
    int q1 = ax.x + (ax.w - 1) / 4, q3 = ax.x + 3 * (ax.w - 1) / 4;
    double zf = -1, zt = -1;
    /* Dragged right to left or left to right: the same range. */
    assert_true(plot_zoom_select(TL_AREA, 2, 4, q3, q1, &zf, &zt));
    assert_true(fabs(zf - plot_time_at(TL_AREA, 2, 4, q1)) < 1e-9 && fabs(zt - plot_time_at(TL_AREA, 2, 4, q3)) < 1e-9);
    assert_true(zf > 2.45 && zf < 2.55 && zt > 3.45 && zt < 3.55);
    /* A click is not a drag: nothing changes. */
    double zf2 = -1, zt2 = -1;
    assert_false(plot_zoom_select(TL_AREA, 2, 4, q1, q1 + 3, &zf2, &zt2));
    assert_true(zf2 == -1 && zt2 == -1);
    /* Zoomed, a pause inside the range lands where the range says. */
    plot_pause p[] = {{3.0, 100.0}};
    s.pauses = p;
    s.npauses = 1;
    clear();
    plot_pause_timeline(g_r, g_text, TL_AREA, &s, 1, zf, zt);
    assert_int_equal(top_where(ax, time_col(ax, 3.0, zf, zt), is_red), row_of(ax, dur_frac(100)));
}

/* A run of 50 ms, as the demo's first seconds: pauses every 0.1 ms, its
 * heap 3.3 MiB, the other collector's 0.8 MiB. With the default window the
 * timeline has bars in its right half, the GC share is a line from the
 * first pauses on, and the heap panel shows both heaps. */
static void test_axes_fit_a_short_run(void **state) {
    (void)state;
    series tri = {0}, boe = {0};
    for (int i = 0; i < 500; i++) {
        double t = i * 1e-4;
        series_add_pause(&tri, t, 20);
        series_add_point(&tri.heap, &tri.nheap, &tri.cap_heap, t, 3.3);
        series_add_point(&boe.heap, &boe.nheap, &boe.cap_heap, t, 0.8);
    }
    tri.now_s = boe.now_s = 0.05;
    plot_series ps[2] = {series_plot(&tri, "tricolor", RED), series_plot(&boe, "boehm", BLUE)};
    double f, t;
    plot_time_window(tri.now_s, 10, &f, &t);
    SDL_Rect ax = plot_axes_rect(g_text, TL_AREA);

    clear();
    plot_pause_timeline(g_r, g_text, TL_AREA, ps, 2, f, t);
    int right = 0;
    for (int x = ax.x + ax.w / 2; x < ax.x + ax.w; x++) right += top_where(ax, x, is_red) >= 0;
    if (right < ax.w / 4) fail_msg("%d of %d columns of the right half have a bar", right, ax.w / 2);

    /* GC share: samples from the first pause on, 20 us in every 100 us. */
    assert_true(tri.nshare > 10);
    assert_true(tri.share[0].t_s < 0.001);
    assert_true(fabs(tri.share[tri.nshare - 1].v - 0.2) < 0.02);
    clear();
    plot_time_series(g_r, g_text, TL_AREA, ps, 2, PLOT_GC_SHARE, f, t);
    right = 0;
    for (int x = ax.x + ax.w / 2; x < ax.x + ax.w; x++) right += top_where(ax, x, is_red) >= 0;
    assert_true(right > ax.w / 4);

    /* Heap: both lines inside the axes, neither clipped at the top. */
    clear();
    plot_time_series(g_r, g_text, TL_AREA, ps, 2, PLOT_HEAP, f, t);
    int x = ax.x + 3 * ax.w / 4, yr = top_where(ax, x, is_red), yb = top_where(ax, x, is_blue);
    assert_true(yr > ax.y && yb > ax.y);
    assert_true(yr < yb); /* 3.3 MiB above 0.8 MiB */
    series_reset(&tri);
    series_reset(&boe);
}

/* The GC share after a long quiet gap drops to 0 before the next pause. */
static void test_gc_share_gap(void **state) {
    (void)state;
    series s = {0};
    series_add_pause(&s, 0.010, 1000); /* 1 ms pause ending at 11 ms: share 1/11 */
    assert_int_equal(s.nshare, 1);
    assert_true(fabs(s.share[0].v - 1.0 / 11) < 1e-9);
    series_add_pause(&s, 2.0, 1000); /* after 2 s without pauses */
    bool zero = false;
    for (size_t i = 0; i < s.nshare; i++) zero |= s.share[i].v == 0 && s.share[i].t_s > 0.011 && s.share[i].t_s < 2.0;
    assert_true(zero);
    series_reset(&s);
}

/* The marker thread's share, from cumulative CPU samples: the CPU gained
 * over the last 0.25 s of the run over 0.25 s (over the run so far while
 * it is shorter), the window's start interpolated; only the samples the
 * window needs are kept. */
static void test_marker_share_from_cumulative_cpu(void **state) {
    (void)state;
    series s = {0};
    series_add_marker(&s, 0.1, 0.025); /* 25 ms of CPU in the first 100 ms */
    assert_int_equal(s.nmarker, 1);
    assert_true(fabs(s.marker_share[0].v - 0.25) < 1e-9);
    /* [0.25, 0.5]: 0.0625 s at 0.25 (interpolated), 0.125 s at 0.5. */
    series_add_marker(&s, 0.5, 0.125);
    assert_int_equal(s.nmarker, 2);
    assert_true(fabs(s.marker_share[1].v - 0.25) < 1e-9);
    series_add_marker(&s, 1.0, 0.125); /* idle since 0.5 */
    assert_true(fabs(s.marker_share[s.nmarker - 1].v) < 1e-9);
    series_add_marker(&s, 1.1, 0.2); /* 75 ms in 100 ms, over a 250 ms window */
    assert_true(fabs(s.marker_share[s.nmarker - 1].v - 0.3) < 1e-9);
    series_add_marker(&s, 1.2, 0.1); /* never decreases: taken as 0.2 */
    assert_true(s.marker_cum[s.nmarker_cum - 1].v == 0.2);
    series_add_marker(&s, 1.15, 0.3); /* out of order: dropped */
    assert_true(s.marker_cum[s.nmarker_cum - 1].t_s == 1.2);
    /* A long run at a steady 40%: the share is 0.4, and the samples kept
     * are the window's, not the run's. */
    for (int i = 1; i <= 10000; i++) series_add_marker(&s, 1.2 + i * 0.01, 0.2 + i * 0.004);
    assert_true(fabs(s.marker_share[s.nmarker - 1].v - 0.4) < 1e-6);
    assert_true(s.nmarker_cum <= 28);
    plot_series ps = series_plot(&s, "tricolor", RED);
    assert_ptr_equal(ps.marker_share, s.marker_share);
    assert_int_equal(ps.nmarker_share, s.nmarker);
    series_reset(&s);
    assert_int_equal(s.nmarker + s.nmarker_cum, 0);
}

/* On the GC share panel the marker's share is a dashed line (gaps along
 * it) under the pauses' solid one, and the title says which is which. */
static void test_time_series_marker_dashed(void **state) {
    (void)state;
    clear();
    plot_point g[] = {{0, 0.75}, {10, 0.75}}, m[] = {{0, 0.25}, {10, 0.25}};
    plot_series s = pseries("tricolor", RED);
    s.gc_share = g;
    s.ngc_share = 2;
    s.marker_share = m;
    s.nmarker_share = 2;
    SDL_Rect area = {0, 0, 600, 240};
    plot_time_series(g_r, g_text, area, &s, 1, PLOT_GC_SHARE, 0, 10);
    SDL_Rect ax = plot_axes_rect(g_text, area);
    int solid = row_of(ax, 0.75), dashed = row_of(ax, 0.25), on = 0, off = 0;
    for (int x = ax.x + 1; x < ax.x + ax.w - 1; x++) {
        assert_true(is_red(pixel(x, solid)));
        if (is_red(pixel(x, dashed)))
            on++;
        else
            off++;
    }
    /* 5 pixels on, 4 off. */
    assert_true(on > ax.w / 3 && off > ax.w / 3);
    /* Without a marker line nothing is drawn there. */
    clear();
    s.nmarker_share = 0;
    plot_time_series(g_r, g_text, area, &s, 1, PLOT_GC_SHARE, 0, 10);
    for (int x = ax.x + 1; x < ax.x + ax.w - 1; x++) assert_false(is_red(pixel(x, dashed)));
}

/* The scene's side: in the concurrent mode every nanosecond of the
 * marker's CPU it has seen is credited either to the run (the workload
 * ran meanwhile) or to the time it was parked, and the run's part is
 * what the marker series is fed; in the incremental mode there is no
 * marker line at all. Accounting only: no assertion on how much. */
static void test_scene_feeds_the_marker_series(void **state) {
    (void)state;
    if (place_measured_cpu() < 0) skip(); /* one CPU: no marker thread */
    static scene sc;
    for (int conc = 0; conc < 2; conc++) {
        scene_init(&sc, "view");
        sc.wl = wl_find("gcbench");
        sc.size = 0;
        sc.boehm_on = false;
        sc.history_mb = 0;
        sc.cfg.concurrent = conc;
        scene_defaults(&sc);
        scene_settle(&sc);
        assert_true(scene_start(&sc));
        for (int f = 0; f < (conc ? 400 : 30) && (!conc || !sc.marker_run_ns); f++) {
            sc.clock_s += 1.0 / 60;
            scene_frame(&sc, 1.0 / 60);
        }
        tc_stats st;
        tc_get_stats(live_heap(sc.lv), &st);
        assert_true(sc.marker_seen_ns == sc.marker_run_ns + sc.marker_parked_ns);
        assert_true(st.marker_cpu_ns >= sc.marker_seen_ns);
        if (!conc) {
            assert_int_equal(sc.tri.nmarker, 0);
            assert_int_equal(st.marker_cpu_ns, 0);
        } else {
            if (!sc.marker_run_ns) fail_msg("no marker CPU credited to the run in 400 frames");
            assert_true(sc.tri.nmarker > 0);
            assert_true(sc.tri.marker_cum[sc.tri.nmarker_cum - 1].v == (double)sc.marker_run_ns / 1e9);
            double last = sc.tri.marker_share[sc.tri.nmarker - 1].v;
            assert_true(last >= 0 && last <= 1);
        }
        scene_free(&sc);
    }
    place_anywhere(); /* scene_start placed this thread as the viewer */
}

/* The scene's pointer handling: a drag across the timeline zooms the
 * time panels, a click does not, Z resets; the wheel over the heap map
 * zooms it about the pointer, a drag pans it. Synthetic events, no window. */
static SDL_Event mouse_event(Uint32 type, int x, int y) {
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    if (type == SDL_MOUSEMOTION) {
        e.motion.x = x;
        e.motion.y = y;
    } else {
        e.button.button = SDL_BUTTON_LEFT;
        e.button.x = x;
        e.button.y = y;
    }
    return e;
}

static void test_scene_pointer_zooms(void **state) {
    (void)state;
    static scene sc; /* large: not on the stack */
    scene_init(&sc, "view");
    clear();
    plot_series ps = pseries("tricolor", RED);
    plot_pause_timeline(g_r, g_text, TL_AREA, &ps, 1, 0, 8); /* the layout the scene's hit tests use */
    sc.timeline_at = TL_AREA;
    sc.shown_from = 0, sc.shown_to = 8;
    sc.main_at = (SDL_Rect){0, 300, 200, 50};
    SDL_Rect ax = plot_axes_rect(g_text, TL_AREA);
    int q1 = ax.x + (ax.w - 1) / 4, q3 = ax.x + 3 * (ax.w - 1) / 4, y = ax.y + ax.h / 2;
    SDL_Event e = mouse_event(SDL_MOUSEBUTTONDOWN, q1, y);
    assert_true(scene_pointer(&sc, &e));
    e = mouse_event(SDL_MOUSEBUTTONUP, q1 + 2, y); /* a click */
    assert_true(scene_pointer(&sc, &e));
    assert_false(sc.zoomed);
    e = mouse_event(SDL_MOUSEBUTTONDOWN, q3, y);
    scene_pointer(&sc, &e);
    e = mouse_event(SDL_MOUSEBUTTONUP, q1, y);
    scene_pointer(&sc, &e);
    assert_true(sc.zoomed);
    assert_true(fabs(sc.zoom_from - 2) < 0.05 && fabs(sc.zoom_to - 6) < 0.05);
    /* Outside the timeline and the heap map the events are not the scene's. */
    e = mouse_event(SDL_MOUSEBUTTONDOWN, 5, H - 5);
    assert_false(scene_pointer(&sc, &e));
    scene_reset_zoom(&sc);
    assert_false(sc.zoomed);

    /* Heap map: wheel up over it zooms about the pointer, a drag pans. */
    sc.show_heapmap = true;
    sc.hm.ntiles = 40;
    heapmap_layout(&sc.hm, sc.main_at);
    sc.mouse_x = 50, sc.mouse_y = 320;
    SDL_Event w;
    memset(&w, 0, sizeof w);
    w.type = SDL_MOUSEWHEEL;
    w.wheel.y = 1;
    assert_true(scene_pointer(&sc, &w));
    assert_true(fabs(sc.hm.zoom - 1.25) < 1e-9);
    double px = sc.hm.pan_x;
    e = mouse_event(SDL_MOUSEBUTTONDOWN, 50, 320);
    assert_true(scene_pointer(&sc, &e));
    e = mouse_event(SDL_MOUSEMOTION, 60, 320);
    assert_true(scene_pointer(&sc, &e));
    e = mouse_event(SDL_MOUSEBUTTONUP, 60, 320);
    assert_true(scene_pointer(&sc, &e));
    assert_true(fabs(sc.hm.pan_x - (px + 10)) < 1e-9);
    scene_reset_zoom(&sc);
    assert_true(sc.hm.zoom == 1 && sc.hm.pan_x == 0);
}

/* ------------------------------------------------------------------ */
/* Timing (printed, not asserted)                                      */
/* ------------------------------------------------------------------ */

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_timeline_ms(SDL_Renderer *r, SDL_Rect area, const plot_series *s, size_t n, double to) {
    double t[5];
    plot_pause_timeline(r, g_text, area, s, n, 0, to); /* warm up: scratch, caches */
    SDL_RenderFlush(r);
    for (int i = 0; i < 5; i++) {
        double t0 = now_ms();
        plot_pause_timeline(r, g_text, area, s, n, 0, to);
        SDL_RenderFlush(r);
        t[i] = now_ms() - t0;
    }
    qsort(t, 5, sizeof t[0], cmp_double);
    return t[2];
}

static void test_timeline_100k_timing(void **state) {
    (void)state;
    enum { NP = 100000 };
    plot_pause *a = malloc(NP * sizeof *a), *b = malloc(NP * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    /* 100k pauses over 60 s: durations spread over 1 us .. 10 ms. */
    unsigned seed = 12345;
    for (int i = 0; i < NP; i++) {
        seed = seed * 1103515245u + 12345u;
        a[i] = (plot_pause){i * (60.0 / NP), pow(10, (seed >> 16) % 4000 / 1000.0)};
        b[i] = (plot_pause){i * (60.0 / NP) + 0.0003, pow(10, (seed >> 8) % 4000 / 1000.0)};
    }
    plot_series s[2] = {pseries("tricolor", RED), pseries("boehm", BLUE)};
    s[0].pauses = a;
    s[0].npauses = NP;
    s[1].pauses = b;
    s[1].npauses = NP;

    SDL_Surface *big = SDL_CreateRGBSurfaceWithFormat(0, 1280, 720, 32, SDL_PIXELFORMAT_ARGB8888);
    assert_non_null(big);
    SDL_Renderer *r = SDL_CreateSoftwareRenderer(big);
    assert_non_null(r);
    char err[256];
    text *t = text_open(r, FONT_PX, err, sizeof err);
    assert_non_null(t);
    text *keep = g_text;
    g_text = t;
    SDL_Rect area = {0, 0, 1280, 300};
    double one = median_timeline_ms(r, area, s, 1, 60);
    double two = median_timeline_ms(r, area, s, 2, 60);
    double zoom = 0;
    {
        /* Zoomed to 1 s: ~1,700 pauses per series, fewer than columns. */
        double tt[5];
        for (int i = 0; i < 5; i++) {
            double t0 = now_ms();
            plot_pause_timeline(r, g_text, area, s, 2, 30, 31);
            SDL_RenderFlush(r);
            tt[i] = now_ms() - t0;
        }
        qsort(tt, 5, sizeof tt[0], cmp_double);
        zoom = tt[2];
    }
    print_message("timeline 1280x300, software renderer, median of 5: 100k pauses %.3f ms; "
                  "2 x 100k %.3f ms; 2 x 100k zoomed to 1 s %.3f ms\n",
                  one, two, zoom);
    g_text = keep;
    text_close(t);
    SDL_DestroyRenderer(r);
    SDL_FreeSurface(big);
    free(a);
    free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_metrics),
        cmocka_unit_test(test_text_draws_inside_its_box),
        cmocka_unit_test(test_text_colour_and_unknown_chars),
        cmocka_unit_test(test_text_falls_back_to_system_font),
        cmocka_unit_test(test_text_shipped_font_no_warning),
        cmocka_unit_test(test_text_open_errors),
        cmocka_unit_test(test_timeline_one_pause),
        cmocka_unit_test(test_timeline_column_shows_longest),
        cmocka_unit_test(test_timeline_clamps_and_ranges),
        cmocka_unit_test(test_timeline_hit),
        cmocka_unit_test(test_panels_restore_renderer_state),
        cmocka_unit_test(test_histogram_bins),
        cmocka_unit_test(test_histogram_markers),
        cmocka_unit_test(test_mmu_curve),
        cmocka_unit_test(test_time_series_gc_share),
        cmocka_unit_test(test_time_series_heap_and_trigger),
        cmocka_unit_test(test_heap_holds_until_the_next_sample),
        cmocka_unit_test(test_panels_without_text_or_data),
        cmocka_unit_test(test_time_window),
        cmocka_unit_test(test_zoom_select),
        cmocka_unit_test(test_axes_fit_a_short_run),
        cmocka_unit_test(test_gc_share_gap),
        cmocka_unit_test(test_marker_share_from_cumulative_cpu),
        cmocka_unit_test(test_time_series_marker_dashed),
        cmocka_unit_test(test_scene_feeds_the_marker_series),
        cmocka_unit_test(test_scene_pointer_zooms),
        cmocka_unit_test(test_timeline_100k_timing),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
