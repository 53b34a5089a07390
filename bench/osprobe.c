/*
 * osprobe.c — what memory system calls and page faults cost on this
 * machine, so that every pause figure can be read against its machine.
 *
 * The collector's pauses are built to contain none of these (gc/mem.c),
 * but the machines Tricolor runs on differ 10-100x in what they cost, and
 * a reader comparing two runs needs to know which kind of machine each
 * came from. Each line is "name: p50 / p99 unit" over ROUNDS operations on
 * a 64 KiB region (the collector's page), as `make bench` prints them:
 *
 *   first touch of 64 KiB   16 write faults on fresh memory
 *   populate 64 KiB         madvise(MADV_POPULATE_WRITE) on fresh memory
 *   touch after populate    the first access to each 4 KiB page of a
 *                           populated region: free on bare metal, but on a
 *                           guest whose hypervisor maps pages lazily
 *                           (shadow paging) each still traps to the host,
 *                           which is why the memory thread reads every page
 *                           it populates (gc/mem_os.c)
 *   munmap 64 KiB           after the region was touched
 *   madvise DONTNEED 64 KiB after the region was touched
 *   mmap 64 KiB             the call alone
 *
 * and what clearing a dead large object's 2 MiB costs, the memory
 * thread's main job on fragment (gc/mem_os.c), a MiB at a time:
 *
 *   clear 2 MiB, memset     memset of resident memory the cache no longer
 *                           holds (a 64 MiB buffer, cleared in turn)
 *   clear 2 MiB, collector  the same with tc__mem_zero (non-temporal
 *                           stores where the machine has them)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "../gc/mem.h" /* tc__mem_zero */

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define REGION ((size_t)64 << 10)
#define ROUNDS 400

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, uint64_t *t, size_t n) {
    qsort(t, n, sizeof *t, cmp_u64);
    printf("os_%s_us: %.1f / %.1f us (p50 / p99)\n", name, (double)t[n / 2] / 1e3, (double)t[n * 99 / 100] / 1e3);
}

static char *map_len(size_t len) {
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("osprobe: mmap");
        exit(1);
    }
    return p;
}

static char *map_region(void) { return map_len(REGION); }

static void touch(char *p) {
    for (size_t off = 0; off < REGION; off += 4096) ((volatile char *)p)[off] = 1;
}

static void zero_with_memset(void *p, size_t len) { memset(p, 0, len); }

enum { SPAN = 2 << 20, SPANS = 32, CLEAR_ROUNDS = 4 * SPANS };

/* Clears the 2 MiB spans of buf (SPANS of them) in turn, CLEAR_ROUNDS
 * times, so that each span has left the cache since it was last written,
 * and prints the p50 and p99 per MiB. */
static void time_clearing(char *buf, void (*zero)(void *, size_t), const char *name, const char *how) {
    static uint64_t t[CLEAR_ROUNDS];
    for (int i = 0; i < CLEAR_ROUNDS; i++) {
        char *p = buf + (size_t)(i % SPANS) * SPAN;
        uint64_t a = now_ns();
        zero(p, SPAN);
        t[i] = (now_ns() - a) / 2;
        p[4096] = 1; /* the span is dirty again */
    }
    qsort(t, CLEAR_ROUNDS, sizeof *t, cmp_u64);
    printf("clear_1m_%s_us: %.1f / %.1f us (p50 / p99, %s)\n", name, (double)t[CLEAR_ROUNDS / 2] / 1e3,
           (double)t[CLEAR_ROUNDS * 99 / 100] / 1e3, how);
}

/* What clearing a MiB of resident memory costs, as memset and as the
 * collector does it. */
static void probe_clearing(void) {
    char *buf = map_len((size_t)SPAN * SPANS);
    memset(buf, 1, (size_t)SPAN * SPANS); /* resident, like a dead buffer */
    time_clearing(buf, zero_with_memset, "memset", "a MiB of a 2 MiB span");
    time_clearing(buf, tc__mem_zero, "collector", "tc__mem_zero");
    munmap(buf, (size_t)SPAN * SPANS);
}

int main(void) {
    static uint64_t t_map[ROUNDS], t_touch[ROUNDS], t_pop[ROUNDS], t_after_pop[ROUNDS], t_unmap[ROUNDS],
        t_dontneed[ROUNDS];
    int populate_ok = 1;
    for (int i = 0; i < ROUNDS; i++) {
        uint64_t a = now_ns();
        char *p = map_region();
        t_map[i] = now_ns() - a;
        a = now_ns();
        touch(p);
        t_touch[i] = now_ns() - a;
        a = now_ns();
        madvise(p, REGION, MADV_DONTNEED);
        t_dontneed[i] = now_ns() - a;
        touch(p);
        a = now_ns();
        munmap(p, REGION);
        t_unmap[i] = now_ns() - a;
        char *q = map_region();
        a = now_ns();
        if (madvise(q, REGION, MADV_POPULATE_WRITE) != 0) populate_ok = 0;
        t_pop[i] = now_ns() - a;
        a = now_ns();
        touch(q);
        t_after_pop[i] = now_ns() - a;
        munmap(q, REGION);
    }
    report("mmap_64k", t_map, ROUNDS);
    report("first_touch_64k", t_touch, ROUNDS);
    if (populate_ok) {
        report("populate_64k", t_pop, ROUNDS);
        report("touch_after_populate_64k", t_after_pop, ROUNDS);
    } else
        printf("os_populate_64k_us: unsupported (kernel before 5.14): the memory thread touches pages instead\n");
    report("madvise_dontneed_64k", t_dontneed, ROUNDS);
    report("munmap_64k_touched", t_unmap, ROUNDS);
    probe_clearing();
    return 0;
}
