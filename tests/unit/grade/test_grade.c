/* test_grade.c: grade_handshake() on hand-built models. Each rule is checked
 * for the exact finding ids and severities it raises, and for staying quiet
 * on a clean handshake and on unknown facts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "grade/catalog.h"
#include "grade/grade.h"
#include "wire/registry.h"
#include "util/banned.h"

#define DAY 86400
/* 2026-11-21 10:00:00 UTC */
#define NOW ((int64_t)1795255200)
/* 2026-11-09 00:00:00 UTC */
#define NOV9 ((int64_t)1794182400)

struct fx {
    struct tp_report r;
    struct tp_config cfg;
};

static void ok(tp_status status)
{
    assert_int_equal(status, TP_OK);
}

static struct tp_cert *add_cert(struct tp_report *r, const char *subject, const char *issuer,
                                const char *key_type, unsigned bits, const char *sig_alg)
{
    struct tp_cert *c = tp_report_add_cert(r);
    assert_non_null(c);
    ok(tp_set_str(&c->subject, subject));
    ok(tp_set_str(&c->issuer, issuer));
    ok(tp_set_str(&c->key_type, key_type));
    ok(tp_set_str(&c->sig_alg, sig_alg));
    c->key_bits = bits;
    c->not_before = NOW - 30 * DAY;
    c->not_after = NOW + 60 * DAY;
    c->is_ca = TP_TRI_YES;
    return c;
}

/* A clean TLS 1.3 handshake: AES-128-GCM, x25519, ECDSA P-256 leaf under an
 * ECDSA P-384 intermediate (unless leaf_only), trusted and matching, no
 * OCSP staple. */
static void build_model(struct tp_report *r, bool leaf_only)
{
    tp_report_init(r);
    ok(tp_set_str(&r->target.host, "leaf.example"));
    ok(tp_set_str(&r->target.sni, "leaf.example"));
    r->target.port = 443;
    struct tp_handshake *hs = &r->handshake;
    hs->completed = true;
    hs->version = TP_VER_TLS13;
    hs->cipher_code = 0x1301;
    ok(tp_set_str(&hs->cipher_name, "TLS_AES_128_GCM_SHA256"));
    hs->group_code = 0x001D;
    ok(tp_set_str(&hs->group, "x25519"));
    hs->sig_scheme_code = 0x0403;
    ok(tp_set_str(&hs->sig_scheme, "ecdsa_secp256r1_sha256"));
    hs->secure_renegotiation = TP_TRI_NO; /* TLS 1.3 has none */
    hs->extended_master_secret = TP_TRI_YES;
    hs->encrypt_then_mac = TP_TRI_NO;
    hs->ocsp_stapled = TP_TRI_NO;
    hs->client_cert_requested = TP_TRI_NO;

    struct tp_cert *leaf =
        add_cert(r, "CN=leaf.example,O=Example", "CN=Example CA 1,O=Example", "EC", 256,
                 "ECDSA-SHA256");
    ok(tp_set_str(&leaf->curve, "secp256r1"));
    ok(tp_strlist_push(&leaf->san, "DNS:leaf.example"));
    ok(tp_strlist_push(&leaf->san, "DNS:www.leaf.example"));
    ok(tp_strlist_push(&leaf->ext_key_usage, "serverAuth"));
    leaf->is_ca = TP_TRI_NO;
    if (!leaf_only) {
        struct tp_cert *ca = add_cert(r, "CN=Example CA 1,O=Example",
                                      "CN=Example Root,O=Example", "EC", 384, "ECDSA-SHA384");
        ok(tp_set_str(&ca->curve, "secp384r1"));
    }

    struct tp_verification *v = &r->verification;
    v->trusted = TP_TRI_YES;
    v->hostname_match = TP_TRI_YES;
    v->chain_complete = TP_TRI_YES;
    v->chain_ordered = TP_TRI_YES;
    ok(tp_set_str(&v->trust_store, "system"));
}

static void build_clean(struct tp_report *r)
{
    build_model(r, false);
}

static void default_cfg(struct tp_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->port = 443;
    cfg->warn_days = 30;
    cfg->fail_on = TP_SEV_HIGH;
    cfg->timeout_ms = 20000;
    cfg->connect_timeout_ms = 5000;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    build_clean(&f->r);
    default_cfg(&f->cfg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    tp_report_finish(&f->r);
    free(f);
    return 0;
}

static void grade(struct fx *f)
{
    assert_int_equal(grade_handshake(&f->r, &f->cfg, NOW), TP_OK);
}

static const struct tp_finding *find(const struct tp_report *r, const char *id)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].id, id) == 0)
            return &r->findings[i];
    return NULL;
}

static void print_findings(const struct tp_report *r)
{
    for (size_t i = 0; i < r->n_findings; i++)
        print_message("  finding %s (%s): %s\n", r->findings[i].id,
                      tp_severity_name(r->findings[i].severity), r->findings[i].message);
}

/* Exactly these ids (a NULL-terminated list), each once. */
static void expect_ids(const struct tp_report *r, ...)
{
    va_list ap;
    size_t n = 0;
    va_start(ap, r);
    for (const char *id = va_arg(ap, const char *); id != NULL; id = va_arg(ap, const char *)) {
        if (find(r, id) == NULL) {
            print_findings(r);
            fail_msg("expected finding %s", id);
        }
        n++;
    }
    va_end(ap);
    if (r->n_findings != n) {
        print_findings(r);
        fail_msg("expected %zu findings, got %zu", n, r->n_findings);
    }
}

static void expect_finding(const struct tp_report *r, const char *id, enum tp_severity sev,
                           const char *message_part)
{
    const struct tp_finding *f = find(r, id);
    if (f == NULL) {
        print_findings(r);
        fail_msg("expected finding %s", id);
    }
    assert_int_equal(f->severity, sev);
    assert_non_null(f->reference);
    if (message_part != NULL && strstr(f->message, message_part) == NULL)
        fail_msg("%s: message '%s' lacks '%s'", id, f->message, message_part);
}

static void expect_message(const struct tp_report *r, const char *id, const char *message)
{
    const struct tp_finding *f = find(r, id);
    assert_non_null(f);
    assert_string_equal(f->message, message);
}

/* ---- clean handshakes and unknown facts ---- */

static void test_clean_tls13(void **state)
{
    struct fx *f = *state;
    grade(f);
    expect_ids(&f->r, "ocsp-not-stapled", NULL);
    expect_finding(&f->r, "ocsp-not-stapled", TP_SEV_INFO, "certificate #0 (CN=leaf.example)");
    assert_int_equal(tp_report_worst_severity(&f->r), TP_SEV_INFO);
}

static void test_clean_with_staple_has_no_findings(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    ok(tp_set_str(&f->r.handshake.ocsp_status, "good"));
    grade(f);
    expect_ids(&f->r, NULL);
}

static void test_empty_report_has_no_findings(void **state)
{
    (void)state;
    struct tp_report r;
    struct tp_config cfg;
    tp_report_init(&r);
    default_cfg(&cfg);
    assert_int_equal(grade_handshake(&r, &cfg, NOW), TP_OK);
    expect_ids(&r, NULL);
    tp_report_finish(&r);
}

/* A cert and a handshake where every fact is unknown: nothing to say. */
static void test_unknown_facts_are_silent(void **state)
{
    (void)state;
    struct tp_report r;
    struct tp_config cfg;
    tp_report_init(&r);
    default_cfg(&cfg);
    r.handshake.completed = true;
    assert_non_null(tp_report_add_cert(&r));
    assert_non_null(tp_report_add_cert(&r));
    assert_int_equal(grade_handshake(&r, &cfg, NOW), TP_OK);
    expect_ids(&r, NULL);
    tp_report_finish(&r);
}

static void test_null_arguments(void **state)
{
    struct fx *f = *state;
    assert_int_equal(grade_handshake(NULL, &f->cfg, NOW), TP_E_INTERNAL);
    assert_int_equal(grade_handshake(&f->r, NULL, NOW), TP_E_INTERNAL);
}

/* ---- protocol version ---- */

static void check_version(uint16_t version, const char *id, enum tp_severity sev)
{
    struct tp_report r;
    struct tp_config cfg;
    build_clean(&r);
    default_cfg(&cfg);
    r.handshake.version = version;
    r.handshake.cipher_code = 0xC02B; /* ECDHE-ECDSA-AES128-GCM: no suite finding */
    r.handshake.secure_renegotiation = TP_TRI_YES;
    r.handshake.ocsp_stapled = TP_TRI_YES;
    assert_int_equal(grade_handshake(&r, &cfg, NOW), TP_OK);
    expect_ids(&r, id, NULL);
    expect_finding(&r, id, sev, tp_version_name(version));
    tp_report_finish(&r);
}

static void test_versions(void **state)
{
    (void)state;
    check_version(TP_VER_SSL2, "protocol-sslv2", TP_SEV_CRITICAL);
    check_version(TP_VER_SSL3, "protocol-sslv3", TP_SEV_CRITICAL);
    check_version(TP_VER_TLS10, "protocol-tls10", TP_SEV_HIGH);
    check_version(TP_VER_TLS11, "protocol-tls11", TP_SEV_HIGH);
}

static void set_tls12(struct fx *f, uint16_t suite)
{
    f->r.handshake.version = TP_VER_TLS12;
    f->r.handshake.cipher_code = suite;
    f->r.handshake.secure_renegotiation = TP_TRI_YES;
    f->r.handshake.extended_master_secret = TP_TRI_YES;
    f->r.handshake.encrypt_then_mac = TP_TRI_NO;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
}

static void test_tls12_when_tls13_offered(void **state)
{
    struct fx *f = *state;
    set_tls12(f, 0xC02B);
    grade(f);
    expect_ids(&f->r, "protocol-no-tls13", NULL);
    expect_finding(&f->r, "protocol-no-tls13", TP_SEV_LOW, "TLSv1.3 was offered");
}

static void test_tls12_when_tls13_explicitly_offered(void **state)
{
    struct fx *f = *state;
    set_tls12(f, 0xC02B);
    f->cfg.tls_max = TP_VER_TLS13;
    grade(f);
    expect_ids(&f->r, "protocol-no-tls13", NULL);
}

static void test_tls12_when_tls13_not_offered(void **state)
{
    struct fx *f = *state;
    set_tls12(f, 0xC02B);
    f->cfg.tls_max = TP_VER_TLS12;
    grade(f);
    expect_ids(&f->r, NULL);
}

static void test_tls12_with_priority_string(void **state)
{
    struct fx *f = *state;
    set_tls12(f, 0xC02B);
    f->cfg.priority = "NORMAL:-VERS-TLS1.3";
    grade(f);
    expect_ids(&f->r, NULL);
}

/* ---- cipher suites ---- */

/* Grade a TLS 1.2 handshake (1.3 not offered) on suite, with ETM as given. */
static void grade_suite(struct fx *f, uint16_t suite, enum tp_tri etm)
{
    set_tls12(f, suite);
    f->r.handshake.encrypt_then_mac = etm;
    f->cfg.tls_max = TP_VER_TLS12;
    grade(f);
}

static void test_suite_null(void **state)
{
    struct fx *f = *state;
    grade_suite(f, 0x0001, TP_TRI_NO); /* TLS_RSA_WITH_NULL_MD5 */
    expect_ids(&f->r, "cipher-null", "cipher-static-rsa", NULL);
    expect_finding(&f->r, "cipher-null", TP_SEV_CRITICAL, "TLS_RSA_WITH_NULL_MD5 (0x0001)");
    expect_finding(&f->r, "cipher-static-rsa", TP_SEV_MEDIUM, "forward secrecy");
}

static void test_suite_anon_rc4(void **state)
{
    struct fx *f = *state;
    grade_suite(f, 0x0018, TP_TRI_NO); /* TLS_DH_anon_WITH_RC4_128_MD5 */
    expect_ids(&f->r, "cipher-anon", "cipher-rc4", NULL);
    expect_finding(&f->r, "cipher-anon", TP_SEV_CRITICAL, "0x0018");
    expect_finding(&f->r, "cipher-rc4", TP_SEV_CRITICAL, "RC4");
}

static void test_suite_export(void **state)
{
    struct fx *f = *state;
    grade_suite(f, 0x0003, TP_TRI_NO); /* TLS_RSA_EXPORT_WITH_RC4_40_MD5 */
    /* The 40-bit strength is the export finding, not a second one. */
    expect_ids(&f->r, "cipher-export", "cipher-rc4", "cipher-static-rsa", NULL);
    expect_finding(&f->r, "cipher-export", TP_SEV_CRITICAL, "export");
}

static void test_suite_des(void **state)
{
    struct fx *f = *state;
    grade_suite(f, 0x0009, TP_TRI_YES); /* TLS_RSA_WITH_DES_CBC_SHA, with ETM */
    expect_ids(&f->r, "cipher-weak-strength", "cipher-64bit-block", "cipher-static-rsa", NULL);
    expect_finding(&f->r, "cipher-weak-strength", TP_SEV_CRITICAL, "56 bits of security");
    expect_finding(&f->r, "cipher-64bit-block", TP_SEV_MEDIUM, "SWEET32");
}

static void test_suite_3des_cbc_no_etm(void **state)
{
    struct fx *f = *state;
    grade_suite(f, 0x000A, TP_TRI_NO); /* TLS_RSA_WITH_3DES_EDE_CBC_SHA */
    /* 112 bits is the floor, not below it. */
    expect_ids(&f->r, "cipher-64bit-block", "cipher-static-rsa", "cipher-cbc-no-etm", NULL);
    expect_finding(&f->r, "cipher-cbc-no-etm", TP_SEV_LOW, "encrypt_then_mac");
}

static void test_suite_cbc_etm(void **state)
{
    struct fx *f = *state;
    grade_suite(f, 0xC013, TP_TRI_YES); /* ECDHE-RSA-AES128-SHA with ETM */
    expect_ids(&f->r, NULL);
}

static void test_suite_cbc_etm_unknown(void **state)
{
    struct fx *f = *state;
    grade_suite(f, 0xC013, TP_TRI_UNKNOWN);
    expect_ids(&f->r, NULL);
}

static void test_suite_cbc_without_etm(void **state)
{
    struct fx *f = *state;
    grade_suite(f, 0xC013, TP_TRI_NO);
    expect_ids(&f->r, "cipher-cbc-no-etm", NULL);
    expect_finding(&f->r, "cipher-cbc-no-etm", TP_SEV_LOW,
                   "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (0xC013)");
}

static void test_suite_static_dh(void **state)
{
    struct fx *f = *state;
    grade_suite(f, 0xC02D, TP_TRI_NO); /* TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256 */
    expect_ids(&f->r, "cipher-static-dh", NULL);
    expect_finding(&f->r, "cipher-static-dh", TP_SEV_MEDIUM, "static (EC)DH");
}

static void test_suite_dhe(void **state)
{
    struct fx *f = *state;
    f->r.handshake.dh_bits = 2048;
    grade_suite(f, 0x009E, TP_TRI_NO); /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */
    expect_ids(&f->r, "cipher-dhe-tls12", NULL);
    expect_message(&f->r, "cipher-dhe-tls12",
                   "negotiated suite TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 (0x009E) uses "
                   "finite-field DHE in TLSv1.2");
    expect_finding(&f->r, "cipher-dhe-tls12", TP_SEV_MEDIUM, NULL);
}

static void test_suite_ccm8(void **state)
{
    struct fx *f = *state;
    grade_suite(f, 0xC0AE, TP_TRI_NO); /* TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 */
    expect_ids(&f->r, "cipher-ccm8", NULL);
    expect_finding(&f->r, "cipher-ccm8", TP_SEV_LOW, "CCM_8");
}

static void test_suite_non_standard(void **state)
{
    struct fx *f = *state;
    grade_suite(f, 0xCC13, TP_TRI_NO); /* pre-RFC ECDHE-RSA-CHACHA20-POLY1305 */
    expect_ids(&f->r, "cipher-non-standard", NULL);
    expect_finding(&f->r, "cipher-non-standard", TP_SEV_LOW, "0xCC13");
}

static void test_suite_good_ones(void **state)
{
    struct fx *f = *state;
    static const uint16_t good[] = {0xC02B, 0xC02F, 0xC030, 0xCCA8, 0xCCA9, 0x1301, 0x1302,
                                    0x1303};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        tp_report_finish(&f->r);
        build_clean(&f->r);
        grade_suite(f, good[i], TP_TRI_NO);
        expect_ids(&f->r, NULL);
    }
}

/* Unknown (0), SCSV and GREASE values are not negotiated suites. */
static void test_suite_not_a_suite(void **state)
{
    struct fx *f = *state;
    static const uint16_t codes[] = {0x0000, 0x00FF, 0x5600, 0x0A0A};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        tp_report_finish(&f->r);
        build_clean(&f->r);
        grade_suite(f, codes[i], TP_TRI_NO);
        expect_ids(&f->r, NULL);
    }
}

/* ---- key exchange and signatures ---- */

static void test_dh_bits(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.handshake.dh_bits = 1024;
    grade(f);
    expect_ids(&f->r, "kex-dh-small", NULL);
    expect_message(&f->r, "kex-dh-small", "Diffie-Hellman group is 1024 bits (< 2048)");
    expect_finding(&f->r, "kex-dh-small", TP_SEV_HIGH, NULL);

    tp_report_finish(&f->r);
    build_clean(&f->r);
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.handshake.dh_bits = 2048;
    grade(f);
    expect_ids(&f->r, NULL);
}

static void grade_group(struct fx *f, uint16_t group)
{
    tp_report_finish(&f->r);
    build_clean(&f->r);
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.handshake.group_code = group;
    grade(f);
}

static void test_groups(void **state)
{
    struct fx *f = *state;
    grade_group(f, 0x0013); /* secp192r1: small (and deprecated; one finding) */
    expect_ids(&f->r, "kex-ec-small", NULL);
    expect_finding(&f->r, "kex-ec-small", TP_SEV_HIGH, "secp192r1 (0x0013) gives 96 bits");
    grade_group(f, 0x0015); /* secp224r1: 112 bits, deprecated by RFC 8422 */
    expect_ids(&f->r, "kex-group-deprecated", NULL);
    expect_finding(&f->r, "kex-group-deprecated", TP_SEV_MEDIUM, "secp224r1");
    grade_group(f, 0x0017); /* secp256r1 */
    expect_ids(&f->r, NULL);
    grade_group(f, 0x0100); /* ffdhe2048: 2048-bit, fine */
    expect_ids(&f->r, NULL);
    grade_group(f, 0x11EC); /* X25519MLKEM768 */
    expect_ids(&f->r, NULL);
    grade_group(f, 0); /* unknown */
    expect_ids(&f->r, NULL);
}

static void grade_sig(struct fx *f, uint16_t scheme)
{
    tp_report_finish(&f->r);
    build_clean(&f->r);
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.handshake.sig_scheme_code = scheme;
    grade(f);
}

static void test_sig_schemes(void **state)
{
    struct fx *f = *state;
    grade_sig(f, 0x0201);
    expect_ids(&f->r, "sig-sha1-handshake", NULL);
    expect_finding(&f->r, "sig-sha1-handshake", TP_SEV_HIGH, "rsa_pkcs1_sha1 (0x0201, sha1");
    grade_sig(f, 0x0203);
    expect_ids(&f->r, "sig-sha1-handshake", NULL);
    grade_sig(f, 0x0101); /* TLS 1.2 (md5, rsa) pair */
    expect_ids(&f->r, "sig-sha1-handshake", NULL);
    expect_finding(&f->r, "sig-sha1-handshake", TP_SEV_HIGH, "md5");
    grade_sig(f, 0x0804);
    expect_ids(&f->r, NULL);
    grade_sig(f, 0x0807); /* ed25519 */
    expect_ids(&f->r, NULL);
    grade_sig(f, 0);
    expect_ids(&f->r, NULL);
}

/* ---- renegotiation and EMS ---- */

static void test_renegotiation(void **state)
{
    struct fx *f = *state;
    grade_suite(f, 0xC02B, TP_TRI_NO);
    expect_ids(&f->r, NULL);

    tp_report_finish(&f->r);
    build_clean(&f->r);
    set_tls12(f, 0xC02B);
    f->r.handshake.secure_renegotiation = TP_TRI_NO;
    grade(f);
    expect_ids(&f->r, "reneg-insecure", NULL);
    expect_finding(&f->r, "reneg-insecure", TP_SEV_HIGH, "renegotiation_info (RFC 5746)");

    /* TLS 1.3 (the clean model says NO) and unknown versions: nothing. */
    tp_report_finish(&f->r);
    build_clean(&f->r);
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.handshake.version = 0;
    grade(f);
    expect_ids(&f->r, NULL);
}

static void test_ems(void **state)
{
    struct fx *f = *state;
    set_tls12(f, 0xC02B);
    f->cfg.tls_max = TP_VER_TLS12;
    f->r.handshake.extended_master_secret = TP_TRI_NO;
    grade(f);
    expect_ids(&f->r, "ems-missing", NULL);
    expect_finding(&f->r, "ems-missing", TP_SEV_MEDIUM, "in TLSv1.2");

    tp_report_finish(&f->r);
    build_clean(&f->r);
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.handshake.extended_master_secret = TP_TRI_NO; /* meaningless in TLS 1.3 */
    grade(f);
    expect_ids(&f->r, NULL);

    tp_report_finish(&f->r);
    build_clean(&f->r);
    set_tls12(f, 0xC02B);
    f->r.handshake.version = TP_VER_SSL3; /* SSLv3 has no extensions */
    f->r.handshake.extended_master_secret = TP_TRI_NO;
    grade(f);
    expect_ids(&f->r, "protocol-sslv3", NULL);

    tp_report_finish(&f->r);
    build_clean(&f->r);
    set_tls12(f, 0xC02B);
    f->r.handshake.version = TP_VER_TLS10;
    f->r.handshake.extended_master_secret = TP_TRI_NO;
    grade(f);
    expect_ids(&f->r, "protocol-tls10", "ems-missing", NULL);
}

/* ---- trust and names ---- */

static void test_untrusted(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.verification.trusted = TP_TRI_NO;
    ok(tp_report_add_verify_error(&f->r, "signer-not-found", "issuer not found"));
    ok(tp_report_add_verify_error(&f->r, "expired", "certificate expired"));
    grade(f);
    expect_ids(&f->r, "cert-untrusted", NULL);
    expect_message(&f->r, "cert-untrusted",
                   "certificate chain does not verify against the system trust store: "
                   "signer-not-found, "
                   "expired");
    expect_finding(&f->r, "cert-untrusted", TP_SEV_HIGH, NULL);
}

/* ---- other chains (a server's RSA + ECDSA certificates) ---- */

/* Another chain: an RSA leaf for leaf.example alone, trusted and complete
 * or its intermediate missing. Built in a scratch report and taken over,
 * as tls/others.c does. */
static struct tp_other_chain *add_other_rsa_chain(struct tp_report *r, bool complete)
{
    struct tp_report scratch;
    tp_report_init(&scratch);
    struct tp_cert *leaf = add_cert(&scratch, "CN=leaf.example,O=Example",
                                    "CN=Example RSA CA,O=Example", "RSA", 2048, "RSA-SHA256");
    ok(tp_strlist_push(&leaf->san, "DNS:leaf.example"));
    leaf->is_ca = TP_TRI_NO;
    struct tp_verification *v = &scratch.verification;
    v->trusted = complete ? TP_TRI_YES : TP_TRI_NO;
    v->hostname_match = TP_TRI_YES;
    v->chain_complete = complete ? TP_TRI_YES : TP_TRI_NO;
    v->chain_ordered = TP_TRI_YES;
    ok(tp_set_str(&v->trust_store, "system"));
    if (!complete)
        ok(tp_report_add_verify_error(&scratch, "chain-incomplete", "issuer not sent"));
    struct tp_other_chain *oc = tp_report_add_other_chain(r);
    assert_non_null(oc);
    tp_other_chain_take(oc, &scratch);
    tp_report_finish(&scratch);
    ok(tp_set_str(&oc->key_type, "RSA"));
    ok(tp_set_str(&oc->selected_by, "RSA signature algorithms"));
    return oc;
}

static void test_other_chain_clean(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    add_other_rsa_chain(&f->r, true);
    grade(f);
    expect_ids(&f->r, NULL);
}

static void test_other_chain_incomplete(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    add_other_rsa_chain(&f->r, false);
    grade(f);
    /* The same ids as for the negotiated chain, the message naming the chain. */
    expect_ids(&f->r, "cert-untrusted", "chain-incomplete", NULL);
    expect_message(&f->r, "cert-untrusted",
                   "RSA chain: certificate chain does not verify against the system trust "
                   "store: chain-incomplete");
    expect_message(&f->r, "chain-incomplete",
                   "RSA chain: the server sent 1 certificate, without the intermediate that "
                   "issued certificate #0 (CN=leaf.example) (issuer: CN=Example RSA "
                   "CA,O=Example)");
}

/* Every certificate rule judges every chain: expiry, key size, signature
 * hash, host name, --warn-days. */
static void test_other_chain_every_rule(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    struct tp_other_chain *oc = add_other_rsa_chain(&f->r, true);
    struct tp_cert *leaf = &oc->certs[0];
    leaf->key_bits = 1024;
    ok(tp_set_str(&leaf->sig_alg, "RSA-SHA1"));
    leaf->not_after = NOW - 2 * DAY;
    oc->verification.hostname_match = TP_TRI_NO;
    grade(f);
    expect_ids(&f->r, "cert-expired", "cert-rsa-small", "cert-sig-sha1",
               "cert-hostname-mismatch", NULL);
    for (size_t i = 0; i < f->r.n_findings; i++)
        if (strncmp(f->r.findings[i].message, "RSA chain: ", 11) != 0)
            fail_msg("%s: '%s' does not name its chain", f->r.findings[i].id,
                     f->r.findings[i].message);
    expect_message(&f->r, "cert-rsa-small",
                   "RSA chain: RSA key of certificate #0 (CN=leaf.example) is 1024 bits "
                   "(< 2048)");

    /* The negotiated chain's findings keep their plain messages. */
    tp_report_finish(&f->r);
    build_clean(&f->r);
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.certs[0].not_after = NOW + 2 * DAY;
    oc = add_other_rsa_chain(&f->r, true);
    oc->certs[0].not_after = NOW + 3 * DAY;
    grade(f);
    assert_int_equal(f->r.n_findings, 2);
    assert_string_equal(f->r.findings[0].id, "cert-expiring-soon");
    assert_string_equal(f->r.findings[1].id, "cert-expiring-soon");
    bool plain = false, named = false;
    for (size_t i = 0; i < 2; i++) {
        plain = plain || strncmp(f->r.findings[i].message, "certificate #0", 14) == 0;
        named = named || strncmp(f->r.findings[i].message, "RSA chain: certificate #0", 25) == 0;
    }
    assert_true(plain && named);
}

static void test_untrusted_without_codes(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.verification.trusted = TP_TRI_NO;
    ok(tp_set_str(&f->r.verification.trust_store, "/tmp/ca.pem"));
    grade(f);
    expect_message(&f->r, "cert-untrusted",
                   "certificate chain does not verify against /tmp/ca.pem");
}

static void test_hostname_mismatch(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.verification.hostname_match = TP_TRI_NO;
    ok(tp_set_str(&f->r.target.sni, "other.example"));
    grade(f);
    expect_ids(&f->r, "cert-hostname-mismatch", NULL);
    expect_message(&f->r, "cert-hostname-mismatch",
                   "certificate #0 (CN=leaf.example) does not match 'other.example'; it names "
                   "DNS:leaf.example, DNS:www.leaf.example");
    expect_finding(&f->r, "cert-hostname-mismatch", TP_SEV_HIGH, NULL);
}

static void test_hostname_mismatch_no_san(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.verification.hostname_match = TP_TRI_NO;
    tp_strlist_finish(&f->r.certs[0].san);
    ok(tp_set_str(&f->r.target.sni, NULL)); /* an IP literal: no SNI, the host is named */
    ok(tp_set_str(&f->r.target.host, "192.0.2.1"));
    grade(f);
    expect_message(&f->r, "cert-hostname-mismatch",
                   "certificate #0 (CN=leaf.example) does not match '192.0.2.1' (no "
                   "subjectAltName)");
}

/* ---- validity period ---- */

static void test_expired_leaf(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.certs[0].not_after = NOV9 + 2 * 3600;
    grade(f);
    /* Expired is not also "expiring soon". */
    expect_ids(&f->r, "cert-expired", NULL);
    expect_message(&f->r, "cert-expired",
                   "certificate #0 (CN=leaf.example) expired 12 days ago on 2026-11-09");
    expect_finding(&f->r, "cert-expired", TP_SEV_CRITICAL, NULL);
}

static void test_expired_intermediate(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.certs[1].not_after = NOW - DAY;
    grade(f);
    expect_ids(&f->r, "cert-expired", NULL);
    expect_message(&f->r, "cert-expired",
                   "certificate #1 (CN=Example CA 1) expired 1 day ago on 2026-11-20");
}

/* RFC 5280 Sec. 4.1.2.5: notAfter itself is still inside the period. */
static void test_expiry_boundary(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.certs[0].not_after = NOW;
    grade(f);
    expect_ids(&f->r, "cert-expiring-soon", NULL);
    expect_finding(&f->r, "cert-expiring-soon", TP_SEV_MEDIUM, "expires in less than a day");

    tp_report_finish(&f->r);
    build_clean(&f->r);
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.certs[0].not_after = NOW - 1;
    grade(f);
    expect_ids(&f->r, "cert-expired", NULL);
    expect_finding(&f->r, "cert-expired", TP_SEV_CRITICAL, "expired less than a day ago");
}

static void test_not_yet_valid(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.certs[0].not_before = NOW + 3 * DAY + 5;
    grade(f);
    expect_ids(&f->r, "cert-not-yet-valid", NULL);
    expect_message(&f->r, "cert-not-yet-valid",
                   "certificate #0 (CN=leaf.example) is not valid for another 3 days (from "
                   "2026-11-24)");
    expect_finding(&f->r, "cert-not-yet-valid", TP_SEV_HIGH, NULL);

    tp_report_finish(&f->r);
    build_clean(&f->r);
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.certs[0].not_before = NOW; /* valid from this very second */
    grade(f);
    expect_ids(&f->r, NULL);
}

static void grade_leaf_left(struct fx *f, int64_t seconds_left, uint32_t warn_days)
{
    tp_report_finish(&f->r);
    build_clean(&f->r);
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.certs[0].not_after = NOW + seconds_left;
    f->cfg.warn_days = warn_days;
    grade(f);
}

static void test_warn_days_boundary(void **state)
{
    struct fx *f = *state;
    grade_leaf_left(f, 30 * DAY, 30); /* exactly 30 days left: not within 30 */
    expect_ids(&f->r, NULL);
    grade_leaf_left(f, 30 * DAY - 1, 30);
    expect_ids(&f->r, "cert-expiring-soon", NULL);
    expect_finding(&f->r, "cert-expiring-soon", TP_SEV_MEDIUM,
                   "certificate #0 (CN=leaf.example) expires in 29 days on 2026-12-21 "
                   "(--warn-days 30)");
    grade_leaf_left(f, 3600, 0); /* --warn-days 0 turns it off */
    expect_ids(&f->r, NULL);
    grade_leaf_left(f, 1000 * DAY, 3650);
    expect_ids(&f->r, "cert-expiring-soon", NULL);
    expect_finding(&f->r, "cert-expiring-soon", TP_SEV_MEDIUM, "expires in 1000 days");
}

/* Only the leaf gets --warn-days; an intermediate is the CA's business. */
static void test_warn_days_leaf_only(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.certs[1].not_after = NOW + DAY;
    grade(f);
    expect_ids(&f->r, NULL);
}

/* ---- keys and signatures ---- */

static void grade_leaf_key(struct fx *f, size_t index, const char *type, unsigned bits)
{
    tp_report_finish(&f->r);
    build_clean(&f->r);
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    ok(tp_set_str(&f->r.certs[index].key_type, type));
    ok(tp_set_str(&f->r.certs[index].curve, NULL));
    f->r.certs[index].key_bits = bits;
    grade(f);
}

static void test_rsa_keys(void **state)
{
    struct fx *f = *state;
    grade_leaf_key(f, 0, "RSA", 512);
    expect_ids(&f->r, "cert-rsa-tiny", NULL);
    expect_message(&f->r, "cert-rsa-tiny",
                   "RSA key of certificate #0 (CN=leaf.example) is 512 bits (< 1024)");
    expect_finding(&f->r, "cert-rsa-tiny", TP_SEV_CRITICAL, NULL);
    grade_leaf_key(f, 1, "RSA", 1024);
    expect_ids(&f->r, "cert-rsa-small", NULL);
    expect_message(&f->r, "cert-rsa-small",
                   "RSA key of certificate #1 (CN=Example CA 1) is 1024 bits (< 2048)");
    expect_finding(&f->r, "cert-rsa-small", TP_SEV_HIGH, NULL);
    grade_leaf_key(f, 0, "RSA-PSS", 2047);
    expect_ids(&f->r, "cert-rsa-small", NULL);
    grade_leaf_key(f, 0, "RSA", 2048);
    expect_ids(&f->r, NULL);
    grade_leaf_key(f, 0, "RSA", 0); /* unknown size */
    expect_ids(&f->r, NULL);
}

static void test_ec_keys(void **state)
{
    struct fx *f = *state;
    grade_leaf_key(f, 0, "EC", 192);
    expect_ids(&f->r, "cert-ec-small", NULL);
    expect_finding(&f->r, "cert-ec-small", TP_SEV_HIGH, "EC key of certificate #0");
    grade_leaf_key(f, 0, "EC", 224);
    expect_ids(&f->r, NULL);
    grade_leaf_key(f, 0, "Ed25519", 256);
    expect_ids(&f->r, NULL);
    grade_leaf_key(f, 0, "Ed448", 456);
    expect_ids(&f->r, NULL);
    /* A 1024-bit DSA key is not an RSA key: no RSA finding. */
    grade_leaf_key(f, 0, "DSA", 1024);
    expect_ids(&f->r, NULL);
}

static void grade_leaf_sig(struct fx *f, size_t index, const char *sig_alg)
{
    tp_report_finish(&f->r);
    build_clean(&f->r);
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    ok(tp_set_str(&f->r.certs[index].sig_alg, sig_alg));
    grade(f);
}

static void test_cert_signatures(void **state)
{
    struct fx *f = *state;
    grade_leaf_sig(f, 0, "RSA-SHA1");
    expect_ids(&f->r, "cert-sig-sha1", NULL);
    expect_message(&f->r, "cert-sig-sha1",
                   "certificate #0 (CN=leaf.example) is signed with RSA-SHA1");
    expect_finding(&f->r, "cert-sig-sha1", TP_SEV_HIGH, NULL);
    grade_leaf_sig(f, 1, "sha1WithRSAEncryption");
    expect_ids(&f->r, "cert-sig-sha1", NULL);
    grade_leaf_sig(f, 0, "ECDSA-SHA-1");
    expect_ids(&f->r, "cert-sig-sha1", NULL);
    grade_leaf_sig(f, 0, "RSA-MD5");
    expect_ids(&f->r, "cert-sig-md5", NULL);
    expect_finding(&f->r, "cert-sig-md5", TP_SEV_CRITICAL, "RSA-MD5");
    static const char *const good[] = {"RSA-SHA256", "ECDSA-SHA384", "RSA-PSS-SHA512",
                                       "ED25519", "RSA-SHA3-256", "ECDSA-SHA224"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        grade_leaf_sig(f, 0, good[i]);
        expect_ids(&f->r, NULL);
    }
}

/* Add the self-signed root the intermediate chains to. */
static void add_root(struct tp_report *r, const char *sig_alg)
{
    struct tp_cert *root =
        add_cert(r, "CN=Example Root,O=Example", "CN=Example Root,O=Example", "RSA", 4096,
                 sig_alg);
    root->self_issued = true;
    root->self_signed = true;
}

/* A root's self-signature does not matter; sending the root is wasteful. */
static void test_root_in_chain(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    add_root(&f->r, "RSA-SHA1");
    grade(f);
    expect_ids(&f->r, "chain-extra-root", NULL);
    expect_message(&f->r, "chain-extra-root",
                   "the server sends its self-signed root certificate #2 (CN=Example Root); "
                   "clients already have it");
    expect_finding(&f->r, "chain-extra-root", TP_SEV_INFO, NULL);
}

static void test_root_in_chain_still_judges_intermediate(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    add_root(&f->r, "RSA-MD5");
    ok(tp_set_str(&f->r.certs[1].sig_alg, "RSA-SHA1"));
    grade(f);
    expect_ids(&f->r, "chain-extra-root", "cert-sig-sha1", NULL);
    expect_finding(&f->r, "cert-sig-sha1", TP_SEV_HIGH, "certificate #1");
}

static void make_self_signed_leaf(struct tp_report *r)
{
    tp_report_finish(r);
    build_model(r, true);
    r->handshake.ocsp_stapled = TP_TRI_YES;
    struct tp_cert *leaf = &r->certs[0];
    ok(tp_set_str(&leaf->issuer, leaf->subject));
    ok(tp_set_str(&leaf->sig_alg, "RSA-SHA1"));
    leaf->self_issued = true;
    leaf->self_signed = true;
}

static void test_self_signed_leaf(void **state)
{
    struct fx *f = *state;
    make_self_signed_leaf(&f->r);
    f->r.verification.trusted = TP_TRI_NO;
    grade(f);
    /* A leaf's own SHA-1 self-signature is still reported: it is no root. */
    expect_ids(&f->r, "cert-untrusted", "cert-self-signed", "cert-sig-sha1", NULL);
    expect_message(&f->r, "cert-self-signed", "certificate #0 (CN=leaf.example) is self-signed");
    expect_finding(&f->r, "cert-self-signed", TP_SEV_HIGH, NULL);
}

/* Trusted as it is (--ca-file with the certificate itself): not a finding. */
static void test_self_signed_leaf_trusted(void **state)
{
    struct fx *f = *state;
    make_self_signed_leaf(&f->r);
    ok(tp_set_str(&f->r.certs[0].sig_alg, "ECDSA-SHA256"));
    grade(f);
    expect_ids(&f->r, NULL);
}

/* ---- leaf EKU, chain shape ---- */

static void grade_eku(struct fx *f, const char *a, const char *b)
{
    tp_report_finish(&f->r);
    build_clean(&f->r);
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    tp_strlist_finish(&f->r.certs[0].ext_key_usage);
    if (a != NULL)
        ok(tp_strlist_push(&f->r.certs[0].ext_key_usage, a));
    if (b != NULL)
        ok(tp_strlist_push(&f->r.certs[0].ext_key_usage, b));
    grade(f);
}

static void test_eku(void **state)
{
    struct fx *f = *state;
    grade_eku(f, "clientAuth", "emailProtection");
    expect_ids(&f->r, "cert-not-server-auth", NULL);
    expect_message(&f->r, "cert-not-server-auth",
                   "certificate #0 (CN=leaf.example) has extendedKeyUsage clientAuth, "
                   "emailProtection but not serverAuth");
    expect_finding(&f->r, "cert-not-server-auth", TP_SEV_MEDIUM, NULL);
    grade_eku(f, "clientAuth", "serverAuth");
    expect_ids(&f->r, NULL);
    grade_eku(f, "1.3.6.1.5.5.7.3.1", NULL);
    expect_ids(&f->r, NULL);
    grade_eku(f, "anyExtendedKeyUsage", NULL);
    expect_ids(&f->r, NULL);
    grade_eku(f, NULL, NULL); /* no EKU extension: any use */
    expect_ids(&f->r, NULL);
}

static void test_chain_incomplete(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.verification.chain_complete = TP_TRI_NO;
    grade(f);
    expect_ids(&f->r, "chain-incomplete", NULL);
    expect_finding(&f->r, "chain-incomplete", TP_SEV_MEDIUM, "CN=Example Root");
}

static void test_chain_order(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.verification.chain_ordered = TP_TRI_NO;
    ok(tp_set_str(&f->r.certs[1].subject, "CN=Unrelated CA"));
    grade(f);
    expect_ids(&f->r, "chain-order", NULL);
    expect_message(&f->r, "chain-order",
                   "the server sent certificates out of issuing order: certificate #1 "
                   "(CN=Unrelated CA) follows certificate #0 (CN=leaf.example) but did not "
                   "issue it");
    expect_finding(&f->r, "chain-order", TP_SEV_LOW, NULL);
}

/* ---- OCSP, client certificates, failed handshakes ---- */

static void test_ocsp(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    ok(tp_set_str(&f->r.handshake.ocsp_status, "revoked"));
    grade(f);
    expect_ids(&f->r, "ocsp-revoked", NULL);
    expect_message(&f->r, "ocsp-revoked",
                   "stapled OCSP response says certificate #0 (CN=leaf.example) is revoked");
    expect_finding(&f->r, "ocsp-revoked", TP_SEV_CRITICAL, NULL);

    tp_report_finish(&f->r);
    build_clean(&f->r);
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    ok(tp_set_str(&f->r.handshake.ocsp_status, "invalid"));
    grade(f);
    expect_ids(&f->r, "ocsp-invalid", NULL);
    expect_finding(&f->r, "ocsp-invalid", TP_SEV_LOW, NULL);

    tp_report_finish(&f->r);
    build_clean(&f->r);
    f->r.handshake.ocsp_stapled = TP_TRI_UNKNOWN;
    grade(f);
    expect_ids(&f->r, NULL);
}

static void test_client_cert_requested(void **state)
{
    struct fx *f = *state;
    f->r.handshake.ocsp_stapled = TP_TRI_YES;
    f->r.handshake.client_cert_requested = TP_TRI_YES;
    ok(tp_strlist_push(&f->r.handshake.client_ca_names, "CN=Clients CA"));
    grade(f);
    expect_ids(&f->r, "client-cert-requested", NULL);
    expect_message(&f->r, "client-cert-requested",
                   "server requested a client certificate (1 acceptable CA name); it went on "
                   "without one");
    expect_finding(&f->r, "client-cert-requested", TP_SEV_INFO, NULL);
}

/* Mutual TLS without --cert: the server asked, got nothing and aborted. */
static void test_client_cert_required(void **state)
{
    (void)state;
    struct tp_report r;
    struct tp_config cfg;
    tp_report_init(&r);
    default_cfg(&cfg);
    r.handshake.version = TP_VER_TLS13;
    r.handshake.client_cert_requested = TP_TRI_YES;
    r.handshake.client_cert_sent = TP_TRI_NO;
    ok(tp_strlist_push(&r.handshake.client_ca_names, "CN=Fleet CA"));
    ok(tp_strlist_push(&r.handshake.client_ca_names, "CN=Other CA"));
    ok(tp_report_set_failure(&r, TP_STAGE_TLS, TP_E_TLS, "server sent a fatal alert"));
    ok(tp_set_str(&r.failure.alert_name, "certificate_required"));
    r.failure.tolerated = true;
    ok(grade_handshake(&r, &cfg, 1700000000));
    expect_ids(&r, "client-cert-required", NULL);
    expect_finding(&r, "client-cert-required", TP_SEV_INFO,
                   "ended the handshake with certificate_required when none was sent; "
                   "acceptable CAs: CN=Fleet CA; CN=Other CA; give one with --cert/--key");
    tp_report_finish(&r);
}

/* --cert given, and the server refused it. */
static void test_client_cert_rejected(void **state)
{
    (void)state;
    struct tp_report r;
    struct tp_config cfg;
    tp_report_init(&r);
    default_cfg(&cfg);
    r.handshake.version = TP_VER_TLS12;
    r.handshake.client_cert_requested = TP_TRI_YES;
    r.handshake.client_cert_sent = TP_TRI_YES;
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "CN=CA %d", i);
        ok(tp_strlist_push(&r.handshake.client_ca_names, name));
    }
    ok(tp_report_set_failure(&r, TP_STAGE_TLS, TP_E_TLS, "server sent a fatal alert"));
    ok(tp_set_str(&r.failure.alert_name, "unknown_ca"));
    ok(grade_handshake(&r, &cfg, 1700000000));
    expect_ids(&r, "client-cert-rejected", "protocol-no-tls13", NULL);
    expect_finding(&r, "client-cert-rejected", TP_SEV_MEDIUM,
                   "with unknown_ca (acceptable CAs: CN=CA 0; CN=CA 1; CN=CA 2; and 2 more)");
    tp_report_finish(&r);
}

/* An aborted handshake: grade what was learned, nothing more. */
static void test_failed_handshake(void **state)
{
    (void)state;
    struct tp_report r;
    struct tp_config cfg;
    tp_report_init(&r);
    default_cfg(&cfg);
    ok(tp_report_set_failure(&r, TP_STAGE_TLS, TP_E_TLS, "server sent a fatal alert"));
    ok(tp_set_str(&r.failure.alert_name, "handshake_failure"));
    r.failure.alert = 40;
    assert_int_equal(grade_handshake(&r, &cfg, NOW), TP_OK);
    expect_ids(&r, "tls-failed", NULL);
    expect_message(&r, "tls-failed",
                   "handshake did not complete: server sent a fatal alert (alert "
                   "handshake_failure)");
    expect_finding(&r, "tls-failed", TP_SEV_INFO, NULL);

    tp_report_finish(&r);

    /* The chain arrived before the failure: its expiry is still a fact. */
    tp_report_init(&r);
    ok(tp_report_set_failure(&r, TP_STAGE_TLS, TP_E_TLS, "certificate rejected"));
    struct tp_cert *c = add_cert(&r, "CN=old.example", "CN=CA", "RSA", 2048, "RSA-SHA256");
    c->not_after = NOW - 40 * DAY;
    assert_int_equal(grade_handshake(&r, &cfg, NOW), TP_OK);
    expect_ids(&r, "tls-failed", "cert-expired", NULL);
    assert_string_equal(r.findings[0].id, "cert-expired"); /* worst first */
    expect_message(&r, "tls-failed", "handshake did not complete: certificate rejected");
    tp_report_finish(&r);
}

static void test_connect_failure_is_not_graded(void **state)
{
    (void)state;
    struct tp_report r;
    struct tp_config cfg;
    tp_report_init(&r);
    default_cfg(&cfg);
    ok(tp_report_set_failure(&r, TP_STAGE_CONNECT, TP_E_CONNECT, "connection refused"));
    assert_int_equal(grade_handshake(&r, &cfg, NOW), TP_OK);
    expect_ids(&r, NULL);
    tp_report_finish(&r);
}

/* ---- everything at once: sorted worst first ---- */

static void test_many_sorted(void **state)
{
    struct fx *f = *state;
    set_tls12(f, 0x000A);
    f->r.handshake.version = TP_VER_TLS10;
    f->r.handshake.ocsp_stapled = TP_TRI_NO;
    f->r.handshake.extended_master_secret = TP_TRI_NO;
    f->r.certs[0].not_after = NOW - DAY;
    f->r.verification.chain_ordered = TP_TRI_NO;
    grade(f);
    expect_ids(&f->r, "cert-expired", "protocol-tls10", "cipher-64bit-block",
               "cipher-static-rsa", "ems-missing", "cipher-cbc-no-etm", "chain-order",
               "ocsp-not-stapled", NULL);
    for (size_t i = 1; i < f->r.n_findings; i++) {
        const struct tp_finding *a = &f->r.findings[i - 1], *b = &f->r.findings[i];
        assert_true(a->severity > b->severity ||
                    (a->severity == b->severity && strcmp(a->id, b->id) < 0));
    }
    assert_string_equal(f->r.findings[0].id, "cert-expired");
    assert_int_equal(tp_report_worst_severity(&f->r), TP_SEV_CRITICAL);
}

/* Severities follow shared/data/grading.md: forbidden -> high/critical,
 * deprecated -> medium, weak -> low. */
static void test_catalog_classes(void **state)
{
    (void)state;
    static const struct {
        const char *id;
        enum tp_severity sev;
    } expect[] = {
        {"protocol-sslv2", TP_SEV_CRITICAL}, {"protocol-tls10", TP_SEV_HIGH},
        {"protocol-no-tls13", TP_SEV_LOW},   {"cipher-weak-strength", TP_SEV_CRITICAL},
        {"cipher-dhe-tls12", TP_SEV_MEDIUM}, {"cipher-static-rsa", TP_SEV_MEDIUM},
        {"cipher-cbc-no-etm", TP_SEV_LOW},   {"kex-group-deprecated", TP_SEV_MEDIUM},
        {"sig-sha1-handshake", TP_SEV_HIGH}, {"cert-sig-md5", TP_SEV_CRITICAL},
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        const struct tp_finding_info *info = tp_finding_lookup(expect[i].id);
        assert_non_null(info);
        assert_int_equal(info->severity, expect[i].sev);
        assert_non_null(info->reference);
    }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_clean_tls13),
        T(test_clean_with_staple_has_no_findings),
        cmocka_unit_test(test_empty_report_has_no_findings),
        cmocka_unit_test(test_unknown_facts_are_silent),
        T(test_null_arguments),
        cmocka_unit_test(test_versions),
        T(test_tls12_when_tls13_offered),
        T(test_tls12_when_tls13_explicitly_offered),
        T(test_tls12_when_tls13_not_offered),
        T(test_tls12_with_priority_string),
        T(test_suite_null),
        T(test_suite_anon_rc4),
        T(test_suite_export),
        T(test_suite_des),
        T(test_suite_3des_cbc_no_etm),
        T(test_suite_cbc_etm),
        T(test_suite_cbc_etm_unknown),
        T(test_suite_cbc_without_etm),
        T(test_suite_static_dh),
        T(test_suite_dhe),
        T(test_suite_ccm8),
        T(test_suite_non_standard),
        T(test_suite_good_ones),
        T(test_suite_not_a_suite),
        T(test_dh_bits),
        T(test_groups),
        T(test_sig_schemes),
        T(test_renegotiation),
        T(test_ems),
        T(test_untrusted),
        T(test_other_chain_clean),
        T(test_other_chain_incomplete),
        T(test_other_chain_every_rule),
        T(test_untrusted_without_codes),
        T(test_hostname_mismatch),
        T(test_hostname_mismatch_no_san),
        T(test_expired_leaf),
        T(test_expired_intermediate),
        T(test_expiry_boundary),
        T(test_not_yet_valid),
        T(test_warn_days_boundary),
        T(test_warn_days_leaf_only),
        T(test_rsa_keys),
        T(test_ec_keys),
        T(test_cert_signatures),
        T(test_root_in_chain),
        T(test_root_in_chain_still_judges_intermediate),
        T(test_self_signed_leaf),
        T(test_self_signed_leaf_trusted),
        T(test_eku),
        T(test_chain_incomplete),
        T(test_chain_order),
        T(test_ocsp),
        T(test_client_cert_requested),
        cmocka_unit_test(test_client_cert_required),
        cmocka_unit_test(test_client_cert_rejected),
        cmocka_unit_test(test_failed_handshake),
        cmocka_unit_test(test_connect_failure_is_not_graded),
        T(test_many_sorted),
        cmocka_unit_test(test_catalog_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
