/* Unit tests for src/wire/writer.c and src/wire/record.c: the writer's
 * back-filled lengths and sticky errors, TLS and SSL 2.0 record headers,
 * handshake reassembly across records, and mutations of captured flights. */
#include "wire_test.h"

#include "wire/handshake.h"
#include "wire/record.h"
#include "wire/writer.h"

#include "util/banned.h"

static void test_writer_basics(void **state)
{
    (void)state;
    tp_error err = {0};
    tp_writer wr;
    tp_wr_init(&wr, 0, &err);
    tp_wr_u8(&wr, 0x01);
    tp_wr_u16(&wr, 0x0203);
    tp_wr_u24(&wr, 0x040506);
    tp_wr_u32(&wr, 0x0708090a);
    tp_wr_mark outer = tp_wr_begin_u24(&wr);
    tp_wr_mark inner = tp_wr_begin_u8(&wr);
    tp_wr_bytes(&wr, (const uint8_t *)"abc", 3);
    tp_wr_end(&wr, inner);
    tp_wr_mark empty = tp_wr_begin_u16(&wr);
    tp_wr_end(&wr, empty);
    tp_wr_end(&wr, outer);
    assert_int_equal(tp_wr_status(&wr), TP_OK);
    static const uint8_t want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0, 6, 3, 'a', 'b', 'c', 0, 0};
    assert_int_equal(tp_wr_len(&wr), sizeof want);
    assert_memory_equal(tp_wr_data(&wr), want, sizeof want);
    tp_wr_reset(&wr);
    assert_int_equal(tp_wr_len(&wr), 0);
    tp_wr_finish(&wr);
    tp_wr_finish(&wr); /* finishing twice is harmless */
}

static void test_writer_sticky_errors(void **state)
{
    (void)state;
    tp_error err = {0};
    tp_writer wr;
    uint8_t big[300] = {0};
    tp_wr_init(&wr, 0, &err);
    tp_wr_mark m = tp_wr_begin_u8(&wr);
    tp_wr_bytes(&wr, big, 256);
    tp_wr_end(&wr, m);
    size_t len = tp_wr_len(&wr);
    tp_wr_u16(&wr, 7); /* ignored after the failure */
    assert_int_equal(tp_wr_len(&wr), len);
    assert_int_equal(tp_wr_status(&wr), TP_E_LIMIT);
    assert_non_null(strstr(err.msg, "too long"));
    tp_wr_finish(&wr);

    tp_error_clear(&err);
    tp_wr_init(&wr, 100, &err);
    tp_wr_bytes(&wr, big, 100);
    assert_int_equal(tp_wr_status(&wr), TP_OK);
    tp_wr_u8(&wr, 1);
    assert_int_equal(tp_wr_status(&wr), TP_E_LIMIT);
    tp_wr_finish(&wr);

    tp_error_clear(&err);
    tp_wr_init(&wr, 0, &err);
    (void)tp_wr_begin_u16(&wr);
    assert_int_equal(tp_wr_status(&wr), TP_E_INTERNAL); /* begun, never ended */
    tp_wr_finish(&wr);

    tp_error_clear(&err);
    tp_wr_init(&wr, 0, &err);
    tp_wr_end(&wr, (tp_wr_mark){.pos = 0, .width = 2});
    assert_int_equal(tp_wr_status(&wr), TP_E_INTERNAL); /* end without begin */
    tp_wr_finish(&wr);
}

static void expect_header_error(const uint8_t hdr[5], const char *word)
{
    tp_record rec;
    tp_error err = {0};
    assert_int_equal(tp_record_check_header(hdr, &rec, &err), TP_E_PARSE);
    if (strstr(err.msg, word) == NULL)
        fail_msg("expected \"%s\" in \"%s\"", word, err.msg);
}

static void test_record_header_rules(void **state)
{
    (void)state;
    expect_header_error((const uint8_t[]){19, 3, 3, 0, 1}, "content type");
    expect_header_error((const uint8_t[]){25, 3, 3, 0, 1}, "content type");
    expect_header_error((const uint8_t[]){22, 2, 0, 0, 1}, "major");
    expect_header_error((const uint8_t[]){23, 3, 3, 0x48, 0x01}, "2^14 + 2048");
    expect_header_error((const uint8_t[]){22, 3, 1, 0, 0}, "length 0");
    expect_header_error((const uint8_t[]){21, 3, 3, 0, 0}, "length 0");
    expect_header_error((const uint8_t[]){20, 3, 3, 0, 0}, "length 0");
    tp_record rec;
    tp_error err = {0};
    assert_int_equal(tp_record_check_header((const uint8_t[]){23, 3, 3, 0x48, 0x00}, &rec, &err),
                     TP_OK);
    assert_int_equal(rec.length, 18432);
    assert_int_equal(tp_record_check_header((const uint8_t[]){23, 3, 3, 0, 0}, &rec, &err), TP_OK);

    /* Judged byte by byte as they arrive. */
    tp_rec_state st;
    size_t used;
    assert_int_equal(tp_record_next((const uint8_t *)"H", 1, &rec, &st, &used, &err), TP_E_PARSE);
    tp_error_clear(&err);
    assert_int_equal(tp_record_next((const uint8_t[]){22}, 1, &rec, &st, &used, &err), TP_OK);
    assert_int_equal(st, TP_REC_NEED_MORE);
    assert_int_equal(tp_record_next((const uint8_t[]){22, 3, 1, 0, 9, 1}, 6, &rec, &st, &used,
                                    &err), TP_OK);
    assert_int_equal(st, TP_REC_NEED_MORE);
    assert_int_equal(used, 14);
}

static void test_ssl2_record_headers(void **state)
{
    (void)state;
    tp_ssl2_record rec;
    tp_rec_state st;
    size_t used;
    tp_error err = {0};
    static const uint8_t two[] = {0x80, 0x03, 4, 5, 6};
    assert_int_equal(tp_ssl2_record_next(two, sizeof two, &rec, &st, &used, &err), TP_OK);
    assert_int_equal(st, TP_REC_COMPLETE);
    assert_int_equal(rec.header_len, 2);
    assert_int_equal(rec.length, 3);
    assert_int_equal(used, 5);
    assert_int_equal(rec.data[0], 4);
    static const uint8_t three[] = {0x40, 0x04, 0x02, 1, 2, 3, 4};
    assert_int_equal(tp_ssl2_record_next(three, sizeof three, &rec, &st, &used, &err), TP_OK);
    assert_int_equal(rec.header_len, 3);
    assert_true(rec.is_escape);
    assert_int_equal(rec.padding, 2);
    assert_int_equal(used, 7);
    for (size_t n = 0; n < sizeof three; n++) {
        assert_int_equal(tp_ssl2_record_next(three, n, &rec, &st, &used, &err), TP_OK);
        assert_int_equal(st, TP_REC_NEED_MORE);
    }
    static const uint8_t bad_pad[] = {0x00, 0x02, 0x03, 1, 2};
    assert_int_equal(tp_ssl2_record_next(bad_pad, sizeof bad_pad, &rec, &st, &used, &err),
                     TP_E_PARSE);
    assert_non_null(strstr(err.msg, "padding"));
}

static void test_reassembly(void **state)
{
    (void)state;
    tp_error err = {0};
    tp_hs_reasm r;
    tp_hs_reasm_init(&r, 64);
    tp_hs_msg m;
    bool have;
    /* Two messages and the start of a third in one fragment. */
    static const uint8_t a[] = {2, 0, 0, 1, 0xaa, 14, 0, 0, 0, 11, 0, 0};
    assert_int_equal(tp_hs_reasm_feed(&r, a, sizeof a, &err), TP_OK);
    assert_int_equal(tp_hs_reasm_next(&r, &m, &have, &err), TP_OK);
    assert_true(have);
    assert_int_equal(m.type, 2);
    assert_int_equal(m.len, 1);
    assert_int_equal(m.body[0], 0xaa);
    assert_int_equal(tp_hs_reasm_next(&r, &m, &have, &err), TP_OK);
    assert_true(have);
    assert_int_equal(m.type, 14);
    assert_int_equal(m.len, 0);
    assert_int_equal(tp_hs_reasm_next(&r, &m, &have, &err), TP_OK);
    assert_false(have);
    assert_int_equal(tp_hs_reasm_pending(&r), 3);
    static const uint8_t b[] = {3, 1};
    static const uint8_t c[] = {2, 3};
    assert_int_equal(tp_hs_reasm_feed(&r, b, sizeof b, &err), TP_OK);
    assert_int_equal(tp_hs_reasm_next(&r, &m, &have, &err), TP_OK);
    assert_false(have);
    assert_int_equal(tp_hs_reasm_feed(&r, c, sizeof c, &err), TP_OK);
    assert_int_equal(tp_hs_reasm_next(&r, &m, &have, &err), TP_OK);
    assert_true(have);
    assert_int_equal(m.type, 11);
    assert_int_equal(m.len, 3);
    static const uint8_t want[] = {1, 2, 3};
    assert_memory_equal(m.body, want, 3);
    assert_int_equal(tp_hs_reasm_pending(&r), 0);
    /* A header announcing more than the cap is refused at once. */
    static const uint8_t huge[] = {11, 0, 0, 65};
    assert_int_equal(tp_hs_reasm_feed(&r, huge, sizeof huge, &err), TP_OK);
    assert_int_equal(tp_hs_reasm_next(&r, &m, &have, &err), TP_E_LIMIT);
    tp_hs_reasm_finish(&r);
    tp_hs_reasm_finish(&r);
}

/* Strict walk of a whole capture: exact records, every handshake message
 * whole, nothing left over. */
static tp_status walk_capture(const uint8_t *buf, size_t len, tp_error *err)
{
    tp_reader rd;
    tp_hs_reasm r;
    tp_status st = TP_OK;
    tp_rd_init(&rd, buf, len, err);
    tp_hs_reasm_init(&r, 0);
    while (tp_rd_left(&rd) > 0 && st == TP_OK) {
        tp_record rec;
        st = tp_record_read(&rd, &rec);
        if (st != TP_OK || rec.type != TP_CT_HANDSHAKE)
            continue;
        st = tp_hs_reasm_feed(&r, rec.fragment, rec.length, err);
        bool have = true;
        while (st == TP_OK && have) {
            tp_hs_msg m;
            st = tp_hs_reasm_next(&r, &m, &have, err);
        }
    }
    if (st == TP_OK && tp_hs_reasm_pending(&r) != 0)
        st = tp_fail(err, TP_E_PARSE, "record stream ends inside a handshake message");
    tp_hs_reasm_finish(&r);
    return st;
}

static void test_capture_mutations(void **state)
{
    (void)state;
    static const char *const files[] = {
        "gnutls-tls12-flight.bin", "gnutls-tls12-rsl-flight.bin", "openssl-tls12-dhe-flight.bin",
        "openssl-tls13-sh.bin", "gnutls-alert-fallback.bin",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t len;
        uint8_t *buf = wt_load(files[i], &len);
        /* Prefixes that end on a record boundary are complete streams, but
         * only where no handshake message is cut. */
        size_t ok_at[16] = {0}, n_ok = 1, p = 0; /* the empty stream is complete */
        wt_fields fs = {.n = 0};
        while (p < len) {
            wt_add(&fs, p + 3, 2, "record|handshake|content type|major");
            p += 5 + wt_get(buf + p + 3, 2);
            tp_error e = {0};
            if (p < len && wt_run(walk_capture, buf, p, &e) == TP_OK)
                ok_at[n_ok++] = p;
        }
        wt_truncate_all(walk_capture, buf, len, ok_at, n_ok);
        wt_mutate_lengths(walk_capture, buf, len, &fs);
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_basics),
        cmocka_unit_test(test_writer_sticky_errors),
        cmocka_unit_test(test_record_header_rules),
        cmocka_unit_test(test_ssl2_record_headers),
        cmocka_unit_test(test_reassembly),
        cmocka_unit_test(test_capture_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
