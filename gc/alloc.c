/*
 * alloc.c — where objects come from: pages, size classes, large objects.
 *
 * Small objects (cell of at most MAX_SMALL bytes, header included) are
 * carved from 64 KiB pages of one size class each. A class allocates from
 * one current page: first from its free list, then by bumping through cells
 * never used before. When both run out, the next page with free cells
 * (found by the sweeper) becomes current, else a new page is mapped.
 * Larger objects get a mapping of their own. No object costs a malloc.
 *
 * Pages and large mappings come from the memory layer (mem.c), which owns
 * every OS call: a page the sweeper finds empty goes back to its pool, and
 * a dead large object's mapping to its quarantine.
 *
 * The allocation fast path (tc_alloc) is: a pacer check against one
 * counter, a free-list pop or a bump, the header store, zeroing.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const uint32_t class_sizes[] = {
    16,  32,  48,  64,  80,  96,   112,  128,  160,  192,  224,  256,  320,  384,
    448, 512, 640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096,
};
#define CLASS_COUNT (sizeof class_sizes / sizeof class_sizes[0])
_Static_assert(CLASS_COUNT <= NUM_CLASSES, "too many size classes");

void tc__alloc_init(tc_heap *h) {
    unsigned c = 0;
    for (unsigned i = 0; i <= MAX_SMALL / CELL_ALIGN; i++) {
        while (class_sizes[c] < i * CELL_ALIGN) c++;
        h->class_of[i] = (uint8_t)c;
    }
    for (unsigned i = 0; i < CLASS_COUNT; i++) h->cls[i].cell_size = class_sizes[i];
}

/* ---------- pages and mappings (all OS calls are mem.c's) ---------- */

/* Makes room for n more bytes under the heap limit: finish the running
 * cycle, then run a full one, then give back everything the memory layer
 * holds. Returns whether it worked. This is the one place an allocation
 * may pay for more than two increments: the alternative is failing it. */
static bool make_room(tc_heap *h, size_t n) {
    if (tc__mem_fits(&h->mem, n)) return true;
    if (h->in_gc) return false; /* the collector itself never maps pages */
    tc__gc_finish_cycle(h);
    if (tc__mem_fits(&h->mem, n)) return true;
    tc_collect(h);
    tc__mem_shrink_now(h);
    return tc__mem_fits(&h->mem, n);
}

static tc_page *page_map(tc_heap *h) {
    tc_page *p = tc__mem_page_get(h);
    if (p) return p;
    /* At the heap limit: collect, then try once more (the collection may
     * also have left pages in the pool). */
    if (!make_room(h, PAGE_SIZE) && !tc__mem_pool_pages(h)) return NULL;
    return tc__mem_page_get(h);
}

/* An empty page leaves the page table for the memory layer's pool, where
 * it stays resident and counted: the next page request takes it back. */
void tc__page_free_to_pool(tc_heap *h, tc_page *p) {
    size_t i = p->index;
    h->cells_used -= p->top;
    tc_page *last = h->pages.v[--h->pages.n];
    h->pages.v[i] = last;
    last->index = (uint32_t)i;
    tc__mem_page_put(h, p);
}

/* Called when a cycle ends, after the pacer set the next goal: the heap
 * may stay resident up to what it will grow back to: the next cycle's goal
 * plus an eighth, or the most the last cycle had in use (partly filled
 * pages hold more than the goal counts), whichever is more. The memory
 * layer gives back pooled pages beyond that (off the mutator's thread).
 * Why not less: a page given back now is faulted in again (16 faults of
 * ~12 us each on some machines) by some allocation later; retaining only
 * up to the trigger refaulted ~130 MB per GCBench run. */
void tc__pool_set_retain(tc_heap *h) {
    uint64_t goal = tc__pacer_next_goal(h);
    uint64_t retain = goal + goal / 8;
    if (retain < h->cycle_peak_used_bytes) retain = h->cycle_peak_used_bytes;
    h->cycle_peak_used_bytes = 0;
    tc__mem_cycle_end(h, retain);
}

/* ---------- the avail list of a class (pages with free cells) ---------- */

void tc__avail_push(tc_class *c, tc_page *p) {
    p->avail_prev = NULL;
    p->avail_next = c->avail;
    if (c->avail) c->avail->avail_prev = p;
    c->avail = p;
    p->on_avail = 1;
}

void tc__avail_remove(tc_class *c, tc_page *p) {
    if (p->avail_prev)
        p->avail_prev->avail_next = p->avail_next;
    else
        c->avail = p->avail_next;
    if (p->avail_next) p->avail_next->avail_prev = p->avail_prev;
    p->avail_prev = p->avail_next = NULL;
    p->on_avail = 0;
}

/* Writes the class's cached free list and bump pointer back into its
 * current page and forgets the page. After this the page's own fields are
 * authoritative (the sweeper and the verifier rely on it). */
void tc__class_retire(tc_heap *h, tc_class *c) {
    tc_page *p = c->page;
    if (!p) return;
    p->free = c->free;
    uint32_t top = (uint32_t)((c->bump - page_cells(p)) / p->cell_size);
    if (top > p->ncells) top = p->ncells;
    h->cells_used += top - p->top;
    p->top = top;
    if ((p->free || p->top < p->ncells) && !p->on_avail) tc__avail_push(c, p);
    c->page = NULL;
    c->free = NULL;
    c->bump = c->bump_end = NULL;
}

/* Makes p the current page of c. */
static void class_adopt(tc_class *c, tc_page *p) {
    if (p->on_avail) tc__avail_remove(c, p);
    c->page = p;
    c->free = p->free;
    p->free = NULL;
    c->bump = page_cells(p) + (size_t)p->top * p->cell_size;
    c->bump_end = page_cells(p) + (size_t)p->ncells * p->cell_size;
}

/* The concurrent sweep's page list (sweep_snap) is a copy of the page
 * table and the large table, made in the handshake that ends marking
 * (sweep.c). Grown there, its realloc wrote fresh memory inside that
 * pause: first-touch faults, 17-98 us of mutate's and lru's termination
 * handshakes, three times a run while their heaps grew (docs/design.md
 * section 10). So it keeps both tables' capacity from the allocations
 * that grow them or move to another page, outside any pause, its pages
 * written in. Never while the marker reads it (a concurrent sweep, when
 * lru's table grows): the first such allocation after the sweep catches
 * up, or failing that the handshake grows it as before. */
static void sweep_list_keep_up(tc_heap *h) {
    const size_t cap = h->pages.cap + h->large.cap; /* the list holds both (sweep.c) */
    if (h->cfg.concurrent && !h->sweep_conc && h->sweep_snap.cap < cap)
        (void)tc__ptrvec_reserve_touched(&h->sweep_snap, cap);
}

static tc_page *page_new_small(tc_heap *h, unsigned cls) {
    tc_page *p = page_map(h);
    if (!p) return NULL;
    memset(p, 0, sizeof *p);
    p->kind = PAGE_SMALL;
    p->cls = (uint8_t)cls;
    p->cell_size = class_sizes[cls];
    p->ncells = (uint32_t)((PAGE_SIZE - PAGE_HEADER) / p->cell_size);
    p->index = (uint32_t)h->pages.n;
    if (!ptrvec_push(&h->pages, p)) return NULL;
    sweep_list_keep_up(h);
    tc__mem_pool_keep_up(h, h->pages.n);
    return p;
}

/* The current page of c is exhausted: move to another page with room. */
static void *alloc_small_slow(tc_heap *h, tc_class *c) {
    unsigned cls = (unsigned)(c - h->cls);
    sweep_list_keep_up(h);
    tc__class_retire(h, c);
    for (;;) {
        tc_page *p = c->avail;
        if (!p) {
            p = page_new_small(h, cls);
            if (!p) return NULL;
            /* make_room may have collected and left free cells in this
             * class: that page is just as good, but the new one is ready. */
        }
        class_adopt(c, p);
        if (c->free) {
            void *obj = c->free;
            c->free = *(void **)obj;
            return obj;
        }
        if (c->bump < c->bump_end) {
            void *obj = c->bump + HDR_BYTES;
            c->bump += c->cell_size;
            return obj;
        }
        tc__class_retire(h, c); /* a full page was on the avail list: cannot happen, but stay safe */
    }
}

/* A large mapping: the page header, the object (bytes, header included)
 * and, for an object with slots, its written-pages bitmap. */
static size_t large_need(uint32_t nslots, size_t bytes) {
    return PAGE_HEADER + bytes + large_wwords(nslots) * sizeof(uint64_t);
}

static void *alloc_large(tc_heap *h, uint32_t nslots, size_t bytes) {
    size_t bitmap = large_wwords(nslots) * sizeof(uint64_t);
    size_t need = large_need(nslots, bytes);
    size_t len = tc__mem_large_len(need);
    size_t map_len;
    tc_page *p = tc__mem_large_get(h, len, need, &map_len);
    if (!p) {
        if (!make_room(h, len)) return NULL;
        p = tc__mem_large_get(h, len, need, &map_len);
        if (!p) return NULL;
    }
    /* The header, slots, raw bytes and bitmap are zero (fresh, or cleared). */
    p->kind = PAGE_LARGE;
    p->map_bytes = map_len;
    p->born_cycle = h->phase != TC_PHASE_IDLE ? h->cycle_no : 0;
    p->cell_size = (uint32_t)(bytes > UINT32_MAX ? UINT32_MAX : bytes);
    p->ncells = 1;
    p->top = 1;
    p->written = bitmap ? (uint64_t *)(page_cells(p) + bytes) : NULL;
    /* Past page 0 the marker reads the bitmap before every page of slots
     * (collect.c, wpage_end), and the bitmap lies past the slots, on a
     * page of its own in a large array. Untouched, that read faulted it in
     * inside the marking, often before the program's first store there
     * (mutate's index chunks, scanned while the build filled them: 18
     * faults a run inside assists, 18 in the marker), and the store then
     * faulted it again, out of the zero page. Written here (it is zero
     * already), the page faults in once, in this allocation, where its
     * object's own pages fault in too. An object with fewer slots never
     * reads its bitmap while marking, and is left alone. */
    if (nslots > TC__LARGE_PAGE0_SLOTS) {
        /* A word every 4 KiB from the first reaches every page but
         * perhaps the last, which the last word does. */
        volatile uint64_t *w = p->written;
        const size_t words = bitmap / sizeof *w, per_page = LARGE_WPAGE_SLOTS;
        for (size_t i = 0; i < words; i += per_page) w[i] = 0;
        w[words - 1] = 0;
    }
    p->index = (uint32_t)h->large.n;
    if (!ptrvec_push(&h->large, p)) {
        tc__mem_large_put(h, p, map_len, false);
        return NULL;
    }
    sweep_list_keep_up(h);
    return page_cells(p) + HDR_BYTES;
}

/* Where a large object's clearing (large_clear) reaches. */
typedef struct large_span {
    size_t words;   /* of the written bitmap */
    size_t tail_pg; /* the first page past the slots */
    size_t end;     /* the object's last byte + 1, bitmap included, from the page */
    size_t bound;   /* at most what large_clear writes, in bytes; 0 past LARGE_CLEAR_MAX (it writes nothing) */
} large_span;

static void large_span_of(tc_page *p, large_span *s) {
    void *obj = page_cells(p) + HDR_BYTES;
    uint32_t n = tc_nslots(obj);
    s->words = large_wwords(n);
    size_t slots_end = PAGE_HEADER + HDR_BYTES + (size_t)n * sizeof(void *);
    /* From the header, not cell_size, which stops at 4 GiB. */
    s->end = PAGE_HEADER + obj_cell_bytes(n, tc_nraw(obj)) + s->words * sizeof(uint64_t);
    /* Pages from the first past the slots to the last byte are dirty. */
    s->tail_pg = slots_end >> LARGE_WPAGE_SHIFT;
    size_t end_pg = (s->end - 1) >> LARGE_WPAGE_SHIFT;
    size_t dirty = end_pg - s->tail_pg + 1 + (s->tail_pg > 0);
    for (size_t w = 0; w < s->words; w++) dirty += (size_t)__builtin_popcountll(p->written[w]);
    s->bound = dirty << LARGE_WPAGE_SHIFT > LARGE_CLEAR_MAX ? 0 : dirty << LARGE_WPAGE_SHIFT;
}

size_t tc__large_clear_bound(tc_page *p) {
    large_span s;
    large_span_of(p, &s);
    return s.bound;
}

#define LARGE_HEAD ((size_t)1 << LARGE_WPAGE_SHIFT) /* the first page: the page header, the object's header */

/* All that large_clear writes past the first page (which holds the
 * bitmap's address, and the page header that whoever frees the object
 * still reads). */
static size_t large_clear_rest(tc_page *p, const large_span *s) {
    size_t cleared = 0;
    for (size_t w = 0; w < s->words; w++)
        for (uint64_t bits = p->written[w]; bits; bits &= bits - 1) {
            size_t pg = w * 64 + (size_t)__builtin_ctzll(bits);
            if (pg > 0 && pg < s->tail_pg) {
                memset((char *)p + (pg << LARGE_WPAGE_SHIFT), 0, LARGE_HEAD);
                cleared += LARGE_HEAD;
            }
        }
    size_t from = s->tail_pg << LARGE_WPAGE_SHIFT;
    if (from < LARGE_HEAD) from = LARGE_HEAD;
    if (s->end > from) {
        memset((char *)p + from, 0, s->end - from);
        cleared += s->end - from;
    }
    return cleared;
}

/* Clears what a dead large object may have left non-zero: the first page
 * (the page header, the object's header), each page its written bitmap
 * marks, its raw bytes and the bitmap. Every other page still reads zero,
 * untouched since it was cleared or mapped, and is not touched here: on
 * the machines measured in docs/design.md a first access costs a fault or
 * a host trap every 4 KiB, 100 times a memset's cost. Returns the bytes
 * written, or 0 when more than LARGE_CLEAR_MAX would be, leaving the span
 * dirty for whoever takes it next (its pages are in: they were written). */
static size_t large_clear(tc_page *p) {
    large_span s;
    large_span_of(p, &s);
    if (!s.bound) return 0;
    size_t head = s.end < LARGE_HEAD ? s.end : LARGE_HEAD;
    size_t cleared = large_clear_rest(p, &s) + head;
    memset(p, 0, head); /* last */
    return cleared;
}

bool tc__large_clear_rest(tc_page *p, size_t *bytes) {
    large_span s;
    large_span_of(p, &s);
    if (!s.bound) return false;
    *bytes += large_clear_rest(p, &s);
    return true;
}

/* Takes p out of the large table; returns its mapping's length. */
static size_t large_unlink(tc_heap *h, tc_page *p) {
    size_t i = p->index;
    tc_page *last = h->large.v[--h->large.n];
    h->large.v[i] = last;
    last->index = (uint32_t)i;
    free(p->cards);
    p->cards = NULL;
    return p->map_bytes;
}

/* A dead large object leaves the large table at once; its mapping goes to
 * the memory layer's quarantine, where a new large object of a similar
 * size may take it over, and which gives it back to the OS off the
 * mutator's thread once it has waited a few cycles. Returns the bytes it
 * cleared (see large_clear). */
size_t tc__large_free(tc_heap *h, tc_page *p) {
    size_t map_bytes = large_unlink(h, p);
    size_t cleared = large_clear(p);
    tc__mem_cleared_on_mutator(h, cleared);
    tc__mem_large_put(h, p, map_bytes, cleared > 0);
    return cleared;
}

/* Clearing the whole first page rather than up to the object's end, as
 * large_clear does, writes only zeros over zeros past that end. */
size_t tc__large_free_swept(tc_heap *h, tc_page *p, bool cleared) {
    size_t map_bytes = large_unlink(h, p);
    if (cleared) {
        memset(p, 0, LARGE_HEAD);
        tc__mem_cleared_on_mutator(h, LARGE_HEAD);
    }
    tc__mem_large_put(h, p, map_bytes, cleared);
    return cleared ? LARGE_HEAD : 0;
}

/* ---------- tc_alloc ---------- */

static void *alloc_failed(tc_heap *h, size_t bytes) {
    if (h->cfg.on_oom) h->cfg.on_oom(h, bytes, h->cfg.oom_user);
    return NULL;
}

/* Zeroes the n bytes (a multiple of 8) after a header. Small cells are the
 * common case: plain stores beat a call to memset there. */
static inline void zero_words(void *obj, size_t n) {
    uint64_t *w = obj;
    switch (n / 8) {
    case 7: w[6] = 0; /* fall through */
    case 6: w[5] = 0; /* fall through */
    case 5: w[4] = 0; /* fall through */
    case 4: w[3] = 0; /* fall through */
    case 3: w[2] = 0; /* fall through */
    case 2: w[1] = 0; /* fall through */
    case 1: w[0] = 0; /* fall through */
    case 0: break;
    default: memset(obj, 0, n);
    }
}

/* The size class of a small cell of `bytes` (header included). */
static inline tc_class *class_for(tc_heap *h, size_t bytes) {
    return &h->cls[h->class_of[(bytes + CELL_ALIGN - 1) / CELL_ALIGN]];
}

/* Allocates without any check: the shared body of both paths below. */
static inline void *alloc_object(tc_heap *h, uint32_t nslots, uint32_t nraw, size_t bytes) {
    void *obj;
    size_t cell;
    bool large = bytes > MAX_SMALL;
    if (__builtin_expect(!large, 1)) {
        tc_class *c = class_for(h, bytes);
        cell = c->cell_size;
        obj = c->free;
        if (obj) {
            c->free = *(void **)obj;
            /* Free lists run in address order: fetch a few cells ahead. */
            __builtin_prefetch((char *)obj + 4 * cell, 1);
        } else if (c->bump < c->bump_end) {
            obj = c->bump + HDR_BYTES;
            c->bump += cell;
        } else {
            obj = alloc_small_slow(h, c);
            if (!obj) return alloc_failed(h, bytes);
        }
        zero_words(obj, bytes - HDR_BYTES);
    } else {
        obj = alloc_large(h, nslots, bytes);
        if (!obj) return alloc_failed(h, bytes);
        cell = page_of(obj)->map_bytes;
    }
    *hdr_of(obj) = hdr_make(nslots, nraw, h->alloc_colour, large);
    h->allocations++;
    h->bytes_allocated += cell;
    h->bytes_requested += bytes;
    return obj;
}

/* The checked path, taken when bytes_allocated reaches next_check_bytes.
 * The mutator pays for collection before it gets memory, so the new object
 * takes the colour of the phase the increment left behind. While a viewer
 * observes allocations, next_check_bytes is held at 0 so every allocation
 * comes here and is reported: the fast path then needs no observer test
 * of its own. Only while TC_EV_ALLOC is in the mask: the viewer's graph
 * asks for barrier and phase events alone, and sending each of its
 * allocations down this path (the pacer's check included) made ordinary
 * allocations cross bench's 1 us pause threshold, so the window counted
 * eight times bench's pauses on the demo and showed half its median. */
static bool reporting_allocs(const tc_heap *h) { return h->ev && (h->ev_mask >> TC_EV_ALLOC & 1); }

/* Whether this allocation will fault memory nobody wrote yet in: a large
 * object cut from fresh memory (its page header, its written bitmap), or
 * a small one that needs a new page when neither the pool nor the memory
 * thread's reserve has one (the page header's write). The pacer's check
 * then waits for the next allocation (pacer.c, "Fresh memory"):
 * bytes_allocated stays past next_check_bytes, so that one takes this
 * path. Not while a cycle sweeps: there the check sweeps or adopts the
 * pages and dead spans this allocation could take instead of fresh ones
 * (deferred there, binary-trees' assists went 744 / 1,337 and its heap
 * 18.3 / 20.1 MiB, 5 alternating runs). */
static bool check_waits(tc_heap *h, uint32_t nslots, size_t bytes) {
    if (h->in_gc || h->phase == TC_PHASE_SWEEP || !tc__pacer_may_defer(h)) return false;
    if (bytes > MAX_SMALL) return tc__mem_large_fresh(h, tc__mem_large_len(large_need(nslots, bytes)));
    const tc_class *c = class_for(h, bytes);
    return !c->free && c->bump >= c->bump_end && !c->avail && tc__mem_page_fresh(h);
}

/* Whether the allocation goes before the pacer's check. While a marker
 * thread marks, the check runs assists and at most the termination
 * handshake, and a new object is black: it survives whatever they do,
 * rooted or not. The handshake retires every class's page (sweep.c), so
 * an allocation made after it takes a new page, fresh while the memory
 * thread is behind: its fault, ~10 us, came in the same pause as the
 * handshake. Made first, the allocation takes its cell from the page it
 * had, and the refill falls to the next allocation of the class, a pause
 * of the allocator's own (docs/design.md section 10). */
static bool allocate_first(const tc_heap *h) {
    return h->alloc_colour == C_BLACK && tc__marker_job(h) == JOB_MARK && !h->in_gc;
}

__attribute__((noinline)) static void *alloc_checked(tc_heap *h, uint32_t nslots, uint32_t nraw, size_t bytes) {
    if (h->safepoint && !h->in_gc && h->bytes_allocated >= h->safepoint_at) {
        h->safepoint_at = h->bytes_allocated + SAFEPOINT_BYTES;
        /* A viewer stops the program here and draws what it recorded: the
         * barrier's pending tests (barrier.c) run first, so that the
         * hits of the stores before this allocation are among it. */
        if (h->hot.concurrent) tc__barrier_pending_run(h);
        h->safepoint(h, h->safepoint_user);
    }
    uint64_t incr = h->increments;
    const bool waits = check_waits(h, nslots, bytes), first = !waits && allocate_first(h);
    if (!waits && !first) tc__pacer_on_alloc_check(h);
    void *obj = alloc_object(h, nslots, nraw, bytes);
    /* At the heap limit the allocation made room first (make_room): the
     * cycle may have ended there, and the object is no longer black. The
     * check then waits for the next allocation, by when the program has
     * rooted it. */
    if (first && allocate_first(h)) tc__pacer_on_alloc_check(h);
    /* After an increment the next allocation is a safepoint at once, so a
     * viewer single-stepping increments stops right after each one. */
    if (h->increments != incr) h->safepoint_at = h->bytes_allocated;
#ifndef TC_NO_OBSERVE
    if (obj && reporting_allocs(h)) tc__observe_record_slow(h, TC_EV_ALLOC, obj, 0);
#endif
    if (reporting_allocs(h))
        h->next_check_bytes = 0; /* every allocation is reported: keep it on this path */
    else if (h->safepoint && h->safepoint_at < h->next_check_bytes)
        h->next_check_bytes = h->safepoint_at;
    return obj;
}

void tc_set_safepoint(tc_heap *h, tc_safepoint_fn fn, void *user) {
    if (!h) {
        tc__misuse(h, "tc_set_safepoint: heap is NULL");
        return;
    }
    h->safepoint = fn;
    h->safepoint_user = user;
    h->safepoint_at = h->bytes_allocated;
    if (fn) h->next_check_bytes = 0;
}

void *tc_alloc(tc_heap *h, uint32_t nslots, uint32_t nraw) {
    if (__builtin_expect(!h, 0)) {
        tc__misuse(h, "tc_alloc: heap is NULL");
        return NULL;
    }
    if (__builtin_expect(nslots > TC_MAX_SLOTS || nraw > TC_MAX_RAW, 0)) {
        tc__misuse(h, "tc_alloc: object too large: %u slots, %u raw bytes (max %u slots, %u raw bytes)", nslots, nraw,
                   TC_MAX_SLOTS, TC_MAX_RAW);
        return NULL;
    }
    size_t bytes = obj_cell_bytes(nslots, nraw);
    if (__builtin_expect(h->bytes_allocated >= h->next_check_bytes, 0)) return alloc_checked(h, nslots, nraw, bytes);
    return alloc_object(h, nslots, nraw, bytes);
}

/* ---------- teardown ---------- */

void tc__alloc_release_all(tc_heap *h) {
    h->mem.teardown = true; /* the mappings are unmapped, not cleared */
    for (size_t i = 0; i < h->large.n; i++) {
        tc_page *p = h->large.v[i];
        free(p->cards);
        tc__mem_large_put(h, p, p->map_bytes, false);
    }
    h->large.n = 0;
    h->pages.n = 0; /* their chunks are unmapped whole */
    h->cells_used = 0;
    tc__mem_free(h);
    h->heap_bytes = 0;
}
