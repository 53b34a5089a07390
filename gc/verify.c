/*
 * verify.c — the heap verifier: everything the collector relies on,
 * checked from scratch by walking the whole heap.
 *
 * Callable between any two increments (tc_verify), or after every one
 * (config.verify_each_step). It checks, and reports the first failure:
 *
 * Structure
 *  - every page knows its index, kind, class, cell size and capacity;
 *  - free lists hold only FREE cells of their own page, and every FREE
 *    cell below top is on one; avail lists hold pages with room and agree
 *    with the on_avail flags; the heap's cells_used is the sum of the
 *    pages' recorded tops;
 *  - live object and byte counts and heap_bytes match what is mapped.
 * Colours, by phase
 *  - IDLE: every object has the current white;
 *  - marking: no old white; every grey object is on the grey stack and
 *    nothing else is; the prefetch FIFO is empty;
 *  - SWEEP: no grey; pages already swept hold no old white; a surviving
 *    object never points to an old-white (dead) one.
 * Pointers
 *  - every slot of a live object, and every root, is NULL or points to the
 *    start of an allocated object.
 * The barrier's invariant while marking
 *  - strong (Dijkstra, Steele): no black object points to a white one;
 *  - weak (Yuasa): every white object that a black one points to is
 *    reachable from a grey object through white objects.
 *  A large object being scanned counts as grey for the slots at or after
 *  its scan cursor and for its dirty cards.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct vctx {
    tc_heap *h;
    char *msg;
    size_t len;
    bool failed;
    tc_page **sorted; /* small pages by address, then large by address */
    size_t nsmall, nlarge;
    /* A concurrent sweep's pages listed and not yet swept, by address. */
    tc_page **unswept;
    size_t nunswept;
    /* open-addressing set of objects (white ones reachable from grey) */
    void **set;
    size_t set_cap;
} vctx;

static bool fail(vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(vctx *v, const char *fmt, ...) {
    if (!v->failed && v->msg && v->len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->msg, v->len, fmt, ap);
        va_end(ap);
    }
    v->failed = true;
    return false;
}

static tc_page *find_page(tc_page **arr, size_t n, uintptr_t key) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((uintptr_t)arr[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && (uintptr_t)arr[lo] == key ? arr[lo] : NULL;
}

/* Is obj the start of an allocated object? */
static bool valid_object(vctx *v, const void *obj) {
    uintptr_t pg = (uintptr_t)obj & ~(uintptr_t)(PAGE_SIZE - 1);
    tc_page *p = find_page(v->sorted, v->nsmall, pg);
    if (p) {
        intptr_t off = (const char *)obj - HDR_BYTES - page_cells(p);
        if (off < 0 || (size_t)off % p->cell_size) return false;
        if ((size_t)off / p->cell_size >= page_top(v->h, p)) return false;
        return colour_get(obj) != C_FREE;
    }
    p = find_page(v->sorted + v->nsmall, v->nlarge, pg);
    return p && obj == page_cells(p) + HDR_BYTES;
}

static bool marking(const tc_heap *h) {
    return h->phase == TC_PHASE_ROOTS || h->phase == TC_PHASE_PROPAGATE || h->phase == TC_PHASE_ATOMIC;
}

/* A slot of a black large object that the marker has yet to scan. */
static bool large_slot_pending(const tc_page *p, size_t slot) {
    if (p->in_scan && slot >= p->scan_cursor) return true;
    size_t card = slot / LARGE_CARD_SLOTS;
    return p->cards && (p->cards[card / 64] >> (card % 64)) & 1;
}

static bool slot_pending(const void *obj, size_t slot) {
    return (*hdr_of(obj) & HDR_LARGE) && large_slot_pending(page_of(obj), slot);
}

/* ---------- a small pointer set for the weak invariant ---------- */

static size_t set_hash(const void *p, size_t cap) {
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x & (cap - 1);
}

static bool set_add(vctx *v, void *p) { /* returns true if newly added */
    size_t i = set_hash(p, v->set_cap);
    while (v->set[i]) {
        if (v->set[i] == p) return false;
        i = (i + 1) & (v->set_cap - 1);
    }
    v->set[i] = p;
    return true;
}

static bool set_has(const vctx *v, const void *p) {
    size_t i = set_hash(p, v->set_cap);
    while (v->set[i]) {
        if (v->set[i] == p) return true;
        i = (i + 1) & (v->set_cap - 1);
    }
    return false;
}

/* Fills the set with the white objects reachable from grey objects (and
 * grey parts of large objects) through white objects only. */
static bool reach_white_from_grey(vctx *v) {
    tc_heap *h = v->h;
    size_t cap = 1024;
    while (cap < 2 * (live_objects(h) + 1)) cap *= 2;
    v->set = calloc(cap, sizeof(void *));
    v->set_cap = cap;
    ptrvec work = {0};
    if (!v->set) return fail(v, "verifier: out of memory");
    /* Seeds: the white children of grey objects and of grey slots. */
    for (size_t k = 0; k < v->nsmall + v->nlarge; k++) {
        tc_page *p = v->sorted[k];
        uint32_t top = page_top(h, p);
        for (uint32_t i = 0; i < top; i++) {
            void *obj = page_obj(p, i);
            unsigned c = colour_get(obj);
            void **s = obj;
            for (size_t j = 0; j < tc_nslots(obj); j++) {
                bool grey_slot = c == C_GREY || (c == C_BLACK && slot_pending(obj, j));
                if (grey_slot && s[j] && colour_is_white(colour_get(s[j])) && set_add(v, s[j]))
                    ptrvec_push(&work, s[j]);
            }
        }
    }
    while (work.n) {
        void **s = work.v[--work.n];
        for (size_t j = 0; j < tc_nslots(s); j++)
            if (s[j] && colour_is_white(colour_get(s[j])) && set_add(v, s[j])) ptrvec_push(&work, s[j]);
    }
    tc__ptrvec_free(&work);
    return true;
}

/* ---------- the checks ---------- */

static int cmp_ptr(const void *a, const void *b) {
    uintptr_t x = (uintptr_t) * (tc_page *const *)a, y = (uintptr_t) * (tc_page *const *)b;
    return (x > y) - (x < y);
}

/* Whether p is listed for the concurrent sweep and not yet swept (never
 * outside one: v->unswept is filled only while sweep_conc). */
static bool is_unswept(const vctx *v, tc_page *p) {
    return v->nunswept && bsearch(&p, v->unswept, v->nunswept, sizeof *v->unswept, cmp_ptr);
}

static bool check_pages(vctx *v, uint64_t *n_objects, uint64_t *n_bytes, uint64_t *grey_count) {
    tc_heap *h = v->h;
    const unsigned cur = h->white, old = h->white ^ 3u;
    uint64_t tops = 0; /* the recorded tops, which cells_used sums */
    for (size_t i = 0; i < h->pages.n; i++) {
        tc_page *p = h->pages.v[i];
        tops += p->top;
        if (p->kind != PAGE_SMALL) return fail(v, "page %zu: kind %u is not small", i, p->kind);
        if (p->index != i) return fail(v, "page %zu: records index %u", i, p->index);
        if (p->cls >= NUM_CLASSES || h->cls[p->cls].cell_size != p->cell_size)
            return fail(v, "page %zu: class %u with cell size %u", i, p->cls, p->cell_size);
        if (p->ncells != (PAGE_SIZE - PAGE_HEADER) / p->cell_size)
            return fail(v, "page %zu: ncells %u for cell size %u", i, p->ncells, p->cell_size);
        uint32_t top = page_top(h, p);
        if (top > p->ncells) return fail(v, "page %zu: top %u beyond %u cells", i, top, p->ncells);
        bool current = h->cls[p->cls].page == p;
        /* The incremental sweep walks the table downward from
         * sweep_cursor; the concurrent one lists pages and sweeps the list
         * in order (an unswept page's on_avail is stale: sweep.c). */
        const bool unswept = is_unswept(v, p);
        bool swept = h->phase == TC_PHASE_SWEEP && (h->sweep_conc ? !unswept : i >= h->sweep_cursor);
        if (!h->sweep_conc && p->sweep_pending)
            return fail(v, "page %zu: sweep mark %u outside a concurrent sweep", i, p->sweep_pending);
        if (unswept && p->sweep_pending) return fail(v, "page %zu: not yet swept but marked %u", i, p->sweep_pending);
        if ((unswept && current) || (p->sweep_pending && (current || p->on_avail)))
            return fail(v, "page %zu: listed for the concurrent sweep but in the allocator's hands", i);
        if (p->sweep_pending == SWEEP_TO_ADOPT) {
            /* Swept by the marker thread, not yet adopted: its freed
             * cells are still counted as live until the mutator adopts it. */
            *n_objects += p->sweep_freed;
            *n_bytes += page_swept_dead_bytes(p);
        }
        uint32_t nfree_cells = 0;
        for (uint32_t k = 0; k < top; k++) {
            void *obj = page_obj(p, k);
            uint64_t hd = *hdr_of(obj);
            unsigned c = (unsigned)(hd & 7);
            if (c == C_FREE) {
                nfree_cells++;
                continue;
            }
            if (c > C_BLACK) return fail(v, "object %p: bad colour %u", obj, c);
            if (hd & HDR_LARGE) return fail(v, "object %p in a small page has the large flag", obj);
            if (obj_cell_bytes(tc_nslots(obj), tc_nraw(obj)) > p->cell_size)
                return fail(v, "object %p: %u slots + %u bytes overflow its %u-byte cell", obj, tc_nslots(obj),
                            tc_nraw(obj), p->cell_size);
            if (h->phase == TC_PHASE_IDLE && c != cur)
                return fail(v, "object %p: colour %u outside a cycle (all objects must be white)", obj, c);
            if (marking(h) && c == old) return fail(v, "object %p: old white during marking", obj);
            if (h->phase == TC_PHASE_SWEEP && c == C_GREY) return fail(v, "object %p: grey during sweep", obj);
            if (swept && c == old) return fail(v, "object %p: old white (dead) in a swept page", obj);
            if (c == C_GREY) ++*grey_count;
            /* Dead objects not yet swept still count: the sweep subtracts them. */
            ++*n_objects;
            *n_bytes += p->cell_size;
        }
        /* The free list: the page's own, or the class's while current. */
        void *list = current ? h->cls[p->cls].free : p->free;
        uint32_t n = 0;
        for (void *f = list; f; f = *(void **)f) {
            if (page_of(f) != p) return fail(v, "page %zu: free list entry %p lies outside the page", i, f);
            intptr_t off = (char *)f - HDR_BYTES - page_cells(p);
            if (off < 0 || (size_t)off % p->cell_size || (size_t)off / p->cell_size >= top)
                return fail(v, "page %zu: free list entry %p is not a used cell", i, f);
            if (colour_get(f) != C_FREE) return fail(v, "page %zu: free list entry %p is not FREE", i, f);
            if (++n > p->ncells) return fail(v, "page %zu: free list has a cycle", i);
        }
        if (n != nfree_cells) return fail(v, "page %zu: %u FREE cells but %u on the free list", i, nfree_cells, n);
        if (current && p->on_avail) return fail(v, "page %zu: current allocation page is on the avail list", i);
    }
    if (tops != h->cells_used)
        return fail(v, "the pages' tops add up to %llu cells but the heap counts %llu", (unsigned long long)tops,
                    (unsigned long long)h->cells_used);
    return true;
}

static bool check_avail(vctx *v) {
    tc_heap *h = v->h;
    size_t flagged = 0, listed = 0;
    for (size_t i = 0; i < h->pages.n; i++) {
        tc_page *p = h->pages.v[i];
        flagged += p->on_avail && !is_unswept(v, p);
    }
    for (unsigned c = 0; c < NUM_CLASSES; c++) {
        tc_page *prev = NULL;
        for (tc_page *p = h->cls[c].avail; p; p = p->avail_next) {
            if (++listed > h->pages.n) return fail(v, "class %u: avail list has a cycle", c);
            if (p->cls != c || !p->on_avail) return fail(v, "class %u: avail list holds a foreign page", c);
            if (p->avail_prev != prev) return fail(v, "class %u: avail list back link broken", c);
            if (!p->free && p->top >= p->ncells) return fail(v, "class %u: a full page is on the avail list", c);
            if (h->pages.v[p->index] != p) return fail(v, "class %u: avail page not in the page table", c);
            prev = p;
        }
    }
    if (flagged != listed) return fail(v, "%zu pages flagged on_avail but %zu on avail lists", flagged, listed);
    return true;
}

/* The written bitmap (tricolor.h): after the object's bytes when it has
 * slots, and no slot holds a pointer in a page whose bit is clear, since
 * the marker and the sweep skip those pages unread. */
static bool check_written(vctx *v, tc_page *p, void *obj) {
    uint32_t n = tc_nslots(obj);
    if ((p->written != NULL) != (n > 0))
        return fail(v, "large object %p: written bitmap %p for %u slots", obj, (void *)p->written, n);
    if (n && (char *)p->written != page_cells(p) + obj_cell_bytes(n, tc_nraw(obj)))
        return fail(v, "large object %p: written bitmap at %p, not after its bytes", obj, (void *)p->written);
    void **s = obj;
    for (size_t i = 0; i < n; i++)
        if (s[i] && !large_wpage_set(p, large_wpage_of(i)))
            return fail(v, "large object %p: slot %zu holds %p in a page its written bitmap lacks", obj, i, s[i]);
    return true;
}

static bool check_large(vctx *v, uint64_t *n_objects, uint64_t *n_bytes, uint64_t *mapped, uint64_t *grey) {
    tc_heap *h = v->h;
    const unsigned cur = h->white, old = h->white ^ 3u;
    for (size_t i = 0; i < h->large.n; i++) {
        tc_page *p = h->large.v[i];
        void *obj = page_cells(p) + HDR_BYTES;
        unsigned c = colour_get(obj);
        if (p->kind != PAGE_LARGE || p->index != i) return fail(v, "large object %zu: bad page header", i);
        if (!(*hdr_of(obj) & HDR_LARGE)) return fail(v, "large object %p lacks the large flag", obj);
        if (c == C_FREE || c > C_BLACK) return fail(v, "large object %p: bad colour %u", obj, c);
        if (h->phase == TC_PHASE_IDLE && c != cur) return fail(v, "large object %p: not white outside a cycle", obj);
        if (marking(h) && c == old) return fail(v, "large object %p: old white during marking", obj);
        if (h->phase == TC_PHASE_SWEEP && c == C_GREY) return fail(v, "large object %p: grey during sweep", obj);
        /* The concurrent sweep lists the large objects after the pages: a
         * dead one stays old white, and in the table, until the mutator
         * adopts it; its sweep cleared its bitmap and slots. */
        const bool unswept = h->sweep_conc && is_unswept(v, p);
        const bool pending_dead = p->sweep_pending == SWEEP_TO_ADOPT && p->sweep_freed;
        if (!h->sweep_conc && p->sweep_pending)
            return fail(v, "large object %p: sweep mark %u outside a concurrent sweep", obj, p->sweep_pending);
        if (unswept && p->sweep_pending)
            return fail(v, "large object %p: not yet swept but marked %u", obj, p->sweep_pending);
        if (pending_dead && c != old) return fail(v, "large object %p: swept as dead but colour %u", obj, c);
        if (h->phase == TC_PHASE_SWEEP && c == old &&
            (h->sweep_conc ? !unswept && !pending_dead : i >= h->sweep_large_cursor))
            return fail(v, "large object %p: dead but already swept", obj);
        if (p->in_scan && c != C_BLACK) return fail(v, "large object %p: on the scan list but not black", obj);
        if (!pending_dead && !check_written(v, p, obj)) return false;
        if (c == C_GREY) ++*grey;
        ++*n_objects;
        *n_bytes += p->map_bytes;
        *mapped += p->map_bytes;
    }
    size_t nscan = 0;
    for (tc_page *p = h->large_scan; p; p = p->scan_next) {
        if (++nscan > h->large.n) return fail(v, "large scan list has a cycle");
        if (!p->in_scan || h->large.v[p->index] != p) return fail(v, "large scan list holds a foreign page");
    }
    return true;
}

/* Every slot of a live object and every root points to an object; and the
 * barrier's invariant holds while marking. */
static bool check_edges(vctx *v) {
    tc_heap *h = v->h;
    const unsigned old = h->white ^ 3u;
    const bool strong = h->hot.barrier == TC_BARRIER_DIJKSTRA || h->hot.barrier == TC_BARRIER_STEELE;
    const bool weak = h->hot.barrier == TC_BARRIER_YUASA || h->hot.barrier == TC_BARRIER_HYBRID;
    if (marking(h) && weak && !reach_white_from_grey(v)) return false;
    for (size_t k = 0; k < v->nsmall + v->nlarge; k++) {
        tc_page *p = v->sorted[k];
        uint32_t top = page_top(h, p);
        for (uint32_t i = 0; i < top; i++) {
            void *obj = page_obj(p, i);
            unsigned c = colour_get(obj);
            if (c == C_FREE) continue;
            if (h->phase == TC_PHASE_SWEEP && c == old) continue; /* dead: may point anywhere */
            void **s = obj;
            uint32_t n = tc_nslots(obj);
            for (uint32_t j = 0; j < n; j++) {
                void *t = s[j];
                if (!t) continue;
                if (!valid_object(v, t))
                    return fail(v, "object %p slot %u points to %p, which is not an allocated object", obj, j, t);
                unsigned tc = colour_get(t);
                if (h->phase == TC_PHASE_SWEEP && tc == old)
                    return fail(v, "object %p slot %u: a survivor points to dead %p", obj, j, t);
                if (!marking(h) || c != C_BLACK || !colour_is_white(tc) || slot_pending(obj, j)) continue;
                if (strong)
                    return fail(v, "%s barrier miss (B->W): black %p slot %u -> white %p",
                                tc_barrier_name((tc_barrier)h->hot.barrier), obj, j, t);
                if (weak && !set_has(v, t))
                    return fail(v, "yuasa barrier miss: black %p slot %u -> white %p, unreachable from grey", obj, j,
                                t);
            }
        }
    }
    const ptrvec stack = root_stack_view(h);
    const ptrvec *lists[2] = {&h->roots, &stack};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < lists[l]->n; i++) {
            void *t = *(void **)lists[l]->v[i];
            if (t && !valid_object(v, t))
                return fail(v, "%s root %zu points to %p, which is not an allocated object", l ? "stack" : "global", i,
                            t);
            if (t && h->phase == TC_PHASE_SWEEP && colour_get(t) == old)
                return fail(v, "%s root %zu points to dead %p", l ? "stack" : "global", i, t);
        }
    return true;
}

/* The concurrent sweep's dead bytes not yet adopted, which the pacer
 * counts freed (pacer.c, paced_live): exactly those of the swept pages
 * still waiting for their adoption, and none outside a concurrent sweep. */
static bool check_sweep_dead(vctx *v) {
    const tc_heap *h = v->h;
    uint64_t dead = 0;
    if (h->sweep_conc)
        for (size_t i = h->sweep_adopt, n = atomic_load_explicit(&h->sweep_next, memory_order_acquire); i < n; i++) {
            const tc_page *p = h->sweep_snap.v[i];
            dead += page_swept_dead_bytes(p);
        }
    uint64_t said = atomic_load_explicit(&h->sweep_dead_bytes, memory_order_relaxed);
    if (h->sweep_conc ? said != dead : said != 0)
        return fail(v, "the sweep's dead bytes awaiting adoption are %llu, the listed pages hold %llu",
                    (unsigned long long)said, (unsigned long long)dead);
    return true;
}

static bool verify_held(tc_heap *h, char *msg, size_t msg_len) {
    vctx v = {.h = h, .msg = msg, .len = msg_len};
    uint64_t n_objects = 0, n_bytes = 0, mapped = 0, grey = 0;
    v.nsmall = h->pages.n;
    v.nlarge = h->large.n;
    v.sorted = malloc((v.nsmall + v.nlarge + 1) * sizeof *v.sorted);
    if (!v.sorted) return fail(&v, "verifier: out of memory");
    tc__pages_by_address(h, v.sorted);
    if (h->sweep_conc) {
        size_t from = atomic_load_explicit(&h->sweep_next, memory_order_acquire);
        v.nunswept = from < h->sweep_snap.n ? h->sweep_snap.n - from : 0;
        v.unswept = malloc((v.nunswept ? v.nunswept : 1) * sizeof *v.unswept);
        if (!v.unswept) {
            free(v.sorted);
            return fail(&v, "verifier: out of memory");
        }
        for (size_t i = 0; i < v.nunswept; i++) v.unswept[i] = h->sweep_snap.v[from + i];
        qsort(v.unswept, v.nunswept, sizeof *v.unswept, cmp_ptr);
    }

    if (h->fifo_n) fail(&v, "the prefetch FIFO holds %u children between increments", h->fifo_n);
    /* tc_verify published the buffer, running them, if a concurrent
     * cycle marks; outside one no store queues a test. */
    if (!v.failed && tc__barrier_pending_any(h)) fail(&v, "the barrier has colour tests pending");
    if (!v.failed && h->white != C_WHITE0 && h->white != C_WHITE1) fail(&v, "current white is %u", h->white);
    if (!v.failed) check_pages(&v, &n_objects, &n_bytes, &grey);
    if (!v.failed) check_avail(&v);
    if (!v.failed) check_large(&v, &n_objects, &n_bytes, &mapped, &grey);
    if (!v.failed) {
        for (size_t i = 0; i < h->grey.n; i++) {
            void *g = h->grey.v[i];
            if (!valid_object(&v, g) || colour_get(g) != C_GREY) {
                fail(&v, "grey stack entry %zu (%p) is not a grey object", i, g);
                break;
            }
        }
    }
    if (!v.failed) check_sweep_dead(&v);
    if (!v.failed && grey != h->grey.n)
        fail(&v, "%llu grey objects but %zu on the grey stack", (unsigned long long)grey, h->grey.n);
    if (!v.failed && (n_objects != live_objects(h) || n_bytes != live_bytes(h)))
        fail(&v, "counted %llu objects / %llu bytes, heap says %llu / %llu", (unsigned long long)n_objects,
             (unsigned long long)n_bytes, (unsigned long long)live_objects(h), (unsigned long long)live_bytes(h));
    /* The mutator's side of the memory layer: pages in use and pooled,
     * large mappings live, quarantined or being cleared by the thread,
     * memory pending release. What
     * the thread holds (the reserve, memory in flight) changes under us,
     * so only the total against the limit is checked for it. */
    mapped += (uint64_t)(h->pages.n + h->mem.pool.n) * PAGE_SIZE;
    mapped += h->mem.quarantine_bytes + h->mem.pending_bytes + h->mem.clearing_bytes;
    if (!v.failed && mapped != h->heap_bytes)
        fail(&v, "mapped %llu bytes but heap_bytes is %llu", (unsigned long long)mapped,
             (unsigned long long)h->heap_bytes);
    if (!v.failed && !tc__mem_quarantine_index_ok(&h->mem))
        fail(&v, "the quarantine's index does not file its %zu entries by base and end", h->mem.quarantine_n);
    uint64_t committed = tc__mem_committed(&h->mem);
    if (!v.failed && committed < h->heap_bytes)
        fail(&v, "the memory layer holds %llu bytes, less than the heap's own %llu", (unsigned long long)committed,
             (unsigned long long)h->heap_bytes);
    if (!v.failed && h->cfg.heap_limit && committed > h->cfg.heap_limit)
        fail(&v, "%llu bytes held exceed the limit %zu", (unsigned long long)committed, h->cfg.heap_limit);
    if (!v.failed) check_edges(&v);
    free(v.set);
    free(v.sorted);
    free(v.unswept);
    return !v.failed;
}

/* In concurrent mode the verifier runs as a handshake: it takes the mark
 * state from the marker (waiting for its slice to yield) and shades the
 * barrier buffer, so the invariant it checks is the one the termination
 * handshake relies on. */
bool tc_verify(tc_heap *h, char *msg, size_t msg_len) {
    if (msg && msg_len) msg[0] = 0;
    if (!h) {
        if (msg && msg_len) snprintf(msg, msg_len, "heap is NULL");
        return false;
    }
    if (h->in_gc) {
        if (msg && msg_len) snprintf(msg, msg_len, "tc_verify called from inside an increment");
        return false;
    }
    tc__marker_hold(h, true);
    if (h->hot.concurrent) h->cycle_mark_work += tc__marker_drain_all(h);
    bool ok = verify_held(h, msg, msg_len);
    tc__marker_release(h);
    return ok;
}

void tc__verify_or_die(tc_heap *h, const char *when) {
    char msg[512];
    if (tc_verify(h, msg, sizeof msg)) return;
    fprintf(stderr, "tricolor: heap verification failed %s (cycle %llu, phase %s, barrier %s): %s\n", when,
            (unsigned long long)h->cycle_no, tc_phase_name(h->phase), tc_barrier_name((tc_barrier)h->hot.barrier), msg);
    abort();
}
