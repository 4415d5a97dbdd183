/* record.c: TLS records (RFC 8446 Sec. 5.1-5.2, RFC 5246 Sec. 6.2), SSL 2.0
 * records (draft-hickman-netscape-ssl-00) and handshake reassembly. See
 * record.h. */
#include "wire/record.h"

#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

static tp_status check_type(uint8_t type, tp_error *err)
{
    /* RFC 8446 Sec. 5: "If a TLS implementation receives an unexpected
     * record type, it MUST terminate the connection". */
    if (type < TP_CT_CHANGE_CIPHER_SPEC || type > TP_CT_HEARTBEAT)
        return tp_fail(err, TP_E_PARSE, "record content type %u is not a TLS content type",
                       type);
    return TP_OK;
}

static tp_status check_major(uint8_t major, tp_error *err)
{
    /* RFC 5246 Sec. 6.2.1: the record version is {3, minor}; RFC 8446
     * ignores the value otherwise, so the minor is not checked. */
    if (major != 3)
        return tp_fail(err, TP_E_PARSE, "record legacy_record_version major %u is not 3",
                       major);
    return TP_OK;
}

tp_status tp_record_check_header(const uint8_t hdr[TP_RECORD_HEADER_LEN], tp_record *out,
                                 tp_error *err)
{
    TP_TRY(check_type(hdr[0], err));
    TP_TRY(check_major(hdr[1], err));
    uint16_t length = (uint16_t)((hdr[3] << 8) | hdr[4]);
    /* RFC 5246 Sec. 6.2.3: "The length MUST NOT exceed 2^14 + 2048." */
    if (length > TP_RECORD_MAX_CIPHERTEXT)
        return tp_fail(err, TP_E_PARSE, "record length %u exceeds 2^14 + 2048", length);
    /* RFC 5246 Sec. 6.2.1: "Implementations MUST NOT send zero-length
     * fragments of Handshake, Alert, or ChangeCipherSpec content types." */
    if (length == 0 && hdr[0] != TP_CT_APPLICATION_DATA && hdr[0] != TP_CT_HEARTBEAT)
        return tp_fail(err, TP_E_PARSE, "record length 0 for content type %u", hdr[0]);
    out->type = hdr[0];
    out->version = (uint16_t)((hdr[1] << 8) | hdr[2]);
    out->length = length;
    out->fragment = NULL;
    return TP_OK;
}

tp_status tp_record_next(const uint8_t *buf, size_t len, tp_record *out, tp_rec_state *state,
                         size_t *used, tp_error *err)
{
    /* Judge what has arrived before waiting for the rest, so that a peer
     * speaking another protocol is recognised from its first bytes. */
    if (len >= 1)
        TP_TRY(check_type(buf[0], err));
    if (len >= 2)
        TP_TRY(check_major(buf[1], err));
    if (len < TP_RECORD_HEADER_LEN) {
        *state = TP_REC_NEED_MORE;
        *used = TP_RECORD_HEADER_LEN;
        return TP_OK;
    }
    TP_TRY(tp_record_check_header(buf, out, err));
    size_t total = TP_RECORD_HEADER_LEN + (size_t)out->length;
    *used = total;
    if (len < total) {
        *state = TP_REC_NEED_MORE;
        return TP_OK;
    }
    out->fragment = buf + TP_RECORD_HEADER_LEN;
    *state = TP_REC_COMPLETE;
    return TP_OK;
}

tp_status tp_record_read(tp_reader *rd, tp_record *out)
{
    const uint8_t *hdr;
    TP_TRY(tp_rd_bytes(rd, "record header", TP_RECORD_HEADER_LEN, &hdr));
    TP_TRY(tp_record_check_header(hdr, out, rd->err));
    return tp_rd_bytes(rd, "record fragment", out->length, &out->fragment);
}

void tp_record_write(tp_writer *wr, uint8_t type, uint16_t version, const uint8_t *body,
                     size_t len, size_t max_fragment)
{
    if (max_fragment == 0 || max_fragment > TP_RECORD_MAX_PLAINTEXT)
        max_fragment = TP_RECORD_MAX_PLAINTEXT;
    size_t off = 0;
    do {
        size_t n = len - off < max_fragment ? len - off : max_fragment;
        tp_wr_u8(wr, type);
        tp_wr_u16(wr, version);
        tp_wr_u16(wr, (uint16_t)n);
        tp_wr_bytes(wr, body + off, n);
        off += n;
    } while (off < len);
}

tp_status tp_ssl2_record_next(const uint8_t *buf, size_t len, tp_ssl2_record *out,
                              tp_rec_state *state, size_t *used, tp_error *err)
{
    if (len < 2) {
        *state = TP_REC_NEED_MORE;
        *used = 2;
        return TP_OK;
    }
    /* draft-hickman "Record Header": "If the most significant bit is set
     * in the first byte of the record length code then the record has no
     * padding and the total header length will be 2 bytes, otherwise the
     * record has padding and the total header length will be 3 bytes." */
    bool two = (buf[0] & 0x80) != 0;
    out->header_len = two ? 2 : 3;
    out->length = two ? (uint16_t)(((buf[0] & 0x7f) << 8) | buf[1])
                      : (uint16_t)(((buf[0] & 0x3f) << 8) | buf[1]);
    out->is_escape = !two && (buf[0] & 0x40) != 0;
    out->padding = 0;
    out->data = NULL;
    if (len < out->header_len) {
        *state = TP_REC_NEED_MORE;
        *used = out->header_len;
        return TP_OK;
    }
    if (!two)
        out->padding = buf[2];
    if (out->length == 0)
        return tp_fail(err, TP_E_PARSE, "SSLv2 record length 0");
    /* The padding is part of RECORD-LENGTH, so it cannot exceed it. */
    if (out->padding > out->length)
        return tp_fail(err, TP_E_PARSE, "SSLv2 record padding %u exceeds record length %u",
                       out->padding, out->length);
    size_t total = (size_t)out->header_len + out->length;
    *used = total;
    if (len < total) {
        *state = TP_REC_NEED_MORE;
        return TP_OK;
    }
    out->data = buf + out->header_len;
    *state = TP_REC_COMPLETE;
    return TP_OK;
}

void tp_hs_reasm_init(tp_hs_reasm *r, size_t max_msg)
{
    memset(r, 0, sizeof *r);
    r->max_msg = max_msg != 0 ? max_msg : TP_HS_DEFAULT_MAX_MSG;
}

void tp_hs_reasm_finish(tp_hs_reasm *r)
{
    if (r == NULL)
        return;
    free(r->buf);
    memset(r, 0, sizeof *r);
}

size_t tp_hs_reasm_pending(const tp_hs_reasm *r)
{
    return r->len - r->start;
}

tp_status tp_hs_reasm_feed(tp_hs_reasm *r, const uint8_t *frag, size_t len, tp_error *err)
{
    /* Drop what was already handed out, so the buffer holds at most one
     * partial message plus this fragment. */
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->len - r->start);
        r->len -= r->start;
        r->start = 0;
    }
    if (len == 0)
        return TP_OK;
    /* Cap what is held at one maximal message plus one record: anything
     * beyond would have been rejected by tp_hs_reasm_next() already. */
    size_t limit = r->max_msg + 4 + TP_RECORD_MAX_CIPHERTEXT;
    if (len > limit - r->len)
        return tp_fail(err, TP_E_LIMIT, "handshake data exceeds %zu bytes", limit);
    if (r->len + len > r->cap) {
        size_t cap = r->cap != 0 ? r->cap : 4096;
        while (cap < r->len + len)
            cap *= 2;
        uint8_t *p = realloc(r->buf, cap);
        if (p == NULL)
            return tp_fail(err, TP_E_NOMEM, "out of memory reassembling handshake");
        r->buf = p;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, frag, len);
    r->len += len;
    return TP_OK;
}

tp_status tp_hs_reasm_next(tp_hs_reasm *r, tp_hs_msg *msg, bool *have, tp_error *err)
{
    *have = false;
    size_t left = r->len - r->start;
    if (left < 4)
        return TP_OK;
    const uint8_t *p = r->buf + r->start;
    size_t body = ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | p[3];
    if (body > r->max_msg)
        return tp_fail(err, TP_E_LIMIT, "handshake message type %u of %zu bytes exceeds %zu",
                       p[0], body, r->max_msg);
    if (left - 4 < body)
        return TP_OK;
    msg->type = p[0];
    msg->body = p + 4;
    msg->len = body;
    r->start += 4 + body;
    *have = true;
    return TP_OK;
}
