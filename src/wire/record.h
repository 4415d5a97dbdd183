/* record.h: TLS and SSL 2.0 record headers, and handshake reassembly.
 *
 * TLS (RFC 8446 Sec. 5.1, RFC 5246 Sec. 6.2.1):
 *     struct { ContentType type; ProtocolVersion legacy_record_version;
 *              uint16 length; opaque fragment[length]; } TLSPlaintext;
 * RFC 8446 Sec. 5.2 / RFC 5246 Sec. 6.2.3 bound a protected record's length
 * (TLSCiphertext) by 2^14 + 2048, the larger of the two, which is what we
 * accept since we parse records before knowing whether they are protected.
 *
 * SSL 2.0 (draft-hickman-netscape-ssl-00 "Record Header"; RFC 6101 App. E):
 * a 2-byte header when the top bit of the first byte is set (length is the
 * low 15 bits, no padding), otherwise a 3-byte header (length is the low 14
 * bits, bit 6 is IS-ESCAPE, the third byte is PADDING).
 *
 * The handshake reassembler (RFC 8446 Sec. 5.1: "Handshake messages MAY be
 * coalesced into a single TLSPlaintext record or fragmented across several
 * records") takes record fragments in order and yields whole messages. */
#ifndef TP_RECORD_H
#define TP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "wire/handshake.h"
#include "wire/writer.h"

/* ContentType (RFC 8446 Sec. 5.1, RFC 6520 for heartbeat). */
enum {
    TP_CT_CHANGE_CIPHER_SPEC = 20,
    TP_CT_ALERT = 21,
    TP_CT_HANDSHAKE = 22,
    TP_CT_APPLICATION_DATA = 23,
    TP_CT_HEARTBEAT = 24,
};

#define TP_RECORD_HEADER_LEN 5
#define TP_RECORD_MAX_PLAINTEXT 16384u
#define TP_RECORD_MAX_CIPHERTEXT (16384u + 2048u)

/* One TLS record; fragment is borrowed from the parsed buffer. */
typedef struct tp_record {
    uint8_t type;
    uint16_t version;   /* legacy_record_version, as sent */
    uint16_t length;
    const uint8_t *fragment;
} tp_record;

/* Outcome of looking at the front of a buffer that may hold part of a record. */
typedef enum tp_rec_state {
    TP_REC_COMPLETE,  /* a whole record was parsed */
    TP_REC_NEED_MORE, /* the buffer ends inside the record */
} tp_rec_state;

/* Check a 5-byte TLS record header: a known content type, a 3.x version, a
 * length within 2^14 + 2048, and no empty handshake/alert/CCS fragment. */
TP_MUST_CHECK tp_status tp_record_check_header(const uint8_t hdr[TP_RECORD_HEADER_LEN],
                                               tp_record *out, tp_error *err);
/* Parse the record at the front of buf. On TP_OK, *state says whether it was
 * complete (then *used = 5 + length) or the buffer is too short (then *used
 * is the total number of bytes needed, when known, else 0). A bad header is
 * TP_E_PARSE naming the field. */
TP_MUST_CHECK tp_status tp_record_next(const uint8_t *buf, size_t len, tp_record *out,
                                       tp_rec_state *state, size_t *used, tp_error *err);
/* Parse one complete record from rd; truncation is TP_E_PARSE. */
TP_MUST_CHECK tp_status tp_record_read(tp_reader *rd, tp_record *out);

/* Wrap body in records of content type and version, at most max_fragment
 * bytes each (0 means 2^14); an empty body yields one empty record. */
void tp_record_write(tp_writer *wr, uint8_t type, uint16_t version, const uint8_t *body,
                     size_t len, size_t max_fragment);

/* One SSL 2.0 record; data (after the header, padding included) is borrowed. */
typedef struct tp_ssl2_record {
    uint8_t header_len; /* 2 or 3 */
    uint16_t length;    /* RECORD-LENGTH: MAC + data + padding */
    bool is_escape;
    uint8_t padding;
    const uint8_t *data;
} tp_ssl2_record;

/* Like tp_record_next() for an SSL 2.0 record. */
TP_MUST_CHECK tp_status tp_ssl2_record_next(const uint8_t *buf, size_t len, tp_ssl2_record *out,
                                            tp_rec_state *state, size_t *used, tp_error *err);

/* Largest handshake message the reassembler accepts by default: far above
 * any real server's first flight message (a long certificate chain is tens
 * of KiB), far below what a hostile peer could make us hold (2^24). */
#define TP_HS_DEFAULT_MAX_MSG ((size_t)256 * 1024)

/* Caller-owned reassembler: init, feed fragments, take messages, finish.
 * A message returned by tp_hs_reasm_next() borrows the reassembler's buffer
 * and is valid until the next feed, next or finish call. */
typedef struct tp_hs_reasm {
    uint8_t *buf;
    size_t len;      /* bytes held */
    size_t start;    /* first byte not yet returned as a message */
    size_t cap;
    size_t max_msg;  /* largest message body accepted */
} tp_hs_reasm;

void tp_hs_reasm_init(tp_hs_reasm *r, size_t max_msg);
void tp_hs_reasm_finish(tp_hs_reasm *r);
/* Append one handshake record's fragment. */
TP_MUST_CHECK tp_status tp_hs_reasm_feed(tp_hs_reasm *r, const uint8_t *frag, size_t len,
                                         tp_error *err);
/* If a whole message is buffered, fill *msg and set *have; otherwise clear
 * *have. A message longer than max_msg is TP_E_LIMIT. */
TP_MUST_CHECK tp_status tp_hs_reasm_next(tp_hs_reasm *r, tp_hs_msg *msg, bool *have,
                                         tp_error *err);
/* Bytes of a partial message still held (0 at a message boundary). */
size_t tp_hs_reasm_pending(const tp_hs_reasm *r);

#endif
