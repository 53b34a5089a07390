/*
 * internal.h — the collector's own data structures, shared by the files of
 * gc/ and by nobody else.
 *
 * Where things are:
 *   alloc.c     pages, size classes, large objects, the allocation paths
 *   roots.c     global roots and the root stack
 *   collect.c   the cycle state machine: roots, mark loop, atomic
 *   sweep.c     the sweep phase
 *   barrier.c   the slow paths of the write barriers
 *   marker.c    the concurrent mode: the marker thread, who owns the mark
 *               state, and the barrier buffer
 *   pacer.c     when a cycle starts and how much the mutator pays per byte
 *   pauselog.c  the pause log, the cycle log and the gctrace line
 *   observe.c   object visiting, heap-map cells, the event ring
 *   verify.c    the heap verifier
 *   heap.c      heap lifetime, config, stats, misuse reports
 *   mem.c       the memory layer: pages, giving memory back, the pause
 *               log's range (mem.h lists its other files: mem_os.c, every
 *               OS memory call; mem_thread.c, the memory thread;
 *               mem_large.c, large objects' spans and their quarantine)
 *
 * Memory layout. Small objects live in 64 KiB pages aligned to 64 KiB, so
 * the page of an object is its address with the low 16 bits cleared. A
 * page starts with its tc_page header (PAGE_HEADER bytes), then equal-sized
 * cells. A cell is an 8-byte object header followed by the slots and raw
 * bytes; the object pointer handed to users is the cell address + 8. Large
 * objects (cells over MAX_SMALL bytes) get their own mapping, also aligned
 * to 64 KiB and also starting with a tc_page header, so the same masking
 * finds their metadata.
 *
 * Colours live in the low 3 bits of the header. There are two whites
 * (Lua 5.4's trick): at the end of marking the current white flips, so the
 * sweep can tell dead objects (the old white) from objects allocated after
 * marking ended (the new white), which it must keep.
 */
#ifndef TRICOLOR_INTERNAL_H
#define TRICOLOR_INTERNAL_H

#include "tricolor.h"

#include <pthread.h>
#include <stddef.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#define PAGE_SHIFT  16
#define PAGE_SIZE   ((size_t)1 << PAGE_SHIFT)
#define PAGE_HEADER 128 /* bytes reserved for struct tc_page at a page start */
_Static_assert(PAGE_SIZE == TC_PAGE_BYTES && PAGE_HEADER == TC_PAGE_HEADER, "tricolor.h states the page geometry");
#define MAX_SMALL   4096 /* largest cell (header included) in a size-class page */
#define CELL_ALIGN  16
#define NUM_CLASSES 40
#define HDR_BYTES   8

/* Colours (header bits 0-2). FREE marks a cell on a free list. */
enum {
    C_FREE = 0,
    C_WHITE0 = 1,
    C_WHITE1 = 2,
    C_GREY = 3,
    C_BLACK = 4,
};
#define HDR_LARGE TC__HDR_LARGE

static inline uint64_t *hdr_of(const void *obj) { return (uint64_t *)obj - 1; }
/* Header words are read and written with relaxed atomics wherever the
 * marker thread may be marking (marker.c): a plain load or store on x86. */
static inline uint64_t hdr_load(const void *obj) { return __atomic_load_n(hdr_of(obj), __ATOMIC_RELAXED); }
static inline void hdr_store(void *obj, uint64_t v) { __atomic_store_n(hdr_of(obj), v, __ATOMIC_RELAXED); }
static inline unsigned colour_get(const void *obj) { return (unsigned)(hdr_load(obj) & 7u); }
static inline void colour_set(void *obj, unsigned c) { hdr_store(obj, (hdr_load(obj) & ~(uint64_t)7) | c); }
static inline bool colour_is_white(unsigned c) { return c - 1u < 2u; }
static inline uint64_t hdr_make(uint32_t nslots, uint32_t nraw, unsigned colour, bool large) {
    return (uint64_t)colour | (large ? HDR_LARGE : 0) | ((uint64_t)nslots << 4) | ((uint64_t)nraw << 34);
}

enum { PAGE_SMALL = 1, PAGE_LARGE = 2 };

/* Per-page metadata, at the start of every page and every large mapping.
 * Invariants (checked by tc_verify):
 *  - cells [0, top) have been handed out at least once and carry a valid
 *    header; cells [top, ncells) were never used;
 *  - a page that is not its class's current allocation page has its free
 *    cells on `free`, all coloured C_FREE, and no other cell is FREE.
 *    No count of them is kept: counting meant walking the class's cached
 *    list whenever a current page is retired, and the concurrent sweep
 *    retires every class in the termination handshake (57-80 us on churn
 *    and lru, docs/design.md section 10);
 *  - on_avail iff the page is on its class's list of pages with free cells.
 */
typedef struct tc_page {
    uint8_t kind;       /* PAGE_SMALL or PAGE_LARGE */
    uint8_t cls;        /* size class (small pages) */
    uint8_t on_avail;   /* on the class's avail list */
    uint32_t index;     /* position in heap->pages (small) or heap->large (large) */
    uint32_t cell_size; /* bytes per cell, header included */
    uint32_t ncells;
    uint32_t top; /* cells [0, top) are initialised */
    void *free;   /* free list of object pointers, linked through slot 0 */
    struct tc_page *avail_prev, *avail_next;
    /* Large objects only. */
    size_t map_bytes;   /* length of the mapping */
    size_t scan_cursor; /* slots [0, scan_cursor) scanned this cycle */
    uint64_t *cards;    /* Steele: dirty cards of already-scanned slots */
    size_t ncards;
    struct tc_page *scan_next; /* link in heap->large_scan */
    uint8_t in_scan;           /* on heap->large_scan */
    uint64_t born_cycle;       /* the cycle running when it was allocated (0: none was) */
    /* Concurrent sweep (sweep.c): SWEEP_TO_ADOPT once swept with its
     * results below, 0 else (a page listed and not yet swept is 0 too: it
     * is told by its place in heap->sweep_snap, and its on_avail and avail
     * links are stale until its sweep). */
    uint8_t sweep_pending;
    uint32_t sweep_freed, sweep_live; /* cells freed and kept by its sweep */
    /* Large objects: the written-pages bitmap (tricolor.h,
     * tc__large_written), a bit for each 4 KiB page of the mapping, kept
     * in the mapping after the raw bytes; NULL without slots. Last, so
     * that it is the word before the object's header. */
    uint64_t *written;
} tc_page;

enum { SWEEP_TO_ADOPT = 2 };

/* The bytes a listed page's concurrent sweep found dead (sweep.c): what
 * heap->sweep_dead_bytes counts until its adoption, and what the
 * adoption frees. */
static inline uint64_t page_swept_dead_bytes(const tc_page *p) {
    if (!p->sweep_freed) return 0;
    return p->kind == PAGE_LARGE ? p->map_bytes : (uint64_t)p->sweep_freed * p->cell_size;
}

_Static_assert(sizeof(tc_page) <= PAGE_HEADER, "page header must fit in PAGE_HEADER");
_Static_assert(offsetof(tc_page, written) == PAGE_HEADER - sizeof(uint64_t *),
               "a large object's bitmap pointer must be the word before its header");
_Static_assert(PAGE_HEADER + HDR_BYTES == TC__LARGE_SLOT0 * sizeof(void *), "slot 0's word in a large mapping");

/* The written bitmap's arithmetic (tricolor.h, tc__large_written): a bit
 * for each 4 KiB page of a large object's mapping that holds slots. */
#define LARGE_WPAGE_SHIFT 12
#define LARGE_WPAGE_SLOTS ((size_t)1 << (LARGE_WPAGE_SHIFT - 3))
_Static_assert(TC__LARGE_PAGE0_SLOTS == LARGE_WPAGE_SLOTS - TC__LARGE_SLOT0, "page 0's slots");
/* The page of the mapping that holds slot i. */
static inline size_t large_wpage_of(size_t slot) { return (slot + TC__LARGE_SLOT0) / LARGE_WPAGE_SLOTS; }
/* The pages the bitmap covers, and its length in words. */
static inline size_t large_wpages(uint32_t nslots) { return nslots ? large_wpage_of((size_t)nslots - 1) + 1 : 0; }
static inline size_t large_wwords(uint32_t nslots) { return (large_wpages(nslots) + 63) / 64; }
/* Whether page pg was written: page 0 always (tricolor.h,
 * TC__LARGE_PAGE0_SLOTS). */
static inline bool large_wpage_set(const tc_page *p, size_t pg) {
    return pg == 0 || (__atomic_load_n(&p->written[pg / 64], __ATOMIC_RELAXED) >> (pg % 64) & 1);
}

static inline tc_page *page_of(const void *obj) { return (tc_page *)((uintptr_t)obj & ~(uintptr_t)(PAGE_SIZE - 1)); }
static inline char *page_cells(tc_page *p) { return (char *)p + PAGE_HEADER; }
static inline void *page_obj(tc_page *p, uint32_t i) { return page_cells(p) + (size_t)i * p->cell_size + HDR_BYTES; }
static inline uint32_t page_cell_index(tc_page *p, const void *obj) {
    return (uint32_t)(((const char *)obj - HDR_BYTES - page_cells(p)) / p->cell_size);
}

/* Cells [0, top) of p that have been handed out. The current page of a
 * class keeps its bump pointer in the class, so ask the class. */
static inline uint32_t page_top(const struct tc_heap *h, tc_page *p);

#define LARGE_CARD_SLOTS     512                /* Steele re-greys large objects a card at a time */
#define LARGE_CHUNK          256                /* slots scanned before the budget is checked again */
#define NULL_SLOTS_PER_UNIT  8                  /* null slots of a large object that make one work unit (collect.c) */
#define LARGE_CLEAR_MAX      ((size_t)64 << 10) /* a dead large object is cleared by its sweep up to this (alloc.c) */
#define CLEAR_BYTES_PER_UNIT 64                 /* bytes cleared that make one work unit */
#define DRAIN_CHUNK          64                 /* barrier-buffer entries shaded before the budget is checked again */

/* Allocation state of one size class. The current page's free list and bump
 * range are cached here, not in the page, while it is current. */
typedef struct tc_class {
    void *free;            /* next free object of the current page */
    char *bump, *bump_end; /* never-used cells of the current page */
    tc_page *page;         /* current allocation page, or NULL */
    tc_page *avail;        /* other pages with free cells */
    uint32_t cell_size;
} tc_class;

/* A growable array of pointers, malloc'd: never in the GC heap. */
typedef struct ptrvec {
    void **v;
    size_t n, cap;
} ptrvec;

bool tc__ptrvec_push_slow(ptrvec *pv, void *p);
static inline bool ptrvec_push(ptrvec *pv, void *p) {
    if (__builtin_expect(pv->n < pv->cap, 1)) {
        pv->v[pv->n++] = p;
        return true;
    }
    return tc__ptrvec_push_slow(pv, p);
}
void tc__ptrvec_free(ptrvec *pv);
/* Makes dst a copy of a followed by b: a memcpy each, growing dst first
 * if it must. Returns false (dst unchanged) when it cannot grow. */
bool tc__ptrvec_copy2(ptrvec *dst, const ptrvec *a, const ptrvec *b);
/* Grows pv to hold at least n pointers and writes its new part once, so
 * that its pages are in before anyone needs them. False if it cannot. */
bool tc__ptrvec_reserve_touched(ptrvec *pv, size_t n);

/* --- mem.c: the memory layer --- */

/* A range handed between the mutator and the memory thread, or waiting in
 * the quarantine (cycle: when the large object died). */
typedef struct tc__span {
    void *base;
    size_t len;
    bool large;
    /* Bytes at its end known to read zero (len: all of it); what comes
     * before may be dirty. 0, the default, says nothing is known clean. A
     * quarantined span is cleared from the back (mem_large.c,
     * "Proportional clearing"), so its clean part is always a suffix. */
    size_t clean;
    uint64_t cycle;
    /* Address space only, never touched and never in `committed`: an
     * unused piece of a spare range (mem.c) that the thread unmaps. */
    bool addr_only;
} tc__span;

/* A growable array of spans, held by value. */
typedef struct tc__spanvec {
    tc__span *v;
    size_t n, cap;
} tc__spanvec;

#define TC__RING_CAP 1024 /* spans; a power of two */
typedef struct tc__ring {
    _Atomic size_t head; /* written by the consumer only */
    _Atomic size_t tail; /* written by the producer only */
    tc__span slot[TC__RING_CAP];
} tc__ring;

#define POOL_MIN_PAGES       16
#define POOL_IDLE_CYCLES     64                  /* a pool page is given back after a window this long unused */
#define TC__QUARANTINE_MAX   512                 /* dead large mappings kept for reuse */
#define RELEASE_PIECE        ((size_t)256 << 10) /* bytes given back at once with the thread off */
#define RELEASE_UNITS_PER_4K 64                  /* ~1 us per touched 4 KiB at ~15 ns a unit */

/* Each of the quarantine's two indexes (mem_large.c) has 2^10 slots,
 * twice the entries it may hold. */
#define TC__QINDEX_BITS 10
#define TC__QINDEX_CAP  ((size_t)1 << TC__QINDEX_BITS)

/* A range of address space reserved once, that never moves, and is
 * faulted in ahead of a cursor (mem.c): the pause log's records and the
 * grey stack live in one each, so that growing either never maps memory
 * or takes a fault inside an increment. base, cap and ahead are set
 * before the memory thread starts and never change. */
typedef struct tc__range {
    char *base;   /* NULL if the reservation failed */
    size_t cap;   /* bytes reserved */
    size_t ahead; /* bytes kept faulted in beyond the cursor */
    _Atomic size_t used, populated;
    size_t seen;    /* the thread's: `used` when it last looked */
    double fastest; /* the thread's: bytes/ns, the cursor's recent top speed */
} tc__range;

typedef struct tc__mem {
    /* The mutator's side. */
    ptrvec pool;         /* empty resident pages, reused first */
    ptrvec clean;        /* released pages (mapped, not resident) the mutator may reuse */
    tc__spanvec pending; /* memory to give back in slices (thread off or ring full) */
    uint64_t pending_bytes;
    tc__span quarantine[TC__QUARANTINE_MAX]; /* dead large mappings awaiting reuse */
    size_t quarantine_n;
    /* The quarantine by address (mem_large.c, "The quarantine's index"):
     * open addressing on an entry's first byte and on its end, each slot
     * 0 or an entry's index + 1. */
    uint16_t quarantine_at_base[TC__QINDEX_CAP], quarantine_at_end[TC__QINDEX_CAP];
    uint64_t quarantine_bytes, quarantine_reuses;
    char *chunk, *chunk_end; /* the unused rest of a chunk the mutator mapped itself */
    char *spare, *spare_end; /* the uncarved rest of the spare range the mutator holds */
    uint64_t retain_bytes;   /* the pool is trimmed while heap_bytes exceeds this */
    uint64_t syscalls_mutator, reserve_misses;
    uint64_t syscalls_in_increments; /* of syscalls_mutator, made inside an increment */
    const uint64_t *in_gc;           /* the heap's in_gc: nonzero inside an increment */
    uint64_t thread_cpu_total_ns;    /* of threads already stopped */
    _Atomic size_t limit;            /* heap_limit, 0 = none (read by the thread) */
    uint64_t slow_os_ns;             /* TRICOLOR_SLOW_OS_US */
    _Atomic bool populate_ok;        /* MADV_POPULATE_WRITE works on this kernel (either thread may find out) */
    bool running;                    /* the thread is running */
    bool one_cpu;                    /* the heap was made with one CPU to run on: no thread */
    pthread_t thread;
    /* Shared with the thread. */
    tc__ring ready;                  /* thread -> mutator: pre-faulted pages */
    tc__ring surplus;                /* mutator -> thread: memory to give back */
    tc__ring big;                    /* thread -> mutator: a pre-faulted span for large objects */
    tc__ring spares;                 /* thread -> mutator: mapped, untouched address space */
    tc__ring ahead;                  /* mutator -> thread: pages of large objects to fault in (write-ahead) */
    _Atomic uint64_t ahead_gen;      /* bumped before the mutator unmaps a large span (tc__mem_ahead_fence) */
    _Atomic bool ahead_reading;      /* the thread is faulting in a write-ahead request */
    _Atomic uint64_t ahead_bytes;    /* bytes the thread faulted in for write-ahead requests */
    void (*ahead_hook)(void);        /* tests only, set before the thread starts: runs before a request's read */
    tc__ring dirty;                  /* mutator -> thread: dead large spans to clear */
    tc__ring cleared;                /* thread -> mutator: ... cleared, for the quarantine */
    uint64_t clearing_bytes;         /* (mutator) handed over to clear and not yet taken back */
    uint64_t clear_seen_bytes;       /* (mutator) cleared_thread when last seen to move (clearing_stalled) */
    uint64_t clear_seen_ns;          /* ... and when */
    void (*clear_hook)(void);        /* tests only, set before the thread starts: runs before a span is cleared */
    _Atomic uint64_t cleared_thread; /* bytes the thread cleared */
    uint64_t cleared_mutator;        /* bytes the mutator cleared */
    _Atomic size_t big_want;         /* the largest fresh mapping the mutator had to make itself */
    _Atomic uint64_t committed;      /* see mem.c: what heap_limit bounds */
    _Atomic uint64_t inflight_bytes; /* in the surplus ring */
    _Atomic uint64_t released_bytes;
    _Atomic uint64_t syscalls_thread, thread_cpu_ns;
    _Atomic size_t reserve_pages, reserve_cap, taken;
    _Atomic bool starving, stop;
    _Atomic bool ranges_behind; /* a range's cursor passed what the thread populated */
    _Atomic bool refilling;     /* the thread is filling the ready reserve: the marker's idle slices step aside */
    /* The marker thread's job (tc__marker.job), set by tc__mem_init before
     * any thread starts: while it has one, the thread gives the CPU up
     * between the spans it clears (mem_thread.c). */
    const _Atomic int *marker_job;
    _Atomic uint64_t marker_yields; /* ... times it did */
    /* The pause and cycle logs' records and the grey stack (see tc__mem_range_ensure). */
    tc__range log, grey, cycles;
    /* The thread's side. */
    ptrvec tclean;
    char *tchunk, *tchunk_end;
    uint64_t tstart_ns, release_ns; /* the release pace: see thread_release */
    tc__span held;                  /* a surplus page waiting for the pace */
    bool has_held;
    /* (mutator) The pool's idle pages: pool_low is the fewest pages it
     * held since the current window of POOL_IDLE_CYCLES cycle ends began,
     * idle_pages what it was over the last whole window. The pool is a
     * stack, so that many pages sat in it unused all that time. */
    size_t pool_low, idle_pages;
    uint32_t window_cycles;
    ptrvec chunks, tchunks; /* every 2 MiB chunk mapped, by the mutator / the thread */
    bool teardown;          /* tc_heap_free: unmap, do not release */
} tc__mem;

/* --- mem.c --- */
void tc__mem_init(tc_heap *h);
void tc__mem_on_config(tc_heap *h);
void tc__mem_free(tc_heap *h);
uint64_t tc__mem_committed(const tc__mem *m);
/* Whether the quarantine's index files every entry under its base and
 * its end, and nothing else (the verifier checks it). */
bool tc__mem_quarantine_index_ok(const tc__mem *m);
bool tc__mem_fits(const tc__mem *m, uint64_t n);
void *tc__mem_page_get(tc_heap *h);
bool tc__mem_page_fresh(tc_heap *h);
void tc__mem_page_put(tc_heap *h, void *page);
/* Grows the pool's room, its memory written in, to take back `in_use`
 * pages besides those it holds: called where pages are added, outside any
 * pause (mem.c). */
void tc__mem_pool_keep_up(tc_heap *h, size_t in_use);
size_t tc__mem_pool_pages(const tc_heap *h);
size_t tc__mem_large_len(size_t len);
void *tc__mem_large_get(tc_heap *h, size_t len, size_t clear, size_t *map_len);
bool tc__mem_large_fresh(tc_heap *h, size_t len);
/* A large mapping back to the quarantine; zero: it reads zero throughout.
 * A dirty one goes to the memory thread to clear first, while it runs. */
void tc__mem_large_put(tc_heap *h, void *base, size_t len, bool zero);
/* Bytes a dead large object's sweep cleared (the stats' count). */
void tc__mem_cleared_on_mutator(tc_heap *h, size_t bytes);
void tc__mem_cycle_end(tc_heap *h, uint64_t retain_bytes);
size_t tc__mem_work(tc_heap *h, size_t max_units);
bool tc__mem_has_work(const tc_heap *h);
void tc__mem_shrink_now(tc_heap *h);
void tc__mem_stats(const tc_heap *h, tc_stats *s);
#define TC__LOG_RESERVE   ((size_t)1 << 30) /* address space for the pause log: 26M records */
#define TC__CYCLE_RESERVE ((size_t)1 << 30) /* ... for the cycle log: 5M records */
bool tc__mem_log_ensure(tc_heap *h, size_t bytes);
bool tc__mem_cyclelog_ensure(tc_heap *h, size_t bytes);
/* Makes the first `bytes` of r usable without a fault (populating them
 * itself when the thread has not) and tells the thread where the cursor
 * is. False when r is missing or too small. */
bool tc__mem_range_ensure(tc__mem *m, tc__range *r, size_t bytes, bool on_marker);
#define TC__GREY_RESERVE ((size_t)16 << 30) /* address space for the grey stack: 2G entries */
/* A table the collector writes inside pauses (the barrier buffer), mapped
 * and faulted in now, on the caller's thread; NULL if it cannot be mapped.
 * bytes: a multiple of 4 KiB. */
void *tc__mem_map_faulted(tc_heap *h, size_t bytes);
void tc__mem_unmap_faulted(tc_heap *h, void *p, size_t bytes);
char *tc__mem_log_base(const tc_heap *h);
char *tc__mem_cyclelog_base(const tc_heap *h);

#define SAFEPOINT_BYTES 4096 /* a safepoint at least this often, in bytes allocated */
#define PREFETCH_FIFO   16   /* children in flight between prefetch and colour check */

/* The utilization guard's ring (mmu.c): increment time per slot of the
 * last window. */
#define MMU_SLOTS 32
typedef struct tc__mmu {
    uint64_t slot_ns;           /* the window / MMU_SLOTS */
    uint64_t slot;              /* index (time / slot_ns) of the newest slot */
    uint64_t ns[MMU_SLOTS + 1]; /* increment ns that ended in each slot, a ring */
    uint64_t sum;               /* of ns[]: at least the last window's collector time */
    uint64_t cap_ns;            /* the most the collector may take of a window */
    uint64_t deferred;          /* increments put off, in total */
} tc__mmu;

/* --- marker.c: the concurrent mode --- */

/* Who holds the mark state (grey stack, FIFO, large_scan, the colours of
 * objects being marked, cur.marked_*): nobody, the marker thread, or the
 * mutator (in a handshake, an assist, a flush, or an API call that needs
 * exact colours). Handed over with acquire/release on `owner`. */
enum { OWN_NONE = 0, OWN_MARKER = 1, OWN_MUTATOR = 2 };
/* The marker thread's job: none (the mutator needs not take the state),
 * marking a concurrent cycle, or sweeping its listed pages (sweep.c). */
enum { JOB_NONE = 0, JOB_MARK = 1, JOB_SWEEP = 2 };

/* The unit of false sharing: two 64-byte lines, which the L2's
 * adjacent-line prefetcher fetches as a pair. State that one thread
 * writes at full speed while another writes its own (the marker's grey
 * stack and counters, the mutator's allocation counters and barrier
 * buffer cursor) starts a block of its own (_Alignas(TC__LINE)), so that
 * no layout change elsewhere can put the two on one line. One did: a
 * tc__span 8 bytes longer moved the mutator's bytes_requested, written at
 * every allocation, onto the line of the marker's grey.n, and GCBench in
 * the concurrent mode ran 0.7-0.9 s instead of 0.3-0.45 s, the marker's
 * CPU doubled (docs/design.md §10, "False sharing"). */
#define TC__LINE 128

#define TC__WB_CAP   65536 /* barrier buffer entries; a power of two */
#define TC__PEND_N   8     /* stores between the Dijkstra barrier's prefetch of a target and its colour test */
#define TC__WB_BATCH 256   /* entries the mutator buffers before publishing them */

/* The least memory between the concurrent mode's ceiling and its wait
 * ceiling (pacer.c, compute_wait_ceiling): on a small heap half the
 * headroom is soon allocated (lisp's: 0.7 MiB, 2 ms at its 330 MiB/s),
 * sooner than a marker the machine stopped runs again. */
#define WAIT_SLACK_MIN ((uint64_t)4 << 20)

typedef struct tc__marker {
    /* The barrier buffer: a single-producer (the mutator), single-consumer
     * (whoever owns the mark state) ring of objects to shade. The mutator
     * writes entries at `wtail` and publishes them by storing `tail`, every
     * TC__WB_BATCH entries and at each pacer check; like Go's wbBuf, an
     * entry is only a pointer, shaded by the consumer. */
    void **wb;
    _Atomic size_t tail; /* (mutator) entries published */
    size_t wtail;        /* (mutator) next entry to write */
    size_t whead_seen;   /* (mutator) head last read: room is known without a load */
    /* (mutator) The concurrent Dijkstra barrier's pending colour tests
     * (barrier.c, "Prefetched tests"): the targets of the last TC__PEND_N
     * stores, with the source and slot each was stored into, tested when
     * their entry is reused or at the next publish. NULL: no test. */
    void *pend[TC__PEND_N], *pend_src[TC__PEND_N];
    uint32_t pend_slot[TC__PEND_N], pend_i;
    /* (the holder of the mark state) entries shaded; apart from the
     * mutator's cursors, which it writes at every barrier hit */
    _Alignas(TC__LINE) _Atomic size_t head;
    _Alignas(TC__LINE) _Atomic int owner; /* OWN_* */
    _Atomic bool yield;                   /* the mutator asks the marker to hand the state over */
    _Atomic int job;                      /* JOB_*: what the marker thread may do when it takes the state */
    _Atomic bool idle;                    /* the marker found no work: the mutator should try to terminate */
    _Atomic bool stop;
    int depth;                 /* (mutator) nested holds of the state */
    bool took_owner;           /* (mutator) the outermost hold set owner (a concurrent cycle was marking) */
    bool running;              /* (mutator) the thread exists */
    bool one_cpu;              /* (mutator) only one CPU to run on: no thread */
    _Atomic uint32_t cpu_pct;  /* the marker's share of a core */
    _Atomic bool idle_marking; /* gc_idle: mark through the owed time at idle priority */
    _Atomic bool parked;       /* tc_marker_park: the marker takes nothing */
    unsigned parks;            /* (mutator) nested parks */
    pthread_t thread;
    sem_t sem; /* the marker sleeps on it (marker.c: wake) */
    bool sem_ok;
    /* (the pacer) when the next cycle should start, at the allocation
     * rate of the last one; 0: no forecast (marker.c, tc__marker_idle_wait_ns) */
    _Atomic uint64_t next_start_ns;
    _Atomic uint64_t work, cpu_ns; /* the marker's totals */
    _Atomic uint64_t idle_slices;  /* slices it ran at idle priority */
    _Atomic uint64_t idle_cpu_ns;  /* its CPU in them */
    uint64_t work_seen;            /* (mutator) marker work already credited to the debt */
    uint64_t cycle_work0, cycle_cpu0, cycle_idle_cpu0;
    uint64_t mark_work, sweep_work0; /* (mutator) the marker's marking work this cycle; its total when sweep began */
    uint64_t assists, handshakes, flushes, adopts; /* (mutator) pauses by reason */
} tc__marker;

struct tc_heap {
    struct tc__hot hot; /* must stay first: tc_store reads it through the heap pointer */
    tc_config cfg;
    tc_barrier next_barrier; /* applied at the next cycle start */
    char config_error[160];  /* tc_set_config's message when it depends on the heap */

    /* --- allocation --- */
    tc_class cls[NUM_CLASSES];
    uint8_t class_of[MAX_SMALL / CELL_ALIGN + 1]; /* (cell bytes + 15) / 16 -> class */
    ptrvec pages;                                 /* small pages, in no particular order */
    ptrvec large;                                 /* large objects' pages */
    tc__mem mem;                                  /* every page and mapping comes from here (mem.c) */
    uint64_t cycle_peak_used_bytes;               /* most bytes outside the pool since the last cycle ended */
    unsigned alloc_colour;                        /* colour given to new objects */
    unsigned white;                               /* the current white (C_WHITE0 or C_WHITE1) */

    /* --- accounting --- */
    uint64_t freed_bytes, freed_objects; /* by the sweeper; live = allocated - freed */
    uint64_t heap_bytes;                 /* the mutator's resident bytes: pages in use and pooled, large
                                        * mappings live and quarantined, memory pending release */
    uint64_t max_increment_ns;
    uint64_t peak_heap_bytes, peak_live_bytes;
    uint64_t allocations, bytes_allocated, bytes_requested;
    uint64_t bytes_at_step; /* bytes_allocated at the end of the last increment */

    /* --- roots --- */
    ptrvec roots; /* void ** of global roots */
    /* The root stack of pushed locals is in hot (tricolor.h: tc_root_push
     * is inline); root_stack_view gives it as a ptrvec. */

    /* --- the cycle --- */
    tc_phase phase;
    /* The mark loop's state, written for each object marked by whoever
     * holds the mark state (the marker thread, in the concurrent mode):
     * a block of its own (TC__LINE). */
    _Alignas(TC__LINE) ptrvec grey; /* grey objects (small and large), LIFO */
    void *fifo[PREFETCH_FIFO];      /* children awaiting their colour check */
    unsigned fifo_head, fifo_n;
    tc_page *large_scan; /* large objects being scanned in chunks */
    /* The sum of the small pages' `top`: the cells a sweep would visit,
     * but for the current pages' bump since their adoption. Kept as pages
     * are retired and freed, so that a cycle's start (a handshake, in the
     * concurrent mode) need not read every page header to estimate its
     * sweep: that walk took 18-65 us on churn and lru. */
    _Alignas(TC__LINE) uint64_t cells_used;
    size_t sweep_cursor;       /* pages[0, sweep_cursor) remain to sweep */
    size_t sweep_large_cursor; /* large[0, cursor) remain to sweep */
    /* Concurrent sweep (sweep.c): the pages listed when marking ended,
     * swept up to sweep_next by whoever holds the mark state, adopted by
     * the mutator up to sweep_adopt. */
    ptrvec sweep_snap;
    _Atomic size_t sweep_next;
    size_t sweep_adopt;
    /* Bytes the listed pages' sweep found dead, [sweep_adopt, sweep_next)
     * of the list: freed, but counted in freed_bytes only once adopted.
     * The concurrent pacer counts them freed already (pacer.c). */
    _Atomic uint64_t sweep_dead_bytes;
    bool sweep_conc;
    uint32_t atomic_rounds;
    uint64_t cycle_no;
    /* The running cycle's figures; marking counts each object in it
     * (marked_bytes, marked_objects): a block of its own (TC__LINE). */
    _Alignas(TC__LINE) tc_cycle cur;
    _Alignas(TC__LINE) uint64_t cycle_mark_work, cycle_sweep_work;
    uint64_t cycle_marked_new; /* of cur.marked_bytes, large objects allocated during this cycle */

    /* --- pacing (pacer.c) --- */
    uint64_t trigger_bytes;                 /* start a cycle when live_bytes reaches this */
    uint64_t goal_bytes;                    /* finish the running (or next) cycle before this */
    uint64_t ceiling_bytes;                 /* past this the utilization guard gives way */
    uint64_t wait_ceiling_bytes;            /* concurrent mode: past this an assist waits for the marker's state */
    uint64_t cycle_peak_live;               /* live bytes' peak since the running cycle started */
    uint64_t start_early;                   /* recent cycles' overshoot of their goal (pacer.c) */
    double debt;                            /* work units owed by the mutator (fractional: with a safepoint
                                  * or observer the pacer runs at every small allocation) */
    double units_per_byte;                  /* assist rate of the running cycle */
    uint64_t est_mark_work, est_sweep_work; /* estimated work of this cycle, paced separately */
    uint64_t last_mark_work;                /* previous cycle's mark work */
    uint64_t next_check_bytes;              /* fast path: call the pacer when allocated bytes reach this */
    uint64_t debt_base_bytes;               /* bytes_allocated when debt was last brought up to date */
    uint64_t last_live_bytes;               /* bytes the last cycle found live (marked) */
    uint64_t cycle_alloc0;                  /* bytes_allocated when the running cycle started */
    uint64_t cycle_alloc_marked;            /* ... and when its marking finished */
    uint64_t conc_runway;                   /* concurrent mode: the runway the marker needs (pacer.c) */
    double units_per_us;                    /* measured collector speed, for budgets in µs */
    double mark_units_per_us;               /* the same over marking increments only (0 until measured) */
    /* Auto-pacer (cfg.pause_target_usec): increments are timed to
     * auto_frac of the target; auto_frac shrinks when an increment
     * overruns the target and creeps back up after a clean run. */
    double auto_frac;
    uint32_t auto_clean; /* increments since the last overrun */
    uint64_t in_gc;      /* recursion guard */

    /* --- the utilization guard (mmu.c) --- */
    tc__mmu mmu;

    /* --- measurement (pauselog.c) --- */
    size_t npauses; /* records in the memory layer's log range */
    size_t ncycles; /* records in its cycle-log range */
    /* An increment's GC CPU is its wall time less the naps it took
     * waiting for the marker's slice (pauselog.c says why no CPU clock is
     * read): so gc_cpu_ns <= gc_wall_ns, equal in the incremental mode.
     * napped_ns is that sleep in total (marker.c, take_owner), read at
     * each increment's start. It sits here, on lines only the mutator
     * writes, not in tc__marker beside the counters the marker thread
     * writes in every slice, whose line the read would have to fetch
     * from the other CPU. (Timed in churn's termination handshakes, the
     * two places did not differ beyond the run-to-run spread.) */
    uint64_t gc_wall_ns, gc_cpu_ns, increments, napped_ns, barrier_hits;
    uint64_t origin_ns;                      /* heap creation time, for gctrace */
    uint64_t trace_faults;                   /* gctrace: the thread's page faults at the last line */
    uint64_t cycle_syscalls0, cycle_misses0; /* the memory layer's counters when the cycle started */

    /* --- the concurrent mode (marker.c) --- */
    tc__marker conc;

    /* --- observation (observe.c) --- */
    tc_safepoint_fn safepoint; /* see tc_set_safepoint */
    uint64_t safepoint_at;     /* call it at the first allocation once bytes_allocated reaches this */
    void *safepoint_user;
    tc_event *ev;     /* ring, NULL when nobody observes */
    uint32_t ev_mask; /* kinds recorded: bit (1 << tc_event_kind) */
    size_t ev_cap, ev_head, ev_n;
    uint64_t ev_lost;
    ptrvec root_targets; /* scratch for is_root flags */
};

/* The root stack (in hot, see tricolor.h) as a ptrvec, to read or grow. */
static inline ptrvec root_stack_view(const tc_heap *h) {
    return (ptrvec){h->hot.roots, h->hot.nroots, h->hot.cap_roots};
}

static inline uint32_t page_top(const struct tc_heap *h, tc_page *p) {
    const tc_class *c = &h->cls[p->cls];
    if (p->kind == PAGE_SMALL && c->page == p) return (uint32_t)((c->bump - page_cells(p)) / p->cell_size);
    return p->top;
}

/* Pages (small, then large) sorted by address into out (malloc'd by the
 * caller, pages.n + large.n entries). Used by observe.c and verify.c. */
void tc__pages_by_address(const tc_heap *h, tc_page **out);

/* Bytes and objects in allocated objects. Derived, so that the allocation
 * fast path only bumps two counters. */
static inline uint64_t live_bytes(const tc_heap *h) { return h->bytes_allocated - h->freed_bytes; }
static inline uint64_t live_objects(const tc_heap *h) { return h->allocations - h->freed_objects; }
/* Peak live bytes are sampled where live bytes can peak: at pacer checks
 * and before each increment, so they are exact to within one step. */
static inline void note_peak_live(tc_heap *h) {
    uint64_t l = live_bytes(h);
    if (l > h->peak_live_bytes) h->peak_live_bytes = l;
    if (l > h->cycle_peak_live) h->cycle_peak_live = l;
    uint64_t used = h->heap_bytes - (uint64_t)h->mem.pool.n * PAGE_SIZE;
    if (used > h->cycle_peak_used_bytes) h->cycle_peak_used_bytes = used;
    uint64_t committed = tc__mem_committed(&h->mem);
    if (committed > h->peak_heap_bytes) h->peak_heap_bytes = committed;
}

/* --- heap.c --- */
void tc__misuse(const tc_heap *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t tc__cpu_ns(void);
int tc__cpus_available(void);

/* --- clock.c --- */
uint64_t tc__now_ns(void);          /* CLOCK_MONOTONIC's time, through the TSC once calibrated */
int tc__clock_source(void);         /* 1: the TSC; -1: clock_gettime for good; 0: not settled yet */
void tc__clock_use_monotonic(void); /* clock_gettime for good (tests) */

/* --- alloc.c --- */
void tc__alloc_init(tc_heap *h);
void tc__alloc_release_all(tc_heap *h);
void tc__class_retire(tc_heap *h, tc_class *c);
void tc__page_free_to_pool(tc_heap *h, tc_page *p);
void tc__avail_push(tc_class *c, tc_page *p);
void tc__avail_remove(tc_class *c, tc_page *p);
size_t tc__large_free(tc_heap *h, tc_page *p);
/* At most what tc__large_free would clear of p, in bytes (0: nothing,
 * the span is left dirty for the memory layer). */
size_t tc__large_clear_bound(tc_page *p);
/* The concurrent sweep's two halves of tc__large_free. The first, run by
 * whoever holds the mark state (the marker thread), clears the dead
 * object as tc__large_free would but for its first 4 KiB, which hold the
 * page header; it touches nothing but the object's memory. Returns false
 * when it cleared nothing (past LARGE_CLEAR_MAX: the span goes dirty),
 * and adds the bytes written to *bytes. The second, the mutator's when it
 * adopts the object, does the rest: the first 4 KiB if the first half
 * cleared (`cleared`), the large table, the quarantine. Returns the bytes
 * it cleared. */
bool tc__large_clear_rest(tc_page *p, size_t *bytes);
size_t tc__large_free_swept(tc_heap *h, tc_page *p, bool cleared);
/* At cycle end: what the heap may keep resident until the next one. */
void tc__pool_set_retain(tc_heap *h);

/* --- budgets: how much one increment may do (collect.c, sweep.c) --- */

typedef struct tc__budget {
    size_t limit;      /* work units; SIZE_MAX when timed or unlimited */
    uint64_t deadline; /* CLOCK_MONOTONIC ns, when timed */
    size_t next_clock; /* work count at which to read the clock again */
    bool timed;
    const _Atomic bool *yield; /* the marker's: spent as soon as this is set */
    const _Atomic bool *aside; /* the marker's idle slices: the memory thread's `refilling`, likewise */
    bool adopt_only;           /* TC_REASON_ADOPT: the concurrent sweep's pages are adopted, none swept */
} tc__budget;

#define CLOCK_EVERY 64 /* work units between clock reads in a timed budget */

/* Once spent, a budget stays spent (limit drops to 0): the increment loop
 * and the phase loops inside it ask again after each other, and a timed
 * budget that answered "spent" only at its clock reads let each re-entry
 * do one more page of sweep, so a whole sweep ran in one increment. */
static inline bool tc__budget_spent(tc__budget *b, size_t work) {
    if (work >= b->limit) return true;
    if (b->timed && work >= b->next_clock) {
        b->next_clock = work + CLOCK_EVERY;
        if (tc__now_ns() >= b->deadline || (b->yield && atomic_load_explicit(b->yield, memory_order_relaxed)) ||
            (b->aside && atomic_load_explicit(b->aside, memory_order_relaxed))) {
            b->limit = 0;
            return true;
        }
    }
    return false;
}

/* Work units left, for loops that do their own chunking. */
static inline size_t tc__budget_left(const tc__budget *b, size_t work) {
    if (b->timed) return CLOCK_EVERY;
    return b->limit > work ? b->limit - work : 0;
}

/* --- collect.c --- */
void tc__gc_set_phase(tc_heap *h, tc_phase p);
/* --- sweep.c --- */
size_t tc__sweep(tc_heap *h, tc__budget *b, size_t work);
void tc__sweep_concurrent_begin(tc_heap *h);
size_t tc__sweep_one_listed(tc_heap *h, bool obs);
bool tc__sweep_listed_done(const tc_heap *h);
size_t tc__sweep_to_adopt(const tc_heap *h);

size_t tc__gc_increment(tc_heap *h, tc_pause_reason reason);
void tc__gc_finish_cycle(tc_heap *h);
void tc__gc_shade(tc_heap *h, void *obj);
void tc__gc_regrey(tc_heap *h, void *obj);
void tc__gc_large_dirty(tc_heap *h, tc_page *p, uint32_t slot);
/* Shades without telling an observer (the marker thread must not touch
 * the event ring). */
bool tc__gc_shade_quiet(tc_heap *h, void *obj); /* true if it was white */
/* The marker thread's slice: marks until the budget is spent or no grey
 * is left; returns work units. Only while it holds the mark state. */
size_t tc__gc_mark_slice(tc_heap *h, tc__budget *b, size_t work);
bool tc__gc_marking_done(const tc_heap *h);

/* --- marker.c --- */
bool tc__marker_init(tc_heap *h);
void tc__marker_free(tc_heap *h);
void tc__marker_on_config(tc_heap *h);
void tc__marker_stats(const tc_heap *h, tc_stats *s);
/* The cycle's start handshake is over: the marker may mark. */
void tc__marker_cycle_start(tc_heap *h);
/* An increment of the mutator's left marking unfinished: the marker,
 * which may have reported nothing left, marks again. */
void tc__marker_resume(tc_heap *h);
/* Marking ended (the mutator holds the state): the marker sweeps, or
 * stops. */
void tc__marker_mark_end(tc_heap *h, bool sweep);
void tc__marker_cycle_end(tc_heap *h);
/* The pacer's forecast of the next cycle's start (tc__now_ns time, 0:
 * none), and how long a marker with no job sleeps at `now` given it. */
void tc__marker_expect_start(tc_heap *h, uint64_t at_ns);
uint64_t tc__marker_idle_wait_ns(uint64_t now, uint64_t at_ns);
/* The marker's marking work in this cycle (set when marking ends), its
 * sweeping work since, and its job (JOB_*). */
uint64_t tc__marker_mark_work(const tc_heap *h);
uint64_t tc__marker_sweep_work(const tc_heap *h);
int tc__marker_job(const tc_heap *h);
/* Takes the mark state for the mutator: at once if nobody holds it,
 * else (wait) asking the marker to yield and waiting for it. Returns
 * false only without wait, when the marker holds it. Nested holds count;
 * while the concurrent mode is not marking this always succeeds. Every
 * successful call is paired with tc__marker_release. On success the
 * barrier buffer has been shaded into the grey set. */
bool tc__marker_hold(tc_heap *h, bool wait);
void tc__marker_release(tc_heap *h);
/* The marker's CPU cap (marker.c): a slice from t0 to t1 is charged to
 * the account (if charge) and the account is paid back at pct% of the
 * time since; returns the time the marker now owes off normal priority. */
typedef struct {
    int64_t ns;  /* <= 0: normal-priority time owed */
    uint64_t at; /* paid back up to this time */
} tc__cpu_cap;
uint64_t tc__cpu_cap_slice(tc__cpu_cap *c, uint64_t t0, uint64_t t1, uint32_t pct, bool charge);
/* Marker work done since the last call (credited to the pacer's debt). */
uint64_t tc__marker_credit(tc_heap *h);
/* Publishes the buffered barrier entries and, if the marker found no
 * work, reports it: the mutator should run the termination handshake. */
bool tc__marker_poll(tc_heap *h);
void tc__wb_full(tc_heap *h);
/* Shades everything buffered; the caller holds the state. */
size_t tc__marker_drain_all(tc_heap *h);
/* Shades up to max buffered entries (the caller holds the state and, if
 * it is the mutator, has published its own); returns how many. */
size_t tc__marker_drain(tc_heap *h, size_t max);
bool tc__marker_wb_empty(tc_heap *h);
/* The mutator's buffered entries become visible to the holder. */
void tc__marker_publish(tc_heap *h);
/* --- barrier.c --- */
/* Runs the concurrent Dijkstra barrier's pending colour tests: called by
 * the mutator wherever it publishes its buffer (marker.c), so that the
 * buffer it publishes holds every target the barrier must shade. */
void tc__barrier_pending_run(tc_heap *h);
/* Whether a pending test is left (the verifier's check). */
bool tc__barrier_pending_any(const tc_heap *h);
uint64_t tc__marker_cycle_work(const tc_heap *h);
bool tc__marker_running(const tc_heap *h);
/* The concurrent mode is available (its buffer exists). */
bool tc__marker_can_run(const tc_heap *h);
/* A barrier's object to shade, buffered while a concurrent cycle marks. */
static inline void tc__wb_push(tc_heap *h, void *obj) {
    tc__marker *m = &h->conc;
    if (__builtin_expect(m->wtail - m->whead_seen >= TC__WB_CAP, 0)) tc__wb_full(h);
    m->wb[m->wtail & (TC__WB_CAP - 1)] = obj;
    m->wtail++;
    if ((m->wtail & (TC__WB_BATCH - 1)) == 0) atomic_store_explicit(&m->tail, m->wtail, memory_order_release);
}

/* --- pacer.c --- */
void tc__pacer_init(tc_heap *h);
void tc__pacer_cycle_start(tc_heap *h);
void tc__pacer_cycle_end(tc_heap *h);
void tc__pacer_after_increment(tc_heap *h, size_t work, uint64_t duration_ns, bool marking, bool adopting);
void tc__pacer_on_alloc_check(tc_heap *h);
/* Whether an allocation that faults fresh memory in may leave the check
 * to the next one: the heap below the ceiling and four times the goal. */
bool tc__pacer_may_defer(const tc_heap *h);
void tc__pacer_on_config(tc_heap *h);
/* The goal of the cycle that will start next (or is running). */
uint64_t tc__pacer_next_goal(const tc_heap *h);
/* The increment budget in force, in work units. */
double tc__pacer_step_units(const tc_heap *h);
/* An increment's time budget in ns (µs budgets and the auto-pacer); 0 when
 * it is budgeted in work units. */
uint64_t tc__pacer_step_deadline_ns(const tc_heap *h);
/* The increment's budget as a time: the deadline, or for a budget in work
 * units what it lasts at the collector's measured marking speed. */
uint64_t tc__pacer_budget_ns(const tc_heap *h);

/* --- mmu.c --- */
/* Applies cfg.mmu_pct and cfg.mmu_window_usec, or with a marker thread
 * running cfg.conc_mmu_pct and cfg.conc_mmu_window_usec. */
void tc__mmu_configure(tc_heap *h);
/* Whether the guard in force is on. */
bool tc__mmu_on(const tc_heap *h);
/* Charges an increment that ended at end_ns to the window. */
void tc__mmu_note(tc_heap *h, uint64_t end_ns, uint64_t dur_ns);
/* Whether an increment expected to take cost_ns may start now; counts a
 * refusal as deferred. */
bool tc__mmu_allows(tc_heap *h, uint64_t cost_ns);

/* --- pauselog.c --- */
/* The clock of one increment: tc__increment_begin starts it, and
 * tc__increment_end turns it into the pause record and the totals. */
typedef struct tc__increment_clock {
    uint64_t t0;
    uint64_t napped0; /* the heap's napped_ns at t0 */
} tc__increment_clock;
void tc__increment_begin(tc_heap *h, tc__increment_clock *c);
uint64_t tc__increment_end(tc_heap *h, const tc__increment_clock *c, size_t work, tc_phase start_phase,
                           tc_pause_reason reason, bool ended);
void tc__pauselog_append(tc_heap *h, const tc_pause *p);
void tc__cyclelog_append(tc_heap *h, const tc_cycle *c);

/* --- observe.c --- */
void tc__observe_record_slow(tc_heap *h, tc_event_kind kind, void *obj, uint32_t arg);
/* The observation hook on the collector's hot paths. -DTC_NO_OBSERVE
 * compiles it out; make bench builds both ways to show it costs nothing
 * measurable while no observer is attached. */
static inline void observe(tc_heap *h, tc_event_kind kind, void *obj, uint32_t arg) {
#ifdef TC_NO_OBSERVE
    (void)h, (void)kind, (void)obj, (void)arg;
#else
    if (__builtin_expect(h->ev != NULL, 0) && (h->ev_mask >> kind & 1)) tc__observe_record_slow(h, kind, obj, arg);
#endif
}
void tc__observe_free(tc_heap *h);
void tc__observe_barrier_slow(tc_heap *h, void *obj, uint32_t barrier, void *source, uint32_t slot, void *target);
/* A barrier hit, with the store behind it (tc_event's source, slot, target). */
static inline void tc__observe_barrier(tc_heap *h, void *obj, uint32_t barrier, void *source, uint32_t slot,
                                       void *target) {
#ifdef TC_NO_OBSERVE
    (void)h, (void)obj, (void)barrier, (void)source, (void)slot, (void)target;
#else
    if (__builtin_expect(h->ev != NULL, 0) && (h->ev_mask >> TC_EV_BARRIER & 1))
        tc__observe_barrier_slow(h, obj, barrier, source, slot, target);
#endif
}

/* For loops over many objects: test once whether anyone observes (a
 * register test per event instead of a load through the heap). */
static inline bool observing(const tc_heap *h) {
#ifdef TC_NO_OBSERVE
    (void)h;
    return false;
#else
    return h->ev != NULL;
#endif
}
/* The same for loops that record only some kinds (a mask of 1 << kind). */
static inline bool observing_any(const tc_heap *h, uint32_t kinds) { return observing(h) && (h->ev_mask & kinds); }
#define OBSERVE_IF(obs, h, kind, obj)                                                                                  \
    do {                                                                                                               \
        if (__builtin_expect((obs), 0)) tc__observe_record_slow(h, kind, obj, 0);                                      \
    } while (0)

/* --- verify.c --- */
void tc__verify_or_die(tc_heap *h, const char *when);

static inline size_t obj_cell_bytes(uint32_t nslots, uint32_t nraw) {
    return HDR_BYTES + (size_t)nslots * sizeof(void *) + (((size_t)nraw + 7) & ~(size_t)7);
}

#endif /* TRICOLOR_INTERNAL_H */
