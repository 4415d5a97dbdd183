/* dtls.c: DTLS record and handshake headers, the HelloVerifyRequest and
 * a datagram's summary (see dtls.h for the structures, RFC 6347 Sec.
 * 4.1, 4.2.1, 4.2.2). */
#include "wire/dtls.h"

#include <string.h>

#include "wire/clienthello.h"
#include "wire/record.h"
#include "util/banned.h"

bool tp_dtls_is_version(uint16_t version)
{
    /* DTLS 1.0 0xFEFF, 1.2 0xFEFD, 1.3 0xFEFC (RFC 9147 Sec. 5.3). */
    return (version >> 8) == 0xFE;
}

static bool known_content_type(uint8_t type)
{
    return type >= TP_CT_CHANGE_CIPHER_SPEC && type <= TP_CT_HEARTBEAT;
}

tp_status tp_dtls_record_read(tp_reader *rd, tp_dtls_record *out)
{
    uint16_t seq_hi = 0;
    uint32_t seq_lo = 0;
    memset(out, 0, sizeof *out);
    TP_TRY(tp_rd_u8(rd, "DTLS record type", &out->type));
    if (!known_content_type(out->type))
        return tp_fail(rd->err, TP_E_PARSE, "DTLS record: unknown content type %u",
                       (unsigned)out->type);
    TP_TRY(tp_rd_u16(rd, "DTLS record version", &out->version));
    if (!tp_dtls_is_version(out->version))
        return tp_fail(rd->err, TP_E_PARSE, "DTLS record: version 0x%04x is not DTLS",
                       (unsigned)out->version);
    TP_TRY(tp_rd_u16(rd, "DTLS record epoch", &out->epoch));
    TP_TRY(tp_rd_u16(rd, "DTLS record sequence_number", &seq_hi));
    TP_TRY(tp_rd_u32(rd, "DTLS record sequence_number", &seq_lo));
    out->seq = (uint64_t)seq_hi << 32 | seq_lo;
    TP_TRY(tp_rd_u16(rd, "DTLS record length", &out->length));
    if (out->length > TP_RECORD_MAX_CIPHERTEXT)
        return tp_fail(rd->err, TP_E_PARSE, "DTLS record: length %u exceeds 2^14 + 2048",
                       (unsigned)out->length);
    return tp_rd_bytes(rd, "DTLS record fragment", out->length, &out->fragment);
}

tp_status tp_dtls_hs_read(tp_reader *rd, tp_dtls_hs_fragment *out)
{
    memset(out, 0, sizeof *out);
    TP_TRY(tp_rd_u8(rd, "DTLS handshake msg_type", &out->msg_type));
    TP_TRY(tp_rd_u24(rd, "DTLS handshake length", &out->length));
    TP_TRY(tp_rd_u16(rd, "DTLS handshake message_seq", &out->message_seq));
    TP_TRY(tp_rd_u24(rd, "DTLS handshake fragment_offset", &out->fragment_offset));
    TP_TRY(tp_rd_u24(rd, "DTLS handshake fragment_length", &out->fragment_length));
    /* u24 + u24 cannot overflow 32 bits. */
    if (out->fragment_offset + out->fragment_length > out->length)
        return tp_fail(rd->err, TP_E_PARSE,
                       "DTLS handshake: fragment %u+%u lies beyond the message length %u",
                       (unsigned)out->fragment_offset, (unsigned)out->fragment_length,
                       (unsigned)out->length);
    return tp_rd_bytes(rd, "DTLS handshake fragment", out->fragment_length, &out->body);
}

tp_status tp_dtls_hvr_parse(const uint8_t *body, size_t len, tp_dtls_hvr *out, tp_error *err)
{
    tp_reader rd, cookie;
    memset(out, 0, sizeof *out);
    tp_rd_init(&rd, body, len, err);
    TP_TRY(tp_rd_u16(&rd, "HelloVerifyRequest server_version", &out->server_version));
    /* RFC 6347 Sec. 4.2.1: opaque cookie<0..2^8-1> (RFC 4347 had <0..32>;
     * DTLS 1.2 widened it). */
    TP_TRY(tp_rd_sub_u8(&rd, "HelloVerifyRequest cookie", 0, 255, &cookie));
    out->cookie_len = (uint8_t)tp_rd_left(&cookie);
    TP_TRY(tp_rd_bytes(&cookie, "HelloVerifyRequest cookie", out->cookie_len, &out->cookie));
    return tp_rd_expect_end(&rd, "HelloVerifyRequest");
}

static void note_fragment(tp_dtls_datagram *out, const tp_dtls_hs_fragment *f)
{
    if (out->hs_fragments == 0) {
        out->first_msg_type = f->msg_type;
        out->first_message_seq = f->message_seq;
        out->first_fragment_offset = f->fragment_offset;
        out->min_message_seq = f->message_seq;
        out->max_message_seq = f->message_seq;
    }
    if (f->message_seq < out->min_message_seq)
        out->min_message_seq = f->message_seq;
    if (f->message_seq > out->max_message_seq)
        out->max_message_seq = f->message_seq;
    out->hs_fragments++;
}

/* The handshake fragments of one plaintext record. */
static tp_status parse_handshake_record(const tp_dtls_record *rec, tp_dtls_datagram *out,
                                        tp_error *err)
{
    tp_reader rd;
    tp_rd_init(&rd, rec->fragment, rec->length, err);
    if (rec->length == 0)
        return tp_fail(err, TP_E_PARSE, "DTLS handshake record is empty");
    while (tp_rd_left(&rd) > 0) {
        tp_dtls_hs_fragment f;
        TP_TRY(tp_dtls_hs_read(&rd, &f));
        note_fragment(out, &f);
        bool whole = f.fragment_offset == 0 && f.fragment_length == f.length;
        if (f.msg_type == TP_HS_SERVER_HELLO && whole && out->server_hello == NULL) {
            out->server_hello = f.body;
            out->server_hello_len = f.fragment_length;
        }
        if (f.msg_type == TP_HS_HELLO_VERIFY_REQUEST && whole) {
            TP_TRY(tp_dtls_hvr_parse(f.body, f.fragment_length, &out->hvr, err));
            out->has_hvr = true;
        }
    }
    return TP_OK;
}

tp_status tp_dtls_datagram_parse(const uint8_t *buf, size_t len, tp_dtls_datagram *out,
                                 tp_error *err)
{
    tp_reader rd;
    memset(out, 0, sizeof *out);
    tp_rd_init(&rd, buf, len, err);
    if (len == 0)
        return tp_fail(err, TP_E_PARSE, "empty datagram");
    while (tp_rd_left(&rd) > 0) {
        tp_dtls_record rec;
        TP_TRY(tp_dtls_record_read(&rd, &rec));
        if (out->records == 0)
            out->record_version = rec.version;
        out->records++;
        if (rec.epoch != 0) {
            out->protected_records++;
            if (rec.type == TP_CT_ALERT)
                out->protected_alerts++;
            continue;
        }
        /* Alert: level and description, 2 bytes (RFC 5246 Sec. 7.2). */
        if (rec.type == TP_CT_ALERT && !out->has_alert && rec.length == 2) {
            out->has_alert = true;
            out->alert_level = rec.fragment[0];
            out->alert_description = rec.fragment[1];
        }
        if (rec.type == TP_CT_HANDSHAKE)
            TP_TRY(parse_handshake_record(&rec, out, err));
    }
    return TP_OK;
}

tp_status tp_dtls_ch_build(const struct tp_ch_spec *spec, uint16_t message_seq,
                           uint64_t record_seq, size_t max_datagram, tp_writer *wr,
                           tp_error *err)
{
    if (!spec->dtls)
        return tp_fail(err, TP_E_USAGE, "DTLS ClientHello spec without dtls set");
    tp_writer msg;
    tp_wr_init(&msg, 0, err);
    tp_status st = tp_ch_build_message(spec, &msg, err);
    if (st != TP_OK)
        goto out;
    /* The TLS header is msg_type and a 24-bit length; DTLS adds
     * message_seq, fragment_offset and fragment_length (Sec. 4.2.2). */
    const uint8_t *m = tp_wr_data(&msg);
    size_t body_len = tp_wr_len(&msg) - 4;
    size_t total = TP_DTLS_RECORD_HEADER_LEN + TP_DTLS_HS_HEADER_LEN + body_len;
    if (total > max_datagram) {
        st = tp_fail(err, TP_E_LIMIT, "DTLS ClientHello of %zu bytes exceeds the %zu-byte MTU",
                     total, max_datagram);
        goto out;
    }
    tp_wr_u8(wr, TP_CT_HANDSHAKE);
    tp_wr_u16(wr, spec->record_version);
    tp_wr_u16(wr, 0); /* epoch 0: nothing is protected yet */
    tp_wr_u16(wr, (uint16_t)(record_seq >> 32));
    tp_wr_u32(wr, (uint32_t)record_seq);
    tp_wr_mark rec = tp_wr_begin_u16(wr);
    tp_wr_u8(wr, m[0]);
    tp_wr_u24(wr, (uint32_t)body_len);
    tp_wr_u16(wr, message_seq);
    tp_wr_u24(wr, 0);
    tp_wr_u24(wr, (uint32_t)body_len);
    tp_wr_bytes(wr, m + 4, body_len);
    tp_wr_end(wr, rec);
    st = tp_wr_status(wr);
out:
    tp_wr_finish(&msg);
    return st;
}

void tp_dtls_reasm_init(tp_dtls_reasm *r, uint8_t msg_type)
{
    r->msg_type = msg_type;
    r->started = false;
    r->message_seq = 0;
    r->length = 0;
    r->covered = 0;
    memset(r->have, 0, sizeof r->have);
}

tp_status tp_dtls_reasm_feed(tp_dtls_reasm *r, const tp_dtls_hs_fragment *f, bool *complete,
                             tp_error *err)
{
    *complete = r->started && r->covered == r->length;
    if (f->msg_type != r->msg_type)
        return TP_OK;
    if (!r->started) {
        if (f->length > TP_DTLS_REASM_MAX)
            return tp_fail(err, TP_E_LIMIT, "DTLS handshake message of %u bytes (at most %u)",
                           (unsigned)f->length, TP_DTLS_REASM_MAX);
        r->started = true;
        r->message_seq = f->message_seq;
        r->length = f->length;
    } else if (f->message_seq != r->message_seq) {
        return TP_OK; /* another message of that type: not ours */
    } else if (f->length != r->length) {
        return tp_fail(err, TP_E_PARSE,
                       "DTLS handshake fragments disagree on the message length (%u, %u)",
                       (unsigned)r->length, (unsigned)f->length);
    }
    /* tp_dtls_hs_read checked offset + fragment_length <= length. */
    for (uint32_t i = 0; i < f->fragment_length; i++) {
        uint32_t at = f->fragment_offset + i;
        if (r->have[at])
            continue; /* a repeat: the first copy stands */
        r->body[at] = f->body[i];
        r->have[at] = 1;
        r->covered++;
    }
    *complete = r->covered == r->length;
    return TP_OK;
}

tp_status tp_dtls_reasm_feed_datagram(tp_dtls_reasm *r, const uint8_t *buf, size_t len,
                                      bool *complete, tp_error *err)
{
    tp_reader rd;
    tp_rd_init(&rd, buf, len, err);
    *complete = r->started && r->covered == r->length;
    while (tp_rd_left(&rd) > 0) {
        tp_dtls_record rec;
        TP_TRY(tp_dtls_record_read(&rd, &rec));
        if (rec.epoch != 0 || rec.type != TP_CT_HANDSHAKE)
            continue;
        tp_reader frags;
        tp_rd_init(&frags, rec.fragment, rec.length, err);
        while (tp_rd_left(&frags) > 0) {
            tp_dtls_hs_fragment f;
            TP_TRY(tp_dtls_hs_read(&frags, &f));
            TP_TRY(tp_dtls_reasm_feed(r, &f, complete, err));
        }
    }
    return TP_OK;
}
