/* grade.h: turn the facts in a report into findings. Pure: reads the model
 * and the registries, adds findings from the catalog (src/data/findings.csv)
 * with a message specific to this run. */
#ifndef TP_GRADE_H
#define TP_GRADE_H

#include "cli/config.h"
#include "report/model.h"
#include "util/err.h"

/* Findings about the negotiated handshake (version, suite, group, signature,
 * renegotiation, EMS, OCSP) and the certificate chain (trust, name, validity,
 * keys, signatures, order, completeness, --warn-days). `now` is the wall
 * clock in seconds, passed in so tests are deterministic. Sorts findings. */
TP_MUST_CHECK tp_status grade_handshake(struct tp_report *report, const struct tp_config *cfg,
                                        int64_t now);

/* One finding per part of the offer (TP_OFFER_* bits in parts) the server
 * aborts handshakes on, intolerance-<part>, unless the report has it
 * already (the report's handshake and --enum may both find it). by says
 * who found it ("the handshake", "--enum"). */
TP_MUST_CHECK tp_status grade_intolerance(struct tp_report *report, uint32_t parts,
                                          const char *by);

/* One finding (vuln-<id>) per check of report->vulns that found the server
 * vulnerable; sorts findings. Nothing when the checks did not run. */
TP_MUST_CHECK tp_status grade_vulns(struct tp_report *report);

#endif
