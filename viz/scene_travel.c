/*
 * scene_travel.c — time travel through a run (scene.h): keeping each
 * frame the main panel showed in the history (history.h), and showing a
 * kept frame again: seek, step back and forward an increment, replay
 * towards now, return to the live run.
 *
 * Why frames and not the heap: the history is for viewing. A kept frame
 * is what graph_save or heapmap_save wrote after the frame's sync, so
 * showing it again shows exactly what was on screen, in the view that was
 * on screen, without running or reading the heap. The live run stays
 * parked while a past frame is shown; its clock (execution time) does not
 * move, so no measured figure changes.
 */
#include <math.h>
#include <stdio.h>

#include "live.h"
#include "scene.h"

/* Frames read back to find an inspected object's colour changes in a
 * past cycle, at most (each a delta applied: about 0.1 ms on GCBench). */
#define PAST_SCAN 600

void scene_travel_record(scene *s, double dt) {
    s->shown_s += dt;
    if (!s->hist.limit_bytes) return;
    tc_heap *h = live_heap(s->lv);
    tc_stats st;
    tc_get_stats(h, &st);
    hist_moment m = {.run_s = s->tri.now_s,
                     .shown_s = s->shown_s,
                     .incr = tc_increment_count(h),
                     .phase = tc_current_phase(h),
                     .cycles = st.cycles,
                     .view = s->show_heapmap ? HIST_HEAPMAP : HIST_GRAPH};
    bool ok = s->show_heapmap ? heapmap_save(&s->hm, &s->snap, &s->snap_len, &s->snap_cap)
                              : graph_save(&s->g, &s->snap, &s->snap_len, &s->snap_cap);
    bool was_big = s->hist.too_big;
    if (ok) history_add(&s->hist, &m, s->snap, s->snap_len);
    if (s->hist.too_big && !was_big) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "history: a frame of this view is %.1f MB, over an eighth of --history %zu MB: not kept",
                 (double)s->snap_len / (1 << 20), s->history_mb);
        scene_note(s, msg);
    }
}

const hist_moment *scene_moment(const scene *s) {
    return s->at >= 0 && (size_t)s->at < s->hist.n ? &s->hist.f[s->at].m : NULL;
}

/* The inspector's object as the shown frame has it: its colour then, or
 * -1 if the frame does not show it. */
static void inspect_moment(scene *s) {
    const hist_moment *m = scene_moment(s);
    int colour = -1; /* a graph frame's: the last read by the scan below */
    if (m && m->view == HIST_HEAPMAP && s->insp.obj) {
        tc_object_info o = s->insp.info;
        SDL_FRect tile, cell;
        hm_hit hit;
        /* The heap map's cell for the object, as the frame has it. */
        if (o.obj == s->insp.obj && heapmap_object_rect(&s->hm, s->main_at, &o, &tile, &cell) &&
            heapmap_locate(&s->hm, s->main_at, (int)(cell.x + cell.w / 2), (int)(cell.y + cell.h / 2), &hit))
            colour = hit.colour;
    }
    inspector_moment(&s->insp, m != NULL, m ? m->incr : 0, m ? m->cycles : 0, colour);
    s->insp_at = s->at;
    s->insp_obj = s->insp.obj;
    if (!m || m->view != HIST_GRAPH || !s->insp.obj) return;
    /* Its colour changes in the moment's cycle, from the frames kept
     * since the cycle began (at most PAST_SCAN of them, read forward:
     * a delta each), ending at the frame shown: its colour then. */
    size_t j = (size_t)s->at;
    while (j > 0 && (size_t)s->at - j < PAST_SCAN && s->hist.f[j - 1].m.cycles == m->cycles &&
           s->hist.f[j - 1].m.view == HIST_GRAPH)
        j--;
    int last = -1;
    for (; j <= (size_t)s->at; j++) {
        size_t len;
        const uint8_t *buf = history_frame(&s->hist, j, &len);
        int c = buf ? graph_saved_colour(buf, len, s->insp.obj) : -1;
        if (c >= 0 && c != last) inspector_past_step(&s->insp, s->hist.f[j].m.incr, (uint8_t)c);
        last = c;
    }
    s->insp.past_colour = last;
}

/* Restores frame i into its view (the graph always: graph_tick renumbers
 * its nodes each frame; the heap map when it is another frame). */
static bool show(scene *s, long i) {
    const hist_moment *m = &s->hist.f[i].m;
    if (m->view == HIST_HEAPMAP && s->map_at == i && s->show_heapmap) return true;
    size_t len;
    const uint8_t *buf = history_frame(&s->hist, (size_t)i, &len);
    bool ok = buf && (m->view == HIST_GRAPH ? graph_restore(&s->g, buf, len) : heapmap_restore(&s->hm, buf, len));
    if (!ok) {
        scene_note(s, "history: that frame could not be read (out of memory)");
        return false;
    }
    s->map_at = m->view == HIST_HEAPMAP ? i : -1;
    s->at = i;
    s->graph_live = false;
    s->paused = true;
    s->show_heapmap = m->view == HIST_HEAPMAP;
    /* Slow motion's queued events belong to the live run's last
     * increment; shown over a past frame they would repaint it. */
    s->g.replay = false;
    return true;
}

bool scene_seek(scene *s, long i) {
    if (!s->hist.n) {
        scene_note(s, s->hist.limit_bytes ? "history: nothing kept yet" : "history: off (--history 0)");
        return false;
    }
    if (i < 0) i = 0;
    if ((size_t)i >= s->hist.n) i = (long)s->hist.n - 1;
    if (!show(s, i)) return false;
    inspect_moment(s);
    return true;
}

void scene_travel_show(scene *s) {
    if (s->at < 0 || !show(s, s->at)) return;
    if (s->insp_at != s->at || s->insp_obj != s->insp.obj) inspect_moment(s);
}

bool scene_seek_increment(scene *s, uint64_t incr) {
    long i = history_at_incr(&s->hist, incr);
    if (i < 0 && s->hist.n) {
        char msg[128];
        snprintf(msg, sizeof msg, "history: increment %llu is older than the oldest kept (%llu)",
                 (unsigned long long)incr, (unsigned long long)s->hist.f[0].m.incr);
        scene_note(s, msg);
        return false;
    }
    return scene_seek(s, i);
}

void scene_step_back(scene *s) {
    s->playing = false;
    const hist_moment *m = scene_moment(s);
    uint64_t shown = m ? m->incr : tc_increment_count(live_heap(s->lv));
    if (shown == 0 || !s->hist.n || s->hist.f[0].m.incr >= shown) {
        scene_note(s, s->hist.n ? "history: this is the oldest increment kept" : "history: nothing kept yet");
        return;
    }
    scene_seek_increment(s, shown - 1);
}

void scene_step_forward(scene *s) {
    s->playing = false;
    const hist_moment *m = scene_moment(s);
    if (!m) return;
    size_t j = (size_t)s->at + 1;
    while (j < s->hist.n && s->hist.f[j].m.incr <= m->incr) j++;
    if (j >= s->hist.n) {
        scene_live(s, false);
        return;
    }
    scene_seek_increment(s, s->hist.f[j].m.incr);
}

void scene_replay(scene *s) {
    if (s->at < 0) return;
    s->playing = !s->playing;
    s->play_owed = 0;
}

void scene_replay_at(scene *s, int speed_idx) {
    if (s->at < 0) return;
    if (s->speed_after < 0) s->speed_after = s->speed_idx;
    scene_set_speed(s, speed_idx);
    s->playing = true;
    s->play_owed = 0;
}

void scene_live(scene *s, bool resume) {
    bool was = s->at >= 0;
    if (s->speed_after >= 0) scene_set_speed(s, s->speed_after);
    s->speed_after = -1;
    s->at = -1;
    s->playing = false;
    /* A pending until or lesson (the tour) runs the live run on. */
    s->paused = !resume && !scene_lesson_pending(s);
    /* A slow-motion replay queued before the seek would paint the live
     * increment's events over colours that are the past frame's: the
     * next sync reads them from the heap instead. */
    s->nreplay = s->replay_pos = 0;
    s->g.replay = false;
    inspector_moment(&s->insp, false, 0, 0, -1);
    s->map_at = -1;
    /* A past frame may have switched the view: the event ring follows. */
    scene_set_view(s, s->show_heapmap);
    if (was) scene_note(s, resume ? "live: the run continues" : "live: the run as it is now (paused)");
}

void scene_travel_frame(scene *s) {
    if (!s->playing || s->at < 0) return;
    s->play_owed += scene_speed(s);
    long step = (long)s->play_owed;
    if (step < 1) return;
    s->play_owed -= (double)step;
    if ((size_t)(s->at + step) >= s->hist.n) { /* caught up: the live run goes on */
        scene_live(s, true);
        return;
    }
    s->at += step; /* shown by scene_travel_show */
}

/* The frame under column x of the scrubber's track (as last drawn). */
static long scrub_index(const scene *s, int x) {
    const SDL_Rect *t = &s->scrub_at;
    if (!s->hist.n || t->w < 2) return -1;
    double f = (double)(x - t->x) / (double)(t->w - 1);
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    return (long)lround(f * (double)(s->hist.n - 1));
}

bool scene_travel_pointer(scene *s, const SDL_Event *e) {
    if (e->type == SDL_MOUSEBUTTONDOWN && e->button.button == SDL_BUTTON_LEFT) {
        const SDL_Rect *t = &s->scrub_at;
        if (e->button.x < t->x || e->button.x >= t->x + t->w || e->button.y < t->y || e->button.y >= t->y + t->h)
            return false;
        s->scrub_drag = true;
        s->playing = false;
        scene_seek(s, scrub_index(s, e->button.x));
        return true;
    }
    if (!s->scrub_drag) return false;
    if (e->type == SDL_MOUSEMOTION) {
        long i = scrub_index(s, e->motion.x);
        if (i != s->at) scene_seek(s, i);
        return true;
    }
    if (e->type == SDL_MOUSEBUTTONUP && e->button.button == SDL_BUTTON_LEFT) {
        s->scrub_drag = false;
        return true;
    }
    return false;
}

bool scene_seek_pause(scene *s, double t_s, double dur_us) {
    double end = t_s + dur_us / 1e6;
    long i = history_at_time(&s->hist, end);
    /* The first frame taken after the pause ended shows the heap it left. */
    if (i < 0 || s->hist.f[i].m.run_s < end) i++;
    if (s->hist.n && (size_t)i >= s->hist.n) {
        scene_note(s, "history: that pause is after the newest frame kept");
        return false;
    }
    return scene_seek(s, i);
}
