/* scan_render.h: rendering of an enumeration (--enum, report/scan_model.h)
 * as text tables and as JSON keys. Called by render_text() and
 * render_json(); like them, these only read the model and escape every
 * string for the terminal or make it valid UTF-8 for JSON. */
#ifndef TP_SCAN_RENDER_H
#define TP_SCAN_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "report/scan_model.h"
#include "util/err.h"

/* Add "enumeration", "protocols", "cipher_suites", "groups",
 * "signature_schemes" and "features" to the top-level object root. With
 * scan NULL (no --enum), each key is present and null, so consumers can
 * tell "not scanned" from "scanned, nothing accepted" (empty arrays).
 * TP_E_NOMEM when jansson could not allocate; root keeps what was added. */
TP_MUST_CHECK tp_status scan_render_json(json_t *root, const struct tp_scan *scan);

/* Tables by version (header line, then each accepted suite in the server's
 * order), groups, signature schemes, features and the grade with each cap
 * explained. Prints nothing when scan is NULL. colour: ANSI colours for
 * ratings and the grade. TP_E_IO when writing failed. */
TP_MUST_CHECK tp_status scan_render_text(FILE *out, const struct tp_scan *scan, bool colour);

#endif
