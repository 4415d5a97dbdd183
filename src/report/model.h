/* model.h: plain data describing one tlsprobe run.
 *
 * net/ and tls/ fill in facts, grade/ adds findings, report/text.c and
 * report/json.c render it. Nothing here does I/O or knows about GnuTLS.
 *
 * Ownership: every char * and array in a tp_report is owned by the report
 * (heap-allocated) and freed by tp_report_finish(). NULL means absent or
 * unknown. Strings that came from a peer (names, SANs, ALPN) are stored as
 * received; renderers escape them for the terminal and JSON. */
#ifndef TP_MODEL_H
#define TP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/severity.h"
#include "util/err.h"

/* yes / no / unknown: a probe that could not tell says unknown, never no. */
enum tp_tri { TP_TRI_UNKNOWN = 0, TP_TRI_NO, TP_TRI_YES };

struct tp_strlist {
    char **items;
    size_t count;
};

/* Where a run stopped, if it did. */
enum tp_stage {
    TP_STAGE_NONE = 0, /* completed */
    TP_STAGE_RESOLVE,
    TP_STAGE_CONNECT,
    TP_STAGE_TLS,
    TP_STAGE_INTERNAL,
};

struct tp_failure {
    enum tp_stage stage;
    tp_status status;     /* TP_E_RESOLVE, TP_E_CONNECT, TP_E_TIMEOUT, TP_E_TLS, ... */
    char *message;        /* one line, no newline */
    int alert;            /* TLS alert number received, or -1 */
    char *alert_name;     /* e.g. "handshake_failure" (RFC 8446 Sec. 6), or NULL */
    bool tolerated;       /* the step failed but the run went on and completed
                           * (--enum found the server's versions regardless) */
};

/* The optional parts of a ClientHello that a server may wrongly abort on
 * (RFC 8446 Sec. 4.1.2 and 9.3, RFC 5246 Sec. 7.4.1.4: a server MUST
 * ignore extensions it does not recognise). Bits of a mask; the order is
 * the order a diagnosis tries them in. */
enum tp_offer_part {
    /* First: GnuTLS 3.7 can leave status_request out only together with
     * this one (GNUTLS_NO_EXTENSIONS), so this is cleared first. */
    TP_OFFER_EXTENDED_MASTER_SECRET = 1u << 0, /* RFC 7627 */
    TP_OFFER_STATUS_REQUEST = 1u << 1,     /* RFC 6066 Sec. 8 */
    TP_OFFER_RECORD_SIZE_LIMIT = 1u << 2,  /* RFC 8449 */
    TP_OFFER_SESSION_TICKET = 1u << 3,     /* RFC 5077 */
    TP_OFFER_ENCRYPT_THEN_MAC = 1u << 4,   /* RFC 7366 */
    TP_OFFER_ALPN = 1u << 5,               /* RFC 7301 */
    TP_OFFER_PADDING = 1u << 6,            /* RFC 7685 */
    TP_OFFER_RENEGOTIATION_INFO = 1u << 7, /* RFC 5746 */
    TP_OFFER_SUPPORTED_VERSIONS = 1u << 8, /* RFC 8446 Sec. 4.2.1: the TLS 1.3 offer */
};
#define TP_OFFER_COUNT 9u
#define TP_OFFER_ALL ((1u << TP_OFFER_COUNT) - 1u)

/* The extension's IANA name ("status_request") of one part bit, or NULL. */
const char *tp_offer_part_name(uint32_t part);
/* What a client that sends the part loses (for a finding's message). */
const char *tp_offer_part_consequence(uint32_t part);

struct tp_target {
    char *host;           /* host as given, without brackets */
    uint16_t port;
    char *sni;            /* server_name sent, NULL if none */
    char *address;        /* numeric address that answered, NULL if none did */
    int family;           /* AF_INET / AF_INET6 of address, 0 if none */
    const char *starttls; /* --starttls dialect (static string), NULL if none */
    bool dtls;            /* --dtls: over UDP */
};

/* One address tried while connecting, in the order tried. */
struct tp_attempt {
    char *address;
    int family;
    tp_status result;     /* TP_OK, TP_E_CONNECT, TP_E_TIMEOUT */
    char *error;          /* strerror-style reason, NULL on success */
    uint32_t elapsed_ms;
};

/* A pre-shared key offered with --psk-identity/--psk-key (RFC 4279 for
 * TLS <= 1.2, RFC 8446 Sec. 2.2 external PSK for TLS 1.3). */
struct tp_psk {
    bool offered;                  /* a PSK was configured and offered */
    char *identity;                /* the identity offered, as given */
    enum tp_tri used;              /* the handshake authenticated with it */
    char *hint;                    /* server's psk_identity_hint (TLS <= 1.2,
                                    * RFC 4279 Sec. 5.2), NULL if none */
    char *key_exchange;            /* "PSK", "DHE_PSK", "ECDHE_PSK", "RSA_PSK"
                                    * (the suite's kx; in TLS 1.3 "PSK" is
                                    * psk_ke, the (EC)DHE ones psk_dhe_ke) */
    enum tp_tri forward_secrecy;   /* an (EC)DHE share was mixed in */
};

struct tp_handshake {
    bool completed;
    uint16_t version;              /* TP_VER_*, 0 if unknown */
    uint16_t cipher_code;          /* 2-byte code point */
    char *cipher_name;             /* IANA name (registry), else library name */
    char *group;                   /* IANA group name, e.g. "x25519"; NULL if none */
    uint16_t group_code;           /* 0 if not a named group */
    unsigned dh_bits;              /* prime size of a (FF)DHE exchange, 0 if none */
    char *sig_scheme;              /* IANA scheme name the server signed with */
    uint16_t sig_scheme_code;      /* 0 if unknown */
    char *alpn;                    /* selected protocol */
    enum tp_tri session_id;        /* server issued a resumable session ID */
    enum tp_tri session_ticket;    /* server sent a ticket (RFC 5077 / RFC 8446 PSK) */
    enum tp_tri secure_renegotiation;  /* RFC 5746 */
    enum tp_tri extended_master_secret; /* RFC 7627 (always yes in TLS 1.3) */
    enum tp_tri encrypt_then_mac;  /* RFC 7366 (n/a = no for AEAD/TLS 1.3) */
    enum tp_tri ocsp_stapled;
    char *ocsp_status;             /* "good", "revoked", "unknown", "invalid", NULL */
    enum tp_tri client_cert_requested;
    struct tp_strlist client_ca_names; /* acceptable CA DNs from CertificateRequest */
    enum tp_tri client_cert_sent;  /* --cert presented (no: asked, none given) */
    char *client_cert_subject;     /* the --cert leaf's subject, NULL without --cert */
    uint64_t handshake_us;         /* ClientHello sent to handshake done */
    struct tp_psk psk;
    /* Parts of the default offer the server aborted the handshake on
     * (run/diagnose.c): the report was completed without them. 0: none. */
    uint32_t intolerance;
};

struct tp_cert {
    char *subject;                 /* RFC 4514 DN */
    char *issuer;
    struct tp_strlist san;         /* "DNS:x", "IP:1.2.3.4", "email:..", "URI:.." */
    char *serial;                  /* lowercase hex, colon-separated */
    int64_t not_before, not_after; /* seconds since the epoch */
    int64_t days_left;             /* negative once expired */
    char *key_type;                /* "RSA", "RSA-PSS", "EC", "Ed25519", "Ed448", "DSA" */
    unsigned key_bits;
    char *curve;                   /* "secp256r1", ..., NULL when not EC */
    char *sig_alg;                 /* e.g. "RSA-SHA256", "ECDSA-SHA256" */
    char sha256[65];               /* lowercase hex fingerprint of the DER */
    uint32_t der_bytes;            /* size of the DER as sent */
    enum tp_tri is_ca;
    struct tp_strlist key_usage;   /* "digitalSignature", "keyEncipherment", ... */
    struct tp_strlist ext_key_usage; /* "serverAuth", "clientAuth", or an OID */
    bool self_issued;              /* subject == issuer */
    bool self_signed;              /* self-issued and its signature verifies with its own key */
};

struct tp_verify_error {
    char *code;                    /* stable: "expired", "signer-not-found", ... */
    char *message;
};

struct tp_verification {
    enum tp_tri trusted;           /* chain verifies to a trust anchor */
    enum tp_tri hostname_match;    /* leaf matches host (RFC 6125) */
    char *trust_store;             /* "system" or the --ca-file path */
    enum tp_tri chain_complete;    /* unknown when the chain is empty */
    enum tp_tri chain_ordered;     /* each cert issued by the next */
    struct tp_verify_error *errors;
    size_t n_errors;
};

/* Another certificate chain the server holds besides the negotiated one
 * (an RSA + ECDSA dual-certificate server): what a handshake offering only
 * other signature algorithms was sent. Owned by the report. */
struct tp_other_chain {
    char *selected_by;             /* the offer that selected it, e.g. "ECDSA/EdDSA
                                    * signature algorithms" */
    char *key_type;                /* family of the leaf's key: "RSA", "ECDSA", "EdDSA" */
    struct tp_cert *certs;         /* in the order the server sent them */
    size_t n_certs;
    struct tp_verification verification;
};

/* A chain and its verification, borrowed from a report: the negotiated one
 * (key_type NULL) or one of other_chains. The certificate checks and the
 * renderers take this, so that every chain is judged and shown alike. */
struct tp_chain_view {
    const struct tp_cert *certs;
    size_t n_certs;
    const struct tp_verification *verification;
    const char *key_type;          /* NULL: the negotiated chain */
};

struct tp_finding {
    char *id;                      /* catalog id, e.g. "cert-expired" */
    enum tp_severity severity;
    char *message;                 /* one line, specific to this run */
    char *reference;               /* standard or guidance behind it */
};

/* A policy's ratings (grade/policy.h), here because --dtls --enum carries
 * them as --enum does (report/scan_model.h). Ordered so that a larger
 * value is worse. */
enum tp_rating {
    TP_RATING_UNRATED = 0,
    TP_RATING_RECOMMENDED,
    TP_RATING_OK,
    TP_RATING_WEAK,
    TP_RATING_DEPRECATED,
    TP_RATING_FORBIDDEN,
};

/* One reason a rule of the policy gives. */
struct tp_verdict_reason {
    enum tp_rating rating;
    char *reason;
    char *reference;
};

struct tp_verdict {
    enum tp_rating rating;
    char *reason;       /* one line: why this rating under the policy */
    char *reference;    /* the standard or guidance behind it */
    /* Every reason that applies, worst first: reasons[0] is reason and
     * reference above (same rating); none when unrated. */
    struct tp_verdict_reason *reasons;
    size_t n_reasons;
};

/* Free a verdict's strings and reasons and leave it unrated. */
void tp_verdict_finish(struct tp_verdict *verdict);
/* Append a zeroed reason owned by the verdict, or NULL (no memory). */
struct tp_verdict_reason *tp_verdict_add_reason(struct tp_verdict *verdict);

/* --dtls --enum (scan/dtls_scan.c): versions and suites found with
 * hand-built DTLS ClientHellos, one exchange each. Plain data. */
#define TP_DTLS_MAX_SUITES 192
enum { TP_DTLS_V10 = 0, TP_DTLS_V12, TP_DTLS_V13, TP_DTLS_NVERSIONS };
#define TP_DTLS_MAX_GROUPS 48
#define TP_DTLS_MAX_SIGSCHEMES 48
struct tp_dtls_enum {
    bool run;
    enum tp_tri versions[TP_DTLS_NVERSIONS];
    /* Suites accepted, in the order found, per version (indexed as
     * versions: 1.0, 1.2, 1.3); complete[v] says whether the search ended
     * on a refusal (yes) or was cut short by silence or the deadline
     * (unknown). */
    uint16_t suites[TP_DTLS_NVERSIONS][TP_DTLS_MAX_SUITES];
    size_t n_suites[TP_DTLS_NVERSIONS];
    enum tp_tri complete[TP_DTLS_NVERSIONS];
    enum tp_tri connection_id;     /* the server echoed connection_id (RFC 9146) */
    /* DTLS 1.2 ECDHE groups, in the order found (each read from the
     * ServerKeyExchange), and whether the search ended on a refusal. */
    uint16_t groups[TP_DTLS_MAX_GROUPS];
    size_t n_groups;
    bool groups_searched;          /* false: no ECDHE suite to ask with */
    enum tp_tri groups_complete;
    /* Per suite found: the key exchange size its ServerKeyExchange
     * showed (DHE prime bits, EC group size; 0 unknown) and the group it
     * named (an ECDHE curve, or the RFC 7919 group a DHE prime is; in
     * DTLS 1.3 the ServerHello's or HelloRetryRequest's key_share; 0). */
    unsigned suite_kx_bits[TP_DTLS_NVERSIONS][TP_DTLS_MAX_SUITES];
    uint16_t suite_kx_group[TP_DTLS_NVERSIONS][TP_DTLS_MAX_SUITES];
    /* groups[i] was seen with: bit 0 DTLS 1.0, bit 1 DTLS 1.2, bit 2
     * DTLS 1.3. The DTLS 1.2 FFDHE search (DHE suites, RFC 7919), the
     * DTLS 1.0 ECDHE search and the DTLS 1.3 key_share search add to
     * groups; each says how it ended, as groups_complete. */
    uint8_t group_versions[TP_DTLS_MAX_GROUPS];
    bool ffdhe_searched;           /* false: no DTLS 1.2 DHE suite to ask with */
    enum tp_tri ffdhe_complete;
    bool groups10_searched;        /* false: no DTLS 1.0 ECDHE suite */
    enum tp_tri groups10_complete;
    bool groups13_searched;        /* false: no DTLS 1.3 suite to ask with */
    enum tp_tri groups13_complete;
    /* DTLS 1.2 signature schemes, each read from a ServerKeyExchange, by
     * elimination over signature_algorithms. */
    uint16_t sigschemes[TP_DTLS_MAX_SIGSCHEMES];
    size_t n_sigschemes;
    bool sigschemes_searched;      /* false: no signed DTLS 1.2 suite */
    enum tp_tri sigschemes_complete;
    /* The policy's ratings (grade/policy_dtls.c): owned, freed by
     * tp_report_finish(); unrated until graded. */
    char *policy;
    struct tp_verdict version_verdicts[TP_DTLS_NVERSIONS];
    struct tp_verdict suite_verdicts[TP_DTLS_NVERSIONS][TP_DTLS_MAX_SUITES];
    struct tp_verdict group_verdicts[TP_DTLS_MAX_GROUPS];
    struct tp_verdict sigscheme_verdicts[TP_DTLS_MAX_SIGSCHEMES];
    uint32_t probes;               /* ClientHello exchanges */
    uint32_t datagrams_sent;       /* retries and cookie answers included */
    uint32_t retries;              /* ClientHellos re-sent after silence */
    uint32_t rtt_ms;               /* first answer's round trip, 0 unknown */
    uint32_t retry_timeout_ms;     /* the timer the retries used */
    uint64_t elapsed_us;
    char why[240];                 /* why something stayed unknown, "" if nothing */
};

/* --dtls --timing (run/dtls.c): the handshake's flights as datagrams,
 * and with --link their projection (timing/projection.h, the DTLS model). */
#define TP_DTLS_MAX_FLIGHTS 24
struct tp_dtls_flight {
    char label[40];                /* its first message, e.g. "ClientHello" */
    bool from_server;
    uint32_t bytes;                /* UDP payload */
    uint32_t datagrams;
    uint32_t start_us;             /* its first datagram, after the first ClientHello */
    uint32_t end_us;               /* its last datagram, after the first ClientHello */
    double think_ms;               /* its sender's processing before it, estimated
                                    * (run/dtls.c); 0 for the first */
};
struct tp_dtls_timing {
    bool run;
    struct tp_dtls_flight flights[TP_DTLS_MAX_FLIGHTS];
    size_t n_flights;
    bool truncated;                /* more flights than TP_DTLS_MAX_FLIGHTS */
    bool projected;                /* --link */
    char link[32];
    char link_description[128];
    double total_ms;
    double parts_ms[7];            /* setup, propagation, serialisation, slow-start (0),
                                    * loss, duty-cycle, processing: adds up to total_ms */
    double round_trips;
    uint32_t link_datagrams;       /* after fragmentation at the link MTU */
    bool spurious_retransmissions; /* the link's RTT exceeds the 1 s timer */
    uint32_t timer_copies;         /* flights the timers send again, projected */
    const char *model;             /* static text */
};

/* --dtls: what the datagram exchange showed beyond the handshake's facts
 * (tls/transport.c counts it; RFC 6347, RFC 9147). Plain numbers. */
struct tp_dtls {
    bool used;                     /* the report's handshake ran over DTLS */
    uint32_t mtu;                  /* --mtu given to GnuTLS */
    uint32_t retrans_timeout_ms;   /* initial retransmission timer */
    enum tp_tri cookie_exchange;   /* the server sent a HelloVerifyRequest */
    uint32_t cookie_bytes;         /* its cookie's length */
    uint32_t hello_verify_requests; /* how many arrived */
    uint32_t datagrams_sent, datagrams_received;
    uint32_t retransmissions;      /* our datagrams that repeated a flight */
    uint32_t server_retransmissions; /* the server's repeated flights */
    uint32_t ignored_datagrams;    /* datagrams received that were not DTLS */
    uint32_t first_answer_us;      /* first ClientHello to the first datagram back */
    uint32_t client_hello_bytes;   /* the first ClientHello datagram (UDP payload) */
    uint32_t first_flight_bytes;   /* what the server sent back to it before our next flight */
    double amplification;          /* first_flight_bytes / client_hello_bytes, 0 unknown */
    /* The largest datagram of the server's handshake flight (ServerHello
     * to ServerHelloDone, HelloVerifyRequests aside), 0 none seen; and
     * whether it fit mtu (DTLS has no way to tell a server our MTU: a
     * server fragments to its own). */
    uint32_t server_flight_max_datagram;
    enum tp_tri server_flight_within_mtu;
    enum tp_tri dtls10_accepted;   /* a handshake offering only DTLS 1.0 completed */
    /* RFC 7250: the server presented a raw public key instead of a
     * certificate (no chain, nothing to verify but the key itself). */
    enum tp_tri raw_public_key;
    char rpk_type[16];             /* "EC", "RSA", "Ed25519", ... */
    unsigned rpk_bits;
    char rpk_sha256[65];           /* of the SubjectPublicKeyInfo DER, lowercase hex */
    struct tp_dtls_enum scan;      /* --enum */
    struct tp_dtls_timing timing;  /* --timing */
};

struct tp_report {
    const char *schema;            /* static, TP_JSON_SCHEMA_VERSION */
    struct tp_target target;
    struct tp_attempt *attempts;
    size_t n_attempts;
    struct tp_handshake handshake;
    struct tp_cert *certs;         /* in the order the server sent them */
    size_t n_certs;
    struct tp_verification verification;
    struct tp_other_chain *other_chains; /* the server's other certificates, by key type */
    size_t n_other_chains;
    struct tp_finding *findings;   /* sorted worst first by tp_report_sort_findings */
    size_t n_findings;
    struct tp_failure failure;
    struct tp_dtls dtls;           /* --dtls only (.used) */
    uint64_t elapsed_us;           /* whole run */
    struct tp_scan *scan;          /* --enum results (report/scan_model.h), NULL if not run */
    struct tp_timing *timing;      /* --timing results (report/timing_model.h), NULL if not run */
    struct tp_audit *audit;        /* --read results (report/timing_model.h), NULL if not run */
    struct tp_serve *serve;        /* --serve results (report/serve_model.h), NULL if not run */
    struct tp_vulns *vulns;        /* --vulns results (report/vuln_model.h), NULL if not run */
};

#define TP_JSON_SCHEMA_VERSION "1.0"

void tp_report_init(struct tp_report *report);
void tp_report_finish(struct tp_report *report);

/* Append helpers: each copies its string arguments. */
TP_MUST_CHECK tp_status tp_strlist_push(struct tp_strlist *list, const char *item);
void tp_strlist_finish(struct tp_strlist *list);

TP_MUST_CHECK tp_status tp_report_add_attempt(struct tp_report *report, const char *address,
                                              int family, tp_status result, const char *error,
                                              uint32_t elapsed_ms);
/* Release what one cert holds (as tp_report_finish does for its own). */
void tp_cert_finish(struct tp_cert *cert);
/* Returns a zeroed cert owned by the report, or NULL on allocation failure. */
struct tp_cert *tp_report_add_cert(struct tp_report *report);
/* Returns a zeroed chain owned by the report, or NULL on allocation failure. */
struct tp_other_chain *tp_report_add_other_chain(struct tp_report *report);
/* Release what one other chain holds (tp_report_finish does it for the
 * report's own). */
void tp_other_chain_finish(struct tp_other_chain *chain);
/* Move from's certs and verification into chain, leaving from without them. */
void tp_other_chain_take(struct tp_other_chain *chain, struct tp_report *from);
struct tp_chain_view tp_report_chain_view(const struct tp_report *report);
struct tp_chain_view tp_other_chain_view(const struct tp_other_chain *chain);
TP_MUST_CHECK tp_status tp_report_add_verify_error(struct tp_report *report, const char *code,
                                                   const char *message);
/* Adds a finding from the catalog (severity and reference from there); the
 * message is formatted. Unknown ids are a bug and return TP_E_INTERNAL. */
TP_MUST_CHECK tp_status tp_report_add_finding(struct tp_report *report, const char *id,
                                              const char *fmt, ...) TP_PRINTF(3, 4);
/* Record where and why the run stopped (first call wins). */
TP_MUST_CHECK tp_status tp_report_set_failure(struct tp_report *report, enum tp_stage stage,
                                              tp_status status, const char *message);
void tp_report_sort_findings(struct tp_report *report);
/* Worst severity among findings, or -1 when there are none. */
int tp_report_worst_severity(const struct tp_report *report);

/* Replace *slot (freeing the old value) with a copy of value (NULL allowed). */
TP_MUST_CHECK tp_status tp_set_str(char **slot, const char *value);
/* Replace *slot with a formatted string. */
TP_MUST_CHECK tp_status tp_set_strf(char **slot, const char *fmt, ...) TP_PRINTF(2, 3);

const char *tp_tri_name(enum tp_tri value); /* "yes", "no", "unknown" */
const char *tp_stage_name(enum tp_stage stage); /* "resolve", "connect", "tls", ... */

#endif
