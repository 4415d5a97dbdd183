/* serve.h: the server side of --serve (src/serve/ drives it). GnuTLS stays
 * behind this header: the test CA, the certificates of the battery's cases
 * (made in memory at start), and one server handshake per connection with
 * what the client did about it.
 *
 * The certificates are test material: some are broken on purpose (that is
 * the point), and RSA-1024 keys and SHA-1 signatures are made with the
 * flags that allow them. Nothing here writes a file except
 * tls_serve_ca_write(). */
#ifndef TP_TLS_SERVE_H
#define TP_TLS_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/clock.h"
#include "util/err.h"

/* ---- the test CA (serve_pki.c) ---- */

struct tls_serve_ca;

/* Load the CA the device trusts: a PEM certificate (a CA: basicConstraints
 * CA:TRUE) and its PEM private key. TP_E_USAGE names the file that cannot
 * be read or does not hold what it should, or a key that is not the
 * certificate's. */
TP_MUST_CHECK tp_status tls_serve_ca_load(const char *cert_file, const char *key_file,
                                          struct tls_serve_ca **out, tp_error *err);
/* A new CA (RSA-2048, SHA-256, ten years) for this run. */
TP_MUST_CHECK tp_status tls_serve_ca_generate(struct tls_serve_ca **out, tp_error *err);
/* Write the certificate (PEM) to cert_path and the key (PEM, mode 0600) to
 * key_path, replacing neither: an existing file is TP_E_IO. */
TP_MUST_CHECK tp_status tls_serve_ca_write(const struct tls_serve_ca *ca, const char *cert_path,
                                           const char *key_path, tp_error *err);
/* The CA's subject DN into *out (heap). */
TP_MUST_CHECK tp_status tls_serve_ca_subject(const struct tls_serve_ca *ca, char **out);
void tls_serve_ca_destroy(struct tls_serve_ca *ca);

/* What a case presents. Every leaf is issued for the host name given to
 * tls_serve_creds_build() (a DNS name, or an IP address SAN for an IP
 * literal) unless its recipe says otherwise. */
enum tls_cert_recipe {
    TLS_CERT_VALID,         /* leaf signed by the CA: what a device must accept */
    TLS_CERT_EXPIRED,       /* notAfter 30 days ago */
    TLS_CERT_NOT_YET_VALID, /* notBefore in 30 days */
    TLS_CERT_SELF_SIGNED,   /* the leaf signs itself */
    TLS_CERT_WRONG_HOST,    /* issued for wrong-host.tlsprobe.invalid */
    TLS_CERT_UNTRUSTED,     /* a CA of our own, not the device's, issued it */
    TLS_CERT_NOT_CA,        /* issued by a leaf (basicConstraints CA:FALSE) of the CA */
    TLS_CERT_WRONG_EKU,     /* extendedKeyUsage clientAuth only */
    TLS_CERT_BAD_SIGNATURE, /* the CA's name and key id, signed with another key */
    TLS_CERT_RSA1024,       /* a 1024-bit RSA leaf key */
    TLS_CERT_SHA1,          /* signed by the CA with SHA-1 */
    TLS_CERT_COUNT
};

/* A chain and its key, ready to serve. */
struct tls_serve_creds;

/* Build recipe's chain for host (the leaf keys are made once and kept in
 * ca for the next cases). TP_E_UNSUPPORTED when this GnuTLS cannot
 * make it (err says why: the case is then "unavailable"); TP_E_NOMEM. */
TP_MUST_CHECK tp_status tls_serve_creds_build(struct tls_serve_ca *ca,
                                              enum tls_cert_recipe recipe, const char *host,
                                              struct tls_serve_creds **out, tp_error *err);
void tls_serve_creds_destroy(struct tls_serve_creds *c);

/* Whether GnuTLS can serve with priority (it parses, and leaves at least
 * one cipher suite): TP_E_UNSUPPORTED with the reason otherwise. */
TP_MUST_CHECK tp_status tls_serve_priority_check(const char *priority, tp_error *err);

/* ---- one connection (serve_session.c) ---- */

/* How the handshake ended. */
enum tls_serve_end {
    TLS_SERVE_DONE,         /* the handshake completed */
    TLS_SERVE_ALERT,        /* the client sent a fatal alert */
    TLS_SERVE_NO_COMMON,    /* nothing in common with what we serve (version, suite) */
    TLS_SERVE_CLOSED,       /* the client closed (or reset) without an alert */
    TLS_SERVE_TIMEOUT,      /* the client went silent */
    TLS_SERVE_ERROR,        /* anything else: message says what */
};

/* What happened after a completed handshake, within the data wait. */
enum tls_serve_after {
    TLS_AFTER_NONE,         /* the handshake did not complete */
    TLS_AFTER_DATA,         /* application data arrived */
    TLS_AFTER_IDLE,         /* nothing arrived, the connection stayed open */
    TLS_AFTER_ALERT,        /* an alert (close_notify included) */
    TLS_AFTER_CLOSED,       /* closed or reset without an alert */
};

struct tls_serve_result {
    enum tls_serve_end end;
    enum tls_serve_after after;
    int alert;               /* alert received (handshake or after), -1 none */
    const char *alert_name;  /* static, NULL none */
    uint16_t version;        /* TP_VER_* negotiated, 0 before ServerHello */
    uint16_t suite;          /* code point negotiated, 0 unknown */
    uint64_t app_bytes;      /* application data received (counted to a cap) */
    uint64_t bytes_in, bytes_out;
    double handshake_ms;     /* connection accepted -> handshake done; < 0 not done */
    char message[300];       /* one line: what happened */
};

/* Serve one connection on fd (non-blocking is not required; the transport
 * makes it so): the client's first bytes were already read into
 * first/first_len and are replayed to GnuTLS before the socket. The
 * handshake is bounded by deadline; then application data is awaited for
 * data_wait_ms (also bounded by deadline), and answered with farewell
 * (NULL: nothing; a STARTTLS protocol's "closing" reply) before our
 * close_notify. The socket stays open (the caller closes it). TP_E_NOMEM,
 * or TP_E_USAGE for a priority GnuTLS refuses; everything the client did
 * is in out, not a failure. */
TP_MUST_CHECK tp_status tls_serve_connection(int fd, const uint8_t *first, size_t first_len,
                                             const struct tls_serve_creds *creds,
                                             const char *priority, tp_deadline deadline,
                                             uint32_t data_wait_ms, const char *farewell,
                                             struct tls_serve_result *out, tp_error *err);

#endif
