/* tls.h: the handshake report, done with GnuTLS. This directory is the only
 * place that includes GnuTLS headers.
 *
 * tls_handshake_report() runs one client handshake on a connected socket
 * and fills, in report:
 *   - handshake: every field of struct tp_handshake it can learn;
 *   - certs: the chain in the order the server sent it;
 *   - verification: trust (system store or cfg->ca_file), hostname match
 *     (RFC 6125, IP literals against IP SANs), chain order/completeness and
 *     stable error codes;
 *   - failure (stage TLS, with the alert when one was received) if the
 *     handshake did not complete.
 * It never prints and never exits. The socket stays open (caller closes).
 * It honours the overall deadline for every read and write. */
#ifndef TP_TLS_H
#define TP_TLS_H

#include "cli/config.h"
#include "report/model.h"
#include "util/clock.h"
#include "util/err.h"

/* Returns TP_OK when the handshake completed; TP_E_TLS or TP_E_TIMEOUT (with
 * report->failure filled and err describing it in one line) when it did not;
 * TP_E_USAGE for a bad --priority or unreadable --ca-file; TP_E_NOMEM. */
TP_MUST_CHECK tp_status tls_handshake_report(int fd, const struct tp_config *cfg,
                                             const char *sni, tp_deadline deadline,
                                             struct tp_report *report, tp_error *err);

/* Library-wide set-up and tear-down (gnutls_global_init/deinit). */
TP_MUST_CHECK tp_status tls_global_init(tp_error *err);
void tls_global_finish(void);

#endif
