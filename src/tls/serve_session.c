/* serve_session.c: one server handshake for --serve (tls/serve.h), and
 * what the client did about the certificate it was shown.
 *
 * A client that refuses a certificate says so with a fatal alert during
 * the handshake (RFC 8446 Sec. 4.4.2.4, RFC 5246 Sec. 7.4.2: bad_certificate,
 * unknown_ca, certificate_expired, ...). Some validate only after the
 * handshake (GnuTLS clients such as wget, MicroPython-style code that
 * checks by hand) and then close: so after a completed handshake we wait
 * for application data (an HTTP request, an MQTT CONNECT) before calling
 * the certificate accepted. */
#include "tls/tls_int.h"
#include "tls/serve.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wire/record.h"
#include "wire/registry.h"
#include "util/banned.h"

static void say(struct tls_serve_result *out, const char *fmt, ...) TP_PRINTF(2, 3);
static void say(struct tls_serve_result *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
}

static void note_alert(gnutls_session_t s, struct tls_serve_result *out)
{
    out->alert = (int)gnutls_alert_get(s);
    out->alert_name = tls_alert_rfc_name(out->alert);
}

static const char *alert_text(const struct tls_serve_result *out)
{
    return out->alert_name != NULL ? out->alert_name : "unassigned alert";
}

/* A TLS 1.3 client that refuses the certificate before it has switched
 * its own keys sends its alert in plaintext (RFC 8446 Sec. 5: the alert is
 * protected only once the sender's keys changed), which GnuTLS, reading
 * with the client's handshake keys, fails to decrypt. The record is among
 * the first bytes the transport kept: find it there. Returns the alert
 * description, or -1. */
static int plaintext_alert(const struct tls_transport *t)
{
    size_t at = 0;
    while (at < t->peek_len) {
        tp_record rec;
        tp_rec_state state;
        size_t used = 0;
        tp_error err = {0};
        if (tp_record_next(t->peek + at, t->peek_len - at, &rec, &state, &used, &err) != TP_OK ||
            state != TP_REC_COMPLETE)
            return -1;
        if (rec.type == TP_CT_ALERT && rec.length == 2)
            return rec.fragment[1];
        if (rec.type != TP_CT_CHANGE_CIPHER_SPEC)
            return -1;
        at += used;
    }
    return -1;
}

/* The handshake failed with rc: who ended it, and how. */
static void classify_failure(int rc, gnutls_session_t s, const struct tls_transport *t,
                             struct tls_serve_result *out)
{
    if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
        note_alert(s, out);
        out->end = TLS_SERVE_ALERT;
        say(out, "the client sent a fatal %s alert (%d)", alert_text(out), out->alert);
        return;
    }
    int plain = rc == GNUTLS_E_DECRYPTION_FAILED ? plaintext_alert(t) : -1;
    if (plain >= 0) {
        out->alert = plain;
        out->alert_name = tls_alert_rfc_name(plain);
        out->end = TLS_SERVE_ALERT;
        say(out, "the client sent a fatal %s alert (%d), unencrypted", alert_text(out),
            out->alert);
        return;
    }
    if (t->timed_out) {
        out->end = TLS_SERVE_TIMEOUT;
        say(out, "the client went silent during the handshake");
        return;
    }
    if (rc == GNUTLS_E_UNSUPPORTED_VERSION_PACKET || rc == GNUTLS_E_NO_CIPHER_SUITES ||
        rc == GNUTLS_E_UNKNOWN_CIPHER_SUITE || rc == GNUTLS_E_INSUFFICIENT_CREDENTIALS ||
        rc == GNUTLS_E_NO_COMMON_KEY_SHARE || rc == GNUTLS_E_NO_PRIORITIES_WERE_SET) {
        out->end = TLS_SERVE_NO_COMMON;
        say(out, "the client offers nothing this case serves (%s)", gnutls_strerror(rc));
        return;
    }
    if (t->eof || rc == GNUTLS_E_PREMATURE_TERMINATION || t->last_errno == ECONNRESET ||
        t->last_errno == EPIPE) {
        out->end = TLS_SERVE_CLOSED;
        say(out, "the client %s during the handshake, without an alert",
            t->last_errno == ECONNRESET ? "reset the connection" : "closed the connection");
        return;
    }
    out->end = TLS_SERVE_ERROR;
    say(out, "handshake failed: %s", gnutls_strerror(rc));
}

/* After the handshake: data, an alert, a close, or nothing for wait_ms. */
static void await_data(gnutls_session_t s, struct tls_transport *t, uint32_t wait_ms,
                       struct tls_serve_result *out)
{
    tp_deadline saved = t->deadline;
    t->deadline = tp_deadline_min_ms(saved, wait_ms);
    /* One record is enough: only its presence matters, and a flooding
     * client must not keep us reading. */
    uint8_t buf[1024];
    for (;;) {
        ssize_t n = gnutls_record_recv(s, buf, sizeof buf);
        if (n > 0) {
            out->app_bytes += (uint64_t)n;
            out->after = TLS_AFTER_DATA;
            break;
        }
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_REHANDSHAKE)
            continue;
        if (n == 0) {
            out->after = TLS_AFTER_ALERT;
            out->alert = 0;
            out->alert_name = "close_notify";
        } else if (n == GNUTLS_E_FATAL_ALERT_RECEIVED || n == GNUTLS_E_WARNING_ALERT_RECEIVED) {
            out->after = TLS_AFTER_ALERT;
            note_alert(s, out);
        } else if (t->timed_out) {
            out->after = TLS_AFTER_IDLE;
        } else {
            out->after = TLS_AFTER_CLOSED;
        }
        break;
    }
    t->deadline = saved;
    t->timed_out = false;
}

static void describe_done(struct tls_serve_result *out, uint32_t wait_ms)
{
    const char *v = tp_version_name(out->version);
    v = v != NULL ? v : "?";
    switch (out->after) {
    case TLS_AFTER_DATA:
        say(out, "handshake completed (%s) and the client sent application data", v);
        break;
    case TLS_AFTER_IDLE:
        say(out, "handshake completed (%s); no application data within %u ms", v,
            (unsigned)wait_ms);
        break;
    case TLS_AFTER_ALERT:
        say(out, "handshake completed (%s), then the client sent %s%s and no data", v,
            out->alert == 0 ? "" : "a ", alert_text(out));
        break;
    case TLS_AFTER_CLOSED:
    case TLS_AFTER_NONE:
        say(out, "handshake completed (%s), then the client closed without data", v);
        break;
    }
}

/* text as application data, as far as the transport's deadline lets. */
static void send_all(gnutls_session_t s, const struct tls_transport *t, const char *text)
{
    size_t n = strlen(text), done = 0;
    while (done < n && !t->timed_out) {
        ssize_t w = gnutls_record_send(s, text + done, n - done);
        if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
            continue;
        if (w <= 0)
            return;
        done += (size_t)w;
    }
}

tp_status tls_serve_connection(int fd, const uint8_t *first, size_t first_len,
                               const struct tls_serve_creds *creds, const char *priority,
                               tp_deadline deadline, uint32_t data_wait_ms,
                               const char *farewell, struct tls_serve_result *out,
                               tp_error *err)
{
    memset(out, 0, sizeof *out);
    out->alert = -1;
    out->handshake_ms = -1;
    gnutls_session_t s = NULL;
    struct tls_transport t;
    tls_transport_init(&t, fd, deadline, NULL);
    tls_transport_replay(&t, first, first_len);
    uint64_t started = tp_now_ns();
    int rc = gnutls_init(&s, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_TICKETS);
    if (rc < 0)
        return tp_fail(err, TP_E_NOMEM, "gnutls_init: %s", gnutls_strerror(rc));
    tp_status status = TP_OK;
    const char *where = NULL;
    if ((rc = gnutls_priority_set_direct(s, priority, &where)) < 0) {
        status = tp_fail(err, TP_E_USAGE, "priority \"%s\": %s", priority, gnutls_strerror(rc));
        goto out;
    }
    if ((rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, tls_serve_creds_get(creds))) < 0) {
        status = tp_fail(err, TP_E_NOMEM, "credentials: %s", gnutls_strerror(rc));
        goto out;
    }
    gnutls_certificate_server_set_request(s, GNUTLS_CERT_IGNORE);
    tls_transport_attach(&t, s);
    do {
        rc = gnutls_handshake(s);
    } while (rc < 0 && gnutls_error_is_fatal(rc) == 0 && !t.timed_out);
    out->version = tls_facts_version(s);
    if (rc < 0) {
        classify_failure(rc, s, &t, out);
        if (rc != GNUTLS_E_FATAL_ALERT_RECEIVED && out->end != TLS_SERVE_CLOSED &&
            out->end != TLS_SERVE_TIMEOUT)
            (void)gnutls_alert_send_appropriate(s, rc);
    } else {
        out->end = TLS_SERVE_DONE;
        out->suite = tls_facts_suite(s);
        out->handshake_ms = (double)(tp_now_ns() - started) / 1e6;
        await_data(s, &t, data_wait_ms, out);
        describe_done(out, data_wait_ms);
        if (out->after == TLS_AFTER_DATA || out->after == TLS_AFTER_IDLE) {
            /* Say goodbye politely, but never wait for the client's. */
            t.deadline = tp_deadline_min_ms(deadline, 200);
            if (farewell != NULL && out->after == TLS_AFTER_DATA)
                send_all(s, &t, farewell);
            (void)gnutls_bye(s, GNUTLS_SHUT_WR);
        }
    }
out:
    out->bytes_in = t.bytes_in;
    out->bytes_out = t.bytes_out;
    gnutls_deinit(s);
    return status;
}
