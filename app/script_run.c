/*
 * script_run.c — a script played on a running scene (script_run.h).
 */
#include "script_run.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "live.h"

/* Applies one script action to the running scene. A knob goes through the
 * scene's own setter where it has one (the barrier and the auto-pacer say
 * what they did), else as a whole config, with a note. */
void script_apply(scene *s, const script_action *a, const char *path, const char *cmd) {
    const char *bad = NULL;
    switch (a->kind) {
    case SCRIPT_KNOB:
        if (a->knob == &knobs[KNOB_BARRIER_ID]) {
            bad = scene_set_barrier(s, (tc_barrier)a->value);
        } else if (a->knob == &knobs[KNOB_PAUSE_TARGET]) {
            bad = scene_set_pause_target(s, (uint32_t)a->value);
        } else {
            tc_config c = s->cfg;
            a->knob->set(&c, a->value);
            if (!(bad = scene_configure(s, &c))) {
                char v[64], m[128];
                knob_format(a->knob, &s->cfg, v, sizeof v);
                snprintf(m, sizeof m, "%s: %s", a->knob->name, v);
                scene_note(s, m);
            }
        }
        break;
    case SCRIPT_SPEED: scene_set_speed(s, scene_speed_index(a->number)); break;
    case SCRIPT_CAPTION: scene_caption(s, a->text, a->number); break;
    case SCRIPT_WORKLOAD: scene_set_workload(s, a->wl); break;
    case SCRIPT_VIEW: scene_set_view(s, a->value != 0); break;
    case SCRIPT_PAUSE: s->paused = true; break;
    case SCRIPT_RESUME:
        if (s->at >= 0)
            scene_live(s, true);
        else
            s->paused = false;
        break;
    case SCRIPT_SEEK: {
        const hist_moment *m = scene_moment(s);
        uint64_t shown = m ? m->incr : tc_increment_count(live_heap(s->lv)), n = (uint64_t)a->number;
        if (a->value) {
            if (n > shown) n = shown;
            n = shown - n;
        }
        if (!scene_seek_increment(s, n)) fprintf(stderr, "tricolor %s: %s:%d: seek: %s\n", cmd, path, a->line, s->note);
        break;
    }
    case SCRIPT_REPLAY:
        if (s->at < 0)
            fprintf(stderr, "tricolor %s: %s:%d: replay: the live run is shown (seek first)\n", cmd, path, a->line);
        else
            scene_replay_at(s, scene_speed_index(a->number));
        break;
    case SCRIPT_LIVE: scene_live(s, true); break;
    case SCRIPT_UNTIL: scene_until(s, (tc_phase)a->value); break;
    case SCRIPT_LOST:
        scene_lost_object(s, a->value != 0);
        if (s->lesson < 0) fprintf(stderr, "tricolor %s: %s:%d: %s\n", cmd, path, a->line, s->lesson_msg); /* refused */
        break;
    case SCRIPT_WAIT: break; /* the player's */
    default: break;
    }
    if (bad) fprintf(stderr, "tricolor %s: %s:%d: the collector refused it: %s\n", cmd, path, a->line, bad);
}

bool script_arg(const char *cmd, int argc, char **argv, int *i, const char **path, bool *tour) {
    if (!strcmp(argv[*i], "--script")) {
        *path = cli_value(cmd, argc, argv, i);
        *tour = false;
    } else if (!strcmp(argv[*i], "--tour")) {
        *tour = true;
        *path = NULL;
    } else {
        return false;
    }
    return true;
}

const char *script_open(const char *cmd, const char *path, bool tour, script *sc) {
    char err[1024];
    if (tour && !script_parse(TOUR_NAME, tour_script, sc, err, sizeof err)) cli_fail(cmd, "%s", err);
    if (!tour && path && !script_load(path, sc, err, sizeof err)) cli_fail(cmd, "%s", err);
    return tour ? TOUR_NAME : path;
}

void script_player_init(script_player *p, const script *sc, const char *path, const char *cmd, bool waits) {
    *p = (script_player){.sc = sc, .path = path, .cmd = cmd, .held_from = -1, .start = -1, .waits = waits};
    for (size_t i = 0; sc && i < sc->n; i++) p->nwaits += sc->v[i].kind == SCRIPT_WAIT;
}

void script_player_run(script_player *p, scene *s) {
    if (!p->sc) return;
    if (p->start < 0) p->start = s->clock_s;
    if (p->waiting || scene_lesson_pending(s)) {
        if (p->held_from < 0) p->held_from = s->clock_s;
        return;
    }
    if (p->held_from >= 0) {
        p->offset += s->clock_s - p->held_from;
        p->held_from = -1;
    }
    double t = s->clock_s - p->start - p->offset;
    while (p->next < p->sc->n && p->sc->v[p->next].t <= t + 1e-9) {
        const script_action *a = &p->sc->v[p->next++];
        script_apply(s, a, p->path, p->cmd);
        if (a->kind == SCRIPT_WAIT && p->waits) {
            p->waiting = true;
            p->at_wait = s->at < 0 ? -1 : (long)(s->hist.dropped + (uint64_t)s->at);
            p->paused_wait = s->paused;
            p->waited++;
            snprintf(s->prompt, sizeof s->prompt, "step %d of %d: space goes on", p->waited, p->nwaits);
        }
        if (p->waiting || scene_lesson_pending(s)) { /* the clock stands still from here */
            p->held_from = s->clock_s;
            return;
        }
    }
}

void script_player_continue(script_player *p, scene *s) {
    if (!p->waiting) return;
    p->waiting = false;
    s->prompt[0] = 0;
    /* The frame the wait began on, if the history still holds it. */
    long was =
        p->at_wait < 0 || (uint64_t)p->at_wait < s->hist.dropped ? -1 : (long)((uint64_t)p->at_wait - s->hist.dropped);
    if (was >= (long)s->hist.n) was = -1;
    if (s->at != was) {
        if (was >= 0)
            scene_seek(s, was);
        else
            scene_live(s, false);
    }
    if (s->at < 0) s->paused = p->paused_wait;
}

bool script_player_done(const script_player *p, const scene *s) {
    return !p->sc || (p->next >= p->sc->n && !p->waiting && !scene_lesson_pending(s));
}
