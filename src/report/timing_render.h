/* timing_render.h: rendering of --timing (report->timing) and --read
 * (report->audit) as text and as JSON keys. Called by render_text() and
 * render_json(); like them, these only read the model, and every string
 * that came from a peer or a capture file is escaped for the terminal or
 * made valid UTF-8 for JSON. */
#ifndef TP_TIMING_RENDER_H
#define TP_TIMING_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "report/model.h"
#include "util/err.h"

/* Add "timing", "projection", "capture", "handshakes" and "capture_file"
 * to the top-level object root; each is null when its option was not
 * given. TP_E_NOMEM when jansson could not allocate. */
TP_MUST_CHECK tp_status timing_render_json(json_t *root, const struct tp_report *report);

/* The timeline, statistics, resumption, versions, projection and capture
 * sections. Prints nothing without report->timing. TP_E_IO on a write
 * error. */
TP_MUST_CHECK tp_status timing_render_text(FILE *out, const struct tp_report *report, bool colour);

/* --read: the file, then one block per handshake. Prints nothing without
 * report->audit. */
TP_MUST_CHECK tp_status audit_render_text(FILE *out, const struct tp_report *report, bool colour);

#endif
