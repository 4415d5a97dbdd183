/* clienthello.h: build and parse ClientHello messages.
 *
 * TLS (RFC 8446 Sec. 4.1.2; RFC 5246 Sec. 7.4.1.2; SSL 3.0 RFC 6101 Sec. 5.6.1.2):
 *     struct {
 *         ProtocolVersion legacy_version;
 *         Random random;                                  (32 bytes)
 *         opaque legacy_session_id<0..32>;
 *         CipherSuite cipher_suites<2..2^16-2>;
 *         opaque legacy_compression_methods<1..2^8-1>;
 *         Extension extensions<8..2^16-1>;                (absent in SSL 3.0)
 *     } ClientHello;
 * Extensions built and parsed here: server_name (RFC 6066 Sec. 3),
 * max_fragment_length (RFC 6066 Sec. 4), status_request (RFC 6066 Sec. 8),
 * supported_groups (RFC 8446 Sec. 4.2.7), ec_point_formats (RFC 8422 Sec. 5.1.2),
 * signature_algorithms (RFC 8446 Sec. 4.2.3), ALPN (RFC 7301 Sec. 3.1),
 * padding (RFC 7685), encrypt_then_mac (RFC 7366), extended_master_secret
 * (RFC 7627), record_size_limit (RFC 8449), session_ticket (RFC 5077),
 * supported_versions (RFC 8446 Sec. 4.2.1), psk_key_exchange_modes (RFC 8446
 * Sec. 4.2.9), key_share (RFC 8446 Sec. 4.2.8), renegotiation_info (RFC 5746),
 * pre_shared_key (RFC 8446 Sec. 4.2.11, built only):
 *     struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;
 *     opaque PskBinderEntry<32..255>;
 *     struct { PskIdentity identities<7..2^16-1>;
 *              PskBinderEntry binders<33..2^16-1>; } OfferedPsks;
 * always the last extension ("MUST be the last extension in the
 * ClientHello"), its binder zero-filled: the binder is an HMAC over the
 * hello up to the binders (tp_ch_psk_layout says where), which the caller
 * computes and writes in (src/tls/psk.h), keeping this file pure.
 *
 * SSL 2.0 CLIENT-HELLO (draft-hickman-netscape-ssl-00; also the "version 2
 * compatible" hello of RFC 5246 App. E.2):
 *     char MSG-CLIENT-HELLO (1); char CLIENT-VERSION-MSB, -LSB;
 *     char CIPHER-SPECS-LENGTH-MSB, -LSB; char SESSION-ID-LENGTH-MSB, -LSB;
 *     char CHALLENGE-LENGTH-MSB, -LSB;
 *     char CIPHER-SPECS-DATA[] (3 bytes each); SESSION-ID-DATA[]; CHALLENGE-DATA[]
 *
 * The builders are pure: randomness (client random, session id, x25519
 * share, challenge) comes from the caller, so output is reproducible.
 * Parsed hellos BORROW the caller's buffer: every pointer and tp_u16_list in
 * struct tp_client_hello points into it and is valid only while it is. */
#ifndef TP_CLIENTHELLO_H
#define TP_CLIENTHELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "wire/handshake.h"
#include "wire/writer.h"

/* A raw extension appended as given (type and data, no checks). */
typedef struct tp_ch_raw_ext {
    uint16_t type;
    const uint8_t *data;
    size_t len;
} tp_ch_raw_ext;

/* A key share to offer. data == NULL selects the built-in valid share for
 * group: x25519 uses spec->x25519_public; secp256r1 and secp384r1 use the
 * curve's generator G (uncompressed, a valid point); ffdhe2048 uses Y = 2
 * (RFC 8446 Sec. 4.2.8.1 requires 1 < Y < p-1). Other groups need data. */
typedef struct tp_ch_key_share {
    uint16_t group;
    const uint8_t *data;
    size_t len;
} tp_ch_key_share;

typedef struct tp_ch_spec {
    uint16_t record_version;          /* legacy_record_version, e.g. 0x0301 */
    uint16_t legacy_version;          /* client_version, e.g. 0x0303 */
    const uint8_t *random;            /* 32 bytes; required */
    const uint8_t *session_id;        /* 0..32 bytes */
    size_t session_id_len;
    const uint16_t *suites;           /* any 2-byte codes, SCSVs included */
    size_t n_suites;
    const uint8_t *compression;       /* NULL: just null(0) */
    size_t n_compression;
    bool no_extensions;               /* SSL 3.0 style: omit the block */
    const char *sni;                  /* host_name; NULL omits server_name */
    const uint16_t *groups;           /* supported_groups; 0 omits */
    size_t n_groups;
    const uint8_t *ec_point_formats;  /* 0 omits */
    size_t n_ec_point_formats;
    const uint16_t *sigalgs;          /* signature_algorithms; 0 omits */
    size_t n_sigalgs;
    const uint16_t *versions;         /* supported_versions; 0 omits */
    size_t n_versions;
    const tp_ch_key_share *key_shares;/* key_share; omitted unless key_share_ext */
    size_t n_key_shares;
    bool key_share_ext;               /* send key_share, even with no shares */
    const uint8_t *x25519_public;     /* 32 bytes, for a built-in x25519 share */
    const uint8_t *psk_modes;         /* psk_key_exchange_modes; 0 omits */
    size_t n_psk_modes;
    bool renegotiation_info;          /* empty renegotiated_connection */
    bool extended_master_secret;
    bool encrypt_then_mac;
    bool session_ticket;              /* empty ticket */
    bool status_request;              /* OCSP, no responder ids or extensions */
    const char *const *alpn;          /* protocol names; 0 omits */
    size_t n_alpn;
    uint8_t max_fragment_length;      /* 1..4 (2^9..2^12); 0 omits */
    uint16_t record_size_limit;       /* 64..2^14+1; 0 omits */
    const tp_ch_raw_ext *extra;       /* appended after the above */
    size_t n_extra;
    bool padding;                     /* RFC 7685 padding around 256..511 */
    const uint8_t *psk_identity;      /* pre_shared_key with one identity; NULL omits */
    size_t psk_identity_len;          /* 1..2^16-1 */
    uint32_t psk_ticket_age;          /* obfuscated_ticket_age: 0 for an external PSK */
    size_t psk_binder_len;            /* the PSK's Hash.length, 32..255 */
    size_t max_record_fragment;       /* split into records of this size; 0: 2^14 */
    /* DTLS (RFC 6347 Sec. 4.2.1): the cookie<0..2^8-1> field that follows
     * legacy_session_id; wire/dtls.c wraps the message for datagrams. */
    bool dtls;
    const uint8_t *dtls_cookie;
    size_t dtls_cookie_len;           /* 0..255 */
} tp_ch_spec;

/* Append the ClientHello handshake message (header and body) to wr. */
TP_MUST_CHECK tp_status tp_ch_build_message(const tp_ch_spec *spec, tp_writer *wr,
                                            tp_error *err);
/* Where the pre_shared_key binder sits in a message just built, as offsets
 * from the message's first byte (its handshake header): the binder is
 * computed over message[0..truncated_len) (RFC 8446 Sec. 4.2.11.2: "up to
 * and including the PreSharedKeyExtension.identities field") and written
 * at message[binder_at..binder_at + psk_binder_len). */
typedef struct tp_ch_psk_layout {
    size_t truncated_len;
    size_t binder_at;
} tp_ch_psk_layout;

/* tp_ch_build_message(), reporting the binder's place (spec->psk_identity
 * must be set). */
TP_MUST_CHECK tp_status tp_ch_build_message_psk(const tp_ch_spec *spec, tp_writer *wr,
                                                tp_ch_psk_layout *layout, tp_error *err);
/* Append the ClientHello in one or more handshake records to wr. */
TP_MUST_CHECK tp_status tp_ch_build(const tp_ch_spec *spec, tp_writer *wr, tp_error *err);

#define TP_CH_MAX_KEY_SHARES 16
#define TP_CH_MAX_ALPN 16

typedef struct tp_client_hello {
    uint16_t legacy_version;
    const uint8_t *random;            /* 32 bytes */
    const uint8_t *session_id;
    size_t session_id_len;
    tp_u16_list suites;
    const uint8_t *compression;
    size_t n_compression;
    bool has_extensions;              /* the block was present */
    tp_ext_list exts;                 /* in the order sent */
    const uint8_t *sni;               /* host_name, not terminated; NULL if absent */
    size_t sni_len;
    const uint8_t *alpn[TP_CH_MAX_ALPN]; /* protocol names, not terminated */
    uint8_t alpn_len[TP_CH_MAX_ALPN];
    size_t n_alpn;
    tp_u16_list groups;               /* n == 0 if absent */
    const uint8_t *ec_point_formats;
    size_t n_ec_point_formats;
    tp_u16_list sigalgs;
    tp_u16_list versions;             /* supported_versions */
    uint16_t key_share_groups[TP_CH_MAX_KEY_SHARES];
    size_t n_key_shares;
    const uint8_t *psk_modes;         /* psk_key_exchange_modes */
    size_t n_psk_modes;
    bool has_renegotiation_info;
    bool extended_master_secret;
    bool encrypt_then_mac;
    uint8_t max_fragment_length;      /* 0 if absent */
    uint16_t record_size_limit;       /* 0 if absent */
} tp_client_hello;

/* Parse a ClientHello body (after the 4-byte handshake header). Extensions
 * of the types listed in the file comment are checked and decoded; others
 * are kept raw in exts. */
TP_MUST_CHECK tp_status tp_ch_parse(const uint8_t *body, size_t len, tp_client_hello *out,
                                    tp_error *err);

/* SSL 2.0 CLIENT-HELLO. */
typedef struct tp_ssl2_ch_spec {
    uint16_t version;          /* 0x0002 for SSL 2.0; 0x0300+ for a v2-compatible hello */
    const uint32_t *kinds;     /* 3-byte cipher kinds (TLS suites as 0x00XXYY) */
    size_t n_kinds;
    const uint8_t *session_id; /* 0 or 16 bytes */
    size_t session_id_len;
    const uint8_t *challenge;  /* 16..32 bytes */
    size_t challenge_len;
} tp_ssl2_ch_spec;

/* Append the record (2-byte header) holding the CLIENT-HELLO to wr. */
TP_MUST_CHECK tp_status tp_ssl2_ch_build(const tp_ssl2_ch_spec *spec, tp_writer *wr,
                                         tp_error *err);

typedef struct tp_ssl2_client_hello {
    uint16_t version;
    const uint8_t *kinds;      /* n_kinds 3-byte codes */
    size_t n_kinds;
    const uint8_t *session_id;
    size_t session_id_len;
    const uint8_t *challenge;
    size_t challenge_len;
} tp_ssl2_client_hello;

/* Parse a CLIENT-HELLO message (the record's data, starting at MSG-CLIENT-HELLO). */
TP_MUST_CHECK tp_status tp_ssl2_ch_parse(const uint8_t *msg, size_t len,
                                         tp_ssl2_client_hello *out, tp_error *err);
uint32_t tp_ssl2_kind_at(const uint8_t *kinds, size_t i);

#endif
