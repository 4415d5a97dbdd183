/* test_vuln.c: the decisions of the vulnerability checks (src/vuln/) from
 * replies built by hand, the heartbeat builder and parser, the reply
 * scanner, and the checks derived from --enum's results. The probes
 * themselves run in tests/integration/test_vulns.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/scan_model.h"
#include "vuln/checks.h"
#include "vuln/pace.h"
#include "wire/heartbeat.h"
#include "wire/record.h"
#include "wire/registry.h"
#include "wire/ticket.h"
#include "util/banned.h"

/* Append one record to buf at *len. */
static void put_record(uint8_t *buf, size_t *len, uint8_t type, const uint8_t *body, size_t n)
{
    buf[(*len)++] = type;
    buf[(*len)++] = 3;
    buf[(*len)++] = 3;
    buf[(*len)++] = (uint8_t)(n >> 8);
    buf[(*len)++] = (uint8_t)n;
    memcpy(buf + *len, body, n);
    *len += n;
}

static void test_heartbeat_roundtrip(void **state)
{
    (void)state;
    tp_writer wr;
    tp_wr_init(&wr, 0, NULL);
    tp_heartbeat_write(&wr, TP_VER_TLS12, 16384, NULL, 0, 0);
    assert_int_equal(tp_wr_status(&wr), TP_OK);
    const uint8_t *p = tp_wr_data(&wr);
    assert_int_equal(tp_wr_len(&wr), 5 + 3);
    assert_int_equal(p[0], TP_CT_HEARTBEAT);
    assert_int_equal(p[4], 3);
    tp_heartbeat hb;
    assert_int_equal(tp_heartbeat_parse(p + 5, 3, &hb, NULL), TP_OK);
    assert_int_equal(hb.type, TP_HB_REQUEST);
    assert_int_equal(hb.payload_length, 16384);
    assert_int_equal(hb.bytes_after_header, 0);
    /* Truncated: the length field is cut. */
    assert_int_not_equal(tp_heartbeat_parse(p + 5, 2, &hb, NULL), TP_OK);
    tp_wr_finish(&wr);
}

static void test_reply_scan(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t len = 0;
    static const uint8_t hb[] = {TP_HB_RESPONSE, 0, 40, 1, 2, 3};
    static const uint8_t al[] = {2, 10};
    put_record(buf, &len, TP_CT_HEARTBEAT, hb, sizeof hb);
    put_record(buf, &len, TP_CT_ALERT, al, sizeof al);
    tp_reply r;
    tp_reply_scan(buf, len, &r);
    assert_false(r.malformed);
    assert_false(r.partial);
    assert_int_equal(r.records, 2);
    assert_true(r.has_heartbeat);
    assert_int_equal(r.heartbeat.payload_length, 40);
    assert_int_equal(r.heartbeat_index, 0);
    assert_true(r.has_alert);
    assert_int_equal(r.alert.description, 10);
    assert_int_equal(r.alert_index, 1);
    /* Cut inside the second record: only the first counts. */
    tp_reply_scan(buf, len - 1, &r);
    assert_true(r.partial);
    assert_int_equal(r.records, 1);
    assert_false(r.has_alert);
    /* Not a TLS content type. */
    buf[0] = 99;
    tp_reply_scan(buf, len, &r);
    assert_true(r.malformed);
    assert_false(r.has_heartbeat);
}

static tp_reply reply_of(const uint8_t *buf, size_t len)
{
    tp_reply r;
    tp_reply_scan(buf, len, &r);
    return r;
}

static void test_heartbleed_decision(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t len = 0;
    struct vuln_answer a;
    static const uint8_t leak[] = {TP_HB_RESPONSE, 0x40, 0x00, 0xde, 0xad};
    static const uint8_t al[] = {2, 10};
    put_record(buf, &len, TP_CT_HEARTBEAT, leak, sizeof leak);
    tp_reply r = reply_of(buf, len);
    vuln_decide_heartbleed(&r, REPLY_DECIDED, true, &a);
    assert_int_equal(a.result, TP_VULN_YES);

    len = 0;
    put_record(buf, &len, TP_CT_ALERT, al, sizeof al);
    r = reply_of(buf, len);
    vuln_decide_heartbleed(&r, REPLY_DECIDED, true, &a);
    assert_int_equal(a.result, TP_VULN_NO);
    assert_non_null(strstr(a.detail, "unexpected_message"));

    /* The alert came first: the heartbeat reply after it is not ours. */
    put_record(buf, &len, TP_CT_HEARTBEAT, leak, sizeof leak);
    r = reply_of(buf, len);
    vuln_decide_heartbleed(&r, REPLY_DECIDED, true, &a);
    assert_int_equal(a.result, TP_VULN_NO);

    /* A well-formed empty response is no leak. */
    static const uint8_t empty[] = {TP_HB_RESPONSE, 0, 0};
    len = 0;
    put_record(buf, &len, TP_CT_HEARTBEAT, empty, sizeof empty);
    r = reply_of(buf, len);
    vuln_decide_heartbleed(&r, REPLY_DECIDED, true, &a);
    assert_int_equal(a.result, TP_VULN_NO);

    /* Silence is what RFC 6520 asks for; a reset says nothing. */
    r = reply_of(buf, 0);
    vuln_decide_heartbleed(&r, REPLY_TIMEOUT, false, &a);
    assert_int_equal(a.result, TP_VULN_NO);
    vuln_decide_heartbleed(&r, REPLY_RESET, false, &a);
    assert_int_equal(a.result, TP_VULN_UNKNOWN);
}

static void test_ccs_decision(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t len = 0;
    struct vuln_answer a;
    static const uint8_t unexpected[] = {2, 10};
    static const uint8_t bad_mac[] = {2, 20};
    put_record(buf, &len, TP_CT_ALERT, unexpected, sizeof unexpected);
    tp_reply refused = reply_of(buf, len);
    tp_reply nothing = reply_of(buf, 0);
    vuln_decide_ccs(&refused, REPLY_DECIDED, NULL, REPLY_TIMEOUT, &a);
    assert_int_equal(a.result, TP_VULN_NO);
    vuln_decide_ccs(&nothing, REPLY_CLOSED, NULL, REPLY_TIMEOUT, &a);
    assert_int_equal(a.result, TP_VULN_NO);
    vuln_decide_ccs(&nothing, REPLY_RESET, NULL, REPLY_TIMEOUT, &a);
    assert_int_equal(a.result, TP_VULN_UNKNOWN);

    len = 0;
    put_record(buf, &len, TP_CT_ALERT, bad_mac, sizeof bad_mac);
    tp_reply mac = reply_of(buf, len);
    vuln_decide_ccs(&nothing, REPLY_TIMEOUT, &mac, REPLY_DECIDED, &a);
    assert_int_equal(a.result, TP_VULN_YES);
    /* Silence, then a refusal of the second: not the bug's signature. */
    vuln_decide_ccs(&nothing, REPLY_TIMEOUT, &refused, REPLY_DECIDED, &a);
    assert_int_equal(a.result, TP_VULN_UNKNOWN);
    vuln_decide_ccs(&nothing, REPLY_TIMEOUT, &nothing, REPLY_TIMEOUT, &a);
    assert_int_equal(a.result, TP_VULN_UNKNOWN);
}

static void fill(char classes[2][ROBOT_VECTORS][ROBOT_CLASS_LEN], const char *cls)
{
    for (unsigned r = 0; r < 2; r++)
        for (unsigned v = 0; v < ROBOT_VECTORS; v++)
            strncpy(classes[r][v], cls, ROBOT_CLASS_LEN - 1);
}

static void test_robot_decision(void **state)
{
    (void)state;
    char classes[2][ROBOT_VECTORS][ROBOT_CLASS_LEN];
    bool failed[2][ROBOT_VECTORS];
    struct vuln_answer a;
    memset(classes, 0, sizeof classes);
    memset(failed, 0, sizeof failed);
    fill(classes, "alert bad_record_mac (20), close");
    vuln_decide_robot(classes, failed, "(v)", &a);
    assert_int_equal(a.result, TP_VULN_NO);

    /* Vector 2 differs, in both rounds: an oracle. */
    strncpy(classes[0][1], "alert handshake_failure (40), close", ROBOT_CLASS_LEN - 1);
    strncpy(classes[1][1], "alert handshake_failure (40), close", ROBOT_CLASS_LEN - 1);
    vuln_decide_robot(classes, failed, "(v)", &a);
    assert_int_equal(a.result, TP_VULN_YES);
    assert_non_null(strstr(a.detail, "vector 2"));

    /* The difference did not repeat: noise, not an oracle. */
    strncpy(classes[1][1], "alert bad_record_mac (20), close", ROBOT_CLASS_LEN - 1);
    vuln_decide_robot(classes, failed, "(v)", &a);
    assert_int_equal(a.result, TP_VULN_UNKNOWN);

    /* A failed connection leaves the question open. */
    fill(classes, "alert bad_record_mac (20), close");
    failed[1][4] = true;
    vuln_decide_robot(classes, failed, "(v)", &a);
    assert_int_equal(a.result, TP_VULN_UNKNOWN);
}

/* The silence wait: the floor on a fast link, several round trips on a
 * slow one, twice the server's slowest answer for a slow server, never
 * past the scan's longest probe time-out; the patient wait at least 1 s
 * (a confirmation waits longer than the floor it confirms). */
static void test_silence_wait(void **state)
{
    (void)state;
    assert_int_equal(vuln_silence_ms(0, 0), VULN_SILENCE_FLOOR_MS);
    assert_int_equal(vuln_silence_ms(1, 0), VULN_SILENCE_FLOOR_MS);
    assert_int_equal(vuln_silence_ms(VULN_SILENCE_FLOOR_MS / VULN_SILENCE_RTTS, 0),
                     VULN_SILENCE_FLOOR_MS);
    assert_int_equal(vuln_silence_ms(300, 0), 300u * VULN_SILENCE_RTTS);
    assert_int_equal(vuln_silence_ms(UINT32_MAX, 0), 10000u);
    /* A server that took 600 ms to answer a key exchange. */
    assert_int_equal(vuln_silence_ms(1, 600), 1200u);
    assert_int_equal(vuln_silence_ms(1, 100), VULN_SILENCE_FLOOR_MS);
    assert_int_equal(vuln_silence_ms(0, UINT32_MAX), 10000u);
    assert_true(vuln_patience_ms(0, 0) >= 1000u);
    assert_true(vuln_patience_ms(0, 0) > VULN_SILENCE_FLOOR_MS);
    /* A server slow to compute its first flight is given twice that. */
    assert_int_equal(vuln_patience_ms(1, 2500), 5000u);
}

/* The run's round trip is the smallest seen: a connection queued behind
 * another (a server serving one at a time) measured the queue too. */
static void test_min_rtt(void **state)
{
    (void)state;
    assert_int_equal(vuln_min_rtt(false, 0, 40), 40u);
    assert_int_equal(vuln_min_rtt(true, 0, 40), 0u); /* loopback: 0 ms is a measurement */
    assert_int_equal(vuln_min_rtt(true, 30, 900), 30u);
    assert_int_equal(vuln_min_rtt(true, 900, 30), 30u);
}

static void test_pool_size(void **state)
{
    (void)state;
    assert_int_equal(vuln_pool_size(0, 18), VULN_POOL_MAX);
    assert_int_equal(vuln_pool_size(64, 18), VULN_POOL_MAX);
    assert_int_equal(vuln_pool_size(1, 18), 1u); /* --parallel 1: one at a time */
    assert_int_equal(vuln_pool_size(2, 18), 2u);
    assert_int_equal(vuln_pool_size(0, 2), 2u);
    assert_int_equal(vuln_pool_size(0, 0), 1u);
}

/* The checks' limit is --parallel only when given: --enum's default of 8
 * is the scan's. */
static void test_parallel_given(void **state)
{
    (void)state;
    assert_int_equal(vuln_parallel(false, 8), 0u);
    assert_int_equal(vuln_parallel(true, 8), 8u);
    assert_int_equal(vuln_pool_size(vuln_parallel(false, 8), 18), VULN_POOL_MAX);
    assert_int_equal(vuln_pool_size(vuln_parallel(true, 1), 18), 1u);
}

/* The first flight's wait: 10 s, longer only on links whose queue of
 * check connections outlasts it (16 round trips). */
static void test_flight_wait(void **state)
{
    (void)state;
    assert_int_equal(vuln_flight_wait_ms(0), 10000u);
    assert_int_equal(vuln_flight_wait_ms(300), 10000u);
    assert_int_equal(vuln_flight_wait_ms(625), 10000u);
    assert_int_equal(vuln_flight_wait_ms(1600), 25600u);
    assert_int_equal(vuln_flight_wait_ms(UINT32_MAX), UINT32_MAX);
}

/* ROBOT's vectors: all five at once unless --parallel is smaller. */
static void test_vector_batch(void **state)
{
    (void)state;
    assert_int_equal(vuln_vector_batch(0), 5u);
    assert_int_equal(vuln_vector_batch(8), 5u);
    assert_int_equal(vuln_vector_batch(2), 2u);
    assert_int_equal(vuln_vector_batch(1), 1u);
}

/* --max-connections: the checks get what the scan left; --delay spaces
 * their starts as the scan's. */
static void test_gate(void **state)
{
    (void)state;
    struct vuln_gate g;
    uint64_t at = 0;
    vuln_gate_init(&g, 0, 500, 0); /* no budget given: unlimited */
    for (int i = 0; i < 1000; i++)
        assert_true(vuln_gate_take(&g, 7, &at));
    assert_int_equal(at, 7);

    vuln_gate_init(&g, 12, 10, 0);
    assert_true(vuln_gate_take(&g, 0, &at));
    assert_true(vuln_gate_take(&g, 0, &at));
    assert_false(vuln_gate_take(&g, 0, &at));
    vuln_gate_init(&g, 10, 10, 0); /* the scan spent it all */
    assert_false(vuln_gate_take(&g, 0, &at));
    vuln_gate_init(&g, 10, 25, 0); /* more than the budget (retries) */
    assert_false(vuln_gate_take(&g, 0, &at));

    vuln_gate_init(&g, 0, 0, 20);
    assert_true(vuln_gate_take(&g, 1000, &at));
    assert_int_equal(at, 1000);
    assert_true(vuln_gate_take(&g, 1000, &at)); /* asked at once: 20 ms later */
    assert_int_equal(at, 1000 + 20000000ull);
    assert_true(vuln_gate_take(&g, 1000 + 60000000ull, &at)); /* long after: at once */
    assert_int_equal(at, 1000 + 60000000ull);
}

/* ROBOT's rounds: quick only once the server has been timed answering a
 * key exchange; five alike answers decide at once; a difference is asked
 * again patiently, and after a quick round 1 twice (round 1 may hold a
 * slow answer cut short), so that two patient rounds decide. */
static void test_robot_rounds(void **state)
{
    (void)state;
    assert_true(vuln_robot_first_patient(false));
    assert_false(vuln_robot_first_patient(true));

    struct robot_step s = vuln_robot_step(1, true, false);
    assert_false(s.another);
    assert_int_equal(s.first, 0);
    assert_int_equal(s.second, 0);
    assert_false(vuln_robot_step(1, true, true).another);

    /* Patient round 1 differs: round 2, then rounds 1 and 2 decide. */
    assert_true(vuln_robot_step(1, false, true).another);
    s = vuln_robot_step(2, false, true);
    assert_false(s.another);
    assert_int_equal(s.first, 0);
    assert_int_equal(s.second, 1);
    s = vuln_robot_step(2, true, true); /* alike in round 2: still 1 vs 2 (unknown) */
    assert_false(s.another);
    assert_int_equal(s.second, 1);

    /* Quick round 1 differs: rounds 2 and 3, both patient, decide. */
    assert_true(vuln_robot_step(1, false, false).another);
    assert_true(vuln_robot_step(2, false, false).another);
    assert_true(vuln_robot_step(2, true, false).another);
    s = vuln_robot_step(3, false, false);
    assert_false(s.another);
    assert_int_equal(s.first, 1);
    assert_int_equal(s.second, 2);
}

/* A scan with TLS 1.2 and 1.3 known supported and every older version known
 * refused, holding the given TLS 1.2 suites. */
static void scan_with(struct tp_scan *s, const uint16_t *codes, size_t n)
{
    tp_scan_init(s);
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++)
        s->protocols[i].supported =
            s->protocols[i].version >= TP_VER_TLS12 ? TP_TRI_YES : TP_TRI_NO;
    for (size_t i = 0; i < n; i++) {
        struct tp_scan_suite *su = tp_scan_add_suite(s);
        assert_non_null(su);
        su->version = TP_VER_TLS12;
        su->code = codes[i];
        assert_int_equal(tp_set_str(&su->name, tp_suite_name(tp_suite_by_code(codes[i]))),
                         TP_OK);
    }
}

static bool rsa_kx_only(uint16_t code)
{
    return code == 0x002F; /* TLS_RSA_WITH_AES_128_CBC_SHA */
}

/* A refused hello is an answer without --enum, and in doubt when the scan
 * had a suite of the same kind accepted (the hello's shape was refused). */
static void test_refusal_in_doubt(void **state)
{
    (void)state;
    struct tp_scan s;
    struct vuln_answer a = {TP_VULN_NO, ""};
    struct vuln_input none = {NULL};
    assert_false(vuln_refusal_in_doubt(&none, NULL, "alert decode_error (50)", &a));
    assert_int_equal(a.result, TP_VULN_NO);

    static const uint16_t ecdhe[] = {0xC02F};
    scan_with(&s, ecdhe, 1);
    struct vuln_input in = {&s};
    assert_false(vuln_refusal_in_doubt(&in, rsa_kx_only, "alert decode_error (50)", &a));
    assert_true(vuln_refusal_in_doubt(&in, NULL, "alert decode_error (50)", &a));
    assert_int_equal(a.result, TP_VULN_UNKNOWN);
    assert_non_null(strstr(a.detail, "decode_error"));
    assert_non_null(strstr(a.detail, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
    tp_scan_finish(&s);

    static const uint16_t rsa[] = {0xC02F, 0x002F};
    scan_with(&s, rsa, 2);
    a.result = TP_VULN_NO;
    assert_true(vuln_refusal_in_doubt(&in, rsa_kx_only, "a close", &a));
    assert_int_equal(a.result, TP_VULN_UNKNOWN);
    tp_scan_finish(&s);
}

static void test_derived(void **state)
{
    (void)state;
    struct tp_scan s;
    struct vuln_answer a;
    struct vuln_input none = {NULL};
    vuln_sweet32(NULL, &none, &a);
    assert_int_equal(a.result, TP_VULN_UNKNOWN);
    assert_non_null(strstr(a.detail, "needs --enum"));

    static const uint16_t modern[] = {0xC02F, 0x1301};
    scan_with(&s, modern, 2);
    struct vuln_input in = {&s};
    vuln_sweet32(NULL, &in, &a);
    assert_int_equal(a.result, TP_VULN_NO);
    vuln_drown(NULL, &in, &a);
    assert_int_equal(a.result, TP_VULN_NO);
    vuln_poodle_tls(NULL, &in, &a);
    assert_int_equal(a.result, TP_VULN_NO);
    /* An unknown version might hide suites: no "no". */
    s.protocols[0].supported = TP_TRI_UNKNOWN;
    vuln_drown(NULL, &in, &a);
    assert_int_equal(a.result, TP_VULN_UNKNOWN);
    tp_scan_finish(&s);

    /* 3DES (SWEET32) and a CBC suite (POODLE over TLS stays unknown). */
    static const uint16_t old[] = {0x000A, 0x002F};
    scan_with(&s, old, 2);
    in.scan = &s;
    vuln_sweet32(NULL, &in, &a);
    assert_int_equal(a.result, TP_VULN_YES);
    vuln_poodle_tls(NULL, &in, &a);
    assert_int_equal(a.result, TP_VULN_UNKNOWN);
    vuln_lucky13(NULL, &in, &a);
    assert_int_equal(a.result, TP_VULN_UNKNOWN);
    vuln_beast(NULL, &in, &a);
    assert_int_equal(a.result, TP_VULN_NO); /* TLS 1.2 only */
    tp_scan_finish(&s);
}

static void test_ticketbleed_decision(void **state)
{
    (void)state;
    struct vuln_answer a;
    uint8_t sid32[32];
    memset(sid32, 0xab, sizeof sid32);
    sid32[0] = 0x42;
    tp_server_hello sh;
    memset(&sh, 0, sizeof sh);
    sh.session_id = sid32;
    sh.session_id_len = 32;
    vuln_decide_ticketbleed(&sh, true, 0x42, &a);
    assert_int_equal(a.result, TP_VULN_YES);
    /* A full handshake with a fresh 32-byte ID that happens to start with
     * our byte: no resumption, no verdict. */
    vuln_decide_ticketbleed(&sh, false, 0x42, &a);
    assert_int_equal(a.result, TP_VULN_UNKNOWN);
    sh.session_id_len = 1;
    vuln_decide_ticketbleed(&sh, true, 0x42, &a);
    assert_int_equal(a.result, TP_VULN_NO);
}

static void test_ticket_find(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t len = 0;
    /* ServerHelloDone, then NewSessionTicket (lifetime 7200, 20-byte
     * ticket) split over two records, then ChangeCipherSpec. */
    static const uint8_t done[] = {14, 0, 0, 0};
    uint8_t nst[4 + 4 + 2 + 20] = {4, 0, 0, 26, 0, 0, 0x1c, 0x20, 0, 20};
    for (size_t i = 0; i < 20; i++)
        nst[10 + i] = (uint8_t)i;
    static const uint8_t ccs[] = {1};
    put_record(buf, &len, TP_CT_HANDSHAKE, done, sizeof done);
    put_record(buf, &len, TP_CT_HANDSHAKE, nst, 7);
    put_record(buf, &len, TP_CT_HANDSHAKE, nst + 7, sizeof nst - 7);
    put_record(buf, &len, TP_CT_CHANGE_CIPHER_SPEC, ccs, sizeof ccs);
    tp_ticket t;
    assert_int_equal(tp_ticket_find(buf, len, &t, NULL), TP_OK);
    assert_true(t.found);
    assert_int_equal(t.lifetime_hint, 7200);
    assert_int_equal(t.len, 20);
    assert_int_equal(t.ticket[19], 19);
    tp_ticket_finish(&t);
    /* A ticket after the ChangeCipherSpec is protected: not read. */
    len = 0;
    put_record(buf, &len, TP_CT_CHANGE_CIPHER_SPEC, ccs, sizeof ccs);
    put_record(buf, &len, TP_CT_HANDSHAKE, nst, sizeof nst);
    assert_int_equal(tp_ticket_find(buf, len, &t, NULL), TP_OK);
    assert_false(t.found);
    /* The ticket vector overruns the message. */
    len = 0;
    nst[9] = 30;
    put_record(buf, &len, TP_CT_HANDSHAKE, nst, sizeof nst);
    assert_int_not_equal(tp_ticket_find(buf, len, &t, NULL), TP_OK);
    assert_false(t.found);
    assert_null(t.ticket);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heartbeat_roundtrip), cmocka_unit_test(test_reply_scan),
        cmocka_unit_test(test_heartbleed_decision), cmocka_unit_test(test_ccs_decision),
        cmocka_unit_test(test_robot_decision),      cmocka_unit_test(test_derived),
        cmocka_unit_test(test_ticketbleed_decision), cmocka_unit_test(test_ticket_find),
        cmocka_unit_test(test_silence_wait),        cmocka_unit_test(test_min_rtt),
        cmocka_unit_test(test_pool_size),           cmocka_unit_test(test_parallel_given),
        cmocka_unit_test(test_flight_wait),           cmocka_unit_test(test_robot_rounds),
        cmocka_unit_test(test_vector_batch),        cmocka_unit_test(test_gate),
        cmocka_unit_test(test_refusal_in_doubt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
