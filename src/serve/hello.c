/* hello.c: the client's first bytes (hello.h). Records through
 * wire/record.h, the message through the handshake reassembler, the hello
 * through wire/clienthello.c and the offer through capture/offer.h. */
#include "serve/hello.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/ja4.h"
#include "capture/offer.h"
#include "wire/clienthello.h"
#include "wire/handshake.h"
#include "wire/record.h"
#include "wire/registry.h"
#include "util/banned.h"

static void set_what(struct tp_first *out, enum tp_first_kind kind, const char *fmt, ...)
    TP_PRINTF(3, 4);
static void set_what(struct tp_first *out, enum tp_first_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->what, sizeof out->what, fmt, ap);
    va_end(ap);
    out->kind = kind;
}

/* Not TLS: quote the first line of text, else show the first bytes. */
static void not_tls(const uint8_t *buf, size_t len, struct tp_first *out)
{
    size_t printable = 0;
    while (printable < len && printable < 60 && buf[printable] >= 0x20 && buf[printable] < 0x7f)
        printable++;
    if (printable >= 3) {
        char line[64];
        memcpy(line, buf, printable);
        line[printable] = '\0';
        set_what(out, TP_FIRST_NOT_TLS, "plain text, not TLS: \"%s%s\"", line,
                 printable < len && buf[printable] != '\r' && buf[printable] != '\n' ? "..."
                                                                                     : "");
        return;
    }
    char hex[3 * 8 + 1] = "";
    size_t used = 0;
    for (size_t i = 0; i < len && i < 8; i++)
        used += (size_t)snprintf(hex + used, sizeof hex - used, "%s%02x", i ? " " : "", buf[i]);
    set_what(out, TP_FIRST_NOT_TLS, "not TLS: first bytes %s", hex);
}

static tp_status keep_hello(const tp_hs_msg *msg, struct tp_audit_hs *h, struct tp_first *out)
{
    tp_client_hello ch;
    tp_error err = {0};
    if (tp_ch_parse(msg->body, msg->len, &ch, &err) != TP_OK) {
        set_what(out, TP_FIRST_BAD_TLS, "ClientHello malformed: %s", err.msg);
        return TP_OK;
    }
    TP_TRY(tp_offer_keep(h, &ch));
    struct tp_ja4_input in;
    uint16_t *scratch = NULL;
    tp_status status = tp_offer_ja4_input(&ch, &in, &scratch);
    if (status == TP_OK)
        tp_ja4(&in, h->ja4, NULL, 0);
    free(scratch);
    out->kind = TP_FIRST_CLIENT_HELLO;
    return status;
}

/* Handshake records from the front of buf until the first message is
 * whole. */
static tp_status tls_records(const uint8_t *buf, size_t len, struct tp_audit_hs *h,
                             struct tp_first *out)
{
    tp_hs_reasm r;
    tp_hs_reasm_init(&r, TP_SERVE_MAX_HELLO);
    tp_status status = TP_OK;
    size_t at = 0;
    out->kind = TP_FIRST_NEED_MORE;
    while (at < len) {
        tp_record rec;
        tp_rec_state state;
        size_t used = 0;
        tp_error err = {0};
        /* The header alone can be wrong (a length beyond 2^14 + 2048): say
         * so now rather than wait for bytes that cannot make it right. */
        if ((len - at >= TP_RECORD_HEADER_LEN &&
             tp_record_check_header(buf + at, &rec, &err) != TP_OK) ||
            tp_record_next(buf + at, len - at, &rec, &state, &used, &err) != TP_OK) {
            set_what(out, TP_FIRST_BAD_TLS, "bad TLS record: %s", err.msg);
            break;
        }
        if (state == TP_REC_NEED_MORE)
            break;
        at += used;
        if (rec.type != TP_CT_HANDSHAKE) {
            set_what(out, TP_FIRST_BAD_TLS, "a record of type %u before the ClientHello",
                     (unsigned)rec.type);
            break;
        }
        tp_hs_msg msg;
        bool have = false;
        if (tp_hs_reasm_feed(&r, rec.fragment, rec.length, &err) != TP_OK ||
            tp_hs_reasm_next(&r, &msg, &have, &err) != TP_OK) {
            if (err.status == TP_E_NOMEM) {
                status = TP_E_NOMEM;
                break;
            }
            set_what(out, TP_FIRST_BAD_TLS, "handshake message: %s", err.msg);
            break;
        }
        if (!have)
            continue;
        if (msg.type != TP_HS_CLIENT_HELLO)
            set_what(out, TP_FIRST_BAD_TLS, "handshake message %u instead of a ClientHello",
                     (unsigned)msg.type);
        else
            status = keep_hello(&msg, h, out);
        break;
    }
    tp_hs_reasm_finish(&r);
    return status;
}

/* An SSL 2.0 CLIENT-HELLO (draft-hickman-netscape-ssl-00, 2-byte record
 * header): a genuine SSL 2.0 one is not served; one that announces TLS
 * (RFC 5246 App. E.2: the "version 2.0 compatible" hello of old stacks,
 * OpenSSL 0.9.8 among them) is, as GnuTLS answers it, with the offer kept
 * as --read keeps it (no JA4: it has no extensions to hash). */
static tp_status ssl2_hello(const uint8_t *buf, size_t len, struct tp_audit_hs *h,
                            struct tp_first *out)
{
    size_t need = 2 + (((size_t)buf[0] & 0x7f) << 8 | buf[1]);
    if (len < need)
        return TP_OK;
    tp_ssl2_client_hello ch;
    tp_error err = {0};
    if (tp_ssl2_ch_parse(buf + 2, need - 2, &ch, &err) != TP_OK) {
        set_what(out, TP_FIRST_BAD_TLS, "SSL 2.0 CLIENT-HELLO malformed: %s", err.msg);
        return TP_OK;
    }
    if (ch.version < TP_VER_SSL3) {
        set_what(out, TP_FIRST_SSL2, "an SSL 2.0 CLIENT-HELLO (version %u.%u): SSL 2.0 is not "
                                     "served",
                 (unsigned)(ch.version >> 8), (unsigned)(ch.version & 0xff));
        return TP_OK;
    }
    bool v2_kinds = false;
    h->has_client_hello = true;
    h->ssl2_hello = true;
    h->legacy_version = ch.version;
    h->ssl2_kinds = (uint32_t)ch.n_kinds;
    for (size_t i = 0; i < ch.n_kinds; i++) {
        uint32_t kind = tp_ssl2_kind_at(ch.kinds, i);
        if ((kind >> 16) != 0)
            v2_kinds = true; /* an SSL 2.0 cipher kind */
        else if (h->suites.n < TP_AU_MAX_CODES)
            h->suites.v[h->suites.n++] = (uint16_t)kind;
        h->suites.total++;
    }
    out->kind = TP_FIRST_CLIENT_HELLO;
    return v2_kinds ? tp_strlist_push(&h->findings, tp_offer_rule_id(TP_OFFER_RULE_SSLV2)) : TP_OK;
}

tp_status tp_first_classify(const uint8_t *buf, size_t len, struct tp_audit_hs *h,
                            struct tp_first *out)
{
    memset(out, 0, sizeof *out);
    out->kind = TP_FIRST_NEED_MORE;
    if (len == 0)
        return TP_OK;
    /* Any TLS record (an alert, say) is judged as one; only a handshake
     * record can start a hello. */
    if (buf[0] >= TP_CT_CHANGE_CIPHER_SPEC && buf[0] <= TP_CT_HEARTBEAT)
        return tls_records(buf, len, h, out);
    /* SSL 2.0 record header with the top bit set, then MSG-CLIENT-HELLO (1)
     * (draft-hickman-netscape-ssl-00). */
    if ((buf[0] & 0x80) != 0) {
        if (len < 3)
            return TP_OK;
        if (buf[2] == 1)
            return ssl2_hello(buf, len, h, out);
    }
    not_tls(buf, len, out);
    return TP_OK;
}
