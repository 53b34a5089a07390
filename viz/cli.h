/*
 * cli.h — what every subcommand of `tricolor` shares: parsing numbers and
 * sizes with range checks, and reporting bad input the same way (a message
 * that names the flag, what was wrong and what is valid; exit code 2).
 */
#ifndef TRICOLOR_CLI_H
#define TRICOLOR_CLI_H

#include <stdbool.h>
#include <stdint.h>

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

int cmd_list(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_view(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_boehm_feed(int argc, char **argv);

#endif
