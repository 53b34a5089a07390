/*
 * heapmap.h — every cell of the heap as one texel, coloured white, grey,
 * black or free, in address order (pages, then large objects).
 *
 * Drawn from one ARGB8888 streaming texture, rewritten each frame from a
 * byte per cell (tc_heap_cells) and scaled to the panel with nearest
 * filtering: a million cells cost a few milliseconds on the software
 * renderer (docs/design.md, "5. Drawing with SDL").
 */
#ifndef TRICOLOR_HEAPMAP_H
#define TRICOLOR_HEAPMAP_H

#include <SDL.h>
#include <stddef.h>
#include <stdint.h>

#include "tricolor.h"

typedef struct heapmap {
    SDL_Texture *tex;
    int tw, th;     /* texture size */
    int w, h;       /* texels in use: w per row, h rows */
    uint8_t *cells; /* tc_heap_cells output */
    size_t cap, n;
    size_t counts[5]; /* cells per tc_colour last frame */
} heapmap;

/* Reads the heap's cells and draws them into `area`. */
void heapmap_draw(heapmap *m, SDL_Renderer *r, tc_heap *h, SDL_Rect area);
/* Maps a pixel in `area` to a cell index; -1 if none. */
long heapmap_cell_at(const heapmap *m, SDL_Rect area, int x, int y);
void heapmap_free(heapmap *m);

#endif
