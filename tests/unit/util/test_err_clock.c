/* test_err_clock.c: tp_fail (first failure wins) and the deadline helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/clock.h"
#include "util/err.h"
#include "util/banned.h"

static void test_fail_first_wins(void **state)
{
    (void)state;
    tp_error err = {0};
    assert_int_equal(tp_fail(&err, TP_E_CONNECT, "cannot connect to %s: %s", "127.0.0.1",
                             "refused"),
                     TP_E_CONNECT);
    assert_int_equal(err.status, TP_E_CONNECT);
    assert_string_equal(err.msg, "cannot connect to 127.0.0.1: refused");
    /* A later failure returns its own status but keeps the first message. */
    assert_int_equal(tp_fail(&err, TP_E_TIMEOUT, "later"), TP_E_TIMEOUT);
    assert_int_equal(err.status, TP_E_CONNECT);
    assert_string_equal(err.msg, "cannot connect to 127.0.0.1: refused");
    tp_error_clear(&err);
    assert_int_equal(err.status, TP_OK);
    assert_string_equal(err.msg, "");
    assert_int_equal(tp_fail(&err, TP_E_PARSE, "second life"), TP_E_PARSE);
    assert_string_equal(err.msg, "second life");
}

static void test_fail_null_and_long(void **state)
{
    (void)state;
    assert_int_equal(tp_fail(NULL, TP_E_IO, "nobody listens"), TP_E_IO);
    tp_error_clear(NULL);
    tp_error err = {0};
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(tp_fail(&err, TP_E_LIMIT, "%s", big), TP_E_LIMIT);
    assert_int_equal(strlen(err.msg), sizeof err.msg - 1);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(tp_status_name(TP_OK), "ok");
    assert_string_equal(tp_status_name(TP_E_TIMEOUT), "timeout");
    assert_string_equal(tp_status_name(TP_E_TLS), "tls");
    assert_string_equal(tp_status_name(TP_E_PARSE), "malformed");
    assert_string_equal(tp_status_name(TP_E_INTERNAL), "internal");
    assert_string_equal(tp_status_name((tp_status)999), "internal");
    assert_string_equal(tp_status_name((tp_status)-1), "internal");
    for (int s = TP_OK; s <= TP_E_INTERNAL; s++)
        assert_non_null(tp_status_name((tp_status)s));
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void test_now_is_monotonic(void **state)
{
    (void)state;
    uint64_t a = tp_now_ns();
    sleep_ms(2);
    uint64_t b = tp_now_ns();
    assert_true(b > a);
    assert_true(b - a >= 2000000u);
}

static void test_unbounded_deadline(void **state)
{
    (void)state;
    tp_deadline none = {0};
    assert_false(tp_deadline_passed(none));
    assert_true(tp_deadline_left_ms(none) >= 0x7fffffffu);
    /* The min of "none" and 50 ms is 50 ms. */
    tp_deadline d = tp_deadline_min_ms(none, 50);
    assert_int_not_equal(d.at_ns, 0);
    assert_true(tp_deadline_left_ms(d) <= 50);
    assert_true(tp_deadline_left_ms(d) >= 40);
}

static void test_deadline_passes(void **state)
{
    (void)state;
    tp_deadline d = tp_deadline_in_ms(20);
    assert_false(tp_deadline_passed(d));
    uint32_t left = tp_deadline_left_ms(d);
    assert_true(left >= 1 && left <= 20);
    sleep_ms(25);
    assert_true(tp_deadline_passed(d));
    assert_int_equal(tp_deadline_left_ms(d), 0);
    /* Zero milliseconds is "now": already passed. */
    tp_deadline now = tp_deadline_in_ms(0);
    assert_true(tp_deadline_passed(now));
    assert_int_equal(tp_deadline_left_ms(now), 0);
}

/* Less than a millisecond left still reports 1 ms, not 0 (which would
 * read as "passed" to a poll() caller). */
static void test_left_rounds_up(void **state)
{
    (void)state;
    tp_deadline d = {.at_ns = tp_now_ns() + 200000u}; /* 0.2 ms */
    uint32_t left = tp_deadline_left_ms(d);
    assert_true(left == 1 || (left == 0 && tp_deadline_passed(d)));
}

static void test_deadline_min(void **state)
{
    (void)state;
    tp_deadline far = tp_deadline_in_ms(10000);
    tp_deadline near = tp_deadline_min_ms(far, 100);
    assert_true(near.at_ns < far.at_ns);
    assert_true(tp_deadline_left_ms(near) <= 100);
    /* The overall deadline wins when it is sooner. */
    tp_deadline soon = tp_deadline_in_ms(100);
    tp_deadline d = tp_deadline_min_ms(soon, 10000);
    assert_int_equal(d.at_ns, soon.at_ns);
    /* A passed deadline stays passed. */
    tp_deadline past = {.at_ns = 1};
    assert_true(tp_deadline_passed(tp_deadline_min_ms(past, 10000)));
}

static void test_wall_clock(void **state)
{
    (void)state;
    int64_t t = tp_wall_seconds();
    assert_true(t > 1700000000); /* after 2023-11 */
    assert_true(t >= (int64_t)time(NULL) - 1 && t <= (int64_t)time(NULL) + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_first_wins),
        cmocka_unit_test(test_fail_null_and_long),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_now_is_monotonic),
        cmocka_unit_test(test_unbounded_deadline),
        cmocka_unit_test(test_deadline_passes),
        cmocka_unit_test(test_left_rounds_up),
        cmocka_unit_test(test_deadline_min),
        cmocka_unit_test(test_wall_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
