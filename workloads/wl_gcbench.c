/*
 * wl_gcbench.c — the classic GCBench (John Ellis, Pete Kovac, Hans Boehm).
 *
 * Its shape, at `default` size exactly the classic parameters:
 *   1. a short-lived "stretch" tree of depth 18, built and dropped;
 *   2. a long-lived tree of depth 16, kept to the end;
 *   3. a long-lived pointer-free array of 500,000 doubles;
 *   4. for depths 4, 6, ..., 16: as many trees as fit the stretch tree's
 *      size, built top-down (populate) and then bottom-up (make_tree), each
 *      dropped at once;
 *   5. a check that the long-lived tree and array are intact.
 * A node has two pointer slots and two 32-bit integers (8 raw bytes): 24
 * bytes of payload, a 32-byte cell on either collector.
 *
 * Checksum: nodes built per phase, the long-lived tree's node count and
 * depth sum, and sampled array values.
 */
#include "mutator.h"

#define NODE_SLOTS 2
#define NODE_RAW   8

typedef struct gcb_params {
    int stretch_depth, long_lived_depth, min_depth, max_depth;
    uint32_t array_size;
} gcb_params;

static const gcb_params sizes[3] = {
    [WL_SMALL] = {12, 10, 4, 10, 10000},
    [WL_DEFAULT] = {18, 16, 4, 16, 500000},
    [WL_LARGE] = {20, 18, 4, 18, 2000000},
};

static long tree_size(int depth) { return (1L << (depth + 1)) - 1; }

static void *new_node(mut *m, int depth) {
    void *n = mut_alloc(m, NODE_SLOTS, NODE_RAW);
    int32_t *ij = mut_raw(n, NODE_SLOTS);
    ij[0] = depth;
    ij[1] = -depth;
    return n;
}

/* Bottom-up: children first, then their parent. */
static void *make_tree(mut *m, int depth) {
    if (depth <= 0) return new_node(m, 0);
    void *left = make_tree(m, depth - 1);
    MUT_PUSH(m, &left);
    void *right = make_tree(m, depth - 1);
    MUT_PUSH(m, &right);
    void *n = new_node(m, depth);
    mut_store(m, n, 0, left);
    mut_store(m, n, 1, right);
    mut_pop(m, 2);
    return n;
}

/* Top-down: the parent exists (and is reachable) before its children. */
static void populate(mut *m, int depth, void *node) {
    if (depth <= 0) return;
    depth--;
    MUT_PUSH(m, &node);
    mut_store(m, node, 0, new_node(m, depth));
    mut_store(m, node, 1, new_node(m, depth));
    populate(m, depth, mut_load(m, node, 0));
    populate(m, depth, mut_load(m, node, 1));
    mut_pop(m, 1);
}

static void tree_stats(mut *m, void *node, uint64_t *count, uint64_t *depth_sum) {
    while (node) {
        ++*count;
        *depth_sum += (uint64_t)((int32_t *)mut_raw(node, NODE_SLOTS))[0];
        tree_stats(m, mut_load(m, node, 0), count, depth_sum);
        node = mut_load(m, node, 1);
    }
}

uint64_t MUT_NAME(wl_gcbench)(mut *m, int size, uint64_t seed);
uint64_t MUT_NAME(wl_gcbench)(mut *m, int size, uint64_t seed) {
    (void)seed; /* GCBench is deterministic by construction */
    const gcb_params *p = &sizes[size];
    uint64_t sum = 0;

    /* 1. Stretch the heap. */
    void *temp = make_tree(m, p->stretch_depth);
    sum = wl_mix(sum, (uint64_t)tree_size(p->stretch_depth));
    temp = NULL;

    /* 2-3. Long-lived data. */
    void *long_lived = new_node(m, p->long_lived_depth);
    MUT_PUSH(m, &long_lived);
    populate(m, p->long_lived_depth, long_lived);
    void *array = mut_alloc(m, 0, p->array_size * (uint32_t)sizeof(double));
    MUT_PUSH(m, &array);
    double *d = mut_raw(array, 0);
    for (uint32_t i = 0; i < p->array_size / 2; i++) d[i] = 1.0 / (i + 1);

    /* 4. Short-lived trees of growing depth. */
    for (int depth = p->min_depth; depth <= p->max_depth; depth += 2) {
        long iters = 2 * tree_size(p->stretch_depth) / tree_size(depth);
        for (long i = 0; i < iters; i++) {
            temp = new_node(m, depth);
            populate(m, depth, temp);
            temp = NULL;
        }
        for (long i = 0; i < iters; i++) temp = make_tree(m, depth);
        temp = NULL;
        sum = wl_mix(sum, (uint64_t)(iters * tree_size(depth)));
    }

    /* 5. The long-lived data survived intact. */
    uint64_t count = 0, depth_sum = 0;
    tree_stats(m, long_lived, &count, &depth_sum);
    sum = wl_mix(sum, count);
    sum = wl_mix(sum, depth_sum);
    for (uint32_t i = 0; i < p->array_size / 2; i += 997) sum = wl_mix(sum, (uint64_t)(d[i] * 1e12));
    mut_pop(m, 2);
    (void)temp;
    return sum;
}
