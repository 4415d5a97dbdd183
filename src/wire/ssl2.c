/* ssl2.c: SSL 2.0 SERVER-HELLO and ERROR (draft-hickman-netscape-ssl-00).
 * See ssl2.h. */
#include "wire/ssl2.h"

#include <string.h>

#include "wire/reader.h"

#include "util/banned.h"

tp_status tp_ssl2_sh_parse(const uint8_t *msg, size_t len, tp_ssl2_server_hello *out,
                           tp_error *err)
{
    tp_reader rd;
    uint8_t type, hit;
    uint16_t cert_len, specs_len, conn_len;
    memset(out, 0, sizeof *out);
    tp_rd_init(&rd, msg, len, err);
    TP_TRY(tp_rd_u8(&rd, "SSLv2 MSG-SERVER-HELLO", &type));
    if (type != TP_SSL2_MT_SERVER_HELLO)
        return tp_fail(err, TP_E_PARSE, "SSLv2 message type %u is not SERVER-HELLO", type);
    TP_TRY(tp_rd_u8(&rd, "SSLv2 SESSION-ID-HIT", &hit));
    out->session_id_hit = hit != 0;
    TP_TRY(tp_rd_u8(&rd, "SSLv2 CERTIFICATE-TYPE", &out->certificate_type));
    TP_TRY(tp_rd_u16(&rd, "SSLv2 SERVER-VERSION", &out->version));
    TP_TRY(tp_rd_u16(&rd, "SSLv2 CERTIFICATE-LENGTH", &cert_len));
    TP_TRY(tp_rd_u16(&rd, "SSLv2 CIPHER-SPECS-LENGTH", &specs_len));
    TP_TRY(tp_rd_u16(&rd, "SSLv2 CONNECTION-ID-LENGTH", &conn_len));
    /* Each cipher kind is 3 bytes (draft-hickman "Cipher Kind Values"). */
    if (specs_len % 3 != 0)
        return tp_fail(err, TP_E_PARSE, "SSLv2 CIPHER-SPECS-LENGTH %u is not a multiple of 3",
                       specs_len);
    /* The connection id takes the place of the client's challenge, which
     * is 16 to 32 bytes; every implementation sends 16. */
    if (conn_len < 16 || conn_len > 32)
        return tp_fail(err, TP_E_PARSE, "SSLv2 CONNECTION-ID-LENGTH %u outside 16..32",
                       conn_len);
    TP_TRY(tp_rd_bytes(&rd, "SSLv2 CERTIFICATE-DATA", cert_len, &out->certificate));
    out->certificate_len = cert_len;
    TP_TRY(tp_rd_bytes(&rd, "SSLv2 CIPHER-SPECS-DATA", specs_len, &out->kinds));
    out->n_kinds = specs_len / 3u;
    TP_TRY(tp_rd_bytes(&rd, "SSLv2 CONNECTION-ID-DATA", conn_len, &out->connection_id));
    out->connection_id_len = conn_len;
    return tp_rd_expect_end(&rd, "SSLv2 SERVER-HELLO");
}

tp_status tp_ssl2_error_parse(const uint8_t *msg, size_t len, uint16_t *code, tp_error *err)
{
    tp_reader rd;
    uint8_t type;
    tp_rd_init(&rd, msg, len, err);
    TP_TRY(tp_rd_u8(&rd, "SSLv2 MSG-ERROR", &type));
    if (type != TP_SSL2_MT_ERROR)
        return tp_fail(err, TP_E_PARSE, "SSLv2 message type %u is not ERROR", type);
    TP_TRY(tp_rd_u16(&rd, "SSLv2 ERROR-CODE", code));
    return tp_rd_expect_end(&rd, "SSLv2 ERROR");
}

const char *tp_ssl2_error_name(uint16_t code)
{
    switch (code) {
    case TP_SSL2_PE_NO_CIPHER:
        return "NO-CIPHER-ERROR";
    case TP_SSL2_PE_NO_CERTIFICATE:
        return "NO-CERTIFICATE-ERROR";
    case TP_SSL2_PE_BAD_CERTIFICATE:
        return "BAD-CERTIFICATE-ERROR";
    case TP_SSL2_PE_UNSUPPORTED_CERTIFICATE_TYPE:
        return "UNSUPPORTED-CERTIFICATE-TYPE-ERROR";
    default:
        return NULL;
    }
}
