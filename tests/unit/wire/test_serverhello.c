/* Unit tests for src/wire/serverhello.c: RFC 8448 and captured ServerHellos
 * (openssl s_server, gnutls-serv answering ClientHellos built by
 * clienthello.c), HelloRetryRequest, downgrade sentinels, extension checks,
 * truncation and length mutations. */
#include "wire_test.h"

#include "wire/handshake.h"
#include "wire/registry.h"
#include "wire/serverhello.h"
#include "wire/writer.h"

#include "util/banned.h"

/* RFC 8448 Sec. 3: the ServerHello message. */
static const uint8_t rfc8448_sh[] = {
    0x02, 0x00, 0x00, 0x56, 0x03, 0x03, 0xa6, 0xaf, 0x06, 0xa4, 0x12, 0x18, 0x60, 0xdc, 0x5e,
    0x6e, 0x60, 0x24, 0x9c, 0xd3, 0x4c, 0x95, 0x93, 0x0c, 0x8a, 0xc5, 0xcb, 0x14, 0x34, 0xda,
    0xc1, 0x55, 0x77, 0x2e, 0xd3, 0xe2, 0x69, 0x28, 0x00, 0x13, 0x01, 0x00, 0x00, 0x2e, 0x00,
    0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0xc9, 0x82, 0x88, 0x76, 0x11, 0x20, 0x95, 0xfe,
    0x66, 0x76, 0x2b, 0xdb, 0xf7, 0xc6, 0x72, 0xe1, 0x56, 0xd6, 0xcc, 0x25, 0x3b, 0x83, 0x3d,
    0xf1, 0xdd, 0x69, 0xb1, 0xb0, 0x4e, 0x75, 0x1f, 0x0f, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
};

static tp_status parse_sh(const uint8_t *buf, size_t len, tp_error *err)
{
    tp_server_hello sh;
    return tp_sh_parse(buf, len, &sh, err);
}

static size_t extensions_offset(const uint8_t *b)
{
    return 2 + 32 + 1 + b[34] + 2 + 1;
}

static void sh_fields(const uint8_t *b, size_t len, wt_fields *fs)
{
    size_t p = 34;
    wt_add(fs, p, 1, "session_id|ServerHello|extension");
    p = extensions_offset(b);
    if (p == len)
        return;
    wt_add(fs, p, 2, "extension|ServerHello");
    for (p += 2; p < len;) {
        uint16_t type = (uint16_t)wt_get(b + p, 2);
        size_t d = p + 4, dlen = wt_get(b + p + 2, 2);
        wt_add(fs, p + 2, 2, "extension|ServerHello|HelloRetryRequest|key_share|supported|ALPN|"
                             "renegotiation|ec_point|master_secret|then_mac|session_ticket|"
                             "status_request|max_fragment|record_size|cookie");
        if (type == TP_EXT_KEY_SHARE && dlen > 2)
            wt_add(fs, d + 2, 2, "key_share");
        if (type == TP_EXT_ALPN) {
            wt_add(fs, d, 2, "ALPN");
            wt_add(fs, d + 2, 1, "ALPN");
        }
        if (type == TP_EXT_RENEGOTIATION_INFO)
            wt_add(fs, d, 1, "renegotiation_info");
        if (type == TP_EXT_EC_POINT_FORMATS)
            wt_add(fs, d, 1, "ec_point_formats");
        if (type == TP_EXT_COOKIE)
            wt_add(fs, d, 2, "cookie");
        p = d + dlen;
    }
}

static void mutate_all(const uint8_t *body, size_t len, bool ext_optional)
{
    size_t ok_at = extensions_offset(body);
    wt_truncate_all(parse_sh, body, len, &ok_at, ext_optional ? 1 : 0);
    wt_fields fs = {.n = 0};
    sh_fields(body, len, &fs);
    wt_mutate_lengths(parse_sh, body, len, &fs);
}

static void test_rfc8448(void **state)
{
    (void)state;
    tp_server_hello sh;
    tp_error err = {0};
    assert_int_equal(tp_sh_parse(rfc8448_sh + 4, sizeof rfc8448_sh - 4, &sh, &err), TP_OK);
    assert_int_equal(sh.legacy_version, 0x0303);
    assert_int_equal(sh.version, TP_VER_TLS13);
    assert_true(sh.has_supported_versions);
    assert_int_equal(sh.cipher_suite, 0x1301);
    assert_false(sh.is_hrr);
    assert_int_equal(sh.downgrade, TP_DOWNGRADE_NONE);
    assert_true(sh.has_key_share);
    assert_int_equal(sh.key_share_group, 0x001d);
    assert_int_equal(sh.key_share_len, 32);
    assert_int_equal(sh.key_share[0], 0xc9);
    assert_int_equal(sh.exts.n, 2);
    /* The prefix ending before the extensions block is a valid extension-
     * less (TLS 1.2 style) ServerHello: the one prefix allowed to parse. */
    mutate_all(rfc8448_sh + 4, sizeof rfc8448_sh - 4, true);
}

typedef struct capture {
    const char *file;
    uint16_t version;
    uint16_t suite;
    bool hrr;
    uint16_t group;
    tp_downgrade downgrade;
} capture;

static const capture captures[] = {
    {"openssl-tls13-sh.bin", TP_VER_TLS13, 0x1301, false, 0x001d, TP_DOWNGRADE_NONE},
    {"gnutls-tls13-sh.bin", TP_VER_TLS13, 0x1301, false, 0x001d, TP_DOWNGRADE_NONE},
    {"openssl-tls13-ffdhe-sh.bin", TP_VER_TLS13, 0x1301, false, 0x0100, TP_DOWNGRADE_NONE},
    {"openssl-tls13-hrr.bin", TP_VER_TLS13, 0x1301, true, 0x001d, TP_DOWNGRADE_NONE},
    {"gnutls-tls13-hrr.bin", TP_VER_TLS13, 0x1301, true, 0x001d, TP_DOWNGRADE_NONE},
    {"openssl-tls12-ecdhe-flight.bin", TP_VER_TLS12, 0xc02f, false, 0, TP_DOWNGRADE_TLS12},
    {"gnutls-tls12-flight.bin", TP_VER_TLS12, 0xc02f, false, 0, TP_DOWNGRADE_TLS12},
    {"openssl-tls10-flight.bin", TP_VER_TLS10, 0xc013, false, 0, TP_DOWNGRADE_TLS11},
    {"gnutls-tls12-mfl-flight.bin", TP_VER_TLS12, 0xc02f, false, 0, TP_DOWNGRADE_TLS12},
    {"gnutls-tls12-rsl-flight.bin", TP_VER_TLS12, 0xc02f, false, 0, TP_DOWNGRADE_TLS12},
};

static void test_captures(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof captures / sizeof captures[0]; i++) {
        const capture *c = &captures[i];
        size_t len, blen;
        uint8_t *buf = wt_load(c->file, &len);
        uint8_t type;
        const uint8_t *body;
        wt_first_message(buf, len, &type, &body, &blen);
        assert_int_equal(type, TP_HS_SERVER_HELLO);
        tp_server_hello sh;
        tp_error err = {0};
        if (tp_sh_parse(body, blen, &sh, &err) != TP_OK)
            fail_msg("%s: %s", c->file, err.msg);
        assert_int_equal(sh.version, c->version);
        assert_int_equal(sh.cipher_suite, c->suite);
        assert_int_equal(sh.is_hrr, c->hrr);
        assert_int_equal(sh.key_share_group, c->group);
        assert_int_equal(sh.downgrade, c->downgrade);
        if (c->hrr)
            assert_null(sh.key_share);
        if (c->version == TP_VER_TLS12) {
            assert_true(sh.extended_master_secret);
            assert_true(sh.has_renegotiation_info);
            assert_int_equal(sh.renegotiated_connection_len, 0);
            assert_true(sh.session_ticket);
            assert_int_equal(sh.alpn_len, 8);
            assert_memory_equal(sh.alpn, "http/1.1", 8);
        }
        if (strstr(c->file, "mfl") != NULL)
            assert_int_equal(sh.max_fragment_length, 2);
        if (strstr(c->file, "rsl") != NULL)
            assert_int_equal(sh.record_size_limit, 16384);
        mutate_all(body, blen, !c->hrr);
        free(buf);
    }
}

/* A ServerHello built here, with the extensions given as raw bytes. */
static size_t build_sh(uint8_t *out, size_t cap, const uint8_t *random, const uint8_t *exts,
                       size_t exts_len)
{
    tp_error err = {0};
    tp_writer wr;
    tp_wr_init(&wr, 0, &err);
    tp_wr_u16(&wr, 0x0303);
    tp_wr_bytes(&wr, random, 32);
    tp_wr_u8(&wr, 0);
    tp_wr_u16(&wr, 0xc02f);
    tp_wr_u8(&wr, 0);
    tp_wr_mark m = tp_wr_begin_u16(&wr);
    tp_wr_bytes(&wr, exts, exts_len);
    tp_wr_end(&wr, m);
    assert_int_equal(tp_wr_status(&wr), TP_OK);
    size_t n = tp_wr_len(&wr);
    assert_true(n <= cap);
    memcpy(out, tp_wr_data(&wr), n);
    tp_wr_finish(&wr);
    return n;
}

static void expect_error(const uint8_t *exts, size_t len, const char *word)
{
    static const uint8_t random[32] = {1};
    uint8_t b[512];
    size_t n = build_sh(b, sizeof b, random, exts, len);
    tp_error err = {0};
    assert_int_equal(wt_run(parse_sh, b, n, &err), TP_E_PARSE);
    if (strstr(err.msg, word) == NULL)
        fail_msg("expected \"%s\" in \"%s\"", word, err.msg);
}

static void test_extension_rules(void **state)
{
    (void)state;
    static const uint8_t dup[] = {0x00, 0x17, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00};
    expect_error(dup, sizeof dup, "duplicate extension 0x0017");
    static const uint8_t sv12[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x03};
    expect_error(sv12, sizeof sv12, "prior to TLS 1.3");
    static const uint8_t ems[] = {0x00, 0x17, 0x00, 0x01, 0x00};
    expect_error(ems, sizeof ems, "extended_master_secret");
    static const uint8_t alpn2[] = {0x00, 0x10, 0x00, 0x07, 0x00, 0x05,
                                    0x01, 'a', 0x02, 'h', '2'};
    expect_error(alpn2, sizeof alpn2, "exactly one");
    static const uint8_t mfl[] = {0x00, 0x01, 0x00, 0x01, 0x05};
    expect_error(mfl, sizeof mfl, "max_fragment_length");
    static const uint8_t rsl[] = {0x00, 0x1c, 0x00, 0x02, 0x00, 0x3f};
    expect_error(rsl, sizeof rsl, "record_size_limit");
    static const uint8_t comp13[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};
    static const uint8_t random[32] = {2};
    uint8_t b[128];
    size_t n = build_sh(b, sizeof b, random, comp13, sizeof comp13);
    b[2 + 32 + 1 + 2] = 1; /* compression method 1 under TLS 1.3 */
    tp_error err = {0};
    assert_int_equal(wt_run(parse_sh, b, n, &err), TP_E_PARSE);
    assert_non_null(strstr(err.msg, "compression"));
}

static void test_downgrade_and_hrr_random(void **state)
{
    (void)state;
    uint8_t random[32] = {0};
    memcpy(random + 24, "DOWNGRD\x01", 8);
    uint8_t b[128];
    static const uint8_t none[1] = {0};
    size_t n = build_sh(b, sizeof b, random, none, 0);
    tp_server_hello sh;
    tp_error err = {0};
    assert_int_equal(tp_sh_parse(b, n, &sh, &err), TP_OK);
    assert_int_equal(sh.downgrade, TP_DOWNGRADE_TLS12);
    random[31] = 0;
    n = build_sh(b, sizeof b, random, none, 0);
    assert_int_equal(tp_sh_parse(b, n, &sh, &err), TP_OK);
    assert_int_equal(sh.downgrade, TP_DOWNGRADE_TLS11);
    random[31] = 2;
    n = build_sh(b, sizeof b, random, none, 0);
    assert_int_equal(tp_sh_parse(b, n, &sh, &err), TP_OK);
    assert_int_equal(sh.downgrade, TP_DOWNGRADE_NONE);
    assert_false(sh.is_hrr);
}

/* RFC 8446 Sec. 4.2.11: a ServerHello accepting a PSK carries
 * pre_shared_key { uint16 selected_identity }; RFC 8448 Sec. 4's does so
 * beside a key_share (psk_dhe_ke). */
static void test_pre_shared_key(void **state)
{
    (void)state;
    static const uint8_t sh[] = {
        0x03, 0x03, 0x3c, 0xcf, 0xd2, 0xde, 0xc8, 0x90, 0x22, 0x27, 0x63, 0x47, 0x2a, 0xe8,
        0x13, 0x67, 0x77, 0xc9, 0xd7, 0x35, 0x87, 0x77, 0xbb, 0x66, 0xe9, 0x1e, 0xa5, 0x12,
        0x24, 0x95, 0xf5, 0x59, 0xea, 0x2d, 0x00, 0x13, 0x01, 0x00, 0x00, 0x34, 0x00, 0x29,
        0x00, 0x02, 0x00, 0x00, 0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0x12, 0x17,
        0x61, 0xee, 0x42, 0xc3, 0x33, 0xe1, 0xb9, 0xe7, 0x7b, 0x60, 0xdd, 0x57, 0xc2, 0x05,
        0x3c, 0xd9, 0x45, 0x12, 0xab, 0x47, 0xf1, 0x15, 0xe8, 0x6e, 0xff, 0x50, 0x94, 0x2c,
        0xea, 0x31, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
    };
    tp_server_hello out;
    tp_error err = {0};
    assert_int_equal(tp_sh_parse(sh, sizeof sh, &out, &err), TP_OK);
    assert_true(out.has_pre_shared_key);
    assert_int_equal(out.psk_selected_identity, 0);
    assert_true(out.has_key_share);
    assert_int_equal(out.version, 0x0304);
    /* selected_identity is exactly two bytes. */
    uint8_t bad[sizeof sh];
    memcpy(bad, sh, sizeof sh);
    bad[43] = 0x01; /* pre_shared_key extension length 1 */
    assert_int_not_equal(tp_sh_parse(bad, sizeof bad, &out, &err), TP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8448),
        cmocka_unit_test(test_captures),
        cmocka_unit_test(test_extension_rules),
        cmocka_unit_test(test_downgrade_and_hrr_random),
        cmocka_unit_test(test_pre_shared_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
