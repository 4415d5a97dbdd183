/* vuln_model.h: plain data for --vulns (src/vuln/): one entry per check,
 * each answered vulnerable, not vulnerable or unknown, with the reason.
 * The id, name, CVE and reference are static strings of the check table;
 * detail is owned and freed by tp_vulns_finish(). */
#ifndef TP_VULN_MODEL_H
#define TP_VULN_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* Unknown first: a check that cannot decide says so, never "no". */
enum tp_vuln_result { TP_VULN_UNKNOWN = 0, TP_VULN_NO, TP_VULN_YES };

struct tp_vuln {
    const char *id;        /* stable JSON id: "heartbleed", "ccs-injection", ... */
    const char *name;      /* "Heartbleed" */
    const char *cve;       /* "CVE-2014-0160", NULL if none */
    const char *reference; /* what the probe follows */
    enum tp_vuln_result result;
    char *detail;          /* one line: what was seen, or why unknown */
};

struct tp_vulns {
    struct tp_vuln *items;
    size_t n;
    uint32_t connections;  /* TCP connections the checks opened */
    uint64_t elapsed_us;
};

void tp_vulns_init(struct tp_vulns *v);
void tp_vulns_finish(struct tp_vulns *v);
/* A zeroed entry owned by v, or NULL (no memory). */
struct tp_vuln *tp_vulns_add(struct tp_vulns *v);
/* The entry with id, or NULL. */
const struct tp_vuln *tp_vulns_find(const struct tp_vulns *v, const char *id);
/* "vulnerable", "not vulnerable", "unknown". */
const char *tp_vuln_result_name(enum tp_vuln_result result);

#endif
