/*
 * oplog.c — the pause log of timed mutator operations (see oplog.h).
 */
#include "oplog.h"

#include <stdlib.h>
#include <string.h>

void oplog_add(oplog *log, uint64_t start_ns, uint64_t dur_ns, uint32_t op, uint32_t own_first, uint32_t own_n,
               uint64_t seq) {
    if (log->n == log->cap) {
        size_t cap = log->cap ? log->cap * 2 : 4096;
        oplog_entry *v = realloc(log->v, cap * sizeof *v);
        if (!v) {
            log->dropped++;
            return;
        }
        log->v = v;
        log->cap = cap;
    }
    /* Through memset: the entry's padding goes down a pipe to the parent,
     * and valgrind (rightly) objects to uninitialised bytes in a write. */
    oplog_entry *e = &log->v[log->n++];
    memset(e, 0, sizeof *e);
    e->start_ns = start_ns;
    e->dur_ns = dur_ns;
    e->op = op;
    e->own_first = own_first;
    e->own_n = own_n;
    e->seq = seq;
    if (log->on_add) log->on_add(log, log->on_add_user);
}

void oplog_free(oplog *log) {
    free(log->v);
    log->v = NULL;
    log->n = log->cap = 0;
}

const char *oplog_op_name(uint32_t op) {
    static const char *const names[] = {"alloc", "store", "step"};
    return op < 3 ? names[op] : "?";
}

void oplog_split(const oplog_entry *v, size_t n, size_t nown, uint64_t min_dur, uint64_t *held_max, size_t *none_over) {
    *held_max = 0;
    *none_over = 0;
    for (size_t i = 0; i < n; i++) {
        if (oplog_holds_work(&v[i], nown)) {
            if (v[i].dur_ns > *held_max) *held_max = v[i].dur_ns;
        } else if (v[i].dur_ns >= min_dur) {
            ++*none_over;
        }
    }
}
