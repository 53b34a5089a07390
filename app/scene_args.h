/*
 * scene_args.h — the command-line side of a scene (viz/scene.h): the
 * flags `tricolor view` and `tricolor record` share, read into a scene,
 * and the checks that follow them. The scene itself never parses or
 * fails; this is where a bad flag becomes a message and exit status 2.
 */
#ifndef TRICOLOR_SCENE_ARGS_H
#define TRICOLOR_SCENE_ARGS_H

#include <stdbool.h>
#include <stdio.h>

#include "knobs.h"
#include "scene.h"

/* If argv[*i] is a shared flag (a knob, or --workload, --seed, --size,
 * --speed, --heapmap, --no-boehm), reads it into s and returns true;
 * bad values exit with status 2. */
bool scene_arg(scene *s, knob_mask *given, int argc, char **argv, int *i);
/* The shared flags and the knobs, for --help. */
void scene_args_help(FILE *f);
/* How the measured runs are placed and kept warm, for view's and record's
 * help: the same in both but for what is done while a frame is `made`
 * ("drawn", or "drawn and encoded"). */
void scene_args_help_placement(FILE *f, const char *made);
/* After the last flag: workload defaults, the knobs' checks, and what
 * --deterministic refuses; then scene_settle. Exits 2 on a clash. */
void scene_args_settle(scene *s, knob_mask given);

#endif
