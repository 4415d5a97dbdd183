/* catalog.h: the finding catalog, generated from src/data/findings.csv.
 * Each finding tlsprobe can raise has a stable id (a contract, like the JSON
 * schema: added, never renamed), a default severity, a title and the
 * standard or guidance behind it. */
#ifndef TP_CATALOG_H
#define TP_CATALOG_H

#include <stddef.h>

#include "report/severity.h"

struct tp_finding_info {
    const char *id;
    enum tp_severity severity;
    const char *title;
    const char *reference;
};

extern const struct tp_finding_info tp_finding_catalog[];
extern const size_t tp_finding_catalog_count;

/* NULL if the id is not in the catalog. */
const struct tp_finding_info *tp_finding_lookup(const char *id);

#endif
