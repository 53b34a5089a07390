/*
 * knob_args.c — reading the collector's knobs off a command line (knobs.h):
 * a knob's flag and its value, a bad one failing the command with status
 * 2, and what the flags settle to once all are read.
 *
 * The parsing itself is knob_parse (knobs.c); this file only adds what a
 * command line needs around it: the flag's value from argv, exit on a bad
 * one, and the heap-size fit that the viewer also applies.
 */
#include <string.h>

#include "cli.h"
#include "knobs.h"
#include "runner.h"

bool knob_arg(const char *cmd, tc_config *c, knob_mask *given, int argc, char **argv, int *i) {
    const char *flag = argv[*i];
    if (strncmp(flag, "--", 2)) return false;
    const knob *k = knob_find(flag);
    if (!k) return false;
    const char *v = cli_value(cmd, argc, argv, i);
    uint64_t x;
    const char *bad = knob_parse(k, v, &x);
    if (bad) cli_fail(cmd, "%s: %s", flag, bad);
    k->set(c, x);
    if (given) *given |= 1u << (k - knobs);
    return true;
}

const char *knob_settle(tc_config *c, knob_mask given) {
    if (!(given & 1u << KNOB_MIN_HEAP)) run_fit_min_heap(c);
    /* The library lets the limit win; given both, the user meant
     * something else, so say so. */
    else if ((given & 1u << KNOB_HEAP_LIMIT) && c->heap_limit && c->min_heap > c->heap_limit)
        return "--min-heap: must not exceed --heap-limit";
    return tc_config_check(c);
}
