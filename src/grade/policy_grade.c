/* policy_grade.c: the overall grade of an enumeration, in the SSL Labs
 * manner (SSL Server Rating Guide; shared/data/grading.md section 8).
 *
 * Score = 30% protocol + 30% key exchange + 40% cipher strength, 0..100:
 *   protocol    average of the best and worst accepted version
 *               (SSLv2 0, SSLv3 80, TLS 1.0 90, TLS 1.1 95, TLS 1.2/1.3 100);
 *   key exch.   the weakest accepted key exchange, as RSA-equivalent bits
 *               (anonymous 0, export 40, <512 20, <1024 40, <2048 80,
 *               <4096 90, else 100); EC groups and TLS 1.3 groups by their
 *               security bits (NIST SP 800-57 Part 1 Table 2), static RSA by
 *               the leaf key, plain PSK by the cipher's strength. When no
 *               accepted suite says, the category is left out and the other
 *               two are re-weighted (30:40);
 *   cipher      average of the best and worst accepted suite
 *               (no encryption 0, <128 bits 20, <256 80, else 100).
 * A zero in any category makes the score zero. Bands: A >= 80, B >= 65,
 * C >= 50, D >= 35, E >= 20, else F.
 *
 * Then the caps, each recorded with its reason; the grade is the worst of
 * the band and every cap, in the order A+ A B C D E M T F (so a trust
 * problem, T, or a name mismatch, M, shows over a letter, but F shows over
 * both). SSL Labs grades what its reference browsers negotiate; tlsprobe sees
 * every accepted suite, so the forward secrecy and AEAD caps apply when no
 * accepted suite has the property at all.
 *
 * A+ (our rule): band A, no cap at all, TLS 1.3 accepted, and SSLv2, SSLv3,
 * TLS 1.0 and TLS 1.1 each known to be refused. SSL Labs also wants HSTS,
 * which a TLS scan cannot see. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grade/policy_int.h"
#include "report/vuln_model.h"
#include "util/banned.h"

enum grade { G_APLUS = 0, G_A, G_B, G_C, G_D, G_E, G_M, G_T, G_F };

static const char *const grade_names[] = {
    [G_APLUS] = "A+", [G_A] = "A", [G_B] = "B", [G_C] = "C", [G_D] = "D",
    [G_E] = "E",      [G_M] = "M", [G_T] = "T", [G_F] = "F",
};

struct grading {
    struct tp_scan *scan;
    const struct tp_report *report;
    enum grade worst_cap; /* G_APLUS while no cap applies */
    bool capped;
};

static tp_status add_cap(struct grading *g, enum grade grade, const char *fmt, ...)
    TP_PRINTF(3, 4);

static tp_status add_cap(struct grading *g, enum grade grade, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    struct tp_grade_cap *cap = tp_scan_add_cap(g->scan);
    if (cap == NULL)
        return TP_E_NOMEM;
    TP_TRY(tp_set_str(&cap->grade, grade_names[grade]));
    TP_TRY(tp_set_str(&cap->reason, reason));
    if (!g->capped || grade > g->worst_cap)
        g->worst_cap = grade;
    g->capped = true;
    return TP_OK;
}

static void clear_grade(struct tp_scan *scan)
{
    for (size_t i = 0; i < scan->n_caps; i++) {
        free(scan->caps[i].grade);
        free(scan->caps[i].reason);
    }
    free(scan->caps);
    scan->caps = NULL;
    scan->n_caps = 0;
    free(scan->grade);
    scan->grade = NULL;
    scan->score = 0;
}

static bool yes(const struct tp_scan *scan, uint16_t version)
{
    return pol_version_supported(scan, version) == TP_TRI_YES;
}

static bool no(const struct tp_scan *scan, uint16_t version)
{
    return pol_version_supported(scan, version) == TP_TRI_NO;
}

/* ---- score ------------------------------------------------------------ */

static int protocol_points(uint16_t version)
{
    switch (version) {
    case TP_VER_SSL2:
        return 0;
    case TP_VER_SSL3:
        return 80;
    case TP_VER_TLS10:
        return 90;
    case TP_VER_TLS11:
        return 95;
    default:
        return 100;
    }
}

static int cipher_points(const struct tp_suite_info *info)
{
    if (info->strength_bits == 0 || (info->flags & TP_SF_NULL) != 0)
        return 0;
    if (info->strength_bits < 128)
        return 20;
    if (info->strength_bits < 256)
        return 80;
    return 100;
}

/* NIST SP 800-57 Part 1 Rev. 5 Table 2: symmetric security -> RSA/DH size. */
static unsigned rsa_equivalent(unsigned security_bits)
{
    if (security_bits < 80)
        return 512;
    if (security_bits < 112)
        return 1024;
    if (security_bits < 128)
        return 2048;
    if (security_bits < 192)
        return 3072;
    if (security_bits < 256)
        return 7680;
    return 15360;
}

static int kx_points_for(unsigned rsa_bits)
{
    if (rsa_bits < 512)
        return 20;
    if (rsa_bits < 1024)
        return 40;
    if (rsa_bits < 2048)
        return 80;
    if (rsa_bits < 4096)
        return 90;
    return 100;
}

static const struct tp_group_info *group_by_name(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < tp_groups_count; i++)
        if (tp_groups[i].iana_name != NULL && strcasecmp(tp_groups[i].iana_name, name) == 0)
            return &tp_groups[i];
    return NULL;
}

static unsigned leaf_rsa_bits(const struct tp_report *report)
{
    if (report->n_certs == 0 || report->certs[0].key_type == NULL)
        return 0;
    if (strncmp(report->certs[0].key_type, "RSA", 3) != 0)
        return 0;
    return report->certs[0].key_bits;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Key exchange points of one accepted suite; false when the scan does not
 * tell (no size seen, a static RSA suite without a certificate). */
static bool suite_kx_points(const struct tp_scan_suite *s, const struct tp_suite_info *info,
                            const struct tp_report *report, int *points)
{
    if ((info->flags & TP_SF_ANON) != 0) {
        *points = 0;
        return true;
    }
    if ((info->flags & TP_SF_EXPORT) != 0) {
        *points = 40;
        return true;
    }
    const struct tp_group_info *group = group_by_name(s->kx_group);
    if (group != NULL && group->security_bits != 0) {
        *points = kx_points_for(rsa_equivalent(group->security_bits));
        return true;
    }
    if (pol_suite_is_ffdh(info) && s->kx_bits != 0) {
        *points = kx_points_for(s->kx_bits);
        return true;
    }
    if (has_prefix(info->kx, "ECDH") && s->kx_bits != 0) {
        *points = kx_points_for(rsa_equivalent(s->kx_bits / 2));
        return true;
    }
    if ((info->flags & TP_SF_STATIC_RSA) != 0 && leaf_rsa_bits(report) != 0) {
        *points = kx_points_for(leaf_rsa_bits(report));
        return true;
    }
    if (info->kx != NULL && strcmp(info->kx, "PSK") == 0) {
        *points = kx_points_for(rsa_equivalent(info->strength_bits));
        return true;
    }
    return false;
}

struct range {
    int best, worst;
    bool any;
};

static void range_add(struct range *r, int points)
{
    if (!r->any || points > r->best)
        r->best = points;
    if (!r->any || points < r->worst)
        r->worst = points;
    r->any = true;
}

static bool real_suite(const struct tp_suite_info *info)
{
    return info != NULL && (info->flags & (TP_SF_SCSV | TP_SF_GREASE)) == 0;
}

static int compute_score(const struct tp_scan *scan, const struct tp_report *report)
{
    struct range proto = {0}, cipher = {0}, kx = {0};
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++)
        if (scan->protocols[i].supported == TP_TRI_YES)
            range_add(&proto, protocol_points(scan->protocols[i].version));
    for (size_t i = 0; i < scan->n_suites; i++) {
        const struct tp_suite_info *info = pol_suite_info(&scan->suites[i]);
        if (!real_suite(info))
            continue;
        range_add(&cipher, cipher_points(info));
        int points;
        if (suite_kx_points(&scan->suites[i], info, report, &points))
            range_add(&kx, points); /* only the weakest counts */
    }
    if (!proto.any || !cipher.any)
        return 0;
    double p = (proto.best + proto.worst) / 2.0;
    double c = (cipher.best + cipher.worst) / 2.0;
    if (p == 0 || c == 0 || (kx.any && kx.worst == 0))
        return 0;
    double score = kx.any ? 0.3 * p + 0.3 * kx.worst + 0.4 * c : (0.3 * p + 0.4 * c) / 0.7;
    return (int)(score + 0.5);
}

static enum grade band(int score)
{
    if (score >= 80)
        return G_A;
    if (score >= 65)
        return G_B;
    if (score >= 50)
        return G_C;
    if (score >= 35)
        return G_D;
    if (score >= 20)
        return G_E;
    return G_F;
}

/* ---- caps ------------------------------------------------------------- */

/* Any accepted suite with one of `flags`, at a version >= min_version. */
static bool accepted(const struct tp_scan *scan, uint32_t flags, uint16_t min_version)
{
    for (size_t i = 0; i < scan->n_suites; i++) {
        const struct tp_suite_info *info = pol_suite_info(&scan->suites[i]);
        if (real_suite(info) && (info->flags & flags) != 0 &&
            scan->suites[i].version >= min_version)
            return true;
    }
    return false;
}

/* True when at least one TLS suite was accepted and none has any of
 * `flags` (SSLv2 kinds are left out: SSLv2 has its own cap). */
static bool none_has(const struct tp_scan *scan, uint32_t flags)
{
    bool seen = false;
    for (size_t i = 0; i < scan->n_suites; i++) {
        const struct tp_suite_info *info = pol_suite_info(&scan->suites[i]);
        if (!real_suite(info) || (info->flags & TP_SF_SSL2) != 0)
            continue;
        seen = true;
        if ((info->flags & flags) != 0)
            return false;
    }
    return seen;
}

/* Smallest finite-field DH size seen (suites and groups), 0 if none. */
static unsigned smallest_dh(const struct tp_scan *scan)
{
    unsigned smallest = 0;
    for (size_t i = 0; i < scan->n_suites; i++) {
        unsigned bits = scan->suites[i].kx_bits;
        if (bits != 0 && pol_suite_is_ffdh(pol_suite_info(&scan->suites[i])) &&
            (smallest == 0 || bits < smallest))
            smallest = bits;
    }
    for (size_t i = 0; i < scan->n_groups; i++) {
        const struct tp_scan_group *g = &scan->groups[i];
        const struct tp_group_info *info = tp_group_by_code(g->code);
        bool ffdh = info != NULL ? strcmp(info->type, "ffdhe") == 0 : g->code == 0;
        if (g->supported != TP_TRI_NO && ffdh && g->bits != 0 &&
            (smallest == 0 || g->bits < smallest))
            smallest = g->bits;
    }
    return smallest;
}

static tp_status cap_protocols(struct grading *g)
{
    const struct tp_scan *s = g->scan;
    if (yes(s, TP_VER_SSL2))
        TP_TRY(add_cap(g, G_F, "SSL 2.0 is accepted (RFC 6176; DROWN, CVE-2016-0800)"));
    bool any_tls = yes(s, TP_VER_TLS10) || yes(s, TP_VER_TLS11) || yes(s, TP_VER_TLS12) ||
                   yes(s, TP_VER_TLS13);
    if (yes(s, TP_VER_SSL3) && !any_tls)
        TP_TRY(add_cap(g, G_F, "only SSL 3.0 is accepted (RFC 7568)"));
    if (yes(s, TP_VER_SSL3)) {
        bool ssl3_cbc = false;
        for (size_t i = 0; i < s->n_suites; i++) {
            const struct tp_suite_info *info = pol_suite_info(&s->suites[i]);
            if (s->suites[i].version == TP_VER_SSL3 && real_suite(info) &&
                (info->flags & TP_SF_CBC) != 0)
                ssl3_cbc = true;
        }
        if (ssl3_cbc)
            TP_TRY(add_cap(g, G_C, "SSL 3.0 is accepted with CBC suites (POODLE, CVE-2014-3566)"));
        else
            TP_TRY(add_cap(g, G_B, "SSL 3.0 is accepted (RFC 7568)"));
    }
    if (no(s, TP_VER_TLS12) && no(s, TP_VER_TLS13))
        TP_TRY(add_cap(g, G_C, "neither TLS 1.2 nor TLS 1.3 is accepted (RFC 9325 Sec. 3.1.1)"));
    if (yes(s, TP_VER_TLS10) || yes(s, TP_VER_TLS11))
        TP_TRY(add_cap(g, G_B, "TLS 1.0 or TLS 1.1 is accepted (RFC 8996)"));
    return TP_OK;
}

static tp_status cap_renegotiation(struct grading *g)
{
    /* RFC 5746: without renegotiation_info a renegotiation can be spliced
     * onto an attacker's session (CVE-2009-3555). Only TLS <= 1.2 has it. */
    bool pre13 = yes(g->scan, TP_VER_SSL3) || yes(g->scan, TP_VER_TLS10) ||
                 yes(g->scan, TP_VER_TLS11) || yes(g->scan, TP_VER_TLS12);
    if (pre13 && (pol_feature(g->scan, "secure_renegotiation") == TP_TRI_NO ||
                  pol_feature(g->scan, "insecure_renegotiation") == TP_TRI_YES))
        return add_cap(g, G_F,
                       "insecure renegotiation: no RFC 5746 secure renegotiation (CVE-2009-3555)");
    return TP_OK;
}

static tp_status cap_suites(struct grading *g)
{
    const struct tp_scan *s = g->scan;
    if (accepted(s, TP_SF_RC4, TP_VER_TLS11))
        TP_TRY(add_cap(g, G_C, "RC4 is accepted with TLS 1.1 or later (RFC 7465)"));
    else if (accepted(s, TP_SF_RC4, 0))
        TP_TRY(add_cap(g, G_B, "RC4 is accepted with old protocol versions (RFC 7465)"));
    if (accepted(s, TP_SF_BLOCK64, TP_VER_TLS11))
        TP_TRY(add_cap(g, G_C,
                       "64-bit block cipher accepted with TLS 1.1 or later (SWEET32, "
                       "CVE-2016-2183)"));
    if (accepted(s, TP_SF_EXPORT, 0))
        TP_TRY(add_cap(g, G_F, "export-grade suites are accepted (FREAK, CVE-2015-0204)"));
    if (accepted(s, TP_SF_NULL, 0))
        TP_TRY(add_cap(g, G_F, "NULL-encryption suites are accepted (RFC 9325 Sec. 4.1)"));
    if (none_has(s, TP_SF_PFS))
        TP_TRY(add_cap(g, G_B, "no forward-secret suite is accepted (RFC 9325 Sec. 4.1)"));
    if (none_has(s, TP_SF_AEAD))
        TP_TRY(add_cap(g, G_B, "no AEAD suite is accepted (RFC 9325 Sec. 4.2)"));
    unsigned dh = smallest_dh(s);
    if (dh != 0 && dh < 1024)
        TP_TRY(add_cap(g, G_F, "Diffie-Hellman group of %u bits (Logjam, CVE-2015-4000)", dh));
    else if (dh != 0 && dh < 2048)
        TP_TRY(add_cap(g, G_B, "Diffie-Hellman group of %u bits, under 2048 (RFC 9325 Sec. 4.5)",
                       dh));
    return TP_OK;
}

static tp_status cap_certificate(struct grading *g)
{
    const struct tp_report *r = g->report;
    unsigned rsa = leaf_rsa_bits(r);
    if (rsa != 0 && rsa < 1024)
        TP_TRY(add_cap(g, G_F, "server RSA key of %u bits, under 1024", rsa));
    else if (rsa != 0 && rsa < 2048)
        TP_TRY(add_cap(g, G_B, "server RSA key of %u bits, under 2048 (RFC 9325 Sec. 4.5)", rsa));
    if (r->n_certs > 0 && r->certs[0].sig_alg != NULL && strstr(r->certs[0].sig_alg, "MD5"))
        TP_TRY(add_cap(g, G_F, "server certificate signed with MD5 (RFC 9325 Sec. 4.5)"));
    if (r->verification.chain_complete == TP_TRI_NO)
        TP_TRY(add_cap(g, G_B, "certificate chain is incomplete"));
    if (r->verification.trusted == TP_TRI_NO)
        TP_TRY(add_cap(g, G_T, "certificate chain is not trusted"));
    if (r->verification.hostname_match == TP_TRI_NO)
        TP_TRY(add_cap(g, G_M, "certificate does not match the host name"));
    return TP_OK;
}

/* SSL Labs guide: Heartbleed, CCS injection (exploitable) and ROBOT cap
 * at F. Only a check that found the server vulnerable counts. */
static tp_status cap_vulns(struct grading *g)
{
    static const char *const f_ids[] = {"heartbleed", "ccs-injection", "robot"};
    const struct tp_vulns *v = g->report != NULL ? g->report->vulns : NULL;
    for (size_t i = 0; v != NULL && i < sizeof f_ids / sizeof f_ids[0]; i++) {
        const struct tp_vuln *x = tp_vulns_find(v, f_ids[i]);
        if (x != NULL && x->result == TP_VULN_YES)
            TP_TRY(add_cap(g, G_F, "vulnerable to %s (%s)", x->name, x->cve));
    }
    return TP_OK;
}

typedef tp_status (*cap_fn)(struct grading *g);

static const cap_fn cap_rules[] = {
    cap_protocols,
    cap_renegotiation,
    cap_suites,
    cap_certificate,
    cap_vulns,
};

static bool earns_a_plus(const struct grading *g, enum grade grade)
{
    const struct tp_scan *s = g->scan;
    return grade == G_A && !g->capped && yes(s, TP_VER_TLS13) && no(s, TP_VER_SSL2) &&
           no(s, TP_VER_SSL3) && no(s, TP_VER_TLS10) && no(s, TP_VER_TLS11);
}

tp_status pol_grade_overall(struct tp_scan *scan, const struct tp_report *report)
{
    clear_grade(scan);
    if (!pol_any_version_supported(scan))
        return TP_OK; /* nothing accepted, nothing to grade: grade stays NULL */
    struct grading g = {.scan = scan, .report = report};
    scan->score = compute_score(scan, report);
    for (size_t i = 0; i < sizeof cap_rules / sizeof cap_rules[0]; i++)
        TP_TRY(cap_rules[i](&g));
    enum grade grade = band(scan->score);
    if (g.capped && g.worst_cap > grade)
        grade = g.worst_cap;
    if (earns_a_plus(&g, grade))
        grade = G_APLUS;
    return tp_set_str(&scan->grade, grade_names[grade]);
}
