/* dtls_observe.c: what the datagrams of a DTLS handshake show, beside
 * GnuTLS: the HelloVerifyRequest (RFC 6347 Sec. 4.2.1), retransmitted
 * flights (Sec. 4.2.4), the size of the server's answer to our first
 * ClientHello (the amplification RFC 9147 Sec. 5.1 warns of), and
 * datagrams that are not DTLS at all. Every datagram goes through the
 * bounds-checked parser of wire/dtls.c; nothing here trusts a byte.
 *
 * GnuTLS re-sends a flight with new record sequence numbers but the same
 * handshake message_seq (Sec. 4.2.2), so a datagram whose handshake
 * fragments start at or below what was already sent is a retransmission. */
#include "tls/tls_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wire/dtls.h"
#include "util/banned.h"

#define HS_CLIENT_HELLO 1u

static void observe_sent(struct tls_transport *t, size_t len, const tp_dtls_datagram *d)
{
    struct tp_dtls *s = t->dtls;
    struct tls_dtls_track *k = &t->track;
    if (s->datagrams_sent == 0) {
        s->client_hello_bytes = (uint32_t)len;
        k->first_flight_open = true;
        k->first_hello_seq = d->min_message_seq;
    }
    s->datagrams_sent++;
    if (d->hs_fragments == 0)
        return; /* protected records only (epoch 1): no message_seq to see */
    if (d->first_msg_type != HS_CLIENT_HELLO)
        k->past_hello = true;
    if (k->client_seen && d->min_message_seq < k->next_client_seq) {
        s->retransmissions++;
        return;
    }
    /* A new flight: the server's answer to it starts afresh. A ClientHello
     * that answers a HelloVerifyRequest ends the first flight too. */
    if (d->first_msg_type != HS_CLIENT_HELLO || d->min_message_seq > k->first_hello_seq)
        k->first_flight_open = false;
    k->client_seen = true;
    k->next_client_seq = (uint16_t)(d->max_message_seq + 1u);
    k->server_seen = false;
    k->server_high = 0;
}

/* A datagram of the server's answer to our ClientHello (RFC 6347 Sec.
 * 4.2.3: a server fragments its flight to its own PMTU estimate). */
static void note_flight_datagram(struct tp_dtls *s, size_t len)
{
    if (len > s->server_flight_max_datagram)
        s->server_flight_max_datagram = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    s->server_flight_within_mtu = s->server_flight_max_datagram <= s->mtu ? TP_TRI_YES
                                                                          : TP_TRI_NO;
}

static bool observe_received(struct tls_transport *t, const tp_dtls_datagram *d, size_t len)
{
    struct tp_dtls *s = t->dtls;
    struct tls_dtls_track *k = &t->track;
    if (d->has_hvr) {
        s->hello_verify_requests++;
        s->cookie_exchange = TP_TRI_YES;
        s->cookie_bytes = d->hvr.cookie_len;
        if (s->hello_verify_requests > TLS_DTLS_MAX_HVR) {
            k->refused = true;
            return false;
        }
    } else if (d->hs_fragments > 0 && s->cookie_exchange == TP_TRI_UNKNOWN) {
        /* Another handshake message before any HelloVerifyRequest: the
         * server answered the cookie-less ClientHello in full. */
        s->cookie_exchange = TP_TRI_NO;
    }
    if (d->hs_fragments == 0)
        return true;
    if (!d->has_hvr && !k->past_hello)
        note_flight_datagram(s, len);
    /* Fragments of one message arrive in order of offset. */
    uint64_t key = (uint64_t)d->first_message_seq << 24 | d->first_fragment_offset;
    if (k->server_seen && key <= k->server_high && !d->has_hvr)
        s->server_retransmissions++;
    if (!k->server_seen || key > k->server_high)
        k->server_high = key;
    k->server_seen = true;
    return true;
}

bool tls_dtls_observe(struct tls_transport *t, enum tls_io_dir dir, const uint8_t *data,
                      size_t len)
{
    struct tp_dtls *s = t->dtls;
    if (s == NULL)
        return true;
    tp_dtls_datagram d;
    tp_error ignored = {0};
    bool parsed = len > 0 && tp_dtls_datagram_parse(data, len, &d, &ignored) == TP_OK;
    if (dir == TLS_IO_SEND) {
        if (!parsed)
            memset(&d, 0, sizeof d);
        observe_sent(t, len, &d);
        return true;
    }
    s->datagrams_received++;
    if (s->first_answer_us == 0 && t->first_send_ns != 0) {
        uint64_t us = (tp_now_ns() - t->first_send_ns) / 1000u;
        s->first_answer_us = us == 0 ? 1 : us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    }
    if (t->track.first_flight_open)
        s->first_flight_bytes += (uint32_t)len;
    if (!parsed) {
        s->ignored_datagrams++;
        return true; /* GnuTLS discards it too (RFC 6347 Sec. 4.1.2.7) */
    }
    return observe_received(t, &d, len);
}

bool tls_dtls_describe_failure(const struct tls_transport *t, int rc, struct tls_failure *out)
{
    const struct tp_dtls *s = t->dtls;
    if (s == NULL)
        return false;
    if (t->track.refused) {
        out->status = TP_E_TLS;
        snprintf(out->message, sizeof out->message,
                 "DTLS handshake failed: the server sent %u HelloVerifyRequests and never "
                 "accepted its own cookie (stopped after %u)%s",
                 (unsigned)s->hello_verify_requests, TLS_DTLS_MAX_HVR,
                 t->session != NULL &&
                         gnutls_psk_client_get_hint(t->session) == NULL &&
                         s->datagrams_received == s->hello_verify_requests
                     ? "; a PSK-only server may do this to certificate suites: try "
                       "--psk-identity/--psk-key or --enum"
                     : "");
        return true;
    }
    if (t->last_errno == ECONNREFUSED) {
        /* udp(7): the ICMP port unreachable of an earlier datagram. */
        out->status = TP_E_CONNECT;
        snprintf(out->message, sizeof out->message,
                 "nothing listens on that UDP port (ICMP port unreachable: %s)",
                 strerror(ECONNREFUSED));
        return true;
    }
    bool timed_out = t->timed_out || rc == GNUTLS_E_TIMEDOUT;
    if (!timed_out)
        return false;
    out->status = TP_E_TIMEOUT;
    if (s->datagrams_received == 0)
        snprintf(out->message, sizeof out->message,
                 "no answer over UDP: %u ClientHello datagram%s sent, none answered (no DTLS "
                 "server, a filter, or loss)",
                 (unsigned)s->datagrams_sent, s->datagrams_sent == 1 ? "" : "s");
    else if (s->ignored_datagrams == s->datagrams_received)
        snprintf(out->message, sizeof out->message,
                 "timed out: the %u datagram%s received %s not DTLS",
                 (unsigned)s->datagrams_received, s->datagrams_received == 1 ? "" : "s",
                 s->datagrams_received == 1 ? "was" : "were");
    else
        snprintf(out->message, sizeof out->message,
                 "timed out during the DTLS handshake (%u datagrams sent, %u received, %u of "
                 "them not DTLS)",
                 (unsigned)s->datagrams_sent, (unsigned)s->datagrams_received,
                 (unsigned)s->ignored_datagrams);
    return true;
}
