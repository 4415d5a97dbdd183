/* test_plan.c: the pure planning logic of --enum (scan/plan.h): candidate
 * lists, chunking, elimination bookkeeping, order inference and time-out
 * scaling, without sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "scan/plan.h"
#include "wire/registry.h"
#include "util/banned.h"

static bool has(const uint16_t *v, size_t n, uint16_t code)
{
    return plan_elim_contains(v, n, code);
}

static void no_duplicates(const uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = i + 1; k < n; k++)
            assert_int_not_equal(v[i], v[k]);
}

static void test_suite_candidates(void **state)
{
    (void)state;
    uint16_t v[PLAN_MAX_CODES];
    size_t n13 = plan_suite_candidates(TP_VER_TLS13, v, PLAN_MAX_CODES);
    assert_true(n13 >= 5);
    for (size_t i = 0; i < n13; i++)
        assert_true(tp_suite_by_code(v[i])->flags & TP_SF_TLS13);
    assert_true(has(v, n13, 0x1301));
    assert_false(has(v, n13, 0xC02F));

    size_t n12 = plan_suite_candidates(TP_VER_TLS12, v, PLAN_MAX_CODES);
    assert_true(n12 > 300);
    assert_true(n12 < PLAN_MAX_CODES);
    no_duplicates(v, n12);
    assert_true(has(v, n12, 0xC02F));
    assert_true(has(v, n12, 0x0005));   /* RC4: old, still a candidate */
    assert_true(has(v, n12, 0xFEFF));   /* non-IANA, scanners test it */
    assert_false(has(v, n12, 0x00FF));  /* SCSV */
    assert_false(has(v, n12, 0x5600));  /* SCSV */
    assert_false(has(v, n12, 0x0A0A));  /* GREASE */
    assert_false(has(v, n12, 0x1301));  /* TLS 1.3 */
    /* The same list for every version up to 1.2: a server accepting a
     * suite outside its range is a finding. */
    uint16_t w[PLAN_MAX_CODES];
    assert_int_equal(plan_suite_candidates(TP_VER_SSL3, w, PLAN_MAX_CODES), n12);
    assert_memory_equal(v, w, n12 * sizeof v[0]);
    /* The cap is honoured. */
    assert_int_equal(plan_suite_candidates(TP_VER_TLS12, w, 7), 7);

    uint32_t kinds[64];
    size_t nk = plan_ssl2_kinds(kinds, 64);
    assert_int_equal(nk, 13);
    for (size_t i = 0; i < nk; i++)
        assert_non_null(tp_ssl2_kind_by_code(kinds[i]));
}

static void test_group_and_sigscheme_candidates(void **state)
{
    (void)state;
    uint16_t v[PLAN_MAX_CODES];
    size_t n = plan_group_candidates(PLAN_GROUPS_OFFER, v, PLAN_MAX_CODES);
    no_duplicates(v, n);
    assert_int_equal(v[0], 0x001d); /* x25519 first, like real clients */
    assert_true(has(v, n, 0x0100));
    assert_false(has(v, n, 0x0A0A)); /* GREASE */
    assert_false(has(v, n, 0xFF01)); /* explicit-curve marker */

    n = plan_group_candidates(PLAN_GROUPS_ECDHE, v, PLAN_MAX_CODES);
    assert_true(has(v, n, 0x0017));
    assert_true(has(v, n, 0x001d));
    assert_false(has(v, n, 0x0100)); /* FFDHE is not ECDHE */
    assert_false(has(v, n, 0x11EC)); /* hybrid ML-KEM is TLS 1.3 only */

    n = plan_group_candidates(PLAN_GROUPS_TLS13, v, PLAN_MAX_CODES);
    assert_true(has(v, n, 0x0100));
    assert_true(has(v, n, 0x11EC));

    n = plan_sigscheme_candidates(v, PLAN_MAX_CODES);
    no_duplicates(v, n);
    assert_true(has(v, n, 0x0401));
    assert_true(has(v, n, 0x0804));
    assert_true(has(v, n, 0x0807));
    assert_true(has(v, n, 0x0201));
    assert_false(has(v, n, 0x0420)); /* rsa_pkcs1_sha256_legacy: TLS 1.3 */
    assert_false(has(v, n, 0x0904)); /* ML-DSA: TLS 1.3 */
    assert_false(has(v, n, 0x081A)); /* brainpool tls13 */

    assert_int_equal(plan_group_bits(0x001d), 255);
    assert_int_equal(plan_group_bits(0x0018), 384);
    assert_int_equal(plan_group_bits(0x0101), 3072);
    assert_int_equal(plan_group_bits(0x001e), 448);
    assert_int_equal(plan_group_bits(0x001c), 512);
    assert_int_equal(plan_group_bits(0x9999), 0);
}

static void test_chunk_count(void **state)
{
    (void)state;
    assert_int_equal(plan_chunk_count(0, 128, 16, 8), 0);
    assert_int_equal(plan_chunk_count(5, 128, 16, 8), 1);
    assert_int_equal(plan_chunk_count(20, 128, 16, 8), 1);
    assert_int_equal(plan_chunk_count(40, 128, 16, 8), 2);
    assert_int_equal(plan_chunk_count(329, 128, 16, 8), 8);
    /* parallel 1: only as many as the size cap needs */
    assert_int_equal(plan_chunk_count(329, 128, 16, 1), 3);
    assert_int_equal(plan_chunk_count(329, 64, 16, 1), 6);
    /* the size cap wins over the parallelism */
    assert_int_equal(plan_chunk_count(1000, 100, 16, 4), 10);
    assert_int_equal(plan_chunk_count(3, 0, 0, 64), 3);
    /* on a slow link a small set goes one code per hello */
    assert_int_equal(plan_chunk_count_slow(4, 128, 16, 8), 4);
    assert_int_equal(plan_chunk_count_slow(PLAN_ALONE_MAX, 128, 16, 24), PLAN_ALONE_MAX);
    assert_int_equal(plan_chunk_count_slow(5, 128, 16, 3), 1);   /* more than the slots */
    assert_int_equal(plan_chunk_count_slow(5, 128, 16, 1), 1);   /* a fast link */
    assert_int_equal(plan_chunk_count_slow(PLAN_ALONE_MAX + 1, 128, 16, 24), 1);
    assert_int_equal(plan_chunk_count_slow(329, 128, 16, 8), 8); /* as plan_chunk_count */
}

static void test_chunks_are_disjoint_and_cover(void **state)
{
    (void)state;
    uint16_t in[300], part[300], seen[300];
    size_t n_seen = 0;
    for (size_t i = 0; i < 300; i++)
        in[i] = (uint16_t)(1000 + i);
    size_t chunks = plan_chunk_count(300, 128, 16, 8);
    size_t smallest = 300, largest = 0;
    for (size_t c = 0; c < chunks; c++) {
        size_t m = plan_chunk(in, 300, chunks, c, part);
        assert_true(m <= 128);
        smallest = m < smallest ? m : smallest;
        largest = m > largest ? m : largest;
        for (size_t k = 0; k < m; k++) {
            assert_false(has(seen, n_seen, part[k]));
            seen[n_seen++] = part[k];
        }
    }
    assert_int_equal(n_seen, 300);
    assert_true(largest - smallest <= 1);
    assert_int_equal(plan_chunk(in, 300, 0, 0, part), 0);

    uint16_t rev[5], src[5] = {1, 2, 3, 4, 5};
    plan_reverse(src, 5, rev);
    assert_int_equal(rev[0], 5);
    assert_int_equal(rev[4], 1);
}

static void test_elimination(void **state)
{
    (void)state;
    static struct plan_elim e;
    const uint16_t codes[] = {0x10, 0x20, 0x30, 0x40};
    plan_elim_init(&e, codes, 4);
    assert_int_equal(e.state, PLAN_ELIM_RUNNING);
    plan_elim_answer(&e, PLAN_ANSWER_PICK, 0x30, NULL);
    assert_int_equal(e.state, PLAN_ELIM_RUNNING);
    assert_int_equal(e.n_remaining, 3);
    assert_false(has(e.remaining, e.n_remaining, 0x30));
    /* the order of the rest is kept */
    assert_int_equal(e.remaining[0], 0x10);
    assert_int_equal(e.remaining[2], 0x40);
    plan_elim_answer(&e, PLAN_ANSWER_PICK, 0x10, NULL);
    plan_elim_answer(&e, PLAN_ANSWER_REFUSED, 0, NULL);
    assert_int_equal(e.state, PLAN_ELIM_DONE);
    assert_int_equal(e.n_picked, 2);
    assert_int_equal(e.picked[0], 0x30);
    assert_int_equal(e.picked[1], 0x10);
    /* answers after the end change nothing */
    plan_elim_answer(&e, PLAN_ANSWER_PICK, 0x20, NULL);
    assert_int_equal(e.n_picked, 2);

    /* everything accepted: done without a final refusal */
    plan_elim_init(&e, codes, 2);
    plan_elim_answer(&e, PLAN_ANSWER_PICK, 0x20, NULL);
    plan_elim_answer(&e, PLAN_ANSWER_PICK, 0x10, NULL);
    assert_int_equal(e.state, PLAN_ELIM_DONE);

    /* a pick that was not offered: recorded, and the rest is unknown */
    plan_elim_init(&e, codes, 4);
    plan_elim_answer(&e, PLAN_ANSWER_PICK, 0x99, NULL);
    assert_int_equal(e.state, PLAN_ELIM_INCOMPLETE);
    assert_int_equal(e.n_picked, 1);
    assert_non_null(strstr(e.why, "0x0099"));

    /* a probe that could not tell keeps its reason */
    plan_elim_init(&e, codes, 4);
    plan_elim_answer(&e, PLAN_ANSWER_PICK, 0x40, NULL);
    plan_elim_answer(&e, PLAN_ANSWER_UNKNOWN, 0, "no reply within 1000 ms");
    assert_int_equal(e.state, PLAN_ELIM_INCOMPLETE);
    assert_string_equal(e.why, "no reply within 1000 ms");
    assert_int_equal(e.n_picked, 1);

    /* stop_at_one: the last of a known-accepted set needs no probe */
    plan_elim_init(&e, codes, 3);
    e.stop_at_one = true;
    plan_elim_answer(&e, PLAN_ANSWER_PICK, 0x20, NULL);
    plan_elim_answer(&e, PLAN_ANSWER_PICK, 0x30, NULL);
    assert_int_equal(e.state, PLAN_ELIM_DONE);
    assert_int_equal(e.n_picked, 3);
    assert_int_equal(e.picked[2], 0x10);

    /* nothing to offer */
    plan_elim_init(&e, codes, 0);
    assert_int_equal(e.state, PLAN_ELIM_DONE);
}

static void test_server_order(void **state)
{
    (void)state;
    assert_int_equal(plan_server_order(true, 0xC02F, true, 0xC02F, 5), TP_TRI_YES);
    assert_int_equal(plan_server_order(true, 0xC02F, true, 0x009C, 5), TP_TRI_NO);
    /* one suite: both orders pick it whatever the server does */
    assert_int_equal(plan_server_order(true, 0xC02F, true, 0xC02F, 1), TP_TRI_UNKNOWN);
    assert_int_equal(plan_server_order(false, 0, true, 0xC02F, 5), TP_TRI_UNKNOWN);
    assert_int_equal(plan_server_order(true, 0xC02F, false, 0, 5), TP_TRI_UNKNOWN);
}

static void test_slow_link_parallel(void **state)
{
    (void)state;
    assert_int_equal(plan_parallel(8, false, 0), 8);     /* loopback: as is */
    assert_int_equal(plan_parallel(8, false, 19), 8);    /* a LAN */
    assert_int_equal(plan_parallel(8, false, 30), 8);    /* 30 / 6 = 5: the default stays */
    assert_int_equal(plan_parallel(8, false, 120), 20);  /* 120 / 6 */
    assert_int_equal(plan_parallel(8, false, 300), 48);  /* 300 ms: 50, capped */
    assert_int_equal(plan_parallel(8, false, 5000), PLAN_SLOW_PARALLEL_MAX);
    assert_int_equal(plan_parallel(60, false, 603), 60); /* never lowered */
    assert_int_equal(plan_parallel(4, true, 603), 4);    /* --parallel is a hard cap */
    assert_int_equal(plan_parallel(0, true, 0), 1);
    /* the round trip slow-link decisions go by */
    assert_int_equal(plan_link_rtt(300, true, 300), 300);  /* end to end */
    assert_int_equal(plan_link_rtt(300, true, 0), 300);    /* behind a relay */
    assert_int_equal(plan_link_rtt(45, true, 25), 45);     /* a slow connect */
    assert_int_equal(plan_link_rtt(45, true, 0), 0);       /* a busy server on loopback */
    assert_int_equal(plan_link_rtt(99, true, 3), 3);
    assert_int_equal(plan_link_rtt(45, false, 0), 45);     /* no connect timed */
    assert_false(plan_parallel(8, false, plan_link_rtt(45, true, 0)) > 8);
    /* TLS 1.0/1.1 predicted from TLS 1.2 only while probes in flight are few */
    assert_true(plan_predict_versions(plan_parallel(8, false, 120)));
    assert_true(plan_predict_versions(plan_parallel(16, true, 300)));
    assert_false(plan_predict_versions(plan_parallel(8, false, 300)));
    assert_false(plan_predict_versions(plan_parallel(8, false, 1600)));
}

/* Connecting ahead (runner.h) pays only for an offer a pick may follow. */
static void test_elim_may_continue(void **state)
{
    (void)state;
    const uint16_t codes[4] = {0xC02F, 0xC030, 0x009C, 0x002F};
    static struct plan_elim e;
    plan_elim_init(&e, codes, 4);
    assert_true(plan_elim_may_continue(&e));
    plan_elim_answer(&e, PLAN_ANSWER_PICK, 0xC02F, NULL);
    plan_elim_answer(&e, PLAN_ANSWER_PICK, 0xC030, NULL);
    assert_true(plan_elim_may_continue(&e));   /* two left */
    plan_elim_answer(&e, PLAN_ANSWER_PICK, 0x009C, NULL);
    assert_int_equal(e.state, PLAN_ELIM_RUNNING);
    assert_false(plan_elim_may_continue(&e));  /* the last one: a pick ends it too */
    plan_elim_answer(&e, PLAN_ANSWER_REFUSED, 0, NULL);
    assert_false(plan_elim_may_continue(&e));  /* done */
    /* stop_at_one: with two left, a pick leaves the one that needs no probe */
    plan_elim_init(&e, codes, 3);
    e.stop_at_one = true;
    assert_true(plan_elim_may_continue(&e));
    plan_elim_answer(&e, PLAN_ANSWER_PICK, 0xC02F, NULL);
    assert_false(plan_elim_may_continue(&e));
    /* a version probe ends at its first clean pick */
    plan_elim_init(&e, codes, 4);
    e.first_pick_only = true;
    assert_false(plan_elim_may_continue(&e));
}

static void test_prediction(void **state)
{
    (void)state;
    /* TLS 1.2's set: a CBC-SHA suite any version allows, two TLS 1.2-only
     * ones (GCM, CBC-SHA256) and a code the registry does not know (0x7777). */
    const uint16_t accepted[] = {0x002F, 0xC02F, 0x003C, 0x7777};
    uint16_t pred[8];
    size_t n = plan_predict(accepted, 4, TP_VER_TLS10, pred);
    assert_int_equal(n, 2);
    assert_int_equal(pred[0], 0x002F);
    assert_int_equal(pred[1], 0x7777);
    assert_int_equal(plan_predict(accepted, 4, TP_VER_TLS12, pred), 4);
    assert_int_equal(plan_predict(accepted, 0, TP_VER_TLS12, pred), 0);

    /* The partition keeps in's order and covers it, disjointly. */
    const uint16_t in[] = {0x0005, 0x002F, 0x0035, 0x7777, 0x000A};
    uint16_t hit[8], miss[8];
    size_t n_miss = 99;
    n = plan_predict(accepted, 4, TP_VER_TLS10, pred);
    size_t n_hit = plan_partition(in, 5, pred, n, hit, miss, &n_miss);
    assert_int_equal(n_hit, 2);
    assert_int_equal(n_miss, 3);
    assert_int_equal(hit[0], 0x002F);
    assert_int_equal(hit[1], 0x7777);
    assert_int_equal(miss[0], 0x0005);
    assert_int_equal(miss[1], 0x0035);
    assert_int_equal(miss[2], 0x000A);
    assert_int_equal(plan_partition(in, 5, NULL, 0, hit, miss, &n_miss), 0);
    assert_int_equal(n_miss, 5);
}

static void test_timeout_scaling(void **state)
{
    (void)state;
    assert_int_equal(plan_probe_timeout_ms(false, 0, 0), PLAN_INITIAL_TIMEOUT_MS);
    assert_int_equal(plan_probe_timeout_ms(true, 0, 0), 1000);     /* loopback: floor */
    assert_int_equal(plan_probe_timeout_ms(true, 100, 5), 1000);   /* 900 -> floor */
    assert_int_equal(plan_probe_timeout_ms(true, 300, 320), 1700); /* the 300 ms relay */
    assert_int_equal(plan_probe_timeout_ms(true, 2000, 0), 8500);
    assert_int_equal(plan_probe_timeout_ms(true, 5000, 0), 10000); /* ceiling */
    /* a server slow to sign its key exchange: twice its service time */
    assert_int_equal(plan_probe_timeout_ms(true, 1, 1500), 3000);
    assert_int_equal(plan_probe_timeout_ms(true, 1, 60000), 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suite_candidates),
        cmocka_unit_test(test_group_and_sigscheme_candidates),
        cmocka_unit_test(test_chunk_count),
        cmocka_unit_test(test_slow_link_parallel),
        cmocka_unit_test(test_elim_may_continue),
        cmocka_unit_test(test_prediction),
        cmocka_unit_test(test_chunks_are_disjoint_and_cover),
        cmocka_unit_test(test_elimination),
        cmocka_unit_test(test_server_order),
        cmocka_unit_test(test_timeout_scaling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
