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

#include "cli/config.h"
#include "report/model.h"
#include "report/timing_model.h"
#include "util/err.h"

/* Add "timing", "projection", "capture", "handshakes" and "capture_file"
 * to the top-level object root; each is null when its option was not
 * given. With --read (report->audit set) "handshakes" is left out: the
 * handshakes were streamed (audit_stream below), and the writer puts the
 * array in its place. TP_E_NOMEM when jansson could not allocate. */
TP_MUST_CHECK tp_status timing_render_json(json_t *root, const struct tp_report *report);

/* A timeline object (live: with dns_ms and connect_ms): a new reference,
 * NULL when out of memory. */
json_t *timing_timeline_json(const struct tp_timeline *tl, bool live);

/* A growable text buffer; free(p) when done. */
struct tp_textbuf {
    char *p;
    size_t len, cap;
};

/* One element of the --read "handshakes" array, appended to out as the
 * text json_dumpf() would print for it (render_json()'s flags) at the
 * given depth of the document (2: inside the top-level array).
 * TP_E_NOMEM. */
TP_MUST_CHECK tp_status audit_handshake_json_text(const struct tp_audit_hs *hs, unsigned depth,
                                                  struct tp_textbuf *out);

/* The timeline, statistics, resumption, versions, projection and capture
 * sections. Prints nothing without report->timing. TP_E_IO on a write
 * error. */
TP_MUST_CHECK tp_status timing_render_text(FILE *out, const struct tp_report *report, bool colour);

/* --read, after the handshakes: the file's totals (packets, streams,
 * skipped, damage). Prints nothing without report->audit. */
TP_MUST_CHECK tp_status audit_render_text(FILE *out, const struct tp_report *report, bool colour);

/* --read: the title printed before the first handshake, and the block of
 * the handshake numbered index (from 0). TP_E_IO on a write error. */
TP_MUST_CHECK tp_status audit_render_text_head(FILE *out, const struct tp_audit *file,
                                               bool colour);
TP_MUST_CHECK tp_status audit_render_text_handshake(FILE *out, size_t index,
                                                    const struct tp_audit_hs *hs, bool colour);

/* The client's offer lines of a handshake block ("  offer: ...", suites,
 * groups, SNI, ALPN, JA4), as --read prints them; --serve prints the
 * offers of the devices that connect to it with it. */
TP_MUST_CHECK tp_status audit_render_text_offer(FILE *out, const struct tp_audit_hs *hs,
                                                bool colour);

/* ---- --read, streamed (timing_stream.c) ----
 * The audit (capture/audit.h) hands each handshake to its sink as soon as
 * it is over; these callbacks print it at once (a text block, or one
 * element of the JSON "handshakes" array) and keep nothing, so memory does
 * not grow with the capture. The JSON stays one document with the schema
 * of render_json(): the keys before "findings" are written when the file
 * opens, then "handshakes" element by element, then every other key at
 * the end (findings, summary, error, capture_file...), whatever happened
 * in between, so a damaged file still gives a valid document. */
struct audit_stream;

/* report and cfg are read at open and at finish; they must outlive s. */
TP_MUST_CHECK tp_status audit_stream_create(FILE *out, const struct tp_report *report,
                                            const struct tp_config *cfg, bool json,
                                            bool colour, struct audit_stream **s);
/* struct tp_audit_sink callbacks, ctx the audit_stream. */
TP_MUST_CHECK tp_status audit_stream_open(void *ctx, const struct tp_audit *file);
TP_MUST_CHECK tp_status audit_stream_handshake(void *ctx, const struct tp_audit *file,
                                               const struct tp_audit_hs *hs);
/* Whether audit_stream_open() ran: then the report has begun, and only
 * audit_stream_finish() completes it. */
bool audit_stream_opened(const struct audit_stream *s);
/* The rest of the report (see above); nothing if never opened. TP_E_IO on
 * a write error, TP_E_NOMEM. */
TP_MUST_CHECK tp_status audit_stream_finish(struct audit_stream *s);
/* NULL is a no-op. */
void audit_stream_destroy(struct audit_stream *s);

#endif
