/*
 * cpu_place.c — the measured runs on a CPU of their own (cpu_place.h).
 */
#include "cpu_place.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

static cpu_set_t allowed; /* the process's CPUs when first asked */
static int measured = -2; /* -2: not yet asked */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Atomic int priority = -1; /* place_priority */
static _Atomic int priority_err;

static void find(void) {
    measured = -1;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) < 2) return;
    for (int c = CPU_SETSIZE - 1; c >= 0; c--)
        if (CPU_ISSET(c, &allowed)) {
            measured = c;
            return;
        }
}

int place_measured_cpu(void) {
    pthread_once(&once, find);
    return measured;
}

void place_on(int cpu) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    (void)pthread_setaffinity_np(pthread_self(), sizeof one, &one); /* best effort: turns still isolate */
}

void place_measured_on(int cpu) {
    if (cpu < 0) return; /* one CPU: the drawing needs it too */
    place_on(cpu);
    place_realtime();
}

void place_as_measured(void) { place_measured_on(place_measured_cpu()); }

void place_realtime(void) {
    struct sched_param sp = {.sched_priority = 1};
    int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    priority_err = rc;
    priority = rc == 0;
}

void place_realtime_spin(bool spinning) {
    if (priority != 1) return;
    struct sched_param sp = {.sched_priority = spinning ? 0 : 1};
    (void)pthread_setschedparam(pthread_self(), spinning ? SCHED_OTHER : SCHED_FIFO, &sp);
}

int place_priority(const char **why) {
    if (why) *why = priority == 0 ? strerror(priority_err) : "";
    return priority;
}

void place_as_viewer(void) {
    int m = place_measured_cpu();
    if (m < 0) return;
    cpu_set_t rest = allowed;
    CPU_CLR(m, &rest);
    (void)pthread_setaffinity_np(pthread_self(), sizeof rest, &rest);
}

void place_anywhere(void) {
    if (place_measured_cpu() < 0) return; /* one CPU, or affinity unknown: nothing was narrowed */
    (void)pthread_setaffinity_np(pthread_self(), sizeof allowed, &allowed);
}
