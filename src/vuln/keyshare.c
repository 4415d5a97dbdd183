/* keyshare.c: the server's ephemeral key share reused across handshakes.
 *
 * (EC)DHE gives forward secrecy only if the server's share is fresh; a
 * server that keeps one (some do, for speed, for a while) makes every
 * session under it fall with that one private key, and with finite-field
 * DH in TLS <= 1.2 opens the Raccoon timing attack (CVE-2020-1968, which
 * needs a reused DH secret). Two handshakes of each kind (TLS 1.3
 * key_share, TLS 1.2 ECDHE, TLS 1.2 DHE) and their shares compared. The
 * same bytes twice is reuse; different bytes are not (a share kept for a
 * longer period than two back-to-back handshakes would also show). */
#include "vuln/checks.h"

#include <stdio.h>
#include <string.h>

#include "scan/plan.h"
#include "wire/registry.h"

#include "util/banned.h"

#define SHARE_MAX 1024u

struct share {
    uint8_t bytes[SHARE_MAX];
    size_t len;
};

static bool ecdhe(uint16_t code)
{
    return plan_kx_family(code) == PLAN_KX_ECDHE;
}

static bool dhe(uint16_t code)
{
    return plan_kx_family(code) == PLAN_KX_DHE;
}

/* One handshake's share: 1 got it, 0 refused, -1 unknown. */
static int one_share(struct vuln_ctx *ctx, uint16_t version, bool (*keep)(uint16_t),
                     struct share *out, char *why, size_t size)
{
    struct probe_spec spec;
    struct conv c;
    if (version == TP_VER_TLS13) {
        probe_spec_defaults(&spec, TP_VER_TLS13, ctx->sni);
        spec.n_suites = plan_suite_candidates(TP_VER_TLS13, spec.suites, PLAN_MAX_CODES);
    } else {
        vuln_tls12_spec(&spec, ctx->sni, keep);
    }
    enum conv_state st = conv_open_flight(ctx, &spec, &c);
    int got = st == CONV_REFUSED ? 0 : -1;
    const uint8_t *p = NULL;
    size_t n = 0;
    if (st == CONV_FLIGHT && version == TP_VER_TLS13 && c.flight.sh.version == TP_VER_TLS13) {
        p = c.flight.sh.key_share;
        n = c.flight.sh.key_share_len;
    } else if (st == CONV_FLIGHT && version != TP_VER_TLS13 && c.flight.has_ske &&
               c.flight.ske_parsed) {
        p = c.flight.ske.params == TP_SKE_DHE ? c.flight.ske.dh_ys : c.flight.ske.point;
        n = c.flight.ske.params == TP_SKE_DHE ? c.flight.ske.dh_ys_len : c.flight.ske.point_len;
    }
    if (p != NULL && n > 0 && n <= SHARE_MAX) {
        memcpy(out->bytes, p, n);
        out->len = n;
        got = 1;
    } else if (st == CONV_FLIGHT) {
        vuln_strf(c.why, sizeof c.why, "no key share to compare in the reply");
    }
    vuln_strf(why, size, "%s", c.why);
    conv_close(&c);
    return got;
}

void vuln_key_share_reuse(struct vuln_ctx *ctx, const struct vuln_input *in,
                          struct vuln_answer *out)
{
    static const struct {
        const char *name;
        uint16_t version;
        bool (*keep)(uint16_t);
    } kinds[] = {
        {"TLS 1.3 key_share", TP_VER_TLS13, NULL},
        {"TLS 1.2 ECDHE", TP_VER_TLS12, ecdhe},
        {"TLS 1.2 DHE", TP_VER_TLS12, dhe},
    };
    char fresh[200] = "", unknown[300] = "", why[200];
    (void)in;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        struct share a, b;
        int ga = one_share(ctx, kinds[k].version, kinds[k].keep, &a, why, sizeof why);
        int gb = ga == 1 ? one_share(ctx, kinds[k].version, kinds[k].keep, &b, why, sizeof why)
                         : ga;
        if (ga == 1 && gb == 1 && a.len == b.len && memcmp(a.bytes, b.bytes, a.len) == 0) {
            vuln_answer(out, TP_VULN_YES,
                        "%s: the server sent the same %zu-byte key share in two handshakes",
                        kinds[k].name, a.len);
            return;
        }
        size_t f = strlen(fresh), u = strlen(unknown);
        if (ga == 1 && gb == 1)
            vuln_strf(fresh + f, sizeof fresh - f, "%s%s", f ? ", " : "", kinds[k].name);
        else if (ga < 0 || gb < 0)
            vuln_strf(unknown + u, sizeof unknown - u, "%s%s: %s", u ? "; " : "", kinds[k].name,
                     why);
    }
    if (unknown[0] != '\0')
        vuln_answer(out, TP_VULN_UNKNOWN, "fresh: %s; not compared: %s",
                    fresh[0] ? fresh : "none", unknown);
    else if (fresh[0] == '\0')
        vuln_answer(out, TP_VULN_NO, "no ephemeral (EC)DH key exchange was accepted");
    else
        vuln_answer(out, TP_VULN_NO, "a fresh key share in each of two handshakes: %s", fresh);
}
