/* Unit tests for report/json.c and report/text.c: build models by hand,
 * render them into memory, and check what comes out (the JSON parsed back
 * with jansson, the text searched for what must and must not be there). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <jansson.h>

#include "report/model.h"
#include "report/render.h"
#include "wire/registry.h"
#include "util/banned.h"

#ifndef TP_VERSION
#define TP_VERSION "0.0.0"
#endif

/* Control characters, an ANSI sequence, a C1 CSI and invalid UTF-8: what a
 * hostile certificate or server could put in any string it controls. */
#define HOSTILE "evil\x1b[31mred\x07\r\nfake: line\xc2\x9b" "2J\xff\xfe\\end"

static void must(tp_status status)
{
    assert_int_equal(status, TP_OK);
}

static void config_for_tests(struct tp_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->port = 443;
    cfg->warn_days = TP_DEFAULT_WARN_DAYS;
    cfg->connect_timeout_ms = TP_DEFAULT_CONNECT_TIMEOUT_MS;
    cfg->timeout_ms = TP_DEFAULT_TIMEOUT_MS;
    cfg->fail_on = TP_SEV_HIGH;
}

/* Another chain the server holds (one ECDSA leaf, its intermediate
 * missing), built the way tls/others.c builds one: in a scratch report,
 * then taken over. */
static void add_other_chain(struct tp_report *r, const char *subject)
{
    struct tp_report scratch;
    tp_report_init(&scratch);
    struct tp_cert *c = tp_report_add_cert(&scratch);
    assert_non_null(c);
    must(tp_set_str(&c->subject, subject));
    must(tp_set_str(&c->issuer, "CN=Example ECC CA"));
    must(tp_strlist_push(&c->san, "DNS:example.com"));
    must(tp_set_str(&c->key_type, "EC"));
    c->key_bits = 384;
    must(tp_set_str(&c->curve, "secp384r1"));
    memset(c->sha256, 'b', 64);
    struct tp_verification *v = &scratch.verification;
    v->trusted = TP_TRI_NO;
    v->hostname_match = TP_TRI_YES;
    v->chain_complete = TP_TRI_NO;
    v->chain_ordered = TP_TRI_YES;
    must(tp_set_str(&v->trust_store, "system"));
    must(tp_report_add_verify_error(&scratch, "chain-incomplete", "intermediate missing"));

    struct tp_other_chain *oc = tp_report_add_other_chain(r);
    assert_non_null(oc);
    tp_other_chain_take(oc, &scratch);
    assert_int_equal(scratch.n_certs, 0);
    assert_null(scratch.verification.errors);
    must(tp_set_str(&oc->selected_by, "ECDSA/EdDSA signature algorithms"));
    must(tp_set_str(&oc->key_type, "ECDSA"));
    tp_report_finish(&scratch);
}

static void build_full(struct tp_report *r)
{
    tp_report_init(r);
    must(tp_set_str(&r->target.host, "example.com"));
    r->target.port = 443;
    must(tp_set_str(&r->target.sni, "example.com"));
    must(tp_set_str(&r->target.address, "192.0.2.1"));
    r->target.family = AF_INET;
    must(tp_report_add_attempt(r, "192.0.2.9", AF_INET, TP_E_TIMEOUT, "timed out", 5000));
    must(tp_report_add_attempt(r, "192.0.2.1", AF_INET, TP_OK, NULL, 12));

    struct tp_handshake *hs = &r->handshake;
    hs->completed = true;
    hs->version = TP_VER_TLS12;
    hs->cipher_code = 0xC02F;
    must(tp_set_str(&hs->cipher_name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
    must(tp_set_str(&hs->group, "x25519"));
    hs->group_code = 0x001D;
    must(tp_set_str(&hs->sig_scheme, "rsa_pss_rsae_sha256"));
    hs->sig_scheme_code = 0x0804;
    must(tp_set_str(&hs->alpn, "h2"));
    hs->session_id = TP_TRI_YES;
    hs->session_ticket = TP_TRI_NO;
    hs->secure_renegotiation = TP_TRI_YES;
    hs->extended_master_secret = TP_TRI_YES;
    hs->encrypt_then_mac = TP_TRI_NO;
    hs->ocsp_stapled = TP_TRI_UNKNOWN;
    hs->client_cert_requested = TP_TRI_YES;
    must(tp_strlist_push(&hs->client_ca_names, "CN=Fleet CA"));
    hs->handshake_us = 12345;

    struct tp_cert *c = tp_report_add_cert(r);
    assert_non_null(c);
    must(tp_set_str(&c->subject, "CN=example.com"));
    must(tp_set_str(&c->issuer, "CN=Example CA,O=Example"));
    must(tp_strlist_push(&c->san, "DNS:example.com"));
    must(tp_strlist_push(&c->san, "DNS:www.example.com"));
    must(tp_set_str(&c->serial, "01:02:0a"));
    c->not_before = 1704067200; /* 2024-01-01T00:00:00Z */
    c->not_after = 1735689599;  /* 2024-12-31T23:59:59Z */
    c->days_left = 12;
    must(tp_set_str(&c->key_type, "EC"));
    c->key_bits = 256;
    must(tp_set_str(&c->curve, "secp256r1"));
    must(tp_set_str(&c->sig_alg, "ECDSA-SHA256"));
    memset(c->sha256, 'a', 64);
    c->is_ca = TP_TRI_NO;
    must(tp_strlist_push(&c->key_usage, "digitalSignature"));
    must(tp_strlist_push(&c->ext_key_usage, "serverAuth"));

    struct tp_verification *v = &r->verification;
    v->trusted = TP_TRI_NO;
    v->hostname_match = TP_TRI_UNKNOWN;
    v->chain_complete = TP_TRI_YES;
    v->chain_ordered = TP_TRI_YES;
    must(tp_set_str(&v->trust_store, "system"));
    must(tp_report_add_verify_error(r, "signer-not-found", "issuer is not in the trust store"));

    add_other_chain(r, "CN=ecc.example.com");
    must(tp_report_add_finding(r, "protocol-no-tls13", "TLS 1.2 although 1.3 was offered"));
    must(tp_report_add_finding(r, "cert-expiring-soon", "expires in %d days", 12));
    must(tp_report_add_finding(r, "cert-untrusted", "no path to a trusted root"));
    tp_report_sort_findings(r);
    r->elapsed_us = 20500;
}

static void build_failed(struct tp_report *r)
{
    tp_report_init(r);
    must(tp_set_str(&r->target.host, "2001:db8::1"));
    r->target.port = 8443;
    must(tp_set_str(&r->target.address, "2001:db8::1"));
    r->target.family = AF_INET6;
    must(tp_report_set_failure(r, TP_STAGE_TLS, TP_E_TLS, "server sent a fatal alert"));
    r->failure.alert = 40;
    must(tp_set_str(&r->failure.alert_name, "handshake_failure"));
}

static void build_hostile(struct tp_report *r)
{
    tp_report_init(r);
    must(tp_set_str(&r->target.host, "example.com"));
    r->target.port = 443;
    r->handshake.completed = true;
    r->handshake.version = TP_VER_TLS13;
    must(tp_set_str(&r->handshake.alpn, HOSTILE));
    struct tp_cert *c = tp_report_add_cert(r);
    assert_non_null(c);
    must(tp_set_str(&c->subject, "CN=" HOSTILE));
    must(tp_set_str(&c->issuer, "CN=\xc3\xa9t\xc3\xa9")); /* valid UTF-8 "été" */
    must(tp_strlist_push(&c->san, "DNS:" HOSTILE));
    add_other_chain(r, "CN=other " HOSTILE);
    must(tp_report_set_failure(r, TP_STAGE_TLS, TP_E_TLS, "alert text " HOSTILE));
}

/* Render into a heap string (NUL-terminated; *len_out excludes the NUL). */
static char *render(const struct tp_report *r, const struct tp_config *cfg, bool json,
                    bool colour, size_t *len_out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    assert_non_null(mem);
    tp_status status = json ? render_json(mem, r, cfg) : render_text(mem, r, cfg, colour);
    assert_int_equal(fclose(mem), 0);
    assert_int_equal(status, TP_OK);
    if (len_out != NULL)
        *len_out = len;
    return buf;
}

static json_t *render_parsed(const struct tp_report *r, const struct tp_config *cfg)
{
    size_t len = 0;
    char *text = render(r, cfg, true, false, &len);
    assert_true(len > 0);
    assert_int_equal(text[len - 1], '\n');
    json_error_t error;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);
    if (doc == NULL)
        fail_msg("render_json produced invalid JSON: %s (line %d)", error.text, error.line);
    free(text);
    assert_true(json_is_object(doc));
    return doc;
}

/* The value at a dotted path such as "handshake.cipher_suite.code". */
static json_t *at(json_t *doc, const char *path)
{
    char copy[128];
    snprintf(copy, sizeof copy, "%s", path);
    json_t *node = doc;
    char *save = NULL;
    for (char *key = strtok_r(copy, ".", &save); key != NULL; key = strtok_r(NULL, ".", &save)) {
        if (json_is_array(node))
            node = json_array_get(node, strtoul(key, NULL, 10));
        else
            node = json_object_get(node, key);
        if (node == NULL)
            fail_msg("no JSON value at %s", path);
    }
    return node;
}

static void assert_jstr(json_t *doc, const char *path, const char *expected)
{
    json_t *v = at(doc, path);
    if (!json_is_string(v))
        fail_msg("%s is not a string", path);
    assert_string_equal(json_string_value(v), expected);
}

static void assert_jint(json_t *doc, const char *path, long long expected)
{
    json_t *v = at(doc, path);
    if (!json_is_integer(v))
        fail_msg("%s is not an integer", path);
    assert_int_equal(json_integer_value(v), expected);
}

static void assert_jnull(json_t *doc, const char *path)
{
    if (!json_is_null(at(doc, path)))
        fail_msg("%s is not null", path);
}

static void assert_jbool(json_t *doc, const char *path, bool expected)
{
    json_t *v = at(doc, path);
    if (!json_is_boolean(v))
        fail_msg("%s is not a boolean", path);
    assert_int_equal(json_is_true(v), expected);
}

static void test_json_full(void **state)
{
    (void)state;
    struct tp_report r;
    struct tp_config cfg;
    build_full(&r);
    config_for_tests(&cfg);
    json_t *doc = render_parsed(&r, &cfg);

    assert_jstr(doc, "schema", "1.0");
    assert_jstr(doc, "tool.name", "tlsprobe");
    assert_jstr(doc, "tool.version", TP_VERSION);
    assert_jstr(doc, "target.host", "example.com");
    assert_jint(doc, "target.port", 443);
    assert_jstr(doc, "target.address", "192.0.2.1");
    assert_jstr(doc, "target.sni", "example.com");
    assert_jstr(doc, "target.family", "ipv4");

    assert_int_equal(json_array_size(at(doc, "connection.attempts")), 2);
    assert_jstr(doc, "connection.attempts.0.result", "timeout");
    assert_jstr(doc, "connection.attempts.0.error", "timed out");
    assert_jint(doc, "connection.attempts.0.elapsed_ms", 5000);
    assert_jstr(doc, "connection.attempts.1.result", "ok");
    assert_jnull(doc, "connection.attempts.1.error");

    assert_jbool(doc, "handshake.completed", true);
    assert_jstr(doc, "handshake.version", "TLSv1.2");
    assert_jstr(doc, "handshake.cipher_suite.name", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_jstr(doc, "handshake.cipher_suite.code", "0xC02F");
    assert_jstr(doc, "handshake.group", "x25519");
    assert_jstr(doc, "handshake.group_code", "0x001D");
    assert_jnull(doc, "handshake.dh_bits");
    assert_jstr(doc, "handshake.signature_scheme_code", "0x0804");
    assert_jstr(doc, "handshake.alpn", "h2");
    assert_jbool(doc, "handshake.session_resumption.session_id", true);
    assert_jbool(doc, "handshake.session_resumption.ticket", false);
    assert_jbool(doc, "handshake.secure_renegotiation", true);
    assert_jbool(doc, "handshake.encrypt_then_mac", false);
    assert_jnull(doc, "handshake.ocsp.stapled");
    assert_jnull(doc, "handshake.ocsp.status");
    assert_jbool(doc, "handshake.client_certificate.requested", true);
    assert_jstr(doc, "handshake.client_certificate.acceptable_cas.0", "CN=Fleet CA");
    json_t *ms = at(doc, "handshake.handshake_ms");
    assert_true(json_is_real(ms));
    assert_true(json_real_value(ms) > 12.344 && json_real_value(ms) < 12.346);

    assert_int_equal(json_array_size(at(doc, "certificates")), 1);
    assert_jint(doc, "certificates.0.index", 0);
    assert_jstr(doc, "certificates.0.subject", "CN=example.com");
    assert_jstr(doc, "certificates.0.san.1", "DNS:www.example.com");
    assert_jstr(doc, "certificates.0.not_before", "2024-01-01T00:00:00Z");
    assert_jstr(doc, "certificates.0.not_after", "2024-12-31T23:59:59Z");
    assert_jint(doc, "certificates.0.days_left", 12);
    assert_jstr(doc, "certificates.0.public_key.type", "EC");
    assert_jint(doc, "certificates.0.public_key.bits", 256);
    assert_jstr(doc, "certificates.0.public_key.curve", "secp256r1");
    assert_int_equal(strlen(json_string_value(at(doc, "certificates.0.sha256"))), 64);
    assert_jbool(doc, "certificates.0.is_ca", false);
    assert_jstr(doc, "certificates.0.key_usage.0", "digitalSignature");
    assert_jstr(doc, "certificates.0.extended_key_usage.0", "serverAuth");
    assert_jbool(doc, "certificates.0.self_signed", false);

    assert_jbool(doc, "verification.trusted", false);
    assert_jnull(doc, "verification.hostname_match");
    assert_jstr(doc, "verification.trust_store", "system");
    assert_jstr(doc, "verification.errors.0.code", "signer-not-found");

    /* Sorted worst first. */
    assert_int_equal(json_array_size(at(doc, "findings")), 3);
    assert_jstr(doc, "findings.0.id", "cert-untrusted");
    assert_jstr(doc, "findings.0.severity", "high");
    assert_jstr(doc, "findings.1.id", "cert-expiring-soon");
    assert_jstr(doc, "findings.1.message", "expires in 12 days");
    assert_true(json_is_string(at(doc, "findings.1.reference")));
    assert_jstr(doc, "summary.worst_severity", "high");
    assert_jint(doc, "summary.counts.high", 1);
    assert_jint(doc, "summary.counts.medium", 1);
    assert_jint(doc, "summary.counts.low", 1);
    assert_jint(doc, "summary.counts.critical", 0);
    assert_jbool(doc, "summary.fail_on_reached", true);

    assert_jstr(doc, "request.fail_on", "high");
    assert_jstr(doc, "request.family", "any");
    assert_jbool(doc, "request.no_sni", false);
    assert_null(json_object_get(doc, "error"));
    assert_true(json_is_real(at(doc, "elapsed_ms")));

    json_decref(doc);
    tp_report_finish(&r);
}

static void test_json_fail_on_none(void **state)
{
    (void)state;
    struct tp_report r;
    struct tp_config cfg;
    build_full(&r);
    config_for_tests(&cfg);
    cfg.fail_on = TP_SEV_NONE;
    cfg.tls_max = TP_VER_TLS12;
    json_t *doc = render_parsed(&r, &cfg);
    assert_jbool(doc, "summary.fail_on_reached", false);
    assert_jstr(doc, "request.fail_on", "none");
    assert_jstr(doc, "request.tls_max", "TLSv1.2");
    assert_jnull(doc, "request.tls_min");
    json_decref(doc);
    tp_report_finish(&r);
}

static void test_json_failed(void **state)
{
    (void)state;
    struct tp_report r;
    build_failed(&r);
    json_t *doc = render_parsed(&r, NULL);
    assert_jstr(doc, "schema", "1.0");
    assert_jstr(doc, "target.family", "ipv6");
    assert_jnull(doc, "target.sni");
    assert_jstr(doc, "error.stage", "tls");
    assert_jstr(doc, "error.code", "tls");
    assert_jstr(doc, "error.message", "server sent a fatal alert");
    assert_jint(doc, "error.alert", 40);
    assert_jstr(doc, "error.alert_name", "handshake_failure");
    assert_jbool(doc, "handshake.completed", false);
    assert_jnull(doc, "handshake.version");
    assert_jnull(doc, "handshake.cipher_suite");
    assert_jnull(doc, "handshake.handshake_ms");
    assert_jnull(doc, "verification.trusted");
    assert_int_equal(json_array_size(at(doc, "certificates")), 0);
    assert_int_equal(json_array_size(at(doc, "findings")), 0);
    assert_int_equal(json_array_size(at(doc, "connection.attempts")), 0);
    assert_jnull(doc, "summary.worst_severity");
    json_decref(doc);
    tp_report_finish(&r);
}

static void test_json_resolve_failure_has_null_alert(void **state)
{
    (void)state;
    struct tp_report r;
    tp_report_init(&r);
    must(tp_set_str(&r.target.host, "nonexistent.invalid"));
    r.target.port = 443;
    must(tp_report_set_failure(&r, TP_STAGE_RESOLVE, TP_E_RESOLVE, "no such host"));
    json_t *doc = render_parsed(&r, NULL);
    assert_jstr(doc, "error.stage", "resolve");
    assert_jstr(doc, "error.code", "resolve");
    assert_jnull(doc, "error.alert");
    assert_jnull(doc, "error.alert_name");
    assert_jnull(doc, "target.address");
    assert_jnull(doc, "target.family");
    json_decref(doc);
    tp_report_finish(&r);
}

static void test_json_unnamed_version_is_hex(void **state)
{
    (void)state;
    struct tp_report r;
    tp_report_init(&r);
    r.handshake.version = 0x7F1C;
    json_t *doc = render_parsed(&r, NULL);
    assert_jstr(doc, "handshake.version", "0x7F1C");
    json_decref(doc);
    tp_report_finish(&r);
}

static void test_json_hostile_strings(void **state)
{
    (void)state;
    struct tp_report r;
    build_hostile(&r);
    size_t len = 0;
    char *raw = render(&r, NULL, true, false, &len);
    /* No raw control byte: jansson writes them as \u00XX. */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)raw[i] < 0x20 && raw[i] != '\n')
            fail_msg("raw control byte 0x%02x in JSON at %zu", (unsigned char)raw[i], i);
    assert_non_null(strcasestr(raw, "\\u001b[31m"));
    free(raw);

    json_t *doc = render_parsed(&r, NULL);
    const char *subject = json_string_value(at(doc, "certificates.0.subject"));
    assert_non_null(subject);
    /* Invalid bytes 0xFF 0xFE replaced by U+FFFD each; nothing dropped. */
    assert_non_null(strstr(subject, "2J\xef\xbf\xbd\xef\xbf\xbd\\end"));
    assert_non_null(strstr(subject, "evil\x1b[31mred"));
    assert_non_null(strstr(json_string_value(at(doc, "other_chains.0.certificates.0.subject")),
                           "2J\xef\xbf\xbd\xef\xbf\xbd\\end"));
    assert_non_null(strstr(json_string_value(at(doc, "handshake.alpn")), "\xef\xbf\xbd"));
    assert_non_null(strstr(json_string_value(at(doc, "certificates.0.san.0")), "fake: line"));
    assert_jstr(doc, "certificates.0.issuer", "CN=\xc3\xa9t\xc3\xa9");
    assert_non_null(strstr(json_string_value(at(doc, "error.message")), "\xef\xbf\xbd"));
    json_decref(doc);
    tp_report_finish(&r);
}

static void test_json_other_chains(void **state)
{
    (void)state;
    struct tp_report r;
    struct tp_config cfg;
    build_full(&r);
    config_for_tests(&cfg);
    json_t *doc = render_parsed(&r, &cfg);
    /* The negotiated chain stays where it was. */
    assert_int_equal(json_array_size(at(doc, "certificates")), 1);
    assert_jstr(doc, "certificates.0.subject", "CN=example.com");
    assert_int_equal(json_array_size(at(doc, "other_chains")), 1);
    assert_jstr(doc, "other_chains.0.selected_by", "ECDSA/EdDSA signature algorithms");
    assert_jstr(doc, "other_chains.0.key_type", "ECDSA");
    assert_int_equal(json_array_size(at(doc, "other_chains.0.certificates")), 1);
    /* The same shape as the top-level certificates and verification. */
    assert_jint(doc, "other_chains.0.certificates.0.index", 0);
    assert_jstr(doc, "other_chains.0.certificates.0.subject", "CN=ecc.example.com");
    assert_jstr(doc, "other_chains.0.certificates.0.public_key.type", "EC");
    assert_jint(doc, "other_chains.0.certificates.0.public_key.bits", 384);
    assert_jstr(doc, "other_chains.0.certificates.0.sha256",
                "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    assert_jbool(doc, "other_chains.0.verification.trusted", false);
    assert_jbool(doc, "other_chains.0.verification.hostname_match", true);
    assert_jbool(doc, "other_chains.0.verification.chain_complete", false);
    assert_jstr(doc, "other_chains.0.verification.trust_store", "system");
    assert_jstr(doc, "other_chains.0.verification.errors.0.code", "chain-incomplete");
    size_t top_keys = json_object_size(at(doc, "certificates.0"));
    assert_int_equal(json_object_size(at(doc, "other_chains.0.certificates.0")), top_keys);
    assert_int_equal(json_object_size(at(doc, "other_chains.0.verification")),
                     json_object_size(at(doc, "verification")));
    json_decref(doc);
    tp_report_finish(&r);

    /* None found: an empty array, never absent. */
    build_failed(&r);
    doc = render_parsed(&r, &cfg);
    assert_true(json_is_array(at(doc, "other_chains")));
    assert_int_equal(json_array_size(at(doc, "other_chains")), 0);
    json_decref(doc);
    tp_report_finish(&r);
}

/* jansson's allocator, failing the Nth call, counting live blocks. */
struct alloc_probe {
    size_t calls, fail_at;
    long live;
};
static struct alloc_probe *probe_state; /* test-only: jansson's hooks take no context */

static void *probe_malloc(size_t size)
{
    if (++probe_state->calls == probe_state->fail_at)
        return NULL;
    void *p = malloc(size);
    if (p != NULL)
        probe_state->live++;
    return p;
}

static void probe_free(void *p)
{
    if (p != NULL)
        probe_state->live--;
    free(p);
}

/* Every allocation jansson makes can fail: render_json must then report an
 * error (never crash or print half a document as success) and free all. */
static void test_json_allocation_failures(void **state)
{
    (void)state;
    struct tp_report r;
    struct tp_config cfg;
    build_full(&r);
    config_for_tests(&cfg);
    struct alloc_probe probe = {0};
    probe_state = &probe;
    json_set_alloc_funcs(probe_malloc, probe_free);
    size_t nomem = 0;
    tp_status status = TP_E_NOMEM;
    for (size_t n = 1; n < 100000 && status != TP_OK; n++) {
        probe = (struct alloc_probe){.fail_at = n};
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        assert_non_null(mem);
        status = render_json(mem, &r, &cfg);
        assert_int_equal(fclose(mem), 0);
        free(buf);
        assert_int_equal(probe.live, 0);
        if (status == TP_E_NOMEM)
            nomem++;
        else if (status != TP_OK)
            assert_int_equal(status, TP_E_IO); /* failed inside json_dumpf */
    }
    json_set_alloc_funcs(malloc, free);
    probe_state = NULL;
    assert_int_equal(status, TP_OK);
    assert_true(nomem > 50); /* the builders really were exercised */
    tp_report_finish(&r);
}

/* Set from argv[1]: man/tlsprobe-json.5.scd, the schema document. */
static const char *schema_page_path;

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n = getdelim(&buf, &cap, '\0', f);
    fclose(f);
    assert_true(n > 0);
    return buf;
}

/* Every key render_json emits is documented as *key* (scdoc escapes "_"). */
static void assert_keys_documented(json_t *node, const char *page, const char *where)
{
    if (json_is_array(node)) {
        if (json_array_size(node) > 0)
            assert_keys_documented(json_array_get(node, 0), page, where);
        return;
    }
    const char *key;
    json_t *value;
    json_object_foreach(node, key, value) {
        char term[128];
        size_t t = 0;
        term[t++] = '*';
        for (const char *k = key; *k != '\0' && t < sizeof term - 3; k++) {
            if (*k == '_')
                term[t++] = '\\';
            term[t++] = *k;
        }
        term[t++] = '*';
        term[t] = '\0';
        if (strstr(page, term) == NULL)
            fail_msg("%s.%s is not documented in tlsprobe-json(5) (looked for %s)", where, key,
                     term);
        assert_keys_documented(value, page, key);
    }
}

static void test_json_schema_page_documents_every_key(void **state)
{
    (void)state;
    if (schema_page_path == NULL)
        skip();
    struct tp_report r;
    struct tp_config cfg;
    build_full(&r);
    config_for_tests(&cfg);
    must(tp_report_set_failure(&r, TP_STAGE_TLS, TP_E_TLS, "alert"));
    r.failure.alert = 40;
    json_t *doc = render_parsed(&r, &cfg);
    char *page = read_file(schema_page_path);
    assert_keys_documented(doc, page, "");
    free(page);
    json_decref(doc);
    tp_report_finish(&r);
}

static void test_text_full(void **state)
{
    (void)state;
    struct tp_report r;
    struct tp_config cfg;
    build_full(&r);
    config_for_tests(&cfg);
    char *text = render(&r, &cfg, false, false, NULL);
    assert_null(strstr(text, "\x1b["));
    assert_non_null(strstr(text, "example.com:443"));
    assert_non_null(strstr(text, "192.0.2.1"));
    assert_non_null(strstr(text, "TLSv1.2"));
    assert_non_null(strstr(text, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xC02F)"));
    assert_non_null(strstr(text, "x25519 (0x001D)"));
    assert_non_null(strstr(text, "rsa_pss_rsae_sha256 (0x0804)"));
    assert_non_null(strstr(text, "12.3 ms"));
    assert_non_null(strstr(text, "DNS:example.com, DNS:www.example.com"));
    assert_non_null(strstr(text, "2024-12-31 23:59:59 UTC (12 days left)"));
    assert_non_null(strstr(text, "EC 256 bits, secp256r1"));
    assert_non_null(strstr(text, "signer-not-found: issuer is not in the trust store"));
    assert_non_null(strstr(text, "CN=Fleet CA"));
    assert_non_null(strstr(text, "192.0.2.9  timeout (timed out)"));
    assert_non_null(strstr(text, "high      no path to a trusted root [cert-untrusted]"));
    assert_non_null(strstr(text, "see RFC 5280 Sec. 6"));
    assert_null(strstr(text, "FAILED"));
    /* Worst first, as sorted in the model. */
    assert_true(strstr(text, "cert-untrusted") < strstr(text, "protocol-no-tls13"));
    free(text);
    tp_report_finish(&r);
}

static void test_text_other_chains(void **state)
{
    (void)state;
    struct tp_report r;
    struct tp_config cfg;
    build_full(&r);
    config_for_tests(&cfg);
    must(tp_report_add_finding(&r, "chain-incomplete", "ECDSA chain: intermediate missing"));
    tp_report_sort_findings(&r);
    char *text = render(&r, &cfg, false, false, NULL);
    const char *negotiated = strstr(text, "\nCertificate chain (1)\n");
    const char *verification = strstr(text, "\nVerification\n");
    const char *other = strstr(text, "\nOther certificate chain: ECDSA (1)\n");
    const char *findings = strstr(text, "\nFindings\n");
    assert_non_null(negotiated);
    assert_non_null(verification);
    assert_non_null(other);
    assert_non_null(findings);
    /* After the negotiated chain's verdict, before the findings. */
    assert_true(negotiated < verification && verification < other && other < findings);
    assert_non_null(strstr(other, "  Selected by           ECDSA/EdDSA signature algorithms\n"));
    assert_non_null(strstr(other, "  #0 CN=ecc.example.com\n"));
    assert_non_null(strstr(other, "    Public key          EC 384 bits, secp384r1\n"));
    assert_non_null(strstr(other, "\n  Verification\n"));
    assert_non_null(strstr(other, "    Chain complete      no\n"));
    assert_non_null(strstr(other, "    Host name matches   yes\n"));
    assert_non_null(strstr(other, "chain-incomplete: intermediate missing"));
    assert_non_null(strstr(findings, "ECDSA chain: intermediate missing [chain-incomplete]"));
    /* The negotiated chain's section holds its own certificate only. */
    assert_null(memmem(negotiated, (size_t)(verification - negotiated), "ecc.example.com", 15));
    free(text);
    tp_report_finish(&r);

    build_failed(&r);
    text = render(&r, &cfg, false, false, NULL);
    assert_null(strstr(text, "Other certificate chain"));
    free(text);
    tp_report_finish(&r);
}

static void test_text_colour(void **state)
{
    (void)state;
    struct tp_report r;
    build_full(&r);
    char *plain = render(&r, NULL, false, false, NULL);
    char *colour = render(&r, NULL, false, true, NULL);
    assert_null(strstr(plain, "\x1b["));
    assert_non_null(strstr(colour, "\x1b[31mhigh"));   /* high: red */
    assert_non_null(strstr(colour, "\x1b[33mmedium")); /* medium: yellow */
    assert_non_null(strstr(colour, "\x1b[36mlow"));    /* low: cyan */
    assert_non_null(strstr(colour, "\x1b[32myes"));    /* good yes: green */
    assert_non_null(strstr(colour, "\x1b[31mno"));     /* bad no: red */
    free(plain);
    free(colour);
    tp_report_finish(&r);
}

static void test_text_hostile_strings(void **state)
{
    (void)state;
    struct tp_report r;
    build_hostile(&r);
    size_t len = 0;
    char *text = render(&r, NULL, false, false, &len);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\n') || c == 0x7f || c == 0xff || c == 0xfe)
            fail_msg("unescaped byte 0x%02x in text at %zu", c, i);
    }
    assert_null(strstr(text, "\x1b["));
    assert_null(strstr(text, "\xc2\x9b"));
    assert_non_null(strstr(text, "CN=evil\\x1b[31mred\\x07\\x0d\\x0afake: line\\xc2\\x9b2J"
                                 "\\xff\\xfe\\\\end"));
    assert_non_null(strstr(text, "CN=other evil\\x1b[31mred\\x07"));
    /* A hostile string cannot start a line of its own. */
    assert_null(strstr(text, "\nfake: line"));
    assert_non_null(strstr(text, "CN=\xc3\xa9t\xc3\xa9"));
    assert_non_null(strstr(text, "FAILED at tls (tls): alert text evil\\x1b"));
    free(text);

    /* Colour on: the only escapes are ours, never the peer's. */
    text = render(&r, NULL, false, true, &len);
    assert_non_null(strstr(text, "CN=evil\\x1b[31mred"));
    assert_null(strstr(text, "evil\x1b"));
    free(text);
    tp_report_finish(&r);
}

static void test_text_failed(void **state)
{
    (void)state;
    struct tp_report r;
    build_failed(&r);
    char *text = render(&r, NULL, false, false, NULL);
    assert_non_null(strstr(text, "[2001:db8::1]:8443"));
    assert_non_null(strstr(text, "SNI (none)"));
    assert_non_null(strstr(text,
                           "FAILED at tls (tls): server sent a fatal alert [alert 40 "
                           "handshake_failure]"));
    /* Nothing is invented for a handshake that never happened. */
    assert_null(strstr(text, "Handshake"));
    assert_null(strstr(text, "Verification"));
    assert_null(strstr(text, "Findings"));
    free(text);
    tp_report_finish(&r);
}

static void test_text_long_san_list(void **state)
{
    (void)state;
    struct tp_report r;
    tp_report_init(&r);
    must(tp_set_str(&r.target.host, "cdn.example"));
    struct tp_cert *c = tp_report_add_cert(&r);
    assert_non_null(c);
    for (int i = 0; i < 100; i++) {
        char san[64];
        snprintf(san, sizeof san, "DNS:host%03d.cdn.example", i);
        must(tp_strlist_push(&c->san, san));
    }
    char *text = render(&r, NULL, false, false, NULL);
    assert_non_null(strstr(text, "DNS:host023.cdn.example ... (76 more)"));
    assert_null(strstr(text, "host024"));
    /* Wrapped under the value column, never past it. */
    for (char *line = text; *line != '\0';) {
        char *nl = strchr(line, '\n');
        size_t n = nl != NULL ? (size_t)(nl - line) : strlen(line);
        if (memmem(line, n, "more)", 5) == NULL && n > 78)
            fail_msg("line longer than 78 columns: %.*s", (int)n, line);
        line += n + (nl != NULL);
    }
    free(text);
    tp_report_finish(&r);
}

int main(int argc, char **argv)
{
    schema_page_path = argc > 1 ? argv[1] : NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_full),
        cmocka_unit_test(test_json_fail_on_none),
        cmocka_unit_test(test_json_failed),
        cmocka_unit_test(test_json_resolve_failure_has_null_alert),
        cmocka_unit_test(test_json_unnamed_version_is_hex),
        cmocka_unit_test(test_json_hostile_strings),
        cmocka_unit_test(test_json_other_chains),
        cmocka_unit_test(test_json_allocation_failures),
        cmocka_unit_test(test_json_schema_page_documents_every_key),
        cmocka_unit_test(test_text_full),
        cmocka_unit_test(test_text_other_chains),
        cmocka_unit_test(test_text_colour),
        cmocka_unit_test(test_text_hostile_strings),
        cmocka_unit_test(test_text_failed),
        cmocka_unit_test(test_text_long_san_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
