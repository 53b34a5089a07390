/*
 * test_api.c — API misuse is reported with a message that names the
 * mistake, and the offending call does nothing harmful.
 */
#include "support.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_bad_config_is_reported(void **state) {
    (void)state;
    tc_config c;
    test_config(&c, TC_BARRIER_DIJKSTRA);
    c.trigger_pct = 5;
    misuse_reset();
    assert_null(tc_heap_new(&c));
    assert_int_equal(misuse_count, 1);
    assert_non_null(strstr(misuse_message, "trigger_pct"));
    assert_non_null(strstr(misuse_message, "10..1000"));
}

/* A NULL heap has no config to take a handler from: the default handler
 * prints the message and aborts. Run it in a child process. */
static void test_null_heap_aborts_with_message(void **state) {
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        (void)tc_alloc(NULL, 1, 0);
        _exit(0);
    }
    close(fds[1]);
    char buf[512] = {0};
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    assert_true(n > 0);
    assert_non_null(strstr(buf, "tricolor: API misuse: tc_alloc: heap is NULL"));
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

static void test_config_check_names_field_and_range(void **state) {
    (void)state;
    tc_config c;
    tc_config_default(&c);
    assert_null(tc_config_check(&c));
    c.step_work = 0;
    assert_non_null(strstr(tc_config_check(&c), "step_work"));
    tc_config_default(&c);
    c.barrier = (tc_barrier)9;
    assert_non_null(strstr(tc_config_check(&c), "dijkstra, steele, yuasa, stw or hybrid"));
    /* The concurrent mode names the barriers it runs with. */
    tc_config_default(&c);
    c.concurrent = true;
    assert_null(tc_config_check(&c));
    c.barrier = TC_BARRIER_STEELE;
    assert_non_null(strstr(tc_config_check(&c), "concurrent mode runs with dijkstra, yuasa or hybrid"));
    c.barrier = TC_BARRIER_STW;
    assert_non_null(tc_config_check(&c));
    c.barrier = TC_BARRIER_HYBRID;
    assert_null(tc_config_check(&c));
    c.gc_cpu_pct = 0;
    assert_non_null(strstr(tc_config_check(&c), "gc_cpu_pct: valid range is 1..100"));
    tc_config_default(&c);
    c.heap_limit = 1000;
    assert_non_null(strstr(tc_config_check(&c), "heap_limit"));
    tc_config_default(&c);
    c.runway_pct = 0;
    assert_non_null(strstr(tc_config_check(&c), "runway_pct"));
    tc_config_default(&c);
    c.mmu_pct = 99;
    assert_non_null(strstr(tc_config_check(&c), "mmu_pct"));
    c.mmu_pct = 0; /* off */
    assert_null(tc_config_check(&c));
    c.mmu_window_usec = 50;
    assert_non_null(strstr(tc_config_check(&c), "mmu_window_usec"));
}

static void test_set_config_rejects_and_keeps_old(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    tc_config c;
    tc_get_config(h, &c);
    c.step_usec = 0;
    assert_non_null(tc_set_config(h, &c));
    tc_config now;
    tc_get_config(h, &now);
    assert_int_equal(now.step_usec, 25); /* the default, kept */
    c.step_usec = 50;
    c.step_work = 777;
    assert_null(tc_set_config(h, &c));
    tc_get_config(h, &now);
    assert_int_equal(now.step_work, 777);
    tc_heap_free(h);
}

static void test_slot_out_of_range(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    void *o = tc_alloc(h, 2, 0);
    misuse_reset();
    tc_store(h, o, 2, o);
    assert_int_equal(misuse_count, 1);
    assert_non_null(strstr(misuse_message, "tc_store: slot 2 out of range"));
    assert_non_null(strstr(misuse_message, "valid 0..1"));
    assert_null(tc_load(h, o, 5));
    assert_int_equal(misuse_count, 2);
    assert_non_null(strstr(misuse_message, "tc_load: slot 5"));
    assert_heap_ok(h);
    tc_heap_free(h);
}

static void test_object_too_large(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    misuse_reset();
    assert_null(tc_alloc(h, TC_MAX_SLOTS + 1, 0));
    assert_int_equal(misuse_count, 1);
    assert_non_null(strstr(misuse_message, "object too large"));
    assert_null(tc_alloc(h, 0, TC_MAX_RAW + 1));
    assert_int_equal(misuse_count, 2);
    tc_heap_free(h);
}

static void test_root_stack_underflow(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    void *a = NULL, *b = NULL;
    tc_root_push(h, &a);
    tc_root_push(h, &b);
    misuse_reset();
    tc_root_pop(h, 3);
    assert_int_equal(misuse_count, 1);
    assert_non_null(strstr(misuse_message, "tc_root_pop(3): only 2 roots are pushed"));
    assert_int_equal(tc_root_depth(h), 2); /* nothing popped */
    tc_root_pop(h, 2);
    assert_int_equal(misuse_count, 1);
    assert_false(tc_root_remove(h, &a));
    assert_int_equal(misuse_count, 2);
    assert_non_null(strstr(misuse_message, "never added"));
    tc_heap_free(h);
}

static void test_names_parse(void **state) {
    (void)state;
    tc_barrier b;
    assert_true(tc_barrier_parse("yuasa", &b));
    assert_int_equal(b, TC_BARRIER_YUASA);
    assert_false(tc_barrier_parse("brooks", &b));
    assert_string_equal(tc_barrier_name(TC_BARRIER_STEELE), "steele");
    assert_string_equal(tc_phase_name(TC_PHASE_SWEEP), "sweep");
    assert_string_equal(tc_colour_name(TC_GREY), "grey");
    assert_string_equal(tc_colour_name(TC_FREE), "free");
    assert_string_equal(tc_colour_name((tc_colour)2), "?");
}

/* A heap_limit below what the heap holds: tc_set_config collects first,
 * and refuses with a message naming the held bytes if that is not
 * enough; the heap keeps its old config and verifies. Regression (found
 * by fuzzing): it was accepted, and tc_verify then reported the heap over
 * its limit. */
static void test_heap_limit_below_held_heap(void **state) {
    (void)state;
    tc_config c;
    test_config(&c, TC_BARRIER_DIJKSTRA);
    c.verify_each_step = false;
    tc_heap *h = tc_heap_new(&c);
    void *keep = NULL;
    tc_root_push(h, &keep);
    for (int i = 0; i < 3000; i++) { /* ~3 MB, all live */
        void *o = tc_alloc(h, 1, 1000);
        tc_store(h, o, 0, keep);
        keep = o;
    }
    tc_config bad = c;
    bad.heap_limit = TC_HEAP_LIMIT_MIN;
    bad.min_heap = TC_HEAP_LIMIT_MIN;
    const char *msg = tc_set_config(h, &bad);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "heap_limit"));
    assert_non_null(strstr(msg, "holds"));
    tc_config now;
    tc_get_config(h, &now);
    assert_int_equal(now.heap_limit, 0);
    assert_heap_ok(h);
    /* Dropped, the same limit is met after the collection it runs. */
    keep = NULL;
    assert_null(tc_set_config(h, &bad));
    assert_heap_ok(h);
    tc_root_pop(h, 1);
    tc_heap_free(h);
}

/* A heap limit below the default minimum heap (4 MiB) is a valid
 * configuration: the limit wins, and the goal stays at 90% of it. */
static void test_small_limit_with_the_default_minimum(void **state) {
    (void)state;
    tc_config c;
    tc_config_default(&c);
    c.mmu_pct = 0; /* the guard defers by the clock */
    c.heap_limit = 2 << 20;
    assert_true(c.min_heap > c.heap_limit);
    assert_null(tc_config_check(&c));
    tc_heap *h = tc_heap_new(&c);
    assert_non_null(h);
    for (int i = 0; i < 20000; i++) assert_non_null(tc_alloc(h, 1, 200)); /* ~4.5 MB of garbage */
    tc_collect(h);
    size_t n = 0;
    const tc_cycle *log = tc_cycle_log(h, &n);
    assert_true(n > 1);
    for (size_t i = 0; i < n; i++)
        if (log[i].heap_goal > c.heap_limit / 10 * 9)
            fail_msg("cycle %u: goal %llu over 90%% of the %zu-byte limit", log[i].cycle,
                     (unsigned long long)log[i].heap_goal, c.heap_limit);
    assert_heap_ok(h);
    tc_heap_free(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heap_limit_below_held_heap),
        cmocka_unit_test(test_small_limit_with_the_default_minimum),
        cmocka_unit_test(test_bad_config_is_reported),
        cmocka_unit_test(test_null_heap_aborts_with_message),
        cmocka_unit_test(test_config_check_names_field_and_range),
        cmocka_unit_test(test_set_config_rejects_and_keeps_old),
        cmocka_unit_test(test_slot_out_of_range),
        cmocka_unit_test(test_object_too_large),
        cmocka_unit_test(test_root_stack_underflow),
        cmocka_unit_test(test_names_parse),
    };
    return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
