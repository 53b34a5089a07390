/*
 * values.h — the one family of value parsers that the command line and
 * record scripts share: whole numbers, percentages, byte sizes, durations,
 * on/off, speeds and seconds.
 *
 * Each parser checks only the form of a value and returns false when it
 * is not of that form (or overflows 64 bits); ranges are the caller's (the
 * knob table, knobs.h, keeps every knob's range in one place). So "64M",
 * "64MiB", "64MB" and "65536K" mean the same size wherever a size is read,
 * and "200", "200us" and "0.2ms" the same duration.
 */
#ifndef TRICOLOR_VALUES_H
#define TRICOLOR_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Digits only: "4000". */
bool value_uint(const char *s, uint64_t *out);
/* A whole percentage, the sign optional: "100" or "100%". */
bool value_pct(const char *s, uint64_t *out);
/* A byte count: a number (a fraction allowed) with an optional K, M, G or
 * T suffix in powers of 1024, in either case, optionally followed by B or
 * iB: "512K", "64M", "64MiB", "1.5G", "4096". */
bool value_size(const char *s, uint64_t *out);
/* Microseconds: a number with an optional us, ms or s suffix: "200",
 * "200us", "1.5ms", "2s"; rounded to the nearest microsecond. */
bool value_usec(const char *s, uint64_t *out);
/* "on" or "off". */
bool value_onoff(const char *s, bool *out);
/* A playback speed: a number or a fraction, "0.25" or "1/4" (no range). */
bool value_speed(const char *s, double *out);
/* Seconds: a number with an optional s suffix, "2.5" or "2.5s". */
bool value_seconds(const char *s, double *out);

/* How much of a refused value a message quotes, with "..." when it is
 * longer: enough to recognise it, and short enough that the rest of the
 * message (what is valid) always fits. Use as "'%.*s%s'", VALUE_QUOTE(s). */
#define VALUE_QUOTE_MAX 48
#define VALUE_QUOTE(s)  VALUE_QUOTE_MAX, (s), strlen(s) > VALUE_QUOTE_MAX ? "..." : ""

/* The shortest exact spelling of a size ("1M", "1T", "1536K", "100") and
 * of a duration in microseconds ("10us", "1ms", "1s"), as the parsers
 * above read them back. */
void value_fmt_size(char *buf, size_t len, uint64_t bytes);
void value_fmt_usec(char *buf, size_t len, uint64_t usec);

#endif
