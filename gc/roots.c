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

/* tc_root_push (tricolor.h) when the stack is full, or on misuse. */
void tc__root_push_slow(tc_heap *h, void **addr) {
    if (!h || !addr) {
        tc__misuse(h, "tc_root_push: %s is NULL", h ? "addr" : "heap");
        return;
    }
    ptrvec stack = root_stack_view(h);
    if (!ptrvec_push(&stack, addr)) {
        fprintf(stderr, "tricolor: out of memory growing the root stack to %zu entries\n", h->hot.nroots + 1);
        abort();
    }
    h->hot.roots = stack.v;
    h->hot.nroots = stack.n;
    h->hot.cap_roots = stack.cap;
}

/* tc_root_pop (tricolor.h) on misuse. */
void tc__root_pop_misuse(tc_heap *h, size_t n) {
    if (!h)
        tc__misuse(h, "tc_root_pop: heap is NULL");
    else
        tc__misuse(h, "tc_root_pop(%zu): only %zu roots are pushed", n, h->hot.nroots);
}

size_t tc_root_depth(const tc_heap *h) { return h ? h->hot.nroots : 0; }
