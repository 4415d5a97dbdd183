#include "util/array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

void *tp_array_grow_one(void **array, size_t *count, size_t elem)
{
    if (elem == 0 || *count >= SIZE_MAX / elem - 1)
        return NULL;
    void *bigger = realloc(*array, (*count + 1) * elem);
    if (bigger == NULL)
        return NULL;
    *array = bigger;
    void *slot = (char *)bigger + *count * elem;
    memset(slot, 0, elem);
    (*count)++;
    return slot;
}
