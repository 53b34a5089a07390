/*
 * history.c — the bounded store of the frames the window showed (see
 * history.h): a keyframe and XOR deltas per group, each coded as runs of
 * zero bytes and literal bytes.
 *
 * The code of a frame: its length as a varint, then pairs (zeros, n) of
 * varints each followed by n literal bytes, until the length is covered.
 * Decoding starts from the previous frame (a keyframe: from nothing, all
 * zeros), takes `zeros` bytes as they are and XORs the literals in.
 */
#include "history.h"

#include <stdlib.h>
#include <string.h>

/* A literal run ends at this many zero bytes in a row: fewer cost more as
 * a new pair than they save. */
#define ZERO_BREAK 4

void history_init(history *h, size_t limit_bytes, double keep_s) {
    memset(h, 0, sizeof *h);
    h->limit_bytes = limit_bytes;
    h->keep_s = keep_s;
}

void history_clear(history *h) {
    for (size_t i = 0; i < h->n; i++) free(h->f[i].code);
    /* Indices stay unique across a clear (history_absolute). */
    h->dropped += h->n;
    free(h->f);
    h->f = NULL;
    h->cap = 0;
    h->n = 0;
    h->coded = 0;
    h->group_left = h->group_bytes = 0;
    h->cur_ok = false;
    h->too_big = false;
    h->last_len = 0;
}

void history_free(history *h) {
    history_clear(h);
    free(h->f);
    free(h->last);
    free(h->buf);
    size_t limit = h->limit_bytes;
    double keep = h->keep_s;
    history_init(h, limit, keep);
}

size_t history_bytes(const history *h) { return h->coded + h->cap * sizeof *h->f + h->last_cap + h->buf_cap; }

static size_t put_varint(uint8_t *o, size_t v) {
    size_t k = 0;
    while (v >= 0x80) o[k++] = (uint8_t)(v | 0x80), v >>= 7;
    o[k++] = (uint8_t)v;
    return k;
}

static size_t get_varint(const uint8_t *c, size_t len, size_t *at) {
    size_t v = 0;
    for (int shift = 0; *at < len && shift < 64; shift += 7) {
        uint8_t b = c[(*at)++];
        v |= (size_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
    }
    return v;
}

/* raw XOR prev (prev shorter than raw: zeros past its end), coded into
 * out, which holds 2 * len + 32 bytes. Returns the code's length. */
static size_t encode(uint8_t *out, const uint8_t *raw, size_t len, const uint8_t *prev, size_t plen) {
#define X(i) (uint8_t)(raw[i] ^ ((i) < plen ? prev[i] : 0))
    size_t o = put_varint(out, len), i = 0;
    while (i < len) {
        size_t z = 0;
        while (i < len && X(i) == 0) z++, i++;
        size_t start = i, zrun = 0;
        while (i < len && zrun < ZERO_BREAK) {
            zrun = X(i) == 0 ? zrun + 1 : 0;
            i++;
        }
        if (zrun) i -= zrun; /* the zeros that ended the run start the next pair */
        size_t lit = i - start;
        o += put_varint(out + o, z);
        o += put_varint(out + o, lit);
        for (size_t k = 0; k < lit; k++) out[o + k] = X(start + k);
        o += lit;
    }
    return o;
#undef X
}

static bool grow(uint8_t **p, size_t *cap, size_t need) {
    if (need <= *cap) return true;
    uint8_t *q = realloc(*p, need);
    if (!q) return false;
    *p = q;
    *cap = need;
    return true;
}

/* Applies code to buf, which holds the previous frame (buf_len bytes; a
 * keyframe: ignored). */
static bool decode(history *h, const hist_frame *f) {
    size_t at = 0, len = get_varint(f->code, f->len, &at);
    if (!grow(&h->buf, &h->buf_cap, len ? len : 1)) return false;
    size_t keep = f->key ? 0 : h->buf_len < len ? h->buf_len : len;
    memset(h->buf + keep, 0, len - keep);
    h->buf_len = len;
    size_t pos = 0;
    while (at < f->len && pos < len) {
        pos += get_varint(f->code, f->len, &at);
        size_t lit = get_varint(f->code, f->len, &at);
        for (size_t k = 0; k < lit && at < f->len && pos < len; k++) h->buf[pos++] ^= f->code[at++];
    }
    return true;
}

/* Drops the oldest group: its keyframe and the deltas after it. */
static void drop_group(history *h) {
    size_t k = 1;
    while (k < h->n && !h->f[k].key) k++;
    for (size_t i = 0; i < k; i++) h->coded -= h->f[i].len, free(h->f[i].code);
    memmove(h->f, h->f + k, (h->n - k) * sizeof *h->f);
    h->n -= k;
    h->dropped += k;
    h->cur_ok = false;
}

/* The seconds from the end of the oldest group to the newest frame. */
static double oldest_group_age(const history *h) {
    size_t k = 1;
    while (k < h->n && !h->f[k].key) k++;
    return h->f[h->n - 1].m.shown_s - h->f[k - 1].m.shown_s;
}

static bool newest_group_is_oldest(const history *h) {
    for (size_t i = 1; i < h->n; i++)
        if (h->f[i].key) return false;
    return true;
}

bool history_add(history *h, const hist_moment *m, const uint8_t *raw, size_t len) {
    if (!h->limit_bytes) return false;
    h->too_big = len > h->limit_bytes / 8;
    if (h->too_big) {
        h->group_left = 0; /* the next frame kept cannot be a delta of this one */
        return false;
    }
    bool key = h->n == 0 || h->group_left == 0 || h->f[h->n - 1].m.view != m->view;
    uint8_t *tmp = malloc(2 * len + 32);
    if (!tmp) return false;
    size_t clen = encode(tmp, raw, len, key ? NULL : h->last, key ? 0 : h->last_len);
    if (!key && clen > len / 2) { /* a delta no smaller than the frame alone is kept as a keyframe */
        uint8_t *alone = malloc(2 * len + 32);
        size_t alen = alone ? encode(alone, raw, len, NULL, 0) : 0;
        if (alone && alen <= clen) {
            free(tmp);
            tmp = alone, clen = alen, key = true;
        } else {
            free(alone);
        }
    }
    uint8_t *code = realloc(tmp, clen);
    if (!code) code = tmp;
    /* The records count against the bound too: at most an eighth of it,
     * so that many small frames cannot fill it with records alone. */
    size_t max_cap = h->limit_bytes / 8 / sizeof *h->f;
    if (max_cap < 4 * HIST_GROUP) max_cap = 4 * HIST_GROUP;
    while (h->n == h->cap && h->cap >= max_cap && h->n > 1 && !newest_group_is_oldest(h)) drop_group(h);
    if (h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 256;
        if (nc > max_cap && h->cap < max_cap) nc = max_cap;
        hist_frame *nf = realloc(h->f, nc * sizeof *nf);
        if (!nf) {
            free(code);
            return false;
        }
        h->f = nf, h->cap = nc;
    }
    /* The cursor's buffer is grown here, not when a frame is read, so
     * that the bound checked below already counts it. */
    if (!grow(&h->last, &h->last_cap, len ? len : 1) || !grow(&h->buf, &h->buf_cap, len ? len : 1)) {
        free(code);
        return false;
    }
    memcpy(h->last, raw, len);
    h->last_len = len;
    h->f[h->n++] = (hist_frame){.m = *m, .code = code, .len = clen, .key = key};
    h->coded += clen;
    h->group_bytes = key ? clen : h->group_bytes + clen;
    h->group_left = key ? HIST_GROUP - 1 : h->group_left - 1;
    if (h->group_bytes > h->limit_bytes / 8) h->group_left = 0;
    /* The newest group is never dropped: it holds the frame just kept. */
    while (h->n > 1 && !newest_group_is_oldest(h) &&
           (history_bytes(h) > h->limit_bytes || oldest_group_age(h) > h->keep_s))
        drop_group(h);
    return true;
}

const uint8_t *history_frame(history *h, size_t i, size_t *len) {
    if (i >= h->n) return NULL;
    if (!(h->cur_ok && h->cur == i)) {
        size_t from;
        if (h->cur_ok && h->cur < i) {
            from = h->cur + 1; /* forward from the decoded frame, unless a keyframe is nearer */
            for (size_t k = i; k > h->cur; k--)
                if (h->f[k].key) {
                    from = k;
                    break;
                }
        } else {
            from = i;
            while (from > 0 && !h->f[from].key) from--;
        }
        h->cur_ok = false;
        for (size_t k = from; k <= i; k++)
            if (!decode(h, &h->f[k])) return NULL;
        h->cur = i;
        h->cur_ok = true;
    }
    *len = h->buf_len;
    return h->buf;
}

long history_at_incr(const history *h, uint64_t incr) {
    long best = -1;
    for (size_t i = 0; i < h->n && h->f[i].m.incr <= incr; i++) best = (long)i;
    return best;
}

long history_at_time(const history *h, double t) {
    long best = -1;
    for (size_t i = 0; i < h->n && h->f[i].m.run_s <= t; i++) best = (long)i;
    return best;
}
