/*
 * live.c — a workload advanced a slice at a time between frames (live.h).
 *
 * Hand-off protocol. `turn` says who may run: VIEWER or MUTATOR. The
 * mutator thread waits for MUTATOR, runs the workload, and at each safepoint
 * decides whether its slice is used up; if so it sets VIEWER, signals, and
 * waits. live_run does the converse. Exactly one side runs at any time, so
 * no heap field is ever read while it is written.
 *
 * With TRICOLOR_TURNS set, the mutator logs each slice it ran, from taking
 * the turn to handing it back (turns.h), under the mutex.
 *
 * Keeping the measured CPU warm. Between its slices the mutator either
 * sleeps on the condition variable or, once the viewer has asked for it
 * (live_keep_warm: the next turn on the measured CPU is the workload's),
 * spins on `turn` for up to LIVE_KEEP_WARM_NS, outside the mutex and outside
 * the timed span. On the VMs of docs/design.md section 8 a vCPU that
 * idles while the other one works meets stalls of up to milliseconds in
 * its first moments back; `build/cpuprobe` measured 13-41 gaps over
 * 200 us in 3 s of 8 ms slices resumed that way, against 1-3 when the
 * waiting thread spun instead. Those stalls landed in the workload's
 * pauses, which is how the window and the videos showed maxima 5-20x
 * bench's. At speed 1, where a turn comes once a frame, the first
 * increment after a wake read 3-4 ms by CLOCK_MONOTONIC in clusters of
 * frames while the TSC, CLOCK_MONOTONIC_RAW and the thread's CPU clock
 * read ~10 us across it (docs/design.md section 8): the clock caught up
 * with a late wake inside the increment. The spin runs at normal
 * priority even where the slices run at real-time priority (cpu_place.h
 * says why). It changes nothing the workload does or the viewer reads:
 * it only reads `turn` and `keep_warm`, and the mutex is taken again
 * before the slice starts, so the viewer's writes before handing over
 * (the slice's limits) are seen as before.
 *
 * Stopping: the viewer sets `quit` and gives the mutator the turn; at its
 * next safepoint the mutator longjmps back to its thread function. That
 * abandons the workload's frames, which is safe because the safepoint is
 * reached before the allocation changes anything, and the heap is freed
 * whole right after.
 */
#include "live.h"

#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mutator.h"
#include "series.h"
#include "cpu_place.h"
#include "turns.h"

enum { VIEWER = 0, MUTATOR = 1 };

struct live {
    tc_heap *heap;
    mut m;
    oplog log;
    const wl_info *wl;
    int size;
    uint64_t seed;
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* Written under mu; read under it, or by the spinning mutator without
     * it (the spin only decides when to take mu again). */
    _Atomic int turn;
    atomic_bool keep_warm;
    uint64_t warm_spins, warm_ns; /* live_warm_stats; under mu */
    bool quit;
    jmp_buf quit_jmp;
    /* the current slice */
    uint64_t slice_end_exec; /* execution ticks */
    uint64_t slice_end_incr; /* increments; UINT64_MAX if unlimited */
    /* the run's clock, in ticks */
    uint64_t start_ticks;
    uint64_t parked_at; /* ticks when the mutator last parked; 0 while it runs */
    uint64_t ran_from;  /* CLOCK_MONOTONIC ns when the current slice began (turns.h) */
    uint64_t rounds, checksum;
    /* The concurrent marker thread's CPU (tc_stats.marker_cpu_ns) gained
     * while the workload ran: from each resume to the next park, read on
     * the mutator's thread. marker_at_resume: its CPU when the workload
     * last took the turn. */
    uint64_t marker_run_ns, marker_at_resume;
    uint64_t *round_end; /* execution ticks at the end of each pass; written by the mutator */
    size_t cap_round_end;
};

static double g_ticks_per_ns;

double live_ticks_per_ns(void) {
    if (g_ticks_per_ns == 0) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        uint64_t c0 = mut_ticks();
        do clock_gettime(CLOCK_MONOTONIC, &b);
        while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 5000000L);
        uint64_t c1 = mut_ticks();
        g_ticks_per_ns = (double)(c1 - c0) / (double)((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec));
    }
    return g_ticks_per_ns;
}

/* Execution time in ticks: wall ticks since start minus time parked (the
 * current parking included: it is added to suspended_ticks on resume). */
static uint64_t exec_ticks(const live *l) {
    uint64_t now = l->parked_at ? l->parked_at : mut_ticks();
    return now - l->start_ticks - l->m.suspended_ticks;
}

/* The concurrent marker's CPU so far (0 without one). */
static uint64_t marker_cpu_ns(tc_heap *h) {
    tc_stats st;
    tc_get_stats(h, &st);
    return st.marker_cpu_ns;
}

static inline void spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Called by the mutator thread with the mutex held; returns with it held
 * and the turn the mutator's. Spins while asked to keep the CPU warm (see
 * the top of the file), else sleeps. */
static void wait_for_turn(live *l) {
    while (l->turn != MUTATOR) {
        if (!l->keep_warm) {
            pthread_cond_wait(&l->cv, &l->mu);
            continue;
        }
        l->warm_spins++;
        pthread_mutex_unlock(&l->mu);
        place_realtime_spin(true);
        uint64_t t0 = turns_now();
        while (atomic_load_explicit(&l->turn, memory_order_relaxed) != MUTATOR &&
               atomic_load_explicit(&l->keep_warm, memory_order_relaxed) && turns_now() - t0 < LIVE_KEEP_WARM_NS)
            spin_pause();
        uint64_t spun = turns_now() - t0;
        place_realtime_spin(false);
        pthread_mutex_lock(&l->mu);
        l->warm_ns += spun;
        if (l->turn != MUTATOR) l->keep_warm = false; /* spun long enough: sleep until asked again */
    }
}

/* Called by the mutator thread with the mutex held: give the turn to the
 * viewer and wait for it back. Time parked counts as suspended.
 *
 * A concurrent marker thread is parked with the mutator
 * (tc_marker_park), so it marks only while the workload runs, as in a
 * bench run, and the picture holds still while the viewer draws, pauses
 * or goes back in time. Its CPU is credited to the run from the mutator's
 * own side of the hand-off, between taking the turn and giving it back.
 * Both reads and the park lie inside the time subtracted as parked: no
 * timed operation pays for them. */
static void park(live *l) {
    uint64_t t0 = mut_ticks();
    tc_marker_park(l->heap, true);
    l->marker_run_ns += marker_cpu_ns(l->heap) - l->marker_at_resume;
    if (turns_on()) turns_log(TURN_TRICOLOR, l->ran_from, turns_now());
    l->parked_at = t0;
    l->turn = VIEWER;
    pthread_cond_broadcast(&l->cv);
    wait_for_turn(l);
    if (turns_on()) l->ran_from = turns_now();
    l->marker_at_resume = marker_cpu_ns(l->heap);
    tc_marker_park(l->heap, false);
    l->m.suspended_ticks += mut_ticks() - t0;
    l->parked_at = 0;
}

static void safepoint(tc_heap *h, void *user) {
    live *l = user;
    /* Called every 4 KiB allocated and right after each increment, so
     * single-stepping stops right after an increment. */
    if (!l->quit && tc_increment_count(h) < l->slice_end_incr && exec_ticks(l) < l->slice_end_exec) return;
    pthread_mutex_lock(&l->mu);
    park(l);
    bool quit = l->quit;
    pthread_mutex_unlock(&l->mu);
    if (quit) longjmp(l->quit_jmp, 1);
}

static void *mutator_main(void *arg) {
    live *l = arg;
    place_as_measured(); /* the CPU Boehm's feed takes turns on too (cpu_place.h) */
    pthread_mutex_lock(&l->mu);
    wait_for_turn(l);
    if (turns_on()) l->ran_from = turns_now();
    l->marker_at_resume = marker_cpu_ns(l->heap);
    pthread_mutex_unlock(&l->mu);
    if (setjmp(l->quit_jmp) == 0) {
        l->start_ticks = mut_ticks();
        l->m.suspended_ticks = 0;
        while (!l->quit) {
            uint64_t sum = l->wl->run_tricolor((struct mut *)&l->m, l->size, l->seed);
            l->checksum = sum;
            series_grow((void **)&l->round_end, &l->cap_round_end, l->rounds + 1, sizeof *l->round_end);
            if (l->rounds < l->cap_round_end) l->round_end[l->rounds] = exec_ticks(l);
            l->rounds++;
        }
    }
    pthread_mutex_lock(&l->mu);
    l->turn = VIEWER;
    l->quit = true;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

/* Creates the heap the way the window needs it. The collector decides
 * once, when the heap is made, whether it has more than one CPU for a
 * concurrent marker thread (marker.c: on one CPU the marking is paid by
 * assists instead), by the calling thread's affinity; and its background
 * threads start on the CPUs of the thread that starts them. The viewer's
 * thread is pinned to all but the measured CPU (cpu_place.h): on two CPUs
 * that is one, and the concurrent mode would never start its marker. So
 * the heap is made with the calling thread allowed every CPU and no
 * thread of its own; the caller's affinity is restored; and the config
 * asked for is then applied from the caller's thread, which starts the
 * memory thread and (concurrent mode, now or after a later change of
 * mode) the marker thread on the caller's CPUs. In the window that puts
 * the marker beside the workload, which keeps the measured CPU to itself. */
static tc_heap *new_heap(const tc_config *cfg) {
    tc_config boot = *cfg;
    boot.mem_thread = false;
    boot.concurrent = false;
    cpu_set_t mine;
    bool saved = pthread_getaffinity_np(pthread_self(), sizeof mine, &mine) == 0;
    place_anywhere();
    tc_heap *h = tc_heap_new(&boot);
    if (saved) (void)pthread_setaffinity_np(pthread_self(), sizeof mine, &mine);
    if (h && tc_set_config(h, cfg) != NULL) { /* checked by the caller: cannot fail */
        tc_heap_free(h);
        h = NULL;
    }
    return h;
}

live *live_start(const wl_info *wl, int size, uint64_t seed, const tc_config *cfg, char *err, size_t errlen) {
    const char *bad = tc_config_check(cfg);
    if (bad) {
        snprintf(err, errlen, "%s", bad);
        return NULL;
    }
    live *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->heap = new_heap(cfg);
    if (!l->heap) {
        free(l);
        snprintf(err, errlen, "cannot create the heap");
        return NULL;
    }
    l->wl = wl;
    l->size = size;
    l->seed = seed;
    l->m.heap = l->heap;
    l->m.own_count = tc_pause_count_at(l->heap);
    l->m.timed = true;
    l->m.threshold_ticks = (uint64_t)(1000.0 * live_ticks_per_ns()); /* 1 us, as bench */
    l->m.log = &l->log;
    l->turn = VIEWER;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    tc_set_safepoint(l->heap, safepoint, l);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, (size_t)64 << 20); /* workloads recurse (trees) */
    int rc = pthread_create(&l->thread, &attr, mutator_main, l);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the workload thread: %s", strerror(rc));
        tc_heap_free(l->heap);
        free(l);
        return NULL;
    }
    l->thread_started = true;
    return l;
}

void live_run(live *l, uint64_t exec_ns, uint64_t increments) {
    pthread_mutex_lock(&l->mu);
    if (!l->quit) {
        uint64_t now = l->start_ticks ? exec_ticks(l) : 0;
        l->slice_end_exec = now + (uint64_t)((double)exec_ns * live_ticks_per_ns());
        l->slice_end_incr = increments ? tc_increment_count(l->heap) + increments : UINT64_MAX;
        l->keep_warm = false; /* asked for again after the slice, if at all */
        l->turn = MUTATOR;
        pthread_cond_broadcast(&l->cv);
        while (l->turn != VIEWER) pthread_cond_wait(&l->cv, &l->mu);
    }
    pthread_mutex_unlock(&l->mu);
}

void live_keep_warm(live *l) {
    if (place_measured_cpu() < 0) return; /* one CPU: a spin would take the drawing's time */
    pthread_mutex_lock(&l->mu);
    if (!l->quit && l->turn == VIEWER) {
        l->keep_warm = true;
        pthread_cond_broadcast(&l->cv);
    }
    pthread_mutex_unlock(&l->mu);
}

void live_stop(live *l) {
    if (!l) return;
    if (l->thread_started) {
        pthread_mutex_lock(&l->mu);
        l->quit = true;
        l->turn = MUTATOR;
        pthread_cond_broadcast(&l->cv);
        pthread_mutex_unlock(&l->mu);
        pthread_join(l->thread, NULL);
    }
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    tc_heap_free(l->heap);
    oplog_free(&l->log);
    free(l->round_end);
    free(l);
}

void live_warm_stats(live *l, uint64_t *spins, uint64_t *ns) {
    pthread_mutex_lock(&l->mu);
    *spins = l->warm_spins;
    *ns = l->warm_ns;
    pthread_mutex_unlock(&l->mu);
}

tc_heap *live_heap(live *l) { return l->heap; }

double live_exec_seconds(const live *l) {
    if (!l->start_ticks) return 0;
    return (double)exec_ticks(l) / live_ticks_per_ns() / 1e9;
}

uint64_t live_rounds(const live *l) { return l->rounds; }
uint64_t live_allocs(const live *l) { return l->m.allocs; }
uint64_t live_marker_run_ns(const live *l) { return l->marker_run_ns; }
uint64_t live_checksum(const live *l) { return l->checksum; }

double live_round_end_s(const live *l, uint64_t k) {
    if (k == 0 || k > l->rounds || k > l->cap_round_end) return -1;
    return (double)l->round_end[k - 1] / live_ticks_per_ns() / 1e9;
}
size_t live_pause_count(const live *l) { return l->log.n; }

plot_pause live_pause(const live *l, size_t i) {
    double tpn = live_ticks_per_ns();
    return (plot_pause){(double)(l->log.v[i].start_ns - l->start_ticks) / tpn / 1e9,
                        (double)l->log.v[i].dur_ns / tpn / 1e3};
}

/* How many of the log's pauses start by cut_s (< 0: all of them). */
static size_t pauses_upto(const live *l, double cut_s) {
    size_t n = 0;
    while (n < l->log.n && (cut_s < 0 || live_pause(l, n).t_s <= cut_s)) n++; /* the log is in time order */
    return n;
}

void live_pause_split(const live *l, double cut_s, double min_us, size_t *env, double *gc_max_us) {
    size_t nown;
    const size_t n = pauses_upto(l, cut_s);
    (void)tc_pause_log(l->heap, &nown);
    const double tpn = live_ticks_per_ns();
    uint64_t max_ticks;
    oplog_split(l->log.v, n, nown, (uint64_t)(min_us * 1e3 * tpn), &max_ticks, env);
    *gc_max_us = (double)max_ticks / tpn / 1e3;
}
