/*
 * live.h — a workload running on Tricolor inside the viewer's process,
 * advanced a slice at a time between frames.
 *
 * The workload runs on a thread of its own, but never at the same time as
 * the viewer: control passes back and forth under a mutex, so whatever the
 * viewer reads (colours, the pause log) is exact. The workload hands
 * control back at allocation safepoints (tc_set_safepoint), where every
 * live object is rooted; the viewer may then single-step the collector.
 * Time spent parked is subtracted from the timed operations and from the
 * run's clock: pauses and the x axis of the plots are execution time,
 * never drawing time.
 */
#ifndef TRICOLOR_LIVE_H
#define TRICOLOR_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "oplog.h"
#include "plots.h"
#include "registry.h"
#include "tricolor.h"

typedef struct live live;

/* Starts the workload (parked at its first safepoint). NULL if the config
 * is invalid or a thread cannot be started; err says why. */
live *live_start(const wl_info *wl, int size, uint64_t seed, const tc_config *cfg, char *err, size_t errlen);
/* Stops the workload wherever it is parked and frees its heap. */
void live_stop(live *l);

/* Lets the workload run until it has used `exec_ns` more execution time,
 * or completed `increments` more collector increments (0: no such limit).
 * Returns when it parks again. */
void live_run(live *l, uint64_t exec_ns, uint64_t increments);

/* The longest one live_keep_warm request keeps the parked workload
 * spinning: a few frames, so a slow frame stays covered, while a window
 * left paused costs a CPU for no longer than this. */
#define LIVE_KEEP_WARM_NS 100000000u

/* Says the next turn on the measured CPU is the workload's: until its
 * next slice (or LIVE_KEEP_WARM_NS) it spins instead of sleeping, so that
 * CPU does not idle while the window draws (live.c says why). No-op on
 * one CPU. */
void live_keep_warm(live *l);
/* How many spins the parked workload has begun for live_keep_warm, and
 * the total wall time in ns of those that have ended. */
void live_warm_stats(live *l, uint64_t *spins, uint64_t *ns);

tc_heap *live_heap(live *l);
double live_exec_seconds(const live *l); /* execution time since start */
uint64_t live_rounds(const live *l);     /* completed passes of the workload */
/* Objects the workload has allocated since start (mut.allocs: the count
 * a timed run's log entries carry as seq, oplog.h). */
uint64_t live_allocs(const live *l);
uint64_t live_checksum(const live *l); /* of the last completed pass */
/* The concurrent marker thread's CPU time (ns) gained while the workload
 * ran, not while it was parked (the marker is parked with it, but a slice
 * in flight finishes first); 0
 * without a marker. Its CPU is added at the end of each of its slices (at
 * most 0.5 ms, gc/marker.c), so a slice of it that straddles a hand-off
 * is credited to the side it ends in. */
uint64_t live_marker_run_ns(const live *l);
/* When the k-th pass (1-based, k <= live_rounds) ended, in execution
 * seconds since start; -1 if it was not recorded (memory was short). */
double live_round_end_s(const live *l, uint64_t k);

/* The timed operations so far that reached the pause threshold: how many,
 * and the i-th (i < live_pause_count) in the plots' form, execution-time
 * seconds since start and microseconds. */
plot_pause live_pause(const live *l, size_t i);
size_t live_pause_count(const live *l);
/* Over the logged pauses that start by cut_s seconds of execution (all of
 * them when cut_s < 0), split as bench splits them (runner.h): how many
 * of at least min_us held no increment (the environment's), and the
 * longest that held one (0 if none), in microseconds. */
void live_pause_split(const live *l, double cut_s, double min_us, size_t *env, double *gc_max_us);

/* Ticks per nanosecond of mut_ticks(), measured once per process. */
double live_ticks_per_ns(void);

#endif
