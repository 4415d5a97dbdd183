/* policy_findings.c: the enum-* findings of an enumeration. Rated items are
 * aggregated, one finding per category naming what it covers, so a server
 * that accepts a hundred legacy suites yields a readable report; the JSON
 * cipher_suites array carries every verdict in full.
 *
 * A fact the scan could not establish (TP_TRI_UNKNOWN) never produces a
 * finding. Severities come from the catalog (src/data/findings.csv); the
 * policy lowers or silences the ones whose weight depends on the profile
 * (no TLS 1.3, no server order, no forward secrecy: see policies.csv). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "grade/policy_int.h"
#include "util/banned.h"

/* Names shown in one finding before "and N more". */
#define MAX_NAMES 10

struct namelist {
    char text[1024];
    size_t len;
    unsigned count, shown;
};

static void names_add(struct namelist *l, const char *name)
{
    if (name == NULL)
        name = "(unnamed)";
    l->count++;
    if (l->shown >= MAX_NAMES)
        return;
    int n = snprintf(l->text + l->len, sizeof l->text - l->len, "%s%s", l->shown ? ", " : "",
                     name);
    if (n < 0 || (size_t)n >= sizeof l->text - l->len) {
        l->text[l->len] = '\0'; /* keep whole names only */
        l->shown = MAX_NAMES;
        return;
    }
    l->len += (size_t)n;
    l->shown++;
}

/* "A, B and 3 more" into buf. */
static const char *names_text(const struct namelist *l, char *buf, size_t size)
{
    if (l->count > l->shown)
        snprintf(buf, size, "%s and %u more", l->text, l->count - l->shown);
    else
        snprintf(buf, size, "%s", l->text);
    return buf;
}

static tp_status add_with(struct tp_report *report, enum tp_severity sev, const char *id,
                          const char *fmt, ...) TP_PRINTF(4, 5);

/* A catalog finding whose severity the policy may lower; TP_SEV_NONE skips it. */
static tp_status add_with(struct tp_report *report, enum tp_severity sev, const char *id,
                          const char *fmt, ...)
{
    if (sev == TP_SEV_NONE)
        return TP_OK;
    char message[1600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    TP_TRY(tp_report_add_finding(report, id, "%s", message));
    report->findings[report->n_findings - 1].severity = sev;
    return TP_OK;
}

static const char *suite_name(const struct tp_scan_suite *s)
{
    const struct tp_suite_info *info = pol_suite_info(s);
    if (info != NULL && tp_suite_name(info) != NULL)
        return tp_suite_name(info);
    return s->name;
}

/* Earlier entry with the same code: a suite accepted under several
 * versions is named once. */
static bool seen_before(const struct tp_scan *scan, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (scan->suites[j].code == scan->suites[i].code)
            return true;
    return false;
}

static tp_status find_versions(const struct tp_scan *scan, const struct pol_info *pol,
                               struct tp_report *report)
{
    static const struct {
        uint16_t version;
        const char *id, *why;
    } legacy[] = {
        {TP_VER_SSL2, "enum-protocol-sslv2", "which RFC 6176 prohibits (DROWN)"},
        {TP_VER_SSL3, "enum-protocol-sslv3", "which RFC 7568 prohibits (POODLE)"},
        {TP_VER_TLS10, "enum-protocol-tls10", "which RFC 8996 prohibits"},
        {TP_VER_TLS11, "enum-protocol-tls11", "which RFC 8996 prohibits"},
    };
    for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++)
        if (pol_version_supported(scan, legacy[i].version) == TP_TRI_YES)
            TP_TRY(tp_report_add_finding(report, legacy[i].id, "server accepts %s, %s",
                                         tp_version_name(legacy[i].version), legacy[i].why));
    if (!pol_any_version_supported(scan))
        return TP_OK;
    enum tp_tri v12 = pol_version_supported(scan, TP_VER_TLS12);
    enum tp_tri v13 = pol_version_supported(scan, TP_VER_TLS13);
    if (v13 == TP_TRI_NO)
        TP_TRY(add_with(report, pol->sev_no_tls13, "enum-no-tls13",
                        "server does not accept TLS 1.3 (%s)", pol->title));
    if (v12 == TP_TRI_NO && pol->tls12_required)
        TP_TRY(tp_report_add_finding(report, "enum-no-tls12",
                                     "server does not accept TLS 1.2, which %s requires",
                                     pol->title));
    else if (v12 == TP_TRI_NO && v13 == TP_TRI_NO)
        TP_TRY(tp_report_add_finding(report, "enum-no-tls12",
                                     "server accepts neither TLS 1.2 nor TLS 1.3"));
    return TP_OK;
}

static tp_status find_suites(const struct tp_scan *scan, int policy, struct tp_report *report)
{
    static const struct {
        enum tp_rating rating;
        const char *id;
    } buckets[] = {
        {TP_RATING_FORBIDDEN, "enum-suite-forbidden"},
        {TP_RATING_DEPRECATED, "enum-suite-deprecated"},
        {TP_RATING_WEAK, "enum-suite-weak"},
    };
    const char *pname = tp_policies[policy].name;
    for (size_t b = 0; b < sizeof buckets / sizeof buckets[0]; b++) {
        struct namelist l = {0};
        for (size_t i = 0; i < scan->n_suites; i++) {
            struct pol_subject s = pol_suite_subject(&scan->suites[i]);
            struct pol_result r;
            pol_rate(policy, &s, &r);
            if (r.rating == buckets[b].rating && !r.profile_only && !seen_before(scan, i))
                names_add(&l, suite_name(&scan->suites[i]));
        }
        if (l.count == 0)
            continue;
        char list[1200];
        TP_TRY(tp_report_add_finding(report, buckets[b].id, "%u %s under %s: %s", l.count,
                                     tp_rating_name(buckets[b].rating), pname,
                                     names_text(&l, list, sizeof list)));
    }
    return TP_OK;
}

/* No accepted TLS suite with any of `flags` (SSLv2 kinds aside). */
static bool suites_lack(const struct tp_scan *scan, uint32_t flags)
{
    bool seen = false;
    for (size_t i = 0; i < scan->n_suites; i++) {
        const struct tp_suite_info *info = pol_suite_info(&scan->suites[i]);
        if (info == NULL || (info->flags & (TP_SF_SSL2 | TP_SF_SCSV | TP_SF_GREASE)) != 0)
            continue;
        seen = true;
        if ((info->flags & flags) != 0)
            return false;
    }
    return seen;
}

static tp_status find_suite_properties(const struct tp_scan *scan, const struct pol_info *pol,
                                       struct tp_report *report)
{
    if (suites_lack(scan, TP_SF_PFS))
        TP_TRY(add_with(report, pol->sev_no_pfs, "enum-no-pfs",
                        "no accepted suite has forward secrecy (%s)", pol->title));
    if (suites_lack(scan, TP_SF_AEAD))
        TP_TRY(tp_report_add_finding(report, "enum-no-aead",
                                     "every accepted suite is CBC or a stream cipher"));
    struct namelist l = {0};
    unsigned smallest = 0;
    for (size_t i = 0; i < scan->n_suites; i++) {
        const struct tp_scan_suite *s = &scan->suites[i];
        if (s->kx_bits == 0 || s->kx_bits >= 2048 || !pol_suite_is_ffdh(pol_suite_info(s)))
            continue;
        if (smallest == 0 || s->kx_bits < smallest)
            smallest = s->kx_bits;
        if (!seen_before(scan, i))
            names_add(&l, suite_name(s));
    }
    for (size_t i = 0; i < scan->n_groups; i++) {
        const struct tp_scan_group *g = &scan->groups[i];
        const struct tp_group_info *info = tp_group_by_code(g->code);
        bool ffdh = info != NULL ? strcmp(info->type, "ffdhe") == 0 : g->code == 0;
        if (g->supported == TP_TRI_NO || !ffdh || g->bits == 0 || g->bits >= 2048)
            continue;
        if (smallest == 0 || g->bits < smallest)
            smallest = g->bits;
        names_add(&l, g->name);
    }
    if (l.count != 0) {
        char list[1200];
        TP_TRY(tp_report_add_finding(report, "enum-dh-small",
                                     "Diffie-Hellman group of %u bits accepted with %s", smallest,
                                     names_text(&l, list, sizeof list)));
    }
    return TP_OK;
}

static tp_status find_groups_and_schemes(const struct tp_scan *scan, int policy,
                                         struct tp_report *report)
{
    struct namelist groups = {0}, schemes = {0};
    struct pol_result r;
    for (size_t i = 0; i < scan->n_groups; i++) {
        if (scan->groups[i].supported == TP_TRI_NO)
            continue;
        struct pol_subject s = pol_group_subject(&scan->groups[i]);
        pol_rate(policy, &s, &r);
        if (r.rating >= TP_RATING_WEAK && !r.profile_only)
            names_add(&groups, s.group != NULL ? s.group->iana_name : scan->groups[i].name);
    }
    for (size_t i = 0; i < scan->n_sigschemes; i++) {
        if (scan->sigschemes[i].supported == TP_TRI_NO)
            continue;
        struct pol_subject s = pol_sigscheme_subject(&scan->sigschemes[i]);
        pol_rate(policy, &s, &r);
        if (r.rating >= TP_RATING_WEAK && !r.profile_only)
            names_add(&schemes, s.sig != NULL ? s.sig->name : scan->sigschemes[i].name);
    }
    char list[1200];
    if (groups.count != 0)
        TP_TRY(tp_report_add_finding(report, "enum-group-weak", "%u accepted: %s", groups.count,
                                     names_text(&groups, list, sizeof list)));
    if (schemes.count != 0)
        TP_TRY(tp_report_add_finding(report, "enum-sigscheme-weak", "%u used: %s",
                                     schemes.count, names_text(&schemes, list, sizeof list)));
    return TP_OK;
}

static unsigned versions_supported(const struct tp_scan *scan)
{
    unsigned n = 0;
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++)
        n += scan->protocols[i].supported == TP_TRI_YES;
    return n;
}

static size_t suites_at(const struct tp_scan *scan, uint16_t version)
{
    size_t n = 0;
    for (size_t i = 0; i < scan->n_suites; i++)
        n += scan->suites[i].version == version;
    return n;
}

static tp_status find_features(const struct tp_scan *scan, const struct pol_info *pol,
                               struct tp_report *report)
{
    if (pol_feature(scan, "compression") == TP_TRI_YES)
        TP_TRY(tp_report_add_finding(report, "enum-compression",
                                     "server accepts TLS compression: secrets in compressed "
                                     "records leak through their length (CRIME)"));
    /* A suite the server selects and then cannot complete fails every client
     * that prefers it: a configuration fault (e.g. DHE without parameters). */
    for (size_t i = 0; i < scan->n_features; i++)
        if (strcmp(scan->features[i].id, "broken_suites") == 0 &&
            scan->features[i].value == TP_TRI_YES)
            TP_TRY(tp_report_add_finding(report, "enum-broken-suite", "%s",
                                         scan->features[i].detail != NULL
                                             ? scan->features[i].detail
                                             : "server selects suites it cannot complete"));
    bool pre13 = false;
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++)
        if (scan->protocols[i].version < TP_VER_TLS13 &&
            scan->protocols[i].supported == TP_TRI_YES)
            pre13 = true;
    if (pre13 && (pol_feature(scan, "secure_renegotiation") == TP_TRI_NO ||
                  pol_feature(scan, "insecure_renegotiation") == TP_TRI_YES))
        TP_TRY(tp_report_add_finding(report, "enum-reneg-insecure",
                                     "server does not support RFC 5746 secure renegotiation"));
    /* RFC 7507 only matters when there is an older version to fall back to. */
    if (versions_supported(scan) >= 2 && pol_feature(scan, "fallback_scsv") == TP_TRI_NO)
        TP_TRY(tp_report_add_finding(report, "enum-no-fallback-scsv",
                                     "server ignores TLS_FALLBACK_SCSV; only clients that still "
                                     "fall back need it (RFC 9325 Sec. 3.1.3)"));
    /* RFC 9325 Sec. 4.2.1: servers must prefer the strongest suites, which
     * only a server-side order guarantees. TLS 1.3 suites are all strong. */
    struct namelist l = {0};
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++) {
        const struct tp_scan_protocol *p = &scan->protocols[i];
        if (p->version < TP_VER_TLS13 && p->supported == TP_TRI_YES &&
            p->server_order == TP_TRI_NO && suites_at(scan, p->version) >= 2)
            names_add(&l, tp_version_name(p->version));
    }
    if (l.count != 0) {
        char list[1200];
        TP_TRY(add_with(report, pol->sev_no_server_order, "enum-no-server-order",
                        "the client's order decides with %s", names_text(&l, list, sizeof list)));
    }
    return pol_find_pq(scan, report);
}

/* One finding naming everything outside the chosen profile. */
static tp_status find_violations(const struct tp_scan *scan, int policy,
                                 struct tp_report *report)
{
    struct namelist l = {0};
    struct pol_result r;
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++) {
        if (scan->protocols[i].supported != TP_TRI_YES)
            continue;
        struct pol_subject s = pol_version_subject(scan->protocols[i].version);
        pol_rate(policy, &s, &r);
        if (r.outside)
            names_add(&l, tp_version_name(scan->protocols[i].version));
    }
    for (size_t i = 0; i < scan->n_suites; i++) {
        struct pol_subject s = pol_suite_subject(&scan->suites[i]);
        pol_rate(policy, &s, &r);
        if (r.outside && !seen_before(scan, i))
            names_add(&l, suite_name(&scan->suites[i]));
    }
    for (size_t i = 0; i < scan->n_groups; i++) {
        struct pol_subject s = pol_group_subject(&scan->groups[i]);
        pol_rate(policy, &s, &r);
        if (scan->groups[i].supported == TP_TRI_YES && r.outside)
            names_add(&l, s.group != NULL ? s.group->iana_name : scan->groups[i].name);
    }
    for (size_t i = 0; i < scan->n_sigschemes; i++) {
        struct pol_subject s = pol_sigscheme_subject(&scan->sigschemes[i]);
        pol_rate(policy, &s, &r);
        if (scan->sigschemes[i].supported == TP_TRI_YES && r.outside)
            names_add(&l, s.sig != NULL ? s.sig->name : scan->sigschemes[i].name);
    }
    if (l.count == 0)
        return TP_OK;
    char list[1200];
    return tp_report_add_finding(report, "enum-policy-violation", "%u outside %s: %s", l.count,
                                 tp_policies[policy].title, names_text(&l, list, sizeof list));
}

/* RFC 4279 Sec. 2, RFC 7925 Sec. 4.2: a server that accepts nothing but
 * PSK suites. Whether it has forward secrecy is enum-no-pfs's business. */
static tp_status find_psk_only(const struct tp_scan *scan, struct tp_report *report)
{
    if (scan->psk_only != TP_TRI_YES)
        return TP_OK;
    if (scan->psk_identity_hint != NULL)
        return tp_report_add_finding(report, "server-psk-only",
                                     "every suite accepted is a pre-shared-key suite; the server "
                                     "gives the identity hint '%s'",
                                     scan->psk_identity_hint);
    return tp_report_add_finding(report, "server-psk-only",
                                 "every suite accepted is a pre-shared-key suite (no identity "
                                 "hint given)");
}

tp_status pol_add_item_findings(const struct tp_scan *scan, int policy,
                                struct tp_report *report)
{
    const struct pol_info *pol = &tp_policies[policy];
    TP_TRY(find_psk_only(scan, report));
    TP_TRY(find_suites(scan, policy, report));
    TP_TRY(find_suite_properties(scan, pol, report));
    TP_TRY(find_groups_and_schemes(scan, policy, report));
    return find_violations(scan, policy, report);
}

tp_status pol_add_findings(const struct tp_scan *scan, int policy, struct tp_report *report)
{
    const struct pol_info *pol = &tp_policies[policy];
    TP_TRY(pol_add_item_findings(scan, policy, report));
    TP_TRY(find_versions(scan, pol, report));
    return find_features(scan, pol, report);
}
