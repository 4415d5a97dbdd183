/* array.h: growing a heap array one element at a time. */
#ifndef TP_ARRAY_H
#define TP_ARRAY_H

#include <stddef.h>

/* Grow *array (of *count elements of elem bytes) by one zeroed element and
 * return it; NULL (array unchanged) on overflow or allocation failure. */
void *tp_array_grow_one(void **array, size_t *count, size_t elem);

#endif
