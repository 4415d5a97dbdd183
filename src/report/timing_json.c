/* timing_json.c: the timing, projection, capture, handshakes and
 * capture_file keys (schema in man/tlsprobe-json.5.scd). Builders return a
 * new reference or NULL on allocation failure; put()/append() take
 * ownership in every case, as in json.c. */
#include "report/timing_render.h"

#include <stdlib.h>
#include <string.h>

#include "capture/packet.h"
#include "report/timing_model.h"
#include "timing/projection.h"
#include "wire/registry.h"
#include "util/text.h"
#include "util/banned.h"

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

static json_t *jstr(const char *s)
{
    if (s == NULL)
        return json_null();
    char *clean = tp_utf8_sanitize(s, strlen(s));
    if (clean == NULL)
        return NULL;
    json_t *v = json_string(clean);
    free(clean);
    return v;
}

/* Milliseconds rounded to the microsecond: more digits would be noise. */
static json_t *jms(double ms)
{
    return json_real((double)(long long)(ms * 1000.0 + (ms >= 0 ? 0.5 : -0.5)) / 1000.0);
}

static json_t *jms_or_null(double ms)
{
    return ms >= 0 ? jms(ms) : json_null();
}

static json_t *jcode(uint16_t code)
{
    return json_sprintf("0x%04X", (unsigned)code);
}

static json_t *jversion(uint16_t v)
{
    if (v == 0)
        return json_null();
    const char *name = tp_version_name(v);
    return name != NULL ? json_string(name) : jcode(v);
}

static const char *dir_name(enum tp_dir dir)
{
    return dir == TP_DIR_C2S ? "client" : "server";
}

static json_t *both(uint64_t client, uint64_t server)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "client", json_integer((json_int_t)client)) ||
        !put(o, "server", json_integer((json_int_t)server))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- timeline ---- */

static json_t *flight_json(const struct tp_tl_flight *f)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "label", jstr(f->label)) ||
        !put(o, "direction", json_string(dir_name(f->dir))) ||
        !put(o, "start_ms", jms(f->start_ms)) || !put(o, "end_ms", jms(f->end_ms)) ||
        !put(o, "bytes", json_integer((json_int_t)f->bytes)) ||
        !put(o, "records", json_integer(f->records)) ||
        !put(o, "post_handshake", json_boolean(f->post_handshake))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *flights_json(const struct tp_timeline *tl)
{
    json_t *a = json_array();
    if (a == NULL)
        return NULL;
    for (size_t i = 0; i < tl->n_flights; i++)
        if (!append(a, flight_json(&tl->flights[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* The keys every timeline has; dns/connect only for live runs. */
static bool timeline_keys(json_t *o, const struct tp_timeline *tl, bool live)
{
    return (!live || (put(o, "dns_ms", jms_or_null(tl->dns_ms)) &&
                      put(o, "connect_ms", jms_or_null(tl->connect_ms)))) &&
           put(o, "version", jversion(tl->version)) &&
           put(o, "flights", flights_json(tl)) &&
           put(o, "round_trips", json_integer(tl->round_trips)) &&
           put(o, "handshake_ms", jms_or_null(tl->handshake_ms)) &&
           put(o, "complete", json_boolean(tl->complete)) &&
           put(o, "resumed", json_boolean(tl->resumed)) &&
           put(o, "hello_retry", json_boolean(tl->hello_retry)) &&
           put(o, "total_bytes", both(tl->bytes[0], tl->bytes[1])) &&
           put(o, "certificate_bytes", json_integer((json_int_t)tl->certificate_bytes)) &&
           put(o, "certificate_estimated", json_boolean(tl->certificate_estimated)) &&
           put(o, "certificate_share", json_real(tl->certificate_share));
}

static json_t *timeline_json(const struct tp_timeline *tl, bool live)
{
    json_t *o = json_object();
    if (o == NULL || !timeline_keys(o, tl, live)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- statistics ---- */

static json_t *pstats_json(const struct tp_phase_stats *p, bool ms)
{
    if (p->n == 0)
        return json_null();
    json_t *o = json_object();
    if (o == NULL || !put(o, "n", json_integer((json_int_t)p->n)) ||
        !put(o, ms ? "min_ms" : "min", ms ? jms(p->min_ms) : json_integer((json_int_t)p->min_ms)) ||
        !put(o, ms ? "median_ms" : "median",
             ms ? jms(p->median_ms) : json_integer((json_int_t)p->median_ms)) ||
        !put(o, ms ? "p95_ms" : "p95", ms ? jms(p->p95_ms) : json_integer((json_int_t)p->p95_ms)) ||
        !put(o, ms ? "max_ms" : "max", ms ? jms(p->max_ms) : json_integer((json_int_t)p->max_ms)) ||
        !put(o, ms ? "mean_ms" : "mean", ms ? jms(p->mean_ms) : json_real(p->mean_ms))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *series_json(const struct tp_series *s)
{
    json_t *o = json_object(), *phases = json_object();
    if (o == NULL || phases == NULL)
        goto fail;
    for (int i = 0; i < TP_PHASE_COUNT; i++)
        if (!put(phases, tp_phase_name((enum tp_phase)i), pstats_json(&s->phase[i], true)))
            goto fail;
    json_t *p = phases;
    phases = NULL;
    if (!put(o, "runs", json_integer(s->runs)) || !put(o, "failures", json_integer(s->failures)) ||
        !put(o, "resumed", json_integer(s->resumed)) || !put(o, "phases", p) ||
        !put(o, "bytes", pstats_json(&s->bytes, false)))
        goto fail;
    return o;
fail:
    json_decref(phases);
    json_decref(o);
    return NULL;
}

static json_t *statistics_json(const struct tp_timing *t)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "full", series_json(&t->full_stats)) ||
        !put(o, "resumed", t->has_resumed ? series_json(&t->resumed_stats) : json_null())) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *resumption_json(const struct tp_timing *t)
{
    if (!t->has_resumed)
        return json_null();
    json_t *o = json_object();
    bool ran = t->resume_offered && t->resumed.valid;
    int64_t saved_bytes = ran ? (int64_t)(t->full.bytes[0] + t->full.bytes[1]) -
                                    (int64_t)(t->resumed.bytes[0] + t->resumed.bytes[1])
                              : 0;
    if (o == NULL || !put(o, "offered", json_boolean(t->resume_offered)) ||
        !put(o, "resumed", json_boolean(t->resume_accepted)) ||
        !put(o, "timeline", ran ? timeline_json(&t->resumed, true) : json_null()) ||
        !put(o, "saved_bytes", ran ? json_integer(saved_bytes) : json_null()) ||
        !put(o, "saved_ms", ran && t->resumed.handshake_ms >= 0 && t->full.handshake_ms >= 0
                                ? jms(t->full.handshake_ms - t->resumed.handshake_ms)
                                : json_null())) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *version_run_json(const struct tp_version_run *v)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "version", jversion(v->version)) ||
        !put(o, "ok", json_boolean(v->ok)) || !put(o, "error", jstr(v->error)) ||
        !put(o, "handshake_ms", v->ok ? jms_or_null(v->tl.handshake_ms) : json_null()) ||
        !put(o, "round_trips", v->ok ? json_integer(v->tl.round_trips) : json_null()) ||
        !put(o, "total_bytes", v->ok ? both(v->tl.bytes[0], v->tl.bytes[1]) : json_null())) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *versions_json(const struct tp_timing *t)
{
    if (!t->versions[0].attempted && !t->versions[1].attempted)
        return json_null();
    json_t *a = json_array();
    if (a == NULL)
        return NULL;
    for (size_t i = 0; i < 2; i++)
        if (t->versions[i].attempted && !append(a, version_run_json(&t->versions[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *timing_json(const struct tp_timing *t)
{
    json_t *o = json_object();
    if (o == NULL || !timeline_keys(o, &t->full, true) ||
        !put(o, "repeat", json_integer(t->repeat)) ||
        !put(o, "statistics", statistics_json(t)) ||
        !put(o, "resumption", resumption_json(t)) ||
        !put(o, "versions", versions_json(t))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- projection ---- */

static json_t *link_json(const struct tp_link *l)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "name", jstr(l->name)) ||
        !put(o, "description", jstr(l->description)) ||
        !put(o, "downlink_bps", json_real(l->dl_bps)) ||
        !put(o, "uplink_bps", json_real(l->ul_bps)) ||
        !put(o, "rtt_ms", json_integer(l->rtt_ms)) ||
        !put(o, "setup_ms", json_integer(l->setup_ms)) ||
        !put(o, "mtu", l->mtu ? json_integer(l->mtu) : json_null()) ||
        !put(o, "frame_payload", l->frame_payload ? json_integer(l->frame_payload) : json_null()) ||
        !put(o, "loss", json_real(l->loss)) ||
        !put(o, "duty_cycle", l->duty_cycle > 0 ? json_real(l->duty_cycle) : json_null()) ||
        !put(o, "half_duplex", json_boolean(l->half_duplex)) ||
        !put(o, "tls_practical", json_boolean(l->tls_practical))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *proj_flight_json(const struct tp_proj_flight *f)
{
    json_t *o = json_object();
    if (o == NULL || !put(o, "label", jstr(f->label)) ||
        !put(o, "direction", json_string(dir_name(f->dir))) ||
        !put(o, "bytes", json_integer(f->bytes)) || !put(o, "records", json_integer(f->records)) ||
        !put(o, "packets", json_integer(f->packets)) ||
        !put(o, "frames", json_integer(f->frames)) ||
        !put(o, "wire_bytes", json_integer(f->wire_bytes)) ||
        !put(o, "slow_start_rounds", json_integer(f->slow_start_rounds)) ||
        !put(o, "start_ms", jms(f->start_ms)) || !put(o, "sent_ms", jms(f->sent_ms)) ||
        !put(o, "end_ms", jms(f->end_ms)) ||
        !put(o, "serialisation_ms", jms(f->serialisation_ms)) ||
        !put(o, "slow_start_ms", jms(f->slow_start_ms)) || !put(o, "loss_ms", jms(f->loss_ms)) ||
        !put(o, "duty_cycle_ms", jms(f->duty_ms))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *breakdown_json(const struct tp_projection *p)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    for (int i = 0; i < TP_PART_COUNT; i++)
        if (!put(o, tp_proj_part_name((enum tp_proj_part)i), jms(p->parts_ms[i]))) {
            json_decref(o);
            return NULL;
        }
    return o;
}

static json_t *suggestions_json(const struct tp_timing *t)
{
    json_t *a = json_array();
    if (a == NULL || !t->has_whatif)
        return a;
    for (size_t i = 0; i < TP_SUGGEST_COUNT; i++) {
        const struct tp_suggestion *s = &t->whatif.items[i];
        json_t *o = json_object();
        if (o == NULL || !put(o, "name", jstr(s->name)) ||
            !put(o, "applicable", json_boolean(s->applicable)) ||
            !put(o, "saving_ms", s->applicable ? jms(s->saving_ms) : json_null()) ||
            !put(o, "saving_bytes", s->applicable ? json_integer(s->saving_bytes) : json_null()) ||
            !put(o, "assumption", jstr(s->assumption))) {
            json_decref(o);
            json_decref(a);
            return NULL;
        }
        if (!append(a, o)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *projection_json(const struct tp_timing *t)
{
    if (t == NULL || !t->has_projection)
        return json_null();
    const struct tp_projection *p = &t->projection;
    json_t *o = json_object(), *fl = json_array();
    if (o == NULL || fl == NULL)
        goto fail;
    for (size_t i = 0; i < p->n_flights; i++)
        if (!append(fl, proj_flight_json(&p->flights[i])))
            goto fail;
    json_t *flights = fl;
    fl = NULL;
    if (!put(o, "link", link_json(&t->link)) || !put(o, "practical", json_boolean(p->practical)) ||
        !put(o, "why", jstr(p->practical ? NULL : p->why)) ||
        !put(o, "model", json_string(tp_projection_model())) || !put(o, "flights", flights) ||
        !put(o, "total_ms", jms(p->total_ms)) ||
        !put(o, "round_trips", json_real(p->round_trips)) ||
        !put(o, "wire_bytes", both(p->wire_bytes[0], p->wire_bytes[1])) ||
        !put(o, "packets", json_integer(p->packets)) ||
        !put(o, "breakdown", breakdown_json(p)) || !put(o, "dominant", jstr(t->dominant)) ||
        !put(o, "measured_handshake_ms", jms_or_null(t->full.handshake_ms)) ||
        !put(o, "resumed_total_ms",
             t->has_projection_resumed ? jms(t->projection_resumed.total_ms) : json_null()) ||
        !put(o, "certificate_share", json_real(t->full.certificate_share)) ||
        !put(o, "suggestions", suggestions_json(t)))
        goto fail;
    return o;
fail:
    json_decref(fl);
    json_decref(o);
    return NULL;
}

/* ---- capture ---- */

static json_t *flags_json(uint8_t flags)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } names[] = {{TP_TCP_SYN, "SYN"}, {TP_TCP_FIN, "FIN"}, {TP_TCP_RST, "RST"},
                 {TP_TCP_PSH, "PSH"}, {TP_TCP_ACK, "ACK"}, {TP_TCP_URG, "URG"}};
    char buf[32] = "";
    size_t used = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (flags & names[i].bit)
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", used ? "," : "",
                                     names[i].name);
    return json_string(buf);
}

static json_t *capture_json(const struct tp_timing *t)
{
    if (t == NULL || !t->has_capture)
        return json_null();
    const struct tp_capture_result *c = &t->capture;
    json_t *o = json_object(), *pk = json_array();
    if (o == NULL || pk == NULL)
        goto fail;
    for (size_t i = 0; i < c->n_packets; i++) {
        const struct tp_cap_packet *p = &c->packets[i];
        json_t *e = json_object();
        if (e == NULL || !put(e, "t_ms", jms(p->t_ms)) ||
            !put(e, "direction", json_string(dir_name(p->dir))) ||
            !put(e, "flags", flags_json(p->flags)) || !put(e, "seq", json_integer(p->seq)) ||
            !put(e, "len", json_integer(p->len)) ||
            !put(e, "retransmission", json_boolean(p->retransmission))) {
            json_decref(e);
            goto fail;
        }
        if (!append(pk, e))
            goto fail;
    }
    json_t *packets = pk;
    pk = NULL;
    if (!put(o, "interface", jstr(c->interface)) || !put(o, "used", json_boolean(c->used)) ||
        !put(o, "note", jstr(c->note)) || !put(o, "filter", jstr(c->filter)) ||
        !put(o, "saved_to", jstr(c->saved_to)) || !put(o, "packets", packets) ||
        !put(o, "more_packets", json_boolean(c->more_packets)) ||
        !put(o, "syn_rtt_ms", jms_or_null(c->syn_rtt_ms)) ||
        !put(o, "retransmissions", json_integer(c->retransmissions)) ||
        !put(o, "bytes", both(c->bytes[0], c->bytes[1])) ||
        !put(o, "wire_bytes", both(c->wire_bytes[0], c->wire_bytes[1])))
        goto fail;
    return o;
fail:
    json_decref(pk);
    json_decref(o);
    return NULL;
}

/* ---- --read ---- */

typedef const char *(*code_namer)(uint16_t code);

static const char *suite_namer(uint16_t code)
{
    const struct tp_suite_info *s = tp_suite_by_code(code);
    return s != NULL ? tp_suite_name(s) : NULL;
}

static const char *group_namer(uint16_t code)
{
    const struct tp_group_info *g = tp_group_by_code(code);
    return g != NULL ? g->iana_name : NULL;
}

static const char *sig_namer(uint16_t code)
{
    const struct tp_sigscheme_info *s = tp_sigscheme_by_code(code);
    return s != NULL ? s->name : NULL;
}

static const char *ext_namer(uint16_t code)
{
    const struct tp_extension_info *e = tp_extension_by_code(code);
    return e != NULL ? e->name : NULL;
}

static const char *version_namer(uint16_t code)
{
    return tp_version_name(code);
}

/* [{"name": ..., "code": "0x1301"}] (name null when unregistered). */
static json_t *codes_json(const struct tp_code_list *l, code_namer namer)
{
    json_t *a = json_array();
    if (a == NULL)
        return NULL;
    for (size_t i = 0; i < l->n; i++) {
        json_t *o = json_object();
        const char *name = namer != NULL ? namer(l->v[i]) : NULL;
        if (o == NULL || !put(o, "name", jstr(name)) || !put(o, "code", jcode(l->v[i]))) {
            json_decref(o);
            json_decref(a);
            return NULL;
        }
        if (!append(a, o)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *strlist(const struct tp_strlist *l)
{
    json_t *a = json_array();
    if (a == NULL)
        return NULL;
    for (size_t i = 0; i < l->count; i++)
        if (!append(a, jstr(l->items[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *client_hello_json(const struct tp_audit_hs *h)
{
    if (!h->has_client_hello)
        return json_null();
    json_t *o = json_object();
    if (o == NULL || !put(o, "format", json_string(h->ssl2_hello ? "sslv2" : "tls")) ||
        !put(o, "legacy_version", jversion(h->legacy_version)) ||
        !put(o, "versions", codes_json(&h->versions, version_namer)) ||
        !put(o, "cipher_suites", codes_json(&h->suites, suite_namer)) ||
        !put(o, "cipher_suites_total", json_integer((json_int_t)h->suites.total)) ||
        !put(o, "groups", codes_json(&h->groups, group_namer)) ||
        !put(o, "key_shares", codes_json(&h->key_shares, group_namer)) ||
        !put(o, "signature_schemes", codes_json(&h->sigalgs, sig_namer)) ||
        !put(o, "extensions", codes_json(&h->extensions, ext_namer)) ||
        !put(o, "sni", jstr(h->sni)) || !put(o, "alpn", strlist(&h->alpn)) ||
        !put(o, "ssl2_cipher_kinds", h->ssl2_hello ? json_integer(h->ssl2_kinds) : json_null())) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *server_hello_json(const struct tp_audit_hs *h)
{
    if (!h->has_server_hello)
        return json_null();
    json_t *o = json_object(), *cs = json_object();
    if (o == NULL || cs == NULL || !put(cs, "name", jstr(suite_namer(h->suite))) ||
        !put(cs, "code", jcode(h->suite))) {
        json_decref(cs);
        json_decref(o);
        return NULL;
    }
    if (!put(o, "version", jversion(h->version)) || !put(o, "cipher_suite", cs) ||
        !put(o, "group", h->group ? jstr(group_namer(h->group)) : json_null()) ||
        !put(o, "group_code", h->group ? jcode(h->group) : json_null()) ||
        !put(o, "hello_retry", json_boolean(h->hello_retry)) ||
        !put(o, "resumed", json_boolean(h->resumed || h->tl.resumed))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *chain_json(const struct tp_audit_hs *h)
{
    json_t *o = json_object(), *a = json_array();
    if (o == NULL || a == NULL)
        goto fail;
    for (size_t i = 0; i < h->n_certs; i++) {
        const struct tp_cert *c = &h->certs[i];
        json_t *e = json_object();
        if (e == NULL || !put(e, "bytes", json_integer(c->der_bytes)) ||
            !put(e, "subject", jstr(c->subject)) || !put(e, "issuer", jstr(c->issuer)) ||
            !put(e, "key_type", jstr(c->key_type)) ||
            !put(e, "key_bits", c->key_bits ? json_integer(c->key_bits) : json_null()) ||
            !put(e, "sha256", c->sha256[0] ? json_string(c->sha256) : json_null())) {
            json_decref(e);
            goto fail;
        }
        if (!append(a, e))
            goto fail;
    }
    json_t *certs = a;
    a = NULL;
    /* TLS 1.3 protects the Certificate message: then the chain is unknown. */
    bool seen = h->certs != NULL;
    if (!put(o, "seen", json_boolean(seen)) ||
        !put(o, "count", seen ? json_integer((json_int_t)h->certs_total) : json_null()) ||
        !put(o, "bytes", seen ? json_integer((json_int_t)h->certificate_bytes) : json_null()) ||
        !put(o, "certificates", certs))
        goto fail;
    return o;
fail:
    json_decref(a);
    json_decref(o);
    return NULL;
}

static json_t *audit_hs_json(const struct tp_audit_hs *h)
{
    json_t *o = json_object(), *stream = json_object();
    if (o == NULL || stream == NULL || !put(stream, "id", json_integer((json_int_t)h->stream)) ||
        !put(stream, "client", json_string(h->client)) ||
        !put(stream, "server", json_string(h->server))) {
        json_decref(stream);
        json_decref(o);
        return NULL;
    }
    if (!put(o, "stream", stream) || !put(o, "start_ms", jms(h->start_ms)) ||
        !put(o, "complete", json_boolean(h->tl.complete)) || !put(o, "note", jstr(h->note)) ||
        !put(o, "ja4", h->ja4[0] ? json_string(h->ja4) : json_null()) ||
        !put(o, "client_hello", client_hello_json(h)) ||
        !put(o, "server_hello", server_hello_json(h)) || !put(o, "chain", chain_json(h)) ||
        !put(o, "timing", timeline_json(&h->tl, false)) ||
        !put(o, "findings", strlist(&h->findings))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *handshakes_json(const struct tp_audit *au)
{
    if (au == NULL)
        return json_null();
    json_t *a = json_array();
    if (a == NULL)
        return NULL;
    for (size_t i = 0; i < au->n_hs; i++)
        if (!append(a, audit_hs_json(&au->hs[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *capture_file_json(const struct tp_audit *au)
{
    if (au == NULL)
        return json_null();
    json_t *o = json_object(), *sk = json_object();
    if (o == NULL || sk == NULL)
        goto fail;
    for (size_t i = 0; i < au->n_skipped; i++)
        if (!put(sk, au->skipped[i].reason, json_integer((json_int_t)au->skipped[i].count)))
            goto fail;
    json_t *skipped = sk;
    sk = NULL;
    if (!put(o, "path", jstr(au->path)) ||
        !put(o, "packets", json_integer((json_int_t)au->packets)) ||
        !put(o, "tcp_segments", json_integer((json_int_t)au->segments)) ||
        !put(o, "skipped", skipped) || !put(o, "streams", json_integer((json_int_t)au->streams)) ||
        !put(o, "tls_streams", json_integer((json_int_t)au->tls_streams)) ||
        !put(o, "handshakes", json_integer((json_int_t)au->n_hs)) ||
        !put(o, "error", jstr(au->error)))
        goto fail;
    return o;
fail:
    json_decref(sk);
    json_decref(o);
    return NULL;
}

tp_status timing_render_json(json_t *root, const struct tp_report *r)
{
    const struct tp_timing *t = r->timing;
    if (!put(root, "timing", t != NULL ? timing_json(t) : json_null()) ||
        !put(root, "projection", projection_json(t)) || !put(root, "capture", capture_json(t)) ||
        !put(root, "handshakes", handshakes_json(r->audit)) ||
        !put(root, "capture_file", capture_file_json(r->audit)))
        return TP_E_NOMEM;
    return TP_OK;
}
