/* dtls.c: findings about a DTLS handshake (--dtls): the protocol version
 * (RFC 8996 deprecates DTLS 1.0 with TLS 1.1, whose design it shares) and
 * the cookie exchange that keeps a spoofed ClientHello from turning the
 * server into an amplifier (RFC 9147 Sec. 5.1, RFC 6347 Sec. 4.2.1). */
#include "grade/checks.h"

#include "wire/registry.h"
#include "util/banned.h"

static tp_status check_version(struct tp_report *r)
{
    if (r->handshake.version == TP_VER_DTLS10)
        return tp_report_add_finding(r, "protocol-dtls10",
                                     "server negotiated DTLSv1.0, which RFC 8996 forbids, "
                                     "although DTLSv1.2 was offered");
    if (r->dtls.dtls10_accepted == TP_TRI_YES)
        return tp_report_add_finding(r, "dtls-10-accepted",
                                     "server completes handshakes that offer only DTLSv1.0, "
                                     "which RFC 8996 forbids");
    return TP_OK;
}

/* RFC 6347 Sec. 4.2.1: servers SHOULD perform the cookie exchange;
 * RFC 9147 Sec. 5.1 names the threat: the first flight, sent to whatever
 * address the ClientHello claims, is larger than the ClientHello. */
static tp_status check_cookie(struct tp_report *r)
{
    const struct tp_dtls *d = &r->dtls;
    if (d->cookie_exchange != TP_TRI_NO)
        return TP_OK;
    if (d->amplification > 0)
        return tp_report_add_finding(r, "dtls-no-cookie",
                                     "server answered a ClientHello without a cookie "
                                     "exchange: %u bytes for %u (amplification factor %.1f)",
                                     (unsigned)d->first_flight_bytes,
                                     (unsigned)d->client_hello_bytes, d->amplification);
    return tp_report_add_finding(r, "dtls-no-cookie",
                                 "server answered a ClientHello without a cookie exchange");
}

tp_status grade_dtls(const struct grade_ctx *ctx)
{
    struct tp_report *r = ctx->report;
    if (!r->dtls.used)
        return TP_OK;
    TP_TRY(check_version(r));
    return check_cookie(r);
}
