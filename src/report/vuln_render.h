/* vuln_render.h: rendering of --vulns (report/vuln_model.h). */
#ifndef TP_VULN_RENDER_H
#define TP_VULN_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "report/vuln_model.h"
#include "util/err.h"

/* Adds "vulnerabilities": [{id, name, cve, result, detail, reference}] to
 * root, or null when the checks did not run (vulns NULL). */
TP_MUST_CHECK tp_status vuln_render_json(json_t *root, const struct tp_vulns *vulns);

/* The "Vulnerabilities" section; nothing when vulns is NULL. */
TP_MUST_CHECK tp_status vuln_render_text(FILE *out, const struct tp_vulns *vulns, bool colour);

#endif
