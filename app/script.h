/*
 * script.h — the timed actions of a recording (`tricolor record --script
 * FILE`), so that a demo video is a text file kept in version control.
 *
 * One action a line: a time in seconds of video (an optional "s" suffix),
 * an action and its arguments, separated by blanks. '#' starts a comment;
 * blank lines are ignored; times never decrease.
 *
 *   0.0  caption "Dijkstra: shade what is stored into a black object" 3
 *   2.0  barrier yuasa
 *   4.5  speed 1/4
 *   8.0  workload churn
 *
 * Actions: every knob of knobs.h under its flag's name and with the same
 * values (barrier NAME, step-work N, trigger PCT, heap-limit SIZE|none,
 * pause-target T|off, ...), and speed X, caption "TEXT" [SECONDS],
 * workload NAME, view graph|heapmap, pause, resume; and time travel (the
 * window's history, scene.h): seek N (the frame after increment N) or
 * seek -N (N increments back from the one shown), replay X (from there,
 * at speed X, up to now, then the live run at its own speed), live (the
 * live run, now).
 *
 *   10.0 seek -1
 *   10.0 replay 1/8     # the same increment again, slowly
 *
 * And the guided tour's (scene.h): until idle|propagate|sweep (run until
 * the collector is in that phase, then pause) or until cycle-end (until
 * a cycle completes), lost-object off|on (the
 * store that would lose an object, without or with the barrier, and the
 * verifier's word on it), wait (in view: until space; in a recording:
 * nothing). The tour is such a script: docs/tour.script.
 *
 * The whole file is parsed and checked before the first frame is drawn; a
 * bad line is reported as "FILE:LINE: what is wrong (what is valid)".
 * Nothing here knows about SDL or the scene: cmd_record.c applies the
 * actions.
 */
#ifndef TRICOLOR_SCRIPT_H
#define TRICOLOR_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "knobs.h"
#include "registry.h"

typedef enum script_kind {
    SCRIPT_KNOB, /* any knob: knob and value */
    SCRIPT_SPEED,
    SCRIPT_CAPTION,
    SCRIPT_WORKLOAD,
    SCRIPT_VIEW,
    SCRIPT_PAUSE,
    SCRIPT_RESUME,
    SCRIPT_SEEK,   /* number: an increment; relative (-N: N back from the one shown) if `value` */
    SCRIPT_REPLAY, /* number: the speed */
    SCRIPT_LIVE,
    SCRIPT_UNTIL, /* value: the tc_phase, or TC_PHASE_COUNT: until a cycle ends */
    SCRIPT_WAIT,
    SCRIPT_LOST, /* value: 1 with the barrier, 0 without */
    SCRIPT_NKINDS
} script_kind;

typedef struct script_action {
    double t; /* seconds of video */
    int line; /* in the file, from 1 */
    script_kind kind;
    const knob *knob; /* SCRIPT_KNOB */
    uint64_t value;   /* the knob's value; view (1 heap map) */
    double number;    /* speed; caption seconds */
    const wl_info *wl;
    char *text; /* caption (malloc'd) */
} script_action;

typedef struct script {
    script_action *v;
    size_t n, cap;
} script;

/* Parses src (the text of file `name`, used in messages) into s, which
 * must be zeroed. Returns false with "name:line: message" in err (and s
 * freed) on the first bad line. */
bool script_parse(const char *name, const char *src, script *s, char *err, size_t errlen);
/* Reads and parses a file; false with a message in err if it cannot be
 * read or does not parse. */
bool script_load(const char *path, script *s, char *err, size_t errlen);
void script_free(script *s);

#endif
