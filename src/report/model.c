#include "report/model.h"
#include "report/serve_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grade/catalog.h"
#include "report/scan_model.h"
#include "report/vuln_model.h"
#include "report/timing_model.h"
#include "util/array.h"
#include "util/banned.h"

void tp_report_init(struct tp_report *report)
{
    memset(report, 0, sizeof *report);
    report->schema = TP_JSON_SCHEMA_VERSION;
    report->failure.alert = -1;
}

void tp_strlist_finish(struct tp_strlist *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

static void cert_finish(struct tp_cert *cert)
{
    free(cert->subject);
    free(cert->issuer);
    tp_strlist_finish(&cert->san);
    free(cert->serial);
    free(cert->key_type);
    free(cert->curve);
    free(cert->sig_alg);
    tp_strlist_finish(&cert->key_usage);
    tp_strlist_finish(&cert->ext_key_usage);
}

static void handshake_finish(struct tp_handshake *hs)
{
    free(hs->cipher_name);
    free(hs->group);
    free(hs->sig_scheme);
    free(hs->alpn);
    free(hs->ocsp_status);
    tp_strlist_finish(&hs->client_ca_names);
    free(hs->client_cert_subject);
    free(hs->psk.identity);
    free(hs->psk.hint);
    free(hs->psk.key_exchange);
}

static void verification_finish(struct tp_verification *v)
{
    free(v->trust_store);
    for (size_t i = 0; i < v->n_errors; i++) {
        free(v->errors[i].code);
        free(v->errors[i].message);
    }
    free(v->errors);
}

static void certs_finish(struct tp_cert *certs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cert_finish(&certs[i]);
    free(certs);
}

void tp_other_chain_finish(struct tp_other_chain *c)
{
    free(c->selected_by);
    free(c->key_type);
    certs_finish(c->certs, c->n_certs);
    verification_finish(&c->verification);
}

static void dtls_enum_finish(struct tp_dtls_enum *e)
{
    free(e->policy);
    e->policy = NULL;
    for (size_t i = 0; i < TP_DTLS_NVERSIONS; i++)
        tp_verdict_finish(&e->version_verdicts[i]);
    for (size_t v = 0; v < TP_DTLS_NVERSIONS; v++)
        for (size_t i = 0; i < TP_DTLS_MAX_SUITES; i++)
            tp_verdict_finish(&e->suite_verdicts[v][i]);
    for (size_t i = 0; i < TP_DTLS_MAX_GROUPS; i++)
        tp_verdict_finish(&e->group_verdicts[i]);
    for (size_t i = 0; i < TP_DTLS_MAX_SIGSCHEMES; i++)
        tp_verdict_finish(&e->sigscheme_verdicts[i]);
}

void tp_report_finish(struct tp_report *report)
{
    if (report == NULL)
        return;
    free(report->target.host);
    free(report->target.sni);
    free(report->target.address);
    for (size_t i = 0; i < report->n_attempts; i++) {
        free(report->attempts[i].address);
        free(report->attempts[i].error);
    }
    free(report->attempts);
    handshake_finish(&report->handshake);
    certs_finish(report->certs, report->n_certs);
    verification_finish(&report->verification);
    for (size_t i = 0; i < report->n_other_chains; i++)
        tp_other_chain_finish(&report->other_chains[i]);
    free(report->other_chains);
    for (size_t i = 0; i < report->n_findings; i++) {
        free(report->findings[i].id);
        free(report->findings[i].message);
        free(report->findings[i].reference);
    }
    free(report->findings);
    free(report->failure.message);
    free(report->failure.alert_name);
    dtls_enum_finish(&report->dtls.scan);
    if (report->scan != NULL) {
        tp_scan_finish(report->scan);
        free(report->scan);
    }
    tp_timing_finish(report->timing);
    free(report->timing);
    tp_audit_finish(report->audit);
    free(report->audit);
    tp_serve_destroy(report->serve);
    tp_vulns_finish(report->vulns);
    free(report->vulns);
    tp_report_init(report);
}

void tp_cert_finish(struct tp_cert *cert)
{
    cert_finish(cert);
}

struct tp_other_chain *tp_report_add_other_chain(struct tp_report *report)
{
    return tp_array_grow_one((void **)&report->other_chains, &report->n_other_chains,
                             sizeof *report->other_chains);
}

void tp_other_chain_take(struct tp_other_chain *chain, struct tp_report *from)
{
    certs_finish(chain->certs, chain->n_certs);
    verification_finish(&chain->verification);
    chain->certs = from->certs;
    chain->n_certs = from->n_certs;
    chain->verification = from->verification;
    from->certs = NULL;
    from->n_certs = 0;
    memset(&from->verification, 0, sizeof from->verification);
}

struct tp_chain_view tp_report_chain_view(const struct tp_report *report)
{
    return (struct tp_chain_view){.certs = report->certs, .n_certs = report->n_certs,
                                  .verification = &report->verification, .key_type = NULL};
}

struct tp_chain_view tp_other_chain_view(const struct tp_other_chain *chain)
{
    return (struct tp_chain_view){.certs = chain->certs, .n_certs = chain->n_certs,
                                  .verification = &chain->verification,
                                  .key_type = chain->key_type};
}

/* Grow *array (of *count elements of size elem) by one zeroed element. */
tp_status tp_set_str(char **slot, const char *value)
{
    char *copy = NULL;
    if (value != NULL && (copy = strdup(value)) == NULL)
        return TP_E_NOMEM;
    free(*slot);
    *slot = copy;
    return TP_OK;
}

static tp_status set_vstrf(char **slot, const char *fmt, va_list ap) TP_PRINTF(2, 0);

static tp_status set_vstrf(char **slot, const char *fmt, va_list ap)
{
    char *text = NULL;
    if (vasprintf(&text, fmt, ap) < 0)
        return TP_E_NOMEM;
    free(*slot);
    *slot = text;
    return TP_OK;
}

tp_status tp_set_strf(char **slot, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tp_status status = set_vstrf(slot, fmt, ap);
    va_end(ap);
    return status;
}

tp_status tp_strlist_push(struct tp_strlist *list, const char *item)
{
    char *copy = strdup(item != NULL ? item : "");
    if (copy == NULL)
        return TP_E_NOMEM;
    char **slot = tp_array_grow_one((void **)&list->items, &list->count, sizeof *list->items);
    if (slot == NULL) {
        free(copy);
        return TP_E_NOMEM;
    }
    *slot = copy;
    return TP_OK;
}

tp_status tp_report_add_attempt(struct tp_report *report, const char *address, int family,
                                tp_status result, const char *error, uint32_t elapsed_ms)
{
    struct tp_attempt *a =
        tp_array_grow_one((void **)&report->attempts, &report->n_attempts, sizeof *a);
    if (a == NULL)
        return TP_E_NOMEM;
    a->family = family;
    a->result = result;
    a->elapsed_ms = elapsed_ms;
    TP_TRY(tp_set_str(&a->address, address));
    return tp_set_str(&a->error, error);
}

struct tp_cert *tp_report_add_cert(struct tp_report *report)
{
    return tp_array_grow_one((void **)&report->certs, &report->n_certs, sizeof(struct tp_cert));
}

tp_status tp_report_add_verify_error(struct tp_report *report, const char *code,
                                     const char *message)
{
    struct tp_verification *v = &report->verification;
    struct tp_verify_error *e = tp_array_grow_one((void **)&v->errors, &v->n_errors, sizeof *e);
    if (e == NULL)
        return TP_E_NOMEM;
    TP_TRY(tp_set_str(&e->code, code));
    return tp_set_str(&e->message, message);
}

tp_status tp_report_add_finding(struct tp_report *report, const char *id, const char *fmt, ...)
{
    const struct tp_finding_info *info = tp_finding_lookup(id);
    if (info == NULL)
        return TP_E_INTERNAL;
    struct tp_finding *f =
        tp_array_grow_one((void **)&report->findings, &report->n_findings, sizeof *f);
    if (f == NULL)
        return TP_E_NOMEM;
    f->severity = info->severity;
    TP_TRY(tp_set_str(&f->id, info->id));
    TP_TRY(tp_set_str(&f->reference, info->reference));
    va_list ap;
    va_start(ap, fmt);
    tp_status status = set_vstrf(&f->message, fmt, ap);
    va_end(ap);
    return status;
}

tp_status tp_report_set_failure(struct tp_report *report, enum tp_stage stage,
                                tp_status status, const char *message)
{
    if (report->failure.stage != TP_STAGE_NONE)
        return TP_OK;
    report->failure.stage = stage;
    report->failure.status = status;
    return tp_set_str(&report->failure.message, message);
}

static int finding_cmp(const void *a, const void *b)
{
    const struct tp_finding *fa = a, *fb = b;
    if (fa->severity != fb->severity)
        return fa->severity > fb->severity ? -1 : 1;
    return strcmp(fa->id, fb->id);
}

void tp_report_sort_findings(struct tp_report *report)
{
    if (report->n_findings > 1)
        qsort(report->findings, report->n_findings, sizeof *report->findings, finding_cmp);
}

int tp_report_worst_severity(const struct tp_report *report)
{
    int worst = -1;
    for (size_t i = 0; i < report->n_findings; i++)
        if ((int)report->findings[i].severity > worst)
            worst = (int)report->findings[i].severity;
    return worst;
}

static const struct {
    uint32_t part;
    const char *name;
    const char *consequence;
} offer_parts[] = {
    {TP_OFFER_STATUS_REQUEST, "status_request",
     "clients that request OCSP stapling (status_request) cannot connect"},
    {TP_OFFER_RECORD_SIZE_LIMIT, "record_size_limit",
     "clients that send record_size_limit (Firefox, constrained devices) cannot connect"},
    {TP_OFFER_SESSION_TICKET, "session_ticket",
     "clients that offer session tickets cannot connect"},
    {TP_OFFER_EXTENDED_MASTER_SECRET, "extended_master_secret",
     "clients that offer the extended master secret cannot connect"},
    {TP_OFFER_ENCRYPT_THEN_MAC, "encrypt_then_mac",
     "clients that offer encrypt-then-MAC cannot connect"},
    {TP_OFFER_ALPN, "application_layer_protocol_negotiation",
     "clients that offer ALPN (every browser) cannot connect"},
    {TP_OFFER_PADDING, "padding", "clients that pad their hello cannot connect"},
    {TP_OFFER_RENEGOTIATION_INFO, "renegotiation_info",
     "clients that offer secure renegotiation cannot connect"},
    {TP_OFFER_SUPPORTED_VERSIONS, "supported_versions",
     "clients that offer TLS 1.3 cannot connect (no fallback to TLS 1.2 for them)"},
};

const char *tp_offer_part_name(uint32_t part)
{
    for (size_t i = 0; i < sizeof offer_parts / sizeof offer_parts[0]; i++)
        if (offer_parts[i].part == part)
            return offer_parts[i].name;
    return NULL;
}

const char *tp_offer_part_consequence(uint32_t part)
{
    for (size_t i = 0; i < sizeof offer_parts / sizeof offer_parts[0]; i++)
        if (offer_parts[i].part == part)
            return offer_parts[i].consequence;
    return NULL;
}

const char *tp_tri_name(enum tp_tri value)
{
    switch (value) {
    case TP_TRI_YES:
        return "yes";
    case TP_TRI_NO:
        return "no";
    default:
        return "unknown";
    }
}

const char *tp_stage_name(enum tp_stage stage)
{
    switch (stage) {
    case TP_STAGE_RESOLVE:
        return "resolve";
    case TP_STAGE_CONNECT:
        return "connect";
    case TP_STAGE_TLS:
        return "tls";
    case TP_STAGE_INTERNAL:
        return "internal";
    default:
        return "none";
    }
}
