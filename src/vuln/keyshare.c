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

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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

#define KINDS 3u

static const struct {
    const char *name;
    uint16_t version;
    bool (*keep)(uint16_t);
} kinds[KINDS] = {
    {"TLS 1.3 key_share", TP_VER_TLS13, NULL},
    {"TLS 1.2 ECDHE", TP_VER_TLS12, ecdhe},
    {"TLS 1.2 DHE", TP_VER_TLS12, dhe},
};

/* The two handshakes of every kind: a, b, their answers and why. */
struct share_pair {
    struct share a, b;
    int ga, gb;
    char why[200];
};

/* One handshake of the parallel run (behind a slow link), on a thread of
 * its own with a copy of the check's context (its own connection count). */
struct share_task {
    struct vuln_ctx ctx;
    size_t kind;
    struct share *out;
    int *got;
    char why[200];
    pthread_t thread;
    bool threaded;
};

static void *share_task_run(void *arg)
{
    struct share_task *t = arg;
    *t->got = one_share(&t->ctx, kinds[t->kind].version, kinds[t->kind].keep, t->out, t->why,
                        sizeof t->why);
    return NULL;
}

/* Behind a slow link all six handshakes at once: one round trip of
 * connect and one of hello instead of twelve one after another (a kind
 * that is refused costs its second connection here). Back to back in
 * the sense that matters: the server's shares of two handshakes it
 * served moments apart. */
static void shares_parallel(struct vuln_ctx *ctx, struct share_pair *pairs)
{
    struct share_task t[2 * KINDS];
    for (size_t i = 0; i < 2 * KINDS; i++) {
        struct share_pair *p = &pairs[i / 2];
        t[i] = (struct share_task){.ctx = *ctx, .kind = i / 2,
                                   .out = i % 2 == 0 ? &p->a : &p->b,
                                   .got = i % 2 == 0 ? &p->ga : &p->gb};
        t[i].ctx.connections = 0;
        t[i].threaded = pthread_create(&t[i].thread, NULL, share_task_run, &t[i]) == 0;
        if (!t[i].threaded)
            (void)share_task_run(&t[i]);
    }
    for (size_t i = 0; i < 2 * KINDS; i++) {
        if (t[i].threaded)
            pthread_join(t[i].thread, NULL);
        ctx->connections += t[i].ctx.connections;
        struct share_pair *p = &pairs[i / 2];
        int got = i % 2 == 0 ? p->ga : p->gb;
        if (got < 0 || p->why[0] == '\0')
            vuln_strf(p->why, sizeof p->why, "%s", t[i].why);
    }
}

static void shares_serial(struct vuln_ctx *ctx, struct share_pair *pairs)
{
    for (size_t k = 0; k < KINDS; k++) {
        struct share_pair *p = &pairs[k];
        p->ga = one_share(ctx, kinds[k].version, kinds[k].keep, &p->a, p->why, sizeof p->why);
        p->gb = p->ga == 1
                    ? one_share(ctx, kinds[k].version, kinds[k].keep, &p->b, p->why, sizeof p->why)
                    : p->ga;
    }
}

void vuln_key_share_reuse(struct vuln_ctx *ctx, const struct vuln_input *in,
                          struct vuln_answer *out)
{
    char fresh[200] = "", unknown[300] = "";
    struct share_pair *pairs = calloc(KINDS, sizeof *pairs);
    (void)in;
    if (pairs == NULL) {
        vuln_answer(out, TP_VULN_UNKNOWN, "out of memory");
        return;
    }
    if (ctx->half_close)
        shares_parallel(ctx, pairs);
    else
        shares_serial(ctx, pairs);
    for (size_t k = 0; k < KINDS; k++) {
        const struct share_pair *p = &pairs[k];
        int ga = p->ga, gb = p->ga == 1 ? p->gb : p->ga;
        if (ga == 1 && gb == 1 && p->a.len == p->b.len &&
            memcmp(p->a.bytes, p->b.bytes, p->a.len) == 0) {
            vuln_answer(out, TP_VULN_YES,
                        "%s: the server sent the same %zu-byte key share in two handshakes",
                        kinds[k].name, p->a.len);
            free(pairs);
            return;
        }
        size_t f = strlen(fresh), u = strlen(unknown);
        if (ga == 1 && gb == 1)
            vuln_strf(fresh + f, sizeof fresh - f, "%s%s", f ? ", " : "", kinds[k].name);
        else if (ga < 0 || gb < 0)
            vuln_strf(unknown + u, sizeof unknown - u, "%s%s: %s", u ? "; " : "", kinds[k].name,
                     p->why);
    }
    free(pairs);
    if (unknown[0] != '\0')
        vuln_answer(out, TP_VULN_UNKNOWN, "fresh: %s; not compared: %s",
                    fresh[0] ? fresh : "none", unknown);
    else if (fresh[0] == '\0')
        vuln_answer(out, TP_VULN_NO, "no ephemeral (EC)DH key exchange was accepted");
    else
        vuln_answer(out, TP_VULN_NO, "a fresh key share in each of two handshakes: %s", fresh);
}
