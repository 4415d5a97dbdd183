/* Unit tests for src/wire/flight.c: every captured reply classified, fed
 * one byte at a time as a raw probe would see it arrive; SSL 2.0 answers
 * from a scripted SSL 2.0 server; non-TLS peers; malformed flights. */
#include "wire_test.h"

#include "wire/flight.h"
#include "wire/writer.h"

#include "util/banned.h"

typedef struct expectation {
    const char *file;
    tp_flight_kind kind;
    uint16_t version;
    bool certificate, ske;
    uint32_t dh_bits;
} expectation;

static const expectation captures[] = {
    {"openssl-tls12-ecdhe-flight.bin", TP_FLIGHT_SERVER_HELLO, 0x0303, true, true, 0},
    {"openssl-tls12-dhe-flight.bin", TP_FLIGHT_SERVER_HELLO, 0x0303, true, true, 2048},
    {"openssl-tls10-flight.bin", TP_FLIGHT_SERVER_HELLO, 0x0301, true, true, 0},
    {"gnutls-tls12-flight.bin", TP_FLIGHT_SERVER_HELLO, 0x0303, true, true, 0},
    {"gnutls-tls12-rsl-flight.bin", TP_FLIGHT_SERVER_HELLO, 0x0303, true, true, 0},
    {"gnutls-ssl2compat-flight.bin", TP_FLIGHT_SERVER_HELLO, 0x0301, true, true, 0},
    {"openssl-tls13-sh.bin", TP_FLIGHT_SERVER_HELLO, 0x0304, false, false, 0},
    {"gnutls-tls13-sh.bin", TP_FLIGHT_SERVER_HELLO, 0x0304, false, false, 0},
    {"openssl-tls13-hrr.bin", TP_FLIGHT_HELLO_RETRY, 0x0304, false, false, 0},
    {"gnutls-tls13-hrr.bin", TP_FLIGHT_HELLO_RETRY, 0x0304, false, false, 0},
    {"gnutls-alert-fallback.bin", TP_FLIGHT_ALERT, 0, false, false, 0},
    {"openssl-alert-ssl2.bin", TP_FLIGHT_ALERT, 0, false, false, 0},
};

/* Feed buf one byte more each time: only NEED_MORE, SERVER_HELLO without
 * flight_complete, or the final answer may appear, never MALFORMED. */
static void feed_bytewise(tp_flight *f, const uint8_t *buf, size_t len, tp_flight_kind final)
{
    for (size_t n = 0; n <= len; n++) {
        uint8_t *copy = malloc(n != 0 ? n : 1);
        assert_non_null(copy);
        memcpy(copy, buf, n);
        assert_int_equal(tp_flight_classify(f, copy, n), TP_OK);
        free(copy);
        if (f->kind == TP_FLIGHT_MALFORMED || f->kind == TP_FLIGHT_NOT_TLS)
            fail_msg("prefix %zu of %zu: %s (%s)", n, len, tp_flight_kind_name(f->kind),
                     f->error.msg);
        if (f->kind != TP_FLIGHT_NEED_MORE)
            assert_int_equal(f->kind, final);
    }
}

static void test_captures(void **state)
{
    (void)state;
    tp_flight f;
    tp_flight_init(&f);
    for (size_t i = 0; i < sizeof captures / sizeof captures[0]; i++) {
        const expectation *e = &captures[i];
        size_t len;
        uint8_t *buf = wt_load(e->file, &len);
        feed_bytewise(&f, buf, len, e->kind);
        assert_int_equal(tp_flight_classify(&f, buf, len), TP_OK);
        if (f.kind != e->kind)
            fail_msg("%s: %s (%s)", e->file, tp_flight_kind_name(f.kind), f.error.msg);
        assert_true(f.flight_complete);
        assert_int_equal(f.has_certificate, e->certificate);
        assert_int_equal(f.has_ske, e->ske);
        if (e->kind == TP_FLIGHT_SERVER_HELLO || e->kind == TP_FLIGHT_HELLO_RETRY)
            assert_int_equal(f.sh.version, e->version);
        if (e->ske) {
            assert_true(f.ske_parsed);
            assert_int_equal(f.ske.dh_p_bits, e->dh_bits);
        }
        if (e->kind == TP_FLIGHT_ALERT)
            assert_int_equal(f.alert.level, TP_ALERT_FATAL);
        if (strstr(e->file, "tls13-sh") != NULL)
            assert_true(f.change_cipher_spec);
        free(buf);
    }
    tp_flight_finish(&f);
    tp_flight_finish(&f);
}

static tp_flight_kind classify(tp_flight *f, const void *bytes, size_t len)
{
    uint8_t *copy = malloc(len != 0 ? len : 1);
    assert_non_null(copy);
    memcpy(copy, bytes, len);
    assert_int_equal(tp_flight_classify(f, copy, len), TP_OK);
    free(copy);
    return f->kind;
}

static void test_not_tls(void **state)
{
    (void)state;
    tp_flight f;
    tp_flight_init(&f);
    assert_int_equal(classify(&f, "HTTP/1.1 400 Bad Request\r\n", 26), TP_FLIGHT_NOT_TLS);
    assert_int_equal(classify(&f, "SSH-2.0-OpenSSH_9.2\r\n", 21), TP_FLIGHT_NOT_TLS);
    assert_int_equal(classify(&f, "220 mail ESMTP\r\n", 16), TP_FLIGHT_NOT_TLS);
    assert_int_equal(classify(&f, "\x16\x48TTP", 5), TP_FLIGHT_NOT_TLS);
    assert_int_equal(classify(&f, "\xff\xfb\x01", 3), TP_FLIGHT_NOT_TLS); /* telnet IAC */
    assert_int_equal(classify(&f, "", 0), TP_FLIGHT_NEED_MORE);
    assert_int_equal(classify(&f, "\x16", 1), TP_FLIGHT_NEED_MORE);
    assert_int_equal(classify(&f, "\x16\x03\x03\x48\x01", 5), TP_FLIGHT_MALFORMED);
    assert_non_null(strstr(f.error.msg, "2^14"));
    tp_flight_finish(&f);
}

static void test_ssl2_server(void **state)
{
    (void)state;
    tp_error err = {0};
    tp_writer wr;
    tp_wr_init(&wr, 0, &err);
    tp_wr_u16(&wr, 0x8000 | (11 + 10 + 6 + 16));
    tp_wr_u8(&wr, 4);
    tp_wr_u8(&wr, 0);
    tp_wr_u8(&wr, 1);
    tp_wr_u16(&wr, 2);
    tp_wr_u16(&wr, 10);
    tp_wr_u16(&wr, 6);
    tp_wr_u16(&wr, 16);
    tp_wr_zeros(&wr, 10);
    tp_wr_u24(&wr, 0x010080);
    tp_wr_u24(&wr, 0x0700c0);
    tp_wr_zeros(&wr, 16);
    assert_int_equal(tp_wr_status(&wr), TP_OK);
    tp_flight f;
    tp_flight_init(&f);
    feed_bytewise(&f, tp_wr_data(&wr), tp_wr_len(&wr), TP_FLIGHT_SSL2_SERVER_HELLO);
    assert_int_equal(f.kind, TP_FLIGHT_SSL2_SERVER_HELLO);
    assert_int_equal(f.ssl2.n_kinds, 2);
    assert_int_equal(f.ssl2.version, 2);
    static const uint8_t error[] = {0x80, 0x03, 0x00, 0x00, 0x01};
    feed_bytewise(&f, error, sizeof error, TP_FLIGHT_SSL2_ERROR);
    assert_int_equal(f.kind, TP_FLIGHT_SSL2_ERROR);
    assert_int_equal(f.ssl2_error, 1);
    static const uint8_t bad[] = {0x80, 0x02, 0x00, 0x00};
    assert_int_equal(classify(&f, bad, sizeof bad), TP_FLIGHT_MALFORMED);
    tp_flight_finish(&f);
    tp_wr_finish(&wr);
}

static void test_tls_edge_cases(void **state)
{
    (void)state;
    tp_flight f;
    tp_flight_init(&f);
    size_t len;
    uint8_t *sh = wt_load("gnutls-tls13-sh.bin", &len);
    /* A warning unrecognized_name before the ServerHello is skipped. */
    uint8_t buf[4096];
    static const uint8_t warn[] = {21, 3, 3, 0, 2, 1, 112};
    memcpy(buf, warn, sizeof warn);
    memcpy(buf + sizeof warn, sh, len);
    assert_int_equal(classify(&f, buf, sizeof warn + len), TP_FLIGHT_SERVER_HELLO);
    assert_int_equal(f.warning_alerts, 1);
    assert_int_equal(f.last_warning.description, 112);
    /* An empty HelloRequest before it is ignored. */
    static const uint8_t hello_request[] = {22, 3, 3, 0, 4, 0, 0, 0, 0};
    memcpy(buf, hello_request, sizeof hello_request);
    memcpy(buf + sizeof hello_request, sh, len);
    assert_int_equal(classify(&f, buf, sizeof hello_request + len), TP_FLIGHT_SERVER_HELLO);
    /* A ServerHello selecting TLS 1.2 through supported_versions is
     * malformed (RFC 8446 Sec. 4.2.1), and the reason names the field. */
    memcpy(buf, sh, len);
    static const uint8_t sv[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};
    uint8_t *at = memmem(buf, len, sv, sizeof sv);
    assert_non_null(at);
    at[5] = 0x03;
    assert_int_equal(classify(&f, buf, len), TP_FLIGHT_MALFORMED);
    assert_non_null(strstr(f.error.msg, "supported_versions"));
    /* Not a ServerHello first. */
    static const uint8_t cert_first[] = {22, 3, 3, 0, 7, 11, 0, 0, 3, 0, 0, 0};
    assert_int_equal(classify(&f, cert_first, sizeof cert_first), TP_FLIGHT_MALFORMED);
    assert_non_null(strstr(f.error.msg, "expected ServerHello"));
    /* change_cipher_spec before any ServerHello. */
    static const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
    assert_int_equal(classify(&f, ccs, sizeof ccs), TP_FLIGHT_MALFORMED);
    /* Close_notify is an alert answer, not a warning to skip. */
    static const uint8_t close_notify[] = {21, 3, 3, 0, 2, 1, 0};
    assert_int_equal(classify(&f, close_notify, sizeof close_notify), TP_FLIGHT_ALERT);
    free(sh);
    tp_flight_finish(&f);
}

static void test_truncated_flight_waits(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = wt_load("openssl-tls12-dhe-flight.bin", &len);
    tp_flight f;
    tp_flight_init(&f);
    /* Cut inside the ServerKeyExchange: the ServerHello is known, the
     * flight is not complete. */
    assert_int_equal(classify(&f, buf, len - 200), TP_FLIGHT_SERVER_HELLO);
    assert_false(f.flight_complete);
    assert_true(f.has_certificate);
    assert_false(f.has_ske);
    assert_int_equal(classify(&f, buf, len), TP_FLIGHT_SERVER_HELLO);
    assert_true(f.flight_complete);
    assert_int_equal(f.used, len);
    free(buf);
    tp_flight_finish(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_captures),
        cmocka_unit_test(test_not_tls),
        cmocka_unit_test(test_ssl2_server),
        cmocka_unit_test(test_tls_edge_cases),
        cmocka_unit_test(test_truncated_flight_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
