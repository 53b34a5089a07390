/*
 * text.c — the glyph atlas behind text.h.
 *
 * text_open finds the font (shipped copy first, system copy as a warned
 * fallback), renders the 95 printable ASCII glyphs white with
 * TTF_RenderGlyph_Blended into one ARGB surface laid out as a 16-column
 * grid, uploads it as one texture with alpha blending, and closes the font:
 * from then on the text needs only the texture and the glyph rectangles.
 * Drawing tints the white glyphs with SDL_SetTextureColorMod/AlphaMod once
 * per call and copies one rectangle per character.
 *
 * Layout invariant: every glyph surface SDL_ttf returns is TTF_FontHeight
 * tall with the baseline at TTF_FontAscent, so glyphs drawn at the same y
 * line up without per-glyph offsets; characters advance by the font's
 * (monospace) advance, whatever width the glyph's surface has.
 */
#include "text.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL_ttf.h>

#define FIRST_GLYPH 32
#define LAST_GLYPH  126
#define NGLYPHS     (LAST_GLYPH - FIRST_GLYPH + 1)
#define ATLAS_COLS  16
#define FONT_FILE   "DejaVuSansMono.ttf"
#define SYSTEM_FONT "/usr/share/fonts/truetype/dejavu/" FONT_FILE
#define MAX_TRIED   4

struct text {
    SDL_Renderer *renderer;
    SDL_Texture *atlas;
    int advance;             /* every character's advance (monospace) */
    int height;              /* line height: every glyph cell is this tall */
    SDL_Rect glyph[NGLYPHS]; /* where each glyph sits in the atlas */
};

/* Whether snprintf's result w fitted a PATH_MAX buffer; a cut path would
 * name the wrong file, so it is not tried. */
static bool fits(int w) { return w >= 0 && w < PATH_MAX; }

/* The candidate places of the shipped font, in search order; returns how
 * many were written (an unset $TRICOLOR_ASSETS or an unreadable
 * /proc/self/exe is simply skipped). */
static int candidate_paths(char paths[][PATH_MAX]) {
    int n = 0;
    const char *env = getenv("TRICOLOR_ASSETS");
    if (env && *env && fits(snprintf(paths[n], PATH_MAX, "%s/%s", env, FONT_FILE))) n++;

    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            if (fits(snprintf(paths[n], PATH_MAX, "%s/../assets/%s", exe, FONT_FILE))) n++;
            /* Installed (make install): PREFIX/bin/tricolor finds
             * PREFIX/share/tricolor. */
            if (fits(snprintf(paths[n], PATH_MAX, "%s/../share/tricolor/%s", exe, FONT_FILE))) n++;
        }
    }
    snprintf(paths[n++], PATH_MAX, "./assets/%s", FONT_FILE);
    return n;
}

/* Appends "a, b, c" (the paths tried) to buf. */
static void list_paths(char *buf, size_t len, char paths[][PATH_MAX], int n) {
    size_t used = strlen(buf);
    for (int i = 0; i < n && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", paths[i]);
        if (w < 0) break;
        used += (size_t)w;
    }
}

static TTF_Font *find_font(int px, char *err, size_t errlen) {
    char paths[MAX_TRIED][PATH_MAX];
    int n = candidate_paths(paths);
    for (int i = 0; i < n; i++) {
        TTF_Font *f = TTF_OpenFont(paths[i], px);
        if (f) return f;
    }

    TTF_Font *f = TTF_OpenFont(SYSTEM_FONT, px);
    char tried[4 * PATH_MAX + 8] = "";
    list_paths(tried, sizeof tried, paths, n);
    if (f) {
        fprintf(stderr, "tricolor: warning: %s not found in %s; using %s\n", FONT_FILE, tried, SYSTEM_FONT);
        return f;
    }
    if (err && errlen)
        snprintf(err, errlen,
                 "cannot open the UI font %s: tried %s, %s (%s); set TRICOLOR_ASSETS to the assets "
                 "directory or install the package fonts-dejavu-core",
                 FONT_FILE, tried, SYSTEM_FONT, TTF_GetError());
    return NULL;
}

/* Renders the glyphs into one surface and uploads it. The surface is
 * transparent black where there is no ink; glyph surfaces are copied with
 * blending off so their alpha lands in the atlas unchanged. */
static bool build_atlas(text *t, TTF_Font *font, char *err, size_t errlen) {
    SDL_Surface *g[NGLYPHS] = {0};
    int cell_w = 1, cell_h = 1;
    bool ok = true;
    const SDL_Color white = {255, 255, 255, 255};
    for (int i = 0; i < NGLYPHS && ok; i++) {
        /* The space has no ink; some SDL_ttf versions return a 0-wide
         * surface or an error for it, which is fine: it draws nothing. */
        g[i] = TTF_RenderGlyph_Blended(font, (Uint16)(FIRST_GLYPH + i), white);
        if (g[i]) {
            if (g[i]->w > cell_w) cell_w = g[i]->w;
            if (g[i]->h > cell_h) cell_h = g[i]->h;
        } else if (FIRST_GLYPH + i != ' ') {
            snprintf(err, errlen, "cannot render glyph '%c': %s", FIRST_GLYPH + i, TTF_GetError());
            ok = false;
        }
    }

    SDL_Surface *atlas = NULL;
    if (ok) {
        int rows = (NGLYPHS + ATLAS_COLS - 1) / ATLAS_COLS;
        atlas = SDL_CreateRGBSurfaceWithFormat(0, ATLAS_COLS * cell_w, rows * cell_h, 32, SDL_PIXELFORMAT_ARGB8888);
        if (!atlas) {
            snprintf(err, errlen, "cannot make the glyph atlas: %s", SDL_GetError());
            ok = false;
        } else {
            SDL_FillRect(atlas, NULL, SDL_MapRGBA(atlas->format, 0, 0, 0, 0));
        }
    }
    for (int i = 0; i < NGLYPHS && ok; i++) {
        SDL_Rect dst = {(i % ATLAS_COLS) * cell_w, (i / ATLAS_COLS) * cell_h, 0, 0};
        if (g[i]) {
            SDL_SetSurfaceBlendMode(g[i], SDL_BLENDMODE_NONE);
            dst.w = g[i]->w;
            dst.h = g[i]->h;
            SDL_Rect d = dst; /* SDL_BlitSurface may clip its destination */
            if (SDL_BlitSurface(g[i], NULL, atlas, &d) != 0) {
                snprintf(err, errlen, "cannot fill the glyph atlas: %s", SDL_GetError());
                ok = false;
            }
        }
        t->glyph[i] = dst;
    }
    if (ok) {
        t->atlas = SDL_CreateTextureFromSurface(t->renderer, atlas);
        if (!t->atlas) {
            snprintf(err, errlen, "cannot make the glyph texture (%dx%d): %s", atlas->w, atlas->h, SDL_GetError());
            ok = false;
        } else {
            SDL_SetTextureBlendMode(t->atlas, SDL_BLENDMODE_BLEND);
        }
    }
    SDL_FreeSurface(atlas);
    for (int i = 0; i < NGLYPHS; i++) SDL_FreeSurface(g[i]);
    return ok;
}

text *text_open(SDL_Renderer *r, int px, char *err, size_t errlen) {
    char dummy[1];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    if (!r || px <= 0) {
        snprintf(err, errlen, "text_open: %s", !r ? "no renderer" : "font size must be positive");
        return NULL;
    }
    /* TTF_Init/TTF_Quit are reference-counted, so this pair leaves a caller's
     * own use of SDL_ttf alone. */
    if (TTF_Init() != 0) {
        snprintf(err, errlen, "cannot initialise SDL_ttf: %s", TTF_GetError());
        return NULL;
    }
    text *t = NULL;
    TTF_Font *font = find_font(px, err, errlen);
    if (font) {
        t = calloc(1, sizeof *t);
        if (!t) {
            snprintf(err, errlen, "out of memory");
        } else {
            t->renderer = r;
            t->height = TTF_FontHeight(font);
            int minx, maxx, miny, maxy, adv;
            if (TTF_GlyphMetrics(font, 'M', &minx, &maxx, &miny, &maxy, &adv) != 0 || adv <= 0) adv = (px + 1) / 2;
            t->advance = adv;
            if (!build_atlas(t, font, err, errlen)) {
                free(t);
                t = NULL;
            }
        }
        TTF_CloseFont(font);
    }
    TTF_Quit();
    return t;
}

void text_close(text *t) {
    if (!t) return;
    SDL_DestroyTexture(t->atlas);
    free(t);
}

int text_height(const text *t) { return t ? t->height : 0; }

int text_width(const text *t, const char *s) {
    if (!t || !s) return 0;
    return t->advance * (int)strlen(s);
}

int text_draw(text *t, int x, int y, SDL_Color c, const char *s) {
    if (!t || !s) return 0;
    SDL_SetTextureColorMod(t->atlas, c.r, c.g, c.b);
    SDL_SetTextureAlphaMod(t->atlas, c.a);
    int x0 = x;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++, x += t->advance) {
        unsigned ch = *p;
        if (ch < FIRST_GLYPH || ch > LAST_GLYPH) ch = '?';
        if (ch == ' ') continue;
        const SDL_Rect *src = &t->glyph[ch - FIRST_GLYPH];
        SDL_Rect dst = {x, y, src->w, src->h};
        SDL_RenderCopy(t->renderer, t->atlas, src, &dst);
    }
    return x - x0;
}

int text_drawf(text *t, int x, int y, SDL_Color c, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return text_draw(t, x, y, c, buf);
}
