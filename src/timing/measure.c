/* measure.c: the --timing run (see measure.h). */
#include "timing/measure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "net/net.h"
#include "net/starttls.h"
#include "report/timing_model.h"
#include "timing/link.h"
#include "timing/projection.h"
#include "timing/stats.h"
#include "timing/timeline.h"
#include "tls/tls.h"
#include "wire/certificate.h"
#include "wire/registry.h"
#include "util/clock.h"
#include "util/banned.h"

/* Quiet time after the first connection closed before the capture is
 * read: the FIN exchange on loopback or a LAN is well within it. */
#define CAPTURE_LINGER_MS 50u

struct hook_ctx {
    tp_tl_builder *b;
    tp_status status;
};

/* The transport hook: every transfer, in order, into the timeline. A send
 * hands over its whole vector (tls.h), so every record header is seen. */
static void on_io(void *arg, const struct tls_io_event *ev)
{
    struct hook_ctx *h = arg;
    tp_status st = TP_OK;
    if (ev->dir == TLS_IO_RECV) {
        st = tp_tl_feed(h->b, TP_DIR_S2C, ev->t_ns, ev->data, ev->bytes);
    } else if (ev->iov == NULL) {
        st = tp_tl_feed(h->b, TP_DIR_C2S, ev->t_ns, ev->data_len == ev->bytes ? ev->data : NULL,
                        ev->bytes);
    } else {
        size_t left = ev->bytes;
        for (int i = 0; i < ev->iovcnt && left > 0 && st == TP_OK; i++) {
            size_t n = ev->iov[i].iov_len < left ? ev->iov[i].iov_len : left;
            st = tp_tl_feed(h->b, TP_DIR_C2S, ev->t_ns, ev->iov[i].iov_base, n);
            left -= n;
        }
    }
    if (st != TP_OK && h->status == TP_OK)
        h->status = st;
}

/* What the wire of a TLS 1.3 handshake does not show: the chain's sizes
 * and the signature's (both protected). */
static void facts_from(const struct tp_report *r, uint32_t *der, size_t max,
                       struct tp_tl_facts *facts)
{
    memset(facts, 0, sizeof *facts);
    facts->version = r->handshake.version;
    size_t n = r->n_certs < max ? r->n_certs : max;
    for (size_t i = 0; i < n; i++)
        der[i] = r->certs[i].der_bytes;
    facts->cert_der = der;
    facts->n_certs = n;
    if (r->n_certs > 0)
        facts->cert_verify_bytes =
            tp_tl_cert_verify_bytes(r->certs[0].key_type, r->certs[0].key_bits);
}

struct measure {
    const struct tp_config *cfg;
    const char *sni;
    tp_deadline deadline;
    const struct tp_addr *addr;   /* the address the first run reached */
};

/* One handshake on an open socket, timed from t0; report gets its facts. */
static tp_status timed_handshake(const struct measure *m, const struct tp_config *cfg, int fd,
                                 uint64_t t0, struct tls_resume *resume,
                                 struct tp_report *report, struct tp_timeline *tl, tp_error *err)
{
    tp_tl_builder *b = malloc(sizeof *b);
    if (b == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    tp_tl_init(b, t0, NULL, NULL);
    struct hook_ctx h = {b, TP_OK};
    struct tls_io_hook hook = {on_io, &h};
    tp_status status = tls_handshake_report_resumable(fd, cfg, m->sni, m->deadline, &hook,
                                                      resume, report, err);
    if (status == TP_OK && h.status != TP_OK)
        status = tp_fail(err, h.status, "out of memory timing the handshake");
    uint32_t der[TP_CERT_MAX];
    struct tp_tl_facts facts;
    facts_from(report, der, TP_CERT_MAX, &facts);
    facts.resumed = resume != NULL && resume->resumed;
    tp_tl_result(b, &facts, tl);
    tp_tl_finish(b);
    free(b);
    return status;
}

/* --starttls: the plaintext dialogue on a fresh connection, timed as its
 * own phase (*ms; untouched without --starttls). Its bytes are not TLS and
 * never reach the timeline: the flights start at the ClientHello. */
static tp_status starttls_timed(const struct measure *m, const struct tp_config *cfg, int fd,
                                double *ms, tp_error *err)
{
    if (cfg->starttls == TP_STARTTLS_NONE)
        return TP_OK;
    uint64_t began = tp_now_ns();
    tp_status status = net_starttls(fd, cfg->starttls, m->sni != NULL ? m->sni : cfg->host,
                                    m->deadline, err);
    *ms = (double)(tp_now_ns() - began) / 1e6;
    return status;
}

/* A later run: resolve (for the DNS phase), connect to the same address,
 * handshake. The report is a scratch one. */
static tp_status run_again(const struct measure *m, const struct tp_config *cfg,
                           struct tls_resume *resume, struct tp_timeline *tl, tp_error *err)
{
    struct tp_report scratch;
    struct tp_addrlist addrs = {0};
    int fd = -1;
    tp_report_init(&scratch);
    uint64_t t0 = tp_now_ns();
    tp_status status = net_resolve(cfg->host, cfg->port, cfg->family, m->deadline, &addrs, err);
    uint64_t t1 = tp_now_ns();
    if (status != TP_OK)
        goto out;
    status = net_connect_addr(m->addr, cfg->connect_timeout_ms, m->deadline, &fd, err);
    uint64_t t2 = tp_now_ns();
    if (status != TP_OK)
        goto out;
    double starttls_ms = -1;
    if ((status = starttls_timed(m, cfg, fd, &starttls_ms, err)) != TP_OK)
        goto out;
    status = timed_handshake(m, cfg, fd, t0, resume, &scratch, tl, err);
    tl->dns_ms = (double)(t1 - t0) / 1e6;
    tl->connect_ms = (double)(t2 - t1) / 1e6;
    tl->starttls_ms = starttls_ms;
out:
    if (fd >= 0)
        close(fd);
    net_addrlist_finish(&addrs);
    tp_report_finish(&scratch);
    return status;
}

/* ---- statistics ---- */

struct samples {
    uint64_t *v[TP_PHASE_COUNT + 1]; /* microseconds; the last: bytes */
    size_t n;
};

static tp_status samples_init(struct samples *s, size_t cap)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i <= TP_PHASE_COUNT; i++)
        if ((s->v[i] = calloc(cap, sizeof *s->v[i])) == NULL)
            return TP_E_NOMEM;
    return TP_OK;
}

static void samples_finish(struct samples *s)
{
    for (size_t i = 0; i <= TP_PHASE_COUNT; i++)
        free(s->v[i]);
}

static uint64_t us(double ms)
{
    return ms > 0 ? (uint64_t)(ms * 1000.0 + 0.5) : 0;
}

static void samples_add(struct samples *s, const struct tp_timeline *tl)
{
    if (!tl->complete || tl->n_flights < 2)
        return;
    const struct tp_tl_flight *ch = &tl->flights[0], *sf = &tl->flights[1];
    double phase[TP_PHASE_COUNT] = {
        [TP_PHASE_DNS] = tl->dns_ms,
        [TP_PHASE_CONNECT] = tl->connect_ms,
        [TP_PHASE_FIRST_BYTE] = sf->start_ms - ch->start_ms,
        [TP_PHASE_SERVER_FLIGHT] = sf->end_ms - sf->start_ms,
        [TP_PHASE_HANDSHAKE] = tl->handshake_ms,
        [TP_PHASE_TOTAL] = tl->dns_ms + tl->connect_ms +
                           (tl->starttls_ms > 0 ? tl->starttls_ms : 0) + tl->handshake_ms,
    };
    for (size_t i = 0; i < TP_PHASE_COUNT; i++)
        s->v[i][s->n] = us(phase[i]);
    s->v[TP_PHASE_COUNT][s->n] = tl->bytes[0] + tl->bytes[1];
    s->n++;
}

static tp_status summarise(const struct samples *s, struct tp_series *out, tp_error *err)
{
    if (s->n == 0)
        return TP_OK;
    for (size_t i = 0; i <= TP_PHASE_COUNT; i++) {
        struct tp_stats st;
        TP_TRY(tp_stats_compute(s->v[i], s->n, &st, err));
        struct tp_phase_stats *p = i < TP_PHASE_COUNT ? &out->phase[i] : &out->bytes;
        double scale = i < TP_PHASE_COUNT ? 1000.0 : 1.0;
        *p = (struct tp_phase_stats){st.n, (double)st.min / scale, (double)st.median / scale,
                                     (double)st.p95 / scale, (double)st.max / scale,
                                     st.mean / scale};
    }
    return TP_OK;
}

/* ---- the runs after the first ---- */

struct series_state {
    struct samples full, resumed;
};

/* A resumed handshake with state; counts it in series. */
static void run_resumed(const struct measure *m, const uint8_t *state, size_t len,
                        struct tp_timeline *tl, struct tp_series *series, struct samples *s,
                        bool *accepted)
{
    tp_error err = {0};
    struct tls_resume r = {.in = state, .in_len = len};
    series->runs++;
    tp_status st = run_again(m, m->cfg, &r, tl, &err);
    free(r.out);
    if (st != TP_OK) {
        series->failures++;
        return;
    }
    if (r.resumed)
        series->resumed++;
    if (accepted != NULL)
        *accepted = r.resumed;
    samples_add(s, tl);
}

static tp_status run_series(const struct measure *m, const struct tls_resume *first,
                            struct tp_timing *t, tp_error *err)
{
    const struct tp_config *cfg = m->cfg;
    uint32_t n = cfg->repeat > 0 ? cfg->repeat : 1;
    struct series_state ss;
    tp_status status = samples_init(&ss.full, n);
    if (status == TP_OK)
        status = samples_init(&ss.resumed, n);
    if (status != TP_OK) {
        status = tp_fail(err, TP_E_NOMEM, "out of memory");
        goto out;
    }
    t->full_stats.runs = 1;
    samples_add(&ss.full, &t->full);
    if (cfg->resume) {
        t->has_resumed = true;
        t->resume_offered = first->out != NULL;
        if (first->out != NULL)
            run_resumed(m, first->out, first->out_len, &t->resumed, &t->resumed_stats,
                        &ss.resumed, &t->resume_accepted);
    }
    for (uint32_t i = 1; i < n && !tp_deadline_passed(m->deadline); i++) {
        struct tp_timeline tl;
        struct tls_resume r = {0};
        tp_error run_err = {0};
        t->full_stats.runs++;
        tp_status st = run_again(m, cfg, cfg->resume ? &r : NULL, &tl, &run_err);
        if (st == TP_E_NOMEM) {
            free(r.out);
            status = tp_fail(err, st, "out of memory");
            goto out;
        }
        if (st != TP_OK)
            t->full_stats.failures++;
        else
            samples_add(&ss.full, &tl);
        if (st == TP_OK && cfg->resume && r.out != NULL)
            run_resumed(m, r.out, r.out_len, &tl, &t->resumed_stats, &ss.resumed, NULL);
        free(r.out);
    }
    if ((status = summarise(&ss.full, &t->full_stats, err)) == TP_OK)
        status = summarise(&ss.resumed, &t->resumed_stats, err);
out:
    samples_finish(&ss.full);
    samples_finish(&ss.resumed);
    return status;
}

/* TLS 1.2 against TLS 1.3, each offered alone, when the default offer was
 * used (with --priority or version bounds the user chose already). */
static tp_status compare_versions(const struct measure *m, uint16_t first_version,
                                  struct tp_timing *t, tp_error *err)
{
    const struct tp_config *cfg = m->cfg;
    if (cfg->priority != NULL || cfg->tls_min != 0 || cfg->tls_max != 0 ||
        (first_version != TP_VER_TLS12 && first_version != TP_VER_TLS13))
        return TP_OK;
    size_t other = first_version == TP_VER_TLS13 ? 0 : 1;
    t->versions[1 - other] = (struct tp_version_run){first_version, true, true, NULL, t->full};
    struct tp_version_run *v = &t->versions[other];
    v->version = other == 0 ? TP_VER_TLS12 : TP_VER_TLS13;
    v->attempted = true;
    struct tp_config only = *cfg;
    only.tls_min = v->version;
    only.tls_max = v->version;
    tp_error run_err = {0};
    tp_status st = run_again(m, &only, NULL, &v->tl, &run_err);
    if (st == TP_E_NOMEM)
        return tp_fail(err, st, "out of memory");
    v->ok = st == TP_OK && v->tl.complete;
    if (!v->ok && tp_set_str(&v->error, run_err.msg[0] ? run_err.msg : tp_status_name(st)) !=
                      TP_OK)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    t->has_versions = v->ok;
    return TP_OK;
}

/* ---- projection ---- */

static enum tp_leaf_key leaf_key(const char *type)
{
    if (type == NULL)
        return TP_LEAF_UNKNOWN;
    if (strncmp(type, "RSA", 3) == 0)
        return TP_LEAF_RSA;
    if (strcmp(type, "EC") == 0)
        return TP_LEAF_EC;
    if (strncmp(type, "Ed", 2) == 0)
        return TP_LEAF_EDDSA;
    return TP_LEAF_UNKNOWN;
}

static void describe_dominant(struct tp_timing *t)
{
    const struct tp_projection *p = &t->projection;
    size_t best = 0;
    for (size_t i = 1; i < TP_PART_COUNT; i++)
        if (p->parts_ms[i] > p->parts_ms[best])
            best = i;
    size_t used = 0;
    if (t->full.certificate_bytes > 0)
        used = (size_t)snprintf(t->dominant, sizeof t->dominant,
                                "certificate chain: %.1f KB, %.0f %% of bytes; ",
                                (double)t->full.certificate_bytes / 1000.0,
                                t->full.certificate_share * 100.0);
    if (used < sizeof t->dominant)
        snprintf(t->dominant + used, sizeof t->dominant - used,
                 "%s: %.0f ms, %.0f %% of the projected time",
                 tp_proj_part_name((enum tp_proj_part)best), p->parts_ms[best],
                 p->total_ms > 0 ? 100.0 * p->parts_ms[best] / p->total_ms : 0.0);
}

static tp_status project(const struct tp_link *link, const struct tp_report *report,
                         struct tp_timing *t, tp_error *err)
{
    struct tp_flight flights[TP_PROJ_MAX_FLIGHTS];
    struct tp_proj_params params;
    tp_proj_params_default(&params);
    params.ipv6 = report->target.family == AF_INET6;
    size_t n = tp_tl_flights(&t->full, flights, TP_PROJ_MAX_FLIGHTS);
    if (n == 0)
        return TP_OK;
    t->link = *link;
    TP_TRY(tp_project(link, &params, flights, n, &t->projection, err));
    t->has_projection = true;
    if (t->has_resumed && t->resumed.complete) {
        size_t nr = tp_tl_flights(&t->resumed, flights, TP_PROJ_MAX_FLIGHTS);
        TP_TRY(tp_project(link, &params, flights, nr, &t->projection_resumed, err));
        t->has_projection_resumed = true;
        n = tp_tl_flights(&t->full, flights, TP_PROJ_MAX_FLIGHTS);
    }
    describe_dominant(t);
    if (t->full.cert_flight >= n || report->n_certs == 0)
        return TP_OK; /* no Certificate flight (resumed): nothing to shrink */
    const struct tp_cert *leaf = &report->certs[0];
    const struct tp_cert *last = &report->certs[report->n_certs - 1];
    struct tp_hs_shape shape = {
        .version = t->full.version,
        .cert_flight = t->full.cert_flight,
        .cert_msg_bytes = (uint32_t)t->full.certificate_bytes,
        .server_kx_bytes = t->full.server_kx_bytes,
        .client_kx_bytes = t->full.client_kx_bytes,
        .leaf_key = leaf_key(leaf->key_type),
        .leaf_key_bits = leaf->key_bits,
        /* The chain's own root is the certificate that can always go
         * (RFC 8446 Sec. 4.4.2: it MAY be omitted). */
        .intermediate_bytes = report->n_certs > 1 && last->self_signed ? last->der_bytes : 0,
    };
    TP_TRY(tp_project_whatif(link, &params, flights, n, &shape, &t->whatif, err));
    t->has_whatif = true;
    return TP_OK;
}

/* ---- the first run ---- */

static tp_status open_capture(const struct tp_config *cfg, const struct tp_addrlist *addrs,
                              struct tp_live **live, struct tp_capture_result *res,
                              tp_error *err)
{
    struct tp_live_remote remotes[16];
    size_t n = addrs->count < 16 ? addrs->count : 16;
    for (size_t i = 0; i < n; i++)
        remotes[i] = (struct tp_live_remote){(const struct sockaddr *)&addrs->items[i].ss,
                                             addrs->items[i].len};
    struct tp_live_opts opts = {cfg->interface, cfg->write_file, cfg->capture_user};
    return tp_live_open(&opts, remotes, n, cfg->port, live, res, err);
}

tp_status timing_run(const struct tp_config *cfg, const char *sni, struct tp_report *report,
                     enum tp_stage *stage, tp_error *err)
{
    struct tp_link link;
    struct tp_addrlist addrs = {0};
    struct tp_live *live = NULL;
    struct tls_resume first = {0};
    int fd = -1;
    size_t which = 0;
    tp_status status;
    *stage = TP_STAGE_INTERNAL;
    if (cfg->link != NULL)
        TP_TRY(tp_link_from_arg(&link, cfg->link, err));
    /* Flight numbers known lost belong to the DTLS model: a usage error
     * before any traffic. */
    if (cfg->link != NULL && link.lost_flights != 0)
        return tp_fail(err, TP_E_USAGE, "--link lose= is for --dtls only");
    struct tp_timing *t = report->timing = malloc(sizeof *report->timing);
    if (t == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    tp_timing_init(t);
    t->repeat = cfg->repeat > 0 ? cfg->repeat : 1;
    struct measure m = {cfg, sni, tp_deadline_in_ms(cfg->timeout_ms), NULL};
    if ((status = tp_set_str(&report->target.host, cfg->host)) != TP_OK ||
        (status = tp_set_str(&report->target.sni, m.sni)) != TP_OK)
        goto out;
    report->target.port = cfg->port;
    report->target.starttls = net_starttls_name(cfg->starttls);

    uint64_t t0 = tp_now_ns(), t0_wall = tp_wall_ns();
    *stage = TP_STAGE_RESOLVE;
    status = net_resolve(cfg->host, cfg->port, cfg->family, m.deadline, &addrs, err);
    uint64_t t1 = tp_now_ns();
    if (status != TP_OK)
        goto out;
    if (cfg->capture) {
        *stage = TP_STAGE_INTERNAL;
        t->has_capture = true;
        if ((status = open_capture(cfg, &addrs, &live, &t->capture, err)) != TP_OK)
            goto out;
        t1 = tp_now_ns(); /* opening the capture is not the network's time */
    }
    *stage = TP_STAGE_CONNECT;
    status = net_connect_first(&addrs, cfg->connect_timeout_ms, m.deadline, report, &fd, &which,
                               err);
    uint64_t t2 = tp_now_ns();
    if (status != TP_OK)
        goto out;
    m.addr = &addrs.items[which];
    report->target.family = m.addr->family;
    if ((status = tp_set_str(&report->target.address, m.addr->text)) != TP_OK)
        goto out;
    if (live != NULL && (status = tp_live_tighten(live, fd, &t->capture, err)) != TP_OK)
        goto out;
    *stage = TP_STAGE_TLS;
    double starttls_ms = -1;
    status = starttls_timed(&m, cfg, fd, &starttls_ms, err);
    if (status == TP_OK)
        status = timed_handshake(&m, cfg, fd, t0, cfg->resume ? &first : NULL, report,
                                 &t->full, err);
    t->full.dns_ms = (double)(t1 - t0) / 1e6;
    t->full.connect_ms = (double)(t2 - t1) / 1e6;
    t->full.starttls_ms = starttls_ms;
    close(fd);
    fd = -1;
    if (live != NULL) {
        tp_error cap_err = {0};
        tp_status cs = tp_live_collect(live, t0_wall, CAPTURE_LINGER_MS, &t->capture, &cap_err);
        if (cs == TP_E_NOMEM) {
            status = tp_fail(err, cs, "out of memory");
            goto out;
        }
        if (cs != TP_OK && tp_set_str(&t->capture.note, cap_err.msg) != TP_OK) {
            status = tp_fail(err, TP_E_NOMEM, "out of memory");
            goto out;
        }
    }
    if (status != TP_OK)
        goto out;
    *stage = TP_STAGE_NONE;
    if ((status = run_series(&m, &first, t, err)) != TP_OK ||
        (status = compare_versions(&m, t->full.version, t, err)) != TP_OK)
        goto out;
    if (cfg->link != NULL)
        status = project(&link, report, t, err);
out:
    free(first.out);
    tp_live_destroy(live);
    if (fd >= 0)
        close(fd);
    net_addrlist_finish(&addrs);
    return status;
}
