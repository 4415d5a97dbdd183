/* vulns.c: findings from the vulnerability checks (--vulns). One finding a
 * vulnerable check, id "vuln-" + the check's id, with the check's detail;
 * "not vulnerable" and "unknown" raise none (an unknown stays visible in
 * the Vulnerabilities section and JSON with its reason). */
#include <stdio.h>

#include "grade/catalog.h"
#include "grade/grade.h"
#include "report/vuln_model.h"

#include "util/banned.h"

tp_status grade_vulns(struct tp_report *report)
{
    const struct tp_vulns *v = report->vulns;
    for (size_t i = 0; v != NULL && i < v->n; i++) {
        const struct tp_vuln *x = &v->items[i];
        if (x->result != TP_VULN_YES)
            continue;
        char id[64];
        snprintf(id, sizeof id, "vuln-%s", x->id);
        if (tp_finding_lookup(id) == NULL)
            return TP_E_INTERNAL;
        TP_TRY(tp_report_add_finding(report, id, "%s%s%s: %s", x->name, x->cve ? ", " : "",
                                     x->cve ? x->cve : "", x->detail ? x->detail : ""));
    }
    tp_report_sort_findings(report);
    return TP_OK;
}
