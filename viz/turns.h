/*
 * turns.h — the record of who ran when: the spans in which each measured
 * workload ran (Tricolor's slice, Boehm's slice) and those in which the
 * renderer and the encoder could run, kept to check that the view's turns
 * really isolate the measured work (docs/design.md, "Turns").
 *
 * Off unless TRICOLOR_TURNS names a file: then every span is kept in
 * memory (CLOCK_MONOTONIC nanoseconds, comparable across processes) and
 * written there, one "WHO T0 T1" line a span, by turns_write. Logging
 * costs a mutex and an append, outside every measured slice.
 */
#ifndef TRICOLOR_TURNS_H
#define TRICOLOR_TURNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The first two are measured: they must overlap nothing. The others are
 * the viewer's own work and ffmpeg's, which may overlap each other. */
typedef enum turn_who { TURN_TRICOLOR, TURN_BOEHM, TURN_RENDER, TURN_ENCODE, TURN_KINDS } turn_who;

typedef struct turn_span {
    turn_who who;
    uint64_t t0_ns, t1_ns; /* CLOCK_MONOTONIC; t0 <= t1 */
} turn_span;

extern const char *const turn_names[TURN_KINDS];

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t turns_now(void);
/* True when TRICOLOR_TURNS is set (read once). */
bool turns_on(void);
/* Keeps a span when turns_on(); safe from any thread. */
void turns_log(turn_who who, uint64_t t0_ns, uint64_t t1_ns);
/* Appends the kept spans to the TRICOLOR_TURNS file and forgets them;
 * false (errno set) if it cannot be written. */
bool turns_write(void);

/* Reads a file written by turns_write into *out (malloc'd); false with a
 * message in why on an unreadable file or line. */
bool turns_read(const char *path, turn_span **out, size_t *n, char *why, size_t len);
/* Checks that no measured span overlaps any other span (touching ends do
 * not overlap). Returns true if none does; else false and the first
 * overlapping pair, described in why. */
bool turns_isolated(const turn_span *v, size_t n, char *why, size_t len);

#endif
