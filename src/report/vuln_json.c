/* vuln_json.c: the "vulnerabilities" key of the JSON document (documented
 * in man/tlsprobe-json.5.scd). Details may quote what a peer sent, so every
 * string goes through jstr() (valid UTF-8). */
#include "report/json_util.h"
#include "report/vuln_render.h"

#include "util/banned.h"

static json_t *vuln_json(const struct tp_vuln *v)
{
    json_t *o = json_object();
    if (o == NULL || !jput(o, "id", jstr(v->id)) || !jput(o, "name", jstr(v->name)) ||
        !jput(o, "cve", v->cve != NULL ? jstr(v->cve) : json_null()) ||
        !jput(o, "result", json_string(tp_vuln_result_name(v->result))) ||
        !jput(o, "detail", v->detail != NULL ? jstr(v->detail) : json_null()) ||
        !jput(o, "reference", jstr(v->reference))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

tp_status vuln_render_json(json_t *root, const struct tp_vulns *vulns)
{
    if (vulns == NULL)
        return jput(root, "vulnerabilities", json_null()) ? TP_OK : TP_E_NOMEM;
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < vulns->n; i++) {
        if (!jappend(a, vuln_json(&vulns->items[i]))) {
            json_decref(a);
            a = NULL;
        }
    }
    return a != NULL && jput(root, "vulnerabilities", a) ? TP_OK : TP_E_NOMEM;
}
