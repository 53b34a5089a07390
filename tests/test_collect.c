/*
 * test_collect.c — the cycle state machine, phase by phase: roots, mark,
 * atomic, sweep; incremental bounds; the pause and cycle logs; observation.
 */
#include "support.h"
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* Builds a list of n nodes hanging off *root. */
static void make_list(tc_heap *h, void **root, int n) {
    tc_root_push(h, root);
    for (int i = 0; i < n; i++) {
        void *node = tc_alloc(h, 2, 8);
        tc_store(h, node, 0, *root);
        *root = node;
    }
    tc_root_pop(h, 1);
}

static void test_reachable_kept_unreachable_freed(void **state) {
    (void)state;
    for (int m = 0; m < 4; m++) {
        tc_heap *h = test_heap(all_modes[m]);
        void *kept = NULL, *dropped = NULL;
        tc_root_add(h, &kept);
        tc_root_add(h, &dropped);
        make_list(h, &kept, 500);
        make_list(h, &dropped, 700);
        tc_collect(h);
        assert_int_equal(heap_count_objects(h), 1200);
        dropped = NULL;
        /* Floating garbage: an object may survive the cycle it died in,
         * never two. */
        tc_collect(h);
        tc_collect(h);
        assert_int_equal(heap_count_objects(h), 500);
        int n = 0;
        for (void *p = kept; p; p = tc_load(h, p, 0)) n++;
        assert_int_equal(n, 500);
        assert_heap_ok(h);
        tc_heap_free(h);
    }
}

/* The event ring is faulted in when it is attached: the collector writes
 * it inside the program's allocations and stores, where the first touch
 * of each page would be a page fault inside a pause (gc/observe.c). */
static void test_event_ring_is_resident_when_attached(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    const size_t cap = 1 << 16;
    assert_true(tc_observe_start(h, cap));
    uintptr_t from = ((uintptr_t)h->ev + 4095) & ~(uintptr_t)4095;
    uintptr_t to = ((uintptr_t)h->ev + cap * sizeof(tc_event)) & ~(uintptr_t)4095;
    size_t pages = (to - from) / 4096;
    assert_true(pages > 500);
    assert_int_equal(resident_pages((void *)from, pages), pages);
    tc_heap_free(h);
}

static void test_phases_run_in_order(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    void *root = NULL;
    tc_root_add(h, &root);
    make_list(h, &root, 3000);
    assert_int_equal(tc_current_phase(h), TC_PHASE_IDLE);
    assert_true(tc_observe_start(h, 1 << 16));
    int seen[TC_PHASE_COUNT] = {0};
    tc_phase order[64];
    int norder = 0;
    do {
        tc_step(h);
        tc_event ev[4096];
        uint64_t lost;
        size_t n;
        while ((n = tc_observe_poll(h, ev, 4096, &lost)) > 0)
            for (size_t i = 0; i < n; i++)
                if (ev[i].kind == TC_EV_PHASE && norder < 64) order[norder++] = (tc_phase)ev[i].arg;
        seen[tc_current_phase(h)]++;
    } while (tc_current_phase(h) != TC_PHASE_IDLE);
    /* roots -> propagate -> atomic -> sweep -> idle, with many increments of
     * propagate and sweep in between (200 units each). */
    assert_true(norder >= 5);
    assert_int_equal(order[0], TC_PHASE_ROOTS);
    assert_int_equal(order[1], TC_PHASE_PROPAGATE);
    assert_int_equal(order[2], TC_PHASE_ATOMIC);
    assert_int_equal(order[norder - 2], TC_PHASE_SWEEP);
    assert_int_equal(order[norder - 1], TC_PHASE_IDLE);
    assert_true(seen[TC_PHASE_PROPAGATE] > 10);
    tc_observe_stop(h);
    tc_heap_free(h);
}

static void test_increments_are_bounded(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    tc_config c;
    tc_get_config(h, &c);
    c.verify_each_step = false;
    c.step_work = 1000;
    tc_set_config(h, &c);
    void *root = NULL;
    tc_root_add(h, &root);
    /* A 1M-slot array full of pointers must be marked in chunks. */
    void *arr = tc_alloc(h, 1 << 20, 0);
    root = arr;
    void *leaf = tc_alloc(h, 0, 8);
    for (uint32_t i = 0; i < (1u << 20); i++) tc_store(h, arr, i, leaf);
    make_list(h, &leaf, 20000);
    tc_collect(h);
    tc_log_clear(h);
    tc_step(h);
    while (tc_current_phase(h) != TC_PHASE_IDLE) tc_step(h);
    size_t n;
    const tc_pause *log = tc_pause_log(h, &n);
    assert_true(n > 1000); /* 1M slots / 1000 units */
    /* The count bench's harness reads around each operation: the same. */
    assert_int_equal(*tc_pause_count_at(h), n);
    assert_int_equal(*tc_pause_count_at(NULL), 0);
    for (size_t i = 0; i < n; i++) {
        /* Overshoot is bounded by one small object's slots or one page. */
        assert_true(log[i].work <= 1000 + (PAGE_SIZE - PAGE_HEADER) / 16);
    }
    assert_heap_ok(h);
    tc_heap_free(h);
}

/* A heap for the budget tests: no verification, the given budget, in
 * either mode. */
static tc_heap *budget_heap(bool concurrent, uint32_t step_work) {
    tc_heap *h = test_heap(TC_BARRIER_YUASA);
    tc_config c;
    tc_get_config(h, &c);
    c.verify_each_step = false;
    c.step_work = step_work;
    c.concurrent = concurrent;
    tc_set_config(h, &c);
    return h;
}

/* Runs one whole cycle a tc_step at a time, from a clear log; returns
 * the log, and fails at the first increment past `limit` units. */
static const tc_pause *cycle_within(tc_heap *h, bool concurrent, uint32_t limit, size_t *n) {
    tc_log_clear(h);
    tc_step(h);
    for (int i = 0; i < 100000 && tc_current_phase(h) != TC_PHASE_IDLE; i++) tc_step(h);
    assert_int_equal(tc_current_phase(h), TC_PHASE_IDLE);
    const tc_pause *log = tc_pause_log(h, n);
    for (size_t i = 0; i < *n; i++)
        if (log[i].work > limit)
            fail_msg("%s mode: increment %zu (phase %u -> %u) did %u units, more than %u",
                     concurrent ? "concurrent" : "incremental", i, log[i].phase, log[i].end_phase, log[i].work, limit);
    return log;
}

/* A page is swept whole, but an increment that has done work does not
 * start one it cannot finish within its budget (sweep.c, page_fits): with
 * a budget of 3,000 units and pages of ~2,046 cells, one page an
 * increment, never two. In both modes: the concurrent sweep's increments
 * (the termination handshake's included) follow the same rule. */
static void test_sweep_increments_stay_within_budget(void **state) {
    (void)state;
    for (int concurrent = 0; concurrent < 2; concurrent++) {
        tc_heap *h = budget_heap(concurrent, 3000);
        void *kept = NULL, *dropped = NULL;
        tc_root_add(h, &kept);
        tc_root_add(h, &dropped);
        make_list(h, &kept, 20000); /* 32-byte cells: ~2,046 a page */
        make_list(h, &dropped, 20000);
        tc_collect(h);
        dropped = NULL;
        /* Marking may finish the object it is scanning (2 slots), and
         * the concurrent sweep an adoption (16 units, sweep.c). */
        size_t n;
        const tc_pause *log = cycle_within(h, concurrent, 3000 + 16, &n);
        size_t sweeps = 0;
        for (size_t i = 0; i < n; i++) sweeps += log[i].phase == TC_PHASE_SWEEP;
        if (!concurrent) assert_true(sweeps >= 10); /* 20 pages, at most one each after marking */
        assert_heap_ok(h);
        tc_heap_free(h);
    }
}

/* The same for large objects: a dead one is cleared where it was written
 * by its sweep (alloc.c, large_clear), ~700 units for 44 KiB, and an
 * increment that has done work does not start one it cannot finish
 * within its budget (sweep.c, large_fits). */
static void test_large_sweep_stays_within_budget(void **state) {
    (void)state;
    enum { N = 40, RAW = 40 << 10 };
    for (int concurrent = 0; concurrent < 2; concurrent++) {
        tc_heap *h = budget_heap(concurrent, 1000);
        void *holder = tc_alloc(h, N, 0);
        tc_root_add(h, &holder);
        for (int i = 0; i < N; i++) {
            void *big = tc_alloc(h, 0, RAW);
            assert_non_null(big);
            memset(big, 0xab, RAW); /* every page of its raw bytes written */
            tc_store(h, holder, (uint32_t)i, big);
        }
        tc_collect(h);
        holder = NULL; /* all N die */
        size_t n;
        const tc_pause *log = cycle_within(h, concurrent, 1000 + 16, &n);
        uint64_t work = 0;
        for (size_t i = 0; i < n; i++) work += log[i].work;
        if (work < (uint64_t)N * (RAW / 64)) /* the objects were cleared, and counted */
            fail_msg("%s mode: %llu units in all", concurrent ? "concurrent" : "incremental", (unsigned long long)work);
        assert_heap_ok(h);
        tc_root_remove(h, &holder);
        tc_heap_free(h);
    }
}

static void test_sweep_is_incremental_and_keeps_new_objects(void **state) {
    (void)state;
    for (int m = 0; m < 3; m++) {
        tc_heap *h = test_heap(all_modes[m]);
        void *garbage = NULL;
        tc_root_add(h, &garbage);
        make_list(h, &garbage, 20000);
        tc_collect(h); /* a clean start: idle, everything white */
        garbage = NULL;
        step_until(h, TC_PHASE_SWEEP, 100000);
        tc_step(h);
        assert_int_equal(tc_current_phase(h), TC_PHASE_SWEEP); /* not done in one increment */
        void *born = tc_alloc(h, 1, 0);
        tc_root_add(h, &born);
        step_until(h, TC_PHASE_IDLE, 100000);
        assert_true(heap_has_object(h, born));
        assert_int_equal(heap_count_objects(h), 1);
        assert_heap_ok(h);
        tc_heap_free(h);
    }
}

static void test_roots_stack_and_globals(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_YUASA);
    void *local = tc_alloc(h, 0, 16);
    void *global = tc_alloc(h, 0, 16);
    tc_root_push(h, &local);
    tc_root_add(h, &global);
    tc_collect(h);
    tc_collect(h);
    assert_true(heap_has_object(h, local));
    assert_true(heap_has_object(h, global));
    void *old_local = local;
    tc_root_pop(h, 1);
    assert_true(tc_root_remove(h, &global));
    tc_collect(h);
    tc_collect(h);
    assert_int_equal(heap_count_objects(h), 0);
    (void)old_local;
    /* A deep stack: the inline push grows it through the slow path many
     * times over (tricolor.h), and every pushed local is a root. */
    enum { DEEP = 5000 };
    static void *locals[DEEP];
    for (int i = 0; i < DEEP; i++) {
        locals[i] = tc_alloc(h, 0, 8);
        tc_root_push(h, &locals[i]);
    }
    assert_int_equal(tc_root_depth(h), DEEP);
    tc_collect(h);
    tc_collect(h);
    assert_int_equal(heap_count_objects(h), DEEP);
    tc_root_pop(h, DEEP);
    tc_collect(h);
    tc_collect(h);
    assert_int_equal(heap_count_objects(h), 0);
    tc_heap_free(h);
}

static void test_pause_and_cycle_logs(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_STEELE);
    void *root = NULL;
    tc_root_add(h, &root);
    for (int i = 0; i < 200000; i++) {
        void *n = tc_alloc(h, 2, 8);
        if (i % 10 == 0) root = n; /* mostly garbage, some kept briefly */
    }
    size_t np, nc;
    const tc_pause *p = tc_pause_log(h, &np);
    const tc_cycle *c = tc_cycle_log(h, &nc);
    tc_stats s;
    tc_get_stats(h, &s);
    assert_true(nc >= 2);
    assert_int_equal(np, s.increments);
    uint64_t sum = 0;
    for (size_t i = 0; i < np; i++) {
        assert_true(p[i].duration_ns > 0);
        assert_true(p[i].cycle >= 1);
        assert_true(p[i].phase < TC_PHASE_COUNT);
        if (i) assert_true(p[i].start_ns >= p[i - 1].start_ns + p[i - 1].duration_ns);
        sum += p[i].duration_ns;
    }
    assert_int_equal(sum, s.gc_wall_ns);
    for (size_t i = 0; i < nc; i++) {
        assert_int_equal(c[i].cycle, i + 1);
        assert_true(c[i].end_ns >= c[i].mark_end_ns && c[i].mark_end_ns >= c[i].start_ns);
        assert_true(c[i].increments >= 1);
        assert_true(c[i].heap_after <= c[i].heap_before + s.bytes_allocated);
        assert_int_equal(c[i].barrier, TC_BARRIER_STEELE);
    }
    char line[256];
    tc_cycle_format(&c[0], c[0].start_ns, line, sizeof line);
    assert_non_null(strstr(line, "gc 1 @0.000s"));
    assert_non_null(strstr(line, "steele"));
    assert_non_null(strstr(line, "MB goal"));
    tc_heap_free(h);
}

static void test_pacer_keeps_heap_near_goal(void **state) {
    (void)state;
    tc_config c;
    test_config(&c, TC_BARRIER_DIJKSTRA);
    c.verify_each_step = false;
    c.min_heap = 1 << 20;
    tc_heap *h = tc_heap_new(&c);
    void *ring[1000] = {0};
    for (int i = 0; i < 1000; i++) tc_root_push(h, &ring[i]);
    for (int i = 0; i < 2000000; i++) ring[i % 1000] = tc_alloc(h, 2, 8);
    tc_stats s;
    tc_get_stats(h, &s);
    /* 32 KB live, min_heap 1 MiB: peak live stays within trigger + runway
     * (1.5 MiB) plus one step's worth of slack. */
    assert_true(s.cycles > 10);
    assert_true(s.peak_live_bytes < (2u << 20));
    tc_root_pop(h, 1000);
    tc_heap_free(h);
}

static void noop_safepoint(tc_heap *h, void *user) { (void)h, (void)user; }

/* With a safepoint hook (or an observer) the pacer runs at every small
 * allocation; its debt must still add up (it once truncated each 48-byte
 * allocation's fraction of a unit to zero, and cycles never finished). */
static void test_pacer_with_safepoint_keeps_heap_bounded(void **state) {
    (void)state;
    tc_config c;
    test_config(&c, TC_BARRIER_DIJKSTRA);
    c.verify_each_step = false;
    c.min_heap = 32 << 10;
    c.step_work = 40;
    tc_heap *h = tc_heap_new(&c);
    tc_set_safepoint(h, noop_safepoint, NULL);
    void *ring[100] = {0};
    for (int i = 0; i < 100; i++) tc_root_push(h, &ring[i]);
    for (int i = 0; i < 300000; i++) {
        void *o = tc_alloc(h, 2, 8);
        void *older = ring[(i + 1) % 100]; /* links point forward: the live set stays ~200 objects */
        if (older) tc_store(h, older, 1, o);
        ring[i % 100] = o;
    }
    tc_stats s;
    tc_get_stats(h, &s);
    print_message("safepoint pacing: %llu cycles, peak live %llu KiB\n", (unsigned long long)s.cycles,
                  (unsigned long long)s.peak_live_bytes >> 10);
    assert_true(s.cycles > 50);
    assert_true(s.peak_live_bytes < (256u << 10));
    tc_root_pop(h, 100);
    tc_heap_free(h);
}

/* An increment's GC CPU is its wall time (pauselog.c): no increment
 * reads the thread CPU clock, a system call that made a pause 5-15 us
 * longer, nor is charged a ratio sampled from those that did, which read
 * 0.53-0.85 of their wall time. Without the marker nothing sleeps in an
 * increment, so every cycle's GC CPU and the heap's equal their pause
 * time to the nanosecond. */
static void test_gc_cpu_is_the_increments_time(void **state) {
    (void)state;
    tc_config c;
    test_config_unverified(&c, 256 << 10); /* test_config's min heap */
    c.step_work = 100;
    tc_heap *h = tc_heap_new(&c);
    void *root = NULL;
    tc_root_add(h, &root);
    make_list(h, &root, 5000);
    for (int i = 0; i < 3000; i++) tc_step(h);
    tc_collect(h);
    tc_stats s;
    tc_get_stats(h, &s);
    assert_true(s.increments >= 3000);
    assert_true(s.gc_wall_ns > 0);
    assert_int_equal(s.gc_cpu_ns, s.gc_wall_ns);
    size_t n;
    const tc_cycle *cy = tc_cycle_log(h, &n);
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i++) assert_int_equal(cy[i].gc_cpu_ns, cy[i].pause_ns);
    tc_heap_free(h);
}

static void test_barrier_switch_applies_at_next_cycle(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    void *root = NULL;
    tc_root_add(h, &root);
    make_list(h, &root, 2000);
    tc_step(h);
    assert_int_equal(tc_current_phase(h), TC_PHASE_PROPAGATE);
    tc_config c;
    tc_get_config(h, &c);
    c.barrier = TC_BARRIER_YUASA;
    assert_null(tc_set_config(h, &c));
    step_until(h, TC_PHASE_IDLE, 100000);
    tc_collect(h);
    size_t n;
    const tc_cycle *cy = tc_cycle_log(h, &n);
    assert_int_equal(n, 2);
    assert_int_equal(cy[0].barrier, TC_BARRIER_DIJKSTRA);
    assert_int_equal(cy[1].barrier, TC_BARRIER_YUASA);
    tc_get_config(h, &c);
    assert_int_equal(c.barrier, TC_BARRIER_YUASA);
    tc_heap_free(h);
}

static void test_visit_and_heap_cells(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    void *root = NULL;
    tc_root_add(h, &root);
    make_list(h, &root, 100);
    void *big = tc_alloc(h, 1000, 0);
    tc_store(h, root, 1, big);
    uint8_t cells[8192];
    size_t n = tc_heap_cells(h, cells, sizeof cells);
    size_t white = 0, free_cells = 0;
    for (size_t i = 0; i < n && i < sizeof cells; i++) {
        if (cells[i] == TC_WHITE) white++;
        if (cells[i] == TC_FREE) free_cells++;
    }
    assert_int_equal(white, 101);
    assert_int_equal(white + free_cells, n);
    tc_step(h); /* roots shaded and some marking */
    n = tc_heap_cells(h, cells, sizeof cells);
    size_t grey_or_black = 0;
    for (size_t i = 0; i < n && i < sizeof cells; i++) grey_or_black += cells[i] == TC_GREY || cells[i] == TC_BLACK;
    assert_true(grey_or_black > 0);
    assert_int_equal(tc_colour_of(h, root), TC_BLACK);
    tc_heap_free(h);
}

/* tc_heap_pages lists the pages tc_heap_cells reads, in its order: their
 * cells add up to its count, and every object tc_visit_objects reports
 * sits in its page's cell `cell`, with the page's index and kind, cell i
 * of that record holding the colour tc_heap_cells gives at the record's
 * first cell + i. Small pages of two sizes and two large objects. */
typedef struct pages_ctx {
    const tc_page_info *pg;
    size_t npg;
    const uint8_t *cells;
    size_t checked;
} pages_ctx;

static void check_in_page(const tc_object_info *in, void *user) {
    pages_ctx *c = user;
    size_t first = 0;
    for (size_t k = 0; k < c->npg; first += c->pg[k].ncells, k++) {
        const tc_page_info *p = &c->pg[k];
        if (p->is_large != in->is_large || p->page != in->page) continue;
        assert_ptr_equal((char *)p->first + (size_t)in->cell * p->cell_size, in->obj);
        assert_true(in->cell < p->ncells);
        assert_int_equal(p->cell_size, in->size);
        assert_int_equal(c->cells[first + in->cell], in->colour);
        c->checked++;
        return;
    }
    fail_msg("object %p (page %u%s) is in no page tc_heap_pages listed", in->obj, in->page,
             in->is_large ? ", large" : "");
}

static void test_heap_pages_match_the_cells(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    void *root = NULL;
    tc_root_add(h, &root);
    make_list(h, &root, 300);
    void *big = tc_alloc(h, 1000, 0), *big2 = tc_alloc(h, 0, 200000), *odd = tc_alloc(h, 7, 100);
    tc_store(h, root, 1, big);
    tc_store(h, big, 0, big2);
    tc_store(h, big, 1, odd);
    tc_step(h); /* some grey and black among the white */
    static uint8_t cells[1 << 16];
    size_t n = tc_heap_cells(h, cells, sizeof cells);
    assert_true(n <= sizeof cells);
    tc_page_info pg[256];
    assert_int_equal(tc_heap_pages(h, pg, 0), tc_heap_pages(h, pg, 256)); /* the count without writing */
    size_t np = tc_heap_pages(h, pg, 256), total = 0, large = 0;
    assert_true(np >= 4 && np <= 256);
    for (size_t k = 0; k < np; k++) {
        total += pg[k].ncells;
        large += pg[k].is_large;
        if (k && !pg[k].is_large && !pg[k - 1].is_large) assert_true(pg[k].first > pg[k - 1].first); /* address order */
        if (k) assert_true(!pg[k - 1].is_large || pg[k].is_large); /* then the large */
    }
    assert_int_equal(total, n);
    assert_int_equal(large, 2);
    pages_ctx c = {pg, np, cells, 0};
    tc_visit_objects(h, check_in_page, &c);
    assert_int_equal(c.checked, 303);
    tc_heap_free(h);
}

/* Allocation events ride on the pacer's threshold (alloc.c): every
 * allocation must be reported while observed, and pacing must go on as
 * before once the observer leaves. */
static void test_observer_sees_every_allocation(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    tc_config c;
    tc_get_config(h, &c);
    c.verify_each_step = false;
    tc_set_config(h, &c);
    void *ring[64] = {0};
    for (int i = 0; i < 64; i++) tc_root_push(h, &ring[i]);
    for (int i = 0; i < 20000; i++) ring[i % 64] = tc_alloc(h, 1, 8); /* some cycles first */
    assert_true(tc_observe_start(h, 1 << 20));
    void *mine[5000];
    for (int i = 0; i < 5000; i++) ring[i % 64] = mine[i] = tc_alloc(h, 1, 8);
    static tc_event ev[1 << 20];
    uint64_t lost;
    size_t n = tc_observe_poll(h, ev, 1 << 20, &lost);
    assert_int_equal(lost, 0);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == TC_EV_ALLOC) {
            assert_true(k < 5000);
            assert_ptr_equal(ev[i].obj, mine[k]);
            k++;
        }
    assert_int_equal(k, 5000);
    tc_observe_stop(h);
    tc_stats before, after;
    tc_get_stats(h, &before);
    for (int i = 0; i < 200000; i++) ring[i % 64] = tc_alloc(h, 1, 8);
    tc_get_stats(h, &after);
    assert_true(after.cycles > before.cycles); /* the pacer still runs cycles */
    assert_true(after.peak_live_bytes < (4u << 20));
    tc_root_pop(h, 64);
    assert_heap_ok(h);
    tc_heap_free(h);
}

/* tc_describe tells what one object is, as tc_visit_objects tells it for
 * all, and says no, without reading it, to anything that is not an
 * allocated object's start: an interior pointer, a freed cell, a stack
 * address, a large object's second page. */
typedef struct find_info {
    const void *obj;
    tc_object_info info;
    bool found;
} find_info;
static void find_one(const tc_object_info *i, void *user) {
    find_info *f = user;
    if (i->obj == f->obj) f->info = *i, f->found = true;
}

static void test_describe_one_object(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    void *root = tc_alloc(h, 3, 24);
    tc_root_add(h, &root);
    void *child = tc_alloc(h, 1, 0);
    tc_store(h, root, 2, child);
    void *big = tc_alloc(h, 20000, 0); /* a large object */
    tc_store(h, root, 0, big);
    void *dead = tc_alloc(h, 3, 24);
    void *objs[3] = {root, child, big};
    for (int k = 0; k < 3; k++) {
        tc_object_info d;
        find_info f = {.obj = objs[k]};
        tc_visit_objects(h, find_one, &f);
        assert_true(f.found);
        assert_true(tc_describe(h, objs[k], &d));
        assert_ptr_equal(d.obj, f.info.obj);
        assert_int_equal(d.colour, f.info.colour);
        assert_int_equal(d.is_root, f.info.is_root);
        assert_int_equal(d.is_large, f.info.is_large);
        assert_int_equal(d.is_large, objs[k] == big);
        assert_int_equal(d.page, f.info.page);
        assert_int_equal(d.cell, f.info.cell);
        assert_int_equal(d.nslots, f.info.nslots);
        assert_int_equal(d.nraw, f.info.nraw);
        assert_int_equal(d.size, f.info.size);
    }
    tc_object_info d;
    assert_true(tc_describe(h, root, &d));
    assert_true(d.is_root);
    assert_int_equal(d.nslots, 3);
    assert_int_equal(d.nraw, 24);
    assert_true(tc_describe(h, child, &d));
    assert_false(d.is_root);
    int local = 0;
    assert_false(tc_describe(h, &local, &d));
    assert_false(tc_describe(h, NULL, &d));
    assert_false(tc_describe(h, (char *)root + 8, &d));            /* inside an object */
    assert_false(tc_describe(h, (char *)big + TC_PAGE_BYTES, &d)); /* inside a large one */
    assert_true(tc_describe(h, dead, &d));
    tc_collect(h);
    tc_collect(h);
    assert_false(tc_describe(h, dead, &d)); /* swept: its cell is free */
    tc_root_remove(h, &root);
    tc_heap_free(h);
}

/* An observer that does not ask for allocation events (the window's graph
 * asks for barrier and phase events only) leaves allocations on the fast
 * path: the pacer is asked at its own threshold, not at every allocation.
 * Regression: any observer held next_check_bytes at 0, so each allocation
 * took the checked path, and in the window ordinary allocations crossed
 * bench's 1 us pause threshold. Asking for them again reports every one. */
static void test_observer_without_alloc_events_keeps_the_fast_path(void **state) {
    (void)state;
    tc_heap *h = test_heap(TC_BARRIER_DIJKSTRA);
    void *ring[64] = {0};
    for (int i = 0; i < 64; i++) tc_root_push(h, &ring[i]);
    assert_true(tc_observe_start(h, 1 << 16));
    tc_observe_mask(h, 1u << TC_EV_BARRIER | 1u << TC_EV_PHASE);
    for (int i = 0; i < 100; i++) ring[i % 64] = tc_alloc(h, 1, 8);
    assert_true(h->next_check_bytes > h->bytes_allocated); /* not pinned to every allocation */
    tc_observe_mask(h, ~0u);
    ring[0] = tc_alloc(h, 1, 8);
    assert_int_equal(h->next_check_bytes, 0); /* every allocation reported again */
    tc_event ev[64];
    uint64_t lost;
    size_t n = tc_observe_poll(h, ev, 64, &lost), allocs = 0;
    for (size_t i = 0; i < n; i++) allocs += ev[i].kind == TC_EV_ALLOC;
    assert_int_equal(allocs, 1);
    tc_observe_stop(h);
    tc_root_pop(h, 64);
    tc_heap_free(h);
}

/* A large object scanned part of the way by small increments, then
 * finished by tc_collect, whose increments have no budget. Regression
 * (found by fuzzing): large_scan_some computed the scan end as
 * cursor + (SIZE_MAX - work), which wrapped; the cursor went backwards
 * and each increment reported ~2^64 units of work, which then wrecked the
 * pacer's speed estimate. */
static tc_heap *heap_with_partly_scanned_large(void **big) {
    tc_config c;
    test_config(&c, TC_BARRIER_DIJKSTRA);
    c.step_work = 100;
    c.verify_each_step = false;
    tc_heap *h = tc_heap_new(&c);
    tc_root_push(h, big);
    *big = tc_alloc(h, 100000, 0);
    for (uint32_t i = 0; i < 100000; i += 7) tc_store(h, *big, i, tc_alloc(h, 0, 8));
    for (int i = 0; i < 3; i++) tc_step(h);
    return h;
}

static void test_unlimited_increment_scans_large_objects_once(void **state) {
    (void)state;
    void *big = NULL;
    tc_heap *h = heap_with_partly_scanned_large(&big);
    assert_int_equal(tc_current_phase(h), TC_PHASE_PROPAGATE);
    tc_collect(h);
    size_t n;
    const tc_pause *log = tc_pause_log(h, &n);
    for (size_t i = 0; i < n; i++) assert_true(log[i].work < 1000000); /* 100,000 slots + 14,286 children */
    assert_heap_ok(h);
    /* The pacer's speed stayed sane: a 100 us budget still completes cycles. */
    big = NULL;
    tc_config c;
    tc_get_config(h, &c);
    c.budget_unit = TC_BUDGET_USEC;
    c.step_usec = 100;
    assert_null(tc_set_config(h, &c));
    tc_stats s0, s1;
    tc_get_stats(h, &s0);
    for (int i = 0; i < 1 << 19; i++) tc_alloc(h, 1, 56); /* 32 MiB of garbage */
    tc_get_stats(h, &s1);
    assert_true(s1.cycles > s0.cycles);
    tc_root_pop(h, 1);
    tc_heap_free(h);
}

enum { BIG_SLOTS = 1 << 18 }; /* a 2 MiB pointer array: 513 pages */

/* A heap whose first large object is a fresh mapping nobody touched: no
 * memory thread to hand it a populated span, no cycle but those asked,
 * no verifier at each step (it reads every slot). */
static tc_heap *untouched_large_heap(void) {
    tc_config c;
    test_config(&c, TC_BARRIER_DIJKSTRA);
    c.min_heap = (size_t)64 << 20;
    c.mem_thread = false;
    c.verify_each_step = false;
    return tc_heap_new(&c);
}

/* Written pages (collect.c): the marker reads only the pages of a large
 * object that a store reached. A 2 MiB array with two children, in its
 * first page and its last: after a full collection both children live,
 * the mark work is a unit a page plus the two written pages' slots, and
 * the 511 pages between were never read. It fails with tc_store not
 * noting the page (the last child is lost), and with the scan reading
 * every page (the work, and the residency). */
static void test_large_scan_reads_written_pages_only(void **state) {
    (void)state;
    tc_heap *h = untouched_large_heap();
    void *arr = tc_alloc(h, BIG_SLOTS, 0);
    tc_root_add(h, &arr);
    void *a = tc_alloc(h, 0, 8), *b = tc_alloc(h, 0, 8);
    *(uint64_t *)tc_raw(a) = 0xa;
    *(uint64_t *)tc_raw(b) = 0xb;
    tc_store(h, arr, 7, a);
    tc_store(h, arr, BIG_SLOTS - 1, b);
    /* Slot 7 lies in the first page, which holds the header: always
     * scanned, it takes no bit (tricolor.h, TC__LARGE_PAGE0_SLOTS). */
    assert_int_equal(page_of(arr)->written[0] & 1, 0);
    a = b = NULL;
    tc_collect(h);
    size_t n;
    const tc_cycle *log = tc_cycle_log(h, &n);
    assert_int_equal(n, 1);
    size_t pages = large_wpages(BIG_SLOTS);
    assert_true(log[0].mark_work <= pages + 2 * 512 / NULL_SLOTS_PER_UNIT + 64);
    assert_int_equal(resident_pages((char *)arr + 8 * 4096, pages - 16), 0);
    assert_heap_ok(h);
    assert_int_equal(*(uint64_t *)tc_raw(tc_load(h, arr, 7)), 0xa);
    assert_int_equal(*(uint64_t *)tc_raw(tc_load(h, arr, BIG_SLOTS - 1)), 0xb);
    assert_int_equal(tc_colour_of(h, tc_load(h, arr, BIG_SLOTS - 1)), TC_WHITE);
    tc_root_remove(h, &arr);
    tc_heap_free(h);
}

/* A large array's written bitmap is in memory from its allocation
 * (alloc.c, alloc_large), and none of its slot pages past the first is:
 * the marker reads the bitmap before each page of slots, and an
 * untouched bitmap faulted in inside the marking. An object of 16 slots
 * and 1 MiB of raw bytes, whose marking never reads its bitmap, keeps
 * its bitmap's page untouched. It failed with the bitmap left alone at
 * allocation: its page not resident. */
static void test_large_bitmap_is_resident_from_allocation(void **state) {
    (void)state;
    tc_heap *h = untouched_large_heap();
    void *arr = tc_alloc(h, BIG_SLOTS, 0);
    tc_root_add(h, &arr);
    const uint64_t *bm = page_of(arr)->written;
    const size_t spans = pages_spanned(bm, large_wwords(BIG_SLOTS) * sizeof *bm);
    assert_int_equal(resident_pages(bm, spans), spans);
    size_t pages = large_wpages(BIG_SLOTS);
    assert_int_equal(resident_pages((char *)arr + 8 * 4096, pages - 16), 0);
    void *few = tc_alloc(h, 16, (size_t)1 << 20);
    tc_root_add(h, &few);
    assert_int_equal(resident_pages(page_of(few)->written, 1), 0);
    assert_heap_ok(h);
    tc_root_remove(h, &few);
    tc_root_remove(h, &arr);
    tc_heap_free(h);
}

/* A dead large object is cleared where it was written, and only there
 * (alloc.c, large_clear): its mapping goes back to the quarantine clean,
 * the next large object of its size takes it without a memset, reads
 * zero throughout, and the pages nobody wrote are still not in memory.
 * It fails with the dead object put back dirty (the memset faults every
 * page in) and with a written page left uncleared. */
static void test_dead_large_object_cleared_where_written(void **state) {
    (void)state;
    tc_heap *h = untouched_large_heap();
    void *arr = tc_alloc(h, BIG_SLOTS, 0);
    void *first = arr;
    tc_root_add(h, &arr);
    void *child = tc_alloc(h, 0, 8);
    for (uint32_t i = 100; i < BIG_SLOTS; i += 40000) tc_store(h, arr, i, child);
    child = NULL;
    arr = NULL;
    tc_collect(h);
    arr = tc_alloc(h, BIG_SLOTS, 0);
    assert_ptr_equal(arr, first); /* from the quarantine */
    size_t pages = large_wpages(BIG_SLOTS), touched = 0;
    for (uint32_t i = 100; i < BIG_SLOTS; i += 40000) touched++;
    assert_true(resident_pages(page_of(arr), pages) <= touched + 2);
    for (uint32_t i = 0; i < BIG_SLOTS; i++) assert_null(tc_load(h, arr, i));
    assert_int_equal(page_of(arr)->written[0], 0);
    assert_heap_ok(h);
    tc_root_remove(h, &arr);
    tc_heap_free(h);
}

/* A dirty span is cleared whole when it is reused, not only as far as
 * the new object reaches: that object's death clears only what it wrote
 * and puts the span back clean, so anything left past its end would be
 * handed out as zero. A dirty 512 KiB buffer, then a 320 KiB array in its
 * first 320 KiB, then a 327,000-byte buffer there: it must read zero. It
 * failed with only the array's bytes cleared. */
static void test_reused_dirty_span_cleared_past_the_object(void **state) {
    (void)state;
    tc_heap *h = untouched_large_heap();
    void *buf = tc_alloc(h, 0, 500000);
    memset(tc_raw(buf), 0xff, 500000);
    buf = NULL;
    tc_collect(h); /* dead, too dirty to clear: quarantined dirty */
    void *arr = tc_alloc(h, 40000, 0);
    tc_root_add(h, &arr);
    tc_store(h, arr, 1, arr);
    void *at = page_of(arr);
    arr = NULL;
    tc_collect(h); /* dead, cleared where written: quarantined clean */
    buf = tc_alloc(h, 0, 327000);
    assert_ptr_equal(page_of(buf), at);
    const unsigned char *raw = tc_raw(buf);
    for (size_t i = 0; i < 327000; i++)
        if (raw[i]) fail_msg("raw byte %zu is %#x, not zero", i, raw[i]);
    tc_root_remove(h, &arr);
    tc_heap_free(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unlimited_increment_scans_large_objects_once),
        cmocka_unit_test(test_reachable_kept_unreachable_freed),
        cmocka_unit_test(test_phases_run_in_order),
        cmocka_unit_test(test_increments_are_bounded),
        cmocka_unit_test(test_sweep_increments_stay_within_budget),
        cmocka_unit_test(test_large_sweep_stays_within_budget),
        cmocka_unit_test(test_sweep_is_incremental_and_keeps_new_objects),
        cmocka_unit_test(test_roots_stack_and_globals),
        cmocka_unit_test(test_pause_and_cycle_logs),
        cmocka_unit_test(test_pacer_keeps_heap_near_goal),
        cmocka_unit_test(test_pacer_with_safepoint_keeps_heap_bounded),
        cmocka_unit_test(test_barrier_switch_applies_at_next_cycle),
        cmocka_unit_test(test_visit_and_heap_cells),
        cmocka_unit_test(test_observer_sees_every_allocation),
        cmocka_unit_test(test_observer_without_alloc_events_keeps_the_fast_path),
        cmocka_unit_test(test_describe_one_object),
        cmocka_unit_test(test_large_scan_reads_written_pages_only),
        cmocka_unit_test(test_large_bitmap_is_resident_from_allocation),
        cmocka_unit_test(test_dead_large_object_cleared_where_written),
        cmocka_unit_test(test_reused_dirty_span_cleared_past_the_object),
        cmocka_unit_test(test_event_ring_is_resident_when_attached),
        cmocka_unit_test(test_heap_pages_match_the_cells),
        cmocka_unit_test(test_gc_cpu_is_the_increments_time),
    };
    return cmocka_run_group_tests_name("collect", tests, NULL, NULL);
}
