/* diagnose.h: why the report's handshake failed, and a way past it.
 *
 * The entry point runs after the report's GnuTLS handshake failed; each
 * diagnosis it knows is tried in turn and may retry the handshake with a
 * different offer on fresh connections to the same address. One diagnosis
 * today:
 *   intolerance  the server ended (closed, reset, alerted) a handshake
 *                whose plainer version completes: find the optional part
 *                of the offer it chokes on (scan/intolerance.h) and finish
 *                the report with the offer it tolerates.
 * Others (a PSK-only server, a server that requires SNI) belong here too,
 * each a function with the same shape as diagnose_intolerance(). */
#ifndef TP_RUN_DIAGNOSE_H
#define TP_RUN_DIAGNOSE_H

#include <stdbool.h>

#include "cli/config.h"
#include "net/net.h"
#include "report/model.h"
#include "util/clock.h"
#include "util/err.h"

/* What the diagnoses need to reach the server again. */
struct diag_target {
    const struct tp_config *cfg;
    const struct tp_addr *addr;   /* the address the failed handshake used */
    const char *sni;              /* NULL for none */
    tp_deadline deadline;         /* the failed handshake's own */
};

/* report holds a failed handshake (failure filled, status hs_status) that
 * the server ended, aborted = true (tls.h, struct tls_offer). When a
 * diagnosis finds an offer that completes, report's handshake,
 * certificates, verification and failure are replaced by that handshake's,
 * report->handshake says what was left out (intolerance) and TP_OK is
 * returned; otherwise report is left as it was and hs_status returned, with
 * err unchanged. TP_E_NOMEM on a local failure. */
TP_MUST_CHECK tp_status run_diagnose_handshake(const struct diag_target *target, bool aborted,
                                               tp_status hs_status, struct tp_report *report,
                                               tp_error *err);

#endif
