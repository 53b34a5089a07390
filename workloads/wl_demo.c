/*
 * wl_demo.c — a small graph that grows, shares and drops subtrees, sized to
 * be watched: the visualizer's workload.
 *
 * Its shape: NROOTS global roots and, below them, nodes of four slots.
 * Each step does one of:
 *   grow    build a tree of 3-20 nodes and attach it under a reachable
 *           node (or in an empty root)
 *   share   point a free slot of one reachable node at another reachable
 *           node, so that subtree has two parents (cycles may form)
 *   drop    clear a non-empty slot: the subtree below becomes garbage
 *           unless it is shared
 *   rewire  move an edge: a slot of one node now points at another node
 * The odds depend on how many nodes are reachable, which keeps the graph
 * between 100 and 300 nodes nearly all the time: enough to see
 * a structure, few enough to draw every object. Garbage comes in whole
 * subtrees, so a cycle's sweep frees visible groups of objects.
 *
 * A node's raw bytes are its id (sequential, for display and the checksum)
 * and the epoch of the last reachability count that visited it, which lets
 * the count run over shared subtrees and cycles without a visited set.
 * Nodes are picked by random walks from the roots, never by address.
 *
 * Checksum: the reachable count after every step, the ids of the nodes
 * each step touches, and at the end the ids in depth-first order.
 */
#include "mutator.h"

#define NODE_SLOTS 4
#define NODE_RAW   8
enum { NROOTS = 4, MIN_TREE = 3, MAX_TREE = 20, MAX_WALK = 24 };
/* Steering band, inside the 100-300 the viewer wants: a grow adds up to 20
 * nodes and a drop can take a large subtree, so the odds turn well before
 * the limits. */
enum { LOW = 130, HIGH = 250 };

static const uint64_t steps_of[3] = {[WL_SMALL] = 2000, [WL_DEFAULT] = 20000, [WL_LARGE] = 200000};

/* The roots are an array of the run's own (on its thread's stack),
 * registered for the run: the viewer shows them as roots. Not a static:
 * two runs at once (two scenes in one process) would share it, and each
 * collector would then trace the other's objects as its roots. */

typedef struct node_raw {
    uint32_t id, epoch;
} node_raw;

static node_raw *raw_of(void *n) { return mut_raw(n, NODE_SLOTS); }

static void *new_node(mut *m, uint32_t *next_id) {
    void *n = mut_alloc(m, NODE_SLOTS, NODE_RAW);
    raw_of(n)->id = ++*next_id;
    return n;
}

/* Nodes reachable from n not yet visited in this epoch. Never allocates. */
static uint32_t count_from(mut *m, void *n, uint32_t epoch) {
    if (!n || raw_of(n)->epoch == epoch) return 0;
    raw_of(n)->epoch = epoch;
    uint32_t c = 1;
    for (uint32_t s = 0; s < NODE_SLOTS; s++) c += count_from(m, mut_load(m, n, s), epoch);
    return c;
}

static uint32_t count_reachable(mut *m, void *const *roots, uint32_t epoch) {
    uint32_t c = 0;
    for (int i = 0; i < NROOTS; i++) c += count_from(m, roots[i], epoch);
    return c;
}

static uint64_t ids_from(mut *m, void *n, uint32_t epoch, uint64_t sum) {
    if (!n || raw_of(n)->epoch == epoch) return sum;
    raw_of(n)->epoch = epoch;
    sum = wl_mix(sum, raw_of(n)->id);
    for (uint32_t s = 0; s < NODE_SLOTS; s++) sum = ids_from(m, mut_load(m, n, s), epoch, sum);
    return sum;
}

/* A random slot of n that is NULL (if want_null) or not; -1 if none. */
static int pick_slot(mut *m, wl_rng *r, void *n, bool want_null) {
    uint32_t start = wl_rng_below(r, NODE_SLOTS);
    for (uint32_t k = 0; k < NODE_SLOTS; k++) {
        uint32_t s = (start + k) % NODE_SLOTS;
        if ((mut_load(m, n, s) == NULL) == want_null) return (int)s;
    }
    return -1;
}

/* A reachable node: a random walk from a random non-empty root that stops
 * with probability 1/4 at each node. Bounded, since shared edges may form
 * cycles. NULL if every root is empty. */
static void *pick_node(mut *m, void *const *roots, wl_rng *r) {
    uint32_t start = wl_rng_below(r, NROOTS);
    void *n = NULL;
    for (uint32_t k = 0; k < NROOTS && !n; k++) n = roots[(start + k) % NROOTS];
    for (int hops = 0; n && hops < MAX_WALK && wl_rng_below(r, 4) != 0; hops++) {
        int s = pick_slot(m, r, n, false);
        if (s < 0) break;
        n = mut_load(m, n, (uint32_t)s);
    }
    return n;
}

/* A tree of `size` nodes, each new node hung from a free slot found by a
 * random descent from the tree's root. */
static void *build_tree(mut *m, wl_rng *r, uint32_t size, uint32_t *next_id) {
    void *top = new_node(m, next_id), *child = NULL;
    MUT_PUSH(m, &top);
    MUT_PUSH(m, &child);
    for (uint32_t i = 1; i < size; i++) {
        child = new_node(m, next_id);
        void *at = top;
        for (;;) { /* a tree: every descent ends at a free slot */
            uint32_t s = wl_rng_below(r, NODE_SLOTS);
            void *next = mut_load(m, at, s);
            if (!next) {
                mut_store(m, at, s, child);
                break;
            }
            at = next;
        }
    }
    mut_pop(m, 2);
    return top;
}

uint64_t MUT_NAME(wl_demo)(mut *m, int size, uint64_t seed);
uint64_t MUT_NAME(wl_demo)(mut *m, int size, uint64_t seed) {
    wl_rng r;
    wl_rng_seed(&r, seed);
    uint64_t sum = 0;
    uint32_t next_id = 0, epoch = 0;
    void *roots[NROOTS];
    for (int i = 0; i < NROOTS; i++) {
        roots[i] = NULL;
        mut_root_add(m, &roots[i]);
    }

    uint32_t live = 0;
    for (uint64_t step = 0; step < steps_of[size]; step++) {
        /* Odds per cent of grow / share / drop (rewire: the rest), steered
         * by the reachable count back into [LOW, HIGH]. */
        uint32_t grow = 35, share = 15, drop = 35;
        if (live < LOW) grow = 75, share = 10, drop = 5;
        if (live > HIGH) grow = 5, share = 10, drop = 75;
        uint32_t dice = wl_rng_below(&r, 100);

        if (dice < grow) {
            uint32_t tree_size = MIN_TREE + wl_rng_below(&r, MAX_TREE - MIN_TREE + 1);
            void *tree = build_tree(m, &r, tree_size, &next_id);
            int empty = -1;
            for (int i = 0; i < NROOTS && empty < 0; i++)
                if (!roots[i]) empty = i;
            void *parent = empty < 0 ? pick_node(m, roots, &r) : NULL;
            int s = parent ? pick_slot(m, &r, parent, true) : -1;
            if (empty >= 0)
                roots[empty] = tree; /* a root store needs no barrier */
            else if (s >= 0)
                mut_store(m, parent, (uint32_t)s, tree);
            else /* parent full: the new tree replaces one of its subtrees */
                mut_store(m, parent, wl_rng_below(&r, NODE_SLOTS), tree);
            sum = wl_mix(sum, raw_of(tree)->id);
        } else if (dice < grow + share) {
            void *from = pick_node(m, roots, &r), *to = pick_node(m, roots, &r);
            int s = from ? pick_slot(m, &r, from, true) : -1;
            if (s >= 0 && to != from) {
                mut_store(m, from, (uint32_t)s, to);
                sum = wl_mix(wl_mix(sum, raw_of(from)->id), raw_of(to)->id);
            }
        } else if (dice < grow + share + drop) {
            /* Now and then a whole root goes, if the graph is big enough
             * to lose it. */
            if (live > 2 * LOW && wl_rng_below(&r, 50) == 0) {
                uint32_t i = wl_rng_below(&r, NROOTS);
                if (roots[i]) sum = wl_mix(sum, raw_of(roots[i])->id);
                roots[i] = NULL;
            } else {
                void *from = pick_node(m, roots, &r);
                int s = from ? pick_slot(m, &r, from, false) : -1;
                if (s >= 0) {
                    sum = wl_mix(sum, raw_of(mut_load(m, from, (uint32_t)s))->id);
                    mut_store(m, from, (uint32_t)s, NULL);
                }
            }
        } else {
            void *from = pick_node(m, roots, &r), *to = pick_node(m, roots, &r);
            if (from && to != from) {
                mut_store(m, from, wl_rng_below(&r, NODE_SLOTS), to);
                sum = wl_mix(wl_mix(sum, raw_of(from)->id), raw_of(to)->id);
            }
        }

        live = count_reachable(m, roots, ++epoch);
        sum = wl_mix(sum, live);
    }

    ++epoch;
    for (int i = 0; i < NROOTS; i++) sum = ids_from(m, roots[i], epoch, sum);
    for (int i = 0; i < NROOTS; i++) {
        roots[i] = NULL;
        mut_root_remove(m, &roots[i]);
    }
    return sum;
}
