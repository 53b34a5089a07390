/*
 * wl_binary_trees.c — the Computer Language Benchmarks Game's binary-trees.
 *
 * Its shape, for a maximum depth D (the size parameter: 10, 16, 20):
 *   1. a "stretch" tree of depth D+1, built, checked and dropped;
 *   2. a long-lived tree of depth D, kept to the end;
 *   3. for depths d = 4, 6, ..., D: 2^(D - d + 4) trees of depth d, each
 *      built bottom-up, checked and dropped at once;
 *   4. the long-lived tree checked again.
 * Almost everything dies young and every tree is complete, so this is the
 * allocation-rate case: no stores into old objects, few survivors.
 *
 * A node has two pointer slots and an 8-byte item (the older version of the
 * benchmark, before items were removed): a tree built from item i gives its
 * children items 2i-1 and 2i. Items make the run depend on the seed (each
 * tree's top item is drawn from it) without changing the shape.
 *
 * Checksum: per phase, the node count of every tree checked and the
 * classic item check (item + check(left) - check(right)), summed over the
 * trees of that depth.
 */
#include "mutator.h"

#define NODE_SLOTS 2
#define NODE_RAW   8

static const int max_depths[3] = {[WL_SMALL] = 10, [WL_DEFAULT] = 16, [WL_LARGE] = 20};

enum { MIN_DEPTH = 4 };

/* Children first, then their parent: only the two finished subtrees need
 * rooting while the parent is allocated. */
static void *bottom_up(mut *m, int64_t item, int depth) {
    void *left = NULL, *right = NULL;
    if (depth > 0) {
        left = bottom_up(m, 2 * item - 1, depth - 1);
        MUT_PUSH(m, &left);
        right = bottom_up(m, 2 * item, depth - 1);
        MUT_PUSH(m, &right);
    }
    void *n = mut_alloc(m, NODE_SLOTS, NODE_RAW);
    *(int64_t *)mut_raw(n, NODE_SLOTS) = item;
    if (depth > 0) {
        mut_store(m, n, 0, left);
        mut_store(m, n, 1, right);
        mut_pop(m, 2);
    }
    return n;
}

/* Counts the nodes and returns the item check. Does not allocate, so the
 * tree needs no rooting here beyond what the caller holds. */
static int64_t check(mut *m, void *node, uint64_t *count) {
    ++*count;
    int64_t item = *(int64_t *)mut_raw(node, NODE_SLOTS);
    void *left = mut_load(m, node, 0);
    if (!left) return item;
    return item + check(m, left, count) - check(m, mut_load(m, node, 1), count);
}

/* Items are kept small enough that 2^depth * item cannot overflow. */
static int64_t draw_item(wl_rng *r) { return (int64_t)wl_rng_below(r, 1u << 20) - (1 << 19); }

uint64_t MUT_NAME(wl_binary_trees)(mut *m, int size, uint64_t seed);
uint64_t MUT_NAME(wl_binary_trees)(mut *m, int size, uint64_t seed) {
    const int max_depth = max_depths[size];
    wl_rng r;
    wl_rng_seed(&r, seed);
    uint64_t sum = 0, count = 0;

    /* 1. Stretch the heap. */
    void *tree = bottom_up(m, draw_item(&r), max_depth + 1);
    int64_t ck = check(m, tree, &count);
    sum = wl_mix(wl_mix(sum, count), (uint64_t)ck);
    tree = NULL;

    /* 2. The long-lived tree, rooted to the end. */
    const int64_t long_item = draw_item(&r);
    void *long_lived = bottom_up(m, long_item, max_depth);
    MUT_PUSH(m, &long_lived);

    /* 3. Short-lived trees: the same number of nodes at every depth. */
    for (int d = MIN_DEPTH; d <= max_depth; d += 2) {
        const long iters = 1L << (max_depth - d + MIN_DEPTH);
        uint64_t nodes = 0;
        int64_t cks = 0;
        for (long i = 0; i < iters; i++) {
            tree = bottom_up(m, draw_item(&r), d);
            cks += check(m, tree, &nodes);
            tree = NULL;
        }
        sum = wl_mix(wl_mix(wl_mix(sum, (uint64_t)iters), nodes), (uint64_t)cks);
    }

    /* 4. The long-lived tree survived every collection intact. */
    count = 0;
    ck = check(m, long_lived, &count);
    sum = wl_mix(wl_mix(sum, count), (uint64_t)ck);
    sum = wl_mix(sum, (uint64_t)long_item);
    mut_pop(m, 1);
    (void)tree;
    return sum;
}
