/* policy_int.h: internal to src/grade/policy*.c. The rule engine
 * (policy.c) rates one subject at a time; the findings (policy_findings.c)
 * and the overall grade (policy_grade.c) read the rated scan. */
#ifndef TP_GRADE_POLICY_INT_H
#define TP_GRADE_POLICY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "grade/policy_table.h"
#include "report/model.h"
#include "report/scan_model.h"
#include "wire/registry.h"
#include "util/err.h"

/* One thing to rate, with its registry entry when the code is known. */
struct pol_subject {
    enum pol_kind kind;
    uint32_t code;
    uint16_t version;        /* the version itself, or the one a suite was accepted with */
    unsigned bits;           /* observed key exchange size, 0 = unknown */
    const char *name;        /* the scan's name, used when the registry has none */
    const struct tp_suite_info *suite;
    const struct tp_group_info *group;
    const struct tp_sigscheme_info *sig;
};

/* Reasons kept per verdict; a subject matches a handful of rules at most. */
#define POL_MAX_REASONS 12

struct pol_reason {
    enum tp_rating rating;
    const char *reason;
    const char *reference;
};

/* The engine's answer. Strings point into the static rule table. */
struct pol_result {
    enum tp_rating rating;
    const char *reason;
    const char *reference;
    bool outside;      /* a rule of the profile puts the subject outside it */
    bool profile_only; /* ...and that rule, not the base, decided the rating */
    /* Every reason that applies, worst first; reasons[0] is the one above.
     * Empty when unrated. */
    struct pol_reason reasons[POL_MAX_REASONS];
    size_t n_reasons;
};

/* Index of a policy in tp_policies, or -1. */
int pol_find(const char *name);

/* Subjects built from scan entries (registry looked up here). */
struct pol_subject pol_suite_subject(const struct tp_scan_suite *suite);
struct pol_subject pol_group_subject(const struct tp_scan_group *group);
struct pol_subject pol_sigscheme_subject(const struct tp_scan_sigscheme *scheme);
struct pol_subject pol_version_subject(uint16_t version);

void pol_rate(int policy, const struct pol_subject *subject, struct pol_result *out);

/* r as a verdict, replacing what an earlier grading left in v. */
TP_MUST_CHECK tp_status pol_set_verdict(struct tp_verdict *v, const struct pol_result *r);

/* The overall grade, score and caps (policy_grade.c). */
TP_MUST_CHECK tp_status pol_grade_overall(struct tp_scan *scan, const struct tp_report *report);

/* The enum-* findings (policy_findings.c). */
TP_MUST_CHECK tp_status pol_add_findings(const struct tp_scan *scan, int policy,
                                         struct tp_report *report);
/* The part of them about suites, groups and signature schemes (and
 * server-psk-only), which --dtls --enum shares; the rest reads TCP-only
 * facts (TLS versions, features). */
TP_MUST_CHECK tp_status pol_add_item_findings(const struct tp_scan *scan, int policy,
                                              struct tp_report *report);

/* The post-quantum enum-* findings (pq_findings.c). */
TP_MUST_CHECK tp_status pol_find_pq(const struct tp_scan *scan, struct tp_report *report);

/* Shared facts about a scan. */
enum tp_tri pol_version_supported(const struct tp_scan *scan, uint16_t version);
bool pol_any_version_supported(const struct tp_scan *scan);
/* A scan feature by id (scan_model.h), TP_TRI_UNKNOWN when absent. */
enum tp_tri pol_feature(const struct tp_scan *scan, const char *id);
/* The registry entry of a scanned suite, NULL when unknown. */
const struct tp_suite_info *pol_suite_info(const struct tp_scan_suite *suite);
/* Is this suite's key exchange finite-field Diffie-Hellman? */
bool pol_suite_is_ffdh(const struct tp_suite_info *info);

#endif
