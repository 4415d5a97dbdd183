/* flight.c: first server flight classification (RFC 5246 Sec. 7.3, RFC 8446
 * Sec. 2 and 5, draft-hickman-netscape-ssl-00). See flight.h. */
#include "wire/flight.h"

#include <stdlib.h>
#include <string.h>

#include "wire/handshake.h"
#include "wire/record.h"
#include "wire/registry.h"

#include "util/banned.h"

void tp_flight_init(tp_flight *f)
{
    memset(f, 0, sizeof *f);
}

void tp_flight_finish(tp_flight *f)
{
    if (f == NULL)
        return;
    free(f->hs);
    memset(f, 0, sizeof *f);
}

const char *tp_flight_kind_name(tp_flight_kind kind)
{
    static const char *const names[] = {
        [TP_FLIGHT_NEED_MORE] = "need-more",
        [TP_FLIGHT_SERVER_HELLO] = "server-hello",
        [TP_FLIGHT_HELLO_RETRY] = "hello-retry-request",
        [TP_FLIGHT_ALERT] = "alert",
        [TP_FLIGHT_SSL2_SERVER_HELLO] = "ssl2-server-hello",
        [TP_FLIGHT_SSL2_ERROR] = "ssl2-error",
        [TP_FLIGHT_NOT_TLS] = "not-tls",
        [TP_FLIGHT_MALFORMED] = "malformed",
    };
    if ((size_t)kind < sizeof names / sizeof names[0])
        return names[kind];
    return "unknown";
}

/* Reset everything but the owned buffer. */
static void reset(tp_flight *f)
{
    uint8_t *hs = f->hs;
    size_t cap = f->hs_cap;
    memset(f, 0, sizeof *f);
    f->hs = hs;
    f->hs_cap = cap;
}

static tp_status malformed(tp_flight *f, const tp_error *why)
{
    f->kind = TP_FLIGHT_MALFORMED;
    if (f->error.status == TP_OK && why != NULL)
        f->error = *why;
    return TP_OK;
}

/* what ends with the subject of v, e.g. "expected ServerHello, got type". */
static void malformed_msg(tp_flight *f, const char *what, unsigned v)
{
    f->kind = TP_FLIGHT_MALFORMED;
    (void)tp_fail(&f->error, TP_E_PARSE, "%s %u", what, v);
}

/* ---- SSL 2.0 ---- */

static tp_status classify_ssl2(tp_flight *f, const uint8_t *buf, size_t len)
{
    tp_ssl2_record rec;
    tp_rec_state state;
    size_t used;
    tp_error e = {0};
    /* A TLS-speaking peer never sets the top bit of its first byte; an SSL
     * 2.0 server's reply is SERVER-HELLO(4) or ERROR(0) after a 2-byte
     * header. Anything else is another protocol. */
    if (len >= 3 && buf[2] != TP_SSL2_MT_SERVER_HELLO && buf[2] != TP_SSL2_MT_ERROR) {
        f->kind = TP_FLIGHT_NOT_TLS;
        return TP_OK;
    }
    if (tp_ssl2_record_next(buf, len, &rec, &state, &used, &e) != TP_OK)
        return malformed(f, &e);
    if (state == TP_REC_NEED_MORE)
        return TP_OK;
    f->used = used;
    size_t n = rec.length;
    if (rec.data[0] == TP_SSL2_MT_SERVER_HELLO) {
        if (tp_ssl2_sh_parse(rec.data, n, &f->ssl2, &e) != TP_OK)
            return malformed(f, &e);
        f->kind = TP_FLIGHT_SSL2_SERVER_HELLO;
    } else {
        if (tp_ssl2_error_parse(rec.data, n, &f->ssl2_error, &e) != TP_OK)
            return malformed(f, &e);
        f->kind = TP_FLIGHT_SSL2_ERROR;
    }
    f->flight_complete = true;
    return TP_OK;
}

/* ---- TLS: pass 1, records ---- */

static tp_status append_hs(tp_flight *f, size_t *hs_len, const uint8_t *p, size_t n, bool *limit)
{
    if (n > TP_FLIGHT_MAX_HANDSHAKE - *hs_len) {
        *limit = true;
        return TP_OK;
    }
    if (*hs_len + n > f->hs_cap) {
        size_t cap = f->hs_cap != 0 ? f->hs_cap : 8192;
        while (cap < *hs_len + n)
            cap *= 2;
        uint8_t *q = realloc(f->hs, cap);
        if (q == NULL)
            return TP_E_NOMEM;
        f->hs = q;
        f->hs_cap = cap;
    }
    memcpy(f->hs + *hs_len, p, n);
    *hs_len += n;
    return TP_OK;
}

/* Handle one alert record; false when it ends the flight. */
static bool take_alert(tp_flight *f, const tp_record *rec, tp_error *e)
{
    tp_alert a;
    if (tp_alert_parse(rec->fragment, rec->length, &a, e) != TP_OK) {
        (void)malformed(f, e);
        return false;
    }
    /* RFC 8446 Sec. 6: warnings other than close_notify do not end the
     * connection; servers send unrecognized_name(112) as one before the
     * ServerHello. */
    if (a.level == TP_ALERT_WARNING && a.description != TP_AD_CLOSE_NOTIFY) {
        if (f->warning_alerts < UINT8_MAX)
            f->warning_alerts++;
        f->last_warning = a;
        return true;
    }
    f->has_alert = true;
    f->alert = a;
    return false;
}

/* Walk complete records, gathering handshake fragments until something
 * other than handshake data ends the plaintext part of the flight. */
static tp_status walk_records(tp_flight *f, const uint8_t *buf, size_t len, size_t *hs_len,
                              bool *stopped)
{
    size_t pos = 0;
    bool limit = false;
    *stopped = false;
    while (pos < len && !*stopped && f->kind != TP_FLIGHT_MALFORMED) {
        tp_record rec;
        tp_rec_state state;
        size_t used;
        tp_error e = {0};
        if (tp_record_next(buf + pos, len - pos, &rec, &state, &used, &e) != TP_OK)
            return malformed(f, &e);
        if (state == TP_REC_NEED_MORE)
            break;
        pos += used;
        f->used = pos;
        switch (rec.type) {
        case TP_CT_HANDSHAKE:
            TP_TRY(append_hs(f, hs_len, rec.fragment, rec.length, &limit));
            if (limit) {
                f->kind = TP_FLIGHT_MALFORMED;
                (void)tp_fail(&f->error, TP_E_LIMIT, "server flight exceeds %zu handshake bytes",
                              TP_FLIGHT_MAX_HANDSHAKE);
            }
            break;
        case TP_CT_ALERT:
            *stopped = !take_alert(f, &rec, &e);
            break;
        case TP_CT_CHANGE_CIPHER_SPEC:
            /* Everything after it is protected (RFC 5246 Sec. 7.1); in TLS
             * 1.3 it is the compatibility record (RFC 8446 App. D.4). */
            f->change_cipher_spec = true;
            *stopped = true;
            break;
        case TP_CT_APPLICATION_DATA:
            *stopped = true;
            break;
        default:
            break;
        }
    }
    return TP_OK;
}

/* ---- TLS: pass 2, handshake messages ---- */

static void take_ske(tp_flight *f, const tp_hs_msg *m)
{
    f->has_ske = true;
    f->ske_body = m->body;
    f->ske_len = m->len;
    const struct tp_suite_info *suite = tp_suite_by_code(f->sh.cipher_suite);
    tp_ske_kx kx = tp_ske_kx_from_suite_kx(suite != NULL ? suite->kx : NULL);
    tp_error e = {0};
    tp_status st = tp_ske_parse(m->body, m->len, kx, f->sh.version, &f->ske, &e);
    f->ske_parsed = st == TP_OK;
    if (st == TP_E_PARSE)
        (void)malformed(f, &e);
    else if (st != TP_OK)
        f->ske_error = e;
}

/* One message after the ServerHello; false when the flight is over. */
static bool take_message(tp_flight *f, const tp_hs_msg *m)
{
    tp_error e = {0};
    switch (m->type) {
    case TP_HS_CERTIFICATE:
        if (f->has_certificate) {
            malformed_msg(f, "second Certificate in the server flight, handshake type", m->type);
            return false;
        }
        if (tp_cert_parse(m->body, m->len, false, &f->certificate, &e) != TP_OK) {
            (void)malformed(f, &e);
            return false;
        }
        f->has_certificate = true;
        return true;
    case TP_HS_SERVER_KEY_EXCHANGE:
        if (f->has_ske) {
            malformed_msg(f, "second ServerKeyExchange in the server flight, handshake type", m->type);
            return false;
        }
        take_ske(f, m);
        return f->kind != TP_FLIGHT_MALFORMED;
    case TP_HS_CERTIFICATE_REQUEST:
        f->certificate_request = true;
        return true;
    case TP_HS_CERTIFICATE_STATUS:
        f->certificate_status = true;
        return true;
    case TP_HS_SERVER_HELLO_DONE:
        /* RFC 5246 Sec. 7.4.5: struct { } ServerHelloDone; */
        if (m->len != 0) {
            malformed_msg(f, "ServerHelloDone must be empty, has bytes:", (unsigned)m->len);
            return false;
        }
        f->flight_complete = true;
        f->server_hello_done = true;
        return false;
    case TP_HS_CLIENT_HELLO:
    case TP_HS_SERVER_HELLO:
        malformed_msg(f, "unexpected message after the ServerHello, handshake type", m->type);
        return false;
    default:
        /* NewSessionTicket and messages we do not interpret. */
        return true;
    }
}

/* Next whole message in hs[0..hs_len) at *pos; false if none is complete. */
static bool next_message(const uint8_t *hs, size_t hs_len, size_t *pos, tp_hs_msg *m)
{
    tp_reader rd;
    if (hs == NULL) /* nothing gathered (and no offset may be applied to NULL) */
        return false;
    tp_rd_init(&rd, hs + *pos, hs_len - *pos, NULL);
    if (tp_hs_msg_read(&rd, m) != TP_OK)
        return false;
    *pos += rd.pos;
    return true;
}

static void walk_messages(tp_flight *f, size_t hs_len)
{
    size_t pos = 0;
    tp_hs_msg m;
    bool have_sh = false;
    while (f->kind != TP_FLIGHT_MALFORMED && next_message(f->hs, hs_len, &pos, &m)) {
        if (!have_sh) {
            /* RFC 5246 Sec. 7.4.1.1: a HelloRequest may arrive at any time
             * and is ignored during a handshake. */
            if (m.type == TP_HS_HELLO_REQUEST && m.len == 0)
                continue;
            if (m.type != TP_HS_SERVER_HELLO) {
                malformed_msg(f, "expected ServerHello, got handshake type", m.type);
                return;
            }
            tp_error e = {0};
            if (tp_sh_parse(m.body, m.len, &f->sh, &e) != TP_OK) {
                (void)malformed(f, &e);
                return;
            }
            have_sh = true;
            f->kind = f->sh.is_hrr ? TP_FLIGHT_HELLO_RETRY : TP_FLIGHT_SERVER_HELLO;
            /* After a TLS 1.3 ServerHello or an HRR, nothing more in the
             * plaintext handshake belongs to this flight (RFC 8446 Sec. 2). */
            if (f->sh.is_hrr || f->sh.version >= TP_VER_TLS13) {
                f->flight_complete = true;
                return;
            }
            continue;
        }
        if (!take_message(f, &m))
            return;
    }
}

static tp_status classify_tls(tp_flight *f, const uint8_t *buf, size_t len)
{
    size_t hs_len = 0;
    bool stopped;
    /* A TLS record's second byte is the major version 3 (RFC 5246 Sec.
     * 6.2.1); "HTTP/", "SSH-" and friends fail on the first byte already. */
    if (len >= 2 && buf[1] != 3) {
        f->kind = TP_FLIGHT_NOT_TLS;
        return TP_OK;
    }
    TP_TRY(walk_records(f, buf, len, &hs_len, &stopped));
    if (f->kind == TP_FLIGHT_MALFORMED)
        return TP_OK;
    walk_messages(f, hs_len);
    if (f->kind == TP_FLIGHT_MALFORMED)
        return TP_OK;
    bool have_sh = f->kind == TP_FLIGHT_SERVER_HELLO || f->kind == TP_FLIGHT_HELLO_RETRY;
    if (have_sh) {
        if (f->change_cipher_spec || f->has_alert)
            f->flight_complete = true;
        return TP_OK;
    }
    if (f->has_alert) {
        f->kind = TP_FLIGHT_ALERT;
        f->flight_complete = true;
    } else if (stopped) {
        malformed_msg(f, "record before the ServerHello that is not handshake or alert, type",
                      f->change_cipher_spec ? TP_CT_CHANGE_CIPHER_SPEC
                                            : TP_CT_APPLICATION_DATA);
    }
    return TP_OK;
}

tp_status tp_flight_classify(tp_flight *f, const uint8_t *buf, size_t len)
{
    reset(f);
    if (len == 0)
        return TP_OK;
    if ((buf[0] & 0x80) != 0)
        return classify_ssl2(f, buf, len);
    if (buf[0] >= TP_CT_CHANGE_CIPHER_SPEC && buf[0] <= TP_CT_HEARTBEAT)
        return classify_tls(f, buf, len);
    f->kind = TP_FLIGHT_NOT_TLS;
    return TP_OK;
}
