/* reneg.c: renegotiation.
 *
 * Insecure renegotiation (CVE-2009-3555): without RFC 5746 a server lets
 * an attacker splice the victim's handshake onto a session of its own.
 * The server shows RFC 5746 support with renegotiation_info in its
 * ServerHello (RFC 5746 Sec. 3.6). Lacking it is vulnerable only when the
 * server also renegotiates: a server that refuses our renegotiation might
 * still start one itself (e.g. to ask for a client certificate), which a
 * client cannot test, so that case is unknown.
 *
 * Client-initiated renegotiation (CVE-2011-1473): every renegotiation costs
 * the server a private-key operation; accepting them from clients lets one
 * client keep a server's CPU busy on one connection. We start one after a
 * completed handshake (GnuTLS, src/tls/vuln_tls.h). */
#include "vuln/checks.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net/starttls.h"
#include "scan/plan.h"
#include "tls/vuln_tls.h"

#include "util/banned.h"

static void try_reneg(struct vuln_ctx *ctx, struct tls_reneg_result *r)
{
    int fd = -1;
    tp_error err = {0};
    const struct tp_config *cfg = ctx->cfg;
    memset(r, 0, sizeof *r);
    fd = vuln_connect(ctx, r->why, sizeof r->why);
    if (fd < 0) {
        r->outcome = TLS_RENEG_UNKNOWN;
        return;
    }
    if (cfg->starttls != TP_STARTTLS_NONE &&
        net_starttls(fd, cfg->starttls, ctx->sni != NULL ? ctx->sni : cfg->host,
                     tp_deadline_min_ms(ctx->deadline, cfg->connect_timeout_ms),
                     &err) != TP_OK) {
        r->outcome = TLS_RENEG_UNKNOWN;
        vuln_strf(r->why, sizeof r->why, "STARTTLS: %s", err.msg);
        close(fd);
        return;
    }
    tls_try_renegotiation(fd, cfg, ctx->sni, ctx->deadline, PLAN_MIN_TIMEOUT_MS * 3u, r);
    close(fd);
}

/* RFC 5746 support as the raw hello shows it: yes, no, or unknown; *tls12
 * says whether a TLS <= 1.2 version was accepted at all. */
static enum tp_tri rfc5746(struct vuln_ctx *ctx, bool *tls12, char *why, size_t size)
{
    struct probe_spec spec;
    struct conv c;
    vuln_tls12_spec(&spec, ctx->sni, NULL);
    enum conv_state st = conv_open_flight(ctx, &spec, &c);
    enum tp_tri secure = TP_TRI_UNKNOWN;
    *tls12 = st == CONV_FLIGHT;
    if (st == CONV_FLIGHT)
        secure = c.flight.sh.has_renegotiation_info ? TP_TRI_YES : TP_TRI_NO;
    vuln_strf(why, size, "%s", st == CONV_FLIGHT ? "" : c.why);
    if (st == CONV_REFUSED)
        secure = TP_TRI_NO, *tls12 = false;
    conv_close(&c);
    return st == CONV_UNKNOWN ? TP_TRI_UNKNOWN : secure;
}

void vuln_insecure_renegotiation(struct vuln_ctx *ctx, const struct vuln_input *in,
                                 struct vuln_answer *out)
{
    bool tls12 = false;
    char why[200];
    enum tp_tri secure = rfc5746(ctx, &tls12, why, sizeof why);
    if (secure == TP_TRI_UNKNOWN) {
        vuln_answer(out, TP_VULN_UNKNOWN, "%s", why);
        return;
    }
    if (!tls12 && vuln_refusal_in_doubt(in, NULL, why, out))
        return;
    if (!tls12) {
        vuln_answer(out, TP_VULN_NO,
                    "TLS 1.2 and earlier refused (%s): TLS 1.3 has no renegotiation", why);
        return;
    }
    if (secure == TP_TRI_YES) {
        vuln_answer(out, TP_VULN_NO, "the server supports secure renegotiation (RFC 5746)");
        return;
    }
    struct tls_reneg_result r;
    try_reneg(ctx, &r);
    if (r.outcome == TLS_RENEG_ACCEPTED)
        vuln_answer(out, TP_VULN_YES,
                    "no renegotiation_info (RFC 5746) and %s", r.why);
    else
        vuln_answer(out, TP_VULN_UNKNOWN,
                    "no renegotiation_info (RFC 5746); a renegotiation of ours: %s; one the "
                    "server starts cannot be tested from a client",
                    r.why);
}

void vuln_client_renegotiation(struct vuln_ctx *ctx, const struct vuln_input *in,
                               struct vuln_answer *out)
{
    struct tls_reneg_result r;
    (void)in;
    try_reneg(ctx, &r);
    switch (r.outcome) {
    case TLS_RENEG_ACCEPTED:
        vuln_answer(out, TP_VULN_YES, "%s", r.why);
        break;
    case TLS_RENEG_REFUSED:
    case TLS_RENEG_NO_TLS12:
        vuln_answer(out, TP_VULN_NO, "%s", r.why);
        break;
    default:
        vuln_answer(out, TP_VULN_UNKNOWN, "%s", r.why);
        break;
    }
}
