/* heartbeat.c: RFC 6520 Sec. 4 HeartbeatMessage, and the scan of a
 * server's records after its first flight (see heartbeat.h). */
#include "wire/heartbeat.h"

#include <string.h>

#include "wire/reader.h"
#include "wire/record.h"

#include "util/banned.h"

void tp_heartbeat_write(tp_writer *wr, uint16_t version, uint16_t claimed_length,
                        const uint8_t *payload, size_t n, size_t padding)
{
    tp_wr_u8(wr, TP_CT_HEARTBEAT);
    tp_wr_u16(wr, version);
    tp_wr_mark rec = tp_wr_begin_u16(wr);
    tp_wr_u8(wr, TP_HB_REQUEST);
    tp_wr_u16(wr, claimed_length);
    if (n > 0)
        tp_wr_bytes(wr, payload, n);
    tp_wr_zeros(wr, padding);
    tp_wr_end(wr, rec);
}

tp_status tp_heartbeat_parse(const uint8_t *buf, size_t len, tp_heartbeat *out, tp_error *err)
{
    tp_reader rd;
    memset(out, 0, sizeof *out);
    tp_rd_init(&rd, buf, len, err);
    TP_TRY(tp_rd_u8(&rd, "HeartbeatMessage.type", &out->type));
    TP_TRY(tp_rd_u16(&rd, "HeartbeatMessage.payload_length", &out->payload_length));
    out->bytes_after_header = tp_rd_left(&rd);
    return TP_OK;
}

static void note(tp_reply *out, const tp_record *rec)
{
    size_t index = out->records;
    switch (rec->type) {
    case TP_CT_ALERT:
        if (!out->has_alert && tp_alert_parse(rec->fragment, rec->length, &out->alert,
                                              &out->error) == TP_OK) {
            out->has_alert = true;
            out->alert_index = index;
        }
        break;
    case TP_CT_HEARTBEAT:
        if (!out->has_heartbeat && tp_heartbeat_parse(rec->fragment, rec->length,
                                                      &out->heartbeat, &out->error) == TP_OK) {
            out->has_heartbeat = true;
            out->heartbeat_index = index;
            out->heartbeat_record_len = rec->length;
        }
        break;
    case TP_CT_CHANGE_CIPHER_SPEC:
        out->change_cipher_spec = true;
        break;
    case TP_CT_HANDSHAKE:
        out->handshake_records++;
        break;
    default:
        out->other_records++;
        break;
    }
}

void tp_reply_scan(const uint8_t *buf, size_t len, tp_reply *out)
{
    memset(out, 0, sizeof *out);
    while (out->used < len) {
        tp_record rec;
        tp_rec_state state;
        size_t used = 0;
        if (tp_record_next(buf + out->used, len - out->used, &rec, &state, &used, &out->error) !=
            TP_OK) {
            out->malformed = true;
            return;
        }
        if (state == TP_REC_NEED_MORE) {
            out->partial = true;
            return;
        }
        note(out, &rec);
        out->records++;
        out->used += used;
    }
}
