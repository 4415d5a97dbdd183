/* policy.c: the rule engine behind --policy, and grade_scan().
 *
 * Rules are rows (policy_table.h, generated from src/data/policy-rules.csv);
 * this file only evaluates them: the first rule of the policy whose
 * conditions all hold decides, else the base policy's rules do. A condition
 * on an attribute that is unknown (a code point missing from the registry,
 * a key size the scan did not see) is false whatever its operator, so a rule
 * fires only on what is actually known.
 *
 * The deciding rule gives the rating; every other rule that matches adds its
 * reason, so a suite forbidden for NULL encryption still says MD5 and static
 * RSA. Not every match is a reason, though: a catch-all ("any") means
 * "otherwise", so it speaks only when no earlier rule of its policy matched;
 * a rule rating the subject worse than the verdict was overridden by an
 * earlier, more specific one (TLS 1.3 integrity-only suites against NULL
 * encryption, the IoT profile's CCM_8 against the base); and what rates
 * ok or better is no second reason. */
#include "grade/grade.h"
#include "grade/policy.h"

#include <string.h>
#include <strings.h>

#include "grade/policy_int.h"
#include "util/banned.h"

/* Policies chain to a base; the generator checks the names, this bounds
 * the walk should the data ever form a loop. */
#define MAX_POLICY_DEPTH 4

int pol_find(const char *name)
{
    if (name == NULL)
        return -1;
    for (size_t i = 0; i < tp_policies_count; i++)
        if (strcmp(tp_policies[i].name, name) == 0)
            return (int)i;
    return -1;
}

bool policy_known(const char *name)
{
    return pol_find(name) >= 0;
}

size_t policy_count(void)
{
    return tp_policies_count;
}

const char *policy_name(size_t index)
{
    return index < tp_policies_count ? tp_policies[index].name : NULL;
}

const char *policy_title(size_t index)
{
    return index < tp_policies_count ? tp_policies[index].title : NULL;
}

const struct tp_suite_info *pol_suite_info(const struct tp_scan_suite *suite)
{
    /* SSLv2 cipher kinds are 3-byte codes (RFC 6101 App. E, SSL 2.0 draft). */
    if (suite->version == TP_VER_SSL2 || suite->code > 0xFFFF)
        return tp_ssl2_kind_by_code(suite->code);
    return tp_suite_by_code((uint16_t)suite->code);
}

bool pol_suite_is_ffdh(const struct tp_suite_info *info)
{
    if (info == NULL || info->kx == NULL)
        return false;
    /* DH, DHE, DHE_PSK, DH_anon and their export forms; not ECDH(E). */
    return strncmp(info->kx, "DH", 2) == 0;
}

struct pol_subject pol_suite_subject(const struct tp_scan_suite *suite)
{
    return (struct pol_subject){.kind = POL_SUITE,
                                .code = suite->code,
                                .version = suite->version,
                                .bits = suite->kx_bits,
                                .name = suite->name,
                                .suite = pol_suite_info(suite)};
}

struct pol_subject pol_group_subject(const struct tp_scan_group *group)
{
    return (struct pol_subject){.kind = POL_GROUP,
                                .code = group->code,
                                .bits = group->bits,
                                .name = group->name,
                                .group = group->code != 0 ? tp_group_by_code(group->code) : NULL};
}

struct pol_subject pol_sigscheme_subject(const struct tp_scan_sigscheme *scheme)
{
    return (struct pol_subject){.kind = POL_SIGSCHEME,
                                .code = scheme->code,
                                .name = scheme->name,
                                .sig = tp_sigscheme_by_code(scheme->code)};
}

struct pol_subject pol_version_subject(uint16_t version)
{
    return (struct pol_subject){.kind = POL_VERSION, .code = version, .version = version};
}

static bool subject_unknown(const struct pol_subject *s)
{
    switch (s->kind) {
    case POL_SUITE:
        return s->suite == NULL;
    case POL_GROUP:
        return s->group == NULL;
    case POL_SIGSCHEME:
        return s->sig == NULL;
    default:
        return tp_version_name(s->version) == NULL;
    }
}

static const char *subject_name(const struct pol_subject *s)
{
    if (s->suite != NULL && tp_suite_name(s->suite) != NULL)
        return tp_suite_name(s->suite);
    if (s->group != NULL)
        return s->group->iana_name;
    if (s->sig != NULL)
        return s->sig->name;
    return s->name;
}

/* The string attribute a condition looks at; NULL when unknown. */
static const char *string_attr(const struct pol_subject *s, enum pol_field field)
{
    switch (field) {
    case PF_NAME:
        return subject_name(s);
    case PF_KX:
        return s->suite != NULL ? s->suite->kx : NULL;
    case PF_AUTH:
        return s->suite != NULL ? s->suite->auth : NULL;
    case PF_ENC:
        return s->suite != NULL ? s->suite->enc : NULL;
    case PF_MODE:
        return s->suite != NULL ? s->suite->mode : NULL;
    case PF_TYPE:
        /* Code 0 is an unnamed DH prime from a TLS <= 1.2 ServerKeyExchange
         * (RFC 5246 Sec. 7.4.3), "custom-dh", judged by its size; any other
         * code missing from the registry has no known type. */
        if (s->group != NULL)
            return s->group->type;
        return s->code == 0 ? "custom-dh" : NULL;
    case PF_FAMILY:
        return s->sig != NULL ? s->sig->family : NULL;
    case PF_HASH:
        return s->sig != NULL ? s->sig->hash : NULL;
    default:
        return NULL;
    }
}

/* The numeric attribute a condition looks at; false when unknown. */
static bool number_attr(const struct pol_subject *s, enum pol_field field, uint32_t *value)
{
    switch (field) {
    case PF_CODE:
        *value = s->code;
        return true;
    case PF_STRENGTH:
        if (s->suite == NULL)
            return false;
        *value = s->suite->strength_bits;
        return true;
    case PF_SECURITY:
        *value = s->group != NULL ? s->group->security_bits : 0;
        return *value != 0;
    case PF_BITS:
        *value = s->bits;
        return s->bits != 0;
    case PF_VERSION:
    case PF_AT:
        *value = s->version;
        return s->version != 0;
    default:
        return false;
    }
}

static bool mask_attr(const struct pol_subject *s, uint32_t *value)
{
    if (s->suite != NULL)
        *value = s->suite->flags;
    else if (s->group != NULL)
        *value = s->group->status;
    else if (s->sig != NULL)
        *value = s->sig->status;
    else
        return false;
    return true;
}

static bool in_strs(const char *value, const char *const *strs)
{
    for (size_t i = 0; strs[i] != NULL; i++)
        if (strcasecmp(value, strs[i]) == 0)
            return true;
    return false;
}

static bool in_nums(uint32_t value, const uint32_t *nums, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (nums[i] == value)
            return true;
    return false;
}

static bool cond_holds(const struct pol_cond *c, const struct pol_subject *s)
{
    bool hit;
    uint32_t n;
    switch (c->field) {
    case PF_ANY:
        return true;
    case PF_UNKNOWN:
        return subject_unknown(s);
    case PF_FLAG:
    case PF_STATUS:
        if (!mask_attr(s, &n))
            return false;
        hit = (n & c->num) != 0;
        break;
    default:
        if (c->strs != NULL) {
            const char *v = string_attr(s, c->field);
            if (v == NULL)
                return false;
            hit = in_strs(v, c->strs);
            break;
        }
        if (!number_attr(s, c->field, &n))
            return false;
        if (c->op == PO_LT)
            return n < c->num;
        if (c->op == PO_GE)
            return n >= c->num;
        hit = in_nums(n, c->nums, c->n_nums);
        break;
    }
    return c->op == PO_NOT ? !hit : hit;
}

static bool rule_matches(const struct pol_rule *r, const struct pol_subject *s)
{
    if (r->kind != s->kind)
        return false;
    for (size_t i = 0; i < r->n_conds; i++)
        if (!cond_holds(&r->conds[i], s))
            return false;
    return true;
}

static void from_rule(const struct pol_rule *r, struct pol_result *out)
{
    *out = (struct pol_result){.rating = r->rating,
                               .reason = r->reason,
                               .reference = r->reference,
                               .outside = r->outside != 0,
                               .profile_only = r->outside != 0};
}

static void rate_at_depth(int policy, const struct pol_subject *s, struct pol_result *out,
                          int depth)
{
    *out = (struct pol_result){.rating = TP_RATING_UNRATED,
                               .reason = "no rule of the policy covers it",
                               .reference = NULL};
    if (policy < 0 || (size_t)policy >= tp_policies_count || depth > MAX_POLICY_DEPTH)
        return;
    const struct pol_info *p = &tp_policies[policy];
    for (size_t i = p->first_rule; i < p->first_rule + p->n_rules; i++) {
        const struct pol_rule *r = &tp_policy_rules[i];
        if (!rule_matches(r, s))
            continue;
        if (p->base < 0 || r->combine == PC_SET) {
            from_rule(r, out);
            return;
        }
        rate_at_depth(p->base, s, out, depth + 1);
        if (r->combine == PC_WORST) {
            if (r->rating > out->rating)
                from_rule(r, out);
            else if (r->outside)
                out->outside = true; /* the base's reason is the worse one */
        }
        return;
    }
    if (p->base >= 0)
        rate_at_depth(p->base, s, out, depth + 1);
}

static bool catch_all(const struct pol_rule *r)
{
    return r->n_conds == 1 && r->conds[0].field == PF_ANY;
}

static void add_reason(struct pol_result *out, enum tp_rating rating, const char *reason,
                       const char *reference)
{
    if (reason == NULL || out->n_reasons == POL_MAX_REASONS)
        return;
    for (size_t i = 0; i < out->n_reasons; i++)
        if (strcmp(out->reasons[i].reason, reason) == 0)
            return;
    out->reasons[out->n_reasons++] =
        (struct pol_reason){.rating = rating, .reason = reason, .reference = reference};
}

/* The verdict's own reason first, then the other problems (weak or worse,
 * but no worse than the verdict) of the policy and its bases in rule order,
 * stably sorted worst first behind it. */
static void collect_reasons(int policy, const struct pol_subject *s, struct pol_result *out)
{
    out->n_reasons = 0;
    if (out->rating == TP_RATING_UNRATED)
        return;
    add_reason(out, out->rating, out->reason, out->reference);
    for (int p = policy, depth = 0; p >= 0 && (size_t)p < tp_policies_count &&
                                    depth <= MAX_POLICY_DEPTH;
         p = tp_policies[p].base, depth++) {
        const struct pol_info *info = &tp_policies[p];
        bool matched = false; /* by an earlier rule of this policy */
        for (size_t i = info->first_rule; i < info->first_rule + info->n_rules; i++) {
            const struct pol_rule *r = &tp_policy_rules[i];
            if (!rule_matches(r, s))
                continue;
            bool applies = !(matched && catch_all(r));
            matched = true;
            if (applies && r->combine != PC_BASE && r->rating >= TP_RATING_WEAK &&
                r->rating <= out->rating)
                add_reason(out, r->rating, r->reason, r->reference);
        }
    }
    for (size_t i = 2; i < out->n_reasons; i++) /* insertion sort: stable, tiny */
        for (size_t j = i; j > 1 && out->reasons[j].rating > out->reasons[j - 1].rating; j--) {
            struct pol_reason t = out->reasons[j];
            out->reasons[j] = out->reasons[j - 1];
            out->reasons[j - 1] = t;
        }
}

void pol_rate(int policy, const struct pol_subject *subject, struct pol_result *out)
{
    rate_at_depth(policy, subject, out, 0);
    collect_reasons(policy, subject, out);
}

enum tp_tri pol_version_supported(const struct tp_scan *scan, uint16_t version)
{
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++)
        if (scan->protocols[i].version == version)
            return scan->protocols[i].supported;
    return TP_TRI_UNKNOWN;
}

bool pol_any_version_supported(const struct tp_scan *scan)
{
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++)
        if (scan->protocols[i].supported == TP_TRI_YES)
            return true;
    return false;
}

enum tp_tri pol_feature(const struct tp_scan *scan, const char *id)
{
    for (size_t i = 0; i < scan->n_features; i++)
        if (scan->features[i].id != NULL && strcmp(scan->features[i].id, id) == 0)
            return scan->features[i].value;
    return TP_TRI_UNKNOWN;
}

tp_status pol_set_verdict(struct tp_verdict *v, const struct pol_result *r)
{
    tp_verdict_finish(v);
    v->rating = r->rating;
    TP_TRY(tp_set_str(&v->reason, r->reason));
    TP_TRY(tp_set_str(&v->reference, r->reference));
    for (size_t i = 0; i < r->n_reasons; i++) {
        struct tp_verdict_reason *out = tp_verdict_add_reason(v);
        if (out == NULL)
            return TP_E_NOMEM;
        out->rating = r->reasons[i].rating;
        TP_TRY(tp_set_str(&out->reason, r->reasons[i].reason));
        TP_TRY(tp_set_str(&out->reference, r->reasons[i].reference));
    }
    return TP_OK;
}

static tp_status rate_all(struct tp_scan *scan, int policy)
{
    struct pol_result r;
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++) {
        struct pol_subject s = pol_version_subject(scan->protocols[i].version);
        pol_rate(policy, &s, &r);
        TP_TRY(pol_set_verdict(&scan->protocols[i].verdict, &r));
    }
    for (size_t i = 0; i < scan->n_suites; i++) {
        struct pol_subject s = pol_suite_subject(&scan->suites[i]);
        pol_rate(policy, &s, &r);
        TP_TRY(pol_set_verdict(&scan->suites[i].verdict, &r));
    }
    for (size_t i = 0; i < scan->n_groups; i++) {
        struct pol_subject s = pol_group_subject(&scan->groups[i]);
        pol_rate(policy, &s, &r);
        TP_TRY(pol_set_verdict(&scan->groups[i].verdict, &r));
    }
    for (size_t i = 0; i < scan->n_sigschemes; i++) {
        struct pol_subject s = pol_sigscheme_subject(&scan->sigschemes[i]);
        pol_rate(policy, &s, &r);
        TP_TRY(pol_set_verdict(&scan->sigschemes[i].verdict, &r));
    }
    return TP_OK;
}

tp_status grade_scan(struct tp_scan *scan, const char *policy, struct tp_report *report)
{
    if (scan == NULL || report == NULL)
        return TP_E_INTERNAL;
    if (policy == NULL)
        policy = TP_POLICY_DEFAULT;
    int index = pol_find(policy);
    if (index < 0)
        return TP_E_USAGE;
    TP_TRY(tp_set_str(&scan->policy, policy));
    TP_TRY(rate_all(scan, index));
    TP_TRY(pol_grade_overall(scan, report));
    TP_TRY(pol_add_findings(scan, index, report));
    TP_TRY(grade_intolerance(report, scan->intolerance, "--enum"));
    tp_report_sort_findings(report);
    return TP_OK;
}
