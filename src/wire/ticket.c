/* ticket.c: find a TLS 1.2 NewSessionTicket (RFC 5077 Sec. 3.3) in what a
 * server sent (ticket.h). */
#include "wire/ticket.h"

#include <stdlib.h>
#include <string.h>

#include "wire/handshake.h"
#include "wire/reader.h"
#include "wire/record.h"

#include "util/banned.h"

void tp_ticket_finish(tp_ticket *t)
{
    free(t->ticket);
    memset(t, 0, sizeof *t);
}

static tp_status take_ticket(const tp_hs_msg *m, tp_ticket *out, tp_error *err)
{
    tp_reader rd, vec;
    tp_rd_init(&rd, m->body, m->len, err);
    TP_TRY(tp_rd_u32(&rd, "NewSessionTicket.ticket_lifetime_hint", &out->lifetime_hint));
    TP_TRY(tp_rd_sub_u16(&rd, "NewSessionTicket.ticket", 0, TP_TICKET_MAX, &vec));
    TP_TRY(tp_rd_expect_end(&rd, "NewSessionTicket"));
    size_t n = tp_rd_left(&vec);
    const uint8_t *p = NULL;
    TP_TRY(tp_rd_bytes(&vec, "NewSessionTicket.ticket", n, &p));
    out->ticket = malloc(n > 0 ? n : 1);
    if (out->ticket == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    if (n > 0)
        memcpy(out->ticket, p, n);
    out->len = n;
    out->found = true;
    return TP_OK;
}

tp_status tp_ticket_find(const uint8_t *buf, size_t len, tp_ticket *out, tp_error *err)
{
    tp_hs_reasm r;
    size_t pos = 0;
    tp_status st = TP_OK;
    memset(out, 0, sizeof *out);
    tp_hs_reasm_init(&r, TP_HS_DEFAULT_MAX_MSG);
    while (st == TP_OK && pos < len && !out->found) {
        tp_record rec;
        tp_rec_state state;
        size_t used = 0;
        st = tp_record_next(buf + pos, len - pos, &rec, &state, &used, err);
        if (st != TP_OK || state == TP_REC_NEED_MORE)
            break;
        pos += used;
        /* After the ChangeCipherSpec everything is protected (RFC 5246
         * Sec. 7.1). */
        if (rec.type == TP_CT_CHANGE_CIPHER_SPEC)
            break;
        if (rec.type != TP_CT_HANDSHAKE)
            continue;
        st = tp_hs_reasm_feed(&r, rec.fragment, rec.length, err);
        for (bool have = st == TP_OK; have && st == TP_OK && !out->found;) {
            tp_hs_msg m;
            st = tp_hs_reasm_next(&r, &m, &have, err);
            if (st == TP_OK && have && m.type == TP_HS_NEW_SESSION_TICKET)
                st = take_ticket(&m, out, err);
        }
    }
    tp_hs_reasm_finish(&r);
    if (st != TP_OK)
        tp_ticket_finish(out);
    return st;
}
