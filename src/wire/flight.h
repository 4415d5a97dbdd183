/* flight.h: classify what a server sent so far in reply to a ClientHello.
 *
 * The first server flight (RFC 5246 Sec. 7.3, Fig. 1; RFC 8446 Sec. 2):
 *     TLS <= 1.2: ServerHello, Certificate*, ServerKeyExchange*,
 *                 CertificateRequest*, ServerHelloDone   (all unencrypted)
 *     TLS 1.3:    ServerHello (or HelloRetryRequest), then only encrypted
 *                 records (and possibly a compatibility change_cipher_spec)
 *     SSL 2.0:    SERVER-HELLO or ERROR (draft-hickman-netscape-ssl-00)
 * or an Alert (RFC 8446 Sec. 6) instead.
 *
 * A raw probe calls tp_flight_classify() with everything received so far,
 * each time more bytes arrive, until the kind is no longer NEED_MORE (or
 * until flight_complete, when it also wants Certificate and
 * ServerKeyExchange). Each call re-parses from the first byte: flights are a
 * few KiB, and it makes the result independent of how the bytes arrived.
 *
 * Handshake messages are reassembled into a buffer the tp_flight owns; the
 * parsed structs BORROW it (and the input buffer) until the next classify
 * or tp_flight_finish(). */
#ifndef TP_FLIGHT_H
#define TP_FLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "wire/alert.h"
#include "wire/certificate.h"
#include "wire/serverhello.h"
#include "wire/ske.h"
#include "wire/ssl2.h"

typedef enum tp_flight_kind {
    TP_FLIGHT_NEED_MORE,         /* nothing decisive yet */
    TP_FLIGHT_SERVER_HELLO,      /* sh parsed; see flight_complete */
    TP_FLIGHT_HELLO_RETRY,       /* sh.is_hrr; sh.key_share_group is the selected group */
    TP_FLIGHT_ALERT,             /* alert before any ServerHello */
    TP_FLIGHT_SSL2_SERVER_HELLO, /* ssl2 parsed */
    TP_FLIGHT_SSL2_ERROR,        /* ssl2_error */
    TP_FLIGHT_NOT_TLS,           /* the first bytes are not a TLS/SSL record */
    TP_FLIGHT_MALFORMED,         /* error holds the reason naming the field */
} tp_flight_kind;

/* Most handshake bytes a flight may hold (a long chain is tens of KiB). */
#define TP_FLIGHT_MAX_HANDSHAKE ((size_t)256 * 1024)

typedef struct tp_flight {
    tp_flight_kind kind;
    tp_error error;            /* for MALFORMED (status TP_E_PARSE or TP_E_LIMIT) */
    size_t used;               /* input bytes in complete records examined */

    tp_server_hello sh;
    bool flight_complete;      /* ServerHelloDone seen, or the rest is encrypted */
    bool server_hello_done;    /* ServerHelloDone seen (before any alert) */
    bool has_certificate;
    tp_certificate certificate;
    bool has_ske;
    tp_ske ske;                /* parsed when the suite's kx has a known layout */
    const uint8_t *ske_body;   /* raw body, always set with has_ske */
    size_t ske_len;
    bool ske_parsed;           /* ske holds a parse; else ske_error says why not */
    tp_error ske_error;
    bool certificate_request;
    bool certificate_status;   /* RFC 6066 Sec. 8 CertificateStatus seen */
    bool change_cipher_spec;
    bool has_alert;            /* alert seen (kind ALERT, or after the ServerHello) */
    tp_alert alert;
    uint8_t warning_alerts;    /* warnings skipped before the ServerHello */
    tp_alert last_warning;

    tp_ssl2_server_hello ssl2;
    uint16_t ssl2_error;

    uint8_t *hs;               /* owned: concatenated handshake fragments */
    size_t hs_cap;
} tp_flight;

void tp_flight_init(tp_flight *f);
void tp_flight_finish(tp_flight *f);
/* Classify buf[0..len). Returns TP_OK for every classification, MALFORMED
 * and NOT_TLS included; only TP_E_NOMEM is returned as a failure. */
TP_MUST_CHECK tp_status tp_flight_classify(tp_flight *f, const uint8_t *buf, size_t len);
/* "need-more", "server-hello", ... */
const char *tp_flight_kind_name(tp_flight_kind kind);

#endif
