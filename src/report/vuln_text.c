/* vuln_text.c: the "Vulnerabilities" section, one check a line:
 *
 *   Vulnerabilities (--vulns)
 *     Heartbleed (CVE-2014-0160)        not vulnerable  no heartbeat response ...
 *
 * Details may quote what the peer sent: they are escaped. */
#include "report/text_util.h"
#include "report/vuln_render.h"

#include <stdio.h>
#include <string.h>

#include "util/banned.h"

#define LABEL_WIDTH 52

static const char *result_colour(enum tp_vuln_result r)
{
    switch (r) {
    case TP_VULN_YES:
        return SGR_BOLD_RED;
    case TP_VULN_NO:
        return SGR_GREEN;
    default:
        return SGR_YELLOW;
    }
}

static void line(struct text_writer *w, const struct tp_vuln *v)
{
    char label[128];
    if (v->cve != NULL)
        snprintf(label, sizeof label, "%s (%s)", v->name, v->cve);
    else
        snprintf(label, sizeof label, "%s", v->name);
    tw_emit(w, "%*s", w->indent, "");
    tw_esc_pad(w, label, LABEL_WIDTH);
    tw_emit(w, " ");
    tw_sgr(w, result_colour(v->result));
    tw_emit(w, "%-14s", tp_vuln_result_name(v->result));
    tw_sgr(w, SGR_RESET);
    if (v->detail != NULL) {
        tw_emit(w, " ");
        tw_esc(w, v->detail);
    }
    tw_emit(w, "\n");
}

tp_status vuln_render_text(FILE *out, const struct tp_vulns *vulns, bool colour)
{
    if (vulns == NULL)
        return TP_OK;
    struct text_writer w = {.out = out, .colour = colour, .indent = 2, .status = TP_OK};
    tw_section(&w, "Vulnerabilities");
    for (size_t i = 0; i < vulns->n; i++)
        line(&w, &vulns->items[i]);
    return tw_status(&w);
}
