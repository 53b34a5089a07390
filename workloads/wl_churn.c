/*
 * wl_churn.c — a FIFO of short-lived small objects with a long-lived tail.
 *
 * Its shape: a ring of N slots held in one large GC pointer array. Each
 * step allocates a new object of 0-4 pointer slots and 8-64 raw bytes and
 * puts it in place of the oldest entry, so an object normally lives for
 * exactly N steps. Its slots point at other recent ring entries, so dying
 * objects carry edges and some live on past N steps (kept by a younger
 * object). Chains of such edges are at most MAX_DEPTH deep: otherwise
 * every new object would keep, through its children's children, a path
 * back to the start of the run alive, and nothing would ever die. Every
 * K-th object is also appended to a long-lived FIFO list of cons cells;
 * when that list reaches L cells its oldest quarter is cut off at once,
 * so old objects die in batches. This is the steady-state
 * "server" case: a high allocation rate, a constant live set, and a
 * population of survivors that outlive several cycles.
 *
 * Layout. Raw word 0 of every object is its tag; words 1.. hold tag + i.
 * Neither collector lets a Boehm build read an object's slot count, and the
 * raw bytes start after the slots, so whoever holds a pointer also knows
 * the target's slot count: the tag records its children's (3 bits each),
 * a cons cell (slots: next, object) keeps its object's in its raw word, and
 * the ring's are kept in a pointer-free shadow object, one byte per slot.
 *
 * Checksum: every object leaving the ring mixes in a digest of its raw
 * words and its children's tags; every object cut from the long list mixes
 * its tag; at the end the whole ring and list are mixed in, oldest first.
 * A collector that freed or reused a reachable object changes it.
 */
#include "mutator.h"

typedef struct churn_params {
    uint32_t ring;     /* N: ring slots (one pointer array) */
    uint64_t steps;    /* allocations into the ring */
    uint32_t every;    /* K: every K-th object also joins the long list */
    uint32_t list_max; /* L: the long list is trimmed at this length */
} churn_params;

static const churn_params sizes[3] = {
    [WL_SMALL] = {4096, 200000, 16, 2048},
    [WL_DEFAULT] = {131072, 10000000, 64, 32768},
    [WL_LARGE] = {524288, 40000000, 64, 131072},
};

enum { MAX_SLOTS = 4, MAX_WORDS = 8, MAX_DEPTH = 2 };

/* Tag: bits 0-31 drawn from the seed, 32-35 raw words (1..8), 36-38 slots
 * (0..4), 40-51 the children's slot counts, 3 bits per child, 52-53 the
 * depth: 0 without children, else 1 + the deepest child's. */
static uint32_t tag_words(uint64_t tag) { return (uint32_t)(tag >> 32) & 15u; }
static uint32_t tag_depth(uint64_t tag) { return (uint32_t)(tag >> 52) & 3u; }
static uint32_t tag_child_slots(uint64_t tag, uint32_t s) { return (uint32_t)(tag >> (40 + 3 * s)) & 7u; }

static uint64_t tag_of(void *obj, uint32_t nslots) { return *(uint64_t *)mut_raw(obj, nslots); }

/* Raw words and children of an object, as the checksum sees them. */
static uint64_t digest(mut *m, void *obj, uint32_t nslots) {
    const uint64_t *w = mut_raw(obj, nslots);
    const uint64_t tag = w[0];
    uint64_t d = tag;
    for (uint32_t i = 1; i < tag_words(tag); i++) d = wl_mix(d, w[i] - tag - i);
    for (uint32_t s = 0; s < nslots; s++) {
        void *c = mut_load(m, obj, s);
        d = wl_mix(d, c ? tag_of(c, tag_child_slots(tag, s)) : 0);
    }
    return d;
}

uint64_t MUT_NAME(wl_churn)(mut *m, int size, uint64_t seed);
uint64_t MUT_NAME(wl_churn)(mut *m, int size, uint64_t seed) {
    const churn_params *p = &sizes[size];
    const uint32_t n = p->ring;
    wl_rng r;
    wl_rng_seed(&r, seed);
    uint64_t sum = 0;

    void *ring = NULL, *shape_obj = NULL;
    void *head = NULL, *tail = NULL; /* long list: head oldest, tail newest */
    void *obj = NULL;
    MUT_PUSH(m, &ring);
    MUT_PUSH(m, &shape_obj);
    MUT_PUSH(m, &head);
    MUT_PUSH(m, &tail);
    MUT_PUSH(m, &obj);
    ring = mut_alloc(m, n, 0);
    shape_obj = mut_alloc(m, 0, n);
    /* Neither collector moves objects and shape_obj stays rooted, so its
     * raw bytes stay put for the whole run. */
    uint8_t *shape = mut_raw(shape_obj, 0);
    uint32_t list_len = 0;

    uint32_t pos = 0; /* the oldest entry, replaced next */
    for (uint64_t step = 0; step < p->steps; step++) {
        const uint32_t nslots = wl_rng_below(&r, MAX_SLOTS + 1);
        const uint32_t nwords = 1 + wl_rng_below(&r, MAX_WORDS);
        obj = mut_alloc(m, nslots, nwords * 8);
        uint64_t tag = (wl_rng_next(&r) & 0xFFFFFFFFu) | (uint64_t)nwords << 32 | (uint64_t)nslots << 36;

        /* Children: among the N/4 newest entries, so an edge extends a
         * child's life by less than N/4 steps per level of depth; a slot
         * whose pick is too deep stays NULL. */
        uint32_t depth = 0;
        for (uint32_t s = 0; s < nslots; s++) {
            uint32_t at = (pos + n - 1 - wl_rng_below(&r, n / 4)) % n;
            void *c = mut_load(m, ring, at);
            if (!c) continue;
            uint32_t cd = tag_depth(tag_of(c, shape[at]));
            if (cd >= MAX_DEPTH) continue;
            mut_store(m, obj, s, c);
            tag |= (uint64_t)shape[at] << (40 + 3 * s);
            if (cd + 1 > depth) depth = cd + 1;
        }
        tag |= (uint64_t)depth << 52;
        uint64_t *w = mut_raw(obj, nslots);
        w[0] = tag;
        for (uint32_t i = 1; i < nwords; i++) w[i] = tag + i;

        void *old = mut_load(m, ring, pos);
        if (old) sum = wl_mix(sum, digest(m, old, shape[pos])); /* no allocation in between: no root needed */
        mut_store(m, ring, pos, obj);
        shape[pos] = (uint8_t)nslots;
        pos = (pos + 1) % n;

        if (step % p->every == 0) {
            void *cell = mut_alloc(m, 2, 8); /* may collect: obj is pushed */
            mut_store(m, cell, 1, obj);
            *(uint64_t *)mut_raw(cell, 2) = nslots;
            if (tail)
                mut_store(m, tail, 0, cell);
            else
                head = cell;
            tail = cell;
            if (++list_len >= p->list_max) {
                /* Cut the oldest quarter: those objects die together. */
                for (uint32_t i = 0; i < p->list_max / 4; i++) {
                    sum = wl_mix(sum, tag_of(mut_load(m, head, 1), (uint32_t) * (uint64_t *)mut_raw(head, 2)));
                    head = mut_load(m, head, 0);
                }
                list_len -= p->list_max / 4;
            }
        }
        obj = NULL;
    }

    /* Everything still held, oldest first. */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = (pos + i) % n;
        void *o = mut_load(m, ring, at);
        if (o) sum = wl_mix(sum, digest(m, o, shape[at]));
    }
    for (void *c = head; c; c = mut_load(m, c, 0))
        sum = wl_mix(sum, tag_of(mut_load(m, c, 1), (uint32_t) * (uint64_t *)mut_raw(c, 2)));
    sum = wl_mix(sum, list_len);

    mut_pop(m, 5);
    return sum;
}
