/*
 * support.c — shared helpers for the collector's tests (see support.h).
 */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char misuse_message[512];
int misuse_count;

const tc_barrier all_modes[4] = {TC_BARRIER_DIJKSTRA, TC_BARRIER_STEELE, TC_BARRIER_YUASA, TC_BARRIER_STW};

void misuse_reset(void) {
    misuse_message[0] = 0;
    misuse_count = 0;
}

void test_misuse_handler(const char *message, void *user) {
    (void)user;
    snprintf(misuse_message, sizeof misuse_message, "%s", message);
    misuse_count++;
}

void test_config(tc_config *c, tc_barrier barrier) {
    tc_config_default(c);
    c->barrier = barrier;
    c->min_heap = 256 << 10;
    c->step_work = 200;
    c->verify_each_step = true;
    c->on_misuse = test_misuse_handler;
}

tc_heap *test_heap(tc_barrier barrier) {
    tc_config c;
    test_config(&c, barrier);
    tc_heap *h = tc_heap_new(&c);
    assert_non_null(h);
    return h;
}

void assert_heap_ok(tc_heap *h) {
    char msg[512];
    if (!tc_verify(h, msg, sizeof msg)) fail_msg("heap verification failed: %s", msg);
}

void step_until(tc_heap *h, tc_phase phase, int limit) {
    for (int i = 0; i < limit; i++) {
        if (tc_current_phase(h) == phase) return;
        tc_step(h);
    }
    if (tc_current_phase(h) != phase)
        fail_msg("phase %s not reached in %d increments (at %s)", tc_phase_name(phase), limit,
                 tc_phase_name(tc_current_phase(h)));
}

struct find {
    const void *obj;
    bool found;
    size_t count;
};

static void find_visit(const tc_object_info *info, void *user) {
    struct find *f = user;
    f->count++;
    if (info->obj == f->obj) f->found = true;
}

bool heap_has_object(tc_heap *h, const void *obj) {
    struct find f = {.obj = obj};
    tc_visit_objects(h, find_visit, &f);
    return f.found;
}

size_t heap_count_objects(tc_heap *h) {
    struct find f = {0};
    tc_visit_objects(h, find_visit, &f);
    return f.count;
}

double stress_scale(void) {
    const char *s = getenv("TRICOLOR_STRESS_SCALE");
    double v = s ? atof(s) : 1.0;
    return v > 0 ? v : 1.0;
}
