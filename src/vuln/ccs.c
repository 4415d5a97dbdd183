/* ccs.c: CCS injection, CVE-2014-0224 (OpenSSL before 0.9.8za, 1.0.0m and
 * 1.0.1h accepted a ChangeCipherSpec before the master secret existed and
 * then protected records with keys derived from an empty one).
 *
 * The probe (the published checks' and testssl.sh's): a TLS 1.2 hello, the
 * whole first flight, then a ChangeCipherSpec where the server waits for
 * our key exchange. RFC 5246 Sec. 7.1 allows it only after the key
 * exchange; a fixed server alerts unexpected_message (10) or closes. A
 * server that stays silent gets a second ChangeCipherSpec: a vulnerable
 * one now reads it as a protected record under its early keys and fails
 * it with bad_record_mac (20) or decryption_failed (21), or overflows
 * (record_overflow, 22). Only that sequence - silence, then a record
 * protection failure - is called vulnerable; silence followed by anything
 * else is unknown. The first silence is a quick one (vuln/pace.h): a slow
 * server's unexpected_message then arrives after the second
 * ChangeCipherSpec, which is unknown, never vulnerable; the second wait is
 * the patient one. */
#include "vuln/checks.h"

#include "wire/record.h"

#include "util/banned.h"

enum { AD_UNEXPECTED_MESSAGE = 10, AD_BAD_RECORD_MAC = 20, AD_DECRYPTION_FAILED = 21,
       AD_RECORD_OVERFLOW = 22 };

static bool alert_enough(const tp_reply *reply, void *arg)
{
    (void)arg;
    return reply->has_alert;
}

static bool protection_alert(uint8_t d)
{
    return d == AD_BAD_RECORD_MAC || d == AD_DECRYPTION_FAILED || d == AD_RECORD_OVERFLOW;
}

void vuln_decide_ccs(const tp_reply *first, enum reply_end first_end, const tp_reply *second,
                     enum reply_end second_end, struct vuln_answer *out)
{
    char seen[160];
    conv_describe(first, first_end, seen, sizeof seen);
    if (first->has_alert || first_end == REPLY_CLOSED) {
        vuln_answer(out, TP_VULN_NO, "an early ChangeCipherSpec was refused with %s", seen);
        return;
    }
    if (first_end != REPLY_TIMEOUT || second == NULL) {
        vuln_answer(out, TP_VULN_UNKNOWN, "after an early ChangeCipherSpec: %s", seen);
        return;
    }
    conv_describe(second, second_end, seen, sizeof seen);
    if (second->has_alert && protection_alert(second->alert.description)) {
        vuln_answer(out, TP_VULN_YES,
                    "the server took an early ChangeCipherSpec without a word and then failed "
                    "the next record's protection (%s): it switched to keys made before the key "
                    "exchange",
                    seen);
        return;
    }
    vuln_answer(out, TP_VULN_UNKNOWN,
                "the server did not answer an early ChangeCipherSpec; to a second one: %s", seen);
}

static bool send_ccs(struct conv *c, uint16_t version)
{
    static const uint8_t one[1] = {1};
    tp_writer wr;
    tp_wr_init(&wr, 0, NULL);
    tp_record_write(&wr, TP_CT_CHANGE_CIPHER_SPEC, version, one, 1, 0);
    bool ok = tp_wr_status(&wr) == TP_OK && conv_send(c, tp_wr_data(&wr), tp_wr_len(&wr));
    tp_wr_finish(&wr);
    return ok;
}

void vuln_ccs_injection(struct vuln_ctx *ctx, const struct vuln_input *in,
                        struct vuln_answer *out)
{
    struct probe_spec spec;
    struct conv c;
    tp_reply first, second;
    vuln_tls12_spec(&spec, ctx->sni, NULL);
    enum conv_state st = conv_open(ctx, &spec, &c);
    if (st == CONV_REFUSED && vuln_refusal_in_doubt(in, NULL, c.why, out))
        st = CONV_UNKNOWN;
    else if (st == CONV_REFUSED)
        vuln_answer(out, TP_VULN_NO, "a TLS 1.2 hello was refused (%s)", c.why);
    else if (st != CONV_FLIGHT)
        vuln_answer(out, TP_VULN_UNKNOWN, "%s", c.why);
    if (st != CONV_FLIGHT)
        goto out;
    uint16_t version = c.flight.sh.version;
    if (!send_ccs(&c, version)) {
        vuln_answer(out, TP_VULN_UNKNOWN, "%s", c.why);
        goto out;
    }
    enum reply_end end1 = conv_read_reply(&c, ctx, CONV_WAIT_SILENCE, alert_enough, NULL, &first);
    if (end1 != REPLY_TIMEOUT || first.records > 0) {
        vuln_decide_ccs(&first, end1, NULL, REPLY_TIMEOUT, out);
        goto out;
    }
    if (!send_ccs(&c, version)) {
        vuln_answer(out, TP_VULN_UNKNOWN, "%s", c.why);
        goto out;
    }
    enum reply_end end2 = conv_read_reply(&c, ctx, CONV_WAIT_PATIENT, alert_enough, NULL, &second);
    vuln_decide_ccs(&first, end1, &second, end2, out);
out:
    conv_close(&c);
}
