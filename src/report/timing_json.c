/* timing_json.c: the timing, projection, capture, handshakes and
 * capture_file keys (schema in man/tlsprobe-json.5.scd). Builders return a
 * new reference or NULL on allocation failure; jput()/jappend() take
 * ownership in every case, as in json.c. */
#include "report/timing_render.h"
#include "report/json_util.h"

#include "capture/packet.h"
#include "report/timing_model.h"
#include "timing/projection.h"
#include "util/banned.h"

/* Milliseconds rounded to the microsecond: more digits would be noise. */
static json_t *jms(double ms)
{
    return json_real((double)(long long)(ms * 1000.0 + (ms >= 0 ? 0.5 : -0.5)) / 1000.0);
}

static json_t *jms_or_null(double ms)
{
    return ms >= 0 ? jms(ms) : json_null();
}

static const char *dir_name(enum tp_dir dir)
{
    return dir == TP_DIR_C2S ? "client" : "server";
}

static json_t *both(uint64_t client, uint64_t server)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "client", json_integer((json_int_t)client)) ||
        !jput(o, "server", json_integer((json_int_t)server))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- timeline ---- */

static json_t *flight_json(const struct tp_tl_flight *f)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "label", jstr(f->label)) ||
        !jput(o, "direction", json_string(dir_name(f->dir))) ||
        !jput(o, "start_ms", jms(f->start_ms)) || !jput(o, "end_ms", jms(f->end_ms)) ||
        !jput(o, "bytes", json_integer((json_int_t)f->bytes)) ||
        !jput(o, "records", json_integer(f->records)) ||
        !jput(o, "post_handshake", json_boolean(f->post_handshake))) {
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
        if (!jappend(a, flight_json(&tl->flights[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* The keys every timeline has; dns/connect only for live runs. */
static bool timeline_keys(json_t *o, const struct tp_timeline *tl, bool live)
{
    return (!live || (jput(o, "dns_ms", jms_or_null(tl->dns_ms)) &&
                      jput(o, "connect_ms", jms_or_null(tl->connect_ms)) &&
                      jput(o, "starttls_ms", jms_or_null(tl->starttls_ms)))) &&
           jput(o, "version", jversion(tl->version)) &&
           jput(o, "flights", flights_json(tl)) &&
           jput(o, "round_trips", json_integer(tl->round_trips)) &&
           jput(o, "handshake_ms", jms_or_null(tl->handshake_ms)) &&
           jput(o, "complete", json_boolean(tl->complete)) &&
           jput(o, "resumed", json_boolean(tl->resumed)) &&
           jput(o, "hello_retry", json_boolean(tl->hello_retry)) &&
           jput(o, "total_bytes", both(tl->bytes[0], tl->bytes[1])) &&
           jput(o, "certificate_bytes", json_integer((json_int_t)tl->certificate_bytes)) &&
           jput(o, "certificate_estimated", json_boolean(tl->certificate_estimated)) &&
           jput(o, "certificate_share", json_real(tl->certificate_share));
}

json_t *timing_timeline_json(const struct tp_timeline *tl, bool live)
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
    if (o == NULL || !jput(o, "n", json_integer((json_int_t)p->n)) ||
        !jput(o, ms ? "min_ms" : "min",
              ms ? jms(p->min_ms) : json_integer((json_int_t)p->min_ms)) ||
        !jput(o, ms ? "median_ms" : "median",
             ms ? jms(p->median_ms) : json_integer((json_int_t)p->median_ms)) ||
        !jput(o, ms ? "p95_ms" : "p95",
              ms ? jms(p->p95_ms) : json_integer((json_int_t)p->p95_ms)) ||
        !jput(o, ms ? "max_ms" : "max",
              ms ? jms(p->max_ms) : json_integer((json_int_t)p->max_ms)) ||
        !jput(o, ms ? "mean_ms" : "mean", ms ? jms(p->mean_ms) : json_real(p->mean_ms))) {
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
        if (!jput(phases, tp_phase_name((enum tp_phase)i), pstats_json(&s->phase[i], true)))
            goto fail;
    json_t *p = phases;
    phases = NULL;
    if (!jput(o, "runs", json_integer(s->runs)) ||
        !jput(o, "failures", json_integer(s->failures)) ||
        !jput(o, "resumed", json_integer(s->resumed)) || !jput(o, "phases", p) ||
        !jput(o, "bytes", pstats_json(&s->bytes, false)))
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
    if (o == NULL || !jput(o, "full", series_json(&t->full_stats)) ||
        !jput(o, "resumed", t->has_resumed ? series_json(&t->resumed_stats) : json_null())) {
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
    if (o == NULL || !jput(o, "offered", json_boolean(t->resume_offered)) ||
        !jput(o, "resumed", json_boolean(t->resume_accepted)) ||
        !jput(o, "timeline", ran ? timing_timeline_json(&t->resumed, true) : json_null()) ||
        !jput(o, "saved_bytes", ran ? json_integer(saved_bytes) : json_null()) ||
        !jput(o, "saved_ms", ran && t->resumed.handshake_ms >= 0 && t->full.handshake_ms >= 0
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
    if (o == NULL || !jput(o, "version", jversion(v->version)) ||
        !jput(o, "ok", json_boolean(v->ok)) || !jput(o, "error", jstr(v->error)) ||
        !jput(o, "handshake_ms", v->ok ? jms_or_null(v->tl.handshake_ms) : json_null()) ||
        !jput(o, "round_trips", v->ok ? json_integer(v->tl.round_trips) : json_null()) ||
        !jput(o, "total_bytes", v->ok ? both(v->tl.bytes[0], v->tl.bytes[1]) : json_null())) {
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
        if (t->versions[i].attempted && !jappend(a, version_run_json(&t->versions[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *timing_json(const struct tp_timing *t)
{
    json_t *o = json_object();
    if (o == NULL || !timeline_keys(o, &t->full, true) ||
        !jput(o, "repeat", json_integer(t->repeat)) ||
        !jput(o, "statistics", statistics_json(t)) ||
        !jput(o, "resumption", resumption_json(t)) ||
        !jput(o, "versions", versions_json(t))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- projection ---- */

static json_t *link_json(const struct tp_link *l)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "name", jstr(l->name)) ||
        !jput(o, "description", jstr(l->description)) ||
        !jput(o, "downlink_bps", json_real(l->dl_bps)) ||
        !jput(o, "uplink_bps", json_real(l->ul_bps)) ||
        !jput(o, "rtt_ms", json_integer(l->rtt_ms)) ||
        !jput(o, "setup_ms", json_integer(l->setup_ms)) ||
        !jput(o, "mtu", l->mtu ? json_integer(l->mtu) : json_null()) ||
        !jput(o, "frame_payload",
              l->frame_payload ? json_integer(l->frame_payload) : json_null()) ||
        !jput(o, "loss", json_real(l->loss)) ||
        !jput(o, "duty_cycle", l->duty_cycle > 0 ? json_real(l->duty_cycle) : json_null()) ||
        !jput(o, "half_duplex", json_boolean(l->half_duplex)) ||
        !jput(o, "tls_practical", json_boolean(l->tls_practical))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *proj_flight_json(const struct tp_proj_flight *f)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "label", jstr(f->label)) ||
        !jput(o, "direction", json_string(dir_name(f->dir))) ||
        !jput(o, "bytes", json_integer(f->bytes)) ||
        !jput(o, "records", json_integer(f->records)) ||
        !jput(o, "packets", json_integer(f->packets)) ||
        !jput(o, "frames", json_integer(f->frames)) ||
        !jput(o, "wire_bytes", json_integer(f->wire_bytes)) ||
        !jput(o, "slow_start_rounds", json_integer(f->slow_start_rounds)) ||
        !jput(o, "start_ms", jms(f->start_ms)) || !jput(o, "sent_ms", jms(f->sent_ms)) ||
        !jput(o, "end_ms", jms(f->end_ms)) ||
        !jput(o, "serialisation_ms", jms(f->serialisation_ms)) ||
        !jput(o, "slow_start_ms", jms(f->slow_start_ms)) || !jput(o, "loss_ms", jms(f->loss_ms)) ||
        !jput(o, "duty_cycle_ms", jms(f->duty_ms)) || !jput(o, "ack_ms", jms(f->ack_ms))) {
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
        if (!jput(o, tp_proj_part_name((enum tp_proj_part)i), jms(p->parts_ms[i]))) {
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
        if (o == NULL || !jput(o, "name", jstr(s->name)) ||
            !jput(o, "applicable", json_boolean(s->applicable)) ||
            !jput(o, "saving_ms", s->applicable ? jms(s->saving_ms) : json_null()) ||
            !jput(o, "saving_bytes", s->applicable ? json_integer(s->saving_bytes) : json_null()) ||
            !jput(o, "assumption", jstr(s->assumption))) {
            json_decref(o);
            json_decref(a);
            return NULL;
        }
        if (!jappend(a, o)) {
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
        if (!jappend(fl, proj_flight_json(&p->flights[i])))
            goto fail;
    json_t *flights = fl;
    fl = NULL;
    if (!jput(o, "link", link_json(&t->link)) ||
        !jput(o, "practical", json_boolean(p->practical)) ||
        !jput(o, "why", jstr(p->practical ? NULL : p->why)) ||
        !jput(o, "model", json_string(tp_projection_model())) || !jput(o, "flights", flights) ||
        !jput(o, "total_ms", jms(p->total_ms)) ||
        !jput(o, "round_trips", json_real(p->round_trips)) ||
        !jput(o, "wire_bytes", both(p->wire_bytes[0], p->wire_bytes[1])) ||
        !jput(o, "packets", json_integer(p->packets)) ||
        !jput(o, "breakdown", breakdown_json(p)) || !jput(o, "dominant", jstr(t->dominant)) ||
        !jput(o, "measured_handshake_ms", jms_or_null(t->full.handshake_ms)) ||
        !jput(o, "resumed_total_ms",
              t->has_projection_resumed ? jms(t->projection_resumed.total_ms) : json_null()) ||
        !jput(o, "resumed_round_trips", t->has_projection_resumed
                                            ? json_real(t->projection_resumed.round_trips)
                                            : json_null()) ||
        !jput(o, "resumed_breakdown", t->has_projection_resumed
                                          ? breakdown_json(&t->projection_resumed)
                                          : json_null()) ||
        !jput(o, "false_start_total_ms", jms(p->false_start_total_ms)) ||
        !jput(o, "false_start_round_trips", json_real(p->false_start_round_trips)) ||
        !jput(o, "certificate_share", json_real(t->full.certificate_share)) ||
        !jput(o, "suggestions", suggestions_json(t)))
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
        if (e == NULL || !jput(e, "t_ms", jms(p->t_ms)) ||
            !jput(e, "direction", json_string(dir_name(p->dir))) ||
            !jput(e, "flags", flags_json(p->flags)) || !jput(e, "seq", json_integer(p->seq)) ||
            !jput(e, "len", json_integer(p->len)) ||
            !jput(e, "retransmission", json_boolean(p->retransmission))) {
            json_decref(e);
            goto fail;
        }
        if (!jappend(pk, e))
            goto fail;
    }
    json_t *packets = pk;
    pk = NULL;
    if (!jput(o, "interface", jstr(c->interface)) || !jput(o, "used", json_boolean(c->used)) ||
        !jput(o, "note", jstr(c->note)) || !jput(o, "filter", jstr(c->filter)) ||
        !jput(o, "saved_to", jstr(c->saved_to)) || !jput(o, "packets", packets) ||
        !jput(o, "more_packets", json_boolean(c->more_packets)) ||
        !jput(o, "syn_rtt_ms", jms_or_null(c->syn_rtt_ms)) ||
        !jput(o, "retransmissions", json_integer(c->retransmissions)) ||
        !jput(o, "bytes", both(c->bytes[0], c->bytes[1])) ||
        !jput(o, "wire_bytes", both(c->wire_bytes[0], c->wire_bytes[1])))
        goto fail;
    return o;
fail:
    json_decref(pk);
    json_decref(o);
    return NULL;
}

/* ---- --read (the handshakes: timing_audit_json.c) ---- */

static json_t *capture_file_json(const struct tp_audit *au)
{
    if (au == NULL)
        return json_null();
    json_t *o = json_object(), *sk = json_object();
    if (o == NULL || sk == NULL)
        goto fail;
    for (size_t i = 0; i < au->n_skipped; i++)
        if (!jput(sk, au->skipped[i].reason, json_integer((json_int_t)au->skipped[i].count)))
            goto fail;
    json_t *skipped = sk;
    sk = NULL;
    if (!jput(o, "path", jstr(au->path)) ||
        !jput(o, "packets", json_integer((json_int_t)au->packets)) ||
        !jput(o, "tcp_segments", json_integer((json_int_t)au->segments)) ||
        !jput(o, "skipped", skipped) ||
        !jput(o, "streams", json_integer((json_int_t)au->streams)) ||
        !jput(o, "tls_streams", json_integer((json_int_t)au->tls_streams)) ||
        !jput(o, "handshakes", json_integer((json_int_t)au->n_hs)) ||
        !jput(o, "error", jstr(au->error)))
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
    if (!jput(root, "timing", t != NULL ? timing_json(t) : json_null()) ||
        !jput(root, "projection", projection_json(t)) || !jput(root, "capture", capture_json(t)) ||
        (r->audit == NULL && !jput(root, "handshakes", json_null())) ||
        !jput(root, "capture_file", capture_file_json(r->audit)))
        return TP_E_NOMEM;
    return TP_OK;
}
