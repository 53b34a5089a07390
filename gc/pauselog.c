/*
 * pauselog.c — the record of every increment and every cycle.
 *
 * Every increment appends one tc_pause (start, duration, phase, work,
 * bytes allocated since the previous one); every finished cycle appends
 * one tc_cycle. Neither is GC heap memory, so logging cannot trigger or
 * disturb a collection. Both go to ranges the memory layer reserves and
 * faults in ahead of their cursors (mem.c). If either is full the record
 * is dropped, never the program.
 *
 * With gctrace on, each finished cycle prints one line to stderr, in the
 * spirit of Go's GODEBUG=gctrace=1:
 *
 *   gc 7 @1.234s 3%: dijkstra 42 incr, 1.23 ms pause (max 0.089), 12.3 ms
 *   wall, 1.10 ms cpu, 45->47->12 MB, 48 MB goal, 2 atomic, longest 0.089 ms
 *   of 0.050 ms budget, 0 mem calls, 0 reserve misses, 0 deferred, 3 faults
 *
 * fields: cycle number, time since the heap was made, GC share of the
 * cycle's wall time, barrier, increments, summed pause and the longest, cycle
 * wall time (first increment start to last increment end), GC CPU time,
 * heap before -> after -> marked live, the pacer's goal, atomic rounds,
 * the longest increment against the budget's time, the memory system
 * calls the mutator's thread made during the cycle (0 when the memory
 * thread keeps up), the pages it wanted when the reserve was empty, the
 * increments the utilization guard put off (mmu.c), and the page faults
 * its thread took since the previous line.
 */
#include "internal.h"

#include <string.h>

#include <sys/resource.h>

/* Pause and cycle records live in ranges the memory layer keeps faulted
 * in ahead of their cursors (mem.c): appending one never faults, copies
 * or calls the OS inside the increment it records, and the arrays handed
 * out never move. */
void tc__pauselog_append(tc_heap *h, const tc_pause *p) {
    if (!tc__mem_log_ensure(h, (h->npauses + 1) * sizeof *p)) return;
    ((tc_pause *)tc__mem_log_base(h))[h->npauses++] = *p;
}

void tc__cyclelog_append(tc_heap *h, const tc_cycle *c) {
    if (!tc__mem_cyclelog_ensure(h, (h->ncycles + 1) * sizeof *c)) return;
    ((tc_cycle *)tc__mem_cyclelog_base(h))[h->ncycles++] = *c;
    if (h->cfg.gctrace) {
        /* Page faults of this thread since the last line: one getrusage
         * per cycle, only while tracing. */
        struct rusage ru;
        getrusage(RUSAGE_THREAD, &ru);
        uint64_t faults = (uint64_t)(ru.ru_minflt + ru.ru_majflt);
        char line[384];
        fprintf(stderr, "%s, %llu faults\n", tc_cycle_format(c, h->origin_ns, line, sizeof line),
                (unsigned long long)(faults - h->trace_faults));
        h->trace_faults = faults;
    }
}

/* ---------- what an increment costs: its pause record ---------- */

/* An increment's GC CPU is its wall time, as Go counts its assists and
 * stop-the-world phases, less the naps it took waiting for the marker's
 * slice (marker.c, take_owner): it does no other blocking thing, so the
 * rest of that time its thread ran, or the host took the vCPU from it.
 * It read the thread CPU clock once, around one increment in 8 and then
 * in 256, and charged the others at the sampled CPU/wall ratio. That
 * clock is a system call: in a pause, the first kernel entry after the
 * mutator ran through its heap, it cost 5-15 us at its start and 2 at its
 * end, so each sampled increment was one of the run's longest (fragment:
 * ~5 a run, 15-20 us, of the ~13 pauses over its p99). And the ratio was
 * wrong: the sampled increments read 0.53-0.85 CPU per wall second, and
 * every other increment was charged that much less, while a thread
 * spinning for 2 s on the same VM reads 1.000 (the host's stalls are not
 * taken out of that clock here) and 5 us of spinning between two reads
 * 0.835: part of a read's own cost falls outside the interval it
 * measures. docs/design.md section 10, "GC CPU without the CPU clock". */
void tc__increment_begin(tc_heap *h, tc__increment_clock *c) {
    c->t0 = tc__now_ns();
    c->napped0 = h->napped_ns;
}

/* Closes the pause the increment was: its record in the log, the heap's
 * and the cycle's totals, and the cycle's record if it ended. Returns
 * the pause's duration. */
uint64_t tc__increment_end(tc_heap *h, const tc__increment_clock *c, size_t work, tc_phase start_phase,
                           tc_pause_reason reason, bool ended) {
    const uint64_t t1 = tc__now_ns(), dur = t1 - c->t0, napped = h->napped_ns - c->napped0;
    const uint64_t cpu = napped < dur ? dur - napped : 0;
    h->cur.mark_work = h->cycle_mark_work;
    h->cur.sweep_work = h->cycle_sweep_work;
    tc_pause rec = {
        .start_ns = c->t0,
        .duration_ns = dur,
        .bytes_since = h->bytes_allocated - h->bytes_at_step,
        .work = (uint32_t)(work > UINT32_MAX ? UINT32_MAX : work),
        .cycle = (uint32_t)h->cycle_no,
        .phase = (uint8_t)start_phase,
        .end_phase = (uint8_t)h->phase,
        .reason = (uint8_t)reason,
    };
    tc__pauselog_append(h, &rec);
    tc__mmu_note(h, t1, dur);
    h->bytes_at_step = h->bytes_allocated;
    h->increments++;
    h->gc_wall_ns += dur;
    h->gc_cpu_ns += cpu;
    h->cur.increments++;
    h->cur.pause_ns += dur;
    h->cur.gc_cpu_ns += cpu;
    if (dur > h->cur.max_pause_ns) h->cur.max_pause_ns = dur;
    if (dur > h->max_increment_ns) h->max_increment_ns = dur;
    if (ended) {
        h->cur.end_ns = t1;
        h->cur.mem_syscalls = h->mem.syscalls_mutator - h->cycle_syscalls0;
        h->cur.reserve_misses = h->mem.reserve_misses - h->cycle_misses0;
        h->cur.step_budget_ns = tc__pacer_budget_ns(h);
        tc__cyclelog_append(h, &h->cur);
    }
    return dur;
}

const tc_pause *tc_pause_log(const tc_heap *h, size_t *count) {
    *count = h ? h->npauses : 0;
    return h && h->npauses ? (const tc_pause *)tc__mem_log_base(h) : NULL;
}

const size_t *tc_pause_count_at(const tc_heap *h) {
    static const size_t none = 0;
    return h ? &h->npauses : &none;
}

const tc_cycle *tc_cycle_log(const tc_heap *h, size_t *count) {
    *count = h ? h->ncycles : 0;
    return h && h->ncycles ? (const tc_cycle *)tc__mem_cyclelog_base(h) : NULL;
}

void tc_log_clear(tc_heap *h) {
    if (!h) return;
    h->npauses = 0;
    h->ncycles = 0;
}

char *tc_cycle_format(const tc_cycle *c, uint64_t origin_ns, char *buf, size_t len) {
    const double mb = 1024.0 * 1024.0;
    double since = (double)(c->start_ns - origin_ns) / 1e9;
    double wall = (double)(c->end_ns - c->start_ns);
    double share = wall > 0 ? 100.0 * (double)c->pause_ns / wall : 0;
    snprintf(buf, len,
             "gc %u @%.3fs %.0f%%: %s %u incr, %.2f ms pause (max %.3f), %.1f ms wall, %.2f ms cpu, "
             "%.0f->%.0f->%.0f MB, %.0f MB goal, %u atomic, longest %.3f ms of %.3f ms budget, "
             "%llu mem calls, %llu reserve misses, %llu deferred",
             c->cycle, since, share, tc_barrier_name((tc_barrier)c->barrier), c->increments, (double)c->pause_ns / 1e6,
             (double)c->max_pause_ns / 1e6, wall / 1e6, (double)c->gc_cpu_ns / 1e6, (double)c->heap_before / mb,
             (double)c->heap_after / mb, (double)c->marked_bytes / mb, (double)c->heap_goal / mb, c->atomic_rounds,
             (double)c->max_pause_ns / 1e6, (double)c->step_budget_ns / 1e6, (unsigned long long)c->mem_syscalls,
             (unsigned long long)c->reserve_misses, (unsigned long long)c->deferred);
    /* Concurrent cycles: the marker thread's CPU beside the pauses (like
     * Go's gctrace, which splits assist, background and idle mark CPU). */
    size_t used = strlen(buf);
    if (c->concurrent && used < len)
        snprintf(buf + used, len - used,
                 ", concurrent: marker %.2f ms cpu (%.2f idle), %llu units, %u handshakes, %u assists, %u flushes, "
                 "%u adopts",
                 (double)c->marker_cpu_ns / 1e6, (double)c->marker_idle_cpu_ns / 1e6,
                 (unsigned long long)c->marker_work, c->handshakes, c->assists, c->flushes, c->adopts);
    return buf;
}
