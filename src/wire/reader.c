/* reader.c: see reader.h. Checks are written as "n > left" so that no
 * addition can overflow. */
#include "wire/reader.h"

#include "util/banned.h"

void tp_rd_init(tp_reader *rd, const uint8_t *base, size_t len, tp_error *err)
{
    rd->base = base;
    rd->len = base != NULL ? len : 0;
    rd->pos = 0;
    rd->err = err;
}

size_t tp_rd_left(const tp_reader *rd)
{
    return rd->len - rd->pos;
}

static tp_status need(tp_reader *rd, const char *field, size_t n)
{
    if (n > tp_rd_left(rd))
        return tp_fail(rd->err, TP_E_PARSE, "truncated %s: need %zu bytes, %zu left", field, n,
                       tp_rd_left(rd));
    return TP_OK;
}

static uint32_t take_be(tp_reader *rd, size_t n)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | rd->base[rd->pos + i];
    rd->pos += n;
    return v;
}

static uint32_t take_le(tp_reader *rd, size_t n)
{
    uint32_t v = 0;
    for (size_t i = n; i > 0; i--)
        v = (v << 8) | rd->base[rd->pos + i - 1];
    rd->pos += n;
    return v;
}

tp_status tp_rd_u8(tp_reader *rd, const char *field, uint8_t *out)
{
    TP_TRY(need(rd, field, 1));
    *out = (uint8_t)take_be(rd, 1);
    return TP_OK;
}

tp_status tp_rd_u16(tp_reader *rd, const char *field, uint16_t *out)
{
    TP_TRY(need(rd, field, 2));
    *out = (uint16_t)take_be(rd, 2);
    return TP_OK;
}

tp_status tp_rd_u24(tp_reader *rd, const char *field, uint32_t *out)
{
    TP_TRY(need(rd, field, 3));
    *out = take_be(rd, 3);
    return TP_OK;
}

tp_status tp_rd_u32(tp_reader *rd, const char *field, uint32_t *out)
{
    TP_TRY(need(rd, field, 4));
    *out = take_be(rd, 4);
    return TP_OK;
}

tp_status tp_rd_u16le(tp_reader *rd, const char *field, uint16_t *out)
{
    TP_TRY(need(rd, field, 2));
    *out = (uint16_t)take_le(rd, 2);
    return TP_OK;
}

tp_status tp_rd_u32le(tp_reader *rd, const char *field, uint32_t *out)
{
    TP_TRY(need(rd, field, 4));
    *out = take_le(rd, 4);
    return TP_OK;
}

tp_status tp_rd_bytes(tp_reader *rd, const char *field, size_t n, const uint8_t **out)
{
    TP_TRY(need(rd, field, n));
    /* A reader over NULL (allowed by tp_rd_init) has no offset to apply. */
    *out = rd->base != NULL ? rd->base + rd->pos : NULL;
    rd->pos += n;
    return TP_OK;
}

tp_status tp_rd_skip(tp_reader *rd, const char *field, size_t n)
{
    TP_TRY(need(rd, field, n));
    rd->pos += n;
    return TP_OK;
}

tp_status tp_rd_sub(tp_reader *rd, const char *field, size_t n, tp_reader *sub)
{
    const uint8_t *p;
    TP_TRY(tp_rd_bytes(rd, field, n, &p));
    tp_rd_init(sub, p, n, rd->err);
    return TP_OK;
}

static tp_status sub_len(tp_reader *rd, const char *field, size_t width, size_t min, size_t max,
                         tp_reader *sub)
{
    TP_TRY(need(rd, field, width));
    size_t n = take_be(rd, width);
    if (n < min || n > max)
        return tp_fail(rd->err, TP_E_PARSE, "%s length %zu outside %zu..%zu", field, n, min,
                       max);
    return tp_rd_sub(rd, field, n, sub);
}

tp_status tp_rd_sub_u8(tp_reader *rd, const char *field, size_t min, size_t max, tp_reader *sub)
{
    return sub_len(rd, field, 1, min, max, sub);
}

tp_status tp_rd_sub_u16(tp_reader *rd, const char *field, size_t min, size_t max,
                        tp_reader *sub)
{
    return sub_len(rd, field, 2, min, max, sub);
}

tp_status tp_rd_sub_u24(tp_reader *rd, const char *field, size_t min, size_t max,
                        tp_reader *sub)
{
    return sub_len(rd, field, 3, min, max, sub);
}

tp_status tp_rd_expect_end(const tp_reader *rd, const char *field)
{
    if (rd->pos != rd->len)
        return tp_fail(rd->err, TP_E_PARSE, "%zu unexpected trailing bytes in %s",
                       rd->len - rd->pos, field);
    return TP_OK;
}
