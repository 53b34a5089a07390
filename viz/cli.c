/*
 * cli.c — shared command-line parsing, error reporting and output helpers
 * (see cli.h).
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

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
    if (errno || end == s || *end)
        cli_fail(cmd, "%s: '%s' is not a whole number (valid: %lld..%lld)", flag, s, lo, hi);
    if (v < lo || v > hi) cli_fail(cmd, "%s: %lld is out of range (valid: %lld..%lld)", flag, v, lo, hi);
    return v;
}

uint64_t cli_bytes(const char *cmd, const char *flag, const char *s, uint64_t lo, uint64_t hi) {
    char *end;
    errno = 0;
    if (s[0] == '-') cli_fail(cmd, "%s: '%s' is negative (give a size such as 512M or 2G)", flag, s);
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) cli_fail(cmd, "%s: '%s' is not a size (give a size such as 512M or 2G)", flag, s);
    int shift = 0;
    switch (toupper((unsigned char)*end)) {
    case 'K': shift = 10, end++; break;
    case 'M': shift = 20, end++; break;
    case 'G': shift = 30, end++; break;
    default: break;
    }
    if (toupper((unsigned char)*end) == 'B' || toupper((unsigned char)*end) == 'I') end++;
    if (*end) cli_fail(cmd, "%s: '%s' is not a size (a number with an optional K, M or G suffix)", flag, s);
    if (v > (hi >> shift)) cli_fail(cmd, "%s: %s is too large (at most %llu MiB)", flag, s, (unsigned long long)(hi >> 20));
    uint64_t bytes = (uint64_t)v << shift;
    if (bytes < lo) cli_fail(cmd, "%s: %s is too small (at least %llu KiB)", flag, s, (unsigned long long)(lo >> 10));
    return bytes;
}

uint64_t cli_usec(const char *cmd, const char *flag, const char *s, uint64_t lo, uint64_t hi) {
    char *end;
    errno = 0;
    if (s[0] == '-') cli_fail(cmd, "%s: '%s' is negative (give a duration such as 200us or 1ms)", flag, s);
    double v = strtod(s, &end);
    if (errno || end == s || !(v >= 0))
        cli_fail(cmd, "%s: '%s' is not a duration (give a duration such as 200us or 1ms)", flag, s);
    if (!strcmp(end, "ms"))
        v *= 1000;
    else if (!strcmp(end, "s"))
        v *= 1e6;
    else if (*end && strcmp(end, "us"))
        cli_fail(cmd, "%s: '%s' is not a duration (a number with an optional us, ms or s suffix)", flag, s);
    if (v < (double)lo || v > (double)hi)
        cli_fail(cmd, "%s: %s is out of range (valid: %llu us .. %llu us)", flag, s, (unsigned long long)lo,
                 (unsigned long long)hi);
    return (uint64_t)(v + 0.5);
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
