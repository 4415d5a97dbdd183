/* run.h: the three runs main() can start, each filling a report:
 *   run_report  resolve, connect, the GnuTLS handshake report, graded; with
 *               --enum, the enumeration beside it (run/enum.c);
 *   run_timed   --timing: timed handshakes, projection, capture;
 *   run_audit   --read: every handshake in a capture file, streamed out.
 * They return the status of the step that stopped the run (TP_OK if none)
 * and record where in report->failure; main() turns that into the exit
 * status and renders the report. Progress lines go to stderr, and only
 * when it is a terminal. */
#ifndef TP_RUN_H
#define TP_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/config.h"
#include "report/model.h"
#include "util/err.h"

TP_MUST_CHECK tp_status run_report(const struct tp_config *cfg, struct tp_report *report,
                                   tp_error *err);

TP_MUST_CHECK tp_status run_timed(const struct tp_config *cfg, struct tp_report *report,
                                  tp_error *err);

/* --read writes its report as it goes (memory stays bounded by the open
 * handshakes): *streamed says whether it did, so main() does not render it
 * again, and *rendered is that rendering's status. started is when the run
 * began (for elapsed_ms at the end of the stream). */
TP_MUST_CHECK tp_status run_audit(const struct tp_config *cfg, struct tp_report *report,
                                  bool colour, uint64_t started, bool *streamed,
                                  tp_status *rendered, tp_error *err);

#endif
