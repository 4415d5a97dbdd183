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
 * failure they release what they built. jput()/jappend() take ownership of
 * the value in every case, so a chain of them joined with && never leaks. */
#include "report/render.h"
#include "report/scan_render.h"
#include "report/serve_render.h"
#include "report/vuln_render.h"
#include "report/timing_render.h"
#include "report/json_util.h"

#include <jansson.h>
#include <sys/socket.h>
#include <time.h>

#include "wire/registry.h"
#include "util/banned.h"

#ifndef TP_VERSION
#define TP_VERSION "0.0.0"
#endif

/* Key order is insertion order (jansson >= 2.8); ten significant digits
 * print millisecond floats as 12.345, not 12.345000000000001. */
#define DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

static json_t *jfamily(int family)
{
    if (family == AF_INET)
        return json_string("ipv4");
    if (family == AF_INET6)
        return json_string("ipv6");
    return json_null();
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
        if (!jappend(array, jstr(list->items[i]))) {
            json_decref(array);
            return NULL;
        }
    return array;
}

static json_t *tool_json(void)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "name", json_string("tlsprobe")) ||
        !jput(o, "version", json_string(TP_VERSION))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *target_json(const struct tp_target *t)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "host", jstr(t->host)) ||
        !jput(o, "port", json_integer(t->port)) || !jput(o, "address", jstr(t->address)) ||
        !jput(o, "sni", jstr(t->sni)) || !jput(o, "family", jfamily(t->family)) ||
        !jput(o, "starttls", jstr(t->starttls)) ||
        !jput(o, "transport", json_string(t->dtls ? "udp" : "tcp"))) {
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
    if (o == NULL || !jput(o, "family", json_string(families[cfg->family])) ||
        !jput(o, "sni", jstr(cfg->sni)) || !jput(o, "no_sni", json_boolean(cfg->no_sni)) ||
        !jput(o, "alpn", jstr(cfg->alpn)) || !jput(o, "tls_min", jversion(cfg->tls_min)) ||
        !jput(o, "tls_max", jversion(cfg->tls_max)) ||
        !jput(o, "priority", jstr(cfg->priority)) || !jput(o, "ca_file", jstr(cfg->ca_file)) ||
        !jput(o, "cert_file", jstr(cfg->cert_file)) || !jput(o, "key_file", jstr(cfg->key_file)) ||
        /* The identity, never the key. */
        !jput(o, "psk_identity", jstr(cfg->psk_identity)) ||
        !jput(o, "warn_days", json_integer(cfg->warn_days)) ||
        !jput(o, "no_other_chains", json_boolean(cfg->no_other_chains)) ||
        !jput(o, "dtls", json_boolean(cfg->dtls)) ||
        !jput(o, "mtu", cfg->dtls ? json_integer(cfg->mtu) : json_null()) ||
        !jput(o, "connect_timeout_ms", json_integer(cfg->connect_timeout_ms)) ||
        !jput(o, "timeout_ms", json_integer(cfg->timeout_ms)) ||
        !jput(o, "fail_on", json_string(tp_severity_name(cfg->fail_on)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *attempt_json(const struct tp_attempt *a)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "address", jstr(a->address)) ||
        !jput(o, "family", jfamily(a->family)) ||
        !jput(o, "result", json_string(tp_status_name(a->result))) ||
        !jput(o, "error", jstr(a->error)) || !jput(o, "elapsed_ms", json_integer(a->elapsed_ms))) {
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
        if (!jappend(attempts, attempt_json(&r->attempts[i])))
            goto fail;
    if (!jput(o, "attempts", attempts)) {
        attempts = NULL; /* jput() released it */
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
    if (o == NULL || !jput(o, "name", jstr(hs->cipher_name)) ||
        !jput(o, "code", jcode(hs->cipher_code))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *resumption_json(const struct tp_handshake *hs)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "session_id", jtri(hs->session_id)) ||
        !jput(o, "ticket", jtri(hs->session_ticket))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *ocsp_json(const struct tp_handshake *hs)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "stapled", jtri(hs->ocsp_stapled)) ||
        !jput(o, "status", jstr(hs->ocsp_status))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *client_cert_json(const struct tp_handshake *hs)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "requested", jtri(hs->client_cert_requested)) ||
        !jput(o, "acceptable_cas", strlist_json(&hs->client_ca_names)) ||
        !jput(o, "sent", jtri(hs->client_cert_sent)) ||
        !jput(o, "subject", jstr(hs->client_cert_subject))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* null unless a PSK was offered (--psk-identity/--psk-key). */
static json_t *psk_json(const struct tp_psk *p)
{
    if (!p->offered)
        return json_null();
    json_t *o = json_object();
    if (o == NULL || !jput(o, "identity", jstr(p->identity)) ||
        !jput(o, "used", jtri(p->used)) || !jput(o, "identity_hint", jstr(p->hint)) ||
        !jput(o, "key_exchange", jstr(p->key_exchange)) ||
        !jput(o, "forward_secrecy", jtri(p->forward_secrecy))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *error_json(const struct tp_failure *f)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "stage", json_string(tp_stage_name(f->stage))) ||
        !jput(o, "code", json_string(tp_status_name(f->status))) ||
        !jput(o, "message", jstr(f->message)) ||
        !jput(o, "alert", f->alert >= 0 ? json_integer(f->alert) : json_null()) ||
        !jput(o, "alert_name", jstr(f->alert_name))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* failure: the report's, shown here as handshake.error when it was
 * tolerated (--enum went on and completed), null otherwise. */
static json_t *handshake_json(const struct tp_handshake *hs, const struct tp_failure *failure)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "completed", json_boolean(hs->completed)) ||
        !jput(o, "version", jversion(hs->version)) || !jput(o, "cipher_suite", cipher_json(hs)) ||
        !jput(o, "group", jstr(hs->group)) ||
        !jput(o, "group_code", jcode_or_null(hs->group_code)) ||
        !jput(o, "dh_bits", juint_or_null(hs->dh_bits)) ||
        !jput(o, "signature_scheme", jstr(hs->sig_scheme)) ||
        !jput(o, "signature_scheme_code", jcode_or_null(hs->sig_scheme_code)) ||
        !jput(o, "alpn", jstr(hs->alpn)) || !jput(o, "session_resumption", resumption_json(hs)) ||
        !jput(o, "secure_renegotiation", jtri(hs->secure_renegotiation)) ||
        !jput(o, "extended_master_secret", jtri(hs->extended_master_secret)) ||
        !jput(o, "encrypt_then_mac", jtri(hs->encrypt_then_mac)) ||
        !jput(o, "ocsp", ocsp_json(hs)) || !jput(o, "client_certificate", client_cert_json(hs)) ||
        !jput(o, "psk", psk_json(&hs->psk)) ||
        !jput(o, "handshake_ms",
              hs->handshake_us != 0 ? jms_from_us(hs->handshake_us) : json_null()) ||
        !jput(o, "error", failure->tolerated ? error_json(failure) : json_null()) ||
        !jput(o, "intolerance", joffer_parts(hs->intolerance))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *dtls_group_name(uint16_t code)
{
    const struct tp_group_info *g = code != 0 ? tp_group_by_code(code) : NULL;
    return jstr(g != NULL ? g->iana_name : NULL);
}

/* Each as the top-level cipher_suites' entries, the verdict included. */
static json_t *dtls_suites_json(const struct tp_dtls_enum *e)
{
    static const uint16_t versions[TP_DTLS_NVERSIONS] = {TP_VER_DTLS10, TP_VER_DTLS12,
                                                         TP_VER_DTLS13};
    json_t *a = json_array();
    for (size_t v = 0; a != NULL && v < TP_DTLS_NVERSIONS; v++)
        for (size_t i = 0; i < e->n_suites[v]; i++) {
            const struct tp_suite_info *info = tp_suite_by_code(e->suites[v][i]);
            json_t *o = json_object();
            if (!jappend(a, o) || !jput(o, "version", jversion(versions[v])) ||
                !jput(o, "name", jstr(info != NULL ? tp_suite_name(info) : NULL)) ||
                !jput(o, "code", jcode_or_null(e->suites[v][i])) ||
                !jput_verdict(o, &e->suite_verdicts[v][i]) ||
                !jput(o, "kx_bits", juint_or_null(e->suite_kx_bits[v][i])) ||
                !jput(o, "kx_group", dtls_group_name(e->suite_kx_group[v][i]))) {
                json_decref(a);
                return NULL;
            }
        }
    return a;
}

/* group_versions bits as version names. */
static json_t *dtls_group_versions(uint8_t bits)
{
    json_t *a = json_array();
    if (a == NULL || ((bits & 1u) != 0 && !jappend(a, jversion(TP_VER_DTLS10))) ||
        ((bits & 2u) != 0 && !jappend(a, jversion(TP_VER_DTLS12))) ||
        ((bits & 4u) != 0 && !jappend(a, jversion(TP_VER_DTLS13)))) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* --dtls --enum's groups, null when no ECDHE or DHE suite was found to
 * ask with; each as the TCP scan's groups name one. */
static json_t *dtls_groups_json(const struct tp_dtls_enum *e)
{
    if (!e->groups_searched && !e->ffdhe_searched && !e->groups10_searched &&
        !e->groups13_searched)
        return json_null();
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < e->n_groups; i++) {
        json_t *o = json_object();
        if (!jappend(a, o) || !jput(o, "name", dtls_group_name(e->groups[i])) ||
            !jput(o, "code", jcode_or_null(e->groups[i])) ||
            !jput(o, "supported", json_true()) ||
            !jput(o, "versions", dtls_group_versions(e->group_versions[i])) ||
            !jput(o, "bits", juint_or_null(tp_group_bits(e->groups[i]))) ||
            !jput_verdict(o, &e->group_verdicts[i])) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *dtls_sigschemes_json(const struct tp_dtls_enum *e)
{
    if (!e->sigschemes_searched)
        return json_null();
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < e->n_sigschemes; i++) {
        const struct tp_sigscheme_info *info = tp_sigscheme_by_code(e->sigschemes[i]);
        json_t *o = json_object();
        if (!jappend(a, o) || !jput(o, "name", jstr(info != NULL ? info->name : NULL)) ||
            !jput(o, "code", jcode(e->sigschemes[i])) || !jput(o, "supported", json_true()) ||
            !jput_verdict(o, &e->sigscheme_verdicts[i])) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* {"DTLSv1.0": {rating, ...}, ...}: each version's verdict, null when
 * unrated. */
static json_t *dtls_version_ratings(const struct tp_dtls_enum *e)
{
    static const uint16_t versions[TP_DTLS_NVERSIONS] = {TP_VER_DTLS10, TP_VER_DTLS12,
                                                         TP_VER_DTLS13};
    if (e->policy == NULL)
        return json_null();
    json_t *o = json_object();
    for (size_t i = 0; o != NULL && i < TP_DTLS_NVERSIONS; i++) {
        json_t *v = json_object();
        const char *name = tp_version_name(versions[i]);
        if (!jput(o, name != NULL ? name : "?", v) || !jput_verdict(v, &e->version_verdicts[i])) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static json_t *jms2(double ms)
{
    return json_real((double)(long long)(ms * 1000.0 + (ms >= 0 ? 0.5 : -0.5)) / 1000.0);
}

static json_t *dtls_projection_json(const struct tp_dtls_timing *t)
{
    if (!t->projected)
        return json_null();
    json_t *o = json_object();
    json_t *parts = json_object();
    if (o == NULL || parts == NULL || !jput(parts, "setup", jms2(t->parts_ms[0])) ||
        !jput(parts, "propagation", jms2(t->parts_ms[1])) ||
        !jput(parts, "serialisation", jms2(t->parts_ms[2])) ||
        !jput(parts, "loss", jms2(t->parts_ms[4])) ||
        !jput(parts, "duty_cycle", jms2(t->parts_ms[5])) ||
        !jput(parts, "processing", jms2(t->parts_ms[6]))) {
        json_decref(parts);
        json_decref(o);
        return NULL;
    }
    if (!jput(o, "link", jstr(t->link)) ||
        !jput(o, "description", jstr(t->link_description)) ||
        !jput(o, "total_ms", jms2(t->total_ms)) || !jput(o, "parts_ms", parts) ||
        !jput(o, "round_trips", json_real(t->round_trips)) ||
        !jput(o, "datagrams", json_integer(t->link_datagrams)) ||
        !jput(o, "spurious_retransmissions", json_boolean(t->spurious_retransmissions)) ||
        !jput(o, "timer_copies", json_integer(t->timer_copies)) ||
        !jput(o, "model", jstr(t->model))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* --dtls --timing (null without --timing). */
static json_t *dtls_timing_json(const struct tp_dtls_timing *t)
{
    if (!t->run)
        return json_null();
    json_t *o = json_object();
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < t->n_flights; i++) {
        const struct tp_dtls_flight *f = &t->flights[i];
        json_t *fo = json_object();
        if (fo == NULL || !jput(fo, "label", jstr(f->label)) ||
            !jput(fo, "direction", json_string(f->from_server ? "server" : "client")) ||
            !jput(fo, "bytes", json_integer(f->bytes)) ||
            !jput(fo, "datagrams", json_integer(f->datagrams)) ||
            !jput(fo, "end_ms", jms_from_us(f->end_us)) ||
            !jput(fo, "processing_ms", jms2(f->think_ms)) || !jappend(a, fo)) {
            json_decref(fo);
            json_decref(a);
            a = NULL;
        }
    }
    if (o == NULL || !jput(o, "flights", a) ||
        !jput(o, "truncated", json_boolean(t->truncated)) ||
        !jput(o, "projection", dtls_projection_json(t))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* --dtls --enum (null without --enum). */
static json_t *dtls_enum_json(const struct tp_dtls_enum *e)
{
    if (!e->run)
        return json_null();
    json_t *o = json_object();
    json_t *v = json_object();
    if (o == NULL || v == NULL || !jput(v, "DTLSv1.0", jtri(e->versions[TP_DTLS_V10])) ||
        !jput(v, "DTLSv1.2", jtri(e->versions[TP_DTLS_V12])) ||
        !jput(v, "DTLSv1.3", jtri(e->versions[TP_DTLS_V13]))) {
        json_decref(v);
        json_decref(o);
        return NULL;
    }
    json_t *complete = json_object();
    if (complete == NULL || !jput(complete, "DTLSv1.0", jtri(e->complete[0])) ||
        !jput(complete, "DTLSv1.2", jtri(e->complete[1])) ||
        !jput(complete, "DTLSv1.3", jtri(e->complete[2]))) {
        json_decref(complete);
        json_decref(v);
        json_decref(o);
        return NULL;
    }
    if (!jput(o, "versions", v)) {
        json_decref(complete);
        json_decref(o);
        return NULL;
    }
    if (!jput(o, "cipher_suites", dtls_suites_json(e)) ||
        !jput(o, "suites_complete", complete) ||
        !jput(o, "connection_id", jtri(e->connection_id)) ||
        !jput(o, "groups", dtls_groups_json(e)) ||
        !jput(o, "groups_complete", jtri(e->groups_complete)) ||
        !jput(o, "ffdhe_groups_complete",
              e->ffdhe_searched ? jtri(e->ffdhe_complete) : json_null()) ||
        !jput(o, "dtls10_groups_complete",
              e->groups10_searched ? jtri(e->groups10_complete) : json_null()) ||
        !jput(o, "dtls13_groups_complete",
              e->groups13_searched ? jtri(e->groups13_complete) : json_null()) ||
        !jput(o, "signature_schemes", dtls_sigschemes_json(e)) ||
        !jput(o, "signature_schemes_complete",
              e->sigschemes_searched ? jtri(e->sigschemes_complete) : json_null()) ||
        !jput(o, "policy", jstr(e->policy)) ||
        !jput(o, "version_ratings", dtls_version_ratings(e)) ||
        !jput(o, "probes", json_integer(e->probes)) ||
        !jput(o, "datagrams_sent", json_integer(e->datagrams_sent)) ||
        !jput(o, "retries", json_integer(e->retries)) ||
        !jput(o, "rtt_ms", juint_or_null(e->rtt_ms)) ||
        !jput(o, "retry_timeout_ms", json_integer(e->retry_timeout_ms)) ||
        !jput(o, "elapsed_ms", jms_from_us(e->elapsed_us)) ||
        !jput(o, "unknown_because", jstr(e->why[0] != '\0' ? e->why : NULL))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* --dtls: the datagram exchange (null over TCP). */
static json_t *dtls_json(const struct tp_dtls *d)
{
    if (!d->used)
        return json_null();
    json_t *o = json_object();
    if (o == NULL || !jput(o, "mtu", json_integer(d->mtu)) ||
        !jput(o, "retransmission_timeout_ms", json_integer(d->retrans_timeout_ms)) ||
        !jput(o, "cookie_exchange", jtri(d->cookie_exchange)) ||
        !jput(o, "cookie_bytes", d->cookie_exchange == TP_TRI_YES
                                     ? json_integer(d->cookie_bytes)
                                     : json_null()) ||
        !jput(o, "hello_verify_requests", json_integer(d->hello_verify_requests)) ||
        !jput(o, "dtls10_accepted", jtri(d->dtls10_accepted)) ||
        !jput(o, "raw_public_key", jtri(d->raw_public_key)) ||
        !jput(o, "raw_public_key_type", jstr(d->rpk_type[0] != '\0' ? d->rpk_type : NULL)) ||
        !jput(o, "raw_public_key_bits", juint_or_null(d->rpk_bits)) ||
        !jput(o, "raw_public_key_sha256",
              jstr(d->rpk_sha256[0] != '\0' ? d->rpk_sha256 : NULL)) ||
        !jput(o, "datagrams_sent", json_integer(d->datagrams_sent)) ||
        !jput(o, "datagrams_received", json_integer(d->datagrams_received)) ||
        !jput(o, "retransmissions", json_integer(d->retransmissions)) ||
        !jput(o, "server_retransmissions", json_integer(d->server_retransmissions)) ||
        !jput(o, "ignored_datagrams", json_integer(d->ignored_datagrams)) ||
        !jput(o, "client_hello_bytes", juint_or_null(d->client_hello_bytes)) ||
        !jput(o, "first_flight_bytes", juint_or_null(d->first_flight_bytes)) ||
        !jput(o, "server_flight_max_datagram", juint_or_null(d->server_flight_max_datagram)) ||
        !jput(o, "server_flight_within_mtu", jtri(d->server_flight_within_mtu)) ||
        !jput(o, "amplification",
              d->amplification > 0 ? json_real((double)(long long)(d->amplification * 100.0 +
                                                                   0.5) /
                                               100.0)
                                   : json_null()) ||
        !jput(o, "enumeration", dtls_enum_json(&d->scan)) ||
        !jput(o, "timing", dtls_timing_json(&d->timing))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *public_key_json(const struct tp_cert *c)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "type", jstr(c->key_type)) ||
        !jput(o, "bits", juint_or_null(c->key_bits)) || !jput(o, "curve", jstr(c->curve))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *cert_json(const struct tp_cert *c, size_t index)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "index", json_integer((json_int_t)index)) ||
        !jput(o, "subject", jstr(c->subject)) || !jput(o, "issuer", jstr(c->issuer)) ||
        !jput(o, "san", strlist_json(&c->san)) || !jput(o, "serial", jstr(c->serial)) ||
        !jput(o, "not_before", jtime(c->not_before)) ||
        !jput(o, "not_after", jtime(c->not_after)) ||
        !jput(o, "days_left", json_integer(c->days_left)) ||
        !jput(o, "public_key", public_key_json(c)) ||
        !jput(o, "signature_algorithm", jstr(c->sig_alg)) ||
        !jput(o, "sha256", jstr_nonempty(c->sha256)) || !jput(o, "is_ca", jtri(c->is_ca)) ||
        !jput(o, "key_usage", strlist_json(&c->key_usage)) ||
        !jput(o, "extended_key_usage", strlist_json(&c->ext_key_usage)) ||
        !jput(o, "self_issued", json_boolean(c->self_issued)) ||
        !jput(o, "self_signed", json_boolean(c->self_signed))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *certificates_json(const struct tp_chain_view *c)
{
    json_t *array = json_array();
    if (array == NULL)
        return NULL;
    for (size_t i = 0; i < c->n_certs; i++)
        if (!jappend(array, cert_json(&c->certs[i], i))) {
            json_decref(array);
            return NULL;
        }
    return array;
}

static json_t *verify_error_json(const struct tp_verify_error *e)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "code", jstr(e->code)) || !jput(o, "message", jstr(e->message))) {
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
        if (!jappend(array, verify_error_json(&v->errors[i]))) {
            json_decref(array);
            return NULL;
        }
    return array;
}

static json_t *verification_json(const struct tp_verification *v)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "trusted", jtri(v->trusted)) ||
        !jput(o, "hostname_match", jtri(v->hostname_match)) ||
        !jput(o, "trust_store", jstr(v->trust_store)) ||
        !jput(o, "chain_complete", jtri(v->chain_complete)) ||
        !jput(o, "chain_ordered", jtri(v->chain_ordered)) ||
        !jput(o, "errors", verify_errors_json(v))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* One of the server's other chains: certificates and verification in the
 * shape of the top-level ones. */
static json_t *other_chain_json(const struct tp_other_chain *oc)
{
    struct tp_chain_view view = tp_other_chain_view(oc);
    json_t *o = json_object();
    if (o == NULL || !jput(o, "selected_by", jstr(oc->selected_by)) ||
        !jput(o, "key_type", jstr(oc->key_type)) ||
        !jput(o, "certificates", certificates_json(&view)) ||
        !jput(o, "verification", verification_json(&oc->verification))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *other_chains_json(const struct tp_report *r)
{
    json_t *array = json_array();
    if (array == NULL)
        return NULL;
    for (size_t i = 0; i < r->n_other_chains; i++)
        if (!jappend(array, other_chain_json(&r->other_chains[i]))) {
            json_decref(array);
            return NULL;
        }
    return array;
}

static json_t *finding_json(const struct tp_finding *f)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "id", jstr(f->id)) ||
        !jput(o, "severity", json_string(tp_severity_name(f->severity))) ||
        !jput(o, "message", jstr(f->message)) ||
        !jput(o, "reference", jstr_nonempty(f->reference))) {
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
        if (!jappend(array, finding_json(&r->findings[i]))) {
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
        if (!jput(c, tp_severity_name((enum tp_severity)sev), json_integer(counts[sev])))
            goto fail;
    json_t *reached = json_null();
    if (cfg != NULL)
        reached = json_boolean(cfg->fail_on != TP_SEV_NONE && worst >= (int)cfg->fail_on);
    if (!jput(o, "worst_severity",
              worst >= 0 ? json_string(tp_severity_name((enum tp_severity)worst)) : json_null()))
        goto fail;
    if (!jput(o, "counts", c)) {
        c = NULL; /* jput() released it */
        goto fail;
    }
    c = NULL;
    if (!jput(o, "fail_on_reached", reached))
        goto fail;
    return o;
fail:
    json_decref(c);
    json_decref(o);
    return NULL;
}


static json_t *report_json(const struct tp_report *r, const struct tp_config *cfg)
{
    struct tp_chain_view negotiated = tp_report_chain_view(r);
    json_t *doc = json_object();
    if (doc == NULL ||
        !jput(doc, "schema", json_string(r->schema != NULL ? r->schema : TP_JSON_SCHEMA_VERSION)) ||
        !jput(doc, "tool", tool_json()) || !jput(doc, "target", target_json(&r->target)) ||
        (cfg != NULL && !jput(doc, "request", request_json(cfg))) ||
        !jput(doc, "connection", connection_json(r)) ||
        !jput(doc, "handshake", handshake_json(&r->handshake, &r->failure)) ||
        !jput(doc, "dtls", dtls_json(&r->dtls)) ||
        !jput(doc, "certificates", certificates_json(&negotiated)) ||
        !jput(doc, "verification", verification_json(&r->verification)) ||
        !jput(doc, "other_chains", other_chains_json(r)) ||
        !jput(doc, "findings", findings_json(r)) || !jput(doc, "summary", summary_json(r, cfg)) ||
        (r->failure.stage != TP_STAGE_NONE && !r->failure.tolerated &&
         !jput(doc, "error", error_json(&r->failure))) ||
        !jput(doc, "elapsed_ms", jms_from_us(r->elapsed_us)) ||
        scan_render_json(doc, r->scan) != TP_OK || vuln_render_json(doc, r->vulns) != TP_OK ||
        timing_render_json(doc, r) != TP_OK || serve_render_json(doc, r) != TP_OK) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

json_t *render_json_document(const struct tp_report *report, const struct tp_config *cfg)
{
    return report_json(report, cfg);
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
