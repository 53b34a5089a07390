/*
 * support.c — shared helpers for the collector's tests (see support.h).
 */
#include "support.h"
#include <sched.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char misuse_message[512];
int misuse_count;

const tc_barrier all_modes[4] = {TC_BARRIER_DIJKSTRA, TC_BARRIER_STEELE, TC_BARRIER_YUASA, TC_BARRIER_STW};

void misuse_reset(void) {
    misuse_message[0] = 0;
    misuse_count = 0;
}

void test_misuse_handler(const char *message, void *user) {
    (void)user;
    snprintf(misuse_message, sizeof misuse_message, "%s", message);
    misuse_count++;
}

void test_config(tc_config *c, tc_barrier barrier) {
    tc_config_default(c);
    c->barrier = barrier;
    c->min_heap = 256 << 10;
    c->step_work = 200; /* work units: the tests count work, never time */
    c->budget_unit = TC_BUDGET_WORK;
    c->mmu_pct = 0; /* the utilization guard defers by the clock; test_pacer tests it */
    c->verify_each_step = true;
    c->on_misuse = test_misuse_handler;
}

void test_config_unverified(tc_config *c, size_t min_heap) {
    test_config(c, TC_BARRIER_DIJKSTRA);
    c->verify_each_step = false;
    c->min_heap = min_heap;
}

tc_heap *test_heap(tc_barrier barrier) {
    tc_config c;
    test_config(&c, barrier);
    tc_heap *h = tc_heap_new(&c);
    assert_non_null(h);
    return h;
}

void assert_heap_ok(tc_heap *h) {
    char msg[512];
    if (!tc_verify(h, msg, sizeof msg)) fail_msg("heap verification failed: %s", msg);
}

void step_until(tc_heap *h, tc_phase phase, int limit) {
    for (int i = 0; i < limit; i++) {
        if (tc_current_phase(h) == phase) return;
        tc_step(h);
    }
    if (tc_current_phase(h) != phase)
        fail_msg("phase %s not reached in %d increments (at %s)", tc_phase_name(phase), limit,
                 tc_phase_name(tc_current_phase(h)));
}

struct find {
    const void *obj;
    bool found;
    size_t count;
};

static void find_visit(const tc_object_info *info, void *user) {
    struct find *f = user;
    f->count++;
    if (info->obj == f->obj) f->found = true;
}

bool heap_has_object(tc_heap *h, const void *obj) {
    struct find f = {.obj = obj};
    tc_visit_objects(h, find_visit, &f);
    return f.found;
}

size_t heap_count_objects(tc_heap *h) {
    struct find f = {0};
    tc_visit_objects(h, find_visit, &f);
    return f.count;
}

double stress_scale(void) {
    const char *s = getenv("TRICOLOR_STRESS_SCALE");
    double v = s ? atof(s) : 1.0;
    return v > 0 ? v : 1.0;
}

const char *tool_bin(void) {
    const char *b = getenv("TRICOLOR_BIN");
    return b ? b : "build/tricolor";
}

/* Reads fd from its start into buf (cap bytes, NUL-terminated). */
static void read_all(int fd, char *buf, size_t cap) {
    size_t n = 0;
    ssize_t r;
    lseek(fd, 0, SEEK_SET);
    while (n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0) n += (size_t)r;
    buf[n] = 0;
}

/* The CPUs the test process started with. Tests that drive the window in
 * process pin their thread (viz/cpu_place.c); a binary they run must not
 * inherit that, or it would see one CPU and, for one, start no concurrent
 * marker (it did, under valgrind's slower runs). */
static cpu_set_t start_cpus;
static bool start_cpus_ok;
__attribute__((constructor)) static void save_start_cpus(void) {
    start_cpus_ok = sched_getaffinity(0, sizeof start_cpus, &start_cpus) == 0;
}

bool pin_to_one_cpu(cpu_set_t *old) {
    if (sched_getaffinity(0, sizeof *old, old) != 0) return false;
    cpu_set_t one;
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, old)) {
            CPU_SET(c, &one);
            break;
        }
    return sched_setaffinity(0, sizeof one, &one) == 0;
}

void cpus_restore(const cpu_set_t *old) { assert_int_equal(sched_setaffinity(0, sizeof *old, old), 0); }

int cpus_available(void) {
    cpu_set_t set;
    return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
}

void require_two_cpus(void) {
    if (cpus_available() < 2) skip();
}

void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {}
}

bool wait_until_ms(tc_heap *h, bool (*ready)(tc_heap *), long limit_ms) {
    for (long waited = 0; !ready(h); waited++) {
        if (waited >= limit_ms) return false;
        sleep_ms(1);
    }
    return true;
}

int threads_in_policy(int policy) {
    DIR *d = opendir("/proc/self/task");
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.' && sched_getscheduler((pid_t)atoi(e->d_name)) == policy) n++;
    closedir(d);
    return n;
}

void threads_on_cpu(pid_t pid, int cpu, int *threads, int *alone, int *shared, char *who, size_t len) {
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    *threads = *alone = *shared = 0;
    if (who && len) who[0] = 0;
    DIR *d = opendir(dir);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d));) {
        int tid = atoi(e->d_name);
        cpu_set_t set;
        if (tid <= 0 || sched_getaffinity(tid, sizeof set, &set) != 0) continue; /* ".", "..", or gone */
        ++*threads;
        if (!CPU_ISSET(cpu, &set)) continue;
        if (CPU_COUNT(&set) == 1) {
            ++*alone;
            continue;
        }
        ++*shared;
        size_t used = who ? strlen(who) : 0, add = strlen(e->d_name);
        if (who && used + add + 2 <= len) { /* else the names are cut short: the count still tells */
            who[used] = ' ';
            memcpy(who + used + 1, e->d_name, add + 1);
        }
    }
    closedir(d);
}

bool under_valgrind(void) {
    const char *p = getenv("LD_PRELOAD");
    return p && strstr(p, "vgpreload");
}

/* The child writes to temporary files, not pipes: it may print more than
 * a pipe holds before it exits, and the parent only reads after waiting. */
void tool_run(tool_outcome *o, const char *const *args) {
    char out_path[] = "/tmp/tricolor-test-out-XXXXXX", err_path[] = "/tmp/tricolor-test-err-XXXXXX";
    int fo = mkstemp(out_path), fe = mkstemp(err_path);
    assert_true(fo >= 0 && fe >= 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (start_cpus_ok) sched_setaffinity(0, sizeof start_cpus, &start_cpus);
        dup2(fo, 1);
        dup2(fe, 2);
        const char *argv[48];
        int n = 0;
        argv[n++] = tool_bin();
        for (int i = 0; args[i] && n < 47; i++) argv[n++] = args[i];
        argv[n] = NULL;
        execv(tool_bin(), (char *const *)argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    o->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    read_all(fo, o->out, sizeof o->out);
    read_all(fe, o->err, sizeof o->err);
    close(fo);
    close(fe);
    unlink(out_path);
    unlink(err_path);
}

void expect_usage_error(const char *const *args, const char *const *needles) {
    static tool_outcome o;
    tool_run(&o, args);
    if (o.status != 2) {
        char cmd[512];
        size_t n = 0;
        cmd[0] = 0;
        for (int i = 0; args[i] && n < sizeof cmd; i++)
            n += (size_t)snprintf(cmd + n, sizeof cmd - n, "%s%s", i ? " " : "", args[i]);
        fail_msg("%s: exit %d, expected 2; stderr: %s", cmd, o.status, o.err);
    }
    for (int i = 0; needles[i]; i++)
        if (!strstr(o.err, needles[i])) fail_msg("stderr lacks \"%s\": %s", needles[i], o.err);
}

/* ---------- a small JSON checker that records object keys ---------- */

typedef struct jp {
    const char *s;
    json_keys *out;
    char path[8][48];
    int depth;
} jp;

static bool jvalue(jp *p);

static void jws(jp *p) {
    while (isspace((unsigned char)*p->s)) p->s++;
}

static bool jstring(jp *p, char *out, size_t cap) {
    if (*p->s != '"') return false;
    size_t n = 0;
    for (p->s++; *p->s && *p->s != '"'; p->s++) {
        if (*p->s == '\\' && !*++p->s) return false;
        if (out && n + 1 < cap) out[n++] = *p->s;
    }
    if (out) out[n] = 0;
    return *p->s == '"' && (p->s++, true);
}

static void jkey(jp *p, const char *key) {
    char full[48] = "";
    for (int i = 0; i < p->depth; i++) {
        strncat(full, p->path[i], sizeof full - strlen(full) - 1);
        strncat(full, ".", sizeof full - strlen(full) - 1);
    }
    strncat(full, key, sizeof full - strlen(full) - 1);
    if (json_has_key(p->out, full)) return;
    json_keys *k = p->out;
    if (k->nkeys < (int)(sizeof k->keys / sizeof k->keys[0]))
        snprintf(k->keys[k->nkeys++], sizeof k->keys[0], "%s", full);
}

static bool jcontainer(jp *p, char close, bool object) {
    p->s++;
    jws(p);
    if (*p->s == close) return p->s++, true;
    for (;;) {
        jws(p);
        if (object) {
            char key[48];
            if (!jstring(p, key, sizeof key)) return false;
            jkey(p, key);
            jws(p);
            if (*p->s++ != ':' || p->depth >= 8) return false;
            snprintf(p->path[p->depth++], sizeof p->path[0], "%s", key);
        }
        bool ok = jvalue(p);
        if (object) p->depth--;
        if (!ok) return false;
        jws(p);
        if (*p->s == ',') {
            p->s++;
            continue;
        }
        return *p->s == close && (p->s++, true);
    }
}

static bool jvalue(jp *p) {
    jws(p);
    switch (*p->s) {
    case '{': return jcontainer(p, '}', true);
    case '[': return jcontainer(p, ']', false);
    case '"': return jstring(p, NULL, 0);
    case 't': return !strncmp(p->s, "true", 4) && (p->s += 4, true);
    case 'f': return !strncmp(p->s, "false", 5) && (p->s += 5, true);
    case 'n': return !strncmp(p->s, "null", 4) && (p->s += 4, true);
    default: {
        char *end;
        strtod(p->s, &end);
        if (end == p->s) return false;
        p->s = end;
        return true;
    }
    }
}

bool json_collect_keys(const char *text, json_keys *out, const char **where) {
    memset(out, 0, sizeof *out);
    jp p = {.s = text, .out = out};
    bool ok = jvalue(&p);
    if (ok) jws(&p);
    if (where) *where = p.s;
    return ok && *p.s == 0;
}

bool json_has_key(const json_keys *k, const char *dotted) {
    for (int i = 0; i < k->nkeys; i++)
        if (!strcmp(k->keys[i], dotted)) return true;
    return false;
}

size_t pages_spanned(const void *p, size_t bytes) {
    return (((uintptr_t)p + bytes - 1) >> 12) - ((uintptr_t)p >> 12) + 1;
}

size_t resident_pages(const void *p, size_t n) {
    unsigned char v[1024];
    assert_true(n <= sizeof v);
    assert_int_equal(mincore((void *)((uintptr_t)p & ~(uintptr_t)4095), n * 4096, v), 0);
    size_t r = 0;
    for (size_t i = 0; i < n; i++) r += v[i] & 1;
    return r;
}
