/* severity.h: finding severities, ordered so that a larger value is worse. */
#ifndef TP_SEVERITY_H
#define TP_SEVERITY_H

enum tp_severity {
    TP_SEV_INFO = 0,
    TP_SEV_LOW,
    TP_SEV_MEDIUM,
    TP_SEV_HIGH,
    TP_SEV_CRITICAL,
    TP_SEV_NONE, /* only as --fail-on none: nothing fails the run */
};

/* "info" ... "critical", "none". */
const char *tp_severity_name(enum tp_severity sev);
/* Parse a name; returns -1 if unknown. */
int tp_severity_parse(const char *text);

#endif
