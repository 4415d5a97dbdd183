/* handshake.h: pieces shared by the handshake message parsers and builders.
 *
 * RFC 8446 Sec. 4 / RFC 5246 Sec. 7.4: every handshake message is
 *     struct { HandshakeType msg_type; uint24 length; <body> } Handshake;
 * RFC 8446 Sec. 4.2 / RFC 5246 Sec. 7.4.1.4: an extension block is
 *     Extension extensions<0..2^16-1>;
 *     struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; } Extension;
 *
 * Parsed views borrow the caller's buffer: no pointer here owns memory, and
 * each is valid only while that buffer is. */
#ifndef TP_HANDSHAKE_H
#define TP_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "wire/reader.h"

/* HandshakeType (RFC 8446 Sec. 4, RFC 5246 Sec. 7.4). */
enum {
    TP_HS_HELLO_REQUEST = 0,
    TP_HS_CLIENT_HELLO = 1,
    TP_HS_SERVER_HELLO = 2,
    TP_HS_NEW_SESSION_TICKET = 4,
    TP_HS_ENCRYPTED_EXTENSIONS = 8,
    TP_HS_CERTIFICATE = 11,
    TP_HS_SERVER_KEY_EXCHANGE = 12,
    TP_HS_CERTIFICATE_REQUEST = 13,
    TP_HS_SERVER_HELLO_DONE = 14,
    TP_HS_CERTIFICATE_VERIFY = 15,
    TP_HS_CLIENT_KEY_EXCHANGE = 16,
    TP_HS_FINISHED = 20,
    TP_HS_CERTIFICATE_STATUS = 22,
};

/* ExtensionType values this module builds or interprets. */
enum {
    TP_EXT_SERVER_NAME = 0,
    TP_EXT_MAX_FRAGMENT_LENGTH = 1,
    TP_EXT_STATUS_REQUEST = 5,
    TP_EXT_SUPPORTED_GROUPS = 10,
    TP_EXT_EC_POINT_FORMATS = 11,
    TP_EXT_SIGNATURE_ALGORITHMS = 13,
    TP_EXT_ALPN = 16,
    TP_EXT_PADDING = 21,
    TP_EXT_ENCRYPT_THEN_MAC = 22,
    TP_EXT_EXTENDED_MASTER_SECRET = 23,
    TP_EXT_RECORD_SIZE_LIMIT = 28,
    TP_EXT_SESSION_TICKET = 35,
    TP_EXT_PRE_SHARED_KEY = 41,
    TP_EXT_SUPPORTED_VERSIONS = 43,
    TP_EXT_COOKIE = 44,
    TP_EXT_PSK_KEY_EXCHANGE_MODES = 45,
    TP_EXT_KEY_SHARE = 51,
    TP_EXT_RENEGOTIATION_INFO = 0xff01,
};

/* Named groups with a built-in key share (RFC 8446 Sec. 4.2.7). */
enum {
    TP_GROUP_SECP256R1 = 0x0017,
    TP_GROUP_SECP384R1 = 0x0018,
    TP_GROUP_X25519 = 0x001d,
    TP_GROUP_FFDHE2048 = 0x0100,
};

/* A vector of 2-byte big-endian codes (cipher suites, groups, signature
 * schemes, versions), borrowed from the message. */
typedef struct tp_u16_list {
    const uint8_t *p;
    size_t n; /* number of codes; p holds 2 * n bytes */
} tp_u16_list;

static inline uint16_t tp_u16_list_at(const tp_u16_list *list, size_t i)
{
    return (uint16_t)((list->p[2 * i] << 8) | list->p[2 * i + 1]);
}

/* One extension: type and borrowed extension_data. */
typedef struct tp_ext_view {
    uint16_t type;
    const uint8_t *data;
    size_t len;
} tp_ext_view;

/* Most extensions a parsed hello keeps. Real ClientHellos carry about 20;
 * more is treated as a limit, not as malformed. */
#define TP_MAX_EXTENSIONS 64

typedef struct tp_ext_list {
    tp_ext_view ext[TP_MAX_EXTENSIONS];
    size_t n;
} tp_ext_list;

/* A handshake message from a reassembled stream: type and borrowed body. */
typedef struct tp_hs_msg {
    uint8_t type;
    const uint8_t *body;
    size_t len;
} tp_hs_msg;

/* Parse extensions<0..2^16-1> from rd (which must hold exactly the block)
 * into out, rejecting duplicates (RFC 8446 Sec. 4.2). */
TP_MUST_CHECK tp_status tp_ext_list_parse(tp_reader *rd, const char *msg, tp_ext_list *out);
/* The extension of type, or NULL. */
const tp_ext_view *tp_ext_find(const tp_ext_list *list, uint16_t type);

/* Read a vector of 2-byte codes with a 16-bit (width 2) or 8-bit (width 1)
 * length in min..max bytes; an odd byte count is an error naming field. */
TP_MUST_CHECK tp_status tp_rd_u16_list(tp_reader *rd, const char *field, size_t width,
                                       size_t min, size_t max, tp_u16_list *out);

/* Split one handshake message off the front of rd: header plus body. */
TP_MUST_CHECK tp_status tp_hs_msg_read(tp_reader *rd, tp_hs_msg *out);

#endif
