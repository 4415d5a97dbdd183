/* test_psk.c: the TLS 1.3 PSK binder (src/tls/psk.c) against the published
 * RFC 8448 Sec. 4 trace (the resumed handshake's ClientHello binder, a
 * "res binder"), and the "ext binder" and SHA-384 variants of the same
 * input as computed by a separate Python implementation of RFC 8446 Sec.
 * 7.1 (hmac/hashlib), which the real servers of
 * tests/integration/test_psk.py then confirm on the wire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tls/psk.h"
#include "util/banned.h"

/* RFC 8448 Sec. 4, "{client} generate resumption secret" (the PSK). */
static const char psk_hex[] =
    "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3";
/* RFC 8448 Sec. 4: the ClientHello up to and including
 * PreSharedKeyExtension.identities (its first 477 bytes). */
static const char truncated_hex[] =
    "010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc419d7876487d950000061301"
    "13031302010001cd0000000b0009000006736572766572ff01000100000a00140012001d00170018001901"
    "000101010201030104003300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe05"
    "1a66b4f18d668f0b002a0000002b0003020304000d0020001e040305030603020308040805080604010501"
    "060102010402050206020202002d00020101001c0002400100150057000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000002900dd00b800b22c035d829359"
    "ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c9367c09a2be785abc55"
    "cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3664d4e"
    "6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9"
    "fbf297b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d357"
    "fad6aacb";

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = hex[2 * i + (size_t)k];
            v = v * 16u + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        out[i] = (uint8_t)v;
    }
    return n;
}

static void check(enum tls_psk_hash hash, enum tls_psk_origin origin, const char *want_hex)
{
    uint8_t psk[32], trunc[512], want[48], got[48];
    size_t psk_len = unhex(psk_hex, psk, sizeof psk);
    size_t trunc_len = unhex(truncated_hex, trunc, sizeof trunc);
    size_t want_len = unhex(want_hex, want, sizeof want);
    assert_int_equal(trunc_len, 477);
    assert_int_equal(want_len, tls_psk_hash_len(hash));
    tp_error err = {0};
    assert_int_equal(tls_psk_binder(hash, origin, psk, psk_len, trunc, trunc_len, got, &err),
                     TP_OK);
    assert_memory_equal(got, want, want_len);
}

static void test_rfc8448_resumption_binder(void **state)
{
    (void)state;
    /* RFC 8448 Sec. 4, "{client} send handshake record": the binder. */
    check(TLS_PSK_SHA256, TLS_PSK_RESUMPTION,
          "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d");
}

static void test_external_binders(void **state)
{
    (void)state;
    check(TLS_PSK_SHA256, TLS_PSK_EXTERNAL,
          "2c43f20dd8a457f0a212dd9cd6fc13a201824436df3682166133bb1c1d3665c3");
    check(TLS_PSK_SHA384, TLS_PSK_EXTERNAL,
          "8401e27288099d0698780abb7c5eb2b91e79295d89d141e7347cb628664a39cd"
          "5a1735d6b14ad84c37f064bd03e2d189");
}

static void test_empty_key_refused(void **state)
{
    (void)state;
    uint8_t out[48];
    tp_error err = {0};
    assert_int_equal(tls_psk_binder(TLS_PSK_SHA256, TLS_PSK_EXTERNAL, NULL, 0,
                                    (const uint8_t *)"x", 1, out, &err),
                     TP_E_USAGE);
    assert_int_equal(tls_psk_hash_len(TLS_PSK_SHA384), 48);
    assert_string_equal(tls_psk_hash_name(TLS_PSK_SHA256), "sha256");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8448_resumption_binder),
        cmocka_unit_test(test_external_binders),
        cmocka_unit_test(test_empty_key_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
