/*
 * pauselog.c — the record of every increment and every cycle.
 *
 * Every increment appends one tc_pause (start, duration, phase, work,
 * bytes allocated since the previous one); every finished cycle appends
 * one tc_cycle. Both logs are malloc'd arrays that double when full, never
 * GC heap memory, so logging cannot trigger or disturb a collection. If
 * memory for the log runs out the record is dropped, never the program.
 *
 * With gctrace on, each finished cycle prints one line to stderr, in the
 * spirit of Go's GODEBUG=gctrace=1:
 *
 *   gc 7 @1.234s 3%: dijkstra 42 incr, 1.23 ms pause (max 0.089), 12.3 ms
 *   wall, 1.10 ms cpu, 45->47->12 MB, 48 MB goal, 2 atomic
 *
 * fields: cycle number, time since the heap was made, GC share of the
 * cycle's wall time, barrier, increments, summed pause and the longest, cycle
 * wall time (first increment start to last increment end), GC CPU time,
 * heap before -> after -> marked live, the pacer's goal, atomic rounds.
 */
#include "internal.h"

#include <stdlib.h>

static bool grow(void **arr, size_t *cap, size_t elem) {
    size_t ncap = *cap ? *cap * 2 : 1024;
    void *n = realloc(*arr, ncap * elem);
    if (!n) return false;
    *arr = n;
    *cap = ncap;
    return true;
}

void tc__pauselog_append(tc_heap *h, const tc_pause *p) {
    if (h->npauses == h->pauses_cap && !grow((void **)&h->pauses, &h->pauses_cap, sizeof *p)) return;
    h->pauses[h->npauses++] = *p;
}

void tc__cyclelog_append(tc_heap *h, const tc_cycle *c) {
    if (h->ncycles == h->cycles_cap && !grow((void **)&h->cycles, &h->cycles_cap, sizeof *c)) return;
    h->cycles[h->ncycles++] = *c;
    if (h->cfg.gctrace) {
        char line[256];
        fprintf(stderr, "%s\n", tc_cycle_format(c, h->origin_ns, line, sizeof line));
        (void)h;
    }
}

void tc__pauselog_free(tc_heap *h) {
    free(h->pauses);
    free(h->cycles);
    h->pauses = NULL;
    h->cycles = NULL;
    h->npauses = h->pauses_cap = h->ncycles = h->cycles_cap = 0;
}

const tc_pause *tc_pause_log(const tc_heap *h, size_t *count) {
    *count = h ? h->npauses : 0;
    return h ? h->pauses : NULL;
}

const tc_cycle *tc_cycle_log(const tc_heap *h, size_t *count) {
    *count = h ? h->ncycles : 0;
    return h ? h->cycles : NULL;
}

void tc_log_clear(tc_heap *h) {
    if (!h) return;
    h->npauses = 0;
    h->ncycles = 0;
}

char *tc_cycle_format(const tc_cycle *c, uint64_t origin_ns, char *buf, size_t len) {
    const double mb = 1024.0 * 1024.0;
    double since = (double)(c->start_ns - origin_ns) / 1e9;
    double wall = (double)(c->end_ns - c->start_ns);
    double share = wall > 0 ? 100.0 * (double)c->pause_ns / wall : 0;
    snprintf(buf, len,
             "gc %u @%.3fs %.0f%%: %s %u incr, %.2f ms pause (max %.3f), %.1f ms wall, %.2f ms cpu, "
             "%.0f->%.0f->%.0f MB, %.0f MB goal, %u atomic",
             c->cycle, since, share, tc_barrier_name((tc_barrier)c->barrier), c->increments,
             (double)c->pause_ns / 1e6, (double)c->max_pause_ns / 1e6, wall / 1e6, (double)c->gc_cpu_ns / 1e6,
             (double)c->heap_before / mb, (double)c->heap_after / mb, (double)c->marked_bytes / mb,
             (double)c->heap_goal / mb, c->atomic_rounds);
    return buf;
}
