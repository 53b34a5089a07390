/*
 * record.c — `tricolor record`: the picture of `tricolor view`, rendered
 * without a window into a video file.
 *
 * The scene (scene.h) is drawn by SDL's software renderer onto a surface
 * (no display, no video subsystem), one frame per 1/fps seconds of video:
 * the scene's clock is video time, so notes, captions and the metrics'
 * refresh land on the same frames however fast the machine renders. A
 * script (script.h) changes settings at given times of the video. Each
 * frame goes to an encoder (encode.h): .y4m written here, .mp4/.gif via
 * ffmpeg, or numbered PNGs.
 *
 * Everything that can fail on bad input fails before the first frame:
 * flags, the script, the output's name and writability, odd sizes for
 * 4:2:0 outputs, ffmpeg's presence.
 *
 * With --deterministic the run is repeatable to the byte (scene.h: whole
 * increments per frame, virtual clock, no Boehm).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>

#include "cli.h"
#include "commands.h"
#include "encode.h"
#include "plots.h"
#include "scene_args.h"
#include "script.h"
#include "script_run.h"
#include "text.h"
#include "turns.h"
#include "values.h"

static const char *const C = "record";

static double wall_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: tricolor record [options] -o OUT\n"
            "\n"
            "Renders what 'tricolor view' shows into a video, with no window and no display needed: the\n"
            "software renderer draws each frame at a fixed timestep (1/fps seconds of video), so the video\n"
            "plays at the speed the window would, however long rendering takes.\n"
            "\n"
            "  -o, --output OUT        NAME.mp4 (H.264, yuv420p) or NAME.gif, both made by the ffmpeg program;\n"
            "                          NAME.y4m (uncompressed YUV 4:2:0, BT.709, needs nothing); or a directory\n"
            "                          (one that exists, or a name ending in '/') for frame_000001.png, ...\n"
            "  --seconds S             length of the video (default 10; at most 3600)\n"
            "  --passes N              measure first, as bench does: each collector's N passes (1..1000) run\n"
            "                          in a child process of its own, one after the other, before the video\n"
            "                          is made (bench's timed run, its 1 s --hiccup spin included); the\n"
            "                          plots show those runs as far as the video's own run has got (by\n"
            "                          allocations), and the video ends after N passes (within --seconds if\n"
            "                          given) printing their pauses: compare with 'tricolor bench --passes N'\n"
            "  --fps N                 frames a second (default 60; 1..240; .gif plays best at 25 or 50)\n"
            "  --size WxH              video size (default 1280x720, from 160x120 to 7680x4320; even for .mp4\n"
            "                          and .y4m); text scales with the height. small, default or large here\n"
            "                          mean the workload's size, as in view\n"
            "  --workload-size S       small, default or large (default: small for demo, else default)\n"
            "  --script FILE           timed actions, e.g. '2.0 barrier yuasa' (see below)\n"
            "  --tour                  the guided tour (docs/tour.script, built in): a collection cycle of\n"
            "                          the demo per barrier, the lost object, stop-the-world; the video\n"
            "                          lasts until the tour ends unless --seconds is given\n"
            "  --deterministic         the same bytes on every run: whole increments a frame (with --speed\n"
            "                          X above 1, X increments), and every time plotted comes from the\n"
            "                          collector's work units (%.1f ns a unit, %.1f us an increment) and\n"
            "                          the bytes allocated (%.1f ns a byte), not from the clock. Turns the\n"
            "                          Boehm comparison off (its pauses exist only as clock readings);\n"
            "                          refuses --step-us and --pause-target (both read the clock) and runs\n"
            "                          without the memory thread (--mem-thread off)\n"
            "\n"
            "Script (--script FILE): one action a line, TIME ACTION [ARGS], TIME in seconds of video, times\n"
            "never decreasing; '#' starts a comment. Actions:\n"
            "  KNOB VALUE              any knob below, by its flag's name: 'barrier yuasa', 'trigger 200',\n"
            "                          'heap-limit 64M', 'pause-target off' (a barrier from the next cycle)\n"
            "  speed X                 1/32 .. 32, as --speed\n"
            "  caption \"TEXT\" [S]      text over the graph for S seconds (default 4)\n"
            "  workload NAME           restart on another workload\n"
            "  view graph|heapmap | pause | resume\n"
            "  seek N|-N | replay X | live   time travel (README, \"Going back in time\")\n"
            "  until idle|propagate|sweep|cycle-end | lost-object off|on | wait   the tour's (docs/tour.script)\n"
            "Example:\n"
            "  0.0 caption \"Dijkstra: a black object never points to a white one\" 3\n"
            "  3.0 barrier yuasa\n"
            "  3.0 caption \"Yuasa: snapshot at the beginning\"\n"
            "  6.0 speed 1/4\n"
            "\n"
            "Figures as bench's: the measured work never shares a core with drawing, encoding or the\n"
            "other collector. With --passes the figures are those measured first, before ffmpeg starts\n"
            "(above). Without it, each frame, ffmpeg (our child) is stopped (SIGSTOP, waited for); Tricolor's\n"
            "slice runs alone; then Boehm's child catches up to Tricolor's execution time (in turns of\n"
            "2 ms or more) while this process waits for it to block; then ffmpeg is continued (SIGCONT)\n"
            "and the frame is drawn and encoded.\n",
            DET_NS_PER_UNIT, DET_NS_PER_INCREMENT / 1000, DET_NS_PER_BYTE);
    scene_args_help_placement(f, "drawn and encoded");
    fputs("Drawing, Tricolor's memory thread and ffmpeg use the other CPUs.\n"
          "On exit, error or a fatal signal a stopped ffmpeg is continued first, never left behind.\n"
          "With TRICOLOR_TURNS=FILE set, each span in which Tricolor, Boehm, the drawing or ffmpeg\n"
          "could run is appended to FILE ('WHO T0_NS T1_NS', CLOCK_MONOTONIC). At speed 1 and slower\n"
          "each increment starts cold after a frame, and its pause reads longer than in bench: compare\n"
          "at --speed 32.\n"
          "\n"
          "A progress bar (frames, elapsed, ETA) goes to stderr when it is a terminal.\n"
          "\n",
          f);
    scene_args_help(f);
}

/* "1280x720" -> w, h; false if it is not of that form. */
static bool parse_wxh(const char *v, int *w, int *h) {
    char *end;
    long a = strtol(v, &end, 10);
    if (end == v || (*end != 'x' && *end != 'X')) return false;
    const char *p = end + 1;
    long b = strtol(p, &end, 10);
    if (end == p || *end || a <= 0 || b <= 0 || a > 100000 || b > 100000) return false;
    *w = (int)a;
    *h = (int)b;
    return true;
}

/* Checks the script against the recording's settings; exits 2 on a clash. */
static void check_script(const script *sc, const char *path, bool deterministic, double seconds) {
    size_t late = 0;
    int first_late = 0;
    for (size_t i = 0; i < sc->n; i++) {
        const script_action *a = &sc->v[i];
        const knob *k = a->kind == SCRIPT_KNOB ? a->knob : NULL;
        /* What reads the clock, or runs where the OS schedules it, makes a
         * recording that cannot be repeated. */
        if (deterministic && k && a->value &&
            (k == &knobs[KNOB_PAUSE_TARGET] || k == &knobs[KNOB_STEP_US] || k == &knobs[KNOB_MEM_THREAD] ||
             k == &knobs[KNOB_MODE_ID]))
            cli_fail(C, "%s:%d: %s cannot be used in a --deterministic recording: %s (use it without --deterministic)",
                     path, a->line, k->name,
                     k == &knobs[KNOB_MEM_THREAD] ? "the memory thread's work lands wherever the OS schedules it"
                     : k == &knobs[KNOB_MODE_ID]  ? "the concurrent mode's marker thread marks as the OS schedules it"
                     : k == &knobs[KNOB_STEP_US]  ? "an increment budget in microseconds depends on the machine's speed"
                                                  : "the auto-pacer sizes increments from their measured durations");
        if (a->t >= seconds && !late++) first_late = a->line;
    }
    /* Not an error: a short test recording of a long script is useful. */
    if (late)
        fprintf(stderr,
                "tricolor record: %s:%d: %zu action%s from here on come%s after the recording ends "
                "(--seconds %g) and %s not used\n",
                path, first_late, late, late > 1 ? "s" : "", late > 1 ? "" : "s", seconds, late > 1 ? "are" : "is");
}

/* "[#####.....] 120/600 frames, 4.1 s elapsed, ETA 16.3 s", over itself. */
static void progress(long done, long total, double elapsed) {
    enum { BAR = 30 };
    char bar[BAR + 1];
    long fill = total ? done * BAR / total : BAR;
    for (int i = 0; i < BAR; i++) bar[i] = i < fill ? '#' : '.';
    bar[BAR] = 0;
    double eta = done ? elapsed / (double)done * (double)(total - done) : 0;
    fprintf(stderr, "\r\033[K[%s] %ld/%ld frames, %.1f s elapsed, ETA %.1f s", bar, done, total, elapsed, eta);
    fflush(stderr);
}

/* What the flags ask for, checked before the first frame. */
typedef struct rec_opts {
    int w, h;
    long fps;
    double seconds;
    long passes; /* stop once the workload has run this many times; -1: no */
    bool seconds_given, tour;
    const char *out, *script_path;
    knob_mask given;
    bool dry_run;
    enc_kind kind;
    script sc;
} rec_opts;

/* Reads the flags into s and o; false after --help. Exits 2 on bad input. */
static bool parse(scene *s, rec_opts *o, int argc, char **argv) {
    *o = (rec_opts){.w = 1280, .h = 720, .fps = 60, .seconds = 10, .passes = -1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            usage(stdout);
            return false;
        } else if (!strcmp(a, "--size")) {
            const char *v = cli_value(C, argc, argv, &i);
            if (wl_size_parse(v) >= 0) {
                s->size = wl_size_parse(v);
            } else if (!parse_wxh(v, &o->w, &o->h)) {
                cli_fail(C,
                         "--size: '%s' is neither a video size WxH (e.g. 1280x720) nor a workload size (small, "
                         "default, large)",
                         v);
            }
        } else if (!strcmp(a, "--workload-size")) {
            s->size = cli_wl_size(C, "--workload-size", cli_value(C, argc, argv, &i));
        } else if (scene_arg(s, &o->given, argc, argv, &i)) {
            continue;
        } else if (!strcmp(a, "--dry-run")) {
            o->dry_run = true;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            o->out = cli_value(C, argc, argv, &i);
        } else if (!strcmp(a, "--seconds")) {
            const char *v = cli_value(C, argc, argv, &i);
            if (!value_seconds(v, &o->seconds) || !(o->seconds > 0 && o->seconds <= 3600))
                cli_fail(C, "--seconds: '%s' is not a length in seconds (valid: more than 0, at most 3600)", v);
            o->seconds_given = true;
        } else if (!strcmp(a, "--passes")) {
            o->passes = (long)cli_int(C, a, cli_value(C, argc, argv, &i), 1, 1000);
        } else if (!strcmp(a, "--fps")) {
            o->fps = (long)cli_int(C, a, cli_value(C, argc, argv, &i), 1, 240);
        } else if (script_arg(C, argc, argv, &i, &o->script_path, &o->tour)) {
            continue;
        } else if (!strcmp(a, "--deterministic")) {
            s->deterministic = true;
        } else {
            cli_fail(C, "unknown option '%s'", a);
        }
    }
    if (o->w < 160 || o->h < 120 || o->w > 7680 || o->h > 4320)
        cli_fail(C, "--size: %dx%d is out of range (valid: 160x120 .. 7680x4320)", o->w, o->h);
    scene_args_settle(s, o->given);
    if (o->passes > 0 && !o->seconds_given) o->seconds = 3600; /* the passes end it */
    if (o->passes > 0 && s->deterministic)
        cli_fail(C, "--passes cannot be used with --deterministic (its video length is --seconds; valid: one "
                    "or the other)");
    return true;
}

/* The output's kind and name, its size, the script and ffmpeg: all that
 * can fail on bad input fails here, before anything is drawn. */
static void check_output(const scene *s, rec_opts *o) {
    if (!o->out) cli_fail(C, "no output: give -o OUT (NAME.mp4, NAME.gif, NAME.y4m or a directory for PNGs)");
    char err[1024];
    int w = o->w, h = o->h;
    if (!enc_kind_of(o->out, &o->kind, err, sizeof err)) cli_fail(C, "%s", err);
    if (enc_needs_even(o->kind) && (w % 2 || h % 2))
        cli_fail(C,
                 "--size: %dx%d has an odd %s; %s stores colour at half resolution (yuv420p) and needs an even "
                 "width and height (e.g. %dx%d)",
                 w, h, w % 2 ? (h % 2 ? "width and height" : "width") : "height", o->kind == ENC_MP4 ? ".mp4" : ".y4m",
                 w + w % 2, h + h % 2);
    o->script_path = script_open(C, o->script_path, o->tour, &o->sc);
    if (o->tour && !o->seconds_given) o->seconds = 3600; /* the tour's end ends it */
    if (o->script_path) check_script(&o->sc, o->script_path, s->deterministic, o->seconds);
    char ffmpeg[4096];
    if (enc_needs_ffmpeg(o->kind) && !enc_find_ffmpeg(ffmpeg, sizeof ffmpeg))
        cli_fail(C,
                 "ffmpeg not found on PATH; %s is encoded by the ffmpeg program: install it (apt-get install "
                 "ffmpeg), or write .y4m (-o %.*s.y4m), which needs nothing",
                 o->kind == ENC_MP4 ? ".mp4" : ".gif", (int)(strlen(o->out) - 4), o->out);
    if (!enc_check_output(o->out, o->kind, err, sizeof err)) cli_fail(C, "%s", err);
    if (o->kind == ENC_GIF && (o->fps > 50 || 100 % o->fps))
        fprintf(stderr, "tricolor record: note: GIF frame delays are whole 1/100 s and browsers slow down delays "
                        "under 2/100 s; --fps 25 or 50 plays at the right speed\n");
}

/* Draws every frame of the running scene into enc, applying the script
 * on the way; returns the exit status. */
static int film(scene *s, const rec_opts *o, SDL_Renderer *ren, SDL_Surface *surf, encoder *enc) {
    char err[1024];
    long frames = lround(o->seconds * (double)o->fps);
    if (frames < 1) frames = 1;
    bool show_progress = isatty(2);
    double t0 = wall_s(), last_progress = -1;
    script_player pl;
    script_player_init(&pl, o->sc.n ? &o->sc : NULL, o->script_path, "record", false);
    /* The tour without --seconds ends TOUR_TAIL_S after its last action. */
    bool to_end = o->tour && !o->seconds_given;
    double ended_at = -1;
    int status = 0;
    long written = 0;
    for (long f = 0; f < frames && !status; f++) {
        s->clock_s = (double)f / (double)o->fps;
        script_player_run(&pl, s);
        if (to_end && ended_at < 0 && script_player_done(&pl, s)) ended_at = s->clock_s;
        if (to_end && ended_at >= 0 && s->clock_s >= ended_at + TOUR_TAIL_S) break;
        if (s->quit) { /* a workload restart failed; scene_start said why */
            status = 1;
            break;
        }
        /* The measured slices (scene_frame) run with ffmpeg stopped; it
         * encodes while this thread draws and after. */
        if (!enc_hold(enc, err, sizeof err)) {
            if (show_progress) fprintf(stderr, "\r\033[K");
            fprintf(stderr, "tricolor record: %s: %s\n", o->out, err);
            status = 1;
            break;
        }
        scene_frame(s, 1.0 / (double)o->fps);
        enc_release(enc);
        uint64_t drawn_from = turns_now();
        scene_draw(s, ren, o->w, o->h);
        SDL_RenderPresent(ren); /* flushes the batched drawing into the surface */
        if (!enc_frame(enc, surf, err, sizeof err)) {
            if (show_progress) fprintf(stderr, "\r\033[K");
            fprintf(stderr, "tricolor record: %s: %s\n", o->out, err);
            status = 1;
        }
        turns_log(TURN_RENDER, drawn_from, turns_now());
        written = f + 1;
        if (o->passes > 0 && scene_passes_done(s, o->passes)) break;
        double now = wall_s() - t0;
        if (show_progress && (now - last_progress >= 0.1 || f + 1 == frames)) {
            /* The tour's length is known once it has ended: until then, its nominal length. */
            long total = to_end
                             ? lround(((ended_at >= 0 ? ended_at : pl.offset + o->sc.v[o->sc.n - 1].t) + TOUR_TAIL_S) *
                                      (double)o->fps)
                             : frames;
            progress(f + 1, total > f + 1 ? total : f + 1, now);
            last_progress = now;
        }
    }
    if (show_progress) fprintf(stderr, "\r\033[K");
    if (!enc_close(enc, err, sizeof err)) {
        fprintf(stderr, "tricolor record: %s: %s\n", o->out, err);
        status = 1;
    }
    if (status == 0) {
        double took = wall_s() - t0;
        printf("record: wrote %s: %ld frames of %dx%d at %ld fps (%.2f s of video) in %.1f s (%.1f frames/s)%s\n",
               o->out, written, o->w, o->h, o->fps, (double)written / (double)o->fps, took,
               took > 0 ? (double)written / took : 0, s->deterministic ? ", deterministic" : "");
        scene_summary(s, stdout, o->passes);
    }
    return status;
}

/* The renderer (software, onto a surface: no display, no video
 * subsystem), the fonts, the run and the encoder around film(). */
static int render(scene *s, const rec_opts *o) {
    char err[1024];
    SDL_Init(0);
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, o->w, o->h, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *ren = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
    if (!ren) {
        fprintf(stderr, "tricolor record: cannot make a %dx%d software renderer: %s\n", o->w, o->h, SDL_GetError());
        if (surf) SDL_FreeSurface(surf);
        SDL_Quit();
        return 1;
    }
    /* The window's 13 px font at 720 lines, scaled with the height. */
    int px = (int)lround(13.0 * o->h / 720);
    px = px < 9 ? 9 : px > 48 ? 48 : px;
    s->font = text_open(ren, px, err, sizeof err);
    s->caption_font = s->font ? text_open(ren, px * 8 / 5, err, sizeof err) : NULL;
    int status = 0;
    encoder *enc = NULL;
    if (!s->font || !s->caption_font) {
        fprintf(stderr, "tricolor record: %s\n", err);
        status = 2;
    } else if (s->fps = (double)o->fps, s->measure_passes = o->passes > 0 ? o->passes : 0, !scene_start(s)) {
        status = 1;
    } else if (!(enc = enc_open(o->out, o->kind, o->w, o->h, (int)o->fps, err, sizeof err))) {
        fprintf(stderr, "tricolor record: %s\n", err);
        status = 1;
    } else {
        status = film(s, o, ren, surf, enc); /* closes enc */
    }
    scene_free(s);
    if (!turns_write()) fprintf(stderr, "tricolor record: cannot write TRICOLOR_TURNS's file: %s\n", strerror(errno));
    plot_release();
    if (s->caption_font) text_close(s->caption_font);
    if (s->font) text_close(s->font);
    SDL_DestroyRenderer(ren);
    SDL_FreeSurface(surf);
    SDL_Quit();
    return status;
}

int cmd_record(int argc, char **argv) {
    scene *s = calloc(1, sizeof *s);
    if (!s) {
        fprintf(stderr, "tricolor record: out of memory\n");
        return 1;
    }
    scene_init(s, C);
    rec_opts o;
    int status = 0;
    if (parse(s, &o, argc, argv)) {
        if (o.dry_run) {
            knob_dry_run(C, &s->cfg);
        } else {
            check_output(s, &o);
            status = render(s, &o);
        }
    }
    script_free(&o.sc);
    free(s);
    return status;
}
