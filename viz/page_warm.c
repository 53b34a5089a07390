/*
 * page_warm.c — the feed child's pages read before each turn
 * (page_warm.h).
 *
 * The mappings come from /proc/self/maps: private, readable and writable,
 * with no file behind them (inode 0: the brk heap, anonymous mmaps such
 * as Boehm's heap sections, the stack; a named anonymous mapping other
 * than those is not the workload's). mincore says which of their pages
 * are resident; only those are read, so warming never faults in a page
 * the process has not used.
 */
#include "page_warm.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "turns.h"

#define WARM_MAX_MAPPING ((unsigned long)64 << 30)

/* Reads the resident pages of [lo, hi); false once past the deadline.
 * Uninstrumented under the sanitizers: the loads land anywhere in the
 * process's memory, a sanitizer's redzones included, and change nothing. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define WARM_NO_SANITIZE __attribute__((no_sanitize("address", "thread")))
#endif
#elif defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WARM_NO_SANITIZE __attribute__((no_sanitize("address", "thread")))
#endif
#ifndef WARM_NO_SANITIZE
#define WARM_NO_SANITIZE
#endif
WARM_NO_SANITIZE static bool warm_range(uintptr_t lo, uintptr_t hi, size_t pg, uint64_t deadline, size_t *pages) {
    enum { CHUNK = 256 };
    unsigned char vec[CHUNK];
    for (uintptr_t a = lo; a < hi; a += (uintptr_t)CHUNK * pg) {
        size_t n = (hi - a) / pg < CHUNK ? (hi - a) / pg : CHUNK;
        if (mincore((void *)a, n * pg, vec) != 0) return true; /* not mapped as listed: leave it */
        for (size_t i = 0; i < n; i++) {
            if (!(vec[i] & 1)) continue;
            (void)*(volatile const unsigned char *)(a + i * pg);
            (*pages)++;
        }
        if (turns_now() >= deadline) return false;
    }
    return true;
}

/* "lo-hi perms offset dev inode [path]" -> the range, when it is private,
 * writable and anonymous. */
static bool anonymous_rw(const char *line, uintptr_t *lo, uintptr_t *hi) {
    unsigned long a, b, inode;
    char perms[8];
    int path_at = 0;
    if (sscanf(line, "%lx-%lx %7s %*s %*s %lu %n", &a, &b, perms, &inode, &path_at) != 4) return false;
    if (strcmp(perms, "rw-p") != 0 || inode != 0 || b <= a) return false;
    /* Larger than any heap here: a reservation of address space, such as
     * a sanitizer's shadow memory, whose mincore calls alone would outlast
     * the budget before the heap came up. */
    if (b - a > WARM_MAX_MAPPING) return false;
    const char *path = line + path_at;
    if (*path && *path != '\n' && strncmp(path, "[heap]", 6) != 0 && strncmp(path, "[stack]", 7) != 0) return false;
    *lo = (uintptr_t)a;
    *hi = (uintptr_t)b;
    return true;
}

size_t page_warm(uint64_t budget_ns) {
    uint64_t deadline = turns_now() + budget_ns;
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f) return 0;
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), pages = 0;
    char line[512];
    uintptr_t lo, hi;
    while (fgets(line, sizeof line, f))
        if (anonymous_rw(line, &lo, &hi) && !warm_range(lo, hi, pg, deadline, &pages)) break;
    fclose(f);
    return pages;
}
