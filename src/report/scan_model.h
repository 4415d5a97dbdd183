/* scan_model.h: plain data for --enum (enumeration and grading of everything
 * a server accepts). Filled by scan/ (facts) and grade/ (ratings, overall
 * grade); rendered by report/. Same ownership rules as model.h: every string
 * and array is owned by the struct and freed by tp_scan_finish(). */
#ifndef TP_SCAN_MODEL_H
#define TP_SCAN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/model.h"

/* The six versions, in this order, are always present in tp_scan.protocols. */
#define TP_SCAN_VERSIONS 6

struct tp_scan_protocol {
    uint16_t version;           /* TP_VER_* */
    enum tp_tri supported;
    char *why;                  /* how it was decided, or why unknown */
    enum tp_tri server_order;   /* server enforces its own suite order */
    struct tp_verdict verdict;
};

struct tp_scan_suite {
    uint16_t version;           /* the version it was accepted with */
    uint32_t code;              /* 2-byte code, or 3-byte SSLv2 kind */
    char *name;                 /* IANA name (or alt name / SSLv2 kind name) */
    unsigned order;             /* 1-based server preference, 0 if not ordered */
    unsigned kx_bits;           /* DHE prime bits or EC group size seen, 0 if n/a */
    char *kx_group;             /* group seen in ServerKeyExchange / key_share */
    struct tp_verdict verdict;
};

struct tp_scan_group {
    uint16_t code;
    char *name;
    enum tp_tri supported;
    uint16_t versions_seen;     /* bit (version - 0x0300): seen with SSL3..TLS1.3 */
    unsigned bits;              /* FFDHE/EC size */
    bool post_quantum;          /* an ML-KEM group, hybrid or pure (or a Kyber draft) */
    /* The post-quantum phase (scan/pq.h), for the groups it probed
     * (probed false for the others): accepted with a key share of its
     * real size, named in a HelloRetryRequest, and the size of the
     * server's share against the size the draft gives (0: none seen). */
    bool probed;
    enum tp_tri accepted_with_share;
    enum tp_tri selected_in_hrr;
    uint32_t share_bytes, share_bytes_expected;
    struct tp_verdict verdict;
};

struct tp_scan_sigscheme {
    uint16_t code;
    char *name;
    enum tp_tri supported;
    struct tp_verdict verdict;
};

/* A yes/no/unknown property of the server: fallback_scsv, compression,
 * secure_renegotiation, extended_master_secret, encrypt_then_mac,
 * session_ticket, ocsp_stapling, max_fragment_length, record_size_limit, ... */
struct tp_scan_feature {
    char *id;                   /* stable JSON key */
    enum tp_tri value;
    char *detail;               /* what was seen, or why unknown */
};

struct tp_grade_cap {
    char *grade;                /* "B", "C", "F", ... */
    char *reason;
};

struct tp_scan {
    char *policy;               /* rfc9325, mozilla-intermediate, ... */
    struct tp_scan_protocol protocols[TP_SCAN_VERSIONS];
    struct tp_scan_suite *suites;
    size_t n_suites;
    struct tp_scan_group *groups;
    size_t n_groups;
    struct tp_scan_sigscheme *sigschemes;
    size_t n_sigschemes;
    struct tp_scan_feature *features;
    size_t n_features;
    char *grade;                /* overall: "A+", "A", "B", ... "F", "T" */
    int score;                  /* 0..100 before caps */
    struct tp_grade_cap *caps;
    size_t n_caps;
    /* Parts of the scan's hellos (TP_OFFER_*) the server aborted on: the
     * scan left them out from then on (scan/intolerance.h). 0: none. */
    uint32_t intolerance;
    uint32_t connections;       /* TCP connections the scan opened */
    uint32_t probes;            /* probes run */
    uint32_t rtt_ms;            /* round trip measured on data, used for time-outs */
    /* Phase 1 measured a slow link (scan/plan.h, PLAN_SLOW_LINK_MS): the
     * rest of the scan ran its slow-link strategy (more probes in flight,
     * connections started ahead, half-closed probes, paced connects). */
    bool slow_link;
    uint64_t elapsed_us;
    /* Pre-shared keys (RFC 4279, RFC 8446 Sec. 2.2). psk_only: every suite
     * accepted is a PSK suite (TLS <= 1.2) or, in TLS 1.3, was accepted
     * with our --psk-key (pre_shared_key in the ServerHello); no when a
     * certificate-based suite was accepted; unknown when none was. */
    enum tp_tri psk_only;
    char *psk_identity_hint;    /* from a PSK ServerKeyExchange, as sent; NULL if none */
};

/* Initialise with the six protocols present and unknown. */
void tp_scan_init(struct tp_scan *scan);
void tp_scan_finish(struct tp_scan *scan);

/* Append helpers: return a zeroed element owned by the scan, or NULL (no memory). */
struct tp_scan_suite *tp_scan_add_suite(struct tp_scan *scan);
struct tp_scan_group *tp_scan_add_group(struct tp_scan *scan);
struct tp_scan_sigscheme *tp_scan_add_sigscheme(struct tp_scan *scan);
struct tp_scan_feature *tp_scan_add_feature(struct tp_scan *scan);
/* Append a feature with copies of id and detail: TP_E_NOMEM only. */
TP_MUST_CHECK tp_status tp_scan_set_feature(struct tp_scan *scan, const char *id,
                                            enum tp_tri value, const char *detail);
struct tp_grade_cap *tp_scan_add_cap(struct tp_scan *scan);
/* The protocol entry for a version, or NULL. */
struct tp_scan_protocol *tp_scan_protocol(struct tp_scan *scan, uint16_t version);

const char *tp_rating_name(enum tp_rating rating); /* "recommended" ... "forbidden" */

#endif
