/* json.c: the report as one JSON document (schema "1.0", documented in
 * man/tlsprobe-json.5.scd; fields are added, never renamed).
 *
 * Every key is always present so consumers can index without guards;
 * unknown values are null, tri-states are true/false/null. The one
 * exception is `error`, present only when the run failed. Every string
 * taken from the model is made valid UTF-8 first (RFC 8259 Sec. 8.1
 * requires UTF-8, and jansson refuses anything else), so a hostile
 * certificate can neither break the document nor make a field vanish.
 *
 * Builders return a new reference or NULL when an allocation failed; on
 * failure they release what they built. put()/append() take ownership of
 * the value in every case, so a chain of them joined with && never leaks. */
#include "report/render.h"
#include "report/scan_render.h"
#include "report/timing_render.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "wire/registry.h"
#include "util/text.h"
#include "util/banned.h"

#ifndef TP_VERSION
#define TP_VERSION "0.0.0"
#endif

/* Key order is insertion order (jansson >= 2.8); ten significant digits
 * print millisecond floats as 12.345, not 12.345000000000001. */
#define DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

static bool put(json_t *obj, const char *key, json_t *value)
{
    if (value == NULL)
        return false;
    return json_object_set_new(obj, key, value) == 0;
}

static bool append(json_t *array, json_t *value)
{
    if (value == NULL)
        return false;
    return json_array_append_new(array, value) == 0;
}

/* A model string: null when absent, else valid UTF-8. */
static json_t *jstr(const char *s)
{
    if (s == NULL)
        return json_null();
    char *clean = tp_utf8_sanitize(s, strlen(s));
    if (clean == NULL)
        return NULL;
    json_t *value = json_string(clean);
    free(clean);
    return value;
}

/* An empty string means "none" too (the catalog leaves some references empty). */
static json_t *jstr_nonempty(const char *s)
{
    return jstr(s != NULL && s[0] != '\0' ? s : NULL);
}

static json_t *jtri(enum tp_tri value)
{
    switch (value) {
    case TP_TRI_YES:
        return json_true();
    case TP_TRI_NO:
        return json_false();
    default:
        return json_null();
    }
}

/* Code points as IANA writes them: "0xC02F". */
static json_t *jcode(uint16_t code)
{
    return json_sprintf("0x%04X", (unsigned)code);
}

static json_t *jcode_or_null(uint16_t code)
{
    return code != 0 ? jcode(code) : json_null();
}

static json_t *juint_or_null(uint64_t value)
{
    return value != 0 ? json_integer((json_int_t)value) : json_null();
}

static json_t *jms(uint64_t us)
{
    return json_real((double)us / 1000.0);
}

static json_t *jfamily(int family)
{
    if (family == AF_INET)
        return json_string("ipv4");
    if (family == AF_INET6)
        return json_string("ipv6");
    return json_null();
}

/* "TLSv1.3"; a value without a name (a draft, garbage) as "0x7F1C". */
static json_t *jversion(uint16_t version)
{
    if (version == 0)
        return json_null();
    const char *name = tp_version_name(version);
    return name != NULL ? json_string(name) : jcode(version);
}

/* RFC 3339 Sec. 5.6 date-time in UTC. */
static json_t *jtime(int64_t seconds)
{
    time_t t = (time_t)seconds;
    struct tm tm;
    char buf[64];
    if ((int64_t)t != seconds || gmtime_r(&t, &tm) == NULL ||
        strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return json_null();
    return json_string(buf);
}

static json_t *strlist_json(const struct tp_strlist *list)
{
    json_t *array = json_array();
    if (array == NULL)
        return NULL;
    for (size_t i = 0; i < list->count; i++)
        if (!append(array, jstr(list->items[i]))) {
            json_decref(array);
            return NULL;
        }
    return array;
}

static json_t *tool_json(void)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "name", json_string("tlsprobe")) ||
        !put(o, "version", json_string(TP_VERSION))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *target_json(const struct tp_target *t)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "host", jstr(t->host)) ||
        !put(o, "port", json_integer(t->port)) || !put(o, "address", jstr(t->address)) ||
        !put(o, "sni", jstr(t->sni)) || !put(o, "family", jfamily(t->family))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The options that shaped the offer and the verdict, so a saved document
 * says how it was produced. Values left at their defaults are null. */
static json_t *request_json(const struct tp_config *cfg)
{
    static const char *const families[] = {
        [TP_FAMILY_ANY] = "any", [TP_FAMILY_V4] = "ipv4", [TP_FAMILY_V6] = "ipv6"};
    json_t *o = json_object();
    if (o == NULL || !put(o, "family", json_string(families[cfg->family])) ||
        !put(o, "sni", jstr(cfg->sni)) || !put(o, "no_sni", json_boolean(cfg->no_sni)) ||
        !put(o, "alpn", jstr(cfg->alpn)) || !put(o, "tls_min", jversion(cfg->tls_min)) ||
        !put(o, "tls_max", jversion(cfg->tls_max)) ||
        !put(o, "priority", jstr(cfg->priority)) || !put(o, "ca_file", jstr(cfg->ca_file)) ||
        !put(o, "warn_days", json_integer(cfg->warn_days)) ||
        !put(o, "connect_timeout_ms", json_integer(cfg->connect_timeout_ms)) ||
        !put(o, "timeout_ms", json_integer(cfg->timeout_ms)) ||
        !put(o, "fail_on", json_string(tp_severity_name(cfg->fail_on)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *attempt_json(const struct tp_attempt *a)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "address", jstr(a->address)) ||
        !put(o, "family", jfamily(a->family)) ||
        !put(o, "result", json_string(tp_status_name(a->result))) ||
        !put(o, "error", jstr(a->error)) || !put(o, "elapsed_ms", json_integer(a->elapsed_ms))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *connection_json(const struct tp_report *r)
{
    json_t *o = json_object();
    json_t *attempts = json_array();
    if (o == NULL || attempts == NULL)
        goto fail;
    for (size_t i = 0; i < r->n_attempts; i++)
        if (!append(attempts, attempt_json(&r->attempts[i])))
            goto fail;
    if (!put(o, "attempts", attempts)) {
        attempts = NULL; /* put() released it */
        goto fail;
    }
    return o;
fail:
    json_decref(attempts);
    json_decref(o);
    return NULL;
}

static json_t *cipher_json(const struct tp_handshake *hs)
{
    if (hs->cipher_name == NULL && hs->cipher_code == 0)
        return json_null();
    json_t *o = json_object();
    if (o == NULL || !put(o, "name", jstr(hs->cipher_name)) ||
        !put(o, "code", jcode(hs->cipher_code))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *resumption_json(const struct tp_handshake *hs)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "session_id", jtri(hs->session_id)) ||
        !put(o, "ticket", jtri(hs->session_ticket))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *ocsp_json(const struct tp_handshake *hs)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "stapled", jtri(hs->ocsp_stapled)) ||
        !put(o, "status", jstr(hs->ocsp_status))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *client_cert_json(const struct tp_handshake *hs)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "requested", jtri(hs->client_cert_requested)) ||
        !put(o, "acceptable_cas", strlist_json(&hs->client_ca_names))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *handshake_json(const struct tp_handshake *hs)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "completed", json_boolean(hs->completed)) ||
        !put(o, "version", jversion(hs->version)) || !put(o, "cipher_suite", cipher_json(hs)) ||
        !put(o, "group", jstr(hs->group)) || !put(o, "group_code", jcode_or_null(hs->group_code)) ||
        !put(o, "dh_bits", juint_or_null(hs->dh_bits)) ||
        !put(o, "signature_scheme", jstr(hs->sig_scheme)) ||
        !put(o, "signature_scheme_code", jcode_or_null(hs->sig_scheme_code)) ||
        !put(o, "alpn", jstr(hs->alpn)) || !put(o, "session_resumption", resumption_json(hs)) ||
        !put(o, "secure_renegotiation", jtri(hs->secure_renegotiation)) ||
        !put(o, "extended_master_secret", jtri(hs->extended_master_secret)) ||
        !put(o, "encrypt_then_mac", jtri(hs->encrypt_then_mac)) ||
        !put(o, "ocsp", ocsp_json(hs)) || !put(o, "client_certificate", client_cert_json(hs)) ||
        !put(o, "handshake_ms", hs->handshake_us != 0 ? jms(hs->handshake_us) : json_null())) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *public_key_json(const struct tp_cert *c)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "type", jstr(c->key_type)) ||
        !put(o, "bits", juint_or_null(c->key_bits)) || !put(o, "curve", jstr(c->curve))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *cert_json(const struct tp_cert *c, size_t index)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "index", json_integer((json_int_t)index)) ||
        !put(o, "subject", jstr(c->subject)) || !put(o, "issuer", jstr(c->issuer)) ||
        !put(o, "san", strlist_json(&c->san)) || !put(o, "serial", jstr(c->serial)) ||
        !put(o, "not_before", jtime(c->not_before)) ||
        !put(o, "not_after", jtime(c->not_after)) ||
        !put(o, "days_left", json_integer(c->days_left)) ||
        !put(o, "public_key", public_key_json(c)) ||
        !put(o, "signature_algorithm", jstr(c->sig_alg)) ||
        !put(o, "sha256", jstr_nonempty(c->sha256)) || !put(o, "is_ca", jtri(c->is_ca)) ||
        !put(o, "key_usage", strlist_json(&c->key_usage)) ||
        !put(o, "extended_key_usage", strlist_json(&c->ext_key_usage)) ||
        !put(o, "self_issued", json_boolean(c->self_issued)) ||
        !put(o, "self_signed", json_boolean(c->self_signed))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *certificates_json(const struct tp_report *r)
{
    json_t *array = json_array();
    if (array == NULL)
        return NULL;
    for (size_t i = 0; i < r->n_certs; i++)
        if (!append(array, cert_json(&r->certs[i], i))) {
            json_decref(array);
            return NULL;
        }
    return array;
}

static json_t *verify_error_json(const struct tp_verify_error *e)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "code", jstr(e->code)) || !put(o, "message", jstr(e->message))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *verify_errors_json(const struct tp_verification *v)
{
    json_t *array = json_array();
    if (array == NULL)
        return NULL;
    for (size_t i = 0; i < v->n_errors; i++)
        if (!append(array, verify_error_json(&v->errors[i]))) {
            json_decref(array);
            return NULL;
        }
    return array;
}

static json_t *verification_json(const struct tp_verification *v)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "trusted", jtri(v->trusted)) ||
        !put(o, "hostname_match", jtri(v->hostname_match)) ||
        !put(o, "trust_store", jstr(v->trust_store)) ||
        !put(o, "chain_complete", jtri(v->chain_complete)) ||
        !put(o, "chain_ordered", jtri(v->chain_ordered)) ||
        !put(o, "errors", verify_errors_json(v))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *finding_json(const struct tp_finding *f)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "id", jstr(f->id)) ||
        !put(o, "severity", json_string(tp_severity_name(f->severity))) ||
        !put(o, "message", jstr(f->message)) ||
        !put(o, "reference", jstr_nonempty(f->reference))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *findings_json(const struct tp_report *r)
{
    json_t *array = json_array();
    if (array == NULL)
        return NULL;
    for (size_t i = 0; i < r->n_findings; i++)
        if (!append(array, finding_json(&r->findings[i]))) {
            json_decref(array);
            return NULL;
        }
    return array;
}

/* Counts per severity (worst first) and whether --fail-on was reached,
 * which is what decides exit status 1. */
static json_t *summary_json(const struct tp_report *r, const struct tp_config *cfg)
{
    json_int_t counts[TP_SEV_CRITICAL + 1] = {0};
    for (size_t i = 0; i < r->n_findings; i++)
        if (r->findings[i].severity <= TP_SEV_CRITICAL)
            counts[r->findings[i].severity]++;
    int worst = tp_report_worst_severity(r);
    json_t *o = json_object();
    json_t *c = json_object();
    if (o == NULL || c == NULL)
        goto fail;
    for (int sev = TP_SEV_CRITICAL; sev >= TP_SEV_INFO; sev--)
        if (!put(c, tp_severity_name((enum tp_severity)sev), json_integer(counts[sev])))
            goto fail;
    json_t *reached = json_null();
    if (cfg != NULL)
        reached = json_boolean(cfg->fail_on != TP_SEV_NONE && worst >= (int)cfg->fail_on);
    if (!put(o, "worst_severity",
             worst >= 0 ? json_string(tp_severity_name((enum tp_severity)worst)) : json_null()))
        goto fail;
    if (!put(o, "counts", c)) {
        c = NULL; /* put() released it */
        goto fail;
    }
    c = NULL;
    if (!put(o, "fail_on_reached", reached))
        goto fail;
    return o;
fail:
    json_decref(c);
    json_decref(o);
    return NULL;
}

static json_t *error_json(const struct tp_failure *f)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "stage", json_string(tp_stage_name(f->stage))) ||
        !put(o, "code", json_string(tp_status_name(f->status))) ||
        !put(o, "message", jstr(f->message)) ||
        !put(o, "alert", f->alert >= 0 ? json_integer(f->alert) : json_null()) ||
        !put(o, "alert_name", jstr(f->alert_name))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *report_json(const struct tp_report *r, const struct tp_config *cfg)
{
    json_t *doc = json_object();
    if (doc == NULL ||
        !put(doc, "schema", json_string(r->schema != NULL ? r->schema : TP_JSON_SCHEMA_VERSION)) ||
        !put(doc, "tool", tool_json()) || !put(doc, "target", target_json(&r->target)) ||
        (cfg != NULL && !put(doc, "request", request_json(cfg))) ||
        !put(doc, "connection", connection_json(r)) ||
        !put(doc, "handshake", handshake_json(&r->handshake)) ||
        !put(doc, "certificates", certificates_json(r)) ||
        !put(doc, "verification", verification_json(&r->verification)) ||
        !put(doc, "findings", findings_json(r)) || !put(doc, "summary", summary_json(r, cfg)) ||
        (r->failure.stage != TP_STAGE_NONE && !put(doc, "error", error_json(&r->failure))) ||
        !put(doc, "elapsed_ms", jms(r->elapsed_us)) ||
        scan_render_json(doc, r->scan) != TP_OK || timing_render_json(doc, r) != TP_OK) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

tp_status render_json(FILE *out, const struct tp_report *report, const struct tp_config *cfg)
{
    json_t *doc = report_json(report, cfg);
    if (doc == NULL)
        return TP_E_NOMEM;
    tp_status status = TP_OK;
    if (json_dumpf(doc, out, DUMP_FLAGS) != 0 || fputc('\n', out) == EOF)
        status = TP_E_IO;
    json_decref(doc);
    return status;
}
