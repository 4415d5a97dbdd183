/* measure.h: the --timing run. Resolves and connects (net/), runs the
 * handshake with the TLS transport hook (tls/), turns the transfers into a
 * timeline (timing/timeline.h), and then, as asked: --repeat more
 * handshakes, --resume a resumed one after each full one, TLS 1.2 against
 * TLS 1.3 when the server offers both, --link a projection with what-if
 * suggestions, --capture the packets of the first connection.
 *
 * The first full handshake is the report's own: report->handshake, certs,
 * verification and attempts are filled from it exactly as without
 * --timing; everything else goes to report->timing. */
#ifndef TP_TIMING_MEASURE_H
#define TP_TIMING_MEASURE_H

#include "cli/config.h"
#include "report/model.h"
#include "util/err.h"

/* Returns the status of the step that stopped the first handshake (with
 * *stage naming the step: resolve, connect, tls), TP_OK otherwise. Later
 * runs (repeat, resume, versions) that fail are counted, not fatal. A bad
 * --link, -i or --user is TP_E_USAGE before any network work. sni is the
 * name to send (NULL for none), as every run chooses it (run/common.c). */
TP_MUST_CHECK tp_status timing_run(const struct tp_config *cfg, const char *sni,
                                   struct tp_report *report, enum tp_stage *stage,
                                   tp_error *err);

#endif
