/* failure.c: turning a failed handshake into one honest sentence.
 *
 * Order of evidence: an alert the server sent says most; then what the
 * peer's first bytes were (a web server, an SSH daemon and an SMTP banner
 * all fail the TLS record check the same way, RFC 8446 Sec. 5.1); then the
 * transport's view (deadline, reset, close); then GnuTLS's own words. */
#include "tls/tls_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

/* How long a failed handshake may wait for the rest of a non-TLS peer's
 * first line, so the message can quote it. */
#define PEEK_WAIT_MS 200u
/* How many bytes of it we quote. */
#define QUOTE_MAX 60u

const char *tls_alert_rfc_name(int alert)
{
    /* TLS Alert registry (RFC 8446 Sec. 6, RFC 5246 Sec. 7.2, RFC 8447). */
    static const struct {
        int code;
        const char *name;
    } alerts[] = {
        {0, "close_notify"},
        {10, "unexpected_message"},
        {20, "bad_record_mac"},
        {21, "decryption_failed"},
        {22, "record_overflow"},
        {30, "decompression_failure"},
        {40, "handshake_failure"},
        {41, "no_certificate"},
        {42, "bad_certificate"},
        {43, "unsupported_certificate"},
        {44, "certificate_revoked"},
        {45, "certificate_expired"},
        {46, "certificate_unknown"},
        {47, "illegal_parameter"},
        {48, "unknown_ca"},
        {49, "access_denied"},
        {50, "decode_error"},
        {51, "decrypt_error"},
        {60, "export_restriction"},
        {70, "protocol_version"},
        {71, "insufficient_security"},
        {80, "internal_error"},
        {86, "inappropriate_fallback"},
        {90, "user_canceled"},
        {100, "no_renegotiation"},
        {109, "missing_extension"},
        {110, "unsupported_extension"},
        {111, "certificate_unobtainable"},
        {112, "unrecognized_name"},
        {113, "bad_certificate_status_response"},
        {114, "bad_certificate_hash_value"},
        {115, "unknown_psk_identity"},
        {116, "certificate_required"},
        {120, "no_application_protocol"},
        {121, "ech_required"},
    };
    for (size_t i = 0; i < sizeof alerts / sizeof alerts[0]; i++)
        if (alerts[i].code == alert)
            return alerts[i].name;
    return NULL;
}

/* A TLS record starts with a content type 20..24 and major version 3
 * (RFC 8446 Sec. 5.1, RFC 5246 Sec. 6.2.1). */
static bool looks_like_tls(const uint8_t *b, size_t n)
{
    if (n == 0)
        return true; /* nothing seen: no evidence either way */
    if (b[0] < 20 || b[0] > 24)
        return false;
    return n < 2 || b[1] == 3;
}

/* An SSLv2 SERVER-HELLO: 2-byte header with the high bit set, then message
 * type 4 (draft-hickman-netscape-ssl-00). */
static bool looks_like_sslv2_hello(const uint8_t *b, size_t n)
{
    return n >= 3 && (b[0] & 0x80) && b[2] == 4;
}

/* Quote the first line of b: printable ASCII as is, anything else \xHH, so
 * the message is safe for a terminal and for JSON. */
static void quote_first_line(const uint8_t *b, size_t n, char *out, size_t size)
{
    size_t o = 0, i = 0;
    for (; i < n && i < QUOTE_MAX; i++) {
        uint8_t c = b[i];
        if (c == '\r' || c == '\n')
            break;
        char piece[5];
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'')
            snprintf(piece, sizeof piece, "%c", c);
        else
            snprintf(piece, sizeof piece, "\\x%02x", c);
        size_t len = strlen(piece);
        if (o + len + 4 >= size)
            break;
        memcpy(out + o, piece, len);
        o += len;
    }
    bool more = i < n && b[i] != '\r' && b[i] != '\n';
    if (more && o + 4 < size) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

static bool starts_with(const uint8_t *b, size_t n, const char *prefix)
{
    size_t len = strlen(prefix);
    return n >= len && strncasecmp((const char *)b, prefix, len) == 0;
}

/* What kind of service the first bytes suggest, as a phrase ending in ": ". */
static const char *peer_kind(const uint8_t *b, size_t n)
{
    if (starts_with(b, n, "HTTP/"))
        return "an HTTP response: "; /* RFC 9112 Sec. 4 status line */
    if (starts_with(b, n, "<!DOCTYPE") || starts_with(b, n, "<html"))
        return "an HTML page: ";
    if (starts_with(b, n, "SSH-"))
        return "an SSH banner: "; /* RFC 4253 Sec. 4.2 */
    return "";
}

static bool describe_non_tls(struct tls_transport *t, struct tls_failure *out)
{
    if (looks_like_tls(t->peek, t->peek_len))
        return false;
    if (looks_like_sslv2_hello(t->peek, t->peek_len)) {
        snprintf(out->message, sizeof out->message,
                 "server answered with an SSLv2 ServerHello (it speaks only SSLv2, which "
                 "this handshake cannot negotiate)");
        return true;
    }
    tls_transport_fill_peek(t, PEEK_WAIT_MS);
    char quoted[QUOTE_MAX * 4 + 8];
    quote_first_line(t->peek, t->peek_len, quoted, sizeof quoted);
    snprintf(out->message, sizeof out->message, "peer is not speaking TLS (received %s'%s')",
             peer_kind(t->peek, t->peek_len), quoted);
    return true;
}

static void describe_transport(int rc, struct tls_transport *t, struct tls_failure *out)
{
    if (t->timed_out || rc == GNUTLS_E_TIMEDOUT) {
        out->status = TP_E_TIMEOUT;
        if (t->bytes_in == 0)
            snprintf(out->message, sizeof out->message,
                     "timed out waiting for the server's handshake reply");
        else
            snprintf(out->message, sizeof out->message,
                     "timed out during the TLS handshake (after %llu bytes from the server)",
                     (unsigned long long)t->bytes_in);
        return;
    }
    if (t->last_errno == ECONNRESET || t->last_errno == EPIPE) {
        out->aborted = true;
        snprintf(out->message, sizeof out->message,
                 "connection reset by peer during handshake");
        return;
    }
    if (t->eof) {
        out->aborted = true;
        if (t->bytes_in == 0)
            snprintf(out->message, sizeof out->message,
                     "server closed the connection without answering the ClientHello");
        else
            snprintf(out->message, sizeof out->message,
                     "server closed the connection during the handshake");
        return;
    }
    if (t->last_errno != 0) {
        snprintf(out->message, sizeof out->message, "socket error during handshake: %s",
                 strerror(t->last_errno));
        return;
    }
    snprintf(out->message, sizeof out->message, "TLS handshake failed: %s",
             gnutls_strerror(rc));
}

void tls_failure_classify(int rc, gnutls_session_t session, struct tls_transport *t,
                          struct tls_failure *out)
{
    memset(out, 0, sizeof *out);
    out->status = TP_E_TLS;
    out->alert = -1;

    if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
        out->alert = (int)gnutls_alert_get(session);
        out->alert_name = tls_alert_rfc_name(out->alert);
        out->aborted = true;
        snprintf(out->message, sizeof out->message,
                 "TLS handshake failed: server sent fatal alert %s (%d)",
                 out->alert_name != NULL ? out->alert_name : "unassigned", out->alert);
        return;
    }
    /* Over UDP the peer's first bytes describe one datagram, which GnuTLS
     * discards when it is not DTLS: what the datagrams showed says more. */
    if (tls_dtls_describe_failure(t, rc, out))
        return;
    if (t->dtls == NULL && describe_non_tls(t, out))
        return;
    switch (rc) {
    case GNUTLS_E_PULL_ERROR:
    case GNUTLS_E_PUSH_ERROR:
    case GNUTLS_E_PREMATURE_TERMINATION:
    case GNUTLS_E_TIMEDOUT:
    case GNUTLS_E_AGAIN:
    case GNUTLS_E_INTERRUPTED:
        describe_transport(rc, t, out);
        return;
    case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
        /* GnuTLS's word for a stream that ended mid-record. */
        if (t->eof || t->timed_out || t->last_errno != 0) {
            describe_transport(rc, t, out);
            return;
        }
        break;
    case GNUTLS_E_DH_PRIME_UNACCEPTABLE:
        snprintf(out->message, sizeof out->message,
                 "TLS handshake failed: the server's Diffie-Hellman prime (%d bits) is "
                 "unacceptably small",
                 gnutls_dh_get_prime_bits(session));
        return;
    case GNUTLS_E_UNKNOWN_CIPHER_SUITE:
        snprintf(out->message, sizeof out->message,
                 "TLS handshake failed: the server chose a cipher suite that was not offered");
        return;
    case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
        snprintf(out->message, sizeof out->message,
                 "TLS handshake failed: the server chose a protocol version that was not "
                 "offered");
        return;
    default:
        break;
    }
    if (t->timed_out) {
        describe_transport(rc, t, out);
        return;
    }
    snprintf(out->message, sizeof out->message, "TLS handshake failed: %s (GnuTLS error %d)",
             gnutls_strerror(rc), rc);
}
