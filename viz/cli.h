/*
 * cli.h — what every subcommand of `tricolor` shares: parsing numbers and
 * sizes with range checks, and reporting bad input the same way (a message
 * that names the flag, what was wrong and what is valid; exit code 2);
 * opening output files up front and printing pause times the same way.
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
/* Parses a byte size with an optional K, M or G suffix (powers of 1024). */
uint64_t cli_bytes(const char *cmd, const char *flag, const char *s, uint64_t lo, uint64_t hi);
/* Parses a duration in microseconds: "200", "200us", "1.5ms" or "2s". */
uint64_t cli_usec(const char *cmd, const char *flag, const char *s, uint64_t lo, uint64_t hi);
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

int cmd_list(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_view(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_boehm_feed(int argc, char **argv);

#endif
