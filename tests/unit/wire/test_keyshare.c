/* Unit tests for src/wire/keyshare.c: every layout agrees with the group
 * registry's key share sizes (two sources written apart), the parts come in
 * the order the drafts give, ML-KEM keys pass FIPS 203's modulus check, and
 * the bytes follow the seed. */
#include "wire_test.h"

#include "wire/handshake.h"
#include "wire/keyshare.h"
#include "wire/registry.h"

#include "util/banned.h"

static const uint8_t seed_a[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t seed_b[32] = {9};
static const uint16_t built[] = {0x001d, 0x0017, 0x0018, 0x0200, 0x0201, 0x0202,
                                 0x11eb, 0x11ec, 0x11ed, 0x6399, 0x639a};

static void test_layouts_match_registry(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof built / sizeof built[0]; i++) {
        tp_ks_layout lay;
        const struct tp_group_info *g = tp_group_by_code(built[i]);
        assert_non_null(g);
        assert_true(tp_ks_layout_of(built[i], &lay));
        assert_int_equal(lay.client_bytes, g->keyshare_client_bytes);
        assert_int_equal(lay.server_bytes, g->keyshare_server_bytes);
        assert_int_equal(lay.post_quantum, (g->status & TP_GS_POST_QUANTUM) != 0);
        assert_true(lay.client_bytes <= TP_KS_MAX_BYTES);
    }
    tp_ks_layout lay;
    assert_false(tp_ks_layout_of(0x0019, &lay)); /* secp521r1: not built here */
    assert_false(tp_ks_layout_of(0x11ee, &lay)); /* curveSM2MLKEM768 */
}

static void test_x25519mlkem768(void **state)
{
    (void)state;
    uint8_t out[TP_KS_MAX_BYTES];
    size_t len = 0;
    tp_error err = {0};
    assert_int_equal(tp_ks_client_share(0x11ec, seed_a, out, sizeof out, &len, &err), TP_OK);
    assert_int_equal(len, 1216);
    /* draft-ietf-tls-ecdhe-mlkem Sec. 4.1: ML-KEM-768 ek, then X25519. */
    assert_true(tp_ks_mlkem_ek_ok(out, 1184));
    assert_false(tp_ks_mlkem_ek_ok(out + 32, 1184)); /* misaligned: not a key */
    tp_ks_layout lay;
    assert_true(tp_ks_layout_of(0x11ec, &lay));
    assert_int_equal(lay.parts[0], TP_KS_MLKEM768);
    assert_int_equal(lay.parts[1], TP_KS_X25519);
    assert_int_equal(lay.server_bytes, 1120);
}

static void test_kyber_draft_order(void **state)
{
    (void)state;
    uint8_t out[TP_KS_MAX_BYTES];
    size_t len = 0;
    tp_error err = {0};
    /* draft-tls-westerbaan-xyber768d00 Sec. 3: X25519 first, then Kyber768. */
    assert_int_equal(tp_ks_client_share(0x6399, seed_a, out, sizeof out, &len, &err), TP_OK);
    assert_int_equal(len, 1216);
    assert_true(tp_ks_mlkem_ek_ok(out + 32, 1184));
}

static void test_nist_curve_hybrids(void **state)
{
    (void)state;
    uint8_t out[TP_KS_MAX_BYTES];
    size_t len = 0, glen = 0;
    tp_error err = {0};
    const uint8_t *g256 = tp_ks_ec_generator(TP_GROUP_SECP256R1, &glen);
    assert_int_equal(glen, 65);
    assert_int_equal(tp_ks_client_share(0x11eb, seed_a, out, sizeof out, &len, &err), TP_OK);
    assert_int_equal(len, 1249);
    assert_memory_equal(out, g256, 65); /* the ECDH share first */
    assert_true(tp_ks_mlkem_ek_ok(out + 65, 1184));

    const uint8_t *g384 = tp_ks_ec_generator(TP_GROUP_SECP384R1, &glen);
    assert_int_equal(glen, 97);
    assert_int_equal(tp_ks_client_share(0x11ed, seed_a, out, sizeof out, &len, &err), TP_OK);
    assert_int_equal(len, 1665);
    assert_memory_equal(out, g384, 97);
    assert_true(tp_ks_mlkem_ek_ok(out + 97, 1568));
    assert_null(tp_ks_ec_generator(TP_GROUP_X25519, &glen));
}

static void test_pure_mlkem_and_seed(void **state)
{
    (void)state;
    uint8_t a[TP_KS_MAX_BYTES], b[TP_KS_MAX_BYTES], c[TP_KS_MAX_BYTES];
    size_t la = 0, lb = 0, lc = 0;
    tp_error err = {0};
    assert_int_equal(tp_ks_client_share(0x0202, seed_a, a, sizeof a, &la, &err), TP_OK);
    assert_int_equal(la, 1568);
    assert_true(tp_ks_mlkem_ek_ok(a, la));
    assert_int_equal(tp_ks_client_share(0x0202, seed_a, b, sizeof b, &lb, &err), TP_OK);
    assert_memory_equal(a, b, la); /* pure: the seed decides */
    assert_int_equal(tp_ks_client_share(0x0202, seed_b, c, sizeof c, &lc, &err), TP_OK);
    assert_memory_not_equal(a, c, la);
    assert_int_equal(tp_ks_client_share(0x0200, seed_a, a, sizeof a, &la, &err), TP_OK);
    assert_int_equal(la, 800);
    assert_true(tp_ks_mlkem_ek_ok(a, la));
}

static void test_modulus_check(void **state)
{
    (void)state;
    uint8_t ek[1184];
    memset(ek, 0, sizeof ek);
    assert_true(tp_ks_mlkem_ek_ok(ek, sizeof ek));
    /* the first coefficient = 3329 = 0xD01: out of range */
    ek[0] = 0x01;
    ek[1] = 0x0d;
    assert_false(tp_ks_mlkem_ek_ok(ek, sizeof ek));
    ek[0] = 0x00; /* 3328: in range */
    ek[1] = 0x0d;
    assert_true(tp_ks_mlkem_ek_ok(ek, sizeof ek));
    memset(ek, 0xff, sizeof ek); /* all 4095 */
    assert_false(tp_ks_mlkem_ek_ok(ek, sizeof ek));
    memset(ek + 1152, 0xff, 32); /* rho is not checked */
    memset(ek, 0, 1152);
    assert_true(tp_ks_mlkem_ek_ok(ek, sizeof ek));
    assert_false(tp_ks_mlkem_ek_ok(ek, 1183));
    assert_false(tp_ks_mlkem_ek_ok(ek, 32));
}

static void test_errors(void **state)
{
    (void)state;
    uint8_t out[TP_KS_MAX_BYTES];
    size_t len = 0;
    tp_error err = {0};
    assert_int_equal(tp_ks_client_share(0x0019, seed_a, out, sizeof out, &len, &err),
                     TP_E_UNSUPPORTED);
    assert_int_equal(tp_ks_client_share(0x11ec, seed_a, out, 1215, &len, &err), TP_E_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layouts_match_registry),
        cmocka_unit_test(test_x25519mlkem768),
        cmocka_unit_test(test_kyber_draft_order),
        cmocka_unit_test(test_nist_curve_hybrids),
        cmocka_unit_test(test_pure_mlkem_and_seed),
        cmocka_unit_test(test_modulus_check),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
