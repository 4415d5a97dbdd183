/* test_intolerance.c: the search for the part of a ClientHello a server
 * aborts on (scan/intolerance.h), against model servers: which parts a
 * server chokes on alone, which only together, and one that fails
 * whatever is left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "report/model.h"
#include "scan/intolerance.h"
#include "util/banned.h"

struct model {
    uint32_t alone;    /* each of these aborts the handshake by itself */
    uint32_t together; /* these abort only when all are present (0: none) */
    bool broken;       /* aborts whatever the offer */
};

static bool completes(const struct model *m, uint32_t omit)
{
    uint32_t sent = TP_OFFER_ALL & ~omit;
    if (m->broken || (m->alone & sent) != 0)
        return false;
    return m->together == 0 || (m->together & sent) != m->together;
}

/* Run the search; the last completed offer's omit mask goes in *last. */
static struct intol_search search(const struct model *m, uint32_t parts, uint32_t *last)
{
    struct intol_search s;
    uint32_t omit;
    intol_init(&s, parts);
    *last = UINT32_MAX;
    while (intol_next(&s, &omit)) {
        assert_true(s.asked <= 2u * TP_OFFER_COUNT + 2u);
        bool ok = completes(m, omit);
        if (ok)
            *last = omit;
        intol_answer(&s, ok);
    }
    return s;
}

static void test_status_request_alone(void **state)
{
    (void)state;
    struct model m = {.alone = TP_OFFER_STATUS_REQUEST};
    uint32_t last;
    struct intol_search s = search(&m, TP_OFFER_ALL, &last);
    assert_true(s.intolerant);
    assert_int_equal(s.culprits, TP_OFFER_STATUS_REQUEST);
    /* The plain offer, the full one without extended_master_secret (tried
     * first, see model.h), then without status_request, which is the
     * tolerated offer itself: three connections. */
    assert_int_equal(s.asked, 3);
    assert_int_equal(last, TP_OFFER_STATUS_REQUEST);
}

static void test_later_part(void **state)
{
    (void)state;
    struct model m = {.alone = TP_OFFER_SUPPORTED_VERSIONS};
    uint32_t last;
    struct intol_search s = search(&m, TP_OFFER_ALL, &last);
    assert_true(s.intolerant);
    assert_int_equal(s.culprits, TP_OFFER_SUPPORTED_VERSIONS);
    assert_int_equal(last, s.culprits);
}

static void test_two_culprits(void **state)
{
    (void)state;
    struct model m = {.alone = TP_OFFER_STATUS_REQUEST | TP_OFFER_RECORD_SIZE_LIMIT};
    uint32_t last;
    struct intol_search s = search(&m, TP_OFFER_ALL, &last);
    assert_true(s.intolerant);
    assert_int_equal(s.culprits, TP_OFFER_STATUS_REQUEST | TP_OFFER_RECORD_SIZE_LIMIT);
    assert_int_equal(last, s.culprits);
}

static void test_only_together(void **state)
{
    (void)state;
    struct model m = {.together = TP_OFFER_PADDING | TP_OFFER_ALPN};
    uint32_t last;
    struct intol_search s = search(&m, TP_OFFER_ALL, &last);
    assert_true(s.intolerant);
    /* Neither can be singled out; leaving either out is enough. */
    assert_true(s.culprits != 0);
    assert_true(completes(&m, s.culprits));
    assert_int_equal(last, s.culprits);
}

static void test_broken_server_costs_one(void **state)
{
    (void)state;
    struct model m = {.broken = true};
    uint32_t last;
    struct intol_search s = search(&m, TP_OFFER_ALL, &last);
    assert_false(s.intolerant);
    assert_int_equal(s.culprits, 0);
    assert_int_equal(s.asked, 1);
    assert_int_equal(last, UINT32_MAX);
}

static void test_single_part(void **state)
{
    (void)state;
    struct model m = {.alone = TP_OFFER_STATUS_REQUEST};
    uint32_t last;
    struct intol_search s = search(&m, TP_OFFER_STATUS_REQUEST, &last);
    assert_true(s.intolerant);
    assert_int_equal(s.culprits, TP_OFFER_STATUS_REQUEST);
    assert_int_equal(s.asked, 1);
}

static void test_subset_of_parts(void **state)
{
    (void)state;
    /* The culprit is not among the parts that may be left out: the plain
     * offer still aborts, so no intolerance is claimed. */
    struct model m = {.alone = TP_OFFER_ALPN};
    uint32_t last;
    struct intol_search s = search(&m, TP_OFFER_STATUS_REQUEST | TP_OFFER_SESSION_TICKET, &last);
    assert_false(s.intolerant);
    assert_int_equal(s.culprits, 0);
}

static void test_nothing_to_try(void **state)
{
    (void)state;
    struct intol_search s;
    uint32_t omit;
    intol_init(&s, 0);
    assert_false(intol_next(&s, &omit));
    assert_false(s.intolerant);
}

static void test_part_names(void **state)
{
    (void)state;
    for (unsigned i = 0; i < TP_OFFER_COUNT; i++) {
        assert_non_null(tp_offer_part_name(1u << i));
        assert_non_null(tp_offer_part_consequence(1u << i));
    }
    assert_string_equal(tp_offer_part_name(TP_OFFER_STATUS_REQUEST), "status_request");
    assert_null(tp_offer_part_name(1u << TP_OFFER_COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_request_alone),
        cmocka_unit_test(test_later_part),
        cmocka_unit_test(test_two_culprits),
        cmocka_unit_test(test_only_together),
        cmocka_unit_test(test_broken_server_costs_one),
        cmocka_unit_test(test_single_part),
        cmocka_unit_test(test_subset_of_parts),
        cmocka_unit_test(test_nothing_to_try),
        cmocka_unit_test(test_part_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
