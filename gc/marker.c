/*
 * marker.c — the concurrent mode: a marker thread marks while the mutator
 * runs, as Go's background mark workers do.
 *
 * Who holds the mark state. The grey stack, the prefetch FIFO, the large
 * objects' scan list and the colours of objects being marked have one
 * holder at a time (tc__marker.owner): the marker thread while it marks a
 * slice, or the mutator while it runs an increment (the cycle's start and
 * termination handshakes, an assist, a flush) or an API call that needs
 * exact colours (tc_verify, tc_visit_objects, ...). The state is handed
 * over with a compare-and-swap on `owner`, acquire on taking and release
 * on giving back, so whatever one holder wrote the next one sees.
 *
 * The mutator never waits for the marker on its allocation path: an
 * assist that finds the marker holding the state goes on (the marker is
 * marking, and its work is credited to the debt). Where the mutator must
 * have the state it sets `yield`: the marker hands the state over within
 * CLOCK_EVERY work units and waits a little for the mutator to take it.
 * The mutator waits only where it must: tc_step, tc_collect, the wait
 * ceiling and the heap limit (which finish work), the API calls above,
 * and a full barrier buffer.
 *
 * The barrier buffer (Go's wbBuf). While a concurrent cycle marks, a
 * barrier does not shade: it appends the object to shade to a ring the
 * mutator writes and the holder of the mark state drains, shading each
 * entry. Marking can end only when the ring is empty and no grey is left,
 * and only the mutator decides that, in the termination handshake, where
 * it publishes its last entries itself: so no barrier's object is lost
 * between the buffer and the grey set.
 *
 * What the mutator and the marker both touch, and how it stays safe:
 *  - object headers: the marker writes colour bits while the mutator's
 *    barriers read them. Both use relaxed atomic accesses (tricolor.h).
 *    Colours only darken while marking (white -> grey -> black), so a
 *    stale read can only see an object whiter than it is, and a barrier
 *    then buffers an object already shaded: harmless.
 *  - slots: tc_store writes with release, the marker reads with acquire,
 *    so an object found through a slot is seen initialised.
 *  - new objects are allocated black while a concurrent cycle marks: the
 *    marker never scans an object the mutator is initialising.
 *  - the event ring is the mutator's: the marker records no events, and
 *    shades what it drains without telling an observer.
 *
 * The marker's CPU. It marks in slices of at most SLICE_NS and then owes
 * time so that its CPU at normal priority stays under gc_cpu_pct of one
 * core (Go's 25% dedicated background utilization), except while the
 * barrier buffer is more than a sixteenth full. With gc_idle (Go's idle
 * mark workers) it marks through the owed time at idle priority, which
 * the kernel gives only CPU time nobody else wants; else it sleeps. Idle
 * marking steps aside while the memory thread refills its reserve of
 * pre-faulted pages (both run at idle priority; see owed_time), and the
 * memory thread, in turn, gives the CPU up between the dead spans it
 * clears while a cycle runs (mem_thread.c, yield_to_marker). With
 * one CPU to run on there is no thread: the marker would only take the
 * mutator's core in scheduler quanta, so the concurrent mode's marking is
 * then paid by assists, as in the incremental mode.
 */
#include "internal.h"

#include <errno.h>
#include <sched.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

#define SLICE_NS       500000u           /* the longest slice the marker marks before it checks its CPU share */
#define YIELD_WAIT_NS  100000u           /* how long the marker waits for a mutator that asked it to yield */
#define IDLE_SLICE_NS  100000u           /* a slice at idle priority: short, since the kernel may stop it any time */
#define IDLE_WAIT_NS   1000000u          /* the marker's poll while it has no job */
#define JOB_POLL_NS    100000u           /* ... while its job waits on the mutator (a yield, termination) */
#define WB_URGENT_FILL (TC__WB_CAP / 16) /* entries waiting past which the marker ignores its CPU cap */
#define FLUSH_ENTRIES  4096u             /* entries the mutator shades itself when the buffer is full */
#define TAKE_SPIN_NS   10000u            /* how long a mutator that must have the state spins for it before napping */
#define ASIDE_NAP_NS   20000u            /* the marker's nap while the memory thread refills its reserve */

static uint64_t thread_cpu_ns(void) { return tc__cpu_ns(); }

static void nap(long ns) {
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL);
}

static inline void spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* ======================================================================
 * The barrier buffer
 * ====================================================================== */

/* Shades up to max entries of the ring; the caller holds the mark state.
 * Returns the entries shaded (a work unit each). */
size_t tc__marker_drain(tc_heap *h, size_t max) {
    tc__marker *m = &h->conc;
    size_t head = atomic_load_explicit(&m->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&m->tail, memory_order_acquire);
    size_t n = 0;
    while (head != tail && n < max) {
        tc__gc_shade_quiet(h, m->wb[head & (TC__WB_CAP - 1)]);
        head++;
        n++;
    }
    atomic_store_explicit(&m->head, head, memory_order_release);
    return n;
}

static size_t wb_waiting(tc__marker *m) {
    return atomic_load_explicit(&m->tail, memory_order_acquire) - atomic_load_explicit(&m->head, memory_order_acquire);
}

static void publish(tc__marker *m) { atomic_store_explicit(&m->tail, m->wtail, memory_order_release); }

/* The mutator's publishes (not tc__wb_full's, which only needs room):
 * the barrier's pending tests first (barrier.c, "Prefetched tests"). */
void tc__marker_publish(tc_heap *h) {
    tc__barrier_pending_run(h);
    publish(&h->conc);
}

bool tc__marker_wb_empty(tc_heap *h) { return wb_waiting(&h->conc) == 0; }

/* The ring is full: the marker is far behind (or not running). The
 * mutator takes the state, shades a batch itself and gives it back: a
 * pause, logged as TC_REASON_FLUSH. Inside an increment (the barrier's
 * pending tests, run as the increment publishes the buffer) the mutator
 * holds the state already, and the batch is that increment's work, not a
 * pause of its own inside it. */
void tc__wb_full(tc_heap *h) {
    tc__marker *m = &h->conc;
    m->whead_seen = atomic_load_explicit(&m->head, memory_order_acquire);
    if (m->wtail - m->whead_seen < TC__WB_CAP) return;
    publish(m);
    if (h->in_gc) {
        h->cycle_mark_work += tc__marker_drain(h, FLUSH_ENTRIES);
        m->whead_seen = atomic_load_explicit(&m->head, memory_order_acquire);
        return;
    }
    tc__increment_clock clock;
    tc__increment_begin(h, &clock);
    tc__marker_hold(h, true);
    h->in_gc = 1;
    size_t work = tc__marker_drain(h, FLUSH_ENTRIES);
    h->cycle_mark_work += work;
    h->in_gc = 0;
    m->flushes++;
    h->cur.flushes++;
    tc__increment_end(h, &clock, work, h->phase, TC_REASON_FLUSH, false);
    tc__marker_release(h);
    m->whead_seen = atomic_load_explicit(&m->head, memory_order_acquire);
}

/* ======================================================================
 * Holding the mark state
 * ====================================================================== */

/* Waits until the mutator holds the owner word. A marker that is
 * marking checks `yield` every CLOCK_EVERY work units, a few microseconds,
 * so the wait spins first. Napping at once cost the whole nap: 20 us
 * asked, and with the kernel's default timer slack of 50 us a nanosleep
 * returns ~70 us later; GCBench's concurrent `ceiling` increments read
 * 115-160 us for 40 us of work. Only a marker still not done after
 * TAKE_SPIN_NS is taken to be waiting for a CPU: at idle priority it runs
 * only where nothing else would, so this one then naps between tries.
 * (10 us, not 50: with 50, mutate's and fragment's MMU at 1 ms read lower
 * in one A/B set, where the marker can share the mutator's CPU.) */
static void take_owner(tc_heap *h) {
    tc__marker *m = &h->conc;
    uint64_t since = 0;
    for (;;) {
        int none = OWN_NONE;
        if (atomic_compare_exchange_weak_explicit(&m->owner, &none, OWN_MUTATOR, memory_order_acquire,
                                                  memory_order_relaxed)) {
            atomic_store_explicit(&m->yield, false, memory_order_relaxed);
            return;
        }
        /* Asked at every try: a marker that gave the state up and saw
         * nobody take it within YIELD_WAIT_NS clears `yield` and marks on
         * (else an ask nobody follows up would stop it for good). A
         * mutator napping past that moment, which a nap's timer slack or
         * a stolen vCPU makes likely, would then wait out a whole
         * SLICE_NS slice, or a slice at idle priority that any other
         * thread may interrupt. */
        atomic_store_explicit(&m->yield, true, memory_order_relaxed);
        uint64_t now = tc__now_ns();
        if (!since) since = now;
        if (now - since < TAKE_SPIN_NS) {
            spin_pause();
        } else {
            /* Asleep, the thread spends no CPU: the increment that waits
             * here is not charged this (pauselog.c). */
            nap(20000);
            h->napped_ns += tc__now_ns() - now;
        }
    }
}

bool tc__marker_hold(tc_heap *h, bool wait) {
    tc__marker *m = &h->conc;
    if (m->depth) {
        m->depth++;
        return true;
    }
    /* While no concurrent cycle marks, the marker touches nothing (it
     * checks `job` after taking `owner`, and only the mutator, holding
     * the state, clears it): no need to take it, nor to wait for a marker
     * that took `owner` just before marking ended and was descheduled. */
    if (atomic_load_explicit(&m->job, memory_order_relaxed) == JOB_NONE) {
        m->depth = 1;
        m->took_owner = false;
        return true;
    }
    int none = OWN_NONE;
    if (atomic_compare_exchange_strong_explicit(&m->owner, &none, OWN_MUTATOR, memory_order_acquire,
                                                memory_order_relaxed)) {
        atomic_store_explicit(&m->yield, false, memory_order_relaxed);
        m->depth = 1;
        m->took_owner = true;
        return true;
    }
    /* Without wait (an assist, adopting swept pages, the termination
     * attempt) the mutator does not interrupt a marker that is marking:
     * its work is credited to the debt anyway, and asking it to yield at
     * every check past the goal (or past the ceiling) kept it waiting
     * while the mutator did the same work in pauses. The pacer waits
     * only past the wait ceiling (pacer.c). */
    if (!wait) return false;
    take_owner(h);
    m->depth = 1;
    m->took_owner = true;
    return true;
}

void tc__marker_release(tc_heap *h) {
    tc__marker *m = &h->conc;
    if (--m->depth > 0) return;
    if (m->took_owner) atomic_store_explicit(&m->owner, OWN_NONE, memory_order_release);
}

void tc_marker_park(tc_heap *h, bool park) {
    if (!h) {
        tc__misuse(h, "tc_marker_park: heap is NULL");
        return;
    }
    tc__marker *m = &h->conc;
    if (!park) {
        if (m->parks == 0) {
            tc__misuse(h, "tc_marker_park: false without a matching park");
            return;
        }
        if (--m->parks == 0) {
            atomic_store_explicit(&m->parked, false, memory_order_release);
            /* Unlike the allocation path, this call may wake the marker:
             * it sleeps while parked, and a viewer that resumes the
             * workload for a slice shorter than the marker's poll would
             * otherwise see it never mark. */
            int v = 1;
            if (m->running && sem_getvalue(&m->sem, &v) == 0 && v == 0) sem_post(&m->sem);
        }
        return;
    }
    if (m->parks++ > 0) return;
    atomic_store_explicit(&m->parked, true, memory_order_relaxed);
    /* Take the state once, whatever the job, so that a slice in flight
     * has ended; the marker does not take it again while parked. */
    if (m->depth == 0) {
        take_owner(h);
        atomic_store_explicit(&m->owner, OWN_NONE, memory_order_release);
    }
}

size_t tc__marker_drain_all(tc_heap *h) {
    tc__marker_publish(h);
    return tc__marker_drain(h, SIZE_MAX);
}

/* ======================================================================
 * The mutator's side of a cycle
 * ====================================================================== */

void tc__marker_cycle_start(tc_heap *h) {
    tc__marker *m = &h->conc;
    m->cycle_work0 = atomic_load_explicit(&m->work, memory_order_relaxed);
    m->cycle_cpu0 = atomic_load_explicit(&m->cpu_ns, memory_order_relaxed);
    m->cycle_idle_cpu0 = atomic_load_explicit(&m->idle_cpu_ns, memory_order_relaxed);
    atomic_store_explicit(&m->idle, false, memory_order_relaxed);
    atomic_store_explicit(&m->job, JOB_MARK, memory_order_release);
}

/* The marker sleeps while `idle` is set (marker_main), so a termination
 * handshake that finds grey work (the buffer's last entries, a root
 * rescan) and cannot finish it within its budget must clear it: else the
 * mutator, seeing `idle` at every check, marks the rest itself in one
 * handshake after another (mutate: ~40 handshakes of a full budget a
 * cycle, docs/design.md section 10). */
void tc__marker_resume(tc_heap *h) { atomic_store_explicit(&h->conc.idle, false, memory_order_relaxed); }

/* The mutator holds the state. With `sweep` the marker thread goes on to
 * sweep the pages sweep.c listed; else it stops. */
void tc__marker_mark_end(tc_heap *h, bool sweep) {
    tc__marker *m = &h->conc;
    /* A full collection marks without the marker (its job was none when
     * the increment began, so the mutator did not take the state); the
     * marker must not start sweeping while this increment sweeps too. */
    if (sweep && m->depth && !m->took_owner) {
        take_owner(h);
        m->took_owner = true;
    }
    h->cur.concurrent = 1;
    m->mark_work = atomic_load_explicit(&m->work, memory_order_relaxed) - m->cycle_work0;
    m->sweep_work0 = atomic_load_explicit(&m->work, memory_order_relaxed);
    atomic_store_explicit(&m->idle, false, memory_order_relaxed);
    atomic_store_explicit(&m->job, sweep ? JOB_SWEEP : JOB_NONE, memory_order_relaxed);
    if (!sweep) tc__marker_cycle_end(h);
}

/* The cycle's figures: the marker's CPU and work over marking and
 * sweeping. */
void tc__marker_cycle_end(tc_heap *h) {
    tc__marker *m = &h->conc;
    atomic_store_explicit(&m->job, JOB_NONE, memory_order_relaxed);
    atomic_store_explicit(&m->idle, false, memory_order_relaxed);
    h->cur.marker_work = atomic_load_explicit(&m->work, memory_order_relaxed) - m->cycle_work0;
    h->cur.marker_cpu_ns = atomic_load_explicit(&m->cpu_ns, memory_order_relaxed) - m->cycle_cpu0;
    h->cur.marker_idle_cpu_ns = atomic_load_explicit(&m->idle_cpu_ns, memory_order_relaxed) - m->cycle_idle_cpu0;
}

uint64_t tc__marker_mark_work(const tc_heap *h) { return h->conc.mark_work; }

uint64_t tc__marker_sweep_work(const tc_heap *h) {
    return atomic_load_explicit(&h->conc.work, memory_order_relaxed) - h->conc.sweep_work0;
}

int tc__marker_job(const tc_heap *h) { return atomic_load_explicit(&h->conc.job, memory_order_relaxed); }

uint64_t tc__marker_credit(tc_heap *h) {
    tc__marker *m = &h->conc;
    uint64_t w = atomic_load_explicit(&m->work, memory_order_relaxed);
    uint64_t d = w - m->work_seen;
    m->work_seen = w;
    return d;
}

uint64_t tc__marker_cycle_work(const tc_heap *h) {
    return atomic_load_explicit(&h->conc.work, memory_order_relaxed) - h->conc.cycle_work0;
}

bool tc__marker_poll(tc_heap *h) {
    tc__marker *m = &h->conc;
    tc__marker_publish(h);
    if (!m->running) return true; /* no marker: the mutator does it all */
    return atomic_load_explicit(&m->idle, memory_order_acquire);
}

bool tc__marker_running(const tc_heap *h) { return h->conc.running; }

/* ======================================================================
 * The marker thread
 * ====================================================================== */

/* Sleeps up to ns. The allocation path never wakes the marker: it polls,
 * sleeping IDLE_WAIT_NS while it has no job or is parked and JOB_POLL_NS
 * while its job waits on the mutator. A wake from the mutator cost it
 * 50-60 us a time on this machine (the futex call, and the woken marker
 * preempting it on its own CPU), which made every cycle's start handshake
 * ten times its work; a mutex and condition variable before that cost
 * 50-500 us. So a cycle's marking may start up to IDLE_WAIT_NS late,
 * which the pacer's runway absorbs, or, where the pacer foresaw the start
 * (tc__marker_idle_wait_ns), up to JOB_POLL_NS late. The semaphore is
 * posted only to stop the thread and by tc_marker_park(false). */
static void timed_wait(tc__marker *m, uint64_t ns) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t t = (uint64_t)ts.tv_nsec + ns;
    ts.tv_sec += (time_t)(t / 1000000000u);
    ts.tv_nsec = (long)(t % 1000000000u);
    if (!atomic_load_explicit(&m->stop, memory_order_relaxed))
        while (sem_clockwait(&m->sem, CLOCK_MONOTONIC, &ts) != 0 && errno == EINTR) {}
}

/* How long the marker sleeps at `now` with no job, given the pacer's
 * forecast of the next cycle's start (tc__marker_expect_start; 0: none).
 * IDLE_WAIT_NS, unless the forecast falls within it: then the marker
 * sleeps until the forecast and from there polls every JOB_POLL_NS, for
 * at most IDLE_WAIT_NS past it (a mutator that stopped allocating leaves
 * its forecast stale, and the marker goes back to sleeping).
 *
 * Why: where cycles follow each other closely, a cycle that began while
 * the marker slept its IDLE_WAIT_NS was marked by the mutator alone until
 * the marker woke, in assists. Lisp's cycles, on its ~1 MiB heap, come
 * back to back: ~10,000 assists a run, more than one a cycle, and the
 * barrier's slow path taken for all of the marking the marker was late
 * for (docs/design.md section 10). The cost: a few more wakes a cycle,
 * around its forecast start, instead of one a millisecond. */
uint64_t tc__marker_idle_wait_ns(uint64_t now, uint64_t at) {
    if (at == 0 || now >= at + IDLE_WAIT_NS) return IDLE_WAIT_NS;
    if (at <= now + JOB_POLL_NS) return JOB_POLL_NS;
    return at - now < IDLE_WAIT_NS ? at - now : IDLE_WAIT_NS;
}

void tc__marker_expect_start(tc_heap *h, uint64_t at_ns) {
    atomic_store_explicit(&h->conc.next_start_ns, at_ns, memory_order_relaxed);
}

/* The sleep of a marker that has no job, or is parked (then no forecast
 * applies: the viewer wakes it, tc_marker_park). */
static uint64_t no_job_wait(tc__marker *m) {
    if (atomic_load_explicit(&m->parked, memory_order_relaxed)) return IDLE_WAIT_NS;
    return tc__marker_idle_wait_ns(tc__now_ns(), atomic_load_explicit(&m->next_start_ns, memory_order_relaxed));
}

/* One slice: mark (the barrier buffer included) or sweep listed pages
 * until the slice's time is up, the mutator asks for the state, or nothing
 * is left. Returns whether it found nothing left. */
static bool slice(tc_heap *h, int job, uint64_t ns, bool idle, uint64_t *work_out) {
    tc__marker *m = &h->conc;
    tc__budget b = {.limit = SIZE_MAX, .timed = true, .next_clock = CLOCK_EVERY, .yield = &m->yield};
    if (idle) b.aside = &h->mem.refilling;
    b.deadline = tc__now_ns() + ns;
    size_t work = 0;
    bool empty = false;
    if (job == JOB_MARK) {
        /* The mark loop shades the buffer only once the grey stack is
         * empty; on a big graph that is late, and a full buffer is a
         * mutator pause. So a buffer past WB_URGENT_FILL is shaded first. */
        while (wb_waiting(m) > WB_URGENT_FILL / 2 && !tc__budget_spent(&b, work)) work += tc__marker_drain(h, 256);
        work = tc__gc_mark_slice(h, &b, work);
        if (!tc__budget_spent(&b, work) && tc__gc_marking_done(h) && wb_waiting(m) == 0) empty = true;
    } else {
        while (!tc__budget_spent(&b, work)) {
            size_t w = tc__sweep_one_listed(h, false);
            if (w == 0) {
                empty = true;
                break;
            }
            work += w;
        }
    }
    *work_out = work;
    return empty;
}

enum { SLICE_NOT_RUN, SLICE_RAN, SLICE_EMPTY };

/* Takes the state if nobody holds it and runs one slice of the job, of
 * at most ns; accounts the marker's CPU and work. */
static int run_slice(tc_heap *h, uint64_t ns, bool idle, uint64_t *cpu_last) {
    tc__marker *m = &h->conc;
    int none = OWN_NONE;
    if (!atomic_compare_exchange_strong_explicit(&m->owner, &none, OWN_MARKER, memory_order_acquire,
                                                 memory_order_relaxed))
        return SLICE_NOT_RUN;
    bool empty = false;
    uint64_t work = 0;
    /* The mutator may have ended the job, or parked us, between our
     * checks. */
    const int job = atomic_load_explicit(&m->parked, memory_order_relaxed)
                        ? JOB_NONE
                        : atomic_load_explicit(&m->job, memory_order_acquire);
    if (job != JOB_NONE) empty = slice(h, job, ns, idle, &work);
    /* Counted before the state is let go, so that whoever takes it next
     * (a handshake, tc_marker_park) sees the count final: counted after,
     * by a marker still at idle priority on a busy machine, it landed
     * any time later (test_idle_marking_steps_aside_for_the_refill read
     * one slice too many, 6 times in 8 with both CPUs busy). */
    if (idle && job != JOB_NONE) atomic_fetch_add_explicit(&m->idle_slices, 1, memory_order_relaxed);
    atomic_store_explicit(&m->owner, OWN_NONE, memory_order_release);
    uint64_t cpu = thread_cpu_ns();
    atomic_fetch_add_explicit(&m->cpu_ns, cpu - *cpu_last, memory_order_relaxed);
    if (idle) atomic_fetch_add_explicit(&m->idle_cpu_ns, cpu - *cpu_last, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->work, work, memory_order_relaxed);
    *cpu_last = cpu;
    if (job == JOB_NONE) return SLICE_NOT_RUN;
    if (empty) atomic_store_explicit(&m->idle, true, memory_order_release);
    return empty ? SLICE_EMPTY : SLICE_RAN;
}

/* Moves the marker to idle or normal priority; *at_idle is where it is. */
static void to_priority(bool *at_idle, bool idle) {
    if (*at_idle == idle) return;
    struct sched_param sp = {.sched_priority = 0};
    pthread_setschedparam(pthread_self(), idle ? SCHED_IDLE : SCHED_OTHER, &sp);
    *at_idle = idle;
}

/* The time the CPU cap owes after a dedicated slice. With idle marking
 * (Go's idle mark workers) the marker goes on marking through it at the
 * lowest priority (SCHED_IDLE), which the kernel runs only on a CPU that
 * has nothing else to run: the mutator never waits for a CPU because of
 * it. Otherwise, or once the job is out of work, it sleeps. */
static void owed_time(tc_heap *h, uint64_t owed, uint64_t *cpu_last) {
    tc__marker *m = &h->conc;
    const uint64_t end = tc__now_ns() + owed;
    if (atomic_load_explicit(&m->idle_marking, memory_order_relaxed)) {
        bool at_idle = false;
        /* The whole owed time is the idle workers': work that comes in
         * meanwhile (the sweep once the mutator ends marking, the next
         * cycle) is done at idle priority too, found by the main loop's
         * polls. Leaving this loop at the first slice that found nothing
         * slept the rest of the owed time, 1.5 ms after a 500 us slice at
         * 25%: GCBench's cycles last ~2.6 ms, so their sweeps and the
         * next cycles' marking waited, and the mutator paid assists.
         *
         * A memory thread refilling its reserve (mem_thread.c) comes
         * first. Both threads run at idle priority, so the kernel shared
         * the spare CPU between them, and while a heap grows (mutate
         * builds 68 MiB in its first 100 ms) the thread fell behind: the
         * mutator found the reserve empty and faulted pages in itself,
         * 4 KiB at a time, ~9 us each on the VMs of docs/design.md §6. A
         * page the mutator faults costs it that time at once; marking the
         * thread delays is paid later, in assists of bounded size. So the
         * marker naps while the thread refills, and a slice in progress
         * ends at its next clock read (the budget's `aside`). Mutate,
         * 5 alternating runs, before / after: the mutator's page faults
         * 7,137 / 4,533, reserve misses 324 / 156, MMU at 10 ms 0.21 /
         * 0.43, assists 240 / 2,182.
         *
         * The marker is at idle priority only while it runs an idle
         * slice; it sleeps (a nap, a poll) at normal priority. A thread at
         * SCHED_IDLE that wakes does not preempt the one running, and the
         * memory thread, at idle priority too, populates in calls of up
         * to a few milliseconds: a 20 us nap taken at idle priority then
         * returned milliseconds later, and the owed time with it. GCBench,
         * its growth cycle: 0.15 ms owed, 11.8 ms spent in such naps, and
         * its dedicated slices 1.2 ms of the 24 ms cycle, not the 25% the
         * cap grants. Woken at normal priority, the marker takes the CPU
         * from an idle-priority thread at once. */
        for (uint64_t now = tc__now_ns(); now < end; now = tc__now_ns()) {
            if (atomic_load_explicit(&m->stop, memory_order_relaxed) ||
                atomic_load_explicit(&m->yield, memory_order_relaxed))
                break;
            if (atomic_load_explicit(&h->mem.refilling, memory_order_relaxed)) {
                to_priority(&at_idle, false);
                nap(ASIDE_NAP_NS);
                continue;
            }
            uint64_t ns = end - now < IDLE_SLICE_NS ? end - now : IDLE_SLICE_NS;
            to_priority(&at_idle, true);
            int r = run_slice(h, ns, true, cpu_last);
            if (r == SLICE_RAN) continue;
            to_priority(&at_idle, false);
            const int job = atomic_load_explicit(&m->job, memory_order_relaxed);
            if (r == SLICE_NOT_RUN && job != JOB_NONE && !atomic_load_explicit(&m->parked, memory_order_relaxed)) {
                nap(20000); /* the mutator holds the state a moment */
                continue;
            }
            /* Nothing to do now: poll as the main loop does. */
            const uint64_t poll = r == SLICE_EMPTY ? JOB_POLL_NS : no_job_wait(m);
            timed_wait(m, end - now < poll ? end - now : poll);
        }
        to_priority(&at_idle, false);
    }
    uint64_t now = tc__now_ns();
    if (now < end && !atomic_load_explicit(&m->yield, memory_order_relaxed)) timed_wait(m, end - now);
}

/* Pays the account back at pct% of the wall clock since it was last
 * paid, never above zero. */
static void cap_pay(tc__cpu_cap *c, uint64_t now, uint32_t pct) {
    if (now > c->at && c->ns < 0) {
        uint64_t paid = (now - c->at) * pct / 100u;
        c->ns = paid >= (uint64_t)-c->ns ? 0 : c->ns + (int64_t)paid;
    }
    if (now > c->at) c->at = now;
}

/* The CPU cap's account: the time at normal priority the marker owes, as
 * a negative count of ns. Each slice charges its length, however it
 * ended (its time up, a yield, nothing left), and the account is paid
 * back at cpu_pct of the wall clock; it never goes above zero, so no
 * credit builds up while the marker has nothing to do. Charging only the
 * slices that ran their whole time let a marker whose slices ended early
 * run past its cap: lisp's marker took up to 44% of the wall at a 10% cap
 * with idle marking off (docs/design.md §10). A slice the caller does not
 * charge (the barrier buffer past WB_URGENT_FILL: the cap gives way to a
 * filling buffer, which would otherwise be a mutator pause) still pays
 * back. Returns how long the marker must now stay off normal priority. */
uint64_t tc__cpu_cap_slice(tc__cpu_cap *c, uint64_t t0, uint64_t t1, uint32_t pct, bool charge) {
    if (pct >= 100 || pct == 0) return 0;
    cap_pay(c, t0, pct);
    if (charge && t1 > t0) c->ns -= (int64_t)(t1 - t0);
    cap_pay(c, t1, pct);
    return c->ns < 0 ? (uint64_t)-c->ns * 100u / pct : 0;
}

static void *marker_main(void *arg) {
    tc_heap *h = arg;
    tc__marker *m = &h->conc;
    /* Named for top -H, perf and tests (test_concurrent finds it by name). */
    (void)pthread_setname_np(pthread_self(), "tc-marker");
    uint64_t cpu_last = thread_cpu_ns();
    tc__cpu_cap cap = {0, tc__now_ns()};
    while (!atomic_load_explicit(&m->stop, memory_order_relaxed)) {
        if (atomic_load_explicit(&m->job, memory_order_acquire) == JOB_NONE ||
            atomic_load_explicit(&m->parked, memory_order_acquire)) {
            timed_wait(m, no_job_wait(m));
            continue;
        }
        if (atomic_load_explicit(&m->idle, memory_order_relaxed) && wb_waiting(m) == 0) {
            timed_wait(m, JOB_POLL_NS);
            continue;
        }
        if (atomic_load_explicit(&m->yield, memory_order_relaxed)) {
            /* The mutator wants the state: give it the time to take it. */
            timed_wait(m, YIELD_WAIT_NS);
            atomic_store_explicit(&m->yield, false, memory_order_relaxed);
            continue;
        }
        const uint64_t t0 = tc__now_ns();
        const bool urgent = wb_waiting(m) >= WB_URGENT_FILL;
        int r = run_slice(h, SLICE_NS, false, &cpu_last);
        if (r == SLICE_NOT_RUN) {
            timed_wait(m, JOB_POLL_NS / 4);
            continue;
        }
        const bool charge = !urgent && wb_waiting(m) < WB_URGENT_FILL;
        const uint64_t owed =
            tc__cpu_cap_slice(&cap, t0, tc__now_ns(), atomic_load_explicit(&m->cpu_pct, memory_order_relaxed), charge);
        /* Owed time waits while the mutator asks for the state. */
        if (owed && charge && !atomic_load_explicit(&m->yield, memory_order_relaxed)) owed_time(h, owed, &cpu_last);
    }
    return NULL;
}

/* ======================================================================
 * Lifetime
 * ====================================================================== */

/* The buffer exists from the first config that asks for the concurrent
 * mode, thread or not (with one CPU the mutator's barriers fill it and its
 * own increments drain it). It is faulted in here, not in a barrier or a
 * handshake (test_barrier_buffer_is_faulted_in). */
static bool buffer_ready(tc_heap *h) {
    tc__marker *m = &h->conc;
    if (m->wb) return true;
    m->wb = tc__mem_map_faulted(h, TC__WB_CAP * sizeof(void *));
    return m->wb != NULL;
}

/* A cycle marks concurrently only beside a marker thread. Without one
 * (one CPU, or a thread that failed to start) it runs as the incremental
 * mode's: buffering barrier hits that only the mutator drains made
 * flushes of FLUSH_ENTRIES, four budgets in one pause (mutate pinned to
 * one CPU: p99 with GC work 119 us against the incremental mode's 31). */
bool tc__marker_can_run(const tc_heap *h) { return h->conc.wb != NULL && h->conc.running; }

static void thread_start(tc_heap *h) {
    tc__marker *m = &h->conc;
    if (!h->cfg.concurrent || !buffer_ready(h)) return;
    if (m->running || m->one_cpu) return;
    atomic_store_explicit(&m->stop, false, memory_order_relaxed);
    if (pthread_create(&m->thread, NULL, marker_main, h) == 0) m->running = true;
}

void tc__marker_on_config(tc_heap *h) {
    atomic_store_explicit(&h->conc.cpu_pct, h->cfg.gc_cpu_pct, memory_order_relaxed);
    atomic_store_explicit(&h->conc.idle_marking, h->cfg.gc_idle, memory_order_relaxed);
    thread_start(h);
}

bool tc__marker_init(tc_heap *h) {
    tc__marker *m = &h->conc;
    if (sem_init(&m->sem, 0, 0) != 0) return false;
    m->sem_ok = true;
    m->one_cpu = tc__cpus_available() < 2;
    tc__marker_on_config(h);
    return !h->cfg.concurrent || m->wb;
}

void tc__marker_free(tc_heap *h) {
    tc__marker *m = &h->conc;
    if (m->running) {
        atomic_store_explicit(&m->stop, true, memory_order_relaxed);
        sem_post(&m->sem);
        pthread_join(m->thread, NULL);
        m->running = false;
    }
    if (m->sem_ok) sem_destroy(&m->sem);
    m->sem_ok = false;
    tc__mem_unmap_faulted(h, m->wb, TC__WB_CAP * sizeof(void *));
    m->wb = NULL;
}

void tc__marker_stats(const tc_heap *h, tc_stats *s) {
    const tc__marker *m = &h->conc;
    s->marker_cpu_ns = atomic_load_explicit(&m->cpu_ns, memory_order_relaxed);
    s->marker_idle_cpu_ns = atomic_load_explicit(&m->idle_cpu_ns, memory_order_relaxed);
    s->marker_work = atomic_load_explicit(&m->work, memory_order_relaxed);
    s->assists = m->assists;
    s->handshakes = m->handshakes;
    s->flushes = m->flushes;
    s->adopts = m->adopts;
}
