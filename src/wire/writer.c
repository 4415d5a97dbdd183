/* writer.c: see writer.h (RFC 8446 Sec. 3.3-3.4 encoding). */
#include "wire/writer.h"

#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

void tp_wr_init(tp_writer *wr, size_t max, tp_error *err)
{
    memset(wr, 0, sizeof *wr);
    wr->max = max != 0 ? max : TP_WR_DEFAULT_MAX;
    wr->err = err;
}

void tp_wr_finish(tp_writer *wr)
{
    if (wr == NULL)
        return;
    free(wr->buf);
    wr->buf = NULL;
    wr->len = wr->cap = 0;
    wr->open_marks = 0;
}

void tp_wr_reset(tp_writer *wr)
{
    wr->len = 0;
    wr->open_marks = 0;
    wr->status = TP_OK;
}

static void fail(tp_writer *wr, tp_status status, const char *what, size_t n)
{
    if (wr->status != TP_OK)
        return;
    wr->status = status;
    (void)tp_fail(wr->err, status, "writer: %s (%zu bytes)", what, n);
}

/* Make room for n more bytes; false (and a sticky failure) if not. */
static int grow(tp_writer *wr, size_t n)
{
    if (wr->status != TP_OK)
        return 0;
    if (n > wr->max - wr->len) {
        fail(wr, TP_E_LIMIT, "message exceeds the writer's cap", wr->max);
        return 0;
    }
    size_t need = wr->len + n;
    if (need <= wr->cap)
        return 1;
    size_t cap = wr->cap != 0 ? wr->cap : 256;
    while (cap < need)
        cap = cap > wr->max / 2 ? wr->max : cap * 2;
    uint8_t *p = realloc(wr->buf, cap);
    if (p == NULL) {
        fail(wr, TP_E_NOMEM, "out of memory", cap);
        return 0;
    }
    wr->buf = p;
    wr->cap = cap;
    return 1;
}

static void put_be(tp_writer *wr, uint32_t v, size_t width)
{
    if (!grow(wr, width))
        return;
    for (size_t i = 0; i < width; i++)
        wr->buf[wr->len + i] = (uint8_t)(v >> (8 * (width - 1 - i)));
    wr->len += width;
}

void tp_wr_u8(tp_writer *wr, uint8_t v)
{
    put_be(wr, v, 1);
}

void tp_wr_u16(tp_writer *wr, uint16_t v)
{
    put_be(wr, v, 2);
}

void tp_wr_u24(tp_writer *wr, uint32_t v)
{
    if (v > 0xffffffu) {
        fail(wr, TP_E_INTERNAL, "u24 value out of range", v);
        return;
    }
    put_be(wr, v, 3);
}

void tp_wr_u32(tp_writer *wr, uint32_t v)
{
    put_be(wr, v, 4);
}

void tp_wr_bytes(tp_writer *wr, const uint8_t *p, size_t n)
{
    if (n == 0 || !grow(wr, n))
        return;
    memcpy(wr->buf + wr->len, p, n);
    wr->len += n;
}

void tp_wr_zeros(tp_writer *wr, size_t n)
{
    if (n == 0 || !grow(wr, n))
        return;
    memset(wr->buf + wr->len, 0, n);
    wr->len += n;
}

static tp_wr_mark begin(tp_writer *wr, uint8_t width)
{
    tp_wr_mark m = {.pos = wr->len, .width = width};
    put_be(wr, 0, width);
    if (wr->status == TP_OK)
        wr->open_marks++;
    return m;
}

tp_wr_mark tp_wr_begin_u8(tp_writer *wr)
{
    return begin(wr, 1);
}

tp_wr_mark tp_wr_begin_u16(tp_writer *wr)
{
    return begin(wr, 2);
}

tp_wr_mark tp_wr_begin_u24(tp_writer *wr)
{
    return begin(wr, 3);
}

void tp_wr_end(tp_writer *wr, tp_wr_mark mark)
{
    if (wr->status != TP_OK)
        return;
    if (wr->open_marks == 0 || mark.width < 1 || mark.width > 3 ||
        mark.pos > wr->len - mark.width) {
        fail(wr, TP_E_INTERNAL, "tp_wr_end() without a matching begin", mark.pos);
        return;
    }
    size_t body = wr->len - mark.pos - mark.width;
    size_t max = ((size_t)1 << (8 * mark.width)) - 1;
    if (body > max) {
        /* RFC 8446 Sec. 3.4: the length field holds the vector's length;
         * a body it cannot express would be sent truncated. */
        fail(wr, TP_E_LIMIT, "vector too long for its length field", body);
        return;
    }
    for (size_t i = 0; i < mark.width; i++)
        wr->buf[mark.pos + i] = (uint8_t)(body >> (8 * (mark.width - 1 - i)));
    wr->open_marks--;
}

void tp_wr_put_u16_at(tp_writer *wr, size_t pos, uint16_t v)
{
    if (wr->status != TP_OK)
        return;
    if (wr->len < 2 || pos > wr->len - 2) {
        fail(wr, TP_E_INTERNAL, "tp_wr_put_u16_at() outside the buffer", pos);
        return;
    }
    wr->buf[pos] = (uint8_t)(v >> 8);
    wr->buf[pos + 1] = (uint8_t)v;
}

void tp_wr_put_bytes_at(tp_writer *wr, size_t pos, const uint8_t *p, size_t n)
{
    if (wr->status != TP_OK)
        return;
    if (n > wr->len || pos > wr->len - n) {
        fail(wr, TP_E_INTERNAL, "tp_wr_put_bytes_at() outside the buffer", pos);
        return;
    }
    if (n > 0)
        memcpy(wr->buf + pos, p, n);
}

tp_status tp_wr_status(const tp_writer *wr)
{
    if (wr->status != TP_OK)
        return wr->status;
    if (wr->open_marks != 0)
        return tp_fail(wr->err, TP_E_INTERNAL, "writer: %zu vector(s) begun but not ended",
                       wr->open_marks);
    return TP_OK;
}

const uint8_t *tp_wr_data(const tp_writer *wr)
{
    return wr->buf;
}

size_t tp_wr_len(const tp_writer *wr)
{
    return wr->len;
}
