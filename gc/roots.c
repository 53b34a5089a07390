/*
 * roots.c — the collector's roots: global root slots and the root stack.
 *
 * Both hold addresses of pointer variables (void **), never the pointers
 * themselves, so the collector always reads the variable's current value.
 * Roots are never barriered: the barriers that need it rescan them in the
 * atomic phase (Dijkstra, Steele) or snapshot them at cycle start (Yuasa).
 * Scanning them is O(number of roots), the one part of marking that is not
 * incremental (see collect.c).
 */
#include "internal.h"

#include <stdlib.h>

bool tc_root_add(tc_heap *h, void **addr) {
    if (!h || !addr) {
        tc__misuse(h, "tc_root_add: %s is NULL", h ? "addr" : "heap");
        return false;
    }
    return ptrvec_push(&h->roots, addr);
}

bool tc_root_remove(tc_heap *h, void **addr) {
    if (!h) {
        tc__misuse(h, "tc_root_remove: heap is NULL");
        return false;
    }
    for (size_t i = h->roots.n; i-- > 0;) {
        if (h->roots.v[i] == addr) {
            h->roots.v[i] = h->roots.v[--h->roots.n];
            return true;
        }
    }
    tc__misuse(h, "tc_root_remove: %p was never added with tc_root_add", (void *)addr);
    return false;
}

void tc_root_push(tc_heap *h, void **addr) {
    if (!h || !addr) {
        tc__misuse(h, "tc_root_push: %s is NULL", h ? "addr" : "heap");
        return;
    }
    if (!ptrvec_push(&h->root_stack, addr)) {
        fprintf(stderr, "tricolor: out of memory growing the root stack to %zu entries\n", h->root_stack.n + 1);
        abort();
    }
}

void tc_root_pop(tc_heap *h, size_t n) {
    if (!h) {
        tc__misuse(h, "tc_root_pop: heap is NULL");
        return;
    }
    if (n > h->root_stack.n) {
        tc__misuse(h, "tc_root_pop(%zu): only %zu roots are pushed", n, h->root_stack.n);
        return;
    }
    h->root_stack.n -= n;
}

size_t tc_root_depth(const tc_heap *h) { return h ? h->root_stack.n : 0; }
