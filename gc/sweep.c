/*
 * sweep.c — the sweep phase of a cycle (collect.c runs it a budget at a
 * time): page by page, then the large objects. Cells of the old white are
 * freed onto their page's free list (an empty page goes back to the
 * memory layer's pool, a dead large object to its quarantine); everything
 * else becomes the current white. Objects allocated during sweep already
 * have the current white, so the sweep keeps them.
 */
#include "internal.h"

#include <stdlib.h>

/* ======================================================================
 * Sweep
 * ====================================================================== */

/* The cells of one page: cells of the old white are freed onto the
 * page's free list, every other object gets the current white. Touches
 * nothing outside the page, so the marker thread can run it (concurrent
 * sweep) while the mutator allocates elsewhere; the page must be neither
 * a class's current page nor on an avail list. Returns the cells freed
 * and sets *live to the objects kept. */
static inline __attribute__((always_inline)) uint32_t sweep_cells(tc_heap *h, tc_page *p, const bool obs,
                                                                  uint32_t *live_out) {
    const unsigned dead = h->white ^ 3u, keep = h->white;
    const size_t sz = p->cell_size;
    char *cells = page_cells(p);
    void *free_list = NULL;
    uint32_t live = 0, freed = 0;
    for (uint32_t i = p->top; i-- > 0;) {
        void *obj = cells + (size_t)i * sz + HDR_BYTES;
        uint64_t v = hdr_load(obj);
        unsigned col = (unsigned)(v & 7);
        if (col == dead) {
            OBSERVE_IF(obs, h, TC_EV_FREE, obj);
            hdr_store(obj, C_FREE);
            freed++;
            col = C_FREE;
        }
        if (col == C_FREE) {
            *(void **)obj = free_list;
            free_list = obj;
        } else {
            hdr_store(obj, (v & ~(uint64_t)7) | keep);
            live++;
        }
    }
    p->free = free_list;
    *live_out = live;
    return freed;
}

/* The allocator's side of a swept page (the mutator's structures only):
 * the freed bytes are counted, and the page goes back to the pool if
 * empty, else on its class's avail list if it has room. */
static void adopt(tc_heap *h, tc_page *p, uint32_t freed, uint32_t live) {
    tc_class *c = &h->cls[p->cls];
    uint64_t freed_bytes = (uint64_t)freed * p->cell_size;
    h->freed_bytes += freed_bytes;
    h->freed_objects += freed;
    h->cur.freed_bytes += freed_bytes;
    if (live == 0) {
        if (p->on_avail) tc__avail_remove(c, p);
        tc__page_free_to_pool(h, p);
    } else if (p->free || p->top < p->ncells) {
        if (!p->on_avail) tc__avail_push(c, p);
    } else if (p->on_avail) {
        tc__avail_remove(c, p);
    }
}

/* Sweeps one page; returns the cells visited. May return the page to the
 * pool (it leaves the page table; the caller walks the table downward, so
 * the page swapped into its place has already been swept or is new). */
static size_t sweep_page(tc_heap *h, tc_page *p) {
    tc_class *c = &h->cls[p->cls];
    if (c->page == p) tc__class_retire(h, c);
    uint32_t live;
    uint32_t freed =
        observing_any(h, 1u << TC_EV_FREE) ? sweep_cells(h, p, true, &live) : sweep_cells(h, p, false, &live);
    size_t visited = p->top;
    adopt(h, p, freed, live);
    return visited ? visited : 1;
}

/* A large object marking left the old white: its sweep frees it. */
static bool large_dead(const tc_heap *h, tc_page *p) {
    return colour_get(page_cells(p) + HDR_BYTES) == (h->white ^ 3u);
}

/* A dead large object's free, counted and shown to an observer; by the
 * incremental sweep, or by the concurrent sweep's adoption. */
static void large_freed(tc_heap *h, tc_page *p, bool obs) {
    OBSERVE_IF(obs, h, TC_EV_FREE, page_cells(p) + HDR_BYTES);
    h->freed_bytes += p->map_bytes;
    h->freed_objects++;
    h->cur.freed_bytes += p->map_bytes;
}

/* Sweeps one large object. */
static size_t sweep_large(tc_heap *h, tc_page *p) {
    void *obj = page_cells(p) + HDR_BYTES;
    if (large_dead(h, p)) {
        large_freed(h, p, observing_any(h, 1u << TC_EV_FREE));
        /* To the quarantine, cleared where it was written if that is
         * little (alloc.c, large_clear): work in proportion. */
        return 1 + tc__large_free(h, p) / CLEAR_BYTES_PER_UNIT;
    }
    colour_set(obj, h->white);
    return 1;
}

/* ======================================================================
 * Concurrent sweep
 * ====================================================================== */

/* When a concurrent cycle's marking ends (the mutator holds the mark
 * state): every small page to sweep is listed in sweep_snap, in no class's
 * hands: the current pages are retired and the avail lists emptied, so
 * the allocator takes only pages mapped since or adopted after their
 * sweep. The large objects follow the small pages in the list. Pages
 * [0, sweep_next) of the list are swept, [sweep_adopt, sweep_next) wait
 * for the mutator to adopt them. Whoever holds the mark state sweeps the
 * next page: the marker thread in slices, the mutator in its increments
 * (assists, or everything in a full collection).
 *
 * A large object's sweep clears a dead one where it was written, but for
 * its first 4 KiB (alloc.c, tc__large_clear_rest); its adoption takes it
 * out of the large table and hands its mapping to the quarantine, which
 * are the mutator's. Swept by the mutator, in the incremental mode's
 * increments once the marker had swept the small pages, fragment's dead
 * large objects made 500-600 pauses a run of 10-25 us each, below the
 * goal, where the concurrent mode's mutator owes no work.
 *
 * The listing writes no page header: a listed page's on_avail and avail
 * links are stale (the lists they name are gone) until its sweep resets
 * them, and it is "listed, not yet swept" by its place in the list, at or
 * after sweep_next, not by a flag. This runs in the termination
 * handshake, a mutator's pause, and a header a page is a cold line and a
 * TLB entry each 64 KiB: writing them took 88-99 us for 433-966 pages on
 * churn (docs/design.md section 10). */
void tc__sweep_concurrent_begin(tc_heap *h) {
    for (unsigned k = 0; k < NUM_CLASSES; k++) {
        tc__class_retire(h, &h->cls[k]);
        h->cls[k].avail = NULL;
    }
    if (!tc__ptrvec_copy2(&h->sweep_snap, &h->pages, &h->large)) {
        fprintf(stderr, "tricolor: out of memory listing %zu pages to sweep\n", h->pages.n + h->large.n);
        abort();
    }
    atomic_store_explicit(&h->sweep_next, 0, memory_order_relaxed);
    atomic_store_explicit(&h->sweep_dead_bytes, 0, memory_order_relaxed);
    h->sweep_adopt = 0;
    h->sweep_conc = true;
    h->sweep_cursor = 0; /* the incremental sweep's cursors: nothing for them */
    h->sweep_large_cursor = 0;
}

/* Work units charged for the concurrent sweep's adoptions (adopt_large
 * says why): */
#define ADOPT_UNITS               16 /* an adopted page, or a live large object */
#define ADOPT_LARGE_DEAD_UNITS    64 /* a dead large object, its head's clearing apart */
#define HEAD_CLEAR_BYTES_PER_UNIT 32 /* that clearing: 4 KiB of cold lines, 128 units */

/* A listed large object: a live one becomes the current white; a dead one
 * is cleared but for its first 4 KiB and waits for its adoption, still in
 * the large table. sweep_freed says which (1: dead), sweep_live whether
 * it was cleared (1) or left dirty (0: past LARGE_CLEAR_MAX). Returns the
 * work, in proportion to the bytes cleared. */
static size_t sweep_large_listed(tc_heap *h, tc_page *p) {
    if (!large_dead(h, p)) {
        colour_set(page_cells(p) + HDR_BYTES, h->white);
        p->sweep_freed = 0;
        return 1;
    }
    size_t cleared = 0;
    p->sweep_live = tc__large_clear_rest(p, &cleared);
    p->sweep_freed = 1;
    atomic_fetch_add_explicit(&h->sweep_dead_bytes, page_swept_dead_bytes(p), memory_order_relaxed);
    return 1 + cleared / CLEAR_BYTES_PER_UNIT;
}

/* The mutator's side of a swept large object: a dead one leaves the large
 * table for the quarantine. Returns the work, in units that follow what
 * it costs beside a small page's adoption (ADOPT_UNITS): stamped on
 * fragment, a small page's adoption took 81-94 cycles at the mean, a
 * live large object's 45-55, a dead one's 305-327 left dirty and
 * 972-1,032 with its first 4 KiB cleared here (cold lines, written
 * whole). Charged 16 and 16 + 64 units, as a small page and that many
 * bytes of warm clearing, a budget held 13-23 dead objects and those
 * pauses were fragment's longest, 13-17 us (docs/design.md section 10,
 * "Dead large objects charged what they cost"). */
static size_t adopt_large(tc_heap *h, tc_page *p, bool obs) {
    if (!p->sweep_freed) return ADOPT_UNITS;
    large_freed(h, p, obs);
    return ADOPT_LARGE_DEAD_UNITS + tc__large_free_swept(h, p, p->sweep_live) / HEAD_CLEAR_BYTES_PER_UNIT;
}

/* The work a listed page's sweep will be. */
static size_t listed_work(const tc_heap *h, tc_page *p) {
    if (p->kind != PAGE_LARGE) return p->top;
    return large_dead(h, p) ? 1 + tc__large_clear_bound(p) / CLEAR_BYTES_PER_UNIT : 1;
}

/* Sweeps the next listed page (the caller holds the mark state); returns
 * the cells visited, 0 when none is left. */
size_t tc__sweep_one_listed(tc_heap *h, bool obs) {
    size_t i = atomic_load_explicit(&h->sweep_next, memory_order_relaxed);
    if (i >= h->sweep_snap.n) return 0;
    tc_page *p = h->sweep_snap.v[i];
    if (p->kind == PAGE_LARGE) {
        size_t work = sweep_large_listed(h, p);
        p->sweep_pending = SWEEP_TO_ADOPT;
        atomic_store_explicit(&h->sweep_next, i + 1, memory_order_release);
        return work;
    }
    /* Out of every avail list since the listing: its stale fields go. */
    p->on_avail = 0;
    p->avail_prev = p->avail_next = NULL;
    uint32_t live;
    p->sweep_freed = obs ? sweep_cells(h, p, true, &live) : sweep_cells(h, p, false, &live);
    p->sweep_live = live;
    if (p->sweep_freed) atomic_fetch_add_explicit(&h->sweep_dead_bytes, page_swept_dead_bytes(p), memory_order_relaxed);
    p->sweep_pending = SWEEP_TO_ADOPT;
    atomic_store_explicit(&h->sweep_next, i + 1, memory_order_release);
    return p->top ? p->top : 1;
}

bool tc__sweep_listed_done(const tc_heap *h) {
    return atomic_load_explicit(&h->sweep_next, memory_order_acquire) >= h->sweep_snap.n;
}

/* Pages swept and not yet adopted (the mutator's view). */
size_t tc__sweep_to_adopt(const tc_heap *h) {
    return atomic_load_explicit(&h->sweep_next, memory_order_acquire) - h->sweep_adopt;
}

/* Whether an increment with `work` done may sweep a page of `cells`
 * within its budget. A page is swept whole, and one of 16-byte cells is
 * 4,084 units: checking the budget only before each page let increments
 * of a 1,000-unit budget run to 2,000-5,000 units (the concurrent
 * mode's termination handshakes and its increments past the goal). So a
 * page that would overrun the budget waits for the next increment, and
 * the budget is marked spent, unless the increment has done nothing yet:
 * an increment does at most max(budget, one page) of sweeping. Time
 * budgets are left to their clock. */
static bool page_fits(tc__budget *b, size_t work, size_t cells) {
    if (b->timed || work == 0 || work + cells <= b->limit) return true;
    b->limit = work;
    return false;
}

/* The same for a large object: a dead one is cleared where it was
 * written, up to LARGE_CLEAR_MAX, 1,024 units. Checked only before each
 * object, two of them made fragment's sweeping increments 2,088 units at
 * their median (34 us) for a 1,000-unit budget. */
static bool large_fits(const tc_heap *h, tc__budget *b, size_t work, tc_page *p) {
    if (!large_dead(h, p)) return true;
    return page_fits(b, work, 1 + tc__large_clear_bound(p) / CLEAR_BYTES_PER_UNIT);
}

/* Pages ahead of the adoption whose headers are fetched early. A swept
 * page's header was last written by the marker on the other CPU, so each
 * adoption began with a miss on its lines: 63 adoptions (one increment's
 * budget) took 5.5 us at the median, 9 at the 90th percentile, on churn;
 * fetched eight ahead, 2.0 and 2.8 (docs/design.md section 10). */
#define ADOPT_PREFETCH 8

static inline void prefetch_header(const tc_page *p) {
    __builtin_prefetch(p, 1, 3);
    __builtin_prefetch((const char *)p + 64, 1, 3);
}

static size_t sweep_concurrent(tc_heap *h, tc__budget *b, size_t work) {
    const bool obs = observing_any(h, 1u << TC_EV_FREE);
    for (size_t i = h->sweep_adopt, n = atomic_load_explicit(&h->sweep_next, memory_order_acquire);
         i < n && i < h->sweep_adopt + ADOPT_PREFETCH; i++)
        prefetch_header(h->sweep_snap.v[i]);
    for (;;) {
        size_t swept;
        while (h->sweep_adopt < (swept = atomic_load_explicit(&h->sweep_next, memory_order_acquire))) {
            if (tc__budget_spent(b, work)) return work;
            if (h->sweep_adopt + ADOPT_PREFETCH < swept)
                prefetch_header(h->sweep_snap.v[h->sweep_adopt + ADOPT_PREFETCH]);
            tc_page *p = h->sweep_snap.v[h->sweep_adopt++];
            p->sweep_pending = 0;
            if (p->sweep_freed)
                atomic_fetch_sub_explicit(&h->sweep_dead_bytes, page_swept_dead_bytes(p), memory_order_relaxed);
            if (p->kind == PAGE_LARGE) {
                work += adopt_large(h, p, obs);
                continue;
            }
            adopt(h, p, p->sweep_freed, p->sweep_live);
            work += ADOPT_UNITS;
        }
        if (tc__sweep_listed_done(h)) break;
        if (b->adopt_only) {
            b->limit = 0; /* spent: the increment's loop must not come back for a page */
            return work;
        }
        if (tc__budget_spent(b, work)) return work;
        tc_page *next = h->sweep_snap.v[atomic_load_explicit(&h->sweep_next, memory_order_relaxed)];
        if (!page_fits(b, work, listed_work(h, next))) return work;
        work += tc__sweep_one_listed(h, obs);
    }
    h->sweep_conc = false;
    h->sweep_snap.n = 0;
    tc__marker_cycle_end(h);
    return work;
}

/* Returns the new work total; leaves the phase SWEEP until all is swept. */
size_t tc__sweep(tc_heap *h, tc__budget *b, size_t work) {
    if (h->sweep_conc) {
        work = sweep_concurrent(h, b, work);
        if (h->sweep_conc) return work;
    }
    while (h->sweep_cursor > 0) {
        if (tc__budget_spent(b, work)) return work;
        if (!page_fits(b, work, page_top(h, h->pages.v[h->sweep_cursor - 1]))) return work;
        work += sweep_page(h, h->pages.v[--h->sweep_cursor]);
    }
    while (h->sweep_large_cursor > 0) {
        if (tc__budget_spent(b, work)) return work;
        tc_page *p = h->large.v[h->sweep_large_cursor - 1];
        if (!large_fits(h, b, work, p)) return work;
        work += sweep_large(h, p);
        h->sweep_large_cursor--;
    }
    h->cur.heap_after = live_bytes(h);
    tc__gc_set_phase(h, TC_PHASE_IDLE);
    return work;
}
