/*
 * mem_large.c — spans for large objects (cells over MAX_SMALL) and the
 * quarantine of dead ones, the large objects' free store: a dead mapping
 * waits there, merged with its quarantined neighbours, and a new large
 * object takes the best fit (split at a 64 KiB boundary when much larger),
 * so that a program churning MiB-sized objects reuses memory instead of
 * mapping and unmapping it (a 2 MiB munmap took ~12 ms on the VM measured
 * in docs/design.md). mem.c's trimming gives expired entries back.
 */
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void quarantine_insert(tc_heap *h, tc__span s);

/* ======================================================================
 * The quarantine's index
 * ====================================================================== */

/* A dead large object's mapping joins the quarantine merged with the
 * entries that end where it begins or begin where it ends. They were
 * found by a scan of the whole quarantine, 122-154 entries on average on
 * fragment, inside the pauses that free those objects: in the concurrent
 * mode, the adoptions at a sweep's end (sweep.c). So each entry is also
 * filed by its first byte and by its end, in two open-addressing tables
 * of indexes + 1 that hold no key of their own: an entry's key is read
 * from the entry. With them fragment's sweep-end handshakes took 4.4 us
 * at the median instead of 5.9-6.0, in two sets of six alternating runs
 * (docs/design.md section 10). Every change to an entry's base or
 * length, its removal and the move of the last entry into its place go
 * through the helpers below, which keep the invariant
 * tc__mem_quarantine_index_ok checks (and the verifier with it): each
 * entry is found under both its keys, and the tables hold nothing
 * else. */

static uintptr_t qkey(const tc__span *q, bool end) { return (uintptr_t)q->base + (end ? q->len : 0); }

/* Keys are multiples of 4 KiB. */
static size_t qslot(uintptr_t key) {
    return (size_t)(((uint64_t)(key >> 12) * 0x9E3779B97F4A7C15ull) >> (64 - TC__QINDEX_BITS));
}

static uint16_t *qtable(tc__mem *m, bool end) { return end ? m->quarantine_at_end : m->quarantine_at_base; }

/* The slot that holds entry i under its key. Not there is a broken
 * invariant: a probe that met an empty slot first would loop forever. */
static size_t qindex_slot_of(tc__mem *m, bool end, size_t i) {
    uint16_t *t = qtable(m, end);
    size_t k = qslot(qkey(&m->quarantine[i], end));
    while (t[k] != i + 1) {
        if (!t[k]) {
            fprintf(stderr, "tricolor: the quarantine's index lost entry %zu\n", i);
            abort();
        }
        k = (k + 1) & (TC__QINDEX_CAP - 1);
    }
    return k;
}

static void qindex_put(tc__mem *m, bool end, size_t i) {
    uint16_t *t = qtable(m, end);
    size_t k = qslot(qkey(&m->quarantine[i], end));
    while (t[k]) k = (k + 1) & (TC__QINDEX_CAP - 1);
    t[k] = (uint16_t)(i + 1);
}

/* Linear probing's deletion: the entries after the hole that could sit
 * in it move back, so that every probe still reaches its entry. */
static void qindex_del(tc__mem *m, bool end, size_t i) {
    uint16_t *t = qtable(m, end);
    size_t hole = qindex_slot_of(m, end, i);
    t[hole] = 0;
    for (size_t j = (hole + 1) & (TC__QINDEX_CAP - 1); t[j]; j = (j + 1) & (TC__QINDEX_CAP - 1)) {
        size_t home = qslot(qkey(&m->quarantine[t[j] - 1], end));
        /* Whether home lies cyclically in (hole, j]: then it stays. */
        bool stays = hole < j ? home > hole && home <= j : home > hole || home <= j;
        if (stays) continue;
        t[hole] = t[j];
        t[j] = 0;
        hole = j;
    }
}

/* The entry filed under key (its base, or its end), or SIZE_MAX. */
static size_t qindex_find(const tc__mem *m, bool end, uintptr_t key) {
    const uint16_t *t = end ? m->quarantine_at_end : m->quarantine_at_base;
    for (size_t k = qslot(key); t[k]; k = (k + 1) & (TC__QINDEX_CAP - 1))
        if (qkey(&m->quarantine[t[k] - 1], end) == key) return t[k] - 1u;
    return SIZE_MAX;
}

static void quarantine_append(tc__mem *m, tc__span s) {
    size_t i = m->quarantine_n++;
    m->quarantine[i] = s;
    qindex_put(m, false, i);
    qindex_put(m, true, i);
}

/* Entry i leaves; the last entry takes its place. */
static void quarantine_remove(tc__mem *m, size_t i) {
    qindex_del(m, false, i);
    qindex_del(m, true, i);
    size_t last = --m->quarantine_n;
    if (i == last) return;
    m->quarantine_at_base[qindex_slot_of(m, false, last)] = (uint16_t)(i + 1);
    m->quarantine_at_end[qindex_slot_of(m, true, last)] = (uint16_t)(i + 1);
    m->quarantine[i] = m->quarantine[last];
}

/* Entry i becomes [base, base + len). */
static void quarantine_reshape(tc__mem *m, size_t i, void *base, size_t len) {
    qindex_del(m, false, i);
    qindex_del(m, true, i);
    m->quarantine[i].base = base;
    m->quarantine[i].len = len;
    qindex_put(m, false, i);
    qindex_put(m, true, i);
}

void tc__mem_quarantine_empty(tc__mem *m) {
    m->quarantine_n = 0;
    m->quarantine_bytes = 0;
    memset(m->quarantine_at_base, 0, sizeof m->quarantine_at_base);
    memset(m->quarantine_at_end, 0, sizeof m->quarantine_at_end);
}

bool tc__mem_quarantine_index_ok(const tc__mem *m) {
    size_t filed = 0;
    for (int end = 0; end < 2; end++) {
        const uint16_t *t = end ? m->quarantine_at_end : m->quarantine_at_base;
        for (size_t k = 0; k < TC__QINDEX_CAP; k++) {
            if (!t[k]) continue;
            if (t[k] > m->quarantine_n) return false;
            filed++;
        }
        for (size_t i = 0; i < m->quarantine_n; i++)
            if (qindex_find(m, end, qkey(&m->quarantine[i], end)) != i) return false;
    }
    return filed == 2 * m->quarantine_n;
}

/* ======================================================================
 * Large objects
 * ====================================================================== */

/* A mapping of at least len bytes (a multiple of 4 KiB) for a large
 * object, cleared over its first `clear` bytes. A quarantined dead mapping
 * is reused when one fits without wasting more than a quarter of it; its
 * whole length stays the object's mapping (*map_len). */
/* Large mappings come in whole 4 KiB pages up to 64 KiB, and in whole
 * 64 KiB pages above (so that any of them can be split at a 64 KiB
 * boundary, where a large object's page header must sit, and its pieces
 * merged again: see the quarantine). */
size_t tc__mem_large_len(size_t len) {
    if (len <= PAGE_SIZE) return (len + 4095) & ~(size_t)4095;
    return (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

static size_t dirty_of(const tc__span *s) { return s->len - s->clean; }

/* The length of the piece at q's back that a request of split_len bytes
 * would take, cut on a 64 KiB boundary (a merged span need not end on
 * one: a short mapping may follow a long one), if it is clean and leaves
 * at least 64 KiB in front, and q's front is dirty; else 0 (a span clean
 * throughout is cut at the front, where its mappings began). */
static size_t clean_back(const tc__span *q, size_t split_len) {
    if (q->len < split_len + PAGE_SIZE || q->clean == q->len) return 0;
    uintptr_t base = (uintptr_t)q->base, end = base + q->len;
    uintptr_t cut = (end - split_len) & ~(uintptr_t)(PAGE_SIZE - 1);
    if (cut < base + PAGE_SIZE || end - cut > q->clean) return 0;
    return end - cut;
}

/* The quarantined entry a large object of len bytes would take (SIZE_MAX:
 * none fits): the one that leaves the fewest dirty bytes to clear (none,
 * if clean_only), then the best fit. */
static size_t quarantine_best(const tc__mem *m, size_t len, bool clean_only) {
    size_t split_len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    size_t best = SIZE_MAX, best_cost = SIZE_MAX;
    for (size_t i = 0; i < m->quarantine_n; i++) {
        const tc__span *q = &m->quarantine[i];
        bool split = q->len >= split_len + PAGE_SIZE;
        if (q->len < len || (q->len - len > q->len / 8 && !split)) continue;
        size_t dirty = dirty_of(q);
        size_t cost = !split ? dirty : clean_back(q, split_len) ? 0 : dirty < split_len ? dirty : split_len;
        if (clean_only && cost) continue;
        if (best == SIZE_MAX || cost < best_cost || (cost == best_cost && q->len < m->quarantine[best].len)) {
            best = i;
            best_cost = cost;
        }
    }
    return best;
}

/* Takes that entry's span. An entry much larger than the request is
 * split at a 64 KiB boundary (the object's page header must sit on one),
 * the rest staying in the quarantine: the piece is cut from the back when
 * the entry's clean part holds it (nothing to clear), else from the
 * front; one at most an eighth larger that cannot be split is taken
 * whole. */
static bool quarantine_take(tc__mem *m, size_t len, bool clean_only, tc__span *out) {
    size_t split_len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    size_t best = quarantine_best(m, len, clean_only);
    if (best == SIZE_MAX) return false;
    tc__span *q = &m->quarantine[best];
    tc__span s = *q;
    size_t back = clean_back(q, split_len);
    if (back) {
        s.base = (char *)q->base + q->len - back;
        s.len = s.clean = back;
        quarantine_reshape(m, best, q->base, q->len - back);
        q->clean -= back;
    } else if (s.len >= split_len + PAGE_SIZE) {
        /* The front piece keeps what of the clean part reaches into it. */
        size_t dirty = dirty_of(&s);
        s.len = split_len;
        s.clean = dirty < split_len ? split_len - dirty : 0;
        quarantine_reshape(m, best, (char *)q->base + split_len, q->len - split_len);
        if (q->clean > q->len) q->clean = q->len;
    } else {
        quarantine_remove(m, best);
    }
    m->quarantine_bytes -= s.len;
    *out = s;
    return true;
}

/* Proportional clearing. A dead large span the thread could not take
 * (its backlog full, or no thread) waits in the quarantine dirty, and an
 * allocation that finds no clean fit clears one: up to 2 MiB, a
 * 150-200 us memset inside one allocation. With the thread behind (the
 * other vCPU busy half of the time), fragment's allocations cleared
 * ~900 MiB a run that way, in ~750 allocations: its p99. So each large
 * allocation also pays a slice of that debt, as Go's allocations pay for
 * sweeping in proportion to what they allocate: it clears up to its own
 * length, at most CLEAR_SLICE (the 256 KiB an allocation may already
 * clear of a dirty fit, POPULATE_ON_MUTATOR_MAX), of one dirty
 * quarantined span, from the back. The back, so that the span stays one
 * entry, dirty in front and clean behind (tc__span.clean), and stays a
 * fit for the request it fitted: cut into a clean and a dirty piece, each
 * too short for the next request, it was lost to it (test_mem's 16
 * buffers found 15 mappings). A taken span is cleared only over its dirty
 * front. The longest span with dirty bytes is sliced first, and stays
 * first until it is clean (slicing leaves its length alone): spans come
 * clean one at a time, the longest, which can serve any request, first.
 * (Fewest dirty bytes first cleared the many short buffers and left the
 * long spans that the large requests wait for dirty.) Measured in
 * docs/design.md §7, "Proportional clearing". */
static void clear_slice(tc_heap *h, size_t budget) {
    tc__mem *m = &h->mem;
    tc__span *s = NULL;
    for (size_t i = 0; i < m->quarantine_n; i++) {
        tc__span *q = &m->quarantine[i];
        if (dirty_of(q) && (!s || q->len > s->len)) s = q;
    }
    if (!s) return;
    size_t dirty = dirty_of(s), cut = dirty < budget ? dirty : budget;
    tc__mem_zero((char *)s->base + dirty - cut, cut);
    s->clean += cut;
    m->cleared_mutator += cut;
}

/* Whether tc__mem_large_get(len) would find no span written before: the
 * quarantine has none that fits and the thread has no ready one of that
 * size, so the object's pages would be cut from the spare range or
 * mapped, and its first writes (the page header, the written-pages
 * bitmap) would fault them in. It may answer true for a request that a
 * span the thread cleared meanwhile then serves (tc__mem_cleared_take):
 * the caller only moves the pacer's check (alloc.c), never memory. */
bool tc__mem_large_fresh(tc_heap *h, size_t len) {
    tc__mem *m = &h->mem;
    if (quarantine_best(m, len, false) != SIZE_MAX) return false;
    tc__span big;
    return !(m->running && tc__ring_peek(&m->big, &big) && big.len >= len);
}

void *tc__mem_large_get(tc_heap *h, size_t len, size_t clear, size_t *map_len) {
    tc__mem *m = &h->mem;
    tc__span s, big;
    tc__mem_cleared_take(h);
    clear_slice(h, len < CLEAR_SLICE ? len : CLEAR_SLICE);
    /* A dirty mapping is cleared here, inside the allocation: past
     * POPULATE_ON_MUTATOR_MAX that is a long pause (a 4 MB memset was
     * 6.7 ms in the window, gcbench's array at its second pass), so a
     * large request takes a clean span first, the thread's ready one if
     * the quarantine has none, and a dirty one only after that. */
    bool clean_first = clear > POPULATE_ON_MUTATOR_MAX;
    bool found = quarantine_take(m, len, clean_first, &s);
    if (!found && m->running && tc__ring_pop(&m->big, &big)) {
        /* The thread's ready span joins the quarantine (it is the heap's
         * now), and serves this request if it is large enough. */
        h->heap_bytes += big.len;
        tc__mem_quarantine_add(h, big.base, big.len, true);
        found = quarantine_take(m, len, clean_first, &s);
    }
    if (!found && clean_first) found = quarantine_take(m, len, false, &s);
    if (found) {
        m->quarantine_reuses++;
        /* Its whole dirty front, not just the `clear` bytes the object
         * needs: its death clears only what it wrote (alloc.c,
         * large_clear) and puts its mapping back clean, so nothing past
         * its end may be left dirty. */
        if (dirty_of(&s)) {
            tc__mem_zero(s.base, dirty_of(&s));
            m->cleared_mutator += dirty_of(&s);
        }
        *map_len = s.len;
        return s.base; /* still counted in heap_bytes */
    }
    /* Nothing ready: map it here, and ask the thread to keep a span this
     * large ready from now on. */
    if (m->running && len > atomic_load_explicit(&m->big_want, memory_order_relaxed))
        atomic_store_explicit(&m->big_want, len, memory_order_relaxed);
    if (!tc__mem_commit(m, len)) return NULL;
    /* With the thread running, cut from the spare range: no system call
     * here, and the pages fault in as the program writes them. The rest
     * of the last 64 KiB (the next object must start on a 64 KiB
     * boundary) is untouched address space, given back. */
    char *p = tc__mem_spare_carve(m, len);
    if (p) {
        size_t tail = (PAGE_SIZE - len % PAGE_SIZE) % PAGE_SIZE;
        if (tail) tc__mem_spare_drop(m, p + len, tail);
        h->heap_bytes += len;
        *map_len = len;
        return p;
    }
    p = tc__os_map_aligned(m, len, PAGE_SIZE, false);
    if (!p) {
        atomic_fetch_sub_explicit(&m->committed, len, memory_order_relaxed);
        return NULL;
    }
    /* A small one is faulted in now, one call instead of a fault per
     * 4 KiB as it is first written. A large one is not: populating costs
     * in proportion to its size (4 MB took ~1.7 ms here), all of it inside
     * this allocation, the longest pause of a GCBench run; left alone, its
     * pages fault in as the program writes them, like any fresh memory.
     * Either way this is the first-request path: the thread keeps a span
     * of this size ready for the next one. */
    if (len <= POPULATE_ON_MUTATOR_MAX) tc__os_populate(m, p, len, false, false);
    h->heap_bytes += len;
    *map_len = len;
    return p;
}

/* A dead large object's mapping waits in the quarantine for reuse,
 * merged with any quarantined neighbour (adjacent mappings, or pieces of
 * one that was split), so that pieces grow back into large spans. Only
 * where the merged span is still dirty in front and clean behind: its
 * clean part is never cleared again, and a clean span's pages were
 * mostly never touched (alloc.c, large_clear); clearing them with a dirty
 * neighbour would fault each one in, inside an allocation. When the
 * quarantine is full, its oldest entry is given back. */
void tc__mem_quarantine_add(tc_heap *h, void *base, size_t len, bool zero) {
    quarantine_insert(
        h, (tc__span){.base = base, .len = len, .large = true, .clean = zero ? len : 0, .cycle = h->cycle_no});
}

/* One span is dirty in front, clean behind: adjacent pieces merge only
 * where the front one is all dirty or the back one all clean. */
static bool merges(const tc__span *front, const tc__span *back) {
    return front->clean == 0 || back->clean == back->len;
}

/* s grown by its adjacent neighbour q (in front of it or behind it). */
static tc__span merged(tc__span s, const tc__span *q, bool q_in_front) {
    const tc__span *front = q_in_front ? q : &s, *back = q_in_front ? &s : q;
    const size_t clean = back->clean == back->len ? back->len + front->clean : back->clean;
    if (q_in_front) s.base = q->base;
    if (q->cycle > s.cycle) s.cycle = q->cycle;
    s.len += q->len;
    s.clean = clean;
    return s;
}

/* s.cycle: the cycle it died in, which its age in the quarantine counts
 * from, time spent being cleared included. A merged span is as young as
 * its youngest piece. */
static void quarantine_insert(tc_heap *h, tc__span s) {
    tc__mem *m = &h->mem;
    m->quarantine_bytes += s.len;
    /* The entry that ends where s begins, and the one that begins where
     * it ends, as long as either merges: s grows at each merge. */
    for (;;) {
        size_t i = qindex_find(m, true, (uintptr_t)s.base);
        if (i != SIZE_MAX && merges(&m->quarantine[i], &s)) {
            s = merged(s, &m->quarantine[i], true);
            quarantine_remove(m, i);
            continue;
        }
        i = qindex_find(m, false, (uintptr_t)s.base + s.len);
        if (i != SIZE_MAX && merges(&s, &m->quarantine[i])) {
            s = merged(s, &m->quarantine[i], false);
            quarantine_remove(m, i);
            continue;
        }
        break;
    }
    if (m->quarantine_n == TC__QUARANTINE_MAX) tc__mem_quarantine_drop(h, tc__mem_quarantine_oldest(m));
    quarantine_append(m, s);
}

size_t tc__mem_quarantine_oldest(const tc__mem *m) {
    size_t oldest = 0;
    for (size_t i = 1; i < m->quarantine_n; i++)
        if (m->quarantine[i].cycle < m->quarantine[oldest].cycle) oldest = i;
    return oldest;
}

void tc__mem_quarantine_drop(tc_heap *h, size_t i) {
    tc__mem *m = &h->mem;
    tc__span q = m->quarantine[i];
    quarantine_remove(m, i);
    m->quarantine_bytes -= q.len;
    tc__mem_surplus(h, q);
}

/* Clearing dead large spans. A dead large object that wrote more than
 * its sweep clears (alloc.c, large_clear) leaves its mapping dirty: a
 * buffer written through, 64 KiB to 2 MiB in fragment. Cleared by the
 * allocation that reuses it, that was a memset of up to 2 MiB inside the
 * allocation, 175 us on average and up to 4.7 ms on the VM of
 * docs/design.md, most of fragment's pauses over 150 us. While the memory
 * thread runs, the span goes to it instead (the `dirty` ring), is cleared
 * there at idle priority, and comes back through `cleared` to the
 * quarantine, clean. Meanwhile it is still the heap's (heap_bytes,
 * committed); an allocation finds it only once it is back. On fragment
 * the thread keeps pace, but 20-170 MiB wait for it at any moment, and on
 * a busy machine a thread at idle priority falls behind (fragment beside
 * `make test`: peak heap 526 MiB against 300, 138,000 faults on the
 * mutator against 55,000, as allocations found nothing to reuse). So at
 * most a third of the heap goal (CLEAR_BACKLOG_BYTES at least) waits for
 * the thread; past that a span waits in the quarantine, dirty, for the
 * allocation that takes it to clear (tc__mem_zero, ~46 us a MiB there).
 * On a machine where fragment's mutator outran the thread, the whole goal
 * (as before) let its peak reach 2.3x Boehm's, at a p99 of 40 us; half of
 * it 2.2x, 83 us; a third 1.8x, 89 us (docs/design.md §7).
 *
 * A thread that does not run at all (idle priority, and another process
 * busy on the second CPU) would keep the backlog for as long, and the
 * heap would grow by it: so once spans have waited CLEAR_STALL_NS
 * without the thread clearing a byte, dead spans stay with the mutator
 * until it does (docs/design.md §6). */
static bool clearing_stalled(tc__mem *m) {
    uint64_t now = tc__now_ns();
    uint64_t done = atomic_load_explicit(&m->cleared_thread, memory_order_relaxed);
    if (m->clearing_bytes == 0 || done != m->clear_seen_bytes) {
        m->clear_seen_bytes = done;
        m->clear_seen_ns = now;
    }
    return now - m->clear_seen_ns > CLEAR_STALL_NS;
}

void tc__mem_large_put(tc_heap *h, void *base, size_t len, bool zero) {
    tc__mem *m = &h->mem;
    uint64_t backlog = h->goal_bytes / CLEAR_BACKLOG_DIV;
    if (backlog < CLEAR_BACKLOG_BYTES) backlog = CLEAR_BACKLOG_BYTES;
    if (!zero && m->running && !m->teardown && m->clearing_bytes + len <= backlog && !clearing_stalled(m) &&
        tc__ring_push(&m->dirty, (tc__span){.base = base, .len = len, .large = true, .cycle = h->cycle_no})) {
        m->clearing_bytes += len;
        return;
    }
    tc__mem_quarantine_add(h, base, len, zero);
}

void tc__mem_cleared_take(tc_heap *h) {
    tc__span s;
    while (tc__ring_pop(&h->mem.cleared, &s)) {
        h->mem.clearing_bytes -= s.len;
        quarantine_insert(h, s);
    }
}

void tc__mem_cleared_wait(tc_heap *h) {
    tc__mem *m = &h->mem;
    /* At most 100 ms: the thread sleeps up to WAKE_MAX_NS between wakes. */
    tc__mem_cleared_take(h);
    for (int i = 0; i < 2000 && m->running && m->clearing_bytes; i++) {
        struct timespec ts = {0, 50000};
        nanosleep(&ts, NULL);
        tc__mem_cleared_take(h);
    }
}

void tc__mem_cleared_on_mutator(tc_heap *h, size_t bytes) { h->mem.cleared_mutator += bytes; }

/* Write-ahead. A program that fills a large array in order (mutate's
 * index, 8 MiB of 512 KiB chunks, while it builds its graph) meets a
 * first-touch fault every 4 KiB, inside the store that reaches the page:
 * ~14 us each on the VMs of docs/design.md §6: 1,967 stores of mutate's
 * first 110 ms, 39 of its 42 ms of pauses without collector work there.
 * Once the memory thread has populated and read a page, the same write
 * costs ~0.2 us (a probe: 64 KiB written in 3.6 us against 223). Those
 * pages cannot be populated when the object is made: a large object
 * written sparsely (fragment's arrays, 16 slots of 1-2 MiB) would pay
 * for all of its pages, and its unwritten pages are never read (the
 * written bitmap). So the store that first reaches page k of a mapping
 * (tc__large_written) looks at its neighbours: when pages k-1 and k are
 * the start of a run, and every WRITE_AHEAD_STEP pages as the run goes
 * on, it asks the thread (the `ahead` ring; no system call, nothing
 * waits) to fault in the WRITE_AHEAD_PAGES pages after k. Faulting in
 * never changes what memory holds, so a request that arrives late, for
 * pages already written or an object already dead, costs the thread
 * time and nothing else; but the thread also reads each page (the host's
 * traps, tc__os_populate), and a mapping must not go away under that
 * read: see tc__mem_ahead_fence. The thread serves requests between its
 * other jobs: while a heap grows faster than it can fault pages in
 * (mutate's build), they wait behind its refills and help little
 * (docs/design.md §7). */
void tc__large_first_write(tc_heap *h, void *obj, uint32_t slot) {
    tc__mem *m = &h->mem;
    if (!m->running) return;
    tc_page *p = page_of(obj);
    size_t k = large_wpage_of(slot);
    if (k == 0 || !large_wpage_set(p, k - 1)) return;
    bool start = k == 1 || !large_wpage_set(p, k - 2);
    if (!start && k % WRITE_AHEAD_STEP != 0) return;
    size_t from = (k + 1) * 4096, end = p->map_bytes;
    if (from >= end) return;
    size_t len = end - from < WRITE_AHEAD_PAGES * 4096 ? end - from : WRITE_AHEAD_PAGES * 4096;
    uint64_t gen = atomic_load_explicit(&m->ahead_gen, memory_order_relaxed);
    (void)tc__ring_push(&m->ahead, (tc__span){.base = (char *)p + from, .len = len, .large = true, .cycle = gen});
}

/* A request carries the generation it was made in; the mutator bumps the
 * generation before it unmaps a large span itself (the heap limit's
 * tc__mem_shrink_now; otherwise only the thread unmaps while it runs,
 * after serving the requests made before). The thread marks itself
 * reading, then checks the generation; the mutator bumps it, then waits
 * while the thread is reading. Both sequentially consistent: either the
 * thread sees the new generation and drops the request, or the mutator
 * sees it reading and waits for the read to end. */
void tc__mem_ahead_fence(tc__mem *m) {
    if (!m->running) return;
    atomic_fetch_add(&m->ahead_gen, 1);
    while (atomic_load(&m->ahead_reading)) {
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
}

/* Serves every request in the ring; true if there were any. Called by
 * the thread before it unmaps anything the mutator handed it, so that a
 * request made before a span was given back is served while it is still
 * mapped (the mutator pushes the request first, and the ring is read in
 * order with acquire loads). */
bool tc__mem_ahead_serve(tc__mem *m) {
    tc__span s;
    bool any = false;
    while (tc__ring_pop(&m->ahead, &s)) {
        any = true;
        atomic_store(&m->ahead_reading, true);
        if (s.cycle == atomic_load(&m->ahead_gen) && tc__os_populate_only(m, s.base, s.len)) {
            if (m->ahead_hook) m->ahead_hook();
            tc__os_read_pages(s.base, s.len);
            atomic_fetch_add_explicit(&m->ahead_bytes, s.len, memory_order_relaxed);
        }
        atomic_store(&m->ahead_reading, false);
    }
    return any;
}
