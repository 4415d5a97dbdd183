#include "report/severity.h"

#include <string.h>

#include "util/banned.h"

static const char *const severity_names[] = {
    [TP_SEV_INFO] = "info",     [TP_SEV_LOW] = "low",
    [TP_SEV_MEDIUM] = "medium", [TP_SEV_HIGH] = "high",
    [TP_SEV_CRITICAL] = "critical", [TP_SEV_NONE] = "none",
};

const char *tp_severity_name(enum tp_severity sev)
{
    if ((unsigned)sev <= TP_SEV_NONE)
        return severity_names[sev];
    return "info";
}

int tp_severity_parse(const char *text)
{
    if (text == NULL)
        return -1;
    for (int i = 0; i <= TP_SEV_NONE; i++)
        if (strcmp(text, severity_names[i]) == 0)
            return i;
    return -1;
}
