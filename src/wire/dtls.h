/* dtls.h: DTLS 1.0/1.2 record and handshake headers (RFC 6347), the
 * HelloVerifyRequest, and a summary of one datagram.
 *
 * RFC 6347 Sec. 4.1 (DTLS 1.3 keeps it for plaintext records, RFC 9147
 * Sec. 4):
 *     struct { ContentType type; ProtocolVersion version; uint16 epoch;
 *              uint48 sequence_number; uint16 length;
 *              opaque fragment[DTLSPlaintext.length]; } DTLSPlaintext;
 * RFC 6347 Sec. 4.2.2:
 *     struct { HandshakeType msg_type; uint24 length; uint16 message_seq;
 *              uint24 fragment_offset; uint24 fragment_length;
 *              ... body ... } Handshake;
 * RFC 6347 Sec. 4.2.1:
 *     struct { ProtocolVersion server_version;
 *              opaque cookie<0..2^8-1>; } HelloVerifyRequest;
 *
 * A datagram may hold several records (RFC 6347 Sec. 4.1.1: "Multiple
 * DTLS records may be placed in a single datagram"), and a handshake
 * record several fragments. Parsed values borrow the caller's buffer. */
#ifndef TP_DTLS_H
#define TP_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "wire/reader.h"
#include "wire/writer.h"

#define TP_DTLS_RECORD_HEADER_LEN 13
#define TP_DTLS_HS_HEADER_LEN 12
/* HandshakeType hello_verify_request (RFC 6347 Sec. 4.3.2). */
#define TP_HS_HELLO_VERIFY_REQUEST 3

typedef struct tp_dtls_record {
    uint8_t type;
    uint16_t version;   /* 0xFEFF DTLS 1.0, 0xFEFD 1.2, 0xFEFC 1.3 */
    uint16_t epoch;
    uint64_t seq;       /* 48 bits */
    uint16_t length;
    const uint8_t *fragment;
} tp_dtls_record;

typedef struct tp_dtls_hs_fragment {
    uint8_t msg_type;
    uint32_t length;           /* of the whole message */
    uint16_t message_seq;
    uint32_t fragment_offset;
    uint32_t fragment_length;
    const uint8_t *body;       /* fragment_length bytes */
} tp_dtls_hs_fragment;

typedef struct tp_dtls_hvr {
    uint16_t server_version;
    uint8_t cookie_len;
    const uint8_t *cookie;
} tp_dtls_hvr;

/* Whether version is a DTLS ProtocolVersion (0xFExx, RFC 6347 Sec. 4.1:
 * the one's complement of the version number). */
bool tp_dtls_is_version(uint16_t version);

/* One record from rd: a known content type, a DTLS version, a length
 * within 2^14 + 2048 (RFC 6347 Sec. 4.1 refers to RFC 5246 Sec. 6.2.3)
 * that the datagram holds. TP_E_PARSE naming the field otherwise. */
TP_MUST_CHECK tp_status tp_dtls_record_read(tp_reader *rd, tp_dtls_record *out);

/* One handshake fragment from rd (a plaintext handshake record's
 * fragment may hold several). RFC 6347 Sec. 4.2.3: the fragment must lie
 * within the message (offset + fragment_length <= length). */
TP_MUST_CHECK tp_status tp_dtls_hs_read(tp_reader *rd, tp_dtls_hs_fragment *out);

/* A whole HelloVerifyRequest body (exactly consumed). */
TP_MUST_CHECK tp_status tp_dtls_hvr_parse(const uint8_t *body, size_t len, tp_dtls_hvr *out,
                                          tp_error *err);

/* Reassembly of one handshake message from its fragments (RFC 6347 Sec.
 * 4.2.3: "the receiver MUST buffer [fragments] until it has the entire
 * handshake message"; fragments may come in any order, repeat or
 * overlap). Messages above TP_DTLS_REASM_MAX bytes are refused: the
 * scanner needs only the ServerHello. */
#define TP_DTLS_REASM_MAX 4096u
typedef struct tp_dtls_reasm {
    uint8_t msg_type;          /* the type wanted */
    bool started;              /* a first fragment fixed message_seq and length */
    uint16_t message_seq;
    uint32_t length;
    uint32_t covered;          /* bytes received so far (each counted once) */
    uint8_t body[TP_DTLS_REASM_MAX];
    uint8_t have[TP_DTLS_REASM_MAX]; /* 1 where body holds a received byte */
} tp_dtls_reasm;

void tp_dtls_reasm_init(tp_dtls_reasm *r, uint8_t msg_type);
/* Take f if it is of the wanted type (others are ignored). The first
 * fragment fixes message_seq and length; a later one of the same
 * message_seq with another length is TP_E_PARSE (Sec. 4.2.3 requires
 * every fragment to carry the message's length), one of another
 * message_seq is ignored; a length above TP_DTLS_REASM_MAX is TP_E_LIMIT.
 * *complete once every byte has arrived: body[0..length) is the message. */
TP_MUST_CHECK tp_status tp_dtls_reasm_feed(tp_dtls_reasm *r, const tp_dtls_hs_fragment *f,
                                           bool *complete, tp_error *err);
/* tp_dtls_reasm_feed() over every plaintext (epoch 0) handshake fragment
 * of a datagram; a malformed datagram is TP_E_PARSE. */
TP_MUST_CHECK tp_status tp_dtls_reasm_feed_datagram(tp_dtls_reasm *r, const uint8_t *buf,
                                                    size_t len, bool *complete,
                                                    tp_error *err);

/* One ClientHello datagram (RFC 6347 Sec. 4.2.1, 4.2.2): spec's hello
 * (spec->dtls set, its cookie, its record_version as the record's
 * version) as one unfragmented handshake message of message_seq, in one
 * epoch-0 record of sequence number record_seq. TP_E_LIMIT when it would
 * not fit max_datagram bytes (this builder does not fragment). */
struct tp_ch_spec;
TP_MUST_CHECK tp_status tp_dtls_ch_build(const struct tp_ch_spec *spec, uint16_t message_seq,
                                         uint64_t record_seq, size_t max_datagram,
                                         tp_writer *wr, tp_error *err);

/* What one datagram holds, as far as its plaintext shows. Records of a
 * non-zero epoch are protected: counted, not looked into. */
typedef struct tp_dtls_datagram {
    size_t records;
    size_t protected_records;     /* epoch > 0 */
    size_t protected_alerts;      /* of those, alerts (the type stays visible) */
    size_t hs_fragments;          /* epoch-0 handshake fragments */
    uint16_t min_message_seq;     /* over hs_fragments (valid when > 0) */
    uint16_t max_message_seq;
    uint8_t first_msg_type;       /* of the first fragment */
    uint16_t first_message_seq;   /* of the first fragment */
    uint32_t first_fragment_offset; /* of the first fragment */
    bool has_alert;
    bool has_hvr;                 /* a complete HelloVerifyRequest */
    tp_dtls_hvr hvr;              /* valid when has_hvr */
    uint16_t record_version;      /* of the first record */
    uint8_t alert_level, alert_description; /* the first epoch-0 alert, when has_alert */
    const uint8_t *server_hello;  /* a whole ServerHello body, or NULL */
    size_t server_hello_len;
} tp_dtls_datagram;

/* Parse every record of a datagram and the handshake headers of its
 * plaintext handshake records. Any malformed byte is TP_E_PARSE: a peer's
 * datagram that is not DTLS says so as a whole (RFC 6347 Sec. 4.1.2.7
 * lets a receiver discard such a datagram). */
TP_MUST_CHECK tp_status tp_dtls_datagram_parse(const uint8_t *buf, size_t len,
                                               tp_dtls_datagram *out, tp_error *err);

#endif
