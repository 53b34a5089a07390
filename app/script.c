/*
 * script.c — parsing a recording's script (see script.h).
 *
 * A line is cut into words first (a double-quoted word may hold blanks,
 * \" and \\; '#' outside quotes ends the line), then the first word is the
 * time, the second the action, the rest its arguments, each read by the
 * same parsers and checked against the same ranges as the command-line
 * flags (knobs.h, values.h). Every message names the file and line, what
 * was found and what was expected.
 */
#include "script.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "values.h"

#define MAX_WORDS 8
#define MAX_LINE  4096

/* The actions that are not knobs, and what each takes, for messages. */
static const char *const own_names[SCRIPT_NKINDS] = {
    [SCRIPT_SPEED] = "speed", [SCRIPT_CAPTION] = "caption", [SCRIPT_WORKLOAD] = "workload",
    [SCRIPT_VIEW] = "view",   [SCRIPT_PAUSE] = "pause",     [SCRIPT_RESUME] = "resume",
    [SCRIPT_SEEK] = "seek",   [SCRIPT_REPLAY] = "replay",   [SCRIPT_LIVE] = "live",
    [SCRIPT_UNTIL] = "until", [SCRIPT_WAIT] = "wait",       [SCRIPT_LOST] = "lost-object",
};
static const char *const usage_of[SCRIPT_NKINDS] = {
    [SCRIPT_SPEED] = "speed X (1/32 .. 32, e.g. 0.25 or 1/4)",
    [SCRIPT_CAPTION] = "caption \"TEXT\" [SECONDS] (shown for 4 s unless SECONDS is given)",
    [SCRIPT_WORKLOAD] = "workload NAME (see 'tricolor list')",
    [SCRIPT_VIEW] = "view graph|heapmap",
    [SCRIPT_PAUSE] = "pause",
    [SCRIPT_RESUME] = "resume",
    [SCRIPT_SEEK] = "seek N|-N (the frame after increment N, or N increments back from the one shown)",
    [SCRIPT_REPLAY] = "replay X (the history from the moment shown at speed X, 1/32 .. 32, up to now)",
    [SCRIPT_LIVE] = "live",
    [SCRIPT_UNTIL] = "until idle|propagate|sweep|cycle-end",
    [SCRIPT_WAIT] = "wait",
    [SCRIPT_LOST] = "lost-object off|on (the store that would lose an object, without or with the barrier)",
};

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
        if (ws->n == MAX_WORDS) return cli_msg("too many words (at most %d)", MAX_WORDS);
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
            if (*p && *p != '#')
                p++;
            else if (*p == '#')
                return NULL;
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

/* "barrier, step-work, ..., speed, caption, ..." */
static void valid_actions(char *buf, size_t len) {
    size_t at = 0;
    for (int k = 0; k < KNOB_N && at < len; k++) at += (size_t)snprintf(buf + at, len - at, "%s, ", knobs[k].name);
    for (int k = SCRIPT_SPEED; k < SCRIPT_NKINDS && at < len; k++)
        at += (size_t)snprintf(buf + at, len - at, "%s%s", own_names[k], k + 1 < SCRIPT_NKINDS ? ", " : "");
}

/* A knob's action: one unquoted value, read as its flag reads it. */
static const char *knob_action(script_action *a, const knob *k, const words *ws) {
    a->kind = SCRIPT_KNOB;
    a->knob = k;
    if (ws->n != 3 || ws->quoted[2])
        return cli_msg("%s takes one unquoted value, got %d: expected %s %s", ws->w[1], ws->n - 2, k->name, k->metavar);
    const char *bad = knob_parse(k, ws->w[2], &a->value);
    return bad ? cli_msg("%s: %s", ws->w[1], bad) : NULL;
}

/* Parses one action's arguments into a; NULL or a message. */
static const char *action(script_action *a, words *ws) {
    const char *name = ws->w[1];
    const knob *kn = strncmp(name, "--", 2) ? knob_find(name) : NULL;
    if (kn) return knob_action(a, kn, ws);
    int k = -1;
    for (int i = SCRIPT_SPEED; i < SCRIPT_NKINDS; i++)
        if (!strcmp(name, own_names[i])) k = i;
    if (k < 0) {
        char valid[300];
        valid_actions(valid, sizeof valid);
        return cli_msg("unknown action '%.*s%s' (valid: %s)", VALUE_QUOTE(name), valid);
    }
    a->kind = (script_kind)k;
    int nargs = ws->n - 2;
    char **arg = ws->w + 2;
    int want_min = 1, want_max = 1;
    if (k == SCRIPT_PAUSE || k == SCRIPT_RESUME || k == SCRIPT_LIVE || k == SCRIPT_WAIT) want_min = want_max = 0;
    if (k == SCRIPT_CAPTION) want_max = 2;
    if (nargs < want_min || nargs > want_max)
        return cli_msg("%s takes %s%d argument%s, got %d: expected %s", name, want_max > want_min ? "at most " : "",
                       want_max, want_max == 1 ? "" : "s", nargs, usage_of[k]);
    for (int i = 0; i < nargs; i++)
        if (ws->quoted[2 + i] != (k == SCRIPT_CAPTION && i == 0))
            return cli_msg("%s: argument %d is %squoted: expected %s", name, i + 1, ws->quoted[2 + i] ? "" : "not ",
                           usage_of[k]);
    double d;
    switch (a->kind) {
    case SCRIPT_SPEED:
    case SCRIPT_REPLAY:
        if (!value_speed(arg[0], &d) || !(d >= 1.0 / 32 - 1e-9 && d <= 32 + 1e-9))
            return cli_msg("%s: '%.*s%s' is not a speed from 1/32 (0.03125) to 32", name, VALUE_QUOTE(arg[0]));
        a->number = d;
        break;
    case SCRIPT_UNTIL: {
        static const struct {
            const char *name;
            tc_phase phase;
        } phases[] = {{"idle", TC_PHASE_IDLE},
                      {"propagate", TC_PHASE_PROPAGATE},
                      {"sweep", TC_PHASE_SWEEP},
                      {"cycle-end", TC_PHASE_COUNT}};
        size_t i = 0;
        while (i < 4 && strcmp(arg[0], phases[i].name)) i++;
        if (i == 4)
            return cli_msg("until: unknown phase '%.*s%s' (valid: idle, propagate, sweep, cycle-end)",
                           VALUE_QUOTE(arg[0]));
        a->value = (uint64_t)phases[i].phase;
        break;
    }
    case SCRIPT_LOST:
        if (strcmp(arg[0], "off") && strcmp(arg[0], "on"))
            return cli_msg("lost-object: '%.*s%s' is neither off nor on (valid: off: without the barrier, on: with it)",
                           VALUE_QUOTE(arg[0]));
        a->value = !strcmp(arg[0], "on");
        break;
    case SCRIPT_SEEK: {
        uint64_t n;
        bool back = arg[0][0] == '-';
        if (!value_uint(arg[0] + back, &n) || n > 1000000000 || (back && n == 0))
            return cli_msg("seek: '%.*s%s' is not an increment (valid: N from 0, or -N from -1, up to 1000000000)",
                           VALUE_QUOTE(arg[0]));
        a->number = (double)n;
        a->value = back;
        break;
    }
    case SCRIPT_CAPTION:
        a->number = 4;
        if (nargs == 2) {
            if (!value_seconds(arg[1], &d) || !(d > 0 && d <= 3600))
                return cli_msg("caption: '%.*s%s' is not a duration in seconds (valid: more than 0, at most 3600)",
                               VALUE_QUOTE(arg[1]));
            a->number = d;
        }
        a->text = strdup(arg[0]);
        if (!a->text) return "out of memory";
        break;
    case SCRIPT_WORKLOAD:
        a->wl = wl_find(arg[0]);
        if (!a->wl) return cli_msg("workload: unknown workload '%.*s%s' (valid: %s)", VALUE_QUOTE(arg[0]), wl_names());
        break;
    case SCRIPT_VIEW:
        if (strcmp(arg[0], "graph") && strcmp(arg[0], "heapmap"))
            return cli_msg("view: unknown view '%.*s%s' (valid: graph, heapmap)", VALUE_QUOTE(arg[0]));
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
            bad = cli_msg("line too long (at most %d characters)", MAX_LINE - 1);
        } else {
            memcpy(line, p, len);
            line[len] = 0;
            bad = split(line, &ws);
        }
        p = nl ? nl + 1 : p + len;
        if (!bad && ws.n == 0) continue; /* blank or comment */
        script_action a = {.line = lineno};
        if (!bad) {
            if (ws.quoted[0] || !value_seconds(ws.w[0], &a.t))
                bad = cli_msg(
                    "'%.*s%s' is not a time: expected seconds from the start (e.g. 2.5 or 2.5s), then an action",
                    VALUE_QUOTE(ws.w[0]));
            else if (a.t < last_t)
                bad = cli_msg("time %g s is before the previous action's %g s (times must not decrease)", a.t, last_t);
            else if (ws.n < 2)
                bad = cli_msg("expected an action after the time %.*s%s (e.g. '%.*s%s barrier yuasa')",
                              VALUE_QUOTE(ws.w[0]), VALUE_QUOTE(ws.w[0]));
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
        snprintf(err, errlen, "%s: cannot read the script (%s)", path,
                 buf ? "read error" : "out of memory, or larger than 16 MiB");
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
