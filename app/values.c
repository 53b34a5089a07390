/*
 * values.c — the value parsers shared by flags and scripts (values.h).
 *
 * Every parser reads the whole string: a value with anything after it
 * that is not one of its suffixes is not that kind of value. Numbers are
 * read with strtod where fractions make sense ("1.5ms") and checked to be
 * finite and non-negative; results that do not fit 64 bits are refused
 * rather than wrapped.
 */
#include "values.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A non-negative finite decimal number at the start of s (no sign, no
 * leading blank); *rest gets what follows it. */
static bool number(const char *s, double *out, const char **rest) {
    if (!isdigit((unsigned char)*s) && *s != '.') return false;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (errno || end == s || !isfinite(d) || d < 0) return false;
    /* strtod also reads hex and exponents; a knob value is plain decimal. */
    for (const char *p = s; p < end; p++)
        if (!isdigit((unsigned char)*p) && *p != '.') return false;
    *out = d;
    *rest = end;
    return true;
}

/* v as a whole uint64, or false when it is not whole or too large. */
static bool whole(double v, uint64_t *out) {
    if (v != floor(v) || v >= 18446744073709551616.0) return false;
    *out = (uint64_t)v;
    return true;
}

bool value_uint(const char *s, uint64_t *out) {
    if (!*s || strspn(s, "0123456789") != strlen(s)) return false;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno) return false;
    *out = v;
    return true;
}

bool value_pct(const char *s, uint64_t *out) {
    size_t n = strlen(s);
    if (n > 1 && s[n - 1] == '%') {
        char buf[32];
        if (n >= sizeof buf) return false;
        memcpy(buf, s, n - 1);
        buf[n - 1] = 0;
        return value_uint(buf, out);
    }
    return value_uint(s, out);
}

bool value_size(const char *s, uint64_t *out) {
    double d;
    const char *rest;
    if (!number(s, &d, &rest)) return false;
    int shift = 0;
    switch (toupper((unsigned char)*rest)) {
    case 'K': shift = 10; break;
    case 'M': shift = 20; break;
    case 'G': shift = 30; break;
    case 'T': shift = 40; break;
    default: break;
    }
    if (shift) {
        rest++;
        if (!strcasecmp(rest, "ib") || !strcasecmp(rest, "b")) rest += strlen(rest);
    } else if (!strcasecmp(rest, "b")) {
        rest++;
    }
    if (*rest) return false;
    return whole(floor(ldexp(d, shift)), out); /* a fraction of a byte rounds down */
}

bool value_usec(const char *s, uint64_t *out) {
    double d;
    const char *rest;
    if (!number(s, &d, &rest)) return false;
    if (!strcmp(rest, "ms"))
        d *= 1e3;
    else if (!strcmp(rest, "s"))
        d *= 1e6;
    else if (*rest && strcmp(rest, "us"))
        return false;
    return whole(floor(d + 0.5), out);
}

bool value_onoff(const char *s, bool *out) {
    if (!strcmp(s, "on"))
        *out = true;
    else if (!strcmp(s, "off"))
        *out = false;
    else
        return false;
    return true;
}

bool value_speed(const char *s, double *out) {
    const char *slash = strchr(s, '/'), *rest;
    double a, b;
    if (!slash) return number(s, out, &rest) && !*rest;
    char num[32];
    size_t k = (size_t)(slash - s);
    if (k == 0 || k >= sizeof num) return false;
    memcpy(num, s, k);
    num[k] = 0;
    if (!number(num, &a, &rest) || *rest || !number(slash + 1, &b, &rest) || *rest || b == 0) return false;
    /* Both finite, but a tiny b can still make the quotient overflow. */
    if (!isfinite(a / b)) return false;
    *out = a / b;
    return true;
}

bool value_seconds(const char *s, double *out) {
    const char *rest;
    return number(s, out, &rest) && (!*rest || !strcmp(rest, "s"));
}

void value_fmt_size(char *buf, size_t len, uint64_t bytes) {
    static const char units[] = "KMGT";
    int u = -1;
    while (u < 3 && bytes && bytes % 1024 == 0) bytes /= 1024, u++;
    if (u < 0)
        snprintf(buf, len, "%llu", (unsigned long long)bytes);
    else
        snprintf(buf, len, "%llu%c", (unsigned long long)bytes, units[u]);
}

void value_fmt_usec(char *buf, size_t len, uint64_t usec) {
    if (usec && usec % 1000000 == 0)
        snprintf(buf, len, "%llus", (unsigned long long)(usec / 1000000));
    else if (usec && usec % 1000 == 0)
        snprintf(buf, len, "%llums", (unsigned long long)(usec / 1000));
    else
        snprintf(buf, len, "%lluus", (unsigned long long)usec);
}
