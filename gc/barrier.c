/*
 * barrier.c — the slow paths of the write barriers.
 *
 * tc_store (tricolor.h) runs the fast path inline: when no cycle is
 * marking it is one predictable branch; while marking it tests the colours
 * and calls one of these only when the store would break the invariant.
 *
 *   Dijkstra  obj.slot = new, obj black, new white  -> shade new.
 *             Strong invariant: no black object points to a white one.
 *   Steele    obj.slot = new, obj black, new white  -> obj back to grey
 *             (a large object: mark the card holding the slot, so only
 *             that card is scanned again). Strong invariant; fewer objects
 *             shaded than Dijkstra when a black object is written often.
 *   Yuasa     obj.slot = new, old value white       -> shade old.
 *             Weak invariant (snapshot at the beginning): every white
 *             object a black one points to is reachable from a grey one
 *             through white objects. Needs new objects black and no root
 *             rescan.
 *
 * Each call counts as a barrier hit and is reported to an observer with
 * the store that ran it (source, slot, and the pointer acted on), so a
 * viewer can draw it.
 */
#include "internal.h"

void tc__barrier_dijkstra(tc_heap *h, void *source, uint32_t slot, void *target) {
    h->barrier_hits++;
    tc__gc_shade(h, target);
    tc__observe_barrier(h, target, TC_BARRIER_DIJKSTRA, source, slot, target);
}

void tc__barrier_steele(tc_heap *h, void *source, uint32_t slot, void *target) {
    h->barrier_hits++;
    if (*hdr_of(source) & HDR_LARGE)
        tc__gc_large_dirty(h, page_of(source), slot);
    else
        tc__gc_regrey(h, source);
    tc__observe_barrier(h, source, TC_BARRIER_STEELE, source, slot, target);
}

void tc__barrier_yuasa(tc_heap *h, void *source, uint32_t slot, void *old_target) {
    h->barrier_hits++;
    tc__gc_shade(h, old_target);
    tc__observe_barrier(h, old_target, TC_BARRIER_YUASA, source, slot, old_target);
}
