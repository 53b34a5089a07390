/*
 * scene_args.c — the flags view and record share (scene_args.h).
 */
#include "scene_args.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "values.h"

bool scene_arg(scene *s, knob_mask *given, int argc, char **argv, int *i) {
    const char *o = argv[*i], *C = s->cmd;
    if (knob_arg(C, &s->cfg, given, argc, argv, i) || cli_run_arg(C, argc, argv, i, &s->size, &s->seed)) {
        return true;
    } else if (!strcmp(o, "--workload")) {
        const char *v = cli_value(C, argc, argv, i);
        s->wl = wl_find(v);
        if (!s->wl) cli_fail(C, "--workload: unknown workload '%s' (valid: %s)", v, wl_names());
    } else if (!strcmp(o, "--speed")) {
        const char *v = cli_value(C, argc, argv, i);
        double sp;
        if (!value_speed(v, &sp) || !(sp >= 1.0 / 32 - 1e-9 && sp <= 32 + 1e-9))
            cli_fail(C, "--speed: '%s' is not a speed from 1/32 (0.03125) to 32", v);
        s->speed_idx = scene_speed_index(sp);
    } else if (!strcmp(o, "--history")) {
        const char *v = cli_value(C, argc, argv, i);
        char *end;
        unsigned long long mb = strtoull(v, &end, 10);
        if (end == v || *end || v[0] == '-' || mb > 65536)
            cli_fail(C, "--history: '%s' is not a size in MB from 0 (off) to 65536", v);
        s->history_mb = (size_t)mb;
    } else if (!strcmp(o, "--heapmap")) {
        s->show_heapmap = true;
    } else if (!strcmp(o, "--no-boehm")) {
        s->boehm_on = false;
    } else {
        return false;
    }
    return true;
}

void scene_args_help_placement(FILE *f, const char *made) {
    fprintf(f,
            "Both measured runs take their turns pinned to one CPU (the last), at real-time priority\n"
            "where allowed (SCHED_FIFO 1: root or RLIMIT_RTPRIO; the --frames summary says which), so\n"
            "no other thread preempts a slice; at speeds above 1, while a frame is %s,\n"
            "Tricolor's parked workload thread spins on that CPU (100 ms at most) instead of letting it\n"
            "idle, which on VMs costs the next slice stalls. Before each of its turns Boehm's child\n"
            "reads each resident page of its memory once (5 ms at most, outside its execution time; the\n"
            "--frames summary says how many), so that its first accesses in the turn cost what they\n"
            "cost in bench, not after the other side's. Between turns the work leaves its heap for a\n"
            "frame; on a host that evicts such memory within milliseconds (build/cpuprobe:\n"
            "cache_after_gap), Tricolor's increments then read slower than in bench, which is why\n"
            "--passes measures first (docs/design.md section 8).\n",
            made);
}

void scene_args_help(FILE *f) {
    fprintf(f,
            "  --workload NAME         workload to run (default demo; see 'tricolor list')\n"
            "  --seed N                workload seed (default 1)\n"
            "  --speed X               1/32 .. 32: below 1 each increment is replayed in slow motion, 1 is an\n"
            "                          increment a frame, 32 full speed (default 1 for demo, else 32)\n"
            "  --history MB            memory kept for going back in time (default %d; 0: off); at most the\n"
            "                          last %.0f s of frames shown either way\n"
            "  --heapmap               start on the heap map instead of the object graph\n"
            "  --no-boehm              no comparison run\n"
            "  --dry-run               print the collector settings the flags make, show nothing\n"
            "\n"
            "Tricolor's knobs (the same in bench, tune and record scripts):\n",
            SCENE_HISTORY_MB_DEFAULT, SCENE_HISTORY_SECONDS);
    knob_help(f);
}

void scene_args_settle(scene *s, knob_mask given) {
    const char *C = s->cmd;
    s->step_given = given & (1u << KNOB_STEP_WORK | 1u << KNOB_STEP_US);
    s->min_heap_given = given & 1u << KNOB_MIN_HEAP;
    scene_defaults(s);
    const char *bad = knob_settle(&s->cfg, given);
    if (bad) cli_fail(C, "invalid collector settings: %s", bad);
    if (s->deterministic) {
        /* Whatever sizes an increment by the clock makes the run depend on
         * the machine's speed and load, so it cannot be repeated. */
        if (s->cfg.budget_unit == TC_BUDGET_USEC)
            cli_fail(C, "--step-us cannot be combined with --deterministic: an increment budget in microseconds "
                        "depends on the machine's speed (use --step-work N, in work units)");
        if (s->cfg.pause_target_usec)
            cli_fail(C, "--pause-target cannot be combined with --deterministic: the auto-pacer sizes increments "
                        "from their measured durations (drop one of the two)");
        if (given & 1u << KNOB_MMU && s->cfg.mmu_pct)
            cli_fail(C, "--mmu cannot be combined with --deterministic: the utilization guard defers increments by "
                        "the clock (a deterministic recording runs without it)");
        if (s->cfg.concurrent)
            cli_fail(C, "--mode concurrent cannot be combined with --deterministic: the marker thread marks as the OS "
                        "schedules it, beside the workload (use --mode incremental, or drop --deterministic)");
        if (given & 1u << KNOB_MEM_THREAD && s->cfg.mem_thread)
            cli_fail(C, "--mem-thread on cannot be combined with --deterministic: the memory thread's work lands "
                        "wherever the OS schedules it (a deterministic recording runs without it)");
    }
    scene_settle(s);
}
