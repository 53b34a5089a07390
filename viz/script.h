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
 * Actions: barrier NAME, speed X, caption "TEXT" [SECONDS], workload NAME,
 * step N, trigger PCT, heap-limit SIZE|none, pause-target US|off,
 * view graph|heapmap, pause, resume.
 *
 * The whole file is parsed and checked before the first frame is drawn; a
 * bad line is reported as "FILE:LINE: what is wrong (what is valid)".
 * Nothing here knows about SDL or the scene: record.c applies the actions.
 */
#ifndef TRICOLOR_SCRIPT_H
#define TRICOLOR_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry.h"
#include "tricolor.h"

typedef enum script_kind {
    SCRIPT_BARRIER,
    SCRIPT_SPEED,
    SCRIPT_CAPTION,
    SCRIPT_WORKLOAD,
    SCRIPT_STEP,
    SCRIPT_TRIGGER,
    SCRIPT_HEAP_LIMIT,
    SCRIPT_PAUSE_TARGET,
    SCRIPT_VIEW,
    SCRIPT_PAUSE,
    SCRIPT_RESUME,
    SCRIPT_NKINDS
} script_kind;

typedef struct script_action {
    double t;     /* seconds of video */
    int line;     /* in the file, from 1 */
    script_kind kind;
    tc_barrier barrier;
    double number;      /* speed; caption seconds */
    uint64_t value;     /* step units, trigger %, heap limit bytes (0 none), pause target µs (0 off), view (1 heap map) */
    const wl_info *wl;
    char *text;         /* caption (malloc'd) */
} script_action;

typedef struct script {
    script_action *v;
    size_t n, cap;
} script;

/* The action names, in the order of script_kind ("barrier", ...). */
extern const char *const script_kind_names[SCRIPT_NKINDS];

/* Parses src (the text of file `name`, used in messages) into s, which
 * must be zeroed. Returns false with "name:line: message" in err (and s
 * freed) on the first bad line. */
bool script_parse(const char *name, const char *src, script *s, char *err, size_t errlen);
/* Reads and parses a file; false with a message in err if it cannot be
 * read or does not parse. */
bool script_load(const char *path, script *s, char *err, size_t errlen);
void script_free(script *s);

/* Value parsers the command-line flags share with the script. Each
 * returns NULL on success, else a message naming the value and what is
 * valid. */
const char *script_parse_speed(const char *v, double *out);         /* 1/32 .. 32, "0.25" or "1/4" */
const char *script_parse_pause_target(const char *v, uint32_t *out); /* "off", 0, or 10..1000000 us; us/ms/s suffix */

#endif
