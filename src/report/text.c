/* PLACEHOLDER: replaced by the real implementation (helper task). */
#include "report/render.h"
tp_status render_text(FILE *out, const struct tp_report *report, const struct tp_config *cfg,
                      bool colour)
{
    (void)cfg; (void)colour;
    fprintf(out, "target %s port %u\n", report->target.host ? report->target.host : "-",
            report->target.port);
    return TP_OK;
}
