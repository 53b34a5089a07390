/*
 * script_run.h — playing a script (script.h) on a running scene, in
 * `tricolor record` (timed: each action at its time of video) and in
 * `tricolor view` (the same, but a `wait` holds until the user presses
 * space: the guided tour steps on a key).
 *
 * The script's clock is the scene's clock (clock_s) minus the time the
 * script stood still: at a `wait` (view), and while an action that runs
 * the collector to a given point is pending (`until`, `lost-object`:
 * scene.h), so that the lines after it keep their spacing from the moment
 * it was done.
 */
#ifndef TRICOLOR_SCRIPT_RUN_H
#define TRICOLOR_SCRIPT_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "scene.h"
#include "script.h"

typedef struct script_player {
    const script *sc;
    const char *path;   /* in messages */
    const char *cmd;    /* "view" or "record", in messages */
    size_t next;        /* the next action to apply */
    double offset;      /* seconds the script's clock has stood still (times count from `start`) */
    double held_from;   /* clock_s when it stopped; < 0: running */
    double start;       /* clock_s at the first run: the script's time 0 */
    bool waits;         /* `wait` holds until script_player_continue (view); else it is only a line */
    bool waiting;       /* at a `wait` */
    long at_wait;       /* the history frame shown when the wait began, counted as history.dropped does (-1: live) */
    bool paused_wait;   /* and whether the live run was paused */
    int nwaits, waited; /* waits in the script, and passed so far */
} script_player;

/* The guided tour: docs/tour.script, built in by the Makefile. */
extern const char tour_script[];
#define TOUR_NAME   "docs/tour.script (built in)"
#define TOUR_TAIL_S 6.0 /* a recording of the tour goes on this long after its last action */

/* --script FILE and --tour, the flags view and record share: true if
 * argv[*i] was one (its value taken). The last one given wins. */
bool script_arg(const char *cmd, int argc, char **argv, int *i, const char **path, bool *tour);
/* Reads the script the flags chose into sc (zeroed): the built-in tour,
 * or the file at path; nothing if neither. Exits 2 with the parser's
 * message on a bad one. Returns the name messages give it (NULL: none). */
const char *script_open(const char *cmd, const char *path, bool tour, script *sc);

void script_player_init(script_player *p, const script *sc, const char *path, const char *cmd, bool waits);
/* Applies the actions due at s->clock_s, unless the script stands still. */
void script_player_run(script_player *p, scene *s);
/* Past a `wait`: the script goes on from what it showed when the wait
 * began (the user may have stepped or scrubbed meanwhile). */
void script_player_continue(script_player *p, scene *s);
/* Every action applied and none pending. */
bool script_player_done(const script_player *p, const scene *s);
/* Applies one action to the scene (what `record --script` does). */
void script_apply(scene *s, const script_action *a, const char *path, const char *cmd);

#endif
