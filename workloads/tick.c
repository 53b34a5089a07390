/*
 * tick.c — the machine's periodic stalls, found and attributed (tick.h).
 *
 * The fit. The distances between all pairs of gaps (first_period) give a
 * first period, and the densest phase over its first periods an anchor
 * (first_anchor); the tick is then the gap nearest each multiple of the
 * period from the anchor, within TICK_TOL_NS, and a least-squares line
 * through those (period index against instant) gives the period and the
 * anchor again, over a stretch that doubles until it covers the spin
 * (tick_fit). Gaps that are not the tick (another periodic stall, or a
 * stall of the host's other work) fall outside the tolerance and are left
 * out; tick_fit_all fits a second period on what the first leaves.
 */
#include "tick.h"

#include "metrics.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TICK_MIN_PERIOD_NS 100000u   /* shorter periods are not a tick but a stall's fragments */
#define TICK_MAX_PERIOD_NS 20000000u /* longer ones: a 1 s spin would see too few to fit */
#define TICK_BIN_NS        10000u
#define TICK_TOL_NS        20000.0 /* a matched gap starts this close to the line at most */
#define TICK_MIN_MATCHED   20u

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_double_fn(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Signed a - b of two instants, as a double. */
static double diff_ns(uint64_t a, uint64_t b) { return a >= b ? (double)(a - b) : -(double)(b - a); }

/* The period the gaps repeat at. Every pair of gaps at most
 * TICK_MAX_PERIOD_NS apart counts its distance (10 us bins): a stall that
 * comes every P makes peaks at P, 2P, 3P ... of about one count a period
 * each, and stalls at random times a low floor. The highest peak may be
 * any of the multiples (12 ms, in one spin of the window's thread), so the
 * answer is the shortest distance whose peak holds at least half as many;
 * then the mean of the distances in its bin and the two beside it. 0 when
 * no bin is in range. */
static double first_period(const tick_gaps *g) {
    enum { NBINS = TICK_MAX_PERIOD_NS / TICK_BIN_NS + 2 };
    uint32_t *bins = calloc(NBINS, sizeof *bins);
    double *sums = calloc(NBINS, sizeof *sums); /* the distances counted in each bin, summed */
    if (!bins || !sums) {
        free(bins);
        free(sums);
        return 0;
    }
    for (size_t i = 0; i < g->n; i++)
        for (size_t j = i + 1; j < g->n && g->at[j] - g->at[i] <= TICK_MAX_PERIOD_NS; j++) {
            uint64_t d = g->at[j] - g->at[i];
            if (d < TICK_MIN_PERIOD_NS) continue;
            bins[d / TICK_BIN_NS]++;
            sums[d / TICK_BIN_NS] += (double)d;
        }
#define PEAK(b) (bins[(b)-1] + bins[b] + bins[(b) + 1])
    size_t best = 0;
    uint32_t best_n = 0;
    for (size_t b = TICK_MIN_PERIOD_NS / TICK_BIN_NS + 1; b + 1 < NBINS; b++)
        if (PEAK(b) > best_n) {
            best_n = PEAK(b);
            best = b;
        }
    /* The first bin from the shortest period up whose peak holds half as
     * many as the highest, moved to the top of its own peak. */
    for (size_t b = TICK_MIN_PERIOD_NS / TICK_BIN_NS + 1; best_n && b + 2 < NBINS; b++)
        if (2 * (uint64_t)PEAK(b) >= (uint64_t)best_n) {
            while (b + 2 < NBINS && PEAK(b + 1) > PEAK(b)) b++;
            best = b;
            break;
        }
    double period = best_n && PEAK(best) ? (sums[best - 1] + sums[best] + sums[best + 1]) / PEAK(best) : 0;
#undef PEAK
    free(bins);
    free(sums);
    return period;
}

/* Where the ticks fall among the first FIRST_PERIODS periods after the
 * first gap: the 20 us window of phase (mod period) that the most gaps
 * start in. Over so few periods the first estimate's error (a fraction
 * of a microsecond a period) cannot smear the phase; over the whole spin
 * it would, by tens of microseconds. Returns the window's middle. */
#define FIRST_PERIODS 64
static uint64_t first_anchor(const tick_gaps *g, double period) {
    enum { BIN_NS = 2000, WINDOW_BINS = 10 };
    size_t nb = (size_t)(period / BIN_NS) + 1;
    uint32_t *bins = calloc(nb, sizeof *bins);
    if (!bins) return g->at[0];
    for (size_t i = 0; i < g->n; i++) {
        double x = (double)(g->at[i] - g->at[0]);
        if (x > FIRST_PERIODS * period) break;
        bins[(size_t)(fmod(x, period) / BIN_NS) % nb]++;
    }
    size_t best = 0;
    uint32_t best_n = 0;
    for (size_t b = 0; b < nb; b++) {
        uint32_t c = 0;
        for (size_t j = 0; j < WINDOW_BINS; j++) c += bins[(b + j) % nb];
        if (c > best_n) {
            best_n = c;
            best = b;
        }
    }
    free(bins);
    return g->at[0] + (uint64_t)((double)best * BIN_NS + WINDOW_BINS * BIN_NS / 2.0);
}

/* One pass of the fit: the gaps within TICK_TOL_NS of anchor + k * period
 * with |k| <= horizon (the nearest such gap of each k), and the
 * least-squares line through them. Returns how many matched; updates
 * *anchor and *period when at least two did, and the lengths (lens, if
 * not NULL) and the largest distance from the old line. */
static uint32_t fit_pass(const tick_gaps *g, double horizon, uint64_t *anchor, double *period, uint64_t *lens,
                         double *jitter) {
    double sk = 0, sx = 0, skk = 0, skx = 0;
    uint32_t n = 0;
    double worst = 0;
    /* Of the gaps near one k (a tick and, now and then, a stall beside
     * it), the one nearest the line: gaps come in order, so those of one
     * k are consecutive. */
    long long cur_k = LLONG_MIN;
    double cur_x = 0, cur_r = 0;
    uint64_t cur_len = 0;
    for (size_t i = 0; i <= g->n; i++) {
        long long k = LLONG_MIN;
        double x = 0, r = 0;
        if (i < g->n) {
            x = diff_ns(g->at[i], *anchor);
            k = llround(x / *period);
            r = x - (double)k * *period;
            if (fabs(r) > TICK_TOL_NS || fabs((double)k) > horizon) continue;
            if (k == cur_k) {
                if (fabs(r) < fabs(cur_r)) {
                    cur_x = x;
                    cur_r = r;
                    cur_len = g->len[i];
                }
                continue;
            }
        }
        if (cur_k != LLONG_MIN) {
            if (fabs(cur_r) > worst) worst = fabs(cur_r);
            if (lens) lens[n] = cur_len;
            sk += (double)cur_k;
            sx += cur_x;
            skk += (double)cur_k * (double)cur_k;
            skx += (double)cur_k * cur_x;
            n++;
        }
        cur_k = k;
        cur_x = x;
        cur_r = r;
        cur_len = i < g->n ? g->len[i] : 0;
    }
    *jitter = worst;
    double den = n * skk - sk * sk;
    if (n < 2 || den <= 0) return n;
    double p = (n * skx - sk * sx) / den;
    double a = (sx - p * sk) / n;
    if (p <= 0) return 0;
    *period = p;
    long long shift = llround(a);
    *anchor = shift >= 0 ? *anchor + (uint64_t)shift : *anchor - (uint64_t)(-shift);
    return n;
}

/* The fit: the line through the ticks of the first FIRST_PERIODS periods,
 * then of twice as many on that line, and so on until the line covers
 * the spin; two more passes over all of it. Each pass's line predicts
 * the next stretch to well within TICK_TOL_NS. */
bool tick_fit(const tick_gaps *g, uint64_t spin_ns, machine_tick *out) {
    memset(out, 0, sizeof *out);
    if (!g || g->n < TICK_MIN_MATCHED) return false;
    double period = first_period(g);
    if (period <= 0) return false;
    uint64_t anchor = first_anchor(g, period);
    uint64_t *lens = malloc(g->n * sizeof *lens);
    if (!lens) return false;
    uint32_t matched = 0;
    double jitter = 0;
    const double all = (double)(g->at[g->n - 1] - g->at[0]) / period + 2;
    for (double horizon = FIRST_PERIODS; horizon < 4 * all; horizon *= 2)
        matched = fit_pass(g, horizon, &anchor, &period, lens, &jitter);
    for (int pass = 0; pass < 2; pass++) matched = fit_pass(g, all, &anchor, &period, lens, &jitter);
    uint32_t periods = (uint32_t)((double)spin_ns / period);
    bool found = matched >= TICK_MIN_MATCHED && 2u * matched >= periods;
    if (found) {
        qsort(lens, matched, sizeof *lens, cmp_u64);
        out->period_ns = (uint64_t)llround(period);
        out->period_exact_ns = period;
        out->anchor_ns = anchor;
        out->len_ns = lens[matched / 2];
        out->jitter_ns = (uint64_t)llround(jitter);
    }
    out->matched = matched;
    out->periods = periods;
    free(lens);
    return found;
}

bool tick_refit(machine_tick *t, const tick_gaps *g, uint64_t spin_ns) {
    if (!t->period_ns) return false;
    const double p = t->period_exact_ns;
    size_t cap = g->n ? g->n : 1;
    double *r = malloc(cap * sizeof *r);
    long long *ks = malloc(cap * sizeof *ks);
    size_t n = 0;
    if (r && ks) {
        for (size_t i = 0; i < g->n; i++) {
            /* The tick, not another stall: its length within a factor of 2. */
            if (g->len[i] < t->len_ns / 2 || g->len[i] > 2 * t->len_ns) continue;
            double x = diff_ns(g->at[i], t->anchor_ns);
            long long k = llround(x / p);
            double d = x - (double)k * p;
            if (fabs(d) > p / 4) continue;
            /* Of the gaps of one k (in order, so consecutive), the nearest. */
            if (n && ks[n - 1] == k) {
                if (fabs(d) < fabs(r[n - 1])) r[n - 1] = d;
                continue;
            }
            r[n] = d;
            ks[n] = k;
            n++;
        }
    }
    uint32_t periods = (uint32_t)((double)spin_ns / p);
    bool ok = n >= TICK_MIN_MATCHED / 2 && 2 * n >= periods;
    if (ok) {
        /* The median drift at the median period index: ks is in
         * increasing order, r is sorted on its own. */
        long long k_mid = ks[n / 2];
        qsort(r, n, sizeof *r, cmp_double_fn);
        double drift = r[n / 2];
        if (k_mid != 0) t->period_exact_ns = p + drift / (double)k_mid;
        t->period_ns = (uint64_t)llround(t->period_exact_ns);
    } else {
        memset(t, 0, sizeof *t);
        t->matched = (uint32_t)n; /* what the later spin showed, for a message */
        t->periods = periods;
    }
    free(r);
    free(ks);
    return ok;
}

/* How many predicted tick middles [start, start + dur) holds. */
static uint64_t ticks_in(const machine_tick *t, uint64_t start_ns, uint64_t dur_ns) {
    if (!t->period_ns || !dur_ns) return 0;
    /* The first tick middle at or after start, relative to start: in [0, P). */
    double x = diff_ns(start_ns, t->anchor_ns + t->len_ns / 2);
    double p = t->period_exact_ns;
    double k = ceil(x / p);
    double at = k * p - x;
    /* Middles at start + at + j * p for j = 0, 1, ... while < start + dur. */
    return at < (double)dur_ns ? (uint64_t)ceil(((double)dur_ns - at) / p) : 0;
}

bool tick_holds(const machine_tick *t, uint64_t start_ns, uint64_t dur_ns) { return ticks_in(t, start_ns, dur_ns) > 0; }

uint64_t tick_net_ns(const machine_ticks *t, uint64_t start_ns, uint64_t dur_ns) {
    uint64_t machine = 0;
    for (int i = 0; i < TICK_MAX; i++) machine += ticks_in(&t->t[i], start_ns, dur_ns) * t->t[i].len_ns;
    return dur_ns > machine ? dur_ns - machine : 0;
}

/* Room for cap gaps; false (and no room) if out of memory. */
static bool gaps_alloc_n(tick_gaps *g, size_t cap) {
    g->n = 0;
    g->cap = cap ? cap : 1;
    g->at = malloc(g->cap * sizeof *g->at);
    g->len = malloc(g->cap * sizeof *g->len);
    if (!g->at || !g->len) {
        tick_gaps_free(g);
        return false;
    }
    return true;
}

bool tick_gaps_alloc(tick_gaps *g, uint64_t ns) { return gaps_alloc_n(g, (size_t)(ns / 250000u) + 64); }

void tick_gaps_free(tick_gaps *g) {
    free(g->at);
    free(g->len);
    *g = (tick_gaps){0};
}

/* ======================================================================
 * Two periods
 * ====================================================================== */

/* The gaps of g that are not a tick of t nor a piece of one (a stall that
 * one clock read split in two): those that do not start within a tick's
 * predicted span, widened by TICK_TOL_NS at both ends (all of them if t
 * has none), into out (allocated; false if out of memory).
 *
 * No wider: the host's tick drifts against CLOCK_MONOTONIC (6 ppm on the
 * VMs of docs/design.md, 6 us a second), so its phase walks past the
 * guest's 4 ms timer, which keeps CLOCK_MONOTONIC's. When the two were
 * 100-120 us apart, a window of three tick lengths (122 us) took every
 * tick of the timer for a piece of the host's, and the re-anchoring spin
 * after a run dropped the timer that the spin before had found. */
static bool residue(const tick_gaps *g, const machine_tick *t, tick_gaps *out) {
    if (!gaps_alloc_n(out, g->n)) return false;
    for (size_t i = 0; i < g->n; i++) {
        if (t->period_ns) {
            double x = diff_ns(g->at[i], t->anchor_ns);
            double r = x - (double)llround(x / t->period_exact_ns) * t->period_exact_ns;
            if (r >= -TICK_TOL_NS && r <= (double)t->len_ns + TICK_TOL_NS) continue;
        }
        out->at[out->n] = g->at[i];
        out->len[out->n] = g->len[i];
        out->n++;
    }
    return true;
}

int tick_fit_all(const tick_gaps *g, uint64_t spin_ns, machine_ticks *out) {
    memset(out, 0, sizeof *out);
    if (!tick_fit(g, spin_ns, &out->t[0])) return 0;
    tick_gaps rest;
    if (!residue(g, &out->t[0], &rest)) return 1;
    int n = 1 + tick_fit(&rest, spin_ns, &out->t[1]);
    tick_gaps_free(&rest);
    return n;
}

void tick_refit_all(machine_ticks *t, const tick_gaps *g, uint64_t spin_ns) {
    if (!tick_refit(&t->t[0], g, spin_ns)) {
        memset(&t->t[1], 0, sizeof t->t[1]); /* the machine changed: trust neither */
        return;
    }
    if (!t->t[1].period_ns) return;
    /* The gaps the first explains, as predicted now: re-anchored, it has
     * caught up with the drift of the run. */
    tick_gaps rest;
    if (!residue(g, &t->t[0], &rest)) {
        memset(&t->t[1], 0, sizeof t->t[1]);
        return;
    }
    tick_refit(&t->t[1], &rest, spin_ns);
    tick_gaps_free(&rest);
}

bool tick_holds_any(const machine_ticks *t, uint64_t start_ns, uint64_t dur_ns) {
    for (int i = 0; i < TICK_MAX; i++)
        if (tick_holds(&t->t[i], start_ns, dur_ns)) return true;
    return false;
}

size_t tick_take_out(const machine_ticks *t, metrics_pause *p, size_t n) {
    size_t held = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t net = tick_net_ns(t, p[i].start_ns, p[i].dur_ns);
        held += net < p[i].dur_ns;
        p[i].dur_ns = net;
    }
    return held;
}

double tick_p99_without(const machine_ticks *t, metrics_pause *p, size_t n, size_t *held) {
    *held = tick_take_out(t, p, n);
    metrics_summary sum;
    metrics_summarize(p, metrics_normalize(p, n), &sum);
    return sum.p99_us;
}

/* ======================================================================
 * The spins
 * ====================================================================== */

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void tick_spin(uint64_t ns, tick_gaps *g, tick_spin_stats *st) {
    /* On the CPU it starts on: a thread that moves between CPUs during
     * the spin sees each one's stalls, which need not line up. */
    cpu_set_t was, here;
    bool pinned = false;
    int cpu = sched_getcpu();
    if (cpu >= 0 && cpu < CPU_SETSIZE && pthread_getaffinity_np(pthread_self(), sizeof was, &was) == 0) {
        CPU_ZERO(&here);
        CPU_SET(cpu, &here);
        pinned = pthread_setaffinity_np(pthread_self(), sizeof here, &here) == 0;
    }
    uint64_t t0 = mono_ns(), prev = t0, now = t0;
    while (now - t0 < ns) {
        now = mono_ns();
        uint64_t gap = now - prev;
        if (gap >= 20000 && g && g->n < g->cap) {
            g->at[g->n] = prev;
            g->len[g->n] = gap;
            g->n++;
        }
        prev = now;
        if (!st) continue;
        if (gap > st->max_gap_ns) st->max_gap_ns = gap;
        if (gap >= 20000) st->over_20us++;
        if (gap >= 200000) st->over_200us++;
        if (gap >= 1000000) st->over_1ms++;
    }
    if (st) {
        st->start_ns = t0;
        st->spin_ns = now - t0;
    }
    if (pinned) (void)pthread_setaffinity_np(pthread_self(), sizeof was, &was);
}

/* The MMU at window_ns of a spin [t0, t0 + span) whose gaps are g's:
 * recorded in order and apart (each starts at the clock read that ended
 * the one before), so they are pauses metrics_mmu takes as they are. */
double tick_spin_mmu(const tick_gaps *g, uint64_t t0, uint64_t span, uint64_t window_ns) {
    metrics_pause *p = g->n ? malloc(g->n * sizeof *p) : NULL;
    if (g->n && !p) return 0;
    for (size_t i = 0; i < g->n; i++) p[i] = (metrics_pause){g->at[i], g->len[i]};
    double mmu = metrics_mmu(p, g->n, t0, t0 + span, window_ns);
    free(p);
    return mmu;
}

void tick_measure(uint64_t ns, machine_ticks *t, tick_spin_stats *st) {
    tick_gaps g;
    tick_spin_stats own = {0};
    if (!st) st = &own;
    bool have = tick_gaps_alloc(&g, ns);
    tick_spin(ns, &g, st);
    /* Fitted on what was recorded: if the buffer filled, on its span. */
    const bool full = g.n && g.n == g.cap;
    uint64_t span = full ? g.at[g.n - 1] - g.at[0] : st->spin_ns;
    tick_fit_all(&g, span, t);
    if (have) {
        uint64_t upto = full ? g.at[g.n - 1] + g.len[g.n - 1] - st->start_ns : st->spin_ns;
        st->mmu_1ms = tick_spin_mmu(&g, st->start_ns, upto, 1000000u);
        st->mmu_10ms = tick_spin_mmu(&g, st->start_ns, upto, 10000000u);
    }
    tick_gaps_free(&g);
}

uint64_t tick_respin_ns(const machine_ticks *t) {
    uint64_t ns = TICK_RESPIN_NS;
    for (int i = 0; i < TICK_MAX; i++)
        if (t->t[i].period_ns && TICK_RESPIN_PERIODS * t->t[i].period_ns > ns)
            ns = TICK_RESPIN_PERIODS * t->t[i].period_ns;
    return ns;
}

void tick_reanchor(machine_ticks *t) {
    if (!t->t[0].period_ns) return;
    const uint64_t ns = tick_respin_ns(t);
    tick_gaps g;
    if (!tick_gaps_alloc(&g, ns)) {
        memset(t, 0, sizeof *t);
        return;
    }
    tick_spin(ns, &g, NULL);
    tick_refit_all(t, &g, ns);
    tick_gaps_free(&g);
}
