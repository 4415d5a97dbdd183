/* Unit tests for src/wire/clienthello.c: RFC 8448 Sec. 3 rebuilt byte for
 * byte, build -> parse round trips, padding, SSL 2.0 CLIENT-HELLO, and the
 * truncation / length mutations every parser must survive. */
#include "wire_test.h"

#include "wire/clienthello.h"
#include "wire/handshake.h"
#include "wire/record.h"

#include "util/banned.h"

/* RFC 8448 Sec. 3 "Simple 1-RTT Handshake": the ClientHello message. */
static const uint8_t rfc8448_ch[] = {
    0x01, 0x00, 0x00, 0xc0, 0x03, 0x03, 0xcb, 0x34, 0xec, 0xb1, 0xe7, 0x81, 0x63, 0xba, 0x1c,
    0x38, 0xc6, 0xda, 0xcb, 0x19, 0x6a, 0x6d, 0xff, 0xa2, 0x1a, 0x8d, 0x99, 0x12, 0xec, 0x18,
    0xa2, 0xef, 0x62, 0x83, 0x02, 0x4d, 0xec, 0xe7, 0x00, 0x00, 0x06, 0x13, 0x01, 0x13, 0x03,
    0x13, 0x02, 0x01, 0x00, 0x00, 0x91, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x09, 0x00, 0x00, 0x06,
    0x73, 0x65, 0x72, 0x76, 0x65, 0x72, 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0a, 0x00, 0x14,
    0x00, 0x12, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19, 0x01, 0x00, 0x01, 0x01, 0x01,
    0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23, 0x00, 0x00, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24,
    0x00, 0x1d, 0x00, 0x20, 0x99, 0x38, 0x1d, 0xe5, 0x60, 0xe4, 0xbd, 0x43, 0xd2, 0x3d, 0x8e,
    0x43, 0x5a, 0x7d, 0xba, 0xfe, 0xb3, 0xc0, 0x6e, 0x51, 0xc1, 0x3c, 0xae, 0x4d, 0x54, 0x13,
    0x69, 0x1e, 0x52, 0x9a, 0xaf, 0x2c, 0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04, 0x00, 0x0d,
    0x00, 0x20, 0x00, 0x1e, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x02, 0x03, 0x08, 0x04, 0x08,
    0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x02, 0x01, 0x04, 0x02, 0x05, 0x02,
    0x06, 0x02, 0x02, 0x02, 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x1c, 0x00, 0x02, 0x40,
    0x01,
};

static const uint16_t rfc_suites[] = {0x1301, 0x1303, 0x1302};
static const uint16_t rfc_groups[] = {0x001d, 0x0017, 0x0018, 0x0019, 0x0100,
                                      0x0101, 0x0102, 0x0103, 0x0104};
static const uint16_t rfc_sigalgs[] = {0x0403, 0x0503, 0x0603, 0x0203, 0x0804,
                                       0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
                                       0x0201, 0x0402, 0x0502, 0x0602, 0x0202};
static const uint16_t v13[] = {0x0304};
static const uint8_t psk_dhe[] = {1};
static const tp_ch_key_share x25519_share[] = {{.group = TP_GROUP_X25519}};

static tp_ch_spec rfc8448_spec(void)
{
    return (tp_ch_spec){
        .record_version = 0x0301,
        .legacy_version = 0x0303,
        .random = rfc8448_ch + 6,
        .suites = rfc_suites,
        .n_suites = 3,
        .sni = "server",
        .renegotiation_info = true,
        .groups = rfc_groups,
        .n_groups = 9,
        .session_ticket = true,
        .key_share_ext = true,
        .key_shares = x25519_share,
        .n_key_shares = 1,
        .x25519_public = rfc8448_ch + 0x6d,
        .versions = v13,
        .n_versions = 1,
        .sigalgs = rfc_sigalgs,
        .n_sigalgs = 15,
        .psk_modes = psk_dhe,
        .n_psk_modes = 1,
        .record_size_limit = 0x4001,
    };
}

static tp_status parse_ch(const uint8_t *buf, size_t len, tp_error *err)
{
    tp_client_hello ch;
    return tp_ch_parse(buf, len, &ch, err);
}

/* Build spec's message into a fresh writer; the caller finishes it. */
static void build(const tp_ch_spec *spec, tp_writer *wr)
{
    tp_error err = {0};
    tp_wr_init(wr, 0, &err);
    if (tp_ch_build_message(spec, wr, &err) != TP_OK)
        fail_msg("build: %s", err.msg);
}

/* RFC 8448 Sec. 4: the ticket the resumed ClientHello offers as its PSK
 * identity (obfuscated_ticket_age 0xfad6aacb, one 32-byte binder). */
static const uint8_t rfc8448_ticket[] = {
    0x2c, 0x03, 0x5d, 0x82, 0x93, 0x59, 0xee, 0x5f, 0xf7, 0xaf, 0x4e, 0xc9, 0x00, 0x00, 0x00,
    0x00, 0x26, 0x2a, 0x64, 0x94, 0xdc, 0x48, 0x6d, 0x2c, 0x8a, 0x34, 0xcb, 0x33, 0xfa, 0x90,
    0xbf, 0x1b, 0x00, 0x70, 0xad, 0x3c, 0x49, 0x88, 0x83, 0xc9, 0x36, 0x7c, 0x09, 0xa2, 0xbe,
    0x78, 0x5a, 0xbc, 0x55, 0xcd, 0x22, 0x60, 0x97, 0xa3, 0xa9, 0x82, 0x11, 0x72, 0x83, 0xf8,
    0x2a, 0x03, 0xa1, 0x43, 0xef, 0xd3, 0xff, 0x5d, 0xd3, 0x6d, 0x64, 0xe8, 0x61, 0xbe, 0x7f,
    0xd6, 0x1d, 0x28, 0x27, 0xdb, 0x27, 0x9c, 0xce, 0x14, 0x50, 0x77, 0xd4, 0x54, 0xa3, 0x66,
    0x4d, 0x4e, 0x6d, 0xa4, 0xd2, 0x9e, 0xe0, 0x37, 0x25, 0xa6, 0xa4, 0xda, 0xfc, 0xd0, 0xfc,
    0x67, 0xd2, 0xae, 0xa7, 0x05, 0x29, 0x51, 0x3e, 0x3d, 0xa2, 0x67, 0x7f, 0xa5, 0x90, 0x6c,
    0x5b, 0x3f, 0x7d, 0x8f, 0x92, 0xf2, 0x28, 0xbd, 0xa4, 0x0d, 0xda, 0x72, 0x14, 0x70, 0xf9,
    0xfb, 0xf2, 0x97, 0xb5, 0xae, 0xa6, 0x17, 0x64, 0x6f, 0xac, 0x5c, 0x03, 0x27, 0x2e, 0x97,
    0x07, 0x27, 0xc6, 0x21, 0xa7, 0x91, 0x41, 0xef, 0x5f, 0x7d, 0xe6, 0x50, 0x5e, 0x5b, 0xfb,
    0xc3, 0x88, 0xe9, 0x33, 0x43, 0x69, 0x40, 0x93, 0x93, 0x4a, 0xe4, 0xd3, 0x57
};

/* pre_shared_key (RFC 8446 Sec. 4.2.11) is the last extension, laid out as
 * RFC 8448 Sec. 4 lays out the same identity and age, with a zero binder
 * of the hash's length where tp_ch_psk_layout says; the parser accepts it. */
static void test_pre_shared_key_last_with_binder_slot(void **state)
{
    (void)state;
    tp_ch_spec spec = rfc8448_spec();
    spec.padding = true;
    spec.psk_identity = rfc8448_ticket;
    spec.psk_identity_len = sizeof rfc8448_ticket;
    spec.psk_ticket_age = 0xfad6aacb;
    spec.psk_binder_len = 32;
    tp_error err = {0};
    tp_writer wr;
    tp_ch_psk_layout at = {0};
    tp_wr_init(&wr, 0, &err);
    assert_int_equal(tp_ch_build_message_psk(&spec, &wr, &at, &err), TP_OK);
    const uint8_t *m = tp_wr_data(&wr);
    size_t len = tp_wr_len(&wr);
    /* binders<33..2^16-1>: 0x0021, then PskBinderEntry 0x20 and 32 bytes. */
    assert_int_equal(at.binder_at, len - 32);
    assert_int_equal(at.truncated_len, len - 35);
    assert_int_equal(m[at.truncated_len], 0x00);
    assert_int_equal(m[at.truncated_len + 1], 0x21);
    assert_int_equal(m[at.truncated_len + 2], 0x20);
    for (size_t i = at.binder_at; i < len; i++)
        assert_int_equal(m[i], 0);
    /* The truncated hello ends exactly as RFC 8448's does. */
    static const uint8_t head[] = {0x00, 0x29, 0x00, 0xdd, 0x00, 0xb8, 0x00, 0xb2};
    size_t ext_at = at.truncated_len - 4 - sizeof rfc8448_ticket - sizeof head;
    assert_memory_equal(m + ext_at, head, sizeof head);
    assert_memory_equal(m + ext_at + sizeof head, rfc8448_ticket, sizeof rfc8448_ticket);
    assert_memory_equal(m + at.truncated_len - 4, ((const uint8_t[]){0xfa, 0xd6, 0xaa, 0xcb}), 4);
    /* Padding counted the extension after it: no length in 256..511. */
    assert_true(len < 256 || len > 511);
    tp_client_hello ch;
    assert_int_equal(tp_ch_parse(m + 4, len - 4, &ch, &err), TP_OK);
    assert_int_equal(ch.exts.ext[ch.exts.n - 1].type, TP_EXT_PRE_SHARED_KEY);
    tp_wr_finish(&wr);

    /* A binder outside PskBinderEntry<32..255>, an empty identity. */
    spec.psk_binder_len = 31;
    tp_wr_init(&wr, 0, &err);
    assert_int_equal(tp_ch_build_message_psk(&spec, &wr, &at, &err), TP_E_USAGE);
    tp_wr_finish(&wr);
    spec.psk_binder_len = 48;
    spec.psk_identity_len = 0;
    tp_error_clear(&err);
    tp_wr_init(&wr, 0, &err);
    assert_int_equal(tp_ch_build_message_psk(&spec, &wr, &at, &err), TP_E_USAGE);
    tp_wr_finish(&wr);
}

static void test_rfc8448_rebuilt_byte_for_byte(void **state)
{
    (void)state;
    tp_ch_spec spec = rfc8448_spec();
    tp_writer wr;
    build(&spec, &wr);
    assert_int_equal(tp_wr_len(&wr), sizeof rfc8448_ch);
    assert_memory_equal(tp_wr_data(&wr), rfc8448_ch, sizeof rfc8448_ch);
    tp_wr_finish(&wr);
}

static void test_rfc8448_parsed(void **state)
{
    (void)state;
    tp_client_hello ch;
    tp_error err = {0};
    assert_int_equal(tp_ch_parse(rfc8448_ch + 4, sizeof rfc8448_ch - 4, &ch, &err), TP_OK);
    assert_int_equal(ch.legacy_version, 0x0303);
    assert_ptr_equal(ch.random, rfc8448_ch + 6);
    assert_int_equal(ch.session_id_len, 0);
    assert_int_equal(ch.suites.n, 3);
    assert_int_equal(tp_u16_list_at(&ch.suites, 1), 0x1303);
    assert_int_equal(ch.n_compression, 1);
    assert_true(ch.has_extensions);
    assert_int_equal(ch.exts.n, 9);
    assert_int_equal(ch.exts.ext[0].type, TP_EXT_SERVER_NAME);
    assert_int_equal(ch.exts.ext[8].type, TP_EXT_RECORD_SIZE_LIMIT);
    assert_int_equal(ch.sni_len, 6);
    assert_memory_equal(ch.sni, "server", 6);
    assert_int_equal(ch.groups.n, 9);
    assert_int_equal(tp_u16_list_at(&ch.groups, 8), 0x0104);
    assert_int_equal(ch.sigalgs.n, 15);
    assert_int_equal(ch.versions.n, 1);
    assert_int_equal(tp_u16_list_at(&ch.versions, 0), 0x0304);
    assert_int_equal(ch.n_key_shares, 1);
    assert_int_equal(ch.key_share_groups[0], TP_GROUP_X25519);
    assert_int_equal(ch.n_psk_modes, 1);
    assert_true(ch.has_renegotiation_info);
    assert_int_equal(ch.record_size_limit, 0x4001);
    assert_int_equal(ch.n_alpn, 0);
}

static const uint16_t all_suites[] = {0xc02f, 0x1301, 0x0000, 0x00ff, 0x5600, 0xffff, 0x0a0a};
static const uint8_t comp[] = {1, 0};
static const uint8_t pf[] = {0, 1, 2};
static const char *const alpn[] = {"h2", "http/1.1", "x"};
static const uint8_t raw_data[] = {0xde, 0xad};
static const tp_ch_raw_ext extra[] = {{.type = 0x7777, .data = raw_data, .len = 2},
                                      {.type = 0x1234, .data = NULL, .len = 0}};
static const uint8_t rnd[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t custom_share[3] = {7, 7, 7};
static const tp_ch_key_share shares[] = {
    {.group = TP_GROUP_X25519},
    {.group = TP_GROUP_SECP256R1},
    {.group = TP_GROUP_SECP384R1},
    {.group = TP_GROUP_FFDHE2048},
    {.group = 0x11ec, .data = custom_share, .len = 3},
};
static const uint16_t versions[] = {0x0304, 0x0303, 0x0302};

static tp_ch_spec full_spec(void)
{
    return (tp_ch_spec){
        .record_version = 0x0301,
        .legacy_version = 0x0303,
        .random = rnd,
        .session_id = rnd,
        .session_id_len = 32,
        .suites = all_suites,
        .n_suites = 7,
        .compression = comp,
        .n_compression = 2,
        .sni = "example.test",
        .groups = rfc_groups,
        .n_groups = 9,
        .ec_point_formats = pf,
        .n_ec_point_formats = 3,
        .sigalgs = rfc_sigalgs,
        .n_sigalgs = 15,
        .versions = versions,
        .n_versions = 3,
        .key_share_ext = true,
        .key_shares = shares,
        .n_key_shares = 5,
        .x25519_public = rnd,
        .psk_modes = psk_dhe,
        .n_psk_modes = 1,
        .renegotiation_info = true,
        .extended_master_secret = true,
        .encrypt_then_mac = true,
        .session_ticket = true,
        .status_request = true,
        .alpn = alpn,
        .n_alpn = 3,
        .max_fragment_length = 2,
        .record_size_limit = 512,
        .extra = extra,
        .n_extra = 2,
        .padding = true,
    };
}

static void test_full_round_trip(void **state)
{
    (void)state;
    tp_ch_spec spec = full_spec();
    tp_writer wr;
    build(&spec, &wr);
    const uint8_t *m = tp_wr_data(&wr);
    assert_int_equal(m[0], TP_HS_CLIENT_HELLO);
    assert_int_equal(wt_get(m + 1, 3), tp_wr_len(&wr) - 4);
    tp_client_hello ch;
    tp_error err = {0};
    assert_int_equal(tp_ch_parse(m + 4, tp_wr_len(&wr) - 4, &ch, &err), TP_OK);
    assert_int_equal(ch.legacy_version, 0x0303);
    assert_memory_equal(ch.random, rnd, 32);
    assert_int_equal(ch.session_id_len, 32);
    assert_int_equal(ch.suites.n, 7);
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(tp_u16_list_at(&ch.suites, i), all_suites[i]);
    assert_int_equal(ch.n_compression, 2);
    assert_memory_equal(ch.compression, comp, 2);
    assert_int_equal(ch.sni_len, strlen("example.test"));
    assert_memory_equal(ch.sni, "example.test", ch.sni_len);
    assert_int_equal(ch.n_alpn, 3);
    assert_int_equal(ch.alpn_len[1], 8);
    assert_memory_equal(ch.alpn[1], "http/1.1", 8);
    assert_int_equal(ch.groups.n, 9);
    assert_int_equal(ch.n_ec_point_formats, 3);
    assert_int_equal(ch.sigalgs.n, 15);
    assert_int_equal(ch.versions.n, 3);
    assert_int_equal(tp_u16_list_at(&ch.versions, 2), 0x0302);
    assert_int_equal(ch.n_key_shares, 5);
    assert_int_equal(ch.key_share_groups[3], TP_GROUP_FFDHE2048);
    assert_int_equal(ch.key_share_groups[4], 0x11ec);
    assert_true(ch.has_renegotiation_info);
    assert_true(ch.extended_master_secret);
    assert_true(ch.encrypt_then_mac);
    assert_int_equal(ch.max_fragment_length, 2);
    assert_int_equal(ch.record_size_limit, 512);
    assert_non_null(tp_ext_find(&ch.exts, TP_EXT_SESSION_TICKET));
    assert_non_null(tp_ext_find(&ch.exts, TP_EXT_STATUS_REQUEST));
    const tp_ext_view *raw = tp_ext_find(&ch.exts, 0x7777);
    assert_non_null(raw);
    assert_int_equal(raw->len, 2);
    assert_memory_equal(raw->data, raw_data, 2);
    assert_non_null(tp_ext_find(&ch.exts, 0x1234));
    /* The built-in P-256 share is the generator, 65 bytes, uncompressed. */
    const tp_ext_view *ks = tp_ext_find(&ch.exts, TP_EXT_KEY_SHARE);
    assert_non_null(ks);
    assert_int_equal(ks->len, 2 + (4 + 32) + (4 + 65) + (4 + 97) + (4 + 256) + (4 + 3));
    assert_int_equal(ks->data[2 + 36 + 4], 0x04);
    tp_wr_finish(&wr);
}

/* RFC 7685 padding lands every message from 256 to 511 bytes at 512 or
 * just above, and leaves the others alone. */
static void test_padding_avoids_256_to_511(void **state)
{
    (void)state;
    static const char *const names[] = {"a", "bb"};
    uint16_t many[200];
    for (size_t i = 0; i < 200; i++)
        many[i] = (uint16_t)(0x0100 + i);
    for (size_t n = 1; n < 200; n++) {
        tp_ch_spec spec = {.legacy_version = 0x0303, .random = rnd, .suites = many,
                           .n_suites = n, .alpn = names, .n_alpn = 2, .padding = true};
        tp_ch_spec bare = spec;
        bare.padding = false;
        tp_writer wr, wr_bare;
        build(&spec, &wr);
        build(&bare, &wr_bare);
        size_t len = tp_wr_len(&wr), bare_len = tp_wr_len(&wr_bare);
        assert_false(len >= 256 && len <= 511);
        if (bare_len < 256 || bare_len > 511)
            assert_int_equal(len, bare_len);
        else
            assert_in_range(len, 512, 515);
        tp_client_hello ch;
        tp_error err = {0};
        assert_int_equal(tp_ch_parse(tp_wr_data(&wr) + 4, len - 4, &ch, &err), TP_OK);
        tp_wr_finish(&wr);
        tp_wr_finish(&wr_bare);
    }
}

static void test_ssl3_hello_has_no_extensions(void **state)
{
    (void)state;
    tp_ch_spec spec = {.record_version = 0x0300, .legacy_version = 0x0300, .random = rnd,
                       .suites = all_suites, .n_suites = 2, .no_extensions = true};
    tp_writer wr;
    build(&spec, &wr);
    assert_int_equal(tp_wr_len(&wr), 4 + 2 + 32 + 1 + 2 + 4 + 2);
    tp_client_hello ch;
    tp_error err = {0};
    assert_int_equal(tp_ch_parse(tp_wr_data(&wr) + 4, tp_wr_len(&wr) - 4, &ch, &err), TP_OK);
    assert_false(ch.has_extensions);
    tp_wr_finish(&wr);
    spec.sni = "x";
    tp_wr_init(&wr, 0, &err);
    assert_int_equal(tp_ch_build_message(&spec, &wr, &err), TP_E_USAGE);
    tp_wr_finish(&wr);
}

static void test_record_fragments_reassemble(void **state)
{
    (void)state;
    tp_ch_spec spec = full_spec();
    spec.max_record_fragment = 37;
    tp_error err = {0};
    tp_writer rec, msg;
    tp_wr_init(&rec, 0, &err);
    assert_int_equal(tp_ch_build(&spec, &rec, &err), TP_OK);
    build(&spec, &msg);
    tp_hs_reasm r;
    tp_hs_reasm_init(&r, 0);
    size_t pos = 0, records = 0;
    while (pos < tp_wr_len(&rec)) {
        tp_record hdr;
        tp_rec_state st;
        size_t used;
        assert_int_equal(tp_record_next(tp_wr_data(&rec) + pos, tp_wr_len(&rec) - pos, &hdr,
                                        &st, &used, &err), TP_OK);
        assert_int_equal(st, TP_REC_COMPLETE);
        assert_int_equal(hdr.type, TP_CT_HANDSHAKE);
        assert_int_equal(hdr.version, 0x0301);
        assert_true(hdr.length <= 37);
        assert_int_equal(tp_hs_reasm_feed(&r, hdr.fragment, hdr.length, &err), TP_OK);
        pos += used;
        records++;
    }
    assert_int_equal(records, (tp_wr_len(&msg) + 36) / 37);
    tp_hs_msg m;
    bool have;
    assert_int_equal(tp_hs_reasm_next(&r, &m, &have, &err), TP_OK);
    assert_true(have);
    assert_int_equal(m.type, TP_HS_CLIENT_HELLO);
    assert_int_equal(m.len + 4, tp_wr_len(&msg));
    assert_memory_equal(m.body, tp_wr_data(&msg) + 4, m.len);
    tp_hs_reasm_finish(&r);
    tp_wr_finish(&rec);
    tp_wr_finish(&msg);
}

static void test_spec_errors(void **state)
{
    (void)state;
    tp_error err = {0};
    tp_writer wr;
    tp_wr_init(&wr, 0, &err);
    tp_ch_spec spec = {.legacy_version = 0x0303, .suites = all_suites, .n_suites = 1};
    assert_int_equal(tp_ch_build_message(&spec, &wr, &err), TP_E_USAGE); /* no random */
    spec.random = rnd;
    spec.n_suites = 0;
    tp_error_clear(&err);
    assert_int_equal(tp_ch_build_message(&spec, &wr, &err), TP_E_USAGE);
    spec.n_suites = 1;
    spec.key_share_ext = true;
    spec.key_shares = x25519_share;
    spec.n_key_shares = 1; /* x25519 without x25519_public */
    tp_error_clear(&err);
    tp_wr_reset(&wr);
    assert_int_equal(tp_ch_build_message(&spec, &wr, &err), TP_E_USAGE);
    assert_non_null(strstr(err.msg, "x25519"));
    static const tp_ch_key_share unknown[] = {{.group = 0x6399}};
    spec.key_shares = unknown;
    tp_error_clear(&err);
    tp_wr_reset(&wr);
    assert_int_equal(tp_ch_build_message(&spec, &wr, &err), TP_E_UNSUPPORTED);
    spec.key_share_ext = false;
    spec.record_size_limit = 63;
    tp_error_clear(&err);
    tp_wr_reset(&wr);
    assert_int_equal(tp_ch_build_message(&spec, &wr, &err), TP_E_USAGE);
    tp_wr_finish(&wr);
}

/* Length fields of a ClientHello body, found by walking it. */
static void inner_fields(wt_fields *fs, const uint8_t *b, uint16_t type, size_t d, size_t dlen)
{
    size_t p, end = d + dlen;
    switch (type) {
    case TP_EXT_SERVER_NAME:
        wt_add(fs, d, 2, "server_name");
        wt_add(fs, d + 3, 2, "server_name");
        break;
    case TP_EXT_SUPPORTED_GROUPS:
        wt_add(fs, d, 2, "supported_groups");
        break;
    case TP_EXT_SIGNATURE_ALGORITHMS:
        wt_add(fs, d, 2, "signature_algorithms");
        break;
    case TP_EXT_EC_POINT_FORMATS:
        wt_add(fs, d, 1, "ec_point_formats");
        break;
    case TP_EXT_SUPPORTED_VERSIONS:
        wt_add(fs, d, 1, "supported_versions");
        break;
    case TP_EXT_PSK_KEY_EXCHANGE_MODES:
        wt_add(fs, d, 1, "psk_key_exchange_modes");
        break;
    case TP_EXT_RENEGOTIATION_INFO:
        wt_add(fs, d, 1, "renegotiation_info");
        break;
    case TP_EXT_ALPN:
        wt_add(fs, d, 2, "ALPN");
        for (p = d + 2; p < end; p += 1 + b[p])
            wt_add(fs, p, 1, "ALPN");
        break;
    case TP_EXT_KEY_SHARE:
        wt_add(fs, d, 2, "key_share");
        for (p = d + 2; p < end; p += 4 + wt_get(b + p + 2, 2))
            wt_add(fs, p + 2, 2, "key_share");
        break;
    default:
        break;
    }
}

static void ch_fields(const uint8_t *b, size_t len, wt_fields *fs)
{
    size_t p = 34;
    wt_add(fs, p, 1, "session_id|cipher_suites");
    p += 1 + b[p];
    wt_add(fs, p, 2, "cipher_suites|compression");
    p += 2 + wt_get(b + p, 2);
    wt_add(fs, p, 1, "compression|extension|ClientHello");
    p += 1 + b[p];
    if (p == len)
        return;
    wt_add(fs, p, 2, "extension|ClientHello");
    for (p += 2; p < len;) {
        uint16_t type = (uint16_t)wt_get(b + p, 2);
        size_t dlen = wt_get(b + p + 2, 2);
        wt_add(fs, p + 2, 2, "extension|ClientHello|server_name|ALPN|key_share|"
                             "supported|signature|ec_point|psk|renegotiation|record_size|"
                             "max_fragment|master_secret|then_mac|pre_shared_key");
        inner_fields(fs, b, type, p + 4, dlen);
        p += 4 + dlen;
    }
}

static size_t extensions_offset(const uint8_t *b)
{
    size_t p = 34;
    p += 1 + b[p];
    p += 2 + wt_get(b + p, 2);
    return p + 1 + b[p];
}

static void mutate_all(const uint8_t *body, size_t len)
{
    size_t ok_at = extensions_offset(body);
    wt_truncate_all(parse_ch, body, len, &ok_at, 1);
    wt_fields fs = {.n = 0};
    ch_fields(body, len, &fs);
    wt_mutate_lengths(parse_ch, body, len, &fs);
}

static void test_rfc8448_mutations(void **state)
{
    (void)state;
    mutate_all(rfc8448_ch + 4, sizeof rfc8448_ch - 4);
}

static void test_full_mutations(void **state)
{
    (void)state;
    tp_ch_spec spec = full_spec();
    tp_writer wr;
    build(&spec, &wr);
    mutate_all(tp_wr_data(&wr) + 4, tp_wr_len(&wr) - 4);
    tp_wr_finish(&wr);
}

static void expect_parse_error(const uint8_t *body, size_t len, const char *word)
{
    tp_error err = {0};
    assert_int_equal(wt_run(parse_ch, body, len, &err), TP_E_PARSE);
    if (strstr(err.msg, word) == NULL)
        fail_msg("expected \"%s\" in \"%s\"", word, err.msg);
}

static void test_semantic_errors(void **state)
{
    (void)state;
    uint8_t b[sizeof rfc8448_ch];
    memcpy(b, rfc8448_ch, sizeof b);
    /* Make the record_size_limit extension a second server_name. */
    b[sizeof b - 6] = 0x00;
    b[sizeof b - 5] = 0x00;
    expect_parse_error(b + 4, sizeof b - 4, "duplicate extension");
    memcpy(b, rfc8448_ch, sizeof b);
    b[sizeof b - 1] = 0x3f; /* record_size_limit 0x403f is fine ... */
    b[sizeof b - 2] = 0x00; /* ... 0x003f is below 64 */
    expect_parse_error(b + 4, sizeof b - 4, "record_size_limit");
    memcpy(b, rfc8448_ch, sizeof b);
    /* Make the session_ticket extension (0x0023) a pre_shared_key (0x0029)
     * in the middle of the block (RFC 8446 Sec. 4.2.11). */
    assert_int_equal(b[0x5f], 0x00);
    assert_int_equal(b[0x60], 0x23);
    b[0x60] = 0x29;
    expect_parse_error(b + 4, sizeof b - 4, "pre_shared_key");
    memcpy(b, rfc8448_ch, sizeof b);
    assert_int_equal(b[0x28], 0x06);
    b[0x28] = 0x05; /* odd cipher_suites length */
    expect_parse_error(b + 4, sizeof b - 4, "cipher_suites");
}

/* ---- SSL 2.0 ---- */

static tp_status parse_ssl2_ch(const uint8_t *buf, size_t len, tp_error *err)
{
    tp_ssl2_client_hello ch;
    return tp_ssl2_ch_parse(buf, len, &ch, err);
}

static void test_ssl2_round_trip_and_mutations(void **state)
{
    (void)state;
    static const uint32_t kinds[] = {0x010080, 0x0700c0, 0x00c02f};
    tp_ssl2_ch_spec spec = {.version = 0x0002, .kinds = kinds, .n_kinds = 3,
                            .session_id = rnd, .session_id_len = 16,
                            .challenge = rnd + 8, .challenge_len = 16};
    tp_error err = {0};
    tp_writer wr;
    tp_wr_init(&wr, 0, &err);
    assert_int_equal(tp_ssl2_ch_build(&spec, &wr, &err), TP_OK);
    const uint8_t *b = tp_wr_data(&wr);
    size_t len = tp_wr_len(&wr);
    assert_int_equal(len, 2 + 9 + 9 + 16 + 16);
    assert_int_equal(b[0], 0x80);
    assert_int_equal(b[1], len - 2);
    tp_ssl2_record rec;
    tp_rec_state st;
    size_t used;
    assert_int_equal(tp_ssl2_record_next(b, len, &rec, &st, &used, &err), TP_OK);
    assert_int_equal(st, TP_REC_COMPLETE);
    assert_int_equal(used, len);
    tp_ssl2_client_hello ch;
    assert_int_equal(tp_ssl2_ch_parse(rec.data, rec.length, &ch, &err), TP_OK);
    assert_int_equal(ch.version, 2);
    assert_int_equal(ch.n_kinds, 3);
    assert_int_equal(tp_ssl2_kind_at(ch.kinds, 1), 0x0700c0);
    assert_int_equal(tp_ssl2_kind_at(ch.kinds, 2), 0x00c02f);
    assert_memory_equal(ch.session_id, rnd, 16);
    assert_memory_equal(ch.challenge, rnd + 8, 16);
    wt_truncate_all(parse_ssl2_ch, rec.data, rec.length, NULL, 0);
    wt_fields fs = {.n = 0};
    wt_add(&fs, 3, 2, "CIPHER-SPECS");
    wt_add(&fs, 5, 2, "SESSION-ID");
    wt_add(&fs, 7, 2, "CHALLENGE");
    wt_mutate_lengths(parse_ssl2_ch, rec.data, rec.length, &fs);
    tp_wr_finish(&wr);

    spec.challenge_len = 15;
    tp_wr_init(&wr, 0, &err);
    assert_int_equal(tp_ssl2_ch_build(&spec, &wr, &err), TP_E_USAGE);
    tp_wr_finish(&wr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8448_rebuilt_byte_for_byte),
        cmocka_unit_test(test_rfc8448_parsed),
        cmocka_unit_test(test_full_round_trip),
        cmocka_unit_test(test_padding_avoids_256_to_511),
        cmocka_unit_test(test_ssl3_hello_has_no_extensions),
        cmocka_unit_test(test_record_fragments_reassemble),
        cmocka_unit_test(test_spec_errors),
        cmocka_unit_test(test_rfc8448_mutations),
        cmocka_unit_test(test_full_mutations),
        cmocka_unit_test(test_semantic_errors),
        cmocka_unit_test(test_ssl2_round_trip_and_mutations),
        cmocka_unit_test(test_pre_shared_key_last_with_binder_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
