/*
 * mem.h — what the four files of the memory layer share, and nobody else:
 * mem_os.c makes the OS calls and keeps the accounts, mem_thread.c is the
 * background memory thread, mem_large.c the large objects' spans and their
 * quarantine, mem.c the rest (pages, giving memory back, the pause log's
 * range) and the layer's story. The layer's API for the other files of
 * gc/ is in internal.h (tc__mem_*).
 */
#ifndef TRICOLOR_MEM_H
#define TRICOLOR_MEM_H

#include "internal.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels answer EINVAL */
#endif

#define CHUNK_PAGES             32                  /* a mapping of fresh pages: 2 MiB */
#define READY_MIN_PAGES         16                  /* the reserve never aims lower (1 MiB) */
#define READY_HORIZON_NS        8000000             /* the reserve covers this much of the recent take rate */
#define POPULATE_BATCH          4                   /* pages populated per madvise call */
#define POPULATE_SLICE          ((size_t)256 << 10) /* bytes populated per madvise call at most */
#define WAKE_MIN_NS             250000              /* the thread's shortest sleep (see next_interval) */
#define WAKE_MAX_NS             8000000             /* ... and its longest */
#define EVICT_MAX               32                  /* quarantine entries evicted for space per cycle end */
#define QUARANTINE_CYCLES       32      /* a dead large mapping waits at most this many cycles for reuse (mem.c) */
#define RELEASE_SLICE_PAGES     4       /* thread off: pages released per increment at most */
#define RELEASE_CPU_PCT         1       /* the thread spends at most this share of its time giving memory back */
#define RELEASE_CREDIT_NS       2000000 /* ... plus this much at its start */
#define RELEASE_BACKLOG_BYTES   ((uint64_t)16 << 20) /* ... unless this much waits to be given back */
#define LOG_AHEAD               ((size_t)256 << 10)  /* pause-log bytes kept faulted in ahead of the cursor */
#define CYCLE_AHEAD             ((size_t)64 << 10)   /* cycle-log bytes kept faulted in ahead (~300 records) */
#define GREY_AHEAD              ((size_t)1 << 20)    /* grey-stack bytes kept faulted in ahead (128K entries) */
#define BIG_READY_MAX           2 /* cleared large spans the thread keeps ready, recycled ones included */
#define POPULATE_ON_MUTATOR_MAX ((size_t)256 << 10) /* fresh large mappings the mutator faults in at once */
#define SPARE_BYTES             ((size_t)32 << 20)  /* a spare range of address space (mem.c) */
#define SPARES_READY            2                   /* spare ranges the thread keeps mapped ahead */
#define WRITE_AHEAD_PAGES       64                  /* 4 KiB pages faulted in ahead of a run of writes (mem_large.c) */
#define WRITE_AHEAD_STEP        16                  /* ... asked for again every this many pages the run goes on */
#define CLEAR_BACKLOG_BYTES     ((uint64_t)32 << 20) /* dead large spans that may wait for the thread to clear, at least */
#define CLEAR_BACKLOG_DIV       3                    /* ... and at most this fraction of the heap goal (mem_large.c) */
#define CLEAR_STALL_NS          20000000 /* spans waited this long and none was cleared: the thread is not running */
/* Dirty quarantined bytes a large allocation clears, at most: as much as
 * it may clear of a dirty fit it takes (mem_large.c, clear_slice). */
#define CLEAR_SLICE POPULATE_ON_MUTATOR_MAX

/* --- mem_os.c: every OS call, counted against the thread that makes it --- */
#define ZERO_STREAM_MIN ((size_t)64 << 10) /* tc__mem_zero: from this length, non-temporal stores */
/* Zeroes [p, p+len), bypassing the cache for a large span (mem_os.c). */
void tc__mem_zero(void *p, size_t len);
void tc__os_count(tc__mem *m, bool on_thread);
void *tc__os_map_aligned(tc__mem *m, size_t len, size_t align, bool on_thread);
void tc__os_unmap(tc__mem *m, void *p, size_t len, bool on_thread);
void tc__os_release(tc__mem *m, void *p, size_t len, bool on_thread);
void tc__os_populate(tc__mem *m, void *p, size_t len, bool on_thread, bool read);
bool tc__os_populate_only(tc__mem *m, void *p, size_t len);
/* Reads one byte of each 4 KiB page of [p, p+len): see tc__os_populate. */
void tc__os_read_pages(const void *p, size_t len);
/* Adds n bytes to `committed` unless that passes the heap limit. */
bool tc__mem_commit(tc__mem *m, uint64_t n);
/* Takes n bytes off `committed`: memory given back to the OS. */
void tc__mem_uncommit(tc__mem *m, uint64_t n);
void *tc__chunk_page(tc__mem *m, char **next, char **end, ptrvec *chunks, bool on_thread);
bool tc__ring_push(tc__ring *r, tc__span s);
bool tc__ring_pop(tc__ring *r, tc__span *out);
bool tc__ring_peek(tc__ring *r, tc__span *out);
size_t tc__ring_count(tc__ring *r);

/* --- mem_thread.c --- */
void tc__mem_thread_start(tc__mem *m);
/* Stops the thread and takes back everything it held. */
void tc__mem_thread_stop(tc_heap *h);

/* --- mem_large.c --- */
void tc__mem_quarantine_add(tc_heap *h, void *base, size_t len, bool zero);
/* The index of the quarantine's oldest entry (it must not be empty). */
size_t tc__mem_quarantine_oldest(const tc__mem *m);
/* Takes entry i out of the quarantine and hands it to tc__mem_surplus. */
void tc__mem_quarantine_drop(tc_heap *h, size_t i);
/* Forgets every entry (their mappings are the caller's to give back). */
void tc__mem_quarantine_empty(tc__mem *m);
/* Spans the thread cleared, into the quarantine (the mutator's side). */
void tc__mem_cleared_take(tc_heap *h);
/* Before the mutator unmaps a large span while the thread runs: no
 * write-ahead request from before is read after this returns. */
void tc__mem_ahead_fence(tc__mem *m);
/* The thread's side of write-ahead: faults in what was asked for. */
bool tc__mem_ahead_serve(tc__mem *m);
/* Waits, boundedly, for the spans the thread is clearing, and takes them:
 * before the heap limit fails an allocation, and when the thread stops. */
void tc__mem_cleared_wait(tc_heap *h);

/* --- mem.c --- */
void tc__mem_range_populate_to(tc__mem *m, tc__range *r, size_t upto, bool on_thread);
double tc__mem_ranges_keep_ahead(tc__mem *m, uint64_t dt_ns);
/* Ready pages and the ready large span back to the mutator's pool and
 * quarantine (the thread stopping, or the heap shrinking at once). */
void tc__mem_take_back_ready(tc_heap *h);
/* A released page the mutator keeps mapped for later. */
void tc__mem_clean_keep(tc__mem *m, void *page);
/* Hands memory that is no longer the heap's to whoever gives it back. */
void tc__mem_surplus(tc_heap *h, tc__span s);
/* len bytes (rounded up to 64 KiB) of mapped, untouched address space,
 * 64 KiB-aligned, from the spare ranges; NULL if none is at hand. */
void *tc__mem_spare_carve(tc__mem *m, size_t len);
/* Gives untouched address space back (no accounting): through the
 * thread while it runs, else at once. */
void tc__mem_spare_drop(tc__mem *m, void *p, size_t len);
/* Unmaps the spare ranges, those in the ring and the rest of the one the
 * mutator holds: the thread stopping (the mutator cuts none without it),
 * or the heap freed after a start whose thread failed to run. */
void tc__mem_spares_unmap(tc__mem *m);

#endif
