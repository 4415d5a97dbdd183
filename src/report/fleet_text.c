/* fleet_text.c: a --targets run in text: each report after a heading, and
 * the summary table (fleet_render.h). */
#include "report/fleet_render.h"
#include "report/render.h"
#include "report/scan_model.h"
#include "report/text_util.h"

#include <string.h>

#include "util/banned.h"

tp_status render_text_fleet(FILE *out, const struct tp_report *report,
                            const struct tp_config *cfg, const struct tp_fleet_meta *meta,
                            bool colour)
{
    struct text_writer w = {.out = out, .colour = colour, .indent = 2, .status = TP_OK};
    tw_sgr(&w, SGR_BOLD);
    tw_emit(&w, "=== line %llu: ", (unsigned long long)meta->line);
    tw_esc(&w, meta->spec);
    tw_emit(&w, " ===");
    tw_sgr(&w, SGR_RESET);
    tw_emit(&w, "\n");
    if (meta->bad_line != NULL) {
        tw_emit(&w, "bad line: ");
        tw_esc(&w, meta->bad_line);
        tw_emit(&w, "\n\n");
        return tw_status(&w);
    }
    TP_TRY(tw_status(&w));
    TP_TRY(render_text(out, report, cfg, colour));
    return fputc('\n', out) == EOF ? TP_E_IO : TP_OK;
}

static const struct tp_finding *worst_finding(const struct tp_report *report)
{
    const struct tp_finding *worst = NULL;
    for (size_t i = 0; i < report->n_findings; i++)
        if (worst == NULL || report->findings[i].severity > worst->severity)
            worst = &report->findings[i];
    return worst;
}

/* A cell is printed as is later: keep only printable ASCII in it (the spec
 * and the message came from the targets file or the peer). */
static void cell(char *dst, size_t size, const char *src)
{
    size_t n = 0;
    for (; src != NULL && *src != '\0' && n + 1 < size; src++)
        dst[n++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
    dst[n] = '\0';
}

void render_fleet_row(struct tp_fleet_row *row, const struct tp_report *report,
                      const struct tp_fleet_meta *meta)
{
    memset(row, 0, sizeof *row);
    row->line = meta->line;
    row->exit_status = meta->exit_status;
    cell(row->grade, sizeof row->grade, "-");
    cell(row->worst, sizeof row->worst, "-");
    if (meta->bad_line != NULL) {
        cell(row->target, sizeof row->target, meta->spec);
        cell(row->result, sizeof row->result, "bad line");
        return;
    }
    char buf[TP_FLEET_CELL];
    const struct tp_target *t = &report->target;
    snprintf(buf, sizeof buf, strchr(t->host != NULL ? t->host : "", ':') ? "[%s]:%u" : "%s:%u",
             t->host != NULL ? t->host : "-", t->port);
    cell(row->target, sizeof row->target, buf);
    const struct tp_failure *f = &report->failure;
    if (f->stage == TP_STAGE_NONE || f->tolerated)
        snprintf(buf, sizeof buf, "ok");
    else
        snprintf(buf, sizeof buf, "%s: %s", tp_stage_name(f->stage), tp_status_name(f->status));
    cell(row->result, sizeof row->result, buf);
    if (report->scan != NULL && report->scan->grade != NULL)
        cell(row->grade, sizeof row->grade, report->scan->grade);
    const struct tp_finding *worst = worst_finding(report);
    if (worst != NULL) {
        snprintf(buf, sizeof buf, "%s %s", tp_severity_name(worst->severity), worst->id);
        cell(row->worst, sizeof row->worst, buf);
    }
}

tp_status render_fleet_summary(FILE *out, FILE *rows, bool colour)
{
    struct text_writer w = {.out = out, .colour = colour, .indent = 2, .status = TP_OK};
    if (fseek(rows, 0, SEEK_SET) != 0)
        return TP_E_IO;
    tw_section(&w, "Summary");
    tw_emit(&w, "%-6s %-32s %-20s %-5s %-32s %s\n", "LINE", "TARGET", "RESULT", "GRADE",
            "WORST FINDING", "EXIT");
    struct tp_fleet_row row;
    while (fread(&row, sizeof row, 1, rows) == 1) {
        tw_emit(&w, "%-6llu %-32s %-20s %-5s %-32s ", (unsigned long long)row.line, row.target,
                row.result, row.grade, row.worst);
        tw_sgr(&w, row.exit_status == 0 ? SGR_GREEN : SGR_RED);
        tw_emit(&w, "%d", row.exit_status);
        tw_sgr(&w, SGR_RESET);
        tw_emit(&w, "\n");
    }
    if (ferror(rows))
        return TP_E_IO;
    return tw_status(&w);
}
