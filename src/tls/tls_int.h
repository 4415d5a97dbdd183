/* tls_int.h: shared between the files of src/tls/ only (it includes GnuTLS,
 * which nothing outside this directory may do).
 *
 *   transport.c  push/pull over the non-blocking socket, bounded by the
 *                deadline, with an optional per-I/O event hook;
 *   chain.c      peer certificates -> struct tp_cert;
 *   verify.c     trust store, path validation, hostname, chain shape;
 *   session.c    priority, credentials, the handshake and its facts;
 *   others.c     the server's other certificates (one key type at a time). */
#ifndef TP_TLS_INT_H
#define TP_TLS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "cli/config.h"
#include "report/model.h"
#include "tls/tls.h"
#include "util/clock.h"
#include "util/err.h"

/* ---- transport.c ---------------------------------------------------- */

/* How many of the peer's first bytes we keep, to say what a non-TLS peer
 * sent ("SSH-2.0-...", "HTTP/1.1 400 ..."). */
#define TLS_PEEK_MAX 96

/* The socket as GnuTLS sees it. Reads and writes block (with poll()) until
 * they can proceed or the deadline passes; the socket itself stays
 * non-blocking so no call can outlive the deadline. */
struct tls_transport {
    int fd;
    gnutls_session_t session;     /* for gnutls_transport_set_errno() */
    tp_deadline deadline;         /* every wait ends here */
    struct tls_io_hook hook;      /* .fn NULL = no hook */

    int last_errno;               /* errno of the last failed send/recv */
    bool timed_out;               /* a wait reached the deadline */
    bool eof;                     /* the peer closed its side */
    bool fin_after_hello;         /* shut our side once the hello is out (tls_offer) */
    bool fin_sent;
    uint64_t bytes_in, bytes_out;
    uint64_t first_send_ns;       /* when the ClientHello left; 0 = not yet */
    uint8_t peek[TLS_PEEK_MAX];   /* first bytes received, in order */
    size_t peek_len;
    /* Bytes already taken from the socket (--serve read the ClientHello
     * itself), handed to GnuTLS before anything new; borrowed. */
    const uint8_t *replay;
    size_t replay_len, replay_off;

    /* --dtls (dtls_observe.c): each send and receive is one datagram;
     * NULL over TCP. */
    struct tp_dtls *dtls;
    struct tls_dtls_track {
        bool client_seen;         /* a handshake datagram was sent */
        uint16_t next_client_seq; /* one past the highest message_seq sent */
        uint16_t first_hello_seq; /* message_seq of our first ClientHello */
        bool first_flight_open;   /* still counting the server's first flight */
        bool past_hello;          /* we sent a handshake message after ClientHello */
        bool server_seen;         /* since our last new flight */
        uint64_t server_high;     /* highest message_seq << 24 | offset since then */
        bool refused;             /* the peer broke a cap (HelloVerifyRequest flood) */
    } track;
};

void tls_transport_init(struct tls_transport *t, int fd, tp_deadline deadline,
                        const struct tls_io_hook *hook);
/* Replay data (borrowed, must outlive the session) before the socket. */
void tls_transport_replay(struct tls_transport *t, const uint8_t *data, size_t len);
/* Install t as session's transport (push, vec_push, pull, pull_timeout). */
void tls_transport_attach(struct tls_transport *t, gnutls_session_t session);
/* --dtls (GnuTLS non-blocking): wait until a datagram arrives or ms pass
 * (never past the deadline: then timed_out). 1 ready, 0 not, -1 error. */
int tls_transport_wait_readable(struct tls_transport *t, unsigned ms);
/* After a failed handshake: read what the peer sent beyond what GnuTLS
 * consumed, waiting at most wait_ms (and never past the deadline), so that
 * peek holds enough to describe a non-TLS peer. Bytes go to peek only. */
void tls_transport_fill_peek(struct tls_transport *t, uint32_t wait_ms);

/* ---- serve_pki.c ---------------------------------------------------- */

struct tls_serve_creds;
gnutls_certificate_credentials_t tls_serve_creds_get(const struct tls_serve_creds *c);

/* ---- dtls_observe.c ------------------------------------------------ */

/* More HelloVerifyRequests than this in one handshake is a flood: a
 * server that means it accepts the cookie it sent (RFC 6347 Sec. 4.2.1). */
#define TLS_DTLS_MAX_HVR 4u

struct tls_failure;

/* One datagram sent (dir TLS_IO_SEND) or received, for t->dtls. Returns
 * false when the peer broke a cap, and the transfer must fail. */
bool tls_dtls_observe(struct tls_transport *t, enum tls_io_dir dir, const uint8_t *data,
                      size_t len);
/* The DTLS side of a failed handshake in words (no answer, ICMP port
 * unreachable, a HelloVerifyRequest flood); false when none applies. */
bool tls_dtls_describe_failure(const struct tls_transport *t, int rc, struct tls_failure *out);

/* ---- dtls_rawpk.c ---------------------------------------------------- */

/* RFC 7250: when the server's certificate type is a raw public key, fill
 * report->dtls.raw_public_key and the key's type, size and fingerprint
 * (else raw_public_key stays no, or unknown before the type was agreed).
 * TP_E_NOMEM only. */
TP_MUST_CHECK tp_status tls_dtls_raw_key(gnutls_session_t session, struct tp_report *report);

/* ---- chain.c -------------------------------------------------------- */

/* The peer's certificates as parsed X.509 objects, in the order sent. An
 * entry is NULL when that certificate could not be parsed. */
struct tls_chain {
    gnutls_x509_crt_t *crts;
    size_t count;
};

/* Parse the DER certificates in peers[0..n) into chain and describe each
 * one in report->certs (as far as it parses; a malformed one keeps at least
 * its fingerprint). TP_E_NOMEM only; bad certificates are not failures. */
TP_MUST_CHECK tp_status tls_chain_load(const gnutls_datum_t *peers, size_t n, int64_t now,
                                       struct tls_chain *chain, struct tp_report *report);
void tls_chain_finish(struct tls_chain *chain);

/* ---- session.c ------------------------------------------------------ */

/* tls_handshake_report_resumable() with restrict_to (GnuTLS priority
 * syntax, e.g. ":-SIGN-ALL:+SIGN-ECDSA-SHA256") appended to the offer;
 * NULL appends nothing. */
TP_MUST_CHECK tp_status tls_handshake_report_within(int fd, const struct tp_config *cfg,
                                                    const char *sni, tp_deadline deadline,
                                                    const struct tls_io_hook *hook,
                                                    struct tls_resume *resume,
                                                    const char *restrict_to,
                                                    struct tp_report *report, tp_error *err);

/* tls_handshake_report_within() with offer (tls.h; NULL: the default). */
TP_MUST_CHECK tp_status tls_handshake_report_offered(int fd, const struct tp_config *cfg,
                                                     const char *sni, tp_deadline deadline,
                                                     const char *restrict_to,
                                                     struct tls_offer *offer,
                                                     struct tp_report *report, tp_error *err);

/* ---- psk_session.c ---------------------------------------------------- */

/* --psk-identity and --psk-key were both given. */
bool tls_psk_configured(const struct tp_config *cfg);
/* The key exchanges to append to a built-in priority ("" without a PSK). */
const char *tls_psk_priority_suffix(const struct tp_config *cfg);
/* PSK client credentials for cfg's key; *out stays NULL without one. */
TP_MUST_CHECK tp_status tls_psk_credentials(const struct tp_config *cfg,
                                            gnutls_psk_client_credentials_t *out,
                                            tp_error *err);
/* hs->psk from the session (offered, identity, hint; with a completed
 * handshake whether the PSK was used and with which key exchange). */
TP_MUST_CHECK tp_status tls_psk_facts(gnutls_session_t session, const struct tp_config *cfg,
                                      struct tp_handshake *hs);

/* ---- facts.c -------------------------------------------------------- */

/* Fill the negotiated parameters of report->handshake from a session whose
 * handshake completed (version, suite, group, signature, ALPN, session
 * resumption, extensions' outcomes). */
TP_MUST_CHECK tp_status tls_facts_fill(gnutls_session_t session, struct tp_handshake *hs);
/* The protocol version GnuTLS settled on (TP_VER_*), 0 before ServerHello. */
/* Name the suite of a ServerHello by its code point (the registry's IANA
 * name, else the hex code) when GnuTLS cannot say yet. */
TP_MUST_CHECK tp_status tls_facts_suite_code(uint16_t code, struct tp_handshake *hs);
uint16_t tls_facts_version(gnutls_session_t session);
/* The negotiated suite's code point, 0 when unknown. */
uint16_t tls_facts_suite(gnutls_session_t session);
/* The stapled OCSP response (RFC 6066 Sec. 8, RFC 6960): "good" or
 * "revoked" only when it is about leaf and its signature verifies with
 * issuer; "invalid" otherwise. leaf and issuer may be NULL (-> invalid). */
TP_MUST_CHECK tp_status tls_facts_ocsp(gnutls_session_t session, gnutls_x509_crt_t leaf,
                                       gnutls_x509_crt_t issuer, struct tp_handshake *hs);

/* Copy name into *slot in lowercase (GnuTLS "SECP256R1" -> "secp256r1"). */
TP_MUST_CHECK tp_status tls_set_lower(char **slot, const char *name);

/* ---- failure.c ------------------------------------------------------ */

/* Why a handshake (or the read right after it) failed, in words. */
struct tls_failure {
    tp_status status;       /* TP_E_TLS or TP_E_TIMEOUT */
    int alert;              /* alert number received, or -1 */
    const char *alert_name; /* static, or NULL */
    bool aborted;           /* the server ended it: a fatal alert, a close or a
                             * reset (not a time-out, nor a peer that is not TLS) */
    char message[400];
};

/* Classify GnuTLS error rc, using what the transport saw (peer's first
 * bytes, timeout, reset, close). May read a few more bytes to describe a
 * non-TLS peer (bounded by the deadline). */
void tls_failure_classify(int rc, gnutls_session_t session, struct tls_transport *t,
                          struct tls_failure *out);
/* RFC 8446 Sec. 6 / RFC 5246 Sec. 7.2 name of an alert ("handshake_failure"),
 * or NULL when unassigned. */
const char *tls_alert_rfc_name(int alert);

/* ---- verify.c ------------------------------------------------------- */

/* The trust anchors: the system store, or only cfg->ca_file when given;
 * loaded once per process and shared (give it back with
 * tls_trust_release()). TP_E_USAGE when the CA file cannot be read or
 * holds no certificate. */
TP_MUST_CHECK tp_status tls_trust_load(const struct tp_config *cfg,
                                       gnutls_x509_trust_list_t *out, size_t *anchors,
                                       tp_error *err);
void tls_trust_release(gnutls_x509_trust_list_t list);
/* Frees the shared anchors; called by tls_global_finish(). */
void tls_trust_finish(void);

/* The issuer of chain->crts[0]: a sent certificate, else a trust anchor;
 * NULL if neither. Borrowed from chain or trust. */
gnutls_x509_crt_t tls_leaf_issuer(const struct tls_chain *chain,
                                  gnutls_x509_trust_list_t trust);
/* A stapled OCSP response said "revoked": record it as a verification
 * error and the chain as untrusted. */
TP_MUST_CHECK tp_status tls_verify_note_revoked(struct tp_report *report);

/* Fill report->verification from chain (whose entries match report->certs
 * one for one): trust, hostname (against name), order, completeness, and
 * the stable error codes listed in verify.c. */
TP_MUST_CHECK tp_status tls_verify_report(const struct tls_chain *chain,
                                          gnutls_x509_trust_list_t trust, size_t anchors,
                                          const struct tp_config *cfg, const char *name,
                                          int64_t now, struct tp_report *report);

/* --cert/--key (client_cert.c): the chain as GnuTLS pcerts, leaf first,
 * and its key; all zero when no --cert was given. */
struct tls_client_cert {
    gnutls_pcert_st *pcerts;
    unsigned n_pcerts;
    gnutls_privkey_t key;
};

/* Load cfg's --cert/--key (nothing when unset). TP_E_USAGE names the file
 * that cannot be read, holds no certificate or key, or a key that does not
 * match the leaf. */
TP_MUST_CHECK tp_status tls_client_cert_load(const struct tp_config *cfg,
                                             struct tls_client_cert *cc, tp_error *err);
void tls_client_cert_finish(struct tls_client_cert *cc);
/* The leaf's subject DN into *out (NULL without a certificate). */
TP_MUST_CHECK tp_status tls_client_cert_subject(const struct tls_client_cert *cc, char **out);

#endif
