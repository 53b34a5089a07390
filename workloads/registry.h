/*
 * registry.h — the list of workloads: name, one-line description, and the
 * entry point compiled for each collector.
 *
 * To add a workload: write workloads/wl_NAME.c against mutator.h with an
 * entry point MUT_NAME(wl_NAME), and add one line to WL_LIST below. The
 * Makefile compiles every wl_*.c once per backend.
 */
#ifndef TRICOLOR_REGISTRY_H
#define TRICOLOR_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "oplog.h"

struct mut;
typedef uint64_t (*wl_entry)(struct mut *m, int size, uint64_t seed);

/* X(c_name, name, description, min_heap) — in the order `tricolor list`
 * prints them; c_name names the entry point wl_<c_name>, name is what users
 * type, min_heap the minimum heap its runs take unless one is given (0:
 * the collector's default, 4 MiB). The demo's whole heap is about 1 MiB:
 * under the default minimum it would not be collected at all, so it keeps
 * the 1 MiB it always ran with in bench (the window's demo takes 32 KiB:
 * viz/scene.c). */
#define WL_LIST(X)                                                                                                     \
    X(gcbench, "gcbench", "classic GCBench: stretch tree, long-lived tree and array, trees of depth 4..16", 0)         \
    X(binary_trees, "binary-trees", "Benchmarks Game binary-trees: stretch, long-lived and short-lived trees", 0)      \
    X(churn, "churn", "FIFO ring of short-lived small objects plus a long-lived list trimmed in batches", 0)           \
    X(mutate, "mutate", "large random graph rewired at random: write-barrier heavy, slow garbage", 0)                  \
    X(lru, "lru", "LRU cache at steady state: hash table + recency list, gets, puts, evictions", 0)                    \
    X(fragment, "fragment", "random replacement of nodes, KiB objects, MiB pointer arrays and buffers", 0)             \
    X(demo, "demo", "small graph (100-300 nodes) growing, sharing and dropping subtrees, for the viewer",              \
      (size_t)1 << 20)                                                                                                 \
    X(lisp, "lisp", "Lisp interpreter (examples/lisp_core.h): tree recursion, list sorting, closure-heavy loop", 0)

typedef struct wl_info {
    const char *name;
    const char *description;
    wl_entry run_tricolor;
    wl_entry run_boehm;
    size_t min_heap; /* the minimum heap its runs default to; 0: the collector's (tc_config_default) */
} wl_info;

extern const wl_info wl_table[];
extern const size_t wl_count;

/* NULL if there is no workload of that name. */
const wl_info *wl_find(const char *name);
/* "gcbench, demo, ..." for error messages. */
const char *wl_names(void);

extern const char *const wl_size_names[3]; /* "small", "default", "large" */
/* Parses a size name; returns -1 if unknown. */
int wl_size_parse(const char *s);

#endif
