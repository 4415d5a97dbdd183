/* vuln_model.c: the --vulns model's helpers (vuln_model.h). */
#include "report/vuln_model.h"

#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

void tp_vulns_init(struct tp_vulns *v)
{
    memset(v, 0, sizeof *v);
}

void tp_vulns_finish(struct tp_vulns *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->n; i++)
        free(v->items[i].detail);
    free(v->items);
    tp_vulns_init(v);
}

struct tp_vuln *tp_vulns_add(struct tp_vulns *v)
{
    struct tp_vuln *grown = realloc(v->items, (v->n + 1) * sizeof *grown);
    if (grown == NULL)
        return NULL;
    v->items = grown;
    memset(&grown[v->n], 0, sizeof grown[v->n]);
    return &grown[v->n++];
}

const struct tp_vuln *tp_vulns_find(const struct tp_vulns *v, const char *id)
{
    for (size_t i = 0; v != NULL && i < v->n; i++)
        if (strcmp(v->items[i].id, id) == 0)
            return &v->items[i];
    return NULL;
}

const char *tp_vuln_result_name(enum tp_vuln_result result)
{
    switch (result) {
    case TP_VULN_YES:
        return "vulnerable";
    case TP_VULN_NO:
        return "not vulnerable";
    default:
        return "unknown";
    }
}
