/*
 * mem_os.c — the memory layer's primitives: every mmap, munmap and madvise
 * the collector makes (counted against the thread that makes it, and in
 * slow-OS mode slowed), the `committed` account that heap_limit bounds,
 * and the two single-producer, single-consumer rings the mutator and the
 * memory thread hand memory over with. See mem.c for the story.
 */
#include "mem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ======================================================================
 * Clearing dead large spans
 * ====================================================================== */

/* Zeroes [p, p+len). A dead large span is cleared long before anyone reads
 * it, by the memory thread or by the allocation that reuses it, so a span
 * of ZERO_STREAM_MIN or more is written with non-temporal stores: they go
 * to memory without first reading each line into the cache, and leave the
 * cache to the program. On the VM of docs/design.md §7 ("Clearing what was written through"),
 * clearing 512 MiB of resident memory 2 MiB at a time took 105 us a MiB
 * with memset and 46 us with these stores; fragment, which must have ~5 GB
 * of dead buffers cleared a run, ran in 0.28 s instead of 0.55 s. The
 * fence orders the stores before the span is handed over (a ring push,
 * which is a release store, does not order non-temporal stores). */
void tc__mem_zero(void *p, size_t len) {
#if defined(__SSE2__)
    if (len >= ZERO_STREAM_MIN && ((uintptr_t)p & 63) == 0 && (len & 63) == 0) {
        __m128i z = _mm_setzero_si128();
        for (char *c = p, *end = c + len; c < end; c += 64) {
            _mm_stream_si128((__m128i *)(void *)c, z);
            _mm_stream_si128((__m128i *)(void *)(c + 16), z);
            _mm_stream_si128((__m128i *)(void *)(c + 32), z);
            _mm_stream_si128((__m128i *)(void *)(c + 48), z);
        }
        _mm_sfence();
        return;
    }
#endif
    memset(p, 0, len);
}

/* ======================================================================
 * OS calls, counted and (in slow-OS mode) slowed
 * ====================================================================== */

static void os_delay(const tc__mem *m) {
    if (!m->slow_os_ns) return;
    struct timespec ts = {(time_t)(m->slow_os_ns / 1000000000u), (long)(m->slow_os_ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* Counts one OS call against the thread that makes it. The mutator's
 * counter is its own; the thread's is read by the mutator, so atomic. */
void tc__os_count(tc__mem *m, bool on_thread) {
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
void *tc__os_map_aligned(tc__mem *m, size_t len, size_t align, bool on_thread) {
    size_t over = len + align;
    tc__os_count(m, on_thread);
    char *raw = mmap(NULL, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return NULL;
    uintptr_t start = ((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1);
    size_t head = start - (uintptr_t)raw;
    size_t tail = over - head - len;
    if (head) {
        tc__os_count(m, on_thread);
        munmap(raw, head);
    }
    if (tail) {
        tc__os_count(m, on_thread);
        munmap((char *)start + len, tail);
    }
    return (void *)start;
}

void tc__os_unmap(tc__mem *m, void *p, size_t len, bool on_thread) {
    tc__os_count(m, on_thread);
    munmap(p, len);
}

/* Gives the memory of [p, p+len) back, keeping the range mapped: the next
 * touch faults in a zero page. */
void tc__os_release(tc__mem *m, void *p, size_t len, bool on_thread) {
    tc__os_count(m, on_thread);
    madvise(p, len, MADV_DONTNEED);
}

/* The value of each load is never used: only its fault matters. The
 * memory thread's loads may meet the mutator writing the same page: a
 * mutator that outran the thread writes past what the thread last saw
 * of its cursor (mem.c, tc__mem_range_populate_to; a dead span's
 * write-ahead, mem_large.c), so ThreadSanitizer is told to look away
 * (test_cycle_log_stays_put_and_ahead met it once in CI under TSan). */
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 8)
__attribute__((no_sanitize("thread")))
#endif
void tc__os_read_pages(const void *p, size_t len) {
    for (size_t off = 0; off < len; off += 4096) (void)((volatile const char *)p)[off];
}

/* MADV_POPULATE_WRITE over [p, p+len) one POPULATE_SLICE at a time (see
 * tc__os_populate), each slice read after its call if `read`; returns
 * the bytes done before a call failed (len if none did). */
static size_t populate_slices(tc__mem *m, char *p, size_t len, bool on_thread, bool read) {
    size_t off = 0;
    for (; off < len; off += POPULATE_SLICE) {
        size_t n = len - off < POPULATE_SLICE ? len - off : POPULATE_SLICE;
        tc__os_count(m, on_thread);
        if (madvise(p + off, n, MADV_POPULATE_WRITE) != 0) break;
        if (read) tc__os_read_pages(p + off, n);
    }
    return off < len ? off : len;
}

/* Faults [p, p+len) in now, so that its first use costs no fault.
 *
 * With `read` (the thread, or tc_heap_new filling the first reserve), each
 * 4 KiB page is also read once after
 * the madvise. On
 * a guest whose hypervisor fills its own page tables lazily (shadow
 * paging, as on the VMs in docs/design.md §6), MADV_POPULATE_WRITE only
 * makes the guest's mappings: the first access to each 4 KiB page still
 * traps to the host, 5-9 us a page there, which landed in the mutator's
 * allocations (~7,000 pauses of ~8 us a GCBench run). One read by any
 * thread of the process makes the host's mapping too. The mutator does
 * not read ahead: it would pay all 16 traps of a page in one pause
 * instead of one by one as it fills the page.
 *
 * In slices of POPULATE_SLICE: one madvise holds the address space's lock
 * (for reading) for as long as it faults, and a mapping or unmapping on
 * the mutator's thread waits for it to end, and with it every fault that
 * queues behind that writer. The thread's 4 MiB span for GCBench's array
 * was one call; under perf trace one 256 KiB call took 0.35-0.5 ms here. */
void tc__os_populate(tc__mem *m, void *p, size_t len, bool on_thread, bool read) {
    size_t off = 0;
    if (atomic_load_explicit(&m->populate_ok, memory_order_relaxed) && ((uintptr_t)p & 4095) == 0) {
        off = populate_slices(m, p, len, on_thread, read);
        /* EINVAL: a kernel older than 5.14. Found out when the heap is
         * made (its ranges are populated then), before anyone writes to
         * memory this falls back to touching. */
        if (off < len) atomic_store_explicit(&m->populate_ok, false, memory_order_relaxed);
    }
    for (; off < len; off += 4096) ((volatile char *)p)[off] = 0;
}

/* MADV_POPULATE_WRITE alone, for memory the mutator may be writing (the
 * write-ahead, mem_large.c): never the fallback of touching by writes,
 * which would race with its stores. False if the kernel cannot, or the
 * range is not (or no longer) mapped. */
bool tc__os_populate_only(tc__mem *m, void *p, size_t len) {
    return atomic_load_explicit(&m->populate_ok, memory_order_relaxed) &&
           populate_slices(m, p, len, true, false) == len;
}

/* ======================================================================
 * Accounting
 * ====================================================================== */

/* Adds n bytes to what the collector holds, unless that passes the heap
 * limit. The only way either thread grows `committed`. */
bool tc__mem_commit(tc__mem *m, uint64_t n) {
    uint64_t cur = atomic_load_explicit(&m->committed, memory_order_relaxed);
    size_t limit = atomic_load_explicit(&m->limit, memory_order_relaxed);
    do {
        if (limit && cur + n > limit) return false;
    } while (!atomic_compare_exchange_weak_explicit(&m->committed, &cur, cur + n, memory_order_relaxed,
                                                    memory_order_relaxed));
    return true;
}

void tc__mem_uncommit(tc__mem *m, uint64_t n) {
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
bool tc__ring_push(tc__ring *r, tc__span s) {
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (tail - head == TC__RING_CAP) return false;
    r->slot[tail % TC__RING_CAP] = s;
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
    return true;
}

/* The span the next pop would return, left in the ring (the consumer's
 * call, like pop). */
bool tc__ring_peek(tc__ring *r, tc__span *out) {
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    if (head == atomic_load_explicit(&r->tail, memory_order_acquire)) return false;
    *out = r->slot[head % TC__RING_CAP];
    return true;
}

bool tc__ring_pop(tc__ring *r, tc__span *out) {
    if (!tc__ring_peek(r, out)) return false;
    /* Only the consumer writes head: its own relaxed load is current. */
    atomic_store_explicit(&r->head, atomic_load_explicit(&r->head, memory_order_relaxed) + 1, memory_order_release);
    return true;
}

size_t tc__ring_count(tc__ring *r) {
    return atomic_load_explicit(&r->tail, memory_order_acquire) - atomic_load_explicit(&r->head, memory_order_acquire);
}

/* Cuts the next page from the chunk [*next, *end), mapping a new 2 MiB
 * chunk (recorded in chunks, for teardown) when it is used up. The
 * mutator and the thread each carve their own. */
void *tc__chunk_page(tc__mem *m, char **next, char **end, ptrvec *chunks, bool on_thread) {
    if (*next == *end) {
        char *c = tc__os_map_aligned(m, CHUNK_PAGES * PAGE_SIZE, CHUNK_PAGES * PAGE_SIZE, on_thread);
        if (!c) return NULL;
        if (!ptrvec_push(chunks, c)) {
            tc__os_unmap(m, c, CHUNK_PAGES * PAGE_SIZE, on_thread);
            return NULL;
        }
        *next = c;
        *end = c + CHUNK_PAGES * PAGE_SIZE;
    }
    void *p = *next;
    *next += PAGE_SIZE;
    return p;
}
