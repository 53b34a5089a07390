/*
 * mem_thread.c — the background memory thread (see mem.c): it keeps a
 * reserve of pre-faulted pages sized from the rate the mutator takes them,
 * clears the dead large objects' mappings that their sweep left dirty,
 * keeps up to two cleared spans ready for large objects (recycled from the
 * quarantine when they are the size wanted), the pause log and the grey
 * stack faulted in ahead of their cursors, and gives surplus memory back
 * at a paced share of its time.
 * It sleeps most of the time: on two vCPUs a busy helper thread raises
 * the mutator's tail latencies. Not on fragment, whose ~4 GB/s of large
 * objects, written through, must be cleared by someone: the thread spends
 * about half of a core there, where it used to populate fresh spans.
 *
 * It runs at the lowest priority (SCHED_IDLE), so that it never takes the
 * CPU from the mutator: a thread of that class runs only where nothing
 * else wants to, and a waking one does not preempt. On the VMs of
 * docs/design.md the scheduler woke it, at normal priority, on the
 * mutator's own CPU while the other sat idle, and it ran there for up to
 * 1.5 ms in the middle of an increment (perf sched traces of lru in
 * bench: 12-20 such preemptions a run). In 8 alternating runs each, the
 * untimed run's longest increment fell from 2.18 to 1.82 ms on lru and
 * from 876 to 394 us on mutate, with as many reserve misses. If the
 * machine is busy the thread may run late; the mutator then maps and
 * faults pages itself, and the reserve-miss counter says so.
 */
#include "mem.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>

/* ======================================================================
 * The background thread
 * ====================================================================== */

/* A fresh page for the reserve: a released one (mapped, not resident) if
 * the thread has one, else one carved from a chunk it maps. on_thread:
 * whose OS calls these are (the counters'); false only for the first
 * reserve, filled by the caller of tc__mem_thread_start. */
static void *thread_fresh_page(tc__mem *m, bool on_thread) {
    if (m->tclean.n) return m->tclean.v[--m->tclean.n];
    return tc__chunk_page(m, &m->tchunk, &m->tchunk_end, &m->tchunks, on_thread);
}

/* Brings the ready reserve up to `want` pages, populating them in small
 * batches (one madvise for up to POPULATE_BATCH pages that happen to be
 * adjacent). Stops at the heap limit.
 *
 * Every page is read once after the populate (tc__os_populate): that
 * takes the host's traps off the mutator, at ~5x the populate's cost to
 * the thread (on the VMs of docs/design.md §6: 75 us against 13 us a
 * page). The thread used to skip the reads while the reserve was below
 * half of `want`, to refill faster; but the unread pages it then handed
 * over came in bursts, each allocation on them a trap or two, and set the
 * worst 10 ms windows (a third of GCBench's worst window was such
 * allocations, 5-20 us each, no collector work). Reading always raised
 * the MMU at 10 ms in every A/B set (GCBench 0.30-0.44 -> 0.44-0.54,
 * binary-trees, lru), with more reserve misses, which the mutator meets
 * by faulting pages in place (docs/design.md §6). */
static void thread_refill_to(tc__mem *m, size_t want, bool on_thread) {
    while (tc__ring_count(&m->ready) < want) {
        void *batch[POPULATE_BATCH];
        size_t n = 0;
        while (n < POPULATE_BATCH && tc__ring_count(&m->ready) + n < want) {
            if (!tc__mem_commit(m, PAGE_SIZE)) break;
            void *p = thread_fresh_page(m, on_thread);
            if (!p) {
                atomic_fetch_sub_explicit(&m->committed, PAGE_SIZE, memory_order_relaxed);
                break;
            }
            batch[n++] = p;
        }
        if (n == 0) return;
        /* Populate runs of adjacent pages with one call each. */
        for (size_t i = 0; i < n;) {
            size_t j = i + 1;
            while (j < n && (char *)batch[j] == (char *)batch[j - 1] + PAGE_SIZE) j++;
            tc__os_populate(m, batch[i], (j - i) * PAGE_SIZE, on_thread, true);
            i = j;
        }
        for (size_t i = 0; i < n; i++) {
            atomic_fetch_add_explicit(&m->reserve_pages, 1, memory_order_relaxed);
            if (!tc__ring_push(&m->ready, (tc__span){.base = batch[i], .len = PAGE_SIZE, .clean = PAGE_SIZE})) {
                /* Cannot happen (count < want <= cap), but never leak. */
                atomic_fetch_sub_explicit(&m->reserve_pages, 1, memory_order_relaxed);
                ptrvec_push(&m->tclean, batch[i]);
                atomic_fetch_sub_explicit(&m->committed, PAGE_SIZE, memory_order_relaxed);
            }
        }
    }
}

/* `refilling` is set while the thread fills the reserve, for the marker
 * thread: its idle marking naps meanwhile (marker.c, owed_time). */
static void thread_refill(tc__mem *m, size_t want, bool on_thread) {
    if (tc__ring_count(&m->ready) >= want) return;
    atomic_store_explicit(&m->refilling, true, memory_order_relaxed);
    thread_refill_to(m, want, on_thread);
    atomic_store_explicit(&m->refilling, false, memory_order_relaxed);
}

/* Keeps one span of the largest size the mutator had to map itself
 * ready and faulted in, so that the next such request is met without an
 * OS call (GCBench's 4 MB array, fragment's MiB arrays). */
static void thread_refill_big(tc__mem *m) {
    size_t want = atomic_load_explicit(&m->big_want, memory_order_relaxed);
    if (!want || tc__ring_count(&m->big) > 0) return;
    /* Under a heap limit, only while the mutator could still map such a
     * span itself beside it: a span the thread is still populating is one
     * the mutator cannot see, and taking its room made the allocation
     * that a collection had just made room for fail (test_mem,
     * test_heap_limit_waits_for_clearing). */
    size_t limit = atomic_load_explicit(&m->limit, memory_order_relaxed);
    if (limit && atomic_load_explicit(&m->committed, memory_order_relaxed) + 2 * (uint64_t)want > limit) return;
    if (!tc__mem_commit(m, want)) return;
    void *p = tc__os_map_aligned(m, want, PAGE_SIZE, true);
    if (!p) {
        atomic_fetch_sub_explicit(&m->committed, want, memory_order_relaxed);
        return;
    }
    tc__os_populate(m, p, want, true, true);
    tc__ring_push(&m->big, (tc__span){.base = p, .len = want, .large = true, .clean = want});
}

/* Keeps SPARES_READY ranges of untouched address space mapped for the
 * mutator's fallbacks (mem.c, "Spare ranges"). */
static void thread_refill_spares(tc__mem *m, bool on_thread) {
    while (tc__ring_count(&m->spares) < SPARES_READY) {
        void *p = tc__os_map_aligned(m, SPARE_BYTES, PAGE_SIZE, on_thread);
        if (!p) return;
        if (!tc__ring_push(&m->spares, (tc__span){.base = p, .len = SPARE_BYTES, .large = true, .addr_only = true})) {
            tc__os_unmap(m, p, SPARE_BYTES, on_thread);
            return;
        }
    }
}

/* A large mapping the quarantine let go that is the size the thread
 * keeps ready (big_want) joins the ready spans, cleared here, instead of
 * being unmapped, while fewer than BIG_READY_MAX wait. GCBench allocates
 * its 4 MB array at the start of each pass, before the last pass's array
 * is swept; that one leaves the quarantine long before the next pass
 * wants it, and unmapping it and populating and reading 4 MB anew cost
 * the thread ~10 ms a pass, about half its time in steady state. Cleared
 * here, not by the allocation that reuses it: a 4 MB memset there was a
 * 6-7 ms pause. */
static bool recycle_big(tc__mem *m, tc__span *s) {
    size_t want = atomic_load_explicit(&m->big_want, memory_order_relaxed);
    if (!want || s->len < want || s->len > 2 * want || tc__ring_count(&m->big) >= BIG_READY_MAX) return false;
    if (s->clean < s->len) tc__mem_zero(s->base, s->len - s->clean);
    s->clean = s->len;
    if (!tc__ring_push(&m->big, *s)) return false;
    atomic_fetch_sub_explicit(&m->inflight_bytes, s->len, memory_order_relaxed);
    return true; /* still committed: held ready */
}

/* Between two spans cleared, while a concurrent cycle runs: the CPU goes
 * to the marker thread if it waits for it. Both threads run at idle
 * priority on the CPU the mutator leaves, and a waking thread of that
 * class does not preempt another, so a marker that woke, or came back
 * from a nap, while this thread cleared waited for the whole clearing
 * loop, which on fragment lasts the run (the mutator hands over a dead
 * span every ~0.3 ms). The cycle's marking then ran late and the
 * mutator paid assists: fragment, 5 alternating runs, before / after:
 * assists 1,959 / 157, p99 with GC work 40.0 / 27.3 us, MMU at 10 ms
 * over the collector's pauses 0.79 / 0.93 and over all pauses 0.49 /
 * 0.55; the price, the mutator's own page faults 57,486 / 59,336 and
 * wall 821 / 870 ms (the spans it reuses come back cleared later)
 * (docs/design.md §10). sched_yield gives the CPU only to a thread
 * that is ready on it, so with no marker waiting it costs one system
 * call a span. */
static void yield_to_marker(tc__mem *m) {
    if (atomic_load_explicit(m->marker_job, memory_order_relaxed) != JOB_NONE) {
        sched_yield();
        atomic_fetch_add_explicit(&m->marker_yields, 1, memory_order_relaxed);
    }
}

/* Clears the dead large spans the mutator handed over (mem_large.c,
 * "Clearing dead large spans"), whole, and hands them back. Only while
 * `cleared` has room: a span popped is always pushed.
 *
 * Where the mutator hands over spans as fast as they are cleared
 * (fragment), this loop is where the thread spends the whole run, so its
 * CPU figure is brought up to date here too, after each span: read only
 * at the end of a round of the main loop, it stayed at what the first
 * milliseconds had cost (28 ms on fragment, for a thread perf saw busy
 * through the whole 0.55 s run). The spare ranges are topped up between
 * spans for the same reason: refilled only after the loop, they ran dry,
 * and fragment's mutator mapped its large objects itself, ~300 system
 * calls a pass in steady state, each inside an allocation. */
static bool thread_clear(tc__mem *m) {
    tc__span s;
    bool any = false;
    while (tc__ring_count(&m->cleared) < TC__RING_CAP && tc__ring_pop(&m->dirty, &s)) {
        if (m->clear_hook) m->clear_hook();
        tc__mem_zero(s.base, s.len);
        s.clean = s.len;
        tc__ring_push(&m->cleared, s);
        atomic_fetch_add_explicit(&m->cleared_thread, s.len, memory_order_relaxed);
        atomic_store_explicit(&m->thread_cpu_ns, tc__cpu_ns(), memory_order_relaxed);
        any = true;
        thread_refill_spares(m, true);
        yield_to_marker(m);
    }
    return any;
}

/* Gives back what the mutator handed over: pages are released and kept
 * for the reserve, large mappings are unmapped. */
static size_t thread_release(tc__mem *m, uint64_t now) {
    tc__span s;
    size_t n = 0;
    /* Giving memory back is paced to RELEASE_CPU_SHARE of the thread's
     * lifetime (plus a little credit): on some machines a 64 KiB madvise
     * costs 400 us and interrupts the mutator's core with TLB shootdowns,
     * so release is slow and steady, like Go's background scavenger. */
    uint64_t allowance = (now - m->tstart_ns) / 100 * RELEASE_CPU_PCT + RELEASE_CREDIT_NS;
    for (;;) {
        /* A page popped while over the pace waits in `held` (a consumer
         * cannot put it back into the ring). Large mappings are unmapped
         * at once: the quarantine already kept them as long as useful. */
        if (m->has_held)
            s = m->held;
        else if (tc__ring_pop(&m->surplus, &s))
            tc__mem_ahead_serve(m); /* requests made before s was given back, while it is mapped */
        else
            break;
        m->has_held = false;
        if (s.addr_only) { /* untouched address space: nothing to account */
            tc__os_unmap(m, s.base, s.len, true);
            n++;
            continue;
        }
        /* The pace yields to a backlog: past RELEASE_BACKLOG_BYTES waiting
         * in the ring, memory comes back at full speed. Held to 1% of the
         * thread's time, a mutator that frees pages faster than that
         * filled the ring and then the mutator's unbounded pending list
         * (the 10-minute soak: 16 GiB of heap for 37 MiB live). */
        bool backlog = atomic_load_explicit(&m->inflight_bytes, memory_order_relaxed) > RELEASE_BACKLOG_BYTES;
        if (!s.large && !backlog && m->release_ns >= allowance) {
            m->held = s;
            m->has_held = true;
            break;
        }
        if (s.large && recycle_big(m, &s)) {
            n++;
            continue;
        }
        uint64_t t0 = tc__now_ns();
        if (s.len == PAGE_SIZE && !s.large) {
            tc__os_release(m, s.base, PAGE_SIZE, true);
            if (!ptrvec_push(&m->tclean, s.base)) tc__os_unmap(m, s.base, PAGE_SIZE, true);
        } else {
            tc__os_unmap(m, s.base, s.len, true);
        }
        atomic_fetch_sub_explicit(&m->inflight_bytes, s.len, memory_order_relaxed);
        tc__mem_uncommit(m, s.len);
        m->release_ns += tc__now_ns() - t0;
        n++;
    }
    return n;
}

/* When to wake next: at a quarter of the time the ready reserve, or the
 * stretch a range has populated ahead, lasts at the rate it was used
 * since the last wake (`until`, ns), between WAKE_MIN_NS and
 * WAKE_MAX_NS; soon if the mutator found the reserve empty or a range
 * not populated far enough, or took a ready large span or spare range.
 *
 * Each wake costs the thread 20-40 us of CPU on the VMs of
 * docs/design.md §6 (the timer and two context switches trap to the
 * host). Waking every 0.25 ms whenever pages had been taken, and doubling
 * up to 2 ms only when none had, cost GCBench's steady state 1.5-2% of a
 * core in wakes alone; sleeping for as long as the reserve lasts halves
 * the thread's share there. A burst after a quiet spell can empty the
 * reserve before the thread is back: the mutator then cuts pages from a
 * spare range (mem.c) and faults them in itself, without a system call,
 * and the miss wakes the thread at the short interval from then on. */
static uint64_t next_interval(bool starving, double until) {
    if (starving) return WAKE_MIN_NS;
    double t = until / 4;
    if (t < (double)WAKE_MIN_NS) return WAKE_MIN_NS;
    if (t > (double)WAKE_MAX_NS) return WAKE_MAX_NS;
    return (uint64_t)t;
}

static void *mem_thread_main(void *arg) {
    tc__mem *m = arg;
    struct sched_param idle = {.sched_priority = 0};
    (void)pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle); /* never refused: lowering needs no privilege */
    (void)pthread_setname_np(pthread_self(), "tc-mem");
    uint64_t interval = WAKE_MIN_NS;
    double rate = 0; /* pages taken per ns, smoothed */
    size_t taken_before = 0;
    size_t spans_before = 0; /* big and spare spans the mutator took, so far */
    uint64_t t_before = tc__now_ns();
    m->tstart_ns = t_before;
    m->release_ns = 0;
    while (!atomic_load_explicit(&m->stop, memory_order_acquire)) {
        struct timespec ts = {0, (long)interval};
        nanosleep(&ts, NULL);
        uint64_t now = tc__now_ns();
        uint64_t dt = now - t_before;
        size_t taken = atomic_load_explicit(&m->taken, memory_order_relaxed);
        size_t delta = taken - taken_before;
        bool starving = atomic_exchange_explicit(&m->starving, false, memory_order_relaxed);
        bool behind = atomic_exchange_explicit(&m->ranges_behind, false, memory_order_relaxed);
        /* A large span or a spare range taken: more may follow at once
         * (fragment takes a ready span every few ms). */
        size_t spans = atomic_load_explicit(&m->big.head, memory_order_relaxed) +
                       atomic_load_explicit(&m->spares.head, memory_order_relaxed);
        bool spans_taken = spans != spans_before;
        spans_before = spans;
        /* Spans to clear first: the mutator waits for them to reuse. */
        bool clearing = thread_clear(m);
        /* A run of writes goes on: it will ask again soon. */
        bool ahead = tc__mem_ahead_serve(m);
        double inst = dt ? (double)delta / (double)dt : 0;
        rate = rate * 0.5 + inst * 0.5;
        taken_before = taken;
        t_before = now;
        thread_release(m, now);
        size_t cap = atomic_load_explicit(&m->reserve_cap, memory_order_relaxed);
        size_t want = (size_t)(rate * READY_HORIZON_NS) + (READY_MIN_PAGES < cap ? READY_MIN_PAGES : cap);
        if (starving) want += READY_MIN_PAGES * 4;
        if (want > cap) want = cap;
        /* Clearing again between the other jobs: a refill can take
         * milliseconds (host traps), and fragment hands over a dead span
         * every 0.3 ms. */
        thread_refill(m, want, true);
        clearing |= thread_clear(m);
        thread_refill_big(m);
        clearing |= thread_clear(m);
        thread_refill_spares(m, true);
        double until = tc__mem_ranges_keep_ahead(m, dt);
        double ready = (double)tc__ring_count(&m->ready);
        if (rate > 0 && ready / rate < until) until = ready / rate;
        ahead |= tc__mem_ahead_serve(m);
        interval = next_interval(starving || behind || spans_taken || clearing || ahead, until);
        atomic_store_explicit(&m->thread_cpu_ns, tc__cpu_ns(), memory_order_relaxed);
    }
    return NULL;
}

void tc__mem_thread_start(tc__mem *m) {
    /* With one CPU the thread could only run by preempting the mutator,
     * often inside a pause: a refill is a run of populates of up to
     * 0.5 ms each here (mem_os.c), and the scheduler gives a waking thread
     * the CPU at once. `bench --cpu 1` on GCBench: max pause 3.2-5.4 ms
     * and 33-45 pauses over 200 us without collector work, against
     * 0.31-0.42 ms and 1-3 with the thread off (3 runs each). So with one
     * CPU the mutator does the thread's work itself, in budgeted slices,
     * as with mem_thread off. */
    if (m->running || m->one_cpu) return;
    /* The first reserve is filled here, on the caller's thread, before the
     * program allocates: started empty, the thread spent the program's
     * first milliseconds refilling at full speed beside a mutator that
     * kept finding the reserve dry. (That is when the first cycle's
     * slowest increments come, 1-2 ms in mutate and churn; filling the
     * reserve first did not visibly change them.) Its OS calls are made
     * on the caller's thread, and counted as that thread's (the mutator's
     * counters), outside any pause: in tc_heap_new, or in tc_set_config
     * when the thread is switched back on. The thread is not running yet,
     * so its chunk and lists are the caller's to use. */
    size_t cap = atomic_load_explicit(&m->reserve_cap, memory_order_relaxed);
    thread_refill(m, READY_MIN_PAGES < cap ? READY_MIN_PAGES : cap, false);
    thread_refill_spares(m, false);
    atomic_store_explicit(&m->stop, false, memory_order_relaxed);
    m->running = pthread_create(&m->thread, NULL, mem_thread_main, m) == 0;
}

/* Stops the thread and takes back everything it held, so the mutator can
 * go on alone: ready pages join the pool, surplus is released here. */
void tc__mem_thread_stop(tc_heap *h) {
    tc__mem *m = &h->mem;
    if (!m->running) return;
    atomic_store_explicit(&m->stop, true, memory_order_release);
    pthread_join(m->thread, NULL);
    m->running = false;
    m->thread_cpu_total_ns += atomic_load_explicit(&m->thread_cpu_ns, memory_order_relaxed);
    atomic_store_explicit(&m->thread_cpu_ns, 0, memory_order_relaxed);
    tc__span s;
    if (m->has_held) { /* a page the thread was holding back: back to the pool */
        m->has_held = false;
        atomic_fetch_sub_explicit(&m->inflight_bytes, m->held.len, memory_order_relaxed);
        if (ptrvec_push(&m->pool, m->held.base)) {
            h->heap_bytes += PAGE_SIZE;
        } else {
            tc__os_release(m, m->held.base, PAGE_SIZE, false);
            tc__mem_uncommit(m, PAGE_SIZE);
            tc__mem_clean_keep(m, m->held.base);
        }
    }
    tc__mem_take_back_ready(h);
    /* Dead large spans still to clear go back to the quarantine dirty,
     * those cleared clean. */
    tc__mem_cleared_take(h);
    while (tc__ring_pop(&m->ahead, &s)) {} /* write-ahead requests: only ever an optimisation */
    while (tc__ring_pop(&m->dirty, &s)) {
        m->clearing_bytes -= s.len;
        tc__mem_quarantine_add(h, s.base, s.len, false); /* young again: it waited, dirty, for no one */
    }
    /* Spare address space: the mutator cuts none without the thread. */
    tc__mem_spares_unmap(m);
    while (tc__ring_pop(&m->surplus, &s)) {
        if (s.addr_only) {
            tc__os_unmap(m, s.base, s.len, false);
            continue;
        }
        atomic_fetch_sub_explicit(&m->inflight_bytes, s.len, memory_order_relaxed);
        if (m->teardown) {
            if (s.large) tc__os_unmap(m, s.base, s.len, false); /* pages go with their chunks */
        } else if (s.large) {
            tc__os_unmap(m, s.base, s.len, false);
        } else {
            tc__os_release(m, s.base, s.len, false);
            tc__mem_clean_keep(m, s.base);
        }
        tc__mem_uncommit(m, s.len);
    }
    /* The thread's released pages and the rest of its chunk are the
     * mutator's now. */
    while (m->tclean.n) tc__mem_clean_keep(m, m->tclean.v[--m->tclean.n]);
    while (m->tchunk != m->tchunk_end) {
        tc__mem_clean_keep(m, m->tchunk);
        m->tchunk += PAGE_SIZE;
    }
    for (size_t i = 0; i < m->tchunks.n; i++) ptrvec_push(&m->chunks, m->tchunks.v[i]);
    m->tchunks.n = 0;
}
