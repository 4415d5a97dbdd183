/* Unit tests for src/wire/certificate.c: the captured certificate chains
 * (one sent whole, one fragmented over records by a record_size_limit),
 * a TLS 1.3 Certificate built here, the count cap, and mutations. */
#include "wire_test.h"

#include "wire/certificate.h"
#include "wire/handshake.h"
#include "wire/writer.h"

#include "util/banned.h"

static tp_status parse12(const uint8_t *buf, size_t len, tp_error *err)
{
    tp_certificate c;
    return tp_cert_parse(buf, len, false, &c, err);
}

static tp_status parse13(const uint8_t *buf, size_t len, tp_error *err)
{
    tp_certificate c;
    return tp_cert_parse(buf, len, true, &c, err);
}

static void test_captured_chains(void **state)
{
    (void)state;
    static const char *const files[] = {"openssl-tls12-ecdhe-flight.bin",
                                        "gnutls-tls12-rsl-flight.bin"};
    for (size_t i = 0; i < 2; i++) {
        size_t len, blen = 0;
        uint8_t *buf = wt_load(files[i], &len);
        uint8_t *body = wt_find_message(buf, len, TP_HS_CERTIFICATE, &blen);
        assert_non_null(body);
        tp_certificate c;
        tp_error err = {0};
        assert_int_equal(tp_cert_parse(body, blen, false, &c, &err), TP_OK);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.n_total, 1);
        assert_int_equal(c.certs[0].len, 781);
        assert_int_equal(c.certs[0].der[0], 0x30); /* DER SEQUENCE */
        wt_truncate_all(parse12, body, blen, NULL, 0);
        wt_fields fs = {.n = 0};
        wt_add(&fs, 0, 3, "certificate_list");
        wt_add(&fs, 3, 3, "ASN.1Cert|certificate_list");
        wt_mutate_lengths(parse12, body, blen, &fs);
        free(body);
        free(buf);
    }
}

static void test_tls13_layout_and_cap(void **state)
{
    (void)state;
    static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    static const uint8_t ext[] = {0x00, 0x05, 0x00, 0x01, 0x00};
    tp_error err = {0};
    tp_writer wr;
    tp_wr_init(&wr, 0, &err);
    tp_wr_mark ctx = tp_wr_begin_u8(&wr);
    tp_wr_u8(&wr, 0xab);
    tp_wr_end(&wr, ctx);
    tp_wr_mark list = tp_wr_begin_u24(&wr);
    for (size_t i = 0; i < TP_CERT_MAX + 2; i++) {
        tp_wr_mark cert = tp_wr_begin_u24(&wr);
        tp_wr_bytes(&wr, der, sizeof der);
        tp_wr_end(&wr, cert);
        tp_wr_mark exts = tp_wr_begin_u16(&wr);
        if (i == 0)
            tp_wr_bytes(&wr, ext, sizeof ext);
        tp_wr_end(&wr, exts);
    }
    tp_wr_end(&wr, list);
    assert_int_equal(tp_wr_status(&wr), TP_OK);
    tp_certificate c;
    assert_int_equal(tp_cert_parse(tp_wr_data(&wr), tp_wr_len(&wr), true, &c, &err), TP_OK);
    assert_int_equal(c.context_len, 1);
    assert_int_equal(c.context[0], 0xab);
    assert_int_equal(c.n, TP_CERT_MAX);
    assert_int_equal(c.n_total, TP_CERT_MAX + 2);
    assert_int_equal(c.certs[0].extensions_len, sizeof ext);
    assert_int_equal(c.certs[1].extensions_len, 0);
    assert_memory_equal(c.certs[5].der, der, sizeof der);
    /* The TLS 1.2 reading of TLS 1.3 bytes is wrong, and says so. */
    assert_int_equal(tp_cert_parse(tp_wr_data(&wr), tp_wr_len(&wr), false, &c, &err),
                     TP_E_PARSE);
    wt_truncate_all(parse13, tp_wr_data(&wr), tp_wr_len(&wr), NULL, 0);
    wt_fields fs = {.n = 0};
    wt_add(&fs, 0, 1, "certificate_request_context|certificate_list");
    wt_add(&fs, 2, 3, "certificate_list");
    wt_add(&fs, 5, 3, "cert_data|CertificateEntry|certificate_list");
    wt_add(&fs, 5 + 3 + sizeof der, 2, "CertificateEntry|certificate_list");
    wt_mutate_lengths(parse13, tp_wr_data(&wr), tp_wr_len(&wr), &fs);
    tp_wr_finish(&wr);
}

static void test_empty_certificate(void **state)
{
    (void)state;
    static const uint8_t empty_list[] = {0, 0, 0};
    static const uint8_t empty_cert[] = {0, 0, 3, 0, 0, 0};
    tp_certificate c;
    tp_error err = {0};
    assert_int_equal(tp_cert_parse(empty_list, 3, false, &c, &err), TP_OK);
    assert_int_equal(c.n_total, 0);
    /* RFC 5246 Sec. 7.4.2: opaque ASN.1Cert<1..2^24-1>. */
    assert_int_equal(tp_cert_parse(empty_cert, 6, false, &c, &err), TP_E_PARSE);
    assert_non_null(strstr(err.msg, "ASN.1Cert"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_captured_chains),
        cmocka_unit_test(test_tls13_layout_and_cap),
        cmocka_unit_test(test_empty_certificate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
