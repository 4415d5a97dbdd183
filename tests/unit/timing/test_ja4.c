/* JA4 against the example in FoxIO's JA4 technical details, SHA-256
 * against FIPS 180-2 App. B, and GREASE handling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "capture/ja4.h"

#include "util/banned.h"

static void sha256_vectors(void **state)
{
    (void)state;
    uint8_t d[32];
    tp_sha256((const uint8_t *)"abc", 3, d);
    assert_int_equal(d[0], 0xba);
    assert_int_equal(d[31], 0xad);
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    tp_sha256((const uint8_t *)two, strlen(two), d);
    assert_int_equal(d[0], 0x24);
    assert_int_equal(d[1], 0x8d);
    assert_int_equal(d[31], 0xc1);
}

/* The suites, extensions and signature algorithms of the documented
 * example "t13d1516h2_8daaf6152771_e5627efa2ab1", shuffled and with
 * GREASE added: sorting and GREASE removal must give the same result. */
static void foxio_example(void **state)
{
    (void)state;
    const uint16_t suites[] = {0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c,
                               0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
                               0x002f, 0x0035};
    const uint16_t exts[] = {0x1a1a, 0x0000, 0x0017, 0xff01, 0x000a, 0x000b, 0x0023,
                             0x0010, 0x0005, 0x000d, 0x0012, 0x0033, 0x002d, 0x002b,
                             0x001b, 0x4469, 0x0015, 0x2a2a};
    const uint16_t sig[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};
    const uint16_t versions[] = {0x3a3a, 0x0304, 0x0303};
    struct tp_ja4_input in = {
        .legacy_version = 0x0303,
        .versions = versions, .n_versions = 3,
        .suites = suites, .n_suites = 16,
        .extensions = exts, .n_extensions = 18,
        .sigalgs = sig, .n_sigalgs = 8,
        .has_sni = true,
        .alpn = (const uint8_t *)"h2", .alpn_len = 2,
    };
    char out[TP_JA4_LEN], raw[1024];
    tp_ja4(&in, out, raw, sizeof raw);
    assert_string_equal(out, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    assert_string_equal(raw, "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,"
                             "c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,"
                             "001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,"
                             "0501,0806,0601");
}

static void bare_hello(void **state)
{
    (void)state;
    const uint16_t suites[] = {0x0005, 0x000a};
    struct tp_ja4_input in = {.legacy_version = 0x0301, .suites = suites, .n_suites = 2};
    char out[TP_JA4_LEN];
    tp_ja4(&in, out, NULL, 0);
    /* No SNI, no extensions, no ALPN: "i", "00", "00" and a zero hash. */
    assert_memory_equal(out, "t10i020000_", 11);
    assert_string_equal(out + 24, "000000000000");
    struct tp_ja4_input odd = {.legacy_version = 0x0303, .alpn = (const uint8_t *)"\x01z!",
                               .alpn_len = 3};
    tp_ja4(&odd, out, NULL, 0);
    assert_memory_equal(out, "t12i000001", 10); /* non-alphanumeric: hex 0x01 ... 0x21 */
    assert_true(tp_is_grease(0xfafa));
    assert_false(tp_is_grease(0x0a1a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha256_vectors),
        cmocka_unit_test(foxio_example),
        cmocka_unit_test(bare_hello),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
