/*
 * script.c — parsing a recording's script (see script.h).
 *
 * A line is cut into words first (a double-quoted word may hold blanks,
 * \" and \\; '#' outside quotes ends the line), then the first word is the
 * time, the second the action, the rest its arguments, each checked
 * against the same ranges as the command-line flags. Every message names
 * the file and line, what was found and what was expected.
 */
#include "script.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 8
#define MAX_LINE 4096

const char *const script_kind_names[SCRIPT_NKINDS] = {
    "barrier", "speed", "caption", "workload", "step", "trigger", "heap-limit", "pause-target", "view", "pause", "resume",
};

/* What each action takes, for messages. */
static const char *const usage_of[SCRIPT_NKINDS] = {
    "barrier NAME (dijkstra, steele, yuasa or stw)",
    "speed X (1/32 .. 32, e.g. 0.25 or 1/4)",
    "caption \"TEXT\" [SECONDS] (shown for 4 s unless SECONDS is given)",
    "workload NAME (see 'tricolor list')",
    "step N (work units per increment, 1..100000000)",
    "trigger PCT (10..1000)",
    "heap-limit SIZE|none (e.g. 64M; at least 1M)",
    "pause-target US|off (10..1000000 us, e.g. 200us or 1ms)",
    "view graph|heapmap",
    "pause",
    "resume",
};

static char msgbuf[256];

static const char *msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *msg(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msgbuf, sizeof msgbuf, fmt, ap);
    va_end(ap);
    return msgbuf;
}

/* "prefix: m", where m may be the message buffer itself. */
static const char *prefixed(const char *prefix, const char *m) {
    char copy[sizeof msgbuf];
    snprintf(copy, sizeof copy, "%s", m);
    return msg("%s: %s", prefix, copy);
}

/* A whole decimal number (a fraction allowed) with nothing after it but
 * one of the suffixes; *suffix gets the suffix's index or -1. */
static bool number(const char *v, double *out, const char *const *suffixes, int *suffix) {
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || !isfinite(d) || isspace((unsigned char)*v)) return false;
    *out = d;
    if (suffix) *suffix = -1;
    if (!*end) return true;
    for (int i = 0; suffixes && suffixes[i]; i++)
        if (!strcmp(end, suffixes[i])) {
            if (suffix) *suffix = i;
            return true;
        }
    return false;
}

const char *script_parse_speed(const char *v, double *out) {
    double d;
    const char *slash = strchr(v, '/');
    bool ok;
    if (slash) { /* "1/4" */
        char num[32];
        size_t k = (size_t)(slash - v);
        double a, b;
        ok = k < sizeof num && (memcpy(num, v, k), num[k] = 0, number(num, &a, NULL, NULL)) &&
             number(slash + 1, &b, NULL, NULL) && b != 0;
        d = ok ? a / b : 0;
    } else {
        ok = number(v, &d, NULL, NULL);
    }
    if (!ok || !(d >= 1.0 / 32 - 1e-9 && d <= 32 + 1e-9))
        return msg("'%s' is not a speed from 1/32 (0.03125) to 32", v);
    *out = d;
    return NULL;
}

const char *script_parse_pause_target(const char *v, uint32_t *out) {
    if (!strcmp(v, "off")) {
        *out = 0;
        return NULL;
    }
    static const char *const sfx[] = {"us", "ms", "s", NULL};
    static const double scale[] = {1, 1e3, 1e6};
    double d;
    int k;
    if (!number(v, &d, sfx, &k) || d < 0)
        return msg("'%s' is not a pause target (valid: off, or 10..1000000 us, e.g. 200us or 1ms)", v);
    if (k >= 0) d *= scale[k];
    if (d == 0) {
        *out = 0;
        return NULL;
    }
    if (d < 10 || d > 1000000) return msg("%s is out of range (valid: off, or 10..1000000 us)", v);
    *out = (uint32_t)lround(d);
    return NULL;
}

/* A byte size with an optional K, M or G suffix (powers of 1024). */
static bool bytes(const char *v, uint64_t *out) {
    static const char *const sfx[] = {"K", "M", "G", "KB", "MB", "GB", "KiB", "MiB", "GiB", "k", "m", "g", NULL};
    static const int shift[] = {10, 20, 30, 10, 20, 30, 10, 20, 30, 10, 20, 30};
    double d;
    int k;
    if (!number(v, &d, sfx, &k) || d < 0) return false;
    if (k >= 0) d *= (double)(1ull << shift[k]);
    if (d > (double)(1ull << 40)) return false;
    *out = (uint64_t)d;
    return true;
}

/* ------------------------------------------------------------ lines */

typedef struct words {
    char *w[MAX_WORDS];
    bool quoted[MAX_WORDS];
    int n;
} words;

/* Cuts line (modified in place) into words; NULL or a message. */
static const char *split(char *line, words *ws) {
    ws->n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r') p++;
        if (!*p || *p == '#') return NULL;
        if (ws->n == MAX_WORDS) return msg("too many words (at most %d)", MAX_WORDS);
        if (*p == '"') {
            char *out = ++p, *start = out;
            while (*p && *p != '"') {
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) p++;
                *out++ = *p++;
            }
            if (*p != '"') return "unterminated \"...\" (a caption's text ends with a double quote)";
            p++;
            *out = 0;
            if (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '#')
                return "expected a blank after the closing double quote";
            ws->quoted[ws->n] = true;
            ws->w[ws->n++] = start;
            if (*p && *p != '#') p++;
            else if (*p == '#') return NULL;
        } else {
            ws->quoted[ws->n] = false;
            ws->w[ws->n++] = p;
            while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '#' && *p != '"') p++;
            if (*p == '"') return "a double quote inside a word (quote whole words: \"like this\")";
            if (*p == '#') {
                *p = 0;
                return NULL;
            }
            if (*p) *p++ = 0;
        }
    }
}

static void push(script *s, const script_action *a) {
    if (s->n == s->cap) {
        size_t c = s->cap ? s->cap * 2 : 16;
        script_action *v = realloc(s->v, c * sizeof *v);
        if (!v) {
            fprintf(stderr, "tricolor record: out of memory reading the script\n");
            exit(1);
        }
        s->v = v;
        s->cap = c;
    }
    s->v[s->n++] = *a;
}

/* Parses one action's arguments into a; NULL or a message. */
static const char *action(script_action *a, words *ws) {
    const char *name = ws->w[1];
    int k = -1;
    for (int i = 0; i < SCRIPT_NKINDS; i++)
        if (!strcmp(name, script_kind_names[i])) k = i;
    if (k < 0) {
        char valid[200] = "";
        for (int i = 0; i < SCRIPT_NKINDS; i++) {
            strcat(valid, script_kind_names[i]);
            if (i + 1 < SCRIPT_NKINDS) strcat(valid, ", ");
        }
        return msg("unknown action '%s' (valid: %s)", name, valid);
    }
    a->kind = (script_kind)k;
    int nargs = ws->n - 2;
    char **arg = ws->w + 2;
    int want_min = 1, want_max = 1;
    if (k == SCRIPT_PAUSE || k == SCRIPT_RESUME) want_min = want_max = 0;
    if (k == SCRIPT_CAPTION) want_max = 2;
    if (nargs < want_min || nargs > want_max)
        return msg("%s takes %s%d argument%s, got %d: expected %s", name, want_max > want_min ? "at most " : "",
                   want_max, want_max == 1 ? "" : "s", nargs, usage_of[k]);
    for (int i = 0; i < nargs; i++)
        if (ws->quoted[2 + i] != (k == SCRIPT_CAPTION && i == 0))
            return msg("%s: argument %d is %squoted: expected %s", name, i + 1, ws->quoted[2 + i] ? "" : "not ",
                       usage_of[k]);
    double d;
    const char *bad;
    switch (a->kind) {
    case SCRIPT_BARRIER:
        if (!tc_barrier_parse(arg[0], &a->barrier))
            return msg("barrier: unknown barrier '%s' (valid: dijkstra, steele, yuasa, stw)", arg[0]);
        break;
    case SCRIPT_SPEED:
        if ((bad = script_parse_speed(arg[0], &a->number))) return prefixed("speed", bad);
        break;
    case SCRIPT_CAPTION:
        a->number = 4;
        if (nargs == 2) {
            static const char *const sfx[] = {"s", NULL};
            if (!number(arg[1], &d, sfx, NULL) || !(d > 0 && d <= 3600))
                return msg("caption: '%s' is not a duration in seconds (valid: more than 0, at most 3600)", arg[1]);
            a->number = d;
        }
        a->text = strdup(arg[0]);
        if (!a->text) return "out of memory";
        break;
    case SCRIPT_WORKLOAD:
        a->wl = wl_find(arg[0]);
        if (!a->wl) return msg("workload: unknown workload '%s' (valid: %s)", arg[0], wl_names());
        break;
    case SCRIPT_STEP:
        if (!number(arg[0], &d, NULL, NULL) || d != floor(d) || d < 1 || d > 100000000)
            return msg("step: '%s' is not a whole number of work units (valid: 1..100000000)", arg[0]);
        a->value = (uint64_t)d;
        break;
    case SCRIPT_TRIGGER: {
        static const char *const sfx[] = {"%", NULL};
        if (!number(arg[0], &d, sfx, NULL) || d != floor(d) || d < 10 || d > 1000)
            return msg("trigger: '%s' is not a percentage from 10 to 1000", arg[0]);
        a->value = (uint64_t)d;
        break;
    }
    case SCRIPT_HEAP_LIMIT:
        if (!strcmp(arg[0], "none")) {
            a->value = 0;
        } else if (!bytes(arg[0], &a->value) || a->value < (1u << 20)) {
            return msg("heap-limit: '%s' is not a size from 1M to 1024G, or none (e.g. 64M)", arg[0]);
        }
        break;
    case SCRIPT_PAUSE_TARGET: {
        uint32_t us;
        if ((bad = script_parse_pause_target(arg[0], &us))) return prefixed("pause-target", bad);
        a->value = us;
        break;
    }
    case SCRIPT_VIEW:
        if (strcmp(arg[0], "graph") && strcmp(arg[0], "heapmap"))
            return msg("view: unknown view '%s' (valid: graph, heapmap)", arg[0]);
        a->value = !strcmp(arg[0], "heapmap");
        break;
    default: break;
    }
    return NULL;
}

bool script_parse(const char *name, const char *src, script *s, char *err, size_t errlen) {
    double last_t = 0;
    int lineno = 0;
    const char *p = src;
    while (*p) {
        lineno++;
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[MAX_LINE];
        const char *bad = NULL;
        words ws = {.n = 0};
        if (len >= sizeof line) {
            bad = msg("line too long (at most %d characters)", MAX_LINE - 1);
        } else {
            memcpy(line, p, len);
            line[len] = 0;
            bad = split(line, &ws);
        }
        p = nl ? nl + 1 : p + len;
        if (!bad && ws.n == 0) continue; /* blank or comment */
        script_action a = {.line = lineno};
        if (!bad) {
            static const char *const sfx[] = {"s", NULL};
            if (ws.quoted[0] || !number(ws.w[0], &a.t, sfx, NULL) || a.t < 0)
                bad = msg("'%s' is not a time: expected seconds from the start (e.g. 2.5 or 2.5s), then an action",
                          ws.w[0]);
            else if (a.t < last_t)
                bad = msg("time %g s is before the previous action's %g s (times must not decrease)", a.t, last_t);
            else if (ws.n < 2)
                bad = msg("expected an action after the time %s (e.g. '%s barrier yuasa')", ws.w[0], ws.w[0]);
            else
                bad = action(&a, &ws);
        }
        if (bad) {
            snprintf(err, errlen, "%s:%d: %s", name, lineno, bad);
            free(a.text);
            script_free(s);
            return false;
        }
        last_t = a.t;
        push(s, &a);
    }
    return true;
}

bool script_load(const char *path, script *s, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read the script: %s", path, strerror(errno));
        return false;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 == cap) {
            char *nb = cap < (1u << 24) ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    bool read_err = ferror(f);
    fclose(f);
    if (!buf || read_err) {
        snprintf(err, errlen, "%s: cannot read the script (%s)", path, buf ? "read error" : "out of memory, or larger than 16 MiB");
        free(buf);
        return false;
    }
    buf[n] = 0;
    if (strlen(buf) != n) {
        free(buf);
        snprintf(err, errlen, "%s: not a text file (it contains a NUL byte)", path);
        return false;
    }
    bool ok = script_parse(path, buf, s, err, errlen);
    free(buf);
    return ok;
}

void script_free(script *s) {
    for (size_t i = 0; i < s->n; i++) free(s->v[i].text);
    free(s->v);
    memset(s, 0, sizeof *s);
}
