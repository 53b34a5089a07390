/*
 * runner.h — runs one workload on one collector, in a child process of its
 * own, and brings back what happened.
 *
 * Why a child: Boehm cannot be shut down or switched back from incremental
 * mode, and each collector should start from a fresh address space and
 * report its own peak RSS. Boehm runs with one marker unless
 * --boehm-markers says otherwise; the child is pinned to a CPU on request.
 *
 * A run is either timed (every allocation, store and explicit step timed
 * from outside, the same way for both collectors: pause figures) or
 * untimed (throughput figures: wall, CPU, heap). The bench does both.
 */
#ifndef TRICOLOR_RUNNER_H
#define TRICOLOR_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oplog.h"
#include "registry.h"
#include "tricolor.h"

typedef enum collector_kind { COL_TRICOLOR = 0, COL_BOEHM, COL_BOEHM_INC, COL_COUNT } collector_kind;

extern const char *const collector_names[COL_COUNT]; /* "tricolor", "boehm", "boehm-inc" */
int collector_parse(const char *name);               /* -1 if unknown */

typedef struct run_config {
    collector_kind kind;
    tc_config tc;            /* Tricolor's knobs */
    int boehm_markers;       /* GC_set_markers_count; 1 = one marker (default) */
    int boehm_time_limit_ms; /* boehm-inc: GC_set_time_limit */
    const wl_info *wl;
    int size; /* wl_size */
    uint64_t seed;
    int passes; /* runs of the workload in one heap (>= 1), as the viewer loops it */
    bool timed;
    uint64_t threshold_ns; /* timed runs: log operations at least this long */
    int cpu;               /* pin the child to this CPU; -1 = don't */
    uint64_t hiccup_ns;    /* spin this long before the workload, timing the machine's own stalls; 0 = don't */
} run_config;

/* The machine's own stalls, measured the way jHiccup does: a loop that
 * only reads the clock, in the same child just before the workload. Any
 * gap between two reads is time the thread lost to the kernel or the host,
 * with no collector involved. */
typedef struct hiccup {
    uint64_t spin_ns; /* how long the loop ran; 0 = not measured */
    uint64_t max_gap_ns;
    uint64_t gaps_over_50us, gaps_over_200us, gaps_over_1ms;
} hiccup;

/* The collector's own record of one pause: a Tricolor increment, or a
 * Boehm collection between its START and END events. */
typedef struct own_pause {
    uint64_t start_ns, dur_ns;
    uint32_t work; /* Tricolor work units; 0 for Boehm */
    uint8_t phase; /* tc_phase for Tricolor; OWN_PHASE_COLLECT for Boehm */
    uint8_t full;  /* a full (stop-the-world) collection */
} own_pause;
#define OWN_PHASE_COLLECT 255
const char *own_phase_name(const own_pause *p);

typedef struct run_result {
    bool ok;
    char error[256];
    uint64_t checksum;
    uint64_t t0_ns, t1_ns;    /* the workload's run, CLOCK_MONOTONIC */
    uint64_t wall_ns, cpu_ns; /* wall and process CPU time of the workload */
    uint64_t gc_cpu_ns;       /* Tricolor: thread CPU in increments; Boehm: in collection events */
    bool gc_cpu_partial;      /* Boehm incremental: its steps fire no events */
    uint64_t peak_heap_bytes, peak_rss_bytes;
    uint64_t allocs, alloc_bytes;
    uint64_t collections; /* cycles (Tricolor) or collections seen by events (Boehm) */
    /* The collector's own view of its pauses, to cross-check the timed log:
     * Tricolor's pause log, Boehm's START..END events. */
    uint64_t own_pauses, own_pause_ns, own_max_pause_ns;
    /* What the mutator's thread paid the OS during the workload. faults are
     * getrusage(RUSAGE_THREAD) minor + major faults; mem_syscalls are the
     * collector's own mmap/munmap/madvise calls made on that thread (Boehm:
     * not counted, reported as 0 with mem_syscalls_known false). */
    uint64_t mut_minflt, mut_majflt;
    uint64_t mut_mem_syscalls;
    /* The same over passes 2 and later only (0 with one pass): a heap at
     * steady state should need no OS call and no fault at all there. */
    uint64_t later_minflt, later_mem_syscalls;
    bool mem_syscalls_known;
    uint64_t bg_mem_syscalls; /* Tricolor: the memory thread's OS calls */
    uint64_t bg_cpu_ns;       /* Tricolor: the memory thread's CPU time */
    uint64_t reserve_misses;  /* Tricolor: page requests the ready reserve could not meet */
    uint64_t mmu_deferred;    /* Tricolor: increments its utilization guard put off */
    /* Tricolor's longest increment and the time budget it was held to
     * (0 when budgeted in work units: then the budget's time is the median
     * increment's, see bench). */
    uint64_t own_budget_ns;
    hiccup hic;
    size_t npauses;      /* timed runs: the operation log */
    oplog_entry *pauses; /* malloc'd; free with run_result_free */
    size_t nown;         /* the collector's own pause log */
    own_pause *own;      /* malloc'd; free with run_result_free */
} run_result;

/* The phase label of an external pause: the phase of the first own pause
 * that ran inside the operation (the entry says which, by count), with the
 * work done by all of them; or the operation's name when the collector did
 * no work in it. */
const char *run_pause_phase(const run_result *r, const oplog_entry *e, uint64_t *work);

/* Timed pauses of at least min_ns inside which the collector did no work
 * of its own (no Tricolor increment, no Boehm collection event): the
 * environment's stalls (page faults in the workload's own code, the
 * kernel, the host), reported apart from the collector's. For boehm-inc
 * this overcounts: its incremental steps fire no events. */
size_t run_env_pauses(const run_result *r, uint64_t min_ns);

/* Runs cfg in a forked child. Returns false (with res->error set) if the
 * child failed, crashed or could not be started. */
bool run_in_child(const run_config *cfg, run_result *res);
void run_result_free(run_result *res);

#endif
