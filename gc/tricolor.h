/*
 * tricolor.h — the public API of Tricolor's garbage collector.
 *
 * An incremental, precise, non-moving tricolor mark-and-sweep collector for
 * C programs. The heap is a library object (tc_heap); nothing is global.
 * Everything the workloads and the visualizer need is declared here; the
 * collector's own structures live in gc/internal.h.
 *
 * Object model. An object has N pointer slots followed by M raw bytes, both
 * fixed when it is allocated. Slots start NULL and raw bytes start zeroed.
 * A pointer returned by tc_alloc points at slot 0; raw bytes follow the last
 * slot and are 8-byte aligned. Only pointers to the start of an object (as
 * returned by tc_alloc) may be stored in slots or roots: interior pointers
 * are not supported. Every object carries one 8-byte header; there is no
 * other per-object overhead (size-class rounding aside, see tc_stats).
 *
 * Roots are explicit: addresses of C variables registered as global roots
 * (tc_root_add), and a root stack that a C function pushes the addresses of
 * its locals onto (tc_root_push / tc_root_pop). The C stack is never scanned.
 *
 * Stores. Every store of a pointer into a heap object must go through
 * tc_store (the write barrier); reading is a plain load (tc_load). Stores
 * into roots need no barrier. Raw bytes are written directly.
 *
 * Threads: a heap belongs to one thread at a time; the collector runs on the
 * mutator's thread, in increments paid for by allocation (see tc_config).
 */
#ifndef TRICOLOR_H
#define TRICOLOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tc_heap tc_heap;

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

/* Which write barrier keeps the tricolor invariant while the mutator runs
 * between increments. Switchable at any time; takes effect at the next
 * cycle start. TC_BARRIER_STW turns incremental collection off: each cycle
 * runs to completion in one pause. The concurrent mode (tc_config.concurrent)
 * runs with Dijkstra, Yuasa and the hybrid barrier only (see barrier.c). */
typedef enum tc_barrier {
    TC_BARRIER_DIJKSTRA = 0, /* insertion: shade the new target when the source is black */
    TC_BARRIER_STEELE = 1,   /* insertion: re-grey a black source that gets a white target */
    TC_BARRIER_YUASA = 2,    /* deletion / snapshot-at-the-beginning: shade the old target */
    TC_BARRIER_STW = 3,      /* stop-the-world: no barrier, no increments */
    TC_BARRIER_HYBRID = 4,   /* Go's: shade the old target and the new one (Yuasa + Dijkstra) */
    TC_BARRIER_COUNT
} tc_barrier;

/* How the size of one increment is measured. */
typedef enum tc_budget_unit {
    TC_BUDGET_WORK = 0, /* work units: slots scanned + objects blackened + cells swept */
    TC_BUDGET_USEC = 1, /* wall-clock microseconds (checked every 64 units) */
} tc_budget_unit;

typedef void (*tc_oom_fn)(tc_heap *heap, size_t request_bytes, void *user);
typedef void (*tc_misuse_fn)(const char *message, void *user);

/* The valid range of each knob, shared by tc_config_check and every
 * front end that parses them (the command line, record scripts). */
#define TC_STEP_WORK_MIN         1u
#define TC_STEP_WORK_MAX         100000000u
#define TC_STEP_USEC_MIN         1u
#define TC_STEP_USEC_MAX         10000000u
#define TC_TRIGGER_PCT_MIN       10u
#define TC_TRIGGER_PCT_MAX       1000u
#define TC_RUNWAY_PCT_MIN        5u
#define TC_RUNWAY_PCT_MAX        100u
#define TC_PAUSE_TARGET_USEC_MIN 10u /* 0 is also valid: off */
#define TC_PAUSE_TARGET_USEC_MAX 1000000u
#define TC_HEAP_LIMIT_MIN        ((size_t)1 << 20) /* 0 is also valid: unlimited */
#define TC_MMU_PCT_MIN           10u               /* 0 is also valid: off */
#define TC_MMU_PCT_MAX           95u
#define TC_MMU_WINDOW_USEC_MIN   100u
#define TC_MMU_WINDOW_USEC_MAX   10000000u
#define TC_GC_CPU_PCT_MIN        1u
#define TC_GC_CPU_PCT_MAX        100u

/* All knobs in one struct. Fill it with tc_config_default() and change what
 * you need; tc_set_config() validates and applies it at runtime. */
typedef struct tc_config {
    tc_barrier barrier;         /* default TC_BARRIER_DIJKSTRA */
    tc_budget_unit budget_unit; /* default TC_BUDGET_WORK */
    uint32_t step_work;         /* work units per increment with TC_BUDGET_WORK; default 1000 (1..10^8) */
    uint32_t step_usec;         /* µs per increment with TC_BUDGET_USEC; default 25 (1..10^7) */
    /* The heap goal, like Go's GOGC: the heap may grow to this percentage
     * over the bytes the last cycle found live before a cycle must have
     * finished, so the peak heap is about live x (1 + trigger_pct/100).
     * Default 100. Range 10..1000. */
    uint32_t trigger_pct;
    /* When a cycle starts: the share of the headroom (goal - live) over
     * which it runs. The pacer makes the mutator pay for a whole cycle
     * (mark + sweep) within it. Larger = sparser increments, cycles that
     * start earlier and so run more often; smaller = denser increments.
     * Default 50. Range 5..100. */
    uint32_t runway_pct;
    /* Automatic pacing to a pause target: when nonzero, the collector sets
     * its own increment budget online (step_work / step_usec are then only
     * the starting point) so that increments stay at or under this many
     * microseconds, splitting work into more, shorter increments when a
     * cycle must go faster to finish before its goal. 0 = off (default).
     * Range 0, or 10..1000000 µs. */
    uint32_t pause_target_usec;
    /* The utilization guard, a minimum mutator utilization the pacer
     * defends: the collector's increments take at most (100 - mmu_pct)%
     * of any window of mmu_window_usec. An increment that would take more
     * waits, its work still owed, until the window has room; the guard
     * gives way only when the heap passes its goal by half the headroom,
     * or at heap_limit. So the heap may overshoot the goal when the
     * collector cannot keep up inside its share: memory for latency.
     * mmu_pct: default 60, range 0 (off) or 10..95. mmu_window_usec:
     * default 10000 (10 ms), range 100..10000000. */
    uint32_t mmu_pct;
    uint32_t mmu_window_usec;
    /* The utilization guard of the concurrent mode, the same rule over a
     * window of its own, in force while a marker thread runs (concurrent,
     * and more than one CPU). Beside the marker the mutator pays only the
     * handshakes and the assists the marker leaves it, so this guard is
     * tighter by default: 90% of any 1 ms, the minimum utilization the
     * mode aims at (and so 90% of any 10 ms too). It gives way at the
     * wait ceiling rather than half the headroom past the goal: past that
     * first ceiling assists pay two budgets a check but still keep to the
     * guard, so the heap may grow to live x (1 + 2 x trigger_pct/100)
     * before pauses come first (docs/design.md section 10).
     * conc_mmu_pct: default 90, range 0 (off) or 10..95.
     * conc_mmu_window_usec: default 1000 (1 ms), range 100..10000000. */
    uint32_t conc_mmu_pct;
    uint32_t conc_mmu_window_usec;
    /* The goal is never below min_heap (default 4 MiB, Go's heap minimum)
     * nor above 90% of heap_limit, which wins where the two disagree. */
    size_t min_heap;
    size_t heap_limit; /* bytes of mapped heap; 0 = unlimited (default) */
    /* Called when an allocation fails even after a full collection, just
     * before tc_alloc returns NULL. The heap is intact and usable. */
    tc_oom_fn on_oom;
    void *oom_user;
    /* Called on API misuse (NULL heap, slot out of range in debug builds,
     * oversized object, root stack underflow) with a message that names the
     * mistake. Default: print to stderr and abort(). If it returns, the
     * offending call does nothing (and returns NULL where it returns). */
    tc_misuse_fn on_misuse;
    void *misuse_user;
    /* A background memory thread keeps pre-faulted pages ready and gives
     * surplus memory back, so that no memory system call or first-touch
     * page fault lands in an allocation or an increment (gc/mem.c). Off:
     * the same work runs on the mutator's thread, in budgeted slices
     * inside increments, for single-threaded embedders and deterministic
     * recordings. With one CPU to run on (the affinity of the thread that
     * calls tc_heap_new) the thread does not start and the mutator does
     * its work, as with the switch off: a helper on the mutator's only CPU
     * can only run by preempting it, inside its pauses. Default true. */
    bool mem_thread;
    /* Concurrent mode (like Go's collector): a marker thread marks while
     * the mutator runs. The mutator stops only for short handshakes (the
     * cycle's start, its termination), for assists when it allocates
     * faster than the marker marks, and to flush its barrier buffer when
     * the marker falls behind. Barriers: Dijkstra, Yuasa or hybrid.
     * Takes effect at the next cycle start. With one CPU to run on, the
     * marker does not start and marking is paid by assists: the
     * incremental mode. Default false (incremental). */
    bool concurrent;
    /* The marker thread's share of one core, like Go's 25% background
     * utilization: it marks in slices and sleeps between them so that
     * its CPU stays under this percentage of the time. Default 25, range
     * 1..100. */
    uint32_t gc_cpu_pct;
    /* Idle marking, like Go's idle mark workers: beyond its gc_cpu_pct
     * the marker goes on marking at the lowest priority (Linux
     * SCHED_IDLE), which the kernel runs only on a CPU with nothing else
     * to run. So on an idle second core the marker takes it, and the
     * mutator pays fewer assists; the GC CPU figures count it. Default
     * true. */
    bool gc_idle;
    bool verify_each_step; /* run tc_verify after every increment, abort on failure */
    bool gctrace;          /* print one line per cycle to stderr (like GODEBUG=gctrace=1);
                              also enabled by the environment variable TRICOLOR_GCTRACE=1 */
} tc_config;

void tc_config_default(tc_config *config);

/* Checks a config; returns NULL when valid, else a static message naming
 * the bad field and its valid range. */
const char *tc_config_check(const tc_config *config);

/* ------------------------------------------------------------------ */
/* Heap lifetime                                                       */
/* ------------------------------------------------------------------ */

/* Creates a heap (config may be NULL for defaults). Returns NULL if the
 * config is invalid (the misuse handler is told why) or memory is short. */
tc_heap *tc_heap_new(const tc_config *config);
/* Frees every object and all collector memory. */
void tc_heap_free(tc_heap *heap);

void tc_get_config(const tc_heap *heap, tc_config *out);
/* Applies a new config at runtime. Returns NULL on success or the message
 * of tc_config_check (the heap keeps its old config). A heap_limit below
 * what the heap holds runs a full collection first and is refused if the
 * heap still holds more (the message says how much; valid until the next
 * call). The barrier changes
 * at the next cycle start; budgets and pacing apply from the next step. */
const char *tc_set_config(tc_heap *heap, const tc_config *config);

/* ------------------------------------------------------------------ */
/* Allocation and access                                               */
/* ------------------------------------------------------------------ */

#define TC_MAX_SLOTS ((1u << 30) - 1)
#define TC_MAX_RAW   ((1u << 30) - 1)

/* Allocates an object with nslots NULL pointer slots and nraw zeroed bytes.
 * May run an increment of collection first (the mutator pays for what it
 * allocates). Returns NULL only when the heap limit cannot be met even after
 * a full collection; on_oom is called first. */
void *tc_alloc(tc_heap *heap, uint32_t nslots, uint32_t nraw);

/* Header layout, shared with the inline barrier below (see gc/internal.h
 * for the full story): bits 0-2 colour, bit 3 large-object flag,
 * bits 4-33 slot count, bits 34-63 raw byte count. */
/* Headers are read with relaxed atomic loads (a plain load on every
 * machine Tricolor runs on): in concurrent mode the marker thread writes
 * colour bits while the mutator reads the same word. */
#define TC__HDR(obj)      __atomic_load_n(&((const uint64_t *)(obj))[-1], __ATOMIC_RELAXED)
#define TC__COLOUR(obj)   ((unsigned)(TC__HDR(obj) & 7u))
#define TC__IS_WHITE(obj) ((unsigned)(TC__COLOUR(obj) - 1u) < 2u) /* colours 1, 2 */
#define TC__BLACK         4u
#define TC__HDR_LARGE     ((uint64_t)1 << 3)

/* A large object keeps a bitmap of the 4 KiB pages of its mapping that a
 * non-null store has reached (gc/collect.c, "Written pages"); the word
 * before its header points at it. Slot i lies in page (i + TC__LARGE_SLOT0)
 * / 512 of the mapping: slot 0 is word TC__LARGE_SLOT0 of it, after the
 * page header and the object header. The bit is set before the store, so
 * a page whose bit is clear holds only NULL slots, and neither the marker
 * nor the sweep reads it. Only this thread writes the bitmap, hence a
 * relaxed load and store, not a locked or. A page's first store also
 * tells the memory layer, which may have the pages ahead of a run of
 * writes faulted in (gc/mem_large.c, "Write-ahead").
 *
 * Page 0 holds the page header and the object's header: always resident,
 * it counts as written whatever its bit (large_wpage_set), so a store to
 * one of its first TC__LARGE_PAGE0_SLOTS slots needs no bit, and
 * tc_store reads no header for a slot below that, whatever the object
 * (a small one with more slots, up to 511, is checked as before).
 * Reading the header on every store put a load of the object's first
 * line, often another line than the slot's, in front of each of the 20
 * million stores mutate makes to random nodes. */
#define TC__LARGE_SLOT0       17u
#define TC__LARGE_PAGE0_SLOTS (512u - TC__LARGE_SLOT0)
void tc__large_first_write(tc_heap *heap, void *obj, uint32_t slot);
static inline void tc__large_written(tc_heap *heap, void *obj, uint32_t slot) {
    uint64_t *w = ((uint64_t **)obj)[-2] + ((slot + TC__LARGE_SLOT0) >> 15);
    uint64_t bit = (uint64_t)1 << (((slot + TC__LARGE_SLOT0) >> 9) & 63);
    uint64_t v = __atomic_load_n(w, __ATOMIC_RELAXED);
    if (!(v & bit)) {
        __atomic_store_n(w, v | bit, __ATOMIC_RELAXED);
        tc__large_first_write(heap, obj, slot);
    }
}

static inline uint32_t tc_nslots(const void *obj) { return (uint32_t)((TC__HDR(obj) >> 4) & TC_MAX_SLOTS); }
static inline uint32_t tc_nraw(const void *obj) { return (uint32_t)((TC__HDR(obj) >> 34) & TC_MAX_RAW); }
/* The raw bytes of an object (8-byte aligned, tc_nraw(obj) long). */
static inline void *tc_raw(void *obj) { return (void **)obj + tc_nslots(obj); }

/* Fields the inline fast paths read; the first member of struct tc_heap.
 * Not part of the API: read them through the functions below. */
struct tc__hot {
    uint8_t marking;      /* a cycle is marking: barriers are active */
    uint8_t barrier;      /* tc_barrier of the running cycle */
    uint8_t skip_barrier; /* test-only: see tc_debug_skip_barrier */
    uint8_t concurrent;   /* the running cycle marks concurrently (see tc_store) */
    /* The root stack (tc_root_push): roots[i] is the address of a pushed
     * local (a void **, held as a void *), for i < nroots. */
    void **roots;
    size_t nroots, cap_roots;
};

void tc__barrier_dijkstra(tc_heap *heap, void *source, uint32_t slot, void *target);
void tc__barrier_steele(tc_heap *heap, void *source, uint32_t slot, void *target);
void tc__barrier_yuasa(tc_heap *heap, void *source, uint32_t slot, void *old_target);
void tc__barrier_hybrid(tc_heap *heap, void *source, uint32_t slot, void *old_target, void *target);
void tc__slot_out_of_range(tc_heap *heap, const void *obj, uint32_t slot, const char *op);
/* tc_store while a cycle marks: the active barrier, then the store
 * (gc/barrier.c). Out of line, so that the store outside marking, which
 * is nearly every store, is a few instructions inline in the caller. */
void tc__store_marking(tc_heap *heap, void *obj, uint32_t slot, void *val);

/* Debug builds (-DTC_DEBUG_CHECKS) check slot indexes; a bad one is
 * reported as misuse and the access does nothing (a load returns NULL). */
#if defined(TC_DEBUG_CHECKS)
#define TC__CHECK_SLOT(heap, obj, slot, op, fail)                                                                      \
    do {                                                                                                               \
        if ((slot) >= tc_nslots(obj)) {                                                                                \
            tc__slot_out_of_range(heap, obj, slot, op);                                                                \
            fail;                                                                                                      \
        }                                                                                                              \
    } while (0)
#else
#define TC__CHECK_SLOT(heap, obj, slot, op, fail) ((void)0)
#endif

/* Reads slot i. No barrier: the collector never needs to see reads. */
static inline void *tc_load(tc_heap *heap, void *obj, uint32_t slot) {
    (void)heap;
    TC__CHECK_SLOT(heap, obj, slot, "tc_load", return NULL);
    return ((void **)obj)[slot];
}

/* Stores val into slot i of obj through the active write barrier.
 * Fast path when no cycle is marking: one predictable branch, inline.
 * Out of line before (the barriers' switch made it too big for the
 * compiler to inline), each of mutate's stores cost a call of ~16
 * instructions, 575 million of its 3.5 billion. The store
 * itself is a release store (a plain store on x86): a concurrent marker
 * that loads the slot then sees the object it points to initialised. */
static inline void tc_store(tc_heap *heap, void *obj, uint32_t slot, void *val) {
    TC__CHECK_SLOT(heap, obj, slot, "tc_store", return );
    void **p = (void **)obj + slot;
    const struct tc__hot *hot = (const struct tc__hot *)heap;
    if (val && slot >= TC__LARGE_PAGE0_SLOTS && (TC__HDR(obj) & TC__HDR_LARGE)) tc__large_written(heap, obj, slot);
    if (__builtin_expect(hot->marking, 0) && !hot->skip_barrier) {
        tc__store_marking(heap, obj, slot, val);
        return;
    }
    __atomic_store_n(p, val, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------------ */
/* Roots                                                               */
/* ------------------------------------------------------------------ */

/* Registers the address of a pointer variable that lives as long as the
 * heap or until tc_root_remove. Returns false if out of memory. */
bool tc_root_add(tc_heap *heap, void **addr);
/* Unregisters; returns false (and reports misuse) if addr is not a root. */
bool tc_root_remove(tc_heap *heap, void **addr);

void tc__root_push_slow(tc_heap *heap, void **addr);
void tc__root_pop_misuse(tc_heap *heap, size_t n);

/* Pushes the address of a local pointer variable onto the root stack, so
 * the collector sees its current value at any collection. Pop before the
 * variable goes out of scope. Inline: a program pushes and pops around
 * every call that may allocate, and as calls these were 1.7 billion of
 * the 7.4 billion instructions of the lisp workload's run (roots.c has
 * the growth and the misuse reports). */
static inline void tc_root_push(tc_heap *heap, void **addr) {
    struct tc__hot *hot = (struct tc__hot *)heap;
    if (__builtin_expect(heap && addr && hot->nroots < hot->cap_roots, 1)) {
        hot->roots[hot->nroots++] = (void *)addr;
        return;
    }
    tc__root_push_slow(heap, addr);
}
/* Pops n entries; popping more than were pushed is reported as misuse. */
static inline void tc_root_pop(tc_heap *heap, size_t n) {
    struct tc__hot *hot = (struct tc__hot *)heap;
    if (__builtin_expect(heap && n <= hot->nroots, 1)) {
        hot->nroots -= n;
        return;
    }
    tc__root_pop_misuse(heap, n);
}
size_t tc_root_depth(const tc_heap *heap);

/* ------------------------------------------------------------------ */
/* Driving the collector                                               */
/* ------------------------------------------------------------------ */

/* The phases of a cycle, in order. IDLE between cycles. */
typedef enum tc_phase {
    TC_PHASE_IDLE = 0,
    TC_PHASE_ROOTS,     /* shade the roots (one increment, O(roots)) */
    TC_PHASE_PROPAGATE, /* incremental marking from the grey set */
    TC_PHASE_ATOMIC,    /* finish marking: rescan roots, flip white (O(roots)) */
    TC_PHASE_SWEEP,     /* incremental sweep of pages, then large objects */
    TC_PHASE_COUNT
} tc_phase;

const char *tc_phase_name(tc_phase phase);
/* "assist", "step", "full", "overdue", "ceiling", "handshake", "flush",
 * "adopt"; "?" for any other value. */
const char *tc_pause_reason_name(int reason);
const char *tc_barrier_name(tc_barrier barrier);
/* Parses "dijkstra", "steele", "yuasa", "stw"; returns false if unknown. */
bool tc_barrier_parse(const char *name, tc_barrier *out);

tc_phase tc_current_phase(const tc_heap *heap);

/* Runs one increment now (starting a cycle if idle) and returns the work
 * units done. Used by single-stepping viewers and tests. */
size_t tc_step(tc_heap *heap);
/* Finishes any running cycle, then runs one complete cycle. */
void tc_collect(tc_heap *heap);

/* ------------------------------------------------------------------ */
/* Measurement: pause log, cycle log, totals                           */
/* ------------------------------------------------------------------ */

/* Why an increment ran. */
typedef enum tc_pause_reason {
    TC_REASON_ASSIST = 0, /* paid for by allocation (the pacer) */
    TC_REASON_STEP,       /* explicit tc_step */
    TC_REASON_FULL,       /* tc_collect, stop-the-world mode or heap limit */
    TC_REASON_OVERDUE,    /* paid for by allocation with the heap past the cycle's goal */
    TC_REASON_CEILING,    /* the same past the goal by half the headroom, where the
                             utilization guard (mmu_pct) gives way to memory */
    /* Concurrent mode (the marker thread runs beside the mutator): */
    TC_REASON_HANDSHAKE, /* the cycle's start (roots) or its termination */
    TC_REASON_FLUSH,     /* the barrier buffer was full and the marker behind */
    TC_REASON_ADOPT,     /* took back pages the marker swept, and swept none itself */
} tc_pause_reason;

/* One increment: the mutator was held inside the collector for
 * [start_ns, start_ns + duration_ns). Appended to the pause log by every
 * increment, never allocated in the GC heap. */
typedef struct tc_pause {
    uint64_t start_ns; /* CLOCK_MONOTONIC's time (read through the TSC on x86-64, within a few us) */
    uint64_t duration_ns;
    uint64_t bytes_since; /* bytes allocated since the previous increment */
    uint32_t work;        /* work units done */
    uint32_t cycle;       /* cycle number (1-based) */
    uint8_t phase;        /* tc_phase at the start of the increment */
    uint8_t end_phase;    /* tc_phase at its end */
    uint8_t reason;       /* tc_pause_reason */
} tc_pause;

typedef struct tc_cycle {
    uint32_t cycle;
    uint8_t barrier;
    uint64_t start_ns, end_ns; /* first increment start, last increment end */
    uint64_t mark_end_ns;      /* when marking finished (the white flipped) */
    uint64_t heap_before;      /* bytes in objects when the cycle started */
    uint64_t heap_after;       /* bytes in objects when sweeping finished */
    uint64_t heap_goal;        /* the pacer's goal for this cycle */
    uint64_t marked_bytes;     /* bytes found live by marking */
    uint64_t marked_objects;
    uint64_t freed_bytes;
    uint64_t mark_work, sweep_work;
    uint64_t pause_ns; /* sum of its increments */
    uint64_t max_pause_ns;
    uint64_t gc_cpu_ns; /* the mutator's GC CPU in its increments (see tc_stats.gc_cpu_ns) */
    uint32_t increments;
    uint32_t atomic_rounds;                /* root rescans (1 unless rescans found new grey) */
    uint64_t step_budget_ns;               /* the increment's time budget (for work budgets: at the measured speed) */
    uint64_t mem_syscalls;                 /* memory system calls the mutator's thread made during the cycle */
    uint64_t reserve_misses;               /* pages it needed while the memory thread's reserve was empty */
    uint64_t deferred;                     /* increments the utilization guard put off (mmu_pct) */
    uint8_t concurrent;                    /* marked by the marker thread beside the mutator */
    uint64_t marker_cpu_ns;                /* the marker thread's CPU time in this cycle */
    uint64_t marker_idle_cpu_ns;           /* ... of it in slices at idle priority (beyond gc_cpu_pct) */
    uint64_t marker_work;                  /* work units it did */
    uint32_t assists, handshakes, flushes; /* the mutator's pauses in it, by kind (concurrent mode) */
    uint32_t adopts;                       /* ... and those that only adopted what the marker swept */
} tc_cycle;

typedef struct tc_stats {
    uint64_t cycles; /* completed cycles */
    uint64_t increments;
    uint64_t allocations;     /* objects allocated */
    uint64_t bytes_allocated; /* cell bytes allocated (after size-class rounding) */
    uint64_t bytes_requested; /* header + slots + raw, before rounding */
    uint64_t live_bytes;      /* bytes in allocated objects now */
    uint64_t live_objects;
    uint64_t heap_bytes; /* mapped heap: pages in use or pooled + large objects */
    uint64_t peak_heap_bytes;
    uint64_t peak_live_bytes;
    uint64_t gc_wall_ns;   /* sum of increment durations */
    uint64_t gc_cpu_ns;    /* ... less what they slept waiting for the marker: the mutator's GC CPU */
    uint64_t barrier_hits; /* barrier slow paths that shaded or re-greyed */
    uint64_t pages, large_objects;
    uint64_t trigger_bytes;    /* the pacer: the next cycle starts at this many live bytes */
    uint64_t goal_bytes;       /* the running (or next) cycle should finish below this */
    uint32_t header_bytes;     /* per-object overhead: the 8-byte header */
    uint32_t step_units;       /* the increment budget in force, in work units (the auto-pacer's
                                    choice when pause_target_usec is set) */
    uint64_t step_budget_ns;   /* the increment's time budget in force; 0 when budgeted in work units */
    uint64_t max_increment_ns; /* the longest increment so far */
    /* The memory layer (gc/mem.c). Every mmap, munmap and madvise the
     * collector makes is counted, split by the thread that made it. */
    uint64_t mem_syscalls_mutator;  /* on the heap's own (mutator's) thread */
    uint64_t mem_syscalls_thread;   /* on the background memory thread */
    uint64_t mem_reserve_misses;    /* pages the mutator had to map and fault itself */
    uint64_t mem_reserve_pages;     /* pre-faulted pages ready now */
    uint64_t mem_released_bytes;    /* given back to the OS (madvise/munmap), in total */
    uint64_t mem_thread_cpu_ns;     /* CPU time of the memory thread */
    bool mem_thread_running;        /* the memory thread runs now (see tc_config.mem_thread) */
    uint64_t mem_quarantine_reuses; /* large objects placed in a dead one's mapping */
    uint64_t mem_cleared_mutator;   /* bytes of dead large objects the mutator cleared (sweep, allocation) */
    uint64_t mem_cleared_thread;    /* ... and the memory thread, off the mutator */
    uint64_t mem_write_ahead;       /* bytes of large objects the thread faulted in ahead of a run of stores */
    uint64_t mmu_deferred;          /* increments the utilization guard put off, in total */
    /* Concurrent mode: the marker thread's CPU time and work units, and
     * what the mutator paid while it ran (tc_pause_reason). */
    uint64_t marker_cpu_ns;
    uint64_t marker_idle_cpu_ns; /* ... of it at idle priority, beyond gc_cpu_pct (gc_idle) */
    uint64_t marker_work;
    uint64_t assists, handshakes, flushes, adopts;
} tc_stats;

void tc_get_stats(const tc_heap *heap, tc_stats *out);
/* Increments run so far (cheap: for polling at every safepoint). */
uint64_t tc_increment_count(const tc_heap *heap);

/* The pause log: *count entries, valid until the next increment. */
const tc_pause *tc_pause_log(const tc_heap *heap, size_t *count);
/* Where the pause log's length (tc_pause_log's *count) is kept, valid as
 * long as the heap: one load for a caller that reads it around every
 * operation, as bench's harness does (workloads/mutator.h). */
const size_t *tc_pause_count_at(const tc_heap *heap);
/* Completed cycles. */
const tc_cycle *tc_cycle_log(const tc_heap *heap, size_t *count);
/* Forget logged pauses and cycles (totals are kept). */
void tc_log_clear(tc_heap *heap);

/* Formats the gctrace line of a cycle (as printed with gctrace on) into
 * buf; returns buf. */
char *tc_cycle_format(const tc_cycle *cycle, uint64_t heap_origin_ns, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Observation (for the visualizer)                                    */
/* ------------------------------------------------------------------ */

typedef enum tc_colour {
    TC_FREE = 0,
    TC_WHITE = 1,
    TC_GREY = 3,
    TC_BLACK = 4,
} tc_colour;
/* "free", "white", "grey", "black"; "?" for any other value. */
const char *tc_colour_name(tc_colour colour);

/* The colour of a live object as the tricolor abstraction sees it (both
 * whites read as TC_WHITE). */
tc_colour tc_colour_of(const tc_heap *heap, const void *obj);

/* The heap's page geometry, for heap maps and inspectors: small objects
 * live in TC_PAGE_BYTES pages whose first TC_PAGE_HEADER bytes are the
 * page's header, so a page of cell size s holds
 * (TC_PAGE_BYTES - TC_PAGE_HEADER) / s cells. */
#define TC_PAGE_BYTES  65536u
#define TC_PAGE_HEADER 128u

typedef struct tc_object_info {
    void *obj; /* the object (slot 0) */
    tc_colour colour;
    bool is_root;  /* referenced directly from a root */
    bool is_large; /* a large object (its own mapping): page is then its index among large objects */
    uint32_t page; /* index of its page in the page table */
    uint32_t cell; /* cell index in that page */
    uint32_t nslots, nraw;
    uint32_t size; /* cell bytes */
} tc_object_info;

/* Calls fn for every allocated object, page by page in address order, then
 * large objects. Must not allocate or store from fn. Root flags cost one
 * pass over the roots. */
void tc_visit_objects(tc_heap *heap, void (*fn)(const tc_object_info *info, void *user), void *user);

/* The same for one object: fills *out and returns true if obj is an
 * allocated object of this heap (the start of one, as tc_alloc returned
 * it), else returns false and touches nothing. Safe with any pointer, even
 * one freed and unmapped: obj is read only once the heap's page table
 * holds it. O(pages + roots). */
bool tc_describe(tc_heap *heap, const void *obj, tc_object_info *out);

/* The objects the roots point to (global roots, then the root stack; NULLs
 * skipped, duplicates kept). Writes at most max; returns how many there are. */
size_t tc_root_objects(const tc_heap *heap, void **out, size_t max);

/* Heap map: the cells of every page in address order (large objects count
 * as one cell each, after the pages). Writes at most max colours into out
 * and returns the total number of cells. */
size_t tc_heap_cells(tc_heap *heap, uint8_t *out, size_t max);

/* Heap map: the pages whose cells tc_heap_cells reports, in the same
 * order, one record a page (a large object is a page of one cell). O(pages),
 * where tc_visit_objects is O(objects): a map of 1M objects reads its
 * structure here. Writes at most max records and returns how many there
 * are. */
typedef struct tc_page_info {
    void *first;        /* the object in cell 0, as tc_alloc returns it; cell i's is first + i * cell_size */
    uint32_t cell_size; /* bytes a cell, header included; a large object: the bytes it maps */
    uint32_t ncells;    /* 1 for a large object */
    uint32_t page;      /* as tc_object_info.page */
    bool is_large;
} tc_page_info;
size_t tc_heap_pages(tc_heap *heap, tc_page_info *out, size_t max);

typedef enum tc_event_kind {
    TC_EV_ALLOC = 0, /* object allocated */
    TC_EV_SHADE,     /* white -> grey by the marker or the roots */
    TC_EV_BLACKEN,   /* grey -> black (scanned) */
    TC_EV_BARRIER,   /* a barrier shaded or re-greyed this object */
    TC_EV_FREE,      /* swept */
    TC_EV_PHASE,     /* the phase changed; obj is NULL, arg is the new tc_phase */
} tc_event_kind;

typedef struct tc_event {
    void *obj;
    uint32_t kind; /* tc_event_kind */
    uint32_t arg;  /* TC_EV_PHASE: the new tc_phase; TC_EV_BARRIER: the tc_barrier that hit */
    /* TC_EV_BARRIER only (NULL and 0 otherwise): the store that ran the
     * barrier, source.slot = new value, and the pointer the barrier acted
     * on: the new value (Dijkstra shades it, Steele re-greys the source
     * for it) or the overwritten one (Yuasa shades it). */
    void *source;
    void *target;
    uint32_t slot;
} tc_event;

/* Attaches an event ring of the given capacity (events kept when nobody
 * reads; the oldest are dropped and *lost counts them). While no observer
 * is attached the collector records nothing. Returns false if out of memory. */
bool tc_observe_start(tc_heap *heap, size_t capacity);
void tc_observe_stop(tc_heap *heap);
/* Records only the event kinds whose bit (1 << kind) is set in mask (all
 * kinds after tc_observe_start). Kinds nobody needs cost nothing: a viewer
 * that does not replay marking skips shade/blacken, the busiest ones. */
void tc_observe_mask(tc_heap *heap, uint32_t mask);
/* Moves up to max pending events into out, oldest first. Sets *lost to the
 * number of events dropped since the last poll (then a viewer should resync
 * with tc_visit_objects). */
size_t tc_observe_poll(tc_heap *heap, tc_event *out, size_t max, uint64_t *lost);

/* A safepoint hook: called at the start of an allocation, before the pacer
 * may run an increment: at least once every 4 KiB allocated, and at the
 * first allocation after each increment. There every object the mutator still needs
 * is reachable from roots (any allocation may collect), so the hook may
 * suspend the mutator, inspect the heap, even run tc_step. The visualizer
 * uses it to interleave a running workload with drawing. NULL removes it.
 * It shares the allocation fast path's one threshold test with the pacer. */
typedef void (*tc_safepoint_fn)(tc_heap *heap, void *user);
void tc_set_safepoint(tc_heap *heap, tc_safepoint_fn fn, void *user);

/* ------------------------------------------------------------------ */
/* Verification and debugging                                          */
/* ------------------------------------------------------------------ */

/* Checks heap structure (page metadata, free lists, counts) and the
 * tricolor invariant of the running cycle's barrier: strong (no black ->
 * white edge) for Dijkstra and Steele, weak for Yuasa (every white object a
 * black one points to is reachable from a grey one through white objects);
 * outside a cycle, every object is white. Returns true if all holds; else
 * writes the first problem into msg. */
bool tc_verify(tc_heap *heap, char *msg, size_t msg_len);

/* Concurrent mode: parks the marker thread (park true), waiting for its
 * slice to yield, or lets it run again (false). While parked it marks and
 * sweeps nothing: colours and cells change only in the mutator's own
 * increments, so a viewer or a test can read objects directly. Calls
 * nest. Without a marker thread it does nothing. */
void tc_marker_park(tc_heap *heap, bool park);

/* Test-only: skip the write barrier (to prove the verifier and the tests
 * catch a lost object). Never use outside tests. */
void tc_debug_skip_barrier(tc_heap *heap, bool skip);

#ifdef __cplusplus
}
#endif

#endif /* TRICOLOR_H */
