/* stats.c: see stats.h. Percentiles use the nearest-rank method (no
 * interpolation), so every reported figure is one that was measured. */
#include "timing/stats.h"

#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

tp_status tp_stats_compute(const uint64_t *samples, size_t n, struct tp_stats *out, tp_error *err)
{
    if (n == 0 || samples == NULL)
        return tp_fail(err, TP_E_USAGE, "statistics of no samples");
    if (n > SIZE_MAX / sizeof *samples)
        return tp_fail(err, TP_E_LIMIT, "too many samples");
    uint64_t *sorted = malloc(n * sizeof *sorted);
    if (sorted == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory sorting %zu samples", n);
    memcpy(sorted, samples, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_u64);

    memset(out, 0, sizeof *out);
    out->n = n;
    out->min = sorted[0];
    out->max = sorted[n - 1];
    if (n % 2 == 1) {
        out->median = sorted[n / 2];
    } else {
        uint64_t a = sorted[n / 2 - 1], b = sorted[n / 2];
        out->median = a + (b - a) / 2; /* no overflow, rounds down */
    }
    /* Nearest rank: rank = ceil(95 n / 100), 1-based. */
    size_t rank = n <= SIZE_MAX / 95 ? (95 * n + 99) / 100 : n - n / 20;
    out->p95 = sorted[rank - 1];
    /* Running mean: no overflow for large sums. */
    double mean = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += ((double)sorted[i] - mean) / (double)(i + 1);
    out->mean = mean;
    free(sorted);
    return TP_OK;
}
