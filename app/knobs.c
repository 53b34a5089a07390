/*
 * knobs.c — the knob table and what reads it (knobs.h).
 *
 * To add a knob: a knob_id, a row below with its setter and getter, and
 * the field in tc_config (gc/tricolor.h, with its range constants). Every
 * command and the script parser pick it up; tests/test_knobs.c checks that
 * each accepts it under the same name, with the same range, and lists it
 * in --help.
 *
 * Nothing here exits or reaches past gc/, values.c and cli_msg: reading a
 * knob off a command line (knob_arg, which fails the command) is in
 * knob_args.c, so the parsers here can be driven on their own (the fuzz
 * harness tests/fuzz/fuzz_parsers.c does).
 */
#include "knobs.h"

#include <stdarg.h>
#include <string.h>

#include "cli.h"
#include "values.h"

/* ---------- setters and getters, one pair a row ---------- */

static void set_barrier(tc_config *c, uint64_t v) { c->barrier = (tc_barrier)v; }
static uint64_t get_barrier(const tc_config *c) { return c->barrier; }
static void set_step_work(tc_config *c, uint64_t v) { /* 0 (off): back to microseconds */
    if (v) c->step_work = (uint32_t)v;
    c->budget_unit = v ? TC_BUDGET_WORK : TC_BUDGET_USEC;
}
static uint64_t get_step_work(const tc_config *c) { return c->budget_unit == TC_BUDGET_WORK ? c->step_work : 0; }
static void set_step_us(tc_config *c, uint64_t v) { /* 0 (off): back to work units */
    if (v) c->step_usec = (uint32_t)v;
    c->budget_unit = v ? TC_BUDGET_USEC : TC_BUDGET_WORK;
}
static uint64_t get_step_us(const tc_config *c) { return c->budget_unit == TC_BUDGET_USEC ? c->step_usec : 0; }
static void set_trigger(tc_config *c, uint64_t v) { c->trigger_pct = (uint32_t)v; }
static uint64_t get_trigger(const tc_config *c) { return c->trigger_pct; }
static void set_runway(tc_config *c, uint64_t v) { c->runway_pct = (uint32_t)v; }
static uint64_t get_runway(const tc_config *c) { return c->runway_pct; }
static void set_pause_target(tc_config *c, uint64_t v) { c->pause_target_usec = (uint32_t)v; }
static uint64_t get_pause_target(const tc_config *c) { return c->pause_target_usec; }
static void set_mmu(tc_config *c, uint64_t v) { c->mmu_pct = (uint32_t)v; }
static uint64_t get_mmu(const tc_config *c) { return c->mmu_pct; }
static void set_mmu_window(tc_config *c, uint64_t v) { c->mmu_window_usec = (uint32_t)v; }
static uint64_t get_mmu_window(const tc_config *c) { return c->mmu_window_usec; }
static void set_conc_mmu(tc_config *c, uint64_t v) { c->conc_mmu_pct = (uint32_t)v; }
static uint64_t get_conc_mmu(const tc_config *c) { return c->conc_mmu_pct; }
static void set_conc_mmu_window(tc_config *c, uint64_t v) { c->conc_mmu_window_usec = (uint32_t)v; }
static uint64_t get_conc_mmu_window(const tc_config *c) { return c->conc_mmu_window_usec; }
static void set_min_heap(tc_config *c, uint64_t v) { c->min_heap = (size_t)v; }
static uint64_t get_min_heap(const tc_config *c) { return c->min_heap; }
static void set_heap_limit(tc_config *c, uint64_t v) { c->heap_limit = (size_t)v; }
static uint64_t get_heap_limit(const tc_config *c) { return c->heap_limit; }
static void set_mem_thread(tc_config *c, uint64_t v) { c->mem_thread = v != 0; }
static uint64_t get_mem_thread(const tc_config *c) { return c->mem_thread; }
static void set_mode(tc_config *c, uint64_t v) { c->concurrent = v != 0; }
static uint64_t get_mode(const tc_config *c) { return c->concurrent; }
static void set_gc_cpu(tc_config *c, uint64_t v) { c->gc_cpu_pct = (uint32_t)v; }
static uint64_t get_gc_cpu(const tc_config *c) { return c->gc_cpu_pct; }
static void set_gc_idle(tc_config *c, uint64_t v) { c->gc_idle = v != 0; }
static uint64_t get_gc_idle(const tc_config *c) { return c->gc_idle; }

#define SIZE_MAX_KNOB ((uint64_t)1 << 40) /* 1 TiB: more than any machine this runs on */

/* clang-format off */
const knob knobs[KNOB_N] = {
    [KNOB_BARRIER_ID] = {"barrier", NULL, "barrier", KNOB_BARRIER, 0, TC_BARRIER_COUNT - 1, NULL, "B",
        "write barrier: dijkstra, steele, yuasa, stw (stop-the-world) or hybrid (Go's: yuasa + dijkstra); "
        "default dijkstra",
        set_barrier, get_barrier},
    [KNOB_STEP_WORK] = {"step-work", "step", "step_work", KNOB_COUNT, TC_STEP_WORK_MIN, TC_STEP_WORK_MAX, "off",
        "N|off", "increment budget in work units: the same work on any machine (default 1000; view and record: "
        "40 on demo; off: a time budget, see --step-us)",
        set_step_work, get_step_work},
    [KNOB_STEP_US] = {"step-us", NULL, "step_usec", KNOB_USEC, TC_STEP_USEC_MIN, TC_STEP_USEC_MAX, "off", "T|off",
        "increment budget in time instead of work units: an increment ends at this deadline, e.g. 25us or 1ms "
        "(default off: work units)",
        set_step_us, get_step_us},
    [KNOB_TRIGGER] = {"trigger", NULL, "trigger_pct", KNOB_PCT, TC_TRIGGER_PCT_MIN, TC_TRIGGER_PCT_MAX, NULL, "PCT",
        "heap goal, like Go's GOGC: the heap may grow PCT% over what the last cycle found live, so it peaks "
        "near live x (1 + PCT/100) (default 100)",
        set_trigger, get_trigger},
    [KNOB_RUNWAY] = {"runway", NULL, "runway_pct", KNOB_PCT, TC_RUNWAY_PCT_MIN, TC_RUNWAY_PCT_MAX, NULL, "PCT",
        "when a cycle starts: it runs over the last PCT% of the headroom before the goal; more = sparser "
        "increments, cycles more often (default 50)",
        set_runway, get_runway},
    [KNOB_PAUSE_TARGET] = {"pause-target", NULL, "pause_target_usec", KNOB_USEC, TC_PAUSE_TARGET_USEC_MIN,
        TC_PAUSE_TARGET_USEC_MAX, "off", "T|off",
        "auto-pacer: the collector sizes its own increments to stay under T, e.g. 200us or 1ms (default off)",
        set_pause_target, get_pause_target},
    [KNOB_MMU] = {"mmu", NULL, "mmu_pct", KNOB_PCT, TC_MMU_PCT_MIN, TC_MMU_PCT_MAX, "off", "PCT|off",
        "utilization guard: the collector takes at most 100-PCT% of any --mmu-window, so the mutator keeps a "
        "minimum utilization of PCT%; an increment that would break it waits (its work still owed) and the heap "
        "may overshoot the goal, by at most half the headroom (default 60)",
        set_mmu, get_mmu},
    [KNOB_MMU_WINDOW] = {"mmu-window", NULL, "mmu_window_usec", KNOB_USEC, TC_MMU_WINDOW_USEC_MIN,
        TC_MMU_WINDOW_USEC_MAX, NULL, "T", "the window the utilization guard keeps its share of (default 10ms)",
        set_mmu_window, get_mmu_window},
    [KNOB_CONC_MMU] = {"conc-mmu", NULL, "conc_mmu_pct", KNOB_PCT, TC_MMU_PCT_MIN, TC_MMU_PCT_MAX, "off", "PCT|off",
        "concurrent mode: the utilization guard while the marker thread runs, over --conc-mmu-window: the "
        "mutator's assists wait rather than take more than 100-PCT%, until the heap reaches the wait ceiling, "
        "live x (1 + 2 x trigger) (default 90)",
        set_conc_mmu, get_conc_mmu},
    [KNOB_CONC_MMU_WINDOW] = {"conc-mmu-window", NULL, "conc_mmu_window_usec", KNOB_USEC, TC_MMU_WINDOW_USEC_MIN,
        TC_MMU_WINDOW_USEC_MAX, NULL, "T", "concurrent mode: the window of --conc-mmu (default 1ms)",
        set_conc_mmu_window, get_conc_mmu_window},
    [KNOB_MIN_HEAP] = {"min-heap", NULL, "min_heap", KNOB_SIZE, 0, SIZE_MAX_KNOB, NULL, "SIZE",
        "the heap goal is never below this size (default 4M, as Go's heap minimum; demo: its own 1M in bench and "
        "tune, 32K in view and record)",
        set_min_heap, get_min_heap},
    [KNOB_HEAP_LIMIT] = {"heap-limit", NULL, "heap_limit", KNOB_SIZE, TC_HEAP_LIMIT_MIN, SIZE_MAX_KNOB, "none",
        "SIZE|none", "heap limit, e.g. 512M or 2GiB (default none)",
        set_heap_limit, get_heap_limit},
    [KNOB_MEM_THREAD] = {"mem-thread", NULL, "mem_thread", KNOB_ONOFF, 0, 1, NULL, "on|off",
        "background memory thread: keeps pre-faulted pages ready and returns surplus memory off the mutator's "
        "thread (default on; off for single-threaded embedders and --deterministic)",
        set_mem_thread, get_mem_thread},
    [KNOB_MODE_ID] = {"mode", NULL, "concurrent", KNOB_MODE, 0, 1, NULL, "M",
        "incremental: every unit of collection runs on the mutator's thread, in increments; concurrent: a "
        "marker thread marks beside the mutator, which stops only for handshakes, assists and buffer flushes "
        "(barriers dijkstra, yuasa or hybrid; default incremental)",
        set_mode, get_mode},
    [KNOB_GC_CPU] = {"gc-cpu", NULL, "gc_cpu_pct", KNOB_PCT, TC_GC_CPU_PCT_MIN, TC_GC_CPU_PCT_MAX, NULL, "PCT",
        "concurrent mode: the marker thread's CPU at normal priority, in % of one core, like Go's 25% "
        "dedicated background utilization (default 25)",
        set_gc_cpu, get_gc_cpu},
    [KNOB_GC_IDLE] = {"gc-idle", NULL, "gc_idle", KNOB_ONOFF, 0, 1, NULL, "on|off",
        "concurrent mode: beyond --gc-cpu the marker goes on marking at idle priority (Linux SCHED_IDLE), "
        "on CPU time nothing else wants, like Go's idle mark workers (default on)",
        set_gc_idle, get_gc_idle},
};
/* clang-format on */

const knob *knob_find(const char *s) {
    if (!strncmp(s, "--", 2)) s += 2;
    for (int k = 0; k < KNOB_N; k++)
        if (!strcmp(s, knobs[k].name) || (knobs[k].alias && !strcmp(s, knobs[k].alias))) return &knobs[k];
    return NULL;
}

static void fmt_value(const knob *k, uint64_t v, char *buf, size_t len) {
    if (k->off && v == 0) {
        snprintf(buf, len, "%s", k->off);
        return;
    }
    switch (k->type) {
    case KNOB_BARRIER: snprintf(buf, len, "%s", tc_barrier_name((tc_barrier)v)); break;
    case KNOB_COUNT: snprintf(buf, len, "%llu", (unsigned long long)v); break;
    case KNOB_PCT: snprintf(buf, len, "%llu%%", (unsigned long long)v); break;
    case KNOB_SIZE: value_fmt_size(buf, len, v); break;
    case KNOB_USEC: value_fmt_usec(buf, len, v); break;
    case KNOB_ONOFF: snprintf(buf, len, "%s", v ? "on" : "off"); break;
    case KNOB_MODE: snprintf(buf, len, "%s", v ? "concurrent" : "incremental"); break;
    }
}

void knob_range(const knob *k, char *buf, size_t len) {
    if (k->type == KNOB_BARRIER) {
        snprintf(buf, len, "dijkstra, steele, yuasa, stw, hybrid");
        return;
    }
    if (k->type == KNOB_MODE) {
        snprintf(buf, len, "incremental, concurrent");
        return;
    }
    if (k->type == KNOB_ONOFF) {
        snprintf(buf, len, "on, off");
        return;
    }
    char lo[32], hi[32];
    fmt_value(k, k->lo, lo, sizeof lo);
    fmt_value(k, k->hi, hi, sizeof hi);
    if (k->off && k->lo == 0) snprintf(lo, sizeof lo, "0"); /* a 0 that is not "off" */
    if (k->type == KNOB_PCT) lo[strcspn(lo, "%")] = 0;      /* "10..1000%" */
    snprintf(buf, len, "%s..%s%s%s", lo, hi, k->off ? ", or " : "", k->off ? k->off : "");
}

void knob_format(const knob *k, const tc_config *c, char *buf, size_t len) { fmt_value(k, k->get(c), buf, len); }

const char *knob_parse(const knob *k, const char *s, uint64_t *out) {
    static const char *const what[] = {
        [KNOB_BARRIER] = "a barrier",
        [KNOB_COUNT] = "a whole number",
        [KNOB_PCT] = "a whole percentage such as 100 or 100%",
        [KNOB_SIZE] = "a size such as 64M or 2GiB",
        [KNOB_USEC] = "a duration such as 200us, 1.5ms or 1s",
        [KNOB_ONOFF] = "on or off",
        [KNOB_MODE] = "a mode",
    };
    char range[96];
    knob_range(k, range, sizeof range);
    if (k->off && !strcmp(s, k->off)) {
        *out = 0;
        return NULL;
    }
    uint64_t v = 0;
    bool ok = false, b;
    tc_barrier bar;
    switch (k->type) {
    case KNOB_BARRIER:
        if ((ok = tc_barrier_parse(s, &bar))) v = bar;
        break;
    case KNOB_COUNT: ok = value_uint(s, &v); break;
    case KNOB_PCT: ok = value_pct(s, &v); break;
    case KNOB_SIZE: ok = value_size(s, &v); break;
    case KNOB_USEC: ok = value_usec(s, &v); break;
    case KNOB_ONOFF:
        if ((ok = value_onoff(s, &b))) v = b;
        break;
    case KNOB_MODE:
        ok = !strcmp(s, "incremental") || !strcmp(s, "concurrent");
        v = !strcmp(s, "concurrent");
        break;
    }
    if (!ok && k->type == KNOB_MODE) return cli_msg("unknown mode '%.*s%s' (valid: %s)", VALUE_QUOTE(s), range);
    if (!ok && k->type == KNOB_BARRIER) return cli_msg("unknown barrier '%.*s%s' (valid: %s)", VALUE_QUOTE(s), range);
    if (!ok) return cli_msg("'%.*s%s' is not %s (valid: %s)", VALUE_QUOTE(s), what[k->type], range);
    /* 0 is "off" where there is an off word: "--pause-target 0" is off. */
    if (k->off && v == 0) {
        *out = 0;
        return NULL;
    }
    if (v < k->lo || v > k->hi) return cli_msg("%.*s%s is out of range (valid: %s)", VALUE_QUOTE(s), range);
    *out = v;
    return NULL;
}

/* Prints text from column 26, wrapped before column 104. */
static void wrapped(FILE *f, const char *head, const char *words) {
    enum { COL = 26, WIDTH = 104 };
    int at = fprintf(f, "%s", head);
    if (at >= COL) {
        fprintf(f, "\n");
        at = 0;
    }
    fprintf(f, "%*s", COL - at, "");
    at = COL;
    while (*words) {
        size_t w = strcspn(words, " ");
        if (at > COL && at + 1 + (int)w > WIDTH) {
            fprintf(f, "\n%*s", COL, "");
            at = COL;
        } else if (at > COL) {
            fputc(' ', f);
            at++;
        }
        fprintf(f, "%.*s", (int)w, words);
        at += (int)w;
        words += w;
        while (*words == ' ') words++;
    }
    fputc('\n', f);
}

void knob_help(FILE *f) {
    for (int k = 0; k < KNOB_N; k++) {
        char head[64], range[96], line[512];
        snprintf(head, sizeof head, "  --%s %s", knobs[k].name, knobs[k].metavar);
        knob_range(&knobs[k], range, sizeof range);
        snprintf(line, sizeof line, "%s [%s]%s%s%s", knobs[k].help, range, knobs[k].alias ? " (also --" : "",
                 knobs[k].alias ? knobs[k].alias : "", knobs[k].alias ? ")" : "");
        wrapped(f, head, line);
    }
}

void knob_dry_run(const char *cmd, const tc_config *c) {
    printf("tricolor %s: would run with ", cmd);
    knob_print(stdout, c);
}

void knob_print(FILE *f, const tc_config *c) {
    for (int k = 0; k < KNOB_N; k++) {
        char v[64];
        knob_format(&knobs[k], c, v, sizeof v);
        fprintf(f, "%s%s %s", k ? ", " : "", knobs[k].name, v);
    }
    fputc('\n', f);
}
