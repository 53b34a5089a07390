/*
 * sweep.c — the sweep phase of a cycle (collect.c runs it a budget at a
 * time): page by page, then the large objects. Cells of the old white are
 * freed onto their page's free list (an empty page goes back to the
 * memory layer's pool, a dead large object to its quarantine); everything
 * else becomes the current white. Objects allocated during sweep already
 * have the current white, so the sweep keeps them.
 */
#include "internal.h"

/* ======================================================================
 * Sweep
 * ====================================================================== */

/* Sweeps one page; returns the cells visited. May return the page to the
 * pool (it leaves the page table; the caller walks the table downward, so
 * the page swapped into its place has already been swept or is new). */
static inline __attribute__((always_inline)) size_t sweep_page_impl(tc_heap *h, tc_page *p, const bool obs) {
    tc_class *c = &h->cls[p->cls];
    if (c->page == p) tc__class_retire(h, c);
    const unsigned dead = h->white ^ 3u, keep = h->white;
    const size_t sz = p->cell_size;
    char *cells = page_cells(p);
    void *free_list = NULL;
    uint32_t nfree = 0, live = 0;
    uint64_t freed_bytes = 0;
    for (uint32_t i = p->top; i-- > 0;) {
        void *obj = cells + (size_t)i * sz + HDR_BYTES;
        uint64_t *hp = hdr_of(obj);
        uint64_t v = *hp;
        unsigned col = (unsigned)(v & 7);
        if (col == dead) {
            OBSERVE_IF(obs, h, TC_EV_FREE, obj);
            *hp = C_FREE;
            freed_bytes += sz;
            col = C_FREE;
        }
        if (col == C_FREE) {
            *(void **)obj = free_list;
            free_list = obj;
            nfree++;
        } else {
            *hp = (v & ~(uint64_t)7) | keep;
            live++;
        }
    }
    size_t visited = p->top;
    h->freed_bytes += freed_bytes;
    h->freed_objects += freed_bytes / sz;
    h->cur.freed_bytes += freed_bytes;
    p->free = free_list;
    p->nfree = nfree;
    if (live == 0) {
        if (p->on_avail) tc__avail_remove(c, p);
        tc__page_free_to_pool(h, p);
    } else if (nfree > 0 || p->top < p->ncells) {
        if (!p->on_avail) tc__avail_push(c, p);
    } else if (p->on_avail) {
        tc__avail_remove(c, p);
    }
    return visited ? visited : 1;
}

static size_t sweep_page(tc_heap *h, tc_page *p) {
    return observing_any(h, 1u << TC_EV_FREE) ? sweep_page_impl(h, p, true) : sweep_page_impl(h, p, false);
}

/* Sweeps one large object. */
static size_t sweep_large(tc_heap *h, tc_page *p) {
    void *obj = page_cells(p) + HDR_BYTES;
    if (colour_get(obj) == (h->white ^ 3u)) {
        OBSERVE_IF(observing_any(h, 1u << TC_EV_FREE), h, TC_EV_FREE, obj);
        h->freed_bytes += p->map_bytes;
        h->freed_objects++;
        h->cur.freed_bytes += p->map_bytes;
        tc__large_free(h, p); /* to the quarantine: O(1) here */
        return 1;
    }
    colour_set(obj, h->white);
    return 1;
}

/* Returns the new work total; leaves the phase SWEEP until all is swept. */
size_t tc__sweep(tc_heap *h, tc__budget *b, size_t work) {
    while (h->sweep_cursor > 0) {
        if (tc__budget_spent(b, work)) return work;
        work += sweep_page(h, h->pages.v[--h->sweep_cursor]);
    }
    while (h->sweep_large_cursor > 0) {
        if (tc__budget_spent(b, work)) return work;
        work += sweep_large(h, h->large.v[--h->sweep_large_cursor]);
    }
    h->cur.heap_after = live_bytes(h);
    tc__gc_set_phase(h, TC_PHASE_IDLE);
    return work;
}
