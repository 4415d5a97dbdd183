/* heartbleed.c: CVE-2014-0160, before the handshake completes.
 *
 * The probe (as testssl.sh's, after the ServerHello; the original exploit
 * did the same): a TLS 1.2 hello offering the heartbeat extension (RFC
 * 6520 Sec. 2), the whole first flight, then one heartbeat_request whose
 * payload_length claims 16384 bytes and which carries none. RFC 6520
 * Sec. 4 says such a message "MUST be discarded silently"; a vulnerable
 * OpenSSL (1.0.1 to 1.0.1f) copies 16384 bytes of its memory into a
 * heartbeat_response. Right behind it goes an application_data record, which
 * no server accepts before the handshake is done: its alert (or close)
 * tells that the heartbeat was passed over without waiting out a time-out.
 *
 * The check after the handshake (heartbeats inside the encrypted session)
 * needs a record layer of our own and is not made: a server that checks
 * heartbeats only before the handshake does not exist in practice, since
 * the same function handles both. */
#include "vuln/checks.h"

#include <string.h>
#include <sys/socket.h>

#include "scan/plan.h"
#include "wire/record.h"

#include "util/banned.h"

#define HB_CLAIMED 16384u

static bool hb_enough(const tp_reply *reply, void *arg)
{
    (void)arg;
    return reply->has_heartbeat || reply->has_alert;
}

void vuln_decide_heartbleed(const tp_reply *reply, enum reply_end end, bool negotiated,
                            struct vuln_answer *out)
{
    char seen[160];
    if (reply->has_heartbeat && reply->heartbeat.type == TP_HB_RESPONSE &&
        reply->heartbeat.payload_length > 0 &&
        (!reply->has_alert || reply->heartbeat_index < reply->alert_index)) {
        vuln_answer(out, TP_VULN_YES,
                    "the server answered a heartbeat request that carried no payload with "
                    "%u bytes of payload (%zu bytes in the record): its memory (RFC 6520 Sec. 4 "
                    "says discard such a request)",
                    reply->heartbeat.payload_length, reply->heartbeat_record_len);
        return;
    }
    if (reply->malformed || end == REPLY_RESET) {
        conv_describe(reply, end, seen, sizeof seen);
        vuln_answer(out, TP_VULN_UNKNOWN, "after the heartbeat request: %s", seen);
        return;
    }
    conv_describe(reply, end, seen, sizeof seen);
    vuln_answer(out, TP_VULN_NO,
                "no heartbeat response to an over-long heartbeat request before the handshake "
                "(then %s); heartbeat extension %s",
                seen, negotiated ? "negotiated" : "not negotiated");
}

void vuln_heartbleed(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out)
{
    struct probe_spec spec;
    struct conv c;
    tp_writer wr;
    tp_reply reply;
    vuln_tls12_spec(&spec, ctx->sni, NULL);
    spec.heartbeat = true;
    enum conv_state st = conv_open(ctx, &spec, &c);
    if (st == CONV_REFUSED && vuln_refusal_in_doubt(in, NULL, c.why, out))
        st = CONV_UNKNOWN;
    else if (st == CONV_REFUSED)
        vuln_answer(out, TP_VULN_NO, "a TLS 1.2 hello offering heartbeats was refused (%s)",
                    c.why);
    else if (st != CONV_FLIGHT)
        vuln_answer(out, TP_VULN_UNKNOWN, "%s", c.why);
    if (st != CONV_FLIGHT)
        goto out;
    bool negotiated = tp_ext_find(&c.flight.sh.exts, 15) != NULL;
    uint16_t version = c.flight.sh.version;
    tp_wr_init(&wr, 0, NULL);
    tp_heartbeat_write(&wr, version, HB_CLAIMED, NULL, 0, 0);
    static const uint8_t sentinel[1] = {0};
    tp_record_write(&wr, TP_CT_APPLICATION_DATA, version, sentinel, sizeof sentinel, 0);
    bool sent = tp_wr_status(&wr) == TP_OK && conv_send(&c, tp_wr_data(&wr), tp_wr_len(&wr));
    tp_wr_finish(&wr);
    if (!sent) {
        vuln_answer(out, TP_VULN_UNKNOWN, "%s", c.why[0] ? c.why : "cannot send the request");
        goto out;
    }
    /* Behind a slow link our end of stream right behind the records (as
     * ROBOT's): the server reads the request first, answers it or not,
     * alerts on the application data, then reads the end and closes at
     * once instead of waiting for our close a round trip later (a server
     * serving one connection at a time holds every other meanwhile). */
    if (ctx->half_close)
        (void)shutdown(c.fd, SHUT_WR);
    enum reply_end end = conv_read_reply(&c, ctx, CONV_WAIT_PATIENT, hb_enough, NULL, &reply);
    vuln_decide_heartbleed(&reply, end, negotiated, out);
out:
    conv_close(&c);
}
