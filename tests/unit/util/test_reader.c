/* test_reader.c: the bounds-checked reader (src/wire/reader.c). Every read
 * is tried at every truncated length and must fail with TP_E_PARSE, leave
 * the cursor alone, and name the field; nothing is read as zero. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wire/reader.h"
#include "util/banned.h"

static const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

/* One read, with the bytes it needs and the value it yields from data[]. */
struct read_op {
    const char *name;
    size_t need;
    uint32_t want;
    tp_status (*run)(tp_reader *rd, uint32_t *value);
};

static tp_status op_u8(tp_reader *rd, uint32_t *v)
{
    uint8_t x = 0;
    tp_status s = tp_rd_u8(rd, "the_field", &x);
    *v = x;
    return s;
}

static tp_status op_u16(tp_reader *rd, uint32_t *v)
{
    uint16_t x = 0;
    tp_status s = tp_rd_u16(rd, "the_field", &x);
    *v = x;
    return s;
}

static tp_status op_u24(tp_reader *rd, uint32_t *v)
{
    return tp_rd_u24(rd, "the_field", v);
}

static tp_status op_u32(tp_reader *rd, uint32_t *v)
{
    return tp_rd_u32(rd, "the_field", v);
}

static tp_status op_u16le(tp_reader *rd, uint32_t *v)
{
    uint16_t x = 0;
    tp_status s = tp_rd_u16le(rd, "the_field", &x);
    *v = x;
    return s;
}

static tp_status op_u32le(tp_reader *rd, uint32_t *v)
{
    return tp_rd_u32le(rd, "the_field", v);
}

static tp_status op_bytes(tp_reader *rd, uint32_t *v)
{
    const uint8_t *p = NULL;
    tp_status s = tp_rd_bytes(rd, "the_field", 5, &p);
    *v = s == TP_OK ? (uint32_t)(p - data) + p[4] : 0; /* offset + last byte */
    return s;
}

static tp_status op_skip(tp_reader *rd, uint32_t *v)
{
    tp_status s = tp_rd_skip(rd, "the_field", 6);
    *v = (uint32_t)rd->pos;
    return s;
}

static tp_status op_sub(tp_reader *rd, uint32_t *v)
{
    tp_reader sub;
    tp_status s = tp_rd_sub(rd, "the_field", 3, &sub);
    *v = s == TP_OK ? (uint32_t)tp_rd_left(&sub) * 0x100u + sub.base[0] : 0;
    return s;
}

static const struct read_op ops[] = {
    {"u8", 1, 0x01, op_u8},
    {"u16", 2, 0x0102, op_u16},
    {"u24", 3, 0x010203, op_u24},
    {"u32", 4, 0x01020304, op_u32},
    {"u16le", 2, 0x0201, op_u16le},
    {"u32le", 4, 0x04030201, op_u32le},
    {"bytes", 5, 5, op_bytes},
    {"skip", 6, 6, op_skip},
    {"sub", 3, 0x301, op_sub},
};

static void test_every_read_at_every_truncation(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        for (size_t len = 0; len < ops[i].need; len++) {
            tp_error err = {0};
            tp_reader rd;
            tp_rd_init(&rd, data, len, &err);
            uint32_t v = 0xdeadbeef;
            if (ops[i].run(&rd, &v) != TP_E_PARSE)
                fail_msg("%s succeeded on %zu of %zu bytes", ops[i].name, len, ops[i].need);
            assert_int_equal(err.status, TP_E_PARSE);
            assert_int_equal(rd.pos, 0);
            if (strstr(err.msg, "the_field") == NULL)
                fail_msg("%s: message '%s' does not name the field", ops[i].name, err.msg);
        }
        tp_error err = {0};
        tp_reader rd;
        tp_rd_init(&rd, data, ops[i].need, &err);
        uint32_t v = 0;
        assert_int_equal(ops[i].run(&rd, &v), TP_OK);
        assert_int_equal(v, ops[i].want);
        assert_int_equal(rd.pos, ops[i].need);
        assert_int_equal(tp_rd_left(&rd), 0);
        assert_int_equal(tp_rd_expect_end(&rd, "whole"), TP_OK);
        assert_int_equal(err.status, TP_OK);
    }
}

/* Reads advance in order and do not overlap. */
static void test_sequential_reads(void **state)
{
    (void)state;
    tp_reader rd;
    tp_rd_init(&rd, data, sizeof data, NULL);
    uint8_t a;
    uint16_t b;
    uint32_t c;
    assert_int_equal(tp_rd_u8(&rd, "a", &a), TP_OK);
    assert_int_equal(tp_rd_u16(&rd, "b", &b), TP_OK);
    assert_int_equal(tp_rd_u24(&rd, "c", &c), TP_OK);
    assert_int_equal(a, 0x01);
    assert_int_equal(b, 0x0203);
    assert_int_equal(c, 0x040506);
    assert_int_equal(tp_rd_left(&rd), 2);
    /* A failing read with err == NULL still fails. */
    assert_int_equal(tp_rd_u24(&rd, "d", &c), TP_E_PARSE);
    assert_int_equal(tp_rd_left(&rd), 2);
    assert_int_equal(tp_rd_u16le(&rd, "e", &b), TP_OK);
    assert_int_equal(b, 0x0807);
}

static void test_large_values(void **state)
{
    (void)state;
    static const uint8_t ff[] = {0xff, 0xff, 0xff, 0xff};
    tp_reader rd;
    uint32_t v;
    tp_rd_init(&rd, ff, sizeof ff, NULL);
    assert_int_equal(tp_rd_u32(&rd, "x", &v), TP_OK);
    assert_int_equal(v, 0xffffffffu);
    tp_rd_init(&rd, ff, sizeof ff, NULL);
    assert_int_equal(tp_rd_u24(&rd, "x", &v), TP_OK);
    assert_int_equal(v, 0xffffffu);
    tp_rd_init(&rd, ff, sizeof ff, NULL);
    assert_int_equal(tp_rd_u32le(&rd, "x", &v), TP_OK);
    assert_int_equal(v, 0xffffffffu);
}

/* A length near SIZE_MAX must not wrap the bounds check. */
static void test_huge_lengths(void **state)
{
    (void)state;
    tp_error err = {0};
    tp_reader rd;
    tp_rd_init(&rd, data, sizeof data, &err);
    assert_int_equal(tp_rd_skip(&rd, "one", 1), TP_OK);
    const uint8_t *p = NULL;
    assert_int_equal(tp_rd_bytes(&rd, "huge", SIZE_MAX, &p), TP_E_PARSE);
    assert_null(p);
    assert_int_equal(tp_rd_skip(&rd, "huge", SIZE_MAX), TP_E_PARSE);
    tp_reader sub;
    assert_int_equal(tp_rd_sub(&rd, "huge", SIZE_MAX - 1, &sub), TP_E_PARSE);
    assert_int_equal(rd.pos, 1);
    assert_non_null(strstr(err.msg, "huge"));
}

static void test_null_buffer(void **state)
{
    (void)state;
    tp_reader rd;
    tp_error err = {0};
    tp_rd_init(&rd, NULL, 100, &err);
    assert_int_equal(tp_rd_left(&rd), 0);
    uint8_t b;
    assert_int_equal(tp_rd_u8(&rd, "nothing", &b), TP_E_PARSE);
    assert_int_equal(tp_rd_expect_end(&rd, "nothing"), TP_OK);
}

/* <len:u8|u16|u24><body>: truncation of the length, then of the body. */
static void check_sub_prefixed(size_t width,
                               tp_status (*fn)(tp_reader *, const char *, size_t, size_t,
                                               tp_reader *))
{
    uint8_t buf[8] = {0};
    buf[width - 1] = 3; /* length 3, big-endian */
    memcpy(buf + width, "abc", 3);
    size_t full = width + 3;
    for (size_t len = 0; len < full; len++) {
        tp_error err = {0};
        tp_reader rd, sub;
        tp_rd_init(&rd, buf, len, &err);
        assert_int_equal(fn(&rd, "vec_field", 0, 255, &sub), TP_E_PARSE);
        assert_non_null(strstr(err.msg, "vec_field"));
    }
    tp_error err = {0};
    tp_reader rd, sub;
    tp_rd_init(&rd, buf, full + 1, &err);
    assert_int_equal(fn(&rd, "vec_field", 1, 3, &sub), TP_OK);
    assert_int_equal(tp_rd_left(&sub), 3);
    assert_memory_equal(sub.base, "abc", 3);
    assert_ptr_equal(sub.err, &err);
    assert_int_equal(tp_rd_left(&rd), 1);
    /* Length bounds <min..max>. */
    tp_rd_init(&rd, buf, full, &err);
    assert_int_equal(fn(&rd, "vec_field", 4, 255, &sub), TP_E_PARSE);
    assert_non_null(strstr(err.msg, "vec_field length 3 outside 4..255"));
    tp_error_clear(&err);
    tp_rd_init(&rd, buf, full, &err);
    assert_int_equal(fn(&rd, "vec_field", 0, 2, &sub), TP_E_PARSE);
    assert_non_null(strstr(err.msg, "outside 0..2"));
}

static void test_sub_u8(void **state)
{
    (void)state;
    check_sub_prefixed(1, tp_rd_sub_u8);
}

static void test_sub_u16(void **state)
{
    (void)state;
    check_sub_prefixed(2, tp_rd_sub_u16);
}

static void test_sub_u24(void **state)
{
    (void)state;
    check_sub_prefixed(3, tp_rd_sub_u24);
}

/* A sub-reader ends where its vector ends, even though the parent has
 * more bytes, and reports leftovers by the vector's name. */
static void test_sub_reader_is_bounded(void **state)
{
    (void)state;
    static const uint8_t msg[] = {0x00, 0x02, 0xAA, 0xBB, 0xCC, 0xDD};
    tp_error err = {0};
    tp_reader rd, sub;
    tp_rd_init(&rd, msg, sizeof msg, &err);
    assert_int_equal(tp_rd_sub_u16(&rd, "extensions", 0, 0xffff, &sub), TP_OK);
    uint16_t v;
    uint8_t b;
    assert_int_equal(tp_rd_u8(&sub, "ext_type", &b), TP_OK);
    assert_int_equal(b, 0xAA);
    assert_int_equal(tp_rd_expect_end(&sub, "extensions"), TP_E_PARSE);
    assert_string_equal(err.msg, "1 unexpected trailing bytes in extensions");
    tp_error_clear(&err);
    assert_int_equal(tp_rd_u16(&sub, "ext_len", &v), TP_E_PARSE);
    assert_non_null(strstr(err.msg, "ext_len"));
    assert_int_equal(tp_rd_u8(&sub, "ext_type", &b), TP_OK);
    assert_int_equal(tp_rd_expect_end(&sub, "extensions"), TP_OK);
    /* The parent moved past the whole vector. */
    assert_int_equal(tp_rd_left(&rd), 2);
    assert_int_equal(tp_rd_u16(&rd, "after", &v), TP_OK);
    assert_int_equal(v, 0xCCDD);
}

/* Nested vectors: an inner length that overruns the outer one fails even
 * though the whole buffer would have the bytes. */
static void test_nested_overrun(void **state)
{
    (void)state;
    static const uint8_t msg[] = {0x02, 0x05, 0x01, 0x02, 0x03, 0x04, 0x05};
    tp_error err = {0};
    tp_reader rd, outer, inner;
    tp_rd_init(&rd, msg, sizeof msg, &err);
    assert_int_equal(tp_rd_sub_u8(&rd, "outer", 0, 255, &outer), TP_OK);
    assert_int_equal(tp_rd_sub_u8(&outer, "inner", 0, 255, &inner), TP_E_PARSE);
    assert_non_null(strstr(err.msg, "inner"));
}

static void test_expect_end(void **state)
{
    (void)state;
    tp_error err = {0};
    tp_reader rd;
    tp_rd_init(&rd, data, 3, &err);
    assert_int_equal(tp_rd_expect_end(&rd, "hello"), TP_E_PARSE);
    assert_string_equal(err.msg, "3 unexpected trailing bytes in hello");
    assert_int_equal(tp_rd_skip(&rd, "x", 3), TP_OK);
    assert_int_equal(tp_rd_expect_end(&rd, "hello"), TP_OK);
    tp_rd_init(&rd, data, 0, &err);
    assert_int_equal(tp_rd_expect_end(&rd, "empty"), TP_OK);
}

static void test_message_text(void **state)
{
    (void)state;
    tp_error err = {0};
    tp_reader rd;
    tp_rd_init(&rd, data, 1, &err);
    uint32_t v;
    assert_int_equal(tp_rd_u32(&rd, "record length", &v), TP_E_PARSE);
    assert_string_equal(err.msg, "truncated record length: need 4 bytes, 1 left");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_read_at_every_truncation),
        cmocka_unit_test(test_sequential_reads),
        cmocka_unit_test(test_large_values),
        cmocka_unit_test(test_huge_lengths),
        cmocka_unit_test(test_null_buffer),
        cmocka_unit_test(test_sub_u8),
        cmocka_unit_test(test_sub_u16),
        cmocka_unit_test(test_sub_u24),
        cmocka_unit_test(test_sub_reader_is_bounded),
        cmocka_unit_test(test_nested_overrun),
        cmocka_unit_test(test_expect_end),
        cmocka_unit_test(test_message_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
