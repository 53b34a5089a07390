/*
 * heapmap.h — the heap map panel: every page of the heap as a square tile
 * in address order, its cells coloured white, grey, black or free, its
 * outline in the colour of its size class; then the large objects, each
 * as many tiles as its size covers (a 1 MiB object is 16 page tiles) and
 * filled in proportion to it. Wheel zooms about the pointer, a drag pans;
 * the hover tip names the page, class, cell, object and colour.
 *
 * Where the structure comes from: tc_heap_cells gives each cell's colour
 * in address order (pages, then large objects); tc_visit_objects gives
 * each allocated object's page, cell and cell size, in the same order.
 * Together they give every page's size class and where its cells start.
 * A page's cell count is derived from the page geometry tricolor.h states
 * (TC_PAGE_BYTES, TC_PAGE_HEADER; gc/internal.h asserts it) and checked
 * every frame against the total tc_heap_cells returns; if they
 * disagree (or a page holds no object to name its class), the map draws
 * the cells without page structure and says so (heapmap.structured).
 *
 * Cost: both passes each frame (about 4 ms each at 1M objects), then only
 * the tiles in view are written into one streaming texture at about one
 * texel per screen pixel (2..64 texels a side per tile), so zooming in
 * does not cost more than the whole map. A texel covering several cells
 * shows grey if any is grey, else the commonest of white, black and free.
 */
#ifndef TRICOLOR_HEAPMAP_H
#define TRICOLOR_HEAPMAP_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tricolor.h"

/* One tile run: a page, or a large object (large: its tiles). */
typedef struct hm_page {
    uint32_t first;     /* index of its first cell in the cells array */
    uint32_t ncells;    /* 1 for a large object */
    uint32_t cell_size; /* bytes per cell (a large object: its size) */
    uint32_t page;      /* index in the collector's page table */
    uint32_t tile;      /* its first tile in the grid */
    uint32_t ntiles;    /* 1 for a page */
    uintptr_t base;     /* address of cell 0's object (0 if unknown) */
    uint32_t grey;      /* grey cells last frame: the page gets a grey badge */
    bool black;         /* it holds a black cell */
    bool large;
} hm_page;

/* What is under a point of the map (heapmap_locate). */
typedef struct hm_hit {
    const hm_page *pg;
    uint32_t cell;  /* within the page */
    uint8_t colour; /* tc_colour */
    uintptr_t obj;  /* the object's address, 0 for a free cell */
} hm_hit;

typedef struct heapmap {
    SDL_Texture *tex;
    int tw, th;     /* texture size */
    uint8_t *cells; /* tc_heap_cells output */
    size_t cap, n;
    size_t counts[5];   /* cells per tc_colour last frame */
    tc_page_info *info; /* tc_heap_pages output */
    size_t cap_info;
    hm_page *pages;
    size_t npages, cap_pages, nsmall; /* pages first (nsmall), then large objects */
    bool structured;                  /* false: page structure unavailable, cells drawn as one strip */
    size_t black_pages;               /* pages holding a black cell (in sweep: not swept yet) */
    size_t grey_pages;                /* pages holding a grey cell (where the marker works) */
    size_t ntiles;
    int cols, rows; /* the tile grid */
    double tile;    /* tile side in pixels at zoom 1 */
    /* the view: zoom factor (1 = whole heap fits) and pan in pixels */
    double zoom, pan_x, pan_y;
    int g; /* texels per tile side last frame */
} heapmap;

/* Reads the heap's cells and structure (the mutator parked). */
void heapmap_read(heapmap *m, tc_heap *h);
/* Draws the cells and structure last read (or restored) into `area`. */
void heapmap_draw(heapmap *m, SDL_Renderer *r, SDL_Rect area);
/* The cells and structure last read, as bytes (for history.h): into
 * *buf, grown as needed (*cap), *len set. False if memory ran out. */
bool heapmap_save(const heapmap *m, uint8_t **buf, size_t *len, size_t *cap);
/* Makes saved cells and structure the map's, as if read from the heap.
 * False if buf is not heapmap_save's. */
bool heapmap_restore(heapmap *m, const uint8_t *buf, size_t len);

/* Lays out the tile grid of the last structure read for `area` (done by
 * heapmap_draw; exposed for tests): cols x rows square tiles of side
 * m->tile, the largest that fit. */
void heapmap_layout(heapmap *m, SDL_Rect area);

/* The screen rectangle of tile i (it may lie outside the area). */
SDL_FRect heapmap_tile_rect(const heapmap *m, SDL_Rect area, size_t tile);

/* What is at pixel (x,y) of `area`, from the last frame; false if
 * nothing (outside the tiles, or a large object's unused tail). */
bool heapmap_locate(const heapmap *m, SDL_Rect area, int x, int y, hm_hit *hit);

/* Where object o (as tc_describe gives it) was drawn last frame: its
 * page's (or large object's first) tile, and the texel holding its cell.
 * False if the last frame's structure has no such page. */
bool heapmap_object_rect(const heapmap *m, SDL_Rect area, const tc_object_info *o, SDL_FRect *tile, SDL_FRect *cell);

/* Zooms by factor about pixel (x,y), which keeps showing the same point
 * of the heap; zoom stays within 1..256. */
void heapmap_zoom(heapmap *m, SDL_Rect area, double factor, int x, int y);
/* Moves the map by (dx,dy) pixels, keeping part of it in the area. */
void heapmap_pan(heapmap *m, int dx, int dy);
/* Whole heap in view. */
void heapmap_view_reset(heapmap *m);

/* Size classes are shown in groups, one per power of two: group k holds
 * cells of up to 16 << k bytes (k 0..8, up to 4 KiB); large objects are
 * group 9. The outline colour of a group. */
#define HM_GROUPS 10
int heapmap_class_group(uint32_t cell_size, bool large);
SDL_Color heapmap_group_colour(int group);

void heapmap_free(heapmap *m);

#endif
