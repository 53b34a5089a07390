/*
 * cache_gap.c — what a pause of the work costs its caches (cache_gap.h).
 *
 * The buffer is written whole before the first pass, so that every pass
 * reads resident memory: a first touch would count page faults, not
 * caches. The reads are volatile, one per line, so that none is dropped
 * and none is merged. The spin reads only the clock.
 */
#include "cache_gap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t median_pass(const volatile unsigned char *buf, size_t len, uint64_t gap_ns, unsigned passes,
                            uint64_t *t) {
    for (unsigned r = 0; r < passes; r++) {
        for (uint64_t g0 = now_ns(); gap_ns && now_ns() - g0 < gap_ns;) {}
        uint64_t t0 = now_ns();
        for (size_t i = 0; i < len; i += 64) (void)buf[i];
        t[r] = now_ns() - t0;
    }
    qsort(t, passes, sizeof *t, cmp_u64);
    return t[passes / 2];
}

bool cache_gap(size_t bytes, uint64_t gap_ns, unsigned passes, uint64_t *back_to_back_ns, uint64_t *after_gap_ns) {
    *back_to_back_ns = *after_gap_ns = 0;
    if (!bytes || !passes) return false;
    unsigned char *buf = malloc(bytes);
    uint64_t *t = malloc(passes * sizeof *t);
    bool ok = buf && t;
    if (ok) {
        memset(buf, 1, bytes);
        *back_to_back_ns = median_pass(buf, bytes, 0, passes, t);
        *after_gap_ns = median_pass(buf, bytes, gap_ns, passes, t);
    }
    free(t);
    free(buf);
    return ok;
}
