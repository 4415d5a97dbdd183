/* The first bytes of a --serve connection: a ClientHello whole or in
 * pieces (split records, fragmented message), and the bad inputs each
 * named in one line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "serve/hello.h"
#include "wire/clienthello.h"
#include "wire/writer.h"

#include "util/banned.h"

static size_t build(uint8_t *out, size_t cap, size_t fragment)
{
    static const uint8_t random[32] = {1};
    static const uint16_t suites[] = {0x1301, 0xc02f, 0x000a};
    static const uint16_t versions[] = {0x0304, 0x0303};
    static const uint16_t groups[] = {0x001d};
    static const uint16_t sigalgs[] = {0x0804, 0x0403};
    static const char *const alpn[] = {"mqtt"};
    static const uint8_t x25519[32] = {9};
    tp_ch_spec spec = {.record_version = 0x0301, .legacy_version = 0x0303, .random = random,
                       .suites = suites, .n_suites = 3, .sni = "broker.example",
                       .groups = groups, .n_groups = 1, .sigalgs = sigalgs, .n_sigalgs = 2,
                       .versions = versions, .n_versions = 2, .key_share_ext = true,
                       .x25519_public = x25519, .alpn = alpn, .n_alpn = 1,
                       .max_record_fragment = fragment};
    tp_writer wr;
    tp_error err = {0};
    tp_wr_init(&wr, 0, &err);
    assert_int_equal(tp_ch_build(&spec, &wr, &err), TP_OK);
    assert_true(wr.len <= cap);
    memcpy(out, wr.buf, wr.len);
    size_t len = wr.len;
    tp_wr_finish(&wr);
    return len;
}

static void whole_and_in_pieces(void **state)
{
    (void)state;
    uint8_t buf[4096];
    for (size_t fragment = 0; fragment <= 40; fragment += 40) {
        size_t len = build(buf, sizeof buf, fragment);
        /* Every prefix asks for more; the whole is a ClientHello. */
        for (size_t cut = 0; cut < len; cut++) {
            struct tp_audit_hs h;
            struct tp_first f;
            memset(&h, 0, sizeof h);
            assert_int_equal(tp_first_classify(buf, cut, &h, &f), TP_OK);
            assert_int_equal(f.kind, TP_FIRST_NEED_MORE);
            tp_audit_hs_finish(&h);
        }
        struct tp_audit_hs h;
        struct tp_first f;
        memset(&h, 0, sizeof h);
        assert_int_equal(tp_first_classify(buf, len, &h, &f), TP_OK);
        assert_int_equal(f.kind, TP_FIRST_CLIENT_HELLO);
        assert_true(h.has_client_hello);
        assert_string_equal(h.sni, "broker.example");
        assert_int_equal(h.suites.n, 3);
        assert_int_equal(h.suites.v[2], 0x000a);
        assert_int_equal(h.alpn.count, 1);
        assert_string_equal(h.alpn.items[0], "mqtt");
        /* JA4 a: TCP, TLS 1.3, SNI, 3 suites, 6 extensions, ALPN "mqtt". */
        assert_int_equal(strncmp(h.ja4, "t13d0306mt_", 11), 0);
        tp_audit_hs_finish(&h);
    }
}

static enum tp_first_kind kind_of(const uint8_t *buf, size_t len, char *what, size_t size)
{
    struct tp_audit_hs h;
    struct tp_first f;
    memset(&h, 0, sizeof h);
    assert_int_equal(tp_first_classify(buf, len, &h, &f), TP_OK);
    assert_false(h.has_client_hello);
    tp_audit_hs_finish(&h);
    snprintf(what, size, "%s", f.what);
    return f.kind;
}

static void bad_inputs(void **state)
{
    (void)state;
    char what[200];
    const char *http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(kind_of((const uint8_t *)http, strlen(http), what, sizeof what),
                     TP_FIRST_NOT_TLS);
    assert_string_equal(what, "plain text, not TLS: \"GET / HTTP/1.1\"");
    static const uint8_t garbage[] = {0x00, 0xff, 0x10, 0x02};
    assert_int_equal(kind_of(garbage, sizeof garbage, what, sizeof what), TP_FIRST_NOT_TLS);
    assert_string_equal(what, "not TLS: first bytes 00 ff 10 02");
    /* A genuine SSL 2.0 CLIENT-HELLO: one kind, a 16-byte challenge. */
    static const uint8_t ssl2[] = {0x80, 0x1c, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00,
                                   0x00, 0x10, 0x07, 0x00, 0xc0, 1, 2, 3, 4, 5, 6, 7, 8,
                                   9, 10, 11, 12, 13, 14, 15, 16};
    assert_int_equal(kind_of(ssl2, sizeof ssl2, what, sizeof what), TP_FIRST_SSL2);
    assert_non_null(strstr(what, "SSL 2.0 is not served"));
    assert_int_equal(kind_of(ssl2, sizeof ssl2 - 1, what, sizeof what), TP_FIRST_NEED_MORE);
    static const uint8_t ssl2_short[] = {0x80, 0x2e};
    assert_int_equal(kind_of(ssl2_short, sizeof ssl2_short, what, sizeof what),
                     TP_FIRST_NEED_MORE);
    /* An alert first, an oversized record, a ServerHello, a message longer
     * than the cap, a malformed hello. */
    static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    assert_int_equal(kind_of(alert, sizeof alert, what, sizeof what), TP_FIRST_BAD_TLS);
    static const uint8_t huge[] = {0x16, 0x03, 0x01, 0xff, 0xff, 0x01};
    assert_int_equal(kind_of(huge, sizeof huge, what, sizeof what), TP_FIRST_BAD_TLS);
    static const uint8_t server_hello[] = {0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00};
    assert_int_equal(kind_of(server_hello, sizeof server_hello, what, sizeof what),
                     TP_FIRST_BAD_TLS);
    static const uint8_t too_long[] = {0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0xff, 0xff, 0xff};
    assert_int_equal(kind_of(too_long, sizeof too_long, what, sizeof what), TP_FIRST_BAD_TLS);
    static const uint8_t malformed[] = {0x16, 0x03, 0x01, 0x00, 0x06, 0x01, 0x00,
                                        0x00, 0x02, 0x03, 0x03};
    assert_int_equal(kind_of(malformed, sizeof malformed, what, sizeof what), TP_FIRST_BAD_TLS);
    assert_non_null(strstr(what, "ClientHello malformed"));
    assert_int_equal(kind_of(NULL, 0, what, sizeof what), TP_FIRST_NEED_MORE);
}

/* A version 2.0 compatible hello announcing TLS 1.0 (RFC 5246 App. E.2),
 * with an SSL 2.0 kind among its TLS suites: served, the offer kept. */
static void ssl2_compatible(void **state)
{
    (void)state;
    uint8_t buf[2 + 9 + 9 + 16];
    static const uint8_t head[] = {0x80, 0x22, 0x01, 0x03, 0x01, 0x00, 0x09, 0x00, 0x00,
                                   0x00, 0x10, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x35,
                                   0x07, 0x00, 0xc0};
    memcpy(buf, head, sizeof head);
    memset(buf + sizeof head, 0xab, sizeof buf - sizeof head);
    struct tp_audit_hs h;
    struct tp_first f;
    memset(&h, 0, sizeof h);
    assert_int_equal(tp_first_classify(buf, sizeof buf, &h, &f), TP_OK);
    assert_int_equal(f.kind, TP_FIRST_CLIENT_HELLO);
    assert_true(h.ssl2_hello);
    assert_int_equal(h.legacy_version, 0x0301);
    assert_int_equal(h.suites.n, 2);
    assert_int_equal(h.suites.v[1], 0x0035);
    assert_int_equal(h.suites.total, 3);
    assert_int_equal(h.findings.count, 1);
    assert_string_equal(h.findings.items[0], "offer-sslv2");
    tp_audit_hs_finish(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whole_and_in_pieces),
        cmocka_unit_test(bad_inputs),
        cmocka_unit_test(ssl2_compatible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
