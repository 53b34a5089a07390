/*
 * cli.c — shared command-line parsing, error reporting and output helpers
 * (see cli.h).
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "values.h"

void cli_fail(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tricolor %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see 'tricolor %s --help')\n", cmd);
    va_end(ap);
    exit(2);
}

long long cli_int(const char *cmd, const char *flag, const char *s, long long lo, long long hi) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end) cli_fail(cmd, "%s: '%s' is not a whole number (valid: %lld..%lld)", flag, s, lo, hi);
    if (v < lo || v > hi) cli_fail(cmd, "%s: %lld is out of range (valid: %lld..%lld)", flag, v, lo, hi);
    return v;
}

uint64_t cli_size(const char *cmd, const char *flag, const char *s, uint64_t lo, uint64_t hi) {
    char l[32], h[32];
    value_fmt_size(l, sizeof l, lo);
    value_fmt_size(h, sizeof h, hi);
    uint64_t v;
    if (!value_size(s, &v)) cli_fail(cmd, "%s: '%s' is not a size (valid: %s..%s, e.g. 512M or 2GiB)", flag, s, l, h);
    if (v < lo || v > hi) cli_fail(cmd, "%s: %s is out of range (valid: %s..%s)", flag, s, l, h);
    return v;
}

const char *cli_value(const char *cmd, int argc, char **argv, int *i) {
    if (*i + 1 >= argc) cli_fail(cmd, "%s needs a value", argv[*i]);
    return argv[++*i];
}

int cli_wl_size(const char *cmd, const char *flag, const char *s) {
    int size = wl_size_parse(s);
    if (size < 0) cli_fail(cmd, "%s: unknown size '%s' (valid: small, default, large)", flag, s);
    return size;
}

FILE *cli_open_output(const char *cmd, const char *flag, const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) cli_fail(cmd, "%s: cannot write '%s': %s", flag, path, strerror(errno));
    return f;
}

void cli_fmt_us(char *buf, size_t len, double us) {
    if (us >= 1000)
        snprintf(buf, len, "%.2f ms", us / 1000);
    else
        snprintf(buf, len, "%.1f us", us);
}

bool cli_is_help(const char *arg) { return !strcmp(arg, "--help") || !strcmp(arg, "-h"); }

const char *cli_msg(const char *fmt, ...) {
    /* A few buffers in turn, so that a message may quote the one before. */
    static char bufs[4][400];
    static unsigned next;
    char *b = bufs[next++ % 4];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof bufs[0], fmt, ap);
    va_end(ap);
    return b;
}

bool cli_run_arg(const char *cmd, int argc, char **argv, int *i, int *size, uint64_t *seed) {
    const char *a = argv[*i];
    if (!strcmp(a, "--size"))
        *size = cli_wl_size(cmd, a, cli_value(cmd, argc, argv, i));
    else if (!strcmp(a, "--seed"))
        *seed = (uint64_t)cli_int(cmd, a, cli_value(cmd, argc, argv, i), 0, INT64_MAX);
    else
        return false;
    return true;
}
