/*
 * collect.c — one collection cycle as an explicit state machine.
 *
 *    IDLE ──start──▶ ROOTS ──▶ PROPAGATE ◀──▶ ATOMIC ──▶ SWEEP ──▶ IDLE
 *
 * Every call of tc__gc_increment() is one pause of the mutator: it advances the
 * machine by at most one budget of work (work units or microseconds, see
 * tc_config) and appends a record to the pause log. Work units are slots
 * scanned, objects blackened, roots read and cells swept.
 *
 *  ROOTS      Shade every root. O(roots); done in the cycle's first pause.
 *             From here until ATOMIC finishes, `hot.marking` is set and
 *             tc_store runs the cycle's barrier.
 *  PROPAGATE  Pop grey objects, blacken them, shade their white children.
 *             Large objects are blackened first and then scanned a chunk at
 *             a time, so a 1M-slot array never makes one long pause.
 *  ATOMIC     Dijkstra and Steele let the mutator store into roots without
 *             a barrier, so roots are shaded again; if that (or a barrier)
 *             produced grey objects, marking goes back to PROPAGATE with new
 *             objects allocated black, which makes the rounds converge: the
 *             set of white objects can then only shrink. Yuasa needs no
 *             rescan (its roots were snapshotted). When no grey is left the
 *             current white flips and the barrier turns off. The only
 *             atomic work is O(roots) per round.
 *  SWEEP      Page by page, then the large objects: cells of the old white
 *             are freed, everything else becomes the current white. Objects
 *             allocated during sweep already have the current white, so the
 *             sweep keeps them.
 *
 * Between increments these hold (tc_verify checks them):
 *  - every grey object is on the grey stack, or is a large object on the
 *    large_scan list with unscanned slots or dirty cards;
 *  - the prefetch FIFO is empty;
 *  - the barrier's invariant (strong or weak, see barrier.c) holds.
 *
 * The mark loop: the grey set is a LIFO stack, but children are not
 * colour-checked when found. Each child is prefetched and put in a 16-entry
 * FIFO; its header is read when it leaves the FIFO, by which time the cache
 * line has usually arrived. On heaps larger than the cache this hides most
 * of the miss latency (about 4x faster than checking at once, see
 * docs/design.md §4).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* ======================================================================
 * Phase changes
 * ====================================================================== */

void tc__gc_set_phase(tc_heap *h, tc_phase p) {
    h->phase = p;
    observe(h, TC_EV_PHASE, NULL, (uint32_t)p);
}

/* ======================================================================
 * The grey set
 * ====================================================================== */

/* The grey stack lives in the memory layer's reserved range (mem.c),
 * faulted in ahead of its top: grey.cap is how far the top may go before
 * asking again, a quarter of the lead at a time, so that the thread hears
 * of the top while it is still ahead of it. Without the range (its
 * reservation failed) it is a malloc'd vector. */
static __attribute__((noinline)) void grey_push_slow(tc_heap *h, void *obj) {
    tc__range *r = &h->mem.grey;
    if (r->base) {
        const bool on_marker = atomic_load_explicit(&h->conc.owner, memory_order_relaxed) == OWN_MARKER;
        if (!tc__mem_range_ensure(&h->mem, r, (h->grey.n + 1) * sizeof(void *), on_marker)) {
            fprintf(stderr, "tricolor: the grey stack is full (%zu entries)\n", h->grey.n);
            abort();
        }
        size_t ready = atomic_load_explicit(&r->populated, memory_order_acquire) / sizeof(void *);
        size_t step = r->ahead / 4 / sizeof(void *);
        /* Past what is populated (the thread fell behind), the entries
         * fault in as written; ask again a step on all the same. */
        size_t cap = ready > h->grey.n && ready < h->grey.n + step ? ready : h->grey.n + step;
        if (cap > r->cap / sizeof(void *)) cap = r->cap / sizeof(void *); /* never past the reservation */
        h->grey.cap = cap;
        h->grey.v[h->grey.n++] = obj;
        return;
    }
    if (!ptrvec_push(&h->grey, obj)) {
        fprintf(stderr, "tricolor: out of memory growing the grey stack to %zu entries\n", h->grey.n + 1);
        abort();
    }
}

static inline void grey_push(tc_heap *h, void *obj) {
    if (__builtin_expect(h->grey.n < h->grey.cap, 1))
        h->grey.v[h->grey.n++] = obj;
    else
        grey_push_slow(h, obj);
}

/* White -> grey. Used for roots and by the Dijkstra and Yuasa barriers. */
bool tc__gc_shade_quiet(tc_heap *h, void *obj) {
    uint64_t v = hdr_load(obj);
    if (!colour_is_white((unsigned)(v & 7))) return false;
    hdr_store(obj, (v & ~(uint64_t)7) | C_GREY);
    grey_push(h, obj);
    return true;
}

void tc__gc_shade(tc_heap *h, void *obj) {
    if (tc__gc_shade_quiet(h, obj)) observe(h, TC_EV_SHADE, obj, 0);
}

/* Black -> grey, for Steele's barrier on a small object: it will be
 * scanned again, so whatever was stored into it is found. */
void tc__gc_regrey(tc_heap *h, void *obj) {
    colour_set(obj, C_GREY);
    grey_push(h, obj);
}

static inline bool grey_empty(const tc_heap *h) { return h->grey.n == 0 && h->fifo_n == 0 && h->large_scan == NULL; }
bool tc__gc_marking_done(const tc_heap *h) { return grey_empty(h); }
/* The mutator's view: beside a concurrent marker the barrier buffer must
 * be empty too (the mutator has published its own entries). */
static bool marking_done(tc_heap *h) { return grey_empty(h) && (!h->hot.concurrent || tc__marker_wb_empty(h)); }

/* Hands fn what every root points to (global roots, then the root
 * stack), NULLs skipped. Returns work units (roots read). */
static size_t each_root(tc_heap *h, void (*fn)(tc_heap *, void *)) {
    for (size_t i = 0; i < h->roots.n; i++) {
        void *v = *(void **)h->roots.v[i];
        if (v) fn(h, v);
    }
    for (size_t i = 0; i < h->hot.nroots; i++) {
        void *v = *(void **)h->hot.roots[i];
        if (v) fn(h, v);
    }
    return h->roots.n + h->hot.nroots;
}

/* Shades what every root points to. Returns work units (roots read). */
static size_t shade_roots(tc_heap *h) { return each_root(h, tc__gc_shade); }

static void buffer_one(tc_heap *h, void *obj) { tc__wb_push(h, obj); }

/* The start handshake's roots, beside a running marker: their values go
 * to the barrier buffer, for the marker to shade, instead of being shaded
 * in the pause. Shading reads each object's header, a cache miss a root:
 * lisp's start handshakes, ~3,000 roots of a deep interpreter stack,
 * took 25 us at their median. A buffer entry is one store. The values are
 * the roots' at this moment, which is the snapshot Yuasa's and the hybrid
 * barrier need (Dijkstra's rescans the roots at termination anyway); a
 * buffered object is grey in all but its colour bits, as a barrier's is,
 * and marking cannot end while the buffer holds it (marking_done). Only
 * when the buffer has room for every root: a full buffer would be a flush
 * inside this increment. The room is read from the holder's own cursor:
 * whead_seen, the mutator's cached lower bound of it, is refreshed only
 * when the buffer looks full (tc__wb_full), so once most of a buffer's
 * worth of barrier entries had passed since then it said there was no
 * room in an empty buffer, and every start handshake shaded its roots in
 * the pause until the buffer next looked full (65,536 entries later; a
 * looping `view` writes many times that).
 * Returns false, having buffered nothing, when there is not room. */
static bool buffer_roots(tc_heap *h) {
    tc__marker *m = &h->conc;
    size_t n = h->roots.n + h->hot.nroots;
    m->whead_seen = atomic_load_explicit(&m->head, memory_order_acquire);
    if (TC__WB_CAP - (m->wtail - m->whead_seen) < n) return false;
    each_root(h, buffer_one);
    tc__marker_publish(h);
    return true;
}

/* ======================================================================
 * The mark loop
 * ====================================================================== */

/* The deferred colour check of a child that has left the prefetch FIFO. */
static inline void check_child(tc_heap *h, void *child, bool obs) {
    uint64_t v = hdr_load(child);
    if (colour_is_white((unsigned)(v & 7))) {
        hdr_store(child, (v & ~(uint64_t)7) | C_GREY);
        grey_push(h, child);
        OBSERVE_IF(obs && (h->ev_mask >> TC_EV_SHADE & 1), h, TC_EV_SHADE, child);
    }
}

static inline void visit_child(tc_heap *h, void *child, bool obs) {
    __builtin_prefetch(hdr_of(child), 1, 3);
    if (h->fifo_n < PREFETCH_FIFO) {
        h->fifo[(h->fifo_head + h->fifo_n++) % PREFETCH_FIFO] = child;
        return;
    }
    void *ready = h->fifo[h->fifo_head];
    h->fifo[h->fifo_head] = child;
    h->fifo_head = (h->fifo_head + 1) % PREFETCH_FIFO;
    check_child(h, ready, obs);
}

static inline void fifo_check_one(tc_heap *h, bool obs) {
    void *c = h->fifo[h->fifo_head];
    h->fifo_head = (h->fifo_head + 1) % PREFETCH_FIFO;
    h->fifo_n--;
    check_child(h, c, obs);
}

static void fifo_drain(tc_heap *h, bool obs) {
    while (h->fifo_n) fifo_check_one(h, obs);
}

/* Grey -> black for a small object: its children go to the FIFO. */
/* Slots are loaded with acquire (a plain load on x86): in concurrent mode
 * the mutator stores into them with release, and the object a slot points
 * to must be seen initialised (marker.c). */
static inline void *slot_load(void **s, size_t i) { return __atomic_load_n(&s[i], __ATOMIC_ACQUIRE); }

static inline size_t blacken_small(tc_heap *h, void *obj, uint64_t hdr, bool obs) {
    hdr_store(obj, (hdr & ~(uint64_t)7) | C_BLACK);
    uint32_t n = (uint32_t)((hdr >> 4) & TC_MAX_SLOTS);
    void **s = obj;
    for (uint32_t i = 0; i < n; i++) {
        void *c = slot_load(s, i);
        if (c) visit_child(h, c, obs);
    }
    h->cur.marked_objects++;
    h->cur.marked_bytes += page_of(obj)->cell_size; /* in cells, as live bytes are counted */
    OBSERVE_IF(obs && (h->ev_mask >> TC_EV_BLACKEN & 1), h, TC_EV_BLACKEN, obj);
    return (size_t)n + 1;
}

static void large_scan_add(tc_heap *h, tc_page *p) {
    if (p->in_scan) return;
    p->in_scan = 1;
    p->scan_next = h->large_scan;
    h->large_scan = p;
}

/* Grey -> black for a large object. It turns black before its slots are
 * scanned: Dijkstra's barrier then shades whatever is stored into it, and
 * Steele's marks a card for any store behind the scan cursor. */
static size_t large_begin(tc_heap *h, void *obj, bool obs) {
    tc_page *p = page_of(obj);
    uint64_t hdr = hdr_load(obj);
    hdr_store(obj, (hdr & ~(uint64_t)7) | C_BLACK);
    p->scan_cursor = 0;
    if (p->cards) memset(p->cards, 0, p->ncards * sizeof(uint64_t));
    large_scan_add(h, p);
    h->cur.marked_objects++;
    h->cur.marked_bytes += p->map_bytes;
    if (p->born_cycle == h->cycle_no) h->cycle_marked_new += p->map_bytes;
    OBSERVE_IF(obs && (h->ev_mask >> TC_EV_BLACKEN & 1), h, TC_EV_BLACKEN, obj);
    return 1;
}

/* Steele's barrier stored into slot `slot` of black large object p. */
void tc__gc_large_dirty(tc_heap *h, tc_page *p, uint32_t slot) {
    if (p->in_scan && slot >= p->scan_cursor) return; /* the cursor will get there */
    size_t card = slot / LARGE_CARD_SLOTS;
    if (!p->cards) {
        void *obj = page_cells(p) + HDR_BYTES;
        p->ncards = (tc_nslots(obj) + LARGE_CARD_SLOTS * 64 - 1) / (LARGE_CARD_SLOTS * 64);
        p->cards = calloc(p->ncards, sizeof(uint64_t));
        if (!p->cards) {
            fprintf(stderr, "tricolor: out of memory for a card table of %zu words\n", p->ncards);
            abort();
        }
    }
    p->cards[card / 64] |= (uint64_t)1 << (card % 64);
    large_scan_add(h, p);
}

/* A large object's slots are read in address order, which the hardware
 * prefetcher streams ahead of the loop: a null slot there costs a fraction
 * of a small object's slot, whose read and whose child's header are cache
 * misses. Counting each as a whole unit made a MiB pointer array of nulls
 * (fragment's) a debt of 131,072 units that took a few µs, so the measured
 * speed, and every budget in time derived from it, meant nothing for the
 * other work. NULL_SLOTS_PER_UNIT null slots make one unit. The slots of
 * small objects, read at random, stay a unit each. */
static size_t scan_slots(tc_heap *h, void **s, size_t from, size_t to, bool obs) {
    size_t refs = 0;
    for (size_t i = from; i < to; i++) {
        void *c = slot_load(s, i);
        if (c) {
            visit_child(h, c, obs);
            refs++;
        }
    }
    return refs + ((to - from - refs) + NULL_SLOTS_PER_UNIT - 1) / NULL_SLOTS_PER_UNIT;
}

/* Written pages. A page of a large object's slots that no non-null store
 * reached (its bit clear in the written bitmap, tricolor.h) holds only
 * NULL, and is skipped for a unit, unread: reading it would fault it in
 * (or trap to the host), ~9 µs a page on the VM measured in
 * docs/design.md, where fragment's MiB arrays of 16 pointers each and
 * mutate's half-empty index chunks made a quarter of their runs' faults
 * inside increments. Returns the end of the run of slots from `from` that
 * lie in one page, and whether that page was written. */
static size_t wpage_end(const tc_page *p, size_t from, size_t n, bool *written) {
    size_t pg = large_wpage_of(from);
    size_t end = (pg + 1) * LARGE_WPAGE_SLOTS - TC__LARGE_SLOT0;
    *written = large_wpage_set(p, pg);
    return end < n ? end : n;
}

/* Scans up to `max` slots of the large object at the head of large_scan:
 * first onward from the cursor, then any dirty cards. Leaves the list
 * when nothing is left to scan. */
static size_t large_scan_some(tc_heap *h, size_t max, bool obs) {
    obs = obs && (h->ev_mask >> TC_EV_SHADE & 1);
    tc_page *p = h->large_scan;
    void **s = (void **)(page_cells(p) + HDR_BYTES);
    size_t n = tc_nslots(s);
    size_t done = 0;
    if (max < 1) max = 1;
    while (done < max) {
        if (p->scan_cursor < n) {
            bool written;
            size_t end = wpage_end(p, p->scan_cursor, n, &written);
            if (!written) {
                p->scan_cursor = end;
                done++;
                continue;
            }
            /* max may be SIZE_MAX (an unlimited budget): compare what is
             * left instead of adding to the cursor, which would wrap. */
            size_t room = max - done;
            if (end - p->scan_cursor > room) end = p->scan_cursor + room;
            done += scan_slots(h, s, p->scan_cursor, end, obs);
            p->scan_cursor = end;
            continue;
        }
        size_t card = SIZE_MAX;
        for (size_t w = 0; w < p->ncards; w++) {
            if (p->cards[w]) {
                unsigned b = (unsigned)__builtin_ctzll(p->cards[w]);
                p->cards[w] &= ~((uint64_t)1 << b);
                card = w * 64 + b;
                break;
            }
        }
        if (card == SIZE_MAX) {
            h->large_scan = p->scan_next;
            p->scan_next = NULL;
            p->in_scan = 0;
            break;
        }
        size_t from = card * LARGE_CARD_SLOTS, to = from + LARGE_CARD_SLOTS;
        if (to > n) to = n;
        done += scan_slots(h, s, from, to, obs);
    }
    return done;
}

/* Marks until the grey set is empty or the budget is spent. `work` is what
 * this increment has done so far; returns the new total. Instantiated twice
 * (obs constant) so that without an observer the loop tests nothing. */
static inline __attribute__((always_inline)) size_t propagate_impl(tc_heap *h, tc__budget *b, size_t work,
                                                                   const bool obs, const bool conc) {
    size_t n;
    while (!tc__budget_spent(b, work)) {
        if (h->grey.n) {
            void *obj = h->grey.v[--h->grey.n];
            uint64_t hdr = hdr_load(obj);
            if ((hdr & 7) != C_GREY) continue; /* cannot happen: each grey object is pushed once */
            work += (hdr & HDR_LARGE) ? large_begin(h, obj, obs) : blacken_small(h, obj, hdr, obs);
        } else if (h->fifo_n) {
            fifo_check_one(h, obs);
        } else if (h->large_scan) {
            size_t left = tc__budget_left(b, work);
            work += large_scan_some(h, left < LARGE_CHUNK ? LARGE_CHUNK : left, obs);
        } else if (conc && (n = tc__marker_drain(h, DRAIN_CHUNK)) > 0) {
            /* The barrier buffer is marking work like the grey stack,
             * shaded a chunk at a time within the budget. */
            work += n;
        } else {
            break;
        }
    }
    /* No child may wait in the FIFO across a pause: the mutator could make
     * it unreachable from anything grey. */
    fifo_drain(h, obs);
    return work;
}

static size_t propagate(tc_heap *h, tc__budget *b, size_t work) {
    bool obs = observing_any(h, 1u << TC_EV_SHADE | 1u << TC_EV_BLACKEN);
    if (h->hot.concurrent)
        return obs ? propagate_impl(h, b, work, true, true) : propagate_impl(h, b, work, false, true);
    return obs ? propagate_impl(h, b, work, true, false) : propagate_impl(h, b, work, false, false);
}

/* The marker thread's marking: no observer (the event ring is the
 * mutator's), no phase change (only the mutator ends marking). */
size_t tc__gc_mark_slice(tc_heap *h, tc__budget *b, size_t work) { return propagate_impl(h, b, work, false, true); }

/* ======================================================================
 * Cycle start and atomic finish
 * ====================================================================== */

/* handshake: the increment will be the start handshake of a concurrent
 * cycle (the marker goes on from it), if the mode runs concurrently. */
static size_t cycle_start(tc_heap *h, uint64_t now, bool handshake) {
    tc_barrier mode = h->next_barrier;
    h->cycle_no++;
    memset(&h->cur, 0, sizeof h->cur);
    h->cur.cycle = (uint32_t)h->cycle_no;
    h->cur.barrier = (uint8_t)mode;
    h->cur.start_ns = now;
    h->cur.heap_before = live_bytes(h);
    h->cycle_mark_work = h->cycle_sweep_work = 0;
    h->cycle_marked_new = 0;
    h->cycle_syscalls0 = h->mem.syscalls_mutator;
    h->cycle_misses0 = h->mem.reserve_misses;
    h->atomic_rounds = 0;
    h->hot.barrier = (uint8_t)mode;
    h->cfg.barrier = mode;
    /* tc_config_check allows the concurrent mode only with the barriers
     * that are safe beside a marker thread (barrier.c). */
    const bool conc = h->cfg.concurrent && mode != TC_BARRIER_STEELE && mode != TC_BARRIER_STW && tc__marker_can_run(h);
    h->hot.concurrent = conc;
    /* Yuasa's snapshot (and the hybrid barrier's) covers only what existed
     * at the start, so objects born during marking must be black. The
     * insertion barriers find new objects through the atomic root rescan,
     * so white is fine, except beside a concurrent marker, which must
     * never scan an object the mutator is initialising. */
    h->alloc_colour = mode == TC_BARRIER_YUASA || mode == TC_BARRIER_HYBRID || conc ? C_BLACK : h->white;
    h->hot.marking = mode != TC_BARRIER_STW;
    tc__gc_set_phase(h, TC_PHASE_ROOTS);
    /* The roots read are the pause's work either way, but marking work
     * of the cycle (which the pacer's runway is sized from) only where
     * they are shaded here: buffered, the marker's drain counts their
     * shading, and counting both made lisp's ~3,000-root cycles look
     * 3,000 units longer, start earlier and run 13% more often. */
    size_t work = h->roots.n + h->hot.nroots;
    if (!(conc && handshake && buffer_roots(h))) h->cycle_mark_work += shade_roots(h);
    tc__gc_set_phase(h, TC_PHASE_PROPAGATE);
    tc__pacer_cycle_start(h);
    return work;
}

static void mark_finished(tc_heap *h) {
    const bool conc = h->hot.concurrent;
    h->hot.marking = 0;
    h->hot.concurrent = 0;
    h->white ^= 3u; /* C_WHITE0 <-> C_WHITE1: unmarked objects are now "old white" */
    h->alloc_colour = h->white;
    h->cur.atomic_rounds = h->atomic_rounds;
    h->cur.mark_end_ns = tc__now_ns();
    h->cycle_alloc_marked = h->bytes_allocated;
    h->sweep_cursor = h->pages.n;
    h->sweep_large_cursor = h->large.n;
    /* Beside the marker thread (a concurrent cycle has one:
     * tc__marker_can_run) the pages and large objects are swept
     * concurrently too, and the mutator adopts them (sweep.c). */
    if (conc) {
        tc__sweep_concurrent_begin(h);
        tc__marker_mark_end(h, true);
    }
    tc__gc_set_phase(h, TC_PHASE_SWEEP);
}

static size_t atomic_step(tc_heap *h) {
    size_t work = 0;
    h->atomic_rounds++;
    tc_barrier mode = (tc_barrier)h->hot.barrier;
    if (mode == TC_BARRIER_DIJKSTRA || mode == TC_BARRIER_STEELE) work += shade_roots(h);
    /* Yuasa and hybrid need no rescan: their roots were shaded at the
     * start, and every pointer deleted since was shaded by the barrier. */
    if (!marking_done(h)) {
        /* Roots or barriers since the last increment produced grey work:
         * mark it incrementally. New objects are black from now on. */
        h->alloc_colour = C_BLACK;
        tc__gc_set_phase(h, TC_PHASE_PROPAGATE);
        return work;
    }
    mark_finished(h);
    return work;
}

/* ======================================================================
 * Increments
 * ====================================================================== */

static void budget_init(const tc_heap *h, tc__budget *b, bool unlimited, uint64_t now, tc_pause_reason reason) {
    b->limit = SIZE_MAX;
    b->timed = false;
    b->yield = NULL;
    b->aside = NULL;
    b->adopt_only = reason == TC_REASON_ADOPT;
    b->next_clock = CLOCK_EVERY;
    b->deadline = 0;
    if (unlimited) return;
    uint64_t ns = tc__pacer_step_deadline_ns(h);
    if (ns) {
        b->timed = true;
        b->deadline = now + ns;
    } else {
        b->limit = h->cfg.step_work;
    }
}

/* One step of the state machine (Lua's singlestep): advances the phase
 * the heap is in by at most what is left of the budget, and returns the
 * new work total. The caller loops while the budget lasts, so a phase
 * that ends early hands the rest of the increment to the next one. */
static size_t single_step(tc_heap *h, tc__budget *b, size_t work) {
    switch (h->phase) {
    case TC_PHASE_PROPAGATE:
        work = propagate(h, b, work);
        if (marking_done(h)) tc__gc_set_phase(h, TC_PHASE_ATOMIC);
        return work;
    case TC_PHASE_ATOMIC: return work + atomic_step(h);
    case TC_PHASE_SWEEP: return tc__sweep(h, b, work);
    case TC_PHASE_IDLE:
    case TC_PHASE_ROOTS: /* shaded by cycle_start, inside the same increment */
    default: return work;
    }
}

size_t tc__gc_increment(tc_heap *h, tc_pause_reason reason) {
    if (h->in_gc) return 0;
    h->in_gc = 1;
    note_peak_live(h);
    const bool unlimited = reason == TC_REASON_FULL || h->next_barrier == TC_BARRIER_STW ||
                           (h->phase != TC_PHASE_IDLE && h->hot.barrier == TC_BARRIER_STW);
    tc__increment_clock clock;
    tc__increment_begin(h, &clock);
    /* Beside a concurrent marker the increment first takes the mark state
     * (waiting for the marker's slice to yield, if the caller did not take
     * it already) and publishes what its barriers buffered, which the mark
     * loop shades within the budget. */
    tc__marker_hold(h, true);
    size_t work = 0;
    const bool was_concurrent = tc__marker_job(h) != JOB_NONE;
    if (h->hot.concurrent) tc__marker_publish(h);
    tc_phase start_phase = h->phase;
    bool start_handshake = false;
    if (start_phase == TC_PHASE_IDLE) {
        work += cycle_start(h, clock.t0, reason != TC_REASON_FULL);
        start_phase = TC_PHASE_ROOTS;
        /* A concurrent cycle's first pause is the roots and nothing more:
         * the marker takes it from there. */
        start_handshake = h->hot.concurrent && reason != TC_REASON_FULL;
        if (start_handshake) reason = TC_REASON_HANDSHAKE;
    }
    tc__budget b;
    budget_init(h, &b, unlimited, clock.t0, reason);

    while (!start_handshake && h->phase != TC_PHASE_IDLE && !tc__budget_spent(&b, work)) {
        const tc_phase p = h->phase;
        const size_t before = work;
        work = single_step(h, &b, work);
        if (p == TC_PHASE_SWEEP)
            h->cycle_sweep_work += work - before;
        else
            h->cycle_mark_work += work - before;
        if (p == TC_PHASE_PROPAGATE && h->phase == TC_PHASE_PROPAGATE) break; /* budget spent */
        /* The handshake that ends marking ends there: the marker sweeps
         * the listed pages (the mutator adopts them), and a page swept
         * here, cold, was most of the pause (design.md §10). */
        if (reason == TC_REASON_HANDSHAKE && p == TC_PHASE_ATOMIC && h->sweep_conc) break;
    }
    if (was_concurrent && (h->phase == TC_PHASE_PROPAGATE || h->phase == TC_PHASE_ATOMIC)) tc__marker_resume(h);
    const bool ended = h->phase == TC_PHASE_IDLE;
    /* Everything below up to the clock's end is part of this pause, and
     * measured. */
    if (ended) {
        tc__pacer_cycle_end(h);
        tc__pool_set_retain(h);
    }
    /* Memory waiting to be given back: handed to the memory thread, or
     * with the thread off released here, a slice per increment. */
    if (tc__mem_has_work(h)) work += tc__mem_work(h, (size_t)(tc__pacer_step_units(h) / 4) + 1);
    uint64_t duration = tc__increment_end(h, &clock, work, start_phase, reason, ended);
    tc__pacer_after_increment(h, work, duration, start_phase == TC_PHASE_PROPAGATE || start_phase == TC_PHASE_ROOTS,
                              reason == TC_REASON_ADOPT);
    if (reason == TC_REASON_HANDSHAKE) {
        h->conc.handshakes++;
        if (!ended) h->cur.handshakes++;
    } else if (reason == TC_REASON_ADOPT) {
        h->conc.adopts++;
        if (!ended) h->cur.adopts++;
    } else if (was_concurrent && reason != TC_REASON_FULL && reason != TC_REASON_STEP) {
        h->conc.assists++;
        if (!ended) h->cur.assists++;
    }
    h->in_gc = 0;
    if (h->cfg.verify_each_step) tc__verify_or_die(h, "after an increment");
    if (start_handshake) tc__marker_cycle_start(h);
    tc__marker_release(h);
    return work;
}

void tc__gc_finish_cycle(tc_heap *h) {
    while (h->phase != TC_PHASE_IDLE && !h->in_gc) tc__gc_increment(h, TC_REASON_FULL);
}

size_t tc_step(tc_heap *h) {
    if (!h) {
        tc__misuse(h, "tc_step: heap is NULL");
        return 0;
    }
    return tc__gc_increment(h, TC_REASON_STEP);
}

void tc_collect(tc_heap *h) {
    if (!h) {
        tc__misuse(h, "tc_collect: heap is NULL");
        return;
    }
    tc__gc_finish_cycle(h);
    if (!h->in_gc) tc__gc_increment(h, TC_REASON_FULL);
}
