/* test_policy.c: grade_scan() on hand-built enumerations. Each policy
 * rates a fixed set of versions, suites, groups and signature schemes as
 * the brief and shared/data/grading.md say; the overall grade and its caps
 * follow the SSL Labs rules; the enum-* findings name what they should. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "grade/policy.h"
#include "wire/registry.h"
#include "util/banned.h"

static void ok(tp_status status)
{
    assert_int_equal(status, TP_OK);
}

struct fx {
    struct tp_report report;
    struct tp_scan *scan;
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    tp_report_init(&f->report);
    f->scan = calloc(1, sizeof *f->scan);
    if (f->scan == NULL)
        return -1;
    tp_scan_init(f->scan);
    f->report.scan = f->scan; /* freed by tp_report_finish */
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    tp_report_finish(&f->report);
    free(f);
    return 0;
}

static void set_versions(struct tp_scan *scan, enum tp_tri ssl2, enum tp_tri ssl3,
                         enum tp_tri tls10, enum tp_tri tls11, enum tp_tri tls12,
                         enum tp_tri tls13)
{
    const enum tp_tri v[TP_SCAN_VERSIONS] = {ssl2, ssl3, tls10, tls11, tls12, tls13};
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++)
        scan->protocols[i].supported = v[i];
}

#define Y TP_TRI_YES
#define N TP_TRI_NO
#define U TP_TRI_UNKNOWN

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
    ok(tp_set_str(&s->name, info != NULL ? tp_suite_name(info) : "unknown"));
    ok(tp_set_str(&s->kx_group, kx_group));
    return s;
}

static struct tp_scan_group *add_group(struct tp_scan *scan, uint16_t code, unsigned bits)
{
    struct tp_scan_group *g = tp_scan_add_group(scan);
    assert_non_null(g);
    g->code = code;
    g->bits = bits;
    g->supported = TP_TRI_YES;
    const struct tp_group_info *info = tp_group_by_code(code);
    ok(tp_set_str(&g->name, info != NULL ? info->iana_name : "custom"));
    return g;
}

static struct tp_scan_sigscheme *add_scheme(struct tp_scan *scan, uint16_t code)
{
    struct tp_scan_sigscheme *s = tp_scan_add_sigscheme(scan);
    assert_non_null(s);
    s->code = code;
    s->supported = TP_TRI_YES;
    const struct tp_sigscheme_info *info = tp_sigscheme_by_code(code);
    ok(tp_set_str(&s->name, info != NULL ? info->name : "unknown"));
    return s;
}

static void add_feature(struct tp_scan *scan, const char *id, enum tp_tri value)
{
    struct tp_scan_feature *f = tp_scan_add_feature(scan);
    assert_non_null(f);
    ok(tp_set_str(&f->id, id));
    f->value = value;
}

static const struct tp_finding *finding(const struct tp_report *r, const char *id)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].id, id) == 0)
            return &r->findings[i];
    return NULL;
}

static size_t count_findings(const struct tp_report *r, const char *id)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_findings; i++)
        n += strcmp(r->findings[i].id, id) == 0;
    return n;
}

static bool has_cap(const struct tp_scan *scan, const char *grade, const char *needle)
{
    for (size_t i = 0; i < scan->n_caps; i++)
        if (strcmp(scan->caps[i].grade, grade) == 0 && strstr(scan->caps[i].reason, needle))
            return true;
    return false;
}

/* ---- ratings, table driven -------------------------------------------- */

enum subject { SUITE, VERSION, GROUP, SCHEME };

struct expect {
    const char *policy;
    enum subject kind;
    uint32_t code;          /* suite/group/scheme code, or version */
    uint16_t at;            /* suite: version accepted with */
    unsigned bits;          /* observed key exchange size */
    enum tp_rating rating;
    const char *reason_has; /* substring of the reason, or NULL */
};

#define R_FORBIDDEN TP_RATING_FORBIDDEN
#define R_DEPRECATED TP_RATING_DEPRECATED
#define R_WEAK TP_RATING_WEAK
#define R_OK TP_RATING_OK
#define R_REC TP_RATING_RECOMMENDED

static const struct expect expectations[] = {
    /* rfc9325: grading.md sections 1-3 */
    {"rfc9325", SUITE, 0x0005, TP_VER_TLS12, 0, R_FORBIDDEN, "RC4"},
    {"rfc9325", SUITE, 0x002F, TP_VER_TLS12, 0, R_DEPRECATED, "static RSA"},
    {"rfc9325", SUITE, 0xC013, TP_VER_TLS12, 0, R_WEAK, "CBC"},
    {"rfc9325", SUITE, 0xC02B, TP_VER_TLS12, 0, R_REC, "RFC 9325"},
    {"rfc9325", SUITE, 0x1301, TP_VER_TLS13, 0, R_REC, NULL},
    {"rfc9325", SUITE, 0xC0AE, TP_VER_TLS12, 0, R_WEAK, "CCM_8"},
    {"rfc9325", SUITE, 0x009E, TP_VER_TLS12, 2048, R_DEPRECATED, "DHE"},
    {"rfc9325", SUITE, 0x009E, TP_VER_TLS12, 1024, R_FORBIDDEN, "2048"},
    {"rfc9325", SUITE, 0xC012, TP_VER_TLS12, 0, R_WEAK, "SWEET32"},
    {"rfc9325", SUITE, 0x0001, TP_VER_TLS12, 0, R_FORBIDDEN, "NULL"},
    {"rfc9325", SUITE, 0x0018, TP_VER_TLS12, 0, R_FORBIDDEN, NULL}, /* DH_anon RC4 */
    {"rfc9325", SUITE, 0x0034, TP_VER_TLS12, 0, R_FORBIDDEN, "anonymous"},
    {"rfc9325", SUITE, 0x0700C0, TP_VER_SSL2, 0, R_FORBIDDEN, "SSL 2.0"},
    {"rfc9325", SUITE, 0xCCA8, TP_VER_TLS12, 0, R_OK, NULL},
    {"rfc9325", SUITE, 0x1305, TP_VER_TLS13, 0, R_WEAK, "CCM_8"},
    {"rfc9325", SUITE, 0xC0A8, TP_VER_TLS12, 0, R_WEAK, "CCM_8"},
    {"rfc9325", SUITE, 0x7777, TP_VER_TLS12, 0, R_WEAK, "registry"}, /* unassigned */
    {"rfc9325", VERSION, TP_VER_SSL2, 0, 0, R_FORBIDDEN, "RFC 6176"},
    {"rfc9325", VERSION, TP_VER_SSL3, 0, 0, R_FORBIDDEN, "POODLE"},
    {"rfc9325", VERSION, TP_VER_TLS10, 0, 0, R_FORBIDDEN, NULL},
    {"rfc9325", VERSION, TP_VER_TLS11, 0, 0, R_FORBIDDEN, NULL},
    {"rfc9325", VERSION, TP_VER_TLS12, 0, 0, R_OK, NULL},
    {"rfc9325", VERSION, TP_VER_TLS13, 0, 0, R_REC, NULL},
    {"rfc9325", GROUP, 0x001D, 0, 253, R_REC, NULL},
    {"rfc9325", GROUP, 0x0017, 0, 256, R_REC, NULL},
    {"rfc9325", GROUP, 0x0018, 0, 384, R_REC, NULL},
    {"rfc9325", GROUP, 0x0001, 0, 163, R_FORBIDDEN, NULL},
    {"rfc9325", GROUP, 0x0015, 0, 224, R_DEPRECATED, "RFC 8422"},
    {"rfc9325", GROUP, 0x0100, 0, 2048, R_OK, NULL},
    {"rfc9325", GROUP, 0x0000, 0, 1024, R_FORBIDDEN, "2048"}, /* unnamed DH prime */
    {"rfc9325", GROUP, 0x0000, 0, 3072, R_OK, "RFC 7919"},
    {"rfc9325", GROUP, 0x4242, 0, 160, R_WEAK, "registry"}, /* unknown code, unknown type */
    {"rfc9325", GROUP, 0x11EC, 0, 0, R_OK, "post-quantum"},
    {"rfc9325", SCHEME, 0x0201, 0, 0, R_FORBIDDEN, "SHA-1"},
    {"rfc9325", SCHEME, 0x0804, 0, 0, R_REC, NULL},
    {"rfc9325", SCHEME, 0x0402, 0, 0, R_DEPRECATED, "DSA"},
    {"rfc9325", SCHEME, 0x0401, 0, 0, R_OK, "PKCS#1"},
    {"rfc9325", SCHEME, 0x0420, 0, 0, R_FORBIDDEN, "client authentication"},
    /* SHA-224: RFC 9155 deprecates MD5 and SHA-1 only; the DSA pair stays DSA */
    {"rfc9325", SCHEME, 0x0301, 0, 0, R_OK, "RFC 9155"},
    {"rfc9325", SCHEME, 0x0303, 0, 0, R_OK, "SP 800-131A"},
    {"rfc9325", SCHEME, 0x0302, 0, 0, R_DEPRECATED, "DSA"},
    {"rfc9325", SUITE, 0x0023, TP_VER_TLS12, 0, R_DEPRECATED, "MD5"}, /* KRB5 3DES MD5 */
    /* iot-rfc7925: the CCM_8 and PSK suites are what the profile asks for */
    {"iot-rfc7925", SUITE, 0xC0AE, TP_VER_TLS12, 0, R_REC, "RFC 7925"},
    {"iot-rfc7925", SUITE, 0xC0A8, TP_VER_TLS12, 0, R_REC, "pre-shared key"},
    {"iot-rfc7925", SUITE, 0xC0A9, TP_VER_TLS12, 0, R_OK, "CCM_8"},
    {"iot-rfc7925", SUITE, 0xC0A4, TP_VER_TLS12, 0, R_OK, "pre-shared key"},
    {"iot-rfc7925", SUITE, 0xC0A0, TP_VER_TLS12, 0, R_DEPRECATED, "static RSA"},
    {"iot-rfc7925", SUITE, 0x0005, TP_VER_TLS12, 0, R_FORBIDDEN, "RC4"},
    {"iot-rfc7925", SUITE, 0x002F, TP_VER_TLS12, 0, R_DEPRECATED, NULL},
    {"iot-rfc7925", SUITE, 0x1305, TP_VER_TLS13, 0, R_OK, "CoAP"},
    {"iot-rfc7925", VERSION, TP_VER_TLS12, 0, 0, R_REC, "required"},
    {"iot-rfc7925", VERSION, TP_VER_TLS10, 0, 0, R_FORBIDDEN, NULL},
    {"iot-rfc7925", GROUP, 0x0017, 0, 256, R_REC, "RFC 7925"},
    {"iot-rfc7925", SCHEME, 0x0403, 0, 0, R_REC, "RFC 7925"},
    /* mozilla-modern: TLS 1.3 only; the base still decides what is worse */
    {"mozilla-modern", SUITE, 0xC02B, TP_VER_TLS12, 0, R_DEPRECATED, "outside Mozilla modern"},
    {"mozilla-modern", SUITE, 0xC02F, TP_VER_TLS12, 0, R_DEPRECATED, "outside Mozilla modern"},
    {"mozilla-modern", SUITE, 0x1301, TP_VER_TLS13, 0, R_REC, "Mozilla"},
    {"mozilla-modern", SUITE, 0x1304, TP_VER_TLS13, 0, R_DEPRECATED, "outside"},
    {"mozilla-modern", SUITE, 0x0005, TP_VER_TLS12, 0, R_FORBIDDEN, "RC4"},
    {"mozilla-modern", VERSION, TP_VER_TLS12, 0, 0, R_DEPRECATED, "TLS 1.3 only"},
    {"mozilla-modern", VERSION, TP_VER_TLS13, 0, 0, R_REC, NULL},
    {"mozilla-modern", VERSION, TP_VER_TLS10, 0, 0, R_FORBIDDEN, "RFC 8996"},
    {"mozilla-modern", GROUP, 0x0019, 0, 521, R_DEPRECATED, "outside"},
    {"mozilla-modern", GROUP, 0x11EC, 0, 0, R_REC, "Mozilla"},
    {"mozilla-modern", SCHEME, 0x0804, 0, 0, R_DEPRECATED, "ECDSA"},
    {"mozilla-modern", SCHEME, 0x0403, 0, 0, R_REC, NULL},
    {"mozilla-modern", SCHEME, 0x0201, 0, 0, R_FORBIDDEN, "SHA-1"},
    {"mozilla-modern", SCHEME, 0x0303, 0, 0, R_DEPRECATED, "outside Mozilla modern"},
    /* mozilla-intermediate */
    {"mozilla-intermediate", SUITE, 0xC02F, TP_VER_TLS12, 0, R_REC, "Mozilla"},
    {"mozilla-intermediate", SUITE, 0xCCA8, TP_VER_TLS12, 0, R_REC, "Mozilla"},
    {"mozilla-intermediate", SUITE, 0xC013, TP_VER_TLS12, 0, R_DEPRECATED, "outside"},
    {"mozilla-intermediate", SUITE, 0x009E, TP_VER_TLS12, 2048, R_DEPRECATED, "DHE"},
    {"mozilla-intermediate", SUITE, 0x0005, TP_VER_TLS12, 0, R_FORBIDDEN, "RC4"},
    {"mozilla-intermediate", VERSION, TP_VER_TLS12, 0, 0, R_OK, NULL},
    {"mozilla-intermediate", VERSION, TP_VER_TLS11, 0, 0, R_FORBIDDEN, NULL},
    {"mozilla-intermediate", SCHEME, 0x0804, 0, 0, R_REC, NULL},
    {"mozilla-intermediate", SCHEME, 0x0301, 0, 0, R_DEPRECATED, "outside"},
    /* nist-800-52r2: FIPS-approved compositions */
    {"nist-800-52r2", SUITE, 0xC02B, TP_VER_TLS12, 0, R_REC, "FIPS"},
    {"nist-800-52r2", SUITE, 0xCCA8, TP_VER_TLS12, 0, R_DEPRECATED, "FIPS"},
    {"nist-800-52r2", SUITE, 0x009E, TP_VER_TLS12, 2048, R_OK, "FIPS"},
    {"nist-800-52r2", SUITE, 0x009E, TP_VER_TLS12, 1024, R_FORBIDDEN, "2048"},
    {"nist-800-52r2", SUITE, 0xC013, TP_VER_TLS12, 0, R_WEAK, "CBC"},
    {"nist-800-52r2", SUITE, 0x002F, TP_VER_TLS12, 0, R_DEPRECATED, "transition"},
    {"nist-800-52r2", SUITE, 0x1305, TP_VER_TLS13, 0, R_OK, NULL},
    {"nist-800-52r2", SUITE, 0x1303, TP_VER_TLS13, 0, R_DEPRECATED, "FIPS"},
    {"nist-800-52r2", VERSION, TP_VER_TLS13, 0, 0, R_REC, "NIST"},
    {"nist-800-52r2", GROUP, 0x0019, 0, 521, R_REC, "NIST"},
    {"nist-800-52r2", SCHEME, 0x0301, 0, 0, R_OK, "SHA-224"},
    {"nist-800-52r2", SCHEME, 0x0303, 0, 0, R_OK, "SHA-224"},
    {"iot-rfc7925", SCHEME, 0x0303, 0, 0, R_OK, "SHA-224"},
};

static void test_ratings(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof expectations / sizeof expectations[0]; i++) {
        const struct expect *e = &expectations[i];
        struct tp_report report;
        tp_report_init(&report);
        struct tp_scan scan;
        tp_scan_init(&scan);
        const struct tp_verdict *v = NULL;
        switch (e->kind) {
        case SUITE:
            v = &add_suite(&scan, e->at, e->code, 1, e->bits, NULL)->verdict;
            break;
        case GROUP:
            v = &add_group(&scan, (uint16_t)e->code, e->bits)->verdict;
            break;
        case SCHEME:
            v = &add_scheme(&scan, (uint16_t)e->code)->verdict;
            break;
        case VERSION:
            v = &tp_scan_protocol(&scan, (uint16_t)e->code)->verdict;
            break;
        }
        ok(grade_scan(&scan, e->policy, &report));
        if (v->rating != e->rating || v->reason == NULL || v->reference == NULL ||
            (e->reason_has != NULL && strstr(v->reason, e->reason_has) == NULL &&
             strstr(v->reference, e->reason_has) == NULL))
            fail_msg("expectation %zu (%s, 0x%X): got %s \"%s\" (%s), want %s with \"%s\"", i,
                     e->policy, (unsigned)e->code, tp_rating_name(v->rating),
                     v->reason != NULL ? v->reason : "(null)",
                     v->reference != NULL ? v->reference : "(null)", tp_rating_name(e->rating),
                     e->reason_has != NULL ? e->reason_has : "");
        tp_scan_finish(&scan);
        tp_report_finish(&report);
    }
}

/* What every rated verdict's reasons list must be: its reason first, worst
 * first, each at most as bad as the rating, none twice. */
static void check_reasons(const struct tp_verdict *v, const char *what, uint32_t code)
{
    if (v->n_reasons == 0 || v->reasons[0].rating != v->rating ||
        strcmp(v->reasons[0].reason, v->reason) != 0 ||
        strcmp(v->reasons[0].reference, v->reference) != 0)
        fail_msg("%s 0x%X: reasons[0] is not reason", what, (unsigned)code);
    for (size_t i = 0; i < v->n_reasons; i++) {
        assert_non_null(v->reasons[i].reason);
        assert_non_null(v->reasons[i].reference);
        if (v->reasons[i].rating > v->rating ||
            (i > 0 && v->reasons[i].rating > v->reasons[i - 1].rating))
            fail_msg("%s 0x%X: reasons not worst first", what, (unsigned)code);
        if (i > 0 && v->reasons[i].rating < TP_RATING_WEAK)
            fail_msg("%s 0x%X: a second reason that is no problem", what, (unsigned)code);
        for (size_t j = 0; j < i; j++)
            if (strcmp(v->reasons[i].reason, v->reasons[j].reason) == 0)
                fail_msg("%s 0x%X: reason twice", what, (unsigned)code);
    }
}

/* Every suite in the registry gets a rating with a reason and a reference
 * under every policy: no gap in the rule tables. */
static void test_every_suite_rated(void **state)
{
    (void)state;
    for (size_t p = 0; p < policy_count(); p++) {
        struct tp_report report;
        tp_report_init(&report);
        struct tp_scan scan;
        tp_scan_init(&scan);
        for (size_t i = 0; i < tp_suites_count; i++) {
            const struct tp_suite_info *info = &tp_suites[i];
            uint16_t at = (info->flags & TP_SF_SSL2) ? TP_VER_SSL2
                          : (info->flags & TP_SF_TLS13) ? TP_VER_TLS13
                                                        : TP_VER_TLS12;
            add_suite(&scan, at, info->code, 0, 0, NULL);
        }
        for (size_t i = 0; i < tp_groups_count; i++)
            add_group(&scan, tp_groups[i].code, 0);
        for (size_t i = 0; i < tp_sigschemes_count; i++)
            add_scheme(&scan, tp_sigschemes[i].code);
        ok(grade_scan(&scan, policy_name(p), &report));
        for (size_t i = 0; i < scan.n_suites; i++) {
            assert_int_not_equal(scan.suites[i].verdict.rating, TP_RATING_UNRATED);
            assert_non_null(scan.suites[i].verdict.reason);
            assert_non_null(scan.suites[i].verdict.reference);
            check_reasons(&scan.suites[i].verdict, "suite", scan.suites[i].code);
            /* Whatever the profile, these stay forbidden. */
            const struct tp_suite_info *info = &tp_suites[i];
            if ((info->flags & (TP_SF_RC4 | TP_SF_EXPORT | TP_SF_ANON | TP_SF_SSL2)) != 0)
                assert_int_equal(scan.suites[i].verdict.rating, TP_RATING_FORBIDDEN);
        }
        for (size_t i = 0; i < scan.n_groups; i++) {
            assert_int_not_equal(scan.groups[i].verdict.rating, TP_RATING_UNRATED);
            check_reasons(&scan.groups[i].verdict, "group", scan.groups[i].code);
        }
        for (size_t i = 0; i < scan.n_sigschemes; i++) {
            assert_int_not_equal(scan.sigschemes[i].verdict.rating, TP_RATING_UNRATED);
            check_reasons(&scan.sigschemes[i].verdict, "scheme", scan.sigschemes[i].code);
        }
        for (size_t i = 0; i < TP_SCAN_VERSIONS; i++)
            check_reasons(&scan.protocols[i].verdict, "version", scan.protocols[i].version);
        assert_string_equal(scan.policy, policy_name(p));
        tp_scan_finish(&scan);
        tp_report_finish(&report);
    }
}

static void test_policy_names(void **state)
{
    (void)state;
    static const char *const names[] = {"rfc9325", "mozilla-intermediate", "mozilla-modern",
                                        "nist-800-52r2", "iot-rfc7925"};
    assert_int_equal(policy_count(), 5);
    for (size_t i = 0; i < 5; i++) {
        assert_true(policy_known(names[i]));
        assert_string_equal(policy_name(i), names[i]);
        assert_non_null(policy_title(i));
    }
    assert_string_equal(policy_name(0), TP_POLICY_DEFAULT);
    assert_false(policy_known("mozilla-old"));
    assert_false(policy_known(""));
    assert_false(policy_known(NULL));
    assert_null(policy_name(5));
}

static void test_unknown_policy(void **state)
{
    struct fx *f = *state;
    assert_int_equal(grade_scan(f->scan, "RFC9325", &f->report), TP_E_USAGE);
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_string_equal(f->scan->policy, "rfc9325");
}

/* ---- overall grade and caps ------------------------------------------- */

static void modern_only(struct tp_scan *scan)
{
    set_versions(scan, N, N, N, N, N, Y);
    add_suite(scan, TP_VER_TLS13, 0x1302, 1, 253, "x25519");
    add_suite(scan, TP_VER_TLS13, 0x1303, 2, 253, "x25519");
    add_suite(scan, TP_VER_TLS13, 0x1301, 3, 253, "x25519");
    add_group(scan, 0x001D, 253);
    add_scheme(scan, 0x0403);
}

static void test_grade_modern_only_a_plus(void **state)
{
    struct fx *f = *state;
    modern_only(f->scan);
    f->report.verification.trusted = TP_TRI_YES;
    f->report.verification.hostname_match = TP_TRI_YES;
    ok(grade_scan(f->scan, "mozilla-modern", &f->report));
    /* 30% x 100 + 30% x 90 (x25519, 128-bit ~ RSA 3072) + 40% x avg(80, 100) */
    assert_int_equal(f->scan->score, 93);
    assert_int_equal(f->scan->n_caps, 0);
    assert_string_equal(f->scan->grade, "A+");
    assert_null(finding(&f->report, "enum-policy-violation"));
    assert_null(finding(&f->report, "enum-no-tls13"));
}

static void test_grade_unknown_legacy_is_not_a_plus(void **state)
{
    struct fx *f = *state;
    modern_only(f->scan);
    f->scan->protocols[0].supported = TP_TRI_UNKNOWN; /* SSLv2 probe failed */
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_string_equal(f->scan->grade, "A");
}

static void typical_tls12(struct tp_scan *scan)
{
    add_suite(scan, TP_VER_TLS12, 0xC02F, 1, 253, "x25519");
    add_suite(scan, TP_VER_TLS12, 0xC030, 2, 253, "x25519");
    add_suite(scan, TP_VER_TLS12, 0xC013, 3, 253, "x25519");
}

static void test_grade_tls10_capped_b(void **state)
{
    struct fx *f = *state;
    set_versions(f->scan, N, N, Y, N, Y, N);
    typical_tls12(f->scan);
    add_suite(f->scan, TP_VER_TLS10, 0xC013, 1, 253, "x25519");
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_true(has_cap(f->scan, "B", "TLS 1.0"));
    assert_string_equal(f->scan->grade, "B");
    assert_non_null(finding(&f->report, "enum-protocol-tls10"));
    const struct tp_finding *no13 = finding(&f->report, "enum-no-tls13");
    assert_non_null(no13);
    assert_int_equal(no13->severity, TP_SEV_LOW);
    /* One aggregated finding, naming the CBC suite once though it was
     * accepted with two versions. */
    assert_int_equal(count_findings(&f->report, "enum-suite-weak"), 1);
    assert_non_null(strstr(finding(&f->report, "enum-suite-weak")->message,
                           "1 weak under rfc9325: TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"));
}

static void test_grade_sslv3(void **state)
{
    struct fx *f = *state;
    set_versions(f->scan, N, Y, N, N, Y, Y);
    typical_tls12(f->scan);
    add_suite(f->scan, TP_VER_SSL3, 0x002F, 1, 0, NULL); /* CBC: POODLE */
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_true(has_cap(f->scan, "C", "POODLE"));
    assert_string_equal(f->scan->grade, "C");
    assert_non_null(finding(&f->report, "enum-protocol-sslv3"));
    assert_int_equal(finding(&f->report, "enum-protocol-sslv3")->severity, TP_SEV_CRITICAL);
}

static void test_grade_sslv3_rc4_only_b(void **state)
{
    struct fx *f = *state;
    set_versions(f->scan, N, Y, N, N, Y, N);
    typical_tls12(f->scan);
    add_suite(f->scan, TP_VER_SSL3, 0x0005, 1, 0, NULL);
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_true(has_cap(f->scan, "B", "SSL 3.0"));
    assert_true(has_cap(f->scan, "B", "RC4"));
    assert_false(has_cap(f->scan, "C", "POODLE"));
    assert_string_equal(f->scan->grade, "B");
    const struct tp_finding *forbidden = finding(&f->report, "enum-suite-forbidden");
    assert_non_null(forbidden);
    assert_non_null(strstr(forbidden->message, "TLS_RSA_WITH_RC4_128_SHA"));
}

static void test_grade_only_sslv3_f(void **state)
{
    struct fx *f = *state;
    set_versions(f->scan, N, Y, N, N, N, N);
    add_suite(f->scan, TP_VER_SSL3, 0x000A, 1, 0, NULL);
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_true(has_cap(f->scan, "F", "only SSL 3.0"));
    assert_true(has_cap(f->scan, "C", "neither TLS 1.2 nor TLS 1.3"));
    assert_string_equal(f->scan->grade, "F");
    assert_non_null(finding(&f->report, "enum-no-tls12"));
}

static void test_grade_sslv2_f(void **state)
{
    struct fx *f = *state;
    set_versions(f->scan, Y, N, N, N, Y, Y);
    typical_tls12(f->scan);
    add_suite(f->scan, TP_VER_SSL2, 0x0700C0, 0, 0, NULL);
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_true(has_cap(f->scan, "F", "DROWN"));
    assert_string_equal(f->scan->grade, "F");
    assert_int_equal(finding(&f->report, "enum-protocol-sslv2")->severity, TP_SEV_CRITICAL);
    /* Findings are sorted worst first. */
    assert_int_equal(f->report.findings[0].severity, TP_SEV_CRITICAL);
}

static void test_grade_insecure_renegotiation_f(void **state)
{
    struct fx *f = *state;
    set_versions(f->scan, N, N, N, N, Y, Y);
    typical_tls12(f->scan);
    add_feature(f->scan, "secure_renegotiation", TP_TRI_NO);
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_true(has_cap(f->scan, "F", "renegotiation"));
    assert_string_equal(f->scan->grade, "F");
    assert_non_null(finding(&f->report, "enum-reneg-insecure"));
}

static void test_grade_weak_suites_caps(void **state)
{
    struct fx *f = *state;
    set_versions(f->scan, N, N, N, N, Y, N);
    add_suite(f->scan, TP_VER_TLS12, 0x000A, 1, 0, NULL); /* 3DES, static RSA */
    add_suite(f->scan, TP_VER_TLS12, 0x002F, 2, 0, NULL); /* static RSA CBC */
    add_suite(f->scan, TP_VER_TLS12, 0x0005, 3, 0, NULL); /* RC4 */
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_true(has_cap(f->scan, "C", "RC4"));
    assert_true(has_cap(f->scan, "C", "SWEET32"));
    assert_true(has_cap(f->scan, "B", "forward-secret"));
    assert_true(has_cap(f->scan, "B", "AEAD"));
    assert_string_equal(f->scan->grade, "C");
    assert_non_null(finding(&f->report, "enum-no-pfs"));
    assert_non_null(finding(&f->report, "enum-no-aead"));
    assert_non_null(strstr(finding(&f->report, "enum-suite-deprecated")->message, "2 deprecated"));
}

static void test_grade_dh_1024(void **state)
{
    struct fx *f = *state;
    set_versions(f->scan, N, N, N, N, Y, Y);
    typical_tls12(f->scan);
    add_suite(f->scan, TP_VER_TLS12, 0x009E, 4, 1024, NULL);
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_true(has_cap(f->scan, "B", "1024 bits"));
    assert_string_equal(f->scan->grade, "B");
    const struct tp_finding *dh = finding(&f->report, "enum-dh-small");
    assert_non_null(dh);
    assert_non_null(strstr(dh->message, "1024"));
}

static void test_grade_trust_and_name(void **state)
{
    struct fx *f = *state;
    modern_only(f->scan);
    f->report.verification.trusted = TP_TRI_NO;
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_true(has_cap(f->scan, "T", "not trusted"));
    assert_string_equal(f->scan->grade, "T");

    f->report.verification.trusted = TP_TRI_YES;
    f->report.verification.hostname_match = TP_TRI_NO;
    ok(grade_scan(f->scan, NULL, &f->report)); /* re-grading replaces caps */
    assert_int_equal(f->scan->n_caps, 1);
    assert_true(has_cap(f->scan, "M", "host name"));
    assert_string_equal(f->scan->grade, "M");
}

static void test_grade_nothing_accepted(void **state)
{
    struct fx *f = *state;
    set_versions(f->scan, N, N, N, N, N, N);
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_null(f->scan->grade);
    assert_int_equal(f->scan->n_caps, 0);
    assert_int_equal(f->report.n_findings, 0);
}

/* ---- policy-specific findings ----------------------------------------- */

static void test_modern_violation(void **state)
{
    struct fx *f = *state;
    set_versions(f->scan, N, N, N, N, Y, Y);
    typical_tls12(f->scan);
    add_suite(f->scan, TP_VER_TLS13, 0x1301, 1, 253, "x25519");
    f->scan->protocols[4].server_order = TP_TRI_NO;
    ok(grade_scan(f->scan, "mozilla-modern", &f->report));
    const struct tp_finding *v = finding(&f->report, "enum-policy-violation");
    assert_non_null(v);
    assert_non_null(strstr(v->message, "TLSv1.2"));
    assert_non_null(strstr(v->message, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
    /* Outside the profile is reported once, as a violation; the CBC suite is
     * still weak under the base, so the violation carries it too. */
    assert_null(finding(&f->report, "enum-suite-deprecated"));
    /* Mozilla sets server_preferred_order false: no finding for that. */
    assert_null(finding(&f->report, "enum-no-server-order"));

    struct tp_report other;
    tp_report_init(&other);
    ok(grade_scan(f->scan, "rfc9325", &other));
    assert_null(finding(&other, "enum-policy-violation"));
    assert_non_null(finding(&other, "enum-no-server-order"));
    tp_report_finish(&other);
}

static void test_iot_profile_findings(void **state)
{
    struct fx *f = *state;
    set_versions(f->scan, N, N, N, N, Y, N);
    add_suite(f->scan, TP_VER_TLS12, 0xC0A8, 1, 0, NULL);      /* PSK CCM_8 */
    add_suite(f->scan, TP_VER_TLS12, 0xC0AE, 2, 256, "secp256r1"); /* ECDHE_ECDSA CCM_8 */
    ok(grade_scan(f->scan, "iot-rfc7925", &f->report));
    assert_null(finding(&f->report, "enum-suite-weak"));
    assert_null(finding(&f->report, "enum-no-tls12"));
    const struct tp_finding *no13 = finding(&f->report, "enum-no-tls13");
    assert_non_null(no13);
    assert_int_equal(no13->severity, TP_SEV_INFO);

    /* Under the default policy CCM_8 is weak. */
    struct tp_report other;
    tp_report_init(&other);
    ok(grade_scan(f->scan, "rfc9325", &other));
    assert_non_null(strstr(finding(&other, "enum-suite-weak")->message, "2 weak"));
    tp_report_finish(&other);
}

static void test_iot_requires_tls12(void **state)
{
    struct fx *f = *state;
    modern_only(f->scan);
    ok(grade_scan(f->scan, "iot-rfc7925", &f->report));
    const struct tp_finding *no12 = finding(&f->report, "enum-no-tls12");
    assert_non_null(no12);
    assert_non_null(strstr(no12->message, "RFC 7925"));

    struct tp_report other;
    tp_report_init(&other);
    ok(grade_scan(f->scan, "rfc9325", &other));
    assert_null(finding(&other, "enum-no-tls12"));
    tp_report_finish(&other);
}

static void test_feature_findings(void **state)
{
    struct fx *f = *state;
    set_versions(f->scan, N, N, N, Y, Y, N);
    typical_tls12(f->scan);
    add_suite(f->scan, TP_VER_TLS11, 0xC013, 1, 253, "x25519");
    add_feature(f->scan, "compression", TP_TRI_YES);
    add_feature(f->scan, "fallback_scsv", TP_TRI_NO);
    add_feature(f->scan, "secure_renegotiation", TP_TRI_YES);
    add_group(f->scan, 0x0013, 192); /* secp192r1 */
    add_scheme(f->scan, 0x0201);     /* rsa_pkcs1_sha1 */
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_non_null(finding(&f->report, "enum-compression"));
    const struct tp_finding *scsv = finding(&f->report, "enum-no-fallback-scsv");
    assert_non_null(scsv);
    assert_int_equal(scsv->severity, TP_SEV_LOW);
    assert_non_null(strstr(scsv->message, "3.1.3"));
    assert_null(finding(&f->report, "enum-reneg-insecure"));
    assert_non_null(strstr(finding(&f->report, "enum-group-weak")->message, "secp192r1"));
    assert_non_null(strstr(finding(&f->report, "enum-sigscheme-weak")->message, "rsa_pkcs1_sha1"));
}

static void test_unknown_facts_stay_quiet(void **state)
{
    struct fx *f = *state;
    set_versions(f->scan, U, U, U, U, Y, U);
    typical_tls12(f->scan);
    add_feature(f->scan, "compression", TP_TRI_UNKNOWN);
    add_feature(f->scan, "secure_renegotiation", TP_TRI_UNKNOWN);
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_null(finding(&f->report, "enum-no-tls13"));
    assert_null(finding(&f->report, "enum-compression"));
    assert_null(finding(&f->report, "enum-reneg-insecure"));
    assert_null(finding(&f->report, "enum-protocol-sslv2"));
    assert_string_equal(f->scan->grade, "A");
}

/* ---- every reason, not only the deciding one -------------------------- */

static void assert_reason(const struct tp_verdict *v, size_t i, enum tp_rating rating,
                          const char *needle)
{
    if (i >= v->n_reasons)
        fail_msg("reason %zu missing (%zu reasons)", i, v->n_reasons);
    if (v->reasons[i].rating != rating || strstr(v->reasons[i].reason, needle) == NULL)
        fail_msg("reason %zu: %s \"%s\", want %s with \"%s\"", i,
                 tp_rating_name(v->reasons[i].rating), v->reasons[i].reason,
                 tp_rating_name(rating), needle);
}

static void test_null_md5_reasons(void **state)
{
    struct fx *f = *state;
    set_versions(f->scan, N, N, N, N, Y, N);
    const struct tp_verdict *v = &add_suite(f->scan, TP_VER_TLS12, 0x0001, 1, 0, NULL)->verdict;
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_int_equal(v->rating, TP_RATING_FORBIDDEN);
    assert_int_equal(v->n_reasons, 3);
    assert_reason(v, 0, TP_RATING_FORBIDDEN, "NULL encryption");
    assert_reason(v, 1, TP_RATING_DEPRECATED, "MD5");
    assert_reason(v, 2, TP_RATING_DEPRECATED, "static RSA");
    assert_non_null(strstr(v->reasons[2].reason, "no forward secrecy"));
    /* The unchanged single reason is the first (worst) one. */
    assert_string_equal(v->reason, v->reasons[0].reason);
    assert_string_equal(v->reference, v->reasons[0].reference);
    assert_non_null(strstr(v->reasons[1].reference, "RFC 6151"));

    /* Grading again replaces the list rather than growing it. */
    ok(grade_scan(f->scan, "mozilla-modern", &f->report));
    assert_int_equal(v->n_reasons, 4);
    assert_reason(v, 0, TP_RATING_FORBIDDEN, "NULL encryption");
    /* Among equals, the chosen policy's own reason before its base's. */
    assert_reason(v, 1, TP_RATING_DEPRECATED, "outside Mozilla modern");
    assert_reason(v, 2, TP_RATING_DEPRECATED, "MD5");
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_int_equal(v->n_reasons, 3);
}

static void test_reasons_only_what_applies(void **state)
{
    struct fx *f = *state;
    set_versions(f->scan, N, N, Y, N, Y, Y);
    add_suite(f->scan, TP_VER_TLS12, 0x000A, 1, 0, NULL);
    add_suite(f->scan, TP_VER_TLS13, 0xC0B4, 1, 0, NULL); /* TLS_SHA256_SHA256 */
    add_suite(f->scan, TP_VER_TLS12, 0xC0AE, 2, 256, "secp256r1");
    add_suite(f->scan, TP_VER_TLS12, 0xC02F, 3, 253, "x25519");
    /* Pointers only now: adding a suite may move the array. */
    const struct tp_verdict *tls10 = &f->scan->protocols[2].verdict;
    const struct tp_verdict *cbc3des = &f->scan->suites[0].verdict;
    const struct tp_verdict *integrity = &f->scan->suites[1].verdict;
    const struct tp_verdict *ccm8 = &f->scan->suites[2].verdict;
    const struct tp_verdict *gcm = &f->scan->suites[3].verdict;
    ok(grade_scan(f->scan, NULL, &f->report));
    /* The catch-all "not a TLS version this policy allows" is for versions
     * no other rule names. */
    assert_int_equal(tls10->n_reasons, 1);
    /* Static RSA, then SWEET32, 112 bits and CBC, in rule order. */
    assert_int_equal(cbc3des->rating, TP_RATING_DEPRECATED);
    assert_reason(cbc3des, 0, TP_RATING_DEPRECATED, "static RSA");
    assert_reason(cbc3des, 1, TP_RATING_WEAK, "SWEET32");
    assert_reason(cbc3des, 2, TP_RATING_WEAK, "below 128 bits");
    assert_reason(cbc3des, 3, TP_RATING_WEAK, "CBC");
    assert_int_equal(cbc3des->n_reasons, 4); /* "no forward secrecy" said once, above */
    /* An integrity-only TLS 1.3 suite is deprecated; the NULL-encryption
     * rule it overrides is not one of its reasons. */
    assert_int_equal(integrity->rating, TP_RATING_DEPRECATED);
    for (size_t i = 0; i < integrity->n_reasons; i++)
        assert_null(strstr(integrity->reasons[i].reason, "NULL encryption"));
    assert_int_equal(ccm8->n_reasons, 1);
    assert_int_equal(gcm->n_reasons, 1);
    assert_int_equal(gcm->rating, TP_RATING_RECOMMENDED);

    /* Under a profile the base's objection and the profile's both count. */
    ok(grade_scan(f->scan, "mozilla-intermediate", &f->report));
    assert_int_equal(tls10->rating, TP_RATING_FORBIDDEN);
    assert_reason(tls10, 0, TP_RATING_FORBIDDEN, "TLS 1.0");
    assert_reason(tls10, 1, TP_RATING_DEPRECATED, "outside Mozilla intermediate");
    /* ...but the IoT profile's own choice of CCM_8 is not undercut by the
     * base's "weak". */
    ok(grade_scan(f->scan, "iot-rfc7925", &f->report));
    assert_int_equal(ccm8->rating, TP_RATING_RECOMMENDED);
    assert_int_equal(ccm8->n_reasons, 1);
}

/* A typical OpenSSL or nginx server signs with the SHA-224 pairs too: that
 * is no finding under the default policy (RFC 9155 deprecates MD5 and SHA-1
 * in TLS 1.2 signatures, nothing else). */
static void test_sha224_no_finding(void **state)
{
    struct fx *f = *state;
    set_versions(f->scan, N, N, N, N, Y, Y);
    typical_tls12(f->scan);
    static const uint16_t openssl[] = {0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804,
                                       0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0303,
                                       0x0301};
    for (size_t i = 0; i < sizeof openssl / sizeof openssl[0]; i++)
        add_scheme(f->scan, openssl[i]);
    ok(grade_scan(f->scan, NULL, &f->report));
    assert_null(finding(&f->report, "enum-sigscheme-weak"));
    for (size_t i = 0; i < f->scan->n_sigschemes; i++)
        assert_true(f->scan->sigschemes[i].verdict.rating <= TP_RATING_OK);

    struct tp_report nist;
    tp_report_init(&nist);
    ok(grade_scan(f->scan, "nist-800-52r2", &nist));
    assert_null(finding(&nist, "enum-sigscheme-weak"));
    assert_null(finding(&nist, "enum-policy-violation"));
    tp_report_finish(&nist);

    /* The DSA pair stays a finding, for DSA. */
    add_scheme(f->scan, 0x0302);
    struct tp_report dsa;
    tp_report_init(&dsa);
    ok(grade_scan(f->scan, NULL, &dsa));
    const struct tp_finding *weak = finding(&dsa, "enum-sigscheme-weak");
    assert_non_null(weak);
    assert_non_null(strstr(weak->message, "1 used: legacy:sha224+dsa"));
    tp_report_finish(&dsa);
}

static void same_verdict(const struct tp_verdict *a, const struct tp_verdict *b)
{
    assert_int_equal(a->rating, b->rating);
    assert_string_equal(a->reason, b->reason);
    assert_int_equal(a->n_reasons, b->n_reasons);
    for (size_t i = 0; i < a->n_reasons; i++)
        assert_string_equal(a->reasons[i].reason, b->reasons[i].reason);
}

/* --dtls --enum: grade_dtls_scan() rates a DTLS 1.2 suite as grade_scan()
 * rates it in TLS 1.2 and a DTLS 1.0 one as in TLS 1.1 (the DHE prime size
 * included), DTLS 1.0 itself forbidden, and adds the same enum-* findings. */
static void test_dtls_scan_rated_as_tls(void **state)
{
    struct fx *f = *state;
    static const uint16_t suites12[] = {0x000A, 0xC013, 0xC02F, 0x009E, 0xC0A8};
    set_versions(f->scan, N, N, N, Y, Y, N);
    /* In the DTLS scan's order: DTLS 1.0 first. */
    add_suite(f->scan, TP_VER_TLS11, 0x002F, 0, 0, NULL);
    for (size_t i = 0; i < sizeof suites12 / sizeof suites12[0]; i++)
        add_suite(f->scan, TP_VER_TLS12, suites12[i], 0, suites12[i] == 0x009E ? 1024 : 0,
                  NULL);
    add_scheme(f->scan, 0x0201);
    add_group(f->scan, 0x0017, 256);
    ok(grade_scan(f->scan, NULL, &f->report));

    struct tp_report d;
    tp_report_init(&d);
    struct tp_dtls_enum *e = &d.dtls.scan;
    e->run = true;
    for (size_t i = 0; i < sizeof suites12 / sizeof suites12[0]; i++) {
        e->suite_kx_bits[1][i] = suites12[i] == 0x009E ? 1024 : 0;
        e->suites[1][e->n_suites[1]++] = suites12[i];
    }
    e->suites[0][e->n_suites[0]++] = 0x002F;
    e->sigschemes[e->n_sigschemes++] = 0x0201;
    e->groups[e->n_groups++] = 0x0017;
    ok(grade_dtls_scan(&d, NULL));
    assert_string_equal(e->policy, "rfc9325");
    same_verdict(&e->suite_verdicts[0][0], &f->scan->suites[0].verdict);
    for (size_t i = 0; i < e->n_suites[1]; i++)
        same_verdict(&e->suite_verdicts[1][i], &f->scan->suites[i + 1].verdict);
    same_verdict(&e->sigscheme_verdicts[0], &f->scan->sigschemes[0].verdict);
    same_verdict(&e->group_verdicts[0], &f->scan->groups[0].verdict);
    assert_int_equal(e->suite_verdicts[1][3].rating, TP_RATING_FORBIDDEN); /* DHE 1024 */
    assert_int_equal(e->version_verdicts[TP_DTLS_V10].rating, TP_RATING_FORBIDDEN);
    assert_non_null(strstr(e->version_verdicts[TP_DTLS_V10].reference, "RFC 8996"));
    assert_int_equal(e->version_verdicts[TP_DTLS_V12].rating, TP_RATING_OK);
    assert_int_equal(e->version_verdicts[TP_DTLS_V13].rating, TP_RATING_RECOMMENDED);
    static const char *const shared[] = {"enum-suite-forbidden", "enum-suite-deprecated",
                                         "enum-suite-weak", "enum-sigscheme-weak",
                                         "enum-dh-small"};
    for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++) {
        const struct tp_finding *tcp = finding(&f->report, shared[i]);
        const struct tp_finding *dtls = finding(&d, shared[i]);
        assert_non_null(tcp);
        assert_non_null(dtls);
        assert_string_equal(tcp->message, dtls->message);
    }
    /* The TLS version findings are the TCP scan's alone. */
    assert_null(finding(&d, "enum-protocol-tls11"));
    assert_null(finding(&d, "enum-no-tls13"));

    /* iot-rfc7925: the mandatory PSK CCM_8 suite and DTLS 1.2 recommended. */
    ok(grade_dtls_scan(&d, "iot-rfc7925"));
    assert_int_equal(e->suite_verdicts[1][4].rating, TP_RATING_RECOMMENDED);
    assert_int_equal(e->version_verdicts[TP_DTLS_V12].rating, TP_RATING_RECOMMENDED);
    assert_int_equal(grade_dtls_scan(&d, "no-such-policy"), TP_E_USAGE);
    tp_report_finish(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ratings),
        cmocka_unit_test(test_every_suite_rated),
        cmocka_unit_test(test_policy_names),
        cmocka_unit_test_setup_teardown(test_null_md5_reasons, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reasons_only_what_applies, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_sha224_no_finding, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_policy, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_grade_modern_only_a_plus, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_grade_unknown_legacy_is_not_a_plus, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_grade_tls10_capped_b, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_grade_sslv3, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_grade_sslv3_rc4_only_b, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_grade_only_sslv3_f, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_grade_sslv2_f, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_grade_insecure_renegotiation_f, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_grade_weak_suites_caps, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_grade_dh_1024, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_grade_trust_and_name, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_grade_nothing_accepted, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_modern_violation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_iot_profile_findings, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_iot_requires_tls12, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_feature_findings, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_facts_stay_quiet, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_dtls_scan_rated_as_tls, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
