/*
 * test_clock.c — the collector's clock (gc/clock.c): CLOCK_MONOTONIC's
 * time, read through the TSC once calibrated. It never goes back on a
 * thread, across the switch from clock_gettime to the TSC included, and
 * once switched it keeps to CLOCK_MONOTONIC.
 *
 * The clock's state is the process's: the first test starts it, from its
 * first read, so the tests run in this order in a process of their own.
 * Where the TSC is not used (no invariant TSC, or a pair of reads never
 * comes out narrow, as under valgrind) the TSC's tests are skipped and
 * the clock is clock_gettime, which the last test checks.
 *
 * Also built with ThreadSanitizer (make test-tsan): two threads read the
 * clock while one of them switches it.
 */
#include "support.h"
#include "internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static uint64_t mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define SETTLE_NS 3000000000u /* the switch is due 100 ms after the first read */

typedef struct reader {
    uint64_t reads, backwards, worst_back_ns;
} reader;

/* Reads the clock back to back until it has settled on a source, and
 * counts every read that came out below the one before. */
static void read_until_settled(reader *r) {
    const uint64_t end = mono() + SETTLE_NS;
    uint64_t last = tc__now_ns();
    while (tc__clock_source() == 0 && mono() < end) {
        for (int i = 0; i < 1000; i++) {
            const uint64_t t = tc__now_ns();
            if (t < last) {
                r->backwards++;
                if (last - t > r->worst_back_ns) r->worst_back_ns = last - t;
            }
            last = t;
            r->reads++;
        }
    }
}

static void *reader_main(void *arg) {
    read_until_settled(arg);
    return NULL;
}

/* From the first read through the switch, on two threads at once: not one
 * read below the one before it. The switch adds SWITCH_NS so that the
 * first TSC read is above every clock_gettime read (a -2 us offset there
 * instead made the first TSC read of each thread go back, by 1.8 us). */
static void test_the_switch_never_goes_back(void **state) {
    (void)state;
    assert_int_equal(tc__clock_source(), 0); /* first in this process */
    reader a = {0}, b = {0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, reader_main, &b), 0);
    read_until_settled(&a);
    pthread_join(t, NULL);
    if (tc__clock_source() != 1) {
        print_message("the TSC is not in use here (source %d): nothing to switch\n", tc__clock_source());
        skip();
    }
    print_message("%llu + %llu reads through the switch, %llu + %llu went back (worst %llu ns)\n",
                  (unsigned long long)a.reads, (unsigned long long)b.reads, (unsigned long long)a.backwards,
                  (unsigned long long)b.backwards,
                  (unsigned long long)(a.worst_back_ns > b.worst_back_ns ? a.worst_back_ns : b.worst_back_ns));
    assert_true(a.reads > 0 && b.reads > 0);
    assert_int_equal(a.backwards, 0);
    assert_int_equal(b.backwards, 0);
}

/* Switched, the clock reads CLOCK_MONOTONIC's time, within the switch's
 * 1 us and the rate's error, over 300 ms of reads and sleeps: a rate off
 * by 0.1% would be 300 us out by the end. Each read is bracketed by two
 * clock_gettime reads; a bracket the thread was preempted in is dropped. */
static void test_it_keeps_to_clock_monotonic(void **state) {
    (void)state;
    if (tc__clock_source() != 1) skip();
    const int64_t tol_ns = 20000;
    int checked = 0;
    int64_t worst = 0;
    const uint64_t end = mono() + 300000000u;
    while (mono() < end) {
        const uint64_t m0 = mono(), t = tc__now_ns(), m1 = mono();
        if (m1 - m0 > 5000) continue;
        const int64_t lo = (int64_t)(t - m1), hi = (int64_t)(t - m0); /* t's distance from the bracket */
        const int64_t off = hi < 0 ? hi : lo > 0 ? lo : 0;
        if (off > worst || -off > worst) worst = off < 0 ? -off : off;
        assert_true(off <= tol_ns && off >= -tol_ns);
        checked++;
        struct timespec ts = {0, 3000000};
        nanosleep(&ts, NULL);
    }
    print_message("%d reads, at most %lld ns from CLOCK_MONOTONIC\n", checked, (long long)worst);
    assert_true(checked >= 20);
}

/* Told to, the clock is clock_gettime: a read lies between two of them. */
static void test_monotonic_when_told(void **state) {
    (void)state;
    tc__clock_use_monotonic();
    assert_int_equal(tc__clock_source(), -1);
    for (int i = 0; i < 1000; i++) {
        const uint64_t m0 = mono(), t = tc__now_ns(), m1 = mono();
        assert_true(t >= m0 && t <= m1);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_switch_never_goes_back),
        cmocka_unit_test(test_it_keeps_to_clock_monotonic),
        cmocka_unit_test(test_monotonic_when_told),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
