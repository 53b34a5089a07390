/*
 * mem.c — the collector's only door to the operating system's memory
 * (with mem_os.c, where every mmap, munmap and madvise of libtricolor is
 * made and counted, mem_thread.c and mem_large.c): pages, giving memory
 * back, and the pause log's range.
 *
 * Why a layer of its own. On the machines Tricolor runs on, the cost of a
 * memory system call or of a first-touch page fault varies 10-100x from
 * one machine to the next (docs/design.md, "The OS inside a pause"): a
 * 64 KiB munmap took 0.2-2 ms on one, touching a fresh 64 KiB page took
 * 200 us on another. A collector that promises short pauses cannot let
 * either happen inside an allocation or an increment. So:
 *
 *  - A background memory thread (in the spirit of Go's scavenger) keeps a
 *    reserve of free pages that are already mapped and already faulted in
 *    (MADV_POPULATE_WRITE where the kernel has it, else one write per
 *    4 KiB), sized from the rate at which the mutator takes them.
 *  - Empty pages the sweeper finds go to a pool on the mutator's side and
 *    are reused first. Pages beyond what the next cycle will need are
 *    handed to the thread, which gives their memory back with
 *    madvise(MADV_DONTNEED), keeping the range mapped so it can populate
 *    it again later (Boehm and Go do the same; neither unmaps).
 *  - Dead large objects stay in a quarantine for a few cycles; a new
 *    large object of a similar size takes a dead one's mapping (cleared
 *    with memset, which costs far less than faulting fresh pages). Expired
 *    ones are unmapped by the thread, or, when they are the size it keeps
 *    ready for large objects, cleared and kept ready.
 *  - The mutator talks to the thread through two single-producer,
 *    single-consumer rings of spans (ready: thread -> mutator; surplus:
 *    mutator -> thread). Neither side ever waits for the other: a full or
 *    empty ring just means "do it another way" (see tc__mem_page_get).
 *  - The thread sleeps most of the time: it wakes every 0.25-8 ms, at a
 *    quarter of the time its reserve lasts at the rate pages are taken.
 *
 * With the thread off (tc_config.mem_thread false: single-threaded
 * embedders, deterministic recordings) the same layer runs on the
 * mutator: a page the pool cannot supply is carved from a chunk the
 * mutator maps itself, and surplus memory is given back in budgeted slices
 * inside increments (tc__mem_work). The counters say which thread made
 * each call: a memory system call on the mutator's thread with the thread
 * on means the reserve ran dry.
 *
 * Accounting. `committed` is every byte the collector holds resident or
 * about to be: pages in use, pooled, in the reserve or on their way to be
 * released, and large mappings live or quarantined. It is what heap_limit
 * bounds and what tc_stats reports as heap_bytes. Either thread adds to
 * it only through mem_commit, which refuses to pass the limit.
 *
 * Slow-OS mode: TRICOLOR_SLOW_OS_US=N in the environment adds N us to
 * every OS memory call made here, to show that pauses do not depend on
 * what those calls cost.
 */
#include "mem.h"

#include <errno.h>
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ======================================================================
 * Reserved ranges: the pause and cycle logs' storage and the grey stack
 * ====================================================================== */

/* The pause log is appended to inside every increment, the cycle log
 * inside each cycle's last, and the grey stack grows inside them, so
 * their memory must not fault there either. The cycle log was a malloc'd
 * array grown by realloc: in the window's process (whose malloc serves
 * large blocks from its heap once SDL has freed some) the demo's 1025th
 * cycle copied 200 KiB into fresh pages inside a pause of 630-760 us. Each
 * lives in one reserved range that never moves (so tc_pause_log can hand
 * out a plain array, and the grey stack needs no realloc), and pages ahead
 * of the cursor are faulted in beforehand: by the thread when it runs,
 * else by the mutator, r->ahead bytes at a time. */
/* The lowest page the thread may touch: half its lead past the cursor
 * the mutator last published (see below). */
static size_t thread_floor(const tc__range *r) {
    size_t from = atomic_load_explicit(&r->used, memory_order_relaxed) + r->ahead / 2;
    return (from + 4095) & ~(size_t)4095;
}

void tc__mem_range_populate_to(tc__mem *m, tc__range *r, size_t upto, bool on_thread) {
    size_t done = atomic_load_explicit(&r->populated, memory_order_acquire);
    upto = (upto + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); /* madvise wants whole pages: keep `done` aligned */
    if (upto > r->cap) upto = r->cap;
    if (upto <= done) return;
    /* A mutator that outran the thread writes past `populated` (it may go
     * r->ahead / 4 past the `used` it last published, collect.c), so the
     * thread (or the marker, which publishes `used` first) keeps its
     * hands off pages below `from`: MADV_POPULATE_WRITE leaves pages that
     * are already in as they are and may start at `done`, but the write
     * fallback (kernels before 5.14) stores a zero in each page and the
     * read after the populate races the mutator's writes. */
    size_t from = done;
    if (on_thread) {
        from = thread_floor(r);
        if (from < done) from = done;
    }
    size_t start = atomic_load_explicit(&m->populate_ok, memory_order_relaxed) ? done : from;
    if (start < upto) tc__os_populate(m, r->base + start, upto - start, on_thread, false);
    if (on_thread) {
        /* The cursor again: the mutator may have moved on during the
         * populate's system call. */
        size_t now = thread_floor(r);
        if (now > from) from = now;
        if (from < upto) tc__os_read_pages(r->base + from, upto - from);
    }
    atomic_store_explicit(&r->populated, upto, memory_order_release);
}

/* Reserves a range when the heap is made, before the thread starts. */
static void range_reserve(tc__mem *m, tc__range *r, size_t bytes, size_t ahead) {
    tc__os_count(m, false);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return; /* the log drops its records; the grey stack uses malloc */
    r->base = p;
    r->cap = bytes;
    r->ahead = ahead;
    tc__mem_range_populate_to(m, r, ahead, false);
    /* Read once too, as the thread does (tc__os_populate): here, when the
     * heap is made, and not at the first increment's first pushes (the
     * demo's first roots increment took 300-500 us of host traps). */
    tc__os_read_pages(p, ahead < bytes ? ahead : bytes);
}

bool tc__mem_range_ensure(tc__mem *m, tc__range *r, size_t bytes, bool on_marker) {
    if (!r->base || bytes > r->cap) return false;
    atomic_store_explicit(&r->used, bytes, memory_order_relaxed);
    size_t ready = atomic_load_explicit(&r->populated, memory_order_acquire);
    /* The marker thread (the grey stack, marker.c) populates what it needs
     * on its own thread, counted as a thread's call, and never reads the
     * mutator's fields. */
    if (on_marker) {
        if (bytes + r->ahead / 2 > ready) tc__mem_range_populate_to(m, r, bytes + r->ahead, true);
        return true;
    }
    /* The thread keeps r->ahead ready. Without it the mutator does it,
     * once per r->ahead. If the thread fell behind by a whole stretch
     * (the grey stack can grow by megabytes between two of its wakes
     * when marking starts), the pages fault in as they are written, a
     * 4 KiB fault at a time and no system call, and the thread is told to
     * come back soon. */
    if (bytes + r->ahead / 2 > ready) {
        if (!m->running)
            tc__mem_range_populate_to(m, r, bytes + r->ahead, false);
        else if (bytes > ready)
            atomic_store_explicit(&m->ranges_behind, true, memory_order_relaxed);
    }
    return true;
}

/* The thread's share: keep each range r->ahead beyond its cursor.
 * Returns how long (ns) until the first of them reaches the end of what
 * is populated, at the fastest rate its cursor moved over the last
 * second or so: the thread must be back well before (mem_thread.c,
 * next_interval). The fastest, not the last: the grey stack stands still
 * between cycles and then grows by megabytes as marking starts (mutate's
 * did while the thread slept, and the mutator populated it itself). */
double tc__mem_ranges_keep_ahead(tc__mem *m, uint64_t dt_ns) {
    tc__range *rs[] = {&m->log, &m->grey, &m->cycles};
    double until = DBL_MAX;
    for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++) {
        tc__range *r = rs[i];
        if (!r->base) continue;
        size_t used = atomic_load_explicit(&r->used, memory_order_relaxed);
        if (used + r->ahead / 2 > atomic_load_explicit(&r->populated, memory_order_acquire))
            tc__mem_range_populate_to(m, r, used + r->ahead, true);
        size_t populated = atomic_load_explicit(&r->populated, memory_order_acquire);
        size_t moved = used > r->seen ? used - r->seen : 0; /* the grey stack also shrinks */
        r->seen = used;
        double keep = 1.0 - (double)dt_ns / 1e9; /* forget the fastest rate over ~1 s */
        r->fastest = r->fastest * (keep > 0 ? keep : 0);
        if (dt_ns && (double)moved / (double)dt_ns > r->fastest) r->fastest = (double)moved / (double)dt_ns;
        if (r->fastest > 0 && populated > used) {
            double t = (double)(populated - used) / r->fastest;
            if (t < until) until = t;
        }
    }
    return until;
}

bool tc__mem_log_ensure(tc_heap *h, size_t bytes) { return tc__mem_range_ensure(&h->mem, &h->mem.log, bytes, false); }

char *tc__mem_log_base(const tc_heap *h) { return h->mem.log.base; }

bool tc__mem_cyclelog_ensure(tc_heap *h, size_t bytes) {
    return tc__mem_range_ensure(&h->mem, &h->mem.cycles, bytes, false);
}

char *tc__mem_cyclelog_base(const tc_heap *h) { return h->mem.cycles.base; }

/* Not malloc and memset: a compiler may turn the two into calloc, which
 * leaves fresh pages untouched (GCC did, for the barrier buffer: its first
 * pass through the ring faulted a page every 512 entries inside
 * handshakes and barrier hits, 30-60 us each, design.md §10). Read after
 * the populate, as the thread's pages are: on a shadow-paged guest the
 * populate alone leaves a trap to the host at each page's first access. */
void *tc__mem_map_faulted(tc_heap *h, size_t bytes) {
    void *p = tc__os_map_aligned(&h->mem, bytes, PAGE_SIZE, false);
    if (p) tc__os_populate(&h->mem, p, bytes, false, true);
    return p;
}

void tc__mem_unmap_faulted(tc_heap *h, void *p, size_t bytes) {
    if (p) tc__os_unmap(&h->mem, p, bytes, false);
}

/* ======================================================================
 * Lifetime and configuration
 * ====================================================================== */

void tc__mem_init(tc_heap *h) {
    tc__mem *m = &h->mem;
    atomic_store_explicit(&m->populate_ok, true, memory_order_relaxed);
    m->one_cpu = tc__cpus_available() < 2;
    m->in_gc = &h->in_gc;
    m->marker_job = &h->conc.job;
    atomic_store_explicit(&m->limit, h->cfg.heap_limit, memory_order_relaxed);
    atomic_store_explicit(&m->reserve_cap, (size_t)READY_MIN_PAGES, memory_order_relaxed);
    const char *slow = getenv("TRICOLOR_SLOW_OS_US");
    if (slow && *slow) {
        char *end;
        unsigned long us = strtoul(slow, &end, 10);
        if (*end == '\0' && us <= 1000000) m->slow_os_ns = (uint64_t)us * 1000u;
    }
    range_reserve(m, &m->log, TC__LOG_RESERVE, LOG_AHEAD);
    range_reserve(m, &m->cycles, TC__CYCLE_RESERVE, CYCLE_AHEAD);
    range_reserve(m, &m->grey, TC__GREY_RESERVE, GREY_AHEAD);
    if (m->grey.base) { /* the grey stack's entries, up to what is faulted in */
        h->grey.v = (void **)(void *)m->grey.base;
        h->grey.cap = atomic_load_explicit(&m->grey.populated, memory_order_relaxed) / sizeof(void *);
    }
    if (h->cfg.mem_thread) tc__mem_thread_start(m);
}

void tc__mem_on_config(tc_heap *h) {
    atomic_store_explicit(&h->mem.limit, h->cfg.heap_limit, memory_order_relaxed);
    if (h->cfg.mem_thread)
        tc__mem_thread_start(&h->mem);
    else
        tc__mem_thread_stop(h);
}

/* Unmaps everything: the heap is going away. Small pages, wherever they
 * are (in use, pooled, ready, released), go with the chunks they were cut
 * from, one call a chunk; large mappings one call each. The allocator
 * has handed its large objects to the quarantine first. */
void tc__mem_free(tc_heap *h) {
    tc__mem *m = &h->mem;
    m->teardown = true;
    tc__mem_thread_stop(h);
    tc__mem_spares_unmap(m); /* mapped at a start whose thread then failed to run */
    for (size_t i = 0; i < m->quarantine_n; i++) tc__os_unmap(m, m->quarantine[i].base, m->quarantine[i].len, false);
    tc__mem_quarantine_empty(m);
    for (size_t i = 0; i < m->pending.n; i++)
        if (m->pending.v[i].large) tc__os_unmap(m, m->pending.v[i].base, m->pending.v[i].len, false);
    if (m->log.base) tc__os_unmap(m, m->log.base, m->log.cap, false);
    if (m->cycles.base) tc__os_unmap(m, m->cycles.base, m->cycles.cap, false);
    if (m->grey.base) {
        tc__os_unmap(m, m->grey.base, m->grey.cap, false);
        h->grey.v = NULL; /* not malloc's */
        h->grey.n = h->grey.cap = 0;
    }
    for (size_t i = 0; i < m->chunks.n; i++) tc__os_unmap(m, m->chunks.v[i], CHUNK_PAGES * PAGE_SIZE, false);
    for (size_t i = 0; i < m->tchunks.n; i++) tc__os_unmap(m, m->tchunks.v[i], CHUNK_PAGES * PAGE_SIZE, false);
    tc__ptrvec_free(&m->pool);
    tc__ptrvec_free(&m->clean);
    tc__ptrvec_free(&m->tclean);
    free(m->pending.v);
    m->pending = (tc__spanvec){0};
    tc__ptrvec_free(&m->chunks);
    tc__ptrvec_free(&m->tchunks);
}

/* ======================================================================
 * Pages
 * ====================================================================== */

/* Spare ranges. Whatever the reserve, a mutator can outrun the thread
 * (a heap growing from nothing, a slow machine), and a large object of a
 * new size finds nothing ready. Mapping memory then would put a system
 * call, and the address space's write lock, inside the allocation. So the
 * thread also keeps SPARES_READY ranges of address space mapped ahead
 * (untouched: they cost no memory and are not in `committed`), and the
 * mutator cuts what it needs from the one it holds: a chunk for its
 * fallback pages, a span for a large object. Only when those are gone too
 * does it map memory itself. What it leaves unused (a 64 KiB page's tail
 * behind a smaller large object, a range's end too short for a request)
 * goes back through the thread. */
void *tc__mem_spare_carve(tc__mem *m, size_t len) {
    if (!m->running) return NULL;
    size_t need = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    if ((size_t)(m->spare_end - m->spare) < need) {
        tc__span s;
        if (need > SPARE_BYTES || !tc__ring_pop(&m->spares, &s)) return NULL;
        if (m->spare != m->spare_end) tc__mem_spare_drop(m, m->spare, (size_t)(m->spare_end - m->spare));
        m->spare = s.base;
        m->spare_end = (char *)s.base + s.len;
    }
    void *p = m->spare;
    m->spare += need;
    return p;
}

void tc__mem_spares_unmap(tc__mem *m) {
    tc__span s;
    while (tc__ring_pop(&m->spares, &s)) tc__os_unmap(m, s.base, s.len, false);
    if (m->spare != m->spare_end) tc__os_unmap(m, m->spare, (size_t)(m->spare_end - m->spare), false);
    m->spare = m->spare_end = NULL;
}

/* Queues s on the pending list, which tc__mem_work hands on; false when
 * out of memory for the list. */
static bool pending_add(tc__mem *m, tc__span s) {
    tc__spanvec *pv = &m->pending;
    if (pv->n == pv->cap) {
        size_t cap = pv->cap ? 2 * pv->cap : 64;
        tc__span *v = realloc(pv->v, cap * sizeof *v);
        if (!v) return false;
        pv->v = v;
        pv->cap = cap;
    }
    pv->v[pv->n++] = s;
    return true;
}

void tc__mem_spare_drop(tc__mem *m, void *p, size_t len) {
    tc__span s = {.base = p, .len = len, .large = true, .addr_only = true};
    if (m->running && tc__ring_push(&m->surplus, s)) return;
    if (!pending_add(m, s)) tc__os_unmap(m, p, len, false);
}

/* The next page of the mutator's chunk, a new chunk cut from its spare
 * range or else mapped here when the last is used up. */
static void *mutator_chunk_page(tc__mem *m) {
    const size_t chunk = CHUNK_PAGES * PAGE_SIZE;
    if (m->chunk == m->chunk_end) {
        char *c = tc__mem_spare_carve(m, chunk);
        if (c && ptrvec_push(&m->chunks, c)) { /* unmapped whole at teardown, like a mapped one */
            m->chunk = c;
            m->chunk_end = c + chunk;
        } else if (c) {
            tc__mem_spare_drop(m, c, chunk);
        }
    }
    return tc__chunk_page(m, &m->chunk, &m->chunk_end, &m->chunks, false);
}

/* The last span waiting to be given back, if it is one small page: still
 * resident, tc__mem_page_get takes it back before mapping a fresh one. */
static tc__span *pending_page(tc__mem *m) {
    tc__span *last = m->pending.n ? &m->pending.v[m->pending.n - 1] : NULL;
    return last && !last->large && last->len == PAGE_SIZE ? last : NULL;
}

/* Whether tc__mem_page_get would take a page nobody wrote yet: none in
 * the pool, none waiting to be given back, none in the thread's reserve.
 * Its first write then faults (the mutator's own chunk, or a page it
 * released), or, with the thread off, a populate call comes first. */
bool tc__mem_page_fresh(tc_heap *h) {
    tc__mem *m = &h->mem;
    if (m->pool.n || pending_page(m)) return false;
    return !(m->running && tc__ring_count(&m->ready) > 0);
}

void *tc__mem_page_get(tc_heap *h) {
    tc__mem *m = &h->mem;
    void *p;
    if (m->pool.n) { /* already counted in heap_bytes */
        if (--m->pool.n < m->pool_low) m->pool_low = m->pool.n;
        return m->pool.v[m->pool.n];
    }
    /* A page waiting to be given back is still resident: take it back
     * rather than map a fresh one (it is counted in heap_bytes too). */
    const tc__span *last = pending_page(m);
    if (last) {
        p = last->base;
        m->pending.n--;
        m->pending_bytes -= PAGE_SIZE;
        return p;
    }
    tc__span s;
    if (m->running && tc__ring_pop(&m->ready, &s)) {
        atomic_fetch_sub_explicit(&m->reserve_pages, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&m->taken, 1, memory_order_relaxed);
        h->heap_bytes += PAGE_SIZE;
        return s.base;
    }
    if (m->running) {
        m->reserve_misses++;
        atomic_store_explicit(&m->starving, true, memory_order_relaxed);
    }
    if (!tc__mem_commit(m, PAGE_SIZE)) return NULL;
    /* The mutator's fallback, when the thread is off or its reserve ran
     * dry (counted as a miss): a page it released earlier, or one cut
     * from its own chunk. */
    p = m->clean.n ? m->clean.v[--m->clean.n] : mutator_chunk_page(m);
    if (!p) {
        atomic_fetch_sub_explicit(&m->committed, PAGE_SIZE, memory_order_relaxed);
        return NULL;
    }
    /* With the thread off, one call instead of 16 faults as the page
     * fills (7 us against ~140 us on the machine measured in
     * docs/design.md). With it on, no call: the page faults in 4 KiB at
     * a time as the allocator bumps through it, a fault in each of 16
     * allocations rather than a system call in one, whatever a call
     * costs on this machine (slow-OS mode shows it). */
    if (!m->running) tc__os_populate(m, p, PAGE_SIZE, false, false);
    h->heap_bytes += PAGE_SIZE;
    return p;
}

/* The pool takes back the pages a sweep frees, inside its increment: grown
 * there, its realloc wrote fresh memory in a pause, a first-touch fault
 * (the demo's first sweep handshake: 17-51 us of own time, against 1-3
 * for the next ones; docs/design.md section 10). Every page in use may
 * come back in one sweep, so the pool keeps room for them all, grown by
 * the allocation that adds a page, as the sweep list is (alloc.c). */
void tc__mem_pool_keep_up(tc_heap *h, size_t in_use) {
    tc__mem *m = &h->mem;
    if (m->pool.cap < in_use + m->pool.n) (void)tc__ptrvec_reserve_touched(&m->pool, in_use + m->pool.n);
}

void tc__mem_page_put(tc_heap *h, void *page) {
    tc__mem *m = &h->mem;
    if (ptrvec_push(&m->pool, page)) return;
    /* No memory to remember it: give it back now. */
    tc__os_release(m, page, PAGE_SIZE, false);
    h->heap_bytes -= PAGE_SIZE;
    tc__mem_uncommit(m, PAGE_SIZE);
}

size_t tc__mem_pool_pages(const tc_heap *h) { return h->mem.pool.n; }

/* Hands a mapping that is no longer the heap's to whoever releases it:
 * the thread, or the budgeted slices of tc__mem_work. */
void tc__mem_surplus(tc_heap *h, tc__span s) {
    tc__mem *m = &h->mem;
    if (m->running) {
        atomic_fetch_add_explicit(&m->inflight_bytes, s.len, memory_order_relaxed);
        if (tc__ring_push(&m->surplus, s)) {
            h->heap_bytes -= s.len; /* the thread's now */
            return;
        }
        atomic_fetch_sub_explicit(&m->inflight_bytes, s.len, memory_order_relaxed);
    }
    if (pending_add(m, s)) { /* still the mutator's, and in heap_bytes, until released */
        m->pending_bytes += s.len;
        return;
    }
    h->heap_bytes -= s.len;
    if (s.large) {
        tc__mem_ahead_fence(m);
        tc__os_unmap(m, s.base, s.len, false);
    } else {
        tc__os_release(m, s.base, s.len, false);
    }
    tc__mem_uncommit(m, s.len);
}

/* A released page the mutator keeps mapped for later (its own list: the
 * thread's, tclean, is the thread's alone while it runs). */
void tc__mem_clean_keep(tc__mem *m, void *page) {
    if (!ptrvec_push(&m->clean, page)) tc__os_unmap(m, page, PAGE_SIZE, false);
}

/* ======================================================================
 * Trimming: at cycle end, and a slice per increment when the thread is off
 * ====================================================================== */

/* The heap a cycle end weighs the quarantine's size against (below). */
static uint64_t quarantine_weighed(const tc_heap *h) {
    uint64_t out = (uint64_t)h->mem.pool.n * PAGE_SIZE + h->mem.pending_bytes;
    return h->heap_bytes > out ? h->heap_bytes - out : 0;
}

/* Called when a cycle ends, with the bytes the heap may keep resident (the
 * next goal and a margin). Surplus pool pages and expired quarantine go to
 * the releaser; the reserve is capped to what the next cycle can use. */
void tc__mem_cycle_end(tc_heap *h, uint64_t retain_bytes) {
    tc__mem *m = &h->mem;
    m->retain_bytes = retain_bytes;
    tc__mem_cleared_take(h);
    /* The quarantine is the large objects' free store: it may fill what
     * the heap is allowed to hold until the next cycle (retain_bytes),
     * since the next period's large allocations will take from it. Beyond
     * that, and for anything nobody reused in QUARANTINE_CYCLES cycles,
     * the oldest entries go first. This runs inside the cycle's last
     * increment: one pass for the expired entries, then at most EVICT_MAX
     * oldest-first scans (the rest waits for the next cycle end). What it
     * weighs against retain_bytes is the heap outside the pool, as
     * retain_bytes' peak counts it (the pool's pages have their own rule
     * below), less what already waits to be given back (pending, still in
     * heap_bytes: with the thread off every entry dropped waits there).
     * Weighed with the pool, a heap whose retain came from that peak
     * (fragment's, in concurrent mode) lost the pool's worth of quarantine
     * at every cycle end, ~800 spans and 180 MiB a run, and faulted them
     * in again as fresh mappings (docs/design.md §7).
     *
     * Why QUARANTINE_CYCLES is 32, not the 8 it was: each munmap of
     * touched memory, by any thread, stops the other threads' vCPUs for
     * a TLB flush, 20-50 us on the PVM guests of docs/design.md §6 (about
     * one such stall on the mutator for every two calls), and most of
     * fragment's ~340 calls a run were these expiries, one mapping at a
     * time. Kept longer, dead neighbours merge first (quarantine_insert)
     * and go back in fewer, larger calls: ~80 a run, for as many reuses
     * (nearly all within 8 cycles of a span's death either way), and
     * fragment's longest pause with collector work fell from 182-204 to
     * 59-88 us (three sets of 5 runs) for 6-18% more peak RSS. */
    for (size_t i = 0; i < m->quarantine_n;) {
        if (h->cycle_no - m->quarantine[i].cycle >= QUARANTINE_CYCLES)
            tc__mem_quarantine_drop(h, i); /* moves the last entry to i */
        else
            i++;
    }
    for (int k = 0; k < EVICT_MAX && quarantine_weighed(h) > retain_bytes && m->quarantine_n; k++)
        tc__mem_quarantine_drop(h, tc__mem_quarantine_oldest(m));
    /* Pool pages are surplus when the heap holds more than it will need;
     * only those that also sat in the pool unused for a whole window of
     * POOL_IDLE_CYCLES cycle ends (and since) are given back. A heap that
     * shrinks and grows back within that (GCBench does, once a pass of
     * ~50 cycles: its temporary trees deepen) keeps its pages: on the
     * machines of docs/design.md §6 each one given back costs ~150 us of
     * the memory thread to release and fault in again, and ages of two
     * cycles ends let 48 MiB of a 55 MiB heap go round that way in three
     * passes. Counted in cycles, not seconds, so that a deterministic run
     * (thread off) holds and releases the same pages every time. */
    if (++m->window_cycles >= POOL_IDLE_CYCLES) {
        m->idle_pages = m->pool_low;
        m->pool_low = m->pool.n;
        m->window_cycles = 0;
    }
    size_t spare = m->pool.n > POOL_MIN_PAGES ? m->pool.n - POOL_MIN_PAGES : 0, surplus = 0;
    if (h->heap_bytes > m->retain_bytes) surplus = (size_t)((h->heap_bytes - m->retain_bytes) / PAGE_SIZE);
    if (surplus > spare) surplus = spare;
    size_t give = surplus;
    if (give > m->idle_pages) give = m->idle_pages;
    if (give > m->pool_low) give = m->pool_low;
    m->idle_pages -= give;
    m->pool_low -= give;
    while (give--) {
        void *pg = m->pool.v[--m->pool.n];
        tc__mem_surplus(h, (tc__span){.base = pg, .len = PAGE_SIZE});
    }
    /* The reserve holds at most an eighth of the next goal (and at least
     * a few pages): memory that sits ready is memory the heap holds. */
    size_t cap = (size_t)(retain_bytes / 8 / PAGE_SIZE);
    if (cap < 4) cap = 4;
    if (cap > TC__RING_CAP) cap = TC__RING_CAP;
    atomic_store_explicit(&m->reserve_cap, cap, memory_order_relaxed);
}

/* Thread off: gives back up to a slice of pending memory (called inside
 * increments); returns the work units it stands for. Thread on: nothing
 * is pending unless the surplus ring was full, and this hands it over. */
size_t tc__mem_work(tc_heap *h, size_t max_units) {
    tc__mem *m = &h->mem;
    size_t units = 0, pages = 0;
    while (m->pending.n && units < max_units) {
        tc__span *s = &m->pending.v[m->pending.n - 1];
        if (s->addr_only) { /* untouched address space: no accounting */
            if (!m->running)
                tc__os_unmap(m, s->base, s->len, false);
            else if (!tc__ring_push(&m->surplus, *s))
                break;
            units += 1;
        } else if (m->running) {
            atomic_fetch_add_explicit(&m->inflight_bytes, s->len, memory_order_relaxed);
            if (!tc__ring_push(&m->surplus, *s)) {
                atomic_fetch_sub_explicit(&m->inflight_bytes, s->len, memory_order_relaxed);
                break;
            }
            h->heap_bytes -= s->len;
            units += 1;
        } else {
            if (pages == RELEASE_SLICE_PAGES) break;
            /* Large mappings are given back a piece at a time, from the
             * end, so that no slice costs more than RELEASE_PIECE bytes. */
            size_t piece = s->len > RELEASE_PIECE ? RELEASE_PIECE : s->len;
            char *at = (char *)s->base + s->len - piece;
            if (s->large)
                tc__os_unmap(m, at, piece, false);
            else
                tc__os_release(m, at, piece, false);
            tc__mem_uncommit(m, piece);
            h->heap_bytes -= piece;
            units += piece / 4096 * RELEASE_UNITS_PER_4K;
            pages++;
            m->pending_bytes -= piece;
            s->len -= piece;
            if (s->len) continue;
            if (!s->large) tc__mem_clean_keep(m, s->base);
        }
        m->pending.n--;
        if (m->running && !s->addr_only) m->pending_bytes -= s->len;
    }
    return units;
}

bool tc__mem_has_work(const tc_heap *h) { return h->mem.pending.n != 0; }

/* Gives back everything that can be given back at once: pooled pages,
 * quarantine, pending. For the heap limit, when a collection was not
 * enough: the caller is about to fail an allocation otherwise. */
/* The mutator takes back what the thread holds ready for it (both rings
 * are mutator-consumed): the large span joins the quarantine, pages the
 * pool. */
void tc__mem_take_back_ready(tc_heap *h) {
    tc__mem *m = &h->mem;
    tc__span s;
    while (tc__ring_pop(&m->big, &s)) {
        h->heap_bytes += s.len;
        tc__mem_quarantine_add(h, s.base, s.len, true);
    }
    while (tc__ring_pop(&m->ready, &s)) {
        atomic_fetch_sub_explicit(&m->reserve_pages, 1, memory_order_relaxed);
        if (!ptrvec_push(&m->pool, s.base)) {
            tc__os_unmap(m, s.base, PAGE_SIZE, false);
            tc__mem_uncommit(m, PAGE_SIZE);
            continue;
        }
        h->heap_bytes += PAGE_SIZE;
    }
}

void tc__mem_shrink_now(tc_heap *h) {
    tc__mem *m = &h->mem;
    /* What the thread holds ready comes back first, to go with the rest:
     * it is counted in `committed` like any page the heap holds; so do
     * the dead large spans it is clearing. */
    tc__mem_cleared_wait(h);
    tc__mem_take_back_ready(h);
    tc__mem_ahead_fence(m);
    tc__span s;
    for (size_t i = 0; i < m->quarantine_n; i++) {
        s = m->quarantine[i];
        h->heap_bytes -= s.len;
        tc__os_unmap(m, s.base, s.len, false);
        tc__mem_uncommit(m, s.len);
    }
    tc__mem_quarantine_empty(m);
    while (m->pool.n) {
        void *pg = m->pool.v[--m->pool.n];
        h->heap_bytes -= PAGE_SIZE;
        tc__os_release(m, pg, PAGE_SIZE, false);
        tc__mem_uncommit(m, PAGE_SIZE);
        tc__mem_clean_keep(m, pg);
    }
    m->pool_low = m->idle_pages = 0;
    bool running = m->running;
    m->running = false; /* release pending here, not through the ring */
    while (m->pending.n) tc__mem_work(h, SIZE_MAX);
    m->running = running;
}

void tc__mem_stats(const tc_heap *h, tc_stats *s) {
    tc__mem *m = (tc__mem *)&h->mem;
    s->mem_syscalls_mutator = m->syscalls_mutator;
    s->mem_syscalls_thread = atomic_load_explicit(&m->syscalls_thread, memory_order_relaxed);
    s->mem_reserve_misses = m->reserve_misses;
    s->mem_reserve_pages = atomic_load_explicit(&m->reserve_pages, memory_order_relaxed);
    s->mem_released_bytes = atomic_load_explicit(&m->released_bytes, memory_order_relaxed);
    s->mem_thread_cpu_ns = m->thread_cpu_total_ns + atomic_load_explicit(&m->thread_cpu_ns, memory_order_relaxed);
    s->mem_thread_running = m->running;
    s->mem_quarantine_reuses = m->quarantine_reuses;
    s->mem_cleared_mutator = m->cleared_mutator;
    s->mem_cleared_thread = atomic_load_explicit(&m->cleared_thread, memory_order_relaxed);
    s->mem_write_ahead = atomic_load_explicit(&m->ahead_bytes, memory_order_relaxed);
}
