/*
 * list_tree.c — the smallest complete program on Tricolor: a linked list
 * and a binary search tree in the collected heap, kept alive by roots,
 * linked by stores through the write barrier, and thrown away so the
 * collector can reclaim them.
 *
 * Build it as a user would, against the installed library:
 *     cc $(pkg-config --cflags tricolor) list_tree.c $(pkg-config --libs tricolor)
 *
 * The rules it follows (README, "Using the collector in your program"):
 *   - a pointer into the heap lives in a root (tc_root_add for a global,
 *     tc_root_push for a local) or in a slot of a reachable object, before
 *     the next call that may allocate, since any allocation may collect;
 *   - every pointer store into an object goes through tc_store;
 *   - only pointers to an object's start, as tc_alloc returned them;
 *   - one thread uses the heap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <tricolor.h>

/* A list cell: slot 0 is the next cell; raw bytes hold a 64-bit value. */
enum { CELL_NEXT = 0, CELL_SLOTS = 1 };
/* A tree node: slots 0 and 1 are the children; raw bytes hold the key. */
enum { NODE_LEFT = 0, NODE_RIGHT = 1, NODE_SLOTS = 2 };

static int64_t value_of(void *obj) { return *(int64_t *)tc_raw(obj); }

/* A global root: the collector reads `tree` at every collection. */
static void *tree;

/* Builds the list 0, 1, ..., n-1 (pushed at the front, so it reads n-1 first). */
static void *build_list(tc_heap *h, int n) {
    void *list = NULL;
    tc_root_push(h, &list); /* list must survive the allocations below */
    for (int i = 0; i < n; i++) {
        void *cell = tc_alloc(h, CELL_SLOTS, sizeof(int64_t));
        if (!cell) abort(); /* only under a heap limit */
        *(int64_t *)tc_raw(cell) = i;
        tc_store(h, cell, CELL_NEXT, list); /* the barrier sees every pointer store */
        list = cell;                        /* a root is a plain C variable: no barrier */
    }
    tc_root_pop(h, 1);
    return list; /* unrooted now: the caller roots it before allocating */
}

/* Inserts key into the tree rooted at the global `tree`. Nothing between
 * tc_alloc and the store that links the node in can allocate (and so
 * collect), so `node` needs no root of its own. */
static void tree_insert(tc_heap *h, int64_t key) {
    void *node = tc_alloc(h, NODE_SLOTS, sizeof(int64_t));
    *(int64_t *)tc_raw(node) = key;
    if (!tree) {
        tree = node;
        return;
    }
    /* No allocation below: the walk needs no more roots. */
    void *at = tree;
    for (;;) {
        uint32_t side = key < value_of(at) ? NODE_LEFT : NODE_RIGHT;
        void *next = tc_load(h, at, side);
        if (!next) {
            tc_store(h, at, side, node);
            return;
        }
        at = next;
    }
}

static int64_t tree_sum(tc_heap *h, void *node, int64_t *count) {
    if (!node) return 0;
    ++*count;
    return value_of(node) + tree_sum(h, tc_load(h, node, NODE_LEFT), count) +
           tree_sum(h, tc_load(h, node, NODE_RIGHT), count);
}

int main(int argc, char **argv) {
    int n = 100000;
    if (argc > 1) {
        char *end;
        long v = strtol(argv[1], &end, 10);
        if (*end || v < 1 || v > 10000000) {
            fprintf(stderr, "usage: %s [N]: N (list and tree size) must be an integer in 1..10000000, not '%s'\n",
                    argv[0], argv[1]);
            return 2;
        }
        n = (int)v;
    }
    tc_config cfg;
    tc_config_default(&cfg);
    cfg.barrier = TC_BARRIER_YUASA;
    tc_heap *h = tc_heap_new(&cfg);
    if (!h) return 1;
    tc_root_add(h, &tree);

    /* A list, kept in a local root while the tree is built. */
    void *list = build_list(h, n);
    tc_root_push(h, &list);
    uint64_t state = 88172645463325252u;
    for (int i = 0; i < n; i++) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        tree_insert(h, (int64_t)(state % 1000000));
    }
    int64_t list_sum = 0, list_len = 0;
    for (void *c = list; c; c = tc_load(h, c, CELL_NEXT)) list_sum += value_of(c), list_len++;
    int64_t tree_count = 0, sum = tree_sum(h, tree, &tree_count);

    /* Drop both: the next full cycle frees every object. */
    list = NULL;
    tree = NULL;
    tc_collect(h);
    tc_stats s;
    tc_get_stats(h, &s);
    printf("list: %lld cells, sum %lld\ntree: %lld nodes, key sum %lld\n", (long long)list_len, (long long)list_sum,
           (long long)tree_count, (long long)sum);
    printf("collector: %llu cycles, %llu increments, peak heap %.1f MiB, %llu objects live after dropping the roots\n",
           (unsigned long long)s.cycles, (unsigned long long)s.increments, s.peak_heap_bytes / 1048576.0,
           (unsigned long long)s.live_objects);
    tc_root_pop(h, 1);
    tc_root_remove(h, &tree);
    tc_heap_free(h);
    return s.live_objects == 0 ? 0 : 1;
}
