/*
 * test_cli.c — the `tricolor` program as a user meets it: bad input gets a
 * message naming what was wrong and what is valid, with exit status 2;
 * bench's --json output parses and has every field; list lists.
 *
 * Runs the real binary (TRICOLOR_BIN, default build/tricolor) in a child
 * process and reads its stdout and stderr. The JSON check is a small
 * recursive-descent parser: the test must not trust the writer's format.
 */
#include "support.h"

#include <SDL.h>
#include <SDL_image.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "palette.h"
static uint32_t pal_tricolor(void) { return pal_argb(PAL_TRICOLOR); }

static void test_binary_exists(void **state) {
    (void)state;
    if (access(tool_bin(), X_OK) != 0) fail_msg("%s is not built (make build/tricolor)", tool_bin());
}

static void test_unknown_command(void **state) {
    (void)state;
    expect_usage_error(ARGS("frobnicate"), ARGS("unknown command 'frobnicate'", "list", "bench"));
}

static void test_bench_bad_values(void **state) {
    (void)state;
    expect_usage_error(ARGS("bench", "--workload", "nope"), ARGS("unknown workload 'nope'", "gcbench", "all"));
    expect_usage_error(ARGS("bench", "--collector", "tricolor,jvm"),
                       ARGS("unknown collector 'jvm'", "tricolor, tricolor-concurrent, boehm, boehm-inc, boehm-par"));
    expect_usage_error(ARGS("bench", "--barrier", "brooks"),
                       ARGS("unknown barrier 'brooks'", "dijkstra, steele, yuasa, stw"));
    expect_usage_error(ARGS("bench", "--size", "huge"), ARGS("unknown size 'huge'", "small, default, large"));
    expect_usage_error(ARGS("bench", "--collector", "tricolor-concurrent", "--barrier", "steele"),
                       ARGS("--collector tricolor-concurrent", "dijkstra, yuasa or hybrid"));
    expect_usage_error(ARGS("bench", "--collector", "boehm-par,boehm-par"), ARGS("'boehm-par' given twice"));
    expect_usage_error(ARGS("bench", "--frobnicate"), ARGS("unknown option '--frobnicate'"));
    expect_usage_error(ARGS("bench", "--repeat", "-3"), ARGS("--repeat", "out of range", "1..100"));
    expect_usage_error(ARGS("bench", "--repeat", "1000000"), ARGS("--repeat", "1..100"));
    expect_usage_error(ARGS("bench", "--step-work", "x12"), ARGS("--step-work", "not a whole number"));
    expect_usage_error(ARGS("bench", "--heap-limit", "-5M"), ARGS("--heap-limit", "'-5M' is not a size", "64M"));
    expect_usage_error(ARGS("bench", "--heap-limit", "99999999G"), ARGS("--heap-limit", "out of range", "1M..1T"));
    expect_usage_error(ARGS("bench", "--trigger", "5"), ARGS("--trigger", "10..1000"));
    expect_usage_error(ARGS("bench", "--min-heap", "8M", "--heap-limit", "2M"),
                       ARGS("--min-heap: must not exceed --heap-limit"));
    expect_usage_error(ARGS("bench", "--seed"), ARGS("--seed needs a value"));
    expect_usage_error(ARGS("bench", "--pause-target", "fast"), ARGS("--pause-target", "not a duration", "200us"));
    expect_usage_error(ARGS("bench", "--pause-target", "5us"),
                       ARGS("--pause-target", "out of range", "10us..1s, or off"));
    expect_usage_error(ARGS("bench", "--pause-target", "2ks"), ARGS("--pause-target", "not a duration", "1.5ms"));
    expect_usage_error(ARGS("view", "--passes", "0"), ARGS("--passes", "out of range", "1..1000"));
    expect_usage_error(ARGS("view", "--history", "-1"), ARGS("--history", "'-1'", "from 0 (off) to 65536"));
    expect_usage_error(ARGS("record", "--history", "64M"), ARGS("--history", "'64M'", "a size in MB"));
}

static void test_bench_unwritable_output(void **state) {
    (void)state;
    expect_usage_error(ARGS("bench", "--size", "small", "--json", "/nonexistent-dir/x.json"),
                       ARGS("--json", "cannot write '/nonexistent-dir/x.json'"));
    expect_usage_error(ARGS("bench", "--size", "small", "--csv", "/nonexistent-dir/x.csv"),
                       ARGS("--csv", "cannot write"));
    expect_usage_error(ARGS("bench", "--size", "small", "--trace", "/"), ARGS("--trace", "cannot write"));
}

static void test_help_and_list(void **state) {
    (void)state;
    static tool_outcome o;
    tool_run(&o, ARGS("bench", "--help"));
    assert_int_equal(o.status, 0);
    assert_non_null(strstr(o.out, "--workload"));
    assert_non_null(strstr(o.out, "tricolor-concurrent"));
    assert_non_null(strstr(o.out, "boehm-par"));
    assert_non_null(strstr(o.out, "What the figures mean"));
    tool_run(&o, ARGS("list"));
    assert_int_equal(o.status, 0);
    assert_non_null(strstr(o.out, "gcbench"));
    tool_run(&o, ARGS("--help"));
    assert_int_equal(o.status, 0);
}

static void test_bench_json_has_every_field(void **state) {
    (void)state;
    char path[] = "/tmp/tricolor-json-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    static tool_outcome o;
    tool_run(
        &o, ARGS("bench", "--workload", "gcbench", "--size", "small", "--collector", "tricolor,boehm", "--json", path));
    if (o.status != 0) fail_msg("bench failed (%d): %s", o.status, o.err);
    FILE *f = fopen(path, "r");
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    unlink(path);
    static json_keys keys;
    const char *where;
    if (!json_collect_keys(buf, &keys, &where)) fail_msg("--json output does not parse near: %.40s", where);
    static const char *const required[] = {"workload",
                                           "size",
                                           "seed",
                                           "tricolor_min_heap_bytes",
                                           "runs",
                                           "runs.collector",
                                           "runs.barrier",
                                           "runs.wall_ms",
                                           "runs.cpu_ms",
                                           "runs.gc_cpu_ms",
                                           "runs.gc_share",
                                           "runs.peak_heap_bytes",
                                           "runs.peak_rss_bytes",
                                           "runs.checksum",
                                           "runs.pauses",
                                           "runs.pauses.count",
                                           "runs.pauses.p50_us",
                                           "runs.pauses.p95_us",
                                           "runs.pauses.p99_us",
                                           "runs.pauses.p999_us",
                                           "runs.pauses.max_us",
                                           "runs.mmu",
                                           "runs.mmu.1ms",
                                           "runs.mmu.2ms",
                                           "runs.mmu.5ms",
                                           "runs.mmu.10ms",
                                           "runs.mmu.20ms",
                                           "runs.mmu.50ms",
                                           "runs.mmu.100ms",
                                           NULL};
    for (int i = 0; required[i]; i++)
        if (!json_has_key(&keys, required[i])) fail_msg("--json lacks %s", required[i]);
    assert_non_null(strstr(buf, "\"collector\":\"tricolor\""));
    assert_non_null(strstr(buf, "\"collector\":\"boehm\""));
    tc_config def;
    tc_config_default(&def);
    char mh[64];
    snprintf(mh, sizeof mh, "\"tricolor_min_heap_bytes\":%zu", def.min_heap);
    if (!strstr(buf, mh)) fail_msg("--json on gcbench lacks %s", mh);
}

/* A temporary file's contents (at most len - 1 bytes), the file removed. */
static void slurp(const char *path, char *buf, size_t len) {
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot read %s", path);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = 0;
    fclose(f);
    unlink(path);
}

static void temp_path(char *path) {
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

/* --csv's own_us: the collector's own time inside each pause. Tricolor's
 * is there exactly when the pause held work, and no pause's exceeds the
 * pause (the collector's clock and the outside one differ by their
 * reading costs: a microsecond and 2% allowed). A row cut off at the end
 * of the buffer is not read. */
static void check_own_time(const char *buf) {
    int rows = 0, with_work = 0;
    for (const char *line = strchr(buf, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char wl[32], col[32], phase[32], reason[32];
        int rep, tick;
        double start, dur, own;
        unsigned long long work;
        const char *next = strchr(line + 1, '\n');
        if (!next) break;
        /* reason may be empty: read the fields around it apart. */
        if (sscanf(line + 1, "%31[^,],%31[^,],%d,%lf,%lf,%31[^,],%llu,", wl, col, &rep, &start, &dur, phase, &work) !=
            7)
            fail_msg("--csv row: %.80s", line + 1);
        const char *r = line + 1;
        for (int commas = 0; commas < 7; r++)
            if (*r == ',') commas++;
        if (sscanf(r, "%31[^,],%d,%lf", reason, &tick, &own) != 3 && sscanf(r, ",%d,%lf", &tick, &own) != 2)
            fail_msg("--csv row's last fields: %.80s", line + 1);
        if (own > dur * 1.02 + 1.0) fail_msg("own time %.3f us in a pause of %.3f us: %.80s", own, dur, line + 1);
        if (strncmp(col, "tricolor", 8) == 0 && (work > 0) != (own > 0))
            fail_msg("work %llu with own time %.3f us: %.80s", work, own, line + 1);
        rows++;
        with_work += work > 0;
    }
    assert_true(rows > 100);
    assert_true(with_work > 10);
}

/* The new collectors in every output: --json has their keys and modes,
 * the table its notes on GC CPU, --csv-summary a row each with the new
 * columns, and --csv names each pause's reason (a concurrent cycle's
 * handshakes among them). */
static void test_bench_concurrent_and_parallel_report(void **state) {
    (void)state;
    char json[] = "/tmp/tricolor-json-XXXXXX", sum[] = "/tmp/tricolor-sum-XXXXXX", csv[] = "/tmp/tricolor-csv-XXXXXX";
    temp_path(json), temp_path(sum), temp_path(csv);
    static tool_outcome o;
    tool_run(&o, ARGS("bench", "--workload", "gcbench", "--size", "small", "--collector",
                      "tricolor,tricolor-concurrent,boehm,boehm-par", "--hiccup", "0", "--json", json, "--csv-summary",
                      sum, "--csv", csv));
    if (o.status != 0) fail_msg("bench failed (%d): %s", o.status, o.err);
    static char buf[1 << 20];
    slurp(json, buf, sizeof buf);
    static json_keys keys;
    const char *where;
    if (!json_collect_keys(buf, &keys, &where)) fail_msg("--json output does not parse near: %.40s", where);
    static const char *const required[] = {"runs.mode",
                                           "runs.gc_cpu_ms",
                                           "runs.marker_cpu_ms",
                                           "runs.mutator_cpu_ms",
                                           "runs.cpu_ms",
                                           "runs.cpu_per_wall",
                                           "runs.wall_ms",
                                           "runs.marker_threads",
                                           "runs.threads",
                                           "runs.assists",
                                           "runs.handshakes",
                                           "runs.flushes",
                                           NULL};
    for (int i = 0; required[i]; i++)
        if (!json_has_key(&keys, required[i])) fail_msg("--json lacks %s", required[i]);
    static const char *const runs[] = {
        "\"collector\":\"tricolor\",\"barrier\":\"dijkstra\",\"mode\":\"incremental\"",
        "\"collector\":\"tricolor-concurrent\",\"barrier\":\"dijkstra\",\"mode\":\"concurrent\"",
        "\"collector\":\"boehm\",\"barrier\":\"none\",\"mode\":\"stop-the-world\"",
        "\"collector\":\"boehm-par\",\"barrier\":\"none\",\"mode\":\"parallel\"", NULL};
    for (int i = 0; runs[i]; i++)
        if (!strstr(buf, runs[i])) fail_msg("--json lacks a run with %s", runs[i]);
    static const char *const notes[] = {"tricolor-concurrent's GC CPU is its increments' time on the mutator's thread "
                                        "PLUS its marker thread's CPU",
                                        "boehm-par marked with",
                                        "marker threads CPU",
                                        "assists (concurrent)",
                                        "handshakes",
                                        "buffer flushes",
                                        "CPU / wall",
                                        NULL};
    for (int i = 0; notes[i]; i++)
        if (!strstr(o.out, notes[i])) fail_msg("the table lacks '%s':\n%s", notes[i], o.out);

    slurp(sum, buf, sizeof buf);
    if (strncmp(buf, "workload,size,seed,repeat,passes,collector,mode,barrier,checksum,", 65) ||
        !strstr(buf, ",marker_cpu_ms,") || !strstr(buf, ",assists,handshakes,flushes,"))
        fail_msg("--csv-summary header: %.300s", buf);
    int rows = 0;
    for (const char *p = buf; (p = strchr(p, '\n')); p++) rows++;
    assert_int_equal(rows, 5); /* the header and a row a collector */
    assert_non_null(strstr(buf, "\ngcbench,small,1,1,1,boehm-par,parallel,none,"));

    slurp(csv, buf, sizeof buf);
    assert_non_null(strstr(buf, "workload,collector,repeat,start_us,duration_us,phase,work,reason,tick,own_us\n"));
    if (!strstr(buf, "tricolor-concurrent,") || !strstr(buf, ",handshake,"))
        fail_msg("--csv names no handshake of tricolor-concurrent");
    check_own_time(buf);
}

/* Runs a command line through /bin/sh (for xvfb-run); returns its status. */
static int shell(const char *cmd) {
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* --passes N stops the window after N runs of the workload and prints
 * what was measured live, for comparison with `bench --passes N`. */
static void test_view_passes_under_xvfb(void **state) {
    (void)state;
    if (shell("command -v xvfb-run >/dev/null 2>&1") != 0)
        fail_msg("xvfb-run is not installed (Debian package xvfb; make deps installs it)");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "xvfb-run -a -s '-screen 0 640x480x24' %s view --workload binary-trees --size small --no-boehm "
             "--passes 2 >/tmp/tricolor-passes.out 2>/tmp/tricolor-passes.err",
             tool_bin());
    int st = shell(cmd);
    if (st != 0) fail_msg("tricolor view --passes exited %d (see /tmp/tricolor-passes.err)", st);
    FILE *f = fopen("/tmp/tricolor-passes.out", "r");
    assert_non_null(f);
    char line[512] = "";
    if (!fgets(line, sizeof line, f)) line[0] = 0;
    fclose(f);
    assert_non_null(strstr(line, "view: binary-trees"));
    const char *at = strstr(line, "of execution, ");
    assert_non_null(at);
    unsigned long passes = strtoul(at + strlen("of execution, "), NULL, 10);
    assert_true(passes >= 2); /* a frame may finish more than one pass of a small workload */
    assert_non_null(strstr(line, "p99"));
}

static void test_view_without_display(void **state) {
    (void)state;
    static tool_outcome o;
    char *saved_d = getenv("DISPLAY") ? strdup(getenv("DISPLAY")) : NULL;
    char *saved_w = getenv("WAYLAND_DISPLAY") ? strdup(getenv("WAYLAND_DISPLAY")) : NULL;
    unsetenv("DISPLAY");
    unsetenv("WAYLAND_DISPLAY");
    unsetenv("SDL_VIDEODRIVER");
    tool_run(&o, ARGS("view", "--frames", "1"));
    if (saved_d) setenv("DISPLAY", saved_d, 1);
    if (saved_w) setenv("WAYLAND_DISPLAY", saved_w, 1);
    free(saved_d);
    free(saved_w);
    assert_int_equal(o.status, 2);
    assert_non_null(strstr(o.err, "no display"));
    assert_non_null(strstr(o.err, "tricolor bench"));
    assert_non_null(strstr(o.err, "tricolor record"));
}

/* The real window under Xvfb: 60 frames, then a PNG of it. The PNG must
 * have the window's size and show the panels: the graph panel is not one
 * flat colour, the plot legend shows Tricolor's colour, text was drawn. */
static void test_view_window_under_xvfb(void **state) {
    (void)state;
    if (shell("command -v xvfb-run >/dev/null 2>&1") != 0)
        fail_msg("xvfb-run is not installed (Debian package xvfb; make deps installs it)");
    char png[] = "/tmp/tricolor-view-XXXXXX.png";
    int fd = mkstemps(png, 4);
    assert_true(fd >= 0);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "xvfb-run -a -s '-screen 0 1280x720x24' %s view --frames 60 --screenshot %s >/dev/null "
             "2>/tmp/tricolor-view.err",
             tool_bin(), png);
    int st = shell(cmd);
    if (st != 0) fail_msg("tricolor view under Xvfb exited %d (see /tmp/tricolor-view.err)", st);
    SDL_Surface *raw = IMG_Load(png);
    unlink(png);
    if (!raw) fail_msg("screenshot did not load: %s", IMG_GetError());
    SDL_Surface *img = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(raw);
    assert_int_equal(img->w, 1280);
    assert_int_equal(img->h, 720);
    const uint32_t *px = img->pixels;
    size_t stride = (size_t)img->pitch / 4;
    /* Distinct colours in the graph panel (left) and the plots (right). */
    size_t left = 0, right = 0, legend = 0, light = 0;
    uint32_t seen_l[64], seen_r[64];
    size_t nl = 0, nr = 0;
    for (int y = 40; y < 640; y += 3)
        for (int x = 0; x < 1280; x += 3) {
            uint32_t v = px[(size_t)y * stride + (size_t)x] & 0xffffff;
            uint32_t *seen = x < 700 ? seen_l : seen_r;
            size_t *ns = x < 700 ? &nl : &nr;
            bool dup = false;
            for (size_t i = 0; i < *ns; i++) dup |= seen[i] == v;
            if (!dup && *ns < 64) seen[(*ns)++] = v;
            if (v == (pal_tricolor() & 0xffffff)) legend++;
            if (((v >> 16) & 0xff) > 0xd0 && ((v >> 8) & 0xff) > 0xd0 && (v & 0xff) > 0xd0) light++;
        }
    left = nl, right = nr;
    SDL_FreeSurface(img);
    if (left < 4) fail_msg("the graph panel shows only %zu colours: blank?", left);
    if (right < 8) fail_msg("the plot panels show only %zu colours: blank?", right);
    if (!legend) fail_msg("no pixel in Tricolor's plot colour: the plots were not drawn");
    if (!light) fail_msg("no light pixels: no text and no white objects were drawn");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_without_display),
        cmocka_unit_test(test_view_window_under_xvfb),
        cmocka_unit_test(test_view_passes_under_xvfb),
        cmocka_unit_test(test_binary_exists),
        cmocka_unit_test(test_unknown_command),
        cmocka_unit_test(test_bench_bad_values),
        cmocka_unit_test(test_bench_unwritable_output),
        cmocka_unit_test(test_help_and_list),
        cmocka_unit_test(test_bench_json_has_every_field),
        cmocka_unit_test(test_bench_concurrent_and_parallel_report),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
