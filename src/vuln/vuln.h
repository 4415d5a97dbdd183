/* vuln.h: --vulns, the vulnerability checks (also run by --enum). Each
 * check is a row of the table in vuln.c: an id, a name, the CVE, the
 * reference its probe follows and a function answering vulnerable, not
 * vulnerable or unknown with a reason. The checks run side by side on a
 * small pool (vuln/pace.h: a server that serves one connection at a time
 * queues them, and no wait starts before the server is on it), each on
 * connections of its own, against the address the report connected to. */
#ifndef TP_VULN_H
#define TP_VULN_H

#include "cli/config.h"
#include "net/net.h"
#include "report/scan_model.h"
#include "report/vuln_model.h"
#include "util/clock.h"
#include "util/err.h"

/* Run every check into out (initialised by the caller). scan is --enum's
 * finished result (NULL without --enum: the checks that need it say so).
 * Only out-of-memory fails. */
TP_MUST_CHECK tp_status vuln_run(const struct tp_config *cfg, const struct tp_addr *addr,
                                 const char *sni, tp_deadline deadline,
                                 const struct tp_scan *scan, struct tp_vulns *out,
                                 tp_error *err);

#endif
