/* stats.h: summary of repeated measurements (--repeat N). */
#ifndef TP_TIMING_STATS_H
#define TP_TIMING_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct tp_stats {
    size_t n;
    uint64_t min, max;
    uint64_t median; /* middle value; for an even count the mean of the two
                      * middle values, rounded down */
    uint64_t p95;    /* nearest rank: the ceil(0.95 n)-th smallest value */
    double mean;
};

/* Summarise n >= 1 samples (the array is not modified). TP_E_USAGE for
 * n == 0, TP_E_NOMEM if the sorted copy cannot be allocated. */
TP_MUST_CHECK tp_status tp_stats_compute(const uint64_t *samples, size_t n, struct tp_stats *out,
                                         tp_error *err);

#endif
