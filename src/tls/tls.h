/* tls.h: the handshake report, done with GnuTLS. This directory is the only
 * place that includes GnuTLS headers.
 *
 * tls_handshake_report() runs one client handshake on a connected socket
 * and fills, in report:
 *   - handshake: every field of struct tp_handshake it can learn;
 *   - certs: the chain in the order the server sent it;
 *   - verification: trust (system store or cfg->ca_file), hostname match
 *     (RFC 6125, IP literals against IP SANs), chain order/completeness and
 *     stable error codes;
 *   - failure (stage TLS, with the alert when one was received) if the
 *     handshake did not complete.
 * It never prints and never exits. The socket stays open (caller closes).
 * It honours the overall deadline for every read and write. */
#ifndef TP_TLS_H
#define TP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "cli/config.h"
#include "report/model.h"
#include "util/clock.h"
#include "util/err.h"

/* One transfer on the handshake socket, reported as it happens: every
 * successful send() of a flight (or part of one) and every successful
 * recv(), timestamped with tp_now_ns(). A timing model can group these into
 * flights (direction changes) and sum bytes per flight without touching
 * GnuTLS. data/data_len show the start of what moved (all of it for a
 * receive; the first buffer of a gathered send), valid only during the
 * call. The TLS 1.3 ticket read and the close_notify after the handshake
 * are reported too; bytes read only to describe a non-TLS peer are not. */
enum tls_io_dir { TLS_IO_SEND = 0, TLS_IO_RECV = 1 };

struct tls_io_event {
    uint64_t t_ns;          /* monotonic, after the transfer returned */
    enum tls_io_dir dir;
    size_t bytes;
    const uint8_t *data;
    size_t data_len;        /* <= bytes */
    /* A send's whole vector (the bytes moved are the first `bytes` of the
     * buffers' concatenation), so a timing model can parse every record
     * header of a gathered flight; NULL and 0 for a receive. */
    const struct iovec *iov;
    int iovcnt;
};

/* The hook must not do I/O on the socket or block. */
typedef void (*tls_io_hook_fn)(void *ctx, const struct tls_io_event *event);

struct tls_io_hook {
    tls_io_hook_fn fn;      /* NULL: no hook */
    void *ctx;
};

/* Returns TP_OK when the handshake completed; TP_E_TLS or TP_E_TIMEOUT (with
 * report->failure filled and err describing it in one line) when it did not;
 * TP_E_USAGE for a bad --priority or unreadable --ca-file; TP_E_NOMEM. */
TP_MUST_CHECK tp_status tls_handshake_report(int fd, const struct tp_config *cfg,
                                             const char *sni, tp_deadline deadline,
                                             struct tp_report *report, tp_error *err);

/* The same, calling hook (may be NULL) for every transfer on fd. */
TP_MUST_CHECK tp_status tls_handshake_report_hooked(int fd, const struct tp_config *cfg,
                                                    const char *sni, tp_deadline deadline,
                                                    const struct tls_io_hook *hook,
                                                    struct tp_report *report, tp_error *err);

/* Session resumption (RFC 5077 tickets and TLS 1.2 session IDs, RFC 8446
 * Sec. 2.2 PSK). in/in_len: the state saved by an earlier handshake with
 * the same server, offered for resumption (NULL: a full handshake). After
 * a completed handshake (and, in TLS 1.3, the ticket read) out/out_len hold
 * this session's state for a later resumption (heap, free() it; NULL when
 * the server gave nothing to resume), and resumed says whether the server
 * accepted the offered state. */
struct tls_resume {
    const uint8_t *in;
    size_t in_len;
    uint8_t *out;
    size_t out_len;
    bool resumed;
};

/* tls_handshake_report_hooked() with resumption; resume may be NULL. */
TP_MUST_CHECK tp_status tls_handshake_report_resumable(int fd, const struct tp_config *cfg,
                                                       const char *sni, tp_deadline deadline,
                                                       const struct tls_io_hook *hook,
                                                       struct tls_resume *resume,
                                                       struct tp_report *report, tp_error *err);

/* The server's other certificates. A server may hold one certificate per
 * key type (nginx, Apache and OpenSSL's -cert/-dcert: RSA + ECDSA) and send
 * whichever the client's signature algorithms allow; a client offering
 * only another key type's algorithms is sent that other chain. */
enum {
    TLS_KEYS_RSA = 1u << 0,   /* RSA and RSA-PSS keys */
    TLS_KEYS_ECDSA = 1u << 1,
    TLS_KEYS_EDDSA = 1u << 2, /* Ed25519, Ed448 */
    TLS_KEYS_ALL = (1u << 3) - 1u,
};

/* The family (TLS_KEYS_*) of a tp_cert key_type ("RSA", "EC", "Ed25519",
 * ...); 0 for any other (DSA, unknown). */
unsigned tls_key_family(const char *key_type);

/* One handshake on the connected fd offering only the signature algorithms
 * (and, for TLS 1.2 and older, the key exchanges) of the key families in
 * the set families, within the version range or --priority of cfg. On
 * TP_OK, out (zeroed by the caller) holds the chain the server sent, its
 * verification (as for the report's own chain), key_type the family of
 * its leaf's key ("RSA", "ECDSA", "EdDSA", else the key type itself) and
 * selected_by the offer. TP_E_TLS or TP_E_TIMEOUT when the server sent no
 * chain (it holds no such certificate), with err saying why; TP_E_NOMEM;
 * TP_E_USAGE for a --priority GnuTLS rejects. */
TP_MUST_CHECK tp_status tls_other_chain(int fd, const struct tp_config *cfg, const char *sni,
                                        tp_deadline deadline, unsigned families,
                                        struct tp_other_chain *out, tp_error *err);
/* The same with our FIN right behind the ClientHello (tls_offer's
 * fin_after_hello): the chain comes with the server's flight, and the
 * handshake's end (which the FIN prevents) decides nothing here. *answered
 * is false when nothing at all came back (no chain, no alert): a peer that
 * may have given up on the FIN; ask again with tls_other_chain. */
TP_MUST_CHECK tp_status tls_other_chain_flight(int fd, const struct tp_config *cfg,
                                               const char *sni, tp_deadline deadline,
                                               unsigned families, struct tp_other_chain *out,
                                               bool *answered, tp_error *err);

/* The default offer narrowed for a server that aborts it (run/diagnose.c):
 * omit holds TP_OFFER_* parts (report/model.h) to leave out. */
struct tls_offer {
    uint32_t omit;
    /* Our end of stream (TCP FIN) as soon as the ClientHello is out: for
     * a handshake that only wants the server's flight (tls_other_chain),
     * so that a server serving one connection at a time ends it once its
     * flight is sent instead of holding it (and every other) a round trip
     * for our next message. What GnuTLS sends after the FIN is dropped
     * (tls/transport.c), so that it reads the whole flight (TLS 1.3's
     * Certificate comes after our compatibility ChangeCipherSpec); the
     * handshake then fails at the server's close, or ends without the
     * server having seen our Finished; what the flight showed is kept. */
    bool fin_after_hello;
    bool aborted;   /* out: the handshake failed because the server ended it
                     * (a fatal alert, a close or a reset); not for a
                     * time-out, a peer that is not TLS or a local failure */
};

/* The parts of cfg's offer that this GnuTLS can leave out:
 * extended_master_secret (%NO_SESSION_HASH), status_request (GnuTLS 3.7
 * has no flag of its own for it: GNUTLS_NO_EXTENSIONS, which in 3.7 drops
 * status_request and extended_master_secret only), session_ticket
 * (GNUTLS_NO_TICKETS, psk_key_exchange_modes with it), encrypt_then_mac
 * (%NO_ETM), renegotiation_info (%DISABLE_SAFE_RENEGOTIATION), ALPN when
 * --alpn asks for it, and the TLS 1.3 offer when TLS 1.2 is in range and
 * no --priority overrides the versions. Not record_size_limit: GnuTLS 3.7
 * always sends it (an internal extension cannot be overridden away). */
uint32_t tls_offer_parts(const struct tp_config *cfg);

/* tls_handshake_report() with offer (may be NULL: the default offer). */
TP_MUST_CHECK tp_status tls_handshake_report_offer(int fd, const struct tp_config *cfg,
                                                   const char *sni, tp_deadline deadline,
                                                   struct tls_offer *offer,
                                                   struct tp_report *report, tp_error *err);

/* --dtls: one more handshake on the connected UDP socket fd offering
 * version only (TP_VER_DTLS10 or TP_VER_DTLS12), within deadline.
 * *accepted: yes when it completed, no when the server refused it with an
 * alert, unknown when no answer came. TP_E_NOMEM or TP_E_USAGE only. */
TP_MUST_CHECK tp_status tls_dtls_version_accepted(int fd, const struct tp_config *cfg,
                                                  const char *sni, tp_deadline deadline,
                                                  uint16_t version, enum tp_tri *accepted,
                                                  tp_error *err);

/* Describe one DER certificate taken from elsewhere (a capture file) as
 * tls_handshake_report() describes the peer's: subject, issuer, key,
 * validity against now, fingerprint. A certificate GnuTLS cannot parse
 * keeps its fingerprint and size only (not a failure). TP_E_NOMEM only. */
TP_MUST_CHECK tp_status tls_describe_der(const uint8_t *der, size_t len, int64_t now,
                                         struct tp_cert *cert);

/* Check --ca-file before any network work, so that a bad file is a usage
 * error (exit 2) whatever the network does: TP_E_USAGE naming the file when
 * it cannot be read or holds no certificate; TP_OK when unset. */
TP_MUST_CHECK tp_status tls_check_ca_file(const struct tp_config *cfg, tp_error *err);

/* Check --cert/--key the same way: readable, a certificate and its key, and
 * the key belongs to the leaf; TP_E_USAGE otherwise, TP_OK when unset. */
TP_MUST_CHECK tp_status tls_check_credentials(const struct tp_config *cfg, tp_error *err);

/* Library-wide set-up and tear-down (gnutls_global_init/deinit). */
TP_MUST_CHECK tp_status tls_global_init(tp_error *err);
void tls_global_finish(void);

#endif
