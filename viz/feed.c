/*
 * feed.c — Boehm running the viewer's workload in a child (feed.h).
 *
 * Child side: the workload runs timed on Boehm; every logged pause passes
 * through on_pause (the oplog's append hook), which batches records to
 * stdout, samples the heap size, and blocks for credit when the granted
 * execution time is used up; so does the end of each pass. Blocking
 * happens inside a timed operation, after its duration was taken, and is
 * added to suspended_ticks, so it counts neither as a pause nor as
 * execution time. The child can only stop at those points, so it may
 * overrun a credit by up to the time between two logged pauses; the
 * overrun is execution time it has had, and the next credit (Tricolor's
 * clock) is measured from the same start, so the two clocks stay in step.
 *
 * Viewer side: reads of whole records, non-blocking except while waiting
 * out Boehm's turn; credits are written as doubles (seconds of execution
 * time allowed), one at a time, each answered by a FEED_WAIT (feed.h).
 */
#include "feed.h"

#include <errno.h>
#include <fcntl.h>
#include <gc.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpu_place.h"
#include "live.h"
#include "mutator.h"
#include "page_warm.h"
#include "registry.h"
#include "series.h"
#include "turns.h"

extern char **environ;

#ifndef GC_THREADS
GC_API void GC_CALL GC_set_markers_count(unsigned); /* see workloads/runner.c */
#endif

/* ---------------------------------------------------------------- child */

static struct {
    mut m;
    oplog log;
    size_t sent; /* log entries already written */
    double tpn;  /* ticks per ns */
    uint64_t start_ticks;
    double allowed_s; /* credit */
    uint64_t last_heap_ticks;
    bool heap_resized; /* Boehm grew or shrank its heap since the last sample */
    uint64_t ran_from; /* CLOCK_MONOTONIC ns when it last got credit */
    feed_rec buf[128];
    size_t nbuf;
} child;

static double child_exec_s(void) {
    return (double)(mut_ticks() - child.start_ticks - child.m.suspended_ticks) / child.tpn / 1e9;
}

static void child_flush(void) {
    size_t len = child.nbuf * sizeof(feed_rec);
    const char *p = (const char *)child.buf;
    while (len) {
        ssize_t w = write(1, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) _exit(0); /* the viewer is gone */
        p += w;
        len -= (size_t)w;
    }
    child.nbuf = 0;
}

static void child_emit(uint32_t kind, double t, double v) {
    child.buf[child.nbuf++] = (feed_rec){kind, 0, t, v};
    if (child.nbuf == sizeof child.buf / sizeof child.buf[0]) child_flush();
}

/* Says it is blocked (having run since ran_from) and waits until the
 * viewer grants execution time beyond `now`, then reads its resident
 * pages once (page_warm.h). A credit that does not reach
 * past `now` (the child overran the last one) is answered at once with an
 * empty span: every credit gets exactly one FEED_WAIT. */
static void child_wait_credit(double now) {
    uint64_t t = turns_now();
    child_emit(FEED_WAIT, (double)child.ran_from, (double)t);
    child_flush();
    for (;;) {
        double credit;
        ssize_t r = read(0, &credit, sizeof credit);
        if (r < 0 && errno == EINTR) continue;
        if (r != (ssize_t)sizeof credit) _exit(0);
        child.allowed_s = credit;
        if (child.allowed_s > now) break;
        t = turns_now();
        child_emit(FEED_WAIT, (double)t, (double)t);
        child_flush();
    }
    /* Before the turn's span and clock start: the time is the viewer's
     * wait, not Boehm's execution (page_warm.h). */
    uint64_t w0 = turns_now();
    size_t pages = page_warm(FEED_WARM_BUDGET_NS);
    child_emit(FEED_WARM, (double)pages, (double)(turns_now() - w0));
    child.ran_from = turns_now();
}

/* Blocks for credit if the granted execution time is used up. */
static void child_maybe_wait(void) {
    double now = child_exec_s();
    if (now < child.allowed_s) return;
    child_flush();
    uint64_t t0 = mut_ticks();
    child_wait_credit(now);
    child.m.suspended_ticks += mut_ticks() - t0;
}

static void on_pause(oplog *log, void *user) {
    (void)user;
    for (; child.sent < log->n; child.sent++) {
        const oplog_entry *e = &log->v[child.sent];
        /* The log's start is in execution ticks (mutator.h): the clock less
         * the time suspended before the operation. */
        child_emit(FEED_PAUSE, (double)(e->start_ns - child.start_ticks) / child.tpn / 1e9,
                   (double)e->dur_ns / child.tpn / 1e3);
    }
    log->n = child.sent = 0; /* streamed: keep the log small */
    uint64_t now_ticks = mut_ticks();
    if (child.heap_resized || (double)(now_ticks - child.last_heap_ticks) / child.tpn > 20e6) { /* every 20 ms */
        child_emit(FEED_HEAP, child_exec_s(), (double)GC_get_heap_size());
        child.last_heap_ticks = now_ticks;
        child.heap_resized = false;
        child_flush();
    }
    child_maybe_wait();
}

/* Boehm's heap changes size only here, inside an allocation, which then
 * takes long enough to be logged: on_pause sends the new size right after
 * it, outside the timed operation. Sampled only every 20 ms, the demo at
 * one increment a frame (whose Boehm side logs a pause a few times a
 * second) sent its first size, before the heap had grown, and no other,
 * and the heap panel drew no line for Boehm. */
static void GC_CALLBACK on_heap_resize(GC_word size) {
    (void)size;
    child.heap_resized = true;
}

int feed_child_main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: tricolor _boehm-feed WORKLOAD SIZE SEED [CPU] (internal: started by tricolor view)\n");
        return 2;
    }
    if (argc == 5) place_measured_on(atoi(argv[4])); /* the measured runs' CPU and priority (cpu_place.h) */
    const wl_info *wl = wl_find(argv[1]);
    int size = wl_size_parse(argv[2]);
    if (!wl || size < 0) {
        fprintf(stderr, "tricolor _boehm-feed: unknown workload or size\n");
        return 2;
    }
    uint64_t seed = strtoull(argv[3], NULL, 10);
    signal(SIGPIPE, SIG_IGN);
    GC_set_markers_count(1);
    GC_INIT();
    GC_set_on_heap_resize(on_heap_resize);
    child.tpn = live_ticks_per_ns();
    child.m.timed = true;
    child.m.threshold_ticks = (uint64_t)(1000.0 * child.tpn);
    child.m.log = &child.log;
    child.log.on_add = on_pause;
    child.start_ticks = mut_ticks();
    child.ran_from = turns_now(); /* "ready": an empty span */
    child_wait_credit(0);
    child.m.suspended_ticks = mut_ticks() - child.start_ticks;
    for (;;) {
        uint64_t sum = wl->run_boehm((struct mut *)&child.m, size, seed);
        double bits;
        memcpy(&bits, &sum, sizeof bits);
        child_emit(FEED_ROUND, child_exec_s(), bits);
        child_flush();
        child_maybe_wait();
    }
}

/* --------------------------------------------------------------- viewer */

static bool wait_turn(feed *f);

enum { FEED_QUANTUM_US = 2000, FEED_FIRST_QUANTUM_US = 100 };
#define FEED_QUANTUM_S       (FEED_QUANTUM_US / 1e6)
#define FEED_FIRST_QUANTUM_S (FEED_FIRST_QUANTUM_US / 1e6)

bool feed_start(feed *f, const char *workload, int size, uint64_t seed) {
    memset(f, 0, sizeof *f);
    f->rfd = f->wfd = -1;
    int out[2], in[2];
    if (pipe(out) != 0 || pipe(in) != 0) {
        snprintf(f->status, sizeof f->status, "boehm: pipe failed: %s", strerror(errno));
        return false;
    }
    char size_s[16], seed_s[32], cpu_s[16];
    snprintf(size_s, sizeof size_s, "%s", wl_size_names[size]);
    snprintf(seed_s, sizeof seed_s, "%llu", (unsigned long long)seed);
    snprintf(cpu_s, sizeof cpu_s, "%d", place_measured_cpu());
    char *args[] = {"tricolor", "_boehm-feed", (char *)workload, size_s, seed_s, cpu_s, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    int rc = posix_spawn(&f->pid, "/proc/self/exe", &fa, NULL, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (rc != 0) {
        close(in[1]);
        close(out[0]);
        snprintf(f->status, sizeof f->status, "boehm: cannot start the comparison run: %s", strerror(rc));
        return false;
    }
    f->rfd = out[0];
    f->wfd = in[1];
    fcntl(f->rfd, F_SETFL, O_NONBLOCK);
    fcntl(f->rfd, F_SETFD, FD_CLOEXEC);
    fcntl(f->wfd, F_SETFD, FD_CLOEXEC);
    f->alive = true;
    snprintf(f->status, sizeof f->status, "boehm: running");
    /* Its "ready" answers a credit never sent. */
    f->grants = 1;
    return wait_turn(f);
}

bool feed_turn(feed *f, double until_s) {
    if (!f->alive) return false;
    /* A turn in quanta of at least FEED_QUANTUM_S: every turn restarts the
     * child with caches its neighbours' turns have filled, and the first
     * operations after it run slower than in bench. At one increment a
     * frame Tricolor advances a few microseconds a frame; a turn each
     * frame tripled Boehm's count of logged pauses on demo.
     * The quantum starts at FEED_FIRST_QUANTUM_S and is then the credit
     * granted so far (so each turn about doubles it) up to FEED_QUANTUM_S: at one increment a frame the
     * demo takes ~300 frames (5 s) to run 2 ms, and the window showed
     * nothing of Boehm's side that long; now its first turn comes after
     * ~20 frames, and a handful of short turns precede the 2 ms ones. */
    double quantum = f->granted_s < FEED_FIRST_QUANTUM_S ? FEED_FIRST_QUANTUM_S : f->granted_s;
    if (quantum > FEED_QUANTUM_S) quantum = FEED_QUANTUM_S;
    if (until_s < f->granted_s + quantum) return feed_poll(f);
    f->granted_s = until_s;
    /* One credit at a time, each answered before the next: the pipe never
     * fills, so the write never blocks. */
    ssize_t w;
    while ((w = write(f->wfd, &until_s, sizeof until_s)) < 0 && errno == EINTR) {}
    if (w == (ssize_t)sizeof until_s) f->grants++;
    return wait_turn(f);
}

/* Appends (t, v) to an array of plot_pause or plot_point (the same two
 * doubles); dropped if memory is short. */
static void push(void **arr, size_t *n, size_t *cap, const feed_rec *r) {
    _Static_assert(sizeof(plot_pause) == sizeof(plot_point), "push stores both");
    series_grow(arr, cap, *n + 1, sizeof(plot_point));
    if (*n < *cap) ((plot_point *)*arr)[(*n)++] = (plot_point){r->t, r->v};
}

static void take(feed *f, const feed_rec *r) {
    if (r->kind == FEED_WAIT) { /* its times are the clock's, not execution seconds */
        f->waits++;
        if (r->v > r->t) turns_log(TURN_BOEHM, (uint64_t)r->t, (uint64_t)r->v);
        return;
    }
    if (r->kind == FEED_WARM) { /* pages and ns, not execution seconds */
        f->warms++;
        f->warm_pages += (uint64_t)r->t;
        f->warm_ns += (uint64_t)r->v;
        return;
    }
    if (r->t > f->last_t) f->last_t = r->t;
    if (r->kind == FEED_PAUSE) {
        push((void **)&f->pauses, &f->npauses, &f->cap_pauses, r);
    } else if (r->kind == FEED_HEAP)
        push((void **)&f->heap, &f->nheap, &f->cap_heap, r);
    else if (r->kind == FEED_ROUND) {
        series_grow((void **)&f->round_t, &f->cap_round_t, f->rounds + 1, sizeof *f->round_t);
        if (f->rounds < f->cap_round_t) f->round_t[f->rounds] = r->t;
        f->rounds++;
        memcpy(&f->checksum, &r->v, sizeof f->checksum);
    }
}

/* The child is gone (or made to go): reaps it and says why. */
static void child_gone(feed *f) {
    int st = 0;
    waitpid(f->pid, &st, 0);
    f->alive = false;
    if (WIFSIGNALED(st))
        snprintf(f->status, sizeof f->status, "boehm: comparison run died (signal %d, %s)", WTERMSIG(st),
                 strsignal(WTERMSIG(st)));
    else
        snprintf(f->status, sizeof f->status, "boehm: comparison run ended (exit %d)", WEXITSTATUS(st));
}

bool feed_poll(feed *f) {
    if (!f->alive) return false;
    char buf[64 * 1024];
    for (;;) {
        ssize_t r = read(f->rfd, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (r <= 0) {
            child_gone(f);
            return false;
        }
        size_t off = 0;
        if (f->npartial) { /* complete a record split across reads */
            size_t need = sizeof(feed_rec) - f->npartial, got = (size_t)r < need ? (size_t)r : need;
            memcpy(f->partial + f->npartial, buf, got);
            f->npartial += got;
            off = got;
            if (f->npartial == sizeof(feed_rec)) {
                feed_rec rec;
                memcpy(&rec, f->partial, sizeof rec);
                take(f, &rec);
                f->npartial = 0;
            }
        }
        for (; off + sizeof(feed_rec) <= (size_t)r; off += sizeof(feed_rec)) {
            feed_rec rec;
            memcpy(&rec, buf + off, sizeof rec);
            take(f, &rec);
        }
        if (off < (size_t)r) {
            memcpy(f->partial, buf + off, (size_t)r - off);
            f->npartial = (size_t)r - off;
        }
    }
    return true;
}

/* Reads records until every credit sent has been answered: the child is
 * blocked. */
static bool wait_turn(feed *f) {
    /* No time limit: the child's death ends the wait (end of file), and a
     * limit would fire on a run merely stopped for a while (Ctrl-Z, or
     * another tool pausing processes to measure). */
    while (feed_poll(f) && f->waits < f->grants) {
        struct pollfd p = {.fd = f->rfd, .events = POLLIN};
        poll(&p, 1, -1);
    }
    return f->alive;
}

void feed_stop(feed *f) {
    if (f->pid > 0 && f->alive) {
        kill(f->pid, SIGKILL);
        waitpid(f->pid, NULL, 0);
    }
    if (f->rfd >= 0) close(f->rfd);
    if (f->wfd >= 0) close(f->wfd);
    free(f->pauses);
    free(f->heap);
    free(f->round_t);
    memset(f, 0, sizeof *f);
    f->rfd = f->wfd = -1;
}
