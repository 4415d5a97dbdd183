/* probe.h: one raw probe: connect, send one hand-built ClientHello (or SSL
 * 2.0 CLIENT-HELLO), read until the server's first flight is decisive, close.
 *
 * How a reply becomes an outcome (the decision is here, in one place):
 *   ACCEPTED  a ServerHello, HelloRetryRequest or SSL 2.0 SERVER-HELLO;
 *   REFUSED   an alert, an SSL 2.0 ERROR, or a TCP close (FIN) with no byte
 *             after the ClientHello: many stacks (and sslscan, nmap and
 *             testssl.sh with them) close silently instead of alerting;
 *   UNKNOWN   everything that says nothing about the offer: connect failure,
 *             time-out, reset (RST), bytes that are not TLS, a malformed or
 *             truncated reply, more than PROBE_MAX_BYTES without a decisive
 *             message. A reset is not taken as a refusal: middleboxes and
 *             overloaded servers reset too, and a false "no" is worse than an
 *             honest "unknown". The why says which.
 * An ACCEPTED TLS <= 1.2 reply whose flight ends in an alert or a close
 * before ServerHelloDone is flagged died_after_hello: the server selected a
 * suite it could not complete (scan/plan.h, poisoned picks). */
#ifndef TP_SCAN_PROBE_H
#define TP_SCAN_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"
#include "report/model.h"
#include "scan/plan.h"
#include "util/clock.h"
#include "wire/writer.h"

/* Bytes read per probe at most: a first flight with a long chain is tens
 * of KiB; more than this without a decisive message is a hostile peer. */
#define PROBE_MAX_BYTES ((size_t)64 * 1024)
#define PROBE_MAX_GROUPS 128
#define PROBE_MAX_SIGALGS 96
#define PROBE_MAX_SSL2_KINDS 32
/* Key shares in one TLS 1.3 hello at most (a browser sends two or three). */
#define PROBE_MAX_SHARES 4
/* Bytes of a PSK identity hint kept (RFC 4279 allows 2^16-1; deployed ones
 * are a device or realm name). */
#define PROBE_MAX_PSK_HINT 128

/* psk_key_exchange_modes (RFC 8446 Sec. 4.2.9). */
#define PROBE_PSK_KE 0u     /* PSK-only key establishment */
#define PROBE_PSK_DHE_KE 1u /* PSK with (EC)DHE */

enum probe_kind { PROBE_TLS = 0, PROBE_SSL2 };

struct probe_spec {
    enum probe_kind kind;
    uint16_t version;            /* TP_VER_*: the highest version offered */
    uint16_t suites[PLAN_MAX_CODES];
    size_t n_suites;
    uint16_t groups[PROBE_MAX_GROUPS];
    size_t n_groups;
    uint16_t sigalgs[PROBE_MAX_SIGALGS];
    size_t n_sigalgs;
    bool empty_key_share;        /* TLS 1.3: key_share with no entry (forces HRR) */
    /* TLS 1.3: the key_share entries, in this order, each of its group's
     * real size (wire/keyshare.h: hybrid and ML-KEM shares too); none
     * given: x25519 and secp256r1. Ignored with empty_key_share. */
    uint16_t share_groups[PROBE_MAX_SHARES];
    size_t n_share_groups;
    /* TLS 1.3 without a PSK: pad the hello to at least this many bytes on
     * the wire with a padding extension (RFC 7685), 0: none. Browsers'
     * post-quantum hellos are this big with their other extensions. */
    size_t pad_to;
    bool fallback_scsv;          /* append TLS_FALLBACK_SCSV (RFC 7507) */
    bool deflate;                /* offer DEFLATE(1) before null (RFC 3749) */
    uint8_t max_fragment_length; /* RFC 6066 Sec. 4, 0 = omit */
    uint16_t record_size_limit;  /* RFC 8449, 0 = omit */
    bool heartbeat;              /* RFC 6520 peer_allowed_to_send */
    bool want_flight;            /* TLS <= 1.2: read up to ServerHelloDone */
    /* Shut down our sending side (TCP FIN) right after the hello. A server
     * that handles one connection at a time otherwise holds each accepted
     * probe until our close reaches it, one round trip after its flight;
     * with the FIN queued behind the hello it reads end-of-stream as soon
     * as its flight is out and moves on. A close with no reply byte is then
     * ambiguous (a proxy may give up on a half-closed client): the runner
     * asks again without it. */
    bool half_close;
    /* Half-close too (as half_close) when the connect itself took at least
     * this long (0: never): before the scan has measured the round trip,
     * a probe's own connect shows a slow link. Through a relay or proxy
     * that answers the connect nearby it reads short, and the probe keeps
     * its FIN: no worse than without. */
    uint32_t half_close_connect_ms;
    /* Optional parts to leave out (TP_OFFER_* of report/model.h): the
     * scan's tolerated offer for a server that aborts hellos carrying them
     * (scan/intolerance.h). Of the parts a raw hello carries:
     * extended_master_secret, status_request, record_size_limit,
     * session_ticket, encrypt_then_mac, padding, renegotiation_info. */
    uint32_t omit;
    const char *sni;
    /* TLS 1.3: offer an external PSK (RFC 8446 Sec. 4.2.11) as the last
     * extension, its binder (src/tls/psk.h) over SHA-384 when every suite
     * offered is a SHA-384 one, else SHA-256 (the hash an external PSK
     * has unless agreed otherwise). psk_key NULL: no PSK. */
    const uint8_t *psk_identity;
    size_t psk_identity_len;
    const uint8_t *psk_key;
    size_t psk_key_len;
    bool psk_ke, psk_dhe_ke;     /* the modes offered (at least one with a key) */
};

enum probe_outcome { PROBE_UNKNOWN = 0, PROBE_ACCEPTED, PROBE_REFUSED };

/* --starttls for every probe's connection (net/starttls.h): the dialogue
 * runs after the connect, within the connect budget, and the reply timer
 * starts after it, at the ClientHello, so the scan's RTT is TLS's. */
struct probe_starttls {
    enum tp_starttls proto; /* TP_STARTTLS_NONE: TLS at once */
    const char *host;       /* the service's name (XMPP 'to') */
};

struct probe_result {
    enum probe_outcome outcome;
    char why[200];               /* one line: what was seen */
    bool transport_failure;      /* UNKNOWN from connect, reset or time-out: worth a retry */
    bool reset;                  /* UNKNOWN: reset (RST) before any reply byte */
    bool died_after_hello;       /* ACCEPTED, then an alert or a close mid-flight */
    bool connected;
    bool got_bytes;
    bool half_closed;            /* the probe sent its FIN after the hello (spec.half_close) */
    uint32_t connect_ms;         /* connect() -> established (0 if not connected,
                                  * or connected ahead: probe_run_conn) */
    uint32_t first_byte_ms;      /* ClientHello sent -> first byte (0 if none) */
    uint32_t decisive_ms;        /* ClientHello sent -> decisive reply */
    uint32_t starttls_ms;        /* the STARTTLS dialogue (0 without --starttls) */
    int alert;                   /* description, -1 if none */
    bool hrr;
    uint16_t version;            /* negotiated (ServerHello) */
    uint16_t suite;
    uint8_t compression;
    bool has_group;              /* key_share / HRR group / ECDHE SKE curve */
    uint16_t group;
    size_t key_share_len;        /* TLS 1.3 ServerHello: its share's key_exchange bytes */
    unsigned kx_bits;            /* DHE prime, RSA_EXPORT modulus or EC size */
    bool has_sigalg;             /* TLS 1.2 ServerKeyExchange signature scheme */
    uint16_t sigalg;
    bool renegotiation_info, extended_master_secret, encrypt_then_mac, session_ticket,
        status_request, heartbeat;
    uint8_t max_fragment_length;
    uint16_t record_size_limit;
    size_t n_certs;
    bool psk_accepted;           /* TLS 1.3 ServerHello with pre_shared_key */
    bool has_psk_hint;           /* TLS <= 1.2 PSK ServerKeyExchange */
    char psk_hint[PROBE_MAX_PSK_HINT + 1]; /* as sent, cut at the first NUL or the cap */
    uint32_t ssl2_kinds[PROBE_MAX_SSL2_KINDS];
    size_t n_ssl2_kinds;
    size_t n_ssl2_kinds_total;
};

/* Fill a spec with the defaults for an ordinary probe of version: broad
 * supported_groups and signature_algorithms, no suites yet. */
void probe_spec_defaults(struct probe_spec *spec, uint16_t version, const char *sni);

/* Build the bytes to send for spec into wr. rnd supplies the 32-byte random,
 * the x25519 share, the seed of the other shares' pseudo-random parts and
 * the SSL 2.0 challenge (caller's randomness keeps the builder testable). */
TP_MUST_CHECK tp_status probe_build(const struct probe_spec *spec, const uint8_t rnd[64],
                                    tp_writer *wr, tp_error *err);

/* Run one probe against addr. Never fails: every problem is an UNKNOWN
 * outcome with a why. timeout_ms bounds the wait for the reply (after the
 * ClientHello is sent); connect_ms the TCP connect, and again the STARTTLS
 * dialogue when starttls (may be NULL) asks for one; all end at deadline. */
void probe_run(const struct probe_spec *spec, const struct tp_addr *addr, uint32_t connect_ms,
               uint32_t timeout_ms, tp_deadline deadline, const struct probe_starttls *starttls,
               struct probe_result *out);

/* A TCP connection started ahead of the probe that will use it (the runner
 * connects ahead on slow links, scan/runner.h). */
struct probe_conn {
    int fd;                      /* -1: none; its connect may be in progress */
};

/* Connections a probe starts for the next phase while it waits for its
 * reply, when its own connect shows a link slow enough (scan/runner.h,
 * warm_up): their SYNs travel during this phase's round trip instead of
 * after it. */
#define PROBE_MAX_WARM 16
struct probe_warm {
    unsigned want;               /* at most PROBE_MAX_WARM; 0: none */
    uint32_t slow_ms;            /* only when this probe's connect took this long */
    uint32_t offset_ms;          /* the first start, after the hello is sent */
    uint32_t spacing_ms;         /* between starts */
    int fds[PROBE_MAX_WARM];     /* out: started (connects may be in progress) */
    unsigned n;
};

/* probe_run on use->fd when it holds a connection (the probe takes it:
 * use->fd becomes -1), else on a new one; then, when ahead is not NULL, as
 * soon as the hello (and the FIN) is sent, starts the next probe's
 * connection into ahead->fd (-1 if it could not start). Its SYN travels
 * while this probe waits for its reply, so a chain of probes costs one
 * round trip per step instead of two. connect_ms is 0 in out for a
 * connection started ahead. warm (may be NULL): see struct probe_warm;
 * started after the hello, before the reply is read. */
void probe_run_conn(const struct probe_spec *spec, const struct tp_addr *addr,
                    struct probe_conn *use, struct probe_conn *ahead, struct probe_warm *warm,
                    uint32_t connect_ms,
                    uint32_t timeout_ms, tp_deadline deadline,
                    const struct probe_starttls *starttls, struct probe_result *out);

/* Interpret what the server sent (buf[0..len), closed says whether the
 * peer closed or reset, reset whether it was a reset). Sets outcome and
 * facts; returns true when the reply is decisive. Pure: unit-tested.
 * The transport facts already in *out (connected, got_bytes, half_closed,
 * first_byte_ms) are kept, so *out must be initialised; the rest is
 * overwritten. */
bool probe_interpret(const struct probe_spec *spec, const uint8_t *buf, size_t len, bool closed,
                     bool reset, struct probe_result *out);

#endif
