/*
 * knobs.h — the one table of the collector's knobs: every tc_config field
 * a user can set, under one name everywhere.
 *
 * A row gives the name (the flag is "--" NAME on every command, and NAME
 * is the same action in a record script), the tc_config field it sets,
 * how its value is read (values.h) with its range and units, and its help
 * text. bench, view, record and tune parse their knob flags through
 * knob_arg, scripts through knob_find + knob_parse, and every --help
 * prints knob_help: nothing else spells a knob's name, range or help, so
 * they cannot drift apart. The ranges are gc/tricolor.h's TC_*_MIN/MAX,
 * the ones tc_config_check enforces.
 */
#ifndef TRICOLOR_KNOBS_H
#define TRICOLOR_KNOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tricolor.h"

typedef enum knob_type {
    KNOB_BARRIER, /* a tc_barrier by name */
    KNOB_COUNT,   /* a whole number */
    KNOB_PCT,     /* a whole percentage, "100" or "100%" */
    KNOB_SIZE,    /* bytes, "64M", "64MiB" */
    KNOB_USEC,    /* microseconds, "200", "200us", "1ms" */
    KNOB_ONOFF,   /* on or off */
    KNOB_MODE,    /* incremental or concurrent */
} knob_type;

typedef enum knob_id {
    KNOB_BARRIER_ID,
    KNOB_STEP_WORK,
    KNOB_STEP_US,
    KNOB_TRIGGER,
    KNOB_RUNWAY,
    KNOB_PAUSE_TARGET,
    KNOB_MMU,
    KNOB_MMU_WINDOW,
    KNOB_CONC_MMU,
    KNOB_CONC_MMU_WINDOW,
    KNOB_MIN_HEAP,
    KNOB_HEAP_LIMIT,
    KNOB_MEM_THREAD,
    KNOB_MODE_ID,
    KNOB_GC_CPU,
    KNOB_GC_IDLE,
    KNOB_N
} knob_id;

typedef struct knob {
    const char *name;  /* script word; the flag is "--" name */
    const char *alias; /* an older name still accepted, or NULL */
    const char *field; /* the tc_config field it sets */
    knob_type type;
    uint64_t lo, hi;     /* valid range, in the field's units (bytes, us, %) */
    const char *off;     /* the word that means 0 ("off", "none"), or NULL */
    const char *metavar; /* for --help */
    const char *help;
    void (*set)(tc_config *c, uint64_t v);
    uint64_t (*get)(const tc_config *c);
} knob;

extern const knob knobs[KNOB_N];

/* The knob named name ("trigger") or flag ("--trigger"), aliases too;
 * NULL if none. */
const knob *knob_find(const char *name_or_flag);
/* Reads s as k's value; NULL on success, else a message naming the value
 * and what is valid (static storage, valid until the next call). */
const char *knob_parse(const knob *k, const char *s, uint64_t *out);
/* "10..1000 (%)", "1M..1T, or none", ...: the valid values of k. */
void knob_range(const knob *k, char *buf, size_t len);
/* k's value in c as the parser reads it back ("64M", "200us", "off"). */
void knob_format(const knob *k, const tc_config *c, char *buf, size_t len);

/* The command line's side (knob_args.c). The set of knobs given on a
 * command line (bit k for knob k). */
typedef uint32_t knob_mask;

/* If argv[*i] is a knob's flag, reads its value (argv[++*i]) into c and
 * marks it in *given; exits with status 2 (cli_fail) on a bad value.
 * Returns false when argv[*i] is not a knob. */
bool knob_arg(const char *cmd, tc_config *c, knob_mask *given, int argc, char **argv, int *i);
/* What follows the knobs once all are read: a min_heap above the heap
 * limit comes down to half of it, unless --min-heap set it (then
 * tc_config_check says what is wrong). Returns tc_config_check's verdict. */
const char *knob_settle(tc_config *c, knob_mask given);

/* "  --NAME METAVAR   help" for every knob, wrapped as the other flags. */
void knob_help(FILE *f);
/* One line "NAME VALUE, ..." of every knob in c, for --dry-run. */
void knob_print(FILE *f, const tc_config *c);
/* "tricolor CMD: would run with ..." on stdout: what --dry-run prints. */
void knob_dry_run(const char *cmd, const tc_config *c);

#endif
