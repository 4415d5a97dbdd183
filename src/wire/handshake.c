/* handshake.c: handshake header and extension block (RFC 8446 Sec. 4, 4.2;
 * RFC 5246 Sec. 7.4, 7.4.1.4). See handshake.h. */
#include "wire/handshake.h"

#include "util/banned.h"

tp_status tp_ext_list_parse(tp_reader *rd, const char *msg, tp_ext_list *out)
{
    out->n = 0;
    while (tp_rd_left(rd) > 0) {
        tp_ext_view e;
        tp_reader data;
        TP_TRY(tp_rd_u16(rd, "extension_type", &e.type));
        TP_TRY(tp_rd_sub_u16(rd, "extension_data", 0, 0xffff, &data));
        e.data = data.base;
        e.len = data.len;
        /* RFC 8446 Sec. 4.2: "There MUST NOT be more than one extension of
         * the same type in a given extension block." */
        if (tp_ext_find(out, e.type) != NULL)
            return tp_fail(rd->err, TP_E_PARSE, "duplicate extension 0x%04x in %s", e.type,
                           msg);
        if (out->n == TP_MAX_EXTENSIONS)
            return tp_fail(rd->err, TP_E_LIMIT, "more than %d extensions in %s",
                           TP_MAX_EXTENSIONS, msg);
        out->ext[out->n++] = e;
    }
    return TP_OK;
}

const tp_ext_view *tp_ext_find(const tp_ext_list *list, uint16_t type)
{
    for (size_t i = 0; i < list->n; i++)
        if (list->ext[i].type == type)
            return &list->ext[i];
    return NULL;
}

tp_status tp_rd_u16_list(tp_reader *rd, const char *field, size_t width, size_t min,
                         size_t max, tp_u16_list *out)
{
    tp_reader sub;
    if (width == 1)
        TP_TRY(tp_rd_sub_u8(rd, field, min, max, &sub));
    else
        TP_TRY(tp_rd_sub_u16(rd, field, min, max, &sub));
    if (sub.len % 2 != 0)
        return tp_fail(rd->err, TP_E_PARSE, "%s length %zu is odd", field, sub.len);
    out->p = sub.base;
    out->n = sub.len / 2;
    return TP_OK;
}

tp_status tp_hs_msg_read(tp_reader *rd, tp_hs_msg *out)
{
    uint32_t len;
    const uint8_t *body;
    TP_TRY(tp_rd_u8(rd, "handshake msg_type", &out->type));
    TP_TRY(tp_rd_u24(rd, "handshake length", &len));
    TP_TRY(tp_rd_bytes(rd, "handshake body", len, &body));
    out->body = body;
    out->len = len;
    return TP_OK;
}
