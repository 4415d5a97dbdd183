/* vuln_tls.h: the GnuTLS parts of the vulnerability checks (src/vuln/):
 * the RSA public key of a DER certificate (ROBOT encrypts its malformed
 * premaster secrets to it) and a client-initiated renegotiation. */
#ifndef TP_VULN_TLS_H
#define TP_VULN_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/config.h"
#include "util/clock.h"
#include "util/err.h"

/* The modulus and public exponent of the RSA key in a DER certificate,
 * big-endian without leading zero bytes, in caller-freed buffers. A
 * certificate that does not parse or holds no RSA key is TP_E_PARSE. */
TP_MUST_CHECK tp_status tls_rsa_public_key(const uint8_t *der, size_t len, uint8_t **n,
                                           size_t *n_len, uint8_t **e, size_t *e_len,
                                           tp_error *err);

enum tls_reneg_outcome {
    TLS_RENEG_UNKNOWN = 0, /* the first handshake failed, or the socket did */
    TLS_RENEG_ACCEPTED,    /* a second handshake completed on the connection */
    TLS_RENEG_REFUSED,     /* alert, close, or no answer within the wait */
    TLS_RENEG_NO_TLS12,    /* TLS 1.2 and earlier refused: nothing to renegotiate */
};

struct tls_reneg_result {
    enum tls_reneg_outcome outcome;
    bool secure;           /* the first handshake negotiated RFC 5746 */
    bool ignored;          /* refused by silence (no answer within the wait) */
    char why[200];
};

/* On a connected socket: a TLS <= 1.2 handshake (no certificate check:
 * only the server's renegotiation is of interest), then a renegotiation
 * started by us (RFC 5246 Sec. 7.4.1.1: a new ClientHello on the
 * connection), waiting at most wait_ms for it. Legacy renegotiation
 * (without RFC 5746) is allowed, so that a server lacking RFC 5746 shows
 * whether it renegotiates anyway. */
void tls_try_renegotiation(int fd, const struct tp_config *cfg, const char *sni,
                           tp_deadline deadline, uint32_t wait_ms, struct tls_reneg_result *out);

enum tls_early_outcome {
    TLS_EARLY_UNKNOWN = 0,  /* the handshake failed (why says) */
    TLS_EARLY_ACCEPTED,     /* resumed, and the server took our 0-RTT data */
    TLS_EARLY_REJECTED,     /* resumed without 0-RTT (RFC 8446 Sec. 4.2.10) */
    TLS_EARLY_NOT_RESUMED,  /* a full handshake: the ticket was refused */
};

struct tls_early_result {
    enum tls_early_outcome outcome;
    char why[200];
};

/* On a connected socket: a TLS 1.3 resumption with state (from
 * tls_handshake_report_resumable(), a TLS 1.3 session) sending data as
 * early data (RFC 8446 Sec. 4.2.10), and whether the server accepted it. */
void tls_try_early_data(int fd, const struct tp_config *cfg, const char *sni,
                        tp_deadline deadline, const uint8_t *state, size_t state_len,
                        const uint8_t *data, size_t n, struct tls_early_result *out);

#endif
