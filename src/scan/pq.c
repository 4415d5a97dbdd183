/* pq.c: the post-quantum key exchange phase of --enum (see pq.h). */
#include "scan/pq.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/handshake.h"
#include "wire/keyshare.h"
#include "wire/registry.h"

#include "util/banned.h"

#define G_X25519MLKEM768 0x11EC

/* Standard hybrids first (what browsers offer), then the obsolete Kyber
 * draft and pure ML-KEM. */
static const uint16_t candidates[] = {0x11EC, 0x11EB, 0x11ED, 0x6399, 0x0201, 0x0202};

size_t pq_candidates(uint16_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0] && n < cap; i++)
        out[n++] = candidates[i];
    return n;
}

bool pq_is_post_quantum(uint16_t group, bool *obsolete_draft)
{
    const struct tp_group_info *g = tp_group_by_code(group);
    bool pq = g != NULL && (g->status & TP_GS_POST_QUANTUM) != 0;
    if (obsolete_draft != NULL)
        *obsolete_draft = pq && (g->status & TP_GS_OBSOLETE_DRAFT) != 0;
    return pq;
}

static const char *group_name(uint16_t group)
{
    const struct tp_group_info *g = tp_group_by_code(group);
    return g != NULL && g->iana_name != NULL ? g->iana_name : "an unknown group";
}

static void fmt(char *buf, size_t size, const char *f, ...) TP_PRINTF(3, 4);
static void fmt(char *buf, size_t size, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, size, f, ap);
    va_end(ap);
}

void pq_share_answer(uint16_t group, const struct probe_result *res, struct pq_group *g)
{
    tp_ks_layout lay;
    g->code = group;
    g->share_expected = tp_ks_layout_of(group, &lay) ? lay.server_bytes : 0;
    g->share_len = 0;
    if (res->outcome == PROBE_UNKNOWN) {
        g->share = TP_TRI_UNKNOWN;
        fmt(g->why, sizeof g->why, "%s", res->why);
        return;
    }
    if (res->outcome == PROBE_REFUSED) {
        g->share = TP_TRI_NO;
        fmt(g->why, sizeof g->why, "refused: %s", res->why);
        return;
    }
    if (res->version != TP_VER_TLS13 || !res->has_group) {
        g->share = TP_TRI_NO;
        fmt(g->why, sizeof g->why, "answered without TLS 1.3 key exchange: %s", res->why);
        return;
    }
    if (res->hrr) {
        /* RFC 8446 Sec. 4.2.8: the HRR's selected_group must not be one
         * the client sent a share for; the server did not take the share. */
        g->share = res->group == group ? TP_TRI_UNKNOWN : TP_TRI_NO;
        fmt(g->why, sizeof g->why, "HelloRetryRequest for %s although its share was sent",
            group_name(res->group));
        return;
    }
    if (res->group != group) {
        g->share = TP_TRI_NO;
        fmt(g->why, sizeof g->why, "ServerHello with %s (0x%04X), which was not offered",
            group_name(res->group), res->group);
        return;
    }
    g->share = TP_TRI_YES;
    g->share_len = res->key_share_len;
    if (g->share_expected != 0 && res->key_share_len != g->share_expected)
        fmt(g->why, sizeof g->why,
            "ServerHello with a %zu-byte share where the draft gives %zu bytes",
            res->key_share_len, g->share_expected);
    else
        fmt(g->why, sizeof g->why, "ServerHello with a %zu-byte share", res->key_share_len);
}

void pq_hrr_answer(uint16_t group, const struct probe_result *res, struct pq_group *g)
{
    if (res->outcome == PROBE_ACCEPTED && res->hrr && res->has_group && res->group == group) {
        g->hrr = TP_TRI_YES;
        fmt(g->hrr_why, sizeof g->hrr_why, "HelloRetryRequest for it");
    } else if (res->outcome == PROBE_REFUSED) {
        g->hrr = TP_TRI_NO;
        fmt(g->hrr_why, sizeof g->hrr_why, "refused: %s", res->why);
    } else if (res->outcome == PROBE_ACCEPTED && res->hrr && res->has_group) {
        g->hrr = TP_TRI_NO;
        fmt(g->hrr_why, sizeof g->hrr_why, "HelloRetryRequest for %s, not offered",
            group_name(res->group));
    } else {
        g->hrr = TP_TRI_UNKNOWN;
        fmt(g->hrr_why, sizeof g->hrr_why, "%s", res->why);
    }
}

/* An answer that shows the server read the whole hello: a ServerHello,
 * an HRR or an alert. A close without an alert, a reset or silence do not. */
static bool hello_read(const struct probe_result *res)
{
    return res->outcome == PROBE_ACCEPTED || (res->outcome == PROBE_REFUSED && res->alert >= 0);
}

enum tp_tri pq_large_hello(const struct probe_result *small, const struct probe_result *big,
                           size_t small_bytes, size_t big_bytes, char *why, size_t why_size)
{
    if (hello_read(big)) {
        fmt(why, why_size, "a %zu-byte ClientHello was answered: %s", big_bytes, big->why);
        return TP_TRI_YES;
    }
    if (!hello_read(small)) {
        fmt(why, why_size, "the %zu-byte ClientHello got %s, and the %zu-byte one %s", big_bytes,
            big->why, small_bytes, small->why);
        return TP_TRI_UNKNOWN;
    }
    fmt(why, why_size,
        "a %zu-byte ClientHello got %s, the same hello with an x25519 share only (%zu bytes) "
        "was answered",
        big_bytes, big->why, small_bytes);
    return TP_TRI_NO;
}

static bool picked(const struct probe_result *res, uint16_t group)
{
    return res->outcome == PROBE_ACCEPTED && !res->hrr && res->has_group && res->group == group;
}

enum tp_tri pq_preference(uint16_t p, uint16_t c, const struct probe_result *fwd,
                          const struct probe_result *rev, char *why, size_t why_size)
{
    const char *pn = group_name(p), *cn = group_name(c);
    bool fwd_p = picked(fwd, p), fwd_c = picked(fwd, c);
    bool rev_p = picked(rev, p), rev_c = picked(rev, c);
    if (fwd_p && rev_p) {
        fmt(why, why_size, "%s is picked over %s in either order (server order)", pn, cn);
        return TP_TRI_YES;
    }
    if (fwd_p && rev_c) {
        fmt(why, why_size, "%s is picked over %s when listed first (the client's order decides)",
            pn, cn);
        return TP_TRI_YES;
    }
    if (fwd_c && rev_c) {
        fmt(why, why_size, "%s is picked over %s in either order (server order)", cn, pn);
        return TP_TRI_NO;
    }
    if (fwd_c) {
        fmt(why, why_size, "%s is picked over %s even when %s is listed first", cn, pn, pn);
        return TP_TRI_NO;
    }
    fmt(why, why_size, "no pick between %s and %s: %s", pn, cn, fwd->why);
    return TP_TRI_UNKNOWN;
}

size_t pq_hello_bytes(const struct probe_spec *spec)
{
    uint8_t rnd[64] = {0};
    tp_writer wr;
    tp_error err = {0};
    tp_wr_init(&wr, 0, &err);
    size_t n = probe_build(spec, rnd, &wr, &err) == TP_OK ? tp_wr_len(&wr) : 0;
    tp_wr_finish(&wr);
    return n;
}

/* ---- the jobs ---- */

enum pq_job_kind { PJ_SHARE, PJ_HRR, PJ_SMALL, PJ_BIG, PJ_FWD, PJ_REV };

struct pq_job {
    struct scan_job base;       /* first: the runner sees only this */
    enum pq_job_kind kind;
    size_t gi;                  /* PJ_SHARE, PJ_HRR: index into pq_state.groups */
    bool sent;
    struct probe_spec spec;
    struct probe_result res;
};

static bool pq_next(struct scan_job *base, void *ctx, struct probe_spec *spec)
{
    struct pq_job *j = (struct pq_job *)base;
    (void)ctx;
    if (j->sent)
        return false;
    j->sent = true;
    *spec = j->spec;
    return true;
}

static void pq_done(struct scan_job *base, void *ctx, const struct probe_result *res)
{
    struct pq_job *j = (struct pq_job *)base;
    (void)ctx;
    j->res = *res;
}

static const struct scan_job_ops pq_ops = {.next = pq_next, .done = pq_done};

static void job_spec(struct pq_job *j, const char *sni, const uint16_t *suites, size_t n_suites,
                     uint32_t omit, const uint16_t *groups, size_t n_groups,
                     const uint16_t *shares, size_t n_shares)
{
    probe_spec_defaults(&j->spec, TP_VER_TLS13, sni);
    memcpy(j->spec.suites, suites, n_suites * sizeof suites[0]);
    j->spec.n_suites = n_suites;
    memcpy(j->spec.groups, groups, n_groups * sizeof groups[0]);
    j->spec.n_groups = n_groups;
    for (size_t i = 0; i < n_shares; i++)
        j->spec.share_groups[i] = shares[i];
    j->spec.n_share_groups = n_shares;
    j->spec.empty_key_share = n_shares == 0;
    j->spec.omit = omit;
}

static tp_status run(struct runner *r, struct pq_job *jobs, size_t n, tp_error *err)
{
    struct scan_job *ptrs[2 * PQ_MAX_GROUPS + 2];
    for (size_t i = 0; i < n; i++) {
        jobs[i].base.ops = &pq_ops;
        ptrs[i] = &jobs[i].base;
    }
    return runner_run(r, ptrs, n, err);
}

/* The classical group for the preference probes: the first of x25519,
 * secp256r1, secp384r1 the TLS 1.3 group enumeration found. */
static bool classical_of(const uint16_t *accepted, size_t n, uint16_t *out)
{
    static const uint16_t pref[] = {TP_GROUP_X25519, TP_GROUP_SECP256R1, TP_GROUP_SECP384R1};
    for (size_t i = 0; i < sizeof pref / sizeof pref[0]; i++)
        for (size_t k = 0; k < n; k++)
            if (accepted[k] == pref[i]) {
                *out = pref[i];
                return true;
            }
    return false;
}

/* The first standard hybrid accepted with its share. */
static bool hybrid_of(const struct pq_state *st, uint16_t *out)
{
    for (size_t i = 0; i < st->n_groups; i++) {
        const struct tp_group_info *g = tp_group_by_code(st->groups[i].code);
        if (st->groups[i].share == TP_TRI_YES && g != NULL && g->type != NULL &&
            strcmp(g->type, "hybrid-pq") == 0) {
            *out = st->groups[i].code;
            return true;
        }
    }
    return false;
}

/* Behind a path that drops big hellos a silent share probe says nothing. */
static void blame_path(struct pq_state *st, const struct pq_job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct pq_job *j = &jobs[i];
        struct pq_group *g = &st->groups[j->gi];
        if (j->kind != PJ_SHARE || hello_read(&j->res))
            continue;
        g->share = TP_TRI_UNKNOWN;
        fmt(g->why, sizeof g->why, "%s (a %zu-byte hello is not answered here)", j->res.why,
            st->big_bytes);
    }
}

/* The first round's jobs: a share and an HRR probe per candidate, the
 * small and the big hello. */
struct pq_round {
    struct pq_job jobs[2 * PQ_MAX_GROUPS + 2];
    size_t n, handed;
    size_t i_small, i_big;
};

tp_status pq_prepare(struct pq_round **round, const char *sni, const uint16_t *suites,
                     size_t n_suites, uint32_t omit, struct pq_state *out, tp_error *err)
{
    struct pq_round *pr = calloc(1, sizeof *pr);
    if (pr == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    uint16_t cand[PQ_MAX_GROUPS];
    size_t n_cand = pq_candidates(cand, PQ_MAX_GROUPS);
    struct pq_job *jobs = pr->jobs;
    memset(out, 0, sizeof *out);
    out->ran = true;
    size_t n = 0;
    for (size_t i = 0; i < n_cand; i++) {
        out->groups[out->n_groups++].code = cand[i];
        job_spec(&jobs[n], sni, suites, n_suites, omit, &cand[i], 1, &cand[i], 1);
        jobs[n].kind = PJ_SHARE;
        jobs[n++].gi = i;
        job_spec(&jobs[n], sni, suites, n_suites, omit, &cand[i], 1, NULL, 0);
        jobs[n].kind = PJ_HRR;
        jobs[n++].gi = i;
    }
    /* What Chrome and Firefox send, and the same with the small share. */
    static const uint16_t browser[] = {G_X25519MLKEM768, TP_GROUP_X25519, TP_GROUP_SECP256R1};
    static const uint16_t x25519[] = {TP_GROUP_X25519};
    pr->i_small = n;
    pr->i_big = n + 1;
    job_spec(&jobs[n], sni, suites, n_suites, omit, browser, 3, x25519, 1);
    jobs[n++].kind = PJ_SMALL;
    job_spec(&jobs[n], sni, suites, n_suites, omit, browser, 3, browser, 2);
    jobs[n].spec.pad_to = PQ_BIG_HELLO_BYTES;
    jobs[n++].kind = PJ_BIG;
    for (size_t i = 0; i < n; i++)
        jobs[i].base.ops = &pq_ops;
    pr->n = n;
    *round = pr;
    return TP_OK;
}

struct scan_job *pq_hand_out(struct pq_round *pr)
{
    if (pr == NULL || pr->handed == pr->n)
        return NULL;
    return &pr->jobs[pr->handed++].base;
}

void pq_discard(struct pq_round *pr)
{
    free(pr);
}

tp_status pq_complete(struct runner *r, struct pq_round *pr, const char *sni,
                      const uint16_t *suites, size_t n_suites, const uint16_t *accepted13,
                      size_t n_accepted13, uint32_t omit, struct pq_state *out, tp_error *err)
{
    struct pq_job *jobs = pr->jobs;
    size_t n = pr->n;
    /* What no runner took yet (a phase ended before it could) runs now. */
    if (pr->handed < n) {
        tp_status st = run(r, jobs + pr->handed, n - pr->handed, err);
        pr->handed = n;
        if (st != TP_OK)
            return st;
    }
    for (size_t i = 0; i < n; i++) {
        struct pq_group *g = &out->groups[jobs[i].gi];
        if (jobs[i].kind == PJ_SHARE)
            pq_share_answer(g->code, &jobs[i].res, g);
        else if (jobs[i].kind == PJ_HRR)
            pq_hrr_answer(g->code, &jobs[i].res, g);
    }
    out->small_bytes = pq_hello_bytes(&jobs[pr->i_small].spec);
    out->big_bytes = pq_hello_bytes(&jobs[pr->i_big].spec);
    out->large_hello = pq_large_hello(&jobs[pr->i_small].res, &jobs[pr->i_big].res,
                                      out->small_bytes, out->big_bytes, out->large_why,
                                      sizeof out->large_why);
    if (out->large_hello == TP_TRI_NO)
        blame_path(out, jobs, n);

    uint16_t p, c;
    if (!hybrid_of(out, &p) || !classical_of(accepted13, n_accepted13, &c))
        return TP_OK;
    struct pq_job pref[2];
    memset(pref, 0, sizeof pref);
    const uint16_t fwd[] = {p, c}, rev[] = {c, p};
    job_spec(&pref[0], sni, suites, n_suites, omit, fwd, 2, fwd, 2);
    pref[0].kind = PJ_FWD;
    job_spec(&pref[1], sni, suites, n_suites, omit, rev, 2, rev, 2);
    pref[1].kind = PJ_REV;
    TP_TRY(run(r, pref, 2, err));
    out->pref_ran = true;
    out->prefers_pq = pq_preference(p, c, &pref[0].res, &pref[1].res, out->pref_why,
                                    sizeof out->pref_why);
    return TP_OK;
}

tp_status pq_run(struct runner *r, const char *sni, const uint16_t *suites, size_t n_suites,
                 const uint16_t *accepted13, size_t n_accepted13, uint32_t omit,
                 struct pq_state *out, tp_error *err)
{
    struct pq_round *pr = NULL;
    TP_TRY(pq_prepare(&pr, sni, suites, n_suites, omit, out, err));
    tp_status st = pq_complete(r, pr, sni, suites, n_suites, accepted13, n_accepted13, omit,
                               out, err);
    pq_discard(pr);
    return st;
}

/* ---- into the model ---- */

static struct tp_scan_group *find_group(struct tp_scan *out, uint16_t code)
{
    for (size_t i = 0; i < out->n_groups; i++)
        if (out->groups[i].code == code)
            return &out->groups[i];
    return NULL;
}

static void append(char *buf, size_t size, const char *f, ...) TP_PRINTF(3, 4);
static void append(char *buf, size_t size, const char *f, ...)
{
    size_t len = strlen(buf);
    if (len + 1 >= size)
        return;
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf + len, size - len, f, ap);
    va_end(ap);
}

/* The post_quantum feature: yes when a standard ML-KEM group (hybrid or
 * pure) is accepted; the Kyber draft alone is no (browsers dropped it). */
static tp_status fill_summary(const struct pq_state *st, struct tp_scan *out)
{
    char detail[600] = "";
    enum tp_tri value = TP_TRI_NO;
    bool draft_only = false;
    for (size_t i = 0; i < st->n_groups; i++) {
        const struct pq_group *g = &st->groups[i];
        bool draft = false;
        (void)pq_is_post_quantum(g->code, &draft);
        enum tp_tri acc = g->share == TP_TRI_YES || g->hrr == TP_TRI_YES ? TP_TRI_YES
                          : g->share == TP_TRI_NO && g->hrr == TP_TRI_NO ? TP_TRI_NO
                                                                          : TP_TRI_UNKNOWN;
        if (acc == TP_TRI_YES && !draft)
            value = TP_TRI_YES;
        else if (acc == TP_TRI_YES)
            draft_only = true;
        else if (acc == TP_TRI_UNKNOWN && value == TP_TRI_NO)
            value = TP_TRI_UNKNOWN;
        append(detail, sizeof detail, "%s%s %s", detail[0] ? "; " : "", group_name(g->code),
               acc == TP_TRI_YES ? "accepted" : acc == TP_TRI_NO ? "not accepted" : "unknown");
        if (acc == TP_TRI_YES && g->share == TP_TRI_YES)
            append(detail, sizeof detail, " (%zu-byte server share%s)", g->share_len,
                   g->share_len != g->share_expected ? ", wrong size" : "");
        else if (acc == TP_TRI_YES)
            append(detail, sizeof detail, " (by HelloRetryRequest; share: %s)", g->why);
    }
    if (value == TP_TRI_NO && draft_only)
        append(detail, sizeof detail, "; only the pre-standard Kyber draft, which browsers no "
                                      "longer offer");
    return tp_scan_set_feature(out, "post_quantum", value, detail);
}

tp_status pq_fill(const struct pq_state *st, struct tp_scan *out)
{
    for (size_t i = 0; i < out->n_groups; i++)
        out->groups[i].post_quantum = pq_is_post_quantum(out->groups[i].code, NULL);
    if (!st->ran)
        return TP_OK;
    for (size_t i = 0; i < st->n_groups; i++) {
        const struct pq_group *pg = &st->groups[i];
        struct tp_scan_group *g = find_group(out, pg->code);
        bool accepted = pg->share == TP_TRI_YES || pg->hrr == TP_TRI_YES;
        if (g == NULL && !accepted)
            continue;
        if (g == NULL) {
            if ((g = tp_scan_add_group(out)) == NULL)
                return TP_E_NOMEM;
            g->code = pg->code;
            g->supported = TP_TRI_YES;
            g->post_quantum = pq_is_post_quantum(pg->code, NULL);
            g->bits = plan_group_bits(pg->code);
            TP_TRY(tp_set_str(&g->name, group_name(pg->code)));
        }
        g->versions_seen |= (uint16_t)(1u << (TP_VER_TLS13 - TP_VER_SSL3));
        g->probed = true;
        g->accepted_with_share = pg->share;
        g->selected_in_hrr = pg->hrr;
        g->share_bytes = (uint32_t)pg->share_len;
        g->share_bytes_expected = (uint32_t)pg->share_expected;
    }
    TP_TRY(fill_summary(st, out));
    if (st->pref_ran)
        TP_TRY(tp_scan_set_feature(out, "post_quantum_preferred", st->prefers_pq, st->pref_why));
    return tp_scan_set_feature(out, "large_client_hello", st->large_hello, st->large_why);
}
