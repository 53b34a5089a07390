/*
 * lisp_core.h — a small Lisp interpreter whose conses, closures,
 * environments, symbols and numbers all live in a garbage-collected heap,
 * written once over a handful of heap operations so that two programs
 * build it: examples/lisp.c on tricolor.h alone (the way a user would), and
 * workloads/wl_lisp.c on workloads/mutator.h (so `tricolor bench` and
 * `tricolor view` run it on Tricolor and on the Boehm GC alike).
 *
 * The includer defines, before including this file:
 *   LISP_CTX                          the type of the heap handle
 *   LISP_ALLOC(c, nslots, nraw)       an object: nslots NULL pointers, then
 *                                     nraw zeroed bytes; never NULL
 *   LISP_STORE(c, obj, slot, val)     a pointer store (the write barrier)
 *   LISP_LOAD(c, obj, slot)           a pointer load
 *   LISP_PUSH(c, addr) / LISP_POP(c, n)
 *                                     protect a local across allocations
 *   LISP_ROOT_ADD(c, addr) / LISP_ROOT_REMOVE(c, addr)
 *                                     a long-lived root
 *
 * Object layout. Every Lisp object but a symbol's name is one "cell" of
 * CELL_SLOTS pointer slots and 16 raw bytes (a kind tag, then a 64-bit
 * value), so the raw bytes are found without asking the collector for the
 * slot count (Boehm has no header to ask). A symbol's name is a separate
 * pointer-free object of raw bytes. The empty list (nil) is NULL.
 *   INT      value = the integer
 *   SYM      slot 0 = name bytes, value = name length
 *   CONS     slot 0 = car, slot 1 = cdr
 *   CLOSURE  slot 0 = parameter list, slot 1 = body list, slot 2 = env
 *   PRIM     value = the primitive's number
 *   BIND     slot 0 = symbol, slot 1 = value, slot 2 = next binding
 * An environment is a chain of BIND cells (the local scopes, innermost
 * first), ending in NULL; names not bound there are looked up in the
 * global chain L->globals, so a top-level define is seen by every closure.
 *
 * How the roots stay precise (the point of the example). The collector
 * sees only roots it is told about, and any allocation may collect:
 *   - L's long-lived pointers (symbol table, globals) are roots from
 *     lisp_init to lisp_fini;
 *   - every C local that holds a Lisp object across a call that may
 *     allocate (lisp_eval, cons, any LISP_ALLOC) is pushed on the root
 *     stack first, and popped on every way out of the function;
 *   - a pointer reached from a rooted object needs no root of its own
 *     while it stays reachable (the collector does not move objects):
 *     the `tail` of a list being built, the interned special symbols;
 *   - every pointer store into an object goes through LISP_STORE.
 * Breaking any of these shows up as a freed object still in use; the
 * collector's verifier and the workload's checksum catch it.
 */
#ifndef TRICOLOR_LISP_CORE_H
#define TRICOLOR_LISP_CORE_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LISP_FN static __attribute__((unused))

enum { CELL_SLOTS = 3, CELL_RAW = 16 };
enum lisp_kind { K_INT = 1, K_SYM, K_CONS, K_CLOSURE, K_PRIM, K_BIND };

/* The special forms, interned at start-up. */
enum { S_QUOTE, S_IF, S_DEFINE, S_LAMBDA, S_LET, S_BEGIN, S_SET, S_T, S_COUNT };
static const char *const lisp_special_names[S_COUNT] = {"quote", "if", "define", "lambda", "let", "begin", "set!", "t"};

enum {
    P_ADD,
    P_SUB,
    P_MUL,
    P_LT,
    P_GT,
    P_NUMEQ,
    P_MOD,
    P_CONS,
    P_CAR,
    P_CDR,
    P_NULLP,
    P_PAIRP,
    P_EQP,
    P_NOT,
    P_LIST,
    P_COUNT
};
static const char *const lisp_prim_names[P_COUNT] = {"+",   "-",   "*",     "<",     ">",   "=",   "mod", "cons",
                                                     "car", "cdr", "null?", "pair?", "eq?", "not", "list"};

typedef struct lisp {
    LISP_CTX c;
    void *symbols;      /* root: a list of every interned symbol */
    void *globals;      /* root: the global BIND chain */
    void *sym[S_COUNT]; /* interned, so reachable from symbols: no roots */
    uint64_t evals;     /* lisp_eval calls, for the example's report */
    uint64_t allocs;    /* cells allocated */
} lisp;

__attribute__((noreturn, format(printf, 1, 2))) LISP_FN void lisp_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("lisp: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

/* ---------- cells ---------- */

static inline int64_t *lisp__raw(void *cell) { return (int64_t *)((void **)cell + CELL_SLOTS); }
static inline int lisp_kind(void *v) { return v ? (int)lisp__raw(v)[0] : 0; }
static inline int64_t lisp_value(void *v) { return lisp__raw(v)[1]; }

static inline void *lisp__cell(lisp *L, int kind, int64_t value) {
    void *cell = LISP_ALLOC(L->c, CELL_SLOTS, CELL_RAW);
    lisp__raw(cell)[0] = kind;
    lisp__raw(cell)[1] = value;
    L->allocs++;
    return cell;
}

static inline void *lisp_car(lisp *L, void *v) { return LISP_LOAD(L->c, v, 0); }
static inline void *lisp_cdr(lisp *L, void *v) { return LISP_LOAD(L->c, v, 1); }

LISP_FN void *lisp_int(lisp *L, int64_t n) { return lisp__cell(L, K_INT, n); }

/* cons may collect: car and cdr are rooted here for the allocation. */
LISP_FN void *lisp_cons(lisp *L, void *car, void *cdr) {
    LISP_PUSH(L->c, &car);
    LISP_PUSH(L->c, &cdr);
    void *cell = lisp__cell(L, K_CONS, 0);
    LISP_STORE(L->c, cell, 0, car);
    LISP_STORE(L->c, cell, 1, cdr);
    LISP_POP(L->c, 2);
    return cell;
}

/* A cell of three pointers (closure, binding). */
LISP_FN void *lisp_cell3(lisp *L, int kind, void *a, void *b, void *c) {
    LISP_PUSH(L->c, &a);
    LISP_PUSH(L->c, &b);
    LISP_PUSH(L->c, &c);
    void *cell = lisp__cell(L, kind, 0);
    LISP_STORE(L->c, cell, 0, a);
    LISP_STORE(L->c, cell, 1, b);
    LISP_STORE(L->c, cell, 2, c);
    LISP_POP(L->c, 3);
    return cell;
}

LISP_FN const char *lisp_sym_name(lisp *L, void *sym, size_t *len) {
    *len = (size_t)lisp_value(sym);
    return (const char *)LISP_LOAD(L->c, sym, 0);
}

/* The symbol named name[0..len), created on first use. */
LISP_FN void *lisp_intern(lisp *L, const char *name, size_t len) {
    for (void *s = L->symbols; s; s = lisp_cdr(L, s)) {
        void *sym = lisp_car(L, s);
        size_t n;
        const char *nm = lisp_sym_name(L, sym, &n);
        if (n == len && memcmp(nm, name, len) == 0) return sym;
    }
    void *str = LISP_ALLOC(L->c, 0, (uint32_t)len + 1);
    memcpy(str, name, len);
    LISP_PUSH(L->c, &str);
    void *sym = lisp__cell(L, K_SYM, (int64_t)len);
    LISP_STORE(L->c, sym, 0, str);
    LISP_POP(L->c, 1);
    L->symbols = lisp_cons(L, sym, L->symbols); /* sym is rooted by lisp_cons */
    return sym;
}

/* ---------- environments ---------- */

LISP_FN void *lisp__find(lisp *L, void *chain, void *sym) {
    for (void *b = chain; b; b = LISP_LOAD(L->c, b, 2))
        if (LISP_LOAD(L->c, b, 0) == sym) return b;
    return NULL;
}

LISP_FN void *lisp_lookup(lisp *L, void *env, void *sym) {
    void *b = lisp__find(L, env, sym);
    if (!b) b = lisp__find(L, L->globals, sym);
    if (!b) {
        size_t n;
        const char *name = lisp_sym_name(L, sym, &n);
        lisp_error("unbound symbol '%.*s'", (int)n, name);
    }
    return b;
}

LISP_FN void lisp_define(lisp *L, void *sym, void *val) {
    void *b = lisp__find(L, L->globals, sym);
    if (b) {
        LISP_STORE(L->c, b, 1, val);
        return;
    }
    L->globals = lisp_cell3(L, K_BIND, sym, val, L->globals);
}

LISP_FN void lisp_init(lisp *L, LISP_CTX c) {
    memset(L, 0, sizeof *L);
    L->c = c;
    LISP_ROOT_ADD(c, &L->symbols);
    LISP_ROOT_ADD(c, &L->globals);
    for (int i = 0; i < S_COUNT; i++) L->sym[i] = lisp_intern(L, lisp_special_names[i], strlen(lisp_special_names[i]));
    for (int i = 0; i < P_COUNT; i++) {
        void *sym = lisp_intern(L, lisp_prim_names[i], strlen(lisp_prim_names[i]));
        LISP_PUSH(c, &sym);
        void *prim = lisp__cell(L, K_PRIM, i);
        lisp_define(L, sym, prim); /* lisp_cell3 roots prim */
        LISP_POP(c, 1);
    }
}

LISP_FN void lisp_fini(lisp *L) {
    LISP_ROOT_REMOVE(L->c, &L->globals);
    LISP_ROOT_REMOVE(L->c, &L->symbols);
    L->globals = L->symbols = NULL;
}

/* ---------- the reader ---------- */

static inline int lisp__delim(int ch) {
    return !ch || ch == '(' || ch == ')' || ch == '\'' || ch == ';' || (ch > 0 && ch <= ' ');
}

LISP_FN void lisp__skip(const char **p) {
    for (;;) {
        while (**p && (unsigned char)**p <= ' ') ++*p;
        if (**p != ';') return;
        while (**p && **p != '\n') ++*p;
    }
}

/* Reads one datum from *p into *out; returns 0 at the end of the text. */
LISP_FN int lisp_read(lisp *L, const char **p, void **out) {
    lisp__skip(p);
    char ch = **p;
    if (!ch) return 0;
    if (ch == ')') lisp_error("unexpected ')'");
    if (ch == '\'') {
        ++*p;
        void *datum = NULL;
        LISP_PUSH(L->c, &datum);
        if (!lisp_read(L, p, &datum)) lisp_error("quote at the end of the text");
        datum = lisp_cons(L, datum, NULL);
        *out = lisp_cons(L, L->sym[S_QUOTE], datum);
        LISP_POP(L->c, 1);
        return 1;
    }
    if (ch == '(') {
        ++*p;
        void *head = NULL, *tail = NULL, *item = NULL;
        LISP_PUSH(L->c, &head);
        LISP_PUSH(L->c, &item);
        for (;;) {
            lisp__skip(p);
            if (**p == ')') {
                ++*p;
                break;
            }
            if (!lisp_read(L, p, &item)) lisp_error("missing ')' at the end of the text");
            void *cell = lisp_cons(L, item, NULL);
            /* tail is reachable from head, which is rooted. */
            if (tail)
                LISP_STORE(L->c, tail, 1, cell);
            else
                head = cell;
            tail = cell;
        }
        *out = head;
        LISP_POP(L->c, 2);
        return 1;
    }
    const char *start = *p;
    while (!lisp__delim(**p)) ++*p;
    size_t len = (size_t)(*p - start);
    size_t i = (start[0] == '-' && len > 1) ? 1 : 0;
    int digits = 1;
    for (size_t k = i; k < len; k++) digits &= start[k] >= '0' && start[k] <= '9';
    if (digits && i < len) {
        uint64_t n = 0;
        for (size_t k = i; k < len; k++) n = n * 10 + (uint64_t)(start[k] - '0');
        *out = lisp_int(L, i ? (int64_t)(0 - n) : (int64_t)n);
    } else {
        *out = lisp_intern(L, start, len);
    }
    return 1;
}

/* ---------- the evaluator ---------- */

LISP_FN int64_t lisp__num(lisp *L, void *v, const char *op) {
    (void)L;
    if (lisp_kind(v) != K_INT) lisp_error("%s: not a number", op);
    return lisp_value(v);
}

LISP_FN void *lisp__bool(lisp *L, int b) { return b ? L->sym[S_T] : NULL; }

LISP_FN size_t lisp__length(lisp *L, void *list) {
    size_t n = 0;
    for (; list; list = lisp_cdr(L, list)) n++;
    return n;
}

/* Applies primitive i to the evaluated argument list args (rooted by the
 * caller). Arithmetic wraps modulo 2^64, as unsigned C arithmetic does. */
LISP_FN void *lisp__prim(lisp *L, int64_t i, void *args) {
    size_t n = lisp__length(L, args);
    void *a = n > 0 ? lisp_car(L, args) : NULL;
    void *b = n > 1 ? lisp_car(L, lisp_cdr(L, args)) : NULL;
    const char *name = lisp_prim_names[i];
    static const signed char arity[P_COUNT] = {
        [P_ADD] = -1, [P_SUB] = 2, [P_MUL] = -1,  [P_LT] = 2,    [P_GT] = 2,  [P_NUMEQ] = 2, [P_MOD] = 2,  [P_CONS] = 2,
        [P_CAR] = 1,  [P_CDR] = 1, [P_NULLP] = 1, [P_PAIRP] = 1, [P_EQP] = 2, [P_NOT] = 1,   [P_LIST] = -1};
    if (arity[i] >= 0 && n != (size_t)arity[i]) lisp_error("%s: takes %d arguments, got %zu", name, arity[i], n);
    switch (i) {
    case P_ADD:
    case P_MUL: {
        uint64_t acc = i == P_ADD ? 0 : 1;
        for (void *l = args; l; l = lisp_cdr(L, l)) {
            uint64_t x = (uint64_t)lisp__num(L, lisp_car(L, l), name);
            acc = i == P_ADD ? acc + x : acc * x;
        }
        return lisp_int(L, (int64_t)acc);
    }
    case P_SUB: return lisp_int(L, (int64_t)((uint64_t)lisp__num(L, a, name) - (uint64_t)lisp__num(L, b, name)));
    case P_LT: return lisp__bool(L, lisp__num(L, a, name) < lisp__num(L, b, name));
    case P_GT: return lisp__bool(L, lisp__num(L, a, name) > lisp__num(L, b, name));
    case P_NUMEQ: return lisp__bool(L, lisp__num(L, a, name) == lisp__num(L, b, name));
    case P_MOD: {
        int64_t x = lisp__num(L, a, name), y = lisp__num(L, b, name);
        if (y <= 0) lisp_error("mod: the divisor must be positive");
        int64_t r = x % y;
        return lisp_int(L, r < 0 ? r + y : r);
    }
    case P_CONS: return lisp_cons(L, a, b);
    case P_CAR:
    case P_CDR:
        if (lisp_kind(a) != K_CONS) lisp_error("%s: not a pair", name);
        return i == P_CAR ? lisp_car(L, a) : lisp_cdr(L, a);
    case P_NULLP: return lisp__bool(L, a == NULL);
    case P_PAIRP: return lisp__bool(L, lisp_kind(a) == K_CONS);
    case P_EQP:
        return lisp__bool(L,
                          a == b || (lisp_kind(a) == K_INT && lisp_kind(b) == K_INT && lisp_value(a) == lisp_value(b)));
    case P_NOT: return lisp__bool(L, a == NULL);
    default: return args; /* list: the arguments are a fresh list already */
    }
}

LISP_FN void *lisp_eval(lisp *L, void *expr, void *env);

/* Evaluates each element of list into a fresh list. */
LISP_FN void *lisp__evlis(lisp *L, void *list, void *env) {
    void *head = NULL, *tail = NULL, *v = NULL;
    LISP_PUSH(L->c, &list);
    LISP_PUSH(L->c, &env);
    LISP_PUSH(L->c, &head);
    LISP_PUSH(L->c, &v);
    for (; list; list = lisp_cdr(L, list)) {
        v = lisp_eval(L, lisp_car(L, list), env);
        void *cell = lisp_cons(L, v, NULL);
        if (tail) /* tail is reachable from head, which is rooted */
            LISP_STORE(L->c, tail, 1, cell);
        else
            head = cell;
        tail = cell;
    }
    LISP_POP(L->c, 4);
    return head;
}

/* Binds params to args in front of env. */
LISP_FN void *lisp__bind(lisp *L, void *params, void *args, void *env) {
    LISP_PUSH(L->c, &params);
    LISP_PUSH(L->c, &args);
    LISP_PUSH(L->c, &env);
    for (; params; params = lisp_cdr(L, params), args = lisp_cdr(L, args)) {
        if (!args) lisp_error("too few arguments");
        env = lisp_cell3(L, K_BIND, lisp_car(L, params), lisp_car(L, args), env);
    }
    if (args) lisp_error("too many arguments");
    LISP_POP(L->c, 3);
    return env;
}

/* Evaluates expr in env. Tail positions (the branches of if, the last form
 * of a body, a closure's body) loop instead of recursing, so tail-recursive
 * Lisp loops run in constant C stack. Every local below that holds a Lisp
 * object is on the root stack from here to the single exit. */
LISP_FN void *lisp_eval(lisp *L, void *expr, void *env) {
    void *fn = NULL, *args = NULL, *result = NULL;
    LISP_PUSH(L->c, &expr);
    LISP_PUSH(L->c, &env);
    LISP_PUSH(L->c, &fn);
    LISP_PUSH(L->c, &args);
    for (;;) {
        L->evals++;
        int kind = lisp_kind(expr);
        if (kind == K_SYM) {
            if (expr == L->sym[S_T]) { /* t is true and evaluates to itself */
                result = expr;
                break;
            }
            result = LISP_LOAD(L->c, lisp_lookup(L, env, expr), 1);
            break;
        }
        if (kind != K_CONS) { /* numbers, nil, closures and primitives evaluate to themselves */
            result = expr;
            break;
        }
        void *op = lisp_car(L, expr), *rest = lisp_cdr(L, expr);
        if (op == L->sym[S_QUOTE]) {
            result = lisp_car(L, rest);
            break;
        }
        if (op == L->sym[S_IF]) {
            void *test = lisp_eval(L, lisp_car(L, rest), env);
            void *branches = lisp_cdr(L, rest);
            if (!test) branches = lisp_cdr(L, branches);
            if (!branches) { /* (if c x) with c false */
                result = NULL;
                break;
            }
            expr = lisp_car(L, branches);
            continue;
        }
        if (op == L->sym[S_DEFINE] || op == L->sym[S_SET]) {
            void *target = lisp_car(L, rest);
            if (lisp_kind(target) == K_CONS) { /* (define (f params...) body...) */
                args = lisp_cell3(L, K_CLOSURE, lisp_cdr(L, target), lisp_cdr(L, rest), env);
                lisp_define(L, lisp_car(L, target), args);
            } else if (lisp_kind(target) == K_SYM) {
                args = lisp_eval(L, lisp_car(L, lisp_cdr(L, rest)), env);
                void *local = op == L->sym[S_SET] ? lisp__find(L, env, target) : NULL;
                if (local)
                    LISP_STORE(L->c, local, 1, args);
                else
                    lisp_define(L, target, args);
            } else {
                lisp_error("define: expected a symbol or (name params...)");
            }
            result = lisp_kind(target) == K_CONS ? lisp_car(L, target) : target; /* the name */
            break;
        }
        if (op == L->sym[S_LAMBDA]) {
            result = lisp_cell3(L, K_CLOSURE, lisp_car(L, rest), lisp_cdr(L, rest), env);
            break;
        }
        if (op == L->sym[S_LET]) { /* (let ((x e) ...) body...): the e's see the outer env */
            void *frame = env;
            LISP_PUSH(L->c, &frame);
            for (void *b = lisp_car(L, rest); b; b = lisp_cdr(L, b)) {
                args = lisp_eval(L, lisp_car(L, lisp_cdr(L, lisp_car(L, b))), env);
                frame = lisp_cell3(L, K_BIND, lisp_car(L, lisp_car(L, b)), args, frame);
                /* b is reachable from expr, which is rooted */
            }
            env = frame;
            LISP_POP(L->c, 1);
            rest = lisp_cdr(L, rest);
            op = L->sym[S_BEGIN];
        }
        if (op == L->sym[S_BEGIN]) {
            if (!rest) {
                result = NULL;
                break;
            }
            for (; lisp_cdr(L, rest); rest = lisp_cdr(L, rest)) lisp_eval(L, lisp_car(L, rest), env);
            expr = lisp_car(L, rest);
            continue;
        }
        /* An application: evaluate the operator and the arguments. */
        fn = lisp_eval(L, op, env);
        args = lisp__evlis(L, lisp_cdr(L, expr), env);
        if (lisp_kind(fn) == K_PRIM) {
            result = lisp__prim(L, lisp_value(fn), args);
            break;
        }
        if (lisp_kind(fn) != K_CLOSURE) lisp_error("not a function");
        env = lisp__bind(L, LISP_LOAD(L->c, fn, 0), args, LISP_LOAD(L->c, fn, 2));
        /* The body, reachable from fn (rooted) while its forms run. */
        void *body = LISP_LOAD(L->c, fn, 1);
        if (!body) {
            result = NULL;
            break;
        }
        for (; lisp_cdr(L, body); body = lisp_cdr(L, body)) lisp_eval(L, lisp_car(L, body), env);
        expr = lisp_car(L, body);
    }
    LISP_POP(L->c, 4);
    return result;
}

/* ---------- printing and hashing (no allocation) ---------- */

LISP_FN void lisp_print(lisp *L, void *v, FILE *f) {
    switch (lisp_kind(v)) {
    case 0: fputs("()", f); return;
    case K_INT: fprintf(f, "%lld", (long long)lisp_value(v)); return;
    case K_SYM: {
        size_t n;
        const char *name = lisp_sym_name(L, v, &n);
        fprintf(f, "%.*s", (int)n, name);
        return;
    }
    case K_CLOSURE: fputs("#<closure>", f); return;
    case K_PRIM: fprintf(f, "#<primitive %s>", lisp_prim_names[lisp_value(v)]); return;
    case K_CONS:
        fputc('(', f);
        for (int first = 1; lisp_kind(v) == K_CONS; v = lisp_cdr(L, v), first = 0) {
            if (!first) fputc(' ', f);
            lisp_print(L, lisp_car(L, v), f);
        }
        if (v) fputs(" . ", f), lisp_print(L, v, f);
        fputc(')', f);
        return;
    default: fputs("#<binding>", f); return;
    }
}

/* An order-sensitive hash of a value's structure: the same on any heap. */
LISP_FN uint64_t lisp_hash(lisp *L, void *v) {
    uint64_t h = 0xcbf29ce484222325u ^ (uint64_t)lisp_kind(v);
    for (; lisp_kind(v) == K_CONS; v = lisp_cdr(L, v)) h = (h ^ lisp_hash(L, lisp_car(L, v))) * 0x100000001b3u;
    if (lisp_kind(v) == K_INT) h = (h ^ (uint64_t)lisp_value(v)) * 0x100000001b3u;
    if (lisp_kind(v) == K_SYM) {
        size_t n;
        const char *name = lisp_sym_name(L, v, &n);
        for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)name[i]) * 0x100000001b3u;
    }
    return h;
}

/* Reads and evaluates every form of src in order; calls each(L, value,
 * user) with each form's value (unrooted: it must not allocate) when each
 * is not NULL, and returns the hash of all values. */
LISP_FN uint64_t lisp_run(lisp *L, const char *src, void (*each)(lisp *L, void *value, void *user), void *user) {
    uint64_t h = 0;
    void *form = NULL;
    LISP_PUSH(L->c, &form);
    while (lisp_read(L, &src, &form)) {
        void *v = lisp_eval(L, form, NULL);
        h = (h ^ lisp_hash(L, v)) * 0x9E3779B97F4A7C15u;
        if (each) each(L, v, user);
    }
    LISP_POP(L->c, 1);
    return h;
}

#endif /* TRICOLOR_LISP_CORE_H */
