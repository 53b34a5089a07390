/*
 * measure.c — running a configuration and reducing it to figures
 * (measure.h).
 *
 * Why two runs: timing every operation costs a few % of a run, so pause
 * figures come from a timed run and throughput figures (wall, CPU, heap)
 * from a separate untimed run of the same configuration; both must end
 * with the same checksum, or they did not do the same work.
 */
#include "measure.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---------- accessors ---------- */

static double pause_figure(const fig_input *in, int which) {
    const metrics_summary *s = &in->summary;
    switch (which) {
    case FIG_PAUSES: return (double)s->count;
    case FIG_P50_US: return s->p50_us;
    case FIG_P95_US: return s->p95_us;
    case FIG_P99_US: return s->p99_us;
    case FIG_P999_US: return s->p999_us;
    default: return s->max_us;
    }
}

static double mmu(const fig_input *in, int w) {
    return metrics_mmu(in->pauses, in->npauses, in->timed->t0_ns, in->timed->t1_ns, metrics_windows_ns[w]);
}

static double bmu(const fig_input *in, int w) {
    return metrics_bmu(in->pauses, in->npauses, in->timed->t0_ns, in->timed->t1_ns, metrics_windows_ns[w]);
}

/* Time inside pauses over the timed run's wall time. */
static double gc_share(const fig_input *in, int arg) {
    (void)arg;
    return in->timed->wall_ns ? in->summary.total_us * 1e3 / (double)in->timed->wall_ns : 0;
}

/* The collector's CPU over the process's, in the untimed run. */
static double gc_cpu_share(const fig_input *in, int arg) {
    (void)arg;
    return in->untimed->cpu_ns ? (double)in->untimed->gc_cpu_ns / (double)in->untimed->cpu_ns : 0;
}

/* Process CPU over wall, in the untimed run: how many cores the run kept
 * busy on average (the mutator's, the marker threads', the memory
 * thread's). */
static double cpu_per_wall(const fig_input *in, int arg) {
    (void)arg;
    return in->untimed->wall_ns ? (double)in->untimed->cpu_ns / (double)in->untimed->wall_ns : 0;
}

/* The memory thread's CPU over the wall time of passes 2 and later (the
 * untimed run): its cost once the heap has grown, against the 2% of a
 * core it is paced for (docs/design.md §6). The first pass is left out:
 * there the thread faults in the whole heap as it grows, which costs
 * what the machine's page faults cost. */
static double later_bg_share(const fig_input *in, int arg) {
    (void)arg;
    const run_result *r = in->untimed;
    return r->later_wall_ns ? (double)r->later_bg_cpu_ns / (double)r->later_wall_ns : 0;
}

static double alloc_rate(const fig_input *in, int arg) {
    (void)arg;
    const run_result *r = in->untimed;
    return r->wall_ns ? (double)r->alloc_bytes / (1 << 20) / ((double)r->wall_ns / 1e9) : 0;
}

/* The machine's stalls of 20 us or more, a second of the spin before the
 * timed run. On the VMs of docs/design.md §8 a loop that only reads the
 * clock meets 600-1,300 a second, most of 20-80 us. */
static double stall_rate(const fig_input *in, int arg) {
    (void)arg;
    const hiccup *h = &in->timed->hic;
    return h->spin.spin_ns ? (double)h->spin.over_20us * 1e9 / (double)h->spin.spin_ns : 0;
}

/* The hiccup spin's own MMU at 1 or 10 ms (tick.h, tick_spin_stats):
 * what the machine left a loop that does nothing, just before the run. */
static double machine_mmu(const fig_input *in, int window_ms) {
    const tick_spin_stats *s = &in->timed->hic.spin;
    return window_ms == 1 ? s->mmu_1ms : s->mmu_10ms;
}

/* The share of the pauses such a stall would land in if stalls came at
 * random times: their rate times the time spent in pauses, over the
 * pause count, %. Where it nears 1%, the p99 is the machine's stalls
 * rather than the collector's work (README, "The machine's own
 * stalls"). */
static double stalled_share_pct(const fig_input *in, const metrics_summary *s) {
    if (!s->count) return 0;
    double expected = stall_rate(in, 0) * s->total_us / 1e6;
    return 100.0 * expected / (double)s->count;
}

static double stalled_pauses_pct(const fig_input *in, int arg) {
    (void)arg;
    return stalled_share_pct(in, &in->summary);
}

/* The timed pauses that held one of the machine's periodic stalls
 * (tick.h), % of all: exact where stalled_pauses_pct estimates. On the
 * VMs of docs/design.md section 8 the host's 1 ms tick lands in 1-2% of
 * GCBench's pauses, and the p99 is then its length. */
static double tick_pauses_pct(const fig_input *in, int arg) {
    (void)arg;
    return in->summary.count ? 100.0 * (double)in->timed->hic.tick_pauses / (double)in->summary.count : 0;
}

/* The p99 of the pauses with the machine's ticks' time taken out of
 * those they landed in (tick_take_out): the collector's own. */
static double p99_no_tick(const fig_input *in, int arg) {
    (void)arg;
    return in->summary_no_tick.p99_us;
}

/* Timed pauses of 200 us or more with no collector work inside: the
 * environment's (runner.h), to read beside the machine's own stalls. */
static double env_pauses(const fig_input *in, int arg) {
    (void)arg;
    return (double)run_env_pauses(in->timed, 200000);
}

static double gc_max_us(const fig_input *in, int arg) {
    (void)arg;
    return (double)run_gc_max_ns(in->timed) / 1e3;
}

static double gc_p99_us(const fig_input *in, int arg) {
    (void)arg;
    return run_gc_p99_us(in->timed);
}

/* stalled_pauses_pct over the pauses that held collector work alone:
 * the share of them a machine stall of 20 us or more lands in, at random
 * times, %. Their p99 target is 20 us (issue 14), so a stall it lands in
 * makes a pause miss it whatever the collector did, and once the share
 * nears 1% the p99 is the machine's (docs/design.md section 10, "The p99
 * of short pauses and the machine's stalls"). */
static double gc_stalled_pauses_pct(const fig_input *in, int arg) {
    (void)arg;
    metrics_summary s;
    run_gc_summary(in->timed, &s);
    return stalled_share_pct(in, &s);
}

/* The collector's own time inside the pauses that held some
 * (run_gc_own_summary): arg 0 its longest, 1 its p99. What the pauses of
 * the two figures above held of collector work, by its own clock: the
 * concurrent mode's "mutator time inside handshakes, assists and
 * barrier-buffer flushes" (issue 14), without the allocation around it. */
static double gc_own_us(const fig_input *in, int p99) {
    metrics_summary s;
    run_gc_own_summary(in->timed, &s);
    return p99 ? s.p99_us : s.max_us;
}

/* The MMU at 1 or 10 ms from one side of the split above: the
 * collector's increments alone (arg 1), or the pauses without any (arg
 * 0). */
static double mmu1_split(const fig_input *in, int with_work) {
    return run_mmu_split(in->timed, with_work != 0, 1000000u, NULL);
}

static double mmu10_split(const fig_input *in, int with_work) {
    return run_mmu_split(in->timed, with_work != 0, 10000000u, NULL);
}

/* Where the collector's worst millisecond (arg 1) or 10 ms (arg 10), by
 * the split above, starts, in ms from the timed run's start: whether a
 * run's MMU was set while its heap grew, at the start, or in its steady
 * state. On GCBench in the concurrent mode 75-87% of the time in pauses
 * with collector work falls in the first 80 ms of a ~750 ms timed run
 * (docs/design.md §10). */
static double mmu_gc_at_ms(const fig_input *in, int ms) {
    uint64_t at = in->timed->t0_ns;
    run_mmu_split(in->timed, true, (uint64_t)ms * 1000000u, &at);
    return at > in->timed->t0_ns ? (double)(at - in->timed->t0_ns) * 1e-6 : 0.0;
}

/* How much longer the timed run took than the untimed one, %. */
static double timing_overhead(const fig_input *in, int arg) {
    (void)arg;
    double a = (double)in->untimed->wall_ns, b = (double)in->timed->wall_ns;
    return a ? 100.0 * (b - a) / a : 0;
}

/* ---------- the table ---------- */

#define PAUSE(id, key, label)                                                                                          \
    [id] = {key, label, id == FIG_PAUSES ? FK_COUNT : FK_US, FR_TIMED, FC_MEDIAN, pause_figure, id, 0, 0}
/* One row a window: key K "." NAME ("mmu.1ms"), label L " " NAME ("MMU 1ms"). */
#define WINDOW(base, fn, k, l, w, name)                                                                                \
    [base + w] = {k "." name, l " " name, FK_RATIO, FR_TIMED, FC_MEDIAN, fn, w, 0, 0}
#define WINDOWS(base, fn, k, l)                                                                                        \
    WINDOW(base, fn, k, l, 0, "1ms"), WINDOW(base, fn, k, l, 1, "2ms"), WINDOW(base, fn, k, l, 2, "5ms"),              \
        WINDOW(base, fn, k, l, 3, "10ms"), WINDOW(base, fn, k, l, 4, "20ms"), WINDOW(base, fn, k, l, 5, "50ms"),       \
        WINDOW(base, fn, k, l, 6, "100ms")
/* A uint64_t field of the untimed run's result, times scale. */
#define FIELD(id, key, label, kind, field, scale)                                                                      \
    [id] = {key, label, kind, FR_UNTIMED, FC_MEDIAN, NULL, 0, offsetof(run_result, field), scale}
#define FIELD_MAX(id, key, label, kind, field, scale)                                                                  \
    [id] = {key, label, kind, FR_UNTIMED, FC_MAX, NULL, 0, offsetof(run_result, field), scale}
/* The same from the timed run. */
#define TFIELD(id, key, label, kind, field, scale)                                                                     \
    [id] = {key, label, kind, FR_TIMED, FC_MEDIAN, NULL, 0, offsetof(run_result, field), scale}
#define TFIELD_MAX(id, key, label, kind, field, scale)                                                                 \
    [id] = {key, label, kind, FR_TIMED, FC_MAX, NULL, 0, offsetof(run_result, field), scale}
#define DERIVED(id, key, label, kind, run, fn) [id] = {key, label, kind, run, FC_MEDIAN, fn, 0, 0, 0}

_Static_assert(METRICS_NWINDOWS == 7, "one WINDOW row a window of metrics_windows_ns");

/* clang-format off */
const figure_def figure_defs[FIG_N] = {
    PAUSE(FIG_PAUSES, "pauses.count", "pauses"),
    PAUSE(FIG_P50_US, "pauses.p50_us", "p50 pause"),
    PAUSE(FIG_P95_US, "pauses.p95_us", "p95 pause"),
    PAUSE(FIG_P99_US, "pauses.p99_us", "p99 pause"),
    PAUSE(FIG_P999_US, "pauses.p999_us", "p99.9 pause"),
    PAUSE(FIG_MAX_US, "pauses.max_us", "max pause"),
    WINDOWS(FIG_MMU, mmu, "mmu", "MMU"),
    WINDOWS(FIG_BMU, bmu, "bmu", "BMU"),
    DERIVED(FIG_GC_SHARE, "gc_share", "GC share of wall", FK_SHARE, FR_TIMED, gc_share),
    FIELD(FIG_GC_CPU_MS, "gc_cpu_ms", "GC CPU", FK_MS, gc_cpu_ns, 1e-6),
    FIELD(FIG_MARKER_CPU_MS, "marker_cpu_ms", "marker threads CPU", FK_MS, marker_cpu_ns, 1e-6),
    FIELD(FIG_MARKER_IDLE_CPU_MS, "marker_idle_cpu_ms", "  of it at idle priority", FK_MS, marker_idle_cpu_ns, 1e-6),
    DERIVED(FIG_GC_CPU_SHARE, "gc_cpu_share", "GC share of CPU", FK_SHARE, FR_UNTIMED, gc_cpu_share),
    FIELD(FIG_WALL_MS, "wall_ms", "wall", FK_MS, wall_ns, 1e-6),
    FIELD(FIG_CPU_MS, "cpu_ms", "CPU", FK_MS, cpu_ns, 1e-6),
    FIELD(FIG_MUT_CPU_MS, "mutator_cpu_ms", "mutator thread CPU", FK_MS, mutator_cpu_ns, 1e-6),
    DERIVED(FIG_CPU_PER_WALL, "cpu_per_wall", "CPU / wall", FK_RATIO, FR_UNTIMED, cpu_per_wall),
    FIELD(FIG_PEAK_HEAP, "peak_heap_bytes", "peak heap", FK_BYTES, peak_heap_bytes, 1),
    FIELD(FIG_PEAK_RSS, "peak_rss_bytes", "peak RSS", FK_BYTES, peak_rss_bytes, 1),
    DERIVED(FIG_ALLOC_RATE, "alloc_mib_per_s", "allocation rate", FK_RATE, FR_UNTIMED, alloc_rate),
    FIELD(FIG_COLLECTIONS, "collections", "collections", FK_COUNT, collections, 1),
    FIELD(FIG_MARKER_THREADS, "marker_threads", "marker threads", FK_COUNT, marker_threads, 1),
    FIELD(FIG_THREADS, "threads", "threads", FK_COUNT, threads, 1),
    TFIELD(FIG_ASSISTS, "assists", "assists (concurrent)", FK_COUNT, assists, 1),
    TFIELD(FIG_HANDSHAKES, "handshakes", "handshakes", FK_COUNT, handshakes, 1),
    TFIELD(FIG_FLUSHES, "flushes", "buffer flushes", FK_COUNT, flushes, 1),
    TFIELD(FIG_ADOPTS, "adopts", "adoptions (concurrent)", FK_COUNT, adopts, 1),
    TFIELD(FIG_OWN_PAUSES, "own_pauses", "own pauses", FK_COUNT, own_pauses, 1),
    TFIELD(FIG_OWN_MAX_US, "own_max_us", "own max pause", FK_US, own_max_pause_ns, 1e-3),
    TFIELD(FIG_OWN_BUDGET_US, "own_budget_us", "own time budget", FK_US, own_budget_ns, 1e-3),
    FIELD(FIG_MUT_MINFLT, "mutator.minor_faults", "mutator minor faults", FK_COUNT, mut_minflt, 1),
    FIELD(FIG_MUT_MAJFLT, "mutator.major_faults", "mutator major faults", FK_COUNT, mut_majflt, 1),
    FIELD(FIG_MUT_MEM_SYSCALLS, "mutator.mem_syscalls", "mutator mem syscalls", FK_COUNT, mut_mem_syscalls, 1),
    FIELD(FIG_LATER_MEM_SYSCALLS, "mutator.later_pass_mem_syscalls", "mem syscalls, pass 2+", FK_COUNT, later_mem_syscalls, 1),
    FIELD(FIG_LATER_MINFLT, "mutator.later_pass_minor_faults", "minor faults, pass 2+", FK_COUNT, later_minflt, 1),
    FIELD(FIG_BG_MEM_SYSCALLS, "mem_thread.mem_syscalls", "mem thread syscalls", FK_COUNT, bg_mem_syscalls, 1),
    FIELD(FIG_BG_CPU_MS, "mem_thread.cpu_ms", "mem thread CPU", FK_MS, bg_cpu_ns, 1e-6),
    DERIVED(FIG_BG_LATER_SHARE, "mem_thread.later_pass_cpu_share", "mem thread, pass 2+", FK_SHARE, FR_UNTIMED,
            later_bg_share),
    FIELD(FIG_RESERVE_MISSES, "mem_thread.reserve_misses", "reserve misses", FK_COUNT, reserve_misses, 1),
    TFIELD(FIG_MMU_DEFERRED, "guard.deferred", "increments deferred", FK_COUNT, mmu_deferred, 1),
    TFIELD(FIG_HICCUP_MAX_US, "hiccup.max_gap_us", "machine stall max", FK_US, hic.spin.max_gap_ns, 1e-3),
    TFIELD(FIG_HICCUP_OVER_200US, "hiccup.gaps_over_200us", "machine stalls >200us", FK_COUNT,
           hic.spin.over_200us, 1),
    TFIELD(FIG_HICCUP_OVER_1MS, "hiccup.gaps_over_1ms", "machine stalls >1ms", FK_COUNT, hic.spin.over_1ms, 1),
    [FIG_HICCUP_MMU1] = {"hiccup.mmu_1ms", "machine MMU 1ms", FK_RATIO, FR_TIMED, FC_MEDIAN, machine_mmu, 1, 0, 0},
    [FIG_HICCUP_MMU10] = {"hiccup.mmu_10ms", "machine MMU 10ms", FK_RATIO, FR_TIMED, FC_MEDIAN, machine_mmu, 10, 0, 0},
    DERIVED(FIG_HICCUP_OVER_20US_RATE, "hiccup.gaps_over_20us_per_s", "machine stalls >20us/s", FK_COUNT,
            FR_TIMED, stall_rate),
    TFIELD(FIG_TICK_PERIOD_US, "hiccup.tick_period_us", "machine tick every", FK_US, hic.ticks.t[0].period_ns, 1e-3),
    TFIELD(FIG_TICK_LEN_US, "hiccup.tick_length_us", "machine tick length", FK_US, hic.ticks.t[0].len_ns, 1e-3),
    TFIELD(FIG_TICK2_PERIOD_US, "hiccup.tick2_period_us", "second tick every", FK_US, hic.ticks.t[1].period_ns, 1e-3),
    TFIELD(FIG_TICK2_LEN_US, "hiccup.tick2_length_us", "second tick length", FK_US, hic.ticks.t[1].len_ns, 1e-3),
    DERIVED(FIG_STALLED_PAUSES_PCT, "pauses_holding_a_stall_pct", "pauses a stall lands in", FK_PCT, FR_TIMED,
            stalled_pauses_pct),
    DERIVED(FIG_TICK_PAUSES_PCT, "pauses_holding_the_tick_pct", "pauses a tick lands in", FK_PCT, FR_TIMED,
            tick_pauses_pct),
    DERIVED(FIG_P99_NO_TICK_US, "p99_without_tick_us", "p99 without the ticks", FK_US, FR_TIMED, p99_no_tick),
    DERIVED(FIG_ENV_PAUSES, "env_pauses_over_200us", "env pauses >200us", FK_COUNT, FR_TIMED, env_pauses),
    DERIVED(FIG_GC_MAX_US, "gc_max_us", "max pause with GC work", FK_US, FR_TIMED, gc_max_us),
    DERIVED(FIG_GC_P99_US, "gc_p99_us", "p99 pause with GC work", FK_US, FR_TIMED, gc_p99_us),
    DERIVED(FIG_GC_STALLED_PCT, "gc_pauses_holding_a_stall_pct", "  a stall lands in", FK_PCT, FR_TIMED,
            gc_stalled_pauses_pct),
    [FIG_GC_OWN_MAX_US] = {"gc_own_max_us", "max GC time in a pause", FK_US, FR_TIMED, FC_MEDIAN, gc_own_us, 0, 0, 0},
    [FIG_GC_OWN_P99_US] = {"gc_own_p99_us", "p99 GC time in a pause", FK_US, FR_TIMED, FC_MEDIAN, gc_own_us, 1, 0, 0},
    [FIG_MMU1_GC] = {"mmu_gc_work.1ms", "MMU 1ms, GC work only", FK_RATIO, FR_TIMED, FC_MEDIAN, mmu1_split, 1, 0, 0},
    [FIG_MMU10_GC] = {"mmu_gc_work.10ms", "MMU 10ms, GC work only", FK_RATIO, FR_TIMED, FC_MEDIAN, mmu10_split, 1, 0, 0},
    [FIG_MMU1_GC_AT] = {"mmu_gc_work.1ms_at_ms", "  its worst 1ms at", FK_MS, FR_TIMED, FC_MEDIAN, mmu_gc_at_ms, 1, 0, 0, true},
    [FIG_MMU10_GC_AT] = {"mmu_gc_work.10ms_at_ms", "  its worst 10ms at", FK_MS, FR_TIMED, FC_MEDIAN, mmu_gc_at_ms, 10, 0, 0, true},
    [FIG_MMU1_OTHER] = {"mmu_no_gc_work.1ms", "MMU 1ms, other pauses", FK_RATIO, FR_TIMED, FC_MEDIAN, mmu1_split, 0, 0, 0},
    [FIG_MMU10_OTHER] = {"mmu_no_gc_work.10ms", "MMU 10ms, other pauses", FK_RATIO, FR_TIMED, FC_MEDIAN, mmu10_split, 0, 0, 0},
    DERIVED(FIG_TIMING_OVERHEAD, "timing_overhead_pct", "timing overhead", FK_PCT, FR_BOTH, timing_overhead),
};
/* clang-format on */

/* ---------- measuring ---------- */

static void compute(const run_result *thr, const run_result *tim, figures *f) {
    memset(f, 0, sizeof *f);
    size_t n, nq;
    metrics_pause *p = run_metrics_pauses(tim, false, &n), *q = run_metrics_pauses(tim, true, &nq);
    if (!p || !q) {
        fprintf(stderr, "tricolor: out of memory\n");
        exit(1);
    }
    fig_input in = {thr, tim, p, n, {0}, {0}};
    metrics_summarize(p, n, &in.summary);
    metrics_summarize(q, nq, &in.summary_no_tick);
    free(q);
    for (int k = 0; k < FIG_N; k++) {
        const figure_def *d = &figure_defs[k];
        if (d->get) {
            f->v[k] = d->get(&in, d->arg);
        } else {
            uint64_t raw;
            memcpy(&raw, (const char *)(d->run == FR_TIMED ? tim : thr) + d->offset, sizeof raw);
            f->v[k] = (double)raw * d->scale;
        }
    }
    free(p);
    f->checksum = thr->checksum;
    f->gc_cpu_partial = thr->gc_cpu_partial;
    f->mem_syscalls_known = thr->mem_syscalls_known;
}

/* measure_once's progress hook, for run_untimed_then_timed. */
typedef struct progress_ctx {
    const measure_hooks *h;
    int rep;
} progress_ctx;

static void before_run(void *user, int timed) {
    const progress_ctx *c = user;
    if (c->h && c->h->progress) c->h->progress(c->h->user, c->rep, timed);
}

bool measure_once(const run_config *cfg, int rep, const measure_hooks *h, figures *out, char *err, size_t errlen) {
    run_result res[2];
    progress_ctx pc = {h, rep};
    if (!run_untimed_then_timed(cfg, before_run, &pc, &res[0], &res[1], err, errlen)) return false;
    compute(&res[0], &res[1], out);
    if (h && h->timed) h->timed(h->user, rep, &res[1]);
    run_result_free(&res[0]);
    run_result_free(&res[1]);
    return true;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void figures_combine(const figures *runs, int n, figures *out) {
    *out = runs[0];
    double *v = malloc((size_t)n * sizeof *v);
    if (!v) return; /* out keeps the first run's figures */
    for (int k = 0; k < FIG_N; k++) {
        for (int r = 0; r < n; r++) v[r] = runs[r].v[k];
        qsort(v, (size_t)n, sizeof *v, cmp_double);
        if (figure_defs[k].combine == FC_MAX)
            out->v[k] = v[n - 1];
        else
            out->v[k] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
    free(v);
}

bool measure(const run_config *cfg, int repeat, const measure_hooks *h, figures *out, char *err, size_t errlen) {
    figures *runs = calloc((size_t)repeat, sizeof *runs);
    if (!runs) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    bool ok = true;
    for (int r = 0; r < repeat && ok; r++) {
        ok = measure_once(cfg, r, h, &runs[r], err, errlen);
        if (ok && runs[r].checksum != runs[0].checksum) {
            snprintf(err, errlen,
                     "checksums differ between repeats (%016llx, %016llx): the runs did not do the same work",
                     (unsigned long long)runs[0].checksum, (unsigned long long)runs[r].checksum);
            ok = false;
        }
    }
    if (ok) figures_combine(runs, repeat, out);
    free(runs);
    return ok;
}

/* ---------- output ---------- */

void figure_fmt(fig_id id, double v, char *buf, size_t len) {
    switch (figure_defs[id].kind) {
    case FK_COUNT: snprintf(buf, len, "%.0f", v); break;
    case FK_US: cli_fmt_us(buf, len, v); break;
    case FK_MS: snprintf(buf, len, "%.1f ms", v); break;
    case FK_BYTES: snprintf(buf, len, "%.1f MiB", v / (1 << 20)); break;
    case FK_RATIO: snprintf(buf, len, "%.3f", v); break;
    case FK_SHARE: snprintf(buf, len, "%.1f%%", v * 100); break;
    case FK_RATE: snprintf(buf, len, "%.0f MiB/s", v); break;
    case FK_PCT: snprintf(buf, len, "%.1f%%", v); break;
    }
}

void figures_json(FILE *f, const figures *x) {
    static const int decimals[] = {[FK_COUNT] = 0, [FK_US] = 3,    [FK_MS] = 3,   [FK_BYTES] = 0,
                                   [FK_RATIO] = 6, [FK_SHARE] = 6, [FK_RATE] = 3, [FK_PCT] = 3};
    fprintf(f, "\"checksum\":\"%016llx\",\"gc_cpu_partial\":%s", (unsigned long long)x->checksum,
            x->gc_cpu_partial ? "true" : "false");
    const char *group = NULL; /* the open nested object's name */
    size_t glen = 0;
    for (int k = 0; k < FIG_N; k++) {
        const char *key = figure_defs[k].key, *dot = strchr(key, '.');
        size_t len = dot ? (size_t)(dot - key) : 0;
        bool same = group && dot && len == glen && !strncmp(key, group, len);
        if (group && !same) fputc('}', f), group = NULL;
        if (dot && !group) {
            fprintf(f, ",\"%.*s\":{", (int)len, key);
            group = key, glen = len;
        } else {
            fputc(',', f);
        }
        fprintf(f, "\"%s\":%.*f", dot ? dot + 1 : key, decimals[figure_defs[k].kind], x->v[k]);
    }
    if (group) fputc('}', f);
}
