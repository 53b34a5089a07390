/*
 * observe.c — how a viewer looks at the heap without disturbing it.
 *
 * Three ways in, all read-only:
 *  - tc_visit_objects: every allocated object with its colour, position
 *    (page and cell), slot count and whether a root points at it;
 *    tc_describe: the same for one object (an inspector's selection);
 *  - tc_heap_cells: one colour byte per cell in address order, for a heap
 *    map (1M cells cost one pass, no callback per object);
 *  - the event ring: alloc / shade / blacken / barrier / free / phase
 *    events since the last poll. The collector records events only while
 *    a ring is attached; detached, each hook is one never-taken branch.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

tc_colour tc_colour_of(const tc_heap *h, const void *obj) {
    (void)h;
    unsigned c = colour_get(obj);
    if (colour_is_white(c)) return TC_WHITE;
    return (tc_colour)c;
}

static int cmp_addr(const void *a, const void *b) {
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
    return x < y ? -1 : x > y;
}

void tc__pages_by_address(const tc_heap *h, tc_page **out) {
    if (h->pages.n) memcpy(out, h->pages.v, h->pages.n * sizeof *out);
    if (h->large.n) memcpy(out + h->pages.n, h->large.v, h->large.n * sizeof *out);
    if (h->pages.n > 1) qsort(out, h->pages.n, sizeof *out, cmp_addr);
    if (h->large.n > 1) qsort(out + h->pages.n, h->large.n, sizeof *out, cmp_addr);
}

static bool is_root_target(const ptrvec *sorted, const void *obj) {
    size_t lo = 0, hi = sorted->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((uintptr_t)sorted->v[mid] < (uintptr_t)obj)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < sorted->n && sorted->v[lo] == obj;
}

static void collect_root_targets(tc_heap *h) {
    ptrvec *rt = &h->root_targets;
    rt->n = 0;
    const ptrvec stack = root_stack_view(h);
    const ptrvec *lists[2] = {&h->roots, &stack};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < lists[l]->n; i++) {
            void *v = *(void **)lists[l]->v[i];
            if (v) ptrvec_push(rt, v);
        }
    if (rt->n > 1) qsort(rt->v, rt->n, sizeof(void *), cmp_addr);
}

/* What a viewer is told of cell i of p, the object obj of colour c (the
 * root targets collected first). */
static tc_object_info object_info(const tc_heap *h, const tc_page *p, uint32_t i, void *obj, unsigned c) {
    return (tc_object_info){
        .obj = obj,
        .colour = colour_is_white(c) ? TC_WHITE : (tc_colour)c,
        .is_root = is_root_target(&h->root_targets, obj),
        .is_large = p->kind != PAGE_SMALL,
        .page = p->index,
        .cell = i,
        .nslots = tc_nslots(obj),
        .nraw = tc_nraw(obj),
        .size = p->kind == PAGE_SMALL ? p->cell_size : (uint32_t)p->map_bytes,
    };
}

static void visit_held(tc_heap *h, void (*fn)(const tc_object_info *, void *), void *user);

/* Every page, small ones by address then large ones (tc__pages_by_address),
 * the order the object walk, the cells and the page records share;
 * malloc'd (NULL if out of memory), *np of them. */
static tc_page **pages_in_order(tc_heap *h, size_t *np) {
    *np = h->pages.n + h->large.n;
    tc_page **order = malloc((*np ? *np : 1) * sizeof *order);
    if (order) tc__pages_by_address(h, order);
    return order;
}

/* The calls that read colours take the mark state from a concurrent
 * marker while they read, so the colours they report are exact. */
void tc_visit_objects(tc_heap *h, void (*fn)(const tc_object_info *, void *), void *user) {
    if (!h || !fn) {
        tc__misuse(h, "tc_visit_objects: %s is NULL", h ? "fn" : "heap");
        return;
    }
    tc__marker_hold(h, true);
    visit_held(h, fn, user);
    tc__marker_release(h);
}

static void visit_held(tc_heap *h, void (*fn)(const tc_object_info *, void *), void *user) {
    size_t np;
    tc_page **order = pages_in_order(h, &np);
    if (!order) return;
    collect_root_targets(h);
    for (size_t k = 0; k < np; k++) {
        tc_page *p = order[k];
        uint32_t top = page_top(h, p);
        for (uint32_t i = 0; i < top; i++) {
            void *obj = page_obj(p, i);
            unsigned c = colour_get(obj);
            if (c == C_FREE) continue;
            tc_object_info info = object_info(h, p, i, obj, c);
            fn(&info, user);
        }
    }
    free(order);
}

/* The page of this heap that holds obj, found by address alone: obj is
 * not read until it is known to be one of the heap's cells. */
static tc_page *heap_page_holding(const tc_heap *h, const void *obj) {
    const tc_page *p = page_of(obj);
    for (size_t i = 0; i < h->pages.n; i++)
        if (h->pages.v[i] == p) return h->pages.v[i];
    for (size_t i = 0; i < h->large.n; i++) {
        tc_page *q = h->large.v[i];
        if (page_cells(q) + HDR_BYTES == (const char *)obj) return q;
    }
    return NULL;
}

static bool describe_held(tc_heap *h, const void *obj, tc_object_info *out);

bool tc_describe(tc_heap *h, const void *obj, tc_object_info *out) {
    if (!h || !out) {
        tc__misuse(h, "tc_describe: %s is NULL", h ? "out" : "heap");
        return false;
    }
    tc__marker_hold(h, true);
    bool ok = describe_held(h, obj, out);
    tc__marker_release(h);
    return ok;
}

static bool describe_held(tc_heap *h, const void *obj, tc_object_info *out) {
    tc_page *p = obj ? heap_page_holding(h, obj) : NULL;
    if (!p) return false;
    uint32_t i = 0;
    if (p->kind == PAGE_SMALL) {
        size_t off = (size_t)((const char *)obj - page_cells(p));
        if (off < HDR_BYTES || (off - HDR_BYTES) % p->cell_size) return false; /* not a cell start */
        i = page_cell_index(p, obj);
        if (i >= page_top(h, p)) return false;
    }
    unsigned c = colour_get(obj);
    if (c == C_FREE) return false;
    collect_root_targets(h);
    *out = object_info(h, p, i, (void *)obj, c);
    return true;
}

size_t tc_root_objects(const tc_heap *h, void **out, size_t max) {
    if (!h) return 0;
    size_t n = 0;
    const ptrvec stack = root_stack_view(h);
    const ptrvec *lists[2] = {&h->roots, &stack};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < lists[l]->n; i++) {
            void *v = *(void **)lists[l]->v[i];
            if (!v) continue;
            if (n < max) out[n] = v;
            n++;
        }
    return n;
}

static size_t cells_held(tc_heap *h, uint8_t *out, size_t max);

size_t tc_heap_cells(tc_heap *h, uint8_t *out, size_t max) {
    if (!h) {
        tc__misuse(h, "tc_heap_cells: heap is NULL");
        return 0;
    }
    tc__marker_hold(h, true);
    size_t n = cells_held(h, out, max);
    tc__marker_release(h);
    return n;
}

size_t tc_heap_pages(tc_heap *h, tc_page_info *out, size_t max) {
    if (!h) {
        tc__misuse(h, "tc_heap_pages: heap is NULL");
        return 0;
    }
    /* Held as tc_heap_cells holds it, so that the two agree page for
     * page: the pages are the mutator's, but a concurrent sweep moves
     * them between lists. */
    tc__marker_hold(h, true);
    size_t np;
    tc_page **order = pages_in_order(h, &np);
    if (order) {
        for (size_t k = 0; k < np && k < max; k++) {
            tc_page *p = order[k];
            bool large = p->kind != PAGE_SMALL;
            out[k] = (tc_page_info){.first = page_obj(p, 0),
                                    .cell_size = large ? (uint32_t)p->map_bytes : p->cell_size,
                                    .ncells = p->ncells,
                                    .page = p->index,
                                    .is_large = large};
        }
        free(order);
    }
    tc__marker_release(h);
    return order ? np : 0;
}

static size_t cells_held(tc_heap *h, uint8_t *out, size_t max) {
    size_t np;
    tc_page **order = pages_in_order(h, &np);
    if (!order) return 0;
    size_t n = 0;
    for (size_t k = 0; k < np; k++) {
        tc_page *p = order[k];
        uint32_t top = page_top(h, p);
        for (uint32_t i = 0; i < p->ncells; i++, n++) {
            if (n >= max) continue;
            unsigned c = i < top ? colour_get(page_obj(p, i)) : C_FREE;
            out[n] = (uint8_t)(colour_is_white(c) ? TC_WHITE : c);
        }
    }
    free(order);
    return n;
}

/* ---------- event ring ---------- */

bool tc_observe_start(tc_heap *h, size_t capacity) {
    if (!h || capacity == 0) {
        tc__misuse(h, "tc_observe_start: %s", h ? "capacity must be at least 1" : "heap is NULL");
        return false;
    }
    tc_event *ev = malloc(capacity * sizeof *ev);
    if (!ev) return false;
    /* Faulted in now, on the caller's thread: the collector fills the ring
     * inside the program's allocations and stores, and a first touch of
     * each 4 KiB there would put a page fault (9-30 us on the VMs of
     * docs/design.md section 6) into one pause in every ~100 events. The
     * window's ring is 10 MiB: 2,560 such faults, which made its stores
     * without collector work read 15-50 us ~20-50 times a demo run where
     * bench, with no ring, had none (docs/design.md section 8). A volatile
     * store a page, not memset: a compiler may turn malloc and a zeroing
     * memset into calloc, which does not touch fresh pages. */
    for (size_t off = 0; off < capacity * sizeof *ev; off += 4096) ((volatile char *)ev)[off] = 0;
    free(h->ev);
    h->ev = ev;
    h->ev_cap = capacity;
    h->ev_head = h->ev_n = 0;
    h->ev_lost = 0;
    h->ev_mask = ~0u;
    h->next_check_bytes = 0; /* route allocations through the checked path (alloc.c) */
    return true;
}

void tc_observe_mask(tc_heap *h, uint32_t mask) {
    if (!h) return;
    h->ev_mask = mask;
    /* The next allocation takes the checked path, which keeps it there
     * only while allocations are reported (alloc.c). */
    h->next_check_bytes = 0;
}

void tc_observe_stop(tc_heap *h) {
    if (h) tc__observe_free(h);
}

void tc__observe_free(tc_heap *h) {
    free(h->ev);
    h->ev = NULL;
    h->ev_cap = h->ev_head = h->ev_n = 0;
    tc__ptrvec_free(&h->root_targets);
}

/* The ring's next slot (the oldest event is dropped when it is full). */
static tc_event *ring_next(tc_heap *h) {
    if (h->ev_n == h->ev_cap) {
        h->ev_head = (h->ev_head + 1) % h->ev_cap;
        h->ev_n--;
        h->ev_lost++;
    }
    tc_event *e = &h->ev[(h->ev_head + h->ev_n) % h->ev_cap];
    h->ev_n++;
    return e;
}

void tc__observe_record_slow(tc_heap *h, tc_event_kind kind, void *obj, uint32_t arg) {
    *ring_next(h) = (tc_event){.obj = obj, .kind = (uint32_t)kind, .arg = arg};
}

void tc__observe_barrier_slow(tc_heap *h, void *obj, uint32_t barrier, void *source, uint32_t slot, void *target) {
    *ring_next(h) =
        (tc_event){.obj = obj, .kind = TC_EV_BARRIER, .arg = barrier, .source = source, .target = target, .slot = slot};
}

size_t tc_observe_poll(tc_heap *h, tc_event *out, size_t max, uint64_t *lost) {
    if (!h) {
        tc__misuse(h, "tc_observe_poll: heap is NULL");
        return 0;
    }
    size_t n = 0;
    while (n < max && h->ev_n) {
        out[n++] = h->ev[h->ev_head];
        h->ev_head = (h->ev_head + 1) % h->ev_cap;
        h->ev_n--;
    }
    if (lost) *lost = h->ev_lost;
    h->ev_lost = 0;
    return n;
}
