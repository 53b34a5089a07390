/*
 * mutator.h — the thin interface every workload is written against, once.
 *
 * Each workload source (workloads/wl_*.c) is compiled twice: with
 * -DMUT_BACKEND_TRICOLOR against Tricolor's collector and with
 * -DMUT_BACKEND_BOEHM against the Boehm GC. The backend is chosen at
 * compile time: every operation below is a static inline function, with no
 * function pointer on the hot path. MUT_NAME(x) gives each compilation its
 * own symbol (x_tricolor, x_boehm) so both link into one binary.
 *
 * The same code, seed and sizes therefore run on both collectors, and must
 * produce the same checksum (the runner checks it).
 *
 * Operations:
 *   mut_alloc(m, nslots, nraw)   an object of nslots NULL pointers followed
 *                                by nraw zeroed bytes (Boehm: GC_MALLOC,
 *                                or GC_MALLOC_ATOMIC when nslots == 0)
 *   mut_store(m, obj, i, val)    store a pointer into slot i (Tricolor's
 *                                write barrier; a plain store on Boehm)
 *   mut_load(m, obj, i)          read slot i
 *   mut_raw(obj, nslots)         the raw bytes after nslots slots
 *   MUT_PUSH(m, &local) / mut_pop(m, n)
 *                                protect locals across allocations
 *                                (Tricolor's root stack; Boehm scans the
 *                                C stack conservatively, so a no-op)
 *   mut_root_add(m, &global)     a static global root
 *   mut_step(m)                  an explicit collector increment
 *
 * Pause measurement ("timed" runs). A pause means the same for both
 * collectors: time the mutator spends inside an allocation, a barriered
 * store or an explicit step. With m->timed set, each of those calls is
 * timed with the CPU's time-stamp counter (about 10 ns a read here, against
 * 23 ns for CLOCK_MONOTONIC) and logged, in ticks, when it lasts at least
 * m->threshold_ticks; the runner converts ticks to CLOCK_MONOTONIC
 * nanoseconds, calibrated over the run. Timing still costs two reads per
 * operation, more than a 4 ns allocation, so throughput figures come from
 * separate untimed runs (the runner does both and says so).
 *
 * Rules for workload code: keep GC pointers in locals pushed with
 * MUT_PUSH, in static globals registered with mut_root_add, or in GC
 * objects; never in malloc'd memory (neither collector scans it).
 */
#ifndef TRICOLOR_MUTATOR_H
#define TRICOLOR_MUTATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oplog.h"

typedef struct mut {
    void *heap;               /* tc_heap * (Tricolor), unused (Boehm) */
    bool timed;               /* time every operation (pause runs) */
    uint64_t threshold_ticks; /* log operations at least this long (mut_ticks units) */
    oplog *log;               /* where timed pauses go */
    /* Ticks the mutator spent suspended inside operations (the visualizer
     * parks it at allocation safepoints): subtracted from timed operations
     * and from their start times, so pauses are in execution time. */
    uint64_t suspended_ticks;
    /* The collector's own pause records so far, read around each timed
     * operation: Boehm's, the runner's collection event log; Tricolor's,
     * its pause log's length (tc_pause_count_at). NULL: Tricolor's asked
     * for through tc_pause_log, Boehm's not counted. A load either way:
     * through tc_pause_log, two calls around each of mutate's 25 million
     * operations came to 250 million instructions Boehm's runs did not
     * pay, 7% of the timed run. */
    const size_t *own_count;
    uint64_t allocs;      /* objects allocated */
    uint64_t alloc_bytes; /* bytes requested (header excluded) */
} mut;

typedef enum wl_size { WL_SMALL = 0, WL_DEFAULT = 1, WL_LARGE = 2 } wl_size;

/* A cheap, monotonic tick count: the TSC on x86-64 (constant-rate there,
 * as the kernel's tsc clocksource requires), nanoseconds elsewhere. */
#if defined(__x86_64__)
#include <x86intrin.h>
static inline uint64_t mut_ticks(void) { return __rdtsc(); }
#else
static inline uint64_t mut_ticks(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

/* Without a backend (the runner includes it that way) only the types
 * above are declared; workloads get the operations below. */
#if defined(MUT_BACKEND_TRICOLOR) || defined(MUT_BACKEND_BOEHM)

#if defined(MUT_BACKEND_TRICOLOR)
#include "tricolor.h"
#define MUT_NAME(x) x##_tricolor
#else
#include <gc.h>
#define MUT_NAME(x) x##_boehm
#endif

/* How many pause records the collector has logged of its own. */
static inline uint32_t mut__own_count(const mut *m) {
    if (m->own_count) return (uint32_t)*m->own_count;
#if defined(MUT_BACKEND_TRICOLOR)
    size_t n;
    (void)tc_pause_log((const tc_heap *)m->heap, &n);
    return (uint32_t)n;
#else
    return 0;
#endif
}

/* t0 was read when the operation started, s0 = suspended_ticks then, g0 =
 * the collector's own record count then (read before t0, so outside the
 * timed interval, as is the count after). */
static inline void mut__timed(mut *m, uint64_t t0, uint64_t s0, uint32_t g0, unsigned op) {
    uint64_t dur = mut_ticks() - t0 - (m->suspended_ticks - s0);
    if (dur >= m->threshold_ticks) oplog_add(m->log, t0 - s0, dur, op, g0, mut__own_count(m) - g0, m->allocs);
}

__attribute__((noreturn)) static inline void mut__oom(uint32_t nslots, uint32_t nraw) {
    fprintf(stderr, "tricolor: workload out of memory allocating %u slots + %u bytes\n", nslots, nraw);
    exit(3);
}

static inline void *mut__alloc(mut *m, uint32_t nslots, uint32_t nraw) {
#if defined(MUT_BACKEND_TRICOLOR)
    void *p = tc_alloc((tc_heap *)m->heap, nslots, nraw);
#else
    (void)m;
    void *p;
    if (nslots) {
        p = GC_MALLOC((size_t)nslots * sizeof(void *) + nraw); /* zeroed by Boehm */
    } else {
        p = GC_MALLOC_ATOMIC(nraw ? nraw : 1);
        if (p) memset(p, 0, nraw); /* atomic memory is not cleared; Tricolor zeroes */
    }
#endif
    if (__builtin_expect(!p, 0)) mut__oom(nslots, nraw);
    return p;
}

static inline void *mut_alloc(mut *m, uint32_t nslots, uint32_t nraw) {
    m->allocs++;
    m->alloc_bytes += (uint64_t)nslots * sizeof(void *) + nraw;
    if (__builtin_expect(m->timed, 0)) {
        uint32_t g0 = mut__own_count(m);
        uint64_t s0 = m->suspended_ticks, t0 = mut_ticks();
        void *p = mut__alloc(m, nslots, nraw);
        mut__timed(m, t0, s0, g0, OPLOG_ALLOC);
        return p;
    }
    return mut__alloc(m, nslots, nraw);
}

static inline void mut__store(mut *m, void *obj, uint32_t slot, void *val) {
#if defined(MUT_BACKEND_TRICOLOR)
    tc_store((tc_heap *)m->heap, obj, slot, val);
#else
    (void)m;
    ((void **)obj)[slot] = val;
#endif
}

static inline void mut_store(mut *m, void *obj, uint32_t slot, void *val) {
    if (__builtin_expect(m->timed, 0)) {
        uint32_t g0 = mut__own_count(m);
        uint64_t s0 = m->suspended_ticks, t0 = mut_ticks();
        mut__store(m, obj, slot, val);
        mut__timed(m, t0, s0, g0, OPLOG_STORE);
        return;
    }
    mut__store(m, obj, slot, val);
}

static inline void *mut_load(mut *m, void *obj, uint32_t slot) {
    (void)m;
    return ((void **)obj)[slot];
}

static inline void *mut_raw(void *obj, uint32_t nslots) { return (void **)obj + nslots; }

static inline void mut_push(mut *m, void **addr) {
#if defined(MUT_BACKEND_TRICOLOR)
    tc_root_push((tc_heap *)m->heap, addr);
#else
    (void)m, (void)addr;
#endif
}
#define MUT_PUSH(m, addr) mut_push((m), (void **)(addr))

static inline void mut_pop(mut *m, size_t n) {
#if defined(MUT_BACKEND_TRICOLOR)
    tc_root_pop((tc_heap *)m->heap, n);
#else
    (void)m, (void)n;
#endif
}

static inline void mut_root_add(mut *m, void **addr) {
#if defined(MUT_BACKEND_TRICOLOR)
    tc_root_add((tc_heap *)m->heap, addr);
#else
    (void)m, (void)addr; /* static globals are Boehm roots already */
#endif
}

static inline void mut_root_remove(mut *m, void **addr) {
#if defined(MUT_BACKEND_TRICOLOR)
    tc_root_remove((tc_heap *)m->heap, addr);
#else
    (void)m, (void)addr;
#endif
}

static inline void mut_step(mut *m) {
    uint32_t g0 = m->timed ? mut__own_count(m) : 0;
    uint64_t s0 = m->suspended_ticks, t0 = m->timed ? mut_ticks() : 0;
#if defined(MUT_BACKEND_TRICOLOR)
    tc_step((tc_heap *)m->heap);
#else
    GC_collect_a_little();
#endif
    if (m->timed) mut__timed(m, t0, s0, g0, OPLOG_STEP);
}

/* ---------- what a workload is ---------- */

/* A deterministic generator, the same on both backends. */
typedef struct wl_rng {
    uint64_t s;
} wl_rng;
static inline void wl_rng_seed(wl_rng *r, uint64_t seed) {
    r->s = seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
}
static inline uint64_t wl_rng_next(wl_rng *r) {
    uint64_t x = r->s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return r->s = x;
}
static inline uint32_t wl_rng_below(wl_rng *r, uint32_t n) { return (uint32_t)(wl_rng_next(r) % n); }

/* Mixes a value into a checksum (order-sensitive). */
static inline uint64_t wl_mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    return h;
}

/* Every workload is a function
 *     uint64_t MUT_NAME(wl_NAME)(mut *m, int size, uint64_t seed)
 * (size is a wl_size) that runs to completion and returns its checksum. */

#endif /* a backend */

#endif /* TRICOLOR_MUTATOR_H */
