/* fleet_render.h: what a --targets run prints for each target, and the
 * summary table at the end (run/fleet.c drives it; tlsprobe-json(5),
 * FLEETS in tlsprobe(1)).
 *
 * JSON: one document per target on one line (NDJSON): the document a
 * single run prints, compact, with `target_line`, `target_spec` and
 * `exit_status` added. A line that could not be parsed gets a short
 * document of its own: schema, tool, target_line, target_spec, error
 * (stage "targets", code "usage") and exit_status. Text: each report after
 * a heading naming the line. */
#ifndef TP_FLEET_RENDER_H
#define TP_FLEET_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/config.h"
#include "report/model.h"
#include "util/err.h"

/* One target of a --targets file. */
struct tp_fleet_meta {
    uint64_t line;        /* 1-based line number in the file */
    const char *spec;     /* the line as written, blanks trimmed */
    int exit_status;      /* what a single run of it would have exited with */
    const char *bad_line; /* why the line is bad; NULL for a target that ran */
};

/* One row of the summary table, fixed-size so that the rows can wait in a
 * temporary file (memory stays bounded by the targets in flight). */
#define TP_FLEET_CELL 80
struct tp_fleet_row {
    uint64_t line;
    int exit_status;
    char target[TP_FLEET_CELL]; /* host:port, or the bad line */
    char result[TP_FLEET_CELL]; /* "ok", or "<stage>: <code>" */
    char grade[8];              /* --enum's overall grade, "-" without */
    char worst[TP_FLEET_CELL];  /* the worst finding: "<severity> <id>", or "-" */
};

/* NDJSON: one line, flushed by the caller. report is ignored for a bad line. */
TP_MUST_CHECK tp_status render_json_fleet(FILE *out, const struct tp_report *report,
                                          const struct tp_config *cfg,
                                          const struct tp_fleet_meta *meta);

/* Text: a heading, then render_text() (or the bad line's error). */
TP_MUST_CHECK tp_status render_text_fleet(FILE *out, const struct tp_report *report,
                                          const struct tp_config *cfg,
                                          const struct tp_fleet_meta *meta, bool colour);

/* Fill row from a finished target (report ignored for a bad line). */
void render_fleet_row(struct tp_fleet_row *row, const struct tp_report *report,
                      const struct tp_fleet_meta *meta);

/* The summary table: every row in rows (a file of struct tp_fleet_row,
 * read from its start), in the order they were written. */
TP_MUST_CHECK tp_status render_fleet_summary(FILE *out, FILE *rows, bool colour);

#endif
