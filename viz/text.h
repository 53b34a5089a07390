/*
 * text.h — the visualizer's text: one monospace font (DejaVu Sans Mono,
 * shipped in assets/) drawn from a glyph atlas.
 *
 * Rendering a label with TTF_Render* and turning it into a texture every
 * frame is the known slow pattern (docs/design.md, "5. Drawing with SDL"), so text_open
 * renders printable ASCII once into a single white texture and every draw
 * afterwards is one SDL_RenderCopy per character, tinted with the texture's
 * colour and alpha modulation. Nothing here allocates after text_open.
 *
 * Only bytes 32..126 have glyphs; any other byte (including each byte of a
 * UTF-8 sequence) draws as '?', so widths stay "advance * strlen".
 * Works on any renderer, including SDL_CreateSoftwareRenderer on a surface.
 */
#ifndef TRICOLOR_TEXT_H
#define TRICOLOR_TEXT_H

#include <stddef.h>

#include <SDL.h>

typedef struct text text;

/* Opens the UI font at px size for renderer r. Looks for DejaVuSansMono.ttf
 * in: $TRICOLOR_ASSETS, then <directory of /proc/self/exe>/../assets, then
 * ./assets; if none, falls back to
 * /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf and prints one warning
 * line to stderr naming what it tried and what it uses. Returns NULL with a
 * message in err (naming the paths tried and the package to install,
 * fonts-dejavu-core) if no font can be opened, or if the atlas cannot be
 * made (SDL's error in err). Calls TTF_Init itself, and TTF_Quit to match:
 * the font file is closed again once the atlas is built. The text must be
 * closed before r is destroyed. */
text *text_open(SDL_Renderer *r, int px, char *err, size_t errlen);
void text_close(text *t);

int text_height(const text *t);               /* line height in px */
int text_width(const text *t, const char *s); /* px width of s (monospace: advance * strlen) */

/* Draws s at (x,y) top-left in colour c (c.a is the opacity) from the
 * atlas; returns the width drawn. Never calls TTF_Render*. */
int text_draw(text *t, int x, int y, SDL_Color c, const char *s);
/* Formats into a 512-byte buffer on the stack (longer output is cut) and
 * draws it like text_draw. */
int text_drawf(text *t, int x, int y, SDL_Color c, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
