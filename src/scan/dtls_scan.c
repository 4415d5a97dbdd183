/* dtls_scan.c: --dtls --enum (see dtls_scan.h). */
#include "scan/dtls_scan.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scan/plan.h"
#include "scan/probe.h"
#include "wire/clienthello.h"
#include "wire/dtls.h"
#include "wire/handshake.h"
#include "wire/registry.h"
#include "wire/serverhello.h"
#include "wire/ske.h"
#include "util/banned.h"

/* RFC 9146 Sec. 3: connection_id, opaque cid<0..2^8-1>. */
#define EXT_CONNECTION_ID 54u
/* Sends of one ClientHello before the probe counts as unanswered: the
 * first and three retries, the timer doubling (RFC 6347 Sec. 4.2.4.1). */
#define PROBE_SENDS 4u
/* HelloVerifyRequests answered per probe (wire-level flood cap). */
#define PROBE_MAX_HVR 4u
/* Before a round trip is measured: RFC 6347's initial timer. */
#define INITIAL_TIMER_MS 1000u
/* Once measured: a few round trips, within these bounds. */
#define MIN_TIMER_MS 100u
#define MAX_TIMER_MS 3000u
#define DATAGRAM_MAX 16640u

/* DP_BROKEN: the answer was no verdict (a malformed ServerHello, a
 * HelloVerifyRequest flood): unknown, with why. */
enum dp_outcome { DP_ACCEPTED, DP_REFUSED, DP_SILENT, DP_BROKEN, DP_UNREACHABLE, DP_DEADLINE };

struct dp_result {
    enum dp_outcome outcome;
    uint16_t version;     /* the ServerHello's */
    uint16_t suite;
    bool cid;             /* connection_id in the ServerHello */
    /* From the ServerKeyExchange, with want_ske: an ECDHE curve or the
     * RFC 7919 group of a DHE prime (has_group), the key exchange size,
     * and the TLS 1.2 signature scheme. */
    bool has_group;
    uint16_t group;
    unsigned kx_bits;
    bool has_sigalg;
    uint16_t sigalg;
    bool hrr;             /* a HelloRetryRequest (counted as accepted) */
    int alert;            /* description of a refusal's alert, -1 none */
    char why[160];
};

struct dscan {
    const struct tp_config *cfg;
    const struct tp_addr *addr;
    const char *sni;
    tp_deadline deadline;
    struct tp_dtls_enum *out;
    uint32_t timer_ms;
};

static void note_why(struct tp_dtls_enum *out, const char *fmt, ...) TP_PRINTF(2, 3);
static void note_why(struct tp_dtls_enum *out, const char *fmt, ...)
{
    if (out->why[0] != '\0')
        return; /* the first reason is the one that matters */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->why, sizeof out->why, fmt, ap);
    va_end(ap);
}

/* ---- the offer ------------------------------------------------------ */

static bool in_class(const struct tp_suite_info *s, int cls);

static bool dtls_candidate(const struct tp_suite_info *s, uint16_t version)
{
    /* DTLS 1.3 is TLS 1.3 over datagrams (RFC 9147 Sec. 1): its suites. */
    if (version == TP_VER_DTLS13)
        return s->wire_len == 2 && (s->flags & TP_SF_TLS13) != 0 &&
               (s->flags & TP_SF_GREASE) == 0;
    if (s->wire_len != 2 || (s->flags & (TP_SF_TLS13 | TP_SF_SCSV | TP_SF_GREASE |
                                         TP_SF_SSL2)) != 0)
        return false;
    /* DTLS 1.0 is TLS 1.1 (RFC 4347 Sec. 1): no suite that needs TLS 1.2. */
    if (version == TP_VER_DTLS10 && s->min_version > TP_VER_TLS11)
        return false;
    return true;
}

/* Every suite worth asking about in version, minus those found. */
static size_t candidates(uint16_t version, int cls, const uint16_t *found, size_t n_found,
                         uint16_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < tp_suites_count && n < cap; i++) {
        const struct tp_suite_info *s = &tp_suites[i];
        if (!dtls_candidate(s, version) || !in_class(s, cls))
            continue;
        bool seen = false;
        for (size_t j = 0; j < n_found && !seen; j++)
            seen = found[j] == (uint16_t)s->code;
        if (!seen)
            out[n++] = (uint16_t)s->code;
    }
    return n;
}

static size_t all_groups(uint16_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < tp_groups_count && n < cap; i++)
        if ((tp_groups[i].status & (TP_GS_GREASE | TP_GS_POST_QUANTUM)) == 0 &&
            tp_groups[i].code < 0xfe00)
            out[n++] = tp_groups[i].code;
    return n;
}

static size_t all_sigalgs(uint16_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < tp_sigschemes_count && n < cap; i++)
        if ((tp_sigschemes[i].status & TP_SS_POST_QUANTUM) == 0)
            out[n++] = tp_sigschemes[i].code;
    return n;
}

struct dp_offer {
    uint16_t version;              /* TP_VER_DTLS10/12; DTLS13 via supported_versions */
    const uint16_t *suites;
    size_t n_suites;
    /* supported_groups: these when set, else every group we know;
     * signature_algorithms: these when set, else every scheme we know
     * (DTLS 1.2); and whether to wait past the ServerHello for the
     * ServerKeyExchange of an ECDHE or DHE suite. */
    const uint16_t *groups;
    size_t n_groups;
    const uint16_t *sigalgs;
    size_t n_sigalgs;
    bool want_ske;
    /* DTLS 1.3: an empty client_shares, which asks the server to name
     * its group in a HelloRetryRequest (RFC 8446 Sec. 4.2.8), as the TCP
     * scan's TLS 1.3 group search does; else one x25519 share. */
    bool empty_key_share;
    /* DTLS 1.3 with DTLS 1.2 suites in the offer too: supported_versions
     * also names DTLS 1.2, so a server without (or out of) DTLS 1.3
     * answers in DTLS 1.2, a refusal that needs no alert. */
    bool fallback12;
};

static tp_status build_hello(const struct dscan *sc, const struct dp_offer *o,
                             const uint8_t rnd[64], const uint8_t *cookie, size_t cookie_len,
                             uint16_t message_seq, uint64_t record_seq, tp_writer *wr,
                             tp_error *err)
{
    static const uint8_t point_formats[] = {0};
    static const uint16_t dtls13_only[] = {TP_VER_DTLS13};
    static const uint16_t dtls13_then_12[] = {TP_VER_DTLS13, TP_VER_DTLS12};
    static const tp_ch_key_share shares[] = {{.group = TP_GROUP_X25519}};
    uint16_t all[64], sigalgs[96];
    /* Four bytes of CID: a server that supports RFC 9146 answers with the
     * extension (its own CID, possibly empty). */
    tp_ch_raw_ext cid = {.type = EXT_CONNECTION_ID, .data = rnd + 32, .len = 5};
    uint8_t cid_data[5] = {4, rnd[40], rnd[41], rnd[42], rnd[43]};
    cid.data = cid_data;
    bool v13 = o->version == TP_VER_DTLS13;
    tp_ch_spec cs = {
        /* RFC 6347 Sec. 4.1: a first ClientHello's record may say DTLS
         * 1.0, which every DTLS server reads. */
        .record_version = TP_VER_DTLS10,
        .legacy_version = v13 ? TP_VER_DTLS12 : o->version,
        .random = rnd,
        .suites = o->suites,
        .n_suites = o->n_suites,
        .sni = sc->sni,
        .groups = o->groups != NULL ? o->groups : all,
        .n_groups = o->groups != NULL ? o->n_groups : all_groups(all, 64),
        .ec_point_formats = point_formats,
        .n_ec_point_formats = 1,
        .sigalgs = o->sigalgs != NULL ? o->sigalgs : sigalgs,
        .n_sigalgs = o->version == TP_VER_DTLS10 ? 0
                     : o->sigalgs != NULL        ? o->n_sigalgs
                                                 : all_sigalgs(sigalgs, 96),
        .renegotiation_info = !v13,
        .extended_master_secret = !v13,
        .encrypt_then_mac = !v13,
        .extra = &cid,
        .n_extra = 1,
        .dtls = true,
        .dtls_cookie = cookie,
        .dtls_cookie_len = cookie_len,
    };
    if (v13) {
        cs.versions = o->fallback12 ? dtls13_then_12 : dtls13_only;
        cs.n_versions = o->fallback12 ? 2 : 1;
        cs.key_share_ext = true;
        cs.key_shares = shares;
        cs.n_key_shares = o->empty_key_share ? 0 : 1;
        cs.x25519_public = rnd + 32;
    }
    uint32_t mtu = sc->cfg->mtu != 0 ? sc->cfg->mtu : TP_DEFAULT_DTLS_MTU;
    return tp_dtls_ch_build(&cs, message_seq, record_seq, mtu, wr, err);
}

/* ---- one probe ------------------------------------------------------ */

struct dp_state {
    int fd;
    uint8_t rnd[64];
    uint8_t cookie[255];
    size_t cookie_len;
    uint16_t message_seq;
    uint64_t record_seq;
    unsigned hvrs;
    uint64_t sent_ns;    /* the latest ClientHello */
    tp_dtls_reasm sh;    /* a ServerHello that comes in fragments */
    tp_dtls_reasm ske;   /* the ServerKeyExchange, with want_ske */
    bool have_sh;
    const struct dp_offer *offer;
};

static tp_status send_hello(struct dscan *sc, const struct dp_offer *o, struct dp_state *st,
                            tp_error *err)
{
    tp_writer wr;
    tp_wr_init(&wr, 0, err);
    tp_status status = build_hello(sc, o, st->rnd, st->cookie, st->cookie_len,
                                   st->message_seq, st->record_seq++, &wr, err);
    if (status == TP_OK) {
        ssize_t n = send(st->fd, tp_wr_data(&wr), tp_wr_len(&wr), MSG_NOSIGNAL);
        sc->out->datagrams_sent++;
        st->sent_ns = tp_now_ns();
        if (n < 0 && errno != ECONNREFUSED)
            status = tp_fail(err, TP_E_IO, "send: %s", strerror(errno));
    }
    tp_wr_finish(&wr);
    return status;
}

/* After a ServerHello: a fatal handshake_failure (RFC 5246 Sec. 7.2) in
 * epoch 0, so the server drops the half-open handshake at once instead of
 * retransmitting its flight until it gives up. Single-session servers
 * (gnutls-serv, openssl s_server) answer nobody else until then. */
static void send_abort(struct dscan *sc, struct dp_state *st)
{
    uint8_t rec[TP_DTLS_RECORD_HEADER_LEN + 2];
    tp_writer wr;
    tp_error ignored = {0};
    tp_wr_init(&wr, sizeof rec, &ignored);
    tp_wr_u8(&wr, 21);
    tp_wr_u16(&wr, TP_VER_DTLS12);
    tp_wr_u16(&wr, 0);
    tp_wr_u16(&wr, (uint16_t)(st->record_seq >> 32));
    tp_wr_u32(&wr, (uint32_t)st->record_seq);
    tp_wr_u16(&wr, 2);
    tp_wr_u8(&wr, 2);  /* fatal */
    tp_wr_u8(&wr, 40); /* handshake_failure */
    if (tp_wr_status(&wr) == TP_OK && tp_wr_len(&wr) == sizeof rec &&
        send(st->fd, tp_wr_data(&wr), tp_wr_len(&wr), MSG_NOSIGNAL) > 0)
        sc->out->datagrams_sent++;
    st->record_seq++;
    tp_wr_finish(&wr);
}

static void learn_rtt(struct dscan *sc, const struct dp_state *st)
{
    if (sc->out->rtt_ms != 0)
        return;
    uint64_t rtt_ms = (tp_now_ns() - st->sent_ns) / 1000000u;
    sc->out->rtt_ms = rtt_ms > 0 ? (uint32_t)rtt_ms : 1;
    uint64_t t = 3u * rtt_ms + 50u;
    sc->timer_ms = t < MIN_TIMER_MS ? MIN_TIMER_MS : t > MAX_TIMER_MS ? MAX_TIMER_MS
                                                                      : (uint32_t)t;
    sc->out->retry_timeout_ms = sc->timer_ms;
}

/* What a parsed ServerKeyExchange says about the key exchange. */
static void read_ske(const tp_ske *ske, struct dp_result *res)
{
    switch (ske->params) {
    case TP_SKE_ECDHE:
        res->has_group = ske->curve_type == 3;
        res->group = ske->group;
        res->kx_bits = res->has_group ? tp_group_bits(ske->group) : 0;
        break;
    case TP_SKE_DHE:
        res->kx_bits = ske->dh_p_bits;
        res->group = tp_ffdhe_group_of_prime(ske->dh_p, ske->dh_p_len);
        res->has_group = res->group != 0;
        break;
    case TP_SKE_RSA:
        res->kx_bits = ske->rsa_modulus_bits;
        break;
    default:
        break;
    }
    res->has_sigalg = ske->has_sigalg;
    res->sigalg = ske->sigalg;
}

/* With want_ske, after an ECDHE or DHE ServerHello: 1 once the
 * ServerKeyExchange is whole (res filled from it when it parses), else 0. */
static int take_ske(struct dp_state *st, const uint8_t *buf, size_t len, struct dp_result *res)
{
    bool whole = false;
    tp_error ignored = {0};
    if (tp_dtls_reasm_feed_datagram(&st->ske, buf, len, &whole, &ignored) != TP_OK)
        return 1; /* accepted, group unknown */
    if (!whole)
        return 0;
    const struct tp_suite_info *si = tp_suite_by_code(res->suite);
    tp_ske_kx kx = tp_ske_kx_from_suite_kx(si != NULL ? si->kx : NULL);
    tp_ske ske;
    /* DTLS 1.2 has TLS 1.2's layout, DTLS 1.0 TLS 1.1's (no signature
     * scheme): RFC 6347 Sec. 4.2, RFC 4347 Sec. 4.2. */
    uint16_t layout = res->version == TP_VER_DTLS10 ? TP_VER_TLS11 : TP_VER_TLS12;
    if (tp_ske_parse(st->ske.body, st->ske.length, kx, layout, &ske, &ignored) == TP_OK)
        read_ske(&ske, res);
    return 1;
}

/* One datagram from the server: 1 the probe is decided (res filled), 0
 * keep waiting (resend set when a HelloVerifyRequest asks for it). */
static int take_datagram(struct dscan *sc, const uint8_t *buf, size_t len, struct dp_state *st,
                         struct dp_result *res, bool *resend)
{
    tp_dtls_datagram d;
    tp_error ignored = {0};
    if (tp_dtls_datagram_parse(buf, len, &d, &ignored) != TP_OK)
        return 0; /* not DTLS: discarded, as RFC 6347 Sec. 4.1.2.7 allows */
    /* An alert after the ServerHello: the server gave up on the suite it
     * chose (OpenSSL picks ECDHE_PSK without a shared curve); accepted,
     * with nothing from a ServerKeyExchange. */
    if (st->have_sh)
        return d.has_alert ? 1 : take_ske(st, buf, len, res);
    const uint8_t *sh_body = d.server_hello;
    size_t sh_len = d.server_hello_len;
    if (sh_body == NULL && d.hs_fragments > 0) {
        /* RFC 6347 Sec. 4.2.3: a server with a small MTU may fragment
         * even its ServerHello. */
        bool whole = false;
        tp_status fed = tp_dtls_reasm_feed_datagram(&st->sh, buf, len, &whole, &ignored);
        if (fed != TP_OK) {
            res->outcome = DP_BROKEN;
            snprintf(res->why, sizeof res->why, "ServerHello fragments: %.120s", ignored.msg);
            return 1;
        }
        if (whole) {
            sh_body = st->sh.body;
            sh_len = st->sh.length;
        }
    }
    if (sh_body != NULL) {
        tp_server_hello sh;
        learn_rtt(sc, st);
        if (tp_sh_parse(sh_body, sh_len, &sh, &ignored) != TP_OK) {
            res->outcome = DP_BROKEN;
            snprintf(res->why, sizeof res->why, "malformed ServerHello: %.120s", ignored.msg);
            return 1;
        }
        res->outcome = DP_ACCEPTED;
        res->version = sh.version;
        res->suite = sh.cipher_suite;
        res->cid = tp_ext_find(&sh.exts, EXT_CONNECTION_ID) != NULL;
        res->hrr = sh.is_hrr;
        if (sh.version == TP_VER_DTLS13 && sh.has_key_share) {
            /* The group of the server's share, or the one a
             * HelloRetryRequest asks for: either is a group it takes. */
            res->has_group = true;
            res->group = sh.key_share_group;
            res->kx_bits = tp_group_bits(sh.key_share_group);
            return 1;
        }
        const struct tp_suite_info *si = tp_suite_by_code(sh.cipher_suite);
        /* ECDHE and DHE always send one (RFC 5246 Sec. 7.4.3); an
         * RSA_EXPORT server only with a key over 512 bits, so not waited
         * for. */
        tp_ske_params params = si != NULL ? tp_ske_kx_from_suite_kx(si->kx).params
                                          : TP_SKE_NONE;
        if (!st->offer->want_ske || (params != TP_SKE_ECDHE && params != TP_SKE_DHE))
            return 1;
        /* The same datagram may hold the ServerKeyExchange too. */
        st->have_sh = true;
        return take_ske(st, buf, len, res);
    }
    if (d.has_alert) {
        learn_rtt(sc, st);
        res->outcome = DP_REFUSED;
        res->alert = d.alert_description;
        return 1;
    }
    if (d.has_hvr) {
        learn_rtt(sc, st);
        if (++st->hvrs > PROBE_MAX_HVR) {
            res->outcome = DP_BROKEN;
            snprintf(res->why, sizeof res->why,
                     "more than %u HelloVerifyRequests for one ClientHello", PROBE_MAX_HVR);
            return 1;
        }
        memcpy(st->cookie, d.hvr.cookie, d.hvr.cookie_len);
        st->cookie_len = d.hvr.cookie_len;
        /* RFC 6347 Sec. 4.2.2: the ClientHello with the cookie is the
         * next message. */
        st->message_seq = 1;
        *resend = true;
    }
    return 0;
}

/* Wait up to ms for an answer. 1 decided, 0 timer expired, resend set
 * when the ClientHello must go again at once (a cookie). */
static int await_answer(struct dscan *sc, struct dp_state *st, uint32_t ms,
                        struct dp_result *res, bool *resend)
{
    tp_deadline timer = tp_deadline_min_ms(sc->deadline, ms);
    uint8_t buf[DATAGRAM_MAX];
    for (;;) {
        uint32_t left = tp_deadline_left_ms(timer);
        if (left == 0)
            return 0;
        struct pollfd p = {.fd = st->fd, .events = POLLIN};
        int rc = poll(&p, 1, left > (uint32_t)INT32_MAX ? INT32_MAX : (int)left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            continue; /* poll may wake early: the loop rechecks the clock */
        ssize_t n = recv(st->fd, buf, sizeof buf, 0);
        if (n < 0 && errno == ECONNREFUSED) {
            res->outcome = DP_UNREACHABLE;
            return 1;
        }
        if (n <= 0)
            continue;
        if (take_datagram(sc, buf, (size_t)n, st, res, resend) != 0 || *resend)
            return *resend ? 0 : 1;
    }
}

static tp_status run_probe(struct dscan *sc, const struct dp_offer *o, struct dp_result *res,
                           tp_error *err)
{
    memset(res, 0, sizeof *res);
    res->alert = -1;
    struct dp_state st = {.fd = -1, .offer = o};
    tp_dtls_reasm_init(&st.sh, TP_HS_SERVER_HELLO);
    tp_dtls_reasm_init(&st.ske, TP_HS_SERVER_KEY_EXCHANGE);
    tp_error conn_err = {0};
    if (getrandom(st.rnd, sizeof st.rnd, 0) != (ssize_t)sizeof st.rnd)
        return tp_fail(err, TP_E_INTERNAL, "getrandom: %s", strerror(errno));
    /* A fresh socket, so a fresh source port: no server state mixes. */
    if (net_connect_udp(sc->addr, &st.fd, &conn_err) != TP_OK) {
        res->outcome = DP_UNREACHABLE;
        snprintf(res->why, sizeof res->why, "%.150s", conn_err.msg);
        return TP_OK;
    }
    sc->out->probes++;
    tp_status status = TP_OK;
    unsigned sends = 0;
    uint32_t timer = sc->timer_ms;
    bool retry = false;
    res->outcome = DP_SILENT;
    while (sends < PROBE_SENDS && !tp_deadline_passed(sc->deadline)) {
        if ((status = send_hello(sc, o, &st, err)) != TP_OK)
            break;
        if (retry)
            sc->out->retries++;
        bool resend = false;
        if (await_answer(sc, &st, timer, res, &resend) != 0)
            break;
        retry = !resend; /* the cookie's ClientHello is no retry */
        if (resend)
            continue;
        sends++;
        timer = timer * 2u > MAX_TIMER_MS * 4u ? MAX_TIMER_MS * 4u : timer * 2u;
    }
    if (res->outcome == DP_SILENT && tp_deadline_passed(sc->deadline))
        res->outcome = DP_DEADLINE;
    if (res->outcome == DP_ACCEPTED)
        send_abort(sc, &st);
    close(st.fd);
    return status;
}

/* ---- the scan ------------------------------------------------------- */

/* A probe that got no verdict: say why once, in out->why. */
static void note_silence(struct dscan *sc, const char *what, const struct dp_result *r)
{
    if (r->outcome == DP_DEADLINE)
        note_why(sc->out, "%s: the --timeout deadline passed", what);
    else if (r->outcome == DP_SILENT)
        note_why(sc->out, "%s: no answer to %u ClientHellos (loss, a filter, or a server that "
                          "drops what it does not accept)",
                 what, PROBE_SENDS);
    else if (r->why[0] != '\0')
        note_why(sc->out, "%s: %s", what, r->why);
}

/* --delay between probes, never past the deadline. */
static void pause_ms(uint32_t ms, tp_deadline deadline)
{
    tp_deadline until = tp_deadline_min_ms(deadline, ms);
    uint32_t left;
    while ((left = tp_deadline_left_ms(until)) > 0)
        (void)poll(NULL, 0, left > (uint32_t)INT32_MAX ? INT32_MAX : (int)left);
}

/* The index of version in the model's per-version arrays (versions,
 * suites, complete: TP_DTLS_V10, V12, V13). */
static size_t version_slot(uint16_t version)
{
    return version == TP_VER_DTLS10   ? TP_DTLS_V10
           : version == TP_VER_DTLS13 ? TP_DTLS_V13
                                      : TP_DTLS_V12;
}

/* Which suites an elimination offers. libcoap's GnuTLS server with only
 * a PSK aborts, silently, on the first certificate suite it cannot serve
 * instead of moving on to a PSK one; offering the two kinds apart finds
 * what such a server accepts. */
enum suite_class { SC_ALL, SC_PSK, SC_OTHER };

static bool in_class(const struct tp_suite_info *s, int c)
{
    if (c == SC_ALL)
        return true;
    bool psk = (s->flags & TP_SF_PSK) != 0;
    return c == SC_PSK ? psk : !psk;
}

/* DTLS 1.3 offers: the DTLS 1.2 suites found after the TLS 1.3 ones
 * (see dp_offer.fallback12); the new count. GnuTLS 3.7 drops a DTLS 1.3
 * ClientHello it shares no suite with: with these it answers in DTLS
 * 1.2, a definite no. */
static size_t add_fallback(const struct tp_dtls_enum *out, uint16_t *offer, size_t n,
                           size_t cap)
{
    for (size_t i = 0; i < out->n_suites[TP_DTLS_V12] && n < cap; i++)
        offer[n++] = out->suites[TP_DTLS_V12][i];
    return n;
}

/* How an elimination ended. */
enum elim_end { END_REFUSED, END_SILENT, END_STOPPED };

/* Offer version with every candidate suite of class not found yet, and
 * repeat without the one chosen until the server refuses or goes silent. */
static tp_status eliminate(struct dscan *sc, uint16_t version, enum suite_class cls,
                           enum elim_end *end, tp_error *err)
{
    struct tp_dtls_enum *out = sc->out;
    size_t slot = version_slot(version);
    uint16_t offer[TP_DTLS_MAX_SUITES * 3];
    const char *vname = tp_version_name(version);
    for (;;) {
        size_t n = candidates(version, cls, out->suites[slot], out->n_suites[slot], offer,
                              sizeof offer / sizeof offer[0]);
        *end = END_REFUSED;
        if (n == 0)
            return TP_OK;
        size_t n13 = n;
        bool fallback = version == TP_VER_DTLS13 &&
                        (n = add_fallback(out, offer, n, sizeof offer / sizeof offer[0])) > n13;
        /* The ServerKeyExchange too: its key size rates DHE suites. */
        struct dp_offer o = {.version = version, .suites = offer, .n_suites = n,
                             .want_ske = true, .fallback12 = fallback};
        struct dp_result r;
        TP_TRY(run_probe(sc, &o, &r, err));
        if (r.outcome == DP_UNREACHABLE)
            return tp_fail(err, TP_E_CONNECT, "nothing listens on that UDP port (ICMP port "
                                              "unreachable)");
        /* A refusal, or an answer in another version: nothing more in
         * this one (RFC 6347 Sec. 4.2.1: servers answer with what they
         * speak). */
        if (r.outcome == DP_REFUSED || (r.outcome == DP_ACCEPTED && r.version != version))
            return TP_OK;
        if (r.outcome != DP_ACCEPTED) {
            char what[64];
            snprintf(what, sizeof what, "%s suites", vname != NULL ? vname : "DTLS");
            note_silence(sc, what, &r);
            *end = END_SILENT;
            return TP_OK;
        }
        out->versions[slot] = TP_TRI_YES;
        /* Every probe offers a connection_id: one echo is enough. */
        if (r.cid)
            out->connection_id = TP_TRI_YES;
        else if (out->connection_id == TP_TRI_UNKNOWN)
            out->connection_id = TP_TRI_NO;
        bool offered = false;
        for (size_t i = 0; i < n13 && !offered; i++)
            offered = offer[i] == r.suite;
        if (!offered || out->n_suites[slot] >= TP_DTLS_MAX_SUITES) {
            /* A suite we did not offer: stop rather than loop on it. */
            note_why(out, "%s: the server chose suite 0x%04X, which was not offered",
                     vname != NULL ? vname : "DTLS", r.suite);
            *end = END_STOPPED;
            return TP_OK;
        }
        out->suite_kx_bits[slot][out->n_suites[slot]] = r.kx_bits;
        out->suite_kx_group[slot][out->n_suites[slot]] = r.has_group ? r.group : 0;
        out->suites[slot][out->n_suites[slot]++] = r.suite;
        if (sc->cfg->delay_ms != 0)
            pause_ms(sc->cfg->delay_ms, sc->deadline);
    }
}

static tp_status enum_version(struct dscan *sc, uint16_t version, tp_error *err)
{
    struct tp_dtls_enum *out = sc->out;
    size_t slot = version_slot(version);
    enum tp_tri *vflag = &out->versions[slot];
    enum elim_end end, end_psk, end_other;
    bool had_why = out->why[0] != '\0';
    TP_TRY(eliminate(sc, version, SC_ALL, &end, err));
    /* TLS 1.3 suites say nothing of authentication: no PSK split. */
    if (end == END_SILENT && out->n_suites[slot] == 0 && version != TP_VER_DTLS13 &&
        !tp_deadline_passed(sc->deadline)) {
        TP_TRY(eliminate(sc, version, SC_PSK, &end_psk, err));
        TP_TRY(eliminate(sc, version, SC_OTHER, &end_other, err));
        end = end_psk == END_REFUSED && end_other == END_REFUSED ? END_REFUSED : END_SILENT;
        /* Both kinds ended in refusals: the first silence said nothing. */
        if (end == END_REFUSED && !had_why)
            out->why[0] = '\0';
    }
    out->complete[slot] = end == END_REFUSED ? TP_TRI_YES : TP_TRI_UNKNOWN;
    if (out->n_suites[slot] == 0 && *vflag != TP_TRI_YES)
        *vflag = end == END_REFUSED ? TP_TRI_NO : TP_TRI_UNKNOWN;
    return TP_OK;
}

/* The groups a key exchange can name: for ECDHE the elliptic curves of
 * DTLS 1.0 and 1.2 (RFC 8422, RFC 7027, RFC 7748): codes 1 to 30, minus
 * the TLS 1.3 brainpool ones, GOST and SM2 (their own suites); for DHE
 * the RFC 7919 groups. */
static size_t kx_groups(tp_ske_params params, uint16_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < tp_groups_count && n < cap; i++) {
        const struct tp_group_info *g = &tp_groups[i];
        bool ec = g->code >= 0x0001 && g->code <= 0x001E && g->type != NULL &&
                  strncmp(g->type, "ec-", 3) == 0;
        bool ff = g->type != NULL && strcmp(g->type, "ffdhe") == 0;
        if (params == TP_SKE_ECDHE ? ec : ff)
            out[n++] = g->code;
    }
    return n;
}

static bool remove_code(uint16_t *list, size_t *n, uint16_t code)
{
    for (size_t i = 0; i < *n; i++)
        if (list[i] == code) {
            list[i] = list[--*n];
            return true;
        }
    return false;
}

/* The suites found in version whose ServerKeyExchange carries params
 * (TP_SKE_NONE: ECDHE or DHE), PSK ones only when psk (signed: with a
 * signature, so no anonymous or PSK one). */
static size_t found_with_psk(const struct tp_dtls_enum *e, uint16_t version,
                             tp_ske_params params, bool psk, bool signed_only, uint16_t *out)
{
    size_t slot = version_slot(version), n = 0;
    for (size_t i = 0; i < e->n_suites[slot]; i++) {
        const struct tp_suite_info *si = tp_suite_by_code(e->suites[slot][i]);
        tp_ske_kx kx = tp_ske_kx_from_suite_kx(si != NULL ? si->kx : NULL);
        bool any = params == TP_SKE_NONE ? kx.params == TP_SKE_ECDHE || kx.params == TP_SKE_DHE
                                         : kx.params == params;
        if (si != NULL && any && (psk || !kx.psk_hint) &&
            (!signed_only || (!kx.anonymous && !kx.psk_hint)))
            out[n++] = e->suites[slot][i];
    }
    return n;
}

/* As the TCP scan, groups are asked with the suites that are not PSK
 * ones: OpenSSL selects ECDHE_PSK with no curve in common and then gives
 * up. A PSK-only server's ECDHE_PSK and DHE_PSK suites are all there is
 * to ask with. */
static size_t found_with(const struct tp_dtls_enum *e, uint16_t version, tp_ske_params params,
                         bool signed_only, uint16_t *out)
{
    size_t n = found_with_psk(e, version, params, false, signed_only, out);
    return n != 0 ? n : found_with_psk(e, version, params, true, signed_only, out);
}

static void add_group(struct tp_dtls_enum *e, uint16_t code, uint16_t version)
{
    uint8_t bit = version == TP_VER_DTLS10 ? 1u : version == TP_VER_DTLS12 ? 2u : 4u;
    for (size_t i = 0; i < e->n_groups; i++)
        if (e->groups[i] == code) {
            e->group_versions[i] |= bit;
            return;
        }
    if (e->n_groups < TP_DTLS_MAX_GROUPS) {
        e->group_versions[e->n_groups] = bit;
        e->groups[e->n_groups++] = code;
    }
}

/* One elimination over supported_groups (is_sigalgs false) or
 * signature_algorithms: offer suites with the codes left, read the
 * chosen one from the ServerKeyExchange, drop it, until refused or
 * silent. found(ctx, code) records each; *complete says how it ended. */
struct elim_list {
    const char *what;          /* "DTLSv1.2 groups", for unknown_because */
    uint16_t version;
    const uint16_t *suites;
    size_t n_suites;
    bool is_sigalgs;
    bool fallback12;           /* DTLS 1.3: DTLS 1.2 suites among suites */
    uint16_t *left;
    size_t n_left;
    size_t room;               /* codes it may still record */
};

static tp_status eliminate_codes(struct dscan *sc, struct elim_list *l, uint16_t *found,
                                 size_t *n_found, enum tp_tri *complete, tp_error *err)
{
    struct tp_dtls_enum *out = sc->out;
    while (l->n_left > 0 && l->room > 0) {
        struct dp_offer o = {.version = l->version, .suites = l->suites,
                             .n_suites = l->n_suites, .want_ske = true,
                             .empty_key_share = !l->is_sigalgs &&
                                                l->version == TP_VER_DTLS13,
                             .fallback12 = l->fallback12};
        if (l->is_sigalgs) {
            o.sigalgs = l->left;
            o.n_sigalgs = l->n_left;
        } else {
            o.groups = l->left;
            o.n_groups = l->n_left;
        }
        struct dp_result r;
        TP_TRY(run_probe(sc, &o, &r, err));
        if (r.outcome == DP_REFUSED || (r.outcome == DP_ACCEPTED && r.version != l->version)) {
            *complete = TP_TRI_YES;
            return TP_OK;
        }
        if (r.outcome != DP_ACCEPTED) {
            note_silence(sc, l->what, &r);
            return TP_OK;
        }
        bool has = l->is_sigalgs ? r.has_sigalg : r.has_group;
        uint16_t code = l->is_sigalgs ? r.sigalg : r.group;
        if (!l->is_sigalgs && !has && r.kx_bits != 0) {
            /* A DHE prime of the server's own although RFC 7919 groups
             * were offered: it does not negotiate them (RFC 7919 Sec. 4
             * leaves that to servers that implement it), so none of
             * those left is used; the prime's size rates the suites. */
            *complete = TP_TRI_YES;
            return TP_OK;
        }
        if (!has || !remove_code(l->left, &l->n_left, code)) {
            if (has)
                note_why(out, "%s: the server chose 0x%04X, which was not offered", l->what,
                         code);
            else
                note_why(out, "%s: no %s in the ServerKeyExchange", l->what,
                         l->is_sigalgs ? "signature scheme" : "group");
            return TP_OK;
        }
        found[(*n_found)++] = code;
        l->room--;
        if (sc->cfg->delay_ms != 0)
            pause_ms(sc->cfg->delay_ms, sc->deadline);
    }
    if (l->n_left == 0)
        *complete = TP_TRI_YES;
    return TP_OK;
}

/* The groups of version's ECDHE (or, params DHE, RFC 7919) suites by
 * elimination, as the TCP scan: the group read from the
 * ServerKeyExchange (a DHE prime matched against RFC 7919's). */
static tp_status enum_groups(struct dscan *sc, uint16_t version, tp_ske_params params,
                             bool *searched, enum tp_tri *complete, tp_error *err)
{
    struct tp_dtls_enum *out = sc->out;
    uint16_t suites[TP_DTLS_MAX_SUITES], left[64], found[64];
    size_t n_found = 0;
    char what[48];
    snprintf(what, sizeof what, "%s %s groups", tp_version_name(version),
             params == TP_SKE_DHE ? "FFDHE" : "ECDHE");
    struct elim_list l = {.what = what, .version = version, .suites = suites,
                          .n_suites = found_with(out, version, params, false, suites),
                          .left = left, .n_left = kx_groups(params, left, 64),
                          .room = TP_DTLS_MAX_GROUPS - out->n_groups};
    if (l.n_suites == 0)
        return TP_OK; /* nothing to ask with: not searched */
    *searched = true;
    tp_status status = eliminate_codes(sc, &l, found, &n_found, complete, err);
    for (size_t i = 0; i < n_found; i++)
        add_group(out, found[i], version);
    return status;
}

/* DTLS 1.2 signature schemes by elimination over signature_algorithms,
 * with the signed ECDHE and DHE suites found (RFC 5246 Sec. 7.4.3: the
 * ServerKeyExchange names the scheme it signed with). */
static tp_status enum_sigschemes(struct dscan *sc, tp_error *err)
{
    struct tp_dtls_enum *out = sc->out;
    uint16_t suites[TP_DTLS_MAX_SUITES], left[PROBE_MAX_SIGALGS];
    struct elim_list l = {.what = "DTLSv1.2 signature schemes", .version = TP_VER_DTLS12,
                          .suites = suites,
                          .n_suites = found_with(out, TP_VER_DTLS12, TP_SKE_NONE, true, suites),
                          .is_sigalgs = true, .left = left,
                          .n_left = plan_sigscheme_candidates(left, PROBE_MAX_SIGALGS),
                          .room = TP_DTLS_MAX_SIGSCHEMES};
    if (l.n_suites == 0)
        return TP_OK;
    out->sigschemes_searched = true;
    return eliminate_codes(sc, &l, out->sigschemes, &out->n_sigschemes,
                           &out->sigschemes_complete, err);
}

/* DTLS 1.3's key-exchange groups by elimination over supported_groups,
 * with the DTLS 1.3 suites found and an empty key_share, as the TCP
 * scan's TLS 1.3 group search: the HelloRetryRequest names the group the
 * server wants (RFC 8446 Sec. 4.1.4; a ServerHello's key_share counts the
 * same), which is dropped from the next offer until refused. No share is
 * sent, so post-quantum groups are asked as cheaply as classical ones. */
static tp_status enum_groups13(struct dscan *sc, tp_error *err)
{
    struct tp_dtls_enum *out = sc->out;
    uint16_t left[PROBE_MAX_GROUPS], found[TP_DTLS_MAX_GROUPS];
    uint16_t suites[TP_DTLS_MAX_SUITES * 2];
    size_t n_found = 0, n13 = out->n_suites[TP_DTLS_V13];
    memcpy(suites, out->suites[TP_DTLS_V13], n13 * sizeof suites[0]);
    size_t n = add_fallback(out, suites, n13, sizeof suites / sizeof suites[0]);
    struct elim_list l = {.what = "DTLSv1.3 groups", .version = TP_VER_DTLS13,
                          .suites = suites, .n_suites = n, .fallback12 = n > n13, .left = left,
                          .n_left = plan_group_candidates(PLAN_GROUPS_TLS13, left,
                                                          PROBE_MAX_GROUPS),
                          .room = TP_DTLS_MAX_GROUPS - out->n_groups};
    if (n13 == 0)
        return TP_OK;
    out->groups13_searched = true;
    tp_status status = eliminate_codes(sc, &l, found, &n_found, &out->groups13_complete, err);
    for (size_t i = 0; i < n_found; i++)
        add_group(out, found[i], TP_VER_DTLS13);
    return status;
}

tp_status dtls_scan_run(const struct tp_config *cfg, const struct tp_addr *addr,
                        const char *sni, tp_deadline deadline, uint32_t rtt_hint_ms,
                        struct tp_dtls_enum *out, tp_error *err)
{
    struct dscan sc = {.cfg = cfg, .addr = addr, .sni = sni, .deadline = deadline,
                       .out = out, .timer_ms = INITIAL_TIMER_MS};
    uint64_t start = tp_now_ns();
    out->run = true;
    if (rtt_hint_ms != 0) {
        uint64_t t = 3u * (uint64_t)rtt_hint_ms + 50u;
        sc.timer_ms = t < MIN_TIMER_MS ? MIN_TIMER_MS : t > MAX_TIMER_MS ? MAX_TIMER_MS
                                                                        : (uint32_t)t;
    }
    out->retry_timeout_ms = sc.timer_ms;
    tp_status status = enum_version(&sc, TP_VER_DTLS12, err);
    if (status == TP_OK)
        status = enum_groups(&sc, TP_VER_DTLS12, TP_SKE_ECDHE, &out->groups_searched,
                             &out->groups_complete, err);
    if (status == TP_OK)
        status = enum_groups(&sc, TP_VER_DTLS12, TP_SKE_DHE, &out->ffdhe_searched,
                             &out->ffdhe_complete, err);
    if (status == TP_OK)
        status = enum_sigschemes(&sc, err);
    if (status == TP_OK)
        status = enum_version(&sc, TP_VER_DTLS10, err);
    if (status == TP_OK)
        status = enum_groups(&sc, TP_VER_DTLS10, TP_SKE_ECDHE, &out->groups10_searched,
                             &out->groups10_complete, err);
    /* DTLS 1.3 (RFC 9147 Sec. 5.3): supported_versions holding 0xFEFC;
     * the first elimination probe is the detection: the ServerHello's
     * (or HelloRetryRequest's) supported_versions says whether it was
     * taken. */
    if (status == TP_OK)
        status = enum_version(&sc, TP_VER_DTLS13, err);
    if (status == TP_OK)
        status = enum_groups13(&sc, err);
    out->elapsed_us = (tp_now_ns() - start) / 1000u;
    return status;
}
