/* Unit tests for src/wire/ssl2.c and src/wire/alert.c. The SSL 2.0
 * SERVER-HELLO bytes are built here as an SSL 2.0 server would send them
 * (no Debian package serves SSL 2.0 any more). */
#include "wire_test.h"

#include "wire/alert.h"
#include "wire/ssl2.h"
#include "wire/writer.h"

#include "util/banned.h"

/* SERVER-HELLO: not a hit, X.509 certificate, version 2, a fake 20-byte
 * certificate, kinds, 16-byte connection id. */
static size_t build_ssl2_server_hello(uint8_t *out, size_t cap, size_t n_kinds)
{
    static const uint32_t kinds[] = {0x010080, 0x020080, 0x030080, 0x0700c0};
    tp_error err = {0};
    tp_writer wr;
    tp_wr_init(&wr, 0, &err);
    tp_wr_u8(&wr, TP_SSL2_MT_SERVER_HELLO);
    tp_wr_u8(&wr, 0);
    tp_wr_u8(&wr, 1);
    tp_wr_u16(&wr, 0x0002);
    tp_wr_u16(&wr, 20);
    tp_wr_u16(&wr, (uint16_t)(3 * n_kinds));
    tp_wr_u16(&wr, 16);
    for (size_t i = 0; i < 20; i++)
        tp_wr_u8(&wr, (uint8_t)(0x30 + i));
    for (size_t i = 0; i < n_kinds; i++)
        tp_wr_u24(&wr, kinds[i]);
    for (size_t i = 0; i < 16; i++)
        tp_wr_u8(&wr, (uint8_t)(0xc0 + i));
    assert_int_equal(tp_wr_status(&wr), TP_OK);
    size_t n = tp_wr_len(&wr);
    assert_true(n <= cap);
    memcpy(out, tp_wr_data(&wr), n);
    tp_wr_finish(&wr);
    return n;
}

static tp_status parse_ssl2_sh(const uint8_t *buf, size_t len, tp_error *err)
{
    tp_ssl2_server_hello sh;
    return tp_ssl2_sh_parse(buf, len, &sh, err);
}

static void test_ssl2_server_hello(void **state)
{
    (void)state;
    uint8_t b[256];
    size_t n = build_ssl2_server_hello(b, sizeof b, 4);
    tp_ssl2_server_hello sh;
    tp_error err = {0};
    assert_int_equal(tp_ssl2_sh_parse(b, n, &sh, &err), TP_OK);
    assert_false(sh.session_id_hit);
    assert_int_equal(sh.certificate_type, 1);
    assert_int_equal(sh.version, 2);
    assert_int_equal(sh.certificate_len, 20);
    assert_int_equal(sh.certificate[0], 0x30);
    assert_int_equal(sh.n_kinds, 4);
    assert_int_equal(sh.kinds[9], 0x07);
    assert_int_equal(sh.connection_id_len, 16);
    assert_int_equal(sh.connection_id[15], 0xcf);
    wt_truncate_all(parse_ssl2_sh, b, n, NULL, 0);
    wt_fields fs = {.n = 0};
    wt_add(&fs, 5, 2, "CERTIFICATE|CIPHER-SPECS|CONNECTION-ID|SERVER-HELLO");
    wt_add(&fs, 7, 2, "CIPHER-SPECS");
    wt_add(&fs, 9, 2, "CONNECTION-ID");
    wt_mutate_lengths(parse_ssl2_sh, b, n, &fs);

    /* SSL 2.0 enabled with no SSL 2.0 cipher: an empty list, which the
     * caller must be able to tell from a real offer. */
    n = build_ssl2_server_hello(b, sizeof b, 0);
    assert_int_equal(tp_ssl2_sh_parse(b, n, &sh, &err), TP_OK);
    assert_int_equal(sh.n_kinds, 0);
    b[0] = TP_SSL2_MT_ERROR;
    assert_int_equal(tp_ssl2_sh_parse(b, n, &sh, &err), TP_E_PARSE);
}

static tp_status parse_ssl2_error(const uint8_t *buf, size_t len, tp_error *err)
{
    uint16_t code;
    return tp_ssl2_error_parse(buf, len, &code, err);
}

static void test_ssl2_error(void **state)
{
    (void)state;
    static const uint8_t msg[] = {0, 0, 1};
    uint16_t code;
    tp_error err = {0};
    assert_int_equal(tp_ssl2_error_parse(msg, sizeof msg, &code, &err), TP_OK);
    assert_int_equal(code, TP_SSL2_PE_NO_CIPHER);
    assert_string_equal(tp_ssl2_error_name(code), "NO-CIPHER-ERROR");
    assert_null(tp_ssl2_error_name(3));
    wt_truncate_all(parse_ssl2_error, msg, sizeof msg, NULL, 0);
    static const uint8_t longer[] = {0, 0, 1, 0};
    assert_int_equal(wt_run(parse_ssl2_error, longer, sizeof longer, &err), TP_E_PARSE);
}

static tp_status parse_alert(const uint8_t *buf, size_t len, tp_error *err)
{
    tp_alert a;
    return tp_alert_parse(buf, len, &a, err);
}

static void test_alert(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = wt_load("gnutls-alert-fallback.bin", &len);
    tp_alert a;
    tp_error err = {0};
    assert_int_equal(tp_alert_parse(buf + 5, len - 5, &a, &err), TP_OK);
    assert_int_equal(a.level, TP_ALERT_FATAL);
    assert_int_equal(a.description, TP_AD_INAPPROPRIATE_FALLBACK);
    assert_string_equal(tp_alert_name(a.description), "inappropriate_fallback");
    assert_string_equal(tp_alert_level_name(a.level), "fatal");
    wt_truncate_all(parse_alert, buf + 5, len - 5, NULL, 0);
    free(buf);
    static const uint8_t bad_level[] = {3, 40};
    assert_int_equal(wt_run(parse_alert, bad_level, 2, &err), TP_E_PARSE);
    assert_non_null(strstr(err.msg, "level"));
    static const uint8_t odd[] = {1, 112, 2};
    assert_int_equal(wt_run(parse_alert, odd, 3, &err), TP_E_PARSE);
    static const uint8_t two[] = {1, 112, 2, 40};
    assert_int_equal(tp_alert_parse(two, 4, &a, &err), TP_OK);
    assert_int_equal(a.description, TP_AD_UNRECOGNIZED_NAME);
}

static void test_alert_names(void **state)
{
    (void)state;
    assert_string_equal(tp_alert_name(0), "close_notify");
    assert_string_equal(tp_alert_name(40), "handshake_failure");
    assert_string_equal(tp_alert_name(70), "protocol_version");
    assert_string_equal(tp_alert_name(21), "decryption_failed");
    assert_string_equal(tp_alert_name(41), "no_certificate");
    assert_string_equal(tp_alert_name(116), "certificate_required");
    assert_string_equal(tp_alert_name(120), "no_application_protocol");
    assert_null(tp_alert_name(1));
    assert_null(tp_alert_name(255));
    size_t named = 0;
    for (unsigned d = 0; d < 256; d++)
        named += tp_alert_name((uint8_t)d) != NULL;
    assert_int_equal(named, 35);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ssl2_server_hello),
        cmocka_unit_test(test_ssl2_error),
        cmocka_unit_test(test_alert),
        cmocka_unit_test(test_alert_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
