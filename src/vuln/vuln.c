/* vuln.c: the table of checks and the loop over it (vuln.h). */
#include "vuln/vuln.h"
#include "vuln/checks.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan/plan.h"
#include "vuln/pace.h"
#include "wire/registry.h"
#include "util/trace.h"

#include "util/banned.h"

struct vuln_row {
    const char *id, *name, *cve, *reference;
    vuln_check_fn fn;
};

static const struct vuln_row vuln_table[] = {
    {"heartbleed", "Heartbleed", "CVE-2014-0160",
     "RFC 6520 Sec. 4; heartbeat request with an over-long payload_length before the handshake "
     "completes",
     vuln_heartbleed},
    {"ccs-injection", "CCS injection", "CVE-2014-0224",
     "RFC 5246 Sec. 7.1; early ChangeCipherSpec after the server's first flight",
     vuln_ccs_injection},
    {"robot", "ROBOT", "CVE-2017-13099",
     "Boeck, Somorovsky, Young: Return Of Bleichenbacher's Oracle Threat (USENIX Security 2018); "
     "RFC 5246 Sec. 7.4.7.1",
     vuln_robot},
    {"insecure-renegotiation", "Insecure renegotiation", "CVE-2009-3555", "RFC 5746",
     vuln_insecure_renegotiation},
    {"client-renegotiation", "Client-initiated renegotiation", "CVE-2011-1473",
     "RFC 5246 Sec. 7.4.1.1; RFC 9325 Sec. 3.5", vuln_client_renegotiation},
    {"key-share-reuse", "Ephemeral key share reuse (Raccoon)", "CVE-2020-1968",
     "RFC 8446 Sec. C.4; RFC 9325 Sec. 7.4", vuln_key_share_reuse},
    {"ticketbleed", "Ticketbleed", "CVE-2016-9244",
     "RFC 5077 Sec. 3.4; resumption with a 1-byte session ID", vuln_ticketbleed},
    {"ticket-key", "Session ticket key rotation", NULL,
     "RFC 5077 Sec. 4 (key_name); RFC 8446 Sec. 8", vuln_ticket_key},
    {"early-data-replay", "TLS 1.3 0-RTT replay", NULL, "RFC 8446 Sec. 8 and Sec. E.5",
     vuln_early_data_replay},
    {"beast", "BEAST", "CVE-2011-3389", "RFC 4346 Sec. 1.1; RFC 9325 Sec. 4.2", vuln_beast},
    {"poodle-ssl3", "POODLE (SSL 3.0)", "CVE-2014-3566", "RFC 7568 Sec. 4", vuln_poodle_ssl3},
    {"poodle-tls", "POODLE (TLS)", "CVE-2014-8730", "RFC 5246 Sec. 6.2.3.2", vuln_poodle_tls},
    {"lucky13", "Lucky Thirteen", "CVE-2013-0169", "RFC 7366; RFC 9325 Sec. 4.2", vuln_lucky13},
    {"sweet32", "SWEET32", "CVE-2016-2183", "RFC 9325 Sec. 4.1", vuln_sweet32},
    {"freak", "FREAK", "CVE-2015-0204", "RFC 9325 Sec. 4.1; RFC 4346 (export suites)",
     vuln_freak},
    {"logjam", "Logjam", "CVE-2015-4000", "RFC 9325 Sec. 4.5; RFC 7919", vuln_logjam},
    {"drown", "DROWN", "CVE-2016-0800", "RFC 6176 Sec. 3", vuln_drown},
    {"crime", "CRIME", "CVE-2012-4929", "RFC 9325 Sec. 3.3", vuln_crime},
};

void vuln_answer(struct vuln_answer *a, enum tp_vuln_result result, const char *fmt, ...)
{
    va_list ap;
    a->result = result;
    va_start(ap, fmt);
    vsnprintf(a->detail, sizeof a->detail, fmt, ap);
    va_end(ap);
}

void vuln_tls12_spec(struct probe_spec *spec, const char *sni, bool (*keep)(uint16_t code))
{
    uint16_t all[PLAN_MAX_CODES];
    size_t n = plan_suite_candidates(TP_VER_TLS12, all, PLAN_MAX_CODES);
    probe_spec_defaults(spec, TP_VER_TLS12, sni);
    spec->n_suites = 0;
    for (size_t i = 0; i < n; i++)
        if (keep == NULL || keep(all[i]))
            spec->suites[spec->n_suites++] = all[i];
}

#define VULN_CHECKS (sizeof vuln_table / sizeof vuln_table[0])

/* The pool: workers take the next row until none is left. */
struct vuln_pool {
    pthread_mutex_t lock;
    size_t next;
    const struct vuln_ctx *base;
    const struct vuln_input *in;
    struct vuln_answer answers[VULN_CHECKS];
    uint32_t connections;
};

static void run_row(struct vuln_ctx *ctx, const struct vuln_input *in, size_t i,
                    struct vuln_answer *a)
{
    *a = (struct vuln_answer){TP_VULN_UNKNOWN, ""};
    uint64_t began = tp_trace_ms();
    ctx->check = vuln_table[i].id;
    if (tp_deadline_passed(ctx->deadline))
        vuln_answer(a, TP_VULN_UNKNOWN, "not run: the run's time-out was reached");
    else
        vuln_table[i].fn(ctx, in, a);
    /* TLSPROBE_TRACE (a developer's aid, as scan/runner.c's): each check's
     * span on stderr. */
    tp_trace("check %s began at %llu", vuln_table[i].id, (unsigned long long)began);
}

static void *pool_worker(void *arg)
{
    struct vuln_pool *p = arg;
    struct vuln_ctx ctx = *p->base;
    ctx.connections = 0;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        size_t i = p->next < VULN_CHECKS ? p->next++ : VULN_CHECKS;
        pthread_mutex_unlock(&p->lock);
        if (i == VULN_CHECKS)
            break;
        run_row(&ctx, p->in, i, &p->answers[i]);
    }
    pthread_mutex_lock(&p->lock);
    p->connections += ctx.connections;
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Run every row on vuln_pool_size() workers (the calling thread is one of
 * them, so a failed pthread_create only makes the run slower). */
static void run_pool(struct vuln_pool *p, unsigned workers)
{
    pthread_t threads[VULN_POOL_MAX];
    bool started[VULN_POOL_MAX] = {false};
    for (unsigned w = 1; w < workers && w < VULN_POOL_MAX; w++)
        started[w] = pthread_create(&threads[w], NULL, pool_worker, p) == 0;
    (void)pool_worker(p);
    for (unsigned w = 1; w < workers && w < VULN_POOL_MAX; w++)
        if (started[w])
            pthread_join(threads[w], NULL);
}

tp_status vuln_run(const struct tp_config *cfg, const struct tp_addr *addr, const char *sni,
                   tp_deadline deadline, const struct tp_scan *scan, struct tp_vulns *out,
                   tp_error *err)
{
    struct vuln_shared shared = {.measured = false, .rtt_ms = 0};
    vuln_gate_init(&shared.gate, cfg->max_connections, scan != NULL ? scan->connections : 0,
                   cfg->delay_ms);
    struct vuln_ctx ctx = {
        .cfg = cfg, .addr = addr, .sni = sni, .deadline = deadline, .shared = &shared,
        /* The scan's own decision (plan_link_rtt()), so that the checks
         * and the scan agree on what a slow link is. */
        .half_close = scan != NULL && scan->slow_link,
        .link_rtt_ms = scan != NULL ? scan->rtt_ms : 0};
    struct vuln_input in = {.scan = scan};
    struct vuln_pool *pool = calloc(1, sizeof *pool);
    if (pool == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    uint64_t began = tp_now_ns();
    pthread_mutex_init(&shared.lock, NULL);
    pthread_mutex_init(&shared.tickets.lock, NULL);
    pthread_mutex_init(&pool->lock, NULL);
    pool->base = &ctx;
    pool->in = &in;
    run_pool(pool, vuln_pool_size(vuln_parallel(cfg->parallel_given, cfg->parallel), VULN_CHECKS));
    pthread_mutex_destroy(&pool->lock);
    pthread_mutex_destroy(&shared.lock);
    pthread_mutex_destroy(&shared.tickets.lock);
    tp_ticket_finish(&shared.tickets.t[0]);
    tp_ticket_finish(&shared.tickets.t[1]);
    tp_status status = TP_OK;
    for (size_t i = 0; i < VULN_CHECKS && status == TP_OK; i++) {
        const struct vuln_row *row = &vuln_table[i];
        struct tp_vuln *v = tp_vulns_add(out);
        if (v == NULL) {
            status = tp_fail(err, TP_E_NOMEM, "out of memory");
            break;
        }
        v->id = row->id;
        v->name = row->name;
        v->cve = row->cve;
        v->reference = row->reference;
        v->result = pool->answers[i].result;
        status = tp_set_str(&v->detail, pool->answers[i].detail);
        if (status != TP_OK)
            tp_fail(err, status, "out of memory");
    }
    out->connections = pool->connections;
    out->elapsed_us = (tp_now_ns() - began) / 1000u;
    free(pool);
    return status;
}
