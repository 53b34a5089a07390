/*
 * lisp.c — a Lisp interpreter on Tricolor, the way a user would write one:
 * the interpreter core (lisp_core.h) built on tricolor.h alone, linked
 * against the installed library through pkg-config.
 *
 *   lisp                 run the three built-in programs (tree recursion,
 *                        list sorting, a closure-heavy loop) at size 'default'
 *   lisp --size large    the same, larger (small, default, large)
 *   lisp FILE...         read and evaluate each file, printing every value
 *
 * At the end it prints its own pause summary from the collector's pause
 * log (tc_pause_log): increments, total, p50, p99 and max. Run it with
 * TRICOLOR_GCTRACE=1 to see the collector's line per cycle as well.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tricolor.h>

/* The core's heap operations, on Tricolor. An allocation can fail only
 * under a heap limit, and this program sets none. */
static void *lisp_alloc_or_die(tc_heap *h, uint32_t nslots, uint32_t nraw) {
    void *p = tc_alloc(h, nslots, nraw);
    if (!p) {
        fprintf(stderr, "lisp: out of memory\n");
        exit(1);
    }
    return p;
}
#define LISP_CTX                      tc_heap *
#define LISP_ALLOC(c, nslots, nraw)   lisp_alloc_or_die((c), (nslots), (nraw))
#define LISP_STORE(c, obj, slot, val) tc_store((c), (obj), (slot), (val))
#define LISP_LOAD(c, obj, slot)       tc_load((c), (obj), (slot))
#define LISP_PUSH(c, addr)            tc_root_push((c), (void **)(addr))
#define LISP_POP(c, n)                tc_root_pop((c), (n))
#define LISP_ROOT_ADD(c, addr)        tc_root_add((c), (void **)(addr))
#define LISP_ROOT_REMOVE(c, addr)     tc_root_remove((c), (void **)(addr))
#include "lisp_core.h"
#include "lisp_programs.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void print_value(lisp *L, void *v, void *user) {
    (void)user;
    printf("  => ");
    lisp_print(L, v, stdout);
    putchar('\n');
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "lisp: cannot open %s: %s\n", path, strerror(errno));
        exit(2);
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "lisp: out of memory reading %s\n", path);
        exit(1);
    }
    buf[n] = '\0';
    return buf;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The pause summary, from the collector's own log of increments. */
static void pause_summary(tc_heap *h) {
    size_t n;
    const tc_pause *log = tc_pause_log(h, &n);
    tc_stats s;
    tc_get_stats(h, &s);
    if (!n) {
        printf("pauses: none (the heap never reached its first trigger)\n");
        return;
    }
    uint64_t *d = malloc(n * sizeof *d), total = 0;
    for (size_t i = 0; i < n; i++) total += d[i] = log[i].duration_ns;
    qsort(d, n, sizeof *d, cmp_u64);
    printf("pauses: %zu increments in %llu cycles, total %.2f ms, p50 %.1f us, p99 %.1f us, max %.1f us; "
           "peak heap %.1f MiB\n",
           n, (unsigned long long)s.cycles, total / 1e6, d[n / 2] / 1e3, d[n * 99 / 100] / 1e3, d[n - 1] / 1e3,
           s.peak_heap_bytes / 1048576.0);
    free(d);
}

int main(int argc, char **argv) {
    int size = 1, first_file = 1;
    if (argc > 1 && strcmp(argv[1], "--size") == 0) {
        static const char *const names[3] = {"small", "default", "large"};
        size = -1;
        for (int i = 0; i < 3; i++)
            if (argc > 2 && strcmp(argv[2], names[i]) == 0) size = i;
        if (size < 0) {
            fprintf(stderr, "lisp: --size takes small, default or large, not '%s'\n", argc > 2 ? argv[2] : "");
            return 2;
        }
        first_file = 3;
    } else if (argc > 1 && argv[1][0] == '-') {
        fprintf(stderr, "lisp: unknown option '%s' (usage: lisp [--size small|default|large] | lisp FILE...)\n",
                argv[1]);
        return 2;
    }
    tc_config cfg;
    tc_config_default(&cfg);
    tc_heap *h = tc_heap_new(&cfg);
    if (!h) return 1;
    lisp L;
    lisp_init(&L, h);
    double t0 = now_ms();
    if (first_file < argc) {
        for (int i = first_file; i < argc; i++) {
            char *src = read_file(argv[i]);
            printf("%s:\n", argv[i]);
            lisp_run(&L, src, print_value, NULL);
            free(src);
        }
    } else {
        for (int i = 0; i < LISP_NPROGRAMS; i++) {
            char setup[96];
            snprintf(setup, sizeof setup, "(define n %ld) (define seed %d)", lisp_programs[i].n[size], 42);
            lisp_run(&L, setup, NULL, NULL);
            double t = now_ms();
            printf("%s (n = %ld):\n", lisp_programs[i].name, lisp_programs[i].n[size]);
            lisp_run(&L, lisp_programs[i].text, print_value, NULL);
            printf("  %.1f ms\n", now_ms() - t);
        }
    }
    printf("%llu evaluations, %llu cells allocated in %.1f ms\n", (unsigned long long)L.evals,
           (unsigned long long)L.allocs, now_ms() - t0);
    pause_summary(h);
    lisp_fini(&L);
    tc_heap_free(h);
    return 0;
}
