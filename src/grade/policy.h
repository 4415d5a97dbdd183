/* policy.h: grading an enumeration (--enum) against a policy (--policy).
 *
 * A policy rates every protocol version, cipher suite, group and signature
 * scheme in a scan as forbidden / deprecated / weak / ok / recommended, each
 * with a one-line reason and the reference behind it, and with every other
 * reason that applies (tp_verdict.reasons, worst first). The rules are rows
 * compiled in from src/data/policy-rules.csv (see policy_table.h); rfc9325
 * is the base (shared/data/grading.md sections 1-3), the others override it:
 *
 *   rfc9325               RFC 9325 (BCP 195), the default
 *   mozilla-intermediate  Mozilla Server Side TLS 6.0 intermediate
 *   mozilla-modern        Mozilla Server Side TLS 6.0 modern (TLS 1.3 only)
 *   nist-800-52r2         NIST SP 800-52 Rev. 2
 *   iot-rfc7925           RFC 7925 IoT profile: the CCM_8 and PSK suites it
 *                         mandates (Sec. 4.2-4.4) are what it asks for, not
 *                         a fault; TLS 1.2 is required; secp256r1.
 *
 * What lies outside a profile (Mozilla, NIST) is rated "deprecated" unless
 * the base rates it worse, and is named in the enum-policy-violation
 * finding rather than in the per-rating suite findings.
 *
 * The overall grade follows SSL Labs (grading.md section 8); see
 * policy_grade.c for the score tables, the caps and the A+ rule. */
#ifndef TP_GRADE_POLICY_H
#define TP_GRADE_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "report/model.h"
#include "report/scan_model.h"
#include "util/err.h"

#define TP_POLICY_DEFAULT "rfc9325"

/* Rate everything in scan under `policy` (NULL = the default), set
 * scan->policy, scan->score, scan->grade and scan->caps (replacing earlier
 * ones), and append the enum-* findings to report (so grade a report once),
 * sorted worst first. report->verification and report->certs feed the T/M and
 * certificate caps when known. TP_E_USAGE for an unknown policy name. */
TP_MUST_CHECK tp_status grade_scan(struct tp_scan *scan, const char *policy,
                                   struct tp_report *report);

/* --dtls --enum: rate report->dtls.scan's versions, suites, groups and
 * signature schemes under policy (NULL = the default) into its verdicts,
 * and append the enum-* findings about suites, groups and schemes, as
 * grade_scan() does for TCP (grade/policy_dtls.c). Nothing when the DTLS
 * scan did not run. TP_E_USAGE for an unknown policy name. */
TP_MUST_CHECK tp_status grade_dtls_scan(struct tp_report *report, const char *policy);

/* For CLI validation and --help: the names in table order, default first. */
bool policy_known(const char *name);
size_t policy_count(void);
const char *policy_name(size_t index);   /* NULL past the end */
const char *policy_title(size_t index);  /* one line, NULL past the end */

#endif
