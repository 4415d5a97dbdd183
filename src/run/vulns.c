/* vulns.c: --vulns, and --enum, which includes them (issue 11): the checks
 * of src/vuln/, after the report's handshake (with --enum on the scan's
 * thread after the scan, whose results some checks read), then their
 * findings. */
#include <stdlib.h>

#include "grade/grade.h"
#include "run/run_int.h"
#include "vuln/vuln.h"

#include "util/banned.h"

tp_status run_vulns_attach(struct tp_report *report, struct tp_vulns *vulns, tp_error *err)
{
    report->vulns = vulns;
    tp_status graded = grade_vulns(report);
    if (graded != TP_OK)
        return tp_fail(err, graded, "grading the vulnerability checks failed");
    return TP_OK;
}

tp_status run_vulns(const struct tp_config *cfg, const struct tp_addr *addr, const char *sni,
                    tp_deadline deadline, struct tp_report *report, tp_error *err)
{
    if (!cfg->vulns)
        return TP_OK;
    struct tp_vulns *vulns = malloc(sizeof *vulns);
    if (vulns == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    tp_vulns_init(vulns);
    tp_status status = vuln_run(cfg, addr, sni, deadline, NULL, vulns, err);
    if (status != TP_OK) {
        tp_vulns_finish(vulns);
        free(vulns);
        return status;
    }
    return run_vulns_attach(report, vulns, err);
}
