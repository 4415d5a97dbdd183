/* render.h: print a report as text or JSON. Renderers only read the model;
 * every string that came from a peer is escaped for the terminal (control
 * characters and invalid UTF-8 shown as \xHH) or made valid UTF-8 for JSON
 * (invalid bytes become U+FFFD). */
#ifndef TP_RENDER_H
#define TP_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/config.h"
#include "report/model.h"
#include "util/err.h"

/* Human report. colour: use ANSI colours (main decides from --color, isatty
 * and NO_COLOR). */
TP_MUST_CHECK tp_status render_text(FILE *out, const struct tp_report *report,
                                    const struct tp_config *cfg, bool colour);

/* One JSON document (schema in man/tlsprobe-json.5.scd), newline-terminated.
 * Valid even when the run failed: it then carries `error`. */
TP_MUST_CHECK tp_status render_json(FILE *out, const struct tp_report *report,
                                    const struct tp_config *cfg);

/* The document render_json() prints, as a jansson object (a new reference;
 * NULL when out of memory), for a renderer that writes it in parts (--read
 * streams its handshakes between them, report/timing_render.h). */
struct json_t;
struct json_t *render_json_document(const struct tp_report *report, const struct tp_config *cfg);

#endif
