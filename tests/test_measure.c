/*
 * test_measure.c — the measuring step bench and tune share
 * (app/measure.h): its table of figures, how repeats combine, the JSON
 * made from the table, and one real measurement of a small run.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "measure.h"
#include "registry.h"
#include "support.h"

/* Every row is named, and names are unique; rows of one nested object
 * ("pauses.*") are contiguous, or figures_json would open it twice. */
static void test_table_is_well_formed(void **state) {
    (void)state;
    for (int a = 0; a < FIG_N; a++) {
        const figure_def *d = &figure_defs[a];
        if (!d->key || !d->label) fail_msg("figure %d has no key or label", a);
        assert_true(d->get || d->scale != 0);
        for (int b = 0; b < a; b++)
            if (!strcmp(figure_defs[b].key, d->key)) fail_msg("figure key '%s' twice", d->key);
        const char *dot = strchr(d->key, '.');
        if (!dot || a == 0) continue;
        size_t len = (size_t)(dot - d->key) + 1;
        bool same_as_prev = !strncmp(figure_defs[a - 1].key, d->key, len);
        for (int b = 0; b < a - 1 && !same_as_prev; b++)
            if (!strncmp(figure_defs[b].key, d->key, len)) fail_msg("'%s' is apart from the rest of its group", d->key);
    }
}

/* Medians row by row, or the maximum where the row says so. */
static void test_combine(void **state) {
    (void)state;
    figures runs[4];
    memset(runs, 0, sizeof runs);
    static const double vals[4] = {3, 1, 10, 2};
    for (int r = 0; r < 4; r++) {
        for (int k = 0; k < FIG_N; k++) runs[r].v[k] = vals[r] * (k + 1);
        runs[r].checksum = 42;
    }
    figures out;
    figures_combine(runs, 4, &out);
    for (int k = 0; k < FIG_N; k++) {
        double want = figure_defs[k].combine == FC_MAX ? 10.0 * (k + 1) : 2.5 * (k + 1);
        if (fabs(out.v[k] - want) > 1e-9) fail_msg("%s: %g, expected %g", figure_defs[k].key, out.v[k], want);
    }
    assert_true(out.checksum == 42);
    figures_combine(runs, 3, &out); /* odd: the middle one */
    assert_true(fabs(out.v[FIG_WALL_MS] - 3.0 * (FIG_WALL_MS + 1)) < 1e-9);
}

/* The JSON of a figures record is valid and holds every row's key. */
static void test_json_has_every_row(void **state) {
    (void)state;
    figures x;
    memset(&x, 0, sizeof x);
    for (int k = 0; k < FIG_N; k++) x.v[k] = k * 1.5;
    char *buf;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    fputc('{', f);
    figures_json(f, &x);
    fputc('}', f);
    fclose(f);
    static json_keys keys;
    const char *where;
    if (!json_collect_keys(buf, &keys, &where)) fail_msg("not JSON near: %.40s", where);
    for (int k = 0; k < FIG_N; k++)
        if (!json_has_key(&keys, figure_defs[k].key)) fail_msg("JSON lacks %s: %s", figure_defs[k].key, buf);
    assert_true(json_has_key(&keys, "checksum"));
    free(buf);
}

static int progress_calls, timed_calls;
static void on_progress(void *user, int rep, int timed) {
    (void)user, (void)rep, (void)timed;
    progress_calls++;
}
static void on_timed(void *user, int rep, const run_result *r) {
    (void)user, (void)rep;
    assert_true(r->npauses > 0);
    timed_calls++;
}

/* A real measurement: the demo at its small size, three repeats (under
 * valgrind too: the child's pause log goes down a pipe, padding and all,
 * so oplog_add writes whole entries). */
static void test_measure_a_small_run(void **state) {
    (void)state;
    run_config rc;
    memset(&rc, 0, sizeof rc);
    rc.kind = COL_TRICOLOR;
    tc_config_default(&rc.tc);
    rc.wl = wl_find("demo");
    rc.size = 0;
    rc.seed = 1;
    rc.passes = 1;
    rc.threshold_ns = 0; /* every operation is a pause: the log cannot be empty */
    rc.cpu = -1;
    rc.boehm_markers = 1;
    rc.boehm_time_limit_ms = 1;
    measure_hooks h = {on_progress, on_timed, NULL};
    figures fig;
    char err[256];
    if (!measure(&rc, 3, &h, &fig, err, sizeof err)) fail_msg("measure: %s", err);
    assert_int_equal(progress_calls, 6); /* an untimed and a timed run a repeat */
    assert_int_equal(timed_calls, 3);
    assert_true(fig.checksum != 0);
    assert_true(fig.v[FIG_PAUSES] > 0 && fig.v[FIG_WALL_MS] > 0 && fig.v[FIG_PEAK_HEAP] > 0);
    assert_true(fig.v[FIG_P50_US] <= fig.v[FIG_P99_US] && fig.v[FIG_P99_US] <= fig.v[FIG_MAX_US]);
    for (int k = 0; k < FIG_N; k++)
        if (!isfinite(fig.v[k])) fail_msg("%s is not finite", figure_defs[k].key);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_well_formed),
        cmocka_unit_test(test_combine),
        cmocka_unit_test(test_json_has_every_row),
        cmocka_unit_test(test_measure_a_small_run),
    };
    return cmocka_run_group_tests_name("measure", tests, NULL, NULL);
}
