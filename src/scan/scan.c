/* scan.c: the phases of --enum (see scan.h) as jobs for the runner, and the
 * facts they leave in struct tp_scan. */
#include "scan/scan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan/intolerance.h"
#include "scan/plan.h"
#include "scan/pq.h"
#include "scan/probe.h"
#include "scan/runner.h"
#include "wire/alert.h"
#include "wire/registry.h"

#include "util/banned.h"

#define N_VERSIONS TP_SCAN_VERSIONS
#define V_SSL2 0
#define V_SSL3 1
#define V_TLS12 4
#define V_TLS13 5
/* Suites per hello when the full offer seemed to upset the server. */
#define RETRY_CHUNK 64
#define GROUP_MAX_CHUNK 64
/* Smallest group or scheme chunk on a slow link, and smallest half a split
 * leaves. Each chunk ends with a refusal (a connection). Behind a 300 ms
 * relay (which answers connect() itself) chunks and halves of 2-4 added ~40
 * connections for < 0.5 s; behind a packet-level link, where every step
 * costs a real round trip, chunks of 4 against 8 took 2.5 s instead of
 * 3.1 s for 21 more connections (nginx, TLS 1.2 and 1.3: ten groups). */
#define GROUP_MIN_CHUNK 4
/* Record size limit offered (RFC 8449 Sec. 4: >= 64); 512 is what small
 * devices ask for. */
#define OFFER_RECORD_SIZE_LIMIT 512
/* Follow-up rounds of a phase for offers that died suspiciously (plan.h,
 * poisoned picks): the family split, one style probe, then the halvings. */
#define MAX_ROUNDS (PLAN_SPLIT_MAX_LEVEL + 3)
/* A suite code no server may select (RFC 8701 Sec. 3: GREASE values are
 * unknown to every server): offered alone it shows how a refusal looks. */
#define STYLE_PROBE_SUITE 0x0A0A

static const uint16_t scan_versions[N_VERSIONS] = {
    TP_VER_SSL2, TP_VER_SSL3, TP_VER_TLS10, TP_VER_TLS11, TP_VER_TLS12, TP_VER_TLS13,
};

enum feature {
    F_FALLBACK,
    F_COMPRESSION,
    F_RENEG,
    F_EMS,
    F_ETM,
    F_TICKET,
    F_OCSP,
    F_MFL,
    F_RSL,
    F_HEARTBEAT,
    F_PSK_KE,      /* TLS 1.3 psk_ke, with --psk-key only */
    F_PSK_DHE_KE,  /* TLS 1.3 psk_dhe_ke, with --psk-key only */
    F_COUNT,
};

static const char *const feature_ids[F_COUNT] = {
    [F_FALLBACK] = "fallback_scsv",
    [F_COMPRESSION] = "compression",
    [F_RENEG] = "secure_renegotiation",
    [F_EMS] = "extended_master_secret",
    [F_ETM] = "encrypt_then_mac",
    [F_TICKET] = "session_ticket",
    [F_OCSP] = "ocsp_stapling",
    [F_MFL] = "max_fragment_length",
    [F_RSL] = "record_size_limit",
    [F_HEARTBEAT] = "heartbeat",
    [F_PSK_KE] = "psk_ke",
    [F_PSK_DHE_KE] = "psk_dhe_ke",
};

struct found_suite {
    uint32_t code;
    unsigned kx_bits;
    uint16_t group;
    bool has_group;
};

/* A suite the server selects and then abandons (plan.h, poisoned picks). */
struct broken_suite {
    uint16_t code;
    char how[96];
};

struct ver_state {
    uint16_t version;
    enum tp_tri supported;
    char why[200];
    struct probe_result probe;  /* the phase-1 version probe */
    uint16_t cand[PLAN_MAX_CODES];
    size_t n_cand;
    bool have_fwd, have_rev;
    uint16_t fwd, rev;
    struct found_suite found[PLAN_MAX_CODES];
    size_t n_found;
    bool retry_chunked;         /* the full offer got an alert that blames the hello */
    enum tp_tri server_order;
    uint16_t order[PLAN_MAX_CODES];
    size_t n_order;
    /* Whole-offer probes (reverse order, features, groups, schemes) offer
     * base: every candidate, or, when the full offer died, the key-exchange
     * parts that got a ServerHello. */
    uint16_t base[PLAN_MAX_CODES];
    size_t n_base;
    bool predicted;             /* suites eliminated after TLS 1.2's, predicted by them */
    enum plan_style style;      /* how this server refuses at this version */
    bool style_asked;           /* a J_STYLE probe is planned or done */
    struct broken_suite broken[PLAN_MAX_BROKEN];
    size_t n_broken;
};

struct feature_state {
    bool set;
    enum tp_tri value;
    char detail[200];
};

struct found_group {
    uint16_t code;
    uint16_t versions_seen;
};

struct scan_state {
    const char *sni;
    unsigned parallel;
    unsigned share;             /* phase 2: spread each elimination over this many chunks */
    bool slow_link;             /* round trip >= PLAN_SLOW_LINK_MS: trade connections for time */
    bool parallel_given;        /* --parallel was chosen, not the default: a hard cap */
    bool want_2b;               /* some version is predicted (mark_predicted) */
    bool injected_2b;           /* phase 2b's jobs joined phase 2's run */
    size_t more_next, more_end; /* of st->jobs: 2b jobs not yet handed to the runner */
    uint32_t rtt_ms;            /* as measured by phase 1 */
    struct ver_state ver[N_VERSIONS];
    struct found_group groups[PROBE_MAX_GROUPS];
    size_t n_groups;
    uint16_t sigalgs[PROBE_MAX_SIGALGS];
    size_t n_sigalgs;
    struct feature_state feat[F_COUNT];
    int top12;                  /* index of the highest of SSLv3..TLSv1.2 supported, -1 */
    struct job_list *jobs;      /* the running phase's jobs (for splits) */
    bool silent_deaths;         /* some version probe ended suspiciously (plan.h) */
    /* Parts every probe leaves out (TP_OFFER_*): the server aborts hellos
     * that carry them (check_intolerance). */
    uint32_t omit;
    bool rsl_aborted;           /* the record_size_limit probe was aborted */
    bool rsl_suspect;           /* an elimination probe (with record_size_limit) was */
    int rsl_vi;                 /* ... at this version */
    bool rsl_checked;           /* check_rsl_intolerance ran */
    bool restart;               /* run every phase again, leaving st->omit out */
    char incomplete[480];       /* why some list may be incomplete */
    const struct tp_config *cfg; /* for the --psk-key of the PSK mode probes */
    bool has_psk_hint;          /* some PSK ServerKeyExchange carried one */
    char psk_hint[PROBE_MAX_PSK_HINT + 1];
    struct pq_state pq;         /* the post-quantum phase (scan/pq.h) */
    struct pq_round *pq_round;  /* its first round, in phase 2's shadow (slow links) */
};

enum job_kind {
    J_VERSION,
    J_STYLE,
    J_REVERSE,
    J_SUITES,
    J_ORDER_FWD,
    J_ORDER_REV,
    J_MERGE,
    J_GROUPS13,
    J_GROUPS12,
    J_SIGALGS,
    J_FEATURE,
    J_TOLERANCE,
};

struct job {
    struct scan_job base;       /* first: the runner sees only this */
    enum job_kind kind;
    int vi;                     /* index into scan_state.ver */
    enum feature feature;
    bool sent;                  /* single-probe jobs */
    struct plan_elim elim;      /* elimination jobs */
    uint16_t offer[PLAN_MAX_CODES]; /* suites of single-probe and group/sigalg jobs */
    size_t n_offer;
    unsigned level;             /* J_VERSION, J_SUITES: poison split level (plan.h) */
    char died_how[96];          /* what the suspicious end of the offer looked like */
    struct probe_result res;    /* J_VERSION: the last answer */
    struct intol_search intol;  /* J_TOLERANCE */
    bool rsl;                   /* J_TOLERANCE: offer record_size_limit */
    bool rsl_first;             /* J_TOLERANCE: first the offer with it, as it is */
};

/* Jobs are allocated one by one: the runner holds pointers to them while
 * splitting adds more. */
struct job_list {
    struct job **items;
    size_t n, cap;
};

static void note_incomplete(struct scan_state *st, const char *fmt, ...) TP_PRINTF(2, 3);
static void note_incomplete(struct scan_state *st, const char *fmt, ...)
{
    size_t len = strlen(st->incomplete);
    if (len + 8 >= sizeof st->incomplete)
        return;
    if (len > 0) {
        snprintf(st->incomplete + len, sizeof st->incomplete - len, "; ");
        len += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->incomplete + len, sizeof st->incomplete - len, fmt, ap);
    va_end(ap);
}

static void set_feature(struct scan_state *st, enum feature f, enum tp_tri value,
                        const char *fmt, ...) TP_PRINTF(4, 5);
static void set_feature(struct scan_state *st, enum feature f, enum tp_tri value,
                        const char *fmt, ...)
{
    struct feature_state *fs = &st->feat[f];
    fs->set = true;
    fs->value = value;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fs->detail, sizeof fs->detail, fmt, ap);
    va_end(ap);
}

static const char *vname(uint16_t version)
{
    const char *n = tp_version_name(version);
    return n != NULL ? n : "an unknown version";
}

/* ---- facts from results ---- */

static void add_found(struct ver_state *v, uint32_t code, const struct probe_result *res)
{
    for (size_t i = 0; i < v->n_found; i++)
        if (v->found[i].code == code)
            return;
    if (v->n_found >= PLAN_MAX_CODES)
        return;
    struct found_suite *s = &v->found[v->n_found++];
    memset(s, 0, sizeof *s);
    s->code = code;
    if (res != NULL) {
        s->kx_bits = res->kx_bits;
        s->has_group = res->has_group;
        s->group = res->group;
    }
}

static void add_group(struct scan_state *st, uint16_t code, uint16_t version)
{
    uint16_t bit = (uint16_t)(1u << ((version - TP_VER_SSL3) & 15));
    for (size_t i = 0; i < st->n_groups; i++)
        if (st->groups[i].code == code) {
            st->groups[i].versions_seen |= bit;
            return;
        }
    if (st->n_groups < PROBE_MAX_GROUPS)
        st->groups[st->n_groups++] = (struct found_group){code, bit};
}

static void add_sigalg(struct scan_state *st, uint16_t code)
{
    if (!plan_elim_contains(st->sigalgs, st->n_sigalgs, code) && st->n_sigalgs < PROBE_MAX_SIGALGS)
        st->sigalgs[st->n_sigalgs++] = code;
}

static const char *suite_label(uint16_t code, char *buf, size_t size)
{
    const struct tp_suite_info *s = tp_suite_by_code(code);
    const char *name = s != NULL ? tp_suite_name(s) : NULL;
    if (name == NULL && s != NULL)
        name = s->openssl_name;
    if (name != NULL)
        return name;
    snprintf(buf, size, "0x%04X", code);
    return buf;
}

/* What the end of an offer looked like, as "server selects X but ...". */
static void describe_death(const struct probe_result *res, char *buf, size_t size)
{
    const char *name = res->alert >= 0 ? tp_alert_name((uint8_t)res->alert) : NULL;
    if (res->died_after_hello && res->alert >= 0)
        snprintf(buf, size, "sends alert %s (%d) after its ServerHello",
                 name != NULL ? name : "unassigned", res->alert);
    else if (res->died_after_hello)
        snprintf(buf, size, "closes the connection after its ServerHello");
    else if (res->outcome == PROBE_UNKNOWN && res->reset)
        snprintf(buf, size, "resets the connection");
    else if (res->alert >= 0)
        snprintf(buf, size, "answers alert %s (%d)", name != NULL ? name : "unassigned",
                 res->alert);
    else
        snprintf(buf, size, "closes the connection without an alert");
}

/* The likely cause, from what the suite needs that a server may lack. */
static const char *broken_hint(uint16_t code)
{
    const struct tp_suite_info *s = tp_suite_by_code(code);
    switch (plan_kx_family(code)) {
    case PLAN_KX_DHE:
        return " (no DH parameters?)";
    case PLAN_KX_STATIC_DH:
        return " (no certificate with a DH/ECDH key?)";
    default:
        break;
    }
    if (s != NULL && s->auth != NULL && strcmp(s->auth, "ECDSA") == 0)
        return " (no ECDSA certificate?)";
    if (s != NULL && s->auth != NULL && strcmp(s->auth, "DSS") == 0)
        return " (no DSA certificate?)";
    return "";
}

static void add_broken(struct ver_state *v, uint16_t code, const char *how)
{
    for (size_t i = 0; i < v->n_broken; i++)
        if (v->broken[i].code == code)
            return;
    if (v->n_broken >= PLAN_MAX_BROKEN)
        return;
    struct broken_suite *b = &v->broken[v->n_broken++];
    b->code = code;
    snprintf(b->how, sizeof b->how, "%s", how);
}

/* A refusal with handshake_failure or insufficient_security: the server
 * says "no common suite" when it has none (plan.h). */
static void learn_style(struct ver_state *v, const struct probe_result *res)
{
    if (res->outcome == PROBE_REFUSED &&
        (res->alert == TP_AD_HANDSHAKE_FAILURE || res->alert == TP_AD_INSUFFICIENT_SECURITY))
        v->style = PLAN_STYLE_CLEAN;
}

/* Alerts that blame the hello itself rather than the offer (RFC 8446 Sec.
 * 6.2): a server sending one to the full offer may choke on its length. */
static bool alert_blames_hello(int alert)
{
    return alert == 10 || alert == 22 || alert == 47 || alert == 50 || alert == 80;
}

/* Alerts that refuse the version or the suites, as a server that simply
 * lacks them sends (RFC 8446 Sec. 6.2): not a sign of intolerance. */
static bool alert_refuses_offer(int alert)
{
    return alert == TP_AD_PROTOCOL_VERSION || alert == TP_AD_HANDSHAKE_FAILURE ||
           alert == TP_AD_INSUFFICIENT_SECURITY;
}

/* The server ended the probe rather than refusing its offer: a close or a
 * reset, a ServerHello and then death, or an alert that does not refuse
 * the version or the suites (scan/intolerance.h). */
static bool probe_aborted(const struct probe_result *res)
{
    switch (res->outcome) {
    case PROBE_ACCEPTED:
        return res->died_after_hello;
    case PROBE_REFUSED:
        return res->alert < 0 || !alert_refuses_offer(res->alert);
    case PROBE_UNKNOWN:
    default:
        return res->reset || (res->transport_failure && !res->got_bytes);
    }
}

static void version_done(struct ver_state *v, const struct probe_result *res)
{
    v->probe = *res;
    if (res->outcome == PROBE_ACCEPTED && res->version == v->version) {
        v->supported = TP_TRI_YES;
        snprintf(v->why, sizeof v->why, "%s", res->why);
        if (v->version == TP_VER_SSL2) {
            for (size_t i = 0; i < res->n_ssl2_kinds; i++)
                add_found(v, res->ssl2_kinds[i], NULL);
            if (res->n_ssl2_kinds_total == 0)
                snprintf(v->why, sizeof v->why,
                         "SSLv2 SERVER-HELLO listing no cipher kind: SSLv2 is enabled");
        } else {
            v->have_fwd = true;
            v->fwd = res->suite;
            add_found(v, res->suite, res);
        }
    } else if (res->outcome == PROBE_ACCEPTED && v->version == TP_VER_SSL2) {
        v->supported = TP_TRI_NO;
        snprintf(v->why, sizeof v->why, "answered the SSLv2 CLIENT-HELLO with a %s ServerHello",
                 vname(res->version));
    } else if (res->outcome == PROBE_ACCEPTED && res->version < v->version) {
        v->supported = TP_TRI_NO;
        snprintf(v->why, sizeof v->why, "server chose %s instead", vname(res->version));
    } else if (res->outcome == PROBE_ACCEPTED) {
        v->supported = TP_TRI_UNKNOWN;
        snprintf(v->why, sizeof v->why, "server answered with %s, above the offer",
                 vname(res->version));
    } else if (res->outcome == PROBE_REFUSED) {
        v->supported = TP_TRI_NO;
        snprintf(v->why, sizeof v->why, "%s", res->why);
        v->retry_chunked = v->version != TP_VER_SSL2 && alert_blames_hello(res->alert);
    } else {
        v->supported = TP_TRI_UNKNOWN;
        snprintf(v->why, sizeof v->why, "%s", res->why);
    }
}

/* poison: the offer is suites, and a suspicious end splits it (plan.h);
 * otherwise (groups, schemes, order) any refusal ends the elimination. */
static enum plan_answer elim_answer(const struct probe_result *res, uint16_t version,
                                    bool poison, const char **why)
{
    *why = res->why;
    if (res->outcome == PROBE_REFUSED)
        return poison && plan_refusal_suspicious(res->alert) ? PLAN_ANSWER_DIED
                                                              : PLAN_ANSWER_REFUSED;
    if (poison && res->outcome == PROBE_UNKNOWN && res->reset)
        return PLAN_ANSWER_DIED;
    if (res->outcome == PROBE_ACCEPTED && res->version == version)
        return poison && res->died_after_hello ? PLAN_ANSWER_PICK_DIED : PLAN_ANSWER_PICK;
    if (res->outcome == PROBE_ACCEPTED)
        *why = "server switched version during elimination";
    return PLAN_ANSWER_UNKNOWN;
}

/* ---- feature probes ---- */

static bool suite_has(uint16_t code, uint32_t flag)
{
    const struct tp_suite_info *s = tp_suite_by_code(code);
    return s != NULL && (s->flags & flag) != 0;
}

/* RFC 7366 Sec. 2: a server echoes encrypt_then_mac only for a CBC suite. */
static void take_etm(struct scan_state *st, int vi, const struct probe_result *res)
{
    if (st->feat[F_ETM].set || vi != st->top12 || res->outcome != PROBE_ACCEPTED ||
        res->version != st->ver[vi].version || !suite_has(res->suite, TP_SF_CBC))
        return;
    set_feature(st, F_ETM, res->encrypt_then_mac ? TP_TRI_YES : TP_TRI_NO,
                "with CBC suite 0x%04X: %s", res->suite,
                res->encrypt_then_mac ? "echoed" : "not echoed");
}

static void take_rsl(struct scan_state *st, int vi, const struct probe_result *res)
{
    if (st->feat[F_RSL].set || vi != st->top12 || res->outcome != PROBE_ACCEPTED ||
        res->version != st->ver[vi].version)
        return;
    set_feature(st, F_RSL, res->record_size_limit != 0 ? TP_TRI_YES : TP_TRI_NO,
                "offered record_size_limit %u with %s: %s", OFFER_RECORD_SIZE_LIMIT,
                vname(st->ver[vi].version),
                res->record_size_limit != 0 ? "server sent its limit" : "not echoed");
}

/* RFC 8446 Sec. 4.2.9: offered one mode alone, a ServerHello with
 * pre_shared_key (the PSK accepted) and, for psk_dhe_ke, a key_share (or
 * for psk_ke none) says the server supports it; a certificate handshake or
 * a refusal says it does not. */
static void psk_mode_done(struct scan_state *st, enum feature feature,
                          const struct probe_result *res)
{
    bool dhe = feature == F_PSK_DHE_KE;
    const char *mode = dhe ? "psk_dhe_ke" : "psk_ke";
    if (res->outcome == PROBE_UNKNOWN) {
        set_feature(st, feature, TP_TRI_UNKNOWN, "%s probe: %s", mode, res->why);
        return;
    }
    if (res->outcome == PROBE_REFUSED) {
        set_feature(st, feature, TP_TRI_NO, "offered %s alone: refused (%s)", mode, res->why);
        return;
    }
    if (res->hrr) {
        set_feature(st, feature, TP_TRI_UNKNOWN, "offered %s alone: HelloRetryRequest", mode);
        return;
    }
    bool yes = res->version == TP_VER_TLS13 && res->psk_accepted && res->has_group == dhe;
    set_feature(st, feature, yes ? TP_TRI_YES : TP_TRI_NO, "offered %s alone: %s", mode,
                !res->psk_accepted ? "the server did not accept the PSK"
                : yes              ? "ServerHello with pre_shared_key"
                                   : "ServerHello with another key exchange");
}

static void feature_done(struct scan_state *st, int vi, enum feature feature,
                         const struct probe_result *res)
{
    const struct ver_state *v = &st->ver[vi];
    bool ok = res->outcome == PROBE_ACCEPTED && res->version == v->version;
    switch (feature) {
    case F_FALLBACK:
        /* RFC 7507 Sec. 3: a server supporting a higher version MUST answer
         * inappropriate_fallback(86). */
        if (res->outcome == PROBE_REFUSED && res->alert == TP_AD_INAPPROPRIATE_FALLBACK)
            set_feature(st, F_FALLBACK, TP_TRI_YES,
                        "%s hello with TLS_FALLBACK_SCSV: inappropriate_fallback", vname(v->version));
        else if (ok)
            set_feature(st, F_FALLBACK, TP_TRI_NO,
                        "%s hello with TLS_FALLBACK_SCSV was accepted", vname(v->version));
        else
            set_feature(st, F_FALLBACK, TP_TRI_UNKNOWN, "fallback probe: %s", res->why);
        return;
    case F_COMPRESSION:
        if (ok)
            set_feature(st, F_COMPRESSION, res->compression == 1 ? TP_TRI_YES : TP_TRI_NO,
                        "offered DEFLATE and null with %s: server chose %s", vname(v->version),
                        res->compression == 1 ? "DEFLATE (CRIME)" : "null");
        else
            set_feature(st, F_COMPRESSION, TP_TRI_UNKNOWN, "compression probe: %s", res->why);
        if (v->version == TP_VER_SSL3)
            set_feature(st, F_HEARTBEAT, TP_TRI_NO, "SSLv3 has no extensions");
        else if (ok)
            set_feature(st, F_HEARTBEAT, res->heartbeat ? TP_TRI_YES : TP_TRI_NO,
                        "heartbeat extension (RFC 6520) %s", res->heartbeat ? "echoed" : "not echoed");
        else
            set_feature(st, F_HEARTBEAT, TP_TRI_UNKNOWN, "heartbeat probe: %s", res->why);
        return;
    case F_MFL:
        if (ok)
            set_feature(st, F_MFL, res->max_fragment_length == 1 ? TP_TRI_YES : TP_TRI_NO,
                        "offered max_fragment_length 2^9 with %s: %s", vname(v->version),
                        res->max_fragment_length == 1 ? "echoed" : "not echoed");
        else
            set_feature(st, F_MFL, TP_TRI_UNKNOWN, "max_fragment_length probe: %s", res->why);
        return;
    case F_RSL:
        if (ok)
            set_feature(st, F_RSL, res->record_size_limit != 0 ? TP_TRI_YES : TP_TRI_NO,
                        "offered record_size_limit %u with %s: %s", OFFER_RECORD_SIZE_LIMIT,
                        vname(v->version), res->record_size_limit != 0 ? "server sent its limit"
                                                                      : "not echoed");
        else
            set_feature(st, F_RSL, TP_TRI_UNKNOWN, "record_size_limit probe: %s", res->why);
        /* Its offer is one the version probe had answered without it. */
        st->rsl_aborted |= !ok && probe_aborted(res);
        return;
    case F_PSK_KE:
    case F_PSK_DHE_KE:
        psk_mode_done(st, feature, res);
        return;
    default:
        return;
    }
}

static void feature_spec(const struct scan_state *st, const struct job *j, struct probe_spec *spec)
{
    const struct ver_state *v = &st->ver[j->vi];
    probe_spec_defaults(spec, v->version, st->sni);
    memcpy(spec->suites, j->offer, j->n_offer * sizeof j->offer[0]);
    spec->n_suites = j->n_offer;
    switch (j->feature) {
    case F_FALLBACK:
        spec->fallback_scsv = true;
        break;
    case F_RSL:
        spec->record_size_limit = OFFER_RECORD_SIZE_LIMIT;
        break;
    case F_PSK_KE:
    case F_PSK_DHE_KE:
        /* The runner would offer both modes: this probe offers one. */
        spec->psk_identity = (const uint8_t *)st->cfg->psk_identity;
        spec->psk_identity_len = strlen(st->cfg->psk_identity);
        spec->psk_key = st->cfg->psk_key;
        spec->psk_key_len = st->cfg->psk_key_len;
        spec->psk_ke = j->feature == F_PSK_KE;
        spec->psk_dhe_ke = j->feature == F_PSK_DHE_KE;
        break;
    default:
        break;
    }
}

/* ---- the job state machine ---- */

static bool single_shot(struct job *j)
{
    if (j->sent)
        return false;
    j->sent = true;
    return true;
}

static void spec_suites(struct probe_spec *spec, const uint16_t *codes, size_t n)
{
    memcpy(spec->suites, codes, n * sizeof codes[0]);
    spec->n_suites = n;
}

static bool job_next_offer(struct job *j, struct scan_state *st, struct probe_spec *spec)
{
    struct ver_state *v = &st->ver[j->vi];
    switch (j->kind) {
    case J_VERSION:
        if (v->version == TP_VER_SSL2) {
            if (!single_shot(j))
                return false;
            probe_spec_defaults(spec, v->version, st->sni);
            return true;
        }
        if (j->elim.state != PLAN_ELIM_RUNNING)
            return false;
        probe_spec_defaults(spec, v->version, st->sni);
        spec_suites(spec, j->elim.remaining, j->elim.n_remaining);
        return true;
    case J_STYLE:
        if (!single_shot(j))
            return false;
        probe_spec_defaults(spec, v->version, st->sni);
        spec->suites[0] = STYLE_PROBE_SUITE;
        spec->n_suites = 1;
        return true;
    case J_REVERSE:
    case J_ORDER_FWD:
    case J_ORDER_REV:
        if (!single_shot(j))
            return false;
        probe_spec_defaults(spec, v->version, st->sni);
        spec_suites(spec, j->offer, j->n_offer);
        if (j->kind == J_REVERSE && j->vi == st->top12) {
            /* The cheapest place for the features a server must ignore
             * when it lacks them (RFC 5246 Sec. 7.4.1.2, 7.4.1.4): DEFLATE
             * (RFC 3749), heartbeat (RFC 6520), max_fragment_length (RFC
             * 6066 Sec. 4). record_size_limit gets its own probe: a server
             * that knows it must then ignore max_fragment_length (RFC 8449
             * Sec. 5). */
            spec->deflate = true;
            spec->heartbeat = v->version >= TP_VER_TLS10;
            spec->max_fragment_length = v->version >= TP_VER_TLS10 ? 1 : 0;
        }
        return true;
    case J_FEATURE:
        if (!single_shot(j))
            return false;
        feature_spec(st, j, spec);
        return true;
    case J_SUITES:
    case J_MERGE:
        if (j->elim.state != PLAN_ELIM_RUNNING)
            return false;
        probe_spec_defaults(spec, v->version, st->sni);
        spec_suites(spec, j->elim.remaining, j->elim.n_remaining);
        /* A server must ignore what it does not know (RFC 5246 Sec.
         * 7.4.1.4): record_size_limit (RFC 8449) costs no probe here. */
        if (j->kind == J_SUITES && v->version >= TP_VER_TLS10 && v->version <= TP_VER_TLS12)
            spec->record_size_limit = OFFER_RECORD_SIZE_LIMIT;
        return true;
    case J_GROUPS13:
    case J_GROUPS12:
        if (j->elim.state != PLAN_ELIM_RUNNING)
            return false;
        probe_spec_defaults(spec, v->version, st->sni);
        spec_suites(spec, j->offer, j->n_offer);
        memcpy(spec->groups, j->elim.remaining, j->elim.n_remaining * sizeof(uint16_t));
        spec->n_groups = j->elim.n_remaining;
        /* RFC 8446 Sec. 4.2.8: an empty client_shares asks the server to
         * name its group in a HelloRetryRequest. */
        spec->empty_key_share = j->kind == J_GROUPS13;
        return true;
    case J_SIGALGS:
        if (j->elim.state != PLAN_ELIM_RUNNING)
            return false;
        probe_spec_defaults(spec, v->version, st->sni);
        spec_suites(spec, j->offer, j->n_offer);
        memcpy(spec->sigalgs, j->elim.remaining, j->elim.n_remaining * sizeof(uint16_t));
        spec->n_sigalgs = j->elim.n_remaining;
        return true;
    case J_TOLERANCE: {
        uint32_t omit = 0;
        if (j->rsl_first) {
            if (!single_shot(j))
                return false;
        } else if (!intol_next(&j->intol, &omit)) {
            return false;
        }
        probe_spec_defaults(spec, v->version, st->sni);
        spec_suites(spec, j->offer, j->n_offer);
        spec->omit = omit;
        if (j->rsl)
            spec->record_size_limit = OFFER_RECORD_SIZE_LIMIT;
        return true;
    }
    default:
        return false;
    }
}

/* Every probe leaves out what the server is known to abort on. */
static bool job_next(struct scan_job *base, void *ctx, struct probe_spec *spec)
{
    struct job *j = (struct job *)base;
    struct scan_state *st = ctx;
    if (!job_next_offer(j, st, spec))
        return false;
    spec->omit |= st->omit;
    return true;
}

static void elim_step(struct scan_state *st, struct job *j, const struct probe_result *res,
                      bool have_pick, uint16_t pick, const char *what)
{
    const char *why;
    struct ver_state *v = &st->ver[j->vi];
    bool poison = j->kind == J_SUITES || j->kind == J_VERSION;
    enum plan_answer a = elim_answer(res, v->version, poison, &why);
    if ((a == PLAN_ANSWER_PICK || a == PLAN_ANSWER_PICK_DIED) && !have_pick) {
        a = PLAN_ANSWER_UNKNOWN;
        why = "the reply did not show which one the server chose";
    }
    if (a == PLAN_ANSWER_DIED)
        describe_death(res, j->died_how, sizeof j->died_how);
    if (a == PLAN_ANSWER_PICK_DIED && plan_elim_contains(j->elim.remaining, j->elim.n_remaining,
                                                         pick)) {
        char how[96];
        describe_death(res, how, sizeof how);
        add_broken(v, pick, how);
    }
    plan_elim_answer(&j->elim, a, pick, why);
    /* A version's unknown is reported with the version. */
    if (j->elim.state == PLAN_ELIM_INCOMPLETE && j->kind != J_VERSION)
        note_incomplete(st, "%s %s: %s", vname(st->ver[j->vi].version), what, j->elim.why);
}

static void job_done(struct scan_job *base, void *ctx, const struct probe_result *res)
{
    struct job *j = (struct job *)base;
    struct scan_state *st = ctx;
    struct ver_state *v = &st->ver[j->vi];
    /* A ServerHello whose flight then died does not show an accepted suite. */
    bool same_version = res->outcome == PROBE_ACCEPTED && res->version == v->version &&
                        !res->died_after_hello;
    learn_style(v, res);
    if (res->has_psk_hint && !st->has_psk_hint) {
        st->has_psk_hint = true;
        memcpy(st->psk_hint, res->psk_hint, sizeof st->psk_hint);
    }
    switch (j->kind) {
    case J_VERSION:
        j->res = *res;
        if (v->version == TP_VER_SSL2)
            return;
        if (res->outcome == PROBE_ACCEPTED && res->version != v->version)
            j->elim.state = PLAN_ELIM_DONE; /* answered with another version: settled */
        else
            elim_step(st, j, res, true, res->suite, "version");
        return;
    case J_STYLE:
        /* Anything but a clean refusal of a suite nobody selects: refusals
         * cannot be told from a server that abandons its pick. */
        if (v->style != PLAN_STYLE_CLEAN)
            v->style = PLAN_STYLE_CLOSES;
        return;
    case J_REVERSE:
    case J_ORDER_REV:
        if (same_version) {
            v->have_rev = true;
            v->rev = res->suite;
            add_found(v, res->suite, res);
        }
        take_etm(st, j->vi, res);
        if (j->kind == J_REVERSE && j->vi == st->top12) {
            feature_done(st, j->vi, F_COMPRESSION, res);
            if (v->version >= TP_VER_TLS10)
                feature_done(st, j->vi, F_MFL, res);
        }
        return;
    case J_ORDER_FWD:
        if (same_version) {
            v->have_fwd = true;
            v->fwd = res->suite;
        }
        return;
    case J_SUITES:
        if (same_version)
            add_found(v, res->suite, res);
        take_etm(st, j->vi, res);
        take_rsl(st, j->vi, res);
        /* These carry record_size_limit (job_next): see check_rsl_intolerance. */
        if (!st->rsl_suspect && probe_aborted(res) && v->version >= TP_VER_TLS10 &&
            v->version <= TP_VER_TLS12 && !(st->omit & TP_OFFER_RECORD_SIZE_LIMIT)) {
            st->rsl_suspect = true;
            st->rsl_vi = j->vi;
        }
        elim_step(st, j, res, true, res->suite, "cipher suites");
        return;
    case J_MERGE:
        elim_step(st, j, res, true, res->suite, "server order");
        return;
    case J_GROUPS13:
    case J_GROUPS12:
        if (same_version && res->has_group)
            add_group(st, res->group, v->version);
        elim_step(st, j, res, res->has_group, res->group, "groups");
        return;
    case J_SIGALGS:
        if (same_version && res->has_sigalg)
            add_sigalg(st, res->sigalg);
        elim_step(st, j, res, res->has_sigalg, res->sigalg, "signature schemes");
        return;
    case J_FEATURE:
        feature_done(st, j->vi, j->feature, res);
        return;
    case J_TOLERANCE:
        if (j->rsl_first) {
            /* Answered with record_size_limit: not the culprit. */
            j->rsl_first = false;
            if (!probe_aborted(res))
                j->intol.step = INTOL_DONE;
            return;
        }
        intol_answer(&j->intol, same_version);
        return;
    default:
        return;
    }
}

static struct job *new_job(struct job_list *l, enum job_kind kind, int vi);

/* Work sharing: when workers would sit idle, an elimination hands half of
 * what it has left to a new job (the halves stay disjoint, so the union of
 * the picks is the same). Suites split down to PLAN_MIN_SUITE_CHUNK,
 * groups and schemes to GROUP_MIN_CHUNK: a smaller half adds a final
 * refusal more often than it shortens a chain. */
static struct scan_job *job_split(struct scan_job *base, void *ctx)
{
    struct job *j = (struct job *)base;
    struct scan_state *st = ctx;
    size_t min;
    switch (j->kind) {
    case J_SUITES:
        min = PLAN_MIN_SUITE_CHUNK;
        break;
    case J_GROUPS13:
    case J_GROUPS12:
    case J_SIGALGS:
        min = GROUP_MIN_CHUNK;
        break;
    default:
        return NULL;
    }
    if (!st->slow_link || st->jobs == NULL || j->elim.state != PLAN_ELIM_RUNNING ||
        j->elim.n_remaining < 2 * min)
        return NULL;
    struct job *nj = new_job(st->jobs, j->kind, j->vi);
    if (nj == NULL)
        return NULL;
    uint16_t keep[PLAN_MAX_CODES], give[PLAN_MAX_CODES];
    size_t n_keep = plan_chunk(j->elim.remaining, j->elim.n_remaining, 2, 0, keep);
    size_t n_give = plan_chunk(j->elim.remaining, j->elim.n_remaining, 2, 1, give);
    memcpy(j->elim.remaining, keep, n_keep * sizeof keep[0]);
    j->elim.n_remaining = n_keep;
    plan_elim_init(&nj->elim, give, n_give);
    memcpy(nj->offer, j->offer, j->n_offer * sizeof j->offer[0]);
    nj->n_offer = j->n_offer;
    nj->level = j->level;
    return &nj->base;
}

/* Eliminations continue after a pick; single probes end at their answer. */
static bool job_may_continue(const struct scan_job *base, void *ctx)
{
    const struct job *j = (const struct job *)base;
    (void)ctx;
    switch (j->kind) {
    case J_SUITES:
    case J_MERGE:
    case J_GROUPS13:
    case J_GROUPS12:
    case J_SIGALGS:
        return plan_elim_may_continue(&j->elim);
    default:
        return false;
    }
}

static const struct scan_job_ops job_ops = {job_next, job_done, job_split, job_may_continue};

/* ---- building the job lists ---- */

static struct job *new_job(struct job_list *l, enum job_kind kind, int vi)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct job **p = realloc(l->items, cap * sizeof *p);
        if (p == NULL)
            return NULL;
        l->items = p;
        l->cap = cap;
    }
    struct job *j = calloc(1, sizeof *j);
    if (j == NULL)
        return NULL;
    l->items[l->n++] = j;
    j->base.ops = &job_ops;
    j->kind = kind;
    j->vi = vi;
    return j;
}

static void drop_last_job(struct job_list *l)
{
    free(l->items[--l->n]);
}

static void job_list_clear(struct job_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    l->n = 0;
}

/* Run the jobs l->items[from..]. */
static tp_status run_jobs(struct scan_state *st, struct runner *r, struct job_list *l,
                          size_t from, tp_error *err)
{
    if (l->n <= from)
        return TP_OK;
    size_t n = l->n - from;
    struct scan_job **ptrs = calloc(n, sizeof *ptrs);
    if (ptrs == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        ptrs[i] = &l->items[from + i]->base;
    st->jobs = l;
    tp_status status = runner_run(r, ptrs, n, err);
    st->jobs = NULL;
    free(ptrs);
    return status;
}

/* codes without the ones in minus (at most two). */
static size_t without(const uint16_t *in, size_t n, const uint16_t *minus, size_t n_minus,
                      uint16_t *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!plan_elim_contains(minus, n_minus, in[i]))
            out[m++] = in[i];
    return m;
}

static tp_status add_chunk_jobs(struct job_list *l, enum job_kind kind, int vi,
                                const uint16_t *codes, size_t n, size_t chunks,
                                const uint16_t *offer, size_t n_offer)
{
    for (size_t c = 0; c < chunks; c++) {
        uint16_t part[PLAN_MAX_CODES];
        size_t m = plan_chunk(codes, n, chunks, c, part);
        if (m == 0)
            continue;
        struct job *j = new_job(l, kind, vi);
        if (j == NULL)
            return TP_E_NOMEM;
        plan_elim_init(&j->elim, part, m);
        if (n_offer > 0) /* offer may be NULL then: memcpy must not see it */
            memcpy(j->offer, offer, n_offer * sizeof offer[0]);
        j->n_offer = n_offer;
    }
    return TP_OK;
}

/* A version probe is an elimination that ends at its first clean pick: a
 * pick whose flight dies is left out and the rest offered again, and a
 * suspicious end splits the offer (follow_up). */
static struct job *add_version_job(struct job_list *l, int vi, const uint16_t *codes, size_t n,
                                   unsigned level)
{
    struct job *j = new_job(l, J_VERSION, vi);
    if (j == NULL)
        return NULL;
    plan_elim_init(&j->elim, codes, n);
    j->elim.first_pick_only = true;
    memcpy(j->offer, codes, n * sizeof codes[0]);
    j->n_offer = n;
    j->level = level;
    return j;
}

static tp_status plan_phase1(struct scan_state *st, struct job_list *l)
{
    for (int i = 0; i < N_VERSIONS; i++)
        if (add_version_job(l, i, st->ver[i].cand, st->ver[i].n_cand, 0) == NULL)
            return TP_E_NOMEM;
    return TP_OK;
}

/* ---- offers that died suspiciously (plan.h, poisoned picks) ---- */

static bool version_job_accepted(const struct job *j, uint16_t version)
{
    return j->kind == J_VERSION && j->res.outcome == PROBE_ACCEPTED &&
           j->res.version == version && !j->res.died_after_hello;
}

static bool version_answered(const struct job_list *l, size_t end, int vi, uint16_t version)
{
    for (size_t k = 0; k < end; k++)
        if (l->items[k]->vi == vi && version_job_accepted(l->items[k], version))
            return true;
    return false;
}

/* Split a dead offer into new jobs of its kind one level down, single out
 * its culprit, or ask how the server refuses first. */
static tp_status follow_up(struct scan_state *st, struct job_list *l, struct job *j)
{
    struct ver_state *v = &st->ver[j->vi];
    /* A version probe never pays for the style probe: its parts are
     * halved only when the server is already known to refuse cleanly. */
    enum plan_style style = j->kind == J_VERSION && v->style == PLAN_STYLE_UNKNOWN
                                ? PLAN_STYLE_CLOSES
                                : v->style;
    struct plan_split *sp = malloc(sizeof *sp);
    if (sp == NULL)
        return TP_E_NOMEM;
    plan_poison_split(j->elim.remaining, j->elim.n_remaining, j->level, style, sp);
    tp_status status = TP_OK;
    switch (sp->step) {
    case PLAN_SPLIT_FAMILIES:
    case PLAN_SPLIT_HALVES:
        for (size_t p = 0; p < sp->n_parts; p++) {
            size_t n;
            const uint16_t *part = plan_split_part(sp, p, &n);
            struct job *nj = j->kind == J_VERSION
                                 ? add_version_job(l, j->vi, part, n, j->level + 1)
                                 : new_job(l, J_SUITES, j->vi);
            if (nj == NULL) {
                status = TP_E_NOMEM;
                break;
            }
            if (j->kind != J_VERSION) {
                plan_elim_init(&nj->elim, part, n);
                nj->level = j->level + 1;
            }
        }
        break;
    case PLAN_SPLIT_CULPRIT:
        add_broken(v, sp->codes[0], j->died_how);
        break;
    case PLAN_SPLIT_NEED_STYLE: {
        if (!v->style_asked) {
            v->style_asked = true;
            if (new_job(l, J_STYLE, j->vi) == NULL) {
                status = TP_E_NOMEM;
                break;
            }
        }
        /* Decided again after the style probe, in the next round. */
        struct job *nj = new_job(l, j->kind, j->vi);
        if (nj == NULL) {
            status = TP_E_NOMEM;
            break;
        }
        nj->elim = j->elim;
        nj->level = j->level;
        snprintf(nj->died_how, sizeof nj->died_how, "%s", j->died_how);
        break;
    }
    case PLAN_SPLIT_GIVE_UP:
    default:
        break; /* a refusal like any other */
    }
    free(sp);
    return status;
}

/* After a round: follow up the offers of jobs[from..end) that died. */
static tp_status plan_follow_ups(struct scan_state *st, struct job_list *l, size_t from,
                                 size_t end)
{
    /* A peer that closes every version probe may not speak TLS at all:
     * splitting its offers would only multiply the closes. */
    bool spoke = false;
    for (size_t k = 0; k < end; k++)
        spoke |= l->items[k]->kind == J_VERSION && l->items[k]->res.got_bytes;
    for (size_t k = from; k < end; k++) {
        struct job *j = l->items[k];
        if ((j->kind != J_SUITES && j->kind != J_VERSION) || j->elim.state != PLAN_ELIM_DIED)
            continue;
        /* Without a word from the server, TLS 1.2 alone is split: a
         * Dovecot-like peer closing on every refusal, TLS 1.2 only, with a
         * poisoned first pick, would otherwise look like no TLS at all. */
        if (j->kind == J_VERSION &&
            ((!spoke && j->vi != V_TLS12) || version_answered(l, end, j->vi, st->ver[j->vi].version)))
            continue;
        TP_TRY(follow_up(st, l, j));
    }
    return TP_OK;
}

/* Run a phase's jobs, then the follow-ups of its dead offers, round after
 * round until none is left. A healthy server never needs a second round. */
static tp_status check_rsl_intolerance(struct scan_state *st, struct runner *r,
                                       struct job_list *l, tp_error *err);

static tp_status run_rounds(struct scan_state *st, struct runner *r, struct job_list *l,
                           tp_error *err)
{
    size_t from = 0;
    for (unsigned round = 0;; round++) {
        TP_TRY(run_jobs(st, r, l, from, err));
        /* Follow-up rounds (phase 1's above all, before phase 2 sets the
         * parallelism) run with the slots a measured slow link allows:
         * their halvings are many single probes side by side. */
        if (r->measured) {
            unsigned p = plan_parallel(st->parallel, st->parallel_given,
                                       plan_link_rtt(r->rtt_ms, r->connect_measured,
                                                     r->connect_ms));
            if (p > r->limits.parallel)
                r->limits.parallel = p;
        }
        /* Before splitting offers that died: was it record_size_limit? */
        if (st->rsl_suspect && !st->rsl_checked) {
            TP_TRY(check_rsl_intolerance(st, r, l, err));
            if (st->restart)
                return TP_OK;
        }
        size_t end = l->n;
        if (round + 1 == MAX_ROUNDS)
            break;
        TP_TRY(plan_follow_ups(st, l, from, end));
        if (l->n == end)
            break;
        from = end;
    }
    return TP_OK;
}

/* Base for whole-offer probes of a version whose full offer did not
 * answer cleanly: the parts that did, without the broken suites. */
static void set_base_from_parts(struct ver_state *v, const struct job_list *l, int vi)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n_cand; i++) {
        uint16_t c = v->cand[i];
        bool broken = false;
        for (size_t b = 0; b < v->n_broken; b++)
            broken |= v->broken[b].code == c;
        if (broken)
            continue;
        for (size_t k = 0; k < l->n; k++) {
            const struct job *j = l->items[k];
            if (j->vi == vi && version_job_accepted(j, v->version) &&
                plan_elim_contains(j->offer, j->n_offer, c)) {
                v->base[n++] = c;
                break;
            }
        }
    }
    v->n_base = n;
}

/* Phase 1's verdicts: a version is supported when its full offer, or any
 * part of it, got a clean ServerHello of that version. */
static void settle_versions(struct scan_state *st, const struct job_list *l)
{
    for (int vi = 0; vi < N_VERSIONS; vi++) {
        struct ver_state *v = &st->ver[vi];
        const struct job *first = NULL, *first_part = NULL, *decider = NULL;
        size_t n_parts = 0;
        bool parts_refused = true;
        for (size_t k = 0; k < l->n; k++) {
            const struct job *j = l->items[k];
            if (j->kind != J_VERSION || j->vi != vi)
                continue;
            if (first == NULL) {
                first = j;
            } else {
                if (first_part == NULL)
                    first_part = j;
                n_parts++;
                parts_refused &= j->res.outcome == PROBE_REFUSED;
            }
            if (decider == NULL && version_job_accepted(j, v->version))
                decider = j;
        }
        if (first == NULL)
            continue;
        st->silent_deaths |= first->elim.state == PLAN_ELIM_DIED;
        if (decider != NULL) {
            version_done(v, &decider->res);
            if (decider != first || first->elim.n_broken > 0) {
                /* Its pick was not made from the whole offer: no order
                 * inference from it (phase 3 does that). */
                v->have_fwd = false;
                set_base_from_parts(v, l, vi);
                size_t len = strlen(v->why);
                snprintf(v->why + len, sizeof v->why - len,
                         " (offered by key-exchange family: the full offer got %.80s)",
                         first->res.why);
            }
            continue;
        }
        /* A reset of the full offer whose parts were all refused: a refusal. */
        const struct job *said = first;
        if (first_part != NULL && parts_refused && first->res.outcome == PROBE_UNKNOWN)
            said = first_part;
        version_done(v, &said->res);
        if (n_parts > 0) {
            size_t len = strlen(v->why);
            snprintf(v->why + len, sizeof v->why - len,
                     "; offered by key-exchange family too, no part was accepted");
        }
    }
}

/* A peer that closes every connection without a byte tells nothing: it may
 * refuse every offer, or not speak TLS at all. Say unknown, not no. */
static void check_silent_closes(struct scan_state *st)
{
    for (int i = 0; i < N_VERSIONS; i++)
        if (st->ver[i].supported == TP_TRI_YES || st->ver[i].probe.got_bytes ||
            st->ver[i].probe.outcome != PROBE_REFUSED)
            return;
    for (int i = 0; i < N_VERSIONS; i++) {
        st->ver[i].supported = TP_TRI_UNKNOWN;
        snprintf(st->ver[i].why, sizeof st->ver[i].why,
                 "every version probe was closed without a reply: a refusal cannot be told "
                 "from a peer that does not speak TLS");
    }
}

/* A server seen to end offers suspiciously, not known to refuse cleanly:
 * every chunk's last answer would be such an end and cost a family split;
 * split by family from the start instead (plan.h, poisoned picks). */
static tp_status add_family_jobs(struct scan_state *st, struct job_list *l, int i,
                                 const uint16_t *rest, size_t n, size_t max_chunk)
{
    struct plan_split *sp = malloc(sizeof *sp);
    if (sp == NULL)
        return TP_E_NOMEM;
    tp_status status = TP_OK;
    plan_poison_split(rest, n, 0, PLAN_STYLE_CLOSES, sp);
    size_t n_parts = sp->step == PLAN_SPLIT_FAMILIES ? sp->n_parts : 1;
    size_t first = l->n;
    for (size_t p = 0; p < n_parts && status == TP_OK; p++) {
        size_t m = n;
        const uint16_t *part = sp->step == PLAN_SPLIT_FAMILIES ? plan_split_part(sp, p, &m) : rest;
        size_t chunks = plan_chunk_count(m, max_chunk, PLAN_MIN_SUITE_CHUNK,
                                         (st->share + n_parts - 1) / n_parts);
        status = add_chunk_jobs(l, J_SUITES, i, part, m, chunks, NULL, 0);
    }
    for (size_t k = first; k < l->n; k++)
        l->items[k]->level = 1;
    free(sp);
    return status;
}

/* Suites of a supported version: the full offer reversed (its pick against
 * the version probe's says whether the server enforces its order, RFC 5246
 * Sec. 7.4.1.3 leaves the choice to it) and elimination over disjoint chunks
 * of the rest, side by side. */
static tp_status plan_suite_jobs(struct scan_state *st, struct job_list *l, int i)
{
    struct ver_state *v = &st->ver[i];
    uint16_t rest[PLAN_MAX_CODES];
    if (v->version == TP_VER_SSL2)
        return TP_OK; /* the SERVER-HELLO listed them all */
    if (v->supported != TP_TRI_YES && !v->retry_chunked)
        return TP_OK;
    if (v->supported == TP_TRI_YES) {
        struct job *j = new_job(l, J_REVERSE, i);
        if (j == NULL)
            return TP_E_NOMEM;
        plan_reverse(v->base, v->n_base, j->offer);
        j->n_offer = v->n_base;
    }
    if (v->predicted)
        return TP_OK; /* phase 2b */
    size_t n = without(v->cand, v->n_cand, &v->fwd, v->have_fwd ? 1 : 0, rest);
    /* A version probe answered with the full offer proves long hellos
     * work; only a version that needed the retry keeps it short. */
    size_t max_chunk = v->retry_chunked              ? RETRY_CHUNK
                       : v->supported == TP_TRI_YES ? PLAN_MAX_CODES
                                                    : PLAN_MAX_CHUNK;
    if (st->silent_deaths && v->style != PLAN_STYLE_CLEAN)
        return add_family_jobs(st, l, i, rest, n, max_chunk);
    /* TLS 1.2 leads the versions predicted from it (mark_predicted): its
     * chain is the scan's longest, give it half the slots. Without the
     * prediction (slots to spare) every version may take half: the runner
     * queues what does not fit at once, and what bounds the scan is the
     * longest chain. */
    size_t share = st->share;
    bool lead = v->version == TP_VER_TLS12 && st->want_2b;
    if (st->slow_link && (lead || !st->want_2b) && share < st->parallel / 2)
        share = st->parallel / 2;
    size_t chunks = plan_chunk_count_slow(n, max_chunk, PLAN_MIN_SUITE_CHUNK, share);
    return add_chunk_jobs(l, J_SUITES, i, rest, n, chunks, NULL, 0);
}

static size_t suites_matching(const struct ver_state *v, bool (*keep)(const struct tp_suite_info *),
                              uint16_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n_base; i++) {
        const struct tp_suite_info *s = tp_suite_by_code(v->base[i]);
        if (s != NULL && keep(s))
            out[n++] = v->base[i];
    }
    return n;
}

static bool is_ecdhe(const struct tp_suite_info *s)
{
    return s->kx != NULL && strncmp(s->kx, "ECDHE", 5) == 0 && (s->flags & TP_SF_PSK) == 0;
}

/* Finite-field DHE suites whose ServerKeyExchange is signed (RFC 5246
 * Sec. 7.4.3); with is_ecdhe, every suite that shows a signature scheme. */
static bool is_signed_dhe(const struct tp_suite_info *s)
{
    return (s->flags & TP_SF_PFS) != 0 && !is_ecdhe(s) &&
           (s->flags & (TP_SF_ANON | TP_SF_PSK | TP_SF_SRP)) == 0;
}

static tp_status plan_group_jobs(struct scan_state *st, struct job_list *l)
{
    uint16_t codes[PROBE_MAX_GROUPS];
    if (st->ver[V_TLS13].supported == TP_TRI_YES) {
        const struct ver_state *v = &st->ver[V_TLS13];
        size_t n = plan_group_candidates(PLAN_GROUPS_TLS13, codes, PROBE_MAX_GROUPS);
        size_t chunks = plan_chunk_count(n, GROUP_MAX_CHUNK, GROUP_MIN_CHUNK, st->share);
        TP_TRY(add_chunk_jobs(l, J_GROUPS13, V_TLS13, codes, n, chunks, v->base, v->n_base));
    }
    if (st->top12 > V_SSL3) {
        const struct ver_state *v = &st->ver[st->top12];
        uint16_t offer[PLAN_MAX_CODES];
        size_t n_offer = suites_matching(v, is_ecdhe, offer);
        size_t n = plan_group_candidates(PLAN_GROUPS_ECDHE, codes, PROBE_MAX_GROUPS);
        size_t chunks = plan_chunk_count(n, GROUP_MAX_CHUNK, GROUP_MIN_CHUNK, st->share);
        if (n_offer > 0)
            TP_TRY(add_chunk_jobs(l, J_GROUPS12, st->top12, codes, n, chunks, offer, n_offer));
    }
    if (st->ver[V_TLS12].supported == TP_TRI_YES) {
        const struct ver_state *v = &st->ver[V_TLS12];
        uint16_t offer[PLAN_MAX_CODES];
        /* ECDHE before DHE: either shows the signature scheme, and a
         * server in client order then spares itself a modular DH key. */
        size_t n_offer = suites_matching(v, is_ecdhe, offer);
        n_offer += suites_matching(v, is_signed_dhe, offer + n_offer);
        size_t n = plan_sigscheme_candidates(codes, PROBE_MAX_SIGALGS);
        size_t chunks = plan_chunk_count(n, GROUP_MAX_CHUNK, GROUP_MIN_CHUNK, st->share);
        if (n_offer > 0)
            TP_TRY(add_chunk_jobs(l, J_SIGALGS, V_TLS12, codes, n, chunks, offer, n_offer));
    }
    return TP_OK;
}

static tp_status add_feature_job(struct scan_state *st, struct job_list *l, enum feature f,
                                 int vi, bool (*keep)(const struct tp_suite_info *))
{
    struct job *j = new_job(l, J_FEATURE, vi);
    if (j == NULL)
        return TP_E_NOMEM;
    j->feature = f;
    const struct ver_state *v = &st->ver[vi];
    if (keep != NULL) {
        j->n_offer = suites_matching(v, keep, j->offer);
        if (j->n_offer == 0) {
            drop_last_job(l); /* nothing to offer: no probe */
            set_feature(st, f, TP_TRI_UNKNOWN, "no candidate suite for this probe");
        }
    } else {
        memcpy(j->offer, v->base, v->n_base * sizeof v->base[0]);
        j->n_offer = v->n_base;
    }
    return TP_OK;
}

/* Features read off the top TLS <= 1.2 version probe's ServerHello. */
static void features_from_version_probe(struct scan_state *st)
{
    if (st->top12 < 0) {
        const char *why = st->ver[V_TLS13].supported == TP_TRI_YES
                              ? "not applicable: only TLS 1.3 is supported"
                              : "no SSLv3..TLSv1.2 version supported";
        set_feature(st, F_RENEG, TP_TRI_UNKNOWN, "%s (TLS 1.3 has no renegotiation)", why);
        if (st->ver[V_TLS13].supported == TP_TRI_YES)
            set_feature(st, F_EMS, TP_TRI_YES,
                        "TLS 1.3 binds the whole handshake into its key schedule (RFC 8446 "
                        "Sec. 7.1)");
        else
            set_feature(st, F_EMS, TP_TRI_UNKNOWN, "%s", why);
        set_feature(st, F_TICKET, TP_TRI_UNKNOWN,
                    "%s; TLS 1.3 tickets come after the handshake, not probed", why);
        set_feature(st, F_OCSP, TP_TRI_UNKNOWN,
                    "%s; TLS 1.3 staples inside the encrypted Certificate, not probed", why);
        return;
    }
    const struct ver_state *v = &st->ver[st->top12];
    const struct probe_result *p = &v->probe;
    const char *n = vname(v->version);
    set_feature(st, F_RENEG, p->renegotiation_info ? TP_TRI_YES : TP_TRI_NO,
                "renegotiation_info (RFC 5746) %s in the %s ServerHello",
                p->renegotiation_info ? "present" : "absent", n);
    if (v->version == TP_VER_SSL3) {
        set_feature(st, F_EMS, TP_TRI_NO, "SSLv3 has no extensions");
        set_feature(st, F_TICKET, TP_TRI_NO, "SSLv3 has no extensions");
        set_feature(st, F_OCSP, TP_TRI_NO, "SSLv3 has no extensions");
        return;
    }
    set_feature(st, F_EMS, p->extended_master_secret ? TP_TRI_YES : TP_TRI_NO,
                "extended_master_secret (RFC 7627) %s with %s",
                p->extended_master_secret ? "echoed" : "not echoed", n);
    set_feature(st, F_TICKET, p->session_ticket ? TP_TRI_YES : TP_TRI_NO,
                "session_ticket (RFC 5077) %s with %s",
                p->session_ticket ? "echoed" : "not echoed", n);
    set_feature(st, F_OCSP, p->status_request ? TP_TRI_YES : TP_TRI_NO,
                "status_request (RFC 6066 Sec. 8) %s with %s",
                p->status_request ? "echoed" : "not echoed", n);
}

static bool psk_given(const struct scan_state *st)
{
    return st->cfg->psk_identity != NULL && st->cfg->psk_key != NULL;
}

/* With --psk-key and TLS 1.3: which psk_key_exchange_modes the server
 * takes, one probe each. */
static tp_status plan_psk_mode_jobs(struct scan_state *st, struct job_list *l)
{
    if (!psk_given(st))
        return TP_OK;
    if (st->ver[V_TLS13].supported != TP_TRI_YES) {
        set_feature(st, F_PSK_KE, TP_TRI_UNKNOWN, "TLS 1.3 not supported");
        set_feature(st, F_PSK_DHE_KE, TP_TRI_UNKNOWN, "TLS 1.3 not supported");
        return TP_OK;
    }
    TP_TRY(add_feature_job(st, l, F_PSK_KE, V_TLS13, NULL));
    return add_feature_job(st, l, F_PSK_DHE_KE, V_TLS13, NULL);
}

static tp_status plan_feature_jobs(struct scan_state *st, struct job_list *l)
{
    TP_TRY(plan_psk_mode_jobs(st, l));
    int supported[N_VERSIONS];
    size_t n_sup = 0;
    for (int i = V_TLS13; i >= V_SSL3; i--)
        if (st->ver[i].supported == TP_TRI_YES)
            supported[n_sup++] = i;
    if (n_sup >= 2)
        TP_TRY(add_feature_job(st, l, F_FALLBACK, supported[1], NULL));
    else
        set_feature(st, F_FALLBACK, TP_TRI_UNKNOWN,
                    "not applicable: %s of SSLv3..TLSv1.3 supported, nothing to fall back from",
                    n_sup == 0 ? "no version" : "only one version");
    features_from_version_probe(st);
    if (st->top12 < 0) {
        bool only13 = st->ver[V_TLS13].supported == TP_TRI_YES;
        if (only13)
            set_feature(st, F_COMPRESSION, TP_TRI_NO,
                        "TLS 1.3 has no compression (RFC 8446 Sec. 4.1.2)");
        else
            set_feature(st, F_COMPRESSION, TP_TRI_UNKNOWN, "no SSLv3..TLSv1.2 version supported");
        const char *enc = only13 ? "TLS 1.3 answers in the encrypted EncryptedExtensions, not probed"
                                 : "no TLS version supported";
        set_feature(st, F_ETM, only13 ? TP_TRI_NO : TP_TRI_UNKNOWN, "%s",
                    only13 ? "not applicable: TLS 1.3 has only AEAD suites" : enc);
        set_feature(st, F_MFL, TP_TRI_UNKNOWN, "%s", enc);
        set_feature(st, F_RSL, TP_TRI_UNKNOWN, "%s", enc);
        set_feature(st, F_HEARTBEAT, TP_TRI_UNKNOWN, "%s", enc);
        return TP_OK;
    }
    /* Compression, heartbeat and max_fragment_length ride on the top
     * version's reversed-order probe (job_next). */
    if (st->top12 == V_SSL3) {
        set_feature(st, F_MFL, TP_TRI_NO, "SSLv3 has no extensions");
        set_feature(st, F_RSL, TP_TRI_NO, "SSLv3 has no extensions");
        set_feature(st, F_ETM, TP_TRI_NO, "SSLv3 has no extensions");
        return TP_OK;
    }
    /* encrypt_then_mac is offered in every TLS <= 1.2 probe and
     * record_size_limit in every suite elimination probe (job_next): the
     * first CBC pick, the first pick, at the top version tells. */
    const struct probe_result *p = &st->ver[st->top12].probe;
    take_etm(st, st->top12, p);
    return TP_OK;
}

/* After phase 2: what the elimination probes did not tell. */
static tp_status plan_leftover_features(struct scan_state *st, struct job_list *l)
{
    if (st->top12 <= V_SSL3)
        return TP_OK;
    if (!st->feat[F_ETM].set)
        set_feature(st, F_ETM, TP_TRI_NO,
                    "no CBC suite accepted with %s (encrypt-then-MAC applies to CBC only)",
                    vname(st->ver[st->top12].version));
    if (!st->feat[F_RSL].set)
        TP_TRY(add_feature_job(st, l, F_RSL, st->top12, NULL));
    return TP_OK;
}

/* On a slow link with few probes in flight (plan_predict_versions), SSLv3
 * .. TLS 1.1 wait for TLS 1.2's accepted set and offer it first, one suite per chunk where the parallel slots allow
 * (plan_partition): a few steps instead of a long chain, and no more
 * connections than the picks when the prediction holds. Versions whose
 * offers need special handling (short hellos, silent deaths) keep the
 * ordinary plan. */
static void mark_predicted(struct scan_state *st)
{
    for (int i = V_SSL3; i < V_TLS12; i++) {
        struct ver_state *v = &st->ver[i];
        v->predicted = st->slow_link && plan_predict_versions(st->parallel) &&
                       st->ver[V_TLS12].supported == TP_TRI_YES &&
                       !st->ver[V_TLS12].retry_chunked && v->supported == TP_TRI_YES &&
                       !v->retry_chunked && !(st->silent_deaths && v->style != PLAN_STYLE_CLEAN);
        st->want_2b |= v->predicted;
    }
}

/* Phase 2b: the predicted versions' eliminations (mark_predicted). */
static tp_status plan_phase2b(struct scan_state *st, struct job_list *l)
{
    const struct ver_state *lead = &st->ver[V_TLS12];
    uint16_t accepted[PLAN_MAX_CODES], pred[PLAN_MAX_CODES];
    size_t n_accepted = 0;
    for (size_t k = 0; k < lead->n_found && n_accepted < PLAN_MAX_CODES; k++)
        accepted[n_accepted++] = (uint16_t)lead->found[k].code;
    uint16_t rest[PLAN_MAX_CODES], hit[N_VERSIONS][PLAN_MAX_CODES], miss[PLAN_MAX_CODES];
    size_t n_hit[N_VERSIONS] = {0};
    for (int i = V_SSL3; i < V_TLS12; i++) {
        struct ver_state *v = &st->ver[i];
        if (!v->predicted)
            continue;
        /* Suites already seen at this version need no probe. */
        uint16_t known[PLAN_MAX_CODES];
        size_t n_known = 0;
        for (size_t k = 0; k < v->n_found; k++)
            known[n_known++] = (uint16_t)v->found[k].code;
        size_t n = without(v->cand, v->n_cand, known, n_known, rest);
        size_t n_miss = 0;
        size_t n_pred = plan_predict(accepted, n_accepted, v->version, pred);
        n_hit[i] = plan_partition(rest, n, pred, n_pred, hit[i], miss, &n_miss);
        size_t chunks = plan_chunk_count(n_miss, PLAN_MAX_CODES, PLAN_MIN_SUITE_CHUNK, 1);
        TP_TRY(add_chunk_jobs(l, J_SUITES, i, miss, n_miss, chunks, NULL, 0));
    }
    /* One predicted suite per chunk: while the prediction holds that costs
     * the same probes as any grouping (one pick each, no refusal), and the
     * runner runs them --parallel at a time; a wrong guess costs a refusal
     * of its own. */
    for (int i = V_SSL3; i < V_TLS12; i++)
        if (n_hit[i] > 0)
            TP_TRY(add_chunk_jobs(l, J_SUITES, i, hit[i], n_hit[i], n_hit[i], NULL, 0));
    return TP_OK;
}

/* TLS 1.2's elimination has ended in every chunk (its follow-ups, if any,
 * come later and only add to the misses' chunk of phase 2b). */
static bool lead_settled(const struct scan_state *st)
{
    for (size_t k = 0; k < st->jobs->n; k++) {
        const struct job *j = st->jobs->items[k];
        if (j->kind == J_SUITES && j->vi == V_TLS12 &&
            (j->base.busy || j->elim.state == PLAN_ELIM_RUNNING))
            return false;
    }
    return true;
}

/* The runner's more(): phase 2b joins phase 2's run as soon as TLS 1.2's
 * accepted set is known, instead of waiting for its slowest other chain
 * (groups, signature schemes). */
static struct scan_job *scan_more(void *ctx)
{
    struct scan_state *st = ctx;
    if (st->jobs == NULL)
        return NULL;
    if (st->want_2b && !st->injected_2b && lead_settled(st)) {
        size_t before = st->jobs->n;
        if (plan_phase2b(st, st->jobs) != TP_OK) {
            while (st->jobs->n > before) /* out of memory: after the round, then */
                drop_last_job(st->jobs);
            st->want_2b = false;
            return NULL;
        }
        st->injected_2b = true;
        st->more_next = before;
        st->more_end = st->jobs->n;
    }
    if (st->injected_2b && st->more_next < st->more_end)
        return &st->jobs->items[st->more_next++]->base;
    return pq_hand_out(st->pq_round);
}

static tp_status plan_phase2(struct scan_state *st, struct job_list *l)
{
    check_silent_closes(st);
    st->top12 = -1;
    for (int i = V_TLS12; i >= V_SSL3; i--)
        if (st->ver[i].supported == TP_TRI_YES) {
            st->top12 = i;
            break;
        }
    /* Spread each elimination over a fair share of the parallel slots:
     * more chunks than that only add final refusals (one probe each) without
     * shortening the scan. */
    st->slow_link = st->rtt_ms >= PLAN_SLOW_LINK_MS;
    mark_predicted(st);
    unsigned axes = (st->ver[V_TLS13].supported == TP_TRI_YES) +
                    (st->top12 > V_SSL3) + (st->ver[V_TLS12].supported == TP_TRI_YES);
    for (int i = V_SSL3; i < N_VERSIONS; i++)
        axes += (st->ver[i].supported == TP_TRI_YES || st->ver[i].retry_chunked) &&
                !st->ver[i].predicted;
    st->share = axes > 0 ? (st->parallel + axes - 1) / axes : st->parallel;
    if (st->share < 2)
        st->share = 2;
    if (!st->slow_link)
        st->share = 1;
    /* The runner serves the first idle job of the list first: the longest
     * chains (groups, signature schemes) go first. */
    TP_TRY(plan_group_jobs(st, l));
    for (int i = N_VERSIONS - 1; i >= 0; i--)
        TP_TRY(plan_suite_jobs(st, l, i));
    TP_TRY(plan_feature_jobs(st, l));
    /* On a slow link the post-quantum phase's first round (it needs only
     * TLS 1.3's suites) joins this run through scan_more: its probes fill
     * the slots the eliminations leave, instead of a connect and a round
     * trip after phase 4 (~650 ms behind 300 ms). */
    const struct ver_state *v13 = &st->ver[V_TLS13];
    if (st->slow_link && v13->supported == TP_TRI_YES && v13->n_base > 0 && st->pq_round == NULL) {
        tp_error err = {0};
        TP_TRY(pq_prepare(&st->pq_round, st->sni, v13->base, v13->n_base, st->omit, &st->pq,
                          &err));
    }
    return TP_OK;
}

static void after_phase2(struct scan_state *st)
{
    for (int i = V_SSL3; i < N_VERSIONS; i++) {
        struct ver_state *v = &st->ver[i];
        if (v->retry_chunked && v->supported != TP_TRI_YES && v->n_found > 0) {
            char before[200];
            snprintf(before, sizeof before, "%s", v->why);
            v->supported = TP_TRI_YES;
            snprintf(v->why, sizeof v->why,
                     "accepted when offered at most %d suites per hello (the full offer got: %.100s)",
                     RETRY_CHUNK, before);
        }
        if (v->supported == TP_TRI_YES && v->version != TP_VER_SSL2)
            v->server_order =
                plan_server_order(v->have_fwd, v->fwd, v->have_rev, v->rev, v->n_found);
        if (v->n_found == 1) {
            /* One suite: it is first whatever the order rule. */
            v->order[0] = (uint16_t)v->found[0].code;
            v->n_order = 1;
        }
    }
}

/* Phase 3: the accepted set forward and reversed, where phase 1 could not
 * settle the order. */
static tp_status plan_phase3(struct scan_state *st, struct job_list *l)
{
    TP_TRY(plan_leftover_features(st, l));
    for (int i = V_SSL3; i < N_VERSIONS; i++) {
        struct ver_state *v = &st->ver[i];
        if (v->supported != TP_TRI_YES || v->n_found < 2 || v->server_order != TP_TRI_UNKNOWN)
            continue;
        v->have_fwd = v->have_rev = false;
        struct job *f = new_job(l, J_ORDER_FWD, i);
        struct job *r = new_job(l, J_ORDER_REV, i);
        if (f == NULL || r == NULL)
            return TP_E_NOMEM;
        for (size_t k = 0; k < v->n_found; k++)
            f->offer[k] = (uint16_t)v->found[k].code;
        f->n_offer = v->n_found;
        plan_reverse(f->offer, f->n_offer, r->offer);
        r->n_offer = f->n_offer;
    }
    return TP_OK;
}

/* Phase 4: with server order, one elimination over the accepted set. */
static tp_status plan_phase4(struct scan_state *st, struct job_list *l)
{
    for (int i = V_SSL3; i < N_VERSIONS; i++) {
        struct ver_state *v = &st->ver[i];
        if (v->supported != TP_TRI_YES || v->n_found < 2)
            continue;
        if (v->server_order == TP_TRI_UNKNOWN)
            v->server_order =
                plan_server_order(v->have_fwd, v->fwd, v->have_rev, v->rev, v->n_found);
        if (v->server_order != TP_TRI_YES)
            continue;
        uint16_t rest[PLAN_MAX_CODES];
        size_t n = 0;
        for (size_t k = 0; k < v->n_found; k++)
            if (v->found[k].code != v->fwd)
                rest[n++] = (uint16_t)v->found[k].code;
        struct job *j = new_job(l, J_MERGE, i);
        if (j == NULL)
            return TP_E_NOMEM;
        plan_elim_init(&j->elim, rest, n);
        j->elim.stop_at_one = true;
    }
    return TP_OK;
}

static void after_phase4(struct scan_state *st, const struct job_list *l)
{
    for (size_t k = 0; k < l->n; k++) {
        const struct job *j = l->items[k];
        struct ver_state *v = &st->ver[j->vi];
        if (j->kind != J_MERGE)
            continue;
        v->order[0] = v->fwd;
        memcpy(v->order + 1, j->elim.picked, j->elim.n_picked * sizeof(uint16_t));
        v->n_order = 1 + j->elim.n_picked;
    }
}

/* ---- results into struct tp_scan ---- */

static tp_status fill_protocols(struct scan_state *st, struct tp_scan *out)
{
    for (int i = 0; i < N_VERSIONS; i++) {
        struct tp_scan_protocol *p = tp_scan_protocol(out, st->ver[i].version);
        if (p == NULL)
            return TP_E_INTERNAL;
        p->supported = st->ver[i].supported;
        p->server_order = st->ver[i].supported == TP_TRI_YES ? st->ver[i].server_order
                                                            : TP_TRI_UNKNOWN;
        TP_TRY(tp_set_str(&p->why, st->ver[i].why[0] ? st->ver[i].why : "not probed"));
    }
    return TP_OK;
}

static unsigned order_of(const struct ver_state *v, uint32_t code)
{
    for (size_t k = 0; k < v->n_order; k++)
        if (v->order[k] == code)
            return (unsigned)k + 1;
    return 0;
}

static int cmp_found(const struct found_suite *a, const struct found_suite *b,
                     const struct ver_state *v)
{
    unsigned oa = order_of(v, a->code), ob = order_of(v, b->code);
    if (oa != ob)
        return oa == 0 ? 1 : (ob == 0 ? -1 : (oa < ob ? -1 : 1));
    return a->code < b->code ? -1 : (a->code > b->code ? 1 : 0);
}

static void sort_found(struct ver_state *v)
{
    /* Insertion sort: a few hundred entries at most. */
    for (size_t i = 1; i < v->n_found; i++) {
        struct found_suite x = v->found[i];
        size_t k = i;
        while (k > 0 && cmp_found(&x, &v->found[k - 1], v) < 0) {
            v->found[k] = v->found[k - 1];
            k--;
        }
        v->found[k] = x;
    }
}

static tp_status fill_suite(const struct ver_state *v, const struct found_suite *f,
                            struct tp_scan *out)
{
    struct tp_scan_suite *s = tp_scan_add_suite(out);
    if (s == NULL)
        return TP_E_NOMEM;
    s->version = v->version;
    s->code = f->code;
    s->order = order_of(v, f->code);
    s->kx_bits = f->kx_bits;
    const struct tp_suite_info *info = v->version == TP_VER_SSL2
                                           ? tp_ssl2_kind_by_code(f->code)
                                           : tp_suite_by_code((uint16_t)f->code);
    const char *name = info != NULL ? tp_suite_name(info) : NULL;
    if (name == NULL && info != NULL)
        name = info->openssl_name;
    if (name != NULL)
        TP_TRY(tp_set_str(&s->name, name));
    else
        TP_TRY(tp_set_strf(&s->name, v->version == TP_VER_SSL2 ? "0x%06X" : "0x%04X", f->code));
    if (f->has_group) {
        const struct tp_group_info *g = tp_group_by_code(f->group);
        if (g != NULL && g->iana_name != NULL)
            TP_TRY(tp_set_str(&s->kx_group, g->iana_name));
        else
            TP_TRY(tp_set_strf(&s->kx_group, "0x%04X", f->group));
    }
    return TP_OK;
}

static tp_status fill_lists(struct scan_state *st, struct tp_scan *out)
{
    for (int i = 0; i < N_VERSIONS; i++) {
        struct ver_state *v = &st->ver[i];
        sort_found(v);
        for (size_t k = 0; k < v->n_found; k++)
            TP_TRY(fill_suite(v, &v->found[k], out));
    }
    for (size_t k = 0; k < st->n_groups; k++) {
        struct tp_scan_group *g = tp_scan_add_group(out);
        if (g == NULL)
            return TP_E_NOMEM;
        const struct tp_group_info *info = tp_group_by_code(st->groups[k].code);
        g->code = st->groups[k].code;
        g->supported = TP_TRI_YES;
        g->versions_seen = st->groups[k].versions_seen;
        g->bits = plan_group_bits(g->code);
        if (info != NULL && info->iana_name != NULL)
            TP_TRY(tp_set_str(&g->name, info->iana_name));
        else
            TP_TRY(tp_set_strf(&g->name, "0x%04X", g->code));
    }
    for (size_t k = 0; k < st->n_sigalgs; k++) {
        struct tp_scan_sigscheme *s = tp_scan_add_sigscheme(out);
        if (s == NULL)
            return TP_E_NOMEM;
        const struct tp_sigscheme_info *info = tp_sigscheme_by_code(st->sigalgs[k]);
        s->code = st->sigalgs[k];
        s->supported = TP_TRI_YES;
        if (info != NULL && info->name != NULL)
            TP_TRY(tp_set_str(&s->name, info->name));
        else
            TP_TRY(tp_set_strf(&s->name, "0x%04X", s->code));
    }
    return TP_OK;
}

static bool found_has(const struct ver_state *v, uint32_t code)
{
    for (size_t i = 0; i < v->n_found; i++)
        if (v->found[i].code == code)
            return true;
    return false;
}

/* Suites the server selects and abandons: not accepted (a client cannot
 * connect with them), but worth telling, as sslscan's silence is not. Only
 * present when there is one. */
static tp_status fill_broken(const struct scan_state *st, struct tp_scan *out)
{
    char detail[1024] = "";
    size_t len = 0, shown = 0, more = 0;
    for (int i = 0; i < N_VERSIONS; i++) {
        const struct ver_state *v = &st->ver[i];
        for (size_t k = 0; k < v->n_broken; k++) {
            const struct broken_suite *b = &v->broken[k];
            char buf[8];
            if (found_has(v, b->code))
                continue; /* completed in another probe: accepted, if unreliably */
            int w = snprintf(detail + len, sizeof detail - len, "%s%s: server selects %s but %s%s",
                             shown > 0 ? "; " : "", vname(v->version),
                             suite_label(b->code, buf, sizeof buf), b->how, broken_hint(b->code));
            if (w < 0 || (size_t)w >= sizeof detail - len - 32) {
                detail[len] = '\0';
                more++;
                continue;
            }
            len += (size_t)w;
            shown++;
        }
    }
    if (shown == 0 && more == 0)
        return TP_OK;
    if (more > 0)
        snprintf(detail + len, sizeof detail - len, "; and %zu more", more);
    return tp_scan_set_feature(out, "broken_suites", TP_TRI_YES, detail);
}

/* The part of the offer whose echo a feature is read from. */
static const uint32_t feature_parts[F_COUNT] = {
    [F_RENEG] = TP_OFFER_RENEGOTIATION_INFO, [F_EMS] = TP_OFFER_EXTENDED_MASTER_SECRET,
    [F_ETM] = TP_OFFER_ENCRYPT_THEN_MAC,     [F_TICKET] = TP_OFFER_SESSION_TICKET,
    [F_OCSP] = TP_OFFER_STATUS_REQUEST,      [F_RSL] = TP_OFFER_RECORD_SIZE_LIMIT,
};

/* The intolerance feature, present only when there is one: which parts
 * the server aborts on, which the scan then left out. */
static tp_status fill_intolerance(const struct scan_state *st, struct tp_scan *out)
{
    char names[256] = "";
    size_t len = 0;
    out->intolerance = st->omit;
    if (st->omit == 0)
        return TP_OK;
    for (unsigned i = 0; i < TP_OFFER_COUNT; i++) {
        const char *name = (st->omit & (1u << i)) ? tp_offer_part_name(1u << i) : NULL;
        if (name != NULL && len < sizeof names)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", name);
    }
    char detail[400];
    snprintf(detail, sizeof detail,
             "server aborts hellos that carry %s (a plainer hello completes): every probe "
             "left %s out",
             names, (st->omit & (st->omit - 1u)) ? "them" : "it");
    return tp_scan_set_feature(out, "intolerance", TP_TRI_YES, detail);
}

static tp_status fill_features(struct scan_state *st, struct tp_scan *out)
{
    for (int f = 0; f < F_COUNT; f++) {
        if ((f == F_PSK_KE || f == F_PSK_DHE_KE) && !psk_given(st))
            continue; /* nothing to offer without a key */
        if (feature_parts[f] & st->omit) {
            char detail[200];
            snprintf(detail, sizeof detail,
                     "not offered: the server aborts hellos that carry %s (see intolerance)",
                     tp_offer_part_name(feature_parts[f]));
            TP_TRY(tp_scan_set_feature(out, feature_ids[f], TP_TRI_UNKNOWN, detail));
            continue;
        }
        TP_TRY(tp_scan_set_feature(out, feature_ids[f], st->feat[f].set ? st->feat[f].value : TP_TRI_UNKNOWN,
                           st->feat[f].set ? st->feat[f].detail : "not probed"));
    }
    TP_TRY(fill_intolerance(st, out));
    if (st->ver[V_TLS13].supported == TP_TRI_YES && st->ver[V_TLS12].supported != TP_TRI_YES)
        TP_TRY(tp_scan_set_feature(out, "signature_schemes", TP_TRI_UNKNOWN,
                           "TLS 1.3 sends CertificateVerify encrypted and TLS 1.2 is not "
                           "supported: signature schemes not enumerated"));
    TP_TRY(fill_broken(st, out));
    for (int i = 0; i < N_VERSIONS; i++)
        if (st->ver[i].supported == TP_TRI_UNKNOWN)
            note_incomplete(st, "%s: %s", vname(st->ver[i].version), st->ver[i].why);
    return tp_scan_set_feature(out, "scan_complete", st->incomplete[0] ? TP_TRI_NO : TP_TRI_YES,
                       st->incomplete[0] ? st->incomplete : "every probe had a decisive answer");
}

/* Whether the server is PSK-only (scan_model.h, psk_only) and its hint. A
 * TLS 1.3 acceptance counts as PSK when it carried our key's
 * pre_shared_key: without a key offered, a PSK-only server refuses TLS
 * 1.3 outright, and with one a server with certificates too may prefer
 * the PSK, which then only TLS <= 1.2's suites can tell apart. */
static tp_status fill_psk(const struct scan_state *st, struct tp_scan *out)
{
    size_t psk = 0, other = 0;
    for (int i = V_SSL3; i <= V_TLS12; i++)
        for (size_t k = 0; k < st->ver[i].n_found; k++)
            *(suite_has((uint16_t)st->ver[i].found[k].code, TP_SF_PSK) ? &psk : &other) += 1;
    const struct ver_state *v13 = &st->ver[V_TLS13];
    if (v13->supported == TP_TRI_YES && v13->n_found > 0)
        *(v13->probe.psk_accepted ? &psk : &other) += 1;
    if (st->ver[V_SSL2].supported == TP_TRI_YES)
        other++;
    out->psk_only = other > 0 ? TP_TRI_NO : psk > 0 ? TP_TRI_YES : TP_TRI_UNKNOWN;
    return st->has_psk_hint ? tp_set_str(&out->psk_identity_hint, st->psk_hint) : TP_OK;
}

static void init_state(struct scan_state *st, const struct tp_config *cfg, const char *sni)
{
    memset(st, 0, sizeof *st);
    st->sni = sni;
    st->cfg = cfg;
    st->parallel = cfg->parallel != 0 ? cfg->parallel : TP_DEFAULT_PARALLEL;
    /* An explicit --parallel is a hard cap; only the default may be raised
     * on a slow link (plan_parallel). */
    st->parallel_given = cfg->parallel_given;
    st->top12 = -1;
    for (int i = 0; i < N_VERSIONS; i++) {
        struct ver_state *v = &st->ver[i];
        v->version = scan_versions[i];
        v->supported = TP_TRI_UNKNOWN;
        if (v->version != TP_VER_SSL2)
            v->n_cand = plan_suite_candidates(v->version, v->cand, PLAN_MAX_CODES);
        memcpy(v->base, v->cand, v->n_cand * sizeof v->cand[0]);
        v->n_base = v->n_cand;
    }
}

/* Some version probe was refused by a close without a byte: a half-closed
 * probe's refusal would be ambiguous (probe.h), each costing a second
 * connection. */
static bool silent_refusals(const struct job_list *l)
{
    for (size_t k = 0; k < l->n; k++) {
        const struct job *j = l->items[k];
        if (j->kind == J_VERSION && j->res.outcome == PROBE_REFUSED && !j->res.got_bytes)
            return true;
    }
    return false;
}

/* ---- a server that aborts hellos over an optional part ---- */

/* The parts a raw TLS <= 1.2 version probe carries that a server must
 * ignore when it does not know them (scan/intolerance.h). */
#define PROBE_OPTIONAL_PARTS                                                               \
    (TP_OFFER_EXTENDED_MASTER_SECRET | TP_OFFER_STATUS_REQUEST | TP_OFFER_SESSION_TICKET | \
     TP_OFFER_ENCRYPT_THEN_MAC | TP_OFFER_PADDING | TP_OFFER_RENEGOTIATION_INFO)

/* The version whose full offer looks aborted rather than refused, so that
 * a plainer offer is worth one connection: no TLS <= 1.2 version was
 * accepted, not even in parts, and the highest whose full offer ended did
 * so with a close, a reset, no answer, a ServerHello and then death, or
 * an alert that does not refuse the version or the suites. -1: none. A
 * server that speaks TLS 1.2, or refuses it with protocol_version as
 * OpenSSL and GnuTLS do, costs nothing. */
static int intolerance_suspect(const struct scan_state *st, const struct job_list *l)
{
    for (int vi = V_SSL3 + 1; vi <= V_TLS12; vi++)
        if (version_answered(l, l->n, vi, st->ver[vi].version))
            return -1;
    for (int vi = V_TLS12; vi > V_SSL3; vi--) {
        const struct job *first = NULL;
        for (size_t k = 0; k < l->n && first == NULL; k++)
            if (l->items[k]->kind == J_VERSION && l->items[k]->vi == vi)
                first = l->items[k];
        if (first == NULL)
            continue;
        if (probe_aborted(&first->res))
            return vi;
    }
    return -1;
}

/* Phase 1 forgotten, to run again with the tolerated offer. */
static void reset_phase1(struct scan_state *st, struct job_list *l)
{
    job_list_clear(l);
    for (int i = 0; i < N_VERSIONS; i++) {
        struct ver_state *v = &st->ver[i];
        v->style = PLAN_STYLE_UNKNOWN;
        v->style_asked = false;
        v->n_broken = 0;
    }
}

/* Suites that nearly every TLS <= 1.2 server has, first in the plainer
 * offers: a server that rejects a long list (wolfSSL answers more than 150
 * suites with decode_error) then gets the ones it is likely to pick. */
static const uint16_t common_suites[] = {
    0xC02F, 0xC030, 0xC02B, 0xC02C, 0xCCA8, 0xCCA9, 0x009E, 0x009F, 0xC027, 0xC028,
    0xC023, 0xC024, 0xC013, 0xC014, 0xC009, 0xC00A, 0x009C, 0x009D, 0x003C, 0x003D,
    0x002F, 0x0035, 0x0033, 0x0039, 0x000A,
};

/* The offer of the intolerance probes: the version's candidates, common
 * ones first; cut to RETRY_CHUNK when the full offer got an alert that
 * blames the hello itself (decode_error and the like). */
static void tolerance_offer(const struct scan_state *st, const struct job_list *l, int vi,
                            struct job *j)
{
    const struct ver_state *v = &st->ver[vi];
    bool cut = false;
    for (size_t k = 0; k < l->n; k++)
        if (l->items[k]->kind == J_VERSION && l->items[k]->vi == vi) {
            cut = alert_blames_hello(l->items[k]->res.alert);
            break;
        }
    size_t cap = cut ? RETRY_CHUNK : PLAN_MAX_CODES;
    size_t n = 0;
    for (size_t i = 0; i < sizeof common_suites / sizeof common_suites[0] && n < cap; i++)
        if (plan_elim_contains(v->cand, v->n_cand, common_suites[i]))
            j->offer[n++] = common_suites[i];
    for (size_t i = 0; i < v->n_cand && n < cap; i++)
        if (!plan_elim_contains(j->offer, n, v->cand[i]))
            j->offer[n++] = v->cand[i];
    j->n_offer = n;
}

/* record_size_limit rides on the elimination probes (scan.h), which a
 * server that aborts on it would all end: the suites behind them would go
 * missing, or be split and re-split as poisoned picks. When an elimination
 * probe was aborted (or the phase-3 probe that asks for it alone, with an
 * offer the version probe had answered), the version's answered offer is
 * tried with it, then, if that is aborted too, without it; answered
 * without it, the whole scan runs again without it (st->restart). Up to
 * two connections, only where an elimination probe was aborted. */
static tp_status check_rsl_intolerance(struct scan_state *st, struct runner *r,
                                       struct job_list *l, tp_error *err)
{
    if (st->rsl_checked || (st->omit & TP_OFFER_RECORD_SIZE_LIMIT))
        return TP_OK;
    int vi = st->rsl_suspect ? st->rsl_vi : st->top12;
    if (vi < 0 || st->ver[vi].supported != TP_TRI_YES || st->ver[vi].n_base == 0)
        return TP_OK;
    st->rsl_checked = true;
    const struct ver_state *v = &st->ver[vi];
    struct job *j = new_job(l, J_TOLERANCE, vi);
    if (j == NULL)
        return TP_E_NOMEM;
    memcpy(j->offer, v->base, v->n_base * sizeof v->base[0]);
    j->n_offer = v->n_base;
    /* The probe carries record_size_limit unless the search leaves it out. */
    intol_init(&j->intol, TP_OFFER_RECORD_SIZE_LIMIT);
    j->rsl = true;
    j->rsl_first = st->rsl_suspect; /* the phase-3 probe was that already */
    TP_TRY(run_jobs(st, r, l, l->n - 1, err));
    if (j->intol.intolerant && j->intol.step == INTOL_DONE) {
        st->omit |= TP_OFFER_RECORD_SIZE_LIMIT;
        st->restart = true;
    }
    return TP_OK;
}

/* A suspect version's full offer, then plainer ones (scan/intolerance.h),
 * on one job; when a plainer one is answered, every later probe leaves the
 * culprits out and phase 1 runs again with them left out. */
static tp_status check_intolerance(struct scan_state *st, struct runner *r, struct job_list *l,
                                   tp_error *err)
{
    int vi = intolerance_suspect(st, l);
    if (vi < 0)
        return TP_OK;
    struct job *j = new_job(l, J_TOLERANCE, vi);
    if (j == NULL)
        return TP_E_NOMEM;
    tolerance_offer(st, l, vi, j);
    intol_init(&j->intol, PROBE_OPTIONAL_PARTS);
    TP_TRY(run_jobs(st, r, l, l->n - 1, err));
    if (!j->intol.intolerant || j->intol.step != INTOL_DONE)
        return TP_OK;
    st->omit = j->intol.culprits;
    reset_phase1(st, l);
    TP_TRY(plan_phase1(st, l));
    return run_rounds(st, r, l, err);
}

/* Phase 5: post-quantum key exchange, for TLS 1.3 servers (scan/pq.h). */
static tp_status run_pq(struct scan_state *st, struct runner *r, tp_error *err)
{
    const struct ver_state *v = &st->ver[V_TLS13];
    if (v->supported != TP_TRI_YES || v->n_base == 0)
        return TP_OK;
    uint16_t accepted[PROBE_MAX_GROUPS];
    size_t n = 0;
    uint16_t bit = (uint16_t)(1u << (TP_VER_TLS13 - TP_VER_SSL3));
    for (size_t i = 0; i < st->n_groups; i++)
        if (st->groups[i].versions_seen & bit)
            accepted[n++] = st->groups[i].code;
    if (st->pq_round != NULL) {
        tp_status status = pq_complete(r, st->pq_round, st->sni, v->base, v->n_base, accepted,
                                       n, st->omit, &st->pq, err);
        pq_discard(st->pq_round);
        st->pq_round = NULL;
        return status;
    }
    return pq_run(r, st->sni, v->base, v->n_base, accepted, n, st->omit, &st->pq, err);
}

static tp_status run_phases(struct scan_state *st, struct runner *r, tp_error *err)
{
    struct job_list l = {0};
    tp_status status;
    /* Phase 1 runs before any round trip is measured: a version probe
     * whose own connect was slow half-closes (probe.h), or a server serving
     * one connection at a time would hold each accepted one a round trip. */
    r->limits.half_close_connect_ms = PLAN_SLOW_LINK_MS;
    /* A link slow enough for phase 2 to run PLAN_SLOW_PARALLEL_MAX probes
     * at once: its first connections are opened while phase 1 waits for
     * its replies, a round trip saved (runner.h, warm_up). */
    r->limits.warm_up = st->parallel_given ? 0 : PLAN_SLOW_PARALLEL_MAX;
    r->limits.warm_slow_ms = PLAN_SLOW_PARALLEL_MAX * PLAN_SLOW_PARALLEL_SPACING_MS;
    status = plan_phase1(st, &l);
    if (status == TP_OK)
        status = run_rounds(st, r, &l, err);
    r->limits.warm_up = 0;
    if (status != TP_OK || (status = check_intolerance(st, r, &l, err)) != TP_OK)
        goto out;
    settle_versions(st, &l);
    bool silent = silent_refusals(&l);
    st->rtt_ms = r->measured ? plan_link_rtt(r->rtt_ms, r->connect_measured, r->connect_ms) : 0;
    job_list_clear(&l);
    st->parallel = plan_parallel(st->parallel, st->parallel_given, st->rtt_ms);
    r->limits.parallel = st->parallel < r->limits.parallel ? r->limits.parallel : st->parallel;
    if ((status = plan_phase2(st, &l)) != TP_OK)
        goto out;
    runner_trim_warm(r, st->slow_link ? r->limits.parallel : 0);
    /* Behind a long round trip, a server serving one connection at a time
     * would otherwise be held a round trip per accepted probe (probe.h). */
    r->limits.half_close = st->slow_link && !silent;
    r->limits.half_close_connect_ms = 0;
    if (st->slow_link && r->limits.delay_ms < PLAN_SLOW_PACE_MS)
        r->limits.delay_ms = PLAN_SLOW_PACE_MS;
    r->limits.connect_ahead = st->slow_link;
    r->limits.pace_adaptive = st->slow_link;
    r->more = scan_more;
    status = run_rounds(st, r, &l, err);
    r->more = NULL;
    if (status != TP_OK || st->restart)
        goto out;
    job_list_clear(&l);
    if (st->want_2b && !st->injected_2b &&
        ((status = plan_phase2b(st, &l)) != TP_OK || (status = run_rounds(st, r, &l, err)) != TP_OK))
        goto out;
    if (st->restart)
        goto out;
    after_phase2(st);
    job_list_clear(&l);
    if ((status = plan_phase3(st, &l)) != TP_OK || (status = run_jobs(st, r, &l, 0, err)) != TP_OK ||
        (st->rsl_aborted && (status = check_rsl_intolerance(st, r, &l, err)) != TP_OK) ||
        st->restart)
        goto out;
    job_list_clear(&l);
    if ((status = plan_phase4(st, &l)) != TP_OK || (status = run_jobs(st, r, &l, 0, err)) != TP_OK)
        goto out;
    after_phase4(st, &l);
    status = run_pq(st, r, err);
out:
    pq_discard(st->pq_round); /* a restart, or a phase that failed */
    st->pq_round = NULL;
    job_list_clear(&l);
    free(l.items);
    if (status == TP_E_NOMEM)
        (void)tp_fail(err, TP_E_NOMEM, "out of memory");
    return status;
}

tp_status scan_run(const struct tp_config *cfg, const struct tp_addr *addr, const char *sni,
                   tp_deadline deadline, const struct scan_progress *progress,
                   struct tp_scan *out, tp_error *err)
{
    uint64_t started = tp_now_ns();
    struct runner r;
    struct runner_limits limits = {
        .parallel = cfg->parallel != 0 ? cfg->parallel : TP_DEFAULT_PARALLEL,
        .max_connections = cfg->max_connections,
        .delay_ms = cfg->delay_ms,
        .connect_ms = cfg->connect_timeout_ms,
        .deadline = deadline,
        .starttls = {cfg->starttls, sni != NULL ? sni : cfg->host},
        .psk_identity = (const uint8_t *)cfg->psk_identity,
        .psk_identity_len = cfg->psk_identity != NULL ? strlen(cfg->psk_identity) : 0,
        .psk_key = cfg->psk_identity != NULL ? cfg->psk_key : NULL,
        .psk_key_len = cfg->psk_key_len,
    };
    struct scan_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    init_state(st, cfg, sni);
    tp_status status = runner_init(&r, &limits, addr, st, err);
    if (status != TP_OK) {
        free(st);
        return status;
    }
    if (progress != NULL) {
        r.progress = progress->fn;
        r.progress_arg = progress->arg;
    }
    status = run_phases(st, &r, err);
    if (status == TP_OK && st->restart) {
        /* Once, with what the server aborted on left out from the start. */
        uint32_t omit = st->omit;
        init_state(st, cfg, sni);
        st->omit = omit;
        status = run_phases(st, &r, err);
    }
    if (status == TP_OK)
        status = tp_set_str(&out->policy, cfg->policy != NULL ? cfg->policy : TP_DEFAULT_POLICY);
    if (status == TP_OK)
        status = fill_protocols(st, out);
    if (status == TP_OK)
        status = fill_lists(st, out);
    if (status == TP_OK)
        status = fill_features(st, out);
    if (status == TP_OK)
        status = fill_psk(st, out);
    if (status == TP_OK)
        status = pq_fill(&st->pq, out);
    out->connections = r.connections;
    out->probes = r.probes;
    out->rtt_ms = r.rtt_ms;
    out->slow_link = st->slow_link;
    out->elapsed_us = (tp_now_ns() - started) / 1000u;
    runner_finish(&r);
    free(st);
    if (status == TP_E_NOMEM)
        (void)tp_fail(err, TP_E_NOMEM, "out of memory");
    return status;
}
