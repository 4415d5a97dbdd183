/* json_util.c: the shared jansson builders (see json_util.h). */
#include "report/json_util.h"

#include <stdlib.h>
#include <string.h>

#include "report/scan_model.h"
#include "wire/registry.h"
#include "util/text.h"
#include "util/banned.h"

bool jput(json_t *obj, const char *key, json_t *value)
{
    if (value == NULL)
        return false;
    return json_object_set_new(obj, key, value) == 0;
}

bool jappend(json_t *array, json_t *value)
{
    if (value == NULL)
        return false;
    return json_array_append_new(array, value) == 0;
}

json_t *jstr(const char *s)
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

/* The catalog leaves some references empty. */
json_t *jstr_nonempty(const char *s)
{
    return jstr(s != NULL && s[0] != '\0' ? s : NULL);
}

json_t *jtri(enum tp_tri value)
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

/* By hand rather than json_sprintf("0x%04X"): --read writes a few hundred
 * per handshake. Always ASCII, so jansson need not check it. */
json_t *jcode(uint16_t code)
{
    static const char hex[] = "0123456789ABCDEF";
    char text[7] = {'0', 'x', hex[code >> 12], hex[(code >> 8) & 0xf], hex[(code >> 4) & 0xf],
                    hex[code & 0xf], '\0'};
    return json_stringn_nocheck(text, 6);
}

json_t *jcode_or_null(uint16_t code)
{
    return code != 0 ? jcode(code) : json_null();
}

json_t *juint_or_null(uint64_t value)
{
    return value != 0 ? json_integer((json_int_t)value) : json_null();
}

json_t *jversion(uint16_t version)
{
    if (version == 0)
        return json_null();
    const char *name = tp_version_name(version);
    return name != NULL ? json_string(name) : jcode(version);
}

json_t *jms_from_us(uint64_t us)
{
    return json_real((double)us / 1000.0);
}

json_t *joffer_parts(uint32_t parts)
{
    json_t *a = json_array();
    for (unsigned i = 0; a != NULL && i < TP_OFFER_COUNT; i++) {
        const char *name = (parts & (1u << i)) ? tp_offer_part_name(1u << i) : NULL;
        if (name != NULL && !jappend(a, json_string(name))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* [{rating, reason, reference}, ...], worst first as the policy engine
 * left them. */
static json_t *reasons_json(const struct tp_verdict *v)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < v->n_reasons; i++) {
        const struct tp_verdict_reason *r = &v->reasons[i];
        json_t *o = json_object();
        if (!jappend(a, o) || !jput(o, "rating", json_string(tp_rating_name(r->rating))) ||
            !jput(o, "reason", jstr(r->reason)) || !jput(o, "reference", jstr(r->reference))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* Adds rating, reason, reference and reasons to o; an unrated verdict (no
 * policy ran) is null throughout. */
bool jput_verdict(json_t *o, const struct tp_verdict *v)
{
    bool rated = v->rating != TP_RATING_UNRATED;
    return jput(o, "rating", rated ? json_string(tp_rating_name(v->rating)) : json_null()) &&
           jput(o, "reason", rated ? jstr(v->reason) : json_null()) &&
           jput(o, "reference", rated ? jstr(v->reference) : json_null()) &&
           jput(o, "reasons", rated ? reasons_json(v) : json_null());
}
