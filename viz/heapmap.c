/*
 * heapmap.c — the heap map panel (see heapmap.h).
 *
 * Each frame: read the colours (tc_heap_cells) and the page structure
 * (tc_heap_pages, O(pages)), lay the tiles out in a grid that fits the panel,
 * write the tiles in view into the texture, copy it scaled (nearest) to
 * the screen, then outline the pages in their class colour. The texture
 * only grows (to powers of two), so it is not recreated while the heap
 * breathes or the view zooms.
 */
#include "heapmap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "palette.h"

#define MAX_G    64 /* texels per tile side at most: 16 bytes a texel */
#define MIN_G    2
#define MAX_ZOOM 256.0

static int pow2_at_least(int v, int lo) {
    int p = lo;
    while (p < v) p *= 2;
    return p;
}

/* ---------------------------------------------------------- structure */

static hm_page *push_page(heapmap *m) {
    if (m->npages == m->cap_pages) {
        size_t c = m->cap_pages ? 2 * m->cap_pages : 256;
        hm_page *p = realloc(m->pages, c * sizeof *p);
        if (!p) return NULL;
        m->pages = p;
        m->cap_pages = c;
    }
    return &m->pages[m->npages++];
}

/* The records from tc_heap_pages' pages, in the cells' order. False if
 * memory ran out (the map is then drawn unstructured). */
static bool pages_from(heapmap *m, const tc_page_info *in, size_t n) {
    for (size_t i = 0; i < n; i++) {
        hm_page *p = push_page(m);
        if (!p) return false;
        bool large = in[i].is_large;
        uint32_t size = in[i].cell_size ? in[i].cell_size : 1;
        *p = (hm_page){.cell_size = size,
                       .page = in[i].page,
                       .ncells = in[i].ncells,
                       .ntiles = large ? (size + TC_PAGE_BYTES - 1) / TC_PAGE_BYTES : 1,
                       .base = (uintptr_t)in[i].first,
                       .large = large};
        if (!large) m->nsmall = m->npages;
    }
    return true;
}

/* What follows from the records and the cells: where each record's cells
 * and tiles start, and the grey and black counts. The records' cells must
 * add up to n exactly (and ok say that every object was recorded), or the
 * map is drawn unstructured: one record of plain cells per 4096 bytes. */
static void derive(heapmap *m, bool ok) {
    memset(m->counts, 0, sizeof m->counts);
    for (size_t i = 0; i < m->n; i++) m->counts[m->cells[i] > 4 ? 0 : m->cells[i]]++;
    size_t first = 0, tile = 0;
    for (size_t i = 0; i < m->npages; i++) {
        m->pages[i].first = (uint32_t)first;
        m->pages[i].tile = (uint32_t)tile;
        first += m->pages[i].ncells;
        tile += m->pages[i].ntiles;
    }
    m->structured = ok && first == m->n;
    if (!m->structured) {
        m->npages = m->nsmall = 0;
        size_t per = (TC_PAGE_BYTES - TC_PAGE_HEADER) / 16;
        tile = 0;
        for (size_t k = 0; k < m->n; k += per) {
            hm_page *p = push_page(m);
            if (!p) break;
            size_t c = m->n - k < per ? m->n - k : per;
            *p = (hm_page){
                .first = (uint32_t)k, .ncells = (uint32_t)c, .cell_size = 0, .tile = (uint32_t)tile++, .ntiles = 1};
        }
    }
    m->ntiles = tile;
    m->black_pages = m->grey_pages = 0;
    for (size_t i = 0; i < m->npages && m->structured; i++) {
        hm_page *p = &m->pages[i];
        const uint8_t *c = m->cells + p->first;
        uint32_t grey = 0, black = 0;
        for (uint32_t k = 0; k < p->ncells; k++) {
            grey += c[k] == TC_GREY;
            black += c[k] == TC_BLACK;
        }
        p->grey = grey;
        p->black = black > 0;
        m->black_pages += p->black && !p->large;
        m->grey_pages += grey > 0;
    }
}

void heapmap_read(heapmap *m, tc_heap *h) {
    size_t n = tc_heap_cells(h, m->cells, m->cap);
    if (n > m->cap) {
        free(m->cells);
        m->cap = n + n / 4 + 1024;
        m->cells = malloc(m->cap);
        if (!m->cells) {
            m->cap = m->n = m->npages = m->nsmall = m->ntiles = 0;
            return;
        }
        n = tc_heap_cells(h, m->cells, m->cap);
    }
    m->n = n;
    m->npages = m->nsmall = 0;
    size_t np = tc_heap_pages(h, m->info, m->cap_info);
    if (np > m->cap_info) {
        free(m->info);
        m->cap_info = np + np / 4 + 64;
        m->info = malloc(m->cap_info * sizeof *m->info);
        if (!m->info) m->cap_info = 0;
        np = m->info ? tc_heap_pages(h, m->info, m->cap_info) : 0;
    }
    derive(m, np <= m->cap_info && pages_from(m, m->info, np));
}

/* ---------------------------------------------------------- history */

/* A saved frame: a header, the cells, then the records (structured maps
 * only; the rest is derived again). */
#define SAVE_MAGIC 0x48504d41u /* "HPMA" */
typedef struct save_head {
    uint32_t magic, structured;
    uint64_t n, npages, nsmall;
} save_head;
typedef struct save_page {
    uint32_t cell_size, page, ncells, ntiles;
    uint64_t base;
    uint32_t large, pad;
} save_page;

bool heapmap_save(const heapmap *m, uint8_t **buf, size_t *len, size_t *cap) {
    size_t np = m->structured ? m->npages : 0;
    size_t need = sizeof(save_head) + m->n + np * sizeof(save_page);
    if (need > *cap) {
        uint8_t *b = realloc(*buf, need);
        if (!b) return false;
        *buf = b, *cap = need;
    }
    uint8_t *p = *buf;
    save_head hd = {SAVE_MAGIC, m->structured, m->n, np, m->structured ? m->nsmall : 0};
    memcpy(p, &hd, sizeof hd);
    p += sizeof hd;
    if (m->n) memcpy(p, m->cells, m->n);
    p += m->n;
    for (size_t i = 0; i < np; i++, p += sizeof(save_page)) {
        const hm_page *pg = &m->pages[i];
        save_page sp = {pg->cell_size, pg->page, pg->ncells, pg->ntiles, (uint64_t)pg->base, pg->large, 0};
        memcpy(p, &sp, sizeof sp);
    }
    *len = need;
    return true;
}

bool heapmap_restore(heapmap *m, const uint8_t *buf, size_t len) {
    save_head hd;
    if (len < sizeof hd) return false;
    memcpy(&hd, buf, sizeof hd);
    if (hd.magic != SAVE_MAGIC || hd.n > len || hd.npages > len / sizeof(save_page) ||
        len != sizeof hd + hd.n + hd.npages * sizeof(save_page))
        return false;
    const uint8_t *p = buf + sizeof hd;
    if (hd.n > m->cap) {
        uint8_t *c = realloc(m->cells, hd.n);
        if (!c) return false;
        m->cells = c, m->cap = hd.n;
    }
    if (hd.n) memcpy(m->cells, p, hd.n);
    m->n = hd.n;
    p += hd.n;
    m->npages = m->nsmall = 0;
    for (size_t i = 0; i < hd.npages; i++, p += sizeof(save_page)) {
        save_page sp;
        memcpy(&sp, p, sizeof sp);
        hm_page *pg = push_page(m);
        if (!pg) return false;
        *pg = (hm_page){.cell_size = sp.cell_size,
                        .page = sp.page,
                        .ncells = sp.ncells,
                        .ntiles = sp.ntiles,
                        .base = (uintptr_t)sp.base,
                        .large = sp.large != 0};
    }
    m->nsmall = hd.nsmall <= m->npages ? hd.nsmall : m->npages;
    derive(m, hd.structured != 0);
    return true;
}

/* ---------------------------------------------------------- layout, view */

void heapmap_layout(heapmap *m, SDL_Rect area) {
    double n = m->ntiles ? (double)m->ntiles : 1;
    double aspect = area.h > 0 ? (double)area.w / area.h : 1;
    int cols = (int)ceil(sqrt(n * aspect));
    if (cols < 1) cols = 1;
    /* Fewer columns if that gives bigger tiles (rounding of a thin grid). */
    double best = 0;
    int best_c = cols;
    for (int c = cols > 2 ? cols - 2 : 1; c <= cols + 2; c++) {
        int rows = (int)((n + c - 1) / c);
        double t = fmin((double)area.w / c, (double)area.h / rows);
        if (t > best) best = t, best_c = c;
    }
    m->cols = best_c;
    m->rows = (int)((m->ntiles + (size_t)best_c - 1) / (size_t)best_c);
    if (m->rows < 1) m->rows = 1;
    m->tile = best > 0 ? best : 1;
    if (m->zoom < 1) m->zoom = 1;
}

SDL_FRect heapmap_tile_rect(const heapmap *m, SDL_Rect area, size_t tile) {
    double s = m->tile * m->zoom;
    int c = m->cols ? (int)(tile % (size_t)m->cols) : 0, r = m->cols ? (int)(tile / (size_t)m->cols) : 0;
    return (SDL_FRect){(float)(area.x + m->pan_x + c * s), (float)(area.y + m->pan_y + r * s), (float)s, (float)s};
}

void heapmap_zoom(heapmap *m, SDL_Rect area, double factor, int x, int y) {
    double z0 = m->zoom < 1 ? 1 : m->zoom, z1 = z0 * factor;
    z1 = z1 < 1 ? 1 : z1 > MAX_ZOOM ? MAX_ZOOM : z1;
    /* The heap point under (x,y), in zoom-1 pixels, stays under it. */
    double hx = (x - area.x - m->pan_x) / z0, hy = (y - area.y - m->pan_y) / z0;
    m->zoom = z1;
    m->pan_x = x - area.x - hx * z1;
    m->pan_y = y - area.y - hy * z1;
    if (z1 == 1) m->pan_x = m->pan_y = 0;
}

void heapmap_pan(heapmap *m, int dx, int dy) {
    if (m->zoom <= 1) return; /* the whole heap is in view already */
    m->pan_x += dx;
    m->pan_y += dy;
    /* Keep at least a quarter of the map's extent in view on each axis. */
    double w = m->cols * m->tile * m->zoom, h = m->rows * m->tile * m->zoom;
    double vw = m->cols * m->tile, vh = m->rows * m->tile;
    if (m->pan_x > vw * 0.75) m->pan_x = vw * 0.75;
    if (m->pan_y > vh * 0.75) m->pan_y = vh * 0.75;
    if (m->pan_x < -(w - vw * 0.25)) m->pan_x = -(w - vw * 0.25);
    if (m->pan_y < -(h - vh * 0.25)) m->pan_y = -(h - vh * 0.25);
}

void heapmap_view_reset(heapmap *m) {
    m->zoom = 1;
    m->pan_x = m->pan_y = 0;
}

bool heapmap_locate(const heapmap *m, SDL_Rect area, int x, int y, hm_hit *hit) {
    if (!m->npages || !m->cols || x < area.x || y < area.y || x >= area.x + area.w || y >= area.y + area.h)
        return false;
    double s = m->tile * (m->zoom < 1 ? 1 : m->zoom);
    double fx = (x + 0.5 - area.x - m->pan_x) / s, fy = (y + 0.5 - area.y - m->pan_y) / s;
    if (fx < 0 || fy < 0 || fx >= m->cols) return false;
    size_t tile = (size_t)fy * (size_t)m->cols + (size_t)fx;
    if (tile >= m->ntiles) return false;
    /* The record holding the tile: binary search on first tile. */
    size_t lo = 0, hi = m->npages;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (m->pages[mid].tile <= tile)
            lo = mid;
        else
            hi = mid;
    }
    const hm_page *pg = &m->pages[lo];
    if (tile >= pg->tile + pg->ntiles) return false;
    double u = fx - floor(fx), v = fy - floor(fy); /* position inside the tile, 0..1 */
    uint32_t cell;
    if (pg->large) { /* filled row by row over its tiles, in proportion to its size */
        double filled = (double)pg->cell_size / TC_PAGE_BYTES;
        double at = (double)(tile - pg->tile) + (floor(v * m->g) * m->g + floor(u * m->g)) / ((double)m->g * m->g);
        if (at >= filled) return false;
        cell = 0;
    } else {
        double k = floor(v * m->g) * m->g + floor(u * m->g);
        cell = (uint32_t)(k * pg->ncells / ((double)m->g * m->g));
        if (cell >= pg->ncells) cell = pg->ncells - 1;
    }
    size_t idx = (size_t)pg->first + cell;
    uint8_t c = idx < m->n && m->cells ? m->cells[idx] : 0;
    *hit = (hm_hit){.pg = pg,
                    .cell = cell,
                    .colour = c > 4 ? 0 : c,
                    .obj = c && c <= 4 && pg->base ? pg->base + (uintptr_t)cell * pg->cell_size : 0};
    return true;
}

bool heapmap_object_rect(const heapmap *m, SDL_Rect area, const tc_object_info *o, SDL_FRect *tile, SDL_FRect *cell) {
    if (!m->structured || !m->g) return false;
    for (size_t i = 0; i < m->npages; i++) {
        const hm_page *pg = &m->pages[i];
        if (pg->page != o->page || pg->large != o->is_large) continue;
        *tile = heapmap_tile_rect(m, area, pg->tile);
        *cell = *tile;
        if (!o->is_large && pg->ncells) { /* the first texel heapmap_locate maps to this cell (its inverse) */
            uint64_t gg = (uint64_t)m->g * (uint64_t)m->g;
            uint64_t t = ((uint64_t)o->cell * gg + pg->ncells - 1) / pg->ncells;
            if (t >= gg) t = gg - 1;
            float side = tile->w / (float)m->g;
            *cell = (SDL_FRect){tile->x + (float)(t % (uint64_t)m->g) * side,
                                tile->y + (float)(t / (uint64_t)m->g) * side, side, side};
        }
        return true;
    }
    return false;
}

int heapmap_class_group(uint32_t cell_size, bool large) {
    if (large) return HM_GROUPS - 1;
    int k = 0;
    while (k < HM_GROUPS - 2 && (16u << k) < cell_size) k++;
    return k;
}

SDL_Color heapmap_group_colour(int group) {
    /* Neighbouring groups far apart in hue; none white, grey or black. */
    static const SDL_Color hues[HM_GROUPS] = {
        {0x4f, 0xc3, 0xf7, 0xff}, {0x66, 0xbb, 0x6a, 0xff}, {0xff, 0xd5, 0x4f, 0xff}, {0xf0, 0x62, 0x92, 0xff},
        {0x26, 0xc6, 0xda, 0xff}, {0xff, 0x98, 0x00, 0xff}, {0xab, 0x47, 0xbc, 0xff}, {0xd4, 0xe1, 0x57, 0xff},
        {0x8d, 0x6e, 0x63, 0xff}, {0xef, 0x53, 0x50, 0xff},
    };
    return hues[group < 0 ? 0 : group >= HM_GROUPS ? HM_GROUPS - 1 : group];
}

/* ---------------------------------------------------------- drawing */

/* The texel colour of cells [a, b): grey if any is grey, else the
 * commonest of white, black and free (ties: white, black, free). */
static uint32_t reduce(const uint8_t *cells, size_t a, size_t b, const uint32_t *lut) {
    size_t cnt[5] = {0};
    for (size_t i = a; i < b; i++) cnt[cells[i] > 4 ? 0 : cells[i]]++;
    if (cnt[TC_GREY]) return lut[TC_GREY];
    size_t w = cnt[1] + cnt[2];
    if (w >= cnt[TC_BLACK] && w >= cnt[0]) return lut[TC_WHITE];
    return cnt[TC_BLACK] >= cnt[0] ? lut[TC_BLACK] : lut[0];
}

/* Writes tile `tile` of record pg into the g x g texels at px. g is a
 * power of two, so a texel's cells are found by shifts. */
static void write_tile(const heapmap *m, const hm_page *pg, size_t tile, uint32_t *px, int pitch_px, int g,
                       const uint32_t *lut) {
    size_t gg = (size_t)g * (size_t)g;
    unsigned shift = 0;
    while (((size_t)1 << shift) < gg) shift++;
    if (pg->large) {
        uint8_t c = m->cells[pg->first];
        uint32_t colour = lut[c > 4 ? 0 : c];
        double filled = (double)pg->cell_size / TC_PAGE_BYTES - (double)(tile - pg->tile);
        size_t nfill = filled >= 1 ? gg : filled <= 0 ? 0 : (size_t)ceil(filled * (double)gg);
        for (size_t k = 0; k < gg; k++)
            px[(k >> (shift / 2)) * (size_t)pitch_px + (k & (size_t)(g - 1))] = k < nfill ? colour : lut[5];
        return;
    }
    const uint8_t *cells = m->cells + pg->first;
    size_t nc = pg->ncells;
    for (int y = 0; y < g; y++) {
        uint32_t *row = px + (size_t)y * (size_t)pitch_px;
        size_t k = (size_t)y * (size_t)g;
        size_t a = (k * nc) >> shift;
        for (int x = 0; x < g; x++, k++) {
            /* Texel k covers cells [a, b); with more texels than cells, the
             * cell it lies in. */
            size_t b = ((k + 1) * nc) >> shift;
            if (b <= a + 1) {
                uint8_t c = cells[a];
                row[x] = lut[c > 4 ? 0 : c];
            } else {
                row[x] = reduce(cells, a, b, lut);
            }
            a = b > a ? b : a;
        }
    }
}

void heapmap_draw(heapmap *m, SDL_Renderer *r, SDL_Rect area) {
    heapmap_layout(m, area);
    if (!m->ntiles) return;

    double s = m->tile * m->zoom;
    int g = pow2_at_least((int)ceil(s), MIN_G);
    if (g > MAX_G) g = MAX_G;
    m->g = g;
    /* Tiles in view. */
    int c0 = (int)floor(-m->pan_x / s), c1 = (int)ceil((area.w - m->pan_x) / s);
    int r0 = (int)floor(-m->pan_y / s), r1 = (int)ceil((area.h - m->pan_y) / s);
    if (c0 < 0) c0 = 0;
    if (r0 < 0) r0 = 0;
    if (c1 > m->cols) c1 = m->cols;
    if (r1 > m->rows) r1 = m->rows;
    if (c1 <= c0 || r1 <= r0) return;
    int vw = (c1 - c0) * g, vh = (r1 - r0) * g;
    if (!m->tex || vw > m->tw || vh > m->th) {
        if (m->tex) SDL_DestroyTexture(m->tex);
        m->tw = pow2_at_least(vw > m->tw ? vw : m->tw, 64);
        m->th = pow2_at_least(vh > m->th ? vh : m->th, 64);
        m->tex = SDL_CreateTexture(r, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING, m->tw, m->th);
        if (!m->tex) return;
        SDL_SetTextureScaleMode(m->tex, SDL_ScaleModeNearest);
    }
    /* lut[5]: a large object's tiles beyond its size. */
    const uint32_t lut[6] = {pal_argb(PAL_FREE_CELL), pal_argb(PAL_WHITE_OBJ), pal_argb(PAL_WHITE_OBJ),
                             pal_argb(PAL_GREY_OBJ),  pal_argb(PAL_BLACK_OBJ), pal_argb(PAL_PANEL)};
    void *pixels;
    int pitch;
    SDL_Rect src = {0, 0, vw, vh};
    if (SDL_LockTexture(m->tex, &src, &pixels, &pitch) != 0) return;
    /* Every texel of src is written: tiles past the last are panel. */
    size_t rec = 0;
    for (int rr = r0; rr < r1; rr++)
        for (int cc = c0; cc < c1; cc++) {
            size_t tile = (size_t)rr * (size_t)m->cols + (size_t)cc;
            uint32_t *px = (uint32_t *)((char *)pixels + (size_t)((rr - r0) * g) * (size_t)pitch) + (cc - c0) * g;
            int pitch_px = pitch / 4;
            if (tile >= m->ntiles) {
                for (int y = 0; y < g; y++)
                    for (int x = 0; x < g; x++) px[y * pitch_px + x] = lut[5];
                continue;
            }
            /* Records are in tile order; tiles are visited row by row, so
             * search forward from the last record (or back at a new row). */
            if (rec >= m->npages || m->pages[rec].tile > tile) rec = 0;
            while (rec + 1 < m->npages && m->pages[rec + 1].tile <= tile) rec++;
            write_tile(m, &m->pages[rec], tile, px, pitch_px, g, lut);
        }
    SDL_UnlockTexture(m->tex);
    SDL_Rect dst = {(int)lround(area.x + m->pan_x + c0 * s), (int)lround(area.y + m->pan_y + r0 * s),
                    (int)lround((c1 - c0) * s), (int)lround((r1 - r0) * s)};
    SDL_RenderCopy(r, m->tex, &src, &dst);

    /* Page outlines in their class's colour, where tiles are big enough to
     * show one and leave cells visible. */
    if (s < 4) return;
    SDL_BlendMode bm;
    SDL_GetRenderDrawBlendMode(r, &bm);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
    for (size_t i = 0; i < m->npages; i++) {
        const hm_page *pg = &m->pages[i];
        SDL_Color col = m->structured ? heapmap_group_colour(heapmap_class_group(pg->cell_size, pg->large)) : PAL_DIM;
        SDL_SetRenderDrawColor(r, col.r, col.g, col.b, 255);
        /* One outline per row its tiles cover: a large object reads as one
         * block, a page as its tile. */
        for (uint32_t t = pg->tile; t < pg->tile + pg->ntiles;) {
            uint32_t row = t / (uint32_t)m->cols, end = (row + 1) * (uint32_t)m->cols;
            if (end > pg->tile + pg->ntiles) end = pg->tile + pg->ntiles;
            if ((int)row >= r0 && (int)row < r1) {
                SDL_FRect a = heapmap_tile_rect(m, area, t), b = heapmap_tile_rect(m, area, end - 1);
                int x0 = (int)lround(a.x), y0 = (int)lround(a.y);
                SDL_Rect rc = {x0, y0, (int)lround(b.x + b.w) - x0, (int)lround(a.y + a.h) - y0};
                SDL_RenderDrawRect(r, &rc);
            }
            t = end;
        }
    }
    /* Grey badges: a page holding grey cells gets a grey square with a
     * light rim in its top right corner, so the wavefront stands out from
     * the black and white texture of a heap being marked. */
    if (m->structured && s >= 8) {
        int b = (int)(s / 6) < 4 ? 4 : (int)(s / 6) > 14 ? 14 : (int)(s / 6);
        for (size_t i = 0; i < m->npages; i++) {
            if (!m->pages[i].grey) continue;
            uint32_t t = m->pages[i].tile;
            int cc = (int)(t % (uint32_t)m->cols), rr = (int)(t / (uint32_t)m->cols);
            if (cc < c0 || cc >= c1 || rr < r0 || rr >= r1) continue;
            SDL_FRect fr = heapmap_tile_rect(m, area, t);
            SDL_Rect rim = {(int)lround(fr.x + fr.w) - b - 2, (int)lround(fr.y) + 1, b + 1, b + 1};
            SDL_Rect in = {rim.x + 1, rim.y + 1, b - 1, b - 1};
            SDL_SetRenderDrawColor(r, PAL_BLACK_RIM.r, PAL_BLACK_RIM.g, PAL_BLACK_RIM.b, 255);
            SDL_RenderFillRect(r, &rim);
            SDL_SetRenderDrawColor(r, PAL_GREY_OBJ.r, PAL_GREY_OBJ.g, PAL_GREY_OBJ.b, 255);
            SDL_RenderFillRect(r, &in);
        }
    }
    SDL_SetRenderDrawBlendMode(r, bm);
}

void heapmap_free(heapmap *m) {
    if (m->tex) SDL_DestroyTexture(m->tex);
    free(m->cells);
    free(m->info);
    free(m->pages);
    memset(m, 0, sizeof *m);
}
