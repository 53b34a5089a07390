/*
 * turns.c — the record of who ran when (turns.h).
 *
 * The check sorts the spans by start. Two spans a (earlier start) and b
 * overlap exactly when b starts before a ends, so a sweep that keeps the
 * latest end seen among measured spans and among all spans finds every
 * forbidden pair: a measured span must start after every earlier span has
 * ended, and any span must start after every earlier measured span has
 * ended. Unmeasured spans (rendering, encoding) may overlap each other.
 */
#include "turns.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const turn_names[TURN_KINDS] = {"tricolor", "boehm", "render", "encode"};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static const char *g_path;
static turn_span *g_v;
static size_t g_n, g_cap;

static void read_env(void) {
    const char *p = getenv("TRICOLOR_TURNS");
    g_path = p && *p ? p : NULL;
}

bool turns_on(void) {
    pthread_once(&g_once, read_env);
    return g_path != NULL;
}

uint64_t turns_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void turns_log(turn_who who, uint64_t t0_ns, uint64_t t1_ns) {
    if (!turns_on()) return;
    pthread_mutex_lock(&g_mu);
    if (g_n == g_cap) {
        size_t cap = g_cap ? g_cap * 2 : 1024;
        turn_span *v = realloc(g_v, cap * sizeof *v);
        if (v) g_v = v, g_cap = cap;
    }
    if (g_n < g_cap) g_v[g_n++] = (turn_span){who, t0_ns, t1_ns};
    pthread_mutex_unlock(&g_mu);
}

bool turns_write(void) {
    if (!turns_on()) return true;
    pthread_mutex_lock(&g_mu);
    FILE *f = fopen(g_path, "a");
    bool ok = f != NULL;
    for (size_t i = 0; ok && i < g_n; i++)
        ok = fprintf(f, "%s %llu %llu\n", turn_names[g_v[i].who], (unsigned long long)g_v[i].t0_ns,
                     (unsigned long long)g_v[i].t1_ns) > 0;
    if (f && fclose(f) != 0) ok = false;
    free(g_v);
    g_v = NULL;
    g_n = g_cap = 0;
    pthread_mutex_unlock(&g_mu);
    return ok;
}

bool turns_read(const char *path, turn_span **out, size_t *n, char *why, size_t len) {
    *out = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, len, "cannot read %s: %s", path, strerror(errno));
        return false;
    }
    size_t cap = 0;
    char name[32];
    unsigned long long a, b;
    int line = 0, r;
    while ((r = fscanf(f, "%31s %llu %llu", name, &a, &b)) == 3) {
        line++;
        int who = 0;
        while (who < TURN_KINDS && strcmp(name, turn_names[who])) who++;
        if (who == TURN_KINDS || b < a) {
            snprintf(why, len, "%s:%d: not a span: %s %llu %llu", path, line, name, a, b);
            break;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 1024;
            turn_span *v = realloc(*out, cap * sizeof *v);
            if (!v) {
                snprintf(why, len, "out of memory");
                break;
            }
            *out = v;
        }
        (*out)[(*n)++] = (turn_span){(turn_who)who, a, b};
    }
    bool ok = r == EOF && !ferror(f);
    if (!ok && r != 3) snprintf(why, len, "%s:%d: not a span line", path, line + 1);
    fclose(f);
    if (!ok) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return ok;
}

static int by_start(const void *a, const void *b) {
    const turn_span *x = a, *y = b;
    return x->t0_ns < y->t0_ns ? -1 : x->t0_ns > y->t0_ns;
}

static bool measured(turn_who w) { return w == TURN_TRICOLOR || w == TURN_BOEHM; }

bool turns_isolated(const turn_span *v, size_t n, char *why, size_t len) {
    turn_span *s = malloc((n ? n : 1) * sizeof *s);
    if (!s) {
        snprintf(why, len, "out of memory");
        return false;
    }
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, by_start);
    /* The latest-ending span so far among measured ones and among all. */
    const turn_span *last_m = NULL, *last_any = NULL;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        const turn_span *b = &s[i];
        if (b->t0_ns == b->t1_ns) continue; /* ran for no time at all */
        const turn_span *a = measured(b->who) ? last_any : last_m;
        if (a && b->t0_ns < a->t1_ns) {
            snprintf(why, len, "%s [%llu, %llu] overlaps %s [%llu, %llu] by %llu ns", turn_names[a->who],
                     (unsigned long long)a->t0_ns, (unsigned long long)a->t1_ns, turn_names[b->who],
                     (unsigned long long)b->t0_ns, (unsigned long long)b->t1_ns,
                     (unsigned long long)((a->t1_ns < b->t1_ns ? a->t1_ns : b->t1_ns) - b->t0_ns));
            ok = false;
        }
        if (!last_any || b->t1_ns > last_any->t1_ns) last_any = b;
        if (measured(b->who) && (!last_m || b->t1_ns > last_m->t1_ns)) last_m = b;
    }
    free(s);
    return ok;
}
