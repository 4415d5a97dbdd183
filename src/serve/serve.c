/* serve.c: the --serve run (serve.h): CA, cases, then one connection
 * after another until the battery is decided. */
#include "serve/serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture/offer.h"
#include "net/starttls.h"
#include "net/starttls_serve.h"
#include "report/serve_model.h"
#include "serve/battery.h"
#include "serve/hello.h"
#include "tls/serve.h"
#include "wire/registry.h"
#include "util/banned.h"

/* After a completed handshake, how long an accepting client has to send
 * its first bytes (an HTTP request, an MQTT CONNECT follow at once). */
#define DATA_WAIT_MS 2000u

struct serve_ctx {
    const struct tp_config *cfg;
    struct tp_report *report;
    struct tp_serve *s;
    bool progress;
    struct tls_serve_ca *ca;
    struct tls_serve_creds *creds[TLS_CERT_COUNT];
    size_t case_of[TP_MAX_CASES * 2];  /* schedule: index into tp_cases per test */
    size_t next;                       /* the test to serve next */
    tp_deadline deadline_all;          /* --timeout */
    uint8_t *buf;
};

/* ---- the CA ---- */

static bool exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Names for a new CA: TP_SERVE_CA_PREFIX, the UTC time, "-N" from 2 on
 * while either name is taken. The write itself refuses to replace a file
 * (O_EXCL), so a name taken in between is an error, never an overwrite. */
static tp_status new_ca_names(char *cert, char *key, size_t size, tp_error *err)
{
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    if (gmtime_r(&now, &tm) == NULL || strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm) == 0)
        return tp_fail(err, TP_E_INTERNAL, "cannot format the time");
    for (unsigned n = 1; n < 1000; n++) {
        char suffix[16] = "";
        if (n > 1)
            snprintf(suffix, sizeof suffix, "-%u", n);
        snprintf(cert, size, TP_SERVE_CA_PREFIX "%s%s.pem", stamp, suffix);
        snprintf(key, size, TP_SERVE_CA_PREFIX "%s%s.key", stamp, suffix);
        if (!exists(cert) && !exists(key))
            return TP_OK;
    }
    return tp_fail(err, TP_E_USAGE, "no free name for the test CA: %s* are all taken",
                   TP_SERVE_CA_PREFIX);
}

static tp_status setup_ca(struct serve_ctx *c, tp_error *err)
{
    const struct tp_config *cfg = c->cfg;
    const char *cert = cfg->serve_ca, *key = cfg->serve_ca_key;
    char cert_name[80], key_name[80];
    if (cert != NULL) {
        TP_TRY(tls_serve_ca_load(cert, key, &c->ca, err));
    } else {
        /* A CA of its own for every run, in new files: the one a device
         * was given earlier stays as it was (--serve-ca reuses it). */
        TP_TRY(new_ca_names(cert_name, key_name, sizeof cert_name, err));
        TP_TRY(tls_serve_ca_generate(&c->ca, err));
        /* A directory we cannot write to is the user's to fix (or to avoid
         * with --serve-ca): a usage error, not an internal one. */
        tp_status written = tls_serve_ca_write(c->ca, cert_name, key_name, err);
        if (written == TP_E_IO)
            return TP_E_USAGE;
        TP_TRY(written);
        c->s->ca_generated = true;
        cert = cert_name;
        key = key_name;
        fprintf(stderr,
                "tlsprobe: test CA written to %s (install it on the device as the trust "
                "anchor), its key to %s; to serve from this CA again: --serve-ca %s "
                "--serve-ca-key %s\n",
                cert, key, cert, key);
    }
    if (tp_set_str(&c->s->ca_file, cert) != TP_OK ||
        tp_set_str(&c->s->ca_key_file, key) != TP_OK ||
        tls_serve_ca_subject(c->ca, &c->s->ca_subject) != TP_OK)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    return TP_OK;
}

/* ---- the cases ---- */

/* Each test of the schedule gets its credentials (one per recipe, made
 * once) and priority checked; what this GnuTLS cannot do is unavailable. */
static tp_status setup_cases(struct serve_ctx *c, tp_error *err)
{
    struct tp_serve *s = c->s;
    size_t n = tp_schedule(c->cfg->serve_cases_given ? c->cfg->serve_cases : NULL, c->case_of,
                           sizeof c->case_of / sizeof c->case_of[0]);
    s->tests = calloc(n, sizeof *s->tests);
    if (s->tests == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    s->n_tests = n;
    for (size_t k = 0; k < n; k++) {
        const struct tp_case *cs = &tp_cases[c->case_of[k]];
        struct tp_client_test *t = &s->tests[k];
        *t = (struct tp_client_test){.id = cs->id, .description = cs->description,
                                     .kind = tp_case_kind_name(cs->kind), .alert = -1,
                                     .handshake_ms = -1, .offer = -1, .control_after = -1};
        tp_error why = {0};
        tp_status status = tls_serve_priority_check(cs->priority, &why);
        if (status == TP_OK && c->creds[cs->cert] == NULL)
            status = tls_serve_creds_build(c->ca, cs->cert, c->cfg->hostname,
                                           &c->creds[cs->cert], &why);
        if (status == TP_E_NOMEM)
            return tp_fail(err, status, "out of memory");
        if (status != TP_OK) {
            t->verdict = TP_VERDICT_UNAVAILABLE;
            if (tp_set_str(&t->note, why.msg) != TP_OK)
                return tp_fail(err, TP_E_NOMEM, "out of memory");
        }
    }
    return TP_OK;
}

static void skip_unavailable(struct serve_ctx *c)
{
    while (c->next < c->s->n_tests && c->s->tests[c->next].verdict == TP_VERDICT_UNAVAILABLE)
        c->next++;
}

/* ---- one connection ---- */

static tp_status log_conn(struct serve_ctx *c, const char *peer, const char *case_id,
                          enum tp_client_verdict v, const char *note)
{
    struct tp_serve *s = c->s;
    if (s->n_log >= TP_SERVE_MAX_LOG)
        return TP_OK;
    if (s->log == NULL && (s->log = calloc(TP_SERVE_MAX_LOG, sizeof *s->log)) == NULL)
        return TP_E_NOMEM;
    struct tp_serve_conn *l = &s->log[s->n_log++];
    l->number = s->connections;
    snprintf(l->peer, sizeof l->peer, "%s", peer);
    l->case_id = case_id;
    l->verdict = v;
    return tp_set_str(&l->note, note);
}

/* The offer, kept once per JA4 and SNI: a device's offer rarely changes
 * from one connection to the next, and when it does that is news. */
static tp_status keep_offer(struct tp_serve *s, struct tp_audit_hs *h, int *index)
{
    for (size_t i = 0; i < s->n_offers; i++) {
        const struct tp_audit_hs *o = &s->offers[i];
        if (strcmp(o->ja4, h->ja4) == 0 &&
            ((o->sni == NULL && h->sni == NULL) ||
             (o->sni != NULL && h->sni != NULL && strcmp(o->sni, h->sni) == 0))) {
            s->offer_seen[i]++;
            *index = (int)i;
            tp_audit_hs_finish(h);
            return TP_OK;
        }
    }
    if (s->n_offers >= TP_SERVE_MAX_OFFERS) {
        *index = -1;
        tp_audit_hs_finish(h);
        return TP_OK;
    }
    if (s->offers == NULL)
        s->offers = calloc(TP_SERVE_MAX_OFFERS, sizeof *s->offers);
    if (s->offer_seen == NULL)
        s->offer_seen = calloc(TP_SERVE_MAX_OFFERS, sizeof *s->offer_seen);
    if (s->offers == NULL || s->offer_seen == NULL) {
        tp_audit_hs_finish(h);
        return TP_E_NOMEM;
    }
    *index = (int)s->n_offers;
    s->offer_seen[s->n_offers] = 1;
    s->offers[s->n_offers++] = *h; /* moved: h's heap parts now belong to the list */
    memset(h, 0, sizeof *h);
    return TP_OK;
}

static void record(struct tp_client_test *t, const struct tls_serve_result *r, uint32_t conn,
                   int offer)
{
    t->verdict = tp_verdict_of(r);
    t->alert = r->alert;
    t->alert_name = r->alert_name;
    t->version = r->end == TLS_SERVE_DONE ? r->version : 0;
    t->suite = r->suite;
    t->app_data = r->after == TLS_AFTER_DATA;
    t->handshake_ms = r->handshake_ms;
    t->connection = conn;
    t->offer = offer;
}

static void say_progress(const struct serve_ctx *c, const char *peer, const char *case_id,
                         const char *what)
{
    if (!c->progress)
        return;
    fprintf(stderr, "tlsprobe: #%u %s %s: %s\n", (unsigned)c->s->connections, peer,
            case_id != NULL ? case_id : "-", what);
}

/* A connection that brought no usable ClientHello (or, with --starttls,
 * never asked for TLS): one line, and the same case goes to the next
 * connection. */
static tp_status bad_input(struct serve_ctx *c, const char *peer, const char *what)
{
    struct tp_client_test *t = c->next < c->s->n_tests ? &c->s->tests[c->next] : NULL;
    c->s->bad_connections++;
    if (t != NULL)
        t->attempts++;
    fprintf(stderr, "tlsprobe: connection %u from %s: %s; case %s marked unknown, served "
                    "again to the next connection\n",
            (unsigned)c->s->connections, peer, what, t != NULL ? t->id : "-");
    if (t != NULL)
        TP_TRY(tp_set_str(&t->note, what));
    return log_conn(c, peer, t != NULL ? t->id : NULL, TP_VERDICT_UNKNOWN, what);
}

static tp_status serve_one(struct serve_ctx *c, int fd, const char *peer, tp_error *err)
{
    struct tp_serve *s = c->s;
    struct tp_audit_hs h;
    memset(&h, 0, sizeof h);
    struct tp_first first;
    size_t len = 0;
    tp_deadline conn_deadline = tp_deadline_min_ms(c->deadline_all, c->cfg->serve_wait_ms);
    if (c->cfg->starttls != TP_STARTTLS_NONE) {
        struct serve_dialogue d;
        serve_starttls(fd, c->cfg->starttls, conn_deadline, &d);
        if (!d.upgraded)
            return bad_input(c, peer, d.why);
    }
    tp_status status = serve_read_hello(fd, conn_deadline, c->buf, TP_SERVE_MAX_HELLO, &len, &h,
                                        &first);
    if (status != TP_OK || first.kind != TP_FIRST_CLIENT_HELLO) {
        tp_audit_hs_finish(&h);
        return status != TP_OK ? tp_fail(err, status, "out of memory")
                               : bad_input(c, peer, first.what);
    }
    int offer = -1;
    if (keep_offer(s, &h, &offer) != TP_OK)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    if (c->next >= s->n_tests) {
        /* Everything decided; a late connection is only logged. */
        return log_conn(c, peer, NULL, TP_VERDICT_NOT_RUN, "battery complete");
    }
    struct tp_client_test *t = &s->tests[c->next];
    const struct tp_case *cs = &tp_cases[c->case_of[c->next]];
    struct tls_serve_result r;
    TP_TRY(tls_serve_connection(fd, c->buf, len, c->creds[cs->cert], cs->priority, conn_deadline,
                                c->cfg->serve_wait_ms < DATA_WAIT_MS ? c->cfg->serve_wait_ms
                                                                     : DATA_WAIT_MS,
                                net_starttls_serve_farewell(c->cfg->starttls), &r, err));
    t->attempts++;
    enum tp_client_verdict v = tp_verdict_of(&r);
    TP_TRY(log_conn(c, peer, t->id, v, r.message));
    say_progress(c, peer, t->id, r.message);
    TP_TRY(tp_set_str(&t->note, r.message));
    if (v == TP_VERDICT_UNKNOWN) {
        fprintf(stderr, "tlsprobe: connection %u from %s: %s; case %s served again\n",
                (unsigned)s->connections, peer, r.message, t->id);
        return TP_OK;
    }
    record(t, &r, s->connections, offer);
    c->next++;
    skip_unavailable(c);
    return TP_OK;
}

/* ---- the offers' findings ---- */

struct offer_hits {
    struct tp_serve *s;
    struct tp_report *report;
    size_t offer;
    bool raised[TP_OFFER_RULE_COUNT];
};

static tp_status offer_hit(void *ctx, enum tp_offer_rule r, const char *detail)
{
    struct offer_hits *o = ctx;
    struct tp_audit_hs *h = &o->s->offers[o->offer];
    TP_TRY(tp_strlist_push(&h->findings, tp_offer_rule_id(r)));
    if (o->raised[r])
        return TP_OK;
    o->raised[r] = true;
    return tp_report_add_finding(o->report, tp_offer_rule_id(r), "%s (JA4 %s)%s%s",
                                 tp_offer_rule_what(r), h->ja4, detail[0] ? ": " : "", detail);
}

static tp_status offer_findings(struct tp_serve *s, struct tp_report *report)
{
    struct offer_hits o = {.s = s, .report = report};
    for (size_t i = 0; i < s->n_offers; i++) {
        o.offer = i;
        /* SSL 2.0 cipher kinds in a compatible hello: hello.c listed it. */
        const struct tp_strlist *f = &s->offers[i].findings;
        if (f->count > 0 && !o.raised[TP_OFFER_RULE_SSLV2] &&
            strcmp(f->items[0], tp_offer_rule_id(TP_OFFER_RULE_SSLV2)) == 0) {
            o.raised[TP_OFFER_RULE_SSLV2] = true;
            TP_TRY(tp_report_add_finding(report, tp_offer_rule_id(TP_OFFER_RULE_SSLV2),
                                         "%s: SSL 2.0 cipher kinds in a version 2.0 compatible "
                                         "hello",
                                         tp_offer_rule_what(TP_OFFER_RULE_SSLV2)));
        }
        uint32_t want = 0;
        for (int r = 0; r < TP_OFFER_RULE_COUNT; r++)
            if (!o.raised[r])
                want |= 1u << r;
        TP_TRY(tp_offer_findings(&s->offers[i], want, offer_hit, &o));
    }
    return TP_OK;
}

/* ---- the run ---- */

static tp_status serve_loop(struct serve_ctx *c, int lfd, tp_error *err)
{
    struct tp_serve *s = c->s;
    skip_unavailable(c);
    while (c->next < s->n_tests) {
        if (c->cfg->serve_connections != 0 && s->connections >= c->cfg->serve_connections) {
            s->stopped = "--connections";
            return TP_OK;
        }
        int fd = -1;
        char peer[72];
        tp_status status = serve_accept(lfd, c->deadline_all, &fd, peer, sizeof peer, err);
        if (status == TP_E_TIMEOUT) {
            s->stopped = "--timeout";
            return status;
        }
        TP_TRY(status);
        s->connections++;
        status = serve_one(c, fd, peer, err);
        close(fd);
        TP_TRY(status);
    }
    s->stopped = "battery complete";
    s->complete = true;
    return TP_OK;
}

static size_t decided(const struct tp_serve *s)
{
    size_t n = 0;
    for (size_t k = 0; k < s->n_tests; k++)
        n += s->tests[k].verdict != TP_VERDICT_NOT_RUN &&
             s->tests[k].verdict != TP_VERDICT_UNAVAILABLE;
    return n;
}

static tp_status run(struct serve_ctx *c, tp_error *err)
{
    const struct tp_config *cfg = c->cfg;
    TP_TRY(setup_ca(c, err));
    TP_TRY(setup_cases(c, err));
    if ((c->buf = malloc(TP_SERVE_MAX_HELLO)) == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    int lfd = -1;
    char bound[80];
    TP_TRY(serve_listen(cfg->serve_host, cfg->serve_port, &lfd, bound, sizeof bound, err));
    tp_status status = tp_set_str(&c->s->listen, bound);
    if (status == TP_OK) {
        /* Always said: with port 0 it is the only way to know the port. */
        fprintf(stderr, "tlsprobe: listening on %s, certificates for %s, %zu tests\n", bound,
                cfg->hostname, c->s->n_tests);
        status = serve_loop(c, lfd, err);
    }
    close(lfd);
    if (status == TP_E_TIMEOUT)
        tp_error_clear(err);
    tp_status concluded = tp_battery_conclude(c->s, c->report);
    if (concluded == TP_OK)
        concluded = offer_findings(c->s, c->report);
    if (concluded != TP_OK)
        return tp_fail(err, concluded, "out of memory");
    if (status == TP_E_TIMEOUT)
        return tp_fail(err, status, "--timeout reached with %zu of %zu tests decided (%u "
                                    "connections)",
                       decided(c->s), c->s->n_tests, (unsigned)c->s->connections);
    return status;
}

tp_status serve_run(const struct tp_config *cfg, struct tp_report *report, bool progress,
                    tp_error *err)
{
    struct serve_ctx c = {.cfg = cfg, .report = report, .progress = progress,
                          .deadline_all = tp_deadline_in_ms(cfg->timeout_ms)};
    report->serve = calloc(1, sizeof *report->serve);
    if (report->serve == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    tp_serve_init(report->serve);
    c.s = report->serve;
    c.s->starttls = net_starttls_name(cfg->starttls);
    tp_status status = tp_set_str(&c.s->hostname, cfg->hostname);
    if (status != TP_OK)
        status = tp_fail(err, status, "out of memory");
    else
        status = run(&c, err);
    free(c.buf);
    for (size_t i = 0; i < TLS_CERT_COUNT; i++)
        tls_serve_creds_destroy(c.creds[i]);
    tls_serve_ca_destroy(c.ca);
    tp_report_sort_findings(report);
    /* The JSON error object: a usage error prints no report at all. */
    if (status != TP_OK && status != TP_E_USAGE &&
        tp_report_set_failure(report,
                              status == TP_E_CONNECT || status == TP_E_TIMEOUT ? TP_STAGE_CONNECT
                                                                               : TP_STAGE_INTERNAL,
                              status, err->msg) != TP_OK)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    return status;
}
