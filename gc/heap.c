/*
 * heap.c — a heap's lifetime, its configuration, its totals, and how API
 * misuse is reported.
 *
 * A tc_heap owns everything: pages, large objects, the collector's work
 * lists, the pause log. Creating one maps no pages; the first allocation
 * of each size class does. Freeing one unmaps everything, without running
 * a collection.
 */
#include "internal.h"

#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* CPUs the calling thread may run on (2 when the affinity cannot be read:
 * assume the helper threads have a CPU of their own). Read once, when a
 * heap is made (tc__mem_init, tc__marker_init): the threads a heap starts
 * later inherit the affinity of whichever thread starts them. */
int tc__cpus_available(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 2;
    return CPU_COUNT(&set);
}

uint64_t tc__cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---------- growable pointer arrays (collector metadata, never GC heap) */

/* Room for n pointers: the capacity doubles from 256 until it holds them. */
static bool ptrvec_reserve(ptrvec *pv, size_t n) {
    if (pv->cap >= n) return true;
    size_t cap = pv->cap ? pv->cap * 2 : 256;
    while (cap < n) cap *= 2;
    void **v = realloc(pv->v, cap * sizeof *v);
    if (!v) return false;
    pv->v = v;
    pv->cap = cap;
    return true;
}

bool tc__ptrvec_push_slow(ptrvec *pv, void *p) {
    if (!ptrvec_reserve(pv, pv->n + 1)) return false;
    pv->v[pv->n++] = p;
    return true;
}

bool tc__ptrvec_reserve_touched(ptrvec *pv, size_t n) {
    const size_t old = pv->cap;
    if (!ptrvec_reserve(pv, n)) return false;
    if (pv->cap > old) memset(pv->v + old, 0, (pv->cap - old) * sizeof *pv->v);
    return true;
}

bool tc__ptrvec_copy2(ptrvec *dst, const ptrvec *a, const ptrvec *b) {
    if (!ptrvec_reserve(dst, a->n + b->n)) return false;
    if (a->n) memcpy(dst->v, a->v, a->n * sizeof *a->v);
    if (b->n) memcpy(dst->v + a->n, b->v, b->n * sizeof *b->v);
    dst->n = a->n + b->n;
    return true;
}

void tc__ptrvec_free(ptrvec *pv) {
    free(pv->v);
    memset(pv, 0, sizeof *pv);
}

/* ---------- misuse ---------- */

static void default_misuse(const char *message, void *user) {
    (void)user;
    fprintf(stderr, "tricolor: API misuse: %s\n", message);
    abort();
}

/* Reports a mistake by the caller. With a NULL heap the default handler is
 * used, since there is no config to take one from. */
void tc__misuse(const tc_heap *h, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (h && h->cfg.on_misuse)
        h->cfg.on_misuse(msg, h->cfg.misuse_user);
    else
        default_misuse(msg, NULL);
}

void tc__slot_out_of_range(tc_heap *heap, const void *obj, uint32_t slot, const char *op) {
    tc__misuse(heap, "%s: slot %u out of range: object %p has %u slots (valid 0..%u)", op, slot, obj, tc_nslots(obj),
               tc_nslots(obj) ? tc_nslots(obj) - 1 : 0);
}

/* ---------- config ---------- */

void tc_config_default(tc_config *c) {
    memset(c, 0, sizeof *c);
    c->barrier = TC_BARRIER_DIJKSTRA;
    /* Work units by default: the same work on any machine. A time budget
     * (25 us) did worse where units differ most in cost: fragment's speed
     * estimate, made on MiB-sized arrays of null slots, set a debt
     * threshold its other work could not pay in time, and its heap grew
     * 1.7x (docs/design.md §7). 1000 units, not 4000 or 2000: at 2000
     * the machine's 40 us tick, landing in 4-7% of the pauses of churn,
     * lru and fragment, on top of a 2000-unit increment, put their p99
     * over 100 us; and since a warm large object's null slots cost 1/8 of
     * a unit (collect.c) fragment's heap does not run away at the smaller
     * budget (§7 again). */
    c->budget_unit = TC_BUDGET_WORK;
    c->step_work = 1000;
    c->step_usec = 25;
    c->trigger_pct = 100;
    c->runway_pct = 50;
    c->pause_target_usec = 0;
    c->mmu_pct = 60;
    c->mmu_window_usec = 10000;
    c->conc_mmu_pct = 90;
    c->conc_mmu_window_usec = 1000;
    /* Go's heapminimum, 4 MiB: below it a heap is collected more often
     * than its size is worth. At 1 MiB, lisp's ~1 MiB of live data ran
     * ~700 cycles a run, back to back, the concurrent mode's marker
     * starting late on most; at 4 MiB ~250, and its wall, 5 alternating
     * runs, fell from 417 to 323 ms (docs/design.md section 10). */
    c->min_heap = (size_t)4 << 20;
    c->heap_limit = 0;
    c->mem_thread = true;
    c->concurrent = false;
    c->gc_cpu_pct = 25;
    c->gc_idle = true;
}

const char *tc_config_check(const tc_config *c) {
    if (!c) return "config is NULL";
    if ((unsigned)c->barrier >= TC_BARRIER_COUNT) return "barrier: must be dijkstra, steele, yuasa, stw or hybrid";
    if (c->concurrent && (c->barrier == TC_BARRIER_STEELE || c->barrier == TC_BARRIER_STW))
        return "barrier: the concurrent mode runs with dijkstra, yuasa or hybrid (steele re-greys black objects the "
               "marker may be scanning; stw has nothing to run concurrently)";
    if (c->gc_cpu_pct < TC_GC_CPU_PCT_MIN || c->gc_cpu_pct > TC_GC_CPU_PCT_MAX)
        return "gc_cpu_pct: valid range is 1..100 percent of one core";
    if (c->budget_unit != TC_BUDGET_WORK && c->budget_unit != TC_BUDGET_USEC)
        return "budget_unit: must be TC_BUDGET_WORK or TC_BUDGET_USEC";
    if (c->step_work < TC_STEP_WORK_MIN || c->step_work > TC_STEP_WORK_MAX)
        return "step_work: valid range is 1..100000000 work units";
    if (c->step_usec < TC_STEP_USEC_MIN || c->step_usec > TC_STEP_USEC_MAX)
        return "step_usec: valid range is 1..10000000 microseconds";
    if (c->trigger_pct < TC_TRIGGER_PCT_MIN || c->trigger_pct > TC_TRIGGER_PCT_MAX)
        return "trigger_pct: valid range is 10..1000 percent";
    if (c->runway_pct < TC_RUNWAY_PCT_MIN || c->runway_pct > TC_RUNWAY_PCT_MAX)
        return "runway_pct: valid range is 5..100 percent";
    if (c->pause_target_usec != 0 &&
        (c->pause_target_usec < TC_PAUSE_TARGET_USEC_MIN || c->pause_target_usec > TC_PAUSE_TARGET_USEC_MAX))
        return "pause_target_usec: valid values are 0 (off) or 10..1000000 microseconds";
    if (c->mmu_pct != 0 && (c->mmu_pct < TC_MMU_PCT_MIN || c->mmu_pct > TC_MMU_PCT_MAX))
        return "mmu_pct: valid values are 0 (off) or 10..95 percent";
    if (c->mmu_window_usec < TC_MMU_WINDOW_USEC_MIN || c->mmu_window_usec > TC_MMU_WINDOW_USEC_MAX)
        return "mmu_window_usec: valid range is 100..10000000 microseconds";
    if (c->conc_mmu_pct != 0 && (c->conc_mmu_pct < TC_MMU_PCT_MIN || c->conc_mmu_pct > TC_MMU_PCT_MAX))
        return "conc_mmu_pct: valid values are 0 (off) or 10..95 percent";
    if (c->conc_mmu_window_usec < TC_MMU_WINDOW_USEC_MIN || c->conc_mmu_window_usec > TC_MMU_WINDOW_USEC_MAX)
        return "conc_mmu_window_usec: valid range is 100..10000000 microseconds";
    if (c->heap_limit && c->heap_limit < TC_HEAP_LIMIT_MIN)
        return "heap_limit: must be 0 (unlimited) or at least 1 MiB";
    /* A min_heap above heap_limit is not refused: the goal rests at 90%
     * of the limit (pacer.c, compute_goal), so the limit wins. Refusing
     * it made the default 4 MiB minimum a trap for a program that sets a
     * 2 MiB limit and nothing else. */
    return NULL;
}

/* ---------- lifetime ---------- */

tc_heap *tc_heap_new(const tc_config *config) {
    tc_config def;
    if (!config) {
        tc_config_default(&def);
        config = &def;
    }
    const char *bad = tc_config_check(config);
    if (bad) {
        if (config->on_misuse)
            config->on_misuse(bad, config->misuse_user);
        else
            default_misuse(bad, NULL);
        return NULL;
    }
    /* Aligned as its blocks are (internal.h, TC__LINE): calloc's 16 bytes
     * would shift them off the lines they were laid out on. */
    size_t bytes = (sizeof(tc_heap) + _Alignof(tc_heap) - 1) & ~(_Alignof(tc_heap) - 1);
    tc_heap *h = aligned_alloc(_Alignof(tc_heap), bytes);
    if (!h) return NULL;
    memset(h, 0, bytes);
    h->cfg = *config;
    const char *env = getenv("TRICOLOR_GCTRACE");
    if (env && env[0] == '1') h->cfg.gctrace = true;
    h->next_barrier = h->cfg.barrier;
    h->hot.barrier = (uint8_t)h->cfg.barrier;
    h->white = C_WHITE0;
    h->alloc_colour = C_WHITE0;
    h->phase = TC_PHASE_IDLE;
    h->origin_ns = tc__now_ns();
    tc__alloc_init(h);
    tc__mem_init(h);
    tc__pacer_init(h);
    tc__pool_set_retain(h);
    if (!tc__marker_init(h)) {
        tc_heap_free(h);
        return NULL;
    }
    /* After the marker: whether one runs decides which guard holds. */
    tc__mmu_configure(h);
    return h;
}

void tc_heap_free(tc_heap *h) {
    if (!h) return;
    tc__marker_free(h);
    tc__alloc_release_all(h);
    tc__ptrvec_free(&h->pages);
    tc__ptrvec_free(&h->large);
    tc__ptrvec_free(&h->roots);
    free(h->hot.roots);
    tc__ptrvec_free(&h->grey);
    tc__ptrvec_free(&h->sweep_snap);
    tc__observe_free(h);
    free(h);
}

void tc_get_config(const tc_heap *h, tc_config *out) {
    if (!h) {
        tc__misuse(h, "tc_get_config: heap is NULL");
        return;
    }
    *out = h->cfg;
    out->barrier = h->next_barrier;
}

const char *tc_set_config(tc_heap *h, const tc_config *config) {
    if (!h) {
        tc__misuse(h, "tc_set_config: heap is NULL");
        return "heap is NULL";
    }
    const char *bad = tc_config_check(config);
    if (bad) return bad;
    /* A limit below what the heap holds now: collect and give back what
     * can be given back; refuse (keeping the old config) if still over. */
    if (config->heap_limit && tc__mem_committed(&h->mem) > config->heap_limit) {
        /* The thread sees the new limit first, so that it does not refill
         * its reserve past it while the heap shrinks. */
        atomic_store_explicit(&h->mem.limit, config->heap_limit, memory_order_relaxed);
        tc_collect(h);
        tc__mem_shrink_now(h);
        uint64_t held = tc__mem_committed(&h->mem);
        if (held > config->heap_limit) {
            atomic_store_explicit(&h->mem.limit, h->cfg.heap_limit, memory_order_relaxed);
            snprintf(h->config_error, sizeof h->config_error,
                     "heap_limit: %zu bytes is below the %llu bytes the heap holds after a full collection",
                     config->heap_limit, (unsigned long long)held);
            return h->config_error;
        }
    }
    bool trace = h->cfg.gctrace;
    h->cfg = *config;
    h->cfg.gctrace = config->gctrace || trace;
    /* The running cycle keeps the barrier it started with: its invariant
     * (and the colour of objects it allocated) belongs to that barrier. */
    h->cfg.barrier = (tc_barrier)h->hot.barrier;
    h->next_barrier = config->barrier;
    tc__pacer_on_config(h);
    tc__mem_on_config(h);
    tc__marker_on_config(h);
    tc__mmu_configure(h); /* after the marker, as in tc_heap_new */
    return NULL;
}

void tc_get_stats(const tc_heap *h, tc_stats *s) {
    memset(s, 0, sizeof *s);
    if (!h) {
        tc__misuse(h, "tc_get_stats: heap is NULL");
        return;
    }
    s->cycles = h->cycle_no - (h->phase != TC_PHASE_IDLE ? 1 : 0);
    s->increments = h->increments;
    s->allocations = h->allocations;
    s->bytes_allocated = h->bytes_allocated;
    s->bytes_requested = h->bytes_requested;
    s->live_bytes = live_bytes(h);
    s->live_objects = live_objects(h);
    s->heap_bytes = tc__mem_committed(&h->mem);
    s->peak_heap_bytes = h->peak_heap_bytes > s->heap_bytes ? h->peak_heap_bytes : s->heap_bytes;
    s->peak_live_bytes = h->peak_live_bytes > s->live_bytes ? h->peak_live_bytes : s->live_bytes;
    s->gc_wall_ns = h->gc_wall_ns;
    s->gc_cpu_ns = h->gc_cpu_ns;
    s->barrier_hits = h->barrier_hits;
    s->pages = h->pages.n;
    s->large_objects = h->large.n;
    s->trigger_bytes = h->trigger_bytes;
    s->goal_bytes = h->goal_bytes;
    s->header_bytes = HDR_BYTES;
    double units = tc__pacer_step_units(h);
    s->step_units = units > UINT32_MAX ? UINT32_MAX : (uint32_t)units;
    s->step_budget_ns = tc__pacer_budget_ns(h);
    s->mmu_deferred = h->mmu.deferred;
    s->max_increment_ns = h->max_increment_ns;
    tc__mem_stats(h, s);
    tc__marker_stats(h, s);
}

uint64_t tc_increment_count(const tc_heap *h) { return h ? h->increments : 0; }

tc_phase tc_current_phase(const tc_heap *h) { return h ? h->phase : TC_PHASE_IDLE; }

void tc_debug_skip_barrier(tc_heap *h, bool skip) {
    if (h) h->hot.skip_barrier = skip;
}

/* ---------- names ---------- */

static const char *const phase_names[TC_PHASE_COUNT] = {"idle", "roots", "propagate", "atomic", "sweep"};
static const char *const barrier_names[TC_BARRIER_COUNT] = {"dijkstra", "steele", "yuasa", "stw", "hybrid"};

const char *tc_phase_name(tc_phase p) { return (unsigned)p < TC_PHASE_COUNT ? phase_names[p] : "?"; }

static const char *const reason_names[] = {"assist",  "step",      "full",  "overdue",
                                           "ceiling", "handshake", "flush", "adopt"};
_Static_assert(sizeof reason_names / sizeof reason_names[0] == TC_REASON_ADOPT + 1, "a name for each reason");
const char *tc_pause_reason_name(int r) {
    return r >= 0 && (size_t)r < sizeof reason_names / sizeof reason_names[0] ? reason_names[r] : "?";
}
const char *tc_barrier_name(tc_barrier b) { return (unsigned)b < TC_BARRIER_COUNT ? barrier_names[b] : "?"; }
const char *tc_colour_name(tc_colour c) {
    switch (c) {
    case TC_FREE: return "free";
    case TC_WHITE: return "white";
    case TC_GREY: return "grey";
    case TC_BLACK: return "black";
    default: return "?";
    }
}

bool tc_barrier_parse(const char *name, tc_barrier *out) {
    for (int i = 0; i < TC_BARRIER_COUNT; i++) {
        if (name && strcmp(name, barrier_names[i]) == 0) {
            *out = (tc_barrier)i;
            return true;
        }
    }
    return false;
}
