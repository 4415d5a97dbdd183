/* Unit tests for src/wire/registry.c: the lookups by code are binary
 * searches over the generated tables, so every row must be findable by its
 * own code (the tables sorted, without duplicates), and a code between two
 * rows must not be. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "wire/registry.h"

#include "util/banned.h"

static void test_suites_sorted_and_findable(void **state)
{
    (void)state;
    size_t ssl2 = 0;
    for (size_t i = 0; i < tp_suites_count; i++) {
        const struct tp_suite_info *s = &tp_suites[i];
        if (i > 0) {
            const struct tp_suite_info *p = &tp_suites[i - 1];
            /* strictly increasing (wire_len, code): sorted and no duplicate */
            assert_true(p->wire_len < s->wire_len ||
                        (p->wire_len == s->wire_len && p->code < s->code));
        }
        if (s->wire_len == 3) {
            ssl2++;
            assert_ptr_equal(tp_ssl2_kind_by_code(s->code), s);
            assert_true((s->flags & TP_SF_SSL2) != 0);
        } else {
            assert_int_equal(s->wire_len, 2);
            assert_true(s->code <= 0xffff);
            assert_ptr_equal(tp_suite_by_code((uint16_t)s->code), s);
            /* a TLS code is never taken for an SSL 2.0 kind */
            const struct tp_suite_info *k = tp_ssl2_kind_by_code(s->code);
            assert_true(k == NULL || k->wire_len == 3);
        }
    }
    assert_true(tp_suites_count > 300);
    assert_true(ssl2 >= 7); /* the SSL 2.0 kinds of draft-hickman */
}

static void test_known_codes(void **state)
{
    (void)state;
    const struct tp_suite_info *s = tp_suite_by_code(0xC02F);
    assert_non_null(s);
    assert_string_equal(tp_suite_name(s), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_non_null(tp_suite_by_code(0x1301));
    assert_non_null(tp_suite_by_code(0x0000)); /* the first row */
    s = tp_ssl2_kind_by_code(0x010080);
    assert_non_null(s);
    assert_true(s->flags & TP_SF_RC4);
    assert_null(tp_ssl2_kind_by_code(0xC02F));
    assert_null(tp_suite_by_code(0xFFFF));
    assert_string_equal(tp_group_by_code(0x001D)->iana_name, "x25519");
    assert_string_equal(tp_sigscheme_by_code(0x0804)->name, "rsa_pss_rsae_sha256");
    assert_string_equal(tp_extension_by_code(0x0000)->name, "server_name");
    assert_null(tp_extension_by_code(0xFEFE));
}

static void test_code_tables_sorted_and_findable(void **state)
{
    (void)state;
    for (size_t i = 0; i < tp_groups_count; i++) {
        assert_true(i == 0 || tp_groups[i - 1].code < tp_groups[i].code);
        assert_ptr_equal(tp_group_by_code(tp_groups[i].code), &tp_groups[i]);
    }
    for (size_t i = 0; i < tp_sigschemes_count; i++) {
        assert_true(i == 0 || tp_sigschemes[i - 1].code < tp_sigschemes[i].code);
        assert_ptr_equal(tp_sigscheme_by_code(tp_sigschemes[i].code), &tp_sigschemes[i]);
    }
    for (size_t i = 0; i < tp_extensions_count; i++) {
        assert_true(i == 0 || tp_extensions[i - 1].code < tp_extensions[i].code);
        assert_ptr_equal(tp_extension_by_code(tp_extensions[i].code), &tp_extensions[i]);
    }
}

/* Every code not in a table is not found (the whole 16-bit space). */
static void test_absent_codes(void **state)
{
    (void)state;
    size_t suites = 0, groups = 0, schemes = 0, exts = 0;
    for (uint32_t c = 0; c <= 0xffff; c++) {
        const struct tp_suite_info *s = tp_suite_by_code((uint16_t)c);
        if (s != NULL) {
            assert_int_equal(s->code, c);
            suites++;
        }
        const struct tp_group_info *g = tp_group_by_code((uint16_t)c);
        if (g != NULL) {
            assert_int_equal(g->code, c);
            groups++;
        }
        const struct tp_sigscheme_info *ss = tp_sigscheme_by_code((uint16_t)c);
        if (ss != NULL) {
            assert_int_equal(ss->code, c);
            schemes++;
        }
        const struct tp_extension_info *e = tp_extension_by_code((uint16_t)c);
        if (e != NULL) {
            assert_int_equal(e->code, c);
            exts++;
        }
    }
    size_t tls_suites = 0;
    for (size_t i = 0; i < tp_suites_count; i++)
        tls_suites += tp_suites[i].wire_len == 2;
    assert_int_equal(suites, tls_suites);
    assert_int_equal(groups, tp_groups_count);
    assert_int_equal(schemes, tp_sigschemes_count);
    assert_int_equal(exts, tp_extensions_count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suites_sorted_and_findable),
        cmocka_unit_test(test_known_codes),
        cmocka_unit_test(test_code_tables_sorted_and_findable),
        cmocka_unit_test(test_absent_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
