/*
 * oplog.h — the pause log of timed mutator operations.
 *
 * In a timed run (see mutator.h) every allocation, barriered store and
 * explicit step that holds the mutator for at least the threshold is
 * appended here, for either collector alike: this is the log the bench
 * compares. It is malloc'd, never in a GC heap, and it does not grow on
 * the hot path except when a pause is recorded.
 */
#ifndef TRICOLOR_OPLOG_H
#define TRICOLOR_OPLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { OPLOG_ALLOC = 0, OPLOG_STORE = 1, OPLOG_STEP = 2 };

typedef struct oplog_entry {
    uint64_t start_ns; /* CLOCK_MONOTONIC (in mut_ticks while a run records) */
    uint64_t dur_ns;
    uint32_t op; /* OPLOG_ALLOC, OPLOG_STORE or OPLOG_STEP */
    /* The collector's own pause records (Tricolor's increments, Boehm's
     * collections) that ran inside this operation: own_n of them, from
     * index own_first of its own log. Counted, not matched by time: the
     * two clocks (the TSC here, CLOCK_MONOTONIC in the collector) agree
     * only to a microsecond or two, as long as a short increment. */
    uint32_t own_first;
    uint32_t own_n;
    uint32_t flags; /* OPLOG_HELD_TICK */
    /* Objects the workload had allocated when the operation ended
     * (mut.allocs). The same workload, seed and size allocate the same
     * objects in the same order on either collector and in every run, so
     * this places the entry in the program, whatever the clock: the
     * window lines a measured run's pauses up with its own live run by
     * it (viz/scene.c, measured first). */
    uint64_t seq;
} oplog_entry;
_Static_assert(sizeof(oplog_entry) == 40, "oplog_entry has no padding: entries go down a pipe whole");

/* The pause holds the middle of the machine's periodic stall, as predicted
 * from bench's hiccup spin (tick.h): the host's, not the collector's. */
#define OPLOG_HELD_TICK 1u

typedef struct oplog {
    oplog_entry *v;
    size_t n, cap;
    uint64_t dropped; /* entries lost to a failed realloc */
    /* Called after each append when set (the live Boehm feed streams its
     * pauses from here). Appends are rare: only operations that reached
     * the pause threshold. */
    void (*on_add)(struct oplog *log, void *user);
    void *on_add_user;
} oplog;

void oplog_add(oplog *log, uint64_t start_ns, uint64_t dur_ns, uint32_t op, uint32_t own_first, uint32_t own_n,
               uint64_t seq);
void oplog_free(oplog *log);
/* Whether the collector logged a pause of its own inside entry e: own_n
 * of them from own_first, of a log whose first nown records exist (an
 * entry that points past them held none). */
static inline bool oplog_holds_work(const oplog_entry *e, size_t nown) { return e->own_n && e->own_first < nown; }
/* Splits the entries v[0..n) by oplog_holds_work: *held_max is the
 * longest that held work (0 if none), *none_over how many of at least
 * min_dur held none (the environment's stalls). Durations are in the
 * entries' own unit, min_dur too. bench and the window both split their
 * pauses here. */
void oplog_split(const oplog_entry *v, size_t n, size_t nown, uint64_t min_dur, uint64_t *held_max, size_t *none_over);
const char *oplog_op_name(uint32_t op);

#endif
