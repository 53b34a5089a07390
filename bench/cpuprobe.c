/*
 * cpuprobe.c — what taking turns between CPUs costs the CPU that resumes,
 * on this machine.
 *
 * The window and the videos run the measured work in slices that take
 * turns with the drawing and the encoder (docs/design.md section 8). On
 * the VMs this project is measured on, a thread that resumes on one vCPU
 * after the other vCPU was busy meets stalls of milliseconds, where a
 * thread that keeps one vCPU busy meets almost none: the hypervisor, not
 * the collector. This probe shows it with nothing but a clock: thread A
 * spins on the last CPU for 8 ms slices, reading the clock and keeping
 * the longest gap between two reads; after each slice thread B works
 * 20 ms, on the first CPU ("other CPU") or on A's own CPU ("same CPU"),
 * and A waits, asleep on a condition variable; in a third placement B
 * works on the other CPU and A waits spinning, which keeps its CPU busy
 * (what the window's workload thread does between slices, viz/live.c).
 * The three alternate, ROUNDS rounds of SECONDS_NS of A's slices each,
 * and each line gives a placement's gaps over 200 us and over 1 ms and
 * its longest gap, summed or maximal over its rounds:
 *
 *   cpu_turns_other_cpu:     N gaps > 200 us, M > 1 ms, max X us in S s
 *   cpu_turns_same_cpu:      ...
 *   cpu_turns_other_spinning: ...
 *
 * Then what the other CPU's work costs a thread that never gives its CPU
 * up (the concurrent mode's mutator while the marker marks on the other
 * CPU, docs/design.md section 10): A spins on the last CPU reading the
 * clock for SECONDS_NS while B, on the first, sleeps ("idle") or reads a
 * 64 MiB buffer ("busy", a marker's memory traffic); the two alternate,
 * ROUNDS rounds each. Nothing is shared between A and B but the machine:
 *
 *   cpu_neighbour_idle:  N gaps > 20 us, M > 50 us, K > 200 us, max X us in S s
 *   cpu_neighbour_busy:  ...
 *   cpu_neighbour_unmap: ..., beside C munmap calls
 *
 * where B, in the third, maps, writes and unmaps 64 KiB once a
 * millisecond, as the memory thread gives a span back: an munmap of
 * touched memory flushes the TLBs of every CPU the process runs on, and
 * on the PVM guests of docs/design.md section 6 that stopped A for
 * 20-50 us about once for every two calls.
 *
 * Needs two CPUs; with one it says so and exits 0.
 *
 * Then what a pause of the work costs the caches (docs/design.md section
 * 8, "on a faster VM"): on the last CPU, a buffer is read a line at a
 * time, PASSES times back to back and PASSES times each after a spin of
 * 1 ms and of 8 ms that touches no memory (the window's turn comes every
 * frame, ~17 ms at 60 fps). A pass that takes longer after the gap found
 * its lines gone although nothing of this process ran meanwhile: on the
 * VMs measured, the host's other work evicts them. Medians:
 *
 *   cache_after_gap_2MiB:  back to back A us, after 1 ms B us (Rx), after 8 ms C us (Sx)
 *   cache_after_gap_32MiB: ...
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "cache_gap.h"

#define SLICE_NS   8000000u
#define OTHER_NS   20000000u
#define SECONDS_NS 1000000000u
#define ROUNDS     3

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu) {
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    (void)pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}

/* The hand-off: turn 0 is A's, 1 is B's, 2 ends B. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static _Atomic int turn; /* written under mu; read without it only by a spinning A */

/* Waits for `mine` (or the end); returns which came. */
static int wait_turn(int mine) {
    pthread_mutex_lock(&mu);
    while (turn != mine && turn != 2) pthread_cond_wait(&cv, &mu);
    int t = turn;
    pthread_mutex_unlock(&mu);
    return t;
}

static void give_turn(int to) {
    pthread_mutex_lock(&mu);
    turn = to;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void *other_main(void *arg) {
    pin(*(const int *)arg);
    volatile uint64_t sink = 0;
    for (;;) {
        if (wait_turn(1) == 2) return NULL;
        for (uint64_t t = now_ns(); now_ns() - t < OTHER_NS;) sink++;
        give_turn(0);
    }
}

typedef struct gaps {
    unsigned over20, over50, over200, over1ms;
    uint64_t max_ns;
} gaps;

/* Reads the clock for ns, noting the gaps between two reads; returns the
 * time spun. */
static uint64_t spin_for(uint64_t ns, gaps *g) {
    uint64_t t0 = now_ns(), last = t0;
    while (last - t0 < ns) {
        uint64_t t = now_ns(), gap = t - last;
        if (gap > g->max_ns) g->max_ns = gap;
        g->over20 += gap > 20000;
        g->over50 += gap > 50000;
        g->over200 += gap > 200000;
        g->over1ms += gap > 1000000;
        last = t;
    }
    return last - t0;
}

/* One round: A's slices on `measured`, B's work on `other_cpu`; A waits
 * for its turn spinning or asleep. */
static void round_of(int measured, int other_cpu, bool spin, gaps *g) {
    pthread_t b;
    give_turn(0);
    pthread_create(&b, NULL, other_main, &other_cpu);
    pin(measured);
    for (uint64_t spun = 0; spun < SECONDS_NS;) {
        spun += spin_for(SLICE_NS, g);
        give_turn(1);
        if (spin)
            while (atomic_load_explicit(&turn, memory_order_acquire) != 0) {}
        else
            wait_turn(0);
    }
    give_turn(2);
    pthread_join(b, NULL);
}

enum { ASLEEP, READING, UNMAPPING }; /* what B does */

typedef struct neighbour {
    int cpu;
    int does;
    unsigned calls; /* UNMAPPING: munmap calls made */
    _Atomic bool stop;
} neighbour;

#define NEIGHBOUR_BYTES ((size_t)64 << 20)

/* UNMAPPING: what the memory thread does when it gives a span back: map
 * 64 KiB, write each 4 KiB page, unmap it; once a millisecond. */
static void map_touch_unmap(neighbour *n) {
    char *p = mmap(NULL, (size_t)64 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    for (size_t i = 0; i < ((size_t)64 << 10); i += 4096) p[i] = 1;
    munmap(p, (size_t)64 << 10);
    n->calls++;
}

static void *neighbour_main(void *arg) {
    neighbour *n = arg;
    pin(n->cpu);
    volatile uint64_t *buf = n->does == READING ? malloc(NEIGHBOUR_BYTES) : NULL;
    uint64_t sink = 0;
    if (buf)
        for (size_t i = 0; i < NEIGHBOUR_BYTES / 8; i++) buf[i] = i;
    while (!atomic_load_explicit(&n->stop, memory_order_relaxed)) {
        if (!buf) {
            if (n->does == UNMAPPING) map_touch_unmap(n);
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
            continue;
        }
        for (size_t i = 0; i < NEIGHBOUR_BYTES / 8 && !atomic_load_explicit(&n->stop, memory_order_relaxed); i += 8)
            sink += buf[i]; /* a line at a time */
    }
    free((void *)buf);
    return (void *)(uintptr_t)sink;
}

static unsigned neighbour_round(int measured, int other_cpu, int does, gaps *g) {
    neighbour n = {.cpu = other_cpu, .does = does};
    pthread_t b;
    pthread_create(&b, NULL, neighbour_main, &n);
    pin(measured);
    struct timespec settle = {0, 50000000}; /* B's buffer written first */
    nanosleep(&settle, NULL);
    spin_for(SECONDS_NS, g);
    atomic_store(&n.stop, true);
    pthread_join(b, NULL);
    return n.calls;
}

#define GAP_PASSES 101

static void cache_after_gap(int cpu, size_t mib) {
    pin(cpu);
    uint64_t b2b, one, b2b8, eight;
    if (!cache_gap(mib << 20, 1000000, GAP_PASSES, &b2b, &one) ||
        !cache_gap(mib << 20, 8000000, GAP_PASSES, &b2b8, &eight)) {
        printf("cache_after_gap_%zuMiB: out of memory\n", mib);
        return;
    }
    b2b = b2b < b2b8 ? b2b : b2b8; /* two back-to-back medians: the lower is the warmer */
    printf("cache_after_gap_%zuMiB:%s back to back %.0f us, after 1 ms %.0f us (%.2fx), after 8 ms %.0f us (%.2fx)\n",
           mib, mib < 10 ? " " : "", (double)b2b / 1e3, (double)one / 1e3, (double)one / (double)b2b,
           (double)eight / 1e3, (double)eight / (double)b2b);
}

int main(void) {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) < 2) {
        printf("cpu_turns: one CPU: nothing to hand over\n");
        return 0;
    }
    int first = -1, last = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &allowed)) {
            if (first < 0) first = c;
            last = c;
        }
    gaps other = {0}, same = {0}, spinning = {0};
    for (int r = 0; r < ROUNDS; r++) {
        round_of(last, first, false, &other);
        round_of(last, last, false, &same);
        round_of(last, first, true, &spinning);
    }
    const double secs = (double)ROUNDS * SECONDS_NS / 1e9; /* of A's slices, per placement */
    const struct {
        const char *name;
        const gaps *g;
    } lines[] = {{"cpu_turns_other_cpu:     ", &other},
                 {"cpu_turns_same_cpu:      ", &same},
                 {"cpu_turns_other_spinning:", &spinning}};
    for (int i = 0; i < 3; i++)
        printf("%s %u gaps > 200 us, %u > 1 ms, max %.0f us in %.0f s\n", lines[i].name, lines[i].g->over200,
               lines[i].g->over1ms, (double)lines[i].g->max_ns / 1e3, secs);
    gaps idle = {0}, busy = {0}, unmap = {0};
    unsigned calls = 0;
    for (int r = 0; r < ROUNDS; r++) {
        neighbour_round(last, first, ASLEEP, &idle);
        neighbour_round(last, first, READING, &busy);
        calls += neighbour_round(last, first, UNMAPPING, &unmap);
    }
    printf("cpu_neighbour_idle:  %u gaps > 20 us, %u > 50 us, %u > 200 us, max %.0f us in %.0f s\n", idle.over20,
           idle.over50, idle.over200, (double)idle.max_ns / 1e3, secs);
    printf("cpu_neighbour_busy:  %u gaps > 20 us, %u > 50 us, %u > 200 us, max %.0f us in %.0f s\n", busy.over20,
           busy.over50, busy.over200, (double)busy.max_ns / 1e3, secs);
    printf("cpu_neighbour_unmap: %u gaps > 20 us, %u > 50 us, %u > 200 us, max %.0f us in %.0f s, beside %u munmap "
           "calls\n",
           unmap.over20, unmap.over50, unmap.over200, (double)unmap.max_ns / 1e3, secs, calls);
    cache_after_gap(last, 2);
    cache_after_gap(last, 32);
    return 0;
}
