/*
 * wl_fragment.c — objects of very different sizes, interleaved: the
 * fragmentation case.
 *
 * Its shape: a rooted table of T entries. Each operation replaces a random
 * entry with a new object of one of four kinds, drawn with fixed odds:
 *   node    1-4 slots pointing at other table entries, 16-64 raw bytes
 *   medium  8 slots pointing at table entries, 1-5 KiB raw (some of them
 *           past the 4 KiB small-object limit)
 *   array   a pointer array of at least 131072 slots (>= 1 MiB), a few of
 *           them pointing at table entries
 *   buffer  pointer-free, 64 KiB .. max_buffer raw bytes
 * Replacement is random, so objects of every size die in every order and
 * free space is left in holes of every size: small-object pages half
 * empty, large mappings returned and requested again. Nodes, medium
 * objects and arrays point at table entries, so a replaced object can
 * live on; such chains are at most MAX_DEPTH deep, or every new object
 * would keep a path back to the start of the run alive.
 *
 * Layout. Raw word 0 of every object is its tag (drawn from the seed); the
 * last raw word of a medium object or buffer is ~tag, and a buffer also
 * holds tag + i in every 512th word (every page touched). A node keeps its
 * children's slot counts in raw words 1..nslots, since a raw part can only
 * be found by whoever knows the slot count; the table's own are kept in a
 * pointer-free shadow object (slot count, raw words and depth per entry).
 *
 * Checksum: every replaced object mixes in its tag, its checked words and
 * (nodes) its children's tags; at the end every entry does, in order.
 */
#include "mutator.h"

typedef struct frag_params {
    uint32_t table; /* T entries */
    uint64_t ops;
    uint32_t max_buffer; /* bytes */
    uint32_t max_array;  /* extra slots over 131072 (0: all exactly 131072) */
} frag_params;

static const frag_params sizes[3] = {
    [WL_SMALL] = {1024, 5000, 256u << 10, 0},
    [WL_DEFAULT] = {1536, 200000, 2u << 20, 131072},
    [WL_LARGE] = {4096, 500000, 2u << 20, 131072},
};

/* Odds per mille: nodes dominate by count, buffers and arrays by bytes. */
enum { P_NODE = 900, P_MEDIUM = 70, P_ARRAY = 5 }; /* buffers: the rest (25) */
enum { MAX_DEPTH = 2, MIN_ARRAY = 131072, ARRAY_LINKS = 16, MEDIUM_SLOTS = 8 };
enum { MIN_BUFFER = 64u << 10, BUFFER_STRIDE = 512 }; /* stride in words: one a page */

typedef struct shape {
    uint32_t nslots, nwords;
    uint32_t depth; /* 0 without children, else 1 + the deepest child's */
} shape;

static uint64_t tag_of(void *obj, uint32_t nslots) { return *(uint64_t *)mut_raw(obj, nslots); }

/* What the checksum sees of one object. Reads only; never allocates. */
static uint64_t digest(mut *m, void *obj, shape s) {
    const uint64_t *w = mut_raw(obj, s.nslots);
    uint64_t d = wl_mix(w[0], s.nslots);
    d = wl_mix(d, s.nwords);
    if (s.nslots == 0) { /* buffer */
        for (uint32_t i = BUFFER_STRIDE; i < s.nwords - 1; i += BUFFER_STRIDE) d = wl_mix(d, w[i] - w[0] - i);
        d = wl_mix(d, ~w[s.nwords - 1]);
    } else if (s.nslots <= 4) { /* node */
        for (uint32_t k = 0; k < s.nslots; k++) {
            void *c = mut_load(m, obj, k);
            d = wl_mix(d, c ? tag_of(c, (uint32_t)w[1 + k]) : 0);
        }
    } else if (s.nslots == MEDIUM_SLOTS) {
        d = wl_mix(d, ~w[s.nwords - 1]);
    }
    return d;
}

uint64_t MUT_NAME(wl_fragment)(mut *m, int size, uint64_t seed);
uint64_t MUT_NAME(wl_fragment)(mut *m, int size, uint64_t seed) {
    const frag_params *p = &sizes[size];
    const uint32_t t = p->table;
    wl_rng r;
    wl_rng_seed(&r, seed);
    uint64_t sum = 0;

    void *table = NULL, *shapes_obj = NULL, *obj = NULL;
    MUT_PUSH(m, &table);
    MUT_PUSH(m, &shapes_obj);
    MUT_PUSH(m, &obj);
    table = mut_alloc(m, t, 0);
    shapes_obj = mut_alloc(m, 0, t * (uint32_t)sizeof(shape));
    /* Objects never move and shapes_obj stays rooted: this stays valid. */
    shape *shapes = mut_raw(shapes_obj, 0);

    for (uint64_t op = 0; op < p->ops; op++) {
        const uint32_t victim = wl_rng_below(&r, t);
        const uint32_t kind = wl_rng_below(&r, 1000);
        const uint64_t tag = wl_rng_next(&r);
        shape s = {0, 0, 0};
        if (kind < P_NODE) {
            s.nslots = 1 + wl_rng_below(&r, 4);
            s.nwords = 1 + s.nslots + wl_rng_below(&r, 8 - s.nslots);
        } else if (kind < P_NODE + P_MEDIUM) {
            s.nslots = MEDIUM_SLOTS;
            s.nwords = (1024 + wl_rng_below(&r, 4096)) / 8;
        } else if (kind < P_NODE + P_MEDIUM + P_ARRAY) {
            s.nslots = MIN_ARRAY + (p->max_array ? wl_rng_below(&r, p->max_array) : 0);
            s.nwords = 1;
        } else {
            s.nslots = 0;
            s.nwords = (MIN_BUFFER + wl_rng_below(&r, p->max_buffer - MIN_BUFFER + 1)) / 8;
        }
        obj = mut_alloc(m, s.nslots, s.nwords * 8);
        uint64_t *w = mut_raw(obj, s.nslots);
        w[0] = tag;

        /* Links to other entries; the victim itself may be one, and then
         * outlives its replacement. A pick that is too deep is skipped. */
        const uint32_t links = s.nslots == 0 ? 0 : s.nslots <= MEDIUM_SLOTS ? s.nslots : ARRAY_LINKS;
        for (uint32_t k = 0; k < links; k++) {
            uint32_t at = wl_rng_below(&r, t);
            uint32_t slot = s.nslots <= MEDIUM_SLOTS ? k : wl_rng_below(&r, s.nslots);
            void *c = mut_load(m, table, at);
            if (!c || shapes[at].depth >= MAX_DEPTH) continue;
            mut_store(m, obj, slot, c);
            if (s.nslots <= 4) w[1 + k] = shapes[at].nslots;
            if (shapes[at].depth + 1 > s.depth) s.depth = shapes[at].depth + 1;
        }
        if (s.nslots == 0) {
            for (uint32_t i = BUFFER_STRIDE; i < s.nwords - 1; i += BUFFER_STRIDE) w[i] = tag + i;
            w[s.nwords - 1] = ~tag;
        } else if (s.nslots == MEDIUM_SLOTS) {
            w[s.nwords - 1] = ~tag;
        }

        void *old = mut_load(m, table, victim);
        if (old) sum = wl_mix(sum, digest(m, old, shapes[victim])); /* no allocation since the load */
        mut_store(m, table, victim, obj);
        shapes[victim] = s;
        obj = NULL;
    }

    for (uint32_t i = 0; i < t; i++) {
        void *o = mut_load(m, table, i);
        sum = wl_mix(sum, o ? digest(m, o, shapes[i]) : 0);
    }
    mut_pop(m, 3);
    return sum;
}
