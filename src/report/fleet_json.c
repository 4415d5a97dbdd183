/* fleet_json.c: a --targets run's documents, one a line (fleet_render.h). */
#include "report/fleet_render.h"
#include "report/json_util.h"
#include "report/render.h"

#include <jansson.h>

#include "util/banned.h"

#ifndef TP_VERSION
#define TP_VERSION "0.0.0"
#endif

/* As json.c's, without the indentation: one document, one line. */
#define FLEET_DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

static bool put_meta(json_t *doc, const struct tp_fleet_meta *meta)
{
    return jput(doc, "target_line", json_integer((json_int_t)meta->line)) &&
           jput(doc, "target_spec", jstr(meta->spec)) &&
           jput(doc, "exit_status", json_integer(meta->exit_status));
}

/* A line that names no target it could run: what and where, and why. */
static json_t *bad_line_json(const struct tp_fleet_meta *meta)
{
    json_t *doc = json_object();
    json_t *tool = json_object();
    json_t *error = json_object();
    if (doc == NULL || tool == NULL || error == NULL ||
        !jput(tool, "name", json_string("tlsprobe")) ||
        !jput(tool, "version", json_string(TP_VERSION)) ||
        !jput(error, "stage", json_string("targets")) ||
        !jput(error, "code", json_string(tp_status_name(TP_E_USAGE))) ||
        !jput(error, "message", jstr(meta->bad_line)) ||
        !jput(error, "alert", json_null()) || !jput(error, "alert_name", json_null()) ||
        !jput(doc, "schema", json_string(TP_JSON_SCHEMA_VERSION))) {
        json_decref(doc);
        json_decref(tool);
        json_decref(error);
        return NULL;
    }
    if (!jput(doc, "tool", tool)) {
        json_decref(doc);
        json_decref(error);
        return NULL;
    }
    if (!jput(doc, "error", error)) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

tp_status render_json_fleet(FILE *out, const struct tp_report *report,
                            const struct tp_config *cfg, const struct tp_fleet_meta *meta)
{
    json_t *doc = meta->bad_line != NULL ? bad_line_json(meta)
                                         : render_json_document(report, cfg);
    if (doc == NULL || !put_meta(doc, meta)) {
        json_decref(doc);
        return TP_E_NOMEM;
    }
    tp_status status = TP_OK;
    if (json_dumpf(doc, out, FLEET_DUMP_FLAGS) != 0 || fputc('\n', out) == EOF)
        status = TP_E_IO;
    json_decref(doc);
    return status;
}
