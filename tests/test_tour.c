/*
 * test_tour.c — the guided tour's parts: the built-in tour is
 * docs/tour.script and parses; the lost-object lesson, made without the
 * barrier, is caught by the verifier and repaired before anything runs,
 * and made with each barrier leaves the heap consistent; a script's clock
 * stands still while an `until` runs and at a `wait` in the window.
 */
#include "support.h"
#include "live.h"
#include "scene.h"
#include "script_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

static void test_the_built_in_tour_is_docs_tour_script(void **state) {
    (void)state;
    const char *doc = read_text("docs/tour.script");
    assert_non_null(doc);
    assert_string_equal(tour_script, doc);
    script sc = {0};
    char err[512];
    if (!script_parse(TOUR_NAME, tour_script, &sc, err, sizeof err)) fail_msg("%s", err);
    int waits = 0, lessons = 0, untils = 0;
    for (size_t i = 0; i < sc.n; i++) {
        waits += sc.v[i].kind == SCRIPT_WAIT;
        lessons += sc.v[i].kind == SCRIPT_LOST;
        untils += sc.v[i].kind == SCRIPT_UNTIL;
    }
    assert_true(waits >= 8 && lessons == 4 && untils >= 6);
    script_free(&sc);
}

/* A deterministic demo scene with small increments, every increment
 * verified (config.verify_each_step aborts on the first inconsistency). */
static void start_scene(scene *s, tc_barrier b) {
    scene_init(s, "record");
    s->deterministic = true;
    s->cfg.barrier = b;
    s->cfg.step_work = 12;
    s->cfg.verify_each_step = true;
    s->step_given = true;
    s->history_mb = 0;
    scene_defaults(s);
    scene_settle(s);
    assert_true(scene_start(s));
}

/* Frames until nothing the tour asked for is pending (at most `max`). */
static void settle(scene *s, int max) {
    for (int f = 0; f < max && (s->until_phase >= 0 || s->lesson >= 0); f++) scene_frame(s, 1.0 / 60);
    assert_int_equal(s->until_phase, -1);
    assert_int_equal(s->lesson, -1);
}

/* As the tour makes it: the cycle running ends, the next begins, and the
 * lesson is made (with or without the barrier) while it marks. */
static void lesson_in_the_next_cycle(scene *s, bool barrier) {
    scene_until(s, SCENE_CYCLE_END);
    settle(s, 5000);
    scene_until(s, TC_PHASE_PROPAGATE);
    settle(s, 100);
    scene_lost_object(s, barrier);
    settle(s, 2000);
}

static void test_lost_object_without_the_barrier_is_caught_and_repaired(void **state) {
    (void)state;
    static scene s;
    start_scene(&s, TC_BARRIER_DIJKSTRA);
    tc_heap *h = live_heap(s.lv);
    lesson_in_the_next_cycle(&s, false);
    assert_true(s.broken);
    assert_true(s.paused);
    char msg[256];
    assert_false(tc_verify(h, msg, sizeof msg));
    /* The objects by their names in the lesson, never by address (which
     * would differ between two --deterministic recordings). */
    if (!strstr(s.lesson_msg, "dijkstra barrier miss (B->W): black B slot") || !strstr(s.lesson_msg, "-> white W") ||
        strstr(s.lesson_msg, "0x"))
        fail_msg("lesson says: %s", s.lesson_msg);
    /* The store as the picture shows it: W in B's slot, white, and gone from G. */
    assert_ptr_equal(tc_load(h, s.lost.b, s.lost.bslot), s.lost.w);
    assert_null(tc_load(h, s.lost.g, s.lost.gslot));
    assert_int_equal(tc_colour_of(h, s.lost.w), TC_WHITE);
    assert_int_equal(tc_colour_of(h, s.lost.b), TC_BLACK);
    assert_ptr_equal(s.g.selected, s.lost.w);
    /* Nothing runs on the broken heap: the next step repairs it first. */
    uint64_t incr = tc_increment_count(h);
    scene_until(&s, SCENE_CYCLE_END);
    assert_false(s.broken);
    assert_true(tc_verify(h, msg, sizeof msg));
    assert_int_equal(tc_increment_count(h), incr);
    if (!strstr(s.lesson_msg, "repaired") || !strstr(s.lesson_msg, "consistent"))
        fail_msg("lesson says: %s", s.lesson_msg);
    assert_int_equal(tc_colour_of(h, s.lost.w), TC_GREY); /* Dijkstra shaded it */
    /* The cycle ends and the next runs, each increment verified. */
    settle(&s, 5000);
    scene_until(&s, SCENE_CYCLE_END);
    settle(&s, 5000);
    scene_free(&s);
}

static void test_lost_object_with_each_barrier_keeps_the_heap_consistent(void **state) {
    (void)state;
    static const tc_barrier barriers[] = {TC_BARRIER_DIJKSTRA, TC_BARRIER_STEELE, TC_BARRIER_YUASA};
    for (size_t i = 0; i < 3; i++) {
        static scene s;
        start_scene(&s, barriers[i]);
        tc_heap *h = live_heap(s.lv);
        lesson_in_the_next_cycle(&s, true);
        assert_false(s.broken);
        char msg[256];
        if (!tc_verify(h, msg, sizeof msg)) fail_msg("%s: %s", tc_barrier_name(barriers[i]), msg);
        if (!strstr(s.lesson_msg, tc_barrier_name(barriers[i])) || !strstr(s.lesson_msg, "consistent"))
            fail_msg("lesson says: %s", s.lesson_msg);
        assert_ptr_equal(tc_load(h, s.lost.b, s.lost.bslot), s.lost.w);
        assert_null(tc_load(h, s.lost.g, s.lost.gslot));
        /* What each barrier did: Steele re-greyed the black object stored
         * into; Dijkstra and Yuasa shaded the white one. */
        if (barriers[i] == TC_BARRIER_STEELE)
            assert_int_equal(tc_colour_of(h, s.lost.b), TC_GREY);
        else
            assert_int_equal(tc_colour_of(h, s.lost.w), TC_GREY);
        assert_true(s.g.narrows >= 1); /* the store drawn */
        scene_until(&s, SCENE_CYCLE_END);
        settle(&s, 5000);
        scene_free(&s);
    }
}

/* Under stop-the-world a whole cycle is one increment: marking is never
 * seen between two increments, and an until for it gives up, saying so,
 * after UNTIL_CYCLES cycles instead of running for ever. */
static void test_until_a_phase_never_seen_gives_up(void **state) {
    (void)state;
    static scene s;
    start_scene(&s, TC_BARRIER_STW);
    tc_heap *h = live_heap(s.lv);
    tc_stats st;
    tc_get_stats(h, &st);
    uint64_t before = st.cycles;
    scene_until(&s, TC_PHASE_PROPAGATE);
    settle(&s, 20000);
    tc_get_stats(h, &st);
    assert_int_equal(st.cycles, before + UNTIL_CYCLES);
    if (!strstr(s.lesson_msg, "until propagate: not seen")) fail_msg("says: %s", s.lesson_msg);
    assert_true(s.paused);
    scene_free(&s);
}

/* Time travel in the middle of the tour: a past frame shown while an
 * until runs, then back to now, and the until still runs to its end; a
 * lesson after a seek looks only at a live sync's objects. */
static void test_time_travel_during_an_until_and_before_a_lesson(void **state) {
    (void)state;
    static scene s;
    start_scene(&s, TC_BARRIER_DIJKSTRA);
    history_free(&s.hist);
    history_init(&s.hist, 16 << 20, SCENE_HISTORY_SECONDS);
    for (int f = 0; f < 30; f++) scene_frame(&s, 1.0 / 60);
    tc_heap *h = live_heap(s.lv);
    tc_stats st;
    tc_get_stats(h, &st);
    uint64_t cycles = st.cycles;
    scene_until(&s, SCENE_CYCLE_END);
    scene_frame(&s, 1.0 / 60);
    scene_step_back(&s);
    assert_non_null(scene_moment(&s));
    scene_live(&s, false);
    assert_false(s.paused); /* the until goes on */
    settle(&s, 5000);
    tc_get_stats(h, &st);
    assert_true(st.cycles > cycles);
    scene_until(&s, TC_PHASE_PROPAGATE);
    settle(&s, 100);
    for (int f = 0; f < 10; f++) scene_frame(&s, 1.0 / 60);
    assert_true(scene_seek(&s, 5)); /* a frame of an older cycle */
    scene_lost_object(&s, true);
    settle(&s, 2000);
    char msg[256];
    assert_true(tc_verify(h, msg, sizeof msg));
    if (!strstr(s.lesson_msg, "consistent")) fail_msg("lesson says: %s", s.lesson_msg);
    scene_free(&s);
}

static void test_script_clock_stands_still_for_until_and_wait(void **state) {
    (void)state;
    static scene s;
    start_scene(&s, TC_BARRIER_DIJKSTRA);
    script sc = {0};
    char err[256];
    assert_true(script_parse("t.script",
                             "0 until cycle-end\n"
                             "1 caption \"one\" 5\n"
                             "2 wait\n"
                             "2.5 caption \"two\" 5\n",
                             &sc, err, sizeof err));
    script_player p;
    script_player_init(&p, &sc, "t.script", "view", true);
    double dt = 1.0 / 10, done_at = -1;
    for (int f = 0; f < 3000 && done_at < 0; f++) {
        s.clock_s = f * dt;
        script_player_run(&p, &s);
        if (s.until_phase < 0 && done_at < 0 && f > 0) done_at = s.clock_s;
        scene_frame(&s, dt);
    }
    assert_true(done_at > 0.5); /* the first cycle took frames */
    /* "one" one second of script after the until was done, not at 1 s. */
    double t = done_at;
    for (; !strstr(s.caption, "one") && t < done_at + 5; t += dt) {
        s.clock_s = t;
        script_player_run(&p, &s);
    }
    assert_true(t > done_at + 0.9 && t < done_at + 1.2);
    /* The wait holds: long after, "two" has not come. */
    for (double u = t; u < t + 20; u += dt) {
        s.clock_s = u;
        script_player_run(&p, &s);
    }
    assert_true(p.waiting);
    assert_null(strstr(s.caption, "two"));
    assert_non_null(strstr(s.prompt, "step 1 of 1"));
    script_player_continue(&p, &s);
    assert_int_equal(s.prompt[0], 0);
    double c = t + 20;
    for (; !strstr(s.caption, "two") && c < t + 30; c += dt) {
        s.clock_s = c;
        script_player_run(&p, &s);
    }
    assert_true(c > t + 20 + 0.4 && c < t + 20 + 0.7); /* half a second after the wait */
    assert_true(script_player_done(&p, &s));
    script_free(&sc);
    scene_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_built_in_tour_is_docs_tour_script),
        cmocka_unit_test(test_lost_object_without_the_barrier_is_caught_and_repaired),
        cmocka_unit_test(test_lost_object_with_each_barrier_keeps_the_heap_consistent),
        cmocka_unit_test(test_until_a_phase_never_seen_gives_up),
        cmocka_unit_test(test_time_travel_during_an_until_and_before_a_lesson),
        cmocka_unit_test(test_script_clock_stands_still_for_until_and_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
