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
 * Prefetched tests. Beside a concurrent marker Dijkstra's barrier tests
 * the colour of every target stored, and the target's header is anywhere
 * in the heap: on mutate's random graph, a cache miss the program itself
 * never takes (it does not read the node it stores a pointer to). So the
 * barrier prefetches the header and tests it TC__PEND_N stores later,
 * when the line has arrived, from a small ring of pending tests (the
 * target, its source and slot). A pending test is like an unpublished
 * buffer entry: every place the mutator publishes its buffer (marker.c:
 * each increment, each pacer check, tc_verify) runs the pending tests
 * first, so no termination handshake sees a buffer without them, and
 * the ring is empty whenever the mutator holds the mark state (the
 * verifier checks it). Colours only darken while marking, so a target
 * tested late and found black was shaded by someone, and nothing is
 * freed while marking, so the late read is safe. Measured with a
 * 1M-node random graph, marking done and no allocation yet to end it (as
 * in mutate's wiring loop), 20 alternating blocks of a million random
 * stores each: 64-67 ns a store (two random node lookups and the store)
 * with the test at the store, 47-52 with it prefetched, 26-32 with no
 * barrier; the same for rings of 4 to 32. Yuasa's and the hybrid
 * barrier's tests read the overwritten pointer, which a program has
 * usually just read, and are left at the store.
 *
 * Each call counts as a barrier hit and is reported to an observer with
 * the store that ran it (source, slot, and the pointer acted on), so a
 * viewer can draw it: for a prefetched test, when the test runs, which a
 * viewer's safepoint (alloc.c) brings forward to the allocation it stops
 * the program at. Without that, in slow motion a start handshake's slice
 * ended with its stores' hits still pending, nothing to replay, and the
 * next slice's check published them and ended the marking at once: no
 * frame showed a cycle marking (test_viz,
 * test_concurrent_graph_follows_the_marker).
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

/* Queues the test of a store's target (see "Prefetched tests") and runs
 * the test queued TC__PEND_N stores ago. */
static inline void pend_test(tc_heap *h, void *src, uint32_t slot, void *val) {
    tc__marker *m = &h->conc;
    __builtin_prefetch((void **)val - 1);
    const uint32_t i = m->pend_i;
    m->pend_i = (i + 1) & (TC__PEND_N - 1);
    void *old = m->pend[i], *old_src = m->pend_src[i];
    const uint32_t old_slot = m->pend_slot[i];
    m->pend[i] = val;
    m->pend_src[i] = src;
    m->pend_slot[i] = slot;
    if (old && TC__IS_WHITE(old)) tc__barrier_dijkstra(h, old_src, old_slot, old);
}

void tc__barrier_pending_run(tc_heap *h) {
    tc__marker *m = &h->conc;
    for (uint32_t i = 0; i < TC__PEND_N; i++) {
        void *v = m->pend[i];
        if (!v) continue;
        m->pend[i] = NULL;
        if (TC__IS_WHITE(v)) tc__barrier_dijkstra(h, m->pend_src[i], m->pend_slot[i], v);
    }
}

bool tc__barrier_pending_any(const tc_heap *h) {
    for (uint32_t i = 0; i < TC__PEND_N; i++)
        if (h->conc.pend[i]) return true;
    return false;
}

void tc__store_marking(tc_heap *heap, void *obj, uint32_t slot, void *val) {
    void **p = (void **)obj + slot;
    const struct tc__hot *hot = &heap->hot;
    switch (hot->barrier) {
    case TC_BARRIER_DIJKSTRA:
        /* Strong invariant: a black object never points to a white one.
         * Concurrently the source's colour may change between this
         * test and the store (the marker blackens it after reading the
         * old slot), so there every white target is shaded, its test
         * prefetched (see the file's comment). Otherwise the source's
         * colour first: its header is near the slot the program is
         * writing, while the target's is anywhere (a cache miss on
         * mutate's random graph), read only for a black source. */
        if (!val) break;
        if (hot->concurrent)
            pend_test(heap, obj, slot, val);
        else if (TC__COLOUR(obj) == TC__BLACK && TC__IS_WHITE(val))
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
