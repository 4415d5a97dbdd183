#include "grade/catalog.h"

#include <string.h>

#include "util/banned.h"

const struct tp_finding_info *tp_finding_lookup(const char *id)
{
    if (id == NULL)
        return NULL;
    for (size_t i = 0; i < tp_finding_catalog_count; i++)
        if (strcmp(tp_finding_catalog[i].id, id) == 0)
            return &tp_finding_catalog[i];
    return NULL;
}
