/* vulns.c: --vulns beside the report: the checks of src/vuln/, after the
 * report's handshake (and after --enum's scan, whose results some checks
 * read), then their findings. */
#include <stdlib.h>

#include "grade/grade.h"
#include "run/run_int.h"
#include "vuln/vuln.h"

#include "util/banned.h"

tp_status run_vulns(const struct tp_config *cfg, const struct tp_addr *addr, const char *sni,
                    tp_deadline deadline, struct tp_report *report, tp_error *err)
{
    if (!cfg->vulns)
        return TP_OK;
    report->vulns = malloc(sizeof *report->vulns);
    if (report->vulns == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    tp_vulns_init(report->vulns);
    TP_TRY(vuln_run(cfg, addr, sni, deadline, report, report->vulns, err));
    tp_status graded = grade_vulns(report);
    if (graded != TP_OK)
        return tp_fail(err, graded, "grading the vulnerability checks failed");
    return TP_OK;
}
