/*
 * runner.h — runs one workload on one collector, in a child process of its
 * own, and brings back what happened.
 *
 * Why a child: Boehm cannot be shut down or switched back from incremental
 * mode, and each collector should start from a fresh address space and
 * report its own peak RSS. Boehm runs with one marker unless
 * --boehm-markers says otherwise; the child is pinned to a CPU on request.
 *
 * The collectors: tricolor (as its tc_config says), tricolor-concurrent
 * (the same config with concurrent = true: a marker thread beside the
 * mutator), boehm (stop-the-world), boehm-inc (incremental, with a time
 * limit) and boehm-par (stop-the-world with its parallel marker running:
 * one marker a CPU available, at least 2).
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

#include "metrics.h"
#include "oplog.h"
#include "tick.h"
#include "registry.h"
#include "tricolor.h"

/* New kinds go at the end: a kind's number names its track in --trace. */
typedef enum collector_kind {
    COL_TRICOLOR = 0,
    COL_BOEHM,
    COL_BOEHM_INC,
    COL_TRICOLOR_CONCURRENT,
    COL_BOEHM_PAR,
    COL_COUNT
} collector_kind;

/* "tricolor", "boehm", "boehm-inc", "tricolor-concurrent", "boehm-par" */
extern const char *const collector_names[COL_COUNT];
/* The valid names, comma-separated, for messages: "tricolor, ..." */
extern const char collector_list[];
int collector_parse(const char *name); /* -1 if unknown */
bool collector_is_tricolor(collector_kind k);
/* Marks with more than one thread: tricolor-concurrent, boehm-par. */
bool collector_is_parallel(collector_kind k);
/* The CPUs a run may use: one when pinned (cpu >= 0), else those this
 * process may run on (2 if the affinity cannot be read). */
int run_cpus(int cpu);
/* How many markers boehm-par asks for (GC_set_markers_count): run_cpus,
 * at least 2. */
int boehm_par_markers(int cpu);

typedef struct run_config {
    collector_kind kind;
    tc_config tc;            /* Tricolor's knobs */
    int boehm_markers;       /* boehm, boehm-inc: GC_set_markers_count; 1 = one marker (default) */
    int boehm_time_limit_ms; /* boehm-inc: GC_set_time_limit */
    const wl_info *wl;
    int size; /* wl_size */
    uint64_t seed;
    int passes; /* runs of the workload in one heap (>= 1), as the viewer loops it */
    bool timed;
    uint64_t threshold_ns; /* timed runs: log operations at least this long */
    int cpu;               /* pin the child to this CPU; -1 = don't */
    uint64_t hiccup_ns;    /* spin this long before the workload, timing the machine's own stalls; 0 = don't */
    bool min_heap_given;   /* tc.min_heap is the user's: the workload's own (wl_info) does not apply */
} run_config;

/* The measuring defaults bench, tune and the runs view and record measure
 * first share: Tricolor's default config, Boehm with one marker (and a
 * 1 ms time limit for boehm-inc), a pause being an operation of at least
 * 1 us, one pass, no pinning, no hiccup spin (bench and the window set
 * TICK_MEASURE_NS). The caller sets kind, wl, size and seed. */
void run_config_defaults(run_config *cfg);

/* The one place a minimum heap above the heap limit comes down: to half
 * the limit, so that cycles can still start before the limit. */
void run_fit_min_heap(tc_config *c);

/* The Tricolor config cfg runs with: cfg->tc, concurrent for
 * tricolor-concurrent, and the workload's own minimum heap unless one was
 * given (every other knob as given). */
tc_config run_tc_config(const run_config *cfg);

/* The machine's own stalls, measured the way jHiccup does: a loop that
 * only reads the clock, in the same child just before the workload. Any
 * gap between two reads is time the thread lost to the kernel or the host,
 * with no collector involved. */
typedef struct hiccup {
    tick_spin_stats spin; /* spin.spin_ns: how long the loop ran; 0 = not measured */
    /* The periodic parts of those gaps, if any (tick.h): fitted on this
     * spin, re-anchored on a second one after the workload, and then
     * the timed pauses that hold a tick are flagged OPLOG_HELD_TICK. */
    machine_ticks ticks;
    uint64_t tick_pauses; /* timed pauses flagged so */
} hiccup;

/* The collector's own record of one pause: a Tricolor increment, or a
 * Boehm collection between its START and END events. */
typedef struct own_pause {
    uint64_t start_ns, dur_ns;
    uint32_t work;  /* Tricolor work units; 0 for Boehm */
    uint8_t phase;  /* tc_phase for Tricolor; OWN_PHASE_COLLECT for Boehm */
    uint8_t full;   /* a full (stop-the-world) collection */
    uint8_t reason; /* tc_pause_reason for Tricolor; OWN_REASON_NONE for Boehm */
    /* Named, so that the struct has no padding: records go down a pipe
     * whole, and an unnamed padding byte is uninitialised (valgrind). */
    uint8_t spare;
} own_pause;
_Static_assert(sizeof(own_pause) == 24, "own_pause has no padding");
#define OWN_PHASE_COLLECT 255
#define OWN_REASON_NONE   255
const char *own_phase_name(const own_pause *p);
/* "assist", "step", "full", "overdue", "ceiling", "handshake", "flush",
 * "adopt"; "" for OWN_REASON_NONE. */
const char *own_reason_name(const own_pause *p);

/* The heap's size over a timed run: sampled after a logged operation
 * when it (or Tricolor's trigger) changed or HEAP_SAMPLE_NS after the
 * last sample, and at the run's start and end. It is
 * what the window's heap panel plots for a run measured first (a
 * --passes run of view or record). */
#define HEAP_SAMPLE_NS 1000000u
typedef struct heap_sample {
    uint64_t t_ns;          /* CLOCK_MONOTONIC, as the pause log's start_ns */
    uint64_t seq;           /* the workload's allocations then (oplog_entry.seq) */
    uint64_t heap_bytes;    /* Tricolor: tc_stats.heap_bytes; Boehm: GC_get_heap_size() */
    uint64_t trigger_bytes; /* Tricolor: tc_stats.trigger_bytes; Boehm: 0 (it has none to read) */
} heap_sample;

typedef struct run_result {
    bool ok;
    char error[256];
    uint64_t checksum;
    uint64_t t0_ns, t1_ns;    /* the workload's run, CLOCK_MONOTONIC */
    uint64_t wall_ns, cpu_ns; /* wall and process CPU time of the workload (every thread) */
    uint64_t mutator_cpu_ns;  /* the mutator's thread alone (it runs Tricolor's increments too) */
    /* Tricolor: thread CPU in increments, plus the marker thread's in
     * concurrent mode. Boehm: the collecting thread's CPU inside
     * collection events, plus its helper marker threads' when they run. */
    uint64_t gc_cpu_ns;
    uint64_t mutator_gc_cpu_ns; /* its part on the mutator's thread: gc_cpu_ns - marker_cpu_ns */
    bool gc_cpu_partial;        /* Boehm incremental: its steps fire no events */
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
    uint64_t later_wall_ns, later_bg_cpu_ns; /* passes 2+: wall, and the memory thread's CPU */
    bool mem_syscalls_known;
    uint64_t bg_mem_syscalls; /* Tricolor: the memory thread's OS calls */
    uint64_t bg_cpu_ns;       /* Tricolor: the memory thread's CPU time */
    uint64_t reserve_misses;  /* Tricolor: page requests the ready reserve could not meet */
    uint64_t mmu_deferred;    /* Tricolor: increments its utilization guard put off */
    /* Marking beside the mutator. marker_threads: threads other than the
     * mutator's that marked (Tricolor: its marker thread, 1 if it did any
     * work; Boehm: GC_get_parallel(), the helpers started beside the
     * collecting thread). marker_cpu_ns: their CPU (Tricolor: the marker
     * thread's own clock; Boehm: the process's CPU minus the mutator
     * thread's, as Boehm's child runs no other thread). threads: the
     * process's threads at the workload's end, the mutator's included.
     * marker_idle_cpu_ns: the part of marker_cpu_ns run at idle priority,
     * beyond the CPU cap (Tricolor's gc_idle; 0 for Boehm). */
    uint64_t marker_threads, marker_cpu_ns, marker_idle_cpu_ns, threads;
    /* Tricolor's concurrent mode: the mutator's pauses by kind while the
     * marker ran (tc_stats). */
    uint64_t assists, handshakes, flushes, adopts;
    /* Tricolor's longest increment and the time budget it was held to
     * (0 when budgeted in work units: then the budget's time is the median
     * increment's, see bench). */
    uint64_t own_budget_ns;
    hiccup hic;
    size_t npauses;      /* timed runs: the operation log */
    oplog_entry *pauses; /* malloc'd; free with run_result_free */
    size_t nown;         /* the collector's own pause log */
    own_pause *own;      /* malloc'd; free with run_result_free */
    size_t nheap;        /* timed runs: heap samples */
    heap_sample *heap;   /* malloc'd; free with run_result_free */
} run_result;

/* The phase label of an external pause: the phase of the first own pause
 * that ran inside the operation (the entry says which, by count), with the
 * work done by all of them; or the operation's name when the collector did
 * no work in it. */
const char *run_pause_phase(const run_result *r, const oplog_entry *e, uint64_t *work);
/* Why the collector paused inside the operation: the reason of the first
 * own pause in it (own_reason_name), or "" when there was none or the
 * collector gives no reason (Boehm). */
const char *run_pause_reason(const run_result *r, const oplog_entry *e);
/* The collector's own measured time inside the operation: the durations
 * of the own pauses that ran in it, by the collector's clock (0 when none
 * did). What the operation took beyond it was the mutator's own work
 * around the call, or the machine. */
uint64_t run_pause_own_ns(const run_result *r, const oplog_entry *e);

/* Timed pauses of at least min_ns inside which the collector did no work
 * of its own (no Tricolor increment, no Boehm collection event): the
 * environment's stalls (page faults in the workload's own code, the
 * kernel, the host), reported apart from the collector's. For boehm-inc
 * this overcounts: its incremental steps fire no events. */
size_t run_env_pauses(const run_result *r, uint64_t min_ns);
/* The longest timed pause inside which the collector did work of its own
 * (the complement of run_env_pauses' pauses): a max that a stall of the
 * machine in a pause without collector work does not set. 0 if none. */
uint64_t run_gc_max_ns(const run_result *r);
/* The MMU at window_ns of the timed run counting only the pauses that
 * held collector work (with_work), or only those that held none. A run's
 * MMU is at most either: the second is what page faults in the
 * workload's own allocations and the machine's stalls leave to the
 * mutator with no collector work at all, the first what the collector's
 * increments alone leave (what its utilization guard bounds). With
 * at_ns, also where a worst window starts (metrics_mmu_at). Exits when
 * out of memory, as bench's other pause figures do. */
double run_mmu_split(const run_result *r, bool with_work, uint64_t window_ns, uint64_t *at_ns);
/* The p99 of the timed pauses that held collector work, in us (0 if
 * none): the concurrent mode's pauses as issue 14 defines them
 * (handshakes, assists, buffer flushes) and, by the same rule, Boehm's
 * collections. Its rank lies among the collector's own pauses, however
 * many allocations and stores the machine's stalls lengthened past the
 * log's threshold: the all-pauses p99 of a collector that logs few
 * pauses (the concurrent mode: ~2,400 on GCBench, against Boehm's
 * ~67,000, most of 1-2 us) lies among those stalls instead. */
double run_gc_p99_us(const run_result *r);
/* The collector's own time in each timed pause that held some, by its
 * own clock (run_pause_own_ns: the increments, handshakes, assists,
 * flushes or Boehm collections inside it, summed), summarized: what the
 * pauses of run_gc_p99_us held of the collector's work, without the
 * allocation or store around it and the page faults in that. Exits when
 * out of memory, as the figures beside it do. */
void run_gc_own_summary(const run_result *r, metrics_summary *out);
/* The timed pauses that held collector work, as timed, summarized (their
 * count and total time: what a stall rate is weighed against). */
void run_gc_summary(const run_result *r, metrics_summary *out);

/* A timed run's pauses as the metrics take them (metrics.h), normalized:
 * *n of them, malloc'd (NULL with *n 0 when out of memory). With
 * without_ticks, the machine's periodic stalls the hiccup spin found are
 * taken out of them first (tick_take_out). bench's figures and the
 * window's summary of a run measured first both start here. */
struct metrics_pause;
struct metrics_pause *run_metrics_pauses(const run_result *r, bool without_ticks, size_t *n);

/* Runs cfg in a forked child. Returns false (with res->error set) if the
 * child failed, crashed or could not be started. */
bool run_in_child(const run_config *cfg, run_result *res);
/* One repeat as bench measures it: cfg untimed (throughput figures), then
 * timed after cfg's hiccup spin (pause figures), each with run_in_child
 * (cfg->timed is ignored). before, if not NULL, is called before each run
 * with timed 0, then 1. False with a message in err if a run failed or
 * the two checksums differ; both results are then freed. */
bool run_untimed_then_timed(const run_config *cfg, void (*before)(void *user, int timed), void *user,
                            run_result *untimed, run_result *timed, char *err, size_t errlen);
void run_result_free(run_result *res);

#endif
