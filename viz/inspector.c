/*
 * inspector.c — the object inspector panel (see inspector.h): reads one
 * selected object through the collector's public API while the mutator is
 * parked, and draws what it found.
 *
 * Why tc_describe and not the graph's node: the selection must be safe to
 * read whatever happened since it was clicked. The object may have been
 * freed and its page given back; tc_describe checks the heap's page table
 * before it reads the object, so a stale selection is dropped, never
 * dereferenced.
 */
#include "inspector.h"

#include <stdio.h>

#include "palette.h"

void inspector_select(inspector *in, void *obj) {
    in->obj = obj;
    in->nlisted = 0;
    in->nhist = 0;
    in->last_hit = (tc_event){0};
    in->info.obj = NULL; /* not read yet */
}

static void add_step(inspector *in, uint64_t increment, uint8_t colour, int8_t barrier) {
    if (in->nhist == INSPECT_HISTORY) { /* keep the latest */
        for (uint32_t i = 1; i < INSPECT_HISTORY; i++) in->hist[i - 1] = in->hist[i];
        in->nhist--;
    }
    in->hist[in->nhist++] = (inspect_step){increment, colour, barrier};
}

/* The colour the history last recorded, or none (0xff). */
static uint8_t last_colour(const inspector *in) {
    for (uint32_t i = in->nhist; i-- > 0;)
        if (in->hist[i].barrier < 0) return in->hist[i].colour;
    return 0xff;
}

void inspector_event(inspector *in, const tc_event *e, uint64_t increment) {
    if (!in->obj || e->kind != TC_EV_BARRIER || e->obj != in->obj) return;
    add_step(in, increment, 0, (int8_t)e->arg);
    in->last_hit = *e;
}

void inspector_moment(inspector *in, bool past, uint64_t incr, uint64_t cycle, int colour) {
    in->past = past;
    in->past_incr = incr;
    in->past_cycle = cycle;
    in->past_colour = colour;
    in->npast = 0;
}

void inspector_past_step(inspector *in, uint64_t incr, uint8_t colour) {
    if (in->npast == INSPECT_HISTORY) {
        for (uint32_t i = 1; i < INSPECT_HISTORY; i++) in->past_hist[i - 1] = in->past_hist[i];
        in->npast--;
    }
    in->past_hist[in->npast++] = (inspect_step){incr, colour, -1};
}

bool inspector_sync(inspector *in, tc_heap *h) {
    if (!in->obj) return false;
    bool first = in->info.obj != in->obj;
    if (!tc_describe(h, in->obj, &in->info)) {
        inspector_select(in, NULL);
        return false;
    }
    tc_stats st;
    tc_get_stats(h, &st);
    uint64_t incr = tc_increment_count(h);
    if (first || st.cycles != in->cycle) { /* a new selection, or a new cycle: start over */
        in->nhist = 0;
        in->last_hit = (tc_event){0};
        in->cycle = st.cycles;
    }
    if (last_colour(in) != (uint8_t)in->info.colour) add_step(in, incr, (uint8_t)in->info.colour, -1);
    in->nlisted = in->info.nslots < INSPECT_SLOTS ? in->info.nslots : INSPECT_SLOTS;
    for (uint32_t i = 0; i < in->nlisted; i++) {
        in->target[i] = tc_load(h, in->obj, i);
        in->target_colour[i] = in->target[i] ? (uint8_t)tc_colour_of(h, in->target[i]) : 0;
    }
    return true;
}

void inspector_draw(inspector *in, SDL_Renderer *r, text *font, SDL_Rect area, int sel_x, int sel_y) {
    in->box = (SDL_Rect){0, 0, 0, 0};
    if (!in->obj || in->info.obj != in->obj || !font) return; /* not read yet */
    const tc_object_info *o = &in->info;
    char lines[8 + INSPECT_SLOTS][96];
    int n = 0;
    if (!in->past)
        snprintf(lines[n++], sizeof lines[0], "object %p: %s%s", o->obj, tc_colour_name(o->colour),
                 o->is_root ? ", held by a root" : "");
    else if (in->past_colour >= 0)
        snprintf(lines[n++], sizeof lines[0], "object %p: %s after increment %llu (now %s)", o->obj,
                 tc_colour_name((tc_colour)in->past_colour), (unsigned long long)in->past_incr,
                 tc_colour_name(o->colour));
    else
        snprintf(lines[n++], sizeof lines[0], "object %p: not shown after increment %llu (now %s)", o->obj,
                 (unsigned long long)in->past_incr, tc_colour_name(o->colour));
    if (o->is_large)
        snprintf(lines[n++], sizeof lines[0], "large object %u of the large table, %u bytes mapped", o->page, o->size);
    else
        snprintf(lines[n++], sizeof lines[0], "page %u, cell %u, %u-byte cells", o->page, o->cell, o->size);
    snprintf(lines[n++], sizeof lines[0], "%u slot%s, %u raw bytes", o->nslots, o->nslots == 1 ? "" : "s", o->nraw);
    /* This cycle's history, as far as a line holds. */
    int at = snprintf(lines[n], sizeof lines[0],
                      "cycle %llu:", (unsigned long long)(in->past ? in->past_cycle : in->cycle) + 1);
    const inspect_step *hist = in->past ? in->past_hist : in->hist;
    uint32_t nhist = in->past ? in->npast : in->nhist;
    for (uint32_t i = 0; i < nhist && at > 0 && (size_t)at < sizeof lines[0]; i++) {
        const inspect_step *st = &hist[i];
        if (st->barrier >= 0)
            at += snprintf(lines[n] + at, sizeof lines[0] - (size_t)at, " %s@%llu",
                           tc_barrier_name((tc_barrier)st->barrier), (unsigned long long)st->increment);
        else
            at += snprintf(lines[n] + at, sizeof lines[0] - (size_t)at, "%s%s@%llu", i ? " -> " : " ",
                           tc_colour_name((tc_colour)st->colour), (unsigned long long)st->increment);
    }
    if (in->past && !nhist && at > 0 && (size_t)at < sizeof lines[0])
        snprintf(lines[n] + at, sizeof lines[0] - (size_t)at, " not in the graph's frames kept");
    n++;
    const tc_event *hit = &in->last_hit;
    if (!in->past && hit->kind == TC_EV_BARRIER && hit->source) { /* not known to be before the moment */
        if (hit->source == in->obj)                               /* Steele: the store was into this object */
            snprintf(lines[n++], sizeof lines[0], "%s: stored %p into its slot %u",
                     tc_barrier_name((tc_barrier)hit->arg), hit->target, hit->slot);
        else
            snprintf(lines[n++], sizeof lines[0], "%s: a store into slot %u of %p",
                     tc_barrier_name((tc_barrier)hit->arg), hit->slot, hit->source);
    }
    if (in->past) snprintf(lines[n++], sizeof lines[0], "now (the live run, paused):");
    int first_slot = n;
    for (uint32_t i = 0; i < in->nlisted; i++) {
        if (in->target[i])
            snprintf(lines[n++], sizeof lines[0], "  [%u] -> %p %s", i, in->target[i],
                     tc_colour_name((tc_colour)in->target_colour[i]));
        else
            snprintf(lines[n++], sizeof lines[0], "  [%u]    NULL", i);
    }
    if (o->nslots > in->nlisted) snprintf(lines[n++], sizeof lines[0], "  ... %u more", o->nslots - in->nlisted);
    snprintf(lines[n++], sizeof lines[0], "click a slot to follow it, empty space to close");
    int th = text_height(font), w = 0;
    for (int i = 0; i < n; i++) {
        int lw = text_width(font, lines[i]);
        if (lw > w) w = lw;
    }
    SDL_Rect box = {area.x + 8, area.y + 8 + th, w + 16, n * th + 12};
    /* Never over the object it describes: to the bottom corner when the
     * object is up in the panel's top half and under the box's width. */
    if (sel_y >= 0 && sel_y < area.y + area.h / 2 && sel_x < box.x + box.w + 16)
        box.y = area.y + area.h - box.h - 8 - th;
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    SDL_Color bg = pal_alpha(PAL_OVERLAY, 0xe0);
    SDL_SetRenderDrawColor(r, bg.r, bg.g, bg.b, bg.a);
    SDL_RenderFillRect(r, &box);
    SDL_SetRenderDrawColor(r, PAL_SELECT.r, PAL_SELECT.g, PAL_SELECT.b, 0xff);
    SDL_RenderDrawRect(r, &box);
    for (int i = 0; i < n; i++) {
        SDL_Color c = i == 0 ? PAL_SELECT : i >= first_slot && i < first_slot + (int)in->nlisted ? PAL_TEXT : PAL_DIM;
        text_draw(font, box.x + 8, box.y + 6 + i * th, c, lines[i]);
    }
    in->box = box;
    in->slot_y0 = box.y + 6 + first_slot * th;
    in->line_h = th;
}

bool inspector_click(inspector *in, int x, int y) {
    const SDL_Rect *b = &in->box;
    if (!in->obj || x < b->x || x >= b->x + b->w || y < b->y || y >= b->y + b->h) return false;
    if (in->line_h > 0 && y >= in->slot_y0) {
        int i = (y - in->slot_y0) / in->line_h;
        if (i < (int)in->nlisted && in->target[i]) inspector_select(in, in->target[i]);
    }
    return true;
}
