/* test_pq.c: the post-quantum phase's pure parts (scan/pq.h) and the hello
 * it builds (scan/probe.h share_groups, pad_to): key shares of their real
 * sizes in the order asked, padding over one MTU, and the reading of
 * ServerHello, HelloRetryRequest, alerts and silences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scan/pq.h"
#include "scan/probe.h"
#include "wire/clienthello.h"
#include "wire/handshake.h"
#include "wire/keyshare.h"
#include "wire/registry.h"
#include "util/banned.h"

static const uint8_t rnd[64] = {7, 6, 5, 4, 3, 2, 1};

/* Build spec, parse the hello back; returns the wire size. */
static size_t parse_built(const struct probe_spec *spec, tp_client_hello *ch, tp_writer *wr)
{
    tp_error err = {0};
    tp_wr_init(wr, 0, &err);
    assert_int_equal(probe_build(spec, rnd, wr, &err), TP_OK);
    const uint8_t *p = tp_wr_data(wr);
    assert_int_equal(p[0], 22);
    assert_int_equal(p[5], 1);
    assert_int_equal(tp_ch_parse(p + 9, tp_wr_len(wr) - 9, ch, &err), TP_OK);
    return tp_wr_len(wr);
}

/* The key_share entries (RFC 8446 Sec. 4.2.8: group, 2-byte length, data)
 * of a parsed hello: groups and lengths, data pointers into it. */
static size_t shares_of(const tp_client_hello *ch, uint16_t *groups, size_t *lens,
                        const uint8_t **data)
{
    const tp_ext_view *ks = tp_ext_find(&ch->exts, TP_EXT_KEY_SHARE);
    assert_non_null(ks);
    size_t n = 0, p = 2;
    assert_int_equal((size_t)((ks->data[0] << 8) | ks->data[1]) + 2, ks->len);
    while (p < ks->len) {
        groups[n] = (uint16_t)((ks->data[p] << 8) | ks->data[p + 1]);
        lens[n] = (size_t)((ks->data[p + 2] << 8) | ks->data[p + 3]);
        data[n] = ks->data + p + 4;
        p += 4 + lens[n];
        n++;
    }
    assert_int_equal(p, ks->len);
    return n;
}

static void spec13(struct probe_spec *spec)
{
    probe_spec_defaults(spec, TP_VER_TLS13, "example.test");
    spec->n_suites = plan_suite_candidates(TP_VER_TLS13, spec->suites, PLAN_MAX_CODES);
}

static void test_browser_hello(void **state)
{
    (void)state;
    static struct probe_spec spec;
    tp_client_hello ch;
    tp_writer wr;
    uint16_t groups[8];
    size_t lens[8];
    const uint8_t *data[8];

    spec13(&spec);
    spec.share_groups[0] = 0x11ec;
    spec.share_groups[1] = TP_GROUP_X25519;
    spec.n_share_groups = 2;
    size_t plain = parse_built(&spec, &ch, &wr);
    assert_int_equal(shares_of(&ch, groups, lens, data), 2);
    assert_int_equal(groups[0], 0x11ec);
    assert_int_equal(lens[0], 1216);
    assert_true(tp_ks_mlkem_ek_ok(data[0], 1184));
    assert_int_equal(groups[1], TP_GROUP_X25519);
    assert_int_equal(lens[1], 32);
    assert_memory_equal(data[1], rnd + 32, 32);
    tp_wr_finish(&wr);

    /* Padded over one MTU with a padding extension of zeros. */
    spec.pad_to = PQ_BIG_HELLO_BYTES;
    assert_int_equal(parse_built(&spec, &ch, &wr), PQ_BIG_HELLO_BYTES);
    assert_true(plain < PQ_BIG_HELLO_BYTES);
    const tp_ext_view *pad = tp_ext_find(&ch.exts, TP_EXT_PADDING);
    assert_non_null(pad);
    assert_int_equal(pad->len, PQ_BIG_HELLO_BYTES - plain - 4);
    for (size_t i = 0; i < pad->len; i++)
        assert_int_equal(pad->data[i], 0);
    tp_wr_finish(&wr);
    assert_int_equal(pq_hello_bytes(&spec), PQ_BIG_HELLO_BYTES);

    /* A hello already longer is left as it is. */
    spec.pad_to = 100;
    assert_int_equal(parse_built(&spec, &ch, &wr), plain);
    tp_wr_finish(&wr);
}

static void test_every_candidate_share(void **state)
{
    (void)state;
    static struct probe_spec spec;
    tp_client_hello ch;
    tp_writer wr;
    uint16_t cand[PQ_MAX_GROUPS], groups[8];
    size_t lens[8];
    const uint8_t *data[8];
    size_t n = pq_candidates(cand, PQ_MAX_GROUPS);
    assert_int_equal(n, 6);
    assert_int_equal(cand[0], 0x11ec); /* what browsers send first */
    for (size_t i = 0; i < n; i++) {
        tp_ks_layout lay;
        assert_true(tp_ks_layout_of(cand[i], &lay));
        assert_true(pq_is_post_quantum(cand[i], NULL));
        spec13(&spec);
        spec.groups[0] = cand[i];
        spec.n_groups = 1;
        spec.share_groups[0] = cand[i];
        spec.n_share_groups = 1;
        parse_built(&spec, &ch, &wr);
        assert_int_equal(shares_of(&ch, groups, lens, data), 1);
        assert_int_equal(groups[0], cand[i]);
        assert_int_equal(lens[0], lay.client_bytes);
        tp_wr_finish(&wr);
    }
    bool draft = false;
    assert_true(pq_is_post_quantum(0x6399, &draft));
    assert_true(draft);
    assert_true(pq_is_post_quantum(0x11ec, &draft));
    assert_false(draft);
    assert_false(pq_is_post_quantum(TP_GROUP_X25519, NULL));
}

/* A TLS 1.3 ServerHello record with a key_share of share_len bytes for
 * group, or (hrr) a HelloRetryRequest naming group. */
static size_t sh13(uint8_t *out, uint16_t group, size_t share_len, bool hrr)
{
    static const uint8_t hrr_random[32] = {
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
        0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
    size_t ks = hrr ? 2 : 4 + share_len;
    size_t exts = 6 + 4 + ks;
    size_t body = 2 + 32 + 1 + 2 + 1 + 2 + exts;
    size_t n = 0;
    out[n++] = 22, out[n++] = 3, out[n++] = 3;
    out[n++] = (uint8_t)((body + 4) >> 8), out[n++] = (uint8_t)(body + 4);
    out[n++] = 2, out[n++] = 0, out[n++] = (uint8_t)(body >> 8), out[n++] = (uint8_t)body;
    out[n++] = 3, out[n++] = 3;
    if (hrr)
        memcpy(out + n, hrr_random, 32);
    else
        memset(out + n, 0x42, 32);
    n += 32;
    out[n++] = 0;
    out[n++] = 0x13, out[n++] = 0x01, out[n++] = 0;
    out[n++] = (uint8_t)(exts >> 8), out[n++] = (uint8_t)exts;
    out[n++] = 0, out[n++] = 43, out[n++] = 0, out[n++] = 2, out[n++] = 3, out[n++] = 4;
    out[n++] = 0, out[n++] = 51, out[n++] = (uint8_t)(ks >> 8), out[n++] = (uint8_t)ks;
    out[n++] = (uint8_t)(group >> 8), out[n++] = (uint8_t)group;
    if (!hrr) {
        out[n++] = (uint8_t)(share_len >> 8), out[n++] = (uint8_t)share_len;
        memset(out + n, 0x5a, share_len);
        n += share_len;
    }
    return n;
}

static void interpret(const uint8_t *buf, size_t len, bool closed, struct probe_result *res)
{
    static struct probe_spec spec;
    spec13(&spec);
    memset(res, 0, sizeof *res);
    (void)probe_interpret(&spec, buf, len, closed, false, res);
}

static void test_share_answers(void **state)
{
    (void)state;
    static uint8_t buf[4096];
    struct probe_result res;
    struct pq_group g;

    interpret(buf, sh13(buf, 0x11ec, 1120, false), false, &res);
    assert_int_equal(res.key_share_len, 1120);
    memset(&g, 0, sizeof g);
    pq_share_answer(0x11ec, &res, &g);
    assert_int_equal(g.share, TP_TRI_YES);
    assert_int_equal(g.share_len, 1120);
    assert_int_equal(g.share_expected, 1120);
    assert_string_equal(g.why, "ServerHello with a 1120-byte share");

    /* The right group, the wrong size: accepted, and said so. */
    interpret(buf, sh13(buf, 0x11ec, 1088, false), false, &res);
    pq_share_answer(0x11ec, &res, &g);
    assert_int_equal(g.share, TP_TRI_YES);
    assert_int_equal(g.share_len, 1088);
    assert_string_equal(g.why, "ServerHello with a 1088-byte share where the draft gives 1120 bytes");

    interpret(buf, sh13(buf, 0x11ed, 1665, false), false, &res);
    pq_share_answer(0x11ed, &res, &g);
    assert_int_equal(g.share, TP_TRI_YES);
    assert_int_equal(g.share_expected, 1665);

    /* A group not offered. */
    interpret(buf, sh13(buf, TP_GROUP_X25519, 32, false), false, &res);
    pq_share_answer(0x11ec, &res, &g);
    assert_int_equal(g.share, TP_TRI_NO);

    /* An HRR for the group whose share was sent: the share was not taken. */
    interpret(buf, sh13(buf, 0x11ec, 0, true), false, &res);
    pq_share_answer(0x11ec, &res, &g);
    assert_int_equal(g.share, TP_TRI_UNKNOWN);

    static const uint8_t hs_failure[] = {21, 3, 3, 0, 2, 2, 40};
    interpret(hs_failure, sizeof hs_failure, false, &res);
    pq_share_answer(0x11ec, &res, &g);
    assert_int_equal(g.share, TP_TRI_NO);
    assert_string_equal(g.why, "refused: alert handshake_failure (40)");

    interpret(buf, 0, true, &res); /* a close without a byte */
    pq_share_answer(0x11ec, &res, &g);
    assert_int_equal(g.share, TP_TRI_NO);

    memset(&res, 0, sizeof res);
    res.outcome = PROBE_UNKNOWN;
    pq_share_answer(0x11ec, &res, &g);
    assert_int_equal(g.share, TP_TRI_UNKNOWN);
}

static void test_hrr_answers(void **state)
{
    (void)state;
    static uint8_t buf[4096];
    struct probe_result res;
    struct pq_group g;
    memset(&g, 0, sizeof g);

    interpret(buf, sh13(buf, 0x11ec, 0, true), false, &res);
    assert_true(res.hrr);
    pq_hrr_answer(0x11ec, &res, &g);
    assert_int_equal(g.hrr, TP_TRI_YES);

    interpret(buf, sh13(buf, TP_GROUP_X25519, 0, true), false, &res);
    pq_hrr_answer(0x11ec, &res, &g);
    assert_int_equal(g.hrr, TP_TRI_NO);

    static const uint8_t hs_failure[] = {21, 3, 3, 0, 2, 2, 40};
    interpret(hs_failure, sizeof hs_failure, false, &res);
    pq_hrr_answer(0x11ec, &res, &g);
    assert_int_equal(g.hrr, TP_TRI_NO);

    memset(&res, 0, sizeof res);
    res.outcome = PROBE_UNKNOWN;
    pq_hrr_answer(0x11ec, &res, &g);
    assert_int_equal(g.hrr, TP_TRI_UNKNOWN);
}

static void test_large_hello(void **state)
{
    (void)state;
    static uint8_t buf[4096];
    struct probe_result small, big;
    char why[240];

    interpret(buf, sh13(buf, TP_GROUP_X25519, 32, false), false, &small);
    interpret(buf, sh13(buf, 0x11ec, 1120, false), false, &big);
    assert_int_equal(pq_large_hello(&small, &big, 300, 1600, why, sizeof why), TP_TRI_YES);

    /* An alert also shows the hello was read whole. */
    static const uint8_t illegal[] = {21, 3, 3, 0, 2, 2, 47};
    interpret(illegal, sizeof illegal, false, &big);
    assert_int_equal(pq_large_hello(&small, &big, 300, 1600, why, sizeof why), TP_TRI_YES);

    /* Closed without a byte, while the small one was answered. */
    interpret(buf, 0, true, &big);
    assert_int_equal(pq_large_hello(&small, &big, 300, 1600, why, sizeof why), TP_TRI_NO);
    assert_string_equal(why, "a 1600-byte ClientHello got connection closed without an alert, "
                             "the same hello with an x25519 share only (300 bytes) was answered");

    /* Silence: the same. */
    memset(&big, 0, sizeof big);
    big.outcome = PROBE_UNKNOWN;
    big.transport_failure = true;
    assert_int_equal(pq_large_hello(&small, &big, 300, 1600, why, sizeof why), TP_TRI_NO);

    /* Neither answered: nothing to compare. */
    interpret(buf, 0, true, &small);
    assert_int_equal(pq_large_hello(&small, &big, 300, 1600, why, sizeof why), TP_TRI_UNKNOWN);
}

static void test_preference(void **state)
{
    (void)state;
    static uint8_t buf[4096];
    struct probe_result pq, classic, none;
    char why[240];
    interpret(buf, sh13(buf, 0x11ec, 1120, false), false, &pq);
    interpret(buf, sh13(buf, TP_GROUP_X25519, 32, false), false, &classic);
    interpret(buf, 0, true, &none);

    assert_int_equal(pq_preference(0x11ec, 0x1d, &pq, &pq, why, sizeof why), TP_TRI_YES);
    assert_string_equal(why, "X25519MLKEM768 is picked over x25519 in either order (server order)");
    assert_int_equal(pq_preference(0x11ec, 0x1d, &pq, &classic, why, sizeof why), TP_TRI_YES);
    assert_non_null(strstr(why, "the client's order decides"));
    assert_int_equal(pq_preference(0x11ec, 0x1d, &classic, &classic, why, sizeof why), TP_TRI_NO);
    assert_string_equal(why, "x25519 is picked over X25519MLKEM768 in either order (server order)");
    assert_int_equal(pq_preference(0x11ec, 0x1d, &classic, &pq, why, sizeof why), TP_TRI_NO);
    assert_int_equal(pq_preference(0x11ec, 0x1d, &none, &pq, why, sizeof why), TP_TRI_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_browser_hello),
        cmocka_unit_test(test_every_candidate_share),
        cmocka_unit_test(test_share_answers),
        cmocka_unit_test(test_hrr_answers),
        cmocka_unit_test(test_large_hello),
        cmocka_unit_test(test_preference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
