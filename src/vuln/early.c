/* early.c: TLS 1.3 0-RTT replay (RFC 8446 Sec. 8).
 *
 * 0-RTT data is not protected against replay by the protocol; a server
 * that accepts it must bound replays itself (single-use tickets, a
 * ClientHello record, freshness checks). Observable from a client: resume
 * with one ticket and send early data, twice. Accepted both times is a
 * server that lets an attacker replay a captured 0-RTT request;
 * accepted once and declined with the same ticket again is anti-replay at
 * work; declined at once is a server without 0-RTT. The early data sent
 * is one CRLF, which HTTP servers skip before a request line (RFC 9112
 * Sec. 2.2); not checked with --starttls, where 0-RTT would carry the
 * dialect's own protocol. The ticket comes from a TLS 1.3 handshake
 * (GnuTLS, src/tls/). */
#include "vuln/checks.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tls/tls.h"
#include "tls/vuln_tls.h"
#include "wire/registry.h"

#include "util/banned.h"

static const uint8_t early_crlf[] = {'\r', '\n'};

static int connect_fd(struct vuln_ctx *ctx, char *why, size_t size)
{
    return vuln_connect(ctx, why, size);
}

/* A TLS 1.3 session to resume: 1 got, 0 none (no TLS 1.3 or no ticket),
 * -1 unknown. */
static int tls13_state(struct vuln_ctx *ctx, struct tls_resume *res, char *why, size_t size)
{
    struct tp_config cfg13 = *ctx->cfg;
    struct tp_report scratch;
    tp_error err = {0};
    cfg13.tls_min = cfg13.tls_max = TP_VER_TLS13;
    cfg13.priority = NULL;
    memset(res, 0, sizeof *res);
    int fd = connect_fd(ctx, why, size);
    if (fd < 0)
        return -1;
    tp_report_init(&scratch);
    tp_status st = tls_handshake_report_resumable(fd, &cfg13, ctx->sni, ctx->deadline, NULL, res,
                                                  &scratch, &err);
    close(fd);
    int got;
    if (st != TP_OK) {
        got = scratch.failure.alert == 70 ? 0 : -1; /* protocol_version */
        vuln_strf(why, size, "TLS 1.3 handshake: %s", err.msg);
    } else if (res->out == NULL) {
        got = 0;
        vuln_strf(why, size, "the server issued no TLS 1.3 ticket: no 0-RTT");
    } else {
        got = 1;
    }
    tp_report_finish(&scratch);
    return got;
}

static void early_once(struct vuln_ctx *ctx, const struct tls_resume *res,
                       struct tls_early_result *r)
{
    int fd = connect_fd(ctx, r->why, sizeof r->why);
    if (fd < 0) {
        r->outcome = TLS_EARLY_UNKNOWN;
        return;
    }
    tls_try_early_data(fd, ctx->cfg, ctx->sni, ctx->deadline, res->out, res->out_len,
                       early_crlf, sizeof early_crlf, r);
    close(fd);
}

void vuln_early_data_replay(struct vuln_ctx *ctx, const struct vuln_input *in,
                            struct vuln_answer *out)
{
    struct tls_resume res;
    struct tls_early_result first, again;
    char why[300];
    (void)in;
    if (ctx->cfg->starttls != TP_STARTTLS_NONE) {
        vuln_answer(out, TP_VULN_UNKNOWN, "not checked with --starttls");
        return;
    }
    int got = tls13_state(ctx, &res, why, sizeof why);
    if (got <= 0) {
        vuln_answer(out, got == 0 ? TP_VULN_NO : TP_VULN_UNKNOWN, "%s", why);
        free(res.out);
        return;
    }
    early_once(ctx, &res, &first);
    if (first.outcome == TLS_EARLY_ACCEPTED)
        early_once(ctx, &res, &again);
    free(res.out);
    if (first.outcome == TLS_EARLY_UNKNOWN)
        vuln_answer(out, TP_VULN_UNKNOWN, "%s", first.why);
    else if (first.outcome != TLS_EARLY_ACCEPTED)
        vuln_answer(out, TP_VULN_NO, "no 0-RTT: %s", first.why);
    else if (again.outcome == TLS_EARLY_ACCEPTED)
        vuln_answer(out, TP_VULN_YES,
                    "the server accepted the same ticket's 0-RTT data twice: a captured "
                    "early request can be replayed (RFC 8446 Sec. 8)");
    else if (again.outcome == TLS_EARLY_UNKNOWN)
        vuln_answer(out, TP_VULN_UNKNOWN, "0-RTT accepted; replaying it: %s", again.why);
    else
        vuln_answer(out, TP_VULN_NO,
                    "0-RTT accepted once; the same ticket's 0-RTT again: %s (anti-replay)",
                    again.why);
}
