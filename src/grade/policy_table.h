/* policy_table.h: the rows of the grading policies, generated at build time
 * from src/data/policies.csv and src/data/policy-rules.csv by
 * src/data/gen_policies.py (which also checks every field, flag and name, so
 * a typo in the data fails the build instead of silently never matching).
 *
 * A policy is an ordered list of rules; each rule rates one kind of subject
 * (a protocol version, a cipher suite, a group, a signature scheme) when all
 * its conditions hold. The first matching rule of the policy decides; a
 * policy with a base falls through to the base's rules when none of its own
 * match. `combine` says how a matching rule of a derived policy meets the
 * base: it replaces the base verdict, keeps the worse of the two, or defers
 * to the base outright. Every other matching rule adds its reason to the
 * verdict (policy.c says which count). Internal to src/grade. */
#ifndef TP_GRADE_POLICY_TABLE_H
#define TP_GRADE_POLICY_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "report/scan_model.h"
#include "report/severity.h"

enum pol_kind { POL_VERSION = 0, POL_SUITE, POL_GROUP, POL_SIGSCHEME };

/* What a condition looks at. Registry attributes come from
 * wire/registry.h; BITS is what the scan observed (0 = unknown, and an
 * unknown value never satisfies a comparison). */
enum pol_field {
    PF_ANY = 0,  /* always true */
    PF_UNKNOWN,  /* the code point is not in the registry */
    PF_FLAG,     /* suite TP_SF_* bits (any of) */
    PF_STATUS,   /* group TP_GS_* / scheme TP_SS_* bits (any of) */
    PF_NAME,     /* IANA name */
    PF_CODE,     /* wire value */
    PF_KX,       /* suite key exchange ("ECDHE", "DHE", "RSA", ...) */
    PF_AUTH,     /* suite authentication */
    PF_ENC,      /* suite bulk cipher */
    PF_MODE,     /* suite cipher mode */
    PF_TYPE,     /* group type ("ffdhe", "ec-prime", ...; "custom-dh" for code 0) */
    PF_FAMILY,   /* signature scheme family */
    PF_HASH,     /* signature scheme hash */
    PF_STRENGTH, /* suite strength_bits */
    PF_SECURITY, /* group security_bits */
    PF_BITS,     /* observed key exchange bits */
    PF_VERSION,  /* the protocol version (version rules) */
    PF_AT,       /* the version a suite was accepted with */
};

enum pol_op {
    PO_IS = 0, /* equal to one of strs / nums, or mask bits present */
    PO_NOT,    /* negation of PO_IS */
    PO_LT,     /* num < value (numeric fields only) */
    PO_GE,     /* num >= value */
};

struct pol_cond {
    uint8_t field;            /* enum pol_field */
    uint8_t op;               /* enum pol_op */
    uint32_t num;             /* mask for FLAG/STATUS, bound for LT/GE */
    const char *const *strs;  /* NULL-terminated alternatives, or NULL */
    const uint32_t *nums;     /* alternatives for CODE/VERSION/AT with IS/NOT */
    uint8_t n_nums;
};

enum pol_combine {
    PC_SET = 0, /* this rule's verdict replaces the base's */
    PC_WORST,   /* the worse of this rule and the base */
    PC_BASE,    /* stop searching this policy, use the base verdict */
};

#define POL_MAX_CONDS 4

struct pol_rule {
    uint8_t policy;           /* index into tp_policies */
    uint8_t kind;             /* enum pol_kind */
    uint8_t combine;          /* enum pol_combine */
    uint8_t outside;          /* subject lies outside the policy's profile */
    uint8_t n_conds;
    enum tp_rating rating;
    struct pol_cond conds[POL_MAX_CONDS];
    const char *reason;
    const char *reference;
};

/* Severity override for a policy-dependent finding; TP_SEV_NONE means the
 * finding is not raised under that policy. */
struct pol_info {
    const char *name;
    const char *title;
    const char *reference;
    int base;                 /* index into tp_policies, -1 for none */
    uint8_t tls12_required;   /* no TLS 1.2 is a finding even with TLS 1.3 */
    enum tp_severity sev_no_tls13;
    enum tp_severity sev_no_server_order;
    enum tp_severity sev_no_pfs;
    size_t first_rule, n_rules; /* slice of tp_policy_rules, in file order */
};

extern const struct pol_info tp_policies[];
extern const size_t tp_policies_count;
extern const struct pol_rule tp_policy_rules[];
extern const size_t tp_policy_rules_count;

#endif
