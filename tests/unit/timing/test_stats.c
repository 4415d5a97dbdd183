/* min / median / p95 (nearest rank) / max / mean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "timing/stats.h"

#include "util/banned.h"

static void odd_count(void **state)
{
    (void)state;
    const uint64_t v[] = {50, 10, 40, 20, 30};
    struct tp_stats s;
    assert_int_equal(tp_stats_compute(v, 5, &s, NULL), TP_OK);
    assert_int_equal(s.n, 5);
    assert_int_equal(s.min, 10);
    assert_int_equal(s.median, 30);
    assert_int_equal(s.max, 50);
    /* nearest rank: ceil(0.95 * 5) = 5th smallest */
    assert_int_equal(s.p95, 50);
    assert_true(s.mean > 29.999 && s.mean < 30.001);
    assert_int_equal(v[0], 50); /* input untouched */
}

static void even_count(void **state)
{
    (void)state;
    const uint64_t v[] = {4, 1, 3, 2};
    struct tp_stats s;
    assert_int_equal(tp_stats_compute(v, 4, &s, NULL), TP_OK);
    assert_int_equal(s.median, 2); /* (2 + 3) / 2 rounded down */
    assert_true(s.mean > 2.499 && s.mean < 2.501);
    const uint64_t w[] = {UINT64_MAX, UINT64_MAX - 2};
    assert_int_equal(tp_stats_compute(w, 2, &s, NULL), TP_OK);
    assert_true(s.median == UINT64_MAX - 1); /* no overflow */
}

static void p95_nearest_rank(void **state)
{
    (void)state;
    uint64_t v[20], w[21], x[100];
    for (int i = 0; i < 20; i++)
        v[i] = (uint64_t)(20 - i); /* 1..20 reversed */
    for (int i = 0; i < 21; i++)
        w[i] = (uint64_t)(i + 1) * 10;
    for (int i = 0; i < 100; i++)
        x[i] = (uint64_t)i + 1;
    struct tp_stats s;
    /* n = 20: rank ceil(19.0) = 19 -> 19 */
    assert_int_equal(tp_stats_compute(v, 20, &s, NULL), TP_OK);
    assert_int_equal(s.p95, 19);
    assert_int_equal(s.median, 10); /* (10 + 11) / 2 */
    /* n = 21: rank ceil(19.95) = 20 -> 200 */
    assert_int_equal(tp_stats_compute(w, 21, &s, NULL), TP_OK);
    assert_int_equal(s.p95, 200);
    assert_int_equal(s.median, 110);
    /* n = 100: rank 95 -> 95 */
    assert_int_equal(tp_stats_compute(x, 100, &s, NULL), TP_OK);
    assert_int_equal(s.p95, 95);
}

static void single_sample(void **state)
{
    (void)state;
    const uint64_t v[] = {1234};
    struct tp_stats s;
    assert_int_equal(tp_stats_compute(v, 1, &s, NULL), TP_OK);
    assert_int_equal(s.min, 1234);
    assert_int_equal(s.median, 1234);
    assert_int_equal(s.p95, 1234);
    assert_int_equal(s.max, 1234);
    assert_true(s.mean == 1234.0);
}

static void no_samples(void **state)
{
    (void)state;
    struct tp_stats s;
    tp_error err = {0};
    uint64_t v = 1;
    assert_int_equal(tp_stats_compute(&v, 0, &s, &err), TP_E_USAGE);
    assert_string_equal(err.msg, "statistics of no samples");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(odd_count),        cmocka_unit_test(even_count),
        cmocka_unit_test(p95_nearest_rank), cmocka_unit_test(single_sample),
        cmocka_unit_test(no_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
