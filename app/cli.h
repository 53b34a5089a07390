/*
 * cli.h — what every subcommand of `tricolor` shares: reporting bad input
 * the same way (a message that names the flag, what was wrong and what is
 * valid; exit code 2), reading a flag's value with a range check (the
 * collector's knobs go through knobs.h instead), opening output files up
 * front and printing pause times the same way.
 */
#ifndef TRICOLOR_CLI_H
#define TRICOLOR_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Prints "tricolor CMD: message" to stderr and exits with status 2. */
__attribute__((noreturn, format(printf, 2, 3))) void cli_fail(const char *cmd, const char *fmt, ...);

/* Parses a whole number in [lo, hi]; fails with a message naming flag. */
long long cli_int(const char *cmd, const char *flag, const char *s, long long lo, long long hi);
/* Parses a byte size as values.h reads one ("512M", "64MiB") in [lo, hi]. */
uint64_t cli_size(const char *cmd, const char *flag, const char *s, uint64_t lo, uint64_t hi);
/* Returns the flag's value (argv[++*i]) or fails if it is missing. */
const char *cli_value(const char *cmd, int argc, char **argv, int *i);
/* Parses a workload size (small, default, large) given to flag. */
int cli_wl_size(const char *cmd, const char *flag, const char *s);

/* Opens path for writing, or fails (status 2) naming flag. Commands call
 * it while parsing, before any run, so a bad path costs nothing; the file
 * is created empty and filled at the end. */
FILE *cli_open_output(const char *cmd, const char *flag, const char *path);

/* Formats a pause as "812.3 us" or "1.25 ms", as the tables print it. */
void cli_fmt_us(char *buf, size_t len, double us);

/* A formatted message in static storage, for parsers that return one:
 * valid until three more calls; a message may quote the previous one. */
__attribute__((format(printf, 1, 2))) const char *cli_msg(const char *fmt, ...);

/* The workload flags every running command shares: --size S (small,
 * default, large) and --seed N. True if argv[*i] was one (its value read). */
bool cli_run_arg(const char *cmd, int argc, char **argv, int *i, int *size, uint64_t *seed);

/* True if arg is --help or -h. */
bool cli_is_help(const char *arg);

#endif
