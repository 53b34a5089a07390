/*
 * mmu.c — the utilization guard: the collector's share of any window of
 * time stays under a cap, so the mutator keeps a minimum utilization.
 *
 * MMU(w) is the least share of any w-long window the mutator gets to run
 * (docs/design.md §3). The pacer decides how much work the mutator owes;
 * this file decides whether an increment may run now. Like Metronome's
 * time-based scheduler, and Go's GC CPU limiter, it keeps the collector's
 * time inside every window of cfg.mmu_window_usec at or under
 *     cap = (100 - cfg.mmu_pct) % of the window;
 * an increment that would break the cap is put off (the debt stays owed),
 * and the allocation goes on. The pacer lets the guard give way only when
 * the heap has passed its goal by half the headroom (the soft ceiling,
 * pacer.c), or at the heap limit: memory is the harder bound. While a
 * marker thread runs (the concurrent mode) the guard is the mode's own,
 * cfg.conc_mmu_pct over cfg.conc_mmu_window_usec, and it gives way at
 * the wait ceiling instead (pacer.c, concurrent_check).
 *
 * Accounting. The window is split into MMU_SLOTS slots; ns[] holds the
 * increment time that ended in each of the last MMU_SLOTS + 1 slots, a
 * ring, and sum is their total. The ring spans at least one window, so
 * before an increment starting at s with expected cost c,
 *     sum + c <= cap
 * bounds the collector's time in (s - w, s] plus that increment. Any
 * window [a, a + w] that holds collector time holds a last increment
 * start s, with a >= s - w; its time in the window is at most the time in
 * (s - w, s] plus that increment's own: so every window stays under the
 * cap, as far as increments keep to their expected cost (an increment
 * that overruns its budget overruns the cap by as much).
 *
 * O(1) memory and O(1) amortised time per call; one clock read per check,
 * made only when an increment is owed.
 */
#include "internal.h"

#include <string.h>

/* Moves the ring forward to the slot holding now, emptying the slots it
 * passes. */
static void advance(tc__mmu *g, uint64_t now_ns) {
    uint64_t slot = now_ns / g->slot_ns;
    if (slot <= g->slot) return;
    uint64_t steps = slot - g->slot;
    if (steps > MMU_SLOTS + 1) steps = MMU_SLOTS + 1;
    for (uint64_t k = 1; k <= steps; k++) {
        uint64_t *cell = &g->ns[(g->slot + k) % (MMU_SLOTS + 1)];
        g->sum -= *cell;
        *cell = 0;
    }
    g->slot = slot;
}

/* Which guard is in force: the concurrent mode's while a marker thread
 * runs (there the mutator pays only what the marker leaves it), else the
 * incremental one, which a concurrent heap on one CPU runs as too. */
void tc__mmu_configure(tc_heap *h) {
    tc__mmu *g = &h->mmu;
    const bool conc = h->cfg.concurrent && tc__marker_running(h);
    const uint32_t pct = conc ? h->cfg.conc_mmu_pct : h->cfg.mmu_pct;
    const uint32_t window_usec = conc ? h->cfg.conc_mmu_window_usec : h->cfg.mmu_window_usec;
    uint64_t window_ns = (uint64_t)window_usec * 1000u;
    /* Rounded up, so that MMU_SLOTS slots span at least the window. */
    uint64_t slot_ns = (window_ns + MMU_SLOTS - 1) / MMU_SLOTS;
    if (slot_ns != g->slot_ns) { /* a new grid: forget the old one */
        memset(g->ns, 0, sizeof g->ns);
        g->sum = 0;
        g->slot = 0;
        g->slot_ns = slot_ns;
    }
    g->cap_ns = pct ? window_ns / 100 * (100 - pct) : UINT64_MAX;
}

bool tc__mmu_on(const tc_heap *h) { return h->mmu.cap_ns != UINT64_MAX; }

void tc__mmu_note(tc_heap *h, uint64_t end_ns, uint64_t dur_ns) {
    tc__mmu *g = &h->mmu;
    if (!tc__mmu_on(h)) return;
    advance(g, end_ns);
    g->ns[g->slot % (MMU_SLOTS + 1)] += dur_ns;
    g->sum += dur_ns;
}

bool tc__mmu_allows(tc_heap *h, uint64_t cost_ns) {
    tc__mmu *g = &h->mmu;
    if (!tc__mmu_on(h)) return true;
    advance(g, tc__now_ns());
    /* An empty window admits any increment: a budget longer than the cap
     * must still make progress, one increment a window. */
    if (g->sum == 0 || g->sum + cost_ns <= g->cap_ns) return true;
    g->deferred++;
    h->cur.deferred++;
    return false;
}
