/*
 * runner.c — one workload on one collector in a forked child (runner.h).
 *
 * The child sets its collector up, runs the workload through the entry
 * point compiled for that collector, and writes a run_result and its pause
 * log to a pipe. The parent reads them and reaps the child; a crash or a
 * non-zero exit becomes an error naming the collector and the signal.
 *
 * Boehm is set up as docs/design.md §1 describes: markers set
 * before GC_INIT (which itself collects once, before callbacks are
 * registered and before the clock starts), collection events recorded
 * with timestamps only (the callback holds the GC lock: no allocation, no
 * printing), and for boehm-inc an explicit GC_set_time_limit.
 *
 * Boehm's parallel marker. Debian's libgc starts its helper marker
 * threads only when a second thread is registered or created through it,
 * or on GC_start_mark_threads(); GC_set_markers_count alone starts none
 * (measured: GC_get_parallel() stays 0 and the process keeps one thread).
 * This child creates no thread, so with more than one marker it calls
 * GC_start_mark_threads() after GC_INIT, and boehm-par fails rather than
 * run unparallel (GC_MARKERS=1 in the environment overrides the count).
 */
#include "runner.h"

#include "code_warm.h"
#include "metrics.h"

#include <dirent.h>
#include <errno.h>
#include <gc.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mutator.h"

#ifndef GC_THREADS
/* Debian's libgc exports these, but gc.h declares them only with
 * GC_THREADS, which would also redirect pthread calls in this file. We
 * create no threads; we set the marker count and read back how many
 * helpers started. */
GC_API void GC_CALL GC_set_markers_count(unsigned);
GC_API int GC_CALL GC_get_parallel(void);
#endif

const char *const collector_names[COL_COUNT] = {"tricolor", "boehm", "boehm-inc", "tricolor-concurrent", "boehm-par"};
const char collector_list[] = "tricolor, tricolor-concurrent, boehm, boehm-inc, boehm-par";

int collector_parse(const char *name) {
    for (int i = 0; i < COL_COUNT; i++)
        if (name && strcmp(name, collector_names[i]) == 0) return i;
    return -1;
}

bool collector_is_tricolor(collector_kind k) { return k == COL_TRICOLOR || k == COL_TRICOLOR_CONCURRENT; }

bool collector_is_parallel(collector_kind k) { return k == COL_TRICOLOR_CONCURRENT || k == COL_BOEHM_PAR; }

tc_config run_tc_config(const run_config *cfg) {
    tc_config c = cfg->tc;
    if (cfg->kind == COL_TRICOLOR_CONCURRENT) c.concurrent = true;
    if (!cfg->min_heap_given && cfg->wl && cfg->wl->min_heap) {
        c.min_heap = cfg->wl->min_heap;
        run_fit_min_heap(&c);
    }
    return c;
}

void run_fit_min_heap(tc_config *c) {
    if (c->heap_limit && c->min_heap > c->heap_limit) c->min_heap = c->heap_limit / 2;
}

int run_cpus(int cpu) {
    cpu_set_t set;
    if (cpu >= 0) return 1;
    return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 2;
}

int boehm_par_markers(int cpu) {
    int n = run_cpus(cpu);
    return n > 2 ? n : 2;
}

/* The process's threads now, from /proc/self/task (0 if unreadable). */
static uint64_t count_threads(void) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return 0;
    uint64_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static uint64_t clock_ns(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---------- Boehm's collection events (child only) ---------- */

#define BOEHM_EV_MAX 65536
static struct {
    uint64_t start_ns, start_cpu;
    uint64_t count, total_ns, max_ns, cpu_ns;
    own_pause log[BOEHM_EV_MAX]; /* static: the callback may not allocate */
    size_t n;
} boehm_ev;

static void boehm_event(GC_EventType ev) {
    /* Runs with the GC lock held: timestamps only. */
    if (ev == GC_EVENT_START) {
        boehm_ev.start_ns = clock_ns(CLOCK_MONOTONIC);
        boehm_ev.start_cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    } else if (ev == GC_EVENT_END && boehm_ev.start_ns) {
        uint64_t d = clock_ns(CLOCK_MONOTONIC) - boehm_ev.start_ns;
        boehm_ev.count++;
        boehm_ev.total_ns += d;
        if (d > boehm_ev.max_ns) boehm_ev.max_ns = d;
        boehm_ev.cpu_ns += clock_ns(CLOCK_THREAD_CPUTIME_ID) - boehm_ev.start_cpu;
        if (boehm_ev.n < BOEHM_EV_MAX)
            boehm_ev.log[boehm_ev.n++] = (own_pause){.start_ns = boehm_ev.start_ns,
                                                     .dur_ns = d,
                                                     .phase = OWN_PHASE_COLLECT,
                                                     .full = 1,
                                                     .reason = OWN_REASON_NONE};
        boehm_ev.start_ns = 0;
    }
}

/* ---------- the child ---------- */

/* Ticks per nanosecond, measured against CLOCK_MONOTONIC over at least
 * `ns` nanoseconds. */
static double ticks_per_ns(uint64_t ns) {
    uint64_t c0 = mut_ticks(), t0 = clock_ns(CLOCK_MONOTONIC), t1;
    do t1 = clock_ns(CLOCK_MONOTONIC);
    while (t1 - t0 < ns);
    return (double)(mut_ticks() - c0) / (double)(t1 - t0);
}

/* The machine's own stalls before the workload (see runner.h), and the
 * periodic part of them (tick.h). */
static void measure_hiccups(uint64_t ns, hiccup *out) {
    memset(out, 0, sizeof *out);
    tick_measure(ns, &out->ticks, &out->spin);
}

/* After the workload: a second, shorter spin re-anchors the ticks (a
 * period is known to a few ns, which over a run of seconds is tens of
 * microseconds), and every timed pause that holds a tick's middle is
 * flagged. A tick the second spin does not show is dropped: no pause is
 * flagged for it then. */
static void flag_tick_pauses(hiccup *h, oplog *log) {
    tick_reanchor(&h->ticks);
    for (size_t i = 0; i < log->n; i++)
        if (tick_holds_any(&h->ticks, log->v[i].start_ns, log->v[i].dur_ns)) {
            log->v[i].flags |= OPLOG_HELD_TICK;
            h->tick_pauses++;
        }
}

/* What a Tricolor run leaves in its result: the collector's totals, the
 * memory layer's counters, and its own pause log. Frees the heap. */
static void tricolor_results(tc_heap *heap, const run_config *cfg, const tc_stats *after_first, run_result *res,
                             own_pause **own) {
    tc_stats s;
    tc_get_stats(heap, &s);
    /* In concurrent mode most marking runs on the marker thread, outside
     * any increment: GC CPU is both (marker_cpu_ns is 0 otherwise). */
    res->mutator_gc_cpu_ns = s.gc_cpu_ns;
    res->gc_cpu_ns = s.gc_cpu_ns + s.marker_cpu_ns;
    res->marker_cpu_ns = s.marker_cpu_ns;
    res->marker_idle_cpu_ns = s.marker_idle_cpu_ns;
    res->marker_threads = s.marker_work > 0;
    res->assists = s.assists;
    res->handshakes = s.handshakes;
    res->flushes = s.flushes;
    res->adopts = s.adopts;
    res->peak_heap_bytes = s.peak_heap_bytes;
    res->collections = s.cycles;
    res->mut_mem_syscalls = s.mem_syscalls_mutator;
    if (cfg->passes > 1) {
        res->later_mem_syscalls = s.mem_syscalls_mutator - after_first->mem_syscalls_mutator;
        res->later_bg_cpu_ns = s.mem_thread_cpu_ns - after_first->mem_thread_cpu_ns;
    }
    res->mem_syscalls_known = true;
    res->bg_mem_syscalls = s.mem_syscalls_thread;
    res->bg_cpu_ns = s.mem_thread_cpu_ns;
    res->reserve_misses = s.mem_reserve_misses;
    res->mmu_deferred = s.mmu_deferred;
    res->own_budget_ns = s.step_budget_ns;
    size_t n;
    const tc_pause *p = tc_pause_log(heap, &n);
    *own = malloc((n ? n : 1) * sizeof **own);
    for (size_t i = 0; i < n; i++) {
        res->own_pause_ns += p[i].duration_ns;
        if (p[i].duration_ns > res->own_max_pause_ns) res->own_max_pause_ns = p[i].duration_ns;
        if (*own)
            (*own)[i] = (own_pause){.start_ns = p[i].start_ns,
                                    .dur_ns = p[i].duration_ns,
                                    .work = p[i].work,
                                    .phase = p[i].phase,
                                    .full = p[i].reason == TC_REASON_FULL,
                                    .reason = p[i].reason};
    }
    res->own_pauses = n;
    res->nown = *own ? n : 0;
    tc_heap_free(heap);
}

/* The same for Boehm: its heap size and its collection events. other_cpu
 * is the CPU of every thread but the mutator's during the workload: its
 * helper marker threads', the only other threads this child has. */
static void boehm_results(const run_config *cfg, uint64_t other_cpu, run_result *res, own_pause **own) {
    struct GC_prof_stats_s ps;
    GC_get_prof_stats(&ps, sizeof ps);
    /* Boehm's heap only grows (unmapped blocks stay counted in
     * heapsize_full), so its size after the run is its peak. */
    res->peak_heap_bytes = ps.heapsize_full;
    res->collections = boehm_ev.count;
    res->marker_threads = (uint64_t)GC_get_parallel();
    res->marker_cpu_ns = res->marker_threads ? other_cpu : 0;
    res->mutator_gc_cpu_ns = boehm_ev.cpu_ns;
    res->gc_cpu_ns = boehm_ev.cpu_ns + res->marker_cpu_ns;
    res->gc_cpu_partial = cfg->kind == COL_BOEHM_INC;
    res->own_pauses = boehm_ev.count;
    res->own_pause_ns = boehm_ev.total_ns;
    res->own_max_pause_ns = boehm_ev.max_ns;
    *own = boehm_ev.log;
    res->nown = boehm_ev.n;
}

/* ---------- heap samples (child only) ---------- */

/* Times are in mut_ticks until the run ends, as the pause log's. */
typedef struct sampler {
    tc_heap *heap; /* NULL: Boehm */
    heap_sample *v;
    size_t n, cap;
    uint64_t gap_ticks;
    bool failed; /* a realloc failed: the samples stop there */
} sampler;

static void sample_read(const sampler *sp, uint64_t *heap, uint64_t *trigger) {
    if (sp->heap) {
        tc_stats st;
        tc_get_stats(sp->heap, &st); /* counters only: ~100 ns */
        *heap = st.heap_bytes;
        *trigger = st.trigger_bytes;
    } else {
        *heap = GC_get_heap_size();
        *trigger = 0;
    }
}

static void sample_now(sampler *sp, uint64_t t_ticks, uint64_t seq, uint64_t heap, uint64_t trigger) {
    if (sp->failed) return;
    if (sp->n == sp->cap) {
        size_t cap = sp->cap ? sp->cap * 2 : 1024;
        heap_sample *v = realloc(sp->v, cap * sizeof *v);
        if (!v) {
            sp->failed = true;
            return;
        }
        sp->v = v;
        sp->cap = cap;
    }
    sp->v[sp->n++] = (heap_sample){.t_ns = t_ticks, .seq = seq, .heap_bytes = heap, .trigger_bytes = trigger};
}

/* After an operation is logged, outside its timed interval: a sample if
 * the heap or the trigger changed, or the last is HEAP_SAMPLE_NS old.
 * Logged operations are the ones that paused, where the heap grows. */
static void sample_on_add(oplog *log, void *user) {
    sampler *sp = user;
    const oplog_entry *e = &log->v[log->n - 1];
    uint64_t end = e->start_ns + e->dur_ns, heap, trigger;
    sample_read(sp, &heap, &trigger);
    if (sp->n) {
        const heap_sample *last = &sp->v[sp->n - 1];
        if (heap == last->heap_bytes && trigger == last->trigger_bytes && end - last->t_ns < sp->gap_ticks) return;
    }
    sample_now(sp, end, e->seq, heap, trigger);
}

/* A sample now (the run's start and end). */
static void sample_at(sampler *sp, uint64_t t_ticks, uint64_t seq) {
    uint64_t heap, trigger;
    sample_read(sp, &heap, &trigger);
    sample_now(sp, t_ticks, seq, heap, trigger);
}

static void child_run(const run_config *cfg, run_result *res, oplog *log, own_pause **own, sampler *sp) {
    double tpn = ticks_per_ns(2000000); /* 2 ms: enough for the threshold */
    mut m = {.timed = cfg->timed, .threshold_ticks = (uint64_t)((double)cfg->threshold_ns * tpn), .log = log};
    tc_heap *heap = NULL;
    const bool tricolor = collector_is_tricolor(cfg->kind);
    if (tricolor) {
        tc_config tc = run_tc_config(cfg);
        const char *bad = tc_config_check(&tc);
        heap = bad ? NULL : tc_heap_new(&tc);
        if (!heap) {
            snprintf(res->error, sizeof res->error, "%s: invalid configuration: %s", collector_names[cfg->kind],
                     bad ? bad : "tc_heap_new failed");
            return;
        }
        m.heap = heap;
        m.own_count = tc_pause_count_at(heap);
    } else {
        m.own_count = &boehm_ev.n;
        /* Markers and the event callback are set up before GC_INIT: a
         * Boehm the parent had initialized would keep its own. */
        if (GC_is_init_called()) {
            snprintf(res->error, sizeof res->error,
                     "%s: Boehm was initialized before this run's fork (run_in_child needs a parent that has not "
                     "called GC_INIT)",
                     collector_names[cfg->kind]);
            return;
        }
        int markers = cfg->kind == COL_BOEHM_PAR ? boehm_par_markers(cfg->cpu)
                                                 : (cfg->boehm_markers > 0 ? cfg->boehm_markers : 1);
        GC_set_markers_count((unsigned)markers);
        GC_INIT();
        /* Helpers start only on request here (see the top of this file). */
        if (markers > 1) GC_start_mark_threads();
        if (cfg->kind == COL_BOEHM_PAR && GC_get_parallel() < 1) {
            snprintf(res->error, sizeof res->error,
                     "boehm-par: Boehm's parallel marker did not start (GC_get_parallel() = %d after "
                     "GC_set_markers_count(%d) and GC_start_mark_threads(); GC_MARKERS=%s in the environment?)",
                     GC_get_parallel(), markers, getenv("GC_MARKERS") ? getenv("GC_MARKERS") : "(unset)");
            return;
        }
        GC_set_on_collection_event(boehm_event);
        if (cfg->kind == COL_BOEHM_INC) {
            GC_enable_incremental();
            GC_set_time_limit((unsigned long)cfg->boehm_time_limit_ms);
        }
    }
    if (cfg->hiccup_ns) measure_hiccups(cfg->hiccup_ns, &res->hic);
    sp->heap = heap;
    sp->gap_ticks = (uint64_t)((double)HEAP_SAMPLE_NS * tpn);
    if (cfg->timed) {
        log->on_add = sample_on_add;
        log->on_add_user = sp;
    }
    struct rusage ru0, ru1, th0, th1;
    getrusage(RUSAGE_THREAD, &th0);
    getrusage(RUSAGE_SELF, &ru0);
    const uint64_t proc0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID), thr0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    res->t0_ns = clock_ns(CLOCK_MONOTONIC);
    uint64_t k0 = mut_ticks();
    if (cfg->timed) sample_at(sp, k0, 0);
    wl_entry run = tricolor ? cfg->wl->run_tricolor : cfg->wl->run_boehm;
    struct rusage after_first;
    tc_stats s1 = {0};
    uint64_t t_first = 0;
    for (int pass = 0; pass < (cfg->passes > 0 ? cfg->passes : 1); pass++) {
        res->checksum = run((struct mut *)&m, cfg->size, cfg->seed); /* the same every pass */
        if (pass == 0) {
            t_first = clock_ns(CLOCK_MONOTONIC);
            getrusage(RUSAGE_THREAD, &after_first);
            if (heap) tc_get_stats(heap, &s1);
        }
    }
    uint64_t k1 = mut_ticks();
    res->t1_ns = clock_ns(CLOCK_MONOTONIC);
    if (cfg->timed) sample_at(sp, k1, m.allocs);
    log->on_add = NULL;
    if (cfg->passes > 1) res->later_wall_ns = res->t1_ns - t_first;
    /* Before the heap is freed: Tricolor's threads stop with it. */
    res->threads = count_threads();
    res->mutator_cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - thr0;
    const uint64_t proc_cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - proc0;
    const uint64_t other_cpu = proc_cpu > res->mutator_cpu_ns ? proc_cpu - res->mutator_cpu_ns : 0;
    /* Ticks to CLOCK_MONOTONIC: calibrated over the whole run when it is
     * long enough to beat the 2 ms calibration above. */
    if (res->t1_ns - res->t0_ns > 2000000) tpn = (double)(k1 - k0) / (double)(res->t1_ns - res->t0_ns);
    for (size_t i = 0; i < log->n; i++) {
        log->v[i].start_ns = res->t0_ns + (uint64_t)((double)(log->v[i].start_ns - k0) / tpn);
        log->v[i].dur_ns = (uint64_t)((double)log->v[i].dur_ns / tpn);
    }
    for (size_t i = 0; i < sp->n; i++) sp->v[i].t_ns = res->t0_ns + (uint64_t)((double)(sp->v[i].t_ns - k0) / tpn);
    getrusage(RUSAGE_THREAD, &th1);
    getrusage(RUSAGE_SELF, &ru1);
    res->mut_minflt = (uint64_t)(th1.ru_minflt - th0.ru_minflt);
    res->mut_majflt = (uint64_t)(th1.ru_majflt - th0.ru_majflt);
    if (cfg->passes > 1) res->later_minflt = (uint64_t)(th1.ru_minflt - after_first.ru_minflt);
    res->wall_ns = res->t1_ns - res->t0_ns;
    res->cpu_ns =
        (uint64_t)((ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) + (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec)) *
            1000000000u +
        (uint64_t)((ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) + (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec)) *
            1000u;
    res->peak_rss_bytes = (uint64_t)ru1.ru_maxrss * 1024u;
    res->allocs = m.allocs;
    res->alloc_bytes = m.alloc_bytes;
    if (heap)
        tricolor_results(heap, cfg, &s1, res, own);
    else
        boehm_results(cfg, other_cpu, res, own);
    /* Last: with the heap freed and its threads gone, the second spin
     * sees only the machine. */
    flag_tick_pauses(&res->hic, log);
    res->ok = true;
}

static bool write_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool read_all(int fd, void *buf, size_t n) {
    char *p = buf;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

bool run_in_child(const run_config *cfg, run_result *res) {
    memset(res, 0, sizeof *res);
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(res->error, sizeof res->error, "pipe: %s", strerror(errno));
        return false;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(res->error, sizeof res->error, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    if (pid == 0) {
        close(fds[0]);
        if (cfg->cpu >= 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(cfg->cpu, &set);
            sched_setaffinity(0, sizeof set, &set);
        }
        (void)code_warm(); /* both collectors alike: code_warm.h */
        run_result r = {0};
        oplog log = {0};
        own_pause *own = NULL;
        sampler sp = {0};
        child_run(cfg, &r, &log, &own, &sp);
        r.npauses = log.n;
        r.nheap = sp.n;
        r.pauses = NULL;
        r.own = NULL;
        r.heap = NULL;
        bool ok = write_all(fds[1], &r, sizeof r) && (!log.n || write_all(fds[1], log.v, log.n * sizeof *log.v)) &&
                  (!r.nown || write_all(fds[1], own, r.nown * sizeof *own)) &&
                  (!sp.n || write_all(fds[1], sp.v, sp.n * sizeof *sp.v));
        _exit(ok && r.ok ? 0 : 1);
    }
    close(fds[1]);
    bool got = read_all(fds[0], res, sizeof *res);
    res->pauses = NULL;
    res->own = NULL;
    res->heap = NULL;
    if (got && res->npauses) {
        res->pauses = malloc(res->npauses * sizeof *res->pauses);
        got = res->pauses && read_all(fds[0], res->pauses, res->npauses * sizeof *res->pauses);
    }
    if (got && res->nown) {
        res->own = malloc(res->nown * sizeof *res->own);
        got = res->own && read_all(fds[0], res->own, res->nown * sizeof *res->own);
    }
    if (got && res->nheap) {
        res->heap = malloc(res->nheap * sizeof *res->heap);
        got = res->heap && read_all(fds[0], res->heap, res->nheap * sizeof *res->heap);
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    const char *who = collector_names[cfg->kind];
    if (WIFSIGNALED(status)) {
        snprintf(res->error, sizeof res->error, "%s run of %s died with signal %d (%s)", who, cfg->wl->name,
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
        res->ok = false;
    } else if (!got || WEXITSTATUS(status) != 0) {
        if (!res->error[0])
            snprintf(res->error, sizeof res->error, "%s run of %s failed (exit status %d)", who, cfg->wl->name,
                     WEXITSTATUS(status));
        res->ok = false;
    }
    if (!res->ok) run_result_free(res);
    return res->ok;
}

void run_config_defaults(run_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    tc_config_default(&cfg->tc);
    cfg->boehm_markers = 1;
    cfg->boehm_time_limit_ms = 1;
    cfg->threshold_ns = 1000;
    cfg->passes = 1;
    cfg->cpu = -1; /* pinning measured ~50% slower for both on this VM; one marker is what keeps GC on one core */
}

bool run_untimed_then_timed(const run_config *cfg, void (*before)(void *user, int timed), void *user,
                            run_result *untimed, run_result *timed, char *err, size_t errlen) {
    run_config rc = *cfg;
    run_result *res[2] = {untimed, timed};
    for (int t = 0; t < 2; t++) {
        if (before) before(user, t);
        rc.timed = t;
        rc.hiccup_ns = t ? cfg->hiccup_ns : 0; /* the machine's stalls, beside the pauses */
        if (!run_in_child(&rc, res[t])) {
            snprintf(err, errlen, "%s", res[t]->error);
            run_result_free(res[t]);
            if (t) run_result_free(untimed);
            return false;
        }
    }
    if (untimed->checksum == timed->checksum) return true;
    snprintf(err, errlen, "checksums differ (untimed %016llx, timed %016llx): the runs did not do the same work",
             (unsigned long long)untimed->checksum, (unsigned long long)timed->checksum);
    run_result_free(untimed);
    run_result_free(timed);
    return false;
}

metrics_pause *run_metrics_pauses(const run_result *r, bool without_ticks, size_t *n) {
    *n = 0;
    metrics_pause *p = malloc((r->npauses ? r->npauses : 1) * sizeof *p);
    if (!p) return NULL;
    for (size_t i = 0; i < r->npauses; i++) p[i] = (metrics_pause){r->pauses[i].start_ns, r->pauses[i].dur_ns};
    if (without_ticks) tick_take_out(&r->hic.ticks, p, r->npauses);
    *n = metrics_normalize(p, r->npauses);
    return p;
}

void run_result_free(run_result *res) {
    free(res->pauses);
    free(res->own);
    free(res->heap);
    res->pauses = NULL;
    res->own = NULL;
    res->heap = NULL;
    res->npauses = res->nown = res->nheap = 0;
}

const char *own_phase_name(const own_pause *p) {
    if (p->phase == OWN_PHASE_COLLECT) return "collect";
    if (p->full) return "full";
    return tc_phase_name((tc_phase)p->phase);
}

const char *own_reason_name(const own_pause *p) {
    return p->reason == OWN_REASON_NONE ? "" : tc_pause_reason_name(p->reason);
}

const char *run_pause_phase(const run_result *r, const oplog_entry *e, uint64_t *work) {
    const char *name = NULL;
    *work = 0;
    for (size_t i = e->own_first; i < (size_t)e->own_first + e->own_n && i < r->nown; i++) {
        if (!name) name = own_phase_name(&r->own[i]);
        *work += r->own[i].work;
    }
    return name ? name : oplog_op_name(e->op);
}

const char *run_pause_reason(const run_result *r, const oplog_entry *e) {
    return e->own_n && e->own_first < r->nown ? own_reason_name(&r->own[e->own_first]) : "";
}

uint64_t run_pause_own_ns(const run_result *r, const oplog_entry *e) {
    uint64_t ns = 0;
    for (size_t i = e->own_first; i < (size_t)e->own_first + e->own_n && i < r->nown; i++) ns += r->own[i].dur_ns;
    return ns;
}

uint64_t run_gc_max_ns(const run_result *r) {
    uint64_t max;
    size_t none;
    oplog_split(r->pauses, r->npauses, r->nown, UINT64_MAX, &max, &none);
    return max;
}

/* The timed pauses that held collector work (with_work) or none,
 * normalized, each as long as it was timed or (own_time) as the
 * collector's own time in it; exits when out of memory, as measure.c does
 * for the whole log: no figure rather than a false one. */
static metrics_pause *split_pauses(const run_result *r, bool with_work, bool own_time, size_t *n_out) {
    metrics_pause *p = malloc((r->npauses ? r->npauses : 1) * sizeof *p);
    if (!p) {
        fprintf(stderr, "tricolor: out of memory\n");
        exit(1);
    }
    size_t n = 0;
    for (size_t i = 0; i < r->npauses; i++)
        if (oplog_holds_work(&r->pauses[i], r->nown) == with_work)
            p[n++] = (metrics_pause){r->pauses[i].start_ns,
                                     own_time ? run_pause_own_ns(r, &r->pauses[i]) : r->pauses[i].dur_ns};
    *n_out = metrics_normalize(p, n);
    return p;
}

double run_mmu_split(const run_result *r, bool with_work, uint64_t window_ns, uint64_t *at_ns) {
    size_t n;
    metrics_pause *p = split_pauses(r, with_work, false, &n);
    double v = metrics_mmu_at(p, n, r->t0_ns, r->t1_ns, window_ns, at_ns);
    free(p);
    return v;
}

/* The pauses that held collector work, summarized: as timed, or as the
 * collector's own time in each (own_time). */
static void gc_work_summary(const run_result *r, bool own_time, metrics_summary *out) {
    size_t n;
    metrics_pause *p = split_pauses(r, true, own_time, &n);
    metrics_summarize(p, n, out);
    free(p);
}

void run_gc_summary(const run_result *r, metrics_summary *out) { gc_work_summary(r, false, out); }

double run_gc_p99_us(const run_result *r) {
    metrics_summary s;
    run_gc_summary(r, &s);
    return s.p99_us;
}

void run_gc_own_summary(const run_result *r, metrics_summary *out) { gc_work_summary(r, true, out); }

size_t run_env_pauses(const run_result *r, uint64_t min_ns) {
    uint64_t max;
    size_t none;
    oplog_split(r->pauses, r->npauses, r->nown, min_ns, &max, &none);
    return none;
}
