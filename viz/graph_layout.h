/*
 * graph_layout.h — where the object graph's nodes go: a tidy layered
 * layout of a spanning forest, fitted to the unit square.
 *
 * The graph panel (graph.c) turns the heap into a forest: a breadth-first
 * walk from the roots, each object the child of the object it was first
 * reached from, and subtrees beyond the node budget folded into summary
 * nodes. This file places that forest and nothing else: a pure function of
 * the forest, so that the same forest always gets the same picture and the
 * tests can check its invariants directly.
 *
 * Placement: a node's depth sets its row (roots on the top row), and each
 * leaf gets one column, in the order the walk met them; a parent is centred
 * over the columns of its subtree. Subtrees therefore never overlap, a
 * parent is always above its children, and appending a leaf to the last
 * subtree moves nothing else when the caller keeps `min_cols` and
 * `min_rows` from the previous layout (graph.c keeps them, letting them
 * shrink slowly, so that a growing heap does not rescale the picture every
 * frame).
 */
#ifndef TRICOLOR_GRAPH_LAYOUT_H
#define TRICOLOR_GRAPH_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

typedef struct glayout_fit {
    uint32_t cols; /* leaf columns the forest needs */
    uint32_t rows; /* depth of the deepest node + 1 */
} glayout_fit;

/* Lays out the forest of n nodes given in breadth-first order: parent[i]
 * is the index of node i's parent, always < i, or -1 for a root. Writes
 * x[i], y[i] inside [margin, 1 - margin]; the grid used has at least
 * min_cols columns and min_rows rows (0: just what the forest needs).
 * scratch holds 3 * n uint32_t. Returns what the forest needed. */
glayout_fit glayout_tree(size_t n, const int32_t *parent, float *x, float *y, float margin, uint32_t min_cols,
                         uint32_t min_rows, uint32_t *scratch);

#endif
