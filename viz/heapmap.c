/*
 * heapmap.c — the heap map panel (see heapmap.h).
 *
 * Layout: w texels per row, chosen so the cells fill the panel's aspect
 * ratio with square texels; the texture only grows (to powers of two), so
 * it is not recreated while the heap breathes.
 */
#include "heapmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "palette.h"

static int pow2_at_least(int v) {
    int p = 64;
    while (p < v) p *= 2;
    return p;
}

static void layout(heapmap *m, SDL_Rect area) {
    double aspect = area.h > 0 ? (double)area.w / area.h : 1;
    double n = m->n ? (double)m->n : 1;
    int w = (int)ceil(sqrt(n * aspect));
    if (w < 1) w = 1;
    if (w > 4096) w = 4096;
    m->w = w;
    m->h = (int)((m->n + (size_t)w - 1) / (size_t)w);
    if (m->h < 1) m->h = 1;
}

void heapmap_draw(heapmap *m, SDL_Renderer *r, tc_heap *h, SDL_Rect area) {
    size_t n = tc_heap_cells(h, m->cells, m->cap);
    if (n > m->cap) {
        free(m->cells);
        m->cap = n + n / 4 + 1024;
        m->cells = malloc(m->cap);
        if (!m->cells) {
            m->cap = 0;
            return;
        }
        n = tc_heap_cells(h, m->cells, m->cap);
    }
    m->n = n;
    layout(m, area);
    if (m->w > m->tw || m->h > m->th || !m->tex) {
        if (m->tex) SDL_DestroyTexture(m->tex);
        m->tw = pow2_at_least(m->w > m->tw ? m->w : m->tw);
        m->th = pow2_at_least(m->h > m->th ? m->h : m->th);
        m->tex = SDL_CreateTexture(r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING, m->tw, m->th);
        if (!m->tex) return;
        SDL_SetTextureScaleMode(m->tex, SDL_ScaleModeNearest);
    }
    const uint32_t lut[5] = {pal_argb(PAL_FREE_CELL), pal_argb(PAL_WHITE_OBJ), pal_argb(PAL_WHITE_OBJ),
                             pal_argb(PAL_GREY_OBJ), pal_argb(PAL_BLACK_OBJ)};
    memset(m->counts, 0, sizeof m->counts);
    void *pixels;
    int pitch;
    SDL_Rect src = {0, 0, m->w, m->h};
    if (SDL_LockTexture(m->tex, &src, &pixels, &pitch) != 0) return;
    /* Locked memory is write-only in spirit: every texel of src is written. */
    size_t k = 0;
    for (int y = 0; y < m->h; y++) {
        uint32_t *row = (uint32_t *)((char *)pixels + (size_t)y * (size_t)pitch);
        for (int x = 0; x < m->w; x++, k++) {
            uint8_t c = k < n ? m->cells[k] : 0;
            if (c > 4) c = 0;
            m->counts[c] += k < n;
            row[x] = k < n ? lut[c] : pal_argb(PAL_PANEL);
        }
    }
    SDL_UnlockTexture(m->tex);
    /* Keep texels square: fit the texel grid into the area. */
    double sx = (double)area.w / m->w, sy = (double)area.h / m->h, s = sx < sy ? sx : sy;
    SDL_Rect dst = {area.x, area.y, (int)(m->w * s), (int)(m->h * s)};
    if (dst.w < 1) dst.w = 1;
    if (dst.h < 1) dst.h = 1;
    SDL_RenderCopy(r, m->tex, &src, &dst);
}

long heapmap_cell_at(const heapmap *m, SDL_Rect area, int x, int y) {
    if (!m->w || !m->h) return -1;
    double sx = (double)area.w / m->w, sy = (double)area.h / m->h, s = sx < sy ? sx : sy;
    int cx = (int)((x - area.x) / s), cy = (int)((y - area.y) / s);
    if (x < area.x || y < area.y || cx >= m->w || cy >= m->h) return -1;
    size_t k = (size_t)cy * (size_t)m->w + (size_t)cx;
    return k < m->n ? (long)k : -1;
}

void heapmap_free(heapmap *m) {
    if (m->tex) SDL_DestroyTexture(m->tex);
    free(m->cells);
    memset(m, 0, sizeof *m);
}
