/* test_scan_render.c: the --enum keys of the JSON document, parsed back
 * with jansson (types, codes, a jq-style selection, hostile strings), and
 * the text tables (server order, notes, no ANSI without colour, escaping). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "grade/policy.h"
#include "report/scan_render.h"
#include "wire/registry.h"
#include "util/banned.h"

static void ok(tp_status status)
{
    assert_int_equal(status, TP_OK);
}

struct fx {
    struct tp_report report;
    struct tp_scan scan;
};

static struct tp_scan_suite *add_suite(struct tp_scan *scan, uint16_t version, uint32_t code,
                                       unsigned order, unsigned kx_bits, const char *kx_group)
{
    struct tp_scan_suite *s = tp_scan_add_suite(scan);
    assert_non_null(s);
    s->version = version;
    s->code = code;
    s->order = order;
    s->kx_bits = kx_bits;
    const struct tp_suite_info *info = version == TP_VER_SSL2 ? tp_ssl2_kind_by_code(code)
                                                              : tp_suite_by_code((uint16_t)code);
    assert_non_null(info);
    ok(tp_set_str(&s->name, tp_suite_name(info)));
    ok(tp_set_str(&s->kx_group, kx_group));
    return s;
}

/* A legacy server: SSLv2, TLS 1.0 and 1.2, RC4 and CBC next to GCM, server
 * order in TLS 1.2 listed out of order in the array; hostile bytes in a
 * group name and a feature detail. Rated under rfc9325. */
static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    *state = f;
    tp_report_init(&f->report);
    tp_scan_init(&f->scan);
    struct tp_scan *s = &f->scan;
    const enum tp_tri v[TP_SCAN_VERSIONS] = {TP_TRI_YES, TP_TRI_NO, TP_TRI_YES,
                                             TP_TRI_NO,  TP_TRI_YES, TP_TRI_UNKNOWN};
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++)
        s->protocols[i].supported = v[i];
    ok(tp_set_str(&s->protocols[5].why, "timed out after 3 s"));
    s->protocols[4].server_order = TP_TRI_YES;
    s->protocols[2].server_order = TP_TRI_NO;
    add_suite(s, TP_VER_TLS12, 0xC013, 2, 256, "secp256r1");
    add_suite(s, TP_VER_TLS12, 0xC02F, 1, 256, "secp256r1");
    add_suite(s, TP_VER_TLS12, 0x0005, 3, 0, NULL);
    add_suite(s, TP_VER_TLS10, 0x0005, 1, 0, NULL);
    add_suite(s, TP_VER_SSL2, 0x0700C0, 0, 0, NULL);
    struct tp_scan_group *g = tp_scan_add_group(s);
    assert_non_null(g);
    g->code = 0x0017;
    g->supported = TP_TRI_YES;
    g->bits = 256;
    g->versions_seen = (uint16_t)((1u << (TP_VER_TLS12 - TP_VER_SSL3)) |
                                  (1u << (TP_VER_TLS10 - TP_VER_SSL3)));
    ok(tp_set_str(&g->name, "secp256r1\x1b[2J\xff"));
    struct tp_scan_sigscheme *sig = tp_scan_add_sigscheme(s);
    assert_non_null(sig);
    sig->code = 0x0201;
    sig->supported = TP_TRI_YES;
    ok(tp_set_str(&sig->name, "rsa_pkcs1_sha1"));
    struct tp_scan_feature *feat = tp_scan_add_feature(s);
    assert_non_null(feat);
    ok(tp_set_str(&feat->id, "secure_renegotiation"));
    feat->value = TP_TRI_YES;
    ok(tp_set_str(&feat->detail, "renegotiation_info\xc3\x28 seen"));
    feat = tp_scan_add_feature(s);
    assert_non_null(feat);
    ok(tp_set_str(&feat->id, "compression"));
    feat->value = TP_TRI_UNKNOWN;
    s->connections = 42;
    s->probes = 57;
    s->rtt_ms = 3;
    s->elapsed_us = 1234567;
    ok(grade_scan(s, "rfc9325", &f->report));
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    tp_scan_finish(&f->scan);
    tp_report_finish(&f->report);
    free(f);
    return 0;
}

/* Render into a fresh object, dump, and parse back: what a consumer sees. */
static json_t *round_trip(const struct tp_scan *scan)
{
    json_t *root = json_object();
    assert_non_null(root);
    ok(scan_render_json(root, scan));
    char *text = json_dumps(root, JSON_INDENT(2));
    assert_non_null(text);
    json_decref(root);
    json_error_t error;
    json_t *doc = json_loads(text, 0, &error);
    free(text);
    if (doc == NULL)
        fail_msg("rendered JSON does not parse: %s", error.text);
    return doc;
}

static const char *jget_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("\"%s\" is not a string", key);
    return json_string_value(v);
}

static void test_json_enumeration(void **state)
{
    struct fx *f = *state;
    json_t *doc = round_trip(&f->scan);
    json_t *e = json_object_get(doc, "enumeration");
    assert_true(json_is_object(e));
    assert_string_equal(jget_str(e, "policy"), "rfc9325");
    assert_string_equal(jget_str(e, "grade"), "F");
    assert_true(json_is_integer(json_object_get(e, "score")));
    assert_int_equal(json_integer_value(json_object_get(e, "connections")), 42);
    assert_int_equal(json_integer_value(json_object_get(e, "probes")), 57);
    assert_int_equal(json_integer_value(json_object_get(e, "rtt_ms")), 3);
    assert_true(json_is_real(json_object_get(e, "elapsed_ms")));
    json_t *caps = json_object_get(e, "caps");
    assert_true(json_is_array(caps));
    assert_int_equal(json_array_size(caps), f->scan.n_caps);
    assert_true(json_array_size(caps) >= 2); /* SSLv2 F, TLS 1.0 B, RC4 C, ... */
    size_t i;
    json_t *cap;
    json_array_foreach(caps, i, cap) {
        assert_non_null(jget_str(cap, "grade"));
        assert_true(strlen(jget_str(cap, "reason")) > 0);
    }
    json_decref(doc);
}

static void test_json_protocols(void **state)
{
    struct fx *f = *state;
    json_t *doc = round_trip(&f->scan);
    json_t *protocols = json_object_get(doc, "protocols");
    assert_true(json_is_array(protocols));
    assert_int_equal(json_array_size(protocols), 6);
    static const char *const names[] = {"SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2",
                                        "TLSv1.3"};
    for (size_t i = 0; i < 6; i++) {
        json_t *p = json_array_get(protocols, i);
        assert_string_equal(jget_str(p, "version"), names[i]);
        assert_non_null(json_object_get(p, "reference"));
        assert_string_not_equal(jget_str(p, "rating"), "unrated");
    }
    assert_true(json_is_true(json_object_get(json_array_get(protocols, 0), "supported")));
    assert_true(json_is_false(json_object_get(json_array_get(protocols, 1), "supported")));
    json_t *tls13 = json_array_get(protocols, 5);
    assert_true(json_is_null(json_object_get(tls13, "supported")));
    assert_string_equal(jget_str(tls13, "why"), "timed out after 3 s");
    assert_string_equal(jget_str(json_array_get(protocols, 0), "rating"), "forbidden");
    assert_true(json_is_true(json_object_get(json_array_get(protocols, 4), "server_order")));
    json_decref(doc);
}

static void test_json_cipher_suites(void **state)
{
    struct fx *f = *state;
    json_t *doc = round_trip(&f->scan);
    json_t *suites = json_object_get(doc, "cipher_suites");
    assert_true(json_is_array(suites));
    assert_int_equal(json_array_size(suites), 5);
    json_t *cbc = json_array_get(suites, 0);
    assert_string_equal(jget_str(cbc, "version"), "TLSv1.2");
    assert_string_equal(jget_str(cbc, "name"), "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
    assert_string_equal(jget_str(cbc, "code"), "0xC013");
    assert_string_equal(jget_str(cbc, "rating"), "weak");
    assert_non_null(strstr(jget_str(cbc, "reference"), "RFC 9325"));
    assert_int_equal(json_integer_value(json_object_get(cbc, "order")), 2);
    assert_int_equal(json_integer_value(json_object_get(cbc, "kx_bits")), 256);
    assert_string_equal(jget_str(cbc, "kx_group"), "secp256r1");
    json_t *ssl2 = json_array_get(suites, 4);
    assert_string_equal(jget_str(ssl2, "code"), "0x0700C0");
    assert_true(json_is_null(json_object_get(ssl2, "order")));
    assert_true(json_is_null(json_object_get(ssl2, "kx_group")));

    /* jq '.cipher_suites[] | select(.rating=="forbidden") | .name' */
    size_t i, n = 0;
    json_t *s;
    json_array_foreach(suites, i, s) {
        if (strcmp(jget_str(s, "rating"), "forbidden") != 0)
            continue;
        const char *name = jget_str(s, "name");
        assert_true(strcmp(name, "TLS_RSA_WITH_RC4_128_SHA") == 0 ||
                    strcmp(name, "SSL_CK_DES_192_EDE3_CBC_WITH_MD5") == 0);
        n++;
    }
    assert_int_equal(n, 3); /* RC4 with TLS 1.2 and 1.0, the SSLv2 kind */
    json_decref(doc);
}

/* One reasons element: {rating, reason, reference}, all strings. */
static json_t *reason_at(json_t *item, size_t i)
{
    json_t *reasons = json_object_get(item, "reasons");
    assert_true(json_is_array(reasons));
    json_t *r = json_array_get(reasons, i);
    if (!json_is_object(r))
        fail_msg("reasons[%zu] missing", i);
    assert_int_equal(json_object_size(r), 3);
    assert_true(strlen(jget_str(r, "reason")) > 0);
    assert_true(strlen(jget_str(r, "reference")) > 0);
    return r;
}

static void test_json_reasons(void **state)
{
    struct fx *f = *state;
    json_t *doc = round_trip(&f->scan);
    /* RC4 with static RSA: forbidden for RC4, and deprecated key exchange. */
    json_t *rc4 = json_array_get(json_object_get(doc, "cipher_suites"), 2);
    assert_string_equal(jget_str(rc4, "name"), "TLS_RSA_WITH_RC4_128_SHA");
    assert_int_equal(json_array_size(json_object_get(rc4, "reasons")), 2);
    json_t *first = reason_at(rc4, 0);
    assert_string_equal(jget_str(first, "rating"), jget_str(rc4, "rating"));
    assert_string_equal(jget_str(first, "reason"), jget_str(rc4, "reason"));
    assert_string_equal(jget_str(first, "reference"), jget_str(rc4, "reference"));
    assert_non_null(strstr(jget_str(first, "reason"), "RC4"));
    json_t *second = reason_at(rc4, 1);
    assert_string_equal(jget_str(second, "rating"), "deprecated");
    assert_non_null(strstr(jget_str(second, "reason"), "static RSA"));
    /* Every rated element has them: protocols, groups and schemes too. */
    static const char *const arrays[] = {"protocols", "cipher_suites", "groups",
                                         "signature_schemes"};
    for (size_t a = 0; a < 4; a++) {
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(doc, arrays[a]), i, item) {
            assert_string_equal(jget_str(reason_at(item, 0), "reason"),
                                jget_str(item, "reason"));
        }
    }
    json_decref(doc);
}

static void test_json_groups_schemes_features(void **state)
{
    struct fx *f = *state;
    json_t *doc = round_trip(&f->scan);
    json_t *g = json_array_get(json_object_get(doc, "groups"), 0);
    assert_non_null(g);
    /* Invalid UTF-8 became U+FFFD, the escape byte stays (JSON escapes it). */
    assert_string_equal(jget_str(g, "name"), "secp256r1\x1b[2J\xef\xbf\xbd");
    assert_string_equal(jget_str(g, "code"), "0x0017");
    assert_true(json_is_true(json_object_get(g, "supported")));
    json_t *versions = json_object_get(g, "versions");
    assert_int_equal(json_array_size(versions), 2);
    assert_string_equal(json_string_value(json_array_get(versions, 0)), "TLSv1.0");
    assert_string_equal(json_string_value(json_array_get(versions, 1)), "TLSv1.2");
    assert_int_equal(json_integer_value(json_object_get(g, "bits")), 256);
    assert_string_equal(jget_str(g, "rating"), "recommended");

    json_t *sig = json_array_get(json_object_get(doc, "signature_schemes"), 0);
    assert_string_equal(jget_str(sig, "name"), "rsa_pkcs1_sha1");
    assert_string_equal(jget_str(sig, "code"), "0x0201");
    assert_string_equal(jget_str(sig, "rating"), "forbidden");

    json_t *features = json_object_get(doc, "features");
    assert_true(json_is_object(features));
    json_t *reneg = json_object_get(features, "secure_renegotiation");
    assert_true(json_is_true(json_object_get(reneg, "value")));
    assert_string_equal(jget_str(reneg, "detail"), "renegotiation_info\xef\xbf\xbd( seen");
    json_t *comp = json_object_get(features, "compression");
    assert_true(json_is_null(json_object_get(comp, "value")));
    assert_true(json_is_null(json_object_get(comp, "detail")));
    json_decref(doc);
}

static void test_json_without_scan(void **state)
{
    (void)state;
    json_t *doc = round_trip(NULL);
    static const char *const keys[] = {"enumeration", "protocols", "cipher_suites",
                                       "groups", "signature_schemes", "features"};
    assert_int_equal(json_object_size(doc), 6);
    for (size_t i = 0; i < 6; i++) {
        json_t *v = json_object_get(doc, keys[i]);
        assert_non_null(v);
        assert_true(json_is_null(v));
    }
    json_decref(doc);
}

static void test_json_unrated(void **state)
{
    (void)state;
    struct tp_scan scan;
    tp_scan_init(&scan);
    add_suite(&scan, TP_VER_TLS12, 0xC02F, 1, 0, NULL);
    json_t *doc = round_trip(&scan);
    json_t *s = json_array_get(json_object_get(doc, "cipher_suites"), 0);
    assert_true(json_is_null(json_object_get(s, "rating")));
    json_t *reasons = json_object_get(s, "reasons");
    assert_non_null(reasons); /* present, and null like reason */
    assert_true(json_is_null(reasons));
    assert_true(json_is_null(json_object_get(json_object_get(doc, "enumeration"), "grade")));
    json_decref(doc);
    tp_scan_finish(&scan);
}

static char *render(const struct tp_scan *scan, bool colour)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    ok(scan_render_text(out, scan, colour));
    assert_int_equal(fclose(out), 0);
    return text;
}

static void test_text_plain(void **state)
{
    struct fx *f = *state;
    char *text = render(&f->scan, false);
    assert_null(strchr(text, '\x1b')); /* no ANSI, and the peer's ESC is escaped */
    assert_non_null(strstr(text, "secp256r1\\x1b[2J\\xff"));
    assert_non_null(strstr(text, "policy rfc9325"));
    /* Server order: order 1 before order 2, though the array has 2 first. */
    const char *gcm = strstr(text, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    const char *cbc = strstr(text, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
    assert_non_null(gcm);
    assert_non_null(cbc);
    assert_true(gcm < cbc);
    /* Versions newest first; the SSLv2 kind with its 3-byte code. */
    assert_true(strstr(text, "TLSv1.2") < strstr(text, "TLSv1.0"));
    assert_non_null(strstr(text, "0x0700C0"));
    /* A weak suite points to a numbered note with its reason. */
    assert_non_null(strstr(text, "weak [1]"));
    assert_non_null(strstr(text, "[1] CBC mode"));
    /* RC4 with static RSA: both reasons, worst first, each noted once. */
    assert_non_null(strstr(text, "forbidden [2, 3]"));
    assert_non_null(strstr(text, "[2] RC4"));
    assert_non_null(strstr(text, "[3] static RSA"));
    assert_non_null(strstr(text, "timed out after 3 s"));
    assert_non_null(strstr(text, "capped at F: SSL 2.0"));
    assert_non_null(strstr(text, "42 connections, 57 probes"));
    free(text);
}

/* Every reason, in the text too: a suite's as notes, a version's one a
 * line, a scheme's joined on its line. */
static void test_text_all_reasons(void **state)
{
    (void)state;
    struct tp_report report;
    tp_report_init(&report);
    struct tp_scan scan;
    tp_scan_init(&scan);
    scan.protocols[2].supported = TP_TRI_YES; /* TLS 1.0 */
    scan.protocols[4].supported = TP_TRI_YES;
    add_suite(&scan, TP_VER_TLS12, 0x0001, 1, 0, NULL); /* TLS_RSA_WITH_NULL_MD5 */
    struct tp_scan_sigscheme *sig = tp_scan_add_sigscheme(&scan);
    assert_non_null(sig);
    sig->code = 0x0102; /* MD5 with DSA */
    sig->supported = TP_TRI_YES;
    ok(tp_set_str(&sig->name, "legacy:md5+dsa"));
    ok(grade_scan(&scan, "mozilla-intermediate", &report));
    char *text = render(&scan, false);
    assert_non_null(strstr(text, "TLS_RSA_WITH_NULL_MD5"));
    assert_non_null(strstr(text, "forbidden [1, 2, 3, 4]\n"));
    assert_non_null(strstr(text, "  [1] NULL encryption"));
    assert_non_null(strstr(text, "  [2] outside Mozilla intermediate"));
    assert_non_null(strstr(text, "  [3] MD5 MAC"));
    assert_non_null(strstr(text, "  [4] static RSA key transport: no forward secrecy"));
    const char *tls10 = strstr(text, "TLS 1.0 must not be used");
    assert_non_null(tls10);
    assert_non_null(strstr(tls10, "\n            outside Mozilla intermediate: TLS 1.2 and TLS 1.3"));
    const char *scheme = strstr(text, "forbidden: MD5 or SHA-1 must not be used in TLS 1.2 or "
                                      "TLS 1.3 handshake signatures; outside Mozilla");
    assert_non_null(scheme);
    assert_non_null(strstr(scheme, "; DSA was removed"));
    assert_true(strstr(scheme, "; DSA was removed") < strchr(scheme, '\n'));
    free(text);
    tp_scan_finish(&scan);
    tp_report_finish(&report);
}

static void test_text_colour(void **state)
{
    struct fx *f = *state;
    char *text = render(&f->scan, true);
    assert_non_null(strstr(text, "\x1b[31mforbidden\x1b[0m"));
    assert_non_null(strstr(text, "\x1b[33mweak\x1b[0m"));
    assert_non_null(strstr(text, "\x1b[32mrecommended\x1b[0m"));
    assert_null(strstr(text, "\x1b[2J")); /* the peer's sequence never passes */
    free(text);
}

static void test_text_without_scan(void **state)
{
    (void)state;
    char *text = render(NULL, false);
    assert_string_equal(text, "");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_json_enumeration, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_json_protocols, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_json_cipher_suites, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_json_groups_schemes_features, fx_setup,
                                        fx_teardown),
        cmocka_unit_test(test_json_without_scan),
        cmocka_unit_test_setup_teardown(test_json_reasons, fx_setup, fx_teardown),
        cmocka_unit_test(test_json_unrated),
        cmocka_unit_test_setup_teardown(test_text_plain, fx_setup, fx_teardown),
        cmocka_unit_test(test_text_all_reasons),
        cmocka_unit_test_setup_teardown(test_text_colour, fx_setup, fx_teardown),
        cmocka_unit_test(test_text_without_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
