/* Unit tests for --read's streamed report (report/timing_audit_json.c,
 * report/timing_stream.c): each handshake element is written as text
 * without jansson, so it must read back through jansson and dump to the
 * very same bytes (layout, escaping, reals), its "timing" object must equal
 * the one timing_json.c builds for --timing, and the streamed document
 * must be one valid JSON document with the keys of render_json(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "report/model.h"
#include "report/render.h"
#include "report/timing_model.h"
#include "report/timing_render.h"
#include "wire/registry.h"
#include "util/text.h"
#include "util/banned.h"

#define DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

/* Control characters, quotes, an ANSI sequence and invalid UTF-8. */
#define HOSTILE "evil\x1b[31m\"q\"\x07\r\n\t\b\f\x01\x1f\x7f/\xc2\x9b\xff\xfe\\end \xc3\xa9"

static void must(tp_status status)
{
    assert_int_equal(status, TP_OK);
}

static void codes(struct tp_code_list *l, const uint16_t *v, size_t n, size_t total)
{
    memcpy(l->v, v, n * sizeof *v);
    l->n = n;
    l->total = total;
}

/* A TLS 1.2 handshake with a chain, hostile strings, and reals that take
 * each of jansson's forms: integral ("3.0"), fractional, tiny (exponent)
 * and beyond 10^7 ms (the general path). */
static void build_hs(struct tp_audit_hs *h, bool hostile)
{
    static const uint16_t suites[] = {0x7777, 0xc02f, 0x1301, 0x0005, 0x0a0a};
    static const uint16_t versions[] = {0x0304, 0x0303, 0x7f1c};
    static const uint16_t groups[] = {0x001d, 0x0017, 0x9999};
    static const uint16_t sigalgs[] = {0x0804, 0x0403};
    static const uint16_t exts[] = {0x0000, 0x0010, 0x002b, 0xfe0d, 0x1234};
    memset(h, 0, sizeof *h);
    h->stream = 42;
    snprintf(h->client, sizeof h->client, "[2001:db8::1]:50000");
    snprintf(h->server, sizeof h->server, "192.0.2.1:443");
    h->start_ms = 1234.5;
    h->has_client_hello = true;
    h->legacy_version = TP_VER_TLS12;
    codes(&h->suites, suites, 5, 40);
    codes(&h->versions, versions, 3, 3);
    codes(&h->groups, groups, 3, 3);
    codes(&h->key_shares, groups, 1, 1);
    codes(&h->sigalgs, sigalgs, 2, 2);
    codes(&h->extensions, exts, 5, 5);
    must(tp_set_str(&h->sni, hostile ? HOSTILE : "device.example"));
    must(tp_strlist_push(&h->alpn, "h2"));
    if (hostile)
        must(tp_strlist_push(&h->alpn, HOSTILE));
    snprintf(h->ja4, sizeof h->ja4, "t13d0405h2_0123456789ab_ba9876543210");
    h->has_server_hello = true;
    h->version = TP_VER_TLS12;
    h->suite = 0xc02f;
    h->group = 0x001d;
    h->certs = calloc(2, sizeof *h->certs);
    assert_non_null(h->certs);
    h->n_certs = 2;
    h->certs_total = 3;
    h->certificate_bytes = 2100;
    h->certs[0].der_bytes = 1200;
    must(tp_set_str(&h->certs[0].subject, hostile ? HOSTILE : "CN=device.example"));
    must(tp_set_str(&h->certs[0].issuer, "CN=CA"));
    must(tp_set_str(&h->certs[0].key_type, "EC"));
    h->certs[0].key_bits = 256;
    memset(h->certs[0].sha256, 'a', 64);
    h->certs[1].der_bytes = 900; /* unparsed: names and key null */
    struct tp_timeline *tl = &h->tl;
    tl->valid = true;
    tl->dns_ms = tl->connect_ms = -1;
    static const double starts[] = {0, 3, 12.345, 1e8 + 0.25, 0.001};
    for (size_t i = 0; i < 5; i++) {
        struct tp_tl_flight *f = &tl->flights[tl->n_flights++];
        snprintf(f->label, sizeof f->label, "%s", i == 2 && hostile ? "bad\x01label" : "Flight");
        f->dir = i % 2 ? TP_DIR_S2C : TP_DIR_C2S;
        f->start_ms = starts[i];
        f->end_ms = starts[i] + 0.5;
        f->bytes = 100 * i;
        f->records = (uint32_t)i;
        f->post_handshake = i == 4;
    }
    tl->round_trips = 2;
    tl->handshake_ms = 12.3456;
    tl->complete = true;
    tl->bytes[0] = 500;
    tl->bytes[1] = 2500;
    tl->version = TP_VER_TLS12;
    tl->certificate_bytes = 2110;
    tl->certificate_share = hostile ? 0.0000123456789 : 0.7033333333333333;
    tl->cert_flight = 1;
    must(tp_set_str(&h->note, hostile ? HOSTILE : NULL));
    must(tp_strlist_push(&h->findings, "offer-rc4"));
}

/* Values as the document prints them: reals have ten significant digits,
 * so compare the dumps, not the doubles. */
static void assert_same_json(const json_t *a, const json_t *b)
{
    char *ta = json_dumps(a, DUMP_FLAGS), *tb = json_dumps(b, DUMP_FLAGS);
    assert_non_null(ta);
    assert_non_null(tb);
    assert_string_equal(ta, tb);
    free(ta);
    free(tb);
}

/* The element at depth 0, read back and dumped by jansson: same bytes. */
static json_t *written_equals_dumped(const struct tp_audit_hs *h)
{
    struct tp_textbuf buf = {0};
    must(audit_handshake_json_text(h, 0, &buf));
    assert_true(buf.len > 0);
    char *text = strndup(buf.p, buf.len);
    assert_non_null(text);
    json_error_t jerr;
    json_t *parsed = json_loads(text, 0, &jerr);
    if (parsed == NULL)
        fail_msg("not JSON: %s at %d: %s", jerr.text, jerr.position, text);
    char *dumped = json_dumps(parsed, DUMP_FLAGS);
    assert_non_null(dumped);
    assert_string_equal(text, dumped);
    free(dumped);
    free(text);
    free(buf.p);
    return parsed;
}

static void test_element_layout_as_jansson(void **state)
{
    (void)state;
    for (int hostile = 0; hostile < 2; hostile++) {
        struct tp_audit_hs h;
        build_hs(&h, hostile);
        json_t *doc = written_equals_dumped(&h);
        /* The values themselves. */
        json_t *ch = json_object_get(doc, "client_hello");
        assert_string_equal(json_string_value(json_object_get(
                                json_array_get(json_object_get(ch, "cipher_suites"), 1), "name")),
                            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assert_null(tp_suite_by_code(0x7777));
        assert_true(json_is_null(json_object_get(
            json_array_get(json_object_get(ch, "cipher_suites"), 0), "name"))); /* unassigned */
        assert_string_equal(json_string_value(json_object_get(
                                json_array_get(json_object_get(ch, "versions"), 2), "code")),
                            "0x7F1C");
        assert_int_equal(json_integer_value(json_object_get(ch, "cipher_suites_total")), 40);
        char *clean = tp_utf8_sanitize(h.sni, strlen(h.sni));
        assert_string_equal(json_string_value(json_object_get(ch, "sni")), clean);
        free(clean);
        json_t *chain = json_object_get(doc, "chain");
        assert_int_equal(json_integer_value(json_object_get(chain, "count")), 3);
        json_t *second = json_array_get(json_object_get(chain, "certificates"), 1);
        assert_true(json_is_null(json_object_get(second, "subject")));
        assert_true(json_is_null(json_object_get(second, "sha256")));
        assert_string_equal(json_string_value(json_object_get(
                                json_object_get(json_object_get(doc, "server_hello"),
                                                "cipher_suite"),
                                "code")),
                            "0xC02F");
        /* "timing" is timing_json.c's timeline object, value for value. */
        json_t *expected = timing_timeline_json(&h.tl, false);
        assert_non_null(expected);
        assert_same_json(json_object_get(doc, "timing"), expected);
        json_decref(expected);
        json_decref(doc);
        tp_audit_hs_finish(&h);
    }
}

static void test_element_without_hellos(void **state)
{
    (void)state;
    struct tp_audit_hs h;
    memset(&h, 0, sizeof h);
    h.stream = 1;
    snprintf(h.client, sizeof h.client, "10.0.0.1:1");
    snprintf(h.server, sizeof h.server, "10.0.0.2:443");
    must(tp_set_str(&h.note, "incomplete: the stream ended (fin) before the handshake"));
    json_t *doc = written_equals_dumped(&h);
    assert_true(json_is_null(json_object_get(doc, "client_hello")));
    assert_true(json_is_null(json_object_get(doc, "server_hello")));
    assert_true(json_is_null(json_object_get(doc, "ja4")));
    assert_int_equal(json_array_size(json_object_get(doc, "findings")), 0);
    assert_true(json_is_false(json_object_get(json_object_get(doc, "chain"), "seen")));
    json_t *expected = timing_timeline_json(&h.tl, false);
    assert_same_json(json_object_get(doc, "timing"), expected);
    json_decref(expected);
    json_decref(doc);
    tp_audit_hs_finish(&h);
}

/* The streamed document: open, n handshakes, finish; parsed whole. */
static json_t *stream_document(bool json, size_t n, char **text_out)
{
    struct tp_report r;
    struct tp_config cfg;
    tp_report_init(&r);
    memset(&cfg, 0, sizeof cfg);
    r.audit = calloc(1, sizeof *r.audit);
    assert_non_null(r.audit);
    tp_audit_init(r.audit);
    must(tp_set_str(&r.audit->path, "dev.pcap"));
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    struct audit_stream *s = NULL;
    must(audit_stream_create(out, &r, &cfg, json, false, &s));
    assert_false(audit_stream_opened(s));
    must(audit_stream_open(s, r.audit));
    for (size_t i = 0; i < n; i++) {
        struct tp_audit_hs h;
        build_hs(&h, i % 2 == 1);
        must(audit_stream_handshake(s, r.audit, &h));
        r.audit->n_hs++;
        tp_audit_hs_finish(&h);
    }
    r.audit->packets = 99;
    must(tp_set_str(&r.audit->error, "truncated record (after 99 packets)"));
    must(tp_report_add_finding(&r, "offer-rc4", "client offers RC4 suites in %zu of %zu", n, n));
    assert_true(audit_stream_opened(s));
    must(audit_stream_finish(s));
    audit_stream_destroy(s);
    assert_int_equal(fclose(out), 0);
    json_t *doc = NULL;
    if (json) {
        json_error_t jerr;
        doc = json_loads(text, 0, &jerr);
        if (doc == NULL)
            fail_msg("streamed document is not JSON: %s at %d", jerr.text, jerr.position);
        /* Laid out as render_json() would lay it out. */
        char *dumped = json_dumps(doc, DUMP_FLAGS);
        assert_non_null(dumped);
        size_t dl = strlen(dumped);
        assert_true(strlen(text) == dl + 1 && strncmp(text, dumped, dl) == 0 && text[dl] == '\n');
        free(dumped);
        /* Every key render_json() has, none twice (jansson keeps the last). */
        json_t *whole = render_json_document(&r, &cfg);
        assert_non_null(whole);
        const char *key;
        json_t *value;
        json_object_foreach(whole, key, value) {
            (void)value;
            assert_non_null(json_object_get(doc, key));
        }
        assert_int_equal(json_object_size(doc), json_object_size(whole) + 1); /* + handshakes */
        json_decref(whole);
    }
    tp_report_finish(&r);
    *text_out = text;
    return doc;
}

static void test_stream_json(void **state)
{
    (void)state;
    for (size_t n = 0; n < 4; n++) {
        char *text;
        json_t *doc = stream_document(true, n, &text);
        json_t *hs = json_object_get(doc, "handshakes");
        assert_true(json_is_array(hs));
        assert_int_equal(json_array_size(hs), n);
        assert_string_equal(json_string_value(json_object_get(
                                json_object_get(doc, "capture_file"), "error")),
                            "truncated record (after 99 packets)");
        assert_int_equal(json_array_size(json_object_get(doc, "findings")), 1);
        /* handshakes come before the findings, which need all of them */
        assert_true(strstr(text, "\"handshakes\": [") < strstr(text, "\"findings\": ["));
        json_decref(doc);
        free(text);
    }
}

static void test_stream_text(void **state)
{
    (void)state;
    char *text;
    stream_document(false, 2, &text);
    const char *head = strstr(text, "Capture file dev.pcap");
    const char *one = strstr(text, "Handshake 1: stream 42");
    const char *two = strstr(text, "Handshake 2: stream 42");
    const char *totals = strstr(text, "Capture file totals");
    const char *findings = strstr(text, "offer-rc4");
    assert_true(head != NULL && one != NULL && two != NULL && totals != NULL);
    assert_true(head < one && one < two && two < totals && totals < strstr(text, "Findings"));
    assert_non_null(findings);
    assert_non_null(strstr(text, "damaged file: truncated record"));
    assert_null(strchr(text, '\x1b')); /* hostile strings escaped, no colour asked */
    free(text);
}

/* The text report formats flight times without printf; it must print what
 * "%10.3f" prints, rounding ties to even included. */
static void test_text_times_as_printf(void **state)
{
    (void)state;
    static const double fixed[] = {0,      -0.0,   0.0005,    0.0015,   0.0625,  2.5e-4,
                                   1.0625, 12.3455, 999.9995, -3.0625, 1e14 + 0.5, 123456.789,
                                   5e-324, 0.001,  1e15,      -1e16};
    char *text = NULL;
    size_t size = 0;
    srand(4);
    for (size_t i = 0; i < 4000; i++) {
        double v;
        if (i < sizeof fixed / sizeof fixed[0])
            v = fixed[i];
        else if (i % 3 == 0)
            v = (double)(rand() % 2000000) / 16.0; /* binary ties at the 4th decimal */
        else
            v = (double)rand() / (double)RAND_MAX * 1e6 * (i % 2 ? 1 : -1);
        struct tp_audit_hs h;
        memset(&h, 0, sizeof h);
        h.tl.valid = true;
        h.tl.n_flights = 1;
        snprintf(h.tl.flights[0].label, sizeof h.tl.flights[0].label, "ClientHello");
        h.tl.flights[0].start_ms = v;
        h.tl.flights[0].end_ms = v;
        h.tl.flights[0].bytes = 517;
        h.tl.flights[0].records = 1;
        FILE *out = open_memstream(&text, &size);
        assert_non_null(out);
        must(audit_render_text_handshake(out, 0, &h, false));
        assert_int_equal(fclose(out), 0);
        char expected[160];
        snprintf(expected, sizeof expected, "  %10.3f ms  -> %-32s %7llu B %3u rec\n", v,
                 "ClientHello", 517ULL, 1u);
        if (strstr(text, expected) == NULL)
            fail_msg("%.17g: expected \"%s\" in:\n%s", v, expected, text);
        free(text);
        text = NULL;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_element_layout_as_jansson),
        cmocka_unit_test(test_element_without_hellos),
        cmocka_unit_test(test_stream_json),
        cmocka_unit_test(test_stream_text),
        cmocka_unit_test(test_text_times_as_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
