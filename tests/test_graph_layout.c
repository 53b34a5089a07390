/*
 * test_graph_layout.c — the graph's tree layout (viz/graph_layout.c) keeps
 * its promises on forests of every shape: every node inside the panel,
 * each parent above its children and centred over them, no two nodes of a
 * row in one place, the same forest placed the same way, and a leaf
 * appended to the last subtree moving no one else.
 */
#include "support.h"
#include "graph_layout.h"

#include <stdlib.h>

enum { MAXN = 4000 };

static int32_t par[MAXN];
static float xs[MAXN], ys[MAXN], xs2[MAXN], ys2[MAXN];
static uint32_t scratch[3 * MAXN];

/* A random forest in breadth-first order: each node's parent is an
 * earlier node no shallower than the previous node's parent. */
static size_t random_forest(unsigned seed, size_t n) {
    srand(seed);
    int32_t last = -1;
    size_t roots = 1 + (size_t)rand() % 3;
    for (size_t i = 0; i < n; i++) {
        if (i < roots) {
            par[i] = -1;
            continue;
        }
        /* The parent advances now and then: sibling runs of random length. */
        if (last < 0) last = 0;
        if (rand() % 3 == 0 && (size_t)last + 1 < i) last++;
        par[i] = last;
    }
    return n;
}

static void test_every_node_inside_the_panel(void **state) {
    (void)state;
    for (unsigned seed = 1; seed <= 40; seed++) {
        size_t n = random_forest(seed, 1 + (size_t)seed * 97 % MAXN);
        glayout_tree(n, par, xs, ys, 0.03f, 0, 0, scratch);
        for (size_t i = 0; i < n; i++) {
            if (!(xs[i] >= 0.03f && xs[i] <= 0.97f && ys[i] >= 0.03f && ys[i] <= 0.97f))
                fail_msg("seed %u: node %zu of %zu at (%f, %f), outside the panel", seed, i, n, xs[i], ys[i]);
        }
    }
}

static void test_parents_above_and_centred_over_children(void **state) {
    (void)state;
    for (unsigned seed = 1; seed <= 40; seed++) {
        size_t n = random_forest(seed, 500);
        glayout_tree(n, par, xs, ys, 0.03f, 0, 0, scratch);
        float lo[MAXN], hi[MAXN];
        for (size_t i = 0; i < n; i++) lo[i] = 2, hi[i] = -1;
        for (size_t i = 0; i < n; i++) {
            if (par[i] < 0) continue;
            assert_true(ys[par[i]] < ys[i]);
            if (xs[i] < lo[par[i]]) lo[par[i]] = xs[i];
            if (xs[i] > hi[par[i]]) hi[par[i]] = xs[i];
        }
        for (size_t i = 0; i < n; i++)
            if (hi[i] >= 0) assert_true(xs[i] >= lo[i] - 1e-5f && xs[i] <= hi[i] + 1e-5f);
    }
}

static int by_x(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

static void test_no_two_nodes_of_a_row_coincide(void **state) {
    (void)state;
    size_t n = random_forest(7, 2000);
    glayout_fit fit = glayout_tree(n, par, xs, ys, 0.03f, 0, 0, scratch);
    float col = 0.94f / (float)fit.cols;
    /* Per row, the x's sorted are at least half a column apart. */
    static float row[MAXN];
    for (uint32_t r = 0; r < fit.rows; r++) {
        float y = 0.03f + (fit.rows > 1 ? 0.94f * (float)r / (float)(fit.rows - 1) : 0.47f);
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (ys[i] > y - 1e-5f && ys[i] < y + 1e-5f) row[m++] = xs[i];
        qsort(row, m, sizeof *row, by_x);
        for (size_t i = 1; i < m; i++) assert_true(row[i] - row[i - 1] > col * 0.5f);
    }
}

static void test_same_forest_same_places_and_appending_moves_no_one(void **state) {
    (void)state;
    size_t n = random_forest(3, 800);
    glayout_fit fit = glayout_tree(n, par, xs, ys, 0.03f, 0, 0, scratch);
    glayout_tree(n, par, xs2, ys2, 0.03f, 0, 0, scratch);
    for (size_t i = 0; i < n; i++) assert_true(xs[i] == xs2[i] && ys[i] == ys2[i]);
    /* A new leaf under the last node, in a grid kept one column wider and
     * one row deeper (as graph.c keeps it): every other node stays. */
    par[n] = (int32_t)n - 1;
    glayout_tree(n, par, xs, ys, 0.03f, fit.cols + 1, fit.rows + 1, scratch);
    glayout_tree(n + 1, par, xs2, ys2, 0.03f, fit.cols + 1, fit.rows + 1, scratch);
    size_t moved = 0;
    for (size_t i = 0; i < n; i++) moved += xs[i] != xs2[i] || ys[i] != ys2[i];
    /* The last node was a leaf and is now the new leaf's parent, centred
     * over it: in the same column. */
    assert_int_equal(moved, 0);
    /* The new one appears right under its parent. */
    assert_true(xs2[n] == xs2[n - 1] && ys2[n] > ys2[n - 1]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_node_inside_the_panel),
        cmocka_unit_test(test_parents_above_and_centred_over_children),
        cmocka_unit_test(test_no_two_nodes_of_a_row_coincide),
        cmocka_unit_test(test_same_forest_same_places_and_appending_moves_no_one),
    };
    return cmocka_run_group_tests_name("graph_layout", tests, NULL, NULL);
}
