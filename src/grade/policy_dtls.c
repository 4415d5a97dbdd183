/* policy_dtls.c: --dtls --enum under --policy, by the rule engine and the
 * findings the TCP --enum uses (policy.c, policy_findings.c), not a copy.
 *
 * A DTLS version is rated by its own rows (policy-rules.csv: DTLSv1.0
 * forbidden by RFC 8996 Sec. 5, DTLSv1.2 as RFC 9325 Sec. 3.1.2 asks,
 * DTLSv1.3 preferred). A suite is rated as the TLS version DTLS was
 * derived from rates it: DTLS 1.0 is TLS 1.1 over datagrams (RFC 4347
 * Sec. 1), DTLS 1.2 is TLS 1.2 (RFC 6347 Sec. 1), DTLS 1.3 is TLS 1.3
 * (RFC 9147 Sec. 1), so a suite's "at"
 * conditions see TLS 1.1 or 1.2, and a CBC-SHA1 or 3DES suite is rated
 * as the TCP scan rates it. Groups and signature schemes have no version.
 *
 * The enum-suite-*, enum-group-weak, enum-sigscheme-weak, enum-no-pfs,
 * enum-no-aead, enum-dh-small, enum-policy-violation and server-psk-only
 * findings come from a transient tp_scan holding what the DTLS scan
 * found; the TLS version findings do not apply (grade/dtls.c has the DTLS
 * ones), nor the overall letter grade, whose tables are TLS's. */
#include "grade/grade.h"
#include "grade/policy.h"

#include <string.h>

#include "grade/policy_int.h"
#include "util/banned.h"

static const uint16_t slot_version[TP_DTLS_NVERSIONS] = {TP_VER_DTLS10, TP_VER_DTLS12,
                                                        TP_VER_DTLS13};

/* The TLS version a DTLS version is (RFC 4347 Sec. 1, RFC 6347 Sec. 1,
 * RFC 9147 Sec. 1). */
static uint16_t tls_equivalent(uint16_t dtls)
{
    switch (dtls) {
    case TP_VER_DTLS10:
        return TP_VER_TLS11;
    case TP_VER_DTLS12:
        return TP_VER_TLS12;
    default:
        return TP_VER_TLS13;
    }
}

static tp_status rate_into(int policy, const struct pol_subject *s, struct tp_verdict *v)
{
    struct pol_result r;
    pol_rate(policy, s, &r);
    return pol_set_verdict(v, &r);
}

static tp_status copy_name(char **dst, const char *name, uint16_t code)
{
    if (name != NULL)
        return tp_set_str(dst, name);
    return tp_set_strf(dst, "0x%04X", code);
}

/* The scan's suites, groups and schemes as an --enum scan holds them. */
static tp_status fill_scan(const struct tp_dtls_enum *e, struct tp_scan *t)
{
    bool any = false, all_psk = true;
    for (size_t v = 0; v < TP_DTLS_NVERSIONS; v++)
        for (size_t i = 0; i < e->n_suites[v]; i++) {
            struct tp_scan_suite *s = tp_scan_add_suite(t);
            if (s == NULL)
                return TP_E_NOMEM;
            const struct tp_suite_info *info = tp_suite_by_code(e->suites[v][i]);
            s->version = tls_equivalent(slot_version[v]);
            s->code = e->suites[v][i];
            s->kx_bits = e->suite_kx_bits[v][i];
            TP_TRY(copy_name(&s->name, info != NULL ? tp_suite_name(info) : NULL,
                             e->suites[v][i]));
            any = true;
            all_psk = all_psk && info != NULL && (info->flags & TP_SF_PSK) != 0;
        }
    t->psk_only = !any ? TP_TRI_UNKNOWN : all_psk ? TP_TRI_YES : TP_TRI_NO;
    for (size_t i = 0; i < e->n_groups; i++) {
        struct tp_scan_group *g = tp_scan_add_group(t);
        if (g == NULL)
            return TP_E_NOMEM;
        const struct tp_group_info *info = tp_group_by_code(e->groups[i]);
        g->code = e->groups[i];
        g->supported = TP_TRI_YES;
        g->bits = tp_group_bits(e->groups[i]);
        TP_TRY(copy_name(&g->name, info != NULL ? info->iana_name : NULL, e->groups[i]));
    }
    for (size_t i = 0; i < e->n_sigschemes; i++) {
        struct tp_scan_sigscheme *s = tp_scan_add_sigscheme(t);
        if (s == NULL)
            return TP_E_NOMEM;
        const struct tp_sigscheme_info *info = tp_sigscheme_by_code(e->sigschemes[i]);
        s->code = e->sigschemes[i];
        s->supported = TP_TRI_YES;
        TP_TRY(copy_name(&s->name, info != NULL ? info->name : NULL, e->sigschemes[i]));
    }
    return TP_OK;
}

/* Each verdict of e from the transient scan t, in the same order. */
static tp_status rate_all(struct tp_dtls_enum *e, const struct tp_scan *t, int policy)
{
    static const uint16_t versions[TP_DTLS_NVERSIONS] = {TP_VER_DTLS10, TP_VER_DTLS12,
                                                         TP_VER_DTLS13};
    for (size_t i = 0; i < TP_DTLS_NVERSIONS; i++) {
        struct pol_subject s = pol_version_subject(versions[i]);
        TP_TRY(rate_into(policy, &s, &e->version_verdicts[i]));
    }
    size_t k = 0;
    for (size_t v = 0; v < TP_DTLS_NVERSIONS; v++)
        for (size_t i = 0; i < e->n_suites[v]; i++, k++) {
            struct pol_subject s = pol_suite_subject(&t->suites[k]);
            TP_TRY(rate_into(policy, &s, &e->suite_verdicts[v][i]));
        }
    for (size_t i = 0; i < e->n_groups; i++) {
        struct pol_subject s = pol_group_subject(&t->groups[i]);
        TP_TRY(rate_into(policy, &s, &e->group_verdicts[i]));
    }
    for (size_t i = 0; i < e->n_sigschemes; i++) {
        struct pol_subject s = pol_sigscheme_subject(&t->sigschemes[i]);
        TP_TRY(rate_into(policy, &s, &e->sigscheme_verdicts[i]));
    }
    return TP_OK;
}

tp_status grade_dtls_scan(struct tp_report *report, const char *policy)
{
    struct tp_dtls_enum *e = &report->dtls.scan;
    if (!e->run)
        return TP_OK;
    if (policy == NULL)
        policy = TP_POLICY_DEFAULT;
    int index = pol_find(policy);
    if (index < 0)
        return TP_E_USAGE;
    TP_TRY(tp_set_str(&e->policy, policy));
    struct tp_scan t;
    tp_scan_init(&t);
    tp_status status = fill_scan(e, &t);
    if (status == TP_OK)
        status = rate_all(e, &t, index);
    if (status == TP_OK)
        status = pol_add_item_findings(&t, index, report);
    tp_scan_finish(&t);
    return status;
}
