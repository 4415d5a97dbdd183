/* timing_model.h: plain data for --timing (timeline, repeat statistics,
 * resumption, TLS 1.2 against 1.3, projection onto a link, on-the-wire
 * capture) and for --read (every handshake found in a capture file).
 *
 * timing/ and capture/ fill it; report/timing_text.c and timing_json.c
 * render it. Ownership: everything hangs off the tp_report (report->timing,
 * report->audit) and is freed by tp_timing_destroy() / tp_audit_destroy(),
 * which tp_report_finish() calls. Fixed-size arrays hold what is bounded by
 * the protocol; heap arrays the rest. */
#ifndef TP_TIMING_MODEL_H
#define TP_TIMING_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/model.h"
#include "timing/link.h"
#include "timing/projection.h"

/* ---- one handshake's timeline ---- */

/* Flights kept per handshake; a real handshake has 3 to 6. */
#define TP_TL_MAX_FLIGHTS 16
#define TP_TL_LABEL_MAX 48

struct tp_tl_flight {
    char label[TP_TL_LABEL_MAX];  /* "ClientHello", "ServerHello..Finished", ... */
    enum tp_dir dir;
    double start_ms, end_ms;      /* first and last transfer, from the run's start */
    uint64_t bytes;               /* TLS bytes, record headers included */
    uint32_t records;             /* record headers seen (0 when not parsable) */
    bool post_handshake;          /* after both Finished (TLS 1.3 tickets) */
};

struct tp_timeline {
    bool valid;                   /* at least one flight */
    double dns_ms, connect_ms;    /* < 0: not measured (a capture file) */
    double starttls_ms;           /* --starttls dialogue, connect -> ClientHello; < 0: none */
    struct tp_tl_flight flights[TP_TL_MAX_FLIGHTS];
    size_t n_flights;
    bool more_flights;            /* flights beyond TP_TL_MAX_FLIGHTS were merged */
    uint32_t round_trips;         /* TLS round trips until the handshake completed */
    double handshake_ms;          /* ClientHello sent to both Finished; < 0 incomplete */
    bool complete;                /* both Finished seen */
    uint64_t bytes[2];            /* per tp_dir, every flight */
    uint16_t version;             /* TP_VER_* from the ServerHello, 0 unknown */
    bool hello_retry;             /* a HelloRetryRequest was sent */
    bool resumed;                 /* abbreviated / PSK handshake */
    /* The certificate chain and what the what-if model needs to know. */
    uint64_t certificate_bytes;   /* Certificate message, header included; 0 none */
    bool certificate_estimated;   /* TLS 1.3: computed from the DER sizes */
    double certificate_share;     /* certificate_bytes / all bytes, 0..1 */
    size_t cert_flight;           /* flight holding it; SIZE_MAX none */
    uint32_t server_kx_bytes;     /* SKE (1.2, parsed) or CertificateVerify (1.3, estimated) */
    uint32_t client_kx_bytes;     /* ClientKeyExchange (1.2), 0 unknown */
};

/* ---- --repeat ---- */

enum tp_phase {
    TP_PHASE_DNS,
    TP_PHASE_CONNECT,
    TP_PHASE_FIRST_BYTE,   /* ClientHello sent -> first byte of the server's answer */
    TP_PHASE_SERVER_FLIGHT, /* first -> last byte of the server's first flight */
    TP_PHASE_HANDSHAKE,    /* ClientHello sent -> handshake complete */
    TP_PHASE_TOTAL,        /* DNS start -> handshake complete */
    TP_PHASE_COUNT
};

/* "dns", "connect", "first_byte", "server_flight", "handshake", "total" */
const char *tp_phase_name(enum tp_phase phase);

struct tp_phase_stats {
    size_t n;                     /* 0: no sample */
    double min_ms, median_ms, p95_ms, max_ms, mean_ms;
};

struct tp_series {
    uint32_t runs;                /* handshakes attempted */
    uint32_t failures;
    uint32_t resumed;             /* of the successful ones, how many resumed */
    struct tp_phase_stats phase[TP_PHASE_COUNT];
    struct tp_phase_stats bytes;  /* total bytes per handshake (not ms) */
};

/* ---- TLS 1.2 against TLS 1.3 ---- */

struct tp_version_run {
    uint16_t version;             /* TP_VER_TLS12 or TP_VER_TLS13 */
    bool attempted;
    bool ok;                      /* the server completed a handshake at that version */
    char *error;                  /* why not, when !ok */
    struct tp_timeline tl;
};

/* ---- --capture ---- */

struct tp_cap_packet {
    double t_ms;                  /* from the run's start */
    enum tp_dir dir;
    uint8_t flags;                /* TCP flags (TP_TCP_* in capture/packet.h) */
    uint32_t seq;                 /* relative to the sender's initial sequence number */
    uint32_t len;                 /* TCP payload bytes */
    bool retransmission;
};

struct tp_capture_result {
    bool used;                    /* packets were captured */
    char *interface;
    char *note;                   /* why not used, or a warning; NULL if none */
    char *saved_to;               /* -w FILE */
    char *filter;                 /* the BPF filter finally applied */
    struct tp_cap_packet *packets;
    size_t n_packets;
    bool more_packets;            /* more than were kept */
    double syn_rtt_ms;            /* SYN -> SYN-ACK; < 0 not seen */
    uint32_t retransmissions;
    uint64_t bytes[2];            /* TCP payload per tp_dir */
    uint64_t wire_bytes[2];       /* whole packets per tp_dir */
};

/* ---- everything --timing found ---- */

struct tp_timing {
    struct tp_timeline full;      /* the first full handshake */
    bool has_resumed;             /* --resume ran */
    struct tp_timeline resumed;
    bool resume_offered;          /* the full handshake left state to resume */
    bool resume_accepted;         /* the server accepted it */
    uint32_t repeat;              /* --repeat N (1 = single) */
    struct tp_series full_stats;
    struct tp_series resumed_stats;
    bool has_versions;            /* the server offers both 1.2 and 1.3 */
    struct tp_version_run versions[2]; /* [0] TLS 1.2, [1] TLS 1.3 */
    /* --link */
    bool has_projection;
    struct tp_link link;
    struct tp_projection projection;
    bool has_projection_resumed;
    struct tp_projection projection_resumed;
    struct tp_whatif whatif;
    bool has_whatif;
    char dominant[200];           /* "certificate chain: 3.4 KB, 61 % of bytes" */
    /* --capture */
    bool has_capture;
    struct tp_capture_result capture;
};

void tp_timing_init(struct tp_timing *t);
void tp_timing_finish(struct tp_timing *t);
void tp_capture_result_finish(struct tp_capture_result *c);

/* ---- --read ---- */

/* Capped lists of 16-bit codes as offered, GREASE included. */
#define TP_AU_MAX_CODES 128

struct tp_code_list {
    uint16_t v[TP_AU_MAX_CODES];
    size_t n;                     /* kept */
    size_t total;                 /* offered */
};

struct tp_audit_hs {
    uint64_t stream;              /* TCP stream number in the file, from 1 */
    char client[72], server[72];  /* "addr:port" ("[v6]:port") */
    double start_ms;              /* from the file's first packet */
    /* The client's offer. */
    bool has_client_hello;
    bool ssl2_hello;              /* an SSL 2.0 CLIENT-HELLO */
    uint16_t legacy_version;
    struct tp_code_list versions, suites, groups, key_shares, sigalgs, extensions;
    uint32_t ssl2_kinds;          /* SSL 2.0 cipher kinds offered (only ssl2_hello) */
    char *sni;                    /* as sent */
    struct tp_strlist alpn;
    char ja4[40];                 /* "t13d1516h2_8daaf6152771_b186095e22b6"; "" none */
    /* The server's choice. */
    bool has_server_hello;
    bool hello_retry;
    uint16_t version, suite, group;
    bool resumed;
    struct tp_cert *certs;        /* described through tls_describe_der() */
    size_t n_certs;
    size_t certs_total;           /* in the message (more may be than were kept) */
    uint64_t certificate_bytes;
    /* How it went on the wire. */
    struct tp_timeline tl;
    char *note;                   /* incomplete, cut, malformed: why; NULL if complete */
    struct tp_strlist findings;   /* catalog ids raised by this handshake */
};

struct tp_skip_count {
    const char *reason;           /* static */
    uint64_t count;
};

struct tp_audit {
    char *path;
    uint64_t packets;             /* read from the file */
    uint64_t segments;            /* TCP segments decoded */
    struct tp_skip_count *skipped; /* reasons with a count > 0 */
    size_t n_skipped;
    uint64_t streams;             /* TCP streams seen */
    uint64_t tls_streams;         /* streams that began with a TLS/SSL record */
    /* Handshakes reported. They are not kept here: each one went to the
     * audit's sink (capture/audit.h) as it finished, so memory does not
     * grow with the file. */
    size_t n_hs;
    char *error;                  /* the file ended badly (truncated): partial results */
};

void tp_audit_init(struct tp_audit *a);
void tp_audit_finish(struct tp_audit *a);
void tp_audit_hs_finish(struct tp_audit_hs *h);

#endif
