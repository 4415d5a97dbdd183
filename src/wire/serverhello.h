/* serverhello.h: parse ServerHello and HelloRetryRequest.
 *
 * RFC 8446 Sec. 4.1.3 (TLS 1.3) and RFC 5246 Sec. 7.4.1.3 (TLS 1.2 and
 * earlier; SSL 3.0 RFC 6101 Sec. 5.6.1.3 is the same without extensions):
 *     struct {
 *         ProtocolVersion legacy_version;
 *         Random random;                                 (32 bytes)
 *         opaque legacy_session_id_echo<0..32>;
 *         CipherSuite cipher_suite;
 *         uint8 legacy_compression_method;
 *         Extension extensions<6..2^16-1>;               (may be absent <= 1.2)
 *     } ServerHello;
 * A HelloRetryRequest is a ServerHello whose random is SHA-256("HelloRetryRequest")
 * (RFC 8446 Sec. 4.1.3); its key_share holds only the selected group
 * (Sec. 4.2.8). The last 8 bytes of a ServerHello random may carry the TLS
 * 1.3 downgrade sentinel "DOWNGRD" + 01 or 00 (Sec. 4.1.3).
 *
 * The parsed struct BORROWS the caller's buffer: every pointer in it points
 * into the message and is valid only while that buffer is. */
#ifndef TP_SERVERHELLO_H
#define TP_SERVERHELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "wire/handshake.h"

typedef enum tp_downgrade {
    TP_DOWNGRADE_NONE = 0,
    TP_DOWNGRADE_TLS12, /* 44 4F 57 4E 47 52 44 01: server negotiated TLS 1.2 */
    TP_DOWNGRADE_TLS11, /* 44 4F 57 4E 47 52 44 00: TLS 1.1 or below */
} tp_downgrade;

typedef struct tp_server_hello {
    uint16_t legacy_version;
    uint16_t version;             /* selected version: supported_versions, else legacy_version */
    const uint8_t *random;        /* 32 bytes */
    const uint8_t *session_id;
    size_t session_id_len;
    uint16_t cipher_suite;
    uint8_t compression;
    bool is_hrr;                  /* HelloRetryRequest */
    tp_downgrade downgrade;
    bool has_extensions;
    tp_ext_list exts;
    bool has_supported_versions;
    bool has_key_share;
    uint16_t key_share_group;     /* server share's group, or HRR selected_group */
    const uint8_t *key_share;     /* server share key_exchange; NULL in an HRR */
    size_t key_share_len;
    bool has_cookie;              /* HRR cookie (RFC 8446 Sec. 4.2.2) */
    bool has_pre_shared_key;      /* the server accepted an offered PSK */
    uint16_t psk_selected_identity; /* its index in our identities (RFC 8446 Sec. 4.2.11) */
    bool has_renegotiation_info;
    const uint8_t *renegotiated_connection;
    size_t renegotiated_connection_len;
    bool extended_master_secret;
    bool encrypt_then_mac;
    bool session_ticket;
    bool status_request;
    bool has_ec_point_formats;
    const uint8_t *alpn;          /* the one selected protocol, not terminated */
    size_t alpn_len;
    uint8_t max_fragment_length;  /* 1..4, 0 if absent */
    uint16_t record_size_limit;   /* 0 if absent */
} tp_server_hello;

/* Parse a ServerHello body (after the 4-byte handshake header). */
TP_MUST_CHECK tp_status tp_sh_parse(const uint8_t *body, size_t len, tp_server_hello *out,
                                    tp_error *err);

/* True if random (32 bytes) is the HelloRetryRequest value. */
bool tp_sh_random_is_hrr(const uint8_t *random);

#endif
