/* serve_render.h: --serve's report (report->serve) as text and as JSON
 * keys. Like the other renderers these only read the model; strings that
 * came from the client (SNI, ALPN) are escaped for the terminal and made
 * valid UTF-8 for JSON. */
#ifndef TP_SERVE_RENDER_H
#define TP_SERVE_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "report/model.h"
#include "util/err.h"

/* Add "serve" and "client_tests" to root (null without --serve).
 * TP_E_NOMEM. */
TP_MUST_CHECK tp_status serve_render_json(json_t *root, const struct tp_report *report);

/* The table of client tests, the offers and the run's totals. Prints
 * nothing without report->serve. TP_E_IO on a write error. */
TP_MUST_CHECK tp_status serve_render_text(FILE *out, const struct tp_report *report, bool colour);

#endif
