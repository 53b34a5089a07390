/*
 * feed.h — the Boehm GC running the viewer's workload live, in a child
 * process, streaming its pauses back over a pipe.
 *
 * The child is `tricolor _boehm-feed ...` (exec'd, so it starts clean even
 * after SDL is up). It runs the same workload, seed and size on Boehm (one
 * marker), times every operation the same way the live Tricolor run does,
 * and writes records to its stdout. It runs on credit, in turns: the
 * viewer grants execution time up to Tricolor's execution clock and waits
 * until the child has used it and is blocked again (feed_turn), so Boehm
 * never runs beside Tricolor's slice or the drawing, and pausing the
 * viewer pauses Boehm. Time the child spends waiting for credit is not
 * execution time.
 *
 * The turn protocol: every credit the viewer writes is answered by exactly
 * one FEED_WAIT record, written when the child has blocked to read the
 * next credit; it carries the span (CLOCK_MONOTONIC ns) in which the child
 * ran on that credit, empty if it had nothing to run. The child also says
 * FEED_WAIT once when it is ready, before its first credit, and
 * feed_start waits for that: its exec and start-up are not run beside a
 * measured slice either.
 *
 * If the child dies, feed_poll says so; the viewer shows it and goes on.
 */
#ifndef TRICOLOR_FEED_H
#define TRICOLOR_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "plots.h"

enum { FEED_PAUSE = 1, FEED_HEAP = 2, FEED_ROUND = 3, FEED_WAIT = 4, FEED_WARM = 5 };

/* The most time the child spends reading its pages before a turn
 * (page_warm.h): GCBench's 28 MiB took 0.9-1.0 ms, fragment's 160 MiB
 * 2.4 ms; beyond it the rest of the pages pay in the turn, as before. */
#define FEED_WARM_BUDGET_NS 5000000u

/* One record on the pipe: a pause (t = start, v = duration in us), a heap
 * sample (v = bytes) or a completed pass of the workload (v = checksum bits
 * via memcpy), where t is execution seconds since the child's start; or
 * FEED_WAIT, the child blocked for credit, having run from t to v
 * (CLOCK_MONOTONIC ns, exact in a double for 104 days of uptime); or
 * FEED_WARM, its pages read before a turn: t pages in v ns. */
typedef struct feed_rec {
    uint32_t kind;
    uint32_t pad;
    double t;
    double v;
} feed_rec;

typedef struct feed {
    pid_t pid;
    int rfd, wfd; /* records from the child, credits to it */
    bool alive;
    char status[160];   /* why it stopped, for the status line */
    plot_pause *pauses; /* FEED_PAUSE records, in order, as the plots take them */
    size_t npauses, cap_pauses;
    plot_point *heap; /* FEED_HEAP records: bytes over time */
    size_t nheap, cap_heap;
    double last_t; /* newest execution time heard of */
    uint64_t rounds, checksum;
    double *round_t; /* execution seconds at the end of each pass */
    size_t cap_round_t;
    uint64_t grants, waits;              /* credits sent, FEED_WAIT records received */
    uint64_t warms, warm_pages, warm_ns; /* FEED_WARM records, and their sums */
    double granted_s;                    /* the last credit sent */
    char partial[sizeof(feed_rec)];
    size_t npartial;
} feed;

/* Starts the child and waits until it is ready, blocked for its first
 * credit; false (and f->status) on failure. */
bool feed_start(feed *f, const char *workload, int size, uint64_t seed);
/* Boehm's turn: grants execution time up to `until_s` seconds, then reads
 * records until the child has used it and is blocked again. Turns come in
 * quanta of 2 ms of execution or more (the first after 100 us, each next
 * one as long as the credit so far, until 2 ms): until `until_s` is that
 * far past the last credit, it only reads what has arrived. False once
 * the child is gone. */
bool feed_turn(feed *f, double until_s);
/* Reads what has arrived, without waiting; false once the child is gone. */
bool feed_poll(feed *f);
void feed_stop(feed *f);

/* The child's side: `tricolor _boehm-feed WORKLOAD SIZE SEED`. */
int feed_child_main(int argc, char **argv);

#endif
