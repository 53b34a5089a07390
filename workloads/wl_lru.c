/*
 * wl_lru.c — an LRU cache at steady state.
 *
 * Its shape: a hash table of chained entries plus a doubly linked recency
 * list, holding at most C entries. Operations draw a key uniformly from
 * 2C keys: GET_PCT percent are gets (a hit moves the entry to the front),
 * the rest puts (a hit replaces the entry's value object and moves it to
 * the front; a miss inserts a new entry at the front and, above capacity,
 * evicts the least recently used one). Once full, the cache stays full:
 * a live set of constant size whose members are old, with every hit
 * rewriting pointers in old objects (list links) and every put creating a
 * little garbage — the case generational collectors find hard.
 *
 * Objects:
 *   cache   slots: table, head (most recent), tail (least recent)
 *   table   a top pointer array of bucket chunks, each at most 65536 slots
 *   entry   slots: chain next, prev, next, value; raw: the 8-byte key
 *   value   pointer-free, 16..128 bytes: word 0 is its length in words,
 *           word 1 key * K + version, the others word 1 plus their index
 *
 * Checksum: the key and a digest of the value of every get hit, the key of
 * every eviction, the number of hits, and at the end every entry from most
 * to least recent.
 */
#include "mutator.h"

typedef struct lru_params {
    uint32_t capacity;
    uint64_t ops;
} lru_params;

static const lru_params sizes[3] = {
    [WL_SMALL] = {2000, 100000},
    [WL_DEFAULT] = {200000, 10000000},
    [WL_LARGE] = {1000000, 40000000},
};

enum { GET_PCT = 70, CHUNK_BITS = 16, CHUNK = 1 << CHUNK_BITS, MAX_VALUE_WORDS = 16 };
enum { C_TABLE = 0, C_HEAD, C_TAIL };          /* cache slots */
enum { E_CHAIN = 0, E_PREV, E_NEXT, E_VALUE }; /* entry slots */
#define ENTRY_SLOTS 4
#define ENTRY_RAW   8

typedef struct lru {
    mut *m;
    void *cache;       /* rooted by the caller */
    uint32_t nbuckets; /* a power of two */
    uint32_t count;
} lru;

static uint64_t key_of(void *e) { return *(uint64_t *)mut_raw(e, ENTRY_SLOTS); }

static uint32_t bucket_of(const lru *c, uint64_t key) {
    uint64_t h = key * 0x9E3779B97F4A7C15ULL;
    return (uint32_t)(h >> 32) & (c->nbuckets - 1);
}

static void *bucket_chunk(const lru *c, uint32_t b) {
    return mut_load(c->m, mut_load(c->m, c->cache, C_TABLE), b >> CHUNK_BITS);
}

static void *lookup(const lru *c, uint64_t key) {
    uint32_t b = bucket_of(c, key);
    for (void *e = mut_load(c->m, bucket_chunk(c, b), b & (CHUNK - 1)); e; e = mut_load(c->m, e, E_CHAIN))
        if (key_of(e) == key) return e;
    return NULL;
}

static void list_unlink(const lru *c, void *e) {
    mut *m = c->m;
    void *prev = mut_load(m, e, E_PREV), *next = mut_load(m, e, E_NEXT);
    mut_store(m, prev ? prev : c->cache, prev ? E_NEXT : C_HEAD, next);
    mut_store(m, next ? next : c->cache, next ? E_PREV : C_TAIL, prev);
    mut_store(m, e, E_PREV, NULL);
    mut_store(m, e, E_NEXT, NULL);
}

static void list_push_front(const lru *c, void *e) {
    mut *m = c->m;
    void *head = mut_load(m, c->cache, C_HEAD);
    mut_store(m, e, E_NEXT, head);
    mut_store(m, head ? head : c->cache, head ? E_PREV : C_TAIL, e);
    mut_store(m, c->cache, C_HEAD, e);
}

/* A new value object for key; may collect (the caller roots what it holds). */
static void *new_value(mut *m, wl_rng *r, uint64_t key, uint64_t version) {
    uint32_t nwords = 2 + wl_rng_below(r, MAX_VALUE_WORDS - 1);
    void *v = mut_alloc(m, 0, nwords * 8);
    uint64_t *w = mut_raw(v, 0);
    w[0] = nwords;
    w[1] = key * 1000003u + version;
    for (uint32_t i = 2; i < nwords; i++) w[i] = w[1] + i;
    return v;
}

static uint64_t value_digest(void *v) {
    const uint64_t *w = mut_raw(v, 0);
    uint64_t d = wl_mix(w[0], w[1]);
    for (uint32_t i = 2; i < w[0]; i++) d = wl_mix(d, w[i] - w[1] - i);
    return d;
}

static void remove_from_chain(const lru *c, void *e) {
    mut *m = c->m;
    uint32_t b = bucket_of(c, key_of(e));
    void *chunk = bucket_chunk(c, b);
    void *prev = NULL;
    for (void *x = mut_load(m, chunk, b & (CHUNK - 1)); x != e; x = mut_load(m, x, E_CHAIN)) prev = x;
    mut_store(m, prev ? prev : chunk, prev ? E_CHAIN : b & (CHUNK - 1), mut_load(m, e, E_CHAIN));
}

uint64_t MUT_NAME(wl_lru)(mut *m, int size, uint64_t seed);
uint64_t MUT_NAME(wl_lru)(mut *m, int size, uint64_t seed) {
    const lru_params *p = &sizes[size];
    wl_rng r;
    wl_rng_seed(&r, seed);
    uint64_t sum = 0, hits = 0;

    lru c = {.m = m, .nbuckets = 1};
    while (c.nbuckets < p->capacity) c.nbuckets <<= 1;
    const uint32_t nchunks = (c.nbuckets + CHUNK - 1) / CHUNK;
    const uint32_t chunk_len = c.nbuckets < CHUNK ? c.nbuckets : CHUNK;

    void *entry = NULL, *value = NULL;
    MUT_PUSH(m, &c.cache);
    MUT_PUSH(m, &entry);
    MUT_PUSH(m, &value);
    c.cache = mut_alloc(m, 3, 0);
    mut_store(m, c.cache, C_TABLE, mut_alloc(m, nchunks, 0));
    for (uint32_t i = 0; i < nchunks; i++) {
        void *chunk = mut_alloc(m, chunk_len, 0); /* stored before the next allocation */
        mut_store(m, mut_load(m, c.cache, C_TABLE), i, chunk);
    }

    for (uint64_t op = 0; op < p->ops; op++) {
        const uint64_t key = wl_rng_below(&r, 2 * p->capacity);
        const bool get = wl_rng_below(&r, 100) < GET_PCT;
        entry = lookup(&c, key);
        if (get) {
            if (entry) {
                hits++;
                sum = wl_mix(sum, wl_mix(key, value_digest(mut_load(m, entry, E_VALUE))));
                list_unlink(&c, entry);
                list_push_front(&c, entry);
            }
        } else if (entry) {
            /* entry is pushed, so it survives the value's allocation. */
            value = new_value(m, &r, key, op);
            mut_store(m, entry, E_VALUE, value);
            list_unlink(&c, entry);
            list_push_front(&c, entry);
        } else {
            value = new_value(m, &r, key, op);
            entry = mut_alloc(m, ENTRY_SLOTS, ENTRY_RAW);
            *(uint64_t *)mut_raw(entry, ENTRY_SLOTS) = key;
            mut_store(m, entry, E_VALUE, value);
            uint32_t b = bucket_of(&c, key);
            void *chunk = bucket_chunk(&c, b);
            mut_store(m, entry, E_CHAIN, mut_load(m, chunk, b & (CHUNK - 1)));
            mut_store(m, chunk, b & (CHUNK - 1), entry);
            list_push_front(&c, entry);
            if (++c.count > p->capacity) {
                void *victim = mut_load(m, c.cache, C_TAIL);
                sum = wl_mix(sum, key_of(victim));
                remove_from_chain(&c, victim);
                list_unlink(&c, victim);
                c.count--;
            }
        }
        entry = value = NULL;
    }

    sum = wl_mix(sum, hits);
    sum = wl_mix(sum, c.count);
    for (void *e = mut_load(m, c.cache, C_HEAD); e; e = mut_load(m, e, E_NEXT))
        sum = wl_mix(sum, wl_mix(key_of(e), value_digest(mut_load(m, e, E_VALUE))));
    mut_pop(m, 3);
    return sum;
}
