/* dtls.c: findings about a DTLS handshake (--dtls): the protocol version
 * (RFC 8996 deprecates DTLS 1.0 with TLS 1.1, whose design it shares) and
 * the cookie exchange that keeps a spoofed ClientHello from turning the
 * server into an amplifier (RFC 9147 Sec. 5.1, RFC 6347 Sec. 4.2.1). */
#include "grade/checks.h"
#include "grade/policy.h"

#include <string.h>

#include "wire/handshake.h"
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
                                     "server completes handshakes that offer only DTLSv1.0 "
                                     "(TLS 1.1 over datagrams), which RFC 8996 forbids");
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

/* RFC 9146: without a connection ID a DTLS association is bound to the
 * address and port, and a NAT rebinding (frequent for sleepy devices)
 * costs a full handshake. Every --enum probe offers one. */
static tp_status check_cid(struct tp_report *r)
{
    if (!r->dtls.scan.run || r->dtls.scan.connection_id != TP_TRI_NO)
        return TP_OK;
    return tp_report_add_finding(r, "dtls-no-cid",
                                 "server ignored the connection_id extension (RFC 9146): a "
                                 "changed address or port costs a new handshake");
}

static bool accepted_12(const struct tp_dtls_enum *e, uint16_t code)
{
    for (size_t i = 0; i < e->n_suites[1]; i++)
        if (e->suites[1][i] == code)
            return true;
    return false;
}

/* --policy iot-rfc7925 (src/data/policy-rules.csv): RFC 7925 Sec. 4.2
 * makes TLS_PSK_WITH_AES_128_CCM_8 mandatory for PSK, Sec. 4.3-4.4
 * TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 for raw public keys and
 * certificates: a profile server accepts at least one. */
static tp_status check_rfc7925(struct tp_report *r, const struct tp_config *cfg)
{
    const struct tp_dtls_enum *e = &r->dtls.scan;
    if (!e->run || cfg->policy == NULL || strcmp(cfg->policy, "iot-rfc7925") != 0 ||
        e->complete[1] != TP_TRI_YES || e->versions[TP_DTLS_V12] != TP_TRI_YES)
        return TP_OK;
    if (accepted_12(e, 0xC0A8) || accepted_12(e, 0xC0AE))
        return TP_OK;
    return tp_report_add_finding(r, "dtls-rfc7925-suite-missing",
                                 "neither TLS_PSK_WITH_AES_128_CCM_8 nor "
                                 "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 is accepted in DTLSv1.2, "
                                 "the suites RFC 7925 makes mandatory");
}

/* --policy iot-rfc7925: RFC 7925 Sec. 4.3-4.4 makes secp256r1 the curve
 * of its ECDHE suites; a complete DTLS 1.2 group search without it means
 * a profile client cannot use ECDHE with this server. */
static tp_status check_rfc7925_curve(struct tp_report *r, const struct tp_config *cfg)
{
    const struct tp_dtls_enum *e = &r->dtls.scan;
    if (!e->run || cfg->policy == NULL || strcmp(cfg->policy, "iot-rfc7925") != 0 ||
        !e->groups_searched || e->groups_complete != TP_TRI_YES)
        return TP_OK;
    for (size_t i = 0; i < e->n_groups; i++)
        if (e->groups[i] == TP_GROUP_SECP256R1 && (e->group_versions[i] & 2u) != 0)
            return TP_OK;
    return tp_report_add_finding(r, "dtls-rfc7925-curve-missing",
                                 "the DTLSv1.2 ECDHE suites are accepted with %zu other "
                                 "group%s but not secp256r1, the curve RFC 7925 mandates",
                                 e->n_groups, e->n_groups == 1 ? "" : "s");
}

/* RFC 7250 Sec. 3: with a raw public key "the client has to verify the
 * key by other means", such as a pinned fingerprint: there is no chain,
 * so say what there is to pin. */
static tp_status check_raw_key(struct tp_report *r)
{
    const struct tp_dtls *d = &r->dtls;
    if (d->raw_public_key != TP_TRI_YES)
        return TP_OK;
    return tp_report_add_finding(r, "dtls-raw-public-key",
                                 "server authenticated with a raw public key (%s, %u bits), "
                                 "not a certificate: only a pinned SHA-256 %s vouches for it",
                                 d->rpk_type, d->rpk_bits, d->rpk_sha256);
}

tp_status grade_dtls(const struct grade_ctx *ctx)
{
    struct tp_report *r = ctx->report;
    if (!r->dtls.used)
        return TP_OK;
    TP_TRY(check_version(r));
    TP_TRY(check_raw_key(r));
    TP_TRY(check_cookie(r));
    TP_TRY(check_cid(r));
    TP_TRY(check_rfc7925(r, ctx->cfg));
    TP_TRY(check_rfc7925_curve(r, ctx->cfg));
    return grade_dtls_scan(r, ctx->cfg->policy);
}
