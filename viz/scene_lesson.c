/*
 * scene_lesson.c — the guided tour's lessons (scene.h): running the
 * collector until a phase, and the store that would lose an object.
 *
 * The lost object. While the collector marks, the scene (the mutator is
 * parked, so the heap is the scene's to change) finds on screen a grey
 * object G whose slot holds a white object W that nothing else shown
 * points to, and a black object B with an empty slot. It then does what
 * a program may do: stores W into B, and erases G's pointer to W. Made
 * with the barrier (tc_store), the barrier in force keeps W alive:
 * Dijkstra shades W when it is stored into black B, Steele turns B grey
 * again, Yuasa shades W when G's pointer to it is overwritten. Made
 * without (a plain write to the slots, as a program that bypassed
 * tc_store would), W is left white behind a black object: the marker
 * will not reach it and the sweep would free it while B still points to
 * it. The verifier (tc_verify) then says which invariant broke, and the
 * scene shows it. The broken heap never runs: before the collector or
 * the program runs again, the store is made once more through tc_store,
 * which repairs the invariant for every barrier (the barrier acts on B or
 * on W), and the scene says so.
 */
#include <stdio.h>
#include <string.h>

#include "live.h"
#include "scene.h"

/* White candidates whose parents are counted, at most, a frame. */
#define PARENT_SCANS 16

/* Objects whose slots the lesson writes: small ones only (a large object
 * being scanned tracks stores into it by cards, which a plain write
 * would not mark). */
static bool small_object(tc_heap *h, void *obj) {
    tc_object_info o;
    return tc_describe(h, obj, &o) && !o.is_large;
}

/* Pointers to w from anywhere in the heap (O(heap): made only while a
 * lesson looks for its objects). */
typedef struct parents_ctx {
    tc_heap *h;
    void *w;
    int n;
} parents_ctx;

static void count_parent(const tc_object_info *o, void *user) {
    parents_ctx *c = user;
    for (uint32_t k = 0; k < o->nslots; k++) c->n += tc_load(c->h, o->obj, k) == c->w;
}

static int parents(tc_heap *h, void *w) {
    parents_ctx c = {h, w, 0};
    tc_visit_objects(h, count_parent, &c);
    return c.n;
}

/* The first G, W and B on screen (breadth-first) the lesson can use. */
static bool pick(scene *s, tc_heap *h, scene_lost *p) {
    const graph *g = &s->g;
    /* The order must be a live sync's: not a restored past frame's, not
     * one left from before the heap map was shown. */
    if (!s->graph_live || tc_current_phase(h) != TC_PHASE_PROPAGATE) return false;
    int scans = 0;
    void *b = NULL;
    uint32_t bslot = 0;
    /* small_object (tc_describe, which checks the page table) comes first:
     * a node's object is only read once the heap is known to hold it. */
    for (size_t i = 0; i < g->norder && !b; i++) {
        void *o = g->nodes[g->order[i]].obj;
        if (g->nodes[g->order[i]].summary || !small_object(h, o) || tc_colour_of(h, o) != TC_BLACK) continue;
        for (uint32_t k = 0; k < tc_nslots(o) && !b; k++)
            if (!tc_load(h, o, k)) b = o, bslot = k;
    }
    if (!b) return false;
    for (size_t i = 0; i < g->norder; i++) {
        const gnode *nd = &g->nodes[g->order[i]];
        void *o = nd->obj;
        if (nd->summary || !small_object(h, o) || tc_colour_of(h, o) != TC_GREY) continue;
        for (uint32_t k = 0; k < tc_nslots(o); k++) {
            void *w = tc_load(h, o, k);
            if (!w || w == o || w == b || tc_colour_of(h, w) != TC_WHITE) continue;
            if (++scans > PARENT_SCANS) return false; /* each is O(heap): a few a frame */
            if (parents(h, w) != 1) continue;
            tc_object_info wi;
            if (!tc_describe(h, w, &wi) || wi.is_root) continue;
            *p = (scene_lost){.b = b, .bslot = bslot, .g = o, .gslot = k, .w = w};
            return true;
        }
    }
    return false;
}

/* Replaces each occurrence of obj's address (as %p prints it) in msg by
 * its name in the lesson, which is shorter: msg only shrinks. */
static void name_object(char *msg, const void *obj, const char *name) {
    char addr[32];
    snprintf(addr, sizeof addr, "%p", obj);
    size_t al = strlen(addr), nl = strlen(name);
    for (char *at = strstr(msg, addr); at; at = strstr(at + nl, addr)) {
        memmove(at + nl, at + al, strlen(at + al) + 1);
        memcpy(at, name, nl);
    }
}

/* The verifier's word on the heap now, into s->lesson_msg. The lesson's
 * objects are named B, G and W (the tour's caption names B and W), not
 * by their addresses, which differ from run to run: a --deterministic
 * recording shows the same words every time. */
static bool verify(scene *s, tc_heap *h, const char *what) {
    char msg[200];
    bool ok = tc_verify(h, msg, sizeof msg);
    name_object(msg, s->lost.b, "B");
    name_object(msg, s->lost.g, "G");
    name_object(msg, s->lost.w, "W");
    /* Two lines: what was done, and the verifier's word. */
    if (ok)
        snprintf(s->lesson_msg, sizeof s->lesson_msg, "%s\nverifier: the heap is consistent", what);
    else
        snprintf(s->lesson_msg, sizeof s->lesson_msg, "%s\nverifier: %s", what, msg);
    return ok;
}

bool scene_lesson_step(scene *s) {
    if (s->lesson < 0) return false;
    tc_heap *h = live_heap(s->lv);
    scene_lost p;
    if (!pick(s, h, &p)) { /* the caller runs an increment and asks again, a bounded number of times */
        if (++s->lesson_tries <= LESSON_TRIES) return false;
        snprintf(s->lesson_msg, sizeof s->lesson_msg,
                 "lost-object: no grey object holding a white one that nothing else points to, and no black "
                 "object with an empty slot, on screen in %d increments: skipped",
                 LESSON_TRIES);
        s->lesson = -1;
        s->paused = true;
        return true;
    }
    bool barrier = s->lesson == 1;
    s->lost = p;
    s->g.narrows = 0; /* only the lesson's stores are drawn as arrows */
    s->lesson = -1;
    s->paused = true;
    const char *bname = tc_barrier_name(s->cfg.barrier);
    if (barrier) {
        tc_store(h, p.b, p.bslot, p.w);
        tc_store(h, p.g, p.gslot, NULL);
        char what[96];
        snprintf(what, sizeof what, "the same two stores through the %s barrier:", bname);
        verify(s, h, what);
    } else {
        /* Without the barrier: the plain writes a program that bypassed
         * tc_store would make (see the comment at the top). */
        ((void **)p.b)[p.bslot] = p.w;
        ((void **)p.g)[p.gslot] = NULL;
        s->broken = true;
        verify(s, h, "the two stores without a barrier:");
        /* The store drawn as an arrow (no flash: no barrier ran). */
        tc_event e = {.kind = TC_EV_BARRIER, .source = p.b, .target = p.w, .slot = p.bslot};
        graph_event(&s->g, &e);
    }
    /* W ringed, its pointers bright; no inspector panel over the lesson's
     * caption (a click on W opens it). */
    s->g.selected = p.w;
    s->lesson_hold = true;
    return true;
}

/* The lesson's object stays inspected until the tour moves on. */
static void end_lesson(scene *s) {
    if (s->lesson_hold && s->g.selected == s->lost.w && s->insp.obj != s->lost.w) s->g.selected = NULL;
    s->lesson_hold = false;
}

void scene_lesson_repair(scene *s) {
    if (!s->broken) return;
    tc_heap *h = live_heap(s->lv);
    s->broken = false;
    /* Made again through tc_store, the store lets the barrier in force
     * act on B or W, which restores its invariant. */
    tc_store(h, s->lost.b, s->lost.bslot, s->lost.w);
    verify(s, h, "repaired: the store made again through tc_store, which runs the barrier:");
}

void scene_lost_object(scene *s, bool barrier) {
    end_lesson(s);
    scene_lesson_repair(s);
    /* The lesson writes slots from the viewer's thread and reads colours
     * as one picture: beside a concurrent marker, which reads those slots
     * and changes those colours while the mutator is parked, the plain
     * writes would race with it and the picture would not hold still. */
    if (s->cfg.concurrent) {
        snprintf(s->lesson_msg, sizeof s->lesson_msg,
                 "lost-object: not in the concurrent mode (its marker thread reads the slots the lesson writes, "
                 "while it writes them): 'mode incremental' first");
        return;
    }
    if (s->at >= 0) scene_live(s, false);
    if (s->show_heapmap) scene_set_view(s, false); /* the lesson's objects are the graph's */
    s->lesson = barrier;
    s->lesson_tries = 0;
}

void scene_until(scene *s, tc_phase phase) {
    end_lesson(s);
    bool repairs = s->broken;
    scene_lesson_repair(s);
    if (!repairs) s->lesson_msg[0] = 0; /* the last lesson's word stays only with its repair */
    if (s->at >= 0) scene_live(s, false);
    tc_heap *h = live_heap(s->lv);
    if (phase != SCENE_CYCLE_END && tc_current_phase(h) == phase) {
        s->paused = true;
        return;
    }
    tc_stats st;
    tc_get_stats(h, &st);
    s->until_cycles = st.cycles;
    s->until_phase = (int)phase;
    s->paused = false;
}

bool scene_lesson_pending(const scene *s) { return s->until_phase >= 0 || s->lesson >= 0; }

void scene_until_check(scene *s) {
    if (s->until_phase < 0) return;
    tc_heap *h = live_heap(s->lv);
    tc_stats st;
    tc_get_stats(h, &st);
    bool reached = s->until_phase == SCENE_CYCLE_END ? st.cycles > s->until_cycles
                                                     : tc_current_phase(h) == (tc_phase)s->until_phase;
    /* A phase that begins and ends inside one increment (a small heap's
     * sweep; every phase under stop-the-world) is never seen at a frame's
     * end: after UNTIL_CYCLES cycles, the until gives up and says so. */
    if (!reached && st.cycles >= s->until_cycles + UNTIL_CYCLES) {
        snprintf(s->lesson_msg, sizeof s->lesson_msg,
                 "until %s: not seen between two increments in %d cycles (it began and ended inside one): "
                 "stopped here",
                 tc_phase_name((tc_phase)s->until_phase), UNTIL_CYCLES);
        reached = true;
    }
    if (!reached) return;
    s->until_phase = -1;
    s->paused = true;
}
