/* certificate.h: parse the Certificate handshake message.
 *
 * TLS 1.2 and earlier (RFC 5246 Sec. 7.4.2; SSL 3.0 RFC 6101 Sec. 5.6.2):
 *     opaque ASN.1Cert<1..2^24-1>;
 *     struct { ASN.1Cert certificate_list<0..2^24-1>; } Certificate;
 * TLS 1.3 (RFC 8446 Sec. 4.4.2):
 *     struct { opaque cert_data<1..2^24-1>; Extension extensions<0..2^16-1>; } CertificateEntry;
 *     struct { opaque certificate_request_context<0..2^8-1>;
 *              CertificateEntry certificate_list<0..2^24-1>; } Certificate;
 *
 * Every entry is checked; the first TP_CERT_MAX are kept as DER slices that
 * BORROW the caller's buffer (valid only while it is). */
#ifndef TP_CERTIFICATE_H
#define TP_CERTIFICATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Real chains have 2-4 certificates; 16 keeps room for misconfigured ones. */
#define TP_CERT_MAX 16

typedef struct tp_cert_entry {
    const uint8_t *der;
    size_t len;
    const uint8_t *extensions; /* TLS 1.3 entry extensions block (no length prefix) */
    size_t extensions_len;
} tp_cert_entry;

typedef struct tp_certificate {
    const uint8_t *context;    /* TLS 1.3 certificate_request_context */
    size_t context_len;
    tp_cert_entry certs[TP_CERT_MAX];
    size_t n;                  /* kept: min(n_total, TP_CERT_MAX) */
    size_t n_total;            /* entries in the message */
} tp_certificate;

/* Parse a Certificate body (after the handshake header); tls13 selects the
 * RFC 8446 layout. */
TP_MUST_CHECK tp_status tp_cert_parse(const uint8_t *body, size_t len, bool tls13,
                                      tp_certificate *out, tp_error *err);

#endif
