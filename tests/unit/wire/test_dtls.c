/* Unit tests for src/wire/dtls.c: DTLS record and handshake headers
 * (RFC 6347 Sec. 4.1, 4.2.2), the HelloVerifyRequest (Sec. 4.2.1) and the
 * datagram summary, on datagrams captured between GnuTLS's DTLS client
 * and gnutls-serv --udp (data/README.md), their truncations and their
 * length fields off by one; and the DTLS version names. */
#include "wire_test.h"

#include "wire/clienthello.h"
#include "wire/dtls.h"
#include "wire/registry.h"

#include "util/banned.h"

static tp_status parse_datagram(const uint8_t *buf, size_t len, tp_error *err)
{
    tp_dtls_datagram d;
    return tp_dtls_datagram_parse(buf, len, &d, err);
}

static void parse_file(const char *name, tp_dtls_datagram *d, uint8_t **buf, size_t *len)
{
    tp_error err = {0};
    *buf = wt_load(name, len);
    if (tp_dtls_datagram_parse(*buf, *len, d, &err) != TP_OK)
        fail_msg("%s: %s", name, err.msg);
}

static void test_hello_verify_request(void **state)
{
    (void)state;
    tp_dtls_datagram d;
    uint8_t *buf;
    size_t len;
    parse_file("dtls-hvr.bin", &d, &buf, &len);
    assert_int_equal(len, 44);
    assert_int_equal(d.records, 1);
    assert_int_equal(d.protected_records, 0);
    assert_int_equal(d.hs_fragments, 1);
    assert_int_equal(d.first_msg_type, TP_HS_HELLO_VERIFY_REQUEST);
    assert_int_equal(d.record_version, TP_VER_DTLS10); /* RFC 6347 Sec. 4.2.1 */
    assert_true(d.has_hvr);
    assert_int_equal(d.hvr.server_version, 0xFEFF);
    assert_int_equal(d.hvr.cookie_len, 16);
    assert_ptr_equal(d.hvr.cookie, buf + 13 + 12 + 3);

    size_t none[1] = {0};
    wt_truncate_all(parse_datagram, buf, len, none, 0);
    wt_fields fs = {.n = 0};
    wt_add(&fs, 11, 2, "DTLS record|DTLS handshake");
    wt_add(&fs, 22, 3, "DTLS handshake");
    wt_add(&fs, 13 + 12 + 2, 1, "HelloVerifyRequest");
    wt_mutate_lengths(parse_datagram, buf, len, &fs);
    free(buf);
}

/* The ClientHello that answers the HelloVerifyRequest carries its cookie
 * (RFC 6347 Sec. 4.2.1) and the next message_seq (Sec. 4.2.2). */
static void test_client_hellos(void **state)
{
    (void)state;
    tp_dtls_datagram first, second, hvr;
    uint8_t *b1, *b2, *bh;
    size_t l1, l2, lh;
    parse_file("dtls-clienthello.bin", &first, &b1, &l1);
    parse_file("dtls-clienthello-cookie.bin", &second, &b2, &l2);
    parse_file("dtls-hvr.bin", &hvr, &bh, &lh);
    assert_int_equal(first.first_msg_type, 1);
    assert_int_equal(first.min_message_seq, 0);
    assert_int_equal(second.first_msg_type, 1);
    assert_int_equal(second.min_message_seq, 1);
    assert_false(first.has_hvr || second.has_hvr);
    /* body: client_version, random[32], session_id<0..32>, cookie<0..255> */
    size_t body = 13 + 12;
    size_t sid = body + 2 + 32;
    assert_int_equal(b1[sid], 0);
    assert_int_equal(b1[sid + 1], 0); /* no cookie yet */
    assert_int_equal(b2[sid + 1], hvr.hvr.cookie_len);
    assert_memory_equal(b2 + sid + 2, hvr.hvr.cookie, hvr.hvr.cookie_len);
    assert_int_equal(l2, l1 + hvr.hvr.cookie_len);

    size_t none[1] = {0};
    wt_truncate_all(parse_datagram, b2, l2, none, 0);
    wt_fields fs = {.n = 0};
    wt_add(&fs, 11, 2, "DTLS record|DTLS handshake");
    wt_add(&fs, 22, 3, "DTLS handshake");
    wt_mutate_lengths(parse_datagram, b2, l2, &fs);
    free(b1);
    free(b2);
    free(bh);
}

/* A Certificate larger than the MTU arrives in fragments (RFC 6347 Sec.
 * 4.2.3): each lies within the message's length. */
static void test_fragments(void **state)
{
    (void)state;
    tp_dtls_datagram d;
    uint8_t *buf;
    size_t len;
    parse_file("dtls-cert-fragment.bin", &d, &buf, &len);
    assert_true(len <= 600);
    assert_int_equal(d.first_msg_type, 11);
    assert_int_equal(d.first_message_seq, 1);

    tp_error err = {0};
    tp_reader rd, body;
    tp_dtls_record rec;
    tp_dtls_hs_fragment f;
    tp_rd_init(&rd, buf, len, &err);
    assert_int_equal(tp_dtls_record_read(&rd, &rec), TP_OK);
    assert_int_equal(rec.epoch, 0);
    tp_rd_init(&body, rec.fragment, rec.length, &err);
    assert_int_equal(tp_dtls_hs_read(&body, &f), TP_OK);
    assert_true(f.fragment_length < f.length); /* a fragment, not the message */
    assert_true(f.fragment_offset + f.fragment_length <= f.length);

    /* A fragment that reaches beyond its message is refused. */
    uint8_t *bad = malloc(len);
    assert_non_null(bad);
    memcpy(bad, buf, len);
    wt_put(bad + 13 + 6, 3, f.length); /* fragment_offset = length */
    assert_int_equal(parse_datagram(bad, len, &err), TP_E_PARSE);
    assert_non_null(strstr(err.msg, "beyond the message length"));
    free(bad);
    free(buf);

    parse_file("dtls-server-flight.bin", &d, &buf, &len);
    assert_int_equal(d.first_msg_type, 11);
    assert_int_equal(d.first_fragment_offset, 0);
    free(buf);
}

/* Our second flight: ClientKeyExchange in epoch 0, ChangeCipherSpec, and
 * Finished protected in epoch 1 (counted, never looked into). */
static void test_protected_records(void **state)
{
    (void)state;
    tp_dtls_datagram d;
    uint8_t *buf;
    size_t len;
    parse_file("dtls-client-flight.bin", &d, &buf, &len);
    assert_int_equal(d.records, 3);
    assert_int_equal(d.protected_records, 1);
    assert_int_equal(d.hs_fragments, 1);
    assert_int_equal(d.first_msg_type, 16);
    /* Whole records are a valid datagram on their own. */
    tp_error err = {0};
    tp_reader rd;
    tp_dtls_record r1, r2;
    tp_rd_init(&rd, buf, len, &err);
    assert_int_equal(tp_dtls_record_read(&rd, &r1), TP_OK);
    assert_int_equal(tp_dtls_record_read(&rd, &r2), TP_OK);
    size_t ok_at[2] = {13u + r1.length, 13u + r1.length + 13u + r2.length};
    wt_truncate_all(parse_datagram, buf, len, ok_at, 2);
    free(buf);
}

static void test_not_dtls(void **state)
{
    (void)state;
    tp_error err = {0};
    static const uint8_t tls[] = {0x16, 0x03, 0x03, 0x00, 0x01, 0x00};
    assert_int_equal(parse_datagram(tls, sizeof tls, &err), TP_E_PARSE);
    /* A whole TLS-looking header: its version 0x0303 is not 0xFExx. */
    tp_error_clear(&err);
    static const uint8_t tls_hdr[13] = {0x16, 0x03, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(parse_datagram(tls_hdr, sizeof tls_hdr, &err), TP_E_PARSE);
    assert_non_null(strstr(err.msg, "not DTLS"));
    tp_error_clear(&err);
    static const uint8_t bad_type[13] = {0x63, 0xFE, 0xFD};
    assert_int_equal(parse_datagram(bad_type, sizeof bad_type, &err), TP_E_PARSE);
    assert_non_null(strstr(err.msg, "content type"));
    assert_int_equal(parse_datagram(tls, 0, &err), TP_E_PARSE);
    /* An empty handshake record says nothing and is refused. */
    static const uint8_t empty_hs[13] = {0x16, 0xFE, 0xFD};
    assert_int_equal(parse_datagram(empty_hs, sizeof empty_hs, &err), TP_E_PARSE);
    /* Over 2^14 + 2048 (RFC 6347 Sec. 4.1 via RFC 5246 Sec. 6.2.3). */
    tp_error_clear(&err);
    static const uint8_t huge[13] = {0x17, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 0, 0x48, 0x01};
    assert_int_equal(parse_datagram(huge, sizeof huge, &err), TP_E_PARSE);
    assert_non_null(strstr(err.msg, "exceeds"));
}

/* tp_dtls_ch_build mirrors the parser: the cookie after the session id
 * (RFC 6347 Sec. 4.2.1), message_seq and record sequence as asked, one
 * unfragmented message; and it refuses to exceed the MTU. */
static void test_build_client_hello(void **state)
{
    (void)state;
    static const uint8_t rnd[32] = {1, 2, 3};
    static const uint8_t cookie[20] = {0xc0, 0x0c, 0x1e};
    static const uint16_t suites[] = {0xC0A8, 0xC0AE};
    tp_ch_spec spec = {.record_version = TP_VER_DTLS10, .legacy_version = TP_VER_DTLS12,
                       .random = rnd, .suites = suites, .n_suites = 2, .dtls = true,
                       .dtls_cookie = cookie, .dtls_cookie_len = sizeof cookie,
                       .extended_master_secret = true};
    tp_error err = {0};
    tp_writer wr;
    tp_wr_init(&wr, 0, &err);
    assert_int_equal(tp_dtls_ch_build(&spec, 1, 7, 1400, &wr, &err), TP_OK);
    const uint8_t *b = tp_wr_data(&wr);
    size_t len = tp_wr_len(&wr);
    tp_dtls_datagram d;
    assert_int_equal(tp_dtls_datagram_parse(b, len, &d, &err), TP_OK);
    assert_int_equal(d.records, 1);
    assert_int_equal(d.record_version, TP_VER_DTLS10);
    assert_int_equal(d.first_msg_type, 1);
    assert_int_equal(d.min_message_seq, 1);
    assert_int_equal(b[10], 7); /* sequence_number, low byte */
    size_t sid = 13 + 12 + 2 + 32;
    assert_int_equal(b[sid], 0);
    assert_int_equal(b[sid + 1], sizeof cookie);
    assert_memory_equal(b + sid + 2, cookie, sizeof cookie);
    assert_int_equal(wt_get(b + sid + 2 + sizeof cookie, 2), 4); /* cipher_suites length */
    size_t none[1] = {0};
    wt_truncate_all(parse_datagram, b, len, none, 0);

    /* Too big for the MTU: refused, nothing written. */
    tp_writer small;
    tp_wr_init(&small, 0, &err);
    tp_error_clear(&err);
    assert_int_equal(tp_dtls_ch_build(&spec, 0, 0, len - 1, &small, &err), TP_E_LIMIT);
    assert_int_equal(tp_wr_len(&small), 0);
    /* Without .dtls, or a cookie over 255 bytes: a usage error. */
    spec.dtls = false;
    tp_error_clear(&err);
    assert_int_equal(tp_dtls_ch_build(&spec, 0, 0, 1400, &small, &err), TP_E_USAGE);
    spec.dtls = true;
    spec.dtls_cookie_len = 256;
    tp_error_clear(&err);
    assert_int_equal(tp_dtls_ch_build(&spec, 0, 0, 1400, &small, &err), TP_E_USAGE);
    tp_wr_finish(&small);
    tp_wr_finish(&wr);
}

static tp_dtls_hs_fragment frag(const uint8_t *msg, uint8_t type, uint16_t seq, uint32_t length,
                                uint32_t off, uint32_t n)
{
    return (tp_dtls_hs_fragment){.msg_type = type, .length = length, .message_seq = seq,
                                 .fragment_offset = off, .fragment_length = n,
                                 .body = msg + off};
}

/* RFC 6347 Sec. 4.2.3: fragments in any order, repeated and overlapping,
 * make the message once every byte has come; disagreeing lengths and
 * oversized messages are refused. */
static void test_reassembly_of_fragments(void **state)
{
    (void)state;
    uint8_t msg[300];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    tp_dtls_reasm *r = malloc(sizeof *r);
    assert_non_null(r);
    tp_error err = {0};
    bool done = true;
    tp_dtls_reasm_init(r, 2);
    tp_dtls_hs_fragment other_type = frag(msg, 11, 1, 300, 0, 300);
    assert_int_equal(tp_dtls_reasm_feed(r, &other_type, &done, &err), TP_OK);
    assert_false(done);
    tp_dtls_hs_fragment parts[] = {frag(msg, 2, 1, 300, 100, 100), frag(msg, 2, 1, 300, 0, 120),
                                   frag(msg, 2, 1, 300, 0, 120), frag(msg, 2, 1, 300, 150, 150)};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(tp_dtls_reasm_feed(r, &parts[i], &done, &err), TP_OK);
        assert_false(done);
    }
    tp_dtls_hs_fragment other_seq = frag(msg, 2, 5, 300, 200, 100);
    assert_int_equal(tp_dtls_reasm_feed(r, &other_seq, &done, &err), TP_OK);
    assert_false(done);
    assert_int_equal(tp_dtls_reasm_feed(r, &parts[3], &done, &err), TP_OK);
    assert_true(done);
    assert_int_equal(r->length, 300);
    assert_memory_equal(r->body, msg, 300);

    tp_dtls_reasm_init(r, 2);
    tp_dtls_hs_fragment a = frag(msg, 2, 0, 300, 0, 10), b = frag(msg, 2, 0, 299, 10, 10);
    assert_int_equal(tp_dtls_reasm_feed(r, &a, &done, &err), TP_OK);
    assert_int_equal(tp_dtls_reasm_feed(r, &b, &done, &err), TP_E_PARSE);
    assert_non_null(strstr(err.msg, "disagree"));

    tp_error_clear(&err);
    tp_dtls_reasm_init(r, 2);
    tp_dtls_hs_fragment big = frag(msg, 2, 0, TP_DTLS_REASM_MAX + 1, 0, 10);
    assert_int_equal(tp_dtls_reasm_feed(r, &big, &done, &err), TP_E_LIMIT);

    /* A captured Certificate fragment: taken, not yet whole. */
    size_t len;
    uint8_t *buf = wt_load("dtls-cert-fragment.bin", &len);
    tp_error_clear(&err);
    tp_dtls_reasm_init(r, 11);
    assert_int_equal(tp_dtls_reasm_feed_datagram(r, buf, len, &done, &err), TP_OK);
    assert_true(r->started && r->covered > 0 && !done);
    free(buf);
    free(r);
}

static void test_version_names(void **state)
{
    (void)state;
    assert_string_equal(tp_version_name(0xFEFF), "DTLSv1.0");
    assert_string_equal(tp_version_name(0xFEFD), "DTLSv1.2");
    assert_string_equal(tp_version_name(0xFEFC), "DTLSv1.3");
    assert_null(tp_version_name(0xFEFE)); /* never assigned */
    assert_true(tp_version_is_dtls(TP_VER_DTLS12));
    assert_false(tp_version_is_dtls(TP_VER_TLS12));
    assert_int_equal(tp_version_tls_equivalent(TP_VER_DTLS10), TP_VER_TLS11);
    assert_int_equal(tp_version_tls_equivalent(TP_VER_DTLS12), TP_VER_TLS12);
    assert_int_equal(tp_version_tls_equivalent(TP_VER_DTLS13), TP_VER_TLS13);
    assert_int_equal(tp_version_tls_equivalent(TP_VER_TLS10), TP_VER_TLS10);
    assert_true(tp_dtls_is_version(0xFEFD));
    assert_false(tp_dtls_is_version(0x0303));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello_verify_request),
        cmocka_unit_test(test_client_hellos),
        cmocka_unit_test(test_fragments),
        cmocka_unit_test(test_protected_records),
        cmocka_unit_test(test_not_dtls),
        cmocka_unit_test(test_build_client_hello),
        cmocka_unit_test(test_reassembly_of_fragments),
        cmocka_unit_test(test_version_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
