/* certificate.c: Certificate message (RFC 5246 Sec. 7.4.2, RFC 8446 Sec.
 * 4.4.2). See certificate.h. */
#include "wire/certificate.h"

#include <string.h>

#include "wire/reader.h"

#include "util/banned.h"

static tp_status parse_entry(tp_reader *list, bool tls13, tp_certificate *out)
{
    tp_reader der, exts;
    TP_TRY(tp_rd_sub_u24(list, tls13 ? "CertificateEntry cert_data" : "ASN.1Cert", 1, 0xffffff,
                         &der));
    tp_cert_entry e = {.der = der.base, .len = der.len};
    if (tls13) {
        TP_TRY(tp_rd_sub_u16(list, "CertificateEntry extensions", 0, 0xffff, &exts));
        e.extensions = exts.base;
        e.extensions_len = exts.len;
    }
    if (out->n < TP_CERT_MAX)
        out->certs[out->n++] = e;
    out->n_total++;
    return TP_OK;
}

tp_status tp_cert_parse(const uint8_t *body, size_t len, bool tls13, tp_certificate *out,
                        tp_error *err)
{
    tp_reader rd, list;
    memset(out, 0, sizeof *out);
    tp_rd_init(&rd, body, len, err);
    if (tls13) {
        tp_reader ctx;
        TP_TRY(tp_rd_sub_u8(&rd, "certificate_request_context", 0, 0xff, &ctx));
        out->context = ctx.base;
        out->context_len = ctx.len;
    }
    TP_TRY(tp_rd_sub_u24(&rd, "certificate_list", 0, 0xffffff, &list));
    TP_TRY(tp_rd_expect_end(&rd, "Certificate after certificate_list"));
    while (tp_rd_left(&list) > 0)
        TP_TRY(parse_entry(&list, tls13, out));
    return TP_OK;
}
