/*
 * wl_mutate.c — a large random graph, rewired constantly: the barrier case.
 *
 * Its shape: N nodes of four pointer slots and an 8-byte tag, built once
 * and wired at random, then S steps of mutation. Each step picks a random
 * node and slot and stores a pointer to another random node there, so
 * almost every store writes into an old object that the marker may
 * already have blackened: the write barrier's slow path runs often while
 * a cycle is marking. One step in REPLACE_EVERY instead replaces a node in
 * the index by a fresh one with four random edges; the old node lives on
 * while other nodes still point at it and becomes garbage as their slots
 * are rewired, so garbage appears slowly and in every part of the heap.
 *
 * Nodes are reached through a rooted index: a top pointer array whose
 * entries are chunks of at most 65536 slots (512 KiB), so no single object
 * is huge; node i is chunk i / 65536, slot i % 65536.
 *
 * Checksum: the tag of every slot's previous target as it is overwritten
 * (edges must be intact to read it), the tags of replaced nodes, and at
 * the end every indexed node's tag and its four targets' tags in order.
 */
#include "mutator.h"

#define NODE_SLOTS 4
#define NODE_RAW   8

typedef struct mutate_params {
    uint32_t nodes;
    uint64_t steps;
} mutate_params;

static const mutate_params sizes[3] = {
    [WL_SMALL] = {20000, 200000},
    [WL_DEFAULT] = {1000000, 20000000},
    [WL_LARGE] = {4000000, 80000000},
};

enum { CHUNK_BITS = 16, CHUNK = 1 << CHUNK_BITS, REPLACE_EVERY = 64 };

static void *node_at(mut *m, void *index, uint32_t i) {
    return mut_load(m, mut_load(m, index, i >> CHUNK_BITS), i & (CHUNK - 1));
}

static void set_node(mut *m, void *index, uint32_t i, void *node) {
    mut_store(m, mut_load(m, index, i >> CHUNK_BITS), i & (CHUNK - 1), node);
}

static uint64_t tag_of(void *node) { return node ? *(uint64_t *)mut_raw(node, NODE_SLOTS) : 0; }

static void *new_node(mut *m, wl_rng *r) {
    void *n = mut_alloc(m, NODE_SLOTS, NODE_RAW);
    *(uint64_t *)mut_raw(n, NODE_SLOTS) = wl_rng_next(r) | 1; /* never 0: 0 stands for NULL */
    return n;
}

uint64_t MUT_NAME(wl_mutate)(mut *m, int size, uint64_t seed);
uint64_t MUT_NAME(wl_mutate)(mut *m, int size, uint64_t seed) {
    const mutate_params *p = &sizes[size];
    const uint32_t n = p->nodes;
    const uint32_t nchunks = (n + CHUNK - 1) / CHUNK;
    wl_rng r;
    wl_rng_seed(&r, seed);
    uint64_t sum = 0;

    void *index = NULL, *fresh = NULL;
    MUT_PUSH(m, &index);
    MUT_PUSH(m, &fresh);
    index = mut_alloc(m, nchunks, 0);
    for (uint32_t c = 0; c < nchunks; c++) {
        uint32_t len = n - c * CHUNK < CHUNK ? n - c * CHUNK : CHUNK;
        void *chunk = mut_alloc(m, len, 0); /* index is rooted; chunk is stored before the next allocation */
        mut_store(m, index, c, chunk);
    }

    /* Build: every node is in the index before the edges are drawn, so an
     * edge can point anywhere. */
    for (uint32_t i = 0; i < n; i++) set_node(m, index, i, new_node(m, &r));
    for (uint32_t i = 0; i < n; i++) {
        void *node = node_at(m, index, i);
        for (uint32_t s = 0; s < NODE_SLOTS; s++) mut_store(m, node, s, node_at(m, index, wl_rng_below(&r, n)));
    }

    /* Mutate. Between allocations nodes are only reached through the
     * index, so plain locals are safe; `fresh` is pushed across the one
     * allocation. */
    uint64_t seen = 0;
    for (uint64_t step = 1; step <= p->steps; step++) {
        if (step % REPLACE_EVERY == 0) {
            uint32_t i = wl_rng_below(&r, n);
            fresh = new_node(m, &r);
            for (uint32_t s = 0; s < NODE_SLOTS; s++) mut_store(m, fresh, s, node_at(m, index, wl_rng_below(&r, n)));
            sum = wl_mix(sum, tag_of(node_at(m, index, i)));
            set_node(m, index, i, fresh);
            fresh = NULL;
            continue;
        }
        void *src = node_at(m, index, wl_rng_below(&r, n));
        uint32_t s = wl_rng_below(&r, NODE_SLOTS);
        void *dst = node_at(m, index, wl_rng_below(&r, n));
        /* A plain sum per step (mixing is order-sensitive and slower);
         * the previous target is read through the edge being replaced. */
        seen += tag_of(mut_load(m, src, s));
        mut_store(m, src, s, dst);
    }
    sum = wl_mix(sum, seen);

    for (uint32_t i = 0; i < n; i++) {
        void *node = node_at(m, index, i);
        sum = wl_mix(sum, tag_of(node));
        for (uint32_t s = 0; s < NODE_SLOTS; s++) sum = wl_mix(sum, tag_of(mut_load(m, node, s)));
    }
    mut_pop(m, 2);
    return sum;
}
