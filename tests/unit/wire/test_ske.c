/* Unit tests for src/wire/ske.c: captured ECDHE (TLS 1.2 and 1.0) and DHE
 * ServerKeyExchange messages, built anonymous / PSK / RSA_EXPORT / explicit
 * curve variants, and mutations. */
#include "wire_test.h"

#include "wire/handshake.h"
#include "wire/registry.h"
#include "wire/ske.h"
#include "wire/writer.h"

#include "util/banned.h"

static tp_ske_kx g_kx;
static uint16_t g_version;

static tp_status parse_ske(const uint8_t *buf, size_t len, tp_error *err)
{
    tp_ske s;
    return tp_ske_parse(buf, len, g_kx, g_version, &s, err);
}

static void test_kx_mapping(void **state)
{
    (void)state;
    tp_ske_kx k = tp_ske_kx_from_suite_kx("ECDHE");
    assert_int_equal(k.params, TP_SKE_ECDHE);
    assert_false(k.anonymous || k.psk_hint);
    k = tp_ske_kx_from_suite_kx("DH_anon_EXPORT");
    assert_int_equal(k.params, TP_SKE_DHE);
    assert_true(k.anonymous);
    k = tp_ske_kx_from_suite_kx("ECDHE_PSK");
    assert_int_equal(k.params, TP_SKE_ECDHE);
    assert_true(k.psk_hint);
    assert_int_equal(tp_ske_kx_from_suite_kx("RSA_EXPORT1024").params, TP_SKE_RSA);
    assert_int_equal(tp_ske_kx_from_suite_kx("DHE_EXPORT").params, TP_SKE_DHE);
    assert_int_equal(tp_ske_kx_from_suite_kx("RSA").params, TP_SKE_NONE);
    assert_int_equal(tp_ske_kx_from_suite_kx("DH").params, TP_SKE_NONE);
    assert_int_equal(tp_ske_kx_from_suite_kx(NULL).params, TP_SKE_NONE);
    assert_int_equal(tp_ske_kx_from_suite_kx(tp_suite_by_code(0xc02f)->kx).params, TP_SKE_ECDHE);
}

/* RFC 4279 Sec. 2 (PSK) and Sec. 4 (RSA_PSK): the ServerKeyExchange is the
 * hint alone; DHE_PSK (Sec. 3) adds ServerDHParams after it. */
static void test_psk_hint(void **state)
{
    (void)state;
    tp_error err = {0};
    tp_ske s;
    tp_ske_kx plain = tp_ske_kx_from_suite_kx("PSK");
    assert_int_equal(plain.params, TP_SKE_NONE);
    assert_true(plain.psk_hint);
    assert_true(tp_ske_kx_from_suite_kx("RSA_PSK").psk_hint);
    assert_false(tp_ske_kx_from_suite_kx("RSA").psk_hint);

    static const uint8_t hint[] = {0, 6, 'm', 'y', 'h', 'i', 'n', 't'};
    assert_int_equal(tp_ske_parse(hint, sizeof hint, plain, TP_VER_TLS12, &s, &err), TP_OK);
    assert_true(s.has_psk_hint);
    assert_int_equal(s.psk_hint_len, 6);
    assert_memory_equal(s.psk_hint, "myhint", 6);
    assert_false(s.has_signature);
    /* An empty hint is allowed (psk_identity_hint<0..2^16-1>). */
    static const uint8_t empty[] = {0, 0};
    assert_int_equal(tp_ske_parse(empty, 2, plain, TP_VER_TLS12, &s, &err), TP_OK);
    assert_true(s.has_psk_hint);
    assert_int_equal(s.psk_hint_len, 0);
    /* Trailing bytes, a hint longer than the message, or no length at all. */
    static const uint8_t trailing[] = {0, 1, 'x', 0};
    assert_int_equal(tp_ske_parse(trailing, sizeof trailing, plain, TP_VER_TLS12, &s, &err),
                     TP_E_PARSE);
    tp_error_clear(&err);
    static const uint8_t overlong[] = {0, 9, 'x'};
    assert_int_equal(tp_ske_parse(overlong, sizeof overlong, plain, TP_VER_TLS12, &s, &err),
                     TP_E_PARSE);
    tp_error_clear(&err);
    assert_int_equal(tp_ske_parse(hint, 1, plain, TP_VER_TLS12, &s, &err), TP_E_PARSE);
    tp_error_clear(&err);
    /* DHE_PSK: hint, then p, g, Ys; no signature. */
    static const uint8_t dhe_psk[] = {0, 2, 'h', 'i', 0, 1, 0xfb, 0, 1, 2, 0, 1, 5};
    tp_ske_kx dk = tp_ske_kx_from_suite_kx("DHE_PSK");
    assert_int_equal(tp_ske_parse(dhe_psk, sizeof dhe_psk, dk, TP_VER_TLS12, &s, &err), TP_OK);
    assert_int_equal(s.psk_hint_len, 2);
    assert_int_equal(s.dh_p_bits, 8);
    /* Without a PSK kx, a parameterless exchange still has no layout. */
    assert_int_equal(tp_ske_parse(hint, sizeof hint, tp_ske_kx_from_suite_kx("RSA"),
                                  TP_VER_TLS12, &s, &err),
                     TP_E_UNSUPPORTED);
}

static void test_bignum_bits(void **state)
{
    (void)state;
    assert_int_equal(tp_bignum_bits((const uint8_t[]){0, 0, 0x01, 0xff}, 4), 9);
    assert_int_equal(tp_bignum_bits((const uint8_t[]){0x80, 0}, 2), 16);
    assert_int_equal(tp_bignum_bits((const uint8_t[]){0, 0}, 2), 0);
}

typedef struct capture {
    const char *file;
    uint16_t version;
    tp_ske_params params;
} capture;

static void test_captures(void **state)
{
    (void)state;
    static const capture caps[] = {
        {"openssl-tls12-ecdhe-flight.bin", TP_VER_TLS12, TP_SKE_ECDHE},
        {"openssl-tls10-flight.bin", TP_VER_TLS10, TP_SKE_ECDHE},
        {"openssl-tls12-dhe-flight.bin", TP_VER_TLS12, TP_SKE_DHE},
        {"gnutls-ssl2compat-flight.bin", TP_VER_TLS10, TP_SKE_ECDHE},
    };
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        size_t len, blen = 0;
        uint8_t *buf = wt_load(caps[i].file, &len);
        uint8_t *body = wt_find_message(buf, len, TP_HS_SERVER_KEY_EXCHANGE, &blen);
        assert_non_null(body);
        g_kx = (tp_ske_kx){.params = caps[i].params};
        g_version = caps[i].version;
        tp_ske s;
        tp_error err = {0};
        if (tp_ske_parse(body, blen, g_kx, g_version, &s, &err) != TP_OK)
            fail_msg("%s: %s", caps[i].file, err.msg);
        assert_true(s.has_signature);
        assert_int_equal(s.has_sigalg, caps[i].version == TP_VER_TLS12);
        wt_fields fs = {.n = 0};
        size_t sig;
        if (caps[i].params == TP_SKE_ECDHE) {
            assert_int_equal(s.curve_type, 3);
            assert_true(s.group == 0x001d || s.group == 0x0017);
            assert_int_equal(s.point_len, s.group == 0x001d ? 32 : 65);
            wt_add(&fs, 3, 1, "ECPoint|signature|ServerKeyExchange");
            sig = 4 + s.point_len;
        } else {
            assert_int_equal(s.dh_p_bits, 2048);
            assert_int_equal(s.dh_g_len, 1);
            assert_int_equal(s.dh_g[0], 2);
            size_t p = 0;
            wt_add(&fs, p, 2, "ServerDHParams|signature|ServerKeyExchange");
            p += 2 + s.dh_p_len;
            wt_add(&fs, p, 2, "ServerDHParams|signature|ServerKeyExchange");
            p += 2 + s.dh_g_len;
            wt_add(&fs, p, 2, "ServerDHParams|signature|ServerKeyExchange");
            sig = p + 2 + s.dh_ys_len;
        }
        if (s.has_sigalg) {
            assert_int_equal(s.sigalg, 0x0804);
            sig += 2;
        }
        wt_add(&fs, sig, 2, "signature|ServerKeyExchange");
        assert_int_equal(sig + 2 + s.signature_len, blen);
        wt_truncate_all(parse_ske, body, blen, NULL, 0);
        wt_mutate_lengths(parse_ske, body, blen, &fs);
        free(body);
        free(buf);
    }
}

static void test_built_variants(void **state)
{
    (void)state;
    tp_error err = {0};
    tp_writer wr;
    tp_ske s;
    /* DH_anon with a prime that has leading zero bytes: 0x00 0x00 0x7f.. */
    tp_wr_init(&wr, 0, &err);
    tp_wr_u16(&wr, 66);
    tp_wr_zeros(&wr, 2);
    tp_wr_u8(&wr, 0x7f);
    tp_wr_zeros(&wr, 63);
    tp_wr_u16(&wr, 1);
    tp_wr_u8(&wr, 5);
    tp_wr_u16(&wr, 1);
    tp_wr_u8(&wr, 9);
    assert_int_equal(tp_wr_status(&wr), TP_OK);
    tp_ske_kx anon = tp_ske_kx_from_suite_kx("DH_anon");
    assert_int_equal(tp_ske_parse(tp_wr_data(&wr), tp_wr_len(&wr), anon, TP_VER_TLS12, &s, &err),
                     TP_OK);
    assert_int_equal(s.dh_p_bits, 511);
    assert_false(s.has_signature);
    /* The same bytes with a signature expected are truncated. */
    tp_ske_kx dhe = tp_ske_kx_from_suite_kx("DHE");
    assert_int_equal(tp_ske_parse(tp_wr_data(&wr), tp_wr_len(&wr), dhe, TP_VER_TLS12, &s, &err),
                     TP_E_PARSE);
    tp_wr_finish(&wr);

    /* ECDHE_PSK: hint, params, no signature. */
    tp_error_clear(&err);
    tp_wr_init(&wr, 0, &err);
    tp_wr_u16(&wr, 3);
    tp_wr_bytes(&wr, (const uint8_t *)"id!", 3);
    tp_wr_u8(&wr, 3);
    tp_wr_u16(&wr, 0x001d);
    tp_wr_u8(&wr, 32);
    tp_wr_zeros(&wr, 32);
    tp_ske_kx psk = tp_ske_kx_from_suite_kx("ECDHE_PSK");
    assert_int_equal(tp_ske_parse(tp_wr_data(&wr), tp_wr_len(&wr), psk, TP_VER_TLS12, &s, &err),
                     TP_OK);
    assert_int_equal(s.group, 0x001d);
    assert_false(s.has_signature);
    assert_true(s.has_psk_hint);
    assert_int_equal(s.psk_hint_len, 3);
    assert_memory_equal(s.psk_hint, "id!", 3);
    tp_wr_finish(&wr);

    /* RSA_EXPORT: 512-bit modulus, TLS 1.0 signature. */
    tp_wr_init(&wr, 0, &err);
    tp_wr_u16(&wr, 64);
    tp_wr_u8(&wr, 0xc1);
    tp_wr_zeros(&wr, 63);
    tp_wr_u16(&wr, 3);
    tp_wr_bytes(&wr, (const uint8_t[]){1, 0, 1}, 3);
    tp_wr_u16(&wr, 2);
    tp_wr_u16(&wr, 0xabcd);
    tp_ske_kx rsa = tp_ske_kx_from_suite_kx("RSA_EXPORT");
    assert_int_equal(tp_ske_parse(tp_wr_data(&wr), tp_wr_len(&wr), rsa, TP_VER_TLS10, &s, &err),
                     TP_OK);
    assert_int_equal(s.rsa_modulus_bits, 512);
    assert_int_equal(s.signature_len, 2);
    tp_wr_finish(&wr);

    /* Explicit curves are recognised but not handled. */
    static const uint8_t explicit_prime[] = {1, 0, 0};
    tp_ske_kx ec = tp_ske_kx_from_suite_kx("ECDHE");
    assert_int_equal(tp_ske_parse(explicit_prime, 3, ec, TP_VER_TLS12, &s, &err),
                     TP_E_UNSUPPORTED);
    assert_int_equal(s.curve_type, 1);
    static const uint8_t bogus[] = {9, 0, 0};
    assert_int_equal(tp_ske_parse(bogus, 3, ec, TP_VER_TLS12, &s, &err), TP_E_PARSE);
    tp_ske_kx none = tp_ske_kx_from_suite_kx("RSA");
    assert_int_equal(tp_ske_parse(bogus, 3, none, TP_VER_TLS12, &s, &err), TP_E_UNSUPPORTED);
    /* A zero prime is no prime. */
    static const uint8_t zero_p[] = {0, 1, 0, 0, 1, 2, 0, 1, 2, 0, 0};
    assert_int_equal(tp_ske_parse(zero_p, sizeof zero_p, anon, TP_VER_TLS12, &s, &err), TP_E_PARSE);
}

/* RFC 7919 App. A.1 and A.2, as `openssl genpkey -genparam -algorithm DH
 * -pkeyopt group:ffdheN` prints them. */
static const char ffdhe2048_hex[] =
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695"
    "A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A"
    "D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935"
    "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A"
    "BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4"
    "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61"
    "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005"
    "C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF"
    ;
static const char ffdhe3072_hex[] =
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695"
    "A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A"
    "D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935"
    "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A"
    "BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4"
    "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61"
    "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005"
    "C58EF1837D1683B2C6F34A26C1B2EFFA886B4238611FCFDCDE355B3B6519035B"
    "BC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C"
    "AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF"
    "5CAE82AB9C9DF69EE86D2BC522363A0DABC521979B0DEADA1DBF9A42D5C4484E"
    "0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B66C62E37FFFFFFFFFFFFFFFF"
    ;

static size_t from_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; hex[0] != '\0' && hex[1] != '\0' && n < cap; hex += 2) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = hex[k];
            v = v * 16u + (unsigned)(c <= '9' ? c - '0' : c - 'A' + 10);
        }
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void test_ffdhe_group_of_prime(void **state)
{
    (void)state;
    uint8_t p[1 + 384];
    p[0] = 0;
    size_t n = from_hex(ffdhe2048_hex, p + 1, 384);
    assert_int_equal(n, 256);
    assert_int_equal(tp_ffdhe_group_of_prime(p + 1, n), 256);
    /* dh_p with a leading zero byte is the same integer. */
    assert_int_equal(tp_ffdhe_group_of_prime(p, n + 1), 256);
    /* One bit off where RFC 7919's X adjustment lives: not the group. */
    p[1 + n - 12] ^= 1;
    assert_int_equal(tp_ffdhe_group_of_prime(p + 1, n), 0);
    p[1 + n - 12] ^= 1;
    assert_int_equal(tp_ffdhe_group_of_prime(p + 1, n - 1), 0);
    assert_int_equal(tp_ffdhe_group_of_prime(p + 1, 0), 0);
    n = from_hex(ffdhe3072_hex, p + 1, 384);
    assert_int_equal(n, 384);
    assert_int_equal(tp_ffdhe_group_of_prime(p + 1, n), 257);
    /* Only the ends are compared (what tells the five groups apart): a
     * flipped middle bit still reads as the group, a flipped bit next to
     * the low 64 ones does not. */
    p[1 + 100] ^= 0x80;
    assert_int_equal(tp_ffdhe_group_of_prime(p + 1, n), 257);
    p[1 + n - 9] ^= 0x01;
    assert_int_equal(tp_ffdhe_group_of_prime(p + 1, n), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kx_mapping),
        cmocka_unit_test(test_bignum_bits),
        cmocka_unit_test(test_psk_hint),
        cmocka_unit_test(test_captures),
        cmocka_unit_test(test_built_variants),
        cmocka_unit_test(test_ffdhe_group_of_prime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
