/*
 * test_knobs.c — one knob, one name, one range, everywhere.
 *
 * For every row of the knob table (app/knobs.h) and every command that
 * runs the collector (bench, view, record, tune): `--NAME VALUE` is
 * accepted (the lowest valid value, checked with --dry-run, which prints
 * the settings the flags made), a value just past the range is refused
 * with status 2 and a message naming the flag and the table's range, and
 * --help lists the flag. The same word is an action of record scripts,
 * read with the same range. Also the shared value parsers (app/values.h):
 * every spelling of a size or a duration means the same number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "knobs.h"
#include "script.h"
#include "support.h"
#include "values.h"

static const char *const commands[] = {"bench", "view", "record", "tune"};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

/* The lowest valid value of k, spelled as --dry-run prints it. */
static void lowest(const knob *k, char *buf, size_t len) {
    tc_config c;
    tc_config_default(&c);
    if (k->type == KNOB_BARRIER) {
        snprintf(buf, len, "yuasa");
        return;
    }
    if (k->type == KNOB_ONOFF) {
        snprintf(buf, len, "off");
        return;
    }
    k->set(&c, k->lo ? k->lo : 0);
    knob_format(k, &c, buf, len);
}

/* A value just outside the range (or not a value at all). */
static void beyond(const knob *k, char *buf, size_t len) {
    if (k->type == KNOB_BARRIER || k->type == KNOB_ONOFF)
        snprintf(buf, len, "maybe");
    else
        snprintf(buf, len, "%llu", (unsigned long long)k->hi + 1);
}

/* argv for `cmd --NAME value [--dry-run]`, with what record needs. */
static void run(tool_outcome *o, const char *cmd, const char *flag, const char *value, bool dry) {
    const char *args[8] = {cmd, flag, value};
    int n = 3;
    if (!strcmp(cmd, "record")) args[n++] = "-o", args[n++] = "/tmp/tricolor-knobs-never.y4m";
    if (dry) args[n++] = "--dry-run";
    args[n] = NULL;
    tool_run(o, args);
}

static void test_every_command_takes_every_knob(void **state) {
    (void)state;
    static tool_outcome o;
    for (int k = 0; k < KNOB_N; k++) {
        const knob *kn = &knobs[k];
        char flag[64], value[64], bad[64], range[96], printed[128];
        snprintf(flag, sizeof flag, "--%s", kn->name);
        lowest(kn, value, sizeof value);
        beyond(kn, bad, sizeof bad);
        knob_range(kn, range, sizeof range);
        snprintf(printed, sizeof printed, "%s %s", kn->name, value);
        for (int c = 0; c < NCOMMANDS; c++) {
            run(&o, commands[c], flag, value, true);
            if (o.status != 0) fail_msg("%s %s %s: exit %d: %s", commands[c], flag, value, o.status, o.err);
            if (!strstr(o.out, printed))
                fail_msg("%s %s %s --dry-run does not show '%s':\n%s", commands[c], flag, value, printed, o.out);
            run(&o, commands[c], flag, bad, false);
            char want[160];
            snprintf(want, sizeof want, "%s: ", flag);
            if (o.status != 2 || !strstr(o.err, want) || !strstr(o.err, range))
                fail_msg("%s %s %s: expected status 2 and '%s' with '%s', got %d: %s", commands[c], flag, bad, want,
                         range, o.status, o.err);
        }
    }
}

static void test_every_help_lists_every_knob(void **state) {
    (void)state;
    static tool_outcome o;
    for (int c = 0; c < NCOMMANDS; c++) {
        tool_run(&o, (const char *const[]){commands[c], "--help", NULL});
        assert_int_equal(o.status, 0);
        for (int k = 0; k < KNOB_N; k++) {
            char flag[64];
            snprintf(flag, sizeof flag, "  --%s %s", knobs[k].name, knobs[k].metavar);
            if (!strstr(o.out, flag)) fail_msg("%s --help does not list '%s'", commands[c], flag);
        }
    }
}

static void test_scripts_take_every_knob(void **state) {
    (void)state;
    for (int k = 0; k < KNOB_N; k++) {
        const knob *kn = &knobs[k];
        char value[64], bad[64], range[96], src[160], err[512];
        lowest(kn, value, sizeof value);
        beyond(kn, bad, sizeof bad);
        knob_range(kn, range, sizeof range);
        script s = {0};
        snprintf(src, sizeof src, "1.5 %s %s\n", kn->name, value);
        if (!script_parse("t.script", src, &s, err, sizeof err)) fail_msg("'%s': %s", src, err);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.v[0].kind, SCRIPT_KNOB);
        assert_ptr_equal(s.v[0].knob, kn);
        uint64_t want;
        assert_null(knob_parse(kn, value, &want));
        assert_true(s.v[0].value == want);
        script_free(&s);
        snprintf(src, sizeof src, "0 %s %s\n", kn->name, bad);
        assert_false(script_parse("t.script", src, &s, err, sizeof err));
        if (!strstr(err, "t.script:1: ") || !strstr(err, range))
            fail_msg("'%s': message lacks the range: %s", src, err);
    }
}

static void test_values_read_every_spelling_alike(void **state) {
    (void)state;
    static const char *const sizes[] = {"64M", "64MiB", "64MB", "64m", "65536K", "67108864", "0.0625G", NULL};
    for (int i = 0; sizes[i]; i++) {
        uint64_t v = 0;
        if (!value_size(sizes[i], &v) || v != 64u << 20)
            fail_msg("size '%s' read as %llu", sizes[i], (unsigned long long)v);
    }
    static const char *const durations[] = {"1500", "1500us", "1.5ms", "0.0015s", NULL};
    for (int i = 0; durations[i]; i++) {
        uint64_t v = 0;
        if (!value_usec(durations[i], &v) || v != 1500)
            fail_msg("duration '%s' read as %llu", durations[i], (unsigned long long)v);
    }
    static const char *const not_sizes[] = {"", "-5M", "5X", "M", "0x10", "1e3", " 5M", "5M ", NULL};
    uint64_t v;
    for (int i = 0; not_sizes[i]; i++)
        if (value_size(not_sizes[i], &v)) fail_msg("'%s' read as a size", not_sizes[i]);
    assert_false(value_usec("2ks", &v));
    assert_false(value_pct("10%%", &v));
    assert_true(value_pct("10%", &v) && v == 10);
    double d;
    assert_true(value_speed("1/4", &d) && d == 0.25);
    assert_false(value_speed("1/0", &d));
    /* A quotient too large for a double is not a speed (found by the fuzz
     * harness, tests/fuzz/parsers-regress/speed-overflows-to-inf). */
    char huge[400];
    snprintf(huge, sizeof huge, "1000000000000000000000000000000/0.%0300d1", 0);
    assert_false(value_speed(huge, &d));
    /* What the parsers print, they read back. */
    char buf[32];
    value_fmt_size(buf, sizeof buf, (uint64_t)1 << 40);
    assert_string_equal(buf, "1T");
    value_fmt_size(buf, sizeof buf, 1536 << 10);
    assert_string_equal(buf, "1536K");
    value_fmt_usec(buf, sizeof buf, 1000000);
    assert_string_equal(buf, "1s");
}

/* A refused value is quoted only in part, so that however long it is the
 * message still ends by saying what is valid: found by the parsers' fuzz
 * harness (tests/fuzz/parsers-regress/long-value-hides-range), where a
 * 460-byte value filled the message and cut the range off. */
static void test_long_bad_values_keep_the_range(void **state) {
    (void)state;
    char longv[601], src[700], err[1024], range[96];
    for (int fill = 0; fill < 2; fill++) {
        memset(longv, fill ? '9' : 'x', sizeof longv - 1);
        longv[sizeof longv - 1] = 0;
        for (int k = 0; k < KNOB_N; k++) {
            uint64_t v;
            const char *msg = knob_parse(&knobs[k], longv, &v);
            knob_range(&knobs[k], range, sizeof range);
            assert_non_null(msg);
            size_t n = strlen(msg);
            if (!strstr(msg, range) || msg[n - 1] != ')' || !strstr(msg, "..."))
                fail_msg("%s: message cut or quoting all: %s", knobs[k].name, msg);
        }
    }
    script s = {0};
    snprintf(src, sizeof src, "0 workload %s\n", longv);
    assert_false(script_parse("t.script", src, &s, err, sizeof err));
    if (!strstr(err, wl_names())) fail_msg("workload message lacks the names: %s", err);
    snprintf(src, sizeof src, "%s pause\n", longv);
    assert_false(script_parse("t.script", src, &s, err, sizeof err));
    if (!strstr(err, "then an action")) fail_msg("time message cut: %s", err);
}

/* The time-travel actions: seek N or -N, replay X, live; bad values
 * named with what is valid. */
static void test_script_time_travel_actions(void **state) {
    (void)state;
    char err[512];
    script s = {0};
    assert_true(script_parse("t.script", "1 seek 120\n2 seek -3\n2 replay 1/8\n3 live\n", &s, err, sizeof err));
    assert_int_equal(s.n, 4);
    assert_int_equal(s.v[0].kind, SCRIPT_SEEK);
    assert_true(s.v[0].number == 120 && !s.v[0].value);
    assert_true(s.v[1].number == 3 && s.v[1].value);
    assert_int_equal(s.v[2].kind, SCRIPT_REPLAY);
    assert_true(s.v[2].number == 0.125);
    assert_int_equal(s.v[3].kind, SCRIPT_LIVE);
    script_free(&s);
    memset(&s, 0, sizeof s);
    assert_true(
        script_parse("t.script", "0 until cycle-end\n0 until sweep\n1 lost-object off\n1 wait\n", &s, err, sizeof err));
    assert_int_equal(s.v[0].kind, SCRIPT_UNTIL);
    assert_true(s.v[0].value == TC_PHASE_COUNT && s.v[1].value == TC_PHASE_SWEEP);
    assert_true(s.v[2].kind == SCRIPT_LOST && s.v[2].value == 0);
    assert_int_equal(s.v[3].kind, SCRIPT_WAIT);
    script_free(&s);
    static const struct {
        const char *line, *says;
    } bad[] = {
        {"0 seek x\n", "valid: N from 0, or -N from -1"},
        {"0 seek -0\n", "valid: N from 0"},
        {"0 seek 1.5\n", "not an increment"},
        {"0 seek\n", "seek N|-N"},
        {"0 replay 64\n", "replay: '64' is not a speed"},
        {"0 live now\n", "live takes"},
        {"0 until atomic\n", "valid: idle, propagate, sweep, cycle-end"},
        {"0 lost-object maybe\n", "valid: off: without the barrier"},
        {"0 wait 3\n", "wait takes"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&s, 0, sizeof s);
        assert_false(script_parse("t.script", bad[i].line, &s, err, sizeof err));
        if (!strstr(err, "t.script:1: ") || !strstr(err, bad[i].says))
            fail_msg("'%s': expected '%s' in: %s", bad[i].line, bad[i].says, err);
    }
}

/* Names are unique, flags and aliases included: a duplicate would make
 * knob_find return the first and hide the second. */
static void test_names_are_unique(void **state) {
    (void)state;
    for (int a = 0; a < KNOB_N; a++) {
        assert_non_null(knobs[a].name);
        assert_ptr_equal(knob_find(knobs[a].name), &knobs[a]);
        if (knobs[a].alias) assert_ptr_equal(knob_find(knobs[a].alias), &knobs[a]);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_read_every_spelling_alike), cmocka_unit_test(test_names_are_unique),
        cmocka_unit_test(test_scripts_take_every_knob),          cmocka_unit_test(test_every_help_lists_every_knob),
        cmocka_unit_test(test_every_command_takes_every_knob),   cmocka_unit_test(test_long_bad_values_keep_the_range),
        cmocka_unit_test(test_script_time_travel_actions),
    };
    return cmocka_run_group_tests_name("knobs", tests, NULL, NULL);
}
