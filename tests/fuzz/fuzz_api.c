/*
 * fuzz_api.c — a libFuzzer harness that drives Tricolor's public API
 * (gc/tricolor.h) with operation sequences decoded from the fuzzer's bytes,
 * and checks every result against a shadow model.
 *
 * The input is a program: the first bytes choose the heap's initial config,
 * then every op byte (with the argument bytes it reads; reading past the end
 * gives zeros, so every input decodes) is one of: allocate a small, large
 * (own mapping, over 4 KiB) or huge (MiB) object; store a pointer into a
 * slot; load a slot into a root; drop a root; push or pop a root-stack
 * local; rewrite an object's raw bytes; tc_step; tc_collect; change one knob
 * mid-cycle (barrier, budget unit and size, trigger, runway, pause target,
 * heap limit, mem_thread, verify_each_step) through tc_set_config, sometimes
 * to an invalid value; and deliberate misuse (popping too many, removing a
 * root never added, an out-of-range slot, an oversized object), which must
 * reach the misuse handler and change nothing.
 *
 * The model mirrors every object: its shape, its edges (as model ids) and a
 * raw-byte pattern derived from a per-object seed. After every operation:
 * tc_verify must pass, and every object reachable in the model from the
 * roots must still be allocated with its shape, its edges and its pattern.
 * After tc_collect, which runs a complete cycle that starts after the last
 * mutation, the heap must hold exactly the model-reachable objects
 * (tc_stats.live_objects): nothing reachable lost, nothing unreachable kept.
 *
 * Any disagreement aborts with a message naming the operation (libFuzzer
 * saves the input as a crash). Built with ASan and UBSan, without recovery,
 * so undefined behaviour inside gc/ is a crash too (see mk/fuzz.mk).
 */
#include "tricolor.h"

#include <stdarg.h>
#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#define NGLOBALS 8    /* global roots (tc_root_add) */
#define NLOCALS  24   /* root-stack locals (tc_root_push) */
#define MAX_OBJS 2048 /* model objects before a forced tc_collect compacts it */

typedef struct mobj {
    void *addr;
    uint32_t nslots, nraw;
    int32_t *edges; /* model id per slot, -1 for NULL */
    uint64_t seed;  /* raw byte i is pattern(seed, i) */
} mobj;

typedef struct fz {
    const uint8_t *p, *end;
    tc_heap *h;
    mobj o[MAX_OBJS];
    size_t n;
    /* Roots: the C variables the heap sees, and the model id each holds. */
    void *globals[NGLOBALS];
    int32_t global_id[NGLOBALS];
    void *locals[NLOCALS];
    int32_t local_id[NLOCALS];
    size_t depth; /* locals pushed: locals[0..depth) */
    uint8_t reach[MAX_OBJS];
    int32_t queue[MAX_OBJS];
    int misuse_count;
    int oom_count;
    unsigned op_index;
    const char *op_name;
} fz;

/* One harness state at a time (libFuzzer runs inputs in sequence). */
static fz F;

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz_api: op %u (%s): ", F.op_index, F.op_name ? F.op_name : "setup");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

static uint8_t u8(void) { return F.p < F.end ? *F.p++ : 0; }
static uint32_t u16(void) { return (uint32_t)u8() | (uint32_t)u8() << 8; }
static uint32_t u32(void) { return u16() | u16() << 16; }

/* Raw byte i of an object with this seed: byte i % 8 of word i / 8. */
static uint64_t pattern_word(uint64_t seed, uint64_t j) {
    uint64_t x = seed ^ (j * 0x9E3779B97F4A7C15ULL);
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ULL;
    return x ^ (x >> 29);
}
static uint8_t pattern(uint64_t seed, uint32_t i) { return (uint8_t)(pattern_word(seed, i >> 3) >> (8 * (i & 7))); }

/* The model's own loops need no coverage feedback: instrumenting them
 * (every compare traced) cost most of the harness's time. */
#define NOCOV __attribute__((no_sanitize("coverage")))

static void on_misuse(const char *message, void *user) {
    (void)message, (void)user;
    F.misuse_count++;
}

static void on_oom(tc_heap *h, size_t request, void *user) {
    (void)h, (void)request, (void)user;
    F.oom_count++;
}

/* ---------- the model ---------- */

NOCOV static void fill_pattern(mobj *o) {
    uint8_t *raw = tc_raw(o->addr);
    uint32_t words = o->nraw / 8;
    for (uint32_t j = 0; j < words; j++) {
        uint64_t w = pattern_word(o->seed, j);
        memcpy(raw + 8 * (size_t)j, &w, 8);
    }
    for (uint32_t i = words * 8; i < o->nraw; i++) raw[i] = pattern(o->seed, i);
}

/* Checks every byte of small payloads; 64 spread bytes and both ends of
 * big ones, so a MiB object does not cost a MiB per operation. */
NOCOV static void check_pattern(const mobj *o, int32_t id) {
    const uint8_t *raw = tc_raw(o->addr);
    uint32_t stride = o->nraw <= 512 ? 1 : o->nraw / 64;
    for (uint32_t i = 0; i < o->nraw; i += stride)
        if (raw[i] != pattern(o->seed, i)) die("object #%d (%p): raw byte %u corrupted", id, o->addr, i);
    if (o->nraw && raw[o->nraw - 1] != pattern(o->seed, o->nraw - 1))
        die("object #%d (%p): last raw byte corrupted", id, o->addr);
}

NOCOV static void mark_from(int32_t id, size_t *qn) {
    if (id >= 0 && !F.reach[id]) F.reach[id] = 1, F.queue[(*qn)++] = id;
}

/* Fills F.reach from the roots; returns how many objects are reachable. */
NOCOV static size_t model_reach(void) {
    memset(F.reach, 0, F.n);
    size_t qn = 0;
    for (int k = 0; k < NGLOBALS; k++) mark_from(F.global_id[k], &qn);
    for (size_t k = 0; k < F.depth; k++) mark_from(F.local_id[k], &qn);
    for (size_t qi = 0; qi < qn; qi++) {
        const mobj *o = &F.o[F.queue[qi]];
        for (uint32_t i = 0; i < o->nslots; i++) mark_from(o->edges[i], &qn);
    }
    return qn;
}

/* No increment can do 2^32 work units on the fuzzer's heaps (a few MiB,
 * at most 8 bytes of heap per unit): a saturated count in the pause log
 * means the work accounting wrapped around (it did: the large-object scan
 * end under an unbudgeted increment, tests/fuzz/regress). */
static void check_pause_log(void) {
    size_t n;
    const tc_pause *log = tc_pause_log(F.h, &n);
    for (size_t i = 0; i < n; i++)
        if (log[i].work == UINT32_MAX)
            die("increment %zu (phase %s to %s) reports %u work units or more in %llu ns", i,
                tc_phase_name((tc_phase)log[i].phase), tc_phase_name((tc_phase)log[i].end_phase), log[i].work,
                (unsigned long long)log[i].duration_ns);
    tc_log_clear(F.h);
}

NOCOV static void model_check(void) {
    char msg[512];
    check_pause_log();
    if (!tc_verify(F.h, msg, sizeof msg)) die("tc_verify: %s", msg);
    model_reach();
    /* tc_describe knows one reachable object a step (it costs a pass over
     * the page table) and refuses a pointer just inside it. */
    if (F.n) {
        size_t id = F.op_index % F.n;
        tc_object_info d;
        if (F.reach[id]) {
            const mobj *o = &F.o[id];
            if (!tc_describe(F.h, o->addr, &d) || d.obj != o->addr || d.nslots != o->nslots || d.nraw != o->nraw)
                die("tc_describe does not know reachable object #%zu (%p)", id, o->addr);
            if (tc_describe(F.h, (char *)o->addr + 8, &d))
                die("tc_describe took %p, inside object #%zu, for an object", (void *)((char *)o->addr + 8), id);
        }
    }
    for (size_t id = 0; id < F.n; id++) {
        if (!F.reach[id]) continue;
        const mobj *o = &F.o[id];
        if (tc_colour_of(F.h, o->addr) == TC_FREE) die("reachable object #%zu (%p) was freed", id, o->addr);
        if (tc_nslots(o->addr) != o->nslots || tc_nraw(o->addr) != o->nraw)
            die("object #%zu (%p): shape %u/%u, expected %u/%u", id, o->addr, tc_nslots(o->addr), tc_nraw(o->addr),
                o->nslots, o->nraw);
        for (uint32_t i = 0; i < o->nslots; i++) {
            void *want = o->edges[i] >= 0 ? F.o[o->edges[i]].addr : NULL;
            void *got = tc_load(F.h, o->addr, i);
            if (got != want) die("object #%zu slot %u: %p, expected %p", id, i, got, want);
        }
        check_pattern(o, (int32_t)id);
    }
    /* The roots the heap reports are the ones the model holds. */
    size_t want = 0;
    for (int k = 0; k < NGLOBALS; k++) want += F.globals[k] != NULL;
    for (size_t k = 0; k < F.depth; k++) want += F.locals[k] != NULL;
    size_t got = tc_root_objects(F.h, NULL, 0);
    if (got != want) die("tc_root_objects: %zu roots, the model holds %zu", got, want);
}

/* Renumbers the model to its reachable objects (ids shift down). */
NOCOV static void model_compact(void) {
    model_reach();
    int32_t *remap = malloc(F.n * sizeof *remap);
    size_t m = 0;
    for (size_t id = 0; id < F.n; id++) {
        if (F.reach[id]) {
            remap[id] = (int32_t)m;
            F.o[m++] = F.o[id];
        } else {
            remap[id] = -1;
            free(F.o[id].edges);
        }
    }
    for (size_t id = 0; id < m; id++)
        for (uint32_t i = 0; i < F.o[id].nslots; i++)
            if (F.o[id].edges[i] >= 0) F.o[id].edges[i] = remap[F.o[id].edges[i]];
    for (int k = 0; k < NGLOBALS; k++)
        if (F.global_id[k] >= 0) F.global_id[k] = remap[F.global_id[k]];
    for (size_t k = 0; k < F.depth; k++)
        if (F.local_id[k] >= 0) F.local_id[k] = remap[F.local_id[k]];
    F.n = m;
    free(remap);
}

/* tc_collect runs a whole cycle that starts after the last mutation, so
 * afterwards the heap holds exactly what the model reaches. */
static void do_collect(void) {
    tc_collect(F.h);
    size_t live = model_reach();
    tc_stats s;
    tc_get_stats(F.h, &s);
    if (s.live_objects != live)
        die("after tc_collect: %llu objects live, the model reaches %zu", (unsigned long long)s.live_objects, live);
    if (tc_current_phase(F.h) != TC_PHASE_IDLE)
        die("tc_collect left the heap in phase %s", tc_phase_name(tc_current_phase(F.h)));
    model_compact();
}

/* ---------- picking things ---------- */

/* A root slot: 0..NGLOBALS-1 are globals, then the pushed locals. */
static size_t nroot_slots(void) { return NGLOBALS + F.depth; }
static void **root_var(size_t k) { return k < NGLOBALS ? &F.globals[k] : &F.locals[k - NGLOBALS]; }
static int32_t *root_id(size_t k) { return k < NGLOBALS ? &F.global_id[k] : &F.local_id[k - NGLOBALS]; }
static void set_root(size_t k, int32_t id) {
    *root_var(k) = id >= 0 ? F.o[id].addr : NULL;
    *root_id(k) = id;
}

/* A reachable object: from a root chosen by one byte, a walk of up to 7
 * steps steered by the next. -1 if that root is empty. */
static int32_t pick_reachable(void) {
    int32_t id = *root_id(u8() % nroot_slots());
    uint8_t walk = u8();
    for (int s = 0; s < (walk & 7) && id >= 0; s++) {
        const mobj *o = &F.o[id];
        if (!o->nslots) break;
        int32_t next = o->edges[(uint32_t)(walk >> 3) * 7919u % o->nslots];
        if (next < 0) break;
        id = next;
    }
    return id;
}

/* ---------- operations ---------- */

/* A new object: NULL slots, zeroed raw bytes (sampled in big ones). */
NOCOV static void check_fresh(void *obj, uint32_t nslots, uint32_t nraw) {
    for (uint32_t i = 0; i < nslots; i++)
        if (((void **)obj)[i]) die("new object slot %u is not NULL", i);
    const uint8_t *raw = tc_raw(obj);
    for (uint32_t i = 0; i<nraw; i += nraw> 4096 ? 61 : 1)
        if (raw[i]) die("new object raw byte %u is not zero", i);
}

static void op_alloc(int kind) {
    uint32_t nslots, nraw;
    uint32_t a = u16(), b = u16();
    switch (kind) {
    case 0: nslots = a % 9, nraw = b % 97; break;                    /* small */
    case 1: nslots = 512 + a % 1600, nraw = b % 4096; break;         /* large: cell over 4 KiB */
    case 2: nslots = a % 64, nraw = 4096 + b % 61440; break;         /* large, mostly raw */
    default: nslots = a % 3000, nraw = (1u << 18) + (b << 5); break; /* huge: 256 KiB..2.3 MiB */
    }
    if (F.n == MAX_OBJS) do_collect();
    if (F.n == MAX_OBJS) return; /* all reachable: the model is full */
    int oom_before = F.oom_count;
    void *obj = tc_alloc(F.h, nslots, nraw);
    tc_config c;
    tc_get_config(F.h, &c);
    if (!obj) {
        /* NULL only under a heap limit, after on_oom was told. */
        if (!c.heap_limit) die("tc_alloc(%u, %u) returned NULL without a heap limit", nslots, nraw);
        if (F.oom_count != oom_before + 1) die("tc_alloc returned NULL without calling on_oom once");
        return;
    }
    if (F.oom_count != oom_before) die("on_oom called but tc_alloc succeeded");
    if (tc_nslots(obj) != nslots || tc_nraw(obj) != nraw)
        die("new object has shape %u/%u, asked %u/%u", tc_nslots(obj), tc_nraw(obj), nslots, nraw);
    check_fresh(obj, nslots, nraw);
    int32_t id = (int32_t)F.n++;
    mobj *o = &F.o[id];
    o->addr = obj;
    o->nslots = nslots;
    o->nraw = nraw;
    o->edges = malloc((nslots ? nslots : 1) * sizeof *o->edges);
    for (uint32_t i = 0; i < nslots; i++) o->edges[i] = -1;
    o->seed = (uint64_t)F.op_index * 0x100000001B3ULL + (uint64_t)id;
    fill_pattern(o);
    /* Hang it under a reachable object or in a root before anything else
     * can allocate (and so collect). */
    uint8_t where = u8();
    int32_t parent = (where & 1) ? pick_reachable() : -1;
    if (parent >= 0 && F.o[parent].nslots) {
        uint32_t s = u16() % F.o[parent].nslots;
        tc_store(F.h, F.o[parent].addr, s, obj);
        F.o[parent].edges[s] = id;
    } else {
        set_root((where >> 1) % nroot_slots(), id);
    }
}

static void op_store(void) {
    int32_t x = pick_reachable();
    if (x < 0 || !F.o[x].nslots) return;
    int32_t y = (u8() & 7) == 0 ? -1 : pick_reachable();
    uint32_t s = u16() % F.o[x].nslots;
    tc_store(F.h, F.o[x].addr, s, y >= 0 ? F.o[y].addr : NULL);
    F.o[x].edges[s] = y;
}

static void op_load_to_root(void) {
    int32_t x = pick_reachable();
    size_t k = u8() % nroot_slots();
    if (x < 0 || !F.o[x].nslots) return;
    uint32_t s = u16() % F.o[x].nslots;
    void *v = tc_load(F.h, F.o[x].addr, s);
    int32_t want = F.o[x].edges[s];
    if (v != (want >= 0 ? F.o[want].addr : NULL)) die("tc_load slot %u: %p disagrees with the model", s, v);
    set_root(k, want);
}

static void op_push(void) {
    if (F.depth == NLOCALS) return;
    size_t k = F.depth;
    F.locals[k] = NULL;
    F.local_id[k] = -1;
    tc_root_push(F.h, &F.locals[k]);
    F.depth++;
    /* A fresh local usually holds something at once. */
    if (u8() & 1) set_root(NGLOBALS + k, pick_reachable());
}

static void op_pop(void) {
    size_t n = 1 + u8() % 3;
    if (n > F.depth) n = F.depth;
    tc_root_pop(F.h, n);
    F.depth -= n;
    if (tc_root_depth(F.h) != F.depth) die("tc_root_depth %zu, expected %zu", tc_root_depth(F.h), F.depth);
}

static void op_rewrite_raw(void) {
    int32_t x = pick_reachable();
    if (x < 0) return;
    F.o[x].seed = F.o[x].seed * 31 + u8() + 1;
    fill_pattern(&F.o[x]);
}

static const char *const knob_names[] = {"barrier",    "budget_unit",  "step_work",  "step_usec",  "trigger_pct",
                                         "runway_pct", "pause_target", "heap_limit", "mem_thread", "verify_each_step",
                                         "concurrent", "gc_cpu_pct",   "min_heap"};
enum { NKNOBS = sizeof knob_names / sizeof knob_names[0] };

/* Sets one knob. Mostly valid values; one in eight is raw bytes, which may
 * be out of range: then tc_set_config must refuse and keep the old config. */
static void op_config(void) {
    uint8_t which = u8() % NKNOBS;
    bool wild = (u8() & 7) == 0;
    uint32_t v = u32();
    tc_config old, c;
    tc_get_config(F.h, &old);
    c = old;
    switch (which) {
    case 0: c.barrier = (tc_barrier)(wild ? v : v % TC_BARRIER_COUNT); break;
    case 1: c.budget_unit = (tc_budget_unit)(wild ? v : v % 2); break;
    case 2: c.step_work = wild ? v : 1 + v % 20000; break;
    case 3: c.step_usec = wild ? v : 1 + v % 300; break;
    case 4: c.trigger_pct = wild ? v : TC_TRIGGER_PCT_MIN + v % 400; break;
    case 5: c.runway_pct = wild ? v : TC_RUNWAY_PCT_MIN + v % (TC_RUNWAY_PCT_MAX - TC_RUNWAY_PCT_MIN + 1); break;
    case 6: c.pause_target_usec = wild ? v : (v & 1) ? 0 : TC_PAUSE_TARGET_USEC_MIN + v % 2000; break;
    case 7: c.heap_limit = wild ? (size_t)v : (v & 1) ? 0 : ((size_t)8 << 20) + (size_t)(v % 64) * (1 << 20); break;
    case 8: c.mem_thread = v & 1; break;
    case 9: c.verify_each_step = v & 1; break;
    case 10: c.concurrent = v & 1; break; /* refused beside steele or stw */
    case 11: c.gc_cpu_pct = wild ? v : TC_GC_CPU_PCT_MIN + v % TC_GC_CPU_PCT_MAX; break;
    default: c.min_heap = wild ? (size_t)v : (size_t)(64 << 10) + (size_t)(v % 64) * (64 << 10); break;
    }
    if (c.heap_limit && c.min_heap > c.heap_limit) c.min_heap = c.heap_limit; /* keep valid ones valid */
    const char *expect_bad = tc_config_check(&c);
    const char *bad = tc_set_config(F.h, &c);
    /* One refusal depends on the heap, not the config: a heap_limit below
     * what the heap still holds after the full collection tc_set_config
     * runs then (tests/fuzz/regress/heap-limit-below-heap). */
    bool heap_refusal = bad && !expect_bad && strstr(bad, "heap_limit") && strstr(bad, "holds");
    if ((bad == NULL) != (expect_bad == NULL) && !heap_refusal)
        die("tc_set_config and tc_config_check disagree on %s", knob_names[which]);
    tc_config now;
    tc_get_config(F.h, &now);
    const tc_config *want = bad ? &old : &c;
    if (now.barrier != want->barrier || now.step_work != want->step_work || now.trigger_pct != want->trigger_pct ||
        now.heap_limit != want->heap_limit || now.runway_pct != want->runway_pct ||
        now.concurrent != want->concurrent || now.gc_cpu_pct != want->gc_cpu_pct)
        die("tc_get_config after %s tc_set_config(%s) does not read back", bad ? "a refused" : "an accepted",
            knob_names[which]);
}

/* Deliberate misuse: the handler must hear of it and nothing may change. */
static void op_misuse(void) {
    int before = F.misuse_count, expected = 1;
    size_t depth = tc_root_depth(F.h);
    switch (u8() % 4) {
    case 0: tc_root_pop(F.h, F.depth + 1 + u8()); break;
    case 1: {
        void *not_a_root = NULL;
        if (tc_root_remove(F.h, &not_a_root)) die("tc_root_remove of a non-root returned true");
        break;
    }
    case 2: {
        if (tc_alloc(F.h, TC_MAX_SLOTS + 1u + u8(), 0)) die("an oversized tc_alloc returned an object");
        break;
    }
    default: {
        int32_t x = pick_reachable();
        if (x < 0) return;
        uint32_t s = F.o[x].nslots + u8();
        if (tc_load(F.h, F.o[x].addr, s) != NULL) die("tc_load of slot %u out of range returned non-NULL", s);
        tc_store(F.h, F.o[x].addr, s, F.o[x].addr); /* must do nothing */
        expected = 2;
        break;
    }
    }
    if (F.misuse_count != before + expected)
        die("misuse reached the handler %d times, expected %d", F.misuse_count - before, expected);
    if (tc_root_depth(F.h) != depth) die("misuse changed the root stack depth");
}

static void setup(const uint8_t *data, size_t size) {
    memset(&F, 0, sizeof F);
    F.p = data;
    F.end = data + size;
    tc_config c;
    tc_config_default(&c);
    uint8_t a = u8(), b = u8();
    c.barrier = (tc_barrier)(a % TC_BARRIER_COUNT);
    c.budget_unit = (a >> 2 & 3) == 3 ? TC_BUDGET_USEC : TC_BUDGET_WORK;
    c.step_work = 1 + (uint32_t)b * 37;
    c.step_usec = 1 + b % 50;
    c.min_heap = (size_t)(64 << 10) << (a >> 4 & 3);
    c.mem_thread = a >> 6 & 1;
    c.verify_each_step = a >> 7 & 1;
    /* The concurrent mode (a marker thread) with the barriers it runs. */
    c.concurrent = (b & 1) && c.barrier != TC_BARRIER_STEELE && c.barrier != TC_BARRIER_STW;
    c.on_misuse = on_misuse;
    c.on_oom = on_oom;
    F.h = tc_heap_new(&c);
    if (!F.h) die("tc_heap_new refused a valid config");
    for (int k = 0; k < NGLOBALS; k++) {
        F.global_id[k] = -1;
        if (!tc_root_add(F.h, &F.globals[k])) die("tc_root_add failed");
    }
}

static void teardown(void) {
    tc_root_pop(F.h, F.depth);
    for (int k = 0; k < NGLOBALS; k++) tc_root_remove(F.h, &F.globals[k]);
    tc_heap_free(F.h);
    for (size_t i = 0; i < F.n; i++) free(F.o[i].edges);
    F.h = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    setup(data, size);
    static const char *const names[] = {"alloc small",  "alloc large", "alloc large raw", "alloc huge", "store",
                                        "load to root", "drop root",   "push local",      "pop locals", "rewrite raw",
                                        "step",         "collect",     "config",          "misuse"};
    /* Weights: an op byte picks by its value, so small objects and stores
     * dominate, as in real mutators. */
    static const uint8_t cut[] = {70, 80, 86, 88, 130, 150, 160, 175, 188, 196, 226, 232, 250, 255};
    for (F.op_index = 0; F.p < F.end && F.op_index < 4096; F.op_index++) {
        uint8_t b = u8(), op = 0;
        while (b > cut[op]) op++;
        F.op_name = names[op];
        switch (op) {
        case 0:
        case 1:
        case 2:
        case 3: op_alloc(op); break;
        case 4: op_store(); break;
        case 5: op_load_to_root(); break;
        case 6: set_root(u8() % nroot_slots(), -1); break;
        case 7: op_push(); break;
        case 8: op_pop(); break;
        case 9: op_rewrite_raw(); break;
        case 10: tc_step(F.h); break;
        case 11: do_collect(); break;
        case 12: op_config(); break;
        default: op_misuse(); break;
        }
        model_check();
    }
    F.op_name = "final collect";
    do_collect();
    teardown();
    return 0;
}
