/* vuln.h: --vulns, the vulnerability checks (also run by --enum). Each
 * check is a row of the table in vuln.c: an id, a name, the CVE, the
 * reference its probe follows and a function answering vulnerable, not
 * vulnerable or unknown with a reason. The checks run one after another
 * (servers that serve one connection at a time stay reachable), each on
 * connections of its own, against the address the report connected to. */
#ifndef TP_VULN_H
#define TP_VULN_H

#include "cli/config.h"
#include "net/net.h"
#include "report/model.h"
#include "report/vuln_model.h"
#include "util/clock.h"
#include "util/err.h"

/* Run every check into out (initialised by the caller). scan is --enum's
 * result (NULL without --enum: the checks that need it say so). Only
 * out-of-memory fails. */
TP_MUST_CHECK tp_status vuln_run(const struct tp_config *cfg, const struct tp_addr *addr,
                                 const char *sni, tp_deadline deadline,
                                 const struct tp_report *report, struct tp_vulns *out,
                                 tp_error *err);

#endif
