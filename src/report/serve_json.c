/* serve_json.c: --serve as JSON keys (serve_render.h; documented in
 * tlsprobe-json(5)). The offers are the objects --read writes for a
 * ClientHello ("client_hello"), made by the same code. */
#include "report/serve_render.h"

#include <stdlib.h>

#include "report/json_util.h"
#include "report/serve_model.h"
#include "report/timing_render.h"
#include "wire/registry.h"
#include "util/banned.h"

static json_t *jtristate(int v)
{
    return v < 0 ? json_null() : json_boolean(v == 1);
}

static json_t *suite_json(uint16_t code)
{
    if (code == 0)
        return json_null();
    const struct tp_suite_info *info = tp_suite_by_code(code);
    json_t *o = json_object();
    if (o == NULL || !jput(o, "name", jstr(info != NULL ? tp_suite_name(info) : NULL)) ||
        !jput(o, "code", jcode(code))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *test_json(const struct tp_client_test *t)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "id", jstr(t->id)) ||
        !jput(o, "description", jstr(t->description)) || !jput(o, "kind", jstr(t->kind)) ||
        !jput(o, "verdict", jstr(tp_verdict_name(t->verdict))) ||
        !jput(o, "accepted", jtristate(tp_verdict_accepted(t->verdict))) ||
        !jput(o, "alert", jstr(t->alert_name)) ||
        !jput(o, "alert_code", t->alert >= 0 ? json_integer(t->alert) : json_null()) ||
        !jput(o, "version", t->version != 0 ? jversion(t->version) : json_null()) ||
        !jput(o, "cipher_suite", suite_json(t->suite)) ||
        !jput(o, "application_data", t->verdict == TP_VERDICT_ACCEPTED ||
                                             t->verdict == TP_VERDICT_REJECTED_AFTER
                                         ? json_boolean(t->app_data)
                                         : json_null()) ||
        !jput(o, "handshake_ms", t->handshake_ms >= 0 ? json_real(t->handshake_ms) : json_null()) ||
        !jput(o, "connection", t->connection > 0 ? json_integer(t->connection) : json_null()) ||
        !jput(o, "attempts", json_integer(t->attempts)) ||
        !jput(o, "offer", t->offer >= 0 ? json_integer(t->offer) : json_null()) ||
        !jput(o, "control_after_accepted", jtristate(t->control_after)) ||
        !jput(o, "note", jstr(t->note))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *tests_json(const struct tp_serve *s)
{
    json_t *a = json_array();
    for (size_t k = 0; a != NULL && k < s->n_tests; k++)
        if (!jappend(a, test_json(&s->tests[k]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* One offer: the --read handshake object's client_hello, ja4 and
 * findings, plus how many connections made it. */
static json_t *offer_json(const struct tp_audit_hs *h, uint32_t seen)
{
    struct tp_textbuf text = {0};
    if (audit_handshake_json_text(h, 0, &text) != TP_OK) {
        free(text.p);
        return NULL;
    }
    json_t *hs = json_loadb(text.p, text.len, 0, NULL);
    free(text.p);
    json_t *o = json_object();
    if (hs == NULL || o == NULL || !jput(o, "connections", json_integer(seen)) ||
        !jput(o, "ja4", json_incref(json_object_get(hs, "ja4"))) ||
        !jput(o, "client_hello", json_incref(json_object_get(hs, "client_hello"))) ||
        !jput(o, "findings", json_incref(json_object_get(hs, "findings")))) {
        json_decref(hs);
        json_decref(o);
        return NULL;
    }
    json_decref(hs);
    return o;
}

static json_t *conn_json(const struct tp_serve_conn *c)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "number", json_integer(c->number)) ||
        !jput(o, "peer", jstr(c->peer)) || !jput(o, "case", jstr(c->case_id)) ||
        !jput(o, "verdict", jstr(tp_verdict_name(c->verdict))) ||
        !jput(o, "note", jstr(c->note))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *serve_json(const struct tp_serve *s)
{
    json_t *o = json_object(), *offers = json_array(), *log = json_array();
    bool ok = o != NULL && offers != NULL && log != NULL;
    for (size_t i = 0; ok && i < s->n_offers; i++)
        ok = jappend(offers, offer_json(&s->offers[i], s->offer_seen[i]));
    for (size_t i = 0; ok && i < s->n_log; i++)
        ok = jappend(log, conn_json(&s->log[i]));
    json_t *ca = json_object();
    ok = ok && ca != NULL && jput(ca, "file", jstr(s->ca_file)) &&
         jput(ca, "key_file", jstr(s->ca_key_file)) &&
         jput(ca, "generated", json_boolean(s->ca_generated)) &&
         jput(ca, "subject", jstr(s->ca_subject));
    if (!ok) {
        json_decref(ca);
        json_decref(offers);
        json_decref(log);
        json_decref(o);
        return NULL;
    }
    if (!jput(o, "listen", jstr(s->listen)) || !jput(o, "hostname", jstr(s->hostname)) ||
        !jput(o, "starttls", jstr(s->starttls)) || !jput(o, "ca", ca) || !jput(o, "connections", json_integer(s->connections)) ||
        !jput(o, "bad_connections", json_integer(s->bad_connections)) ||
        !jput(o, "complete", json_boolean(s->complete)) ||
        !jput(o, "stopped", jstr(s->stopped)) || !jput(o, "offers", offers) ||
        !jput(o, "connection_log", log)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

tp_status serve_render_json(json_t *root, const struct tp_report *r)
{
    const struct tp_serve *s = r->serve;
    if (!jput(root, "serve", s != NULL ? serve_json(s) : json_null()) ||
        !jput(root, "client_tests", s != NULL ? tests_json(s) : json_null()))
        return TP_E_NOMEM;
    return TP_OK;
}
