/*
 * fuzz_parsers.c — a libFuzzer harness over the parsers of what users
 * type: the value of every knob flag (app/knobs.c over app/values.c), each
 * value parser of app/values.h alone, and record scripts (app/script.c).
 *
 * The first input byte chooses the target, the rest is its text, cut at
 * the first NUL as a command line or script_load would cut it:
 * - a knob, one per row of the knob table: knob_parse. An accepted value
 *   must lie in the row's [lo, hi] (the TC_*_MIN/MAX constants of
 *   gc/tricolor.h) or be 0 where the row has an off word; set into a
 *   default config, tc_config_check must accept it and knob_format must
 *   spell it so that knob_parse reads the same value back. A refused value
 *   must get a whole message that ends by saying what is valid.
 * - a value parser of values.h: an accepted whole number or percentage
 *   must be the digits given; a size or duration must read back the same
 *   from value_fmt_size/value_fmt_usec; a speed or seconds must be finite
 *   and not negative; on/off only "on" or "off".
 * - a script: script_parse. Every action of an accepted script is checked
 *   as cmd_record.c would apply it: a knob's value in its row's range,
 *   speed within 1/32..32, a caption with text shown for more than 0 and
 *   at most 3600 s, a known workload, view 0 or 1, lines rising and times
 *   never falling. A refused script gets "NAME:LINE: message" with LINE a
 *   line of the text, and is left empty.
 *
 * A violated check aborts with the target and the text, and libFuzzer
 * keeps the input. Built with ASan and UBSan without recovery (mk/fuzz.mk),
 * so a read out of bounds or undefined behaviour is a crash too.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knobs.h"
#include "script.h"
#include "values.h"

enum {
    T_UINT = KNOB_N, /* the knobs come first: target k is knobs[k] */
    T_PCT,
    T_SIZE,
    T_USEC,
    T_ONOFF,
    T_SPEED,
    T_SECONDS,
    T_SCRIPT,
    T_N
};

#define SCRIPT_NAME "fuzz.script"
/* cli_msg (app/cli.c) writes each message into 400 bytes: a message that
 * fills them was cut short. */
#define MSG_ROOM 400

static const char *target_name(int t) {
    static const char *const own[] = {"value_uint",  "value_pct",   "value_size",    "value_usec",
                                      "value_onoff", "value_speed", "value_seconds", "script_parse"};
    return t < KNOB_N ? knobs[t].name : own[t - KNOB_N];
}

static int cur_target;
static const char *cur_text;

__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...) {
    fprintf(stderr, "fuzz_parsers: %s: ", target_name(cur_target));
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n  input: '%s'\n", cur_text);
    abort();
}

/* A whole message that says what is valid ends with "(valid: ...)". */
static void check_refusal(const char *msg) {
    if (!msg || !*msg) fail("refused without a message");
    const char *v = strstr(msg, "(valid: ");
    size_t n = strlen(msg);
    if (!v || msg[n - 1] != ')' || n >= MSG_ROOM - 1) fail("message does not end by saying what is valid: '%s'", msg);
}

/* v as knob k took it: inside the row's range, valid for the collector,
 * and spelled back by knob_format as a value knob_parse reads the same. */
static void check_knob_value(const knob *k, uint64_t v) {
    if (!(k->off && v == 0) && (v < k->lo || v > k->hi))
        fail("accepted %llu, outside %llu..%llu", (unsigned long long)v, (unsigned long long)k->lo,
             (unsigned long long)k->hi);
    tc_config c;
    tc_config_default(&c);
    k->set(&c, v);
    if (k->get(&c) != v)
        fail("set then get gives %llu, not %llu", (unsigned long long)k->get(&c), (unsigned long long)v);
    /* Only the heap limit has a rule across fields, and knob_settle meets
     * it by moving min_heap; this checks the field's own range. */
    if (c.heap_limit && c.min_heap > c.heap_limit) c.min_heap = c.heap_limit;
    const char *bad = tc_config_check(&c);
    if (bad) fail("accepted %llu, which tc_config_check refuses: %s", (unsigned long long)v, bad);
    char spelled[64];
    knob_format(k, &c, spelled, sizeof spelled);
    uint64_t again = ~v;
    const char *msg = knob_parse(k, spelled, &again);
    if (msg || again != v)
        fail("%llu formats as '%s', which reads back as %s", (unsigned long long)v, spelled,
             msg ? msg : "another value");
}

static void fuzz_knob(const knob *k, const char *s) {
    uint64_t v = 0;
    const char *msg = knob_parse(k, s, &v);
    if (msg)
        check_refusal(msg);
    else
        check_knob_value(k, v);
}

/* s without leading zeros ("" for all zeros) equals v's digits. */
static void check_digits(const char *s, size_t n, uint64_t v) {
    char d[32];
    snprintf(d, sizeof d, "%llu", (unsigned long long)v);
    while (n > 1 && *s == '0') s++, n--;
    if (strlen(d) != n || memcmp(d, s, n)) fail("read as %s", d);
}

static void fuzz_value(int t, const char *s) {
    uint64_t v, again;
    double d;
    bool b;
    char buf[64];
    size_t n = strlen(s);
    switch (t) {
    case T_UINT:
        if (value_uint(s, &v)) check_digits(s, n, v);
        break;
    case T_PCT:
        if (value_pct(s, &v)) check_digits(s, n && s[n - 1] == '%' ? n - 1 : n, v);
        break;
    case T_SIZE:
        if (value_size(s, &v)) {
            value_fmt_size(buf, sizeof buf, v);
            if (!value_size(buf, &again) || again != v)
                fail("%llu formats as '%s', read back differently", (unsigned long long)v, buf);
        }
        break;
    case T_USEC:
        if (value_usec(s, &v)) {
            value_fmt_usec(buf, sizeof buf, v);
            if (!value_usec(buf, &again) || again != v)
                fail("%llu formats as '%s', read back differently", (unsigned long long)v, buf);
        }
        break;
    case T_ONOFF: {
        bool on = !strcmp(s, "on"), off = !strcmp(s, "off"), ok = value_onoff(s, &b);
        if (ok != (on || off) || (ok && b != on)) fail("read as %s", ok ? (b ? "on" : "off") : "not on/off");
        break;
    }
    case T_SPEED:
        if (value_speed(s, &d) && !(isfinite(d) && d >= 0)) fail("accepted %g", d);
        break;
    case T_SECONDS:
        if (value_seconds(s, &d) && !(isfinite(d) && d >= 0)) fail("accepted %g", d);
        break;
    }
}

static void check_action(const script_action *a, int line_before, double t_before) {
    if (a->line <= line_before) fail("line %d after line %d", a->line, line_before);
    if (!(isfinite(a->t) && a->t >= t_before)) fail("line %d: time %g after %g", a->line, a->t, t_before);
    switch (a->kind) {
    case SCRIPT_KNOB:
        if (!a->knob) fail("line %d: a knob action without its knob", a->line);
        check_knob_value(a->knob, a->value);
        break;
    case SCRIPT_SPEED:
        if (!(a->number >= 1.0 / 32 - 1e-9 && a->number <= 32 + 1e-9)) fail("line %d: speed %g", a->line, a->number);
        break;
    case SCRIPT_CAPTION:
        if (!a->text || !(a->number > 0 && a->number <= 3600))
            fail("line %d: caption %s for %g s", a->line, a->text ? "with text" : "without text", a->number);
        break;
    case SCRIPT_WORKLOAD:
        if (!a->wl || wl_find(a->wl->name) != a->wl) fail("line %d: workload not in the table", a->line);
        break;
    case SCRIPT_VIEW:
        if (a->value > 1) fail("line %d: view %llu", a->line, (unsigned long long)a->value);
        break;
    case SCRIPT_REPLAY:
        if (!(a->number >= 1.0 / 32 - 1e-9 && a->number <= 32 + 1e-9)) fail("line %d: replay %g", a->line, a->number);
        break;
    case SCRIPT_SEEK:
        if (a->value > 1 || a->number != floor(a->number) || a->number < (double)a->value || a->number > 1e9)
            fail("line %d: seek %s%g", a->line, a->value ? "-" : "", a->number);
        break;
    case SCRIPT_UNTIL:
        if (a->value != TC_PHASE_IDLE && a->value != TC_PHASE_PROPAGATE && a->value != TC_PHASE_SWEEP &&
            a->value != TC_PHASE_COUNT)
            fail("line %d: until phase %llu", a->line, (unsigned long long)a->value);
        break;
    case SCRIPT_LOST:
        if (a->value > 1) fail("line %d: lost-object %llu", a->line, (unsigned long long)a->value);
        break;
    case SCRIPT_PAUSE:
    case SCRIPT_RESUME:
    case SCRIPT_LIVE:
    case SCRIPT_WAIT: break;
    default: fail("line %d: unknown kind %d", a->line, (int)a->kind);
    }
}

static void fuzz_script(const char *src) {
    script s = {0};
    char err[1024] = "";
    if (script_parse(SCRIPT_NAME, src, &s, err, sizeof err)) {
        int line = 0;
        double t = 0;
        for (size_t i = 0; i < s.n; i++) {
            check_action(&s.v[i], line, t);
            line = s.v[i].line;
            t = s.v[i].t;
        }
        script_free(&s);
        return;
    }
    if (s.v || s.n) fail("refused, but the script still holds %zu actions", s.n);
    int lines = 1;
    for (const char *p = src; *p; p++) lines += *p == '\n';
    int at = 0, used = 0;
    if (sscanf(err, SCRIPT_NAME ":%d: %n", &at, &used) != 1 || used == 0 || !err[used])
        fail("refused without a 'NAME:LINE: message': '%s'", err);
    if (at < 1 || at > lines) fail("refused at line %d of %d: '%s'", at, lines, err);
    if (strlen(err + used) >= MSG_ROOM - 1) fail("message cut short: '%s'", err);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    if (size == 0) return 0;
    char *text = malloc(size); /* data[1..] and a NUL, exactly: ASan sees any overread */
    if (!text) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    cur_target = data[0] % T_N;
    cur_text = text;
    if (cur_target < KNOB_N)
        fuzz_knob(&knobs[cur_target], text);
    else if (cur_target == T_SCRIPT)
        fuzz_script(text);
    else
        fuzz_value(cur_target, text);
    free(text);
    return 0;
}
