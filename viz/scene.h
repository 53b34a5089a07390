/*
 * scene.h — what `tricolor view` shows and `tricolor record` films: a
 * workload running on Tricolor (and Boehm alongside), advanced a frame at
 * a time, and the picture of it: the object graph or heap map, the plots,
 * the sliders, the status line, notes and captions.
 *
 * The scene knows nothing of windows, input or files. Its drivers are
 * view.c (a window, vsync, keys and mouse) and record.c (a surface, a
 * fixed timestep, a script, an encoder). Each frame the driver sets
 * clock_s, calls scene_frame, then scene_draw on a renderer of its own.
 *
 * Clocks. Everything in the picture that depends on time reads one of two
 * clocks, never the wall clock directly:
 *   - clock_s, the driver's clock: wall time in view, video time
 *     (frame / fps) in record. Notes and captions expire by it, and the
 *     percentiles and MMU are recomputed every 0.25 s of it.
 *   - the run's clock, the x axis of the plots: the workload's measured
 *     execution time; or, when `deterministic`, a virtual clock computed
 *     from the collector's own work units and the bytes allocated
 *     (DET_* below), so that two recordings are byte-identical.
 * A deterministic scene also runs whole increments per frame (never a
 * slice of measured time) and has no Boehm comparison, whose pauses can
 * only come from a clock.
 */
#ifndef TRICOLOR_SCENE_H
#define TRICOLOR_SCENE_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "feed.h"
#include "graph.h"
#include "heapmap.h"
#include "history.h"
#include "inspector.h"
#include "live.h"
#include "registry.h"
#include "runner.h"
#include "series.h"
#include "text.h"
#include "tricolor.h"

/* The virtual clock of a deterministic scene. An increment of W work
 * units lasts W * DET_NS_PER_UNIT + DET_NS_PER_INCREMENT; the mutator
 * takes DET_NS_PER_BYTE per byte it allocates. A model, stated on screen,
 * not a measurement: measured here (untimed runs, one pass each), a work
 * unit costs 1.6 ns (binary-trees) to 7 ns (lru), 2.1 ns in GCBench, and
 * the mutator spends 0.26 ns (GCBench) to 31 ns (mutate) per byte it
 * allocates, 4 ns in demo; no one constant fits every workload, so these
 * are round values in the middle, and the figures say what the collector
 * did, not how fast this machine was. */
#define DET_NS_PER_UNIT      2.5
#define DET_NS_PER_INCREMENT 200.0
#define DET_NS_PER_BYTE      1.0

/* The speeds of the +/- keys and --speed: below 1 slow motion (each
 * increment replayed over 2/speed frames), 1 an increment a frame, above 1
 * faster (view: speed * 0.25 ms of execution a frame; deterministic:
 * speed increments a frame). */
extern const double scene_speeds[];
extern const int scene_nspeeds;
#define SCENE_SPEED_ONE 5 /* index of 1 in scene_speeds */

/* The value the pause-target toggle turns on when no flag gave one. */
#define SCENE_PAUSE_TARGET_DEFAULT 200

typedef struct scene_slider {
    const char *label;
    SDL_Rect track; /* where it was last drawn (for the mouse) */
    double lo, hi;  /* log scale between lo and hi */
    double value;
    bool zero_is_none; /* leftmost = "none" (heap limit) */
} scene_slider;

/* The objects of the lost-object lesson (scene_lesson.c): W, held by
 * grey G's slot, is stored into black B's empty slot, and G's pointer to
 * it erased. */
typedef struct scene_lost {
    void *b, *g, *w;
    uint32_t bslot, gslot;
} scene_lost;

typedef struct scene {
    const char *cmd; /* "view" or "record", for messages */
    /* what runs */
    const wl_info *wl;
    int size; /* wl_size; -1 until scene_settle */
    uint64_t seed;
    tc_config cfg; /* as last applied to the heap */
    int speed_idx; /* into scene_speeds; -1 until scene_settle */
    bool boehm_on;
    bool deterministic;
    uint32_t pause_target_on; /* what the toggle turns on (µs) */
    live *lv;
    feed fd;
    /* A --passes run measured first (scene_measured.c): measure_passes
     * is N (0: the plots show the live run, as without --passes); once
     * measured, mtri and mboe (Boehm, if on) are the timed runs, revealed into
     * the series up to the live run's place in the program (m*_seen:
     * pauses, m*_hseen: heap samples taken so far). */
    long measure_passes;
    uint64_t measure_hiccup_ns; /* the spin before each measured run (SCENE_MEASURE_HICCUP_NS) */
    bool measured;
    run_result mtri, mboe;         /* the timed runs */
    run_result mtri_thr, mboe_thr; /* the untimed runs before them (throughput) */
    size_t mtri_seen, mtri_hseen, mboe_seen, mboe_hseen;
    /* views */
    graph g;
    inspector insp; /* the object clicked in the graph */
    heapmap hm;
    bool show_heapmap, paused, help, quit;
    bool observing; /* the event ring is attached */
    int step_requests;
    /* slow-motion replay of one increment's events */
    tc_event *replay;
    size_t nreplay, replay_pos, replay_cap;
    int replay_frames_left;
    tc_event evbuf[8192];
    /* plots */
    series tri, boe;
    size_t tri_seen; /* pauses taken from live.c's log, or the collector's */
    /* The concurrent marker thread's CPU (tc_stats.marker_cpu_ns), split
     * by what the workload was doing meanwhile: running (credited to the
     * run: the GC share panel's dashed line) or parked while the window
     * drew (the marker is not held then: see scene.c, run_slice). */
    uint64_t marker_seen_ns, marker_run_ns, marker_parked_ns;
    /* Increments run one a frame (speed 1 or slower, or a step). Each
     * starts right after the mutator resumes from a frame: cold caches,
     * and on a VM a vCPU that was idle for the frame. A pause that takes
     * under a microsecond at full speed takes a few here, so while any
     * have run the pause figures read higher than bench's, and the window
     * and the summary say so (docs/design.md §8). */
    uint64_t stepped_incr;
    uint64_t det_bytes, det_work, det_incr; /* the virtual clock's inputs so far */
    double last_metrics_s;
    scene_slider sliders[3];
    /* the driver's side */
    text *font, *caption_font; /* caption_font may be NULL: font is used */
    double clock_s;
    double fps;           /* shown in the status line */
    int mouse_x, mouse_y; /* -1: no pointer (no hover tip) */
    /* Time zoom: a range dragged on the timeline shows in every time
     * panel until Z resets it (zoomed false: the default window). */
    bool zoomed;
    double zoom_from, zoom_to;
    int zoom_drag_x;               /* column where a drag on the timeline began; -1 if none */
    int map_drag_x, map_drag_y;    /* last pointer of a drag panning the heap map; -1 if none */
    int map_down_x, map_down_y;    /* where that drag began: released there, it is a click */
    SDL_Rect timeline_at, main_at; /* where they were last drawn, for the mouse */
    double shown_from, shown_to;   /* the time range last drawn */
    char note[200];
    double note_until;
    char caption[256];
    double caption_from, caption_until;
    /* Time travel (scene_travel.c): the frames shown, kept in `hist`; at
     * >= 0 shows history frame `at` instead of the live run, which stays
     * paused until the view returns to it. */
    history hist;
    size_t history_mb; /* the history's bound (0: off); the flag --history */
    long at;           /* the history frame shown, -1: the live run */
    bool playing;      /* replaying the history towards now */
    double play_owed;  /* frames the replay speed has owed but not shown */
    int speed_after;   /* the live run's speed, if a replay was given its own (-1: none) */
    long map_at;       /* the history frame in the heap map (-1: none) */
    long insp_at;      /* the frame and selection the inspector's moment is of */
    void *insp_obj;
    double shown_s; /* driver seconds of frames taken (the history's age) */
    uint8_t *snap;  /* a frame as saved, before history_add codes it */
    size_t snap_len, snap_cap;
    SDL_Rect scrub_at; /* the scrubber, where last drawn */
    bool scrub_drag;   /* the scrubber's handle is being dragged */
    /* The guided tour's lessons (scene_lesson.c). */
    int until_phase; /* run until the collector is in this tc_phase, then pause (-1: none; */
                     /* SCENE_CYCLE_END: until a cycle ends, counted from until_cycles) */
    uint64_t until_cycles;
    int lesson_tries; /* increments run looking for the lesson's objects */
    bool graph_live;  /* the graph's order is the last live sync's (not a past frame's, not stale) */
    int lesson;       /* the lost-object lesson to make: 0 without the barrier, 1 with (-1: none) */
    bool broken;      /* `lost` was made without the barrier: repaired before anything runs */
    bool lesson_hold; /* a lesson was just made: its arrows and flashes stay until the run moves */
    scene_lost lost;
    char lesson_msg[384]; /* what the last lesson did and the verifier's word on it */
    char prompt[96];      /* a script waiting for the user: what to press (view) */
    /* settings the command line gave, which scene_defaults keeps */
    bool step_given, min_heap_given;
} scene;

/* Defaults (demo workload, Boehm on); cmd names the command in messages.
 * The driver then sets what its flags say (app/scene_args.c reads them)
 * and calls scene_defaults, checks cfg, and calls scene_settle. */
void scene_init(scene *s, const char *cmd);
/* Fills in what depends on the workload and was not given: size, speed,
 * step budget and minimum heap (the demo's are small). */
void scene_defaults(scene *s);
/* Derives the rest from the final settings: a deterministic scene has no
 * Boehm and no memory thread; the sliders show cfg. */
void scene_settle(scene *s);

/* Starts the workload (and Boehm); false with a message on stderr. */
bool scene_start(scene *s);
/* Stops the runs and frees everything (the heap map's texture too: call
 * before destroying the renderer). */
void scene_free(scene *s);

/* One frame: run the workload a frame's worth, take its pauses, events and
 * heap size, advance the graph by dt seconds of animation. */
void scene_frame(scene *s, double dt);
/* Draws everything into the w x h output of r. */
void scene_draw(scene *s, SDL_Renderer *r, int w, int h);
/* Prints the figures measured so far, one line (for runs bounded by
 * --frames or --seconds, to compare with `tricolor bench`). With passes
 * > 0, each collector's figures cover its first `passes` passes, as
 * `tricolor bench --passes` measures them. */
void scene_summary(scene *s, FILE *f, long passes);
/* A --passes run measured first (scene_measured.c). The figures of view
 * and record, run in turns with the drawing, read slower increments than
 * bench's on a host that evicts a heap left alone for a few milliseconds
 * (docs/design.md section 8). So with measure_passes set (and not
 * deterministic), scene_start first runs each collector's N passes as
 * bench does, untimed then timed (runner.h: a child process each, one after the
 * other, before the live run, Boehm's feed or the encoder start, nothing
 * of ours beside them); false with a message on stderr if a run failed
 * or the checksums differ. Then each frame reveals the measured pauses
 * and heap samples up to the live run's allocations so far, and the
 * summary prints the measured runs' figures. */
#define SCENE_MEASURE_HICCUP_NS TICK_MEASURE_NS /* bench's default --hiccup */
bool scene_measure_first(scene *s);
void scene_measured_collect(scene *s);
void scene_measured_summary(scene *s, FILE *f);
void scene_measured_free(scene *s);

/* Whether both collectors (Boehm if it runs) have completed `passes`. */
bool scene_passes_done(const scene *s, long passes);

/* Controls: what the keys, sliders and script actions do. Each takes
 * effect at once (the barrier: from the next cycle) and says so in a
 * note. The setters return NULL, or the collector's message when it
 * refused the value. */
double scene_speed(const scene *s);
int scene_speed_index(double x); /* the nearest of scene_speeds */
void scene_set_speed(scene *s, int idx);
void scene_set_view(scene *s, bool show_heapmap);
/* A click at window pixel (x, y): on a summary node of the graph, opens
 * it (from the next frame); true if it did. */
bool scene_click(scene *s, int x, int y);
void scene_set_workload(scene *s, const wl_info *wl); /* restarts */
void scene_restart(scene *s);                         /* quit is set if it fails */
const char *scene_set_barrier(scene *s, tc_barrier b);
/* The next barrier the mode in force runs with (incremental: dijkstra,
 * steele, yuasa, stw, hybrid; concurrent: dijkstra, yuasa, hybrid). */
void scene_next_barrier(scene *s);
tc_barrier scene_barrier_after(tc_barrier b, bool concurrent);
/* Incremental or concurrent, from the next cycle. A barrier the
 * concurrent mode does not run (steele, stw) gives way to dijkstra, and
 * the note says so. */
const char *scene_set_mode(scene *s, bool concurrent);
/* Applies a whole config (any knob, from a script) to the running heap. */
const char *scene_configure(scene *s, const tc_config *c);
const char *scene_set_pause_target(scene *s, uint32_t usec); /* 0 = off */
void scene_toggle_pause_target(scene *s);
/* Applies slider i's value to the heap (after a drag). */
void scene_apply_slider(scene *s, int i);
double scene_slider_value_at(const scene_slider *sl, double pos);
void scene_note(scene *s, const char *msg);
/* Pointer events on the timeline (drag: zoom into a time range) and the
 * heap map (wheel: zoom about the pointer; drag: pan). True if the event
 * was theirs; the driver then gives it to nothing else. */
bool scene_pointer(scene *s, const SDL_Event *e);
/* Z: back to the default time window and the whole heap map. */
void scene_reset_zoom(scene *s);
/* A caption over the main panel from now for `seconds` of clock_s. */
void scene_caption(scene *s, const char *msg, double seconds);

/* Time travel (scene_travel.c). Each frame that moved the run (or a slow
 * motion replay) is kept in the history as the main panel showed it.
 * Seeking shows a kept frame, in its view, with its moment in the status
 * line and on the plots, and parks the live run until scene_live; the
 * measured figures only ever come from the live run. */
#define SCENE_HISTORY_MB_DEFAULT 64
#define SCENE_HISTORY_SECONDS    60.0
/* Keeps the frame just made (scene_frame calls it). */
void scene_travel_record(scene *s, double dt);
/* A frame while in the history: the replay moves on (and may reach now:
 * then the live run); scene_travel_show then shows the frame it is at,
 * after graph_tick (which renumbers the graph's nodes). */
void scene_travel_frame(scene *s);
void scene_travel_show(scene *s);
/* Shows history frame i (clamped to the frames kept); false, with a
 * note, if there is none. */
bool scene_seek(scene *s, long i);
/* The last frame kept at or before increment incr. */
bool scene_seek_increment(scene *s, uint64_t incr);
/* One increment back (from the live run: the last frame before the
 * increment now shown) or forward (past the newest frame: the live run,
 * paused). */
void scene_step_back(scene *s);
void scene_step_forward(scene *s);
/* Replays the history from the frame shown at the scene's speed (below 1
 * each frame held 1/speed frames, above 1 speed frames a frame); at the
 * newest frame the live run resumes. Called again, pauses the replay. */
void scene_replay(scene *s);
/* A replay at its own speed (scene_speeds index): the live run's speed
 * comes back when the replay reaches now or the live run is shown. */
void scene_replay_at(scene *s, int speed_idx);
/* Back to the live run, resumed or paused. */
void scene_live(scene *s, bool resume);
/* The heap right after a pause of the timeline: the first frame kept
 * after it ended. */
bool scene_seek_pause(scene *s, double t_s, double dur_us);
/* Pointer events on the scrubber (press or drag: seek there); true if the
 * event was its. */
bool scene_travel_pointer(scene *s, const SDL_Event *e);
/* The guided tour (scene_lesson.c). scene_until runs the live run at the
 * scene's speed until the collector is in `phase`, then pauses (at once if
 * it is). scene_lost_object makes the lost-object lesson with or without
 * the barrier at the next frame where a grey, a white and a black object
 * for it are on screen during marking (running an increment a frame until
 * then), then pauses; made without, the heap is repaired (the store made
 * again through tc_store) before anything runs. Both are pending until
 * `until_phase` and `lesson` are -1 again. */
#define SCENE_CYCLE_END TC_PHASE_COUNT /* for scene_until: the end of the cycle running or next */
#define UNTIL_CYCLES    3              /* cycles an until for a phase waits for it before it gives up */
#define LESSON_TRIES    2000           /* increments the lost-object lesson looks for its objects */
void scene_until(scene *s, tc_phase phase);
void scene_lost_object(scene *s, bool barrier);
/* For scene_frame: makes a pending lesson if it can (true), pauses a
 * reached until, repairs a broken heap. */
bool scene_lesson_step(scene *s);
void scene_until_check(scene *s);
/* An until or a lesson still runs the collector to its point. */
bool scene_lesson_pending(const scene *s);
void scene_lesson_repair(scene *s);
/* The moment shown: the history frame's, or NULL for the live run. */
const hist_moment *scene_moment(const scene *s);

#endif
