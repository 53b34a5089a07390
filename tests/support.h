/*
 * support.h — helpers shared by the collector's cmocka tests.
 *
 * Tests may include gc/internal.h to inspect or deliberately corrupt the
 * heap; these helpers keep the common setup in one place. The command-line
 * tests (test_cli, test_tune, test_record) also share here how they run the
 * real `tricolor` binary in a child process and collect what it printed.
 */
#ifndef TRICOLOR_TEST_SUPPORT_H
#define TRICOLOR_TEST_SUPPORT_H

#include <sched.h>
#include <setjmp.h>
#include <sys/types.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tricolor.h"

/* The last message given to the test misuse handler, and how many. */
extern char misuse_message[512];
extern int misuse_count;
void misuse_reset(void);
void test_misuse_handler(const char *message, void *user);

/* A config for tests: small heap trigger, verification after every
 * increment, misuse reported to test_misuse_handler. */
void test_config(tc_config *c, tc_barrier barrier);
tc_heap *test_heap(tc_barrier barrier);
/* The same with Dijkstra's barrier, no verification after each step (it
 * is O(heap) each: tests that count increments or run many cycles) and
 * the given min_heap, so that no cycle starts before the heap is about
 * that size. */
void test_config_unverified(tc_config *c, size_t min_heap);

/* Fails the test with the verifier's message if the heap is inconsistent. */
void assert_heap_ok(tc_heap *h);

/* Runs increments until the heap reaches `phase` (or `limit` increments). */
void step_until(tc_heap *h, tc_phase phase, int limit);

/* True if obj is an allocated object of h (looked up by visiting). */
bool heap_has_object(tc_heap *h, const void *obj);

/* Number of allocated objects, by visiting. */
size_t heap_count_objects(tc_heap *h);

/* The four collector modes, for tests that run under each. */
extern const tc_barrier all_modes[4];

/* Running under valgrind, which runs one thread at a time: a test may
 * not expect a background thread to have run. */
bool under_valgrind(void);

/* Pins the calling thread to the first CPU it may use and saves its CPUs
 * in *old; false (nothing changed) when the affinity cannot be read or
 * set. cpus_restore puts them back. The collector decides when a heap is
 * made whether it has a CPU for helper threads (tricolor.h). */
bool pin_to_one_cpu(cpu_set_t *old);
/* CPUs the calling thread may run on (1 if the affinity cannot be read). */
int cpus_available(void);
void cpus_restore(const cpu_set_t *old);
/* Skips the test unless the calling thread may run on two CPUs or more:
 * with one, the collector starts no memory or marker thread. */
void require_two_cpus(void);
/* One look at every thread of process pid (/proc/PID/task): *threads of
 * them in all, *alone pinned to `cpu` alone, *shared allowed on it among
 * other CPUs; who (may be NULL) gets the latter's thread ids, each after a
 * space, cut short if len is too small. All zero if pid has no task
 * directory. */
void threads_on_cpu(pid_t pid, int cpu, int *threads, int *alone, int *shared, char *who, size_t len);
/* Sleeps ms milliseconds, however often a signal interrupts it. */
void sleep_ms(long ms);
/* Waits until ready(h) holds, polling every millisecond, for at most
 * limit_ms: the collector's threads work on their own time. */
bool wait_until_ms(tc_heap *h, bool (*ready)(tc_heap *), long limit_ms);
/* How many of the n (at most 1024) 4 KiB pages from p are in memory (mincore). */
size_t resident_pages(const void *p, size_t n);
/* The 4 KiB pages that [p, p + bytes) touches (bytes > 0). */
size_t pages_spanned(const void *p, size_t bytes);
/* How many threads of this process are in scheduling policy `policy`
 * (SCHED_OTHER, SCHED_FIFO, SCHED_IDLE, ...). */
int threads_in_policy(int policy);

/* Scales loop counts: TRICOLOR_STRESS_SCALE (default 1.0), used to keep
 * the stress test short under valgrind. */
double stress_scale(void);

/* ---- running the tricolor binary ------------------------------------ */

/* What one run of the binary left: exit status and its output, each
 * NUL-terminated and cut at the buffer's size. About 80 KiB: keep it
 * static, not on the stack. */
typedef struct tool_outcome {
    int status; /* exit status, or 128 + signal */
    char out[65536], err[16384];
} tool_outcome;

/* The binary under test: TRICOLOR_BIN, default build/tricolor. */
const char *tool_bin(void);

/* Runs tool_bin() with args (NULL-terminated, without the program name;
 * at most 46 are passed) in a child with this process's environment,
 * waits for it and fills o. */
void tool_run(tool_outcome *o, const char *const *args);

/* Runs args and fails the test unless the binary exits with status 2 and
 * its stderr contains every one of needles (NULL-terminated). */
void expect_usage_error(const char *const *args, const char *const *needles);

/* A small JSON checker for the --json outputs: parses a whole document and
 * records the dotted path of every object key it meets (array levels add
 * nothing: "runs.pauses.p99_us"). Parsing fails on anything that is not
 * JSON, so a test also learns the output is well-formed. */
typedef struct json_keys {
    char keys[256][48];
    int nkeys;
} json_keys;

/* True if text is one JSON value followed only by white space; on failure
 * *where points near the error. */
bool json_collect_keys(const char *text, json_keys *out, const char **where);
bool json_has_key(const json_keys *k, const char *dotted);

/* A NULL-terminated argument list in place: ARGS("bench", "--json", p). */
#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

#endif
