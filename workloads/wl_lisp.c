/*
 * wl_lisp.c — the Lisp interpreter of examples/ as a workload: the same
 * interpreter core (examples/lisp_core.h) built on mutator.h instead of
 * tricolor.h, so it runs on Tricolor and on the Boehm GC like every other
 * workload (`tricolor bench --workload lisp`, `tricolor view --workload
 * lisp`): a real language runtime to watch and tune.
 *
 * It runs the three programs of examples/lisp_programs.h (tree recursion,
 * list sorting, a closure-heavy loop) at the program's n for the size,
 * with `seed` = the run's seed modulo 1000. Checksum: the hash of every
 * top-level value, mixed program by program. The interpreter's roots are
 * precise on Tricolor (see lisp_core.h); Boehm finds the same pointers by
 * scanning the C stack.
 */
#include "mutator.h"

#define LISP_CTX                      mut *
#define LISP_ALLOC(c, nslots, nraw)   mut_alloc((c), (nslots), (nraw))
#define LISP_STORE(c, obj, slot, val) mut_store((c), (obj), (slot), (val))
#define LISP_LOAD(c, obj, slot)       mut_load((c), (obj), (slot))
#define LISP_PUSH(c, addr)            MUT_PUSH((c), (addr))
#define LISP_POP(c, n)                mut_pop((c), (n))
#define LISP_ROOT_ADD(c, addr)        mut_root_add((c), (void **)(addr))
#define LISP_ROOT_REMOVE(c, addr)     mut_root_remove((c), (void **)(addr))
#include "../examples/lisp_core.h"
#include "../examples/lisp_programs.h"

uint64_t MUT_NAME(wl_lisp)(mut *m, int size, uint64_t seed);
uint64_t MUT_NAME(wl_lisp)(mut *m, int size, uint64_t seed) {
    /* On the C stack: Boehm scans it; Tricolor gets L's roots explicitly. */
    lisp L;
    lisp_init(&L, m);
    uint64_t sum = 0;
    for (int i = 0; i < LISP_NPROGRAMS; i++) {
        char setup[96];
        snprintf(setup, sizeof setup, "(define n %ld) (define seed %llu)", lisp_programs[i].n[size],
                 (unsigned long long)(seed % 1000));
        lisp_run(&L, setup, NULL, NULL);
        sum = wl_mix(sum, lisp_run(&L, lisp_programs[i].text, NULL, NULL));
    }
    lisp_fini(&L);
    return sum;
}
