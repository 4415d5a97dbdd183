/* scan_json.c: the --enum keys of the JSON document (schema "1.0"; keys
 * are added, never renamed; man/tlsprobe-json.5.scd documents them).
 *
 * As in json.c: tri-states are true/false/null, unknown values null, every
 * string made valid UTF-8 first (RFC 8259 Sec. 8.1) since names and
 * details may come from the peer. Versions are "TLSv1.2", codes "0xC02F"
 * (SSLv2 cipher kinds, three bytes on the wire: "0x0700C0"), so that
 *   jq '.cipher_suites[] | select(.rating=="forbidden")'
 * picks out what the policy forbids.
 *
 * Builders return a new reference or NULL (allocation failed, nothing
 * leaked); jput()/jappend() take ownership of the value in every case. */
#include "report/scan_render.h"
#include "report/json_util.h"

#include <stdlib.h>
#include <string.h>

#include "wire/registry.h"
#include "util/text.h"
#include "util/banned.h"

static json_t *jsuite_code(uint32_t code, uint16_t version)
{
    if (version == TP_VER_SSL2 || code > 0xFFFF)
        return json_sprintf("0x%06X", (unsigned)code);
    return jcode((uint16_t)code);
}

static json_t *caps_json(const struct tp_scan *scan)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < scan->n_caps; i++) {
        json_t *o = json_object();
        if (!jappend(a, o) || !jput(o, "grade", jstr(scan->caps[i].grade)) ||
            !jput(o, "reason", jstr(scan->caps[i].reason))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *enumeration_json(const struct tp_scan *scan)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "policy", jstr(scan->policy)) ||
        !jput(o, "grade", jstr(scan->grade)) ||
        !jput(o, "score", scan->grade != NULL ? json_integer(scan->score) : json_null()) ||
        !jput(o, "caps", caps_json(scan)) ||
        !jput(o, "connections", json_integer(scan->connections)) ||
        !jput(o, "probes", json_integer(scan->probes)) ||
        !jput(o, "rtt_ms", json_integer(scan->rtt_ms)) ||
        !jput(o, "slow_link", json_boolean(scan->slow_link)) ||
        !jput(o, "elapsed_ms", jms_from_us(scan->elapsed_us)) ||
        !jput(o, "psk_only", jtri(scan->psk_only)) ||
        !jput(o, "psk_identity_hint", jstr(scan->psk_identity_hint)) ||
        !jput(o, "intolerance", joffer_parts(scan->intolerance))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *protocol_json(const struct tp_scan_protocol *p)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "version", jversion(p->version)) ||
        !jput(o, "supported", jtri(p->supported)) || !jput(o, "why", jstr(p->why)) ||
        !jput(o, "server_order", jtri(p->server_order)) || !jput_verdict(o, &p->verdict)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *suite_json(const struct tp_scan_suite *s)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "version", jversion(s->version)) ||
        !jput(o, "name", jstr(s->name)) || !jput(o, "code", jsuite_code(s->code, s->version)) ||
        !jput_verdict(o, &s->verdict) || !jput(o, "order", juint_or_null(s->order)) ||
        !jput(o, "kx_bits", juint_or_null(s->kx_bits)) || !jput(o, "kx_group", jstr(s->kx_group))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* versions_seen: bit (version - 0x0300) for SSLv3 .. TLS 1.3. */
static json_t *versions_seen_json(uint16_t mask)
{
    json_t *a = json_array();
    for (unsigned bit = 0; a != NULL && bit <= TP_VER_TLS13 - TP_VER_SSL3; bit++)
        if ((mask & (1u << bit)) != 0 && !jappend(a, jversion((uint16_t)(TP_VER_SSL3 + bit)))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *group_json(const struct tp_scan_group *g)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "name", jstr(g->name)) ||
        !jput(o, "code", jcode_or_null(g->code)) ||
        !jput(o, "supported", jtri(g->supported)) ||
        !jput(o, "versions", versions_seen_json(g->versions_seen)) ||
        !jput(o, "bits", juint_or_null(g->bits)) ||
        !jput(o, "post_quantum", json_boolean(g->post_quantum)) ||
        !jput(o, "accepted_with_share", g->probed ? jtri(g->accepted_with_share) : json_null()) ||
        !jput(o, "selected_in_hrr", g->probed ? jtri(g->selected_in_hrr) : json_null()) ||
        !jput(o, "share_bytes", juint_or_null(g->share_bytes)) ||
        !jput(o, "share_bytes_expected", juint_or_null(g->share_bytes_expected)) ||
        !jput_verdict(o, &g->verdict)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *sigscheme_json(const struct tp_scan_sigscheme *s)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "name", jstr(s->name)) ||
        !jput(o, "code", jcode(s->code)) ||
        !jput(o, "supported", jtri(s->supported)) || !jput_verdict(o, &s->verdict)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *features_json(const struct tp_scan *scan)
{
    json_t *o = json_object();
    for (size_t i = 0; o != NULL && i < scan->n_features; i++) {
        const struct tp_scan_feature *f = &scan->features[i];
        if (f->id == NULL)
            continue;
        char *key = tp_utf8_sanitize(f->id, strlen(f->id));
        json_t *v = json_object();
        bool ok = key != NULL && v != NULL && jput(v, "value", jtri(f->value)) &&
                  jput(v, "detail", jstr(f->detail));
        if (ok) {
            ok = json_object_set_new(o, key, v) == 0;
            v = NULL; /* set_new took it */
        }
        free(key);
        json_decref(v);
        if (!ok) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* Each array builder releases what it built when an element fails. */
static json_t *protocols_json(const struct tp_scan *scan)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < TP_SCAN_VERSIONS; i++)
        if (!jappend(a, protocol_json(&scan->protocols[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *suites_json(const struct tp_scan *scan)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < scan->n_suites; i++)
        if (!jappend(a, suite_json(&scan->suites[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *groups_json(const struct tp_scan *scan)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < scan->n_groups; i++)
        if (!jappend(a, group_json(&scan->groups[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *sigschemes_json(const struct tp_scan *scan)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < scan->n_sigschemes; i++)
        if (!jappend(a, sigscheme_json(&scan->sigschemes[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static const char *const scan_keys[] = {
    "enumeration", "protocols", "cipher_suites", "groups", "signature_schemes", "features",
};

tp_status scan_render_json(json_t *root, const struct tp_scan *scan)
{
    if (root == NULL)
        return TP_E_INTERNAL;
    if (scan == NULL) {
        for (size_t i = 0; i < sizeof scan_keys / sizeof scan_keys[0]; i++)
            if (!jput(root, scan_keys[i], json_null()))
                return TP_E_NOMEM;
        return TP_OK;
    }
    if (!jput(root, "enumeration", enumeration_json(scan)) ||
        !jput(root, "protocols", protocols_json(scan)) ||
        !jput(root, "cipher_suites", suites_json(scan)) ||
        !jput(root, "groups", groups_json(scan)) ||
        !jput(root, "signature_schemes", sigschemes_json(scan)) ||
        !jput(root, "features", features_json(scan)))
        return TP_E_NOMEM;
    return TP_OK;
}
