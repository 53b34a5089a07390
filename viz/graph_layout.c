/*
 * graph_layout.c — the tidy layered layout of the graph's spanning forest
 * (see graph_layout.h).
 *
 * Two linear passes over the breadth-first order: backwards, each node's
 * width in leaf columns (a leaf is one, a parent the sum of its
 * children); forwards, each node's first column, handed out to children
 * left to right from their parent's first column. Breadth-first order is
 * what makes both passes single sweeps: a parent comes before its
 * children, and siblings come in the order the walk met them.
 */
#include "graph_layout.h"

glayout_fit glayout_tree(size_t n, const int32_t *parent, float *x, float *y, float margin, uint32_t min_cols,
                         uint32_t min_rows, uint32_t *scratch) {
    glayout_fit fit = {0, 0};
    if (!n) return fit;
    uint32_t *width = scratch, *first = scratch + n, *next = scratch + 2 * n;
    uint32_t *depth = next; /* reused: next is only needed in the forward pass, after depth */
    for (size_t i = 0; i < n; i++) width[i] = 0;
    for (size_t i = n; i-- > 0;) {
        if (!width[i]) width[i] = 1; /* a leaf */
        if (parent[i] >= 0) width[parent[i]] += width[i];
    }
    /* Rows: depth of each node, parent first. */
    uint32_t maxd = 0;
    for (size_t i = 0; i < n; i++) {
        depth[i] = parent[i] < 0 ? 0 : depth[parent[i]] + 1;
        if (depth[i] > maxd) maxd = depth[i];
        x[i] = 0;
        y[i] = (float)depth[i];
    }
    /* Columns: roots side by side; each child takes the next free columns
     * of its parent. next[] now holds the next free column of a node. */
    uint32_t cols = 0;
    for (size_t i = 0; i < n; i++) {
        if (parent[i] < 0) {
            first[i] = cols;
            cols += width[i];
        } else {
            first[i] = next[parent[i]];
            next[parent[i]] += width[i];
        }
        next[i] = first[i];
    }
    fit.cols = cols;
    fit.rows = maxd + 1;
    uint32_t gc = cols > min_cols ? cols : min_cols, gr = fit.rows > min_rows ? fit.rows : min_rows;
    float span = 1 - 2 * margin;
    for (size_t i = 0; i < n; i++) {
        x[i] = margin + span * ((float)first[i] + (float)width[i] * 0.5f) / (float)gc;
        y[i] = margin + (gr > 1 ? span * y[i] / (float)(gr - 1) : span * 0.5f);
    }
    return fit;
}
