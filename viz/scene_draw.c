/*
 * scene_draw.c — the picture of a scene (scene_draw in scene.h): title
 * and legend on top; left, the object graph or heap map; right, with
 * Tricolor and Boehm in the same axes, the pause timeline, the pause
 * distribution, the MMU curve, GC share and heap size; bottom, the sliders
 * and the status line; over it all, a note, a caption and the help.
 *
 * Everything is laid out from the output size and the font's height, so
 * the same code draws the window at any size and a recording at its video
 * size. Nothing here reads a clock: time-dependent parts (notes, captions)
 * compare with the scene's clock_s, so a recording draws the same pixels
 * every time.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "palette.h"
#include "plots.h"
#include "scene.h"

typedef struct layout {
    SDL_Rect top, main, plots[5], scrub, bottom, status;
} layout;

static layout compute_layout(const scene *s, int w, int h) {
    layout L;
    int th = text_height(s->font);
    L.top = (SDL_Rect){0, 0, w, th + 8};
    L.status = (SDL_Rect){0, h - (th + 8), w, th + 8};
    L.bottom = (SDL_Rect){0, L.status.y - (th + 14), w, th + 14};
    int body_y = L.top.h, body_h = L.bottom.y - body_y;
    int main_w = w * 56 / 100;
    L.main = (SDL_Rect){6, body_y + 4, main_w - 10, body_h - 8};
    int scrub_h = th + 10; /* the time travel scrubber, under the plots */
    int px = main_w, pw = w - main_w - 6, ph = (body_h - scrub_h) / 5;
    for (int i = 0; i < 5; i++) L.plots[i] = (SDL_Rect){px, body_y + i * ph + 2, pw, ph - 4};
    L.scrub = (SDL_Rect){px, body_y + 5 * ph + 2, pw, scrub_h - 4};
    return L;
}

static void fill(SDL_Renderer *r, SDL_Rect rc, SDL_Color c) {
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(r, &rc);
}

static double slider_pos(const scene_slider *sl) {
    if (sl->zero_is_none && sl->value <= 0) return 0;
    return log(sl->value / sl->lo) / log(sl->hi / sl->lo);
}

static void draw_sliders(scene *s, SDL_Renderer *r, SDL_Rect area) {
    int n = 3, x = area.x + 8, seg = (area.w - 16) / n, th = text_height(s->font);
    for (int i = 0; i < n; i++) {
        scene_slider *sl = &s->sliders[i];
        char val[48];
        if (i == 0)
            snprintf(val, sizeof val, "%.0f %s", sl->value, s->cfg.budget_unit == TC_BUDGET_WORK ? "units" : "us");
        else if (i == 1)
            snprintf(val, sizeof val, "%.0f%%", sl->value);
        else if (sl->value <= 0)
            snprintf(val, sizeof val, "none");
        else
            snprintf(val, sizeof val, "%.0f MiB", sl->value / (1 << 20));
        int lx = x + i * seg;
        int lw = text_draw(s->font, lx, area.y + 5, PAL_DIM, sl->label);
        int vw = text_width(s->font, "0000000 units");
        sl->track = (SDL_Rect){lx + lw + 8, area.y + area.h / 2 - 2, seg - lw - vw - 28, 4};
        fill(r, sl->track, PAL_DIM);
        int kx = sl->track.x + (int)(slider_pos(sl) * sl->track.w);
        fill(r, (SDL_Rect){kx - 4, area.y + area.h / 2 - th / 2, 8, th}, PAL_TRICOLOR);
        text_draw(s->font, sl->track.x + sl->track.w + 10, area.y + 5, PAL_TEXT, val);
    }
}

static void draw_help(scene *s, SDL_Renderer *r, int w, int h) {
    static const char *const lines[] = {
        "Keys",
        "  space      pause / resume",
        "  N or ->    one increment (in the history: the next one kept)",
        "  <-         one increment back: the history of what was shown (the run pauses)",
        "  space      in the history: replay from there at the speed, then the live run",
        "  End / Home the live run (paused) / the oldest moment kept",
        "  + / -      speed: below 1 slow motion (an increment over several frames),",
        "             1 an increment a frame, above 1 faster, up to 32 (full speed)",
        "  1-9        workload (see 'tricolor list')",
        "  B          next barrier from the next cycle: dijkstra, steele, yuasa, stw, hybrid",
        "             (concurrent mode: dijkstra, yuasa, hybrid)",
        "  M          mode from the next cycle: incremental / concurrent (a marker thread",
        "             marks beside the program; GC share panel: its CPU dashed)",
        "  A          auto-pacer on/off: the collector sizes increments to a pause target",
        "  R          reset the run",
        "  S          screenshot (PNG in the current directory)",
        "  G          object graph / heap map",
        "  Z          reset zoom: time panels back to the run so far, heap map whole",
        "  C          close every summary box opened with a click",
        "  F          fullscreen",
        "  H          this help",
        "  Q or Esc   quit",
        "Mouse: click an object (graph or heap map) to inspect it, a slot of the panel to follow it,",
        "       empty space to close it; click a summary box to open it;",
        "       drag the sliders (step budget, trigger %, heap limit);",
        "       drag across the pause timeline to zoom every time panel into that range,",
        "       click a pause bar there to see the heap right after that pause;",
        "       drag the history bar under the plots to go back in time;",
        "       heap map: wheel zooms, drag pans, hover names page, class, cell, object;",
        "       hover a pause bar for its details.",
    };
    int n = (int)(sizeof lines / sizeof lines[0]), th = text_height(s->font), bw = 0;
    for (int i = 0; i < n; i++) {
        int lw = text_width(s->font, lines[i]);
        if (lw > bw) bw = lw;
    }
    char target[96];
    if (s->cfg.pause_target_usec)
        snprintf(target, sizeof target, "Auto-pacer: on, pause target %u us (A turns it off)",
                 s->cfg.pause_target_usec);
    else
        snprintf(target, sizeof target, "Auto-pacer: off (A turns it on, pause target %u us)", s->pause_target_on);
    SDL_Rect box = {(w - bw) / 2 - 16, (h - (n + 1) * th) / 2 - 16, bw + 32, (n + 1) * th + 32};
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    fill(r, box, pal_alpha(PAL_OVERLAY, 0xe8));
    for (int i = 0; i < n; i++) text_draw(s->font, box.x + 16, box.y + 16 + i * th, i ? PAL_TEXT : PAL_ROOT, lines[i]);
    text_draw(s->font, box.x + 16, box.y + 16 + n * th, PAL_DIM, target);
}

static void fmt_us(char *b, size_t n, double us) {
    if (us >= 1000)
        snprintf(b, n, "%.2fms", us / 1000);
    else
        snprintf(b, n, "%.0fus", us);
}

/* Breaks src into at most maxl lines of at most fit characters (the fonts
 * are monospace), at a blank where one fits and mid-word where none
 * does, and at each newline. Returns the count; *widest is the longest
 * line's length in characters. */
enum { WRAP_COLS = 384 };
static int wrap_text(const char *src, int fit, char lines[][WRAP_COLS], int maxl, int *widest) {
    int nl = 0;
    *widest = 0;
    const char *p = src;
    while (*p && nl < maxl) {
        while (*p == ' ') p++;
        int len = (int)strcspn(p, "\n");
        if (len > fit) {
            int cut = fit;
            while (cut > 0 && p[cut] != ' ') cut--;
            len = cut > 0 ? cut : fit;
        }
        snprintf(lines[nl], WRAP_COLS, "%.*s", len, p);
        if (len > *widest) *widest = len;
        nl++;
        p += len;
        if (*p == '\n') p++;
    }
    return nl;
}

/* The caption: large, centred low over the main panel, wrapped at blanks
 * to the panel's width (at most four lines), fading in and out over a
 * quarter second of the scene's clock. */
static int draw_caption(scene *s, SDL_Renderer *r, SDL_Rect main) {
    if (!s->caption[0] || s->clock_s < s->caption_from || s->clock_s >= s->caption_until) return main.y + main.h;
    double a = s->clock_s - s->caption_from, b = s->caption_until - s->clock_s, q = 0.25;
    double alpha = a < q ? a / q : b < q ? b / q : 1;
    if (alpha < 0) alpha = 0;
    text *f = s->caption_font ? s->caption_font : s->font;
    int th = text_height(f), adv = text_width(f, "m");
    int fit = adv > 0 ? (main.w - 2 * th) / adv : 1; /* characters a line */
    if (fit < 8) fit = 8;
    char lines[4][WRAP_COLS];
    int widest, nl = wrap_text(s->caption, fit, lines, 4, &widest);
    int bw = widest * adv + th, bh = nl * th + th / 2;
    SDL_Rect box = {main.x + (main.w - bw) / 2, main.y + main.h - bh - 2 * th, bw, bh};
    if (box.x < main.x) box.x = main.x;
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    fill(r, box, pal_alpha(PAL_OVERLAY, (Uint8)(0xe0 * alpha)));
    SDL_Color c = PAL_TEXT;
    c.a = (Uint8)(255 * alpha);
    for (int i = 0; i < nl; i++) {
        int lw = text_width(f, lines[i]);
        text_draw(f, box.x + (bw - lw) / 2, box.y + th / 4 + i * th, c, lines[i]);
    }
    return box.y;
}

/* A lesson's verdict (scene_lesson.c) just above the caption (whose top
 * is `above`): what was done and the verifier's word, each line wrapped
 * at blanks to the panel; red while the heap it broke waits for repair. */
static void draw_lesson(scene *s, SDL_Renderer *r, SDL_Rect main, int above) {
    if (!s->lesson_msg[0]) return;
    text *font = s->font;
    int th = text_height(font), adv = text_width(font, "m");
    int fit = adv > 0 ? (main.w - 32) / adv : 1;
    if (fit < 1) fit = 1;
    char lines[6][WRAP_COLS];
    int widest, nl = wrap_text(s->lesson_msg, fit, lines, 6, &widest);
    SDL_Rect box = {main.x + 8, above - nl * th - 16, widest * adv + 16, nl * th + 8};
    fill(r, box, s->broken ? PAL_ALERT_BG : PAL_OVERLAY);
    for (int i = 0; i < nl; i++)
        text_draw(font, box.x + 8, box.y + 4 + i * th, s->broken ? PAL_BARRIER : PAL_TARGET, lines[i]);
}

/* The title line: workload, the series' and colours' legend, and what a
 * deterministic scene's clock is. */
static void draw_title(scene *s, SDL_Renderer *r, int w) {
    text *font = s->font;
    int x = 8;
    /* The mode; concurrent: the marker thread's CPU over the GC share's
     * window (the dashed line's last value) against its cap, which with
     * --gc-idle it passes on CPU time nothing else wants (knobs.c): "+
     * idle" says so, or a share over the cap reads as a broken cap. */
    char mode_s[96];
    if (s->cfg.concurrent && s->tri.nmarker)
        snprintf(mode_s, sizeof mode_s, "concurrent: marker %.0f%% of a core (cap %u%%%s)",
                 s->tri.marker_share[s->tri.nmarker - 1].v * 100, s->cfg.gc_cpu_pct, s->cfg.gc_idle ? " + idle" : "");
    else
        snprintf(mode_s, sizeof mode_s, "%s", s->cfg.concurrent ? "concurrent" : "incremental");
    x += text_drawf(font, x, 4, PAL_TEXT, "tricolor view: %s (%s), %s   ", s->wl->name, wl_size_names[s->size], mode_s);
    fill(r, (SDL_Rect){x, 8, 10, 10}, PAL_TRICOLOR);
    x += 14 + text_draw(font, x + 14, 4, PAL_TEXT, "tricolor   ");
    if (s->boehm_on) {
        fill(r, (SDL_Rect){x, 8, 10, 10}, PAL_BOEHM);
        x += 14 + text_draw(font, x + 14, 4, PAL_TEXT, "boehm   ");
    }
    fill(r, (SDL_Rect){x, 8, 10, 10}, PAL_WHITE_OBJ);
    x += 14 + text_draw(font, x + 14, 4, PAL_DIM, "white ");
    fill(r, (SDL_Rect){x, 8, 10, 10}, PAL_GREY_OBJ);
    x += 14 + text_draw(font, x + 14, 4, PAL_DIM, "grey ");
    fill(r, (SDL_Rect){x - 1, 7, 12, 12}, PAL_BLACK_RIM);
    fill(r, (SDL_Rect){x, 8, 10, 10}, PAL_BLACK_OBJ);
    x += 14 + text_draw(font, x + 14, 4, PAL_DIM, "black ");
    fill(r, (SDL_Rect){x, 8, 10, 10}, PAL_ROOT);
    x += 14 + text_draw(font, x + 14, 4, PAL_DIM, "root");
    if (s->deterministic) {
        char d[128];
        snprintf(d, sizeof d, "deterministic: time = %g ns/work unit + %g ns/byte allocated; no Boehm", DET_NS_PER_UNIT,
                 DET_NS_PER_BYTE);
        int dw = text_width(font, d);
        text_draw(font, w - dw - 8 > x + 16 ? w - dw - 8 : x + 16, 4, PAL_ROOT, d);
    } else if (s->measured) {
        /* The plots are the measured runs', not this picture's run. */
        char d[96];
        snprintf(d, sizeof d, "plots: %ld passes measured first, as bench", s->measure_passes);
        int dw = text_width(font, d);
        if (w - dw - 8 > x + 16) text_draw(font, w - dw - 8, 4, PAL_DIM, d);
    } else if (s->stepped_incr) {
        const char *d = "stepped increments start cold: pauses read higher than bench's";
        int dw = text_width(font, d);
        if (w - dw - 8 > x + 16) text_draw(font, w - dw - 8, 4, PAL_DIM, d);
    }
}

/* A tip box at the pointer, kept inside the output. */
static void draw_tip(scene *s, SDL_Renderer *r, const char *tip) {
    text *font = s->font;
    int tw = text_width(font, tip) + 12;
    SDL_Rect box = {s->mouse_x - tw - 8, s->mouse_y + 12, tw, text_height(font) + 8};
    if (box.x < 0) box.x = s->mouse_x + 12;
    fill(r, box, PAL_OVERLAY);
    text_draw(font, box.x + 6, box.y + 4, PAL_TEXT, tip);
}

static void fmt_bytes(char *b, size_t n, double v) {
    if (v >= 1 << 20)
        snprintf(b, n, "%.1f MiB", v / (1 << 20));
    else if (v >= 4096)
        snprintf(b, n, "%.0f KiB", v / 1024);
    else
        snprintf(b, n, "%.0f B", v);
}

/* The heap map's legend under it: the colours with their counts, the
 * pages, and the size-class groups present as their outline colours; in
 * the sweep, how many pages still hold black (the sweep has not reached
 * them: it turns black into the new white). */
static void draw_heapmap_legend(scene *s, SDL_Renderer *r, SDL_Rect main, tc_phase ph) {
    text *font = s->font;
    const heapmap *m = &s->hm;
    int th = text_height(font), y = main.y + main.h - 2 * th - 12;
    fill(r, (SDL_Rect){main.x, y - 4, main.w, 2 * th + 16}, PAL_PANEL);
    int x = main.x + 6;
    static const struct {
        uint8_t c;
        const char *name;
    } keys[] = {{TC_WHITE, "white"}, {TC_GREY, "grey"}, {TC_BLACK, "black"}, {TC_FREE, "free"}};
    for (size_t i = 0; i < 4; i++) {
        SDL_Color c = keys[i].c == TC_WHITE   ? PAL_WHITE_OBJ
                      : keys[i].c == TC_GREY  ? PAL_GREY_OBJ
                      : keys[i].c == TC_BLACK ? PAL_BLACK_OBJ
                                              : PAL_FREE_CELL;
        fill(r, (SDL_Rect){x - 1, y + 3, 12, 12}, PAL_DIM);
        fill(r, (SDL_Rect){x, y + 4, 10, 10}, c);
        x += 14 + text_drawf(font, x + 14, y, PAL_DIM, "%s %zu  ", keys[i].name,
                             m->counts[keys[i].c] + (keys[i].c == TC_WHITE ? m->counts[2] : 0));
    }
    int y2 = y + th + 4;
    if (!m->structured) {
        text_draw(font, main.x + 6, y2, PAL_BARRIER, "page structure unavailable: cells in address order");
        return;
    }
    if (ph == TC_PHASE_SWEEP)
        text_drawf(font, x, y, PAL_ROOT, "sweep: %zu/%zu pages to go", m->black_pages, m->nsmall);
    else if (m->grey_pages)
        text_drawf(font, x, y, PAL_ROOT, "grey in %zu/%zu pages (badged)", m->grey_pages, m->npages);
    else
        text_drawf(font, x, y, PAL_DIM, "%zu pages, %zu large", m->nsmall, m->npages - m->nsmall);
    bool present[HM_GROUPS] = {false};
    for (size_t i = 0; i < m->npages; i++)
        present[heapmap_class_group(m->pages[i].cell_size, m->pages[i].large)] = true;
    int x2 = main.x + 6 + text_draw(font, main.x + 6, y2, PAL_DIM, "outline, cell size: ");
    for (int k = 0; k < HM_GROUPS; k++) {
        if (!present[k]) continue;
        char lab[24];
        if (k == HM_GROUPS - 1)
            snprintf(lab, sizeof lab, "large ");
        else if (k == 0)
            snprintf(lab, sizeof lab, "16B ");
        else
            snprintf(lab, sizeof lab, "%u-%uB ", (8u << k) + 1, 16u << k);
        if (x2 + 16 + text_width(font, lab) > main.x + main.w) break;
        SDL_Color c = heapmap_group_colour(k);
        SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 255);
        SDL_RenderDrawRect(r, &(SDL_Rect){x2, y2 + 3, 12, 12});
        SDL_RenderDrawRect(r, &(SDL_Rect){x2 + 1, y2 + 4, 10, 10});
        x2 += 16 + text_draw(font, x2 + 16, y2, PAL_DIM, lab);
    }
    if (m->zoom > 1) text_drawf(font, x2 + 4, y2, PAL_ROOT, "zoom %.1fx (Z resets)", m->zoom);
}

/* Zoomed in far enough, each page names its cell size in its corner. */
static void draw_heapmap_labels(scene *s, SDL_Renderer *r, SDL_Rect area) {
    const heapmap *m = &s->hm;
    text *font = s->font;
    /* A label takes at most about half a tile's width. */
    if (!m->structured || m->tile * m->zoom < 2 * text_width(font, "128 B") + 8) return;
    for (size_t i = 0; i < m->npages; i++) {
        SDL_FRect fr = heapmap_tile_rect(m, area, m->pages[i].tile);
        if (fr.x + fr.w < area.x || fr.y + fr.h < area.y || fr.x > area.x + area.w || fr.y > area.y + area.h) continue;
        char lab[24];
        fmt_bytes(lab, sizeof lab, m->pages[i].cell_size);
        int w = text_width(font, lab) + 4, h = text_height(font);
        SDL_Rect box = {(int)fr.x + 2, (int)fr.y + 2, w, h};
        fill(r, box, PAL_OVERLAY);
        text_draw(font, box.x + 2, box.y,
                  heapmap_group_colour(heapmap_class_group(m->pages[i].cell_size, m->pages[i].large)), lab);
    }
}

static void draw_heapmap_tip(scene *s, SDL_Renderer *r, SDL_Rect area) {
    hm_hit hit;
    if (s->mouse_x < 0 || !heapmap_locate(&s->hm, area, s->mouse_x, s->mouse_y, &hit)) return;
    char tip[200], obj[48] = "", sz[32];
    if (hit.obj)
        snprintf(obj, sizeof obj, "object %#lx ", (unsigned long)hit.obj);
    else
        snprintf(obj, sizeof obj, "%s", hit.colour ? "" : "no object ");
    fmt_bytes(sz, sizeof sz, hit.pg->cell_size);
    if (!s->hm.structured)
        snprintf(tip, sizeof tip, "cell %zu: %s", (size_t)hit.pg->first + hit.cell,
                 tc_colour_name((tc_colour)hit.colour));
    else if (hit.pg->large)
        snprintf(tip, sizeof tip, "large object %#lx, %s: %s", (unsigned long)hit.obj, sz,
                 tc_colour_name((tc_colour)hit.colour));
    else
        snprintf(tip, sizeof tip, "page %u, class %s, cell %u of %u: %s%s", hit.pg->page, sz, hit.cell, hit.pg->ncells,
                 obj, tc_colour_name((tc_colour)hit.colour));
    draw_tip(s, r, tip);
}

/* The inspected object on the heap map: its page's tile outlined, its
 * cell's texel filled, and the inspector's panel beside them. */
static void draw_heapmap_selection(scene *s, SDL_Renderer *r, SDL_Rect area, text *font) {
    SDL_FRect tile, cell;
    int sx = -1, sy = -1;
    if (s->insp.obj && s->insp.info.obj == s->insp.obj &&
        heapmap_object_rect(&s->hm, area, &s->insp.info, &tile, &cell)) {
        SDL_SetRenderDrawColor(r, PAL_SELECT.r, PAL_SELECT.g, PAL_SELECT.b, 0xff);
        SDL_RenderDrawRectF(r, &tile);
        SDL_FRect in = {tile.x + 1, tile.y + 1, tile.w - 2, tile.h - 2};
        SDL_RenderDrawRectF(r, &in);
        SDL_FRect mark = {cell.x - 1, cell.y - 1, cell.w + 2, cell.h + 2};
        SDL_RenderFillRectF(r, &mark);
        sx = (int)(cell.x + cell.w / 2), sy = (int)(cell.y + cell.h / 2);
    }
    inspector_draw(&s->insp, r, font, area, sx, sy);
}

/* The heap map's area: the main panel above its two-line legend. */
static SDL_Rect heapmap_area(const scene *s, SDL_Rect main) {
    int th = text_height(s->font);
    return (SDL_Rect){main.x + 2, main.y + 2, main.w - 4, main.h - 2 * th - 22};
}

/* The object graph or heap map, with its caption. */
static void draw_main(scene *s, SDL_Renderer *r, SDL_Rect main, tc_phase ph) {
    text *font = s->font;
    SDL_RenderSetClipRect(r, &main);
    if (s->show_heapmap) {
        SDL_Rect area = heapmap_area(s, main);
        s->main_at = area;
        SDL_RenderSetClipRect(r, &area);
        heapmap_draw(&s->hm, r, area);
        draw_heapmap_labels(s, r, area);
        draw_heapmap_selection(s, r, area, font);
        SDL_RenderSetClipRect(r, &main);
        draw_heapmap_legend(s, r, main, ph);
    } else {
        s->main_at = main;
        graph_draw(&s->g, r, main);
        int sx = -1, sy = -1;
        if (!graph_node_pixel(&s->g, s->insp.obj, &sx, &sy)) sx = sy = -1;
        inspector_draw(&s->insp, r, font, main, sx, sy);
        if (s->g.truncated)
            text_drawf(font, main.x + 6, main.y + main.h - text_height(font) - 4, PAL_DIM,
                       "showing the %zu objects nearest the roots of %zu (G: heap map shows all)", s->g.shown,
                       s->g.live_objects);
    }
    draw_lesson(s, r, main, draw_caption(s, r, main));
    SDL_RenderSetClipRect(r, NULL);
}

/* The five plots, and the hovered pause's details. */
static void draw_plots(scene *s, SDL_Renderer *r, const layout *L) {
    text *font = s->font;
    plot_series ps[2] = {series_plot(&s->tri, "tricolor", PAL_TRICOLOR), series_plot(&s->boe, "boehm", PAL_BOEHM)};
    size_t np = s->boehm_on ? 2 : 1;
    /* The time panels fit the run: [0, now] until it is 10 s long, then
     * the last 10 s; or the range the user dragged on the timeline. */
    /* Tricolor's clock: Boehm's child may run ahead of it by its credit
     * (feed.c), and the two are compared over the same execution time. */
    double now = s->tri.now_s, t_from, t_to;
    plot_time_window(now, 10, &t_from, &t_to);
    if (s->zoomed && s->zoom_from < now) t_from = s->zoom_from, t_to = s->zoom_to;
    s->shown_from = t_from, s->shown_to = t_to;
    s->timeline_at = L->plots[0];
    double windows_ms[METRICS_NWINDOWS];
    for (int i = 0; i < METRICS_NWINDOWS; i++) windows_ms[i] = (double)metrics_windows_ns[i] / 1e6;
    plot_pause_timeline(r, font, L->plots[0], ps, np, t_from, t_to);
    plot_pause_histogram(r, font, L->plots[1], ps, np);
    plot_mmu_curve(r, font, L->plots[2], ps, np, windows_ms, METRICS_NWINDOWS);
    plot_time_series(r, font, L->plots[3], ps, np, PLOT_GC_SHARE, t_from, t_to);
    plot_time_series(r, font, L->plots[4], ps, np, PLOT_HEAP, t_from, t_to);
    size_t hs, hpi;
    if (s->mouse_x >= 0 && plot_timeline_hit(L->plots[0], ps, np, t_from, t_to, s->mouse_x, s->mouse_y, &hs, &hpi)) {
        char d[32];
        fmt_us(d, sizeof d, ps[hs].pauses[hpi].dur_us);
        char tip[128];
        snprintf(tip, sizeof tip, "%s pause at %.3f s: %s", ps[hs].name, ps[hs].pauses[hpi].t_s, d);
        draw_tip(s, r, tip);
    }
    /* A drag in progress on the timeline: the range it selects. */
    if (s->zoom_drag_x >= 0 && s->mouse_x >= 0) {
        SDL_Rect ax = plot_axes_rect(font, L->plots[0]);
        int a = s->zoom_drag_x < s->mouse_x ? s->zoom_drag_x : s->mouse_x;
        int b = s->zoom_drag_x < s->mouse_x ? s->mouse_x : s->zoom_drag_x;
        if (a < ax.x) a = ax.x;
        if (b > ax.x + ax.w) b = ax.x + ax.w;
        SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
        fill(r, (SDL_Rect){a, ax.y, b - a, ax.h}, pal_alpha(PAL_TEXT, 0x40));
        SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
    }
    /* The moment a past frame shows, marked on every time panel. */
    const hist_moment *m = scene_moment(s);
    if (m && m->run_s >= t_from && m->run_s <= t_to) {
        const int timed[] = {0, 3, 4};
        for (int k = 0; k < 3; k++) {
            SDL_Rect ax = plot_axes_rect(font, L->plots[timed[k]]);
            int x = plot_x_at(L->plots[timed[k]], t_from, t_to, m->run_s);
            SDL_SetRenderDrawColor(r, PAL_ROOT.r, PAL_ROOT.g, PAL_ROOT.b, 0xff);
            SDL_RenderDrawLine(r, x, ax.y, x, ax.y + ax.h - 1);
            SDL_RenderDrawLine(r, x + 1, ax.y, x + 1, ax.y + ax.h - 1);
        }
    }
    if (s->zoomed) { /* said inside the axes' top left, over the bars */
        SDL_Rect ax = plot_axes_rect(font, L->plots[0]);
        const char *z = "zoomed: Z resets";
        SDL_Rect box = {ax.x + 2, ax.y + 2, text_width(font, z) + 8, text_height(font) + 2};
        fill(r, box, PAL_OVERLAY);
        text_draw(font, box.x + 4, box.y + 1, PAL_ROOT, z);
    }
}

/* The history scrubber: a column per span of kept frames, tinted by the
 * collector's phase then (marking grey, sweep blue, idle dark), the frame
 * shown marked, and what the history holds. Its track is kept in
 * s->scrub_at for the pointer (scene_scrub_index). */
static void draw_scrubber(scene *s, SDL_Renderer *r, SDL_Rect rc) {
    text *font = s->font;
    const history *h = &s->hist;
    fill(r, rc, PAL_PANEL);
    int lw = text_draw(font, rc.x + 4, rc.y + 1, PAL_DIM, "history ") + 4;
    char right[96];
    if (!h->limit_bytes)
        snprintf(right, sizeof right, "off (--history 0)");
    else
        snprintf(right, sizeof right, " %.1f of %zu MB%s", (double)history_bytes(h) / (1 << 20), s->history_mb,
                 s->at >= 0 ? "" : ", live");
    int rw = text_width(font, right) + 6;
    SDL_Rect track = {rc.x + lw, rc.y + 2, rc.w - lw - rw, rc.h - 4};
    s->scrub_at = track;
    text_draw(font, track.x + track.w + 4, rc.y + 1, s->at >= 0 ? PAL_ROOT : PAL_DIM, right);
    if (track.w < 8) return;
    fill(r, track, PAL_BG);
    if (!h->n) return;
    for (int x = 0; x < track.w; x++) {
        size_t i = h->n == 1 ? 0 : (size_t)((double)x * (double)(h->n - 1) / (double)(track.w - 1) + 0.5);
        tc_phase ph = h->f[i].m.phase;
        SDL_Color c = ph == TC_PHASE_ROOTS || ph == TC_PHASE_PROPAGATE || ph == TC_PHASE_ATOMIC ? PAL_GREY_OBJ
                      : ph == TC_PHASE_SWEEP                                                    ? PAL_FREE_CELL
                                                                                                : PAL_GRID;
        SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 0xff);
        SDL_RenderDrawLine(r, track.x + x, track.y + 2, track.x + x, track.y + track.h - 3);
    }
    size_t at = s->at >= 0 ? (size_t)s->at : h->n - 1;
    int x = track.x + (h->n == 1 ? track.w - 1 : (int)lround((double)at * (track.w - 1) / (double)(h->n - 1)));
    fill(r, (SDL_Rect){x - 2, track.y, 5, track.h}, s->at >= 0 ? PAL_ROOT : PAL_TEXT);
}

/* The sliders and the status line. */
static void draw_status(scene *s, SDL_Renderer *r, const layout *L, tc_phase ph, uint64_t cycles, const tc_stats *st) {
    text *font = s->font;
    fill(r, L->bottom, PAL_PANEL);
    draw_sliders(s, r, L->bottom);
    char p99[32], mx[32], bp99[32], bmx[32];
    fmt_us(p99, sizeof p99, s->tri.sum.p99_us);
    fmt_us(mx, sizeof mx, s->tri.sum.max_us);
    fmt_us(bp99, sizeof bp99, s->boe.sum.p99_us);
    fmt_us(bmx, sizeof bmx, s->boe.sum.max_us);
    double sp = scene_speed(s);
    char speed_s[32];
    if (sp < 1)
        snprintf(speed_s, sizeof speed_s, "1/%.0f (slow)", 1 / sp);
    else if (s->speed_idx == SCENE_SPEED_ONE)
        snprintf(speed_s, sizeof speed_s, "1 (incr/frame)");
    else
        snprintf(speed_s, sizeof speed_s, "%.0f%s", sp, s->speed_idx == scene_nspeeds - 1 ? " (full)" : "");
    char boehm_s[160] = "";
    if (s->boehm_on)
        snprintf(boehm_s, sizeof boehm_s, " | boehm p99 %s max %s%s", bp99, bmx,
                 s->fd.alive || s->measured ? "" : " (stopped)");
    /* The budget: fixed, or the auto-pacer's current choice. */
    char step_s[64];
    if (s->cfg.pause_target_usec)
        snprintf(step_s, sizeof step_s, "step %u (auto %uus)", st->step_units, s->cfg.pause_target_usec);
    else
        snprintf(step_s, sizeof step_s, "step %u%s",
                 s->cfg.budget_unit == TC_BUDGET_WORK ? s->cfg.step_work : s->cfg.step_usec,
                 s->cfg.budget_unit == TC_BUDGET_WORK ? "" : "us");
    /* The barrier, after the mode when it is the concurrent one (the
     * title line names the mode either way; the line is full at 1280
     * pixels with Boehm on, so the incremental mode, the default, is not
     * repeated here). */
    char mode_s[64];
    snprintf(mode_s, sizeof mode_s, "%s%s", s->cfg.concurrent ? "concurrent " : "", tc_barrier_name(s->cfg.barrier));
    const hist_moment *m = scene_moment(s);
    char state[96];
    if (m)
        snprintf(state, sizeof state, "%s increment %llu at %.*f %s (End: live)",
                 s->playing ? "replaying" : "history:", (unsigned long long)m->incr, m->run_s < 1 ? 2 : 3,
                 m->run_s < 1 ? m->run_s * 1e3 : m->run_s, m->run_s < 1 ? "ms" : "s");
    else
        snprintf(state, sizeof state, "%s%s", s->paused ? "paused" : "speed ", s->paused ? "" : speed_s);
    text_drawf(font, 8, L->status.y + 4, m ? PAL_ROOT : PAL_TEXT,
               "%s | cycle %llu | %s | %s | trigger %u%% | p99 %s max %s%s | %s | %.0f fps | H help", tc_phase_name(ph),
               (unsigned long long)cycles + 1, mode_s, step_s, s->cfg.trigger_pct, p99, mx, boehm_s, state, s->fps);
}

void scene_draw(scene *s, SDL_Renderer *r, int w, int h) {
    layout L = compute_layout(s, w, h);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
    fill(r, (SDL_Rect){0, 0, w, h}, PAL_BG);
    fill(r, L.main, PAL_PANEL);
    tc_heap *hp = live_heap(s->lv);
    tc_stats st;
    tc_get_stats(hp, &st);
    /* The moment shown: a past frame's (time travel), or now. */
    const hist_moment *m = scene_moment(s);
    tc_phase ph = m ? m->phase : tc_current_phase(hp);
    uint64_t cycles = m ? m->cycles : st.cycles;
    draw_title(s, r, w);
    draw_main(s, r, L.main, ph);
    draw_plots(s, r, &L);
    draw_scrubber(s, r, L.scrub);
    if (s->show_heapmap) draw_heapmap_tip(s, r, s->main_at);
    draw_status(s, r, &L, ph, cycles, &st);
    text *font = s->font;
    if (s->note[0] && s->clock_s < s->note_until) {
        int tw = text_width(font, s->note) + 16;
        SDL_Rect box = {L.main.x + 8, L.main.y + 8, tw, text_height(font) + 8};
        fill(r, box, PAL_ALERT_BG);
        text_draw(font, box.x + 8, box.y + 4, PAL_TEXT, s->note);
    }
    if (s->prompt[0]) { /* a script waits for a key: in the main panel's top right */
        int tw = text_width(font, s->prompt) + 16;
        SDL_Rect box = {L.main.x + L.main.w - tw - 8, L.main.y + 8, tw, text_height(font) + 8};
        fill(r, box, PAL_OVERLAY);
        text_draw(font, box.x + 8, box.y + 4, PAL_ROOT, s->prompt);
    }
    if (s->help) draw_help(s, r, w, h);
}
