/* test_probe.c: the probe's hello builder and its reading of replies
 * (scan/probe.h) on hand-made bytes: every outcome rule, every truncation
 * of a valid flight, and the hostile cases (garbage, oversized length). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scan/probe.h"
#include "wire/clienthello.h"
#include "wire/record.h"
#include "tls/psk.h"
#include "wire/registry.h"
#include "util/banned.h"

static const uint8_t rnd[64] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
                                33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
                                49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64};

/* A TLS 1.2 ServerHello record choosing suite with renegotiation_info and
 * extended_master_secret, then (with_done) a ServerHelloDone record. */
static size_t server_hello(uint8_t *out, uint16_t version, uint16_t suite, bool with_done)
{
    size_t n = 0;
    const uint8_t exts[] = {0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x17, 0x00, 0x00};
    size_t body = 2 + 32 + 1 + 2 + 1 + 2 + sizeof exts;
    size_t hs = 4 + body;
    out[n++] = 22;
    out[n++] = 3;
    out[n++] = 3;
    out[n++] = (uint8_t)(hs >> 8);
    out[n++] = (uint8_t)hs;
    out[n++] = 2;
    out[n++] = 0;
    out[n++] = (uint8_t)(body >> 8);
    out[n++] = (uint8_t)body;
    out[n++] = (uint8_t)(version >> 8);
    out[n++] = (uint8_t)version;
    memset(out + n, 0x42, 32);
    n += 32;
    out[n++] = 0; /* session id */
    out[n++] = (uint8_t)(suite >> 8);
    out[n++] = (uint8_t)suite;
    out[n++] = 0; /* compression */
    out[n++] = 0;
    out[n++] = (uint8_t)sizeof exts;
    memcpy(out + n, exts, sizeof exts);
    n += sizeof exts;
    if (with_done) {
        const uint8_t done[] = {22, 3, 3, 0, 4, 14, 0, 0, 0};
        memcpy(out + n, done, sizeof done);
        n += sizeof done;
    }
    return n;
}

static struct probe_spec *spec_for(uint16_t version, bool want_flight)
{
    static struct probe_spec spec;
    probe_spec_defaults(&spec, version, "example.test");
    spec.want_flight = want_flight;
    spec.suites[0] = 0xC02F;
    spec.n_suites = 1;
    return &spec;
}

static void test_close_and_reset(void **state)
{
    (void)state;
    struct probe_result r = {0};
    memset(&r, 0x5a, sizeof r); /* nothing may survive from before... */
    r.connected = true;         /* ...but the transport facts, which carry over */
    r.got_bytes = false;
    r.half_closed = false;
    r.first_byte_ms = 0;
    const struct probe_spec *s = spec_for(TP_VER_TLS12, true);
    assert_true(probe_interpret(s, NULL, 0, true, false, &r));
    assert_int_equal(r.outcome, PROBE_REFUSED);
    assert_non_null(strstr(r.why, "closed without an alert"));
    assert_true(probe_interpret(s, NULL, 0, true, true, &r));
    assert_int_equal(r.outcome, PROBE_UNKNOWN);
    assert_true(r.transport_failure);
    assert_true(r.reset);
    assert_non_null(strstr(r.why, "reset"));
    assert_false(probe_interpret(s, NULL, 0, false, false, &r));
}

static void test_alert(void **state)
{
    (void)state;
    struct probe_result r = {0};
    const uint8_t alert[] = {21, 3, 3, 0, 2, 2, 40};
    assert_true(probe_interpret(spec_for(TP_VER_TLS12, true), alert, sizeof alert, false, false,
                                &r));
    assert_int_equal(r.outcome, PROBE_REFUSED);
    assert_int_equal(r.alert, 40);
    assert_non_null(strstr(r.why, "handshake_failure"));
}

static void test_server_hello_and_flight(void **state)
{
    (void)state;
    uint8_t buf[256];
    struct probe_result r = {0};
    size_t sh = server_hello(buf, TP_VER_TLS12, 0xC02F, false);
    /* Without the wish for the whole flight, the ServerHello decides. */
    assert_true(probe_interpret(spec_for(TP_VER_TLS12, false), buf, sh, false, false, &r));
    assert_int_equal(r.outcome, PROBE_ACCEPTED);
    assert_int_equal(r.version, TP_VER_TLS12);
    assert_int_equal(r.suite, 0xC02F);
    assert_true(r.renegotiation_info);
    assert_true(r.extended_master_secret);
    assert_false(r.session_ticket);
    /* With it, the probe waits for ServerHelloDone... */
    assert_false(probe_interpret(spec_for(TP_VER_TLS12, true), buf, sh, false, false, &r));
    assert_int_equal(r.outcome, PROBE_ACCEPTED);
    assert_false(r.died_after_hello);
    /* ...unless the peer is gone: then the suite it chose died with it, */
    assert_true(probe_interpret(spec_for(TP_VER_TLS12, true), buf, sh, true, false, &r));
    assert_int_equal(r.outcome, PROBE_ACCEPTED);
    assert_true(r.died_after_hello);
    assert_non_null(strstr(r.why, "close before ServerHelloDone"));
    /* as it does with a fatal alert after the ServerHello (plan.h, poisoned
     * picks: a ServerKeyExchange the server could not make); */
    static const uint8_t internal_error[] = {21, 3, 3, 0, 2, 2, 80};
    memcpy(buf + sh, internal_error, sizeof internal_error);
    assert_true(probe_interpret(spec_for(TP_VER_TLS12, true), buf, sh + sizeof internal_error,
                                false, false, &r));
    assert_int_equal(r.outcome, PROBE_ACCEPTED);
    assert_int_equal(r.suite, 0xC02F);
    assert_true(r.died_after_hello);
    assert_int_equal(r.alert, 80);
    /* and the whole flight decides. */
    size_t all = server_hello(buf, TP_VER_TLS12, 0xC02F, true);
    assert_true(probe_interpret(spec_for(TP_VER_TLS12, true), buf, all, false, false, &r));
    assert_int_equal(r.outcome, PROBE_ACCEPTED);
    assert_false(r.died_after_hello);
    assert_non_null(strstr(r.why, "TLSv1.2"));
    /* closing after a whole flight kills nothing */
    assert_true(probe_interpret(spec_for(TP_VER_TLS12, true), buf, all, true, false, &r));
    assert_false(r.died_after_hello);
}

/* A half-closed probe (probe.h, spec.half_close): the alert that answers
 * our FIN after a whole flight says nothing about the suite; an alert
 * before ServerHelloDone still does. */
static void test_half_closed_flight(void **state)
{
    (void)state;
    uint8_t buf[256];
    static const uint8_t decode_error[] = {21, 3, 3, 0, 2, 2, 50};
    struct probe_result r;
    size_t all = server_hello(buf, TP_VER_TLS12, 0xC02F, true);
    memcpy(buf + all, decode_error, sizeof decode_error);
    /* Without the half-close the alert kills the pick, as before... */
    memset(&r, 0, sizeof r);
    assert_true(probe_interpret(spec_for(TP_VER_TLS12, true), buf, all + sizeof decode_error, true,
                                false, &r));
    assert_true(r.died_after_hello);
    /* ...with it, the whole flight stands, close and alert or not. */
    memset(&r, 0, sizeof r);
    r.half_closed = true;
    assert_true(probe_interpret(spec_for(TP_VER_TLS12, true), buf, all + sizeof decode_error, true,
                                false, &r));
    assert_int_equal(r.outcome, PROBE_ACCEPTED);
    assert_int_equal(r.suite, 0xC02F);
    assert_false(r.died_after_hello);
    assert_int_equal(r.alert, -1);
    assert_true(r.half_closed);
    /* An alert where ServerHelloDone should be is still a death. */
    size_t sh = server_hello(buf, TP_VER_TLS12, 0xC02F, false);
    memcpy(buf + sh, decode_error, sizeof decode_error);
    memset(&r, 0, sizeof r);
    r.half_closed = true;
    assert_true(probe_interpret(spec_for(TP_VER_TLS12, true), buf, sh + sizeof decode_error, true,
                                false, &r));
    assert_true(r.died_after_hello);
    assert_int_equal(r.alert, 50);
    /* A refusal by alert is one, half-closed or not. */
    memset(&r, 0, sizeof r);
    r.half_closed = true;
    assert_true(probe_interpret(spec_for(TP_VER_TLS12, true), decode_error, sizeof decode_error,
                                true, false, &r));
    assert_int_equal(r.outcome, PROBE_REFUSED);
}

static void test_every_truncation(void **state)
{
    (void)state;
    uint8_t buf[256];
    struct probe_result r = {0};
    size_t all = server_hello(buf, TP_VER_TLS12, 0xC02F, false);
    for (size_t len = 1; len < all; len++) {
        /* still arriving: not decisive; cut off there: unknown, never a yes */
        assert_false(probe_interpret(spec_for(TP_VER_TLS12, true), buf, len, false, false, &r));
        assert_true(probe_interpret(spec_for(TP_VER_TLS12, true), buf, len, true, false, &r));
        assert_int_equal(r.outcome, PROBE_UNKNOWN);
        assert_non_null(strstr(r.why, "truncated"));
    }
}

static void test_hostile_bytes(void **state)
{
    (void)state;
    struct probe_result r = {0};
    const uint8_t garbage[] = {0xff, 0x13, 0x37, 0x00, 0x01};
    assert_true(probe_interpret(spec_for(TP_VER_TLS12, true), garbage, sizeof garbage, false,
                                false, &r));
    assert_int_equal(r.outcome, PROBE_UNKNOWN);
    assert_non_null(strstr(r.why, "not TLS"));
    /* RFC 8446 Sec. 5.2: no record exceeds 2^14 + 2048 bytes. */
    const uint8_t oversized[] = {22, 3, 3, 0xff, 0xff, 2, 0, 0};
    assert_true(probe_interpret(spec_for(TP_VER_TLS12, true), oversized, sizeof oversized, false,
                                false, &r));
    assert_int_equal(r.outcome, PROBE_UNKNOWN);
    assert_non_null(strstr(r.why, "malformed"));
    const uint8_t http[] = "HTTP/1.1 400 Bad Request\r\n";
    assert_true(probe_interpret(spec_for(TP_VER_TLS12, true), http, sizeof http - 1, false,
                                false, &r));
    assert_int_equal(r.outcome, PROBE_UNKNOWN);
    /* endless well-framed handshake data: the byte cap ends it */
    uint8_t *big = calloc(1, PROBE_MAX_BYTES);
    assert_non_null(big);
    for (size_t off = 0; off + 5 + 16384 <= PROBE_MAX_BYTES; off += 5 + 16384) {
        big[off] = 22;
        big[off + 1] = 3;
        big[off + 2] = 3;
        big[off + 3] = 0x40;
        big[off + 4] = 0x00;
    }
    big[5] = 2; /* a ServerHello claiming 16 MiB */
    big[6] = 0xff;
    big[7] = 0xff;
    big[8] = 0xff;
    assert_true(probe_interpret(spec_for(TP_VER_TLS12, true), big, PROBE_MAX_BYTES, false, false,
                                &r));
    assert_int_equal(r.outcome, PROBE_UNKNOWN);
    free(big);
}

static void test_ssl2_replies(void **state)
{
    (void)state;
    struct probe_result r = {0};
    /* SERVER-HELLO: no session hit, X.509, version 2, a 4-byte "certificate",
     * two kinds, a 16-byte connection id. */
    uint8_t msg[64];
    size_t n = 0;
    const uint8_t head[] = {4, 0, 1, 0, 2, 0, 4, 0, 6, 0, 16};
    memcpy(msg + 2, head, sizeof head);
    n = 2 + sizeof head;
    memcpy(msg + n, "\x30\x02\x05\x00", 4);
    n += 4;
    memcpy(msg + n, "\x01\x00\x80\x07\x00\xc0", 6);
    n += 6;
    memset(msg + n, 0x11, 16);
    n += 16;
    msg[0] = (uint8_t)(0x80 | ((n - 2) >> 8));
    msg[1] = (uint8_t)(n - 2);
    assert_true(probe_interpret(spec_for(TP_VER_SSL2, false), msg, n, false, false, &r));
    assert_int_equal(r.outcome, PROBE_ACCEPTED);
    assert_int_equal(r.version, TP_VER_SSL2);
    assert_int_equal(r.n_ssl2_kinds, 2);
    assert_int_equal(r.ssl2_kinds[0], 0x010080);
    assert_int_equal(r.ssl2_kinds[1], 0x0700c0);
    /* ERROR NO-CIPHER */
    const uint8_t err[] = {0x80, 3, 0, 0, 1};
    assert_true(probe_interpret(spec_for(TP_VER_SSL2, false), err, sizeof err, false, false, &r));
    assert_int_equal(r.outcome, PROBE_REFUSED);
}

static void parse_built(const struct probe_spec *spec, tp_client_hello *ch, tp_writer *wr)
{
    tp_error err = {0};
    tp_wr_init(wr, 0, &err);
    assert_int_equal(probe_build(spec, rnd, wr, &err), TP_OK);
    const uint8_t *p = tp_wr_data(wr);
    /* one record holding one ClientHello */
    assert_int_equal(p[0], 22);
    assert_int_equal(p[5], 1);
    assert_int_equal(tp_ch_parse(p + 9, tp_wr_len(wr) - 9, ch, &err), TP_OK);
}

static void test_build_tls(void **state)
{
    (void)state;
    static struct probe_spec spec;
    tp_client_hello ch;
    tp_writer wr;

    probe_spec_defaults(&spec, TP_VER_TLS13, "example.test");
    spec.n_suites = plan_suite_candidates(TP_VER_TLS13, spec.suites, PLAN_MAX_CODES);
    parse_built(&spec, &ch, &wr);
    assert_int_equal(ch.legacy_version, TP_VER_TLS12);
    assert_int_equal(ch.versions.n, 1);
    assert_int_equal(tp_u16_list_at(&ch.versions, 0), TP_VER_TLS13);
    assert_int_equal(ch.n_key_shares, 2);
    assert_int_equal(ch.suites.n, spec.n_suites);
    tp_wr_finish(&wr);

    spec.empty_key_share = true;
    parse_built(&spec, &ch, &wr);
    assert_int_equal(ch.n_key_shares, 0);
    assert_non_null(tp_ext_find(&ch.exts, 51)); /* key_share present, empty */
    tp_wr_finish(&wr);

    probe_spec_defaults(&spec, TP_VER_TLS10, NULL);
    spec.n_suites = plan_suite_candidates(TP_VER_TLS10, spec.suites, PLAN_MAX_CODES);
    spec.fallback_scsv = true;
    spec.deflate = true;
    spec.max_fragment_length = 1;
    parse_built(&spec, &ch, &wr);
    assert_int_equal(ch.legacy_version, TP_VER_TLS10);
    assert_int_equal(tp_u16_list_at(&ch.suites, ch.suites.n - 1), 0x5600);
    assert_int_equal(ch.n_compression, 2);
    assert_int_equal(ch.compression[0], 1);
    assert_int_equal(ch.versions.n, 0);     /* no supported_versions below 1.3 */
    assert_int_equal(ch.sigalgs.n, 0);      /* signature_algorithms is 1.2+ */
    assert_null(ch.sni);
    assert_non_null(tp_ext_find(&ch.exts, 1));
    assert_non_null(tp_ext_find(&ch.exts, 0xff01));
    tp_wr_finish(&wr);

    probe_spec_defaults(&spec, TP_VER_SSL3, "example.test");
    spec.suites[0] = 0x000a;
    spec.n_suites = 1;
    parse_built(&spec, &ch, &wr);
    assert_int_equal(ch.legacy_version, TP_VER_SSL3);
    assert_false(ch.has_extensions);
    assert_int_equal(ch.suites.n, 2);
    assert_int_equal(tp_u16_list_at(&ch.suites, 1), 0x00ff);
    tp_wr_finish(&wr);
}

/* The tolerated offer for an intolerant server (spec.omit): each part left
 * out is absent, the rest present, and renegotiation_info's SCSV stands in
 * for the extension (RFC 5746 Sec. 3.3). */
static void test_build_omit(void **state)
{
    (void)state;
    static struct probe_spec spec;
    tp_client_hello ch;
    tp_writer wr;
    static const struct {
        uint32_t part;
        uint16_t ext;
    } parts[] = {
        {TP_OFFER_STATUS_REQUEST, 5},        {TP_OFFER_EXTENDED_MASTER_SECRET, 23},
        {TP_OFFER_ENCRYPT_THEN_MAC, 22},     {TP_OFFER_SESSION_TICKET, 35},
        {TP_OFFER_RENEGOTIATION_INFO, 0xff01}, {TP_OFFER_RECORD_SIZE_LIMIT, 28},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        probe_spec_defaults(&spec, TP_VER_TLS12, "example.test");
        spec.suites[0] = 0xC02F;
        spec.n_suites = 1;
        spec.record_size_limit = 512;
        spec.omit = parts[i].part;
        parse_built(&spec, &ch, &wr);
        for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
            if (k == i)
                assert_null(tp_ext_find(&ch.exts, parts[k].ext));
            else
                assert_non_null(tp_ext_find(&ch.exts, parts[k].ext));
        }
        bool scsv = tp_u16_list_at(&ch.suites, ch.suites.n - 1) == 0x00ff;
        assert_true(scsv == (parts[i].part == TP_OFFER_RENEGOTIATION_INFO));
        tp_wr_finish(&wr);
    }
    /* Padding (RFC 7685) is added where a hello would fall in 256..511
     * bytes: find such a hello, then leave it out. */
    bool padded = false;
    size_t n = 1;
    for (; n < 120 && !padded; n++) {
        probe_spec_defaults(&spec, TP_VER_TLS12, "example.test");
        spec.n_suites = plan_suite_candidates(TP_VER_TLS12, spec.suites, n);
        parse_built(&spec, &ch, &wr);
        padded = tp_ext_find(&ch.exts, 21) != NULL;
        tp_wr_finish(&wr);
    }
    assert_true(padded);
    spec.omit = TP_OFFER_PADDING;
    parse_built(&spec, &ch, &wr);
    assert_null(tp_ext_find(&ch.exts, 21));
    assert_non_null(tp_ext_find(&ch.exts, 5));
    tp_wr_finish(&wr);
}

static void test_build_ssl2(void **state)
{
    (void)state;
    static struct probe_spec spec;
    tp_writer wr;
    tp_error err = {0};
    tp_ssl2_client_hello ch;
    probe_spec_defaults(&spec, TP_VER_SSL2, NULL);
    assert_int_equal(spec.kind, PROBE_SSL2);
    tp_wr_init(&wr, 0, &err);
    assert_int_equal(probe_build(&spec, rnd, &wr, &err), TP_OK);
    const uint8_t *p = tp_wr_data(&wr);
    assert_true(p[0] & 0x80);
    assert_int_equal(tp_ssl2_ch_parse(p + 2, tp_wr_len(&wr) - 2, &ch, &err), TP_OK);
    assert_int_equal(ch.version, 0x0002);
    assert_int_equal(ch.n_kinds, 13);
    tp_wr_finish(&wr);

    probe_spec_defaults(&spec, TP_VER_TLS12, NULL);
    tp_wr_init(&wr, 0, &err);
    assert_int_not_equal(probe_build(&spec, rnd, &wr, &err), TP_OK); /* no suite */
    tp_wr_finish(&wr);
}

/* A TLS 1.3 probe with a PSK: pre_shared_key last, its binder the one
 * tls_psk_binder() computes over the hello up to the binders, over
 * SHA-256 unless only SHA-384 suites are offered; the modes as asked. */
static void check_psk_probe(const uint16_t *suites, size_t n, size_t want_hash_len,
                            enum tls_psk_hash hash)
{
    static const uint8_t key[] = {0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18};
    struct probe_spec spec;
    probe_spec_defaults(&spec, TP_VER_TLS13, "example.org");
    memcpy(spec.suites, suites, n * sizeof suites[0]);
    spec.n_suites = n;
    spec.psk_identity = (const uint8_t *)"dev1";
    spec.psk_identity_len = 4;
    spec.psk_key = key;
    spec.psk_key_len = sizeof key;
    spec.psk_dhe_ke = true;
    tp_error err = {0};
    tp_writer wr;
    tp_wr_init(&wr, 0, &err);
    assert_int_equal(probe_build(&spec, rnd, &wr, &err), TP_OK);
    const uint8_t *rec = tp_wr_data(&wr);
    size_t rec_len = tp_wr_len(&wr);
    assert_true(rec_len > 5 + 4);
    const uint8_t *msg = rec + 5;
    size_t len = rec_len - 5;
    assert_int_equal((size_t)(rec[3] << 8 | rec[4]), len);
    tp_client_hello ch;
    assert_int_equal(tp_ch_parse(msg + 4, len - 4, &ch, &err), TP_OK);
    assert_int_equal(ch.exts.ext[ch.exts.n - 1].type, TP_EXT_PRE_SHARED_KEY);
    assert_int_equal(ch.n_psk_modes, 1);
    assert_int_equal(ch.psk_modes[0], PROBE_PSK_DHE_KE);
    assert_int_equal(msg[len - want_hash_len - 1], want_hash_len);
    uint8_t binder[TLS_PSK_MAX_BINDER];
    size_t truncated = len - want_hash_len - 3;
    assert_int_equal(tls_psk_binder(hash, TLS_PSK_EXTERNAL, key, sizeof key, msg, truncated,
                                    binder, &err),
                     TP_OK);
    assert_memory_equal(msg + len - want_hash_len, binder, want_hash_len);
    tp_wr_finish(&wr);
}

static void test_psk_probe_binder(void **state)
{
    (void)state;
    static const uint16_t mixed[] = {0x1302, 0x1301, 0x1303};
    static const uint16_t sha384_only[] = {0x1302};
    check_psk_probe(mixed, 3, 32, TLS_PSK_SHA256);
    check_psk_probe(sha384_only, 1, 48, TLS_PSK_SHA384);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_close_and_reset),
        cmocka_unit_test(test_alert),
        cmocka_unit_test(test_server_hello_and_flight),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_hostile_bytes),
        cmocka_unit_test(test_ssl2_replies),
        cmocka_unit_test(test_half_closed_flight),
        cmocka_unit_test(test_build_tls),
        cmocka_unit_test(test_build_omit),
        cmocka_unit_test(test_build_ssl2),
        cmocka_unit_test(test_psk_probe_binder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
