/*
 * test_workloads.c — every registered workload does the same work on both
 * collectors.
 *
 * A workload is compiled once per collector (see workloads/mutator.h) and
 * its checksum covers what it read back from the heap, so a collector that
 * freed a reachable object, or a workload that broke the rooting rules,
 * shows up as a checksum that differs between Tricolor and Boehm (Boehm is
 * conservative and forgives an unrooted local; Tricolor is precise and does
 * not). For each entry of wl_table, at size `small`:
 *   - Tricolor and Boehm give the same checksum, for two seeds;
 *   - the two seeds give different checksums (all but gcbench, which
 *     ignores its seed);
 *   - Tricolor gives that checksum under every barrier and with small,
 *     default and large increments, and afterwards its heap verifies and
 *     its root stack is empty (pushes and pops balance);
 *   - two runs at once, on two heaps in two threads, give the checksums
 *     they give alone (a workload keeps no state outside its run);
 * and gcbench and demo run once more with the heap verified after every
 * increment (verification is O(heap) per increment, so only these two).
 *
 * Tricolor runs use a 256 KiB min_heap so that even the smallest workloads
 * collect; with the 4 MiB default some would never start a cycle and the
 * comparison would prove nothing. The increment size matters as much: with
 * the default budget some small workloads end with their only cycle still
 * marking, and a missing MUT_PUSH shows up only with larger increments
 * (cycles that finish and sweep) or smaller ones (a barrier active across
 * more of the run). Hence every barrier with each of STEP_BUDGETS.
 *
 * This file is compiled without a backend macro from the Makefile; it
 * defines MUT_BACKEND_TRICOLOR itself to get struct mut, and reaches the
 * Boehm builds of the workloads only through wl_table.
 */
#define MUT_BACKEND_TRICOLOR

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <gc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mutator.h"
#include "registry.h"
#include "tricolor.h"

#ifndef GC_THREADS
/* Debian's libgc exports this, but gc.h declares it only with GC_THREADS
 * (see workloads/runner.c). */
GC_API void GC_CALL GC_set_markers_count(unsigned);
#endif

enum { SEED_A = 1, SEED_B = 2 };
static const uint32_t STEP_BUDGETS[] = {200, 4000, 40000}; /* work units per increment */

static void small_heap_config(tc_config *c, tc_barrier barrier, bool verify) {
    tc_config_default(c);
    c->barrier = barrier;
    c->min_heap = 256 << 10;
    c->verify_each_step = verify;
}

/* Runs wl on a fresh Tricolor heap; checks the heap and the root stack
 * after the run, before the heap is freed. */
static uint64_t run_tricolor(const wl_info *wl, const tc_config *c, uint64_t seed) {
    tc_heap *h = tc_heap_new(c);
    assert_non_null(h);
    mut m = {.heap = h};
    uint64_t sum = wl->run_tricolor((struct mut *)&m, WL_SMALL, seed);
    char msg[512];
    if (!tc_verify(h, msg, sizeof msg)) fail_msg("%s: heap verification failed after the run: %s", wl->name, msg);
    if (tc_root_depth(h) != 0)
        fail_msg("%s: %zu root stack entries left pushed (pushes and pops must balance)", wl->name, tc_root_depth(h));
    tc_heap_free(h);
    return sum;
}

static uint64_t run_boehm(const wl_info *wl, uint64_t seed) {
    mut m = {0};
    return wl->run_boehm((struct mut *)&m, WL_SMALL, seed);
}

static void test_same_checksum_both_collectors(void **state) {
    const wl_info *wl = *state;
    tc_config c;
    small_heap_config(&c, TC_BARRIER_DIJKSTRA, false);
    uint64_t ta = run_tricolor(wl, &c, SEED_A), ba = run_boehm(wl, SEED_A);
    uint64_t tb = run_tricolor(wl, &c, SEED_B), bb = run_boehm(wl, SEED_B);
    if (ta != ba)
        fail_msg("%s seed %d: tricolor %#llx != boehm %#llx", wl->name, SEED_A, (unsigned long long)ta,
                 (unsigned long long)ba);
    if (tb != bb)
        fail_msg("%s seed %d: tricolor %#llx != boehm %#llx", wl->name, SEED_B, (unsigned long long)tb,
                 (unsigned long long)bb);
    if (strcmp(wl->name, "gcbench") != 0 && ta == tb)
        fail_msg("%s: seeds %d and %d give the same checksum %#llx", wl->name, SEED_A, SEED_B, (unsigned long long)ta);
}

static void test_same_checksum_every_barrier(void **state) {
    const wl_info *wl = *state;
    uint64_t want = run_boehm(wl, SEED_A);
    for (int b = 0; b < TC_BARRIER_COUNT; b++) {
        for (size_t k = 0; k < sizeof STEP_BUDGETS / sizeof STEP_BUDGETS[0]; k++) {
            tc_config c;
            small_heap_config(&c, (tc_barrier)b, false);
            c.step_work = STEP_BUDGETS[k];
            uint64_t got = run_tricolor(wl, &c, SEED_A);
            if (got != want)
                fail_msg("%s under %s, step_work %u: tricolor %#llx != boehm %#llx", wl->name,
                         tc_barrier_name((tc_barrier)b), STEP_BUDGETS[k], (unsigned long long)got,
                         (unsigned long long)want);
        }
    }
}

/* verify_each_step aborts on the first inconsistency, naming it. A 64 KiB
 * min_heap, because demo allocates under 1 MiB in all. Small increments
 * only for demo: gcbench would take thousands of them, each verifying the
 * whole heap (too slow under valgrind). */
static void test_verified_each_step(void **state) {
    const wl_info *wl = *state;
    const uint64_t want = run_boehm(wl, SEED_A);
    const uint32_t budgets[2] = {4000, 200};
    const size_t nbudgets = strcmp(wl->name, "demo") == 0 ? 2 : 1;
    for (int b = 0; b < TC_BARRIER_COUNT; b++) {
        for (size_t k = 0; k < nbudgets; k++) {
            tc_config c;
            small_heap_config(&c, (tc_barrier)b, true);
            c.min_heap = 64 << 10;
            c.step_work = budgets[k];
            assert_true(run_tricolor(wl, &c, SEED_A) == want);
        }
    }
}

/* Two runs at once, each on its own heap in its own thread (as two
 * scenes in one process run them): a workload keeps no state but its
 * run's, so each gives the checksum it gives alone. A static root array
 * shared by the two runs made each collector trace the other's objects. */
typedef struct concurrent_run {
    const wl_info *wl;
    uint64_t seed, sum;
} concurrent_run;

static void *run_concurrently(void *arg) {
    concurrent_run *r = arg;
    tc_config c;
    small_heap_config(&c, TC_BARRIER_DIJKSTRA, false);
    c.step_work = 200; /* many increments: the two runs interleave in each cycle */
    r->sum = run_tricolor(r->wl, &c, r->seed);
    return NULL;
}

static void test_two_runs_at_once(void **state) {
    const wl_info *wl = *state;
    concurrent_run a = {wl, SEED_A, 0}, b = {wl, SEED_B, 0};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, run_concurrently, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, run_concurrently, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    uint64_t want_a = run_boehm(wl, SEED_A), want_b = run_boehm(wl, SEED_B);
    if (a.sum != want_a || b.sum != want_b)
        fail_msg("%s, two runs at once: seed %d %#llx (alone %#llx), seed %d %#llx (alone %#llx)", wl->name, SEED_A,
                 (unsigned long long)a.sum, (unsigned long long)want_a, SEED_B, (unsigned long long)b.sum,
                 (unsigned long long)want_b);
}

static int boehm_setup(void **state) {
    (void)state;
    GC_set_markers_count(1);
    GC_INIT();
    return 0;
}

/* The tests, one set per wl_table entry, each named "<workload>: <what>". */
static struct CMUnitTest tests[4 * 64];
static char names[4 * 64][96];
static size_t ntests;

static void add_test(const wl_info *wl, const char *what, CMUnitTestFunction fn) {
    if (ntests == sizeof tests / sizeof tests[0]) {
        fprintf(stderr, "test_workloads: more than %zu tests; raise the table size\n", ntests);
        exit(1);
    }
    snprintf(names[ntests], sizeof names[ntests], "%s: %s", wl->name, what);
    tests[ntests] = (struct CMUnitTest){.name = names[ntests], .test_func = fn, .initial_state = (void *)wl};
    ntests++;
}

int main(void) {
    for (size_t i = 0; i < wl_count; i++) {
        const wl_info *wl = &wl_table[i];
        add_test(wl, "same checksum on tricolor and boehm, seeds differ", test_same_checksum_both_collectors);
        add_test(wl, "same checksum under every barrier and step budget", test_same_checksum_every_barrier);
        add_test(wl, "two runs at once give their own checksums", test_two_runs_at_once);
        if (strcmp(wl->name, "gcbench") == 0 || strcmp(wl->name, "demo") == 0)
            add_test(wl, "heap verified after every increment", test_verified_each_step);
    }
    return _cmocka_run_group_tests("workloads", tests, ntests, boehm_setup, NULL);
}
