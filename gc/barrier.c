/*
 * barrier.c — the slow paths of the write barriers.
 *
 * tc_store (tricolor.h) runs the fast path inline: when no cycle is
 * marking it is one predictable branch and the store. While marking it
 * calls tc__store_marking (at the end of this file), which tests the
 * colours, calls one of these only when the store would break the
 * invariant, and stores.
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
 *   Hybrid    obj.slot = new                        -> shade old and new
 *             (each if white). Go's barrier (proposal 17503): Yuasa's
 *             deletion half plus Dijkstra's insertion half. Go needs the
 *             insertion half because it scans goroutine stacks one at a
 *             time while the others run, so a pointer can move from a
 *             stack not yet scanned into the heap; Go shades the new
 *             pointer on every store because a store does not know its
 *             stack's colour, and so does Tricolor. Tricolor's roots are
 *             shaded in one handshake, so here the insertion half is
 *             redundant work: the hybrid keeps the weak invariant (new
 *             objects black, no root rescan) at about twice Yuasa's
 *             barrier hits. It is here to be measured beside the others.
 *
 * The concurrent mode (marker.c) runs Dijkstra, Yuasa and hybrid. There a
 * slow path does not shade: it appends the object to the barrier buffer,
 * which the holder of the mark state shades. Dijkstra's fast path shades
 * every white target, not only those stored into black objects: the
 * marker may blacken the source between the barrier's colour test and the
 * store, after reading the slot's old value. Steele's is not supported
 * concurrently: re-greying a black object the marker may be scanning
 * needs the two to agree on the object's colour and its slots at once,
 * which a store cannot do without a fence on every marking store; and its
 * gain (fewer objects shaded) is what the buffer already gives.
 *
 * Each call counts as a barrier hit and is reported to an observer with
 * the store that ran it (source, slot, and the pointer acted on), so a
 * viewer can draw it.
 */
#include "internal.h"

/* Shades now, or beside a concurrent marker buffers it. */
static inline void shade_or_buffer(tc_heap *h, void *obj) {
    if (h->hot.concurrent)
        tc__wb_push(h, obj);
    else
        tc__gc_shade(h, obj);
}

void tc__barrier_dijkstra(tc_heap *h, void *source, uint32_t slot, void *target) {
    h->barrier_hits++;
    shade_or_buffer(h, target);
    tc__observe_barrier(h, target, TC_BARRIER_DIJKSTRA, source, slot, target);
}

void tc__barrier_steele(tc_heap *h, void *source, uint32_t slot, void *target) {
    h->barrier_hits++;
    if (hdr_load(source) & HDR_LARGE)
        tc__gc_large_dirty(h, page_of(source), slot);
    else
        tc__gc_regrey(h, source);
    tc__observe_barrier(h, source, TC_BARRIER_STEELE, source, slot, target);
}

void tc__barrier_yuasa(tc_heap *h, void *source, uint32_t slot, void *old_target) {
    h->barrier_hits++;
    shade_or_buffer(h, old_target);
    tc__observe_barrier(h, old_target, TC_BARRIER_YUASA, source, slot, old_target);
}

void tc__barrier_hybrid(tc_heap *h, void *source, uint32_t slot, void *old_target, void *target) {
    h->barrier_hits++;
    if (old_target) {
        shade_or_buffer(h, old_target);
        tc__observe_barrier(h, old_target, TC_BARRIER_HYBRID, source, slot, old_target);
    }
    if (target) {
        shade_or_buffer(h, target);
        tc__observe_barrier(h, target, TC_BARRIER_HYBRID, source, slot, target);
    }
}

void tc__store_marking(tc_heap *heap, void *obj, uint32_t slot, void *val) {
    void **p = (void **)obj + slot;
    const struct tc__hot *hot = &heap->hot;
    switch (hot->barrier) {
    case TC_BARRIER_DIJKSTRA:
        /* Strong invariant: a black object never points to a white one.
         * Concurrently the source's colour may change between this
         * test and the store (the marker blackens it after reading the
         * old slot), so there every white target is shaded. The
         * source's colour first: its header is near the slot the
         * program is writing, while the target's is anywhere (a cache
         * miss on mutate's random graph), read now only for a black
         * source. */
        if (val && (hot->concurrent || TC__COLOUR(obj) == TC__BLACK) && TC__IS_WHITE(val))
            tc__barrier_dijkstra(heap, obj, slot, val);
        break;
    case TC_BARRIER_STEELE:
        /* Strong invariant, kept by undoing the source's blackness. */
        if (val && TC__COLOUR(obj) == TC__BLACK && TC__IS_WHITE(val)) tc__barrier_steele(heap, obj, slot, val);
        break;
    case TC_BARRIER_YUASA: {
        /* Snapshot: whatever was reachable when the cycle began stays
         * reachable for the marker, so shade what the store overwrites. */
        void *old = *p;
        if (old && TC__IS_WHITE(old)) tc__barrier_yuasa(heap, obj, slot, old);
        break;
    }
    case TC_BARRIER_HYBRID: {
        /* Go's hybrid barrier: Yuasa's deletion half plus Dijkstra's
         * insertion half, shading the new target whatever the source's
         * colour (Go does not know its stack's colour at the store). */
        void *old = *p;
        bool o = old && TC__IS_WHITE(old), n = val && TC__IS_WHITE(val);
        if (o || n) tc__barrier_hybrid(heap, obj, slot, o ? old : NULL, n ? val : NULL);
        break;
    }
    default: break;
    }
    __atomic_store_n(p, val, __ATOMIC_RELEASE);
}
