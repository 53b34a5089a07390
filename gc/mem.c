/*
 * mem.c — the collector's only door to the operating system's memory:
 * every mmap, munmap and madvise of libtricolor is made here, and counted.
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
 *    ones are unmapped by the thread.
 *  - The mutator talks to the thread through two single-producer,
 *    single-consumer rings of spans (ready: thread -> mutator; surplus:
 *    mutator -> thread). Neither side ever waits for the other: a full or
 *    empty ring just means "do it another way" (see tc__mem_page_get).
 *  - The thread sleeps most of the time: it wakes every 0.5-8 ms, the
 *    shorter the faster pages are being taken.
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
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels answer EINVAL */
#endif

#define CHUNK_PAGES 32           /* a mapping of fresh pages: 2 MiB */
#define READY_MIN_PAGES 16       /* the reserve never aims lower (1 MiB) */
#define READY_HORIZON_NS 8000000 /* the reserve covers this much of the recent take rate */
#define POPULATE_BATCH 4         /* pages populated per madvise call */
#define WAKE_MIN_NS 250000       /* thread interval while pages are being taken */
#define WAKE_MAX_NS 2000000      /* ... and while nothing happens */
#define EVICT_MAX 32             /* quarantine entries evicted for space per cycle end */
#define QUARANTINE_CYCLES 8      /* a dead large mapping waits at most this many cycles for reuse */
#define RELEASE_SLICE_PAGES 4    /* thread off: pages released per increment at most */
#define RELEASE_CPU_PCT 1        /* the thread spends at most this share of its time giving memory back */
#define RELEASE_CREDIT_NS 2000000
#define LOG_AHEAD ((size_t)256 << 10) /* pause-log bytes kept faulted in ahead of the cursor */

static void quarantine_add(tc_heap *h, void *base, size_t len, bool zero);

/* ======================================================================
 * OS calls, counted and (in slow-OS mode) slowed
 * ====================================================================== */

static void os_delay(const tc__mem *m) {
    if (!m->slow_os_ns) return;
    struct timespec ts = {(time_t)(m->slow_os_ns / 1000000000u), (long)(m->slow_os_ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Counts one OS call against the thread that makes it. The mutator's
 * counter is its own; the thread's is read by the mutator, so atomic. */
static void os_count(tc__mem *m, bool on_thread) {
    if (on_thread) {
        atomic_fetch_add_explicit(&m->syscalls_thread, 1, memory_order_relaxed);
    } else {
        m->syscalls_mutator++;
        if (m->in_gc && *m->in_gc) m->syscalls_in_increments++;
    }
    os_delay(m);
}

/* Maps len bytes aligned to align (a power of two >= PAGE_SIZE; len a
 * multiple of 4 KiB). Costs up to three calls: the mapping and the two
 * trims that align it. */
static void *os_map_aligned(tc__mem *m, size_t len, size_t align, bool on_thread) {
    size_t over = len + align;
    os_count(m, on_thread);
    char *raw = mmap(NULL, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return NULL;
    uintptr_t start = ((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1);
    size_t head = start - (uintptr_t)raw;
    size_t tail = over - head - len;
    if (head) {
        os_count(m, on_thread);
        munmap(raw, head);
    }
    if (tail) {
        os_count(m, on_thread);
        munmap((char *)start + len, tail);
    }
    return (void *)start;
}

static void os_unmap(tc__mem *m, void *p, size_t len, bool on_thread) {
    os_count(m, on_thread);
    munmap(p, len);
}

/* Gives the memory of [p, p+len) back, keeping the range mapped: the next
 * touch faults in a zero page. */
static void os_release(tc__mem *m, void *p, size_t len, bool on_thread) {
    os_count(m, on_thread);
    madvise(p, len, MADV_DONTNEED);
}

/* Faults [p, p+len) in now, so that its first use costs no fault. */
static void os_populate(tc__mem *m, void *p, size_t len, bool on_thread) {
    if (m->populate_ok && ((uintptr_t)p & 4095) == 0) {
        os_count(m, on_thread);
        if (madvise(p, len, MADV_POPULATE_WRITE) == 0) return;
        m->populate_ok = false; /* EINVAL: a kernel older than 5.14 */
    }
    for (size_t off = 0; off < len; off += 4096) ((volatile char *)p)[off] = 0;
}

/* ======================================================================
 * Accounting
 * ====================================================================== */

/* Adds n bytes to what the collector holds, unless that passes the heap
 * limit. The only way either thread grows `committed`. */
static bool mem_commit(tc__mem *m, uint64_t n) {
    uint64_t cur = atomic_load_explicit(&m->committed, memory_order_relaxed);
    size_t limit = atomic_load_explicit(&m->limit, memory_order_relaxed);
    do {
        if (limit && cur + n > limit) return false;
    } while (!atomic_compare_exchange_weak_explicit(&m->committed, &cur, cur + n, memory_order_relaxed,
                                                    memory_order_relaxed));
    return true;
}

static void mem_uncommit(tc__mem *m, uint64_t n) {
    atomic_fetch_sub_explicit(&m->committed, n, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->released_bytes, n, memory_order_relaxed);
}

uint64_t tc__mem_committed(const tc__mem *m) {
    return atomic_load_explicit(&((tc__mem *)m)->committed, memory_order_relaxed);
}

bool tc__mem_fits(const tc__mem *m, uint64_t n) {
    size_t limit = atomic_load_explicit(&((tc__mem *)m)->limit, memory_order_relaxed);
    return limit == 0 || tc__mem_committed(m) + n <= limit;
}

/* ======================================================================
 * The rings: single producer, single consumer, never blocking
 * ====================================================================== */

/* Invariant: 0 <= tail - head <= cap. Only the producer writes tail and
 * only the consumer writes head; the release store of one and the acquire
 * load of the other order the span's contents. */
static bool ring_push(tc__ring *r, tc__span s) {
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (tail - head == TC__RING_CAP) return false;
    r->slot[tail % TC__RING_CAP] = s;
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
    return true;
}

static bool ring_pop(tc__ring *r, tc__span *out) {
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head == tail) return false;
    *out = r->slot[head % TC__RING_CAP];
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return true;
}

static size_t ring_count(tc__ring *r) {
    return atomic_load_explicit(&r->tail, memory_order_acquire) - atomic_load_explicit(&r->head, memory_order_acquire);
}

/* ======================================================================
 * The pause log's storage
 * ====================================================================== */

/* The pause log is appended to inside every increment, so its memory must
 * not fault there either. It lives in one reserved range that never moves
 * (so tc_pause_log can hand out a plain array), and pages ahead of the
 * write cursor are faulted in beforehand: by the thread when it runs, else
 * by the mutator, LOG_AHEAD bytes at a time, one call per several thousand
 * records. Returns false when the range is full. */
static void log_populate_to(tc__mem *m, size_t upto, bool on_thread) {
    size_t done = atomic_load_explicit(&m->log_populated, memory_order_acquire);
    upto = (upto + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); /* madvise wants whole pages: keep `done` aligned */
    if (upto > m->log_cap) upto = m->log_cap;
    if (upto <= done) return;
    os_populate(m, m->log_base + done, upto - done, on_thread);
    atomic_store_explicit(&m->log_populated, upto, memory_order_release);
}

/* Reserves the range when the heap is made, before the thread starts:
 * log_base and log_cap never change afterwards, so the thread reads them
 * without synchronisation. */
static void log_reserve(tc__mem *m) {
    os_count(m, false);
    void *p = mmap(NULL, TC__LOG_RESERVE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return; /* no log: records are dropped */
    m->log_base = p;
    m->log_cap = TC__LOG_RESERVE;
    log_populate_to(m, LOG_AHEAD, false);
}

bool tc__mem_log_ensure(tc_heap *h, size_t bytes) {
    tc__mem *m = &h->mem;
    if (!m->log_base || bytes > m->log_cap) return false;
    atomic_store_explicit(&m->log_used, bytes, memory_order_relaxed);
    size_t ready = atomic_load_explicit(&m->log_populated, memory_order_acquire);
    /* The thread keeps LOG_AHEAD ready; without it (or if it fell behind
     * by a whole stretch) the mutator does it, once per LOG_AHEAD. */
    if (bytes + LOG_AHEAD / 2 > ready && (!m->running || bytes > ready)) log_populate_to(m, bytes + LOG_AHEAD, false);
    return true;
}

char *tc__mem_log_base(const tc_heap *h) { return h->mem.log_base; }

/* ======================================================================
 * The background thread
 * ====================================================================== */

/* A fresh page for the reserve: a released one (mapped, not resident) if
 * the thread has one, else one carved from a chunk it maps. */
static void *thread_fresh_page(tc__mem *m) {
    if (m->tclean.n) return m->tclean.v[--m->tclean.n];
    if (m->tchunk == m->tchunk_end) {
        char *c = os_map_aligned(m, CHUNK_PAGES * PAGE_SIZE, CHUNK_PAGES * PAGE_SIZE, true);
        if (!c) return NULL;
        if (!ptrvec_push(&m->tchunks, c)) {
            os_unmap(m, c, CHUNK_PAGES * PAGE_SIZE, true);
            return NULL;
        }
        m->tchunk = c;
        m->tchunk_end = c + CHUNK_PAGES * PAGE_SIZE;
    }
    void *p = m->tchunk;
    m->tchunk += PAGE_SIZE;
    return p;
}

/* Brings the ready reserve up to `want` pages, populating them in small
 * batches (one madvise for up to POPULATE_BATCH pages that happen to be
 * adjacent). Stops at the heap limit. */
static void thread_refill(tc__mem *m, size_t want) {
    while (ring_count(&m->ready) < want) {
        void *batch[POPULATE_BATCH];
        size_t n = 0;
        while (n < POPULATE_BATCH && ring_count(&m->ready) + n < want) {
            if (!mem_commit(m, PAGE_SIZE)) break;
            void *p = thread_fresh_page(m);
            if (!p) {
                atomic_fetch_sub_explicit(&m->committed, PAGE_SIZE, memory_order_relaxed);
                break;
            }
            batch[n++] = p;
        }
        if (n == 0) return;
        /* Populate runs of adjacent pages with one call each. */
        for (size_t i = 0; i < n;) {
            size_t j = i + 1;
            while (j < n && (char *)batch[j] == (char *)batch[j - 1] + PAGE_SIZE) j++;
            os_populate(m, batch[i], (j - i) * PAGE_SIZE, true);
            i = j;
        }
        for (size_t i = 0; i < n; i++) {
            atomic_fetch_add_explicit(&m->reserve_pages, 1, memory_order_relaxed);
            if (!ring_push(&m->ready, (tc__span){batch[i], PAGE_SIZE, false, true, 0})) {
                /* Cannot happen (count < want <= cap), but never leak. */
                atomic_fetch_sub_explicit(&m->reserve_pages, 1, memory_order_relaxed);
                ptrvec_push(&m->tclean, batch[i]);
                atomic_fetch_sub_explicit(&m->committed, PAGE_SIZE, memory_order_relaxed);
            }
        }
    }
}

/* Keeps one span of the largest size the mutator had to map itself
 * ready and faulted in, so that the next such request is met without an
 * OS call (GCBench's 4 MB array, fragment's MiB arrays). */
static void thread_refill_big(tc__mem *m) {
    size_t want = atomic_load_explicit(&m->big_want, memory_order_relaxed);
    if (!want || ring_count(&m->big) > 0) return;
    if (!mem_commit(m, want)) return;
    void *p = os_map_aligned(m, want, PAGE_SIZE, true);
    if (!p) {
        atomic_fetch_sub_explicit(&m->committed, want, memory_order_relaxed);
        return;
    }
    os_populate(m, p, want, true);
    ring_push(&m->big, (tc__span){p, want, true, true, 0});
}

/* Gives back what the mutator handed over: pages are released and kept
 * for the reserve, large mappings are unmapped. */
static size_t thread_release(tc__mem *m, uint64_t now) {
    tc__span s;
    size_t n = 0;
    /* Giving memory back is paced to RELEASE_CPU_SHARE of the thread's
     * lifetime (plus a little credit): on some machines a 64 KiB madvise
     * costs 400 us and interrupts the mutator's core with TLB shootdowns,
     * so release is slow and steady, like Go's background scavenger. */
    uint64_t allowance = (now - m->tstart_ns) / 100 * RELEASE_CPU_PCT + RELEASE_CREDIT_NS;
    for (;;) {
        /* A page popped while over the pace waits in `held` (a consumer
         * cannot put it back into the ring). Large mappings are unmapped
         * at once: the quarantine already kept them as long as useful. */
        if (m->has_held)
            s = m->held;
        else if (!ring_pop(&m->surplus, &s))
            break;
        m->has_held = false;
        if (!s.large && m->release_ns >= allowance) {
            m->held = s;
            m->has_held = true;
            break;
        }
        uint64_t t0 = tc__now_ns();
        if (s.len == PAGE_SIZE && !s.large) {
            os_release(m, s.base, PAGE_SIZE, true);
            if (!ptrvec_push(&m->tclean, s.base)) os_unmap(m, s.base, PAGE_SIZE, true);
        } else {
            os_unmap(m, s.base, s.len, true);
        }
        atomic_fetch_sub_explicit(&m->inflight_bytes, s.len, memory_order_relaxed);
        mem_uncommit(m, s.len);
        m->release_ns += tc__now_ns() - t0;
        n++;
    }
    return n;
}

/* A released page the mutator keeps mapped for later (its own list: the
 * thread's, tclean, is the thread's alone while it runs). */
static void clean_keep(tc__mem *m, void *page) {
    if (!ptrvec_push(&m->clean, page)) os_unmap(m, page, PAGE_SIZE, false);
}

static void *mem_thread_main(void *arg) {
    tc__mem *m = arg;
    uint64_t interval = WAKE_MIN_NS;
    double rate = 0; /* pages taken per ns, smoothed */
    size_t taken_before = 0;
    uint64_t t_before = tc__now_ns();
    m->tstart_ns = t_before;
    m->release_ns = 0;
    while (!atomic_load_explicit(&m->stop, memory_order_acquire)) {
        struct timespec ts = {0, (long)interval};
        nanosleep(&ts, NULL);
        uint64_t now = tc__now_ns();
        size_t taken = atomic_load_explicit(&m->taken, memory_order_relaxed);
        size_t delta = taken - taken_before;
        bool starving = atomic_exchange_explicit(&m->starving, false, memory_order_relaxed);
        double inst = now > t_before ? (double)delta / (double)(now - t_before) : 0;
        rate = rate * 0.5 + inst * 0.5;
        taken_before = taken;
        t_before = now;
        size_t released = thread_release(m, now);
        size_t cap = atomic_load_explicit(&m->reserve_cap, memory_order_relaxed);
        size_t want = (size_t)(rate * READY_HORIZON_NS) + (READY_MIN_PAGES < cap ? READY_MIN_PAGES : cap);
        if (starving) want += READY_MIN_PAGES * 4;
        if (want > cap) want = cap;
        thread_refill(m, want);
        thread_refill_big(m);
        if (m->log_base) {
            size_t used = atomic_load_explicit(&m->log_used, memory_order_relaxed);
            if (used + LOG_AHEAD / 2 > atomic_load_explicit(&m->log_populated, memory_order_acquire))
                log_populate_to(m, used + LOG_AHEAD, true);
        }
        /* Wake often while pages are being taken or given back, rarely
         * when the heap is steady: idle, the thread costs a few us every
         * WAKE_MAX_NS. */
        if (delta || released || starving)
            interval = WAKE_MIN_NS;
        else if (interval < WAKE_MAX_NS)
            interval *= 2;
        atomic_store_explicit(&m->thread_cpu_ns, tc__cpu_ns(), memory_order_relaxed);
    }
    return NULL;
}

static void thread_start(tc__mem *m) {
    if (m->running) return;
    atomic_store_explicit(&m->stop, false, memory_order_relaxed);
    m->running = pthread_create(&m->thread, NULL, mem_thread_main, m) == 0;
}

/* Stops the thread and takes back everything it held, so the mutator can
 * go on alone: ready pages join the pool, surplus is released here. */
static void thread_stop(tc_heap *h) {
    tc__mem *m = &h->mem;
    if (!m->running) return;
    atomic_store_explicit(&m->stop, true, memory_order_release);
    pthread_join(m->thread, NULL);
    m->running = false;
    m->thread_cpu_total_ns += atomic_load_explicit(&m->thread_cpu_ns, memory_order_relaxed);
    atomic_store_explicit(&m->thread_cpu_ns, 0, memory_order_relaxed);
    tc__span s;
    if (m->has_held) { /* a page the thread was holding back: back to the pool */
        m->has_held = false;
        atomic_fetch_sub_explicit(&m->inflight_bytes, m->held.len, memory_order_relaxed);
        if (ptrvec_push(&m->pool, m->held.base)) {
            h->heap_bytes += PAGE_SIZE;
        } else {
            os_release(m, m->held.base, PAGE_SIZE, false);
            mem_uncommit(m, PAGE_SIZE);
            clean_keep(m, m->held.base);
        }
    }
    while (ring_pop(&m->big, &s)) {
        h->heap_bytes += s.len;
        quarantine_add(h, s.base, s.len, true);
    }
    while (ring_pop(&m->ready, &s)) {
        atomic_fetch_sub_explicit(&m->reserve_pages, 1, memory_order_relaxed);
        if (!ptrvec_push(&m->pool, s.base)) {
            os_unmap(m, s.base, PAGE_SIZE, false);
            mem_uncommit(m, PAGE_SIZE);
            continue;
        }
        h->heap_bytes += PAGE_SIZE;
    }
    while (ring_pop(&m->surplus, &s)) {
        atomic_fetch_sub_explicit(&m->inflight_bytes, s.len, memory_order_relaxed);
        if (m->teardown) {
            if (s.large) os_unmap(m, s.base, s.len, false); /* pages go with their chunks */
        } else if (s.large) {
            os_unmap(m, s.base, s.len, false);
        } else {
            os_release(m, s.base, s.len, false);
            clean_keep(m, s.base);
        }
        mem_uncommit(m, s.len);
    }
    /* The thread's released pages and the rest of its chunk are the
     * mutator's now. */
    while (m->tclean.n) clean_keep(m, m->tclean.v[--m->tclean.n]);
    while (m->tchunk != m->tchunk_end) {
        clean_keep(m, m->tchunk);
        m->tchunk += PAGE_SIZE;
    }
    for (size_t i = 0; i < m->tchunks.n; i++) ptrvec_push(&m->chunks, m->tchunks.v[i]);
    m->tchunks.n = 0;
}

/* ======================================================================
 * Lifetime and configuration
 * ====================================================================== */

void tc__mem_init(tc_heap *h) {
    tc__mem *m = &h->mem;
    m->populate_ok = true;
    m->in_gc = &h->in_gc;
    atomic_store_explicit(&m->limit, h->cfg.heap_limit, memory_order_relaxed);
    atomic_store_explicit(&m->reserve_cap, (size_t)READY_MIN_PAGES, memory_order_relaxed);
    const char *slow = getenv("TRICOLOR_SLOW_OS_US");
    if (slow && *slow) {
        char *end;
        unsigned long us = strtoul(slow, &end, 10);
        if (*end == '\0' && us <= 1000000) m->slow_os_ns = (uint64_t)us * 1000u;
    }
    log_reserve(m);
    if (h->cfg.mem_thread) thread_start(m);
}

void tc__mem_on_config(tc_heap *h) {
    atomic_store_explicit(&h->mem.limit, h->cfg.heap_limit, memory_order_relaxed);
    if (h->cfg.mem_thread)
        thread_start(&h->mem);
    else
        thread_stop(h);
}

/* Unmaps everything: the heap is going away. Small pages, wherever they
 * are (in use, pooled, ready, released), go with the chunks they were cut
 * from, one call a chunk; large mappings one call each. The allocator
 * has handed its large objects to the quarantine first. */
void tc__mem_free(tc_heap *h) {
    tc__mem *m = &h->mem;
    m->teardown = true;
    thread_stop(h);
    for (size_t i = 0; i < m->quarantine_n; i++) os_unmap(m, m->quarantine[i].base, m->quarantine[i].len, false);
    m->quarantine_n = 0;
    for (size_t i = 0; i < m->pending.n; i++) {
        tc__span *s = m->pending.v[i];
        if (s->large) os_unmap(m, s->base, s->len, false);
        free(s);
    }
    if (m->log_base) os_unmap(m, m->log_base, m->log_cap, false);
    for (size_t i = 0; i < m->chunks.n; i++) os_unmap(m, m->chunks.v[i], CHUNK_PAGES * PAGE_SIZE, false);
    for (size_t i = 0; i < m->tchunks.n; i++) os_unmap(m, m->tchunks.v[i], CHUNK_PAGES * PAGE_SIZE, false);
    tc__ptrvec_free(&m->pool);
    tc__ptrvec_free(&m->clean);
    tc__ptrvec_free(&m->tclean);
    tc__ptrvec_free(&m->pending);
    tc__ptrvec_free(&m->chunks);
    tc__ptrvec_free(&m->tchunks);
}

/* ======================================================================
 * Pages
 * ====================================================================== */

/* The mutator's fallback: carve a page from a chunk it maps itself. Only
 * when the thread is off, or its reserve ran dry (counted as a miss). */
static void *mutator_fresh_page(tc__mem *m) {
    if (m->chunk == m->chunk_end) {
        char *c = os_map_aligned(m, CHUNK_PAGES * PAGE_SIZE, CHUNK_PAGES * PAGE_SIZE, false);
        if (!c) return NULL;
        if (!ptrvec_push(&m->chunks, c)) {
            os_unmap(m, c, CHUNK_PAGES * PAGE_SIZE, false);
            return NULL;
        }
        m->chunk = c;
        m->chunk_end = c + CHUNK_PAGES * PAGE_SIZE;
    }
    void *p = m->chunk;
    m->chunk += PAGE_SIZE;
    return p;
}

void *tc__mem_page_get(tc_heap *h) {
    tc__mem *m = &h->mem;
    void *p;
    if (m->pool.n) {
        p = m->pool.v[--m->pool.n];
        return p; /* already counted in heap_bytes */
    }
    tc__span s;
    if (m->running && ring_pop(&m->ready, &s)) {
        atomic_fetch_sub_explicit(&m->reserve_pages, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&m->taken, 1, memory_order_relaxed);
        h->heap_bytes += PAGE_SIZE;
        return s.base;
    }
    if (m->running) {
        m->reserve_misses++;
        atomic_store_explicit(&m->starving, true, memory_order_relaxed);
    }
    if (!mem_commit(m, PAGE_SIZE)) return NULL;
    p = m->clean.n ? m->clean.v[--m->clean.n] : mutator_fresh_page(m);
    if (!p) {
        atomic_fetch_sub_explicit(&m->committed, PAGE_SIZE, memory_order_relaxed);
        return NULL;
    }
    /* One call instead of 16 faults as the page fills (7 us against
     * ~140 us on the machine measured in docs/design.md). */
    os_populate(m, p, PAGE_SIZE, false);
    h->heap_bytes += PAGE_SIZE;
    return p;
}

void tc__mem_page_put(tc_heap *h, void *page) {
    tc__mem *m = &h->mem;
    if (ptrvec_push(&m->pool, page)) return;
    /* No memory to remember it: give it back now. */
    os_release(m, page, PAGE_SIZE, false);
    h->heap_bytes -= PAGE_SIZE;
    mem_uncommit(m, PAGE_SIZE);
}

size_t tc__mem_pool_pages(const tc_heap *h) { return h->mem.pool.n; }

/* ======================================================================
 * Large objects
 * ====================================================================== */

/* A mapping of at least len bytes (a multiple of 4 KiB) for a large
 * object, cleared over its first `clear` bytes. A quarantined dead mapping
 * is reused when one fits without wasting more than a quarter of it; its
 * whole length stays the object's mapping (*map_len). */
/* Large mappings come in whole 4 KiB pages up to 64 KiB, and in whole
 * 64 KiB pages above (so that any of them can be split at a 64 KiB
 * boundary, where a large object's page header must sit, and its pieces
 * merged again: see the quarantine). */
size_t tc__mem_large_len(size_t len) {
    if (len <= PAGE_SIZE) return (len + 4095) & ~(size_t)4095;
    return (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/* Takes a quarantined span for a large object of len bytes: best fit; an
 * entry much larger than the request is split at a 64 KiB boundary (the
 * object's page header must sit on one), the rest staying in the
 * quarantine; one at most an eighth larger that cannot be split is taken
 * whole. */
static bool quarantine_take(tc__mem *m, size_t len, tc__span *out) {
    size_t split_len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < m->quarantine_n; i++) {
        size_t ql = m->quarantine[i].len;
        bool fits = ql >= len && (ql - len <= ql / 8 || ql >= split_len + PAGE_SIZE);
        if (fits && (best == SIZE_MAX || ql < m->quarantine[best].len)) best = i;
    }
    if (best == SIZE_MAX) return false;
    tc__span *q = &m->quarantine[best];
    tc__span s = *q;
    if (s.len >= split_len + PAGE_SIZE) {
        s.len = split_len;
        q->base = (char *)q->base + split_len;
        q->len -= split_len;
    } else {
        *q = m->quarantine[--m->quarantine_n];
    }
    m->quarantine_bytes -= s.len;
    *out = s;
    return true;
}

void *tc__mem_large_get(tc_heap *h, size_t len, size_t clear, size_t *map_len) {
    tc__mem *m = &h->mem;
    tc__span s, big;
    bool found = quarantine_take(m, len, &s);
    if (!found && m->running && ring_pop(&m->big, &big)) {
        /* The thread's ready span joins the quarantine (it is the heap's
         * now), and serves this request if it is large enough. */
        h->heap_bytes += big.len;
        quarantine_add(h, big.base, big.len, true);
        found = quarantine_take(m, len, &s);
    }
    if (found) {
        m->quarantine_reuses++;
        if (!s.zero) memset(s.base, 0, clear);
        *map_len = s.len;
        return s.base; /* still counted in heap_bytes */
    }
    /* Nothing ready: map it here, and ask the thread to keep a span this
     * large ready from now on. */
    if (m->running && len > atomic_load_explicit(&m->big_want, memory_order_relaxed))
        atomic_store_explicit(&m->big_want, len, memory_order_relaxed);
    if (!mem_commit(m, len)) return NULL;
    void *p = os_map_aligned(m, len, PAGE_SIZE, false);
    if (!p) {
        atomic_fetch_sub_explicit(&m->committed, len, memory_order_relaxed);
        return NULL;
    }
    /* One call instead of a fault per 4 KiB as the object is first written. */
    os_populate(m, p, len, false);
    h->heap_bytes += len;
    *map_len = len;
    return p;
}

/* Hands a mapping that is no longer the heap's to whoever releases it:
 * the thread, or the budgeted slices of tc__mem_work. */
static void mem_surplus(tc_heap *h, tc__span s) {
    tc__mem *m = &h->mem;
    if (m->running) {
        atomic_fetch_add_explicit(&m->inflight_bytes, s.len, memory_order_relaxed);
        if (ring_push(&m->surplus, s)) {
            h->heap_bytes -= s.len; /* the thread's now */
            return;
        }
        atomic_fetch_sub_explicit(&m->inflight_bytes, s.len, memory_order_relaxed);
    }
    tc__span *copy = malloc(sizeof *copy);
    if (copy && ptrvec_push(&m->pending, copy)) {
        *copy = s; /* still the mutator's, and in heap_bytes, until released */
        m->pending_bytes += s.len;
        return;
    }
    free(copy);
    h->heap_bytes -= s.len;
    if (s.large)
        os_unmap(m, s.base, s.len, false);
    else
        os_release(m, s.base, s.len, false);
    mem_uncommit(m, s.len);
}

/* A dead large object's mapping waits in the quarantine for reuse,
 * merged with any quarantined neighbour (adjacent mappings, or pieces of
 * one that was split), so that pieces grow back into large spans. When
 * the quarantine is full, its oldest entry is given back. */
static void quarantine_add(tc_heap *h, void *base, size_t len, bool zero) {
    tc__mem *m = &h->mem;
    m->quarantine_bytes += len;
    tc__span s = {base, len, true, zero, h->cycle_no};
    for (size_t i = 0; i < m->quarantine_n;) {
        tc__span *q = &m->quarantine[i];
        if ((char *)q->base + q->len == (char *)s.base || (char *)s.base + s.len == (char *)q->base) {
            if (q->base < s.base) s.base = q->base;
            s.len += q->len;
            s.zero = s.zero && q->zero;
            *q = m->quarantine[--m->quarantine_n]; /* look at the one moved here too */
            continue;
        }
        i++;
    }
    if (m->quarantine_n == TC__QUARANTINE_MAX) {
        size_t oldest = 0;
        for (size_t i = 1; i < m->quarantine_n; i++)
            if (m->quarantine[i].cycle < m->quarantine[oldest].cycle) oldest = i;
        tc__span old = m->quarantine[oldest];
        m->quarantine[oldest] = m->quarantine[--m->quarantine_n];
        m->quarantine_bytes -= old.len;
        mem_surplus(h, old);
    }
    m->quarantine[m->quarantine_n++] = s;
}

void tc__mem_large_put(tc_heap *h, void *base, size_t len) { quarantine_add(h, base, len, false); }

/* ======================================================================
 * Trimming: at cycle end, and a slice per increment when the thread is off
 * ====================================================================== */

/* Called when a cycle ends, with the bytes the heap may keep resident (the
 * next goal and a margin). Surplus pool pages and expired quarantine go to
 * the releaser; the reserve is capped to what the next cycle can use. */
void tc__mem_cycle_end(tc_heap *h, uint64_t retain_bytes) {
    tc__mem *m = &h->mem;
    m->retain_bytes = retain_bytes;
    /* The quarantine is the large objects' free store: it may fill what
     * the heap is allowed to hold until the next cycle (retain_bytes),
     * since the next period's large allocations will take from it. Beyond
     * that, and for anything nobody reused in QUARANTINE_CYCLES cycles,
     * the oldest entries go first. */
    /* This runs inside the cycle's last increment: one pass for the
     * expired entries, then at most EVICT_MAX oldest-first scans (the
     * rest waits for the next cycle end). */
    for (size_t i = 0; i < m->quarantine_n;) {
        tc__span q = m->quarantine[i];
        if (h->cycle_no - q.cycle < QUARANTINE_CYCLES) {
            i++;
            continue;
        }
        m->quarantine[i] = m->quarantine[--m->quarantine_n];
        m->quarantine_bytes -= q.len;
        mem_surplus(h, q);
    }
    for (int k = 0; k < EVICT_MAX && h->heap_bytes > retain_bytes && m->quarantine_n; k++) {
        size_t oldest = 0;
        for (size_t i = 1; i < m->quarantine_n; i++)
            if (m->quarantine[i].cycle < m->quarantine[oldest].cycle) oldest = i;
        tc__span q = m->quarantine[oldest];
        m->quarantine[oldest] = m->quarantine[--m->quarantine_n];
        m->quarantine_bytes -= q.len;
        mem_surplus(h, q);
    }
    /* Pool pages are surplus when the heap holds more than it will need;
     * only those surplus at two cycle ends in a row are given back (as
     * whippet ages empty blocks), so a heap that shrinks for one cycle
     * and grows back does not release and refault its pages. */
    size_t surplus = 0;
    if (h->heap_bytes > m->retain_bytes) surplus = (size_t)((h->heap_bytes - m->retain_bytes) / PAGE_SIZE);
    if (surplus > m->pool.n - (m->pool.n < POOL_MIN_PAGES ? m->pool.n : POOL_MIN_PAGES))
        surplus = m->pool.n - (m->pool.n < POOL_MIN_PAGES ? m->pool.n : POOL_MIN_PAGES);
    size_t give = surplus < m->last_surplus ? surplus : m->last_surplus;
    m->last_surplus = surplus - give;
    while (give--) {
        void *pg = m->pool.v[--m->pool.n];
        mem_surplus(h, (tc__span){pg, PAGE_SIZE, false, false, 0});
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
        tc__span *s = m->pending.v[m->pending.n - 1];
        if (m->running) {
            atomic_fetch_add_explicit(&m->inflight_bytes, s->len, memory_order_relaxed);
            if (!ring_push(&m->surplus, *s)) {
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
                os_unmap(m, at, piece, false);
            else
                os_release(m, at, piece, false);
            mem_uncommit(m, piece);
            h->heap_bytes -= piece;
            units += piece / 4096 * RELEASE_UNITS_PER_4K;
            pages++;
            m->pending_bytes -= piece;
            s->len -= piece;
            if (s->len) continue;
            if (!s->large) clean_keep(m, s->base);
        }
        m->pending.n--;
        if (m->running) m->pending_bytes -= s->len;
        free(s);
    }
    return units;
}

bool tc__mem_has_work(const tc_heap *h) { return h->mem.pending.n != 0; }

/* Gives back everything that can be given back at once: pooled pages,
 * quarantine, pending. For the heap limit, when a collection was not
 * enough: the caller is about to fail an allocation otherwise. */
void tc__mem_shrink_now(tc_heap *h) {
    tc__mem *m = &h->mem;
    for (size_t i = 0; i < m->quarantine_n; i++) {
        tc__span s = m->quarantine[i];
        h->heap_bytes -= s.len;
        os_unmap(m, s.base, s.len, false);
        mem_uncommit(m, s.len);
    }
    m->quarantine_n = 0;
    m->quarantine_bytes = 0;
    while (m->pool.n) {
        void *pg = m->pool.v[--m->pool.n];
        h->heap_bytes -= PAGE_SIZE;
        os_release(m, pg, PAGE_SIZE, false);
        mem_uncommit(m, PAGE_SIZE);
        clean_keep(m, pg);
    }
    bool running = m->running;
    m->running = false; /* release pending here, not through the ring */
    tc__mem_work(h, SIZE_MAX);
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
    s->mem_quarantine_reuses = m->quarantine_reuses;
}
