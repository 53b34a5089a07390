/*
 * palette.h — the colours of the visualizer, in one place.
 *
 * Chosen so the three tricolor colours read on the background: white
 * objects near-white, grey objects mid grey, black objects true black with
 * a light rim (drawn by the graph). The background is a dark blue-grey,
 * neither white nor black. Free heap cells are a muted blue, lighter than
 * the panels and far from white, grey and black alike, so the heap map
 * tells a free cell from an object of any colour.
 * There are two backgrounds: the window's (PAL_BG) and the panels' drawn
 * on it (PAL_PANEL, the plots' theme too); overlays are PAL_OVERLAY at
 * some opacity.
 */
#ifndef TRICOLOR_PALETTE_H
#define TRICOLOR_PALETTE_H

#include <SDL.h>
#include <stdint.h>

#define PAL_BG        ((SDL_Color){0x26, 0x2b, 0x3a, 0xff})
#define PAL_PANEL     ((SDL_Color){0x1e, 0x22, 0x2e, 0xff})
#define PAL_TEXT      ((SDL_Color){0xe6, 0xe6, 0xe6, 0xff})
#define PAL_DIM       ((SDL_Color){0x9a, 0xa3, 0xb5, 0xff})
#define PAL_WHITE_OBJ ((SDL_Color){0xf4, 0xf4, 0xf4, 0xff})
#define PAL_GREY_OBJ  ((SDL_Color){0x8a, 0x8a, 0x8a, 0xff})
#define PAL_BLACK_OBJ ((SDL_Color){0x00, 0x00, 0x00, 0xff})
#define PAL_BLACK_RIM ((SDL_Color){0xb8, 0xc0, 0xd0, 0xff})
#define PAL_FREE_CELL ((SDL_Color){0x35, 0x48, 0x6e, 0xff})
#define PAL_ROOT      ((SDL_Color){0xff, 0xc1, 0x4d, 0xff})
#define PAL_BARRIER   ((SDL_Color){0xff, 0x5a, 0x4f, 0xff})
#define PAL_EDGE      ((SDL_Color){0x6d, 0x7d, 0xa0, 0x90})
#define PAL_AXIS      ((SDL_Color){0x84, 0x8e, 0xa0, 0xff}) /* plot axes and ticks */
#define PAL_GRID      ((SDL_Color){0x2e, 0x36, 0x46, 0xff}) /* plot grid lines and frames */
#define PAL_OVERLAY   ((SDL_Color){0x10, 0x12, 0x18, 0xff}) /* help, captions, tips; drawn translucent */
#define PAL_ALERT_BG  ((SDL_Color){0x40, 0x20, 0x20, 0xff}) /* behind a message that something stopped */
#define PAL_TARGET    ((SDL_Color){0x78, 0xd2, 0x8c, 0xff}) /* a target marked on a plot: no series is green */
#define PAL_TRICOLOR  ((SDL_Color){0x4f, 0xc3, 0xf7, 0xff}) /* the Tricolor series in plots */
#define PAL_BOEHM     ((SDL_Color){0xff, 0x8a, 0x65, 0xff}) /* the Boehm series */
#define PAL_SELECT    ((SDL_Color){0xd0, 0x8c, 0xff, 0xff}) /* the inspected object, its pointers and panel */

/* c at opacity a. */
static inline SDL_Color pal_alpha(SDL_Color c, Uint8 a) {
    c.a = a;
    return c;
}

/* ARGB8888 texel of a tc_colour (0 free, 1 white, 3 grey, 4 black). */
static inline uint32_t pal_argb(SDL_Color c) {
    return (uint32_t)c.a << 24 | (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
}

#endif
