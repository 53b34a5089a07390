/*
 * view.c — `tricolor view`: the window where the collector visibly works.
 *
 * The picture and the run behind it are the scene (scene.h, scene.c,
 * scene_draw.c), shared with `tricolor record`; this file is the window
 * around it: opening it (or saying why there is no display), the frame
 * loop at 60 frames a second, keys and mouse, screenshots, and the flags only
 * the window has.
 *
 * The scene's clock here is the wall clock: notes fade after four real
 * seconds and the percentiles are recomputed four times a real second,
 * whatever the speed; the fps in the status line is measured.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <SDL.h>
#include <SDL_image.h>

#include "cli.h"
#include "commands.h"
#include "cpu_place.h"
#include "plots.h"
#include "scene_args.h"
#include "script_run.h"
#include "text.h"
#include "turns.h"

typedef struct app {
    SDL_Window *win;
    SDL_Renderer *ren;
    int w, h;
    bool fullscreen, quit;
    bool software; /* SDL's software renderer */
    int dragging;  /* slider index + 1 while dragging */
    scene sc;
    script sc_script; /* --script or --tour */
    script_player player;
} app;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool save_png(app *a, const char *path) {
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, a->w, a->h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s) return false;
    bool ok = SDL_RenderReadPixels(a->ren, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) == 0 &&
              IMG_SavePNG(s, path) == 0;
    SDL_FreeSurface(s);
    return ok;
}

/* Returns once the frame is drawn, so that the next measured slice does
 * not run beside this frame's drawing.
 *
 * The window draws with SDL's software renderer. Its present on X11 puts
 * the image and waits (XSync) until the X server has copied it: the
 * server is drawing too, and it runs on any CPU. With Mesa's llvmpipe GL
 * renderer (the accelerated one under Xvfb) the swap returned before the
 * server had copied the 1280x720 image, and that copy ran beside the
 * next slice on the measured CPU: gcbench in the window had 4-34 pauses
 * a run over 150 us holding no collector work, and Boehm's feed logged
 * 3.6-11x bench's count of pauses over 1 us (docs/design.md section 8).
 *
 * Only when the software renderer cannot be had does the window take an
 * accelerated one; a pixel read back then waits at least for the GPU
 * (or llvmpipe's threads). */
static void finish_drawing(app *a) {
    if (a->software) return;
    uint32_t px;
    SDL_Rect one = {0, 0, 1, 1};
    SDL_RenderReadPixels(a->ren, &one, SDL_PIXELFORMAT_ARGB8888, &px, 4);
}

/* The software renderer has no vsync: the loop keeps 60 frames a second
 * itself, so that a slice a frame runs at the speed the window says. */
static void pace_frame(const app *a, uint64_t frame_start_ns) {
    if (!a->software) return; /* paced by vsync */
    uint64_t period = 1000000000ull / 60, spent = now_ns() - frame_start_ns;
    if (spent < period) SDL_Delay((Uint32)((period - spent) / 1000000));
}

/* ------------------------------------------------------------ input */

static void handle_key(app *a, SDL_Keycode k) {
    scene *s = &a->sc;
    switch (k) {
    case SDLK_SPACE:
        if (a->player.waiting)
            script_player_continue(&a->player, s);
        else if (!script_player_done(&a->player, s)) /* between two steps: the script runs the scene */
            scene_note(s, "the script is running: space goes on at its next step");
        else if (s->at >= 0)
            scene_replay(s);
        else
            s->paused = !s->paused;
        break;
    case SDLK_n:
    case SDLK_RIGHT:
        if (s->at >= 0)
            scene_step_forward(s);
        else
            s->step_requests++, s->paused = true;
        break;
    case SDLK_LEFT: scene_step_back(s); break;
    case SDLK_END: scene_live(s, false); break;
    case SDLK_HOME: scene_seek(s, 0); break;
    case SDLK_PLUS:
    case SDLK_EQUALS:
    case SDLK_KP_PLUS: scene_set_speed(s, s->speed_idx + 1); break;
    case SDLK_MINUS:
    case SDLK_KP_MINUS: scene_set_speed(s, s->speed_idx - 1); break;
    case SDLK_b: scene_next_barrier(s); break;
    case SDLK_m: scene_set_mode(s, !s->cfg.concurrent); break;
    case SDLK_a: scene_toggle_pause_target(s); break;
    case SDLK_r: scene_restart(s); break;
    case SDLK_g: scene_set_view(s, !s->show_heapmap); break;
    case SDLK_z: scene_reset_zoom(s); break;
    case SDLK_c: graph_close_all(&s->g); break;
    case SDLK_h: s->help = !s->help; break;
    case SDLK_f:
        a->fullscreen = !a->fullscreen;
        SDL_SetWindowFullscreen(a->win, a->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
        break;
    case SDLK_s: {
        char path[64];
        time_t t = time(NULL);
        strftime(path, sizeof path, "tricolor-%Y%m%d-%H%M%S.png", localtime(&t));
        char m[128];
        snprintf(m, sizeof m, save_png(a, path) ? "saved %s" : "could not save %s", path);
        scene_note(s, m);
        break;
    }
    case SDLK_q:
    case SDLK_ESCAPE: a->quit = true; break;
    default:
        if (k >= SDLK_1 && k <= SDLK_9 && (size_t)(k - SDLK_1) < wl_count) scene_set_workload(s, &wl_table[k - SDLK_1]);
    }
    if (s->quit) a->quit = true; /* a restart failed */
}

static void handle_mouse(app *a, const SDL_Event *e) {
    scene *s = &a->sc;
    if (e->type == SDL_MOUSEMOTION) {
        s->mouse_x = e->motion.x;
        s->mouse_y = e->motion.y;
    }
    if (!a->dragging && scene_pointer(s, e)) return; /* timeline zoom, heap map zoom and pan */
    int mx = s->mouse_x, my = s->mouse_y;
    if (e->type == SDL_MOUSEBUTTONDOWN) {
        mx = e->button.x, my = e->button.y;
        for (int i = 0; i < 3; i++) {
            SDL_Rect t = s->sliders[i].track;
            if (mx >= t.x - 6 && mx <= t.x + t.w + 6 && my >= t.y - 12 && my <= t.y + t.h + 12) a->dragging = i + 1;
        }
        if (!a->dragging) scene_click(s, mx, my);
    }
    if (a->dragging && (e->type == SDL_MOUSEMOTION || e->type == SDL_MOUSEBUTTONDOWN)) {
        scene_slider *sl = &s->sliders[a->dragging - 1];
        sl->value = scene_slider_value_at(sl, (double)(mx - sl->track.x) / (sl->track.w ? sl->track.w : 1));
    }
    if (e->type == SDL_MOUSEBUTTONUP && a->dragging) {
        scene_apply_slider(s, a->dragging - 1);
        a->dragging = 0;
    }
}

/* ------------------------------------------------------------ the command */

static void usage(FILE *f) {
    fprintf(f, "usage: tricolor view [options]\n"
               "\n"
               "Opens a window where Tricolor's collector runs a workload: the object graph (or heap map)\n"
               "coloured white/grey/black as marking proceeds, and pause times, MMU, GC share and heap size\n"
               "plotted live against the Boehm GC running the same workload in a child process.\n"
               "\n"
               "  --size S                small, default or large (default: small for demo, else default)\n"
               "  --frames N              render N frames, then exit (with --screenshot: save the last one)\n"
               "  --screenshot FILE       PNG of the window after --frames frames\n"
               "  --passes N              measure first, as bench does: each collector's N passes run in a\n"
               "                          child process of its own, one after the other, before the window\n"
               "                          runs (bench's timed run, its 1 s --hiccup spin included); the plots\n"
               "                          then show those runs as far as the window's own run has got (by\n"
               "                          allocations), settings stay fixed, and the window exits after N\n"
               "                          passes printing their pauses: compare with 'tricolor bench --passes N'\n"
               "  --tour                  the guided tour (docs/tour.script, built in): a collection cycle of the\n"
               "                          demo per barrier, the store that loses an object, stop-the-world;\n"
               "                          space goes to the next step\n"
               "  --script FILE           a script, as record's (see 'tricolor record --help'); 'wait' lines hold\n"
               "                          until space\n"
               "\n"
               "Keys: space pause, N/-> step, +/- speed, 1-9 workload, B barrier, M mode (incremental or\n"
               "concurrent), A auto-pacer (pause target on/off), R reset, S screenshot, G graph/heap map, Z reset\n"
               "zoom, C close opened boxes, F fullscreen, H help, Q/Esc quit.\n"
               "Time travel: <- one increment back into the history of what was shown, -> forward, space\n"
               "replays from there up to now (then the live run goes on), End back to now, Home the oldest\n"
               "moment kept; the run is parked meanwhile (--history MB bounds what is kept).\n"
               "Mouse: click an object of the graph or the heap map to inspect it (its slots, colour, page\n"
               "and cell; click a slot to follow it); click a summary box to open it; drag a slider to set it;\n"
               "drag across the pause timeline to zoom the time panels, click a pause bar to see the heap\n"
               "right after it, drag the history bar under the plots to go back in time; on the heap map the\n"
               "wheel zooms, a drag pans and hovering names the page, size class, cell, object and colour.\n"
               "To make a video of it without a display: 'tricolor record'.\n"
               "\n"
               "Figures as bench's: the measured work never shares a core with drawing or the other\n"
               "collector. With --passes the figures are those measured first (above). Without it they\n"
               "are the window's own run's: each frame Tricolor's slice runs alone (this thread waits);\n"
               "then Boehm's child catches up to Tricolor's execution time (in turns of 2 ms or more,\n"
               "shorter in its first 2 ms) while this process waits for it to block again; only then is\n"
               "the frame drawn, and the next slice starts once the drawing is finished (SDL's software\n"
               "renderer, whose present waits until the X server has the image).\n");
    scene_args_help_placement(f, "drawn");
    fprintf(f, "The window, Tricolor's memory thread and the concurrent mode's marker thread use the other\n"
               "CPUs; the marker marks beside the workload and is parked with it (the GC share panel counts\n"
               "its CPU while the workload ran). With TRICOLOR_TURNS=FILE set, each span in which Tricolor,\n"
               "Boehm or the drawing ran is appended to FILE ('WHO T0_NS T1_NS', CLOCK_MONOTONIC). Without\n"
               "a display, the window can run on SDL's dummy driver:\n"
               "SDL_VIDEODRIVER=dummy tricolor view --passes 4. At speed 1 and slower each increment\n"
               "starts cold after a frame, and its pause reads longer than in bench: compare at --speed 32.\n"
               "While the run plays, at any speed, the parked workload spins on the measured CPU between\n"
               "its turns rather than let that vCPU idle (a late wake would land in its next pause), so the\n"
               "window keeps that CPU busy; paused (space) it sleeps.\n"
               "\n");
    scene_args_help(f);
}

static int no_display(const char *why) {
    fprintf(stderr,
            "tricolor view: no display: %s.\n"
            "For the comparison in the terminal run 'tricolor bench'; to make a video without a display,\n"
            "'tricolor record' (or run the window under Xvfb: xvfb-run -a tricolor view).\n",
            why);
    return 2;
}

/* Fails (status 2) unless path can be written, before any frame is drawn. */
static void check_writable(const char *C, const char *flag, const char *path) {
    FILE *f = fopen(path, "ab");
    if (!f) cli_fail(C, "%s: cannot write '%s'", flag, path);
    fclose(f);
}

/* What view's own flags ask for. */
typedef struct view_opts {
    long frames, passes;
    const char *shot, *script_path;
    bool dry_run, tour;
} view_opts;

/* Reads the flags into s and o; false after --help. Exits 2 on bad input. */
static bool parse(scene *s, view_opts *o, int argc, char **argv) {
    const char *C = "view";
    knob_mask given = 0;
    *o = (view_opts){.frames = -1, .passes = -1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            usage(stdout);
            return false;
        } else if (scene_arg(s, &given, argc, argv, &i)) {
            continue;
        } else if (!strcmp(a, "--dry-run")) {
            o->dry_run = true;
        } else if (!strcmp(a, "--frames")) {
            o->frames = (long)cli_int(C, a, cli_value(C, argc, argv, &i), 1, 1000000);
        } else if (!strcmp(a, "--screenshot")) {
            o->shot = cli_value(C, argc, argv, &i);
        } else if (!strcmp(a, "--passes")) {
            o->passes = (long)cli_int(C, a, cli_value(C, argc, argv, &i), 1, 1000);
        } else if (script_arg(C, argc, argv, &i, &o->script_path, &o->tour)) {
            continue;
        } else {
            cli_fail(C, "unknown option '%s'", a);
        }
    }
    scene_args_settle(s, given);
    if (o->shot && o->frames < 0) o->frames = 60;
    if (o->shot) check_writable(C, "--screenshot", o->shot); /* fail now, not after the frames */
    return true;
}

/* The frame loop, at 60 frames a second, until Q, --frames or --passes; returns
 * the exit status. */
static int frame_loop(app *a, long frames, long passes, const char *shot) {
    scene *s = &a->sc;
    uint64_t last_ns = now_ns();
    long frame = 0;
    int status = 0;
    while (!a->quit) {
        uint64_t frame_start = now_ns();
        s->clock_s = (double)frame_start / 1e9;
        SDL_Event e;
        while (SDL_PollEvent(&e)) {
            if (e.type == SDL_QUIT)
                a->quit = true;
            else if (e.type == SDL_KEYDOWN)
                handle_key(a, e.key.keysym.sym);
            else if (e.type == SDL_MOUSEMOTION || e.type == SDL_MOUSEBUTTONDOWN || e.type == SDL_MOUSEBUTTONUP ||
                     e.type == SDL_MOUSEWHEEL)
                handle_mouse(a, &e);
        }
        if (a->quit) break;
        SDL_GetRendererOutputSize(a->ren, &a->w, &a->h);
        script_player_run(&a->player, s);
        if (s->quit) { /* a scripted workload restart failed; scene_start said why */
            status = 1;
            break;
        }
        scene_frame(s, 1.0 / 60);
        uint64_t drawn_from = turns_now();
        scene_draw(s, a->ren, a->w, a->h);
        frame++;
        if (frames > 0 && frame >= frames) {
            if (shot && !save_png(a, shot)) {
                fprintf(stderr, "tricolor view: could not save '%s': %s\n", shot, SDL_GetError());
                status = 1;
            }
            a->quit = true;
        }
        if (passes > 0 && scene_passes_done(s, passes)) a->quit = true;
        SDL_RenderPresent(a->ren);
        finish_drawing(a);
        turns_log(TURN_RENDER, drawn_from, turns_now());
        pace_frame(a, frame_start);
        uint64_t t1 = now_ns();
        double dt = (double)(t1 - last_ns) / 1e9;
        last_ns = t1;
        if (dt > 0) s->fps = 0.9 * s->fps + 0.1 / dt;
    }
    return status;
}

int cmd_view(int argc, char **argv) {
    app *a = calloc(1, sizeof *a);
    if (!a) {
        fprintf(stderr, "tricolor view: out of memory\n");
        return 1;
    }
    scene *s = &a->sc;
    scene_init(s, "view");
    view_opts vo;
    if (!parse(s, &vo, argc, argv)) {
        free(a);
        return 0;
    }
    if (vo.dry_run) {
        knob_dry_run("view", &s->cfg);
        free(a);
        return 0;
    }
    long frames = vo.frames, passes = vo.passes;
    const char *shot = vo.shot;
    /* The script is read and checked before a window opens. */
    const char *name = script_open("view", vo.script_path, vo.tour, &a->sc_script);
    script_player_init(&a->player, a->sc_script.n ? &a->sc_script : NULL, name, "view", true);

    const char *disp = getenv("DISPLAY"), *way = getenv("WAYLAND_DISPLAY"), *drv = getenv("SDL_VIDEODRIVER");
    if ((!disp || !*disp) && (!way || !*way) && !drv) {
        script_free(&a->sc_script);
        free(a);
        return no_display("neither DISPLAY nor WAYLAND_DISPLAY is set");
    }
    /* Before SDL starts any thread, so that every thread a library starts
     * inherits the viewer's CPUs (cpu_place.h). Pinned only later, Mesa's
     * llvmpipe rasterizer threads were allowed on the measured CPU;
     * tests/x_window.c checks that no thread but the workload's is. */
    place_as_viewer();
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        char why[256];
        snprintf(why, sizeof why, "SDL could not start video (%s)", SDL_GetError());
        script_free(&a->sc_script);
        free(a);
        return no_display(why);
    }
    a->w = 1280;
    a->h = 720;
    a->win = SDL_CreateWindow("tricolor view", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, a->w, a->h,
                              SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!a->win) {
        char why[256];
        snprintf(why, sizeof why, "SDL could not open a window (%s)", SDL_GetError());
        SDL_Quit();
        script_free(&a->sc_script);
        free(a);
        return no_display(why);
    }
    /* See finish_drawing. Without the hint SDL shows a software window's
     * image through a GL texture, which puts llvmpipe's swap back. */
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_SOFTWARE);
    if (!a->ren) a->ren = SDL_CreateRenderer(a->win, -1, SDL_RENDERER_PRESENTVSYNC);
    SDL_RendererInfo info;
    a->software = a->ren && SDL_GetRendererInfo(a->ren, &info) == 0 && (info.flags & SDL_RENDERER_SOFTWARE);
    char err[512];
    s->font = a->ren ? text_open(a->ren, 13, err, sizeof err) : NULL;
    /* Captions (a script's, the tour's) in a larger size, as record's. */
    s->caption_font = s->font ? text_open(a->ren, 20, err, sizeof err) : NULL;
    if (!s->font) {
        fprintf(stderr, "tricolor view: %s\n", a->ren ? err : SDL_GetError());
        SDL_Quit();
        script_free(&a->sc_script);
        free(a);
        return 2;
    }
    s->clock_s = (double)now_ns() / 1e9;
    s->measure_passes = passes > 0 ? passes : 0; /* measured first (scene.h) */
    if (!scene_start(s)) {
        scene_free(s);
        text_close(s->font);
        SDL_Quit();
        script_free(&a->sc_script);
        free(a);
        return 1;
    }
    int status = frame_loop(a, frames, passes, shot);
    /* What was measured live, to compare with `tricolor bench` at the same
     * settings (printed when the run was bounded by --frames or --passes). */
    if (frames > 0 || passes > 0) scene_summary(s, stdout, passes);
    scene_free(s);
    if (!turns_write()) fprintf(stderr, "tricolor view: cannot write TRICOLOR_TURNS's file: %s\n", strerror(errno));
    plot_release();
    if (s->caption_font) text_close(s->caption_font);
    text_close(s->font);
    script_free(&a->sc_script);
    SDL_DestroyRenderer(a->ren);
    SDL_DestroyWindow(a->win);
    SDL_Quit();
    free(a);
    return status;
}
