/*
 * test_record.c — `tricolor record` as a user meets it: the videos it
 * writes have the frames, size and format asked for (.mp4 checked by
 * ffprobe, .y4m parsed here, PNG frames loaded back), two --deterministic
 * recordings are the same bytes, and every bad input (a script line, an
 * odd size, an unknown or unwritable output, ffmpeg missing, settings
 * that would make a deterministic run depend on the clock) stops it
 * before rendering with exit status 2 and a message that names the
 * problem. Also the auto-pacer's flag on `view`.
 *
 * The turns (docs/design.md, "Turns"): recordings to .mp4, .gif and .y4m
 * and the window (on SDL's dummy driver) run with TRICOLOR_TURNS set, and
 * the spans they log show no measured slice overlapping another, the
 * drawing or ffmpeg. A recording killed while ffmpeg is held stopped
 * leaves no stopped ffmpeg behind.
 *
 * Runs the real binary (TRICOLOR_BIN, default build/tricolor) in a child
 * process, like test_cli.c; recordings are kept tiny (320x180, a few
 * frames) because `make test` runs this file three times (plain, ASan,
 * valgrind), and the child, not this process, does the work each time.
 */
#include "support.h"

#include <SDL.h>
#include <SDL_image.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "palette.h"
#include "turns.h"

static tool_outcome o; /* large: not on the stack */

static void expect_ok(const char *const *args) {
    tool_run(&o, args);
    if (o.status != 0) fail_msg("%s %s exited %d; stderr: %s", args[0], args[1], o.status, o.err);
}

/* A fresh temporary path ending in suffix (the file itself removed). */
static void temp_path(char *buf, size_t len, const char *suffix) {
    snprintf(buf, len, "/tmp/tricolor-rec-XXXXXX%s", suffix);
    int fd = mkstemps(buf, (int)strlen(suffix));
    assert_true(fd >= 0);
    close(fd);
    unlink(buf);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Runs a shell command, returning its first line of output. */
static void shell_line(const char *cmd, char *out, size_t len) {
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    out[0] = 0;
    if (!fgets(out, (int)len, p)) out[0] = 0;
    pclose(p);
    out[strcspn(out, "\n")] = 0;
}

/* ------------------------------------------------------------ the videos */

static void test_help(void **state) {
    (void)state;
    expect_ok(ARGS("record", "--help"));
    static const char *const want[] = {"--deterministic", "--script", "--fps",   "--size WxH", ".y4m", ".mp4", ".gif",
                                       "--pause-target",  "caption",  "barrier", NULL};
    for (int i = 0; want[i]; i++)
        if (!strstr(o.out, want[i])) fail_msg("record --help lacks %s", want[i]);
}

/* What ffprobe reads of an .mp4's video (which it then removes): codec,
 * width, height, pixel format and the frames it counted, as CSV. */
static void probe_mp4(const char *mp4, char *line, size_t len) {
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
             "stream=codec_name,width,height,pix_fmt,nb_read_frames -of csv=p=0 %s",
             mp4);
    shell_line(cmd, line, len);
    unlink(mp4);
}

/* ffprobe counts the frames of the .mp4 and reads its size and format. */
static void test_mp4_has_the_frames_and_size_asked_for(void **state) {
    (void)state;
    char mp4[64], line[256];
    temp_path(mp4, sizeof mp4, ".mp4");
    expect_ok(ARGS("record", "--size", "320x180", "--fps", "20", "--seconds", "0.5", "--no-boehm", "-o", mp4));
    probe_mp4(mp4, line, sizeof line);
    if (strcmp(line, "h264,320,180,yuv420p,10")) fail_msg("ffprobe says '%s', expected h264,320,180,yuv420p,10", line);
    assert_non_null(strstr(o.out, "10 frames of 320x180 at 20 fps"));
}

static void test_gif_has_the_frames_asked_for(void **state) {
    (void)state;
    char gif[64], cmd[256], line[256];
    temp_path(gif, sizeof gif, ".gif");
    expect_ok(ARGS("record", "--size", "160x120", "--fps", "25", "--seconds", "0.12", "--no-boehm", "-o", gif));
    snprintf(
        cmd, sizeof cmd,
        "ffprobe -v error -count_frames -show_entries stream=codec_name,width,height,nb_read_frames -of csv=p=0 %s",
        gif);
    shell_line(cmd, line, sizeof line);
    unlink(gif);
    if (strcmp(line, "gif,160,120,3")) fail_msg("ffprobe says '%s', expected gif,160,120,3", line);
}

/* The luma BT.709 limited range gives an RGB colour, as the header says. */
static int bt709_luma(SDL_Color c) {
    double y = 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
    return (int)(16 + 219 * y / 255 + 0.5);
}

/* Two --deterministic recordings with a script that switches barrier and
 * view are the same bytes; the file is a well-formed 4:2:0 Y4M with the
 * frames asked for, its frames differ (the run advanced) and the window's
 * background has the luma of the palette's background. */
/* Two recordings a and b (both removed) must be the same bytes: returns
 * a's (malloc'd), its length in *n. */
static char *read_same_bytes(const char *a, const char *b, size_t *n, const char *what) {
    size_t na, nb;
    char *da = read_file(a, &na), *db = read_file(b, &nb);
    unlink(a);
    unlink(b);
    assert_int_equal(na, nb);
    if (memcmp(da, db, na) != 0) {
        size_t i = 0;
        while (da[i] == db[i]) i++;
        fail_msg("two %s recordings differ first at byte %zu of %zu", what, i, na);
    }
    free(db);
    *n = na;
    return da;
}

static void test_deterministic_y4m_is_byte_identical(void **state) {
    (void)state;
    char a[64], b[64], script[64];
    temp_path(a, sizeof a, ".y4m");
    temp_path(b, sizeof b, ".y4m");
    temp_path(script, sizeof script, ".script");
    write_file(script, "# switch barrier and view mid-run, go back and replay\n"
                       "0    caption \"deterministic\" 0.3\n"
                       "0.2  barrier yuasa\n"
                       "0.25 seek -2\n"
                       "0.25 replay 1/2\n"
                       "0.4  view heapmap\n");
    /* The same deterministic recording twice, into a and then b. */
    const char *outs[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        const char *const args[] = {
            "record", "--deterministic", "--workload", "gcbench", "--workload-size", "small", "--speed",  "8",
            "--size", "320x180",         "--fps",      "20",      "--seconds",       "0.5",   "--script", script,
            "-o",     outs[i],           NULL};
        expect_ok(args);
    }
    unlink(script);
    size_t na;
    char *da = read_same_bytes(a, b, &na, "--deterministic");
    /* The format: header line, then FRAME + Y + Cb + Cr per frame. */
    const char *hdr = "YUV4MPEG2 W320 H180 F20:1 ";
    assert_memory_equal(da, hdr, strlen(hdr));
    assert_non_null(strstr(da, "C420"));
    const char *nl = memchr(da, '\n', na);
    assert_non_null(nl);
    size_t header = (size_t)(nl - da) + 1, frame = 6 + 320 * 180 * 3 / 2;
    assert_int_equal(na, header + 10 * frame);
    for (int f = 0; f < 10; f++) assert_memory_equal(da + header + (size_t)f * frame, "FRAME\n", 6);
    const unsigned char *first = (const unsigned char *)da + header + 6,
                        *last = (const unsigned char *)da + header + 9 * frame + 6;
    if (!memcmp(first, last, 320 * 180)) fail_msg("the first and last frames are the same picture");
    /* Pixel (1,1) is the window's background. */
    int want = bt709_luma(PAL_BG);
    if (abs(first[320 + 1] - want) > 1) fail_msg("background luma %d, expected %d (BT.709, limited)", first[321], want);
    free(da);
}

/* The guided tour, recorded deterministically twice: the same bytes. It
 * ends by itself (no --seconds): once its last action is done, plus its
 * tail, not at the hour's cap. */
static void test_tour_y4m_is_byte_identical(void **state) {
    (void)state;
    char a[64], b[64];
    temp_path(a, sizeof a, ".y4m");
    temp_path(b, sizeof b, ".y4m");
    const char *outs[2] = {a, b};
    long frames[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        /* 640x360: large enough for the lesson's verdict to be drawn. */
        expect_ok(ARGS("record", "--tour", "--deterministic", "--size", "640x360", "--fps", "2", "-o", outs[i]));
        const char *w = strstr(o.out, "wrote ");
        assert_non_null(w);
        assert_int_equal(sscanf(strchr(w, ':') + 2, "%ld frames", &frames[i]), 1);
    }
    assert_int_equal(frames[0], frames[1]);
    assert_true(frames[0] > 80 * 2 && frames[0] < 300 * 2); /* the tour's 92 s and its holds, not 3600 s */
    size_t na;
    free(read_same_bytes(a, b, &na, "--tour --deterministic"));
}

/* The tour as an .mp4: ffprobe reads H.264 at the size asked for, with
 * every frame the recording says it wrote. */
static void test_tour_mp4_probes(void **state) {
    (void)state;
    char mp4[64], line[256], want[64];
    temp_path(mp4, sizeof mp4, ".mp4");
    expect_ok(ARGS("record", "--tour", "--no-boehm", "--size", "320x180", "--fps", "10", "-o", mp4));
    long frames = 0;
    const char *w = strstr(o.out, "wrote ");
    assert_non_null(w);
    assert_int_equal(sscanf(strchr(w, ':') + 2, "%ld frames", &frames), 1);
    probe_mp4(mp4, line, sizeof line);
    snprintf(want, sizeof want, "h264,320,180,yuv420p,%ld", frames);
    if (strcmp(line, want)) fail_msg("ffprobe says '%s', expected %s", line, want);
}

static void test_png_directory_gets_numbered_frames(void **state) {
    (void)state;
    char dir[64], png[96];
    temp_path(dir, sizeof dir, "");
    strcat(dir, "/");
    expect_ok(ARGS("record", "--size", "320x180", "--fps", "10", "--seconds", "0.3", "--no-boehm", "-o", dir));
    for (int i = 1; i <= 4; i++) {
        snprintf(png, sizeof png, "%sframe_%06d.png", dir, i);
        bool exists = access(png, F_OK) == 0;
        if (i <= 3 && !exists) fail_msg("%s was not written", png);
        if (i == 4 && exists) fail_msg("%s: one frame too many", png);
    }
    snprintf(png, sizeof png, "%sframe_000003.png", dir);
    SDL_Surface *img = IMG_Load(png);
    if (!img) fail_msg("%s does not load: %s", png, IMG_GetError());
    assert_int_equal(img->w, 320);
    assert_int_equal(img->h, 180);
    SDL_FreeSurface(img);
    for (int i = 1; i <= 3; i++) {
        snprintf(png, sizeof png, "%sframe_%06d.png", dir, i);
        unlink(png);
    }
    rmdir(dir);
}

/* ------------------------------------------------------------ bad input */

static void test_script_bad_line_names_its_line(void **state) {
    (void)state;
    char script[64];
    temp_path(script, sizeof script, ".script");
    write_file(script, "# a comment\n0 barrier steele\n\n2.0 barier yuasa\n");
    expect_usage_error(ARGS("record", "--script", script, "-o", "/tmp/never.y4m"),
                       ARGS(":4: unknown action 'barier'", "valid: barrier, step-work", "speed, caption"));
    write_file(script, "0 speed 64\n");
    expect_usage_error(ARGS("record", "--script", script, "-o", "/tmp/never.y4m"),
                       ARGS(":1: speed: '64' is not a speed", "1/32", "32"));
    write_file(script, "1 barrier yuasa\n0.5 barrier steele\n");
    expect_usage_error(ARGS("record", "--script", script, "-o", "/tmp/never.y4m"),
                       ARGS(":2: time 0.5 s is before", "must not decrease"));
    write_file(script, "1 caption \"unterminated\n");
    expect_usage_error(ARGS("record", "--script", script, "-o", "/tmp/never.y4m"), ARGS(":1: unterminated"));
    write_file(script, "1 heap-limit lots\n");
    expect_usage_error(ARGS("record", "--script", script, "-o", "/tmp/never.y4m"),
                       ARGS(":1: heap-limit: 'lots'", "none"));
    unlink(script);
    expect_usage_error(ARGS("record", "--script", "/nonexistent-dir/demo.script", "-o", "/tmp/never.y4m"),
                       ARGS("/nonexistent-dir/demo.script", "cannot read"));
    assert_int_equal(access("/tmp/never.y4m", F_OK), -1); /* nothing was written */
}

static void test_odd_size_rejected(void **state) {
    (void)state;
    expect_usage_error(ARGS("record", "--size", "321x180", "-o", "/tmp/never.mp4"),
                       ARGS("321x180", "odd width", "even", "322x180"));
    expect_usage_error(ARGS("record", "--size", "320x181", "-o", "/tmp/never.y4m"), ARGS("odd height", "320x182"));
    expect_usage_error(ARGS("record", "--size", "640x", "-o", "/tmp/never.y4m"), ARGS("--size", "WxH"));
    expect_usage_error(ARGS("record", "--size", "100x50", "-o", "/tmp/never.y4m"), ARGS("out of range", "160x120"));
}

static void test_bad_output_rejected(void **state) {
    (void)state;
    expect_usage_error(ARGS("record", "-o", "demo.avi"),
                       ARGS("unknown output type '.avi'", ".mp4, .gif, .y4m", "directory"));
    expect_usage_error(ARGS("record", "-o", "demo"), ARGS("no extension", "directory"));
    expect_usage_error(ARGS("record", "-o", "/nonexistent-dir/demo.y4m"),
                       ARGS("cannot write '/nonexistent-dir/demo.y4m'"));
    expect_usage_error(ARGS("record", "-o", "/nonexistent-dir/demo.mp4"), ARGS("cannot write"));
    expect_usage_error(ARGS("record", "-o", "/nonexistent-dir/frames/"), ARGS("cannot create the directory"));
    expect_usage_error(ARGS("record", "--seconds", "1"), ARGS("no output", "-o OUT"));
    expect_usage_error(ARGS("record", "--seconds", "0", "-o", "x.y4m"), ARGS("--seconds", "more than 0"));
    expect_usage_error(ARGS("record", "--fps", "1000", "-o", "x.y4m"), ARGS("--fps", "1..240"));
    expect_usage_error(ARGS("record", "--frobnicate", "-o", "x.y4m"), ARGS("unknown option '--frobnicate'"));
}

/* With a PATH that has no ffmpeg, .mp4 and .gif fail at once and point to
 * .y4m; .y4m itself still works. */
static void test_ffmpeg_missing_suggests_y4m(void **state) {
    (void)state;
    static tool_outcome mp4, gif; /* large: not on the stack */
    char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", "/nonexistent-tricolor-path", 1);
    char y4m[64];
    temp_path(y4m, sizeof y4m, ".y4m");
    tool_run(&o, ARGS("record", "--size", "320x180", "-o", "/tmp/never.mp4"));
    mp4 = o;
    tool_run(&o, ARGS("record", "-o", "/tmp/never.gif"));
    gif = o;
    tool_run(&o, ARGS("record", "--size", "320x180", "--fps", "10", "--seconds", "0.1", "--no-boehm", "-o", y4m));
    if (saved) setenv("PATH", saved, 1);
    free(saved);
    if (mp4.status != 2) fail_msg("exit %d, expected 2: %s", mp4.status, mp4.err);
    assert_non_null(strstr(mp4.err, "ffmpeg not found on PATH"));
    assert_non_null(strstr(mp4.err, "apt-get install ffmpeg"));
    assert_non_null(strstr(mp4.err, "-o /tmp/never.y4m"));
    assert_non_null(strstr(mp4.err, "needs nothing"));
    assert_int_equal(gif.status, 2);
    assert_non_null(strstr(gif.err, "ffmpeg not found"));
    if (o.status != 0) fail_msg(".y4m without ffmpeg exited %d: %s", o.status, o.err);
    assert_int_equal(access(y4m, F_OK), 0);
    unlink(y4m);
}

/* What would make a deterministic recording read the clock is refused. */
static void test_deterministic_refuses_clock_settings(void **state) {
    (void)state;
    /* The memory thread's work lands wherever the OS schedules it: a
     * deterministic recording runs without it, and refuses it if asked. */
    expect_ok(ARGS("record", "--deterministic", "--dry-run", "-o", "/tmp/never.y4m"));
    assert_non_null(strstr(o.out, "mem-thread off"));
    expect_ok(ARGS("record", "--dry-run", "-o", "/tmp/never.y4m"));
    assert_non_null(strstr(o.out, "mem-thread on"));
    expect_usage_error(ARGS("record", "--deterministic", "--mem-thread", "on", "-o", "/tmp/never.y4m"),
                       ARGS("--mem-thread on cannot be combined with --deterministic"));
    expect_usage_error(ARGS("record", "--deterministic", "--pause-target", "200us", "-o", "/tmp/never.y4m"),
                       ARGS("--pause-target cannot be combined with --deterministic"));
    expect_usage_error(ARGS("record", "--deterministic", "--step-us", "50", "-o", "/tmp/never.y4m"),
                       ARGS("--step-us cannot be combined with --deterministic", "--step-work N"));
    char script[64];
    temp_path(script, sizeof script, ".script");
    write_file(script, "0 mem-thread on\n");
    expect_usage_error(ARGS("record", "--deterministic", "--script", script, "-o", "/tmp/never.y4m"),
                       ARGS(":1: mem-thread cannot be used in a --deterministic recording"));
    write_file(script, "0 barrier yuasa\n1 pause-target 200us\n2 pause-target off\n");
    expect_usage_error(ARGS("record", "--deterministic", "--script", script, "-o", "/tmp/never.y4m"),
                       ARGS(":2: pause-target cannot be used in a --deterministic recording"));
    /* The concurrent mode's marker thread marks as the OS schedules it. */
    expect_usage_error(ARGS("record", "--deterministic", "--mode", "concurrent", "-o", "/tmp/never.y4m"),
                       ARGS("--mode concurrent cannot be combined with --deterministic"));
    write_file(script, "0 mode incremental\n1 mode concurrent\n");
    expect_usage_error(ARGS("record", "--deterministic", "--script", script, "-o", "/tmp/never.y4m"),
                       ARGS(":2: mode cannot be used in a --deterministic recording", "marker thread"));
    unlink(script);
}

/* The auto-pacer's flag, on view and record alike. */
static void test_pause_target_flag(void **state) {
    (void)state;
    expect_usage_error(ARGS("view", "--pause-target", "5"), ARGS("--pause-target", "out of range", "10us..1s"));
    expect_usage_error(ARGS("record", "--pause-target", "soon", "-o", "/tmp/never.y4m"),
                       ARGS("--pause-target", "'soon'", "200us"));
    expect_ok(ARGS("view", "--help"));
    assert_non_null(strstr(o.out, "--pause-target T|off"));
    assert_non_null(strstr(o.out, "A auto-pacer"));
}

/* ------------------------------------------------------------ turns */

/* Runs args with TRICOLOR_TURNS set; checks that it succeeded, that each
 * kind of span was logged at least min[kind] times (-1: never), and that
 * no measured span overlaps another span. The counts stay in
 * turn_count. */
static size_t turn_count[TURN_KINDS];
static void expect_isolated(const char *const *args, const int min[TURN_KINDS]) {
    char path[64];
    temp_path(path, sizeof path, ".turns");
    setenv("TRICOLOR_TURNS", path, 1);
    tool_run(&o, args);
    unsetenv("TRICOLOR_TURNS");
    if (o.status != 0) fail_msg("%s exited %d; stderr: %s", args[0], o.status, o.err);
    turn_span *v;
    size_t n, count[TURN_KINDS] = {0};
    char why[256];
    if (!turns_read(path, &v, &n, why, sizeof why)) fail_msg("%s", why);
    unlink(path);
    for (size_t i = 0; i < n; i++) count[v[i].who]++;
    memcpy(turn_count, count, sizeof count);
    for (int k = 0; k < TURN_KINDS; k++)
        if (min[k] < 0 ? count[k] != 0 : count[k] < (size_t)min[k])
            fail_msg("%s %s: %zu %s spans (expected %s%d)", args[0], args[args[1] ? 1 : 0], count[k], turn_names[k],
                     min[k] < 0 ? "" : "at least ", min[k] < 0 ? 0 : min[k]);
    bool ok = turns_isolated(v, n, why, sizeof why);
    free(v);
    if (!ok) fail_msg("%s: %s", args[0], why);
}

/* ffmpeg held while Tricolor and Boehm run, for both of its formats; the
 * .y4m has no encoder to hold. gcbench at speed 32: long slices, and
 * Boehm collecting during them. */
static void test_recording_turns_never_overlap(void **state) {
    (void)state;
    static const char *const kinds[] = {".mp4", ".gif", ".y4m"};
    for (int i = 0; i < 3; i++) {
        char out[64];
        temp_path(out, sizeof out, kinds[i]);
        int min[TURN_KINDS] = {[TURN_TRICOLOR] = 6, [TURN_BOEHM] = 1, [TURN_RENDER] = 6, [TURN_ENCODE] = 6};
        if (i == 2) min[TURN_ENCODE] = -1;
        expect_isolated(ARGS("record", "--workload", "gcbench", "--speed", "32", "--size", "320x180", "--fps", "10",
                             "--seconds", "0.6", "-o", out),
                        min);
        struct stat st;
        assert_int_equal(stat(out, &st), 0);
        assert_true(st.st_size > 0);
        unlink(out);
    }
}

/* The window, on SDL's dummy video driver (no display needed). */
static void test_view_turns_never_overlap(void **state) {
    (void)state;
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    const int min[TURN_KINDS] = {[TURN_TRICOLOR] = 6, [TURN_BOEHM] = 1, [TURN_RENDER] = 6, [TURN_ENCODE] = -1};
    expect_isolated(ARGS("view", "--workload", "gcbench", "--speed", "32", "--heapmap", "--frames", "6"), min);
    unsetenv("SDL_VIDEODRIVER");
    assert_non_null(strstr(o.out, "tricolor") && strstr(o.out, "boehm") ? o.out : NULL);
}

/* --passes measures first (viz/scene_measured.c): each collector's passes
 * run untimed, then timed, each in a child of its own, before the live run
 * and ffmpeg start. Their spans are logged with the live run's and overlap
 * nothing; Boehm's two are its only spans (no feed takes turns then). */
static void test_measured_first_runs_alone(void **state) {
    (void)state;
    char mp4[64];
    temp_path(mp4, sizeof mp4, ".mp4");
    const int min[TURN_KINDS] = {[TURN_TRICOLOR] = 3, [TURN_BOEHM] = 2, [TURN_RENDER] = 2, [TURN_ENCODE] = 2};
    expect_isolated(
        ARGS("record", "--workload", "demo", "--passes", "2", "--size", "320x180", "--fps", "10", "-o", mp4), min);
    unlink(mp4);
    assert_int_equal(turn_count[TURN_BOEHM], 2);
    if (!strstr(o.out, "measured first, as bench measures") || !strstr(o.err, "measuring demo first"))
        fail_msg("record --passes 2 did not say it measured first: %s / %s", o.out, o.err);
}

/* --passes N ends the video once both collectors have run N passes, and
 * the summary covers those N passes, as bench --passes N does. It splits
 * Tricolor's pauses as bench does too (scripts/agree.sh reads them): the
 * longest that held an increment is one of the pauses, so no longer than
 * the max. */
static void test_passes_end_the_recording(void **state) {
    (void)state;
    char y4m[64];
    temp_path(y4m, sizeof y4m, ".y4m");
    expect_ok(ARGS("record", "--workload", "demo", "--speed", "32", "--passes", "2", "--size", "320x180", "--fps", "10",
                   "-o", y4m));
    unlink(y4m);
    if (!strstr(o.out, ", 2 passes; tricolor") || !strstr(o.out, "; boehm "))
        fail_msg("record --passes 2 printed: %s", o.out);
    const char *t = strstr(o.out, "tricolor "), *g = strstr(o.out, "; tricolor env pauses >200us ");
    const char *m = t ? strstr(t, " max ") : NULL;
    double max_us = 0, gc_max_us = -1;
    unsigned env = 0;
    if (!m || !g || sscanf(m, " max %lf us", &max_us) != 1 ||
        sscanf(g, "; tricolor env pauses >200us %u, max pause with GC work %lf us", &env, &gc_max_us) != 2)
        fail_msg("record --passes 2 printed no split of Tricolor's pauses: %s", o.out);
    assert_true(gc_max_us > 0 && gc_max_us <= max_us);
    expect_usage_error(ARGS("record", "--passes", "0", "-o", y4m), ARGS("--passes"));
    expect_usage_error(ARGS("record", "--passes", "2", "--deterministic", "-o", y4m),
                       ARGS("--passes cannot be used with --deterministic"));
}

/* ffmpeg's pid among pid's children, or 0. */
static pid_t ffmpeg_child_of(pid_t pid) {
    DIR *d = opendir("/proc");
    if (!d) return 0;
    pid_t found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        /* "PID (COMM) STATE PPID ..."; COMM may hold spaces: parse after ')' */
        char *close_paren = strrchr(buf, ')');
        int ppid;
        char state;
        if (close_paren && strstr(buf, "(ffmpeg)") && sscanf(close_paren + 2, "%c %d", &state, &ppid) == 2 &&
            ppid == pid)
            found = (pid_t)atoi(buf);
    }
    closedir(d);
    return found;
}

/* The state letter of a process ('T' stopped), or 0 if it is gone. */
static char proc_state(pid_t pid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : 0;
}

/* Killed (SIGTERM to it alone, as a script's `kill` does) while ffmpeg is
 * held stopped, record must continue ffmpeg before it goes: a stopped
 * process whose parent dies stays stopped, since this test's process
 * group is not orphaned. This process becomes the subreaper, so the
 * orphaned ffmpeg is its child, and must exit by itself. To catch ffmpeg
 * held, record is frozen (SIGSTOP) at a moment ffmpeg is seen stopped. */
static void test_killed_recording_leaves_no_stopped_ffmpeg(void **state) {
    (void)state;
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    char mp4[64];
    temp_path(mp4, sizeof mp4, ".mp4");
    pid_t rec = fork();
    assert_true(rec >= 0);
    if (rec == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execl(tool_bin(), tool_bin(), "record", "--workload", "gcbench", "--speed", "32", "--size", "320x180", "--fps",
              "10", "--seconds", "60", "-o", mp4, (char *)NULL);
        _exit(127);
    }
    pid_t ff = 0;
    bool caught = false;
    for (int i = 0; i < 20000 && !caught; i++) {
        if (!ff) ff = ffmpeg_child_of(rec);
        if (ff && proc_state(ff) == 'T') {
            kill(rec, SIGSTOP);
            int st;
            waitpid(rec, &st, WUNTRACED);
            if (proc_state(ff) == 'T')
                caught = true; /* held, and record frozen: it stays held */
            else
                kill(rec, SIGCONT);
        }
        if (!caught) sleep_ms(1);
    }
    if (!caught) {
        kill(rec, SIGKILL);
        if (ff) kill(ff, SIGKILL);
        fail_msg("never saw ffmpeg (pid %d) held", (int)ff);
    }
    kill(rec, SIGTERM);
    kill(rec, SIGCONT);
    int st;
    waitpid(rec, &st, 0);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    /* ffmpeg, now this process's child, sees the end of its input. */
    bool gone = false;
    for (int i = 0; i < 1000 && !gone; i++) {
        gone = waitpid(ff, &st, WNOHANG) == ff;
        if (!gone) sleep_ms(10);
    }
    char last = proc_state(ff);
    if (!gone) {
        kill(ff, SIGKILL);
        waitpid(ff, &st, 0);
    }
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    unlink(mp4);
    if (!gone) fail_msg("ffmpeg (pid %d) was left behind, in state %c", (int)ff, last);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_mp4_has_the_frames_and_size_asked_for),
        cmocka_unit_test(test_gif_has_the_frames_asked_for),
        cmocka_unit_test(test_deterministic_y4m_is_byte_identical),
        cmocka_unit_test(test_tour_y4m_is_byte_identical),
        cmocka_unit_test(test_tour_mp4_probes),
        cmocka_unit_test(test_png_directory_gets_numbered_frames),
        cmocka_unit_test(test_script_bad_line_names_its_line),
        cmocka_unit_test(test_odd_size_rejected),
        cmocka_unit_test(test_bad_output_rejected),
        cmocka_unit_test(test_ffmpeg_missing_suggests_y4m),
        cmocka_unit_test(test_deterministic_refuses_clock_settings),
        cmocka_unit_test(test_pause_target_flag),
        cmocka_unit_test(test_recording_turns_never_overlap),
        cmocka_unit_test(test_view_turns_never_overlap),
        cmocka_unit_test(test_passes_end_the_recording),
        cmocka_unit_test(test_measured_first_runs_alone),
        cmocka_unit_test(test_killed_recording_leaves_no_stopped_ffmpeg),
    };
    return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}
