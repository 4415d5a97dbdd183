/* wire_test.h: helpers shared by the src/wire/ unit tests: golden files,
 * and the two mutations every parser must survive: truncation at every
 * byte, and every length field inflated and deflated by one. Buffers are
 * copied into exact-size allocations so that an over-read is caught by
 * the sanitizers instead of landing in slack. */
#ifndef TP_WIRE_TEST_H
#define TP_WIRE_TEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* cmocka needs these first */
#include <setjmp.h>
#include <cmocka.h>

#include "util/err.h"
#include "wire/record.h"

typedef tp_status (*wt_parse_fn)(const uint8_t *buf, size_t len, tp_error *err);

/* A length field of a message: where, how wide, and the words ('|'
 * separated) one of which the error message must contain when the field is
 * wrong. A wrong length is only detectable where the bytes stop making
 * sense: at the field itself (out of bounds, odd, trailing bytes in its
 * vector) or, when it still fits, at the field that follows it, so the
 * words name the field and its container or successor. */
typedef struct wt_field {
    size_t off;
    unsigned width;
    const char *expect;
} wt_field;

typedef struct wt_fields {
    wt_field f[128];
    size_t n;
} wt_fields;

static inline void wt_add(wt_fields *fs, size_t off, unsigned width, const char *expect)
{
    assert_true(fs->n < sizeof fs->f / sizeof fs->f[0]);
    fs->f[fs->n++] = (wt_field){off, width, expect};
}

static inline uint32_t wt_get(const uint8_t *p, unsigned width)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < width; i++)
        v = (v << 8) | p[i];
    return v;
}

static inline void wt_put(uint8_t *p, unsigned width, uint32_t v)
{
    for (unsigned i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

/* Does msg contain one of the '|'-separated words of expect? */
static inline bool wt_names(const char *msg, const char *expect)
{
    char words[256];
    snprintf(words, sizeof words, "%s", expect);
    char *save = NULL;
    for (char *w = strtok_r(words, "|", &save); w != NULL; w = strtok_r(NULL, "|", &save))
        if (strstr(msg, w) != NULL)
            return true;
    return false;
}

static inline uint8_t *wt_load(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", TP_WIRE_TEST_DATA, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    uint8_t *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

/* Run fn on a private exact-size copy of buf[0..len). */
static inline tp_status wt_run(wt_parse_fn fn, const uint8_t *buf, size_t len, tp_error *err)
{
    uint8_t *copy = malloc(len != 0 ? len : 1);
    assert_non_null(copy);
    if (len != 0)
        memcpy(copy, buf, len);
    tp_error_clear(err);
    tp_status st = fn(copy, len, err);
    free(copy);
    return st;
}

/* Every strict prefix must fail with TP_E_PARSE, except the lengths listed
 * in ok_at (where the message is legitimately complete, such as a hello
 * without its optional extensions block). */
static inline void wt_truncate_all(wt_parse_fn fn, const uint8_t *buf, size_t len,
                                   const size_t *ok_at, size_t n_ok)
{
    tp_error err;
    assert_int_equal(wt_run(fn, buf, len, &err), TP_OK);
    for (size_t n = 0; n < len; n++) {
        tp_status st = wt_run(fn, buf, n, &err);
        bool allowed = false;
        for (size_t i = 0; i < n_ok; i++)
            allowed = allowed || ok_at[i] == n;
        if (allowed && st == TP_OK)
            continue;
        if (st != TP_E_PARSE)
            fail_msg("truncated to %zu of %zu bytes: status %s (%s)", n, len,
                     tp_status_name(st), err.msg);
        assert_true(err.msg[0] != '\0');
    }
}

/* Inflate and deflate each length field by one; each must be rejected
 * with TP_E_PARSE and a message containing the field's word. */
static inline void wt_mutate_lengths(wt_parse_fn fn, const uint8_t *buf, size_t len,
                                     const wt_fields *fs)
{
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    assert_true(fs->n > 0);
    for (size_t i = 0; i < fs->n; i++) {
        const wt_field *f = &fs->f[i];
        assert_true(f->off + f->width <= len);
        uint32_t v = wt_get(buf + f->off, f->width);
        uint32_t max = f->width == 4 ? UINT32_MAX : (1u << (8 * f->width)) - 1;
        for (int delta = -1; delta <= 1; delta += 2) {
            if ((delta < 0 && v == 0) || (delta > 0 && v == max))
                continue;
            memcpy(copy, buf, len);
            wt_put(copy + f->off, f->width, (uint32_t)(v + (uint32_t)delta));
            tp_error err;
            tp_status st = wt_run(fn, copy, len, &err);
            if (st != TP_E_PARSE || !wt_names(err.msg, f->expect))
                fail_msg("length at %zu (%s) %s by one: status %s, message \"%s\"", f->off,
                         f->expect, delta > 0 ? "inflated" : "deflated", tp_status_name(st),
                         err.msg);
        }
    }
    free(copy);
}

/* Copy the body of the first handshake message of type in a captured
 * stream of records into a new exact-size allocation; NULL if absent. */
static inline uint8_t *wt_find_message(const uint8_t *buf, size_t len, uint8_t type,
                                       size_t *body_len)
{
    tp_reader rd;
    tp_hs_reasm r;
    tp_error err = {0};
    uint8_t *out = NULL;
    tp_rd_init(&rd, buf, len, &err);
    tp_hs_reasm_init(&r, 0);
    while (out == NULL && tp_rd_left(&rd) > 0) {
        tp_record rec;
        assert_int_equal(tp_record_read(&rd, &rec), TP_OK);
        if (rec.type != TP_CT_HANDSHAKE)
            break;
        assert_int_equal(tp_hs_reasm_feed(&r, rec.fragment, rec.length, &err), TP_OK);
        for (bool have = true; have && out == NULL;) {
            tp_hs_msg m;
            assert_int_equal(tp_hs_reasm_next(&r, &m, &have, &err), TP_OK);
            if (have && m.type == type) {
                out = malloc(m.len != 0 ? m.len : 1);
                assert_non_null(out);
                memcpy(out, m.body, m.len);
                *body_len = m.len;
            }
        }
    }
    tp_hs_reasm_finish(&r);
    return out;
}

/* The first handshake message of a captured reply, when the first record
 * holds all of it (true of every ServerHello captured here). */
static inline void wt_first_message(const uint8_t *buf, size_t len, uint8_t *type,
                                    const uint8_t **body, size_t *body_len)
{
    tp_record rec;
    tp_rec_state st;
    size_t used;
    tp_error err = {0};
    assert_int_equal(tp_record_next(buf, len, &rec, &st, &used, &err), TP_OK);
    assert_int_equal(st, TP_REC_COMPLETE);
    assert_int_equal(rec.type, TP_CT_HANDSHAKE);
    assert_true(rec.length >= 4);
    *type = rec.fragment[0];
    *body_len = wt_get(rec.fragment + 1, 3);
    assert_true(*body_len <= (size_t)rec.length - 4);
    *body = rec.fragment + 4;
}

#endif
